"""Loading real files into a real PostgreSQL: COPY, manifest, idempotency, vintages, quarantine."""

from __future__ import annotations

import json
from datetime import date

import pytest

from conftest import SAMPLES, copy_sample, validate_pending
from oversight import loader, warehouse


def query(target, sql: str, params: tuple = ()) -> list[tuple]:  # noqa: ANN001
    with warehouse.connect(target) as conn:
        return conn.execute(sql, params).fetchall()


def statements_sent(monkeypatch, cls: type, method: str) -> list[str]:  # noqa: ANN001
    """The SQL text of every call of psycopg's `cls.method` (execute, copy), in order, while the
    test runs."""
    statements: list[str] = []
    original = getattr(cls, method)

    def spy(self, statement, *args, **kwargs):  # noqa: ANN001, ANN202
        statements.append(str(statement))
        return original(self, statement, *args, **kwargs)

    monkeypatch.setattr(cls, method, spy)
    return statements


def test_samples_load_once_and_a_second_run_loads_nothing(fresh_db, settings_for) -> None:  # noqa: ANN001
    settings = settings_for(SAMPLES)
    first = {s: loader.ingest_source(s, fresh_db, settings) for s in ("ods", "ae", "cqc")}
    assert [r.status for r in first["ae"]] == ["loaded"] * 9
    # rows per file: organisation rows plus the TOTAL row (June and September 2024 have 197
    # organisations); June-November 2024, then the website downloads of April-June 2025
    assert [r.rows_loaded for r in first["ae"]] == [198, 199, 199, 198, 199, 199, 199, 201, 202]
    assert first["ods"][0].rows_loaded == 210
    assert first["cqc"][0].rows_loaded == 824

    validate_pending(fresh_db)  # the raw suite passed them (a pending load is never done)
    second = {s: loader.ingest_source(s, fresh_db, settings) for s in ("ods", "ae", "cqc")}
    assert {r.status for results in second.values() for r in results} == {"duplicate"}
    assert query(fresh_db, "select count(*) from raw.ae_monthly") == [(1192 + 199 + 201 + 202,)]
    assert query(fresh_db, "select count(*) from raw.load_manifest") == [(11,)]

    # load metadata on every row: file, sha256, line in the file, period
    row = query(
        fresh_db,
        "select _source_file, _row_number, _period, length(_file_sha256), over_4hrs_type1 "
        "from raw.ae_monthly where org_code = 'R0A' and _period = '2024-06-01'",
    )
    assert row == [("Monthly-AE-June-2024.csv", 111, date(2024, 6, 1), 64, "10837")]


def test_a_revised_file_is_a_new_vintage_and_both_stay_queryable(fresh_db, landing, settings_for) -> None:  # noqa: ANN001
    settings = settings_for(landing)
    copy_sample("ae", "Monthly-AE-June-2024.csv", landing)
    assert [r.status for r in loader.ingest_source("ae", fresh_db, settings)] == ["loaded"]
    validate_pending(fresh_db)
    revised = landing / "ae" / "Monthly-AE-June-2024-revised.csv"
    revised.write_text(
        (SAMPLES / "ae" / "Monthly-AE-June-2024.csv").read_text().replace(",24223,", ",24300,", 1)
    )
    results = loader.ingest_source("ae", fresh_db, settings)
    assert [(r.file_name, r.status, r.vintage) for r in results] == [
        ("Monthly-AE-June-2024.csv", "duplicate", None),
        ("Monthly-AE-June-2024-revised.csv", "loaded", 2),
    ]
    assert query(fresh_db, "select file_name, vintage, revision from raw.load_manifest order by load_id") == [
        ("Monthly-AE-June-2024.csv", 1, 0),
        ("Monthly-AE-June-2024-revised.csv", 2, 1),
    ]
    assert query(
        fresh_db,
        "select _source_file, attendances_type1 from raw.ae_monthly where org_code = 'R0A' order by _load_id",
    ) == [("Monthly-AE-June-2024.csv", "24223"), ("Monthly-AE-June-2024-revised.csv", "24300")]


