"""Organisation -> system -> region mapping files that sit beside the ODS trust list.

Three files, one source (``ods_mappings``, raw table ``raw.ods_mappings``, one layout per file kind;
``_layout`` says which kind a raw row came from). They are dropped into the ODS landing folder,
``$LANDING_DIR/ods/``, next to the ``etr`` vintages: the ``ods`` source reads only ``etr*.csv``
there and this one only the names below, so each file has exactly one owner.

``ae_<month><year>_system_mapping_org_region_icb.csv`` (sheet of NHS England's monthly A&E workbook)
    Header ``Org code, Region, Name, ICB``: organisation -> NHS England commissioning region name ->
    ICB name (no codes). Covers every A&E reporter (trusts, walk-in centres, independent sector).
    The June 2025 file repeats two rows exactly (NNFA7, Y02584): an exact repeat is loaded and
    dropped in staging; a second, different row for the same organisation breaks the file.
``ae_<month><year>_system_mapping_stp_icb_codes.csv``
    Header ``STP, Code, ICB name (upper), ICB name``: the 42 STPs, the ICB code that replaced each
    on 1 July 2022 (the ICB kept the STP's code) and the ICB names. One row per ICB code.
``data_DSPTmetric_<YYYYMMDD>.csv`` (NHSX system hierarchies, 8 February 2022)
    A first column with an empty header (R row names), then ``Code, Name, Postcode, Start, Close,
    Sector, CCG20CD, ..., STP20CD, STP20CDH, STP20NM, NHSER20CD, NHSER20CDH, NHSER20NM, STPCDH, ...,
    Successor.Code, ...``: trusts, CCGs and CSUs with their STP (ONS code, ODS code, name) and NHS
    England region as at February 2022, open and close dates, and the successor of closed ones.
    For trusts the STP's ODS code is in ``STPCDH``; for CCGs in ``STP20CDH``. A trust split between
    two successors has one row per successor (RW6 Pennine Acute -> R0A and RM3), so the file's key is
    (Code, Successor.Code), and the rows of one code must agree on everything but the successor.

Period: the month in an ``ae_<month><year>`` name (first day), the date in ``data_DSPTmetric_<date>``.
The two A&E files of a month share that period, so the load manifest numbers them as two vintages
of the same period; staging picks the latest file per kind (``_layout``), never per period alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from oversight.errors import BadInputError
from oversight.readers import read_csv
from oversight.sources.base import (
    MONTHS,
    FileInfo,
    HeaderMatch,
    Layout,
    Recognition,
    SourceSpec,
    best_header_fit,
    check_not_future,
    name_month,
    recognise_csv,
    record_from_cells,
)

if TYPE_CHECKING:
    from oversight.peek import Peek

LANDING_FOLDER = "ods"

ORG_REGION_ICB = Layout(
    name="ae_system_mapping_org_region_icb",
    columns=(("Org code", "org_code"), ("Region", "region_name"), ("Name", "org_name"), ("ICB", "icb_name")),
)
STP_ICB_CODES = Layout(
    name="ae_system_mapping_stp_icb_codes",
    columns=(
        ("STP", "stp_name"),
        ("Code", "icb_code"),
        ("ICB name (upper)", "icb_name_upper"),
        ("ICB name", "icb_name"),
    ),
)
_DSPT_HEADERS = (
    ("", "row_name"),
    ("Code", "org_code"),
    ("Name", "org_name"),
    ("Postcode", "postcode"),
    ("Start", "start_date"),
    ("Close", "close_date"),
    ("Sector", "sector"),
    ("CCG20CD", "ccg20cd"),
    ("CCG20NM", "ccg20nm"),
    ("STP20CD", "stp20cd"),
    ("STP20CDH", "stp20cdh"),
    ("STP20NM", "stp20nm"),
    ("NHSER20CD", "nhser20cd"),
    ("NHSER20CDH", "nhser20cdh"),
    ("NHSER20NM", "nhser20nm"),
    ("STPCDH", "stpcdh"),
    ("latitude", "latitude"),
    ("longitude", "longitude"),
    ("Successor.Code", "successor_code"),
    ("Organisation.Name", "organisation_name"),
    ("Latest.Status", "latest_status"),
    ("Date.Of.Publication", "date_of_publication"),
    ("Primary.Sector", "primary_sector"),
    ("Commissioner..From.ODS.", "commissioner_from_ods"),
    ("Successor.Status", "successor_status"),
    ("Final.Status", "final_status"),
    ("Short.Status", "short_status"),
)
# Only the columns the warehouse uses are required; the DSPT status columns may come and go.
_DSPT_REQUIRED = {
    "Code",
    "Name",
    "Start",
    "Close",
    "Sector",
    "STP20CD",
    "STP20CDH",
    "STP20NM",
    "NHSER20CDH",
    "NHSER20NM",
    "STPCDH",
    "Successor.Code",
}
DSPT_STP_REGION = Layout(
    name="dspt_stp_region_2022",
    columns=_DSPT_HEADERS,
    optional=frozenset(h for h, _ in _DSPT_HEADERS if h not in _DSPT_REQUIRED),
)

_AE_NAME = re.compile(
    r"^ae_(?P<month>[a-z]+)(?P<year>\d{4})_system_mapping_(?P<kind>org_region_icb|stp_icb_codes)\.csv$", re.I
)
_DSPT_NAME = re.compile(r"^data_DSPTmetric_(?P<date>\d{8})\.csv$", re.I)
FILE_NAME = re.compile(
    r"^(?:ae_[a-z]+\d{4}_system_mapping_(?:org_region_icb|stp_icb_codes)|data_DSPTmetric_\d{8})\.csv$", re.I
)
_LAYOUT_OF_KIND = {"org_region_icb": ORG_REGION_ICB, "stp_icb_codes": STP_ICB_CODES}

ODS_CODE = re.compile(r"^[A-Z0-9]{3,6}$")
SYSTEM_CODE = re.compile(r"^Q[A-Z0-9]{2}$")
REGION_CODE = re.compile(r"^Y\d{2}$")
_ISO_DATE = "%Y-%m-%d"


def layout_for(path: Path) -> Layout:
    """The one layout a mapping file of this name must have; a file under another name (a renamed
    download, recognised by its header) has the layout its first line carries."""
    if _DSPT_NAME.match(path.name):
        return DSPT_STP_REGION
    match = _AE_NAME.match(path.name)
    if not match:
        lines = read_csv(path)
        try:
            first = [cells for _, cells in [next(lines, (1, []))]]
        finally:
            lines.close()
        fit = best_header_fit(first, OdsMappings.layouts, 1)
        if fit is not None and fit.matched:
            return fit.layout
        raise BadInputError(
            path.name,
            "file_name_matches_publisher",
            "expected ae_<month><year>_system_mapping_{org_region_icb|stp_icb_codes}.csv or "
            "data_DSPTmetric_<YYYYMMDD>.csv",
        )
    return _LAYOUT_OF_KIND[match["kind"].lower()]


class OdsMappings(SourceSpec):
    name = "ods_mappings"
    landing_folder = LANDING_FOLDER
    raw_table = "ods_mappings"
    description = (
        "Organisation -> STP/ICB -> region mapping files (A&E workbook system mapping sheets, "
        "DSPT 2022 system hierarchy), one layout per file kind."
    )
    cadence = "on arrival (the A&E workbook's mapping sheets monthly; the DSPT hierarchy was a one-off)"
    layouts = (ORG_REGION_ICB, STP_ICB_CODES, DSPT_STP_REGION)
    file_pattern = FILE_NAME
    period_grain = None  # files arrive when their publishers issue them, not one per period
    publication_lag_months = None

    # Contract of the raw rows (GX raw gate); checked on every kind, so only patterns of values
    # that are present: the per-kind "must be present" rules are row rules below.
    raw_regex = {  # noqa: RUF012
        "org_code": r"^[A-Za-z0-9]{3,6}$",
        "icb_code": r"^Q[A-Z0-9]{2}$",
        "stpcdh": r"^(Q[A-Z0-9]{2})?$",
        "stp20cdh": r"^(Q[A-Z0-9]{2})?$",
        "nhser20cdh": r"^(Y[0-9]{2})?$",
        "successor_code": r"^([A-Z0-9]{3,6})?$",
    }

    def recognise(self, peek: Peek) -> Recognition:
        """By the header on line 1 (one of three layouts); the period is the name's (the files do
        not state one): the month of ``ae_<month><year>``, the date of ``data_DSPTmetric_<date>``."""
        try:
            named = self.file_info(peek.path).period
        except BadInputError:
            named = name_month(peek.name)
        return recognise_csv(self, peek, name_period=named, revision=0)

    def file_info(self, path: Path) -> FileInfo:
        dspt = _DSPT_NAME.match(path.name)
        if dspt:
            try:
                return FileInfo(period=datetime.strptime(dspt["date"], "%Y%m%d").date())
            except ValueError:
                raise BadInputError(
                    path.name, "file_name_date_is_valid", f"{dspt['date']!r} is not a YYYYMMDD date"
                ) from None
        match = _AE_NAME.match(path.name)
        if not match or match["month"].lower() not in MONTHS:
            raise BadInputError(
                path.name,
                "file_name_matches_publisher",
                "expected ae_<month><year>_system_mapping_{org_region_icb|stp_icb_codes}.csv "
                "(month spelt out, e.g. ae_june2025_...) or data_DSPTmetric_<YYYYMMDD>.csv",
            )
        return FileInfo(period=date(int(match["year"]), MONTHS[match["month"].lower()], 1))

    def rows(self, path: Path, info: FileInfo) -> Iterator[tuple[int, str, dict[str, str]]]:
        if info.period:
            check_not_future(path, info.period)
        layout = layout_for(path)
        lines = read_csv(path)
        header = _header(path, layout, lines)
        check = {
            ORG_REGION_ICB.name: _OrgRegionIcbRules,
            STP_ICB_CODES.name: _StpIcbRules,
            DSPT_STP_REGION.name: _DsptRules,
        }[layout.name](path)
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
            check(row_number, record)
            yield row_number, layout.name, record


def _header(path: Path, layout: Layout, lines: Iterator[tuple[int, list[str]]]) -> HeaderMatch:
    """The header must be on line 1 and be the layout the file name calls for."""
    first = next(lines, None)
    if first is None:
        raise BadInputError(path.name, "file_has_data_rows", "the file is empty")
    row_number, cells = first
    match = _OneLayout(layout).match_header(path, row_number, cells)
    if match is None:
        raise BadInputError(
            path.name,
            "header_matches_a_known_layout",
            f"line 1 is not the {layout.name!r} header (expected {[h for h, _ in layout.columns if h]})",
            row=row_number,
        )
    # the DSPT file's unnamed first column is the R row name; no other column may lack a name
    positions = {i: col for i, col in match.positions.items() if col != "row_name" or i == 0}
    return HeaderMatch(match.layout, match.row_number, positions)


class _OneLayout(SourceSpec):
    """Header matching restricted to the layout the file name calls for."""

    def __init__(self, layout: Layout) -> None:
        self.layouts = (layout,)


def _require(path: Path, row: int, rule: str, ok: bool, detail: str) -> None:
    if not ok:
        raise BadInputError(path.name, rule, detail, row=row)


class _OrgRegionIcbRules:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.seen: dict[str, tuple[int, tuple[str, ...]]] = {}

    def __call__(self, row: int, record: dict[str, str]) -> None:
        code = record["org_code"].strip().upper()  # NTV0b in the June 2025 file: codes are case-blind
        _require(self.path, row, "org_code_present", bool(code), "Org code is empty")
        _require(self.path, row, "org_code_is_ods_code", bool(ODS_CODE.match(code)), f"Org code {code!r}")
        for column, label in (("region_name", "Region"), ("icb_name", "ICB")):
            _require(
                self.path, row, f"{column}_present", bool(record[column].strip()), f"{code}: {label} is empty"
            )
        values = tuple(record[c].strip() for c in ("region_name", "org_name", "icb_name"))
        if code in self.seen:
            first_row, first_values = self.seen[code]
            _require(
                self.path,
                row,
                "one_row_per_organisation",
                values == first_values,
                f"Org code {code} already on row {first_row} with different values {first_values}",
            )
            return  # an exact repeat: loaded, dropped in staging
        self.seen[code] = (row, values)


class _StpIcbRules:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.seen: dict[str, int] = {}

    def __call__(self, row: int, record: dict[str, str]) -> None:
        code = record["icb_code"].strip()
        _require(self.path, row, "icb_code_present", bool(code), "Code is empty")
        _require(
            self.path,
            row,
            "icb_code_is_system_code",
            bool(SYSTEM_CODE.match(code)),
            f"Code {code!r} is not an ODS STP/ICB code (Q and two characters)",
        )
        _require(
            self.path, row, "icb_name_present", bool(record["icb_name"].strip()), f"{code}: ICB name is empty"
        )
        _require(
            self.path,
            row,
            "one_row_per_icb",
            code not in self.seen,
            f"Code {code} already on row {self.seen.get(code)}",
        )
        self.seen[code] = row


class _DsptRules:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.seen: dict[tuple[str, str], int] = {}
        self.by_code: dict[str, tuple[int, tuple[str, ...]]] = {}

    def __call__(self, row: int, record: dict[str, str]) -> None:
        code = record["org_code"].strip()
        _require(self.path, row, "org_code_present", bool(code), "Code is empty")
        _require(self.path, row, "org_code_is_ods_code", bool(ODS_CODE.match(code)), f"Code {code!r}")
        for column, label in (("start_date", "Start"), ("close_date", "Close")):
            text = record[column].strip()
            if text:
                try:
                    datetime.strptime(text, _ISO_DATE)
                except ValueError:
                    raise BadInputError(
                        self.path.name, "date_is_yyyy_mm_dd", f"{code}: {label} = {text!r}", row=row
                    ) from None
        if record["sector"].strip() == "Trust":
            stp = record["stpcdh"].strip() or record["stp20cdh"].strip()
            _require(
                self.path,
                row,
                "trust_stp_code_present",
                bool(SYSTEM_CODE.match(stp)),
                f"{code}: trust without an STP code (STPCDH {record['stpcdh']!r})",
            )
            region = record["nhser20cdh"].strip()
            _require(
                self.path,
                row,
                "trust_region_code_present",
                bool(REGION_CODE.match(region)),
                f"{code}: NHSER20CDH {region!r} is not an NHS England region code (Y and two digits)",
            )
        successor = record["successor_code"].strip()
        if successor:
            _require(
                self.path,
                row,
                "successor_code_is_ods_code",
                bool(ODS_CODE.match(successor)),
                f"{code}: Successor.Code {successor!r}",
            )
        key = (code, successor)
        _require(
            self.path,
            row,
            "one_row_per_organisation_and_successor",
            key not in self.seen,
            f"Code {code} with successor {successor or '(none)'} already on row {self.seen.get(key)}",
        )
        self.seen[key] = row
        mapping = tuple(
            record[c].strip()
            for c in ("org_name", "start_date", "close_date", "sector", "stpcdh", "stp20cdh", "nhser20cdh")
        )
        if code in self.by_code:
            first_row, first_mapping = self.by_code[code]
            _require(
                self.path,
                row,
                "one_mapping_per_organisation",
                mapping == first_mapping,
                f"Code {code} is on row {first_row} with a different name, dates, sector, STP or region",
            )
        else:
            self.by_code[code] = (row, mapping)


ODS_MAPPINGS = OdsMappings()
SOURCE = ODS_MAPPINGS
