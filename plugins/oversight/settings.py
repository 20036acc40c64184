"""All configuration in one place, read from the environment.

| variable        | meaning (default)                                                             |
|-----------------|-------------------------------------------------------------------------------|
| WAREHOUSE_URL   | PostgreSQL URL of the warehouse (the embedded pgserver, PostgreSQL 16)        |
| LANDING_DIR     | one sub-folder per source: ae/, cqc/, ods/ ... (<repo>/sample_data)           |
| OVERSIGHT_HOME  | embedded pgdata, Airflow home, quarantine, doc sites (<repo>/.local)          |
| BI_ROLE         | read-only role for BI tools, may select from marts only (oversight_bi)        |
| WAREHOUSE_DB    | database created in the embedded server (oversight)                           |
| DBT_PROJECT_DIR | the dbt project, e.g. a copy with edited rule seeds (<repo>/dbt_project)      |
| OVERSIGHT_BUILD_LOCK_WAIT | seconds a build waits for another run's build+publish (1800) |
| OVERSIGHT_PUBLISH_LOCK_TIMEOUT | lock_timeout of each publish transaction, seconds (2)  |
| OVERSIGHT_PUBLISH_ATTEMPTS | attempts of each publish transaction, with back-off (6)     |
| OVERSIGHT_RUN_ID | the run id reports are filed under (set by `oversight.cli run`)     |
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"
BUNDLED_SAMPLES_DIR = REPO_ROOT / "sample_data"

RAW_SCHEMA = "raw"
PUBLISHED_SCHEMA = "marts"
# Write-audit-publish: every schema dbt writes is built as `<schema>__build`, validated, and the whole
# set swapped into place in one transaction (oversight.publish); the swapped-out schemas are kept as
# `<schema>__previous` only until no reader uses them. One list, everything else derives from it.
DBT_SCHEMAS = ("reference", "staging", "intermediate", "snapshots", PUBLISHED_SCHEMA)
BUILD_SUFFIX = "__build"
PREVIOUS_SUFFIX = "__previous"
BUILD_SCHEMA = PUBLISHED_SCHEMA + BUILD_SUFFIX
PREVIOUS_SCHEMA = PUBLISHED_SCHEMA + PREVIOUS_SUFFIX


@dataclass(frozen=True)
class Settings:
    warehouse_url: str | None
    landing_dir: Path
    home: Path
    bi_role: str
    embedded_db: str
    dbt_project_dir: Path = DBT_PROJECT_DIR
    # faults: how long a second build waits for the build lock before giving up (it says so)
    build_lock_wait_seconds: float = 1800.0
    # publish: lock_timeout of each swap / clean-up transaction, and how many attempts with back-off
    publish_lock_timeout_seconds: float = 2.0
    publish_attempts: int = 6

    @property
    def pgdata_dir(self) -> Path:
        return self.home / "pgdata"

    @property
    def quarantine_dir(self) -> Path:
        return self.home / "quarantine"

    @property
    def site_dir(self) -> Path:
        """Static sites for auditors: dbt lineage docs and GX Data Docs side by side."""
        return self.home / "site"

    @property
    def lineage_site_dir(self) -> Path:
        return self.site_dir / "lineage"

    @property
    def data_docs_site_dir(self) -> Path:
        return self.site_dir / "data-docs"

    @property
    def lineage_dir(self) -> Path:
        """OpenLineage events (file transport) of Airflow tasks, loads and dbt nodes."""
        return self.home / "lineage"

    @property
    def dbt_target_dir(self) -> Path:
        return self.home / "dbt" / "target"

    @property
    def run_reports_dir(self) -> Path:
        return self.home / "runs"


def get_settings() -> Settings:
    home = Path(os.environ.get("OVERSIGHT_HOME") or REPO_ROOT / ".local").resolve()
    return Settings(
        warehouse_url=os.environ.get("WAREHOUSE_URL") or None,
        landing_dir=Path(os.environ.get("LANDING_DIR") or BUNDLED_SAMPLES_DIR).resolve(),
        home=home,
        bi_role=os.environ.get("BI_ROLE", "oversight_bi"),
        embedded_db=os.environ.get("WAREHOUSE_DB", "oversight"),
        dbt_project_dir=Path(os.environ.get("DBT_PROJECT_DIR") or DBT_PROJECT_DIR).resolve(),
        build_lock_wait_seconds=float(os.environ.get("OVERSIGHT_BUILD_LOCK_WAIT", "1800")),
        publish_lock_timeout_seconds=float(os.environ.get("OVERSIGHT_PUBLISH_LOCK_TIMEOUT", "2")),
        publish_attempts=int(os.environ.get("OVERSIGHT_PUBLISH_ATTEMPTS", "6")),
    )
