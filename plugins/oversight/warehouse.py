"""The warehouse connection: a real PostgreSQL server, either WAREHOUSE_URL or the embedded default.

The embedded default is pgserver (a pip-installed PostgreSQL 16) with its data under
OVERSIGHT_HOME/pgdata. It is started with ``cleanup_mode=None`` so that it outlives the process
that started it: every Airflow task process finds the same running server.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urlparse

from oversight.settings import RAW_SCHEMA, Settings, get_settings

if TYPE_CHECKING:
    from collections.abc import Iterator

    import psycopg

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Connection:
    """Parts of a PostgreSQL URL, in the forms that psycopg, dbt and SQLAlchemy each want."""

    host: str
    port: int
    user: str
    password: str
    dbname: str

    @classmethod
    def from_url(cls, url: str) -> Connection:
        parsed = urlparse(url)
        if parsed.scheme.split("+")[0] not in ("postgresql", "postgres"):
            raise ValueError(f"WAREHOUSE_URL must be a postgresql:// URL, got scheme {parsed.scheme!r}")
        query = parse_qs(parsed.query)
        host = query.get("host", [parsed.hostname or "localhost"])[0]
        return cls(
            host=host,
            port=int(query.get("port", [parsed.port or 5432])[0]),
            user=unquote(parsed.username or "postgres"),
            password=unquote(parsed.password or ""),
            dbname=(parsed.path or "/postgres").lstrip("/") or "postgres",
        )

    @property
    def conninfo(self) -> str:
        parts = {"host": self.host, "port": str(self.port), "user": self.user, "dbname": self.dbname}
        if self.password:
            parts["password"] = self.password
        return " ".join(f"{k}='{v}'" for k, v in parts.items())

    @property
    def sqlalchemy_url(self) -> str:
        """SQLAlchemy URL (psycopg 3 driver); a unix-socket host goes in the query string."""
        from urllib.parse import quote

        auth = quote(self.user) + (f":{quote(self.password)}" if self.password else "")
        if self.host.startswith("/"):
            return f"postgresql+psycopg://{auth}@/{self.dbname}?host={self.host}&port={self.port}"
        return f"postgresql+psycopg://{auth}@{self.host}:{self.port}/{self.dbname}"

    @property
    def url(self) -> str:
        """A postgresql:// URL for WAREHOUSE_URL (a unix-socket host goes in the query string)."""
        from urllib.parse import quote

        auth = quote(self.user) + (f":{quote(self.password)}" if self.password else "")
        if self.host.startswith("/"):
            return f"postgresql://{auth}@/{self.dbname}?host={self.host}&port={self.port}"
        return f"postgresql://{auth}@{self.host}:{self.port}/{self.dbname}"

    def dbt_env(self) -> dict[str, str]:
        """Environment variables read by dbt_project/profiles.yml."""
        return {
            "DBT_PG_HOST": self.host,
            "DBT_PG_PORT": str(self.port),
            "DBT_PG_USER": self.user,
            "DBT_PG_PASSWORD": self.password,
            "DBT_PG_DBNAME": self.dbname,
        }

    def with_dbname(self, dbname: str) -> Connection:
        return Connection(self.host, self.port, self.user, self.password, dbname)


def start_embedded(settings: Settings) -> Connection:
    """Start (or find running) the embedded pgserver and make sure the warehouse database exists."""
    import pgserver

    settings.home.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(settings.pgdata_dir, cleanup_mode=None)
    admin = Connection.from_url(server.get_uri("postgres"))
    _ensure_database(admin, settings.embedded_db)
    from oversight.bi_access import close_other_databases

    close_other_databases(admin)  # the server is ours whole: the BI role reaches the warehouse only
    return admin.with_dbname(settings.embedded_db)


def stop_embedded(settings: Settings) -> bool:
    """Stop the embedded server if it runs (`python -m oversight.cli stop`); True if it was running."""
    from pgserver._commands import pg_ctl
    from pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(settings.pgdata_dir)
    if info is None or not info.is_running():
        return False
    import pgserver

    server = pgserver.get_server(settings.pgdata_dir, cleanup_mode=None)
    pg_ctl(["-w", "stop"], pgdata=server.pgdata, user=server.system_user)
    return True


