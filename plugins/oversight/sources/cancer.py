"""Cancer Waiting Times (CWT): NHS England's monthly provider workbook (.xlsx).

File names: ``<MONTH>-<YYYY>-CWT-CRS-PROVIDER-WORKBOOK[-PROVISIONAL|-FINAL|-REVISED][-V<n>].xlsx``,
e.g. ``APRIL-2025-CWT-CRS-PROVIDER-WORKBOOK-PROVISIONAL.xlsx``. Monthly figures are first issued as
provisional and later finalised: the revision level is 0 for PROVISIONAL, 1 for FINAL or REVISED
(or no label), 2 for FINAL-REVISED, times ten, plus n - 1 for a ``-V<n>`` re-issue; the highest
revision of a month is the one models read (stg_warehouse__loads), earlier vintages stay in raw.

Layout generation ``cwt_2023_10`` (the standards consolidated in October 2023 into 28-day Faster
Diagnosis, 31-day and 62-day): a ``Frontpage`` sheet, then one sheet per standard and breakdown,
e.g. ``28-DAY FDS (ALL ROUTES)``, ``31-DAY (ALL CANCER)``, ``62-DAY (BY CANCER)``. Every sheet has
a title block (title, month as ``Apr-25``, basis, definitions), then the header row around row 9
(``ODS CODE (1)``, ``ACCOUNTABLE PROVIDER`` ...; a blank-named spacer column separates the headline
counts from the day bands). Sheets of 31- and 62-day standards repeat the header under each part
(``PART A: ALL STAGES``, ``PART B: FIRST TREATMENTS`` ...). Each part ends with the national row
``ALL ENGLISH PROVIDERS`` (no ODS code), loaded to raw and dropped in staging. Counts of shared
62-day pathways are split between providers, hence halves such as 160.5.

Rules: the three headline sheets are present; each sheet's header is a known layout (compared
column by column, so the 31-day sheets' two ``WITHIN 31 DAYS`` columns stay apart), a drift names
the missing and unexpected columns; the month in each title block matches the file name and is not
in the future; counts are non-negative numbers (fractions allowed); within and after the standard
are not above the total and add up to it; a provider row has an ODS code; one row per provider and
breakdown within a part. Pre-October-2023 workbooks (2-week wait sheets) are not this layout and
are quarantined naming the missing sheets.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from oversight.errors import BadInputError
from oversight.sources import cancer_combined, cancer_extract
from oversight.sources.base import (
    COUNT_TOLERANCE,
    MONTHS,
    FileInfo,
    HeaderMatch,
    Layout,
    Recognition,
    SourceSpec,
    check_not_future,
    check_within_after_total,
    normalise_header,
    parse_count,
)

if TYPE_CHECKING:
    from oversight.peek import Peek

log = logging.getLogger(__name__)

GENERATION = "cwt_2023_10"
HEADER_SEARCH_ROWS = 30
NATIONAL_ROW_NAME = "ALL ENGLISH PROVIDERS"

_ID = (("ODS CODE (1)", "org_code"), ("ACCOUNTABLE PROVIDER", "org_name"))
_FDS_COUNTS = (
    ("TOTAL", "total"),
    ("WITHIN 28 DAYS", "within_standard"),
    ("AFTER 28 DAYS", "after_standard"),
    ("TOLD WITHIN 28 DAYS", "performance"),
    ("WITHIN 14 DAYS", "within_14_days"),
    ("IN 15 TO 28 DAYS", "days_15_to_28"),
    ("IN 29 TO 42 DAYS", "days_29_to_42"),
    ("IN 43 TO 62 DAYS", "days_43_to_62"),
    ("AFTER 62 DAYS", "after_62_days"),
)
_D31_COUNTS = (
    ("TOTAL", "total"),
    ("WITHIN 31 DAYS", "within_standard"),
    ("AFTER 31 DAYS", "after_standard"),
    ("TREATED WITHIN 31 DAYS", "performance"),
    ("WITHIN 31 DAYS", "within_31_days"),  # the day band repeats the headline's name (spelt with a space)
    ("IN 32 TO 38 DAYS", "days_32_to_38"),
    ("IN 39 TO 48 DAYS", "days_39_to_48"),
    ("IN 49 TO 62 DAYS", "days_49_to_62"),
    ("AFTER 62 DAYS", "after_62_days"),
)
_D62_COUNTS = (
    ("TOTAL", "total"),
    ("WITHIN 62 DAYS", "within_standard"),
    ("AFTER 62 DAYS", "after_standard"),
    ("TREATED WITHIN 62 DAYS", "performance"),
    ("WITHIN 31 DAYS", "within_31_days"),
    ("IN 32 TO 38 DAYS", "days_32_to_38"),
    ("IN 39 TO 48 DAYS", "days_39_to_48"),
    ("IN 49 TO 62 DAYS", "days_49_to_62"),
    ("IN 63 TO 76 DAYS", "days_63_to_76"),
    ("IN 77 TO 90 DAYS", "days_77_to_90"),
    ("IN 91 TO 104 DAYS", "days_91_to_104"),
    ("AFTER 104 DAYS", "after_104_days"),
)
_FIRST_SEEN_COUNTS = (
    ("TOTAL", "total"),
    ("WITHIN 14 DAYS", "within_14_days"),
    ("IN 15 TO 16 DAYS", "days_15_to_16"),
    ("IN 17 TO 21 DAYS", "days_17_to_21"),
    ("IN 22 TO 28 DAYS", "days_22_to_28"),
    ("AFTER 28 DAYS", "after_28_days"),
)
_ROUTE = ("REFERRAL ROUTE", "referral_route")
_STAGE = ("TREATMENT STAGE", "treatment_stage")


def _layout(name: str, *columns: tuple[str, str]) -> Layout:
    return Layout(name=f"{GENERATION}_{name}", columns=(*_ID, *columns))


@dataclass(frozen=True)
class SheetContract:
    """One sheet of the workbook: the standard it reports, its layout, and whether it is required."""

    sheet: str
    standard: str
    layout: Layout
    required: bool = False


SHEETS: tuple[SheetContract, ...] = (
    SheetContract(
        "28-DAY FDS (ALL ROUTES)", "fds_28d", _layout("fds_all_routes", _ROUTE, *_FDS_COUNTS), required=True
    ),
    SheetContract(
        "28-DAY FDS (BY ROUTE)",
        "fds_28d",
        _layout(
            "fds_by_route",
            _ROUTE,
            ("SUSPECTED CANCER OR BREAST SYMPTOMATIC (2)", "suspected_cancer"),
            *_FDS_COUNTS,
        ),
    ),
    SheetContract(
        "31-DAY (ALL CANCER)",
        "31d",
        _layout("31d_all_cancer", _STAGE, ("CANCER TYPE", "cancer_type"), *_D31_COUNTS),
        required=True,
    ),
    SheetContract(
        "31-DAY (BY CANCER)",
        "31d",
        _layout("31d_by_cancer", _STAGE, ("CANCER TYPE (3)", "cancer_type"), *_D31_COUNTS),
    ),
    SheetContract(
        "31-DAY (BY TREATMENT MODALITY)",
        "31d",
        _layout("31d_by_modality", _STAGE, ("TREATMENT MODALITY (4)", "treatment_modality"), *_D31_COUNTS),
    ),
    SheetContract(
        "62-DAY (ALL CANCER)",
        "62d",
        _layout("62d_all_cancer", _ROUTE, ("CANCER TYPE", "cancer_type"), *_D62_COUNTS),
        required=True,
    ),
    SheetContract(
        "62-DAY (BY CANCER)",
        "62d",
        _layout("62d_by_cancer", _ROUTE, ("CANCER TYPE (3)", "cancer_type"), *_D62_COUNTS),
    ),
    SheetContract(
        "62-DAY (BY TREATMENT MODALITY)",
        "62d",
        _layout("62d_by_modality", _ROUTE, ("TREATMENT MODALITY (4)", "treatment_modality"), *_D62_COUNTS),
    ),
    SheetContract(
        "USC referral to FOA",
        "usc_first_seen",
        _layout("usc_first_seen", ("SUSPECTED TYPE OF CANCER", "suspected_cancer"), *_FIRST_SEEN_COUNTS),
    ),
    SheetContract(
        "UBS referral to FHA",
        "ubs_first_seen",
        _layout("ubs_first_seen", ("REFERRAL REASON", "referral_reason"), *_FIRST_SEEN_COUNTS),
    ),
)
SHEETS_BY_NAME = {normalise_header(s.sheet): s for s in SHEETS}
IGNORED_SHEETS = {"frontpage"}
BREAKDOWN_COLUMNS = (
    "referral_route",
    "treatment_stage",
    "cancer_type",
    "treatment_modality",
    "suspected_cancer",
    "referral_reason",
)
TEXT_COLUMNS = ("org_code", "org_name", *BREAKDOWN_COLUMNS, "performance")
COUNT_PATTERN = r"^[0-9]+(\.[0-9]+)?$"

_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
_FILE_NAME = re.compile(
    rf"^(?P<month>{_MONTH_NAMES})-(?P<year>\d{{4}})-CWT-CRS-PROVIDER-WORKBOOK"
    r"(?P<labels>(?:-(?:PROVISIONAL|FINAL|REVISED))*)(?:-V(?P<version>\d+))?\.xlsx$",
    re.I,
)
_TITLE_MONTH = re.compile(r"^(?P<month>[A-Za-z]{3,9})[-\s](?P<year>\d{2}|\d{4})$")
_TITLE_DATE = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{2})-\d{2}")
_ODS_CODE = re.compile(r"^[A-Z0-9]{3,6}$")


def revision_from_labels(labels: str, version: str | None) -> int:
    """PROVISIONAL -> tier 0, FINAL / REVISED / no label -> 1, FINAL-REVISED -> 2; x10 + (V<n> - 1)."""
    tokens = {t.upper() for t in labels.split("-") if t}
    if "PROVISIONAL" in tokens:
        tier = 0
    elif {"FINAL", "REVISED"} <= tokens:
        tier = 2
    else:
        tier = 1
    return tier * 10 + max(int(version or 1) - 1, 0)


def parse_title_period(text: str) -> date | None:
    """The month of a title block cell: ``Apr-25``, ``April 2025`` or a date cell (``2025-04-01``)."""
    text = text.strip()
    match = _TITLE_MONTH.match(text)
    if match and match["month"].lower() in MONTHS:
        year = int(match["year"])
        return date(year + 2000 if year < 100 else year, MONTHS[match["month"].lower()], 1)
    match = _TITLE_DATE.match(text)
    if match and 1 <= int(match["month"]) <= 12:
        return date(int(match["year"]), int(match["month"]), 1)
    return None


def part_label(cells: list[str]) -> str | None:
    """``PART B: FIRST TREATMENTS`` when the row is a part label, else None."""
    text = " ".join(c.strip() for c in cells if c.strip())
    return text if re.match(r"^PART [A-Z]\b", text, re.I) else None


def is_header_row(cells: list[str]) -> bool:
    return any(normalise_header(c).startswith("ods code") for c in cells)


def match_sheet_header(path: Path, contract: SheetContract, row_number: int, cells: list[str]) -> HeaderMatch:
    """Compare the header column by column with the sheet's layout; a drift names what differs."""
    found = [(i, normalise_header(c)) for i, c in enumerate(cells) if normalise_header(c)]
    expected = [normalise_header(h) for h, _ in contract.layout.columns]
    if [h for _, h in found] == expected:
        positions = {i: column for (i, _), (_, column) in zip(found, contract.layout.columns, strict=True)}
        return HeaderMatch(contract.layout, row_number, positions)
    have, want = Counter(h for _, h in found), Counter(expected)
    missing, unexpected = sorted((want - have).elements()), sorted((have - want).elements())
    order = "" if missing or unexpected else "; the columns are in another order"
    raise BadInputError(
        path.name,
        "header_matches_a_known_layout",
        f"sheet {contract.sheet!r}: layout {contract.layout.name!r}; missing columns: {missing or 'none'}; "
        f"unexpected columns: {unexpected or 'none'}{order}",
        row=row_number,
    )


