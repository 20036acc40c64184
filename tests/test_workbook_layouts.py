"""The workbook reader (python-calamine) and the new real layouts of issue 9: DM01 legacy .xls (both
sheets), the CWT-CRS provider extract (many months, each its own vintage; a newer extract
supersedes the months it covers), the NHS Staff Survey organisation workbook NSS24 and the Monthly
Combined Workbook (constructed: no sample exists). Known answers are read off the real files.

Files (tests/data, see cut_real_workbooks.py): the April 2025 DM01 web file whole; the CWT-CRS
extract and NSS24 cut to the 25 demo trusts, values and title/header rows as published.
"""

from __future__ import annotations

import re
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook as OpenpyxlWorkbook
from openpyxl import load_workbook

import cancer_combined_workbook
from conftest import REPO_ROOT, SAMPLES, validate_pending
from oversight import loader, warehouse
from oversight.errors import BadInputError
from oversight.peek import peek
from oversight.sources import get_source
from oversight.workbooks import Workbook, read_sheet

DATA = REPO_ROOT / "tests" / "data"
DM01_XLS = DATA / "dm01" / "Monthly-Diagnostics-Web-File-Provider-April-2025_3EY67.xls"
EXTRACT = DATA / "cancer" / "CWT-CRS-Apr-2025-to-Jul-2025-Data-Extract-Provider.xlsx"
NSS24 = DATA / "staff_survey" / "NSS24 detailed spreadsheets organisational results.xlsx"
CANCER_WORKBOOK = SAMPLES / "cancer" / "APRIL-2025-CWT-CRS-PROVIDER-WORKBOOK-PROVISIONAL.xlsx"
CANCER, DM01, NSS = get_source("cancer"), get_source("dm01"), get_source("staff_survey_detailed")


def rows_of(spec, path: Path) -> list[tuple[int, str, dict[str, str]]]:  # noqa: ANN001
    return list(spec.rows(path, spec.file_info(path)))


def broken(spec, path: Path) -> BadInputError:  # noqa: ANN001
    with pytest.raises(BadInputError) as error:
        rows_of(spec, path)
    return error.value


def query(target, sql: str, params: tuple = ()) -> list[tuple]:  # noqa: ANN001
    with warehouse.connect(target) as conn:
        return conn.execute(sql, params).fetchall()


# ---- the reader ----------------------------------------------------------------------------------
def test_rows_are_numbered_and_placed_as_a_spreadsheet_shows_them(tmp_path: Path) -> None:
    """calamine starts a sheet at its first used cell; the reader puts the rows above and the
    columns left of it back, so row 5 is row 5 and column C is cells[2]."""
    workbook = OpenpyxlWorkbook()
    sheet = workbook.active
    sheet["C5"], sheet["D7"], sheet["C9"] = "x", 781.0, 4.5
    workbook.save(tmp_path / "t.xlsx")
    rows = dict(read_sheet(tmp_path / "t.xlsx", "Sheet"))
    assert (rows[5], rows[7], rows[9]) == (["", "", "x"], ["", "", "", "781"], ["", "", "4.5"])
    assert rows[1] == [] and max(rows) == 9

    # the DM01 web file (BIFF .xls): its title block starts in B2, the header is row 14
    dm01 = dict(read_sheet(DM01_XLS, "Provider"))
    assert dm01[2][:3] == ["", "Title:", "Monthly Diagnostics"]
    assert dm01[5][:3] == ["", "Period:", "April 2025"]
    assert dm01[14][1:4] == ["Regional Team Code", "Regional Team Name", "Provider Code"]


def test_an_unreadable_workbook_or_missing_sheet_names_its_rule(tmp_path: Path) -> None:
    fake = tmp_path / "fake.xls"
    fake.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    with pytest.raises(BadInputError) as error:
        Workbook(fake)
    assert error.value.rule == "workbook_is_readable"
    with pytest.raises(BadInputError) as error:
        list(read_sheet(DM01_XLS, "Commissioner"))
    assert error.value.rule == "workbook_has_sheet" and "Provider by Test" in error.value.detail


