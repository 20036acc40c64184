"""Source contracts of the documented sources without a real sample here (DM01, MHSDS, NOF metric data,
NOF league table, finance positions), on the CONSTRUCTED samples in sample_data/ (see each folder's
README.md): layouts, file names, periods, known rows, and one test per bad-input rule naming the
file, the row and the rule. The last tests load the samples into PostgreSQL (COPY, manifest,
vintages, quarantine), run the raw Great Expectations suites, and build the staging and metric
models with dbt, checking known answers."""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import REPO_ROOT, SAMPLES, validate_pending
from oversight import loader, warehouse
from oversight.errors import BadInputError
from oversight.sources import get_source
from oversight.sources.base import FileInfo

DM01 = get_source("dm01")
MHSDS = get_source("mhsds")
NOF = get_source("nof_metrics")
LEAGUE = get_source("nof_league_table")
FINANCE = get_source("finance")

DM01_OCT = SAMPLES / "dm01" / "Monthly-Diagnostics-Web-File-Provider-October-2024.xlsx"
MHSDS_OCT = SAMPLES / "mhsds" / "MHSDS Data_OctPerf_2024.csv"
NOF_Q3 = SAMPLES / "nof" / "nhs-oversight-framework-acute-trust-data-q3-25-26.csv"
NOF_Q3_V2 = SAMPLES / "nof" / "nhs-oversight-framework-acute-trust-data-q3-25-26-v2.csv"
LEAGUE_Q3 = SAMPLES / "nof" / "nhs-oversight-framework-acute-trust-league-table-q3-25-26-v2.csv"
FINANCE_Q3 = SAMPLES / "finance" / "finance-positions-2025-26-Q3.csv"
GENERATOR = REPO_ROOT / "tests" / "data" / "constructed" / "build_constructed_samples.py"


def rows_of(spec, path: Path) -> list[tuple[int, str, dict[str, str]]]:  # noqa: ANN001
    return list(spec.rows(path, spec.file_info(path)))


def by_key(rows: list[tuple[int, str, dict[str, str]]], *columns: str) -> dict[tuple, tuple[int, dict]]:
    return {tuple(r[c] for c in columns): (n, r) for n, _, r in rows}


def broken(spec, path: Path) -> BadInputError:  # noqa: ANN001
    with pytest.raises(BadInputError) as caught:
        rows_of(spec, path)
    return caught.value


def csv_variant(tmp_path: Path, name: str, source: Path, edit: Callable[[list[str]], list[str]]) -> Path:
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    target = tmp_path / name
    target.write_text("".join(edit(lines)), encoding="utf-8")
    return target


def sub(line_number: int, old: str, new: str) -> Callable[[list[str]], list[str]]:
    """Edit one line (1-based) of a file: replace the first `old` with `new`."""

    def edit(lines: list[str]) -> list[str]:
        assert old in lines[line_number - 1], (old, lines[line_number - 1])
        return [*lines[: line_number - 1], lines[line_number - 1].replace(old, new, 1), *lines[line_number:]]

    return edit


def duplicate(line_number: int) -> Callable[[list[str]], list[str]]:
    """Repeat line `line_number` right after itself (the copy is line `line_number + 1`)."""
    return lambda ls: [*ls[:line_number], ls[line_number - 1], *ls[line_number:]]


# ---- DM01 ----------------------------------------------------------------------------------------
def xlsx_variant(tmp_path: Path, name: str, edits: dict[str, object], sheet_title: str | None = None) -> Path:
    from openpyxl import load_workbook

    workbook = load_workbook(DM01_OCT)
    sheet = workbook["Provider"]
    for cell, value in edits.items():
        sheet[cell] = value
    if sheet_title:
        sheet.title = sheet_title
    target = tmp_path / name
    workbook.save(target)
    return target


def test_dm01_file_name_gives_month_revision_and_tolerates_the_random_suffix() -> None:
    info = DM01.file_info(Path("Monthly-Diagnostics-Web-File-Provider-March-2024_pRH8T.xls"))
    assert (info.period, info.revision) == (date(2024, 3, 1), 0)
    revised = DM01.file_info(Path("Monthly-Diagnostics-Web-File-Provider-October-2024-revised.xlsx"))
    assert (revised.period, revised.revision) == (date(2024, 10, 1), 1)
    assert not DM01.file_pattern.search("Monthly-Diagnostics-Web-File-Timeseries-March-2024.xls")


