"""The build schemas of write-audit-publish: `<schema>__build` for every schema dbt writes.

dbt writes only build schemas (macro generate_schema_name); oversight.publish swaps the whole set
into place. Before a build, under the build lock (oversight.build_lock), the build schemas left by
a crashed or failed run are dropped, and the published snapshot tables are copied into
`snapshots__build`, so that `dbt snapshot` (part of `dbt build`) appends to the published history
and the history survives the swap.
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


def prepare(conn: psycopg.Connection) -> list[str]:
    """Start a build from a clean slate: no build schema, and snapshots__build holding a copy of the
    published snapshot tables (their history). Returns the build schemas that were left over."""
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
        published = sql.Identifier(SNAPSHOT_SCHEMA, table)
        copy = sql.Identifier(target, table)
        conn.execute(sql.SQL("create table {} (like {} including all)").format(copy, published))
        conn.execute(sql.SQL("insert into {} select * from {}").format(copy, published))
    return dropped