def test_no_runtime_code_imports_openpyxl() -> None:
    """openpyxl is a dev dependency (tests write workbooks with it): the plugins and DAGs read
    every workbook through oversight.workbooks."""
    offenders = [
        str(path.relative_to(REPO_ROOT))
        for folder in ("plugins", "dags")
        for path in (REPO_ROOT / folder).rglob("*.py")
        if re.search(r"^\s*(from|import)\s+openpyxl", path.read_text(), re.M)
    ]
    assert offenders == []


# ---- DM01 legacy .xls ----------------------------------------------------------------------------
def test_dm01_xls_loads_both_sheets_with_the_period_of_its_period_cell() -> None:
    info = DM01.file_info(DM01_XLS)
    assert (info.period, info.revision) == (date(2025, 4, 1), 0)
    rows = rows_of(DM01, DM01_XLS)
    by_sheet = {s: [r for r in rows if r[2]["sheet"] == s] for s in ("Provider", "Provider by Test")}
    assert {s: len(r) for s, r in by_sheet.items()} == {"Provider": 448, "Provider by Test": 3195}
    assert {r[1] for r in by_sheet["Provider"]} == {"dm01_provider_2025_xls"}
    # row 15: the England total first (no code, name "Total"), 6-week share as a fraction
    line, _, england = by_sheet["Provider"][0]
    assert (line, england.get("provider_code"), england["provider_name"]) == (15, None, "Total")
    assert (england["total_waiting_list"], england["waiting_6wk_plus"]) == ("1696688", "360370")
    # Guy's and St Thomas' (RJ1), row 31 of sheet Provider, as published
    [(line, _, rj1)] = [r for r in by_sheet["Provider"] if r[2].get("provider_code") == "RJ1"]
    assert line == 31
    assert rj1["provider_name"] == "Guy's and St Thomas' NHS Foundation Trust"
    assert (rj1["total_waiting_list"], rj1["waiting_6wk_plus"], rj1["waiting_13wk_plus"]) == (
        "19106",
        "5850",
        "1949",
    )
    assert rj1["pct_waiting_6wk_plus"] == "0.3061865382602324"  # 5850 / 19106
    assert (rj1["region_code"], rj1["activity_planned"], rj1["activity_waiting_list"]) == (
        "Y56",
        "6839",
        "22085",
    )
    # sheet Provider by Test: RJ1 MRI on row 149; its Total test (row 164) is the Provider row
    tests = {
        r[2]["diagnostic_id"]: r for r in by_sheet["Provider by Test"] if r[2].get("provider_code") == "RJ1"
    }
    assert len(tests) == 16
    line, _, mri = tests["1"]
    assert (line, mri["diagnostic_test_name"], mri["total_waiting_list"], mri["waiting_6wk_plus"]) == (
        149,
        "Magnetic Resonance Imaging",
        "4887",
        "1535",
    )
    line, _, total = tests["16"]
    assert (line, total["diagnostic_test_name"], total["total_waiting_list"]) == (164, "Total", "19106")


def test_dm01_is_recognised_by_its_content_and_the_period_cell() -> None:
    recognition = DM01.recognise(peek(DM01_XLS))
    assert recognition.matched and recognition.period == date(2025, 4, 1)
    assert recognition.name_period == date(2025, 4, 1) and "Period: 'April 2025'" in recognition.reason
    assert not CANCER.recognise(peek(DM01_XLS)).matched


