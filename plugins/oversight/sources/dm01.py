"""Diagnostics Waiting Times and Activity (DM01): NHS England's monthly provider workbook.

File names: ``Monthly-Diagnostics-Web-File-Provider-<Month>-<Year>[-revised][_<suffix>].xlsx``
(NHS England adds a short random suffix such as ``_pRH8T`` to some issues). Sheet ``Provider``:
a title block (``Title:``, ``Summary:``, ``Period: <Month> <Year>`` ...), the header around
row 13, then the national and regional total rows, then one row per provider.

Columns (DOMAIN.md §4): ``Provider Code, Provider Name, Total Waiting List, Number waiting 6+ Weeks,
Number waiting 13+ Weeks, Percentage waiting 6+ weeks``. The percentage is stored as a fraction
(0.2345 for 23.45 %), as in a percent-formatted spreadsheet cell.

Total rows carry ``TOTAL`` in ``Provider Code`` (national: ``ENGLAND`` in ``Provider Name``;
regional: the region's name); they are loaded to raw, checked like any row except for
one-row-per-provider, and dropped in staging (stg_dm01__provider_monthly).

The publisher issues legacy ``.xls`` (BIFF) workbooks; the warehouse reads ``.xlsx`` only (no xlrd
in the lock file), so an ``.xls`` that is not really a zipped workbook is rejected with rule
``workbook_is_xlsx`` telling the engineer to save it as ``.xlsx`` under the same name.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

from oversight.errors import BadInputError
from oversight.sources.base import (
    MONTHS,
    FileInfo,
    Layout,
    SourceSpec,
    check_not_future,
    normalise_header,
    parse_count,
    record_from_cells,
)

SHEET = "Provider"

DM01_PROVIDER = Layout(
    name="dm01_provider_2019",
    columns=(
        ("Provider Code", "provider_code"),
        ("Provider Name", "provider_name"),
        ("Total Waiting List", "total_waiting_list"),
        ("Number waiting 6+ Weeks", "waiting_6wk_plus"),
        ("Number waiting 13+ Weeks", "waiting_13wk_plus"),
        ("Percentage waiting 6+ weeks", "pct_waiting_6wk_plus"),
    ),
)
COUNT_COLUMNS = ("total_waiting_list", "waiting_6wk_plus", "waiting_13wk_plus")
NUMERIC_COLUMNS = (*COUNT_COLUMNS, "pct_waiting_6wk_plus")
# The published fraction is rounded; 0.0005 is half a unit of a percentage shown to one decimal.
PERCENTAGE_TOLERANCE = 0.0005

_FILE_NAME = re.compile(
    r"^Monthly-Diagnostics-Web-File-Provider-(?P<month>[A-Za-z]+)-(?P<year>\d{4})"
    r"(?P<revised>-revised)?(?:_[A-Za-z0-9]+)?\.xlsx?$",
    re.I,
)
_TITLE_PERIOD = re.compile(r"^(?P<month>[A-Za-z]+)\s+(?P<year>\d{4})$")
_TOTAL_CODES = {"TOTAL", "ENGLAND"}


def is_total_row(record: dict[str, str]) -> bool:
    return record.get("provider_code", "").strip().upper() in _TOTAL_CODES


def is_note_row(record: dict[str, str]) -> bool:
    """A blank row, or a footnote under the table: no numbers, no provider name, and no code
    (or free text with spaces where the code would be)."""
    if any(record.get(c, "").strip() for c in (*NUMERIC_COLUMNS, "provider_name")):
        return False
    code = record.get("provider_code", "").strip()
    return not code or " " in code


def cell_text(value: object) -> str:
    """A spreadsheet cell as the text a person reads: 123.0 -> '123', None -> ''."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime | date):
        return value.isoformat()[:10]
    return str(value)


def read_xlsx(path: Path, sheet: str) -> Iterator[tuple[int, list[str]]]:
    """Rows of one sheet of an .xlsx workbook (openpyxl read-only, streamed) with 1-based row numbers."""
    if not zipfile.is_zipfile(path):
        raise BadInputError(
            path.name,
            "workbook_is_xlsx",
            "not a zipped .xlsx workbook (a legacy .xls must be saved as .xlsx under the same name; "
            "the lock file has no .xls reader)",
        )
    from openpyxl import load_workbook  # heavy: imported only when a file is read

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile, KeyError, InvalidFileException, XML errors
        raise BadInputError(path.name, "workbook_is_readable", f"openpyxl cannot open it ({exc})") from None
    try:
        if sheet not in workbook.sheetnames:
            raise BadInputError(
                path.name, "workbook_has_provider_sheet", f"no sheet {sheet!r} (found {workbook.sheetnames})"
            )
        worksheet = workbook[sheet]
        worksheet.reset_dimensions()  # do not trust the <dimension> record of the writing program
        rows = enumerate(worksheet.iter_rows(min_row=1, values_only=True), start=1)
        while True:
            try:
                row_number, values = next(rows)
            except StopIteration:
                return
            except Exception as exc:  # zlib / XML errors in a truncated or damaged sheet part
                raise BadInputError(
                    path.name, "workbook_is_readable", f"sheet {sheet!r} is damaged ({exc})"
                ) from None
            cells = [cell_text(v) for v in values]
            while cells and not cells[-1].strip():
                cells.pop()
            yield row_number, cells
    finally:
        workbook.close()


