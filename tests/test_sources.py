"""Source contracts on real published rows (no database): layouts, periods, and the row rules."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from oversight.errors import BadInputError
from oversight.sources import get_source
from oversight.sources.ae import parse_period
from oversight.workbooks import read_sheet, sheet_names

SAMPLES = Path(__file__).resolve().parents[1] / "sample_data"
AE = get_source("ae")
CQC = get_source("cqc")
ODS = get_source("ods")


def ae_rows(path: Path) -> list[tuple[int, str, dict[str, str]]]:
    return list(AE.rows(path, AE.file_info(path)))


def write_variant(tmp_path: Path, name: str, source: Path, edit) -> Path:  # noqa: ANN001
    lines = source.read_text().splitlines(keepends=True)
    target = tmp_path / name
    target.write_text("".join(edit(lines)))
    return target


# ---- A&E ---------------------------------------------------------------------------------------
def test_ae_file_name_gives_month_and_revision() -> None:
    assert AE.file_info(Path("Monthly-AE-June-2024.csv")).period == date(2024, 6, 1)
    revised = AE.file_info(Path("Monthly-AE-July-2024-revised.csv"))
    assert (revised.period, revised.revision) == (date(2024, 7, 1), 1)
    assert parse_period("MSitAE-SEPTEMBER-2024") == date(2024, 9, 1)
    assert parse_period("MSitAE-SEPT-2024") == date(2024, 9, 1)
    assert parse_period("2024-09") is None


def test_ae_real_row_for_manchester_june_2024() -> None:
    """Line 111 of Monthly-AE-June-2024.csv, as published."""
    rows = {
        record["org_code"]: (n, record)
        for n, _, record in ae_rows(SAMPLES / "ae" / "Monthly-AE-June-2024.csv")
    }
    line, r0a = rows["R0A"]
    assert line == 111
    assert r0a["org_name"] == "MANCHESTER UNIVERSITY NHS FOUNDATION TRUST"
    assert r0a["parent_org"] == "NHS ENGLAND NORTH WEST "  # trailing space kept in raw
    assert (r0a["attendances_type1"], r0a["attendances_booked_type1"], r0a["over_4hrs_type1"]) == (
        "24223",
        "3430",
        "10837",
    )
    assert r0a["other_emergency_admissions"] == "408"


def test_ae_total_row_is_loaded_raw_in_each_spelling() -> None:
    """June spells it TOTAL, July `Total`, September `Total ` with a trailing space."""
    for name, line in (
        ("Monthly-AE-June-2024.csv", 199),
        ("Monthly-AE-July-2024-revised.csv", 200),
        ("Monthly-AE-September-2024.csv", 199),
    ):
        rows = ae_rows(SAMPLES / "ae" / name)
        totals = [(n, r["org_code"]) for n, _, r in rows if r["org_code"].strip().upper() == "TOTAL"]
        assert len(totals) == 1 and totals[0][0] == line, name


def test_ae_september_stray_trailing_header_is_tolerated_while_empty(tmp_path: Path) -> None:
    """September 2024 ends its header with six empty names and an `a`; its data cells there are empty."""
    rows = ae_rows(SAMPLES / "ae" / "Monthly-AE-September-2024.csv")
    assert len(rows) == 198
    assert all("a" not in record for _, _, record in rows)
    filled = write_variant(
        tmp_path,
        "Monthly-AE-September-2024.csv",
        SAMPLES / "ae" / "Monthly-AE-September-2024.csv",
        lambda lines: [lines[0], lines[1].rstrip("\r\n").rstrip(",") + ",,,,,,oops\r\n", *lines[2:]],
    )
    with pytest.raises(BadInputError) as error:
        ae_rows(filled)
    assert (error.value.rule, error.value.row) == ("row_fits_header", 2)


BAD_AE_EDITS = {
    "negative count": (
        lambda ls: [ls[0], ls[1].replace(",365,", ",-365,", 1), *ls[2:]],
        "count_is_not_negative",
        2,
    ),
    "breaches above attendances": (
        lambda ls: [ls[0], *ls[1:110], ls[110].replace(",10837,", ",99999,", 1), *ls[111:]],
        "breaches_not_above_attendances",
        111,
    ),
    "period not matching name": (
        lambda ls: [ls[0], ls[1].replace("JUNE", "MAY", 1), *ls[2:]],
        "period_matches_file_name",
        2,
    ),
    "duplicate row": (lambda ls: [*ls[:3], ls[2], *ls[3:]], "one_row_per_organisation", 4),
    "missing header column": (
        lambda ls: [ls[0].replace("Org name,", "", 1), *ls[1:]],
        "header_matches_a_known_layout",
        1,
    ),
    "extra header column": (
        lambda ls: [ls[0].replace("Org name,", "Org name,Trust type,", 1), *ls[1:]],
        "header_matches_a_known_layout",
        1,
    ),
    "no header": (lambda ls: ls[1:], "header_matches_a_known_layout", 1),
    "truncated file": (lambda ls: [*ls[:50], ls[50][:40]], "row_is_complete", 51),
    "text where a count should be": (
        lambda ls: [ls[0], ls[1].replace(",365,", ",n/a,", 1), *ls[2:]],
        "count_is_a_number",
        2,
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_AE_EDITS))
def test_ae_bad_input_names_file_row_and_rule(case: str, tmp_path: Path) -> None:
    edit, rule, row = BAD_AE_EDITS[case]
    bad = write_variant(
        tmp_path, "Monthly-AE-June-2024.csv", SAMPLES / "ae" / "Monthly-AE-June-2024.csv", edit
    )
    with pytest.raises(BadInputError) as error:
        ae_rows(bad)
    assert (error.value.rule, error.value.row) == (rule, row)
    assert str(error.value).startswith(f"Monthly-AE-June-2024.csv, row {row}: rule '{rule}'")


def test_ae_non_utf8_text_is_rejected_at_its_line(tmp_path: Path) -> None:
    source = (SAMPLES / "ae" / "Monthly-AE-June-2024.csv").read_bytes().split(b"\n")
    source[5] = source[5].replace(b"MEMORIAL", b"M\xc9MORIAL")  # cp1252 E-acute on line 6
    bad = tmp_path / "Monthly-AE-June-2024.csv"
    bad.write_bytes(b"\n".join(source))
    with pytest.raises(BadInputError) as error:
        ae_rows(bad)
    assert (error.value.rule, error.value.row) == ("text_is_utf8", 6)


def test_ae_future_period_is_rejected(tmp_path: Path) -> None:
    future = tmp_path / "Monthly-AE-June-2099.csv"
    future.write_text(
        (SAMPLES / "ae" / "Monthly-AE-June-2024.csv").read_text().replace("JUNE-2024", "JUNE-2099")
    )
    with pytest.raises(BadInputError) as error:
        ae_rows(future)
    assert error.value.rule == "period_not_in_future"


# ---- ODS ---------------------------------------------------------------------------------------
def test_ods_etr_has_no_header_and_27_fields() -> None:
    path = SAMPLES / "ods" / "etr_2025-Q1.csv"
    info = ODS.file_info(path)
    assert info.period == date(2025, 1, 1)
    rows = list(ODS.rows(path, info))
    assert len(rows) == 210
    line, _, first = rows[0]
    assert line == 1 and first["org_code"] == "G6V2S"  # line 1 is data: there is no header
    r0a = next(record for _, _, record in rows if record["org_code"] == "R0A")
    assert (r0a["national_grouping"], r0a["high_level_health_geography"], r0a["open_date"]) == (
        "Y62",
        "QOP",
        "20171001",
    )


def test_ods_row_with_missing_fields_is_rejected(tmp_path: Path) -> None:
    bad = write_variant(
        tmp_path,
        "etr_2025-Q1.csv",
        SAMPLES / "ods" / "etr_2025-Q1.csv",
        lambda ls: [ls[0], ls[1].rsplit(",", 3)[0] + "\n", *ls[2:]],
    )
    with pytest.raises(BadInputError) as error:
        list(ODS.rows(bad, ODS.file_info(bad)))
    assert (error.value.rule, error.value.row) == ("row_has_27_fields", 2)


# ---- CQC ---------------------------------------------------------------------------------------
def test_cqc_ods_workbook_is_streamed_with_its_header() -> None:
    path = SAMPLES / "cqc" / "Latest_ratings_trust_locations.ods"
    assert sheet_names(path) == ["Locations"]
    first_rows = []
    for row in read_sheet(path, "Locations"):
        first_rows.append(row)
        if len(first_rows) == 2:
            break
    assert first_rows[0][1][:3] == ["Location ID", "Location ODS Code", "Location Name"]
    rows = list(CQC.rows(path, CQC.file_info(path)))
    assert len(rows) == 824
    assert {layout for _, layout, _ in rows} == {"cqc_locations_domain"}
    providers = {r["provider_id"] for _, _, r in rows}
    assert len(providers) == 139
    overall = [r for _, _, r in rows if r["provider_id"] == "RYR" and r["domain"] == "Well-led"]
    assert overall and overall[0]["latest_rating"] == "Requires improvement"
    assert overall[0]["publication_date"] == "17/12/2025"


def test_cqc_key_question_generation_is_accepted(tmp_path: Path) -> None:
    """Older CQC files say `Key Question` where newer ones say `Domain`."""
    import zipfile

    source = SAMPLES / "cqc" / "Latest_ratings_trust_locations.ods"
    target = tmp_path / "01_January_2020_Latest_ratings.ods"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "content.xml":
                data = data.replace(
                    b'office:string-value="Domain"><text:p>Domain<',
                    b'office:string-value="Key Question"><text:p>Key Question<',
                    1,
                )
            zout.writestr(item, data)
    info = CQC.file_info(target)
    assert info.period == date(2020, 1, 1)
    rows = list(CQC.rows(target, info))
    assert len(rows) == 824
    assert {layout for _, layout, _ in rows} == {"cqc_locations_key_question"}
    assert rows[0][2]["domain"] in {"Overall", "Safe", "Effective", "Caring", "Responsive", "Well-led"}


def test_cqc_corrupt_workbook_is_rejected(tmp_path: Path) -> None:
    source = (SAMPLES / "cqc" / "Latest_ratings_trust_locations.ods").read_bytes()
    bad = tmp_path / "Latest_ratings_trust_locations.ods"
    bad.write_bytes(source[: len(source) // 2])
    with pytest.raises(BadInputError) as error:
        list(CQC.rows(bad, CQC.file_info(bad)))
    assert error.value.rule == "workbook_is_readable"


def test_expected_period_follows_each_publishers_lag_and_grain() -> None:
    """A&E for month M is published in month M+1; ODS etr vintages are quarterly; CQC has none."""
    assert AE.expected_period(date(2024, 12, 12)) == date(2024, 11, 1)
    assert AE.expected_period(date(2025, 1, 9)) == date(2024, 12, 1)
    assert ODS.expected_period(date(2025, 2, 5)) == date(2025, 1, 1)  # the release of the quarter
    assert CQC.expected_period(date(2025, 5, 5)) is None