def _any_of(*patterns: re.Pattern[str]) -> re.Pattern[str]:
    """One pattern matching any of the given ones (their named groups made plain)."""
    plain = (re.sub(r"\(\?P<\w+>", "(?:", p.pattern) for p in patterns)
    return re.compile("|".join(f"(?:{p})" for p in plain), re.I)


# the file names of all three layouts: provider workbook, data extract, combined workbook
ANY_FILE_NAME = _any_of(_FILE_NAME, cancer_extract.FILE_NAME, cancer_combined.FILE_NAME)


class CancerWaitingTimes(SourceSpec):
    name = "cancer"
    raw_table = "cancer_provider_monthly"
    description = (
        "Cancer Waiting Times (NHS England): the monthly provider workbook (one sheet per standard and "
        "breakdown), the CWT-CRS provider data extract (many months, column row_period) and the Monthly "
        "Combined Workbook (sheet Provider Level Performance)."
    )
    cadence = "monthly (provisional, around the second Thursday; finalised later)"
    layouts = (*(s.layout for s in SHEETS), cancer_extract.EXTRACT_LAYOUT, cancer_combined.COMBINED_LAYOUT)
    file_pattern = ANY_FILE_NAME
    header_search_rows = HEADER_SEARCH_ROWS

    # org_name is not in the extract; the workbooks' rows are checked to have one in Python
    raw_not_null = ("sheet", "total")
    raw_regex = {  # noqa: RUF012
        "org_code": _ODS_CODE.pattern,
        "total": COUNT_PATTERN,
        "within_standard": COUNT_PATTERN,
        "after_standard": COUNT_PATTERN,
        "performance": r"^[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?$",
        "row_period": r"^[0-9]{4}-[0-9]{2}-01$",
    }
    raw_value_sets = {  # noqa: RUF012
        "sheet": (*(s.sheet for s in SHEETS), cancer_extract.SHEET, cancer_combined.PROVIDER_SHEET),
        "standard": (*cancer_extract.STANDARDS, *cancer_combined.STANDARDS),
    }
    raw_unique_per_load = ("sheet", "_row_number")

    @property
    def raw_columns(self) -> list[str]:
        return ["sheet", "part", *super().raw_columns]

    def file_info(self, path: Path) -> FileInfo:
        if cancer_extract.FILE_NAME.match(path.name):
            return cancer_extract.file_info(path)
        if cancer_combined.FILE_NAME.match(path.name):
            return cancer_combined.file_info(path)
        match = _FILE_NAME.match(path.name)
        if not match:
            raise BadInputError(
                path.name,
                "file_name_matches_publisher",
                "expected <MONTH>-<YYYY>-CWT-CRS-PROVIDER-WORKBOOK[-PROVISIONAL|-FINAL].xlsx, "
                "CWT-CRS-<Mon>-<YYYY>-to-<Mon>-<YYYY>-Data-Extract-Provider.xlsx or "
                "<Month>-<Year>-Monthly-Combined-Workbook-{Provisional,Final}.xlsx",
            )
        period = date(int(match["year"]), MONTHS[match["month"].lower()], 1)
        return FileInfo(period=period, revision=revision_from_labels(match["labels"], match["version"]))

    def recognise(self, peek: Peek) -> Recognition:
        """By content: the provider workbook's standard sheets and its title-block month; the
        extract's one header row and its PERIOD column; the combined workbook's three sheets and its
        title block (Period, Status)."""
        return recognise_cancer(peek)

    def rows(self, path: Path, info: FileInfo) -> Iterator[tuple[int, str, dict[str, str]]]:
        from oversight.workbooks import Workbook

        assert info.period is not None
        check_not_future(path, info.period)
        if cancer_extract.FILE_NAME.match(path.name):
            with Workbook(path) as workbook:
                sheet = cancer_extract.SHEET if cancer_extract.SHEET in workbook.sheetnames else None
                if sheet is None:
                    raise BadInputError(
                        path.name,
                        "workbook_has_extract_sheet",
                        f"no sheet {cancer_extract.SHEET!r} (found {workbook.sheetnames})",
                    )
                yield from cancer_extract.rows(path, workbook.rows(sheet))
            return
        if cancer_combined.FILE_NAME.match(path.name):
            with Workbook(path) as workbook:
                missing = [s for s in cancer_combined.SHEETS if s not in workbook.sheetnames]
                if missing:
                    raise BadInputError(
                        path.name,
                        "workbook_has_standard_sheets",
                        f"missing sheets: {missing} (found {workbook.sheetnames})",
                    )
                sheet_rows = {s: workbook.rows(s) for s in cancer_combined.SHEETS}
                yield from cancer_combined.rows(path, sheet_rows, info)
            return
        with Workbook(path) as workbook:
            present = {normalise_header(s): s for s in workbook.sheetnames}
            missing = [s.sheet for s in SHEETS if s.required and normalise_header(s.sheet) not in present]
            if missing:
                raise BadInputError(
                    path.name,
                    "workbook_has_standard_sheets",
                    f"missing sheets: {missing} (found {workbook.sheetnames})",
                )
            unknown = [s for k, s in present.items() if k not in SHEETS_BY_NAME and k not in IGNORED_SHEETS]
            if unknown:
                log.warning("%s: sheets not in layout %s are not loaded: %s", path.name, GENERATION, unknown)
            for key, sheet in present.items():
                contract = SHEETS_BY_NAME.get(key)
                if contract is not None:
                    yield from self._sheet_rows(path, sheet, contract, workbook.rows(sheet), info.period)

    def _sheet_rows(
        self,
        path: Path,
        sheet: str,
        contract: SheetContract,
        lines: Iterator[tuple[int, list[str]]],
        period: date,
    ) -> Iterator[tuple[int, str, dict[str, str]]]:
        header, part = self._title_block(path, contract, lines, period)
        seen: dict[tuple[str | None, ...], int] = {}
        first_column = min(header.positions)
        for row_number, cells in lines:
            filled = [i for i, c in enumerate(cells) if c.strip()]
            if not filled:
                continue
            if is_header_row(cells):
                header = match_sheet_header(path, contract, row_number, cells)
                continue
            if max(filled) < first_column:  # part or note text left of the table
                part = part_label(cells) or part
                continue
            record = self._record(path, contract, row_number, cells, header)
            if record is None:
                continue
            self._check(path, contract, row_number, record, part, seen)
            record["sheet"] = sheet
            if part:
                record["part"] = part
            yield row_number, header.layout.name, record

    @staticmethod
    def _title_block(
        path: Path, contract: SheetContract, lines: Iterator[tuple[int, list[str]]], period: date
    ) -> tuple[HeaderMatch, str | None]:
        """Read the title block down to the header: its month must be the file name's month; the
        part label above the first header (``PART A: ALL STAGES``) names the rows below it."""
        title_period: tuple[int, date] | None = None
        part: str | None = None
        for row_number, cells in lines:
            part = part_label(cells) or part
            if is_header_row(cells):
                if title_period is None:
                    raise BadInputError(
                        path.name,
                        "title_block_names_period",
                        f"sheet {contract.sheet!r}: no month (e.g. 'Apr-25') above the header",
                        row=row_number,
                    )
                return match_sheet_header(path, contract, row_number, cells), part
            if title_period is None:
                for cell in cells:
                    found = parse_title_period(cell)
                    if found:
                        title_period = (row_number, found)
                        if found != period:
                            raise BadInputError(
                                path.name,
                                "period_matches_file_name",
                                f"sheet {contract.sheet!r}: title block says {cell.strip()!r} "
                                f"({found:%B %Y}), the file name says {period:%B %Y}",
                                row=row_number,
                            )
                        break
            if row_number >= HEADER_SEARCH_ROWS:
                break
        raise BadInputError(
            path.name,
            "header_matches_a_known_layout",
            f"sheet {contract.sheet!r}: no header row (a row with 'ODS CODE (1)') in the first "
            f"{HEADER_SEARCH_ROWS} rows; expected layout {contract.layout.name!r}",
            row=1,
        )

    @staticmethod
    def _record(
        path: Path, contract: SheetContract, row_number: int, cells: list[str], header: HeaderMatch
    ) -> dict[str, str] | None:
        """Map a row onto raw columns (empty cells left out, i.e. null in raw); None for a note row."""
        record: dict[str, str] = {}
        for index, cell in enumerate(cells):
            text = cell.strip()
            column = header.positions.get(index)
            if column is None:
                if text:
                    raise BadInputError(
                        path.name,
                        "row_fits_header",
                        f"sheet {contract.sheet!r}: value {cell!r} in column {index + 1}, "
                        "which has no header",
                        row=row_number,
                    )
                continue
            if text:
                record[column] = text
        code = record.get("org_code", "")
        if set(record) <= {"org_code"} and (not code or " " in code):
            return None  # a footnote written in the code column
        return record

    @staticmethod
    def _check(
        path: Path,
        contract: SheetContract,
        row_number: int,
        record: dict[str, str],
        part: str | None,
        seen: dict[tuple[str | None, ...], int],
    ) -> None:
        where = f"sheet {contract.sheet!r}"
        code = record.get("org_code", "")
        national = not code and record.get("org_name", "").upper() == NATIONAL_ROW_NAME
        if not national:
            if not code:
                raise BadInputError(
                    path.name,
                    "org_code_present",
                    f"{where}: ODS CODE is empty for {record.get('org_name')!r}",
                    row=row_number,
                )
            if not _ODS_CODE.match(code):
                raise BadInputError(
                    path.name, "org_code_is_ods_code", f"{where}: ODS CODE {code!r}", row=row_number
                )
            key = (part, code, *(record.get(c) for c in BREAKDOWN_COLUMNS))
            if key in seen:
                raise BadInputError(
                    path.name,
                    "one_row_per_provider_and_breakdown",
                    f"{where}: {code} {[k for k in key[2:] if k]} already on row {seen[key]}",
                    row=row_number,
                )
            seen[key] = row_number
        counts: dict[str, float] = {}
        for header_text, column in contract.layout.columns:
            if column in TEXT_COLUMNS:
                continue
            counts[column] = parse_count(path, row_number, f"{where}: {header_text}", record.get(column, ""))
        performance = record.get("performance")
        if performance is not None and performance != "-":
            value = parse_count(path, row_number, f"{where}: performance", performance)
            if value > 1 + COUNT_TOLERANCE:
                raise BadInputError(
                    path.name,
                    "performance_is_a_fraction",
                    f"{where}: performance {performance} > 1",
                    row=row_number,
                )
        if "within_standard" in counts:
            who = f"{where}: {code or NATIONAL_ROW_NAME}"
            total, within, after = counts["total"], counts["within_standard"], counts["after_standard"]
            check_within_after_total(
                path,
                row_number,
                who,
                (within, after, total),
                ("within the standard", "after the standard", "total"),
            )