def test_dm01_named_may_but_stating_april_is_quarantined_naming_both(fresh_db, landing, settings_for) -> None:  # noqa: ANN001
    name = "Monthly-Diagnostics-Web-File-Provider-May-2025.xls"
    shutil.copy2(DM01_XLS, landing / "dm01" / name)
    settings = settings_for(landing)
    [result] = loader.ingest_source("dm01", fresh_db, settings)
    assert result.status == "quarantined"
    # the landing scan compares name and content before any row is read, naming both
    assert result.message.startswith(
        f"{name}: rule 'period_in_name_matches_content' broken: the file name says May 2025 "
        "(2025-05-01), its content says April 2025 (2025-04-01"
    )
    assert query(fresh_db, "select count(*) from raw.dm01_provider_monthly") == [(0,)]
    recognition = DM01.recognise(peek(landing / "dm01" / name))
    assert (recognition.period, recognition.name_period) == (date(2025, 4, 1), date(2025, 5, 1))


# ---- CWT-CRS provider extract --------------------------------------------------------------------
def test_the_extract_is_one_layout_of_cancer_with_a_month_per_row() -> None:
    info = CANCER.file_info(EXTRACT)
    assert (info.period, info.revision) == (date(2025, 7, 1), 0)  # the last month it covers
    rows = rows_of(CANCER, EXTRACT)
    assert len(rows) == 8246 and {r[1] for r in rows} == {"cwt_crs_extract_2025"}
    months = {r[2]["row_period"] for r in rows}
    assert months == {"2025-04-01", "2025-05-01", "2025-06-01", "2025-07-01"}
    # RJ1 April 2025, 62 days: the ALL CANCERS rows (route x modality) sum to the workbook's ALL ROUTES
    rj1 = [
        r[2]
        for r in rows
        if r[2]["org_code"] == "RJ1"
        and r[2]["row_period"] == "2025-04-01"
        and r[2]["standard"] == "62-day Combined"
        and r[2]["cancer_type"] == "ALL CANCERS"
    ]
    assert sum(float(r["within_standard"]) for r in rj1) == 165.5
    assert sum(float(r["total"]) for r in rj1) == 285
    recognition = CANCER.recognise(peek(EXTRACT))
    assert recognition.matched and recognition.period == date(2025, 7, 1)
    assert "data extract" in recognition.reason


def edited_extract(tmp_path: Path, name: str, edit) -> Path:  # noqa: ANN001
    workbook = load_workbook(EXTRACT)
    edit(workbook.active)
    target = tmp_path / name
    workbook.save(target)
    return target


def test_extract_bad_input_names_file_row_and_rule(tmp_path: Path) -> None:
    def breaches_off(sheet) -> None:  # noqa: ANN001
        sheet["K2"] = 11  # row 2: 276 treated, 266 within, 10 breaches

    assert (lambda e: (e.rule, e.row))(
        broken(CANCER, edited_extract(tmp_path, EXTRACT.name, breaches_off))
    ) == (
        "within_plus_after_is_total",
        2,
    )

    def august(sheet) -> None:  # noqa: ANN001
        sheet["A3"], sheet["C3"] = "2025-08-01", "AUG"

    error = broken(CANCER, edited_extract(tmp_path, EXTRACT.name, august))
    assert (error.rule, error.row) == ("period_matches_file_name", 3)
    assert "outside April 2025 to July 2025" in error.detail

    def renamed(sheet) -> None:  # noqa: ANN001
        sheet["J1"] = "WITHIN TARGET"

    assert (
        broken(CANCER, edited_extract(tmp_path, EXTRACT.name, renamed)).rule
        == "header_matches_a_known_layout"
    )
    short = CANCER.file_info(Path("CWT-CRS-Apr-2025-to-Aug-2025-Data-Extract-Provider.xlsx"))
    assert short.period == date(2025, 8, 1)
    shutil.copy2(EXTRACT, tmp_path / "CWT-CRS-Apr-2025-to-Aug-2025-Data-Extract-Provider.xlsx")
    error = broken(CANCER, tmp_path / "CWT-CRS-Apr-2025-to-Aug-2025-Data-Extract-Provider.xlsx")
    assert error.rule == "period_matches_file_name" and "runs to August 2025" in error.detail


