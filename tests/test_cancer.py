"""Cancer Waiting Times provider workbook: the layout contract on real rows, the bad-input rules
(each naming file, row and rule), and loading: idempotency, FINAL superseding PROVISIONAL, quarantine.

The bundled sample is NHS England's APRIL-2025-CWT-CRS-PROVIDER-WORKBOOK-PROVISIONAL.xlsx reduced to
the provider rows of 25 trusts (sample_data/cancer/README.md): values as published, rows moved up, so
Barts Health (R1H), row 14 of each headline sheet as published, is row 13 in the sample.
"""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from conftest import SAMPLES, validate_pending
from oversight import loader, warehouse
from oversight.errors import BadInputError
from oversight.sources import get_source
from oversight.sources.cancer import SHEETS, parse_title_period, revision_from_labels

CANCER = get_source("cancer")
SAMPLE_NAME = "APRIL-2025-CWT-CRS-PROVIDER-WORKBOOK-PROVISIONAL.xlsx"
SAMPLE = SAMPLES / "cancer" / SAMPLE_NAME
FDS, D31, D62 = "28-DAY FDS (ALL ROUTES)", "31-DAY (ALL CANCER)", "62-DAY (ALL CANCER)"


def rows_of(path: Path) -> list[tuple[int, str, dict[str, str]]]:
    return list(CANCER.rows(path, CANCER.file_info(path)))


@pytest.fixture(scope="module")
def sample_rows() -> list[tuple[int, str, dict[str, str]]]:
    return rows_of(SAMPLE)


def find(rows, sheet: str, code: str | None, part: str | None = None) -> tuple[int, str, dict[str, str]]:  # noqa: ANN001
    matches = [
        r
        for r in rows
        if r[2]["sheet"] == sheet and r[2].get("org_code") == code and r[2].get("part") == part
    ]
    assert len(matches) == 1, (sheet, code, part, len(matches))
    return matches[0]