def test_dm01_header_at_row_13_then_totals_then_providers() -> None:
    rows = rows_of(DM01, DM01_OCT)
    # 1 national + 7 regional totals + 25 trusts; the footnote under the table is skipped
    assert len(rows) == 33
    assert [(n, r["provider_code"], r["provider_name"]) for n, _, r in rows[:2]] == [
        (14, "TOTAL", "ENGLAND"),
        (15, "TOTAL", "NHS ENGLAND LONDON"),  # regions in code order: Y56 London first
    ]
    assert {r["provider_code"] for _, _, r in rows[:8]} == {"TOTAL"}
    line, r0a = by_key(rows, "provider_code")[("R0A",)]
    assert line == 25
    assert r0a == {
        "sheet": "Provider",
        "provider_code": "R0A",
        "provider_name": "MANCHESTER UNIVERSITY NHS FOUNDATION TRUST",
        "total_waiting_list": "14230",
        "waiting_6wk_plus": "3201",
        "waiting_13wk_plus": "655",
        "pct_waiting_6wk_plus": "0.2249",  # 3201 / 14230 = 0.22494..., rounded by the "publisher"
    }
    # the national total is the sum of the 25 trusts
    providers = [r for _, _, r in rows if r["provider_code"] != "TOTAL"]
    assert int(rows[0][2]["total_waiting_list"]) == sum(int(r["total_waiting_list"]) for r in providers)


BAD_DM01 = {
    "wrong header": ({"C13": "Total Waiting"}, "header_matches_a_known_layout", 13),
    "no header": (
        {f"{c}13": None for c in "ABCDEF"},
        "header_matches_a_known_layout",
        1,
    ),
    "negative count": ({"E25": -5}, "count_is_not_negative", 25),
    "text where a count should be": ({"D25": "n/a"}, "count_is_a_number", 25),
    "6+ weeks above the waiting list": ({"D25": 20000, "F25": None}, "waiting_6wk_not_above_total", 25),
    "13+ weeks above 6+ weeks": ({"E25": 4000}, "waiting_13wk_not_above_6wk", 25),
    "percentage not matching the counts": ({"F25": 0.2349}, "percentage_matches_counts", 25),
    "percentage given as a percent": ({"F25": 22.49}, "percentage_matches_counts", 25),
    "duplicate provider": ({"A25": "RHW"}, "one_row_per_provider", 25),
    "empty provider code": ({"A25": None}, "provider_code_present", 25),
    "period not matching the name": ({"B3": "September 2024"}, "period_matches_file_name", 3),
    "unreadable title period": ({"B3": "Q3 2024"}, "title_period_is_month_year", 3),
}


@pytest.mark.parametrize("case", sorted(BAD_DM01))
def test_dm01_bad_input_names_file_row_and_rule(case: str, tmp_path: Path) -> None:
    edits, rule, row = BAD_DM01[case]
    bad = xlsx_variant(tmp_path, DM01_OCT.name, edits)
    error = broken(DM01, bad)
    assert (error.rule, error.row) == (rule, row)
    assert str(error).startswith(f"{DM01_OCT.name}, row {row}: rule '{rule}'")


def test_dm01_workbook_problems(tmp_path: Path) -> None:
    no_sheet = xlsx_variant(tmp_path, DM01_OCT.name, {}, sheet_title="Commissioner")
    assert broken(DM01, no_sheet).rule == "workbook_has_provider_sheet"
    legacy = tmp_path / "Monthly-Diagnostics-Web-File-Provider-October-2024.xls"
    legacy.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)  # an OLE2 header, nothing in it
    assert broken(DM01, legacy).rule == "workbook_is_readable"
    truncated = tmp_path / DM01_OCT.name
    truncated.write_bytes(DM01_OCT.read_bytes()[:3000])
    assert broken(DM01, truncated).rule == "workbook_is_readable"
    future = tmp_path / "Monthly-Diagnostics-Web-File-Provider-October-2099.xlsx"
    shutil.copy2(DM01_OCT, future)
    assert broken(DM01, future).rule == "period_not_in_future"


# ---- MHSDS ---------------------------------------------------------------------------------------
def test_mhsds_file_names_give_month_and_stage() -> None:
    perf = MHSDS.file_info(Path("MHSDS Data_OctPerf_2024.csv"))
    assert (perf.period, perf.revision) == (date(2024, 10, 1), 10)
    final = MHSDS.file_info(Path("MHSDS Data_OctFinal__2024 v2.csv"))
    assert (final.period, final.revision) == (date(2024, 10, 1), 21)  # final (20) + v2 (1) beats perf (10)
    assert MHSDS.file_info(Path("MHSDS Data_SeptPrf_2023.csv")).period == date(2023, 9, 1)