def test_every_rows_month_and_year_are_checked_not_only_the_first_of_its_period(tmp_path: Path) -> None:
    """Rows 2-4 are all April 2025 (PERIOD 2025-04-01, YEAR 2025/26, MONTH APR); the loader checks
    a (PERIOD, MONTH, YEAR) combination once per file, so a later row that states another month
    or year with the same PERIOD must still be caught, with its own row number."""

    def may_on_row_4(sheet) -> None:  # noqa: ANN001
        assert (str(sheet["A4"].value)[:10], sheet["C4"].value) == ("2025-04-01", "APR")
        sheet["C4"] = "MAY"

    error = broken(CANCER, edited_extract(tmp_path, EXTRACT.name, may_on_row_4))
    assert (error.rule, error.row) == ("month_matches_period", 4)
    assert "'MAY' is not the month of PERIOD 2025-04-01" in error.detail

    def last_year_on_row_3(sheet) -> None:  # noqa: ANN001
        assert (str(sheet["A3"].value)[:10], sheet["B3"].value) == ("2025-04-01", "2025/26")
        sheet["B3"] = "2024/25"

    error = broken(CANCER, edited_extract(tmp_path, EXTRACT.name, last_year_on_row_3))
    assert (error.rule, error.row) == ("year_is_financial_year_of_period", 3)
    assert "is in 2025/26" in error.detail


def newer_june_july_extract(folder: Path) -> Path:
    """A newer extract covering June-July 2025: the real June and July rows, with RJ1's July 62-day
    Urgent Suspected Cancer / Surgery row revised (within 1 more, breaches 1 fewer)."""
    workbook = OpenpyxlWorkbook()
    sheet = workbook.active
    sheet.title = "CWT CRS Provider Extract"
    revised = ["2025-07-01", "62-day Combined", "RJ1", "Urgent Suspected Cancer", "Surgery", "ALL CANCERS"]
    for row_number, cells in read_sheet(EXTRACT, "CWT CRS Provider Extract"):
        if row_number > 1 and cells[0] not in ("2025-06-01", "2025-07-01"):
            continue
        values: list[object] = [
            float(c) if i >= 8 and row_number > 1 else (c or None) for i, c in enumerate(cells)
        ]
        if [cells[i] for i in (0, 3, 4, 5, 6, 7)] == revised:
            values[9], values[10] = float(cells[9]) + 1, float(cells[10]) - 1
        sheet.append(values)
    target = folder / "CWT-CRS-Jun-2025-to-Jul-2025-Data-Extract-Provider.xlsx"
    workbook.save(target)
    return target


# ---- NSS24 ----------------------------------------------------------------------------------------
def test_nss24_loads_long_with_questions_bases_and_theme_scores() -> None:
    info = NSS.file_info(NSS24)
    assert info.period == date(2024, 1, 1)
    rows = rows_of(NSS, NSS24)
    assert len(rows) == 15850
    rj1 = {(r[2]["sheet"], r[2]["question"], r[2]["response"]): r for r in rows if r[2]["org_code"] == "RJ1"}
    line, _, engagement = rj1[("THEMES", "Staff Engagement", "Staff Engagement - score")]
    assert engagement["value"] == "7.148444232197537" and engagement["base"] == "13119"
    assert (engagement["org_name"], engagement["weighting"]) == (
        "Guy's and St Thomas' NHS Foundation Trust",
        "Occupation Group",
    )
    assert engagement["source_column"] == "G" and engagement["question_text"] == "Staff engagement"
    _, _, concerns = rj1[("PEOPLE PROMISE ELEMENTS", "PP3_2", "PP3_2 - score")]
    assert (concerns["question_text"], concerns["value"]) == ("Raising concerns", "6.741461352225673")
    _, _, often = rj1[("HEALTH WELLBEING SAFETY Q12", "Q12b", "% Often")]
    # published 24.291788092558644; openpyxl wrote the cut file to 16 significant digits
    assert float(often["value"]) == pytest.approx(24.291788092558644, rel=1e-15) and often["base"] == "13087"
    # the THEMES cell itself: same row and column as the raw row says
    themes = dict(read_sheet(NSS24, "THEMES"))
    assert themes[line][6] == "7.148444232197537"
    recognition = NSS.recognise(peek(NSS24))
    assert recognition.matched and recognition.period == date(2024, 1, 1)
    assert not get_source("staff_survey").recognise(peek(NSS24)).matched


