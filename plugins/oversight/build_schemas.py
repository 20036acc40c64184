"""The build schemas of write-audit-publish: `<schema>__build` for every schema dbt writes.

dbt writes only build schemas (macro generate_schema_name); oversight.publish swaps the whole set
into place. Before a build, under the build lock (oversight.build_lock), the build schemas left by
a crashed or failed run are dropped, and the published snapshot tables are copied into
`snapshots__build`, so that `dbt snapshot` (part of `dbt build`) appends to the published history
and the history survives the swap. The published incremental models of the same dbt project are
copied the same way (macros/incremental_state.sql), unless a full refresh is asked for.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from oversight.settings import BUILD_SUFFIX, DBT_SCHEMAS, PREVIOUS_SUFFIX

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger(__name__)

SNAPSHOT_SCHEMA = "snapshots"


def build_name(schema: str) -> str:
    return schema + BUILD_SUFFIX


def previous_name(schema: str) -> str:
    return schema + PREVIOUS_SUFFIX


def existing(conn: psycopg.Connection, names: list[str]) -> list[str]:
    rows = conn.execute(
        "select nspname from pg_namespace where nspname = any(%s) order by nspname", (names,)
    ).fetchall()
    return [r[0] for r in rows]


def stray_build_schemas(conn: psycopg.Connection) -> list[str]:
    """`…__build` schemas that are not in the declared set (a dbt folder whose schema is not swapped)."""
    declared = {build_name(s) for s in DBT_SCHEMAS}
    rows = conn.execute(
        "select nspname from pg_namespace where right(nspname, %s) = %s order by nspname",
        (len(BUILD_SUFFIX), BUILD_SUFFIX),
    ).fetchall()
    return [r[0] for r in rows if r[0] not in declared]


def drop_build_schemas(conn: psycopg.Connection) -> list[str]:
    """Drop every build schema (a half-built set left by a killed or failed run); returns the dropped."""
    from psycopg import sql

    dropped = existing(conn, [build_name(s) for s in DBT_SCHEMAS])
    for name in dropped:
        conn.execute(sql.SQL("drop schema {} cascade").format(sql.Identifier(name)))
    if dropped:
        log.warning("dropped build schemas left by an earlier run: %s", ", ".join(dropped))
    return dropped


STATE_COMMENT = "oversight incremental state, project {sha}"  # macro incremental_state_comment


def prepare(conn: psycopg.Connection, incremental_state: str | None = None) -> tuple[list[str], list[str]]:
    """Start a build from a clean slate: no build schema, and snapshots__build holding a copy of the
    published snapshot tables (their history). With `incremental_state` (the sha256 of the dbt
    project, oversight.transform.project_fingerprint), each published table that is incremental
    state of that same project (its comment says so) is copied into its build schema too, so that
    the model builds incrementally on it; a table built by other rules is not, and is rebuilt whole.
    Returns (the build schemas that were left over, the state tables copied)."""
    from psycopg import sql

    dropped = drop_build_schemas(conn)
    target = build_name(SNAPSHOT_SCHEMA)
    conn.execute(sql.SQL("create schema {}").format(sql.Identifier(target)))
    tables = conn.execute(
        "select table_name from information_schema.tables where table_schema = %s "
        "and table_type = 'BASE TABLE' order by table_name",
        (SNAPSHOT_SCHEMA,),
    ).fetchall()
    for (table,) in tables:
        _copy(conn, SNAPSHOT_SCHEMA, target, table)
    copied: list[str] = []
    if incremental_state:
        state = conn.execute(
            "select n.nspname, c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
            "where c.relkind = 'r' and n.nspname = any(%s) and obj_description(c.oid, 'pg_class') = %s "
            "order by 1, 2",
            ([s for s in DBT_SCHEMAS if s != SNAPSHOT_SCHEMA], STATE_COMMENT.format(sha=incremental_state)),
        ).fetchall()
        for schema, table in state:
            conn.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(build_name(schema))))
            _copy(conn, schema, build_name(schema), table)
            copied.append(f"{schema}.{table}")
        if copied:
            log.info("incremental state copied into the build schemas: %s", ", ".join(copied))
    return dropped, copied


def _copy(conn: psycopg.Connection, schema: str, target: str, table: str) -> None:
    from psycopg import sql

    published = sql.Identifier(schema, table)
    copy = sql.Identifier(target, table)
    conn.execute(sql.SQL("create table {} (like {} including all)").format(copy, published))
    conn.execute(sql.SQL("insert into {} select * from {}").format(copy, published))
