"""The command line (typer): its commands, exit codes and help; the per-DAG progress lines; the
summary's table rows; and the runner finding every DAG through Airflow's public API."""

from __future__ import annotations

import io
import subprocess
import sys

import typer
from rich.console import Console
from typer.testing import CliRunner

from oversight import cli, progress, summary
from oversight.settings import get_settings

COMMANDS = {"run", "bootstrap", "airflow", "summary", "ping", "warehouse-url", "backfill", "stop"}
CLOSED_PORT_URL = "postgresql://postgres@127.0.0.1:9/postgres"  # the discard port: nothing listens

runner = CliRunner()


def test_every_command_is_there_with_its_help() -> None:
    group = typer.main.get_command(cli.app)
    assert set(group.commands) == COMMANDS  # type: ignore[attr-defined]
    result = runner.invoke(cli.app, ["--help"])
    assert result.exit_code == 0
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        assert name in result.output and command.help, name
    backfill = runner.invoke(cli.app, ["backfill", "--help"])
    assert "SOURCE" in backfill.output and "FROM" in backfill.output and "--scheduler" in backfill.output


def test_ping_exit_codes(fresh_db) -> None:  # noqa: ANN001
    assert runner.invoke(cli.app, ["ping", "--url", fresh_db.url]).exit_code == 0
    down = runner.invoke(cli.app, ["ping", "--url", CLOSED_PORT_URL])
    assert down.exit_code == 1 and f"no PostgreSQL server at {CLOSED_PORT_URL}" in down.output
    assert runner.invoke(cli.app, ["ping"]).exit_code == 2  # --url is required: a usage error


def test_main_returns_the_exit_code() -> None:
    assert cli.main(["ping", "--url", CLOSED_PORT_URL]) == 1
    assert cli.main(["no-such-command"]) == 2
    assert cli.main(["--help"]) == 0


def test_backfill_of_a_source_without_periods_exits_2_before_any_work() -> None:
    result = runner.invoke(cli.app, ["backfill", "cqc", "2024-01", "2024-03"])
    assert result.exit_code == 2
    assert "source cqc has no periodic files" in result.output


RUNNER_OUTPUT = [
    "==> ingest_ods\n",
    'TASK {"dag_id": "ingest_ods", "task_id": "load_new_files", "state": "ok", "seconds": 2.4}\n',
    'TASK {"dag_id": "ingest_ods", "task_id": "validate_new_rows", "state": "failed", "seconds": null}\n',
    'DAG {"dag_id": "ingest_ods", "state": "ok", "seconds": 12.4}\n',
    "==> ingest_cqc\n",
    "    ingest_cqc: could not run: [boom] no such file\n",
    'DAG {"dag_id": "ingest_cqc", "state": "failed", "seconds": 0.3}\n',
    'RESULT {"ingest_ods": "ok", "ingest_cqc": "failed"}\n',
]


def test_one_progress_line_per_task_and_per_dag_from_the_runner_output() -> None:
    out = io.StringIO()
    dags = ["ingest_ods", "ingest_cqc", "build_and_publish_marts"]
    with progress.DagProgress(dags, console=Console(file=out, width=100)) as shown:
        for line in RUNNER_OUTPUT:
            shown.feed(line)
    lines = out.getvalue().splitlines()
    assert lines == [
        "      ok      load_new_files                     2 s",
        "      FAILED  validate_new_rows",  # no running hook seen: no time given
        "  ok      ingest_ods                            12 s  (1/3)",
        "    ingest_cqc: could not run: [boom] no such file",  # passed through, not read as markup
        "  FAILED  ingest_cqc                             0 s  (2/3)",
    ]
    assert shown.outcome == {"ingest_ods": "ok", "ingest_cqc": "failed"}


def test_summary_rows_keep_their_16_wide_labels() -> None:
    out = io.StringIO()
    table = summary._rows_table(
        [("dbt build", "tests passed 3, failed 0"), ("GX raw staff survey detailed", "passed: 4")]
    )
    Console(file=out, width=120).print(table)
    lines = [line.rstrip() for line in out.getvalue().splitlines()]
    assert lines[0] == "dbt build        tests passed 3, failed 0"
    assert lines[1] == "GX raw staff     passed: 4" and lines[2] == "survey detailed"
    out = io.StringIO()
    Console(file=out, width=120).print(summary._rows_table([("run", "cli-1: succeeded")]))
    assert out.getvalue().rstrip() == "run              cli-1: succeeded"  # 16 wide even when all are short


def test_the_runner_finds_every_dag_through_the_public_api() -> None:
    """`python -m oversight.airflow_runner --list`: the DAG objects of the DAG files (airflow.sdk)."""
    result = subprocess.run(
        [sys.executable, "-m", "oversight.airflow_runner", "--list"],
        env=cli.airflow_env(get_settings()),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == sorted([*cli.ingestion_dags(), cli.MODEL_DAG])


def test_a_runner_line_with_a_log_line_glued_on_still_reads() -> None:
    """Seen in a run: another thread's log line landed between the runner's JSON and its newline."""
    from oversight.progress import DAG_DONE, leading_json

    line = (
        'DAG {"dag_id": "ingest_finance", "state": "ok", "seconds": 1.4}2026-12-03T11:45:49.937880Z '
        "[info     ] OpenLineageClient will use `file` transport [openlineage.client.client]\n"
    )
    assert leading_json(line[len(DAG_DONE) :]) == {"dag_id": "ingest_finance", "state": "ok", "seconds": 1.4}
