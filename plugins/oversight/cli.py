"""Command line: `python -m oversight.cli <command>`; `make run` calls `run`.

Commands:
  run                  bootstrap, then run every DAG with Airflow (`airflow dags test`) and print the summary
  bootstrap            start the embedded warehouse if needed, create schemas, init Airflow's metadata DB
  airflow ARGS...      run the Airflow CLI with this project's Airflow settings (e.g. `airflow dags list`)
  summary              print the summary of the last run
  ping --url URL       exit 0 if a PostgreSQL server answers at URL
  warehouse-url        print the warehouse URL in use (starts the embedded server if needed)
  backfill SOURCE FROM TO   run ingest_<SOURCE> once per period FROM..TO (YYYY-MM), in order, then
                       build_and_publish_marts; missing periods are listed and make it exit 1
  backfill SOURCE FROM TO --scheduler   the same through Airflow's own backfill (`airflow backfill
                       create`) on the running `make serve` scheduler (oversight.backfill)
  stop                 stop the embedded warehouse server (it keeps running between runs otherwise)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

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
    from oversight.serve import ADMIN_USER_ENV, DEFAULT_ADMIN_USER, write_airflow_cfg

    write_airflow_cfg(airflow_home, os.environ.get(ADMIN_USER_ENV, DEFAULT_ADMIN_USER), executor=None)
    marker = airflow_home / ".migrated"
    if not marker.exists():
        run_airflow(["db", "migrate"], settings, capture=True)
        marker.write_text("ok\n")
    return target.url


def run_dags(
    dag_ids: list[str], settings: Settings, extra_env: dict[str, str] | None = None, echo: bool = True
) -> tuple[dict[str, str], str]:
    """Run DAGs with Airflow (`dag.test()`, as `airflow dags test` does) in one process, in order.
    Returns each DAG's outcome (ok / failed / not run) and the runner's output."""
    import json

    process = subprocess.Popen(
        [sys.executable, "-m", "oversight.airflow_runner", *dag_ids],
        env=airflow_env(settings, extra_env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    outcome: dict[str, str] = {}
    assert process.stdout is not None
    for line in process.stdout:
        output.append(line)
        if line.startswith("RESULT "):
            outcome = json.loads(line[7:])
        elif echo:
            print(line, end="", flush=True)
    process.wait()
    return {dag_id: outcome.get(dag_id, "not run") for dag_id in dag_ids}, "".join(output)


def run_all(settings: Settings) -> int:
    from oversight import reports, run_id

    started = time.monotonic()
    current = os.environ.get("OVERSIGHT_RUN_ID") or run_id.new_run_id("cli")
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
    """One real Airflow DAG run per period (`airflow dags test ingest_<source> --conf {"period": …}`)."""
    import json

    from oversight.sources import get_source

    spec = get_source(source)
    if spec.period_grain is None:
        print(f"source {source} has no periodic files: run its DAG instead", file=sys.stderr)
        return 2
    step = {"month": 1, "quarter": 3, "year": 12}[spec.period_grain]
    y, m = (int(x) for x in first.split("-")[:2])
    end = tuple(int(x) for x in last.split("-")[:2])
    url = bootstrap(settings)
    extra = {} if settings.warehouse_url else {"WAREHOUSE_URL": url}
    failed: list[str] = []
    while (y, m) <= end:
        period = f"{y:04d}-{m:02d}"
        result = run_airflow(
            ["dags", "test", f"ingest_{source}", "--conf", json.dumps({"period": period})],
            settings,
            extra_env=extra,
            check=False,
        )
        print(f"    ingest_{source} {period}: {'ok' if result.returncode == 0 else 'FAILED'}", flush=True)
        if result.returncode != 0:
            failed.append(period)
        y, m = divmod(y * 12 + m - 1 + step, 12)
        m += 1
    model = run_airflow(["dags", "test", MODEL_DAG], settings, extra_env=extra, check=False)
    print(f"    {MODEL_DAG}: {'ok' if model.returncode == 0 else 'FAILED'}", flush=True)
    if failed:
        print(
            f"backfill of {source}: period(s) not loaded (missing or quarantined): {', '.join(failed)}",
            file=sys.stderr,
        )
    return 1 if failed or model.returncode else 0


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


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["airflow"]:
        settings = get_settings()
        url = bootstrap(settings)
        extra = {} if settings.warehouse_url else {"WAREHOUSE_URL": url}
        return run_airflow(argv[1:], settings, extra_env=extra, check=False).returncode
    parser = argparse.ArgumentParser(
        prog="oversight", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run")
    sub.add_parser("bootstrap")
    sub.add_parser("summary")
    sub.add_parser("warehouse-url")
    sub.add_parser("stop")
    backfill_parser = sub.add_parser("backfill")
    backfill_parser.add_argument("source")
    backfill_parser.add_argument("first", metavar="FROM")
    backfill_parser.add_argument("last", metavar="TO")
    backfill_parser.add_argument(
        "--scheduler",
        action="store_true",
        help="through `airflow backfill create` on the make-serve scheduler",
    )
    ping_parser = sub.add_parser("ping")
    ping_parser.add_argument("--url", required=True)
    sub.add_parser("airflow", help="the Airflow CLI with this project's settings, e.g. `airflow dags list`")
    args = parser.parse_args(argv)
    settings = get_settings()
    if args.command == "run":
        return run_all(settings)
    if args.command == "bootstrap":
        print(bootstrap(settings))
        return 0
    if args.command == "summary":
        from oversight.summary import print_summary

        print_summary(settings)
        return 0
    if args.command == "warehouse-url":
        from oversight import warehouse

        print(warehouse.resolve(settings).url)
        return 0
    if args.command == "backfill" and args.scheduler:
        from oversight import serve
        from oversight.backfill import scheduler_backfill

        port = int(os.environ.get("AIRFLOW_PORT", "8080"))
        return scheduler_backfill(args.source, args.first, args.last, serve.serve_env(settings, port))
    if args.command == "backfill":
        return backfill(settings, args.source, args.first, args.last)
    if args.command == "stop":
        from oversight import warehouse

        print("stopped" if warehouse.stop_embedded(settings) else "the embedded server was not running")
        return 0
    if args.command == "ping":
        return ping(args.url)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
