"""Defaults every DAG shares: owner, retries, failure logging."""

from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta
from typing import Any

log = logging.getLogger(__name__)

START_DATE = datetime(2024, 6, 1)


def log_failure(context: dict[str, Any]) -> None:
    """Failure callback: one line naming the DAG, task and error (hook a notifier in here)."""
    ti = context.get("task_instance")
    log.error(
        "oversight task failed: dag=%s task=%s run=%s error=%s",
        getattr(ti, "dag_id", "?"),
        getattr(ti, "task_id", "?"),
        context.get("run_id"),
        context.get("exception"),
    )


# Retries absorb transient failures (a database restart) on a scheduler; the one-shot local runner
# (`make run`, `airflow dags test`) sets OVERSIGHT_TASK_RETRIES=0 so that an error fails at once
# instead of waiting out the retry delay.
TASK_RETRIES = int(os.environ.get("OVERSIGHT_TASK_RETRIES", "2"))

DEFAULT_ARGS: dict[str, Any] = {
    "owner": "oversight-data-engineering",
    "retries": TASK_RETRIES,
    "retry_delay": timedelta(minutes=5),
    "on_failure_callback": log_failure,
}
