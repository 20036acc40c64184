"""NHS Staff Survey organisation results, as merged across years by researchers (CSV, annual).

File names: ``data_trusts_well-being_organisational_results_<first year>-<last year>[-v<n>].csv``
(or a single ``_<year>``), e.g. ``..._2021-2024.csv``. The survey runs in the autumn and NHS
England publishes its results around March of the next year; this merged file (ebmgt/NHS-Gender,
built from the published "detailed spreadsheets, organisational results") holds one row per
organisation and survey year with 74 columns: identifiers, then per question a ``<name>_base``
(number of respondents who answered) and one or more ``<name>_rate`` (percentage 0-100, weighted
by occupation group for trusts; ``Weighting`` says which). ``*_response_rate`` columns are
``base / Respondents`` (0-1). ``Respondents`` is the largest number among the row's question
columns as the researchers computed it (usually the largest base, but 100 for small organisations
whose bases are all below 100): not the number of staff surveyed.

The file's period is the first day of its last survey year (``2021-2024`` -> 2024-01-01), so a
file with a later year is a later period; every row carries its own ``Year``, which staging turns
into the survey year's calendar dates (period_start = 1 January of the survey year).

Known trap (handled in staging, stg_staff_survey__organisation_results): in the 2021 rows the
``Region`` and ``ICS/STP`` columns are swapped (Region holds the STP name, ICS/STP the NHS England
region); 2022 rows carry the ICS in ``ICS/STP``, 2023-2024 rows in ``ICS``. Missing markers are
``-``, ``NA`` and ``<NA>``.

Rules: the header is the known layout; ``Year`` is a year within the file name's range and not in
the future; the ODS code is present (joint CCG returns name several codes: ``01T/01V``); rates are
numbers within 0..100; bases are non-negative counts; one row per organisation and year.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from oversight.errors import BadInputError
from oversight.readers import read_csv
from oversight.sources.base import (
    FileInfo,
    Layout,
    Recognition,
    SourceSpec,
    check_not_future,
    normalise_header,
    parse_count,
    record_from_cells,
)

if TYPE_CHECKING:
    from oversight.peek import Peek

HEADERS = (
    "ODS code",
    "Year",
    "Organisation name",
    "Benchmarking group",
    "Region",
    "ICS/STP",
    "Weighting",
    "Autonomy_base",
    "Autonomy_rate",
    "Burned_out_base",
    "Burned_out_ever_rate",
    "Burned_out_rate",
    "Burned_out_response_rate",
    "Burned_out_sometimes_rate",
    "Discrimination_internal_base",
    "Discrimination_internal_rate",
    "Discrimination_public_base",
    "Discrimination_public_rate",
    "Emotional_colleagues_base",
    "Emotional_colleagues_rate",
    "Emotional_manager_base",
    "Emotional_manager_rate",
    "Emotional_public_base",
    "Emotional_public_rate",
    "Emotionally_exhausting_base",
    "Emotionally_exhausting_ever_rate",
    "Emotionally_exhausting_rate",
    "Emotionally_exhausting_response_rate",
    "Emotionally_exhausting_sometimes_rate",
    "Enough_staff_base",
    "Enough_staff_rate",
    "Ethnic_minority_base",
    "Ethnic_minority_rate",
    "Female_base",
    "Female_rate",
    "Frustration_base",
    "Frustration_ever_rate",
    "Frustration_rate",
    "Frustration_response_rate",
    "Frustration_sometimes_rate",
    "ICS",
    "Mastery_base",
    "Mastery_meaning_rate",
    "Med_Dental_base",
    "Med_Dental_rate",
    "Membership_base",
    "Membership_rate",
    "Older_base",
    "Older_rate",
    "Patient_facing_base",
    "Patient_facing_rate",
    "Physical_colleagues_base",
    "Physical_colleagues_rate",
    "Physical_manager_base",
    "Physical_manager_rate",
    "Physical_public_base",
    "Physical_public_rate",
    "Religion_Any_other_rate",
    "Religion_base",
    "Religion_Buddhist_rate",
    "Religion_Christian_rate",
    "Religion_Decline_answer_rate",
    "Religion_Hindu_rate",
    "Religion_Jewish_rate",
    "Religion_Muslim_rate",
    "Religion_None_rate",
    "Religion_Sikh_rate",
    "Respondents",
    "Sexual_minority_base",
    "Sexual_minority_rate",
    "Stress_base",
    "Stress_rate",
    "Time_demands_meet_base",
    "Time_demands_meet_rate",
)
_RENAMED = {"ODS code": "org_code", "Organisation name": "org_name"}


def raw_column(header: str) -> str:
    """``Burned_out_rate`` -> ``burned_out_rate``, ``ICS/STP`` -> ``ics_stp``, ``ODS code`` -> org_code."""
    return _RENAMED.get(header) or re.sub(r"[^a-z0-9]+", "_", header.lower()).strip("_")


NSS_MERGED_2021 = Layout(
    name="nss_merged_well_being_2021", columns=tuple((h, raw_column(h)) for h in HEADERS)
)
RATE_COLUMNS = tuple(raw_column(h) for h in HEADERS if h.endswith("_rate"))
COUNT_COLUMNS = tuple(raw_column(h) for h in HEADERS if h.endswith("_base") or h == "Respondents")
MISSING = {"", "-", "NA", "<NA>"}
FIRST_SURVEY_YEAR = 2003  # the national NHS Staff Survey began in 2003

_FILE_NAME = re.compile(
    r"^data_trusts_well-being_organisational_results_(?P<first>\d{4})(?:-(?P<last>\d{4}))?"
    r"(?:-v(?P<version>\d+))?\.csv$",
    re.I,
)
_ORG_CODE = re.compile(r"^[A-Z0-9]{3,6}(/[A-Z0-9]{3,6})*$")
_YEAR = re.compile(r"^\d{4}$")


def year_range(path: Path) -> tuple[int, int]:
    match = _FILE_NAME.match(path.name)
    if not match:
        raise BadInputError(
            path.name,
            "file_name_matches_publisher",
            "expected data_trusts_well-being_organisational_results_<YYYY>[-<YYYY>].csv",
        )
    first = int(match["first"])
    return first, int(match["last"] or first)


class StaffSurveyOrganisations(SourceSpec):
    name = "staff_survey"
    raw_table = "staff_survey_organisation_results"
    description = "NHS Staff Survey organisation results 2021 onwards, merged across years (rates 0-100)."
    cadence = "annual (results published around March for the previous autumn's survey)"
    layouts = (NSS_MERGED_2021,)
    file_pattern = _FILE_NAME
    header_search_rows = 1

    raw_not_null = ("org_code", "year", "org_name")
    raw_regex = {  # noqa: RUF012
        "org_code": _ORG_CODE.pattern,
        "year": _YEAR.pattern,
        "respondents": r"^[0-9]+(\.[0-9]+)?$",
    }
    raw_unique_per_load = ("org_code", "year")

    def file_info(self, path: Path) -> FileInfo:
        first, last = year_range(path)
        match = _FILE_NAME.match(path.name)
        assert match is not None
        if first > last:
            raise BadInputError(
                path.name, "file_name_matches_publisher", f"years {first}-{last} run backwards"
            )
        return FileInfo(period=date(last, 1, 1), revision=max(int(match["version"] or 1) - 1, 0))

    def recognise(self, peek: Peek) -> Recognition:
        """By content: a CSV whose header is the merged file's 74 columns; the period is the last
        survey year, from the name (``..._2021-2024.csv``) or else the largest ``Year`` in the first
        rows (the rows are in year order, so a peek may not reach the last year)."""
        try:
            info = self.file_info(peek.path)
            name_period, revision = info.period, info.revision
        except BadInputError:
            name_period, revision = None, 0
        rows = peek.first_rows if peek.kind == "csv" else []
        header = {normalise_header(c) for c in rows[0]} if rows else set()
        required = NSS_MERGED_2021.required_headers
        overlap = len(required & header)
        if overlap < len(required):
            return Recognition(
                self.name,
                False,
                min(90, 100 * overlap // len(required)),
                f"not the merged staff survey header ({overlap} of {len(required)} columns)"
                if header
                else f"not a CSV file ({peek.kind})",
                name_period=name_period,
            )
        year_index = [normalise_header(c) for c in rows[0]].index("year")
        years = sorted(
            {int(r[year_index]) for r in rows[1:] if len(r) > year_index and _YEAR.match(r[year_index])}
        )
        period = name_period or (date(years[-1], 1, 1) if years else None)
        return Recognition(
            self.name,
            True,
            100,
            f"NHS Staff Survey organisation results merged across years: the 74-column header; Year "
            f"{years[0] if years else '?'}.. in the first rows",
            period=period,
            revision=revision,
            name_period=name_period,
        )

    def rows(self, path: Path, info: FileInfo) -> Iterator[tuple[int, str, dict[str, str]]]:
        assert info.period is not None
        check_not_future(path, info.period)
        years = year_range(path)
        lines = read_csv(path)
        header = self.find_header(path, lines)
        seen: dict[tuple[str, str], int] = {}
        for row_number, cells in lines:
            if not any(c.strip() for c in cells):
                continue
            record = record_from_cells(path, row_number, cells, header)
            if len(record) < len(header.positions):
                raise BadInputError(
                    path.name,
                    "row_is_complete",
                    f"{len(record)} of {len(header.positions)} columns",
                    row=row_number,
                )
            self._check(path, row_number, record, years, seen)
            yield row_number, header.layout.name, record

    @staticmethod
    def _check(
        path: Path,
        row_number: int,
        record: dict[str, str],
        years: tuple[int, int],
        seen: dict[tuple[str, str], int],
    ) -> None:
        code = record["org_code"].strip()
        if not code:
            raise BadInputError(path.name, "org_code_present", "ODS code is empty", row=row_number)
        if not _ORG_CODE.match(code):
            raise BadInputError(path.name, "org_code_is_ods_code", f"ODS code {code!r}", row=row_number)
        year_text = record["year"].strip()
        if not _YEAR.match(year_text):
            raise BadInputError(path.name, "year_is_a_year", f"Year = {year_text!r}", row=row_number)
        year, today = int(year_text), date.today()
        if year > today.year:
            raise BadInputError(
                path.name, "year_not_in_future", f"Year {year} is after {today.year}", row=row_number
            )
        first, last = years
        if not (max(first, FIRST_SURVEY_YEAR) <= year <= last):
            raise BadInputError(
                path.name,
                "year_in_file_name_range",
                f"Year {year} is outside {first}-{last}, the years the file name covers",
                row=row_number,
            )
        key = (code, year_text)
        if key in seen:
            raise BadInputError(
                path.name,
                "one_row_per_organisation_and_year",
                f"{code} {year} already on row {seen[key]}",
                row=row_number,
            )
        seen[key] = row_number
        for column in COUNT_COLUMNS:
            if record[column].strip() not in MISSING:
                parse_count(path, row_number, column, record[column])
        for column in RATE_COLUMNS:
            text = record[column].strip()
            if text in MISSING:
                continue
            try:
                rate = float(text)
            except ValueError:
                raise BadInputError(
                    path.name, "rate_is_a_number", f"{column} = {text!r} is not a number", row=row_number
                ) from None
            if not 0 <= rate <= 100:
                raise BadInputError(
                    path.name,
                    "rate_within_0_100",
                    f"{code} {year}: {column} = {text} is outside 0..100",
                    row=row_number,
                )


STAFF_SURVEY = StaffSurveyOrganisations()
SOURCE = STAFF_SURVEY
