"""The landing scan: every file in the landing folder accounted for, recognised by its content.

Real files: the A&E 2025 downloads as the publisher's website names them (tests/data/ae/), the
bundled samples (sample_data/). Real PostgreSQL for the manifest.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from conftest import REPO_ROOT, SAMPLES, put, query, validate_pending
from oversight import landing, loader, warehouse

DATA = REPO_ROOT / "tests" / "data"
APRIL_2025 = DATA / "ae" / "April-2025-CSV-revised.csv"  # 199 rows: 198 organisations + TOTAL
JULY_2025 = DATA / "ae" / "July-2025-CSV-9jfy4.csv"
JUNE_2024 = SAMPLES / "ae" / "Monthly-AE-June-2024.csv"  # 198 rows: 197 organisations + TOTAL


# ---- recognition (no database) -------------------------------------------------------------------
def test_publisher_files_are_recognised_by_content_in_any_folder(tmp_path: Path) -> None:
    put(APRIL_2025, tmp_path, "downloads/April-2025-CSV-revised.csv")
    put(JULY_2025, tmp_path, "July-2025-CSV-9jfy4.csv")  # top level, no source folder
    put(JUNE_2024, tmp_path, "misc/2024/monthly-ae-june-2024 (1).CSV")
    put(SAMPLES / "ods" / "etr_2025-Q1.csv", tmp_path, "mappings/etr_2025-Q1.csv")
    put(SAMPLES / "ods" / "data_DSPTmetric_20220208.csv", tmp_path, "ae/data_DSPTmetric_20220208.csv")
    put(SAMPLES / "rtt" / "20260430-RTT-April-2026-full-extract.csv.zip", tmp_path, "rtt/extract-1.zip")
    put(SAMPLES / "nof" / "README.md", tmp_path, "nof/README.md")  # documentation: not scanned
    found = {f.relative: f for f in landing.scan(tmp_path)}
    assert {k: (f.verdict, f.source, f.period, f.revision) for k, f in found.items()} == {
        "downloads/April-2025-CSV-revised.csv": ("recognised", "ae", date(2025, 4, 1), 1),
        "July-2025-CSV-9jfy4.csv": ("recognised", "ae", date(2025, 7, 1), 0),  # -9jfy4: no revision
        "misc/2024/monthly-ae-june-2024 (1).CSV": ("recognised", "ae", date(2024, 6, 1), 0),
        "mappings/etr_2025-Q1.csv": ("recognised", "ods", date(2025, 1, 1), 0),  # headerless: by shape
        # the folder is no more than a hint: a DSPT file in ae/ is still the mappings file
        "ae/data_DSPTmetric_20220208.csv": ("recognised", "ods_mappings", date(2022, 2, 8), 0),
        # a renamed RTT extract: its month from the Period column of the CSV inside
        "rtt/extract-1.zip": ("recognised", "rtt", date(2026, 4, 1), 0),
    }
    assert "Period column 'MSitAE-APRIL-2025'" in found["downloads/April-2025-CSV-revised.csv"].reason
    assert "Period column 'RTT-April-2026'" in found["rtt/extract-1.zip"].reason


def test_highest_score_wins_and_an_equal_match_is_ambiguous(tmp_path: Path) -> None:
    from oversight.sources.ae import AeMonthly
    from oversight.sources.base import Layout

    class PeriodAndOrg(AeMonthly):
        """A layout that requires only two of the A&E columns: matches, but explains less."""

        name = "period_and_org"
        layouts = (Layout("two_columns", (("Period", "period"), ("Org Code", "org_code"))),)

    class AeTwin(AeMonthly):
        name = "ae_twin"

    put(APRIL_2025, tmp_path, "April-2025-CSV-revised.csv")
    ae = landing.SOURCES["ae"]
    (winner,) = landing.scan(tmp_path, {"ae": ae, "period_and_org": PeriodAndOrg()})
    assert (winner.verdict, winner.source) == ("recognised", "ae")  # 100 beats 60 + 40 * 2/22 = 64

    (tie,) = landing.scan(tmp_path, {"ae": ae, "ae_twin": AeTwin()})
    assert (tie.verdict, tie.source) == ("ambiguous", None)
    assert tie.reason.startswith("recognised equally (score 100) by ae and ae_twin")


def test_every_source_recognises_by_content_and_a_renamed_workbook_is_found(tmp_path: Path) -> None:
    """Every registered source decides by content (none falls back to its name), so a DM01
    workbook saved under a name of the user's own is still recognised as DM01."""
    from oversight.peek import peek

    sample = SAMPLES / "dm01" / "Monthly-Diagnostics-Web-File-Provider-October-2024.xlsx"
    put(sample, tmp_path, "dm01.xlsx")
    for spec in landing.SOURCES.values():
        assert isinstance(spec.recognise(peek(tmp_path / "dm01.xlsx")).matched, bool), spec.name
    found = {f.relative: f for f in landing.scan(tmp_path)}
    assert (found["dm01.xlsx"].verdict, found["dm01.xlsx"].source) == ("recognised", "dm01")
    assert found["dm01.xlsx"].period == date(2024, 10, 1)


