"""Run reports: each stage writes a small JSON file for the summary, filed under its run id.

`OVERSIGHT_HOME/runs/<run id>/<stage>.json` (run id: oversight.run_id.current()), so two runs
never overwrite each other's reports and a summary reads only what its own run did. `run.json` in
the same folder says whether the run as a whole is running, succeeded or failed (written by
`oversight.cli run`). Files are written to a temporary name and renamed, so a reader never sees
half a report.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from oversight import run_id as run_ids
from oversight.settings import Settings, get_settings

RUN_STATUS = "run"


def run_dir(settings: Settings | None = None, run_id: str | None = None) -> Path:
    settings = settings or get_settings()
    return settings.run_reports_dir / run_ids.as_dir_name(run_id or run_ids.current())


def write_report(
    name: str, payload: dict[str, Any], settings: Settings | None = None, run_id: str | None = None
) -> Path:
    run_id = run_id or run_ids.current()
    folder = run_dir(settings, run_id)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    body = {"written_at": datetime.now(UTC).isoformat(timespec="seconds"), "run_id": run_id, **payload}
    temporary = folder / f".{name}.{os.getpid()}.tmp"
    temporary.write_text(json.dumps(body, indent=2, default=str) + "\n")
    temporary.replace(path)
    return path


def read_report(
    name: str, settings: Settings | None = None, run_id: str | None = None
) -> dict[str, Any] | None:
    path = run_dir(settings, run_id) / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def latest_run_id(settings: Settings | None = None) -> str | None:
    """The run whose status was written last (the most recent `oversight.cli run`), if any."""
    settings = settings or get_settings()
    statuses = sorted(settings.run_reports_dir.glob(f"*/{RUN_STATUS}.json"), key=lambda p: p.stat().st_mtime)
    if not statuses:
        return None
    return json.loads(statuses[-1].read_text()).get("run_id")


def failed_stages(settings: Settings | None = None, run_id: str | None = None) -> list[str]:
    """The stages of a run whose report says they failed."""
    folder = run_dir(settings, run_id)
    failed = []
    for path in sorted(folder.glob("*.json")):
        if path.stem != RUN_STATUS and json.loads(path.read_text()).get("success") is False:
            failed.append(path.stem)
    return failed
