"""Write-audit-publish: swap the validated build schema into the published schema in one transaction.

The published schema `marts` is only ever replaced whole, by renaming schemas inside a single
transaction (PostgreSQL DDL is transactional), after the gate passed. If the build is identical
to what is published (same tables, same rows), nothing is swapped and `marts` is left untouched.
The BI role gets USAGE on `marts` and SELECT on its tables, and nothing else.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from oversight.settings import BUILD_SCHEMA, PREVIOUS_SCHEMA, PUBLISHED_SCHEMA, get_settings

if TYPE_CHECKING:
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
comment on table audit.publications is
    'One row per publish attempt that passed the gate: swapped (marts replaced) or unchanged '
    '(the build was identical to what was published). tables: name -> {rows, fingerprint}.';
"""


@dataclass
class PublishResult:
    action: str  # swapped | unchanged
    tables: dict[str, dict] = field(default_factory=dict)


def _tables(conn: psycopg.Connection, schema: str) -> list[str]:
    rows = conn.execute(
        "select table_name from information_schema.tables "
        "where table_schema = %s and table_type = 'BASE TABLE' "
        "order by table_name",
        (schema,),
    ).fetchall()
    return [r[0] for r in rows]


def fingerprint(conn: psycopg.Connection, schema: str) -> dict[str, dict]:
    """Row count and an order-independent md5 of every table's rows."""
    from psycopg import sql

    result = {}
    for table in _tables(conn, schema):
        query = sql.SQL(
            "select count(*), coalesce(md5(string_agg(t::text, '|' order by t::text)), '') from {}.{} as t"
        ).format(sql.Identifier(schema), sql.Identifier(table))
        count, digest = conn.execute(query).fetchone()
        result[table] = {"rows": count, "fingerprint": digest}
    return result


def publish(
    target: Connection, bi_role: str | None = None, expected_tables: list[str] | None = None
) -> PublishResult:
    import json

    from psycopg import sql

    from oversight import warehouse

    bi_role = bi_role or get_settings().bi_role
    with warehouse.connect(target) as conn:
        conn.execute("select pg_advisory_xact_lock(hashtext('oversight_publish'))")
        conn.execute(AUDIT_SQL)
        built = fingerprint(conn, BUILD_SCHEMA)
        if not built:
            raise RuntimeError(f"schema {BUILD_SCHEMA} has no tables: run the dbt build before publishing")
        missing = sorted(set(expected_tables or []) - set(built))
        if missing:
            raise RuntimeError(f"schema {BUILD_SCHEMA} lacks contracted marts {missing}: not publishing")
        published = fingerprint(conn, PUBLISHED_SCHEMA)
        if published == built:
            conn.execute(sql.SQL("drop schema {} cascade").format(sql.Identifier(BUILD_SCHEMA)))
            action = "unchanged"
        else:
            conn.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(PREVIOUS_SCHEMA)))
            if published or _schema_exists(conn, PUBLISHED_SCHEMA):
                conn.execute(
                    sql.SQL("alter schema {} rename to {}").format(
                        sql.Identifier(PUBLISHED_SCHEMA), sql.Identifier(PREVIOUS_SCHEMA)
                    )
                )
            conn.execute(
                sql.SQL("alter schema {} rename to {}").format(
                    sql.Identifier(BUILD_SCHEMA), sql.Identifier(PUBLISHED_SCHEMA)
                )
            )
            conn.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(PREVIOUS_SCHEMA)))
            action = "swapped"
        grant_bi_access(conn, bi_role)
        conn.execute(
            "insert into audit.publications (action, tables) values (%s, %s)", (action, json.dumps(built))
        )
    log.info("publish: %s (%d tables)", action, len(built))
    return PublishResult(action=action, tables=built)


def _schema_exists(conn: psycopg.Connection, schema: str) -> bool:
    return conn.execute("select 1 from pg_namespace where nspname = %s", (schema,)).fetchone() is not None


def grant_bi_access(conn: psycopg.Connection, bi_role: str) -> None:
    """The BI role may use schema marts and select its tables; everything else stays closed to it."""
    from psycopg import sql

    role = sql.Identifier(bi_role)
    marts = sql.Identifier(PUBLISHED_SCHEMA)
    conn.execute(sql.SQL("grant usage on schema {} to {}").format(marts, role))
    conn.execute(sql.SQL("grant select on all tables in schema {} to {}").format(marts, role))