# ---- the manifest: every file has a row ----------------------------------------------------------
def test_an_unknown_file_gets_an_unrecognised_row_naming_the_closest_source_once(
    fresh_db, landing, settings_for
) -> None:  # noqa: ANN001
    settings = settings_for(landing)
    put(JUNE_2024, landing, "ae/Monthly-AE-June-2024.csv")
    (landing / "reports").mkdir()
    (landing / "reports" / "board-paper.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n\x00\x00")
    # an unrelated extract that shares some A&E columns
    (landing / "reports" / "attendance-extract.csv").write_text(
        "Period,Org Code,Org name,A&E attendances Type 1,Notes\nMSitAE-JUNE-2024,R0A,MANCHESTER,24223,x\n"
    )
    results = loader.ingest_source("ae", fresh_db, settings)
    assert [(r.file_name, r.status) for r in results] == [("Monthly-AE-June-2024.csv", "loaded")]
    rows = query(
        fresh_db,
        "select landing_path, source, status, closest_source, message from raw.load_manifest "
        "where status = 'unrecognised' order by landing_path",
    )
    assert [r[:4] for r in rows] == [
        ("reports/attendance-extract.csv", None, "unrecognised", "ae"),
        ("reports/board-paper.pdf", None, "unrecognised", None),
    ]
    extract, pdf = rows[0][4], rows[1][4]
    assert "closest: ae" in extract and "4 of 22 required columns" in extract
    assert "missing Parent Org" in extract
    assert (
        pdf == "unrecognised: a binary file of 25 bytes (not text, a workbook or a ZIP): no source reads it"
    )

    # every ingestion run scans, but a file is recorded once per path and content
    loader.ingest_source("ae", fresh_db, settings)
    loader.ingest_source("ods", fresh_db, settings)
    assert query(fresh_db, "select status, count(*) from raw.load_manifest group by 1 order by 1") == [
        ("loaded", 1),
        ("unrecognised", 2),
    ]


def test_the_real_2025_downloads_load_with_the_period_from_the_period_column(
    fresh_db, landing, settings_for
) -> None:  # noqa: ANN001
    settings = settings_for(landing)
    put(JULY_2025, landing, "downloads/July-2025-CSV-9jfy4.csv")
    put(APRIL_2025, landing, "ae/April-2025-CSV-revised.csv")
    put(JUNE_2024, landing, "ae/old/monthly-ae-june-2024 (1).CSV")  # a renamed download
    results = loader.ingest_source("ae", fresh_db, settings)
    assert [(r.file_name, r.status, r.period, r.rows_loaded) for r in results] == [
        ("monthly-ae-june-2024 (1).CSV", "loaded", "2024-06-01", 198),
        ("April-2025-CSV-revised.csv", "loaded", "2025-04-01", 199),
        ("July-2025-CSV-9jfy4.csv", "loaded", "2025-07-01", 199 + 3),
    ]
    assert query(
        fresh_db, "select landing_path, period, revision from raw.load_manifest order by period"
    ) == [
        ("ae/old/monthly-ae-june-2024 (1).CSV", date(2024, 6, 1), 0),
        ("ae/April-2025-CSV-revised.csv", date(2025, 4, 1), 1),
        ("downloads/July-2025-CSV-9jfy4.csv", date(2025, 7, 1), 0),
    ]
    # real rows (line 81 of the April file, line 96 of the July one)
    assert query(
        fresh_db,
        "select _period, _row_number, attendances_type1 from raw.ae_monthly where org_code = 'R0A' "
        "order by _period",
    ) == [(date(2024, 6, 1), 111, "24223"), (date(2025, 4, 1), 81, "24296"), (date(2025, 7, 1), 96, "26185")]