def test_mhsds_long_rows_with_suppression_kept_as_text() -> None:
    rows = rows_of(MHSDS, MHSDS_OCT)
    assert len(rows) == 54  # 4 England rows + 12 providers x 4 measures + 2 age-group rows for RXV
    keyed = by_key(rows, "breakdown", "primary_level", "secondary_level", "measure_id")
    line, numerator = keyed[("Provider", "RXV", "NONE", "CONSTRUCTED_LOS60_NUM")]
    assert (line, numerator["measure_value"], numerator["reporting_period_end"]) == (21, "41", "2024-10-31")
    assert keyed[("Provider", "RXV", "NONE", "CONSTRUCTED_LOS60_DEN")][1]["measure_value"] == "152"
    assert keyed[("Provider", "RXG", "NONE", "MHS07")][1]["measure_value"] == "*"
    assert (
        keyed[("Provider; Age Group", "RXV", "18+", "MHS01")][1]["secondary_level_description"]
        == "18 and over"
    )
    # the England row is the sum of the provider rows, suppressed values included in the total
    england = int(keyed[("England", "England", "NONE", "CONSTRUCTED_LOS60_NUM")][1]["measure_value"])
    assert england == sum(
        int(r["measure_value"])
        for (b, _, _, m), (_, r) in keyed.items()
        if b == "Provider" and m == "CONSTRUCTED_LOS60_NUM"
    )


BAD_MHSDS = {
    "wrong header": (sub(1, "MEASURE_VALUE", "VALUE"), "header_matches_a_known_layout", 1),
    "negative value": (sub(21, ",41\n", ",-41\n"), "measure_value_not_negative", 21),
    "text value": (sub(21, ",41\n", ",n/a\n"), "measure_value_is_number_or_suppressed", 21),
    "duplicate row": (duplicate(21), "one_row_per_provider_and_measure", 22),
    "period not matching the name": (
        sub(21, "2024-10-01,2024-10-31", "2024-09-01,2024-09-30"),
        "reporting_period_matches_file_name",
        21,
    ),
    "date not a date": (sub(21, "2024-10-31", "31 Oct 2024"), "reporting_period_is_a_date", 21),
    "start after end": (sub(21, "2024-10-01", "2024-11-01"), "reporting_period_start_not_after_end", 21),
    "unknown status": (sub(21, "Performance", "Draft"), "status_is_known", 21),
    "provider code not ODS": (sub(21, ",RXV,", ",rxv trust,"), "provider_code_is_ods_code", 21),
    "truncated row": (lambda ls: [*ls[:20], ls[20][:40] + "\r\n", *ls[21:]], "row_is_complete", 21),
}


@pytest.mark.parametrize("case", sorted(BAD_MHSDS))
def test_mhsds_bad_input_names_file_row_and_rule(case: str, tmp_path: Path) -> None:
    edit, rule, row = BAD_MHSDS[case]
    error = broken(MHSDS, csv_variant(tmp_path, MHSDS_OCT.name, MHSDS_OCT, edit))
    assert (error.rule, error.row) == (rule, row)
    assert str(error).startswith(f"{MHSDS_OCT.name}, row {row}: rule '{rule}'")


def test_mhsds_future_month_is_rejected(tmp_path: Path) -> None:
    future = csv_variant(tmp_path, "MHSDS Data_OctPerf_2099.csv", MHSDS_OCT, lambda ls: ls)
    assert broken(MHSDS, future).rule == "period_not_in_future"


# ---- NOF metric data -----------------------------------------------------------------------------
def test_nof_file_names_give_quarter_and_revision(tmp_path: Path) -> None:
    assert NOF.file_info(NOF_Q3) == FileInfo(date(2025, 10, 1), 0)
    assert (NOF.file_info(NOF_Q3_V2).period, NOF.file_info(NOF_Q3_V2).revision) == (date(2025, 10, 1), 1)
    mh = Path("nhs-oversight-framework-mental-health-and-community-trust-data-q3-25-26-v2.csv")
    assert NOF.file_pattern.search(mh.name) and not LEAGUE.file_pattern.search(mh.name)
    assert LEAGUE.file_pattern.search(LEAGUE_Q3.name) and not NOF.file_pattern.search(LEAGUE_Q3.name)
    # a first issue without the quarter in its name takes it from its first data row's Quarter:
    # Q2 2025/26 -> July 2025
    first_issue = csv_variant(
        tmp_path, "nhs-oversight-framework-acute-trust-data.csv", NOF_Q3, lambda ls: [ls[0], *ls[1:26]]
    )
    assert NOF.file_info(first_issue).period == date(2025, 7, 1)
    assert len(rows_of(NOF, first_issue)) == 25