def edited_nss(tmp_path: Path, edit) -> Path:  # noqa: ANN001
    workbook = load_workbook(NSS24)
    edit(workbook)
    target = tmp_path / NSS24.name
    workbook.save(target)
    return target


def test_nss24_bad_input_names_file_row_and_rule(tmp_path: Path) -> None:
    def score_over_10(workbook) -> None:  # noqa: ANN001
        workbook["THEMES"]["G6"] = 11.2

    error = broken(NSS, edited_nss(tmp_path, score_over_10))
    assert (error.rule, error.row) == ("value_within_range", 6) and "outside 0..10" in error.detail

    def no_base(workbook) -> None:  # noqa: ANN001
        workbook["THEMES"]["H5"] = "Respondents"

    assert broken(NSS, edited_nss(tmp_path, no_base)).rule == "question_block_has_base"

    def other_year(workbook) -> None:  # noqa: ANN001
        workbook["THEMES"]["A1"] = "NHS Staff Survey 2023 - WEIGHTED Results"

    assert broken(NSS, edited_nss(tmp_path, other_year)).rule == "period_matches_file_name"

    def twice(workbook) -> None:  # noqa: ANN001
        workbook["THEMES"]["A7"] = workbook["THEMES"]["A6"].value

    assert broken(NSS, edited_nss(tmp_path, twice)).rule == "one_row_per_organisation"

    def no_themes(workbook) -> None:  # noqa: ANN001
        del workbook["THEMES"]

    assert broken(NSS, edited_nss(tmp_path, no_themes)).rule == "workbook_has_theme_sheets"


# ---- the Monthly Combined Workbook (constructed) -------------------------------------------------
def test_the_combined_workbook_is_read_from_its_title_block_and_long_table(tmp_path: Path) -> None:
    path = cancer_combined_workbook.build(tmp_path)
    info = CANCER.file_info(path)
    assert (info.period, info.revision) == (date(2025, 10, 1), 0)
    rows = rows_of(CANCER, path)
    assert len(rows) == len(cancer_combined_workbook.PROVIDER_ROWS)
    line, layout, first = rows[0]
    assert (line, layout) == (cancer_combined_workbook.HEADER_ROW + 1, "cwt_monthly_combined_2025_provider")
    assert (first["org_code"], first["standard"], first["total"], first["within_standard"]) == (
        "RJ1",
        "FDS",
        "2500",
        "2000",
    )
    assert "treatment_modality" not in first  # blank modality on the FDS headline row
    halves = next(r for _, _, r in rows if r["standard"] == "62D" and r["org_code"] == "RJ1")
    assert (halves["total"], halves["within_standard"], halves["after_standard"]) == ("300.5", "180.5", "120")
    recognition = CANCER.recognise(peek(path))
    assert recognition.matched and (recognition.period, recognition.revision) == (date(2025, 10, 1), 0)
    final = cancer_combined_workbook.build(
        tmp_path, name="October-2025-Monthly-Combined-Workbook-Final.xlsx", status="Final"
    )
    assert CANCER.recognise(peek(final)).revision == 10 and CANCER.file_info(final).revision == 10