def test_a_file_whose_name_and_period_column_disagree_is_quarantined_with_both(
    fresh_db, landing, settings_for
) -> None:  # noqa: ANN001
    settings = settings_for(landing)
    put(APRIL_2025, landing, "ae/May-2025-CSV-revised.csv")  # April's content under May's name
    (result,) = loader.ingest_source("ae", fresh_db, settings)
    assert result.status == "quarantined"
    assert result.message == (
        "May-2025-CSV-revised.csv: rule 'period_in_name_matches_content' broken: the file name says May 2025 "
        "(2025-05-01), its content says April 2025 (2025-04-01; Period column 'MSitAE-APRIL-2025')"
    )
    assert query(fresh_db, "select count(*) from raw.ae_monthly") == [(0,)]
    assert query(fresh_db, "select status, landing_path from raw.load_manifest") == [
        ("quarantined", "ae/May-2025-CSV-revised.csv")
    ]
    assert (settings.quarantine_dir / "ae" / "May-2025-CSV-revised.csv.reason.txt").exists()


def test_the_same_content_under_two_names_is_one_load_and_one_duplicate(
    fresh_db, landing, settings_for
) -> None:  # noqa: ANN001
    settings = settings_for(landing)
    put(APRIL_2025, landing, "ae/April-2025-CSV-revised.csv")
    put(APRIL_2025, landing, "downloads/April-2025-CSV-revised (1).csv")
    results = loader.ingest_source("ae", fresh_db, settings)
    assert [(r.file_name, r.status) for r in results] == [
        ("April-2025-CSV-revised.csv", "loaded"),
        ("April-2025-CSV-revised (1).csv", "duplicate"),
    ]
    manifest = query(
        fresh_db,
        "select load_id, landing_path, status, vintage, duplicate_of, rows_loaded from raw.load_manifest "
        "order by load_id",
    )
    (load_id, *loaded), (_, *duplicate) = manifest
    assert loaded == ["ae/April-2025-CSV-revised.csv", "loaded", 1, None, 199]
    assert duplicate == ["downloads/April-2025-CSV-revised (1).csv", "duplicate", 1, load_id, 0]
    assert query(fresh_db, "select count(*) from raw.ae_monthly") == [(199,)]
    # a re-run, once the raw suite passed the load: both files are already accounted for
    validate_pending(fresh_db)
    again = loader.ingest_source("ae", fresh_db, settings)
    assert [r.status for r in again] == ["duplicate", "duplicate"]
    assert query(fresh_db, "select count(*) from raw.load_manifest") == [(2,)]


def test_the_run_summary_lists_quarantined_and_unrecognised_files(
    fresh_db, landing, settings_for, monkeypatch, capsys
) -> None:  # noqa: ANN001
    from oversight import summary

    monkeypatch.setenv("WAREHOUSE_URL", fresh_db.url)
    settings = settings_for(landing)
    put(APRIL_2025, landing, "ae/April-2025-CSV-revised.csv")
    # April's rows (one count changed, so not a duplicate) under May's name
    (landing / "ae" / "May-2025-CSV-revised.csv").write_text(
        APRIL_2025.read_text().replace(",24296,", ",24297,", 1)
    )
    (landing / "notes.txt").write_text("call the trust on Monday\n")
    put(JUNE_2024, landing, "ae/Monthly-AE-June-2024.csv")
    loader.ingest_source("ae", fresh_db, settings)
    validate_pending(fresh_db)  # as the raw suite does when it passes them
    summary.print_summary(settings)
    out = capsys.readouterr().out
    assert f"landing files    4 under {landing}: 2 loaded, 1 quarantined, 1 unrecognised; every file" in out
    assert "    ae: ae/May-2025-CSV-revised.csv  May-2025-CSV-revised.csv: rule " in out
    assert "    notes.txt  closest: none  unrecognised: no source's layout comes close (a csv file" in out


