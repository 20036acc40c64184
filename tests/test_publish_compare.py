"""publish tells `unchanged` from `swapped` by comparing every build schema with its published twin
(views, tables, row counts, md5 of the rows), stopping at the first difference. Each case below
changes one thing in one schema that is not `marts` and must be found."""

from __future__ import annotations

from collections.abc import Callable

import psycopg
import pytest

from oversight import publish, warehouse

SCHEMAS = ("marts", "intermediate", "staging")


def _make(conn: psycopg.Connection, schema: str) -> None:
    conn.execute(f"create schema {schema}")
    conn.execute(f"create table {schema}.t (id integer, label text)")
    conn.execute(f"insert into {schema}.t values (1, 'a'), (2, 'b')")
    conn.execute(f"create view {schema}.v as select id from {schema}.t where id > 1")


CHANGES: dict[str, Callable[[psycopg.Connection], None]] = {
    "nothing": lambda conn: None,
    "a value, same row count": lambda conn: conn.execute(
        "update intermediate__build.t set label = 'z' where id = 2"
    ),
    "a row more": lambda conn: conn.execute("insert into staging__build.t values (3, 'c')"),
    "a table more": lambda conn: conn.execute("create table intermediate__build.extra (id integer)"),
    "a view's definition": lambda conn: conn.execute(
        "create or replace view staging__build.v as select id from staging__build.t where id > 0"
    ),
    "a marts value": lambda conn: conn.execute("update marts__build.t set label = 'z' where id = 1"),
}


@pytest.mark.parametrize("change", CHANGES)
def test_publish_compares_every_schema_and_finds_one_difference(fresh_db, change: str) -> None:  # noqa: ANN001
    with warehouse.connect(fresh_db) as conn:
        for schema in SCHEMAS:
            _make(conn, schema)
            _make(conn, f"{schema}__build")
        # a view in a build schema reads its own schema: the same view once published
        conn.execute("create or replace view marts__build.v as select id from marts__build.t where id > 1")
        CHANGES[change](conn)
        built = publish.fingerprint(conn, "marts__build")
        assert publish._same_as_published(conn, built) is (change == "nothing")
