"""Backfill through Airflow's own backfill (`airflow backfill create`) on a running scheduler.

    python -m oversight.cli backfill ae 2024-10 2024-12 --scheduler

The periods FROM..TO are turned into the window of logical dates whose runs load them (a run on
logical date D loads the period `publication_lag_months` before D: SourceSpec.expected_period), the
backfill is created, and its runs are followed to the end (bounded wait). One line per run:
its period and outcome; a failed run's reason is the one line its failure callback wrote to that
run's report (oversight.dag_defaults), e.g. ``no file for period 2024-12 in …/ae``, not a traceback.
Exits 1 if any period was not loaded.
"""

from __future__ import annotations

import calendar
import json
import subprocess
import sys
import time
from datetime import date, datetime
from typing import Any

TERMINAL = {"success", "failed"}


def add_months(day: date, months: int) -> date:
    y, m = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(y, m + 1, 1)


def parse_period(text: str) -> date:
    year, month = (int(x) for x in text.split("-")[:2])
    return date(year, month, 1)


def window(source: str, first: str, last: str) -> tuple[date, date]:
    """Logical-date window (inclusive) whose scheduled ticks load periods first..last."""
    from oversight.sources import get_source

    spec = get_source(source)
    if spec.period_grain is None or spec.publication_lag_months is None:
        raise ValueError(f"source {source} has no periodic files: run its DAG instead")
    step = {"month": 1, "quarter": 3, "year": 12}[spec.period_grain]
    start = add_months(parse_period(first), spec.publication_lag_months)
    end_month = add_months(parse_period(last), spec.publication_lag_months + step - 1)
    end = end_month.replace(day=calendar.monthrange(end_month.year, end_month.month)[1])
    return start, end


def _metadata(env: dict[str, str]) -> str:
    url = env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    return "postgresql" + url[url.index(":") :]


def _runs(conninfo: str, backfill_id: int) -> list[tuple[str, datetime, str]]:
    import psycopg

    with psycopg.connect(conninfo) as conn:
        return conn.execute(
            "select run_id, logical_date, state from dag_run where backfill_id = %s order by logical_date",
            (backfill_id,),
        ).fetchall()


def _reason(dag_id: str, run_id: str) -> str:
    from oversight.dag_defaults import failure_report_path

    path = failure_report_path(dag_id, run_id)
    if not path.exists():
        return "failed (no failure report)"
    failures: list[dict[str, Any]] = json.loads(path.read_text()).get("failures", [])
    errors = [str(f.get("error") or "") for f in failures]
    lines = [ln[2:] for e in errors for ln in e.splitlines() if ln.startswith("- ")]
    return "; ".join(lines or [e.splitlines()[0] for e in errors if e]) or "failed"


def scheduler_backfill(
    source: str, first: str, last: str, env: dict[str, str], deadline_s: float = 3600, poll_s: float = 5
) -> int:
    """Create the backfill on the running scheduler and follow it; 0 if every period loaded."""
    import psycopg

    from oversight.serve import airflow_bin
    from oversight.sources import get_source

    dag_id = f"ingest_{source}"
    try:
        start, end = window(source, first, last)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    conninfo = _metadata(env)
    with psycopg.connect(conninfo) as conn:
        before = conn.execute(
            "select coalesce(max(id), 0) from backfill where dag_id = %s", (dag_id,)
        ).fetchone()
    created = subprocess.run(
        [airflow_bin(), "backfill", "create", "--dag-id", dag_id, "--from-date", start.isoformat(),
         "--to-date", end.isoformat(), "--reprocess-behavior", "failed", "--max-active-runs", "1"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    with psycopg.connect(conninfo) as conn:
        row = conn.execute(
            "select max(id) from backfill where dag_id = %s and id > %s", (dag_id, before[0])
        ).fetchone()
    if created.returncode != 0 or not row or row[0] is None:
        last_line = (created.stderr or created.stdout).strip().splitlines()[-1:] or ["no output"]
        print(f"backfill of {dag_id} {first}..{last} was not created: {last_line[0]}", file=sys.stderr)
        return 1
    backfill_id = row[0]
    print(f"backfill {backfill_id} of {dag_id}: logical dates {start}..{end} (periods {first}..{last})")
    deadline = time.monotonic() + deadline_s
    runs = _runs(conninfo, backfill_id)
    while time.monotonic() < deadline and (not runs or any(r[2] not in TERMINAL for r in runs)):
        time.sleep(poll_s)
        runs = _runs(conninfo, backfill_id)
    spec = get_source(source)
    failed: list[str] = []
    for run_id, logical_date, state in runs:
        period = spec.expected_period(logical_date.date())
        label = f"{dag_id} {period:%Y-%m}"
        if state == "success":
            print(f"    {label}: loaded", flush=True)
        elif state == "failed":
            failed.append(f"{period:%Y-%m}")
            print(f"    {label}: NOT loaded: {_reason(dag_id, run_id)}", flush=True)
        else:
            failed.append(f"{period:%Y-%m}")
            print(f"    {label}: still {state} after {deadline_s:.0f} s", flush=True)
    if failed:
        print(f"backfill of {source}: period(s) not loaded: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed or not runs else 0
