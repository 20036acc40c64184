"""All configuration in one place, read from the environment.

| variable        | meaning (default)                                                             |
|-----------------|-------------------------------------------------------------------------------|
| WAREHOUSE_URL   | PostgreSQL URL of the warehouse (the embedded pgserver, PostgreSQL 16)        |
| AIRFLOW_CONN_WAREHOUSE | else the Airflow Connection `warehouse` (URI or JSON form; `make serve`) |
| LANDING_DIR     | one sub-folder per source: ae/, cqc/, ods/ ... (<repo>/sample_data)           |
| OVERSIGHT_HOME  | embedded pgdata, Airflow home, quarantine, doc sites (<repo>/.local)          |
| BI_ROLE         | read-only role for BI tools, may select from marts only (oversight_bi)        |
| WAREHOUSE_DB    | database created in the embedded server (oversight)                           |
| DBT_PROJECT_DIR | the dbt project, e.g. a copy with edited rule seeds (<repo>/dbt_project)      |
| OVERSIGHT_BUILD_LOCK_WAIT | seconds a build waits for another run's build+publish (1800) |
| OVERSIGHT_SOURCE_LOCK_WAIT | seconds a load or raw validation waits for another run of its source (1800) |
| OVERSIGHT_PUBLISH_LOCK_TIMEOUT | lock_timeout of each publish transaction, seconds (2)  |
| OVERSIGHT_PUBLISH_ATTEMPTS | attempts of each publish transaction, with back-off (6)     |
| OVERSIGHT_RUN_ID | the run id reports are filed under (set by `oversight.cli run`)     |
| FETCH_URL_<SRC> | publication page(s) or file URL(s) of a source, comma-separated (none: no fetch) |
| FETCH_MAX_BYTES | largest file the fetch downloads (200000000)                                  |
| FETCH_TIMEOUT   | seconds to connect / between bytes of a download (30)                         |
| FETCH_ATTEMPTS  | tries per URL on a 5xx, 429, timeout or truncated body (4)                    |
| FETCH_BACKOFF   | first retry wait in seconds, doubled each try up to 60 (2)                    |
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
    # how long a load or raw validation waits for another run of the same source (it says so)
    source_lock_wait_seconds: float = 1800.0
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
        warehouse_url=os.environ.get("WAREHOUSE_URL") or warehouse_url_from_airflow_connection(),
        landing_dir=Path(os.environ.get("LANDING_DIR") or BUNDLED_SAMPLES_DIR).resolve(),
        home=home,
        bi_role=os.environ.get("BI_ROLE", "oversight_bi"),
        embedded_db=os.environ.get("WAREHOUSE_DB", "oversight"),
        dbt_project_dir=Path(os.environ.get("DBT_PROJECT_DIR") or DBT_PROJECT_DIR).resolve(),
        build_lock_wait_seconds=float(os.environ.get("OVERSIGHT_BUILD_LOCK_WAIT", "1800")),
        source_lock_wait_seconds=float(os.environ.get("OVERSIGHT_SOURCE_LOCK_WAIT", "1800")),
        publish_lock_timeout_seconds=float(os.environ.get("OVERSIGHT_PUBLISH_LOCK_TIMEOUT", "2")),
        publish_attempts=int(os.environ.get("OVERSIGHT_PUBLISH_ATTEMPTS", "6")),
    )


@dataclass(frozen=True)
class FetchSettings:
    """How `fetch_<source>` downloads a source's publications (oversight.fetch)."""

    urls: tuple[str, ...]
    max_bytes: int = 200_000_000
    timeout_seconds: float = 30.0
    attempts: int = 4
    backoff_seconds: float = 2.0


def get_fetch_settings(source: str) -> FetchSettings:
    """FETCH_URL_<SOURCE> (e.g. FETCH_URL_AE): publication pages or file URLs, comma-separated."""
    raw = os.environ.get(f"FETCH_URL_{source.upper()}", "")
    return FetchSettings(
        urls=tuple(u.strip() for u in raw.split(",") if u.strip()),
        max_bytes=int(os.environ.get("FETCH_MAX_BYTES", "200000000")),
        timeout_seconds=float(os.environ.get("FETCH_TIMEOUT", "30")),
        attempts=int(os.environ.get("FETCH_ATTEMPTS", "4")),
        backoff_seconds=float(os.environ.get("FETCH_BACKOFF", "2")),
    )


def warehouse_url_from_airflow_connection(conn_id: str = "warehouse") -> str | None:
    """The Airflow Connection `warehouse` as defined in the environment (AIRFLOW_CONN_WAREHOUSE), in
    Airflow's URI form (postgres://user:pw@host:port/db) or its JSON form, as a postgresql:// URL."""
    import json
    from urllib.parse import quote, urlsplit, urlunsplit

    raw = os.environ.get(f"AIRFLOW_CONN_{conn_id.upper()}", "").strip()
    if not raw:
        return None
    if raw.startswith("{"):
        c = json.loads(raw)
        auth = quote(c.get("login") or "postgres") + (f":{quote(c['password'])}" if c.get("password") else "")
        host, port, db = c.get("host") or "localhost", c.get("port") or 5432, c.get("schema") or "postgres"
        if str(host).startswith("/"):
            return f"postgresql://{auth}@/{db}?host={host}&port={port}"
        return f"postgresql://{auth}@{host}:{port}/{db}"
    parts = urlsplit(raw)
    return urlunsplit(("postgresql", *parts[1:]))
