"""Defaults every DAG shares: owner, retries, failure logging."""

from __future__ import annotations

import logging
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


DEFAULT_ARGS: dict[str, Any] = {
    "owner": "oversight-data-engineering",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "on_failure_callback": log_failure,
}
