"""Command line: `python -m oversight.cli COMMAND`; `make run` calls `run`. `--help` lists the commands,
`COMMAND --help` explains one."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from oversight import lineage_events
from oversight.settings import REPO_ROOT, Settings, get_settings

FIRST_SOURCES = ("ods", "cqc")  # the organisation reference and ratings first; then the rest alphabetically


def ingestion_dags() -> list[str]:
    from oversight.sources import SOURCES

    ordered = [*[s for s in FIRST_SOURCES if s in SOURCES], *sorted(set(SOURCES) - set(FIRST_SOURCES))]
    return [f"ingest_{name}" for name in ordered]


MODEL_DAG = "build_and_publish_marts"


def airflow_env(settings: Settings, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Airflow settings for the embedded default: SQLite metadata DB under OVERSIGHT_HOME/airflow."""
    airflow_home = settings.home / "airflow"
    env = dict(os.environ)
    env.update(
        {
            "AIRFLOW_HOME": str(airflow_home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO_ROOT / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
            "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "120",
            # INFO: `airflow dags test` prints each task's log (make run asks for WARNING: see run_all)
            "AIRFLOW__LOGGING__LOGGING_LEVEL": env.get("AIRFLOW__LOGGING__LOGGING_LEVEL", "INFO"),
            "GX_ANALYTICS_ENABLED": "False",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT / "plugins"), env.get("PYTHONPATH")])),
            "OVERSIGHT_HOME": str(settings.home),
            "LANDING_DIR": str(settings.landing_dir),
        }
    )
    env.setdefault("OVERSIGHT_TASK_RETRIES", "0")  # one-shot runs fail at once (see dag_defaults)
    env.setdefault("PYTHONWARNINGS", "ignore")  # Airflow's optional-dependency warnings drown the output
    env.setdefault("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", f"sqlite:///{airflow_home / 'airflow.db'}")
    for key, value in lineage_events.airflow_env(settings).items():  # OpenLineage file transport
        env.setdefault(key, value)
    if extra:
        env.update(extra)
    return env


def _airflow_bin() -> str:
    return str(Path(sys.executable).with_name("airflow"))


def run_airflow(
    args: list[str],
    settings: Settings,
    extra_env: dict[str, str] | None = None,
    check: bool = True,
    capture: bool = False,
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [_airflow_bin(), *args],
        env=airflow_env(settings, extra_env),
        check=check,
        capture_output=capture,
        text=True,
    )


def bootstrap(settings: Settings) -> str:
    from oversight import warehouse

    target = warehouse.resolve(settings)
    warehouse.bootstrap(target, settings.bi_role)
    airflow_home = settings.home / "airflow"
    from oversight.serve import write_airflow_cfg

    write_airflow_cfg(airflow_home, settings.admin_user, executor=None)
    marker = airflow_home / ".migrated"
    if not marker.exists():
        run_airflow(["db", "migrate"], settings, capture=True)
        marker.write_text("ok\n")
    return target.url


