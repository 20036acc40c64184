"""Diagnostics Waiting Times and Activity (DM01): NHS England's monthly provider workbook.

File names: ``Monthly-Diagnostics-Web-File-Provider-<Month>-<Year>[-revised][_<suffix>].xls[x]``
(NHS England adds a short random suffix such as ``_3EY67`` to some issues). Read with
python-calamine (oversight.workbooks): the publisher's legacy ``.xls`` (BIFF/OLE2) and ``.xlsx``.

Two layouts:

- ``dm01_provider_2025_xls``, the publisher's web file (real, April-July 2025): sheets ``Provider``
  and ``Provider by Test``, both loaded (column ``sheet``). A title block in column B (``Title:``,
  ``Summary:``, ``Period: April 2025``, ``Source:``, ``Basis:``, ``Published:``, ``Revised:``,
  ``Status:``), a band-label row, the header in row 14 (``Regional Team Code, Regional Team Name,
  Provider Code, Provider Name, [Diagnostic ID, Diagnostic Test Name,] Total Waiting List, Number
  waiting 6+ Weeks, Number waiting 13+ Weeks, Percentage waiting 6+ weeks``, the weekly bands
  ``0 <01 weeks`` ... ``13+ weeks``, a blank spacer, then the month's activity: planned,
  unscheduled and waiting-list tests). Row 15 is the England total (``Total`` in Provider Name, no
  code); on ``Provider by Test`` every provider also has a ``Total`` test (Diagnostic ID 16).
- ``dm01_provider_2019``, the older six-column ``Provider`` sheet (the constructed samples):
  ``Provider Code, Provider Name, Total Waiting List, Number waiting 6+ Weeks, Number waiting 13+
  Weeks, Percentage waiting 6+ weeks``, national and regional totals with ``TOTAL`` as the code.

The percentage is a fraction (0.2124 for 21.24 %). Total rows are loaded to raw, checked like any
row except for one-row-per-provider, and dropped in staging (stg_dm01__provider_monthly,
stg_dm01__provider_test_monthly).

Period: the title block's ``Period:`` cell states the month; it must be the month of the file name
(rule ``period_matches_file_name``, naming both). Revision: ``-revised`` in the name, or a date or
text in the ``Revised:`` cell, is revision 1.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from oversight.errors import BadInputError
from oversight.sources.base import (
    MONTHS,
    FileInfo,
    HeaderMatch,
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

PROVIDER_SHEET = "Provider"
BY_TEST_SHEET = "Provider by Test"
SHEETS = (PROVIDER_SHEET, BY_TEST_SHEET)

_HEADLINE = (
    ("Total Waiting List", "total_waiting_list"),
    ("Number waiting 6+ Weeks", "waiting_6wk_plus"),
    ("Number waiting 13+ Weeks", "waiting_13wk_plus"),
    ("Percentage waiting 6+ weeks", "pct_waiting_6wk_plus"),
)
_WEEK_BANDS = tuple(
    (f"{w:02d} <{w + 1:02d} weeks" if w else "0 <01 weeks", f"waiting_{w:02d}_to_{w + 1:02d}_weeks")
    for w in range(13)
) + (("13+ weeks", "waiting_13_plus_weeks"),)
_ACTIVITY = (
    ("Planned tests / procedures", "activity_planned"),
    ("Unscheduled tests / procedures", "activity_unscheduled"),
    ("Waiting list tests / procedures (excluding planned)", "activity_waiting_list"),
)
_REGION = (("Regional Team Code", "region_code"), ("Regional Team Name", "region_name"))
_PROVIDER = (("Provider Code", "provider_code"), ("Provider Name", "provider_name"))
_TEST = (("Diagnostic ID", "diagnostic_id"), ("Diagnostic Test Name", "diagnostic_test_name"))

DM01_PROVIDER = Layout(name="dm01_provider_2019", columns=(*_PROVIDER, *_HEADLINE))
DM01_WEB_FILE = {
    PROVIDER_SHEET: Layout(
        name="dm01_provider_2025_xls", columns=(*_REGION, *_PROVIDER, *_HEADLINE, *_WEEK_BANDS, *_ACTIVITY)
    ),
    BY_TEST_SHEET: Layout(
        name="dm01_provider_by_test_2025_xls",
        columns=(*_REGION, *_PROVIDER, *_TEST, *_HEADLINE, *_WEEK_BANDS, *_ACTIVITY),
    ),
}
SHEET_LAYOUTS = {
    # the six-column layout first: a drifted header is then reported against the layout it is closest to
    PROVIDER_SHEET: (DM01_PROVIDER, DM01_WEB_FILE[PROVIDER_SHEET]),
    BY_TEST_SHEET: (DM01_WEB_FILE[BY_TEST_SHEET],),
}
COUNT_COLUMNS = ("total_waiting_list", "waiting_6wk_plus", "waiting_13wk_plus")
NUMERIC_COLUMNS = (*COUNT_COLUMNS, "pct_waiting_6wk_plus")
# The published fraction is rounded; 0.0005 is half a unit of a percentage shown to one decimal.
PERCENTAGE_TOLERANCE = 0.0005
COUNT_PATTERN = r"^[0-9]+(\.[0-9]+)?$"

_FILE_NAME = re.compile(
    r"^Monthly-Diagnostics-Web-File-Provider-(?P<month>[A-Za-z]+)-(?P<year>\d{4})"
    r"(?P<revised>-revised)?(?:_[A-Za-z0-9]+)?\.xlsx?$",
    re.I,
)
_TITLE_PERIOD = re.compile(r"^(?P<month>[A-Za-z]+)\s+(?P<year>\d{4})$")
_TOTAL_CODES = {"TOTAL", "ENGLAND"}
NOT_REVISED = {"", "-", "n/a", "N/A"}  # what the Revised: cell says of a first issue


def is_total_row(record: dict[str, str]) -> bool:
    """A national or regional total: ``TOTAL`` as the code (2019 layout), or no code and ``Total``
    as the name (the web file's England row), or the ``Total`` test of a provider (by test)."""
    code = record.get("provider_code", "").strip().upper()
    if code in _TOTAL_CODES:
        return True
    return not code and record.get("provider_name", "").strip().upper() == "TOTAL"


def is_note_row(record: dict[str, str]) -> bool:
    """A blank row, or a footnote under the table: no numbers, no provider name, and no code
    (or free text with spaces where the code would be)."""
    if any(record.get(c, "").strip() for c in (*NUMERIC_COLUMNS, "provider_name")):
        return False
    code = record.get("provider_code", "").strip()
    return not code or " " in code


def title_value(cells: list[str], label: str) -> str | None:
    """The value beside a title-block label (``Period:``) in any column, or None."""
    filled = [c.strip() for c in cells if c.strip()]
    if filled and normalise_header(filled[0]) == label:
        return filled[1] if len(filled) > 1 else ""
    return None


def parse_title_period(text: str) -> date | None:
    match = _TITLE_PERIOD.match(text.strip())
    if not match or match["month"].lower() not in MONTHS:
        return None
    return date(int(match["year"]), MONTHS[match["month"].lower()], 1)


class Dm01Provider(SourceSpec):
    name = "dm01"
    raw_table = "dm01_provider_monthly"
    description = (
        "Diagnostics Waiting Times and Activity (DM01), monthly provider workbook, sheets Provider and "
        "Provider by Test (column sheet)."
    )
    cadence = "monthly (second Thursday, with the combined performance summary)"
    layouts = (DM01_WEB_FILE[PROVIDER_SHEET], DM01_WEB_FILE[BY_TEST_SHEET], DM01_PROVIDER)
    file_pattern = _FILE_NAME
    header_search_rows = 30
    period_grain = "month"
    publication_lag_months = 1  # month M is published on the second Thursday of month M+1

    raw_not_null = ("sheet", "total_waiting_list", "waiting_6wk_plus", "waiting_13wk_plus")
    raw_regex = {  # noqa: RUF012
        "total_waiting_list": COUNT_PATTERN,
        "waiting_6wk_plus": COUNT_PATTERN,
        "waiting_13wk_plus": COUNT_PATTERN,
        "pct_waiting_6wk_plus": r"^([0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?)?$",
        "diagnostic_id": r"^[0-9]+$",
        "provider_code": r"^[A-Z0-9]{3,6}$|^TOTAL$",
    }
    raw_value_sets = {"sheet": SHEETS}  # noqa: RUF012
    raw_unique_per_load = ("sheet", "_row_number")

    @property
    def raw_columns(self) -> list[str]:
        return ["sheet", *super().raw_columns]

    def file_info(self, path: Path) -> FileInfo:
        match = _FILE_NAME.match(path.name)
        if not match or match["month"].lower() not in MONTHS:
            raise BadInputError(
                path.name,
                "file_name_matches_publisher",
                "expected Monthly-Diagnostics-Web-File-Provider-<Month>-<Year>[-revised][_<suffix>].xls[x]",
            )
        period = date(int(match["year"]), MONTHS[match["month"].lower()], 1)
        return FileInfo(period=period, revision=1 if match["revised"] else 0)

    def recognise(self, peek: Peek) -> Recognition:
        """By content: a ``Provider`` sheet whose title block says ``Monthly Diagnostics`` / names a
        ``Period:`` and whose header has the DM01 waiting-list columns."""
        try:
            name_period = self.file_info(peek.path).period
        except BadInputError:
            name_period = None
        if not peek.sheets or PROVIDER_SHEET not in peek.sheets:
            score = 20 if name_period else 0
            found = f"sheets {list(peek.sheets)}" if peek.sheets else f"a {peek.kind} file"
            return Recognition(
                self.name, False, score, f"no {PROVIDER_SHEET!r} sheet ({found})", name_period=name_period
            )
        rows = peek.sheets[PROVIDER_SHEET]
        period_text = next((v for r in rows if (v := title_value(r, "period:")) is not None), None)
        revised = next((v for r in rows if (v := title_value(r, "revised:")) is not None), "")
        revised = "" if revised.strip() in NOT_REVISED else revised
        headers = {normalise_header(c) for r in rows for c in r}
        required = {normalise_header(h) for h, _ in (*_PROVIDER, *_HEADLINE)}
        if not required <= headers:
            missing = sorted(required - headers)
            return Recognition(
                self.name,
                False,
                40,
                f"a {PROVIDER_SHEET!r} sheet without the DM01 columns {missing}",
                name_period=name_period,
            )
        period = parse_title_period(period_text or "")
        sheets = [s for s in SHEETS if s in peek.sheets]
        return Recognition(
            self.name,
            True,
            100,
            f"DM01 provider workbook: sheets {sheets}, the waiting-list header, title block "
            f"Period: {period_text!r}" + (f", Revised: {revised!r}" if revised else ""),
            period=period or name_period,
            revision=1 if revised or (name_period and self.file_info(peek.path).revision) else 0,
            name_period=name_period,
        )

    def rows(self, path: Path, info: FileInfo) -> Iterator[tuple[int, str, dict[str, str]]]:
        from oversight.workbooks import Workbook

        assert info.period is not None
        check_not_future(path, info.period)
        with Workbook(path) as workbook:
            if PROVIDER_SHEET not in workbook.sheetnames:
                raise BadInputError(
                    path.name,
                    "workbook_has_provider_sheet",
                    f"no sheet {PROVIDER_SHEET!r} (found {workbook.sheetnames})",
                )
            for sheet in SHEETS:
                if sheet not in workbook.sheetnames:
                    continue
                lines = workbook.rows(sheet)
                header = self._find_header_checking_title(path, sheet, lines, info.period)
                if sheet == BY_TEST_SHEET and header.layout is not DM01_WEB_FILE[BY_TEST_SHEET]:
                    raise BadInputError(
                        path.name, "header_matches_a_known_layout", f"sheet {sheet!r}", row=header.row_number
                    )
                seen: dict[tuple[str, str], int] = {}
                for row_number, cells in lines:
                    record = record_from_cells(path, row_number, cells, header)
                    if is_note_row(record):
                        continue
                    self._check(path, sheet, row_number, record, seen)
                    record = {c: v for c, v in record.items() if v.strip()}  # an empty cell is null in raw
                    record["sheet"] = sheet
                    yield row_number, header.layout.name, record

    def _find_header_checking_title(
        self, path: Path, sheet: str, lines: Iterator[tuple[int, list[str]]], period: date
    ) -> HeaderMatch:
        """The header row; on the way, the title block's ``Period:`` must name the file's month."""

        def title_rows() -> Iterator[tuple[int, list[str]]]:
            for row_number, cells in lines:
                text = title_value(cells, "period:")
                if text:
                    named = parse_title_period(text)
                    if named is None:
                        raise BadInputError(
                            path.name,
                            "title_period_is_month_year",
                            f"sheet {sheet!r}: Period: {text!r}",
                            row=row_number,
                        )
                    if named != period:
                        raise BadInputError(
                            path.name,
                            "period_matches_file_name",
                            f"sheet {sheet!r}: the title block says Period: {text!r}, "
                            f"the file name says {period:%B %Y}",
                            row=row_number,
                        )
                yield row_number, cells

        return _SheetHeader(SHEET_LAYOUTS[sheet]).find_header(path, title_rows())

    @staticmethod
    def _check(
        path: Path, sheet: str, row_number: int, record: dict[str, str], seen: dict[tuple[str, str], int]
    ) -> None:
        code = record.get("provider_code", "").strip()
        total_row = is_total_row(record)
        who = code or record.get("provider_name", "").strip()
        if not code and not total_row:
            raise BadInputError(
                path.name, "provider_code_present", f"sheet {sheet!r}: Provider Code is empty", row=row_number
            )
        for column in COUNT_COLUMNS:
            if not record.get(column, "").strip():
                raise BadInputError(
                    path.name, "row_is_complete", f"sheet {sheet!r}: {column} is empty", row=row_number
                )
        total, over_6, over_13 = (parse_count(path, row_number, c, record[c]) for c in COUNT_COLUMNS)
        if over_6 > total:
            raise BadInputError(
                path.name,
                "waiting_6wk_not_above_total",
                f"{who}: waiting 6+ weeks = {over_6:g} > total waiting list = {total:g}",
                row=row_number,
            )
        if over_13 > over_6:
            raise BadInputError(
                path.name,
                "waiting_13wk_not_above_6wk",
                f"{who}: waiting 13+ weeks = {over_13:g} > waiting 6+ weeks = {over_6:g}",
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
                    f"{who}: Percentage waiting 6+ weeks = {pct_text} but {over_6:g} / {total:g} = "
                    f"{expected:.4f} (a fraction, within {PERCENTAGE_TOLERANCE})",
                    row=row_number,
                )
        elif total > 0:
            raise BadInputError(
                path.name, "row_is_complete", f"{who}: Percentage waiting 6+ weeks is empty", row=row_number
            )
        if total_row:
            return
        key = (code, record.get("diagnostic_id", "").strip())
        if key in seen:
            test = f", Diagnostic ID {key[1]}" if key[1] else ""
            raise BadInputError(
                path.name,
                "one_row_per_provider",
                f"sheet {sheet!r}: Provider Code {code}{test} already on row {seen[key]}",
                row=row_number,
            )
        seen[key] = row_number


class _SheetHeader(SourceSpec):
    """Header matching restricted to one sheet's layouts."""

    header_search_rows = 30

    def __init__(self, layouts: tuple[Layout, ...]) -> None:
        self.layouts = layouts


DM01_PROVIDER_MONTHLY = Dm01Provider()
SOURCE = DM01_PROVIDER_MONTHLY