def test_an_existing_manifest_is_migrated_in_place(fresh_db) -> None:  # noqa: ANN001
    """A warehouse bootstrapped before the scan (status check of two values, source not null)."""
    with warehouse.connect(fresh_db) as conn:
        conn.execute("drop table raw.load_manifest")
        conn.execute(
            "create table raw.load_manifest (load_id bigserial primary key, source text not null, "
            "file_name text not null, file_sha256 text not null, file_bytes bigint not null, period date, "
            "vintage integer not null default 1, revision integer not null default 0, status text not null "
            "check (status in ('loaded', 'quarantined')), rows_loaded bigint not null default 0, "
            "target_table text, message text, loaded_at timestamptz not null default now())"
        )
        conn.execute(
            "insert into raw.load_manifest (source, file_name, file_sha256, file_bytes, status) "
            "values ('ae', 'Monthly-AE-June-2024.csv', 'abc', 1, 'loaded')"
        )
    warehouse.bootstrap(fresh_db)
    warehouse.bootstrap(fresh_db)  # idempotent
    with warehouse.connect(fresh_db) as conn:
        conn.execute(
            "insert into raw.load_manifest (file_name, landing_path, file_sha256, file_bytes, status, "
            "closest_source) values ('x.pdf', 'x.pdf', 'def', 1, 'unrecognised', null)"
        )
    assert query(fresh_db, "select source, file_name, status from raw.load_manifest order by load_id") == [
        ("ae", "Monthly-AE-June-2024.csv", "loaded"),
        (None, "x.pdf", "unrecognised"),
    ]
    import psycopg

    with pytest.raises(psycopg.errors.CheckViolation), warehouse.connect(fresh_db) as conn:
        conn.execute(
            "insert into raw.load_manifest (file_name, file_sha256, file_bytes, status) "
            "values ('y', 'y', 1, 'ignored')"
        )


def test_renamed_downloads_of_the_other_text_sources_read_the_same_rows(tmp_path: Path) -> None:
    """The rules that used to read the file name (the NOF trust type, the mapping file's kind, the
    RTT date stamp) read the content when the name is not the publisher's."""
    nof = SAMPLES / "nof" / "nhs-oversight-framework-acute-trust-data-q3-25-26.csv"
    mapping = SAMPLES / "ods" / "ae_june2025_system_mapping_org_region_icb.csv"
    mhsds = SAMPLES / "mhsds" / "MHSDS Data_OctPerf_2024.csv"
    finance = SAMPLES / "finance" / "finance-positions-2025-26-Q3.csv"
    put(nof, tmp_path, "nof-acute q3-25-26 (1).csv")
    put(mapping, tmp_path, "org-region-icb.csv")
    put(mhsds, tmp_path, "mhsds-main-1.csv")
    put(finance, tmp_path, "finance positions.csv")
    found = {f.relative: f for f in landing.scan(tmp_path)}
    assert {k: (f.source, f.period, f.revision) for k, f in found.items()} == {
        "nof-acute q3-25-26 (1).csv": ("nof_metrics", date(2025, 10, 1), 0),
        "org-region-icb.csv": ("ods_mappings", None, 0),  # the mapping files state no period
        # the month from REPORTING_PERIOD_END, the stage (Performance = 10) from STATUS
        "mhsds-main-1.csv": ("mhsds", date(2024, 10, 1), 10),
        "finance positions.csv": ("finance", date(2025, 10, 1), 0),  # period column '2025-26 Q3'
    }
    for relative, original in (
        ("nof-acute q3-25-26 (1).csv", nof),
        ("org-region-icb.csv", mapping),
        ("mhsds-main-1.csv", mhsds),
        ("finance positions.csv", finance),
    ):
        spec, scanned = landing.SOURCES[found[relative].source], found[relative]
        renamed = [(n, layout, r) for n, layout, r in spec.rows(scanned.path, scanned.info)]
        assert renamed == list(spec.rows(original, spec.file_info(original))), relative


@pytest.mark.parametrize(
    ("cell", "text"),
    [
        ("Barts Health", "Barts Health"),
        ("", ""),
        (None, ""),
        (781.0, "781"),
        (179.5, "179.5"),
        (0.1, "0.1"),
        (-3.0, "-3"),
        (42, "42"),
        (True, "TRUE"),
        (False, "FALSE"),
        (datetime(2025, 4, 1), "2025-04-01"),
        (datetime(2025, 4, 1, 13, 30), "2025-04-01T13:30:00"),
        (date(2025, 4, 1), "2025-04-01"),
        (time(13, 30), "13:30:00"),
        (timedelta(hours=2), "2:00:00"),
    ],
)
def test_a_workbook_cell_reads_as_the_text_a_person_sees(cell: object, text: str) -> None:
    """python-calamine's cell types, each as the text the loaders check and store."""
    from oversight.peek import cell_text

    assert cell_text(cell) == text
