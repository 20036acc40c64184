"""Write-audit-publish: swap the validated build schemas into place, all in one transaction.

dbt writes only build schemas (`reference__build`, `staging__build`, `intermediate__build`,
`snapshots__build`, `marts__build`; settings.DBT_SCHEMAS). After the dbt tests and the Great
Expectations gate passed, one transaction renames each published schema to `<schema>__previous`
and each build schema to `<schema>`: BI tools see the old set or the new set, never a mix, and a
crash at any point leaves the published set whole (PostgreSQL DDL is transactional). If the build
is identical to what is published (same tables and rows, same view definitions), nothing is
swapped and the build schemas are dropped.

Readers are never held: renaming a schema takes no lock on its tables, so a long BI query on
`marts` does not block the swap; it goes on reading the tables it started with (now in
`marts__previous`). Dropping the previous schemas needs their tables' ACCESS EXCLUSIVE lock, so it
runs in its own transaction with `lock_timeout` and is retried with back-off a bounded number of
times; while it waits no reader queues behind it (new queries resolve `marts` to the new tables),
and if a reader still holds the old tables after the last attempt, the previous schema is kept and
dropped by the next publish. Every transaction here sets `lock_timeout` and is retried the same
way, so a publish is delayed a bounded time, never without limit.
The BI role gets USAGE on `marts` and SELECT on its tables, and nothing else.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from oversight.build_schemas import build_name, previous_name, stray_build_schemas
from oversight.settings import BUILD_SCHEMA, DBT_SCHEMAS, PUBLISHED_SCHEMA, Settings, get_settings

if TYPE_CHECKING:
    from collections.abc import Callable

    import psycopg

    from oversight.warehouse import Connection

log = logging.getLogger(__name__)

AUDIT_SQL = """
create schema if not exists audit;
create table if not exists audit.publications (
    publication_id  bigserial primary key,
    published_at    timestamptz not null default now(),
    action          text not null check (action in ('swapped', 'unchanged')),
    tables          jsonb not null
);
alter table audit.publications add column if not exists run_id text;
alter table audit.publications add column if not exists build_started_at timestamptz;
comment on table audit.publications is
    'One row per publish attempt that passed the gate: swapped (marts replaced) or unchanged '
    '(the build was identical to what was published). tables: name -> {rows, fingerprint}. '
    'run_id: the run that built it; build_started_at: when its dbt build started.';
"""


@dataclass
class PublishResult:
    action: str  # swapped | unchanged
    tables: dict[str, dict] = field(default_factory=dict)
    attempts: int = 1  # attempts of the swap transaction (lock_timeout hit on the others)
    kept_previous: list[str] = field(default_factory=list)  # previous schemas a reader still used


def _tables(conn: psycopg.Connection, schema: str) -> list[str]:
    rows = conn.execute(
        "select table_name from information_schema.tables "
        "where table_schema = %s and table_type = 'BASE TABLE' "
        "order by table_name",
        (schema,),
    ).fetchall()
    return [r[0] for r in rows]


def _fingerprint_table(conn: psycopg.Connection, schema: str, table: str) -> dict:
    from psycopg import sql

    query = sql.SQL(
        "select count(*), coalesce(md5(string_agg(t::text, '|' order by t::text)), '') from {}.{} as t"
    ).format(sql.Identifier(schema), sql.Identifier(table))
    count, digest = conn.execute(query).fetchone()
    return {"rows": count, "fingerprint": digest}


def fingerprint(conn: psycopg.Connection, schema: str) -> dict[str, dict]:
    """Row count and an order-independent md5 of every table's rows."""
    return {table: _fingerprint_table(conn, schema, table) for table in _tables(conn, schema)}


def _views(conn: psycopg.Connection, schema: str, published: str) -> dict[str, str]:
    """View definitions, with the build schema names replaced by the published ones (a view in
    staging__build that reads staging__build.x is the same view as one in staging reading staging.x)."""
    rows = conn.execute(
        "select c.relname, pg_get_viewdef(c.oid) from pg_class c "
        "join pg_namespace n on n.oid = c.relnamespace "
        "where n.nspname = %s and c.relkind in ('v', 'm') order by 1",
        (schema,),
    ).fetchall()
    result = {}
    for name, definition in rows:
        for s in DBT_SCHEMAS:
            definition = definition.replace(f"{build_name(s)}.", f"{s}.")
        result[name] = definition
    return result


