"""NHS Staff Survey organisation results (merged 2021-2024): the layout contract on real rows, the
bad-input rules (each naming file, row and rule), and loading (raw keeps the columns as published).
Staging putting right the swapped Region / ICS/STP columns of the 2021 rows is checked on the
session's built warehouse (test_pipeline.py) and by dbt unit test
staff_survey_region_ics_swap_fixed_newest_file_wins.

The bundled sample is the researchers' merged file cut to the 25 demo trusts (100 rows, lines as
published; sample_data/staff_survey/README.md). Line 3 is Barts Health (R1H), 2021.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from conftest import SAMPLES, validate_pending
from oversight import loader, warehouse
from oversight.errors import BadInputError
from oversight.sources import get_source

SURVEY = get_source("staff_survey")
SAMPLE_NAME = "data_trusts_well-being_organisational_results_2021-2024.csv"
SAMPLE = SAMPLES / "staff_survey" / SAMPLE_NAME


def rows_of(path: Path) -> list[tuple[int, str, dict[str, str]]]:
    return list(SURVEY.rows(path, SURVEY.file_info(path)))


@pytest.fixture(scope="module")
def sample_rows() -> list[tuple[int, str, dict[str, str]]]:
    return rows_of(SAMPLE)


@pytest.fixture
def variant(tmp_path: Path) -> Callable[..., Path]:
    """variant(edit, name=...): the sample with its rows (header first) changed by edit(rows)."""

    def make(edit: Callable[[list[list[str]]], None], name: str = SAMPLE_NAME) -> Path:
        rows = list(csv.reader(io.StringIO(SAMPLE.read_text(encoding="utf-8"))))
        edit(rows)
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        target = tmp_path / name
        target.write_text(out.getvalue(), encoding="utf-8")
        return target

    return make


def column(name: str) -> int:
    return next(csv.reader(io.StringIO(SAMPLE.read_text(encoding="utf-8")))).index(name)


def bad_input(path: Path) -> BadInputError:
    with pytest.raises(BadInputError) as caught:
        rows_of(path)
    assert caught.value.file == path.name
    return caught.value


# ---- file names and periods --------------------------------------------------------------------
def test_file_name_gives_the_last_survey_year_as_period() -> None:
    info = SURVEY.file_info(Path(SAMPLE_NAME))
    assert (info.period, info.revision) == (date(2024, 1, 1), 0)
    v2 = SURVEY.file_info(Path("data_trusts_well-being_organisational_results_2021-2025-v2.csv"))
    assert (v2.period, v2.revision) == (date(2025, 1, 1), 1)
    assert SURVEY.file_info(Path("data_trusts_well-being_organisational_results_2024.csv")).period == date(
        2024, 1, 1
    )
    assert not SURVEY.file_pattern.search("NSS24 detailed spreadsheets organisational results.xlsx")


# ---- real rows ---------------------------------------------------------------------------------
def test_barts_health_2021_as_published(sample_rows) -> None:  # noqa: ANN001
    line, layout, r1h = next(r for r in sample_rows if r[2]["org_code"] == "R1H" and r[2]["year"] == "2021")
    assert (line, layout) == (3, "nss_merged_well_being_2021")
    assert (r1h["org_name"], r1h["benchmarking_group"], r1h["weighting"]) == (
        "Barts Health NHS Trust",
        "Acute and Acute & Community Trusts",
        "Occupation Group",
    )
    # 37.7785 % of 7755 respondents often or always burnt out: 37.7785432452472 x 7755 / 100 = 2929.726 people
    assert (r1h["burned_out_rate"], r1h["burned_out_base"]) == ("37.7785432452472", "7755")
    assert round(float(r1h["burned_out_rate"]) * 7755 / 100, 3) == 2929.726
    assert (r1h["stress_rate"], r1h["stress_base"]) == ("48.9991757482323", "7788")
    assert (r1h["enough_staff_rate"], r1h["enough_staff_base"]) == ("26.6417027941732", "7963")
    assert (r1h["emotional_colleagues_rate"], r1h["emotional_colleagues_base"]) == (
        "22.8775228402784",
        "7434",
    )
    assert len(sample_rows) == 100 and len({r["org_code"] for _, _, r in sample_rows}) == 25


# ---- bad input: each names the file, the row and the rule --------------------------------------
def test_a_rate_over_100_is_rejected(variant) -> None:  # noqa: ANN001
    def over(rows: list[list[str]]) -> None:
        assert rows[2][:2] == ["R1H", "2021"]  # line 3
        rows[2][column("Stress_rate")] = "148.9991757482323"

    error = bad_input(variant(over))
    assert (error.rule, error.row) == ("rate_within_0_100", 3)
    assert "R1H 2021: stress_rate = 148.9991757482323 is outside 0..100" in error.detail


def test_a_renamed_column_is_header_drift(variant) -> None:  # noqa: ANN001
    def rename(rows: list[list[str]]) -> None:
        rows[0][column("Stress_rate")] = "Stress_pct"

    error = bad_input(variant(rename))
    assert (error.rule, error.row) == ("header_matches_a_known_layout", 1)
    assert "missing columns: ['stress_rate']" in error.detail
    assert "unexpected columns: ['stress_pct']" in error.detail


def test_a_future_year_is_rejected(variant) -> None:  # noqa: ANN001
    future = str(date.today().year + 1)

    def later(rows: list[list[str]]) -> None:
        rows[10][1] = future  # line 11

    error = bad_input(variant(later))
    assert (error.rule, error.row) == ("year_not_in_future", 11)


def test_a_year_outside_the_file_name_range_is_rejected(variant) -> None:  # noqa: ANN001
    def earlier(rows: list[list[str]]) -> None:
        rows[4][1] = "2020"  # line 5

    error = bad_input(variant(earlier))
    assert (error.rule, error.row) == ("year_in_file_name_range", 5)
    assert "Year 2020 is outside 2021-2024" in error.detail


def test_a_duplicate_organisation_year_is_rejected(variant) -> None:  # noqa: ANN001
    def duplicate(rows: list[list[str]]) -> None:
        rows.append(list(rows[2]))  # R1H 2021 again, as line 102

    error = bad_input(variant(duplicate))
    assert (error.rule, error.row) == ("one_row_per_organisation_and_year", 102)
    assert "R1H 2021 already on row 3" in error.detail


def test_a_missing_ods_code_and_a_non_numeric_base_are_rejected(variant) -> None:  # noqa: ANN001
    def blank(rows: list[list[str]]) -> None:
        rows[5][0] = ""

    assert (bad_input(variant(blank)).rule, bad_input(variant(blank)).row) == ("org_code_present", 6)

    def text_base(rows: list[list[str]]) -> None:
        rows[5][column("Burned_out_base")] = "n/a"

    error = bad_input(variant(text_base))
    assert (error.rule, error.row) == ("count_is_a_number", 6)


# ---- loading -----------------------------------------------------------------------------------
def query(target, sql: str, params: tuple = ()) -> list[tuple]:  # noqa: ANN001
    with warehouse.connect(target) as conn:
        return conn.execute(sql, params).fetchall()


def test_the_sample_loads_once_with_the_columns_as_published(fresh_db, landing, settings_for) -> None:  # noqa: ANN001
    from oversight.gate import run_gate

    (landing / "staff_survey").mkdir(exist_ok=True)
    settings = settings_for(landing)
    shutil.copy2(SAMPLE, landing / "staff_survey" / SAMPLE_NAME)
    (first,) = loader.ingest_source("staff_survey", fresh_db, settings)
    assert (first.status, first.rows_loaded, first.period) == ("loaded", 100, "2024-01-01")
    validate_pending(fresh_db)
    (again,) = loader.ingest_source("staff_survey", fresh_db, settings)
    assert again.status == "duplicate"
    assert query(
        fresh_db,
        "select _row_number, year, region, ics_stp, burned_out_rate, burned_out_base "
        "from raw.staff_survey_organisation_results where org_code = 'R1H' order by year",
    ) == [
        (3, "2021", "East London Health and Care Partnership", "London", "37.7785432452472", "7755"),
        (28, "2022", "London", "North East London", "39.095121015107", "6472"),
        (53, "2023", "London", "NA", "34.626539842326", "8568"),
        (78, "2024", "London", "NA", "33.2510397264915", "10067"),
    ]
    gate_settings = settings.model_copy(update=dict(home=settings.home / "gate"))
    report = run_gate("raw", fresh_db, "raw", load_ids=[first.load_id], settings=gate_settings)
    assert report.success and "raw.staff_survey_organisation_results" in report.suites_validated


def test_a_bad_file_is_quarantined_whole(fresh_db, landing, settings_for, variant) -> None:  # noqa: ANN001
    (landing / "staff_survey").mkdir(exist_ok=True)
    settings = settings_for(landing)

    def over(rows: list[list[str]]) -> None:
        rows[2][column("Burned_out_rate")] = "101"

    shutil.copy2(variant(over), landing / "staff_survey" / SAMPLE_NAME)
    (result,) = loader.ingest_source("staff_survey", fresh_db, settings)
    assert result.status == "quarantined"
    assert result.message.startswith(f"{SAMPLE_NAME}, row 3: rule 'rate_within_0_100' broken: R1H 2021")
    assert query(fresh_db, "select count(*) from raw.staff_survey_organisation_results") == [(0,)]