@pytest.fixture(scope="module")
def headline_workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample with only its Frontpage and the three headline sheets (real values): a small base
    for the bad-input variants below, so that each variant is quick to write."""
    from openpyxl import load_workbook

    workbook = load_workbook(SAMPLE)
    for name in workbook.sheetnames:
        if name not in ("Frontpage", FDS, D31, D62):
            del workbook[name]
    target = tmp_path_factory.mktemp("cancer-base") / SAMPLE_NAME
    workbook.save(target)
    return target


@pytest.fixture
def variant(headline_workbook: Path, tmp_path: Path) -> Callable[..., Path]:
    """variant(edit, name=...): a copy of the headline workbook changed by edit(workbook)."""
    from openpyxl import load_workbook

    def make(edit: Callable, name: str = SAMPLE_NAME) -> Path:
        workbook = load_workbook(headline_workbook)
        edit(workbook)
        target = tmp_path / name
        workbook.save(target)
        return target

    return make


def bad_input(path: Path) -> BadInputError:
    with pytest.raises(BadInputError) as caught:
        rows_of(path)
    assert caught.value.file == path.name
    return caught.value


# ---- file names, periods, revisions ------------------------------------------------------------
def test_file_name_gives_month_and_revision_level() -> None:
    info = CANCER.file_info(Path(SAMPLE_NAME))
    assert (info.period, info.revision) == (date(2025, 4, 1), 0)
    final = CANCER.file_info(Path("APRIL-2025-CWT-CRS-PROVIDER-WORKBOOK-FINAL.xlsx"))
    assert (final.period, final.revision) == (date(2025, 4, 1), 10)
    assert CANCER.file_info(Path("SEPTEMBER-2024-CWT-CRS-PROVIDER-WORKBOOK-FINAL-V2.xlsx")).revision == 11
    assert revision_from_labels("-FINAL-REVISED", None) == 20
    assert CANCER.file_info(Path("JUNE-2024-CWT-CRS-PROVIDER-WORKBOOK.xlsx")).period == date(2024, 6, 1)
    # other files in the folder are not this source's (the loader never sees them)
    assert not CANCER.file_pattern.search("CWT-CRS-National-Time-Series-Oct-2009-Mar-2025.xlsx")
    assert not CANCER.file_pattern.search("SMARCH-2025-CWT-CRS-PROVIDER-WORKBOOK.xlsx")
    assert parse_title_period("Apr-25") == date(2025, 4, 1)
    assert parse_title_period("April 2025") == date(2025, 4, 1)
    assert parse_title_period("2025-04-01") == date(2025, 4, 1)
    assert parse_title_period("BASIS: PROVIDER BASED") is None


# ---- real rows ---------------------------------------------------------------------------------
def test_barts_health_headline_rows_as_published(sample_rows) -> None:  # noqa: ANN001
    """R1H, April 2025, row 13 of each headline sheet (row 14 as published)."""
    row, layout, fds = find(sample_rows, FDS, "R1H")
    assert (row, layout) == (13, "cwt_2023_10_fds_all_routes")
    assert (fds["org_name"], fds["referral_route"]) == ("BARTS HEALTH NHS TRUST", "ALL ROUTES")
    # 2716 told within 28 days + 723 after = 3439; 100 x 2716 / 3439 = 78.9764 %
    assert (fds["total"], fds["within_standard"], fds["after_standard"]) == ("3439", "2716", "723")
    assert fds["performance"] == "0.789764466414655"
    assert round(100 * 2716 / 3439, 4) == 78.9764

    row, _, d31 = find(sample_rows, D31, "R1H", "PART A: ALL STAGES")
    assert row == 13 and (d31["treatment_stage"], d31["cancer_type"]) == ("ALL STAGES", "ALL CANCERS")
    # 497 of 511 treated within 31 days: 100 x 497 / 511 = 97.2603 %
    assert (d31["total"], d31["within_standard"], d31["after_standard"]) == ("511", "497", "14")
    # the sheet names two columns WITHIN 31 DAYS (the headline and the first day band): both kept apart
    assert (d31["within_31_days"], d31["after_62_days"]) == ("497", "1")

    row, _, d62 = find(sample_rows, D62, "R1H", "PART A: ALL ROUTES")
    assert row == 13 and (d62["referral_route"], d62["cancer_type"]) == ("ALL ROUTES", "ALL CANCERS")
    # shared pathways are split in halves: 179.5 within + 61.5 after = 241; 100 x 179.5 / 241 = 74.4813 %
    assert (d62["total"], d62["within_standard"], d62["after_standard"]) == ("241", "179.5", "61.5")
    assert round(100 * 179.5 / 241, 4) == 74.4813
    # on 62-day sheets AFTER 62 DAYS is the headline, and the bands run to AFTER 104 DAYS
    assert "after_62_days" not in d62 and (d62["days_91_to_104"], d62["after_104_days"]) == ("12.5", "14")


def test_parts_national_rows_and_every_sheet_are_loaded(sample_rows) -> None:  # noqa: ANN001
    # each part of a sheet repeats its header; rows carry their part
    row, _, part_b = find(sample_rows, D31, "R1H", "PART B: FIRST TREATMENTS")
    assert (row, part_b["treatment_stage"], part_b["total"], part_b["within_standard"]) == (
        46,
        "First Treatment",
        "299",
        "292",
    )
    row, _, rth = find(sample_rows, D62, "RTH", "PART B: URGENT SUSPECTED CANCER")
    assert (row, rth["total"], rth["within_standard"], rth["after_standard"]) == (58, "222.5", "127", "95.5")
    # the national row of each part has no ODS code (null in raw) and England's totals as published
    row, _, england = find(sample_rows, D62, None, "PART A: ALL ROUTES")
    assert (row, england["org_name"]) == (36, "ALL ENGLISH PROVIDERS")
    assert (england["total"], england["within_standard"], england["after_standard"]) == (
        "27347",
        "19102",
        "8245",
    )
    # all ten data sheets of the workbook, 25 trusts' rows plus 171 national rows
    assert {r["sheet"] for _, _, r in sample_rows} == {s.sheet for s in SHEETS}
    assert len(sample_rows) == 3577
    assert sum(1 for _, _, r in sample_rows if "org_code" not in r) == 171
    assert len({r["org_code"] for _, _, r in sample_rows if "org_code" in r}) == 25


def test_fractional_counts_are_kept_as_published(sample_rows) -> None:  # noqa: ANN001
    halves = [
        r
        for _, _, r in sample_rows
        if r["sheet"] == D62 and r.get("org_code") and "." in r["within_standard"]
    ]
    assert len(halves) >= 10
    for record in halves:
        total, within, after = (float(record[c]) for c in ("total", "within_standard", "after_standard"))
        assert within + after == total  # halves add up exactly


# ---- bad input: each names the file, the row and the rule --------------------------------------
def test_a_corrupt_workbook_is_rejected(tmp_path: Path) -> None:
    truncated = tmp_path / SAMPLE_NAME
    truncated.write_bytes(SAMPLE.read_bytes()[:40_000])
    error = bad_input(truncated)
    assert error.rule == "workbook_is_readable"
    not_a_zip = tmp_path / "MAY-2025-CWT-CRS-PROVIDER-WORKBOOK-PROVISIONAL.xlsx"
    not_a_zip.write_text("ODS CODE,TOTAL\nRCF,781\n")
    assert bad_input(not_a_zip).rule == "workbook_is_readable"

    # a readable archive whose 62-DAY (ALL CANCER) sheet (xl/worksheets/sheet7.xml) breaks half way:
    # found while streaming, after the earlier sheets were read
    damaged = tmp_path / "damaged" / SAMPLE_NAME
    damaged.parent.mkdir()
    with zipfile.ZipFile(SAMPLE) as source, zipfile.ZipFile(damaged, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            data = source.read(member)
            cut = member.filename.endswith("sheet7.xml")
            target.writestr(member, data[: len(data) // 2] if cut else data)
    error = bad_input(damaged)
    assert error.rule == "workbook_is_readable" and f"sheet '{D62}' is corrupt" in error.detail


def test_a_missing_headline_sheet_is_named(variant) -> None:  # noqa: ANN001
    def drop_62_day(workbook) -> None:  # noqa: ANN001
        del workbook[D62]

    error = bad_input(variant(drop_62_day))
    assert error.rule == "workbook_has_standard_sheets"
    assert f"missing sheets: ['{D62}']" in error.detail


def test_header_drift_names_missing_and_unexpected_columns(variant) -> None:  # noqa: ANN001
    def rename(workbook) -> None:  # noqa: ANN001
        assert workbook[D62]["G9"].value == "WITHIN 62 DAYS"
        workbook[D62]["G9"] = "WITHIN 62 DAYS (%)"

    error = bad_input(variant(rename))
    assert (error.rule, error.row) == ("header_matches_a_known_layout", 9)
    assert f"sheet '{D62}'" in error.detail
    assert "missing columns: ['within 62 days']" in error.detail
    assert "unexpected columns: ['within 62 days (%)']" in error.detail


def test_a_drifted_repeated_header_of_a_later_part_is_caught(variant) -> None:  # noqa: ANN001
    def drop_column(workbook) -> None:  # noqa: ANN001
        sheet = workbook[D31]
        header = next(r for r in range(10, 60) if sheet.cell(r, 2).value == "ODS CODE (1)")
        sheet.cell(header, 5).value = None  # CANCER TYPE gone from part B's header
        drop_column.row = header

    error = bad_input(variant(drop_column))
    assert (error.rule, error.row) == ("header_matches_a_known_layout", drop_column.row)
    assert "missing columns: ['cancer type']" in error.detail


def test_a_negative_count_is_rejected(variant) -> None:  # noqa: ANN001
    def negative(workbook) -> None:  # noqa: ANN001
        assert workbook[D31]["B13"].value == "R1H"
        workbook[D31]["F13"] = -511

    error = bad_input(variant(negative))
    assert (error.rule, error.row) == ("count_is_not_negative", 13)
    assert "TOTAL = '-511' is negative" in error.detail


def test_within_the_standard_above_the_total_is_rejected(variant) -> None:  # noqa: ANN001
    def above(workbook) -> None:  # noqa: ANN001
        assert (workbook[D62]["B13"].value, workbook[D62]["F13"].value) == ("R1H", 241)
        workbook[D62]["G13"] = 250.5

    error = bad_input(variant(above))
    assert (error.rule, error.row) == ("within_not_above_total", 13)
    assert "R1H: within the standard = 250.5 > total = 241" in error.detail


def test_within_and_after_must_add_up_to_the_total(variant) -> None:  # noqa: ANN001
    def off_by_half(workbook) -> None:  # noqa: ANN001
        workbook[D62]["H13"] = 62  # published 61.5: 179.5 + 62 = 241.5, not 241

    error = bad_input(variant(off_by_half))
    assert (error.rule, error.row) == ("within_plus_after_is_total", 13)


def test_a_provider_row_without_ods_code_is_rejected(variant) -> None:  # noqa: ANN001
    def blank(workbook) -> None:  # noqa: ANN001
        workbook[FDS]["B13"] = None

    error = bad_input(variant(blank))
    assert (error.rule, error.row) == ("org_code_present", 13)
    assert "'BARTS HEALTH NHS TRUST'" in error.detail


def test_the_title_block_month_must_match_the_file_name(variant) -> None:  # noqa: ANN001
    def march(workbook) -> None:  # noqa: ANN001
        assert workbook[D31]["A2"].value == "Apr-25"
        workbook[D31]["A2"] = "Mar-25"

    error = bad_input(variant(march))
    assert (error.rule, error.row) == ("period_matches_file_name", 2)
    assert "title block says 'Mar-25' (March 2025), the file name says April 2025" in error.detail

    # the April workbook under a May name: caught on the first sheet's title block
    renamed = variant(lambda workbook: None, name="MAY-2025-CWT-CRS-PROVIDER-WORKBOOK-PROVISIONAL.xlsx")
    error = bad_input(renamed)
    assert (error.rule, error.row) == ("period_matches_file_name", 2)
    assert f"sheet '{FDS}'" in error.detail


def test_a_month_in_the_future_is_rejected(variant) -> None:  # noqa: ANN001
    future = date.today().year + 1
    path = variant(lambda workbook: None, name=f"APRIL-{future}-CWT-CRS-PROVIDER-WORKBOOK-PROVISIONAL.xlsx")
    assert bad_input(path).rule == "period_not_in_future"


# ---- loading -----------------------------------------------------------------------------------
def query(target, sql: str, params: tuple = ()) -> list[tuple]:  # noqa: ANN001
    with warehouse.connect(target) as conn:
        return conn.execute(sql, params).fetchall()


def test_same_file_twice_is_a_no_op_and_final_supersedes_provisional(fresh_db, landing, settings_for) -> None:  # noqa: ANN001
    from openpyxl import load_workbook

    from oversight.gate import run_gate

    (landing / "cancer").mkdir(exist_ok=True)
    settings = settings_for(landing)
    shutil.copy2(SAMPLE, landing / "cancer" / SAMPLE_NAME)
    (first,) = loader.ingest_source("cancer", fresh_db, settings)
    assert (first.status, first.rows_loaded, first.vintage) == ("loaded", 3577, 1)
    validate_pending(fresh_db)
    (again,) = loader.ingest_source("cancer", fresh_db, settings)
    assert (again.status, again.load_id) == ("duplicate", first.load_id)

    # NHS England finalises the month: R1H's 62-day figures move by one (within 180.5, after 60.5)
    final_name = "APRIL-2025-CWT-CRS-PROVIDER-WORKBOOK-FINAL.xlsx"
    workbook = load_workbook(SAMPLE)
    workbook[D62]["G13"], workbook[D62]["H13"] = 180.5, 60.5
    workbook.save(landing / "cancer" / final_name)
    results = loader.ingest_source("cancer", fresh_db, settings)
    assert [(r.file_name, r.status, r.vintage) for r in results] == [
        (SAMPLE_NAME, "duplicate", None),
        (final_name, "loaded", 2),
    ]
    assert query(
        fresh_db, "select file_name, period, vintage, revision from raw.load_manifest order by load_id"
    ) == [(SAMPLE_NAME, date(2025, 4, 1), 1, 0), (final_name, date(2025, 4, 1), 2, 10)]
    # both vintages stay queryable, with their file, sheet and row
    assert query(
        fresh_db,
        "select _source_file, _row_number, within_standard, after_standard from raw.cancer_provider_monthly "
        "where sheet = %s and org_code = 'R1H' and part = 'PART A: ALL ROUTES' order by _load_id",
        (D62,),
    ) == [(SAMPLE_NAME, 13, "179.5", "61.5"), (final_name, 13, "180.5", "60.5")]
    # the national rows are in raw with a null code
    assert query(
        fresh_db,
        "select count(*) from raw.cancer_provider_monthly where org_code is null and _load_id = %s",
        (first.load_id,),
    ) == [(171,)]

    # the raw contract declared on the source (GX) holds on both loads
    gate_settings = settings.model_copy(update=dict(home=settings.home / "gate"))
    report = run_gate(
        "raw", fresh_db, "raw", load_ids=[first.load_id, results[1].load_id], settings=gate_settings
    )
    assert report.success and "raw.cancer_provider_monthly" in report.suites_validated


def test_a_bad_workbook_is_quarantined_whole(fresh_db, landing, settings_for, variant) -> None:  # noqa: ANN001
    (landing / "cancer").mkdir(exist_ok=True)
    settings = settings_for(landing)

    def above(workbook) -> None:  # noqa: ANN001
        workbook[D62]["G13"] = 250.5

    shutil.copy2(variant(above), landing / "cancer" / SAMPLE_NAME)
    (result,) = loader.ingest_source("cancer", fresh_db, settings)
    assert result.status == "quarantined"
    assert result.message.startswith(
        f"{SAMPLE_NAME}, row 13: rule 'within_not_above_total' broken: sheet '{D62}'"
    )
    assert query(fresh_db, "select count(*) from raw.cancer_provider_monthly") == [(0,)]
    assert (settings.quarantine_dir / "cancer" / f"{SAMPLE_NAME}.reason.txt").is_file()