def test_combined_workbook_bad_input_names_file_row_and_rule(tmp_path: Path) -> None:
    september = cancer_combined_workbook.build(tmp_path, period="September 2025")
    error = broken(CANCER, september)
    assert (error.rule, error.row) == ("period_matches_file_name", 2)
    assert "September 2025" in error.detail and "October 2025" in error.detail
    final_status = cancer_combined_workbook.build(tmp_path, status="Final")
    assert broken(CANCER, final_status).rule == "status_matches_file_name"

    def drift(workbook) -> None:  # noqa: ANN001
        workbook["Provider Level Performance"]["I9"] = "Within standard"

    assert (
        broken(CANCER, cancer_combined_workbook.build(tmp_path, edit=drift)).rule
        == "header_matches_a_known_layout"
    )

    def no_referrals(workbook) -> None:  # noqa: ANN001
        del workbook["Referrals Seen"]

    assert broken(CANCER, cancer_combined_workbook.build(tmp_path, edit=no_referrals)).rule == (
        "workbook_has_standard_sheets"
    )
    bad_rows = (("RJ1", "x", "FDS", "ALL CANCERS", "ALL ROUTES", "", 10, 12),)

    def after_zero(workbook) -> None:  # noqa: ANN001
        workbook["Provider Level Performance"]["J10"] = 0

    error = broken(CANCER, cancer_combined_workbook.build(tmp_path, rows=bad_rows, edit=after_zero))
    assert (error.rule, error.row) == ("within_not_above_total", 10)
    assert (
        broken(CANCER, cancer_combined_workbook.build(tmp_path, rows=bad_rows)).rule
        == "count_is_not_negative"
    )


