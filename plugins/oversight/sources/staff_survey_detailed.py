"""NHS Staff Survey: the publisher's own organisation workbook ("detailed spreadsheets,
organisational results"), e.g. ``NSS24 detailed spreadsheets organisational results.xlsx`` (survey
2024, published March 2025). Loaded long: one raw row per organisation x sheet x question x
response column.

Layout ``nss_detailed_org_2024``: a ``Notes`` sheet, then one sheet per question group
(``YOUR JOB Q1-3`` ... ``BACKGROUND INFORMATION Q31-35``) and the score sheets ``PEOPLE PROMISE
ELEMENTS`` and ``THEMES``. Every sheet: row 1 ``NHS Staff Survey <year> - WEIGHTED Results`` in
column A and, above each block of columns, the question (``Q12b - How often ... burnt out ...``,
``PP3_2 - Raising concerns``, ``Staff Engagement - Staff engagement``); the header in row 5: ``ODS
code, Organisation name, Benchmarking group, Region, ICS, Weighting``, then per block its response
columns (``% Often``; on the score sheets ``PP3_2 - score``, 0-10) and ``Base (number of
responses)``, the block's last column. One row per organisation: trusts, ICBs, CSUs and social
enterprises (``Benchmarking group``); ``Weighting`` is ``Occupation Group`` for trusts and social
enterprises, ``Unweighted`` otherwise. ``-`` marks a result suppressed for fewer than 10 responses.

Raw columns: the six identifiers, ``sheet``, ``question`` (code: ``Q12b``, ``PP3_2``, ``Staff
Engagement``), ``question_text``, ``response`` (the column header), ``source_column`` (its letter,
so an auditor finds the cell: sheet, ``_row_number``, ``source_column``), ``value`` (as published),
``base`` (the block's base), ``survey_year``.

Period: the survey year from row 1 (``2024`` -> 2024-01-01, the merged file's convention); the file
name (``NSS<yy> ...``) states it too and must agree (rule ``period_matches_file_name``).

Rules: the THEMES and PEOPLE PROMISE ELEMENTS sheets are present; every data sheet names the same
survey year, has the six identifier columns, a question above each block and a base column ending
each block, response columns that are percentages (``% ...``) or scores (``... - score``); an ODS
code on every row, one row per organisation and sheet; values are numbers or ``-``, percentages
within 0..100, scores within 0..10, bases non-negative counts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from oversight.errors import BadInputError
from oversight.sources.base import (
    FileInfo,
    Layout,
    Recognition,
    SourceSpec,
    check_not_future,
    normalise_header,
    parse_count,
)

if TYPE_CHECKING:
    from oversight.peek import Peek

LANDING_FOLDER = "staff_survey"
SCORE_SHEETS = ("PEOPLE PROMISE ELEMENTS", "THEMES")
IGNORED_SHEETS = {"notes"}
HEADER_SEARCH_ROWS = 10
BASE_HEADER = "base (number of responses)"
SUPPRESSED = "-"

ID_COLUMNS = (
    ("ODS code", "org_code"),
    ("Organisation name", "org_name"),
    ("Benchmarking group", "benchmarking_group"),
    ("Region", "region"),
    ("ICS", "ics"),
    ("Weighting", "weighting"),
)
LONG_COLUMNS = (
    "sheet",
    "question",
    "question_text",
    "response",
    "source_column",
    "value",
    "base",
    "survey_year",
)
NSS_DETAILED = Layout(name="nss_detailed_org_2024", columns=ID_COLUMNS)
WEIGHTINGS = ("Occupation Group", "Unweighted")
NUMBER = r"^[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?$"

# The publisher's name only (file_pattern: the name alone claims a file); other names are taken by
# their content, their survey year read from a looser match of the name (_NAME_YEAR)
_FILE_NAME = re.compile(r"^NSS(?P<yy>\d{2}) detailed spreadsheets organisational results\.xlsx$", re.I)
_NAME_YEAR = re.compile(r"^NSS(?P<yy>\d{2})\b.*detailed spreadsheets.*organisation.*\.xlsx$", re.I)
_TITLE = re.compile(r"^NHS Staff Survey (?P<year>\d{4})\b", re.I)
_QUESTION = re.compile(r"^(?P<code>.+?)\s+-\s+(?P<text>.+)$", re.S)
_ORG_CODE = re.compile(r"^[A-Z0-9]{3,6}$")


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def title_year(cells: list[str]) -> int | None:
    match = _TITLE.match(cells[0].strip()) if cells else None
    return int(match["year"]) if match else None


class StaffSurveyDetailed(SourceSpec):
    name = "staff_survey_detailed"
    landing_folder = LANDING_FOLDER
    raw_table = "staff_survey_detailed_results"
    description = (
        "NHS Staff Survey organisation workbook as published (detailed spreadsheets): one row per "
        "organisation, sheet, question and response column (percentages 0-100, scores 0-10)."
    )
    cadence = "annual (results published around March for the previous autumn's survey)"
    layouts = (NSS_DETAILED,)
    file_pattern = _FILE_NAME
    header_search_rows = HEADER_SEARCH_ROWS
    period_grain = "year"
    publication_lag_months = 15  # survey year Y (autumn) is published in March of Y + 1

    raw_not_null = ("org_code", "org_name", "sheet", "question", "response", "source_column", "survey_year")
    raw_regex = {  # noqa: RUF012
        "org_code": _ORG_CODE.pattern,
        "value": rf"^-$|{NUMBER}",
        "base": r"^-$|^[0-9]+$",
        "survey_year": r"^[0-9]{4}$",
    }
    raw_value_sets = {"weighting": WEIGHTINGS}  # noqa: RUF012
    raw_unique_per_load = ("sheet", "_row_number", "source_column")

    @property
    def raw_columns(self) -> list[str]:
        return [*super().raw_columns, *LONG_COLUMNS]

    def discover(self, landing_dir: Path) -> list[Path]:
        folder = landing_dir / self.landing_folder
        if not folder.is_dir():
            return []
        files = [p for p in folder.iterdir() if p.is_file() and self.file_pattern.search(p.name)]
        return sorted(files, key=lambda p: (self.file_info(p).period or date.min, p.name))

    def file_info(self, path: Path) -> FileInfo:
        match = _NAME_YEAR.match(path.name)
        if not match:
            raise BadInputError(
                path.name,
                "file_name_matches_publisher",
                "expected NSS<yy> detailed spreadsheets organisational results.xlsx",
            )
        return FileInfo(period=date(2000 + int(match["yy"]), 1, 1))

    def recognise(self, peek: Peek) -> Recognition:
        """By content: the THEMES and PEOPLE PROMISE ELEMENTS sheets, row 1 ``NHS Staff Survey <year>``
        and the identifier header (ODS code ... Weighting)."""
        try:
            name_period = self.file_info(peek.path).period
        except BadInputError:
            name_period = None
        present = [s for s in SCORE_SHEETS if s in peek.sheets]
        if len(present) < len(SCORE_SHEETS):
            return Recognition(
                self.name,
                False,
                30 * len(present) + (20 if name_period else 0),
                f"no {[s for s in SCORE_SHEETS if s not in peek.sheets]} sheet(s)",
                name_period=name_period,
            )
        rows = peek.sheets["THEMES"]
        year = next((y for r in rows[:3] if (y := title_year(r)) is not None), None)
        expected = [normalise_header(h) for h, _ in ID_COLUMNS]
        has_header = any([normalise_header(c) for c in r[: len(expected)]] == expected for r in rows)
        if year is None or not has_header:
            return Recognition(
                self.name,
                False,
                60,
                "THEMES and PEOPLE PROMISE ELEMENTS sheets, but no 'NHS Staff Survey <year>' title or no "
                "ODS code ... Weighting header",
                name_period=name_period,
            )
        return Recognition(
            self.name,
            True,
            100,
            f"NHS Staff Survey {year} organisation workbook: sheets {list(SCORE_SHEETS)}, title "
            f"'NHS Staff Survey {year}', header ODS code ... Weighting",
            period=date(year, 1, 1),
            name_period=name_period,
        )

    def rows(self, path: Path, info: FileInfo) -> Iterator[tuple[int, str, dict[str, str]]]:
        from oversight.workbooks import Workbook

        assert info.period is not None
        check_not_future(path, info.period)
        with Workbook(path) as workbook:
            missing = [s for s in SCORE_SHEETS if s not in workbook.sheetnames]
            if missing:
                raise BadInputError(
                    path.name,
                    "workbook_has_theme_sheets",
                    f"missing sheets: {missing} (found {workbook.sheetnames})",
                )
            for sheet in workbook.sheetnames:
                if normalise_header(sheet) in IGNORED_SHEETS:
                    continue
                yield from self._sheet_rows(path, sheet, workbook.rows(sheet), info.period.year)

    def _sheet_rows(
        self, path: Path, sheet: str, lines: Iterator[tuple[int, list[str]]], year: int
    ) -> Iterator[tuple[int, str, dict[str, str]]]:
        where = f"sheet {sheet!r}"
        questions: list[str] = []
        header: list[str] | None = None
        header_row = 0
        for row_number, cells in lines:
            if row_number == 1:
                found = title_year(cells)
                if found is None:
                    raise BadInputError(
                        path.name,
                        "title_names_survey_year",
                        f"{where}: A1 is {cells[0] if cells else ''!r}, not 'NHS Staff Survey <year> ...'",
                        row=1,
                    )
                if found != year:
                    raise BadInputError(
                        path.name,
                        "period_matches_file_name",
                        f"{where}: the title says survey {found}, the file name says {year}",
                        row=1,
                    )
                questions = cells
            if cells and normalise_header(cells[0]) == "ods code":
                header, header_row = cells, row_number
                break
            if row_number >= HEADER_SEARCH_ROWS:
                break
        if header is None:
            raise BadInputError(
                path.name,
                "header_matches_a_known_layout",
                f"{where}: no header row (ODS code, Organisation name ...) in the first "
                f"{HEADER_SEARCH_ROWS} rows",
                row=1,
            )
        blocks = self._blocks(path, sheet, questions, header, header_row)
        seen: dict[str, int] = {}
        width = len(header)
        for row_number, cells in lines:
            if not any(c.strip() for c in cells):
                continue
            if len(cells) > width:
                raise BadInputError(
                    path.name,
                    "row_fits_header",
                    f"{where}: value {cells[width]!r} in column {column_letter(width)}, which has no header",
                    row=row_number,
                )
            ids = {
                column: cells[i].strip() if i < len(cells) else "" for i, (_, column) in enumerate(ID_COLUMNS)
            }
            code = ids["org_code"]
            if not _ORG_CODE.match(code):
                raise BadInputError(
                    path.name, "org_code_is_ods_code", f"{where}: ODS code {code!r}", row=row_number
                )
            if code in seen:
                raise BadInputError(
                    path.name,
                    "one_row_per_organisation",
                    f"{where}: {code} already on row {seen[code]}",
                    row=row_number,
                )
            seen[code] = row_number
            if ids["weighting"] not in WEIGHTINGS:
                raise BadInputError(
                    path.name,
                    "weighting_is_known",
                    f"{where}: {code}: Weighting {ids['weighting']!r} is not one of {list(WEIGHTINGS)}",
                    row=row_number,
                )
            for question, text, responses, base_index in blocks:
                base = cells[base_index].strip() if base_index < len(cells) else ""
                if base != SUPPRESSED:
                    parse_count(path, row_number, f"{where}: {question} base", base)
                for index, response in responses:
                    value = cells[index].strip() if index < len(cells) else ""
                    self._check_value(path, where, row_number, code, question, response, value)
                    yield (
                        row_number,
                        NSS_DETAILED.name,
                        {
                            **ids,
                            "sheet": sheet,
                            "question": question,
                            "question_text": text,
                            "response": response,
                            "source_column": column_letter(index),
                            "value": value,
                            "base": base,
                            "survey_year": str(year),
                        },
                    )

    @staticmethod
    def _blocks(
        path: Path, sheet: str, questions: list[str], header: list[str], header_row: int
    ) -> list[tuple[str, str, list[tuple[int, str]], int]]:
        """(question code, question text, [(column index, response header)], base column index) per
        block; a block starts where row 1 names a question and ends with its base column."""
        where = f"sheet {sheet!r}"
        expected = [normalise_header(h) for h, _ in ID_COLUMNS]
        if [normalise_header(c) for c in header[: len(expected)]] != expected:
            raise BadInputError(
                path.name,
                "header_matches_a_known_layout",
                f"{where}: the header starts {header[: len(expected)]}, "
                f"expected {[h for h, _ in ID_COLUMNS]}",
                row=header_row,
            )
        starts = [i for i, text in enumerate(questions) if i >= len(ID_COLUMNS) and text.strip()]
        if not starts or starts[0] != len(ID_COLUMNS):
            raise BadInputError(
                path.name,
                "question_above_each_block",
                f"{where}: no question in row 1 above column {column_letter(len(ID_COLUMNS))}",
                row=1,
            )
        blocks = []
        for n, start in enumerate(starts):
            end = starts[n + 1] if n + 1 < len(starts) else len(header)
            match = _QUESTION.match(questions[start].strip())
            if not match:
                raise BadInputError(
                    path.name,
                    "question_above_each_block",
                    f"{where}: {questions[start]!r} above column {column_letter(start)} "
                    "is not '<code> - <question>'",
                    row=1,
                )
            cells = [(i, header[i].strip() if i < len(header) else "") for i in range(start, end)]
            if not cells or normalise_header(cells[-1][1]) != BASE_HEADER:
                raise BadInputError(
                    path.name,
                    "question_block_has_base",
                    f"{where}: the block of {match['code']} (columns {column_letter(start)}-"
                    f"{column_letter(end - 1)}) does not end with 'Base (number of responses)'",
                    row=header_row,
                )
            responses = cells[:-1]
            for index, response in responses:
                if not (response.startswith("%") or normalise_header(response).endswith("- score")):
                    raise BadInputError(
                        path.name,
                        "response_is_percentage_or_score",
                        f"{where}: column {column_letter(index)} header {response!r} is neither '% ...' "
                        "nor '... - score'",
                        row=header_row,
                    )
            blocks.append((match["code"].strip(), match["text"].strip(), responses, cells[-1][0]))
        return blocks

    @staticmethod
    def _check_value(
        path: Path, where: str, row_number: int, code: str, question: str, response: str, value: str
    ) -> None:
        if value == SUPPRESSED:
            return
        try:
            number = float(value)
        except ValueError:
            raise BadInputError(
                path.name,
                "value_is_a_number",
                f"{where}: {code} {question} {response!r} = {value!r} is neither a number nor '-'",
                row=row_number,
            ) from None
        limit = 100 if response.startswith("%") else 10
        if not 0 <= number <= limit:
            raise BadInputError(
                path.name,
                "value_within_range",
                f"{where}: {code} {question} {response!r} = {value} is outside 0..{limit}",
                row=row_number,
            )


STAFF_SURVEY_DETAILED = StaffSurveyDetailed()
SOURCE = STAFF_SURVEY_DETAILED
