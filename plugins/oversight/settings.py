"""All configuration in one place: `Settings`, one pydantic-settings class read from the environment.

Every field is read from the environment variable named by its alias (exact case); an empty variable
counts as unset. The README's Configuration table lists them all (tests/test_settings.py keeps the two
in step). Two fields collect a family of variables by prefix: `FETCH_URL_<SOURCE>` and
`OVERSIGHT_SCHEDULE_<DAG_ID>`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationInfo, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, SettingsConfigDict

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

FETCH_URL_PREFIX = "FETCH_URL_"
SCHEDULE_PREFIX = "OVERSIGHT_SCHEDULE_"


def _by_prefix(prefix: str) -> dict[str, str]:
    """Non-empty variables `<prefix><NAME>`, keyed by lower-case NAME (e.g. FETCH_URL_AE -> ae)."""
    return {
        key.removeprefix(prefix).lower(): value
        for key, value in os.environ.items()
        if key.startswith(prefix) and len(key) > len(prefix) and value.strip()
    }


def env(
    name: str,
    default: Any = None,
    meaning: str = "",
    *,
    default_text: str | None = None,
    default_factory: Callable[[], Any] | None = None,
    validate_default: bool = False,
) -> Any:
    """A setting read from the environment variable `name`. `meaning` and `default_text` (when the
    default is not shown as is) are what the README's table says of it."""
    kw: dict[str, Any] = {"default_factory": default_factory} if default_factory else {"default": default}
    return Field(
        validation_alias=name,
        description=meaning,
        json_schema_extra={"default_text": default_text} if default_text else None,
        validate_default=validate_default,
        **kw,
    )