class Dm01Provider(SourceSpec):
    name = "dm01"
    raw_table = "dm01_provider_monthly"
    description = "Diagnostics Waiting Times and Activity (DM01), monthly provider workbook, sheet Provider."
    cadence = "monthly (second Thursday, with the combined performance summary)"
    layouts = (DM01_PROVIDER,)
    file_pattern = _FILE_NAME
    header_search_rows = 30
    period_grain = "month"
    publication_lag_months = 1  # month M is published on the second Thursday of month M+1

    raw_not_null = ("provider_code", "total_waiting_list", "waiting_6wk_plus", "waiting_13wk_plus")
    raw_regex = {  # noqa: RUF012
        "total_waiting_list": r"^[0-9]+(\.[0-9]+)?$",
        "waiting_6wk_plus": r"^[0-9]+(\.[0-9]+)?$",
        "waiting_13wk_plus": r"^[0-9]+(\.[0-9]+)?$",
        "pct_waiting_6wk_plus": r"^([0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?)?$",
    }
    raw_unique_per_load = ("provider_code", "provider_name")

    def file_info(self, path: Path) -> FileInfo:
        match = _FILE_NAME.match(path.name)
        if not match or match["month"].lower() not in MONTHS:
            raise BadInputError(
                path.name,
                "file_name_matches_publisher",
                "expected Monthly-Diagnostics-Web-File-Provider-<Month>-<Year>[-revised][_<suffix>].xlsx",
            )
        period = date(int(match["year"]), MONTHS[match["month"].lower()], 1)
        return FileInfo(period=period, revision=1 if match["revised"] else 0)

    def rows(self, path: Path, info: FileInfo) -> Iterator[tuple[int, str, dict[str, str]]]:
        assert info.period is not None
        check_not_future(path, info.period)
        lines = read_xlsx(path, SHEET)
        header = self._find_header_checking_title(path, lines, info.period)
        seen: dict[str, int] = {}
        for row_number, cells in lines:
            record = record_from_cells(path, row_number, cells, header)
            if is_note_row(record):
                continue
            self._check(path, row_number, record, seen)
            yield row_number, header.layout.name, {c: record.get(c, "") for c in self.raw_columns}

    def _find_header_checking_title(self, path: Path, lines: Iterator[tuple[int, list[str]]], period: date):
        """The header row; on the way, the title block's ``Period:`` must name the file's month."""

        def title_rows() -> Iterator[tuple[int, list[str]]]:
            for row_number, cells in lines:
                if cells and normalise_header(cells[0]) == "period:" and len(cells) > 1:
                    match = _TITLE_PERIOD.match(cells[1].strip())
                    if not match or match["month"].lower() not in MONTHS:
                        raise BadInputError(
                            path.name, "title_period_is_month_year", f"Period: {cells[1]!r}", row=row_number
                        )
                    named = date(int(match["year"]), MONTHS[match["month"].lower()], 1)
                    if named != period:
                        raise BadInputError(
                            path.name,
                            "period_matches_file_name",
                            f"title block says Period: {cells[1]!r}, the file name says {period:%B %Y}",
                            row=row_number,
                        )
                yield row_number, cells

        return self.find_header(path, title_rows())

    @staticmethod
    def _check(path: Path, row_number: int, record: dict[str, str], seen: dict[str, int]) -> None:
        code = record.get("provider_code", "").strip()
        if not code:
            raise BadInputError(path.name, "provider_code_present", "Provider Code is empty", row=row_number)
        for column in COUNT_COLUMNS:
            if not record.get(column, "").strip():
                raise BadInputError(path.name, "row_is_complete", f"{column} is empty", row=row_number)
        total, over_6, over_13 = (parse_count(path, row_number, c, record[c]) for c in COUNT_COLUMNS)
        if over_6 > total:
            raise BadInputError(
                path.name,
                "waiting_6wk_not_above_total",
                f"{code}: waiting 6+ weeks = {over_6:g} > total waiting list = {total:g}",
                row=row_number,
            )
        if over_13 > over_6:
            raise BadInputError(
                path.name,
                "waiting_13wk_not_above_6wk",
                f"{code}: waiting 13+ weeks = {over_13:g} > waiting 6+ weeks = {over_6:g}",
                row=row_number,
            )
        pct_text = record.get("pct_waiting_6wk_plus", "").strip()
        if pct_text:
            pct = parse_count(path, row_number, "pct_waiting_6wk_plus", pct_text)
            expected = over_6 / total if total else 0.0
            if pct > 1 or abs(pct - expected) > PERCENTAGE_TOLERANCE:
                raise BadInputError(
                    path.name,
                    "percentage_matches_counts",
                    f"{code}: Percentage waiting 6+ weeks = {pct_text} but {over_6:g} / {total:g} = "
                    f"{expected:.4f} (a fraction, within {PERCENTAGE_TOLERANCE})",
                    row=row_number,
                )
        elif total > 0:
            raise BadInputError(
                path.name, "row_is_complete", f"{code}: Percentage waiting 6+ weeks is empty", row=row_number
            )
        if is_total_row(record):
            return
        if code in seen:
            raise BadInputError(
                path.name,
                "one_row_per_provider",
                f"Provider Code {code} already on row {seen[code]}",
                row=row_number,
            )
        seen[code] = row_number


DM01_PROVIDER_MONTHLY = Dm01Provider()
SOURCE = DM01_PROVIDER_MONTHLY