CANCER_WAITING_TIMES = CancerWaitingTimes()
SOURCE = CANCER_WAITING_TIMES


# ---- recognition by content (the landing scan) --------------------------------------------------
def _name_period(name: str) -> tuple[date | None, int | None]:
    """(period, revision) the file name states, for any of the three layouts."""
    try:
        info = CANCER_WAITING_TIMES.file_info(Path(name))
    except BadInputError:
        return None, None
    return info.period, info.revision


def _frontpage_revision(rows: list[list[str]]) -> int | None:
    for cells in rows:
        text = " ".join(cells).upper()
        if "STATUS:" in text:
            return 0 if "PROVISIONAL" in text else 10
    return None


def recognise_cancer(peek: Peek) -> Recognition:
    source = CANCER_WAITING_TIMES.name
    name_period, name_revision = _name_period(peek.name)
    if peek.kind not in ("xlsx", "xls", "ods") or not peek.sheets:
        hint = " (the name looks like a cancer file)" if name_period else ""
        return Recognition(
            source, False, 10 if name_period else 0, f"not a workbook{hint}", name_period=name_period
        )
    sheets = {normalise_header(s): rows for s, rows in peek.sheets.items()}

    # the data extract: one sheet whose first row is the extract header
    for sheet, rows in peek.sheets.items():
        first = next((r for r in rows if any(c.strip() for c in r)), [])
        if cancer_extract.is_extract_header(first):
            months = sorted(
                {m for r in rows[1:] if r and (m := cancer_extract.parse_row_period(r[0])) is not None}
            )
            period = name_period or (months[-1] if months else None)
            return Recognition(
                source,
                True,
                100,
                f"CWT-CRS provider data extract: sheet {sheet!r} has the extract header (PERIOD, YEAR, "
                f"MONTH, STANDARD, ORG CODE ...); PERIOD values from {months[0]:%Y-%m} in the first rows"
                if months
                else f"CWT-CRS provider data extract: sheet {sheet!r} has the extract header",
                period=period,
                revision=name_revision or 0,
                name_period=name_period,
            )

    # the Monthly Combined Workbook: its three sheets, each under a title block
    combined = [s for s in cancer_combined.SHEETS if normalise_header(s) in sheets]
    if len(combined) == len(cancer_combined.SHEETS):
        block = cancer_combined.title_block(sheets[normalise_header(cancer_combined.PROVIDER_SHEET)])
        period = cancer_combined.parse_period(block.get("period", ""))
        status = cancer_combined.STATUS_REVISION.get(block.get("status", "").strip().lower())
        revision = status if status is not None else (name_revision or 0)
        return Recognition(
            source,
            True,
            100,
            f"Monthly Combined Workbook: sheets {list(cancer_combined.SHEETS)}; title block Period "
            f"{block.get('period', '?')!r}, Status {block.get('status', '?')!r}",
            period=period or name_period,
            revision=revision,
            name_period=name_period,
        )

    # the provider workbook: the three headline sheets, the month in their title blocks
    required = [s.sheet for s in SHEETS if s.required]
    present = [s for s in required if normalise_header(s) in sheets]
    if len(present) == len(required):
        period = None
        for sheet in present:
            for cells in sheets[normalise_header(sheet)][:HEADER_SEARCH_ROWS]:
                period = next((p for c in cells if (p := parse_title_period(c)) is not None), None)
                if period:
                    break
            if period:
                break
        revision = name_revision
        if revision is None:
            revision = _frontpage_revision(sheets.get("frontpage", [])) or 0
        return Recognition(
            source,
            True,
            100,
            f"CWT-CRS provider workbook: sheets {required}"
            + (f"; title block month {period:%b-%y}" if period else "; no month in the title blocks"),
            period=period or name_period,
            revision=revision,
            name_period=name_period,
        )
    found = len(present) + len(combined)
    if found:
        missing = (
            [s for s in required if s not in present]
            if present
            else [s for s in cancer_combined.SHEETS if s not in combined]
        )
        return Recognition(
            source, False, 30 * found, f"some cancer sheets, but missing {missing}", name_period=name_period
        )
    return Recognition(
        source,
        False,
        20 if name_period else 0,
        "no cancer waiting times sheets or extract header"
        + (" (the name looks like one)" if name_period else ""),
        name_period=name_period,
    )