def start_runner(
    args: list[str], settings: Settings, extra_env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    """The Airflow runner (oversight.airflow_runner `args`) in a process of its own, its stdout and
    stderr one text pipe: DAG, TASK and RESULT lines (oversight.progress) among Airflow's output."""
    return subprocess.Popen(
        [sys.executable, "-m", "oversight.airflow_runner", *args],
        env=airflow_env(settings, extra_env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def run_dags(
    dag_ids: list[str], settings: Settings, extra_env: dict[str, str] | None = None, echo: bool = True
) -> tuple[dict[str, str], str]:
    """Run DAGs with Airflow (`dag.test()`, as `airflow dags test` does) in one process, in order.
    Returns each DAG's outcome (ok / failed / not run) and the runner's output. With `echo`, one
    progress line per DAG as the runner reports it (oversight.airflow_runner), and its other output."""
    from oversight import progress

    process = start_runner(dag_ids, settings, extra_env)
    output: list[str] = []
    assert process.stdout is not None
    with progress.DagProgress(dag_ids, enabled=echo) as shown:
        for line in process.stdout:
            output.append(line)
            shown.feed(line)
    process.wait()
    return {dag_id: shown.outcome.get(dag_id, "not run") for dag_id in dag_ids}, "".join(output)


def run_all(settings: Settings) -> int:
    from oversight import reports, run_id

    started = time.monotonic()
    current = settings.run_id or run_id.new_run_id("cli")
    os.environ["OVERSIGHT_RUN_ID"] = current  # every DAG run of this `run` files its reports here
    reports.write_report(reports.RUN_STATUS, {"status": "running"}, settings, current)
    failed: list[str] = []
    try:
        url = bootstrap(settings)
        extra = {"OVERSIGHT_RUN_ID": current, **({} if settings.warehouse_url else {"WAREHOUSE_URL": url})}
        # make run prints one line per DAG and the summary; task logs stay in the Airflow log folder
        extra.setdefault(
            "AIRFLOW__LOGGING__LOGGING_LEVEL", os.environ.get("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")
        )
        outcome, _ = run_dags([*ingestion_dags(), MODEL_DAG], settings, extra)
        failed = [f"{dag_id} ({state})" for dag_id, state in outcome.items() if state != "ok"]
    except BaseException as error:
        failed = failed or [f"run ({type(error).__name__}: {error})"]
        raise
    finally:
        reports.write_report(
            reports.RUN_STATUS,
            {"status": "failed" if failed else "succeeded", "failed": failed},
            settings,
            current,
        )
    from oversight.summary import print_summary

    print_summary(settings, elapsed_seconds=time.monotonic() - started, failed_dags=failed, run_id=current)
    return 1 if failed else 0


def backfill(settings: Settings, source: str, first: str, last: str) -> int:
    """One real Airflow DAG run per period (`ingest_<source>` with conf `{"period": …}`, as `airflow
    dags test --conf` runs it), in order, all in one Airflow process (oversight.airflow_runner
    `--runs`); then `build_and_publish_marts` if anything was loaded.

    One process, not one `airflow dags test` per period: each of those imported Airflow, dbt and
    Great Expectations again (about 20-30 s each here), which was most of a backfill's time."""
    import json

    from oversight.progress import DAG_DONE, RESULT, TASK_DONE, leading_json
    from oversight.sources import get_source

    spec = get_source(source)
    if spec.period_grain is None:
        print(f"source {source} has no periodic files: run its DAG instead", file=sys.stderr)
        return 2
    step = {"month": 1, "quarter": 3, "year": 12}[spec.period_grain]
    y, m = (int(x) for x in first.split("-")[:2])
    end = tuple(int(x) for x in last.split("-")[:2])
    periods: list[str] = []
    while (y, m) <= end:
        periods.append(f"{y:04d}-{m:02d}")
        y, m = divmod(y * 12 + m - 1 + step, 12)
        m += 1
    url = bootstrap(settings)
    extra = {} if settings.warehouse_url else {"WAREHOUSE_URL": url}
    loads_before = _loads_of(source, url)
    runs = [[f"ingest_{source}", {"period": period}] for period in periods]
    process = start_runner(["--runs", json.dumps(runs)], settings, extra)
    state: dict[str, str] = {}
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith(DAG_DONE):
            done = leading_json(line[len(DAG_DONE) :])
            period = (done.get("conf") or {}).get("period")
            state[period] = done["state"]
            print(f"    ingest_{source} {period}: {'ok' if done['state'] == 'ok' else 'FAILED'}", flush=True)
        elif not line.startswith((TASK_DONE, RESULT)):
            print(line, end="", flush=True)  # Airflow's own output, as `airflow dags test` prints it
    process.wait()
    failed = [period for period in periods if state.get(period) != "ok"]
    if _loads_of(source, url) == loads_before:
        # as under the scheduler, where a run that loads nothing emits no Asset event: no rebuild
        print(f"    {MODEL_DAG}: not run (no new load of {source}; the marts already hold these)", flush=True)
        model_failed = False
    else:
        model = run_airflow(["dags", "test", MODEL_DAG], settings, extra_env=extra, check=False)
        print(f"    {MODEL_DAG}: {'ok' if model.returncode == 0 else 'FAILED'}", flush=True)
        model_failed = model.returncode != 0
    if failed:
        print(
            f"backfill of {source}: period(s) not loaded (missing or quarantined): {', '.join(failed)}",
            file=sys.stderr,
        )
    return 1 if failed or model_failed else 0


def _loads_of(source: str, url: str) -> int:
    """How many files of `source` the manifest holds as loaded (duplicates, quarantines and missing
    periods change nothing in the marts)."""
    from oversight import warehouse

    with warehouse.connect(warehouse.Connection.from_url(url)) as conn:
        query = "select count(*) from raw.load_manifest where source = %s and status = 'loaded'"
        return conn.execute(query, (source,)).fetchone()[0]


def ping(url: str) -> int:
    import psycopg

    from oversight.warehouse import Connection

    try:
        with psycopg.connect(Connection.from_url(url).conninfo, connect_timeout=3) as conn:
            conn.execute("select 1")
    except psycopg.OperationalError as error:
        print(f"no PostgreSQL server at {url}: {error}".strip(), file=sys.stderr)
        return 1
    return 0


def airflow_command(args: list[str]) -> int:
    settings = get_settings()
    url = bootstrap(settings)
    extra = {} if settings.warehouse_url else {"WAREHOUSE_URL": url}
    return run_airflow(args, settings, extra_env=extra, check=False).returncode


# ---- the commands ---------------------------------------------------------------------------------
app = typer.Typer(
    name="oversight",
    help="NHS oversight segmentation warehouse: load the publications, build and publish the marts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)


def _done(code: int) -> None:
    raise typer.Exit(code)


@app.command("run")
def run_command() -> None:
    """Bootstrap, then run every DAG with Airflow and print the run summary.

    The ingestion DAGs (ods and cqc first), then build_and_publish_marts, each as `airflow dags test`
    runs it; one line per DAG as it ends, then the summary. Exits 1 if a DAG failed.
    """
    _done(run_all(get_settings()))


@app.command("bootstrap")
def bootstrap_command() -> None:
    """Start the embedded warehouse if needed, create the schemas, init Airflow's metadata DB.

    Prints the warehouse URL.
    """
    print(bootstrap(get_settings()))


@app.command("airflow", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def airflow_cli(ctx: typer.Context) -> None:
    """The Airflow CLI with this project's Airflow settings, e.g. `airflow dags list`.

    Everything after `airflow` goes to Airflow (`airflow dags test ingest_ae`, `airflow tasks test
    ...`); exits with Airflow's exit code.
    """
    _done(airflow_command(list(ctx.args)))


@app.command("summary")
def summary_command() -> None:
    """Print the summary of the last run: rows per source, dbt, the GX gates, publish, segments."""
    from oversight.summary import print_summary

    print_summary(get_settings())


@app.command("ping")
def ping_command(
    url: Annotated[str, typer.Option("--url", help="a PostgreSQL URL, e.g. postgresql://postgres@host/db")],
) -> None:
    """Exit 0 if a PostgreSQL server answers at URL, else say why and exit 1."""
    _done(ping(url))


@app.command("warehouse-url")
def warehouse_url_command() -> None:
    """Print the warehouse URL in use (starts the embedded server if needed)."""
    from oversight import warehouse

    print(warehouse.resolve(get_settings()).url)


SCHEDULER_HELP = "through `airflow backfill create` on the make-serve scheduler"


@app.command("backfill")
def backfill_command(
    source: Annotated[
        str, typer.Argument(metavar="SOURCE", help="a source with periodic files, e.g. ae, rtt, cancer")
    ],
    first: Annotated[str, typer.Argument(metavar="FROM", help="first period, YYYY-MM")],
    last: Annotated[str, typer.Argument(metavar="TO", help="last period, YYYY-MM")],
    scheduler: Annotated[bool, typer.Option("--scheduler", help=SCHEDULER_HELP)] = False,
) -> None:
    """Run ingest_SOURCE once per period FROM..TO, in order, then build_and_publish_marts.

    Periods not loaded (missing or quarantined) are listed and make it exit 1; a source without
    periodic files exits 2. With --scheduler: the same through Airflow's own backfill on the running
    `make serve` scheduler (oversight.backfill).
    """
    settings = get_settings()
    if scheduler:
        from oversight import serve
        from oversight.backfill import scheduler_backfill

        _done(scheduler_backfill(source, first, last, serve.serve_env(settings, settings.airflow_port)))
    _done(backfill(settings, source, first, last))


@app.command("stop")
def stop_command() -> None:
    """Stop the embedded warehouse server (it keeps running between runs otherwise)."""
    from oversight import warehouse

    stopped = warehouse.stop_embedded(get_settings())
    print("stopped" if stopped else "the embedded server was not running")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["airflow"]:  # everything after it is Airflow's, `--help` included
        return airflow_command(argv[1:])
    try:
        app(args=argv, prog_name="python -m oversight.cli")
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
