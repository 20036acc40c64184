"""What the read-only BI role may do: CONNECT to the warehouse database, USAGE on `marts`, SELECT
on its tables (oversight.publish grants those two at every publish). Nothing else.

Database privileges that PostgreSQL grants to PUBLIC by default (CONNECT and TEMPORARY on every
database) reach every role, and a privilege held through PUBLIC cannot be revoked from one role.
So, on the warehouse database (ours): TEMPORARY is revoked from PUBLIC (the owner, which dbt and
the loaders use, keeps it) and CREATE on schema public too; CONNECT is granted to the BI role by
name. On the embedded server, which this project owns whole, CONNECT is also revoked from PUBLIC
on every other database, so the BI role can reach the warehouse database only. On a shared server
that would be too invasive (other people's databases): there the operator adds a pg_hba.conf
line, e.g. `host all oversight_bi_login 0.0.0.0/0 reject` after the line that admits it to the
warehouse database (README, "Faults and concurrency").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psycopg

    from oversight.warehouse import Connection


def restrict_warehouse_database(conn: psycopg.Connection, bi_role: str) -> None:
    """On the warehouse database: no TEMP or CREATE through PUBLIC; CONNECT for the BI role."""
    from psycopg import sql

    database = sql.Identifier(conn.execute("select current_database()").fetchone()[0])
    role = sql.Identifier(bi_role)
    conn.execute(sql.SQL("revoke temporary on database {} from public").format(database))
    conn.execute(sql.SQL("revoke all on database {} from {}").format(database, role))
    conn.execute(sql.SQL("grant connect on database {} to {}").format(database, role))
    conn.execute("revoke create on schema public from public")


def close_other_databases(admin: Connection) -> list[str]:
    """Embedded server only: revoke CONNECT from PUBLIC on every database but those the tests and
    the warehouse create afresh (a new database gets the default privileges again, so this runs
    again at every start). Superusers (the loaders, dbt, tests) are not affected."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin.conninfo, autocommit=True) as conn:
        names = [
            r[0]
            for r in conn.execute(
                "select datname from pg_database where datallowconn and datname in ('postgres', 'template1')"
            ).fetchall()
        ]
        for name in names:
            conn.execute(sql.SQL("revoke connect on database {} from public").format(sql.Identifier(name)))
    return names