def test_both_nof_sources_read_the_one_nof_folder(tmp_path: Path) -> None:
    folder = tmp_path / "landing" / "nof"
    folder.mkdir(parents=True)
    for path in (NOF_Q3_V2, NOF_Q3, LEAGUE_Q3, SAMPLES / "nof" / "README.md"):
        shutil.copy2(path, folder / path.name)
    from oversight import landing

    scanned = landing.scan(tmp_path / "landing")  # README.md is documentation, not scanned
    assert [(f.name, f.source) for f in scanned] == [
        (LEAGUE_Q3.name, "nof_league_table"),
        (NOF_Q3.name, "nof_metrics"),
        (NOF_Q3_V2.name, "nof_metrics"),
    ]
    assert (NOF.landing_folder, LEAGUE.landing_folder) == ("nof", "nof")


def test_nof_metric_rows_as_published_and_the_v2_revision() -> None:
    first, v2 = rows_of(NOF, NOF_Q3), rows_of(NOF, NOF_Q3_V2)
    assert len(first) == len(v2) == 300  # 25 trusts x (11 Q3 rows + 1 Q2 row)
    key = ("trust_code", "metric_id", "units", "quarter")
    first_rows, v2_rows = by_key(first, *key), by_key(v2, *key)
    assert first_rows[("R0A", "OF0023", "percentage", "Q3 2025/26")][1]["value"] == "58.1"
    assert v2_rows[("R0A", "OF0023", "percentage", "Q3 2025/26")][1]["value"] == "58.4"
    changed = [k for k in first_rows if first_rows[k][1] != v2_rows[k][1]]
    assert changed == [("R0A", "OF0023", "percentage", "Q3 2025/26")]
    # the real league-table values repeated as OF5002 / OF5000 (DOMAIN.md §3.3)
    assert [
        (
            v2_rows[(t, "OF5002", "score", "Q3 2025/26")][1]["value"],
            v2_rows[(t, "OF5000", "segment", "Q3 2025/26")][1]["value"],
        )
        for t in ("RBV", "RJ1", "RHW", "R0A", "RF4")
    ] == [("1.36", "1"), ("1.67", "1"), ("1.50", "3"), ("2.36", "3"), ("2.71", "4")]
    # count and rate rows of the same metric, told apart by Units
    assert {k[2] for k in v2_rows if k[:2] == ("R0A", "OF0048")} == {"count", "rate"}
    line, rhw_plan = v2_rows[("RHW", "OF0079", "percentage", "Q3 2025/26")]
    assert (rhw_plan["value"], rhw_plan["reporting_date"]) == ("-3.24", "2025/26 plan")
    assert v2_rows[("RBV", "OF0023", "percentage", "Q3 2025/26")][1]["value"] == ""  # excluded: no value
    assert line > 1


BAD_NOF = {
    "wrong header": (sub(1, "Metric_ID", "Metric"), "header_matches_a_known_layout", 1),
    "duplicate row": (duplicate(30), "one_row_per_trust_metric_and_period", 31),
    "quarter after the file's": (sub(30, "Q3 2025/26", "Q4 2025/26"), "quarter_matches_file_name", 30),
    "quarter not a financial quarter": (sub(30, "Q3 2025/26", "2025 Q3"), "quarter_is_financial_quarter", 30),
    "trust type of another league table": (
        sub(30, "Acute trust", "Ambulance trust"),
        "trust_type_matches_file_name",
        30,
    ),
    "trust code not ODS": (sub(30, ",R0A,", ",r0a,"), "trust_code_is_ods_code", 30),
    "metric id not OFnnnn": (sub(30, ",OF0023,", ",RTT18,"), "metric_id_is_of_code", 30),
    "text value": (sub(30, ",58.1,", ",high,"), "value_is_a_number", 30),
    "rank not a positive integer": (sub(30, ",16,Q3", ",0,Q3"), "rank_is_a_positive_integer", 30),
    "empty reporting date": (sub(30, ",Nov-25,", ",,"), "reporting_date_present", 30),
    # line 256: RF4's OF5002 (average score 2.71); line 282: RQ3's OF5000 (adjusted segment 3)
    "average score above 4": (sub(256, ",score,2.71,", ",score,4.71,"), "score_between_1_and_4", 256),
    "segment 6": (sub(282, ",segment,3,", ",segment,6,"), "segment_is_1_to_5", 282),
}


@pytest.mark.parametrize("case", sorted(BAD_NOF))
def test_nof_metric_bad_input_names_file_row_and_rule(case: str, tmp_path: Path) -> None:
    edit, rule, row = BAD_NOF[case]
    error = broken(NOF, csv_variant(tmp_path, NOF_Q3.name, NOF_Q3, edit))
    assert (error.rule, error.row) == (rule, row)
    assert str(error).startswith(f"{NOF_Q3.name}, row {row}: rule '{rule}'")


