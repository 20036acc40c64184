"""The id of the run in progress, under which every stage files its report (oversight.reports).

`OVERSIGHT_RUN_ID` when set (`python -m oversight.cli run` sets one for all the DAG runs it starts),
else the Airflow DAG run (`<dag_id>__<run_id>`, from the context Airflow exports to the task's
environment), else one id per process (`local-<UTC time>-<pid>`, e.g. a test calling tasks directly).
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from functools import cache

from oversight.settings import get_settings


@cache
def _process_run_id() -> str:
    return f"local-{datetime.now(UTC):%Y%m%dT%H%M%S}-{os.getpid()}"


def new_run_id(kind: str = "cli") -> str:
    return f"{kind}-{datetime.now(UTC):%Y%m%dT%H%M%S}-{os.getpid()}"


def current() -> str:
    explicit = get_settings().run_id
    if explicit:
        return explicit
    dag_run = os.environ.get("AIRFLOW_CTX_DAG_RUN_ID")
    if dag_run:
        return f"{os.environ.get('AIRFLOW_CTX_DAG_ID', 'dag')}__{dag_run}"
    return _process_run_id()


def as_dir_name(run_id: str) -> str:
    """A run id as one safe path component (Airflow's contain ':' and '+')."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", run_id)[:200]