class Settings(BaseSettings):
    """Configuration of the warehouse, its runs and its Airflow; `get_settings()` reads it anew."""

    model_config = SettingsConfigDict(
        case_sensitive=True,  # only the exact upper-case names: `home` must never read $HOME
        env_ignore_empty=True,
        validate_by_name=True,  # Settings(home=...) as well as Settings(OVERSIGHT_HOME=...)
        extra="ignore",
        frozen=True,
    )

    # ---- the warehouse --------------------------------------------------------------------------
    airflow_conn_warehouse: str | None = env(
        "AIRFLOW_CONN_WAREHOUSE",
        meaning="the Airflow Connection `warehouse` (URI or JSON form; set by `make serve`); "
        "used when `WAREHOUSE_URL` is not set",
        default_text="none",
    )
    warehouse_url: str | None = env(
        "WAREHOUSE_URL",
        meaning="PostgreSQL URL of the warehouse, e.g. `postgresql://postgres@127.0.0.1:5432/oversight`",
        default_text="embedded pgserver (PostgreSQL 16)",
        validate_default=True,
    )
    embedded_db: str = env("WAREHOUSE_DB", "oversight", "database created in the embedded server")
    bi_role: str = env(
        "BI_ROLE", "oversight_bi", "read-only role for BI tools (NOLOGIN; grant it to your BI login)"
    )
    # ---- files ----------------------------------------------------------------------------------
    landing_dir: Path = env(
        "LANDING_DIR",
        BUNDLED_SAMPLES_DIR,
        "the landing folder, scanned recursively (folders per source by convention)",
        default_text="`sample_data/`",
    )
    home: Path = env(
        "OVERSIGHT_HOME",
        REPO_ROOT / ".local",
        "embedded pgdata, Airflow home, quarantine, doc sites, run reports",
        default_text="`.local/`",
    )
    dbt_project_dir: Path = env(
        "DBT_PROJECT_DIR",
        DBT_PROJECT_DIR,
        "the dbt project, e.g. a copy with edited rule seeds",
        default_text="`dbt_project/`",
    )
    # ---- build and publish ----------------------------------------------------------------------
    build_lock_wait_seconds: float = env(
        "OVERSIGHT_BUILD_LOCK_WAIT", 1800.0, "seconds a build waits for another run's build+publish"
    )
    source_lock_wait_seconds: float = env(
        "OVERSIGHT_SOURCE_LOCK_WAIT",
        1800.0,
        "seconds a load or raw validation waits for another run of its source",
    )
    full_refresh: bool = env(
        "OVERSIGHT_FULL_REFRESH",
        False,
        "rebuild incremental models whole (else a build reuses the published state of the same dbt project)",
    )
    raw_gate_batch_rows: int = env(
        "OVERSIGHT_RAW_GATE_BATCH_ROWS",
        250_000,
        "raw rows the raw GX suite validates at once (a backfill's loads are gated in batches)",
    )
    publish_lock_timeout_seconds: float = env(
        "OVERSIGHT_PUBLISH_LOCK_TIMEOUT", 2.0, "`lock_timeout` of each publish transaction, seconds"
    )
    publish_attempts: int = env(
        "OVERSIGHT_PUBLISH_ATTEMPTS", 6, "attempts of each publish transaction, with back-off"
    )
    run_id: str | None = env(
        "OVERSIGHT_RUN_ID",
        meaning="the run id reports are filed under (set by `oversight.cli run`)",
        default_text="the Airflow DAG run, else one per process",
    )
    # ---- hostile files (oversight.hostile) ---------------------------------------------------------
    # a workbook / ZIP is refused before it is expanded when its central directory breaks a limit;
    # the bundled samples have at most 25 members, 82 MB in all, a ratio of 69 (the CQC .ods)
    archive_max_members: int = env(
        "OVERSIGHT_ARCHIVE_MAX_MEMBERS",
        10_000,
        "most members a workbook / ZIP may list, checked before expanding",
    )
    archive_max_bytes: int = env(
        "OVERSIGHT_ARCHIVE_MAX_BYTES", 1_000_000_000, "most uncompressed bytes of all its members together"
    )
    archive_max_ratio: float = env(
        "OVERSIGHT_ARCHIVE_MAX_RATIO", 200.0, "highest compression ratio of a member of 1 MiB or more"
    )
    archive_ratio_min_bytes: int = env(
        "OVERSIGHT_ARCHIVE_RATIO_MIN_BYTES",
        1 << 20,
        "members smaller than this (bytes, uncompressed) are not held to the ratio: they cannot inflate far",
    )
    quarantine_copy_max_bytes: int = env(
        "OVERSIGHT_QUARANTINE_COPY_MAX_BYTES",
        20_000_000,
        "a bad file larger than this is quarantined by reference (path, size, sha256), not copied",
    )
    # ---- DAGs and Airflow -----------------------------------------------------------------------
    task_retries: int = env(
        "OVERSIGHT_TASK_RETRIES", 2, "retries of each task (`oversight.cli` one-shot runs set 0)"
    )
    retry_delay_seconds: int = env("OVERSIGHT_RETRY_DELAY_SECONDS", 300, "seconds between task retries")
    task_timeout_minutes: int = env(
        "OVERSIGHT_TASK_TIMEOUT_MINUTES", 60, "`execution_timeout` of each task, minutes"
    )
    schedules: dict[str, str] = env(
        SCHEDULE_PREFIX + "<DAG_ID>",
        default_factory=lambda: _by_prefix(SCHEDULE_PREFIX),
        meaning="override a DAG's cron schedule, e.g. `OVERSIGHT_SCHEDULE_INGEST_AE='* * * * *'` (tests)",
        default_text="the DAG's own",
    )
    airflow_database_url: str | None = env(
        "AIRFLOW_DATABASE_URL",
        meaning="`make serve`: Airflow's metadata database (SQLAlchemy URL)",
        default_text="embedded server, database `airflow`",
    )
    airflow_api_host: str = env("AIRFLOW_API_HOST", "127.0.0.1", "`make serve`: the Airflow UI/API host")
    airflow_port: int = env("AIRFLOW_PORT", 8080, "`make serve`: the Airflow UI/API port")
    admin_user: str = env("OVERSIGHT_ADMIN_USER", "oversight", "the Airflow admin user (simple auth manager)")
    # ---- fetching the publications ----------------------------------------------------------------
    fetch_urls: dict[str, str] = env(
        FETCH_URL_PREFIX + "<SOURCE>",
        default_factory=lambda: _by_prefix(FETCH_URL_PREFIX),
        meaning="publication page(s) or file URL(s) of a source, comma-separated, e.g. `FETCH_URL_AE`",
        default_text="none (no fetch)",
    )
    fetch_max_bytes: int = env("FETCH_MAX_BYTES", 200_000_000, "largest file a fetch downloads, bytes")
    fetch_timeout_seconds: float = env(
        "FETCH_TIMEOUT", 30.0, "seconds to connect / between bytes of a download"
    )
    fetch_attempts: int = env("FETCH_ATTEMPTS", 4, "tries per URL on a 5xx, 429, timeout or truncated body")
    fetch_backoff_seconds: float = env(
        "FETCH_BACKOFF", 2.0, "first retry wait in seconds, doubled each try up to 60"
    )
    # ---- fault tests (oversight.faultpoints) ------------------------------------------------------
    pause_at: str | None = env(
        "OVERSIGHT_PAUSE_AT", meaning="fault tests: the named point where a task stops", default_text="none"
    )
    pause_file: Path | None = env(
        "OVERSIGHT_PAUSE_FILE",
        meaning="fault tests: file written on reaching that point",
        default_text="none",
    )
    pause_seconds: float = env(
        "OVERSIGHT_PAUSE_SECONDS", 120.0, "fault tests: how long the task sleeps there"
    )

    @field_validator("landing_dir", "home", "dbt_project_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.resolve()

    @field_validator("warehouse_url")
    @classmethod
    def _else_the_airflow_connection(cls, value: str | None, info: ValidationInfo) -> str | None:
        return value or airflow_connection_url(info.data.get("airflow_conn_warehouse"))

    @classmethod
    def variables(cls) -> dict[str, str]:
        """Field name -> the environment variable it is read from."""
        return {name: str(field.validation_alias) for name, field in cls.model_fields.items()}

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
        """The build's dbt target folder (manifest, run_results, partial-parse state)."""
        return self.home / "dbt" / "target"

    @property
    def dbt_published_target_dir(self) -> Path:
        """The target folder of dbt runs against the published schemas (docs, unit tests): their
        other `--vars` would make the next build re-parse the whole project (oversight.transform)."""
        return self.home / "dbt" / "target-published"

    @property
    def run_reports_dir(self) -> Path:
        return self.home / "runs"


def get_settings() -> Settings:
    """The settings as the environment holds them now (read anew on each call: the CLI and the tests
    change the environment between calls)."""
    return Settings()


@dataclass(frozen=True)
class FetchSettings:
    """How `fetch_<source>` downloads one source's publications (oversight.fetch), from Settings."""

    urls: tuple[str, ...]
    max_bytes: int = 200_000_000
    timeout_seconds: float = 30.0
    attempts: int = 4
    backoff_seconds: float = 2.0


def get_fetch_settings(source: str, settings: Settings | None = None) -> FetchSettings:
    """FETCH_URL_<SOURCE> (e.g. FETCH_URL_AE): publication pages or file URLs, comma-separated."""
    s = settings or get_settings()
    raw = s.fetch_urls.get(source.lower(), "")
    return FetchSettings(
        urls=tuple(u.strip() for u in raw.split(",") if u.strip()),
        max_bytes=s.fetch_max_bytes,
        timeout_seconds=s.fetch_timeout_seconds,
        attempts=s.fetch_attempts,
        backoff_seconds=s.fetch_backoff_seconds,
    )


def warehouse_url_from_airflow_connection() -> str | None:
    """The Airflow Connection `warehouse` as defined in the environment (AIRFLOW_CONN_WAREHOUSE)."""
    return airflow_connection_url(get_settings().airflow_conn_warehouse)


def airflow_connection_url(raw: str | None) -> str | None:
    """An Airflow Connection in Airflow's URI form (postgres://user:pw@host:port/db) or its JSON form,
    as a postgresql:// URL; None when there is none."""
    import json
    from urllib.parse import quote, urlsplit, urlunsplit

    raw = (raw or "").strip()
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


def default_text(field: FieldInfo) -> str:
    """A field's default as the README shows it."""
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    if "default_text" in extra:
        return str(extra["default_text"])
    default = field.get_default(call_default_factory=True)
    if isinstance(default, float) and default.is_integer():
        default = int(default)
    return f"`{default}`"


def readme_table() -> list[str]:
    """The README's table of settings (`python -m oversight.settings` prints it): one row per field."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for field in Settings.model_fields.values():
        rows.append(f"| `{field.validation_alias}` | {default_text(field)} | {field.description} |")
    return rows


if __name__ == "__main__":
    print("\n".join(readme_table()))