def _ensure_database(admin: Connection, dbname: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin.conninfo, autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", (dbname,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(dbname)))


def resolve(settings: Settings | None = None) -> Connection:
    """The warehouse to use: WAREHOUSE_URL when set, otherwise the embedded server (started on demand)."""
    settings = settings or get_settings()
    if settings.warehouse_url:
        return Connection.from_url(settings.warehouse_url)
    return start_embedded(settings)


@contextmanager
def connect(target: Connection | None = None, autocommit: bool = False) -> Iterator[psycopg.Connection]:
    import psycopg

    target = target or resolve()
    with psycopg.connect(target.conninfo, autocommit=autocommit) as conn:
        yield conn


# What became of a landing file (raw.load_manifest.status); declared once, the check derives from it.
MANIFEST_STATUSES = ("loaded", "duplicate", "quarantined", "unrecognised")
_STATUSES = ", ".join(f"'{s}'" for s in MANIFEST_STATUSES)
# What the raw GX suite said of a load (raw.load_manifest.validation, issue 10): `pending` from the
# COPY commit until the suite ran, then `validated` (dbt sees the rows) or `rejected` (rows deleted,
# status quarantined). Null for rows that never were a load (duplicate, unrecognised, refused at COPY).
MANIFEST_VALIDATIONS = ("pending", "validated", "rejected")
_VALIDATIONS = ", ".join(f"'{s}'" for s in MANIFEST_VALIDATIONS)

BOOTSTRAP_SQL = f"""
create schema if not exists {RAW_SCHEMA};

create table if not exists {RAW_SCHEMA}.load_manifest (
    load_id         bigserial primary key,
    source          text,
    file_name       text not null,
    file_sha256     text not null,
    file_bytes      bigint not null,
    period          date,
    vintage         integer not null default 1,
    revision        integer not null default 0,
    status          text not null,
    rows_loaded     bigint not null default 0,
    target_table    text,
    message         text,
    loaded_at       timestamptz not null default now()
);


-- Every landing file gets a row (issue 9): duplicates and unrecognised files too. Migrated in place
-- (add column if not exists; the status check widened once), so existing warehouses keep working.
-- Only when a column is missing: `add column if not exists` takes an ACCESS EXCLUSIVE lock even when
-- the column exists, and a load's bootstrap then deadlocked a concurrent dbt build reading the
-- manifest (seen under the CeleryExecutor, two tasks at once).
do $add_columns$
begin
    if not exists (
        select 1 from pg_attribute
        where attrelid = '{RAW_SCHEMA}.load_manifest'::regclass and attname = 'duplicate_of'
    ) then
        alter table {RAW_SCHEMA}.load_manifest add column if not exists landing_path text;
        alter table {RAW_SCHEMA}.load_manifest add column if not exists closest_source text;
        alter table {RAW_SCHEMA}.load_manifest add column if not exists duplicate_of bigint;
    end if;
end
$add_columns$;
do $migrate$
begin
    if exists (
        select 1 from pg_attribute
        where attrelid = '{RAW_SCHEMA}.load_manifest'::regclass and attname = 'source' and attnotnull
    ) then
        alter table {RAW_SCHEMA}.load_manifest alter column source drop not null;
    end if;
    if not exists (
        select 1 from pg_constraint
        where conrelid = '{RAW_SCHEMA}.load_manifest'::regclass and conname = 'load_manifest_status_check'
          and pg_get_constraintdef(oid) like '%unrecognised%'
    ) then
        alter table {RAW_SCHEMA}.load_manifest drop constraint if exists load_manifest_status_check;
        alter table {RAW_SCHEMA}.load_manifest add constraint load_manifest_status_check
            check (status in ({_STATUSES}));
    end if;
end
$migrate$;

-- Validate, then commit (issue 10): a load is `pending` until the raw suite passed. Loads of a
-- warehouse from before this column were validated by the runs that loaded them: `validated`; a load
-- the raw suite had refused (status quarantined, 'raw gate failed' message): `rejected`.
do $validation$
begin
    if not exists (
        select 1 from pg_attribute
        where attrelid = '{RAW_SCHEMA}.load_manifest'::regclass and attname = 'validation'
          and not attisdropped
    ) then
        alter table {RAW_SCHEMA}.load_manifest add column validation text;
        update {RAW_SCHEMA}.load_manifest
        set validation = case
            when status = 'loaded' then 'validated'
            when status = 'quarantined' and message like 'raw gate failed:%' then 'rejected'
        end;
        alter table {RAW_SCHEMA}.load_manifest add constraint load_manifest_validation_check check (
            validation in ({_VALIDATIONS})
            and (status = 'loaded') = coalesce(validation in ('pending', 'validated'), false)
        );
    end if;
end
$validation$;



create table if not exists {RAW_SCHEMA}.decisions (
    decision_id     text primary key,
    org_code        text not null,
    framework_version text not null,
    decision_type   text not null,
    segment         integer check (segment between 1 and 5),
    effective_from  date not null,
    effective_to    date,
    decided_by      text not null,
    decided_on      date not null,
    reason          text not null,
    source_document text not null,
    evidence        text not null default 'DOC',
    entered_at      timestamptz not null default now()
);

"""

# Indexes and comments of the bootstrap, each created only when missing or different: DDL, even
# `create index if not exists` or a `comment on` that changes nothing, locks its table, and a
# bootstrap at the start of one load deadlocked another run's load of the same source (its ANALYZE
# of raw.load_manifest against the bootstrap's comment on it; test_validate_then_commit, two runs).
BOOTSTRAP_INDEXES = {
    "load_manifest_one_load_per_file": f"""create unique index load_manifest_one_load_per_file
    on {RAW_SCHEMA}.load_manifest (source, file_sha256) where status = 'loaded'""",
    "load_manifest_pending": f"""create index load_manifest_pending
    on {RAW_SCHEMA}.load_manifest (source) where validation = 'pending'""",
    "load_manifest_one_row_per_landing_file": f"""create unique index load_manifest_one_row_per_landing_file
    on {RAW_SCHEMA}.load_manifest (coalesce(landing_path, file_name), file_sha256)
    where status in ('duplicate', 'unrecognised')""",
}
BOOTSTRAP_COMMENTS = {
    f"{RAW_SCHEMA}.decisions": (
        "Judgement decisions entered by analysts (segment 5 / PIP, RSP, special measures, licence breach, "
        "override): who, when, why and source. Applied after the rules; always visible in the explanation. "
        "Version-controlled decisions can also go in the dbt seed recorded_decisions.csv."
    ),
    f"{RAW_SCHEMA}.load_manifest": (
        "One row per landing file and attempt, whatever became of it: loaded (never loaded twice, by "
        "sha256), duplicate (the same content under another name or path: duplicate_of = its load), "
        "quarantined (message = the reason) or unrecognised (source null, closest_source and the reason "
        "in message). validation = what the raw GX suite said of a load: pending (committed, not yet "
        "validated: dbt does not see it), validated, or rejected (rows deleted, file quarantined). "
        "landing_path = the file's path under LANDING_DIR. vintage = order of arrival "
        "for the period; revision = what "
        "the file name says (0 first issue, 1 revised / -v2). Models read the highest (revision, vintage); "
        "earlier vintages stay loaded and queryable."
    ),
}


def ensure_indexes(conn: psycopg.Connection, schema: str, indexes: dict[str, str]) -> list[str]:
    """Create each index whose name is not in `schema` yet; returns those created."""
    present = {
        r[0] for r in conn.execute("select indexname from pg_indexes where schemaname = %s", (schema,))
    }
    created = [name for name in indexes if name not in present]
    for name in created:
        conn.execute(indexes[name])
    return created


def ensure_comments(conn: psycopg.Connection, comments: dict[str, str]) -> None:
    """`comment on table` only where the comment differs (the statement locks the table)."""
    from psycopg import sql

    for table, text in comments.items():
        current = conn.execute("select obj_description(%s::regclass, 'pg_class')", (table,)).fetchone()[0]
        if current != text:
            schema, name = table.split(".")
            conn.execute(
                sql.SQL("comment on table {} is {}").format(sql.Identifier(schema, name), sql.Literal(text))
            )


def bootstrap(target: Connection | None = None, bi_role: str | None = None) -> None:
    """Create the raw schema, the load manifest and the read-only BI role (idempotent)."""
    from psycopg import sql

    bi_role = bi_role or get_settings().bi_role
    with connect(target) as conn:
        conn.execute("select pg_advisory_xact_lock(hashtext('oversight_bootstrap'))")
        conn.execute(BOOTSTRAP_SQL)
        ensure_indexes(conn, RAW_SCHEMA, BOOTSTRAP_INDEXES)
        ensure_comments(conn, BOOTSTRAP_COMMENTS)
        role_exists = conn.execute("select 1 from pg_roles where rolname = %s", (bi_role,)).fetchone()
        if not role_exists:
            conn.execute(sql.SQL("create role {} nologin").format(sql.Identifier(bi_role)))
        from oversight.bi_access import restrict_warehouse_database

        restrict_warehouse_database(conn, bi_role)
        from oversight.loader import create_raw_tables

        create_raw_tables(conn)