def _same_as_published(conn: psycopg.Connection, built_marts: dict[str, dict]) -> bool:
    """Whether the build schemas hold exactly what is published: the same views (definitions), the
    same tables, with the same row counts and md5 fingerprints (`built_marts`: those of the marts
    build, already computed). The cheap comparisons come first and the first difference ends it: an
    incremental build always changes some table, and fingerprinting every table of every schema,
    published and built, took 22.3 s of an incremental refresh at ten national years
    (bench/results.md)."""
    from psycopg import sql

    tables: dict[str, list[str]] = {}
    for s in DBT_SCHEMAS:
        if _views(conn, s, s) != _views(conn, build_name(s), s):
            return False
        tables[s] = _tables(conn, s)
        if tables[s] != _tables(conn, build_name(s)):
            return False

    def count(schema: str, table: str) -> int:
        query = sql.SQL("select count(*) from {}.{}").format(sql.Identifier(schema), sql.Identifier(table))
        return conn.execute(query).fetchone()[0]

    for s in DBT_SCHEMAS:
        for table in tables[s]:
            built_rows = built_marts[table]["rows"] if s == PUBLISHED_SCHEMA else count(build_name(s), table)
            if built_rows != count(s, table):
                return False
    for s in DBT_SCHEMAS:
        for table in tables[s]:
            if s == PUBLISHED_SCHEMA:
                built = built_marts[table]
            else:
                built = _fingerprint_table(conn, build_name(s), table)
            if built != _fingerprint_table(conn, s, table):
                return False
    return True


def with_lock_timeout(
    target: Connection,
    work: Callable[[psycopg.Connection], object],
    what: str,
    settings: Settings,
    attempts: int | None = None,
) -> tuple[object, int]:
    """Run `work` in one transaction with lock_timeout, retried with exponential back-off while a
    lock is not available. Returns (result, attempts used); re-raises LockNotAvailable at the end."""
    import psycopg
    from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

    from oversight import warehouse

    timeout_ms = int(settings.publish_lock_timeout_seconds * 1000)
    retrying = Retrying(
        retry=retry_if_exception_type(psycopg.errors.LockNotAvailable),
        stop=stop_after_attempt(attempts or settings.publish_attempts),
        wait=wait_exponential(multiplier=0.25, max=4),
        before_sleep=lambda state: log.warning(
            "%s: lock not granted within %d ms (attempt %d), retrying: %s",
            what,
            timeout_ms,
            state.attempt_number,
            state.outcome.exception() if state.outcome else "",
        ),
        reraise=True,
    )
    for attempt in retrying:
        with attempt, warehouse.connect(target) as conn:
            conn.execute(f"set local lock_timeout = {timeout_ms}")
            result = work(conn)
            conn.commit()
            return result, attempt.retry_state.attempt_number
    raise AssertionError("unreachable")  # pragma: no cover