# ---- loading and the metric values (real PostgreSQL, real dbt) -----------------------------------
def test_new_layouts_load_as_vintages_and_give_the_metric_values(
    fresh_db, landing, settings_for, tmp_path
) -> None:  # noqa: ANN001
    from oversight import transform
    from oversight.gate import run_gate

    settings = settings_for(landing)
    shutil.copy2(CANCER_WORKBOOK, landing / "cancer")
    shutil.copy2(EXTRACT, landing / "cancer")
    cancer_combined_workbook.build(landing / "cancer")
    shutil.copy2(DM01_XLS, landing / "dm01")
    shutil.copy2(NSS24, landing / "staff_survey")
    shutil.copy2(SAMPLES / "ods" / "etr_2025-Q1.csv", landing / "ods")
    loaded = {
        s: loader.ingest_source(s, fresh_db, settings)
        for s in ("ods", "cancer", "dm01", "staff_survey_detailed")
    }
    assert [(r.file_name, r.status, r.rows_loaded) for r in loaded["cancer"]] == [
        (CANCER_WORKBOOK.name, "loaded", 3577),
        (EXTRACT.name, "loaded", 8246),
        (cancer_combined_workbook.NAME, "loaded", 8),
    ]
    assert [(r.status, r.rows_loaded) for r in loaded["dm01"] + loaded["staff_survey_detailed"]] == [
        ("loaded", 3643),
        ("loaded", 15850),
    ]
    # the newer June-July extract arrives later
    newer = newer_june_july_extract(landing / "cancer")
    validate_pending(fresh_db)  # the earlier loads passed their raw suite: now duplicates
    [newer_result] = [
        r for r in loader.ingest_source("cancer", fresh_db, settings) if r.status != "duplicate"
    ]
    assert (newer_result.file_name, newer_result.status) == (newer.name, "loaded")
    load_ids = [r.load_id for results in loaded.values() for r in results] + [newer_result.load_id]
    gate_settings = settings.model_copy(update=dict(home=settings.home / "gate"))
    report = run_gate("raw", fresh_db, "raw", load_ids=load_ids, settings=gate_settings)
    assert report.success, report
    validate_pending(fresh_db, load_ids)  # what tasks.validate_raw does next: dbt reads them
    for table in ("cancer_provider_monthly", "dm01_provider_monthly", "staff_survey_detailed_results"):
        assert f"raw.{table}" in report.suites_validated

    result = transform.run_dbt(
        [
            "build",
            "--indirect-selection",
            "cautious",
            "--select",
            "+int_cancer__metric_values",
            "+int_dm01__metric_values",
            "+stg_dm01__provider_test_monthly",
            "+int_staff_survey__metric_values",
        ],
        fresh_db,
        settings,
    )
    assert result.success, result.failures
    # each month of the first extract is a vintage; the newer one supersedes June and July only
    assert query(
        fresh_db,
        "select period_start, source_file, month_vintage, is_latest_for_month "
        "from staging__build.stg_cancer__month_vintages where layout_family = 'data_extract' "
        "order by period_start, month_vintage",
    ) == [
        (date(2025, 4, 1), EXTRACT.name, 2, True),  # vintage 1 of April is the provider workbook
        (date(2025, 5, 1), EXTRACT.name, 1, True),
        (date(2025, 6, 1), EXTRACT.name, 1, False),
        (date(2025, 6, 1), newer.name, 2, True),
        (date(2025, 7, 1), EXTRACT.name, 1, False),
        (date(2025, 7, 1), newer.name, 2, True),
    ]
    cancer = {
        (period, metric): (numerator, denominator, source)
        for period, metric, numerator, denominator, source in query(
            fresh_db,
            "select period_start, metric_id, numerator, denominator, source_file "
            "from intermediate__build.int_cancer__metric_values where org_code = 'RJ1'",
        )
    }
    # April: the extract's sums, equal to the provider workbook's ALL ROUTES / ALL STAGES rows
    assert cancer[(date(2025, 4, 1), "cancer_62d_pct")] == (Decimal("165.5"), Decimal("285"), EXTRACT.name)
    assert cancer[(date(2025, 4, 1), "cancer_31d_pct")] == (Decimal(936), Decimal(1047), EXTRACT.name)
    assert cancer[(date(2025, 4, 1), "cancer_28d_fds_pct")] == (Decimal(1982), Decimal(2461), EXTRACT.name)
    assert cancer[(date(2025, 5, 1), "cancer_62d_pct")][2] == EXTRACT.name
    # July: the revised row of the newer extract (one more within 62 days); June from it too
    assert cancer[(date(2025, 7, 1), "cancer_62d_pct")] == (Decimal("185.0"), Decimal("324.0"), newer.name)
    assert cancer[(date(2025, 6, 1), "cancer_62d_pct")][2] == newer.name
    # October: the combined workbook's headline rows (blank modality on FDS; halves kept)
    assert cancer[(date(2025, 10, 1), "cancer_28d_fds_pct")] == (
        Decimal(2000),
        Decimal(2500),
        cancer_combined_workbook.NAME,
    )
    assert cancer[(date(2025, 10, 1), "cancer_62d_pct")][:2] == (Decimal("180.5"), Decimal("300.5"))
    # earlier vintages stay in raw
    assert query(
        fresh_db,
        "select count(*) from raw.cancer_provider_monthly "
        "where _source_file = %s and row_period = '2025-07-01'",
        (EXTRACT.name,),
    ) == [(2059,)]
    # DM01: RJ1 April 2025 = 100 x 5850 / 19106; the England total row is not a provider
    assert query(
        fresh_db,
        "select numerator, denominator, value, source_row from intermediate__build.int_dm01__metric_values "
        "where org_code = 'RJ1'",
    ) == [(Decimal(5850), Decimal(19106), Decimal("30.6187"), 31)]
    assert query(
        fresh_db,
        "select count(*), count(*) filter (where is_all_tests) "
        "from staging__build.stg_dm01__provider_test_monthly "
        "where org_code = 'RJ1'",
    ) == [(16, 1)]
    # NSS24: RJ1's engagement score is the THEMES sheet's value; raising concerns is PP3_2
    assert query(
        fresh_db,
        "select metric_id, value, unit, source_row from intermediate__build.int_staff_survey__metric_values "
        "where org_code = 'RJ1' and metric_id in ('staff_engagement_score', 'staff_raising_concerns_score', "
        "'staff_burnout_pct') order by metric_id",
    ) == [  # RJ1 is row 16 of every sheet of the cut workbook
        ("staff_burnout_pct", Decimal("31.6945"), "%", 16),
        ("staff_engagement_score", Decimal("7.1484"), "score (0-10)", 16),
        ("staff_raising_concerns_score", Decimal("6.7415"), "score (0-10)", 16),
    ]