def test_nof_file_rules(tmp_path: Path) -> None:
    only_q2 = csv_variant(tmp_path, NOF_Q3.name, NOF_Q3, lambda ls: [ls[0], *ls[1:26]])
    error = broken(NOF, only_q2)
    assert (error.rule, error.row) == ("file_quarter_present", None)
    bad_year = csv_variant(
        tmp_path, "nhs-oversight-framework-acute-trust-data-q3-25-27.csv", NOF_Q3, lambda ls: ls
    )
    assert broken(NOF, bad_year).rule == "quarter_is_known"
    future = csv_variant(
        tmp_path,
        "nhs-oversight-framework-acute-trust-data-q1-99-00.csv",
        NOF_Q3,
        lambda ls: [ln.replace("Q3 2025/26", "Q1 2099/00").replace("Q2 2025/26", "Q1 2099/00") for ln in ls],
    )
    assert broken(NOF, future).rule == "period_not_in_future"


# ---- NOF league table ----------------------------------------------------------------------------
def test_league_table_real_rows_and_the_published_tie() -> None:
    rows = rows_of(LEAGUE, LEAGUE_Q3)
    assert len(rows) == 25
    keyed = by_key(rows, "trust_code")
    published = {
        code: tuple(
            keyed[(code,)][1][c] for c in ("average_score", "trust_in_financial_deficit", "segment", "rank")
        )
        for code in ("RBV", "RJ1", "RHW", "R0A", "RF4")
    }
    assert published == {
        "RBV": ("1.36", "No", "1", "3"),
        "RJ1": ("1.67", "No", "1", "10"),
        "RHW": ("1.50", "Yes", "3", "28"),
        "R0A": ("2.36", "No", "3", "65"),
        "RF4": ("2.71", "Yes", "4", "99"),
    }
    # two trusts at 1.66 share rank 8; the next (RJ1, 1.67) is rank 10 (competition ranking)
    at_166 = sorted((r["trust_code"], r["rank"]) for _, _, r in rows if r["average_score"] == "1.66")
    assert at_166 == [("RA2", "8"), ("RXQ", "8")]
    # ranks follow (segment, average) as published: adjusted segment first, then the average
    order = sorted(rows, key=lambda row: int(row[2]["rank"]))
    keys = [(int(r["segment"]), Decimal(r["average_score"])) for _, _, r in order]
    assert keys == sorted(keys)
    # every deficit trust is in segment 3 or 4 (the cap)
    assert all(r["segment"] in ("3", "4") for _, _, r in rows if r["trust_in_financial_deficit"] == "Yes")


BAD_LEAGUE = {
    "wrong header": (sub(1, "Segment", "Segments"), "header_matches_a_known_layout", 1),
    "deficit flag not Yes/No": (sub(12, ",Yes,", ",Y,"), "deficit_flag_is_yes_or_no", 12),
    "duplicate trust": (duplicate(12), "one_row_per_trust_and_quarter", 13),
    "segment 0": (sub(12, ",3,Yes,", ",0,Yes,"), "segment_is_1_to_5", 12),
    "average score above 4": (sub(12, ",1.50,", ",4.50,"), "average_score_between_1_and_4", 12),
    "likely range reversed": (sub(12, "1.42 - 1.58", "1.58 - 1.42"), "likely_range_is_low_to_high", 12),
    "rank not an integer": (sub(12, ",28,", ",28th,"), "rank_is_a_positive_integer", 12),
    "quarter after the file's": (sub(12, "Q3 2025/26", "Q4 2025/26"), "quarter_matches_file_name", 12),
    "trust code not ODS": (sub(12, ",RHW,", ",Royal Berkshire,"), "trust_code_is_ods_code", 12),
}


@pytest.mark.parametrize("case", sorted(BAD_LEAGUE))
def test_league_table_bad_input_names_file_row_and_rule(case: str, tmp_path: Path) -> None:
    edit, rule, row = BAD_LEAGUE[case]
    error = broken(LEAGUE, csv_variant(tmp_path, LEAGUE_Q3.name, LEAGUE_Q3, edit))
    assert (error.rule, error.row) == (rule, row)
    assert str(error).startswith(f"{LEAGUE_Q3.name}, row {row}: rule '{rule}'")


# ---- finance -------------------------------------------------------------------------------------
def test_finance_file_names_give_quarter_or_month_and_version() -> None:
    assert FINANCE.file_info(FINANCE_Q3).period == date(2025, 10, 1)  # Q3 2025-26 = Oct-Dec 2025
    month = FINANCE.file_info(Path("finance-positions-2025-12-v2.csv"))
    assert (month.period, month.revision) == (date(2025, 12, 1), 1)
    assert FINANCE.file_info(Path("finance-positions-2025-27-Q3.csv")).period is None  # 2025-27 is no year