def publish(
    target: Connection,
    bi_role: str | None = None,
    expected_tables: list[str] | None = None,
    settings: Settings | None = None,
    run_id: str | None = None,
    build_started_at: object | None = None,
) -> PublishResult:
    import json

    from psycopg import sql

    from oversight import faultpoints, warehouse

    settings = settings or get_settings()
    bi_role = bi_role or settings.bi_role
    with warehouse.connect(target) as conn:
        conn.execute("select pg_advisory_xact_lock(hashtext('oversight_audit_ddl'))")
        conn.execute(AUDIT_SQL)
    with warehouse.connect(target) as conn:
        built = fingerprint(conn, BUILD_SCHEMA)
        if not built:
            raise RuntimeError(f"schema {BUILD_SCHEMA} has no tables: run the dbt build before publishing")
        missing = sorted(set(expected_tables or []) - set(built))
        if missing:
            raise RuntimeError(f"schema {BUILD_SCHEMA} lacks contracted marts {missing}: not publishing")
        absent = [build_name(s) for s in DBT_SCHEMAS if not _schema_exists(conn, build_name(s))]
        if absent:
            raise RuntimeError(f"the build is incomplete, schemas {absent} are missing: not publishing")
        stray = stray_build_schemas(conn)
        if stray:
            raise RuntimeError(
                f"build schemas {stray} are not in settings.DBT_SCHEMAS, so they would never be "
                "published: add their schema there"
            )
        unchanged = _same_as_published(conn, built)

    def swap(conn: psycopg.Connection) -> str:
        if unchanged:
            for s in DBT_SCHEMAS:
                conn.execute(sql.SQL("drop schema {} cascade").format(sql.Identifier(build_name(s))))
            action = "unchanged"
        else:
            grant_bi_access(conn, bi_role, build_name(PUBLISHED_SCHEMA))
            txid = conn.execute("select txid_current()").fetchone()[0]
            for s in DBT_SCHEMAS:
                if _schema_exists(conn, previous_name(s)):  # a reader kept it last time: out of the way
                    conn.execute(
                        sql.SQL("alter schema {} rename to {}").format(
                            sql.Identifier(previous_name(s)), sql.Identifier(f"{previous_name(s)}_{txid}")
                        )
                    )
                if _schema_exists(conn, s):
                    conn.execute(
                        sql.SQL("alter schema {} rename to {}").format(
                            sql.Identifier(s), sql.Identifier(previous_name(s))
                        )
                    )
                conn.execute(
                    sql.SQL("alter schema {} rename to {}").format(
                        sql.Identifier(build_name(s)), sql.Identifier(s)
                    )
                )
                faultpoints.reached("publish_swap")
            action = "swapped"
        grant_bi_access(conn, bi_role)
        conn.execute(
            "insert into audit.publications (action, tables, run_id, build_started_at) "
            "values (%s, %s, %s, %s)",
            (action, json.dumps(built), run_id, build_started_at),
        )
        return action

    action, attempts = with_lock_timeout(target, swap, "publish swap", settings)
    log.info("publish: %s (%d tables, %d attempt(s))", action, len(built), attempts)
    kept = retire_previous(target, settings)
    return PublishResult(action=str(action), tables=built, attempts=attempts, kept_previous=kept)


def previous_schemas(conn: psycopg.Connection) -> list[str]:
    """`<schema>__previous` and `<schema>__previous_<txid>` schemas (swapped out, not yet dropped)."""
    rows = conn.execute("select nspname from pg_namespace order by nspname").fetchall()
    prefixes = tuple(previous_name(s) for s in DBT_SCHEMAS)
    return [r[0] for r in rows if r[0] in prefixes or r[0].startswith(tuple(p + "_" for p in prefixes))]


def retire_previous(target: Connection, settings: Settings | None = None) -> list[str]:
    """Drop the swapped-out schemas, each in its own transaction with lock_timeout and bounded
    retries. A schema a long reader still uses is kept (and named in the log); the next publish
    drops it. Returns the schemas kept."""
    import psycopg
    from psycopg import sql

    from oversight import warehouse

    settings = settings or get_settings()
    with warehouse.connect(target) as conn:
        names = previous_schemas(conn)
    kept = []
    for name in names:

        def drop(conn: psycopg.Connection, name: str = name) -> None:
            conn.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(name)))

        try:
            with_lock_timeout(target, drop, f"drop {name}", settings)
        except psycopg.errors.LockNotAvailable:
            log.warning("kept %s: a reader still uses its tables; the next publish drops it", name)
            kept.append(name)
    return kept


def _schema_exists(conn: psycopg.Connection, schema: str) -> bool:
    return conn.execute("select 1 from pg_namespace where nspname = %s", (schema,)).fetchone() is not None


def grant_bi_access(conn: psycopg.Connection, bi_role: str, schema: str = PUBLISHED_SCHEMA) -> None:
    """The BI role may use schema marts and select its tables; everything else stays closed to it.
    Granted on the build schema before the swap, so the new marts are readable the moment they appear."""
    from psycopg import sql

    role = sql.Identifier(bi_role)
    marts = sql.Identifier(schema)
    conn.execute(sql.SQL("grant usage on schema {} to {}").format(marts, role))
    conn.execute(sql.SQL("grant select on all tables in schema {} to {}").format(marts, role))