def test_a_bad_file_is_quarantined_whole_with_its_reason(fresh_db, landing, settings_for) -> None:  # noqa: ANN001
    settings = settings_for(landing)
    good = copy_sample("ae", "Monthly-AE-August-2024.csv", landing)
    lines = (SAMPLES / "ae" / "Monthly-AE-June-2024.csv").read_text().splitlines(keepends=True)
    lines[150] = lines[150].replace("MSitAE-JUNE-2024", "MSitAE-MAY-2024")
    (landing / "ae" / "Monthly-AE-June-2024.csv").write_text("".join(lines))

    results = {r.file_name: r for r in loader.ingest_source("ae", fresh_db, settings)}
    bad = results["Monthly-AE-June-2024.csv"]
    assert bad.status == "quarantined"
    assert bad.message.startswith("Monthly-AE-June-2024.csv, row 151: rule 'period_matches_file_name'")
    assert results[good.name].status == "loaded"  # other files carry on
    # nothing of the bad file reached raw, and the manifest says why
    assert query(
        fresh_db, "select count(*) from raw.ae_monthly where _source_file = %s", (bad.file_name,)
    ) == [(0,)]
    assert query(
        fresh_db, "select status, message from raw.load_manifest where file_name = %s", (bad.file_name,)
    ) == [("quarantined", bad.message)]
    reason = json.loads((settings.quarantine_dir / "ae" / "Monthly-AE-June-2024.csv.reason.txt").read_text())
    assert (reason["row"], reason["rule"]) == (151, "period_matches_file_name")
    assert (settings.quarantine_dir / "ae" / "Monthly-AE-June-2024.csv").exists()

    # the same bad file delivered again is not re-read and not recorded twice
    again = {r.file_name: r for r in loader.ingest_source("ae", fresh_db, settings)}
    assert again[bad.file_name].status == "previously_quarantined"
    assert query(fresh_db, "select count(*) from raw.load_manifest where status = 'quarantined'") == [(1,)]


def test_an_empty_file_is_quarantined(fresh_db, landing, settings_for) -> None:  # noqa: ANN001
    settings = settings_for(landing)
    (landing / "ae" / "Monthly-AE-June-2024.csv").write_bytes(b"")
    (result,) = loader.ingest_source("ae", fresh_db, settings)
    assert result.status == "quarantined" and "file_is_not_empty" in result.message
    header_only = landing / "ods" / "etr.csv"
    header_only.write_text("\n")
    (result,) = loader.ingest_source("ods", fresh_db, settings)
    assert result.status == "quarantined" and "file_has_data_rows" in result.message


def test_copy_loads_stream_not_row_inserts(fresh_db, settings_for, monkeypatch) -> None:  # noqa: ANN001
    """Every raw row goes through one COPY per file (no INSERT per row)."""
    import psycopg

    statements = statements_sent(monkeypatch, psycopg.Cursor, "copy")
    settings = settings_for(SAMPLES)
    loader.ingest_source("ae", fresh_db, settings)
    assert len(statements) == 9 and all(s.startswith("copy raw.ae_monthly") for s in statements)


def test_a_run_analyzes_its_raw_table_once_after_its_last_file(fresh_db, settings_for, monkeypatch) -> None:  # noqa: ANN001
    """Statistics cover every file a run loaded (ANALYZE after the last one), taken once per run
    rather than once per file; a run that loads nothing leaves them alone."""
    import psycopg

    statements = statements_sent(monkeypatch, psycopg.Connection, "execute")
    settings = settings_for(SAMPLES)
    results = loader.ingest_source("ae", fresh_db, settings)
    assert [r.status for r in results] == ["loaded"] * 9
    assert statements.count("analyze raw.ae_monthly") == 1
    assert statements.index("analyze raw.ae_monthly") > max(
        i for i, s in enumerate(statements) if s.startswith("update raw.load_manifest set rows_loaded")
    )
    # the planner's row count is the whole table: all 9 files, 1,794 rows
    assert query(fresh_db, "select reltuples::int from pg_class where oid = 'raw.ae_monthly'::regclass") == [
        (1794,)
    ]

    validate_pending(fresh_db)
    statements.clear()
    assert {r.status for r in loader.ingest_source("ae", fresh_db, settings)} == {"duplicate"}
    assert not [s for s in statements if s.startswith("analyze")]


def test_a_run_that_fails_unexpectedly_still_analyzes_the_files_it_committed(  # noqa: ANN201
    fresh_db, settings_for, monkeypatch
):
    """An error that is not bad input (here a lost connection while copying the third file) stops
    the run and is raised; the two files committed before it are in the table's statistics."""
    import psycopg

    statements = statements_sent(monkeypatch, psycopg.Connection, "execute")
    copy_rows, calls = loader._copy_rows, []

    def third_fails(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        calls.append(1)
        if len(calls) == 3:
            raise psycopg.OperationalError("server closed the connection unexpectedly")
        return copy_rows(*args, **kwargs)

    monkeypatch.setattr(loader, "_copy_rows", third_fails)
    with pytest.raises(psycopg.OperationalError, match="closed the connection"):
        loader.ingest_source("ae", fresh_db, settings_for(SAMPLES))
    loaded = query(fresh_db, "select count(*), sum(rows_loaded) from raw.load_manifest where status='loaded'")
    assert loaded[0][0] == 2
    assert statements.count("analyze raw.ae_monthly") == 1
    assert query(fresh_db, "select reltuples::int from pg_class where oid = 'raw.ae_monthly'::regclass") == [
        (loaded[0][1],)
    ]