def test_finance_rows_and_the_deficit_support_only_trust() -> None:
    rows = rows_of(FINANCE, FINANCE_Q3)
    assert len(rows) == 28
    keyed = by_key(rows, "org_code")
    flags = {
        code: (keyed[(code,)][1]["in_deficit"], keyed[(code,)][1]["receiving_deficit_support"])
        for code in ("RBV", "RJ1", "RHW", "R0A", "RF4", "RQ3")
    }
    assert flags == {
        "RBV": ("N", "N"),
        "RJ1": ("N", "N"),
        "RHW": ("Y", "N"),
        "R0A": ("N", "N"),
        "RF4": ("Y", "Y"),
        "RQ3": ("N", "Y"),  # flagged through deficit support only (DOMAIN.md trap 2)
    }
    assert keyed[("RHW",)][1]["plan"] == "-3.24"
    # (the deficit flag = in deficit or receiving support, equal to the league table's flag, is
    # checked on the warehouse's output: test_staging_and_metric_models_give_known_answers)


BAD_FINANCE = {
    "wrong header": (sub(1, ",unit,", ",units,"), "header_matches_a_known_layout", 1),
    "flag not Y/N": (sub(12, ",Y,N,", ",Yes,N,"), "flag_is_y_or_n", 12),
    "duplicate row": (duplicate(12), "one_row_per_organisation_and_period", 13),
    "period not matching the name": (sub(12, "2025-26 Q3", "2025-26 Q2"), "period_matches_file_name", 12),
    "period format": (sub(12, "2025-26 Q3", "Q3 2025/26"), "period_is_quarter_or_month", 12),
    "org code not an ODS code": (sub(12, "RHW,", "rhw,"), "org_code_is_ods_trust_code", 12),
    "amount not a number": (sub(12, ",-3.24,", ",minus 3.24,"), "amount_is_a_number", 12),
    "unknown unit": (sub(12, "pct_of_turnover", "percent"), "unit_is_known", 12),
}


@pytest.mark.parametrize("case", sorted(BAD_FINANCE))
def test_finance_bad_input_names_file_row_and_rule(case: str, tmp_path: Path) -> None:
    edit, rule, row = BAD_FINANCE[case]
    error = broken(FINANCE, csv_variant(tmp_path, FINANCE_Q3.name, FINANCE_Q3, edit))
    assert (error.rule, error.row) == (rule, row)
    assert str(error).startswith(f"{FINANCE_Q3.name}, row {row}: rule '{rule}'")


def test_finance_file_rules(tmp_path: Path) -> None:
    future = csv_variant(
        tmp_path,
        "finance-positions-2099-00-Q3.csv",
        FINANCE_Q3,
        lambda ls: [x.replace("2025-26 Q3", "2099-00 Q3") for x in ls],
    )
    assert broken(FINANCE, future).rule == "period_not_in_future"
    no_period = csv_variant(tmp_path, "finance-positions-2025-27-Q3.csv", FINANCE_Q3, lambda ls: ls)
    assert broken(FINANCE, no_period).rule == "file_name_names_a_period"


# ---- backfill: which period a run on a given day expects ------------------------------------------
def test_each_source_expects_the_period_its_publisher_has_just_published() -> None:
    # DM01 for October 2024 comes out on the second Thursday of November (14 November 2024)
    assert DM01.expected_period(date(2024, 11, 14)) == date(2024, 10, 1)
    # MHSDS "Performance October 2024" comes out about three months later, in January 2025
    assert MHSDS.expected_period(date(2025, 1, 9)) == date(2024, 10, 1)
    # NOF: Q2 2025/26 (July-September) in December 2025, Q3 (October-December) in March 2026
    assert NOF.expected_period(date(2025, 12, 1)) == date(2025, 7, 1)
    assert LEAGUE.expected_period(date(2026, 3, 2)) == date(2025, 10, 1)
    # finance: the Q3 2025-26 report (October-December 2025) is transcribed from March 2026
    assert FINANCE.expected_period(date(2026, 3, 1)) == date(2025, 10, 1)


