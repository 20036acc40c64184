"""Defaults every DAG shares: owner, retries, timeouts, the failure callback."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from oversight.settings import get_settings

log = logging.getLogger(__name__)

START_DATE = datetime(2024, 6, 1)


def failure_report_path(dag_id: str, run_id: str) -> Path:
    """OVERSIGHT_HOME/runs/failures/<dag_id>/<run_id>.json: that run's failure report."""
    safe = re.sub(r"[^A-Za-z0-9_.+-]", "_", run_id or "unknown")
    return get_settings().run_reports_dir / "failures" / dag_id / f"{safe}.json"


def log_failure(context: dict[str, Any]) -> None:
    """Failure callback: one line naming the DAG, task and error, appended to the run's report."""
    ti = context.get("task_instance") or context.get("ti")
    dag_id = (
        getattr(ti, "dag_id", None)
        or getattr(context.get("dag_run"), "dag_id", None)
        or getattr(context.get("dag"), "dag_id", "?")
    )
    run_id = str(
        context.get("run_id") or getattr(ti, "run_id", None) or getattr(context.get("dag_run"), "run_id", "")
    )
    error = context.get("exception")
    entry = {
        "dag_id": dag_id,
        "run_id": run_id,
        "task_id": getattr(ti, "task_id", None),
        "try_number": getattr(ti, "try_number", None),
        "error": f"{type(error).__name__}: {error}" if error else context.get("reason"),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    log.error(
        "oversight task failed: dag=%s task=%s run=%s error=%s",
        dag_id, entry["task_id"], run_id, entry["error"],
    )  # fmt: skip
    try:
        path = failure_report_path(dag_id, run_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        report = json.loads(path.read_text()) if path.exists() else {"dag_id": dag_id, "run_id": run_id}
        report.setdefault("failures", []).append(entry)
        path.write_text(json.dumps(report, indent=2, default=str) + "\n")
    except OSError as oserror:  # the callback must never hide the task's own error
        log.error("could not write the failure report: %s", oserror)


# Retries absorb transient failures (a database restart) on a scheduler; the one-shot local runner
# (`make run`, `airflow dags test`) sets OVERSIGHT_TASK_RETRIES=0 so that an error fails at once
# instead of waiting out the retry delay.
_SETTINGS = get_settings()
TASK_RETRIES = _SETTINGS.task_retries
RETRY_DELAY = timedelta(seconds=_SETTINGS.retry_delay_seconds)
# A task or run that hangs (a lock never released, a server that stops answering) fails instead.
TASK_TIMEOUT = timedelta(minutes=_SETTINGS.task_timeout_minutes)
INGEST_RUN_TIMEOUT = timedelta(hours=2)
BUILD_RUN_TIMEOUT = timedelta(hours=3)

DEFAULT_ARGS: dict[str, Any] = {
    "owner": "oversight-data-engineering",
    "retries": TASK_RETRIES,
    "retry_delay": RETRY_DELAY,
    "execution_timeout": TASK_TIMEOUT,
    "on_failure_callback": log_failure,
}


def schedule_for(dag_id: str, default: Any) -> Any:
    """OVERSIGHT_SCHEDULE_<DAG_ID> overrides a cron schedule (e.g. a short one in the scheduler tests)."""
    return get_settings().schedules.get(dag_id.lower(), default)
