"""Run reports: each stage writes a small JSON file under OVERSIGHT_HOME/runs/ for the summary."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from oversight.settings import Settings, get_settings


def write_report(name: str, payload: dict[str, Any], settings: Settings | None = None) -> Path:
    settings = settings or get_settings()
    settings.run_reports_dir.mkdir(parents=True, exist_ok=True)
    path = settings.run_reports_dir / f"{name}.json"
    body = {"written_at": datetime.now(UTC).isoformat(timespec="seconds"), **payload}
    path.write_text(json.dumps(body, indent=2, default=str) + "\n")
    return path


def read_report(name: str, settings: Settings | None = None) -> dict[str, Any] | None:
    settings = settings or get_settings()
    path = settings.run_reports_dir / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None