# ---- the constructed samples are reproducible -----------------------------------------------------
def test_constructed_samples_are_what_the_generator_writes(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    spec = importlib.util.spec_from_file_location("build_constructed_samples", GENERATOR)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.build(tmp_path)
    for source in ("dm01", "mhsds", "nof", "finance"):
        written = sorted(p.name for p in (tmp_path / source).iterdir())
        committed = sorted(
            p.name
            for p in (SAMPLES / source).iterdir()
            if p.name != "README.md" and p.name not in REAL_SAMPLES
        )
        assert written == committed, source
        assert (
            "constructed for tests/demo, not published data"
            in (SAMPLES / source / "README.md").read_text().lower()
        )
        for name in written:
            if name.endswith(".csv"):
                assert (tmp_path / source / name).read_bytes() == (SAMPLES / source / name).read_bytes(), name
            else:
                cells = [
                    [
                        list(r)
                        for r in load_workbook(folder / source / name, read_only=True)["Provider"].values
                    ]
                    for folder in (tmp_path, SAMPLES)
                ]
                assert cells[0] == cells[1], name


# ---- into PostgreSQL -----------------------------------------------------------------------------
MY_SOURCES = ("dm01", "mhsds", "nof_metrics", "nof_league_table", "finance")


def query(target, sql: str, params: tuple = ()) -> list[tuple]:  # noqa: ANN001
    with warehouse.connect(target) as conn:
        return conn.execute(sql, params).fetchall()


# real publisher files bundled beside the constructed ones (sample_data/dm01/README.md)
REAL_SAMPLES = {
    "Monthly-Diagnostics-Web-File-Provider-April-2025_3EY67.xls",
    "Monthly-Diagnostics-Web-File-Provider-May-2025.xls",
    "Monthly-Diagnostics-Web-File-Provider-June-2025_45KNG.xls",
}


@pytest.fixture
def loaded(fresh_db, settings_for, tmp_path):  # noqa: ANN001, ANN201
    """A fresh warehouse with the ODS trust list and every constructed sample loaded (the real DM01
    files bundled beside them are left out: their known answers are in test_workbook_layouts)."""
    landing = tmp_path / "constructed"
    for folder in ("ods", "dm01", "mhsds", "nof", "finance"):
        shutil.copytree(
            SAMPLES / folder,
            landing / folder,
            ignore=lambda _d, names: [n for n in names if n in REAL_SAMPLES],
        )
    settings = settings_for(landing)
    results = {s: loader.ingest_source(s, fresh_db, settings) for s in ("ods", *MY_SOURCES)}
    return fresh_db, settings, results


def test_constructed_samples_load_once_with_vintages(loaded) -> None:  # noqa: ANN001
    target, settings, results = loaded
    assert {
        s: [(r.file_name, r.status, r.rows_loaded, r.vintage) for r in results[s]] for s in MY_SOURCES
    } == {
        "dm01": [
            ("Monthly-Diagnostics-Web-File-Provider-October-2024.xlsx", "loaded", 33, 1),
            ("Monthly-Diagnostics-Web-File-Provider-November-2024.xlsx", "loaded", 33, 1),
        ],
        "mhsds": [
            ("MHSDS Data_OctPerf_2024.csv", "loaded", 54, 1),
            ("MHSDS Data_NovPerf_2024.csv", "loaded", 54, 1),
            ("MHSDS Data_AprPerf_2025.csv", "loaded", 54, 1),
            ("MHSDS Data_MayPerf_2025.csv", "loaded", 54, 1),
            ("MHSDS Data_JunPerf_2025.csv", "loaded", 54, 1),
        ],
        "nof_metrics": [(NOF_Q3.name, "loaded", 300, 1), (NOF_Q3_V2.name, "loaded", 300, 2)],
        "nof_league_table": [(LEAGUE_Q3.name, "loaded", 25, 1)],
        "finance": [
            ("finance-positions-2025-26-Q1.csv", "loaded", 28, 1),
            (FINANCE_Q3.name, "loaded", 28, 1),
        ],
    }
    assert query(
        target,
        "select _source_file, _row_number, _period, total_waiting_list, waiting_6wk_plus "
        "from raw.dm01_provider_monthly where provider_code = 'R0A' and _period = '2024-10-01'",
    ) == [(DM01_OCT.name, 25, date(2024, 10, 1), "14230", "3201")]
    assert query(
        target, "select revision from raw.load_manifest where file_name = %s", (NOF_Q3_V2.name,)
    ) == [(1,)]
    validate_pending(target)
    second = [r.status for s in MY_SOURCES for r in loader.ingest_source(s, target, settings)]
    assert set(second) == {"duplicate"}


def test_raw_gate_passes_on_the_constructed_loads(loaded) -> None:  # noqa: ANN001
    from oversight.gate import run_gate

    target, settings, results = loaded
    load_ids = [r.load_id for s in MY_SOURCES for r in results[s]]
    gate_settings = settings.model_copy(update=dict(home=settings.home / "gate"))
    report = run_gate("raw", target, "raw", load_ids=load_ids, settings=gate_settings)
    assert report.success
    for table in (
        "dm01_provider_monthly",
        "mhsds_monthly",
        "nof_metric_data",
        "nof_league_table",
        "finance_positions",
    ):
        assert f"raw.{table}" in report.suites_validated


def test_a_bad_constructed_file_is_quarantined_whole(fresh_db, tmp_path, settings_for) -> None:  # noqa: ANN001
    landing = tmp_path / "landing"
    (landing / "finance").mkdir(parents=True)
    csv_variant(landing / "finance", FINANCE_Q3.name, FINANCE_Q3, sub(12, ",Y,N,", ",Yes,N,"))
    settings = settings_for(landing)
    [result] = loader.ingest_source("finance", fresh_db, settings)
    assert result.status == "quarantined"
    assert result.message.startswith(f"{FINANCE_Q3.name}, row 12: rule 'flag_is_y_or_n'")
    assert query(fresh_db, "select count(*) from raw.finance_positions") == [(0,)]
    assert (settings.quarantine_dir / "finance" / f"{FINANCE_Q3.name}.reason.txt").is_file()


def test_staging_and_metric_models_give_known_answers(loaded) -> None:  # noqa: ANN001
    """dbt builds the staging and metric models of these sources (and their tests and unit tests)."""
    from oversight import transform

    target, settings, _ = loaded
    validate_pending(target)  # the raw suite passed them (test_raw_gate_passes_on_the_constructed_loads)
    models = [  # with their upstream models (stg_warehouse__loads), which the unit tests need to exist
        "+int_dm01__metric_values",
        "+int_mhsds__metric_values",
        "+stg_nof__published_metrics",
        "+stg_nof__league_table",
        "+stg_finance__positions",
    ]
    # cautious: a test that also reads a model outside this selection (e.g. the organisation
    # reference) is left out rather than run against a table this database does not have
    result = transform.run_dbt(
        ["build", "--indirect-selection", "cautious", "--select", *models], target, settings
    )
    assert result.success, result.failures
    # DM01: R0A October 2024 = 100 x 3201 / 14230 = 22.4947 %
    assert query(
        target,
        "select numerator, denominator, value from intermediate__build.int_dm01__metric_values "
        "where org_code = 'R0A' and period_start = '2024-10-01'",
    ) == [(Decimal(3201), Decimal(14230), Decimal("22.4947"))]
    assert query(target, "select count(*) from staging__build.stg_dm01__provider_monthly") == [
        (50,)
    ]  # totals dropped
    # MHSDS: RXV October = 100 x 41 / 152 = 26.9737 %; RGD November is suppressed -> no value
    assert query(
        target,
        "select org_code, period_start, value from intermediate__build.int_mhsds__metric_values "
        "where org_code in ('RXV', 'RGD') and period_start < '2025-01-01' order by org_code, period_start",
    ) == [
        ("RGD", date(2024, 10, 1), Decimal("34.0909")),  # 60 / 176
        ("RXV", date(2024, 10, 1), Decimal("26.9737")),
        ("RXV", date(2024, 11, 1), Decimal("21.1111")),  # 19 / 90
    ]
    # NOF: the -v2 value supersedes; reporting dates parsed
    assert query(
        target,
        "select value, reporting_period_start, reporting_period_end, source_file "
        "from staging__build.stg_nof__published_metrics "
        "where org_code = 'R0A' and metric_id = 'OF0023' order by quarter_start",
    ) == [
        (Decimal("56.5"), date(2025, 8, 1), date(2025, 8, 31), NOF_Q3_V2.name),
        (Decimal("58.4"), date(2025, 11, 1), date(2025, 11, 30), NOF_Q3_V2.name),
    ]
    assert query(target, "select count(*) from staging__build.stg_nof__published_metrics") == [(300,)]
    assert query(
        target,
        "select org_code, average_score, segment, is_in_financial_deficit, league_rank "
        "from staging__build.stg_nof__league_table where org_code in ('RBV', 'RJ1', 'RHW', 'R0A', 'RF4') "
        "order by league_rank",
    ) == [
        ("RBV", Decimal("1.36"), 1, False, 3),
        ("RJ1", Decimal("1.67"), 1, False, 10),
        ("RHW", Decimal("1.50"), 3, True, 28),
        ("R0A", Decimal("2.36"), 3, False, 65),
        ("RF4", Decimal("2.71"), 4, True, 99),
    ]
    # finance: deficit flag = in deficit or deficit support, equal to the league table's flag
    assert query(
        target,
        "select count(*) from staging__build.stg_finance__positions as f "
        "join staging__build.stg_nof__league_table as l on l.org_code = f.org_code "
        "where f.is_deficit_flag = l.is_in_financial_deficit and f.period_start = '2025-10-01'",
    ) == [(25,)]
    assert query(
        target,
        "select is_in_deficit, is_receiving_deficit_support, is_deficit_flag "
        "from staging__build.stg_finance__positions where org_code = 'RQ3' order by period_start",
    ) == [(False, True, True), (False, True, True)]
