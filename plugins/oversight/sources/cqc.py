"""CQC "Latest ratings" workbook (.ods): sheets ``Locations`` and ``Providers``.

Two column generations: newer files say ``Domain``, older ones ``Key Question``. Grain:
organisation x (location) x service/population group x domain. The header row is found
programmatically (up to row 30: CQC puts a title block above it); the millions of repeated
empty padding rows are not expanded by the reader (oversight.workbooks, python-calamine).
Publication dates are dd/mm/yyyy text, or date cells (read as yyyy-mm-dd). ``Inherited Rating
(Y/N)`` flags ratings inherited by a merged trust; several ratings may share one publication date.
One row per sheet x provider x location x service/population group x domain: a repeated key breaks
the file.

File names like ``05_May_2026_Latest_ratings.ods`` carry the as-at date of the workbook (its
period). A name without one (the bundled sample ``Latest_ratings_trust_locations.ods``, assembled
from a public extract) leaves the period empty. Order of workbooks, used to compare consecutive
files for rating changes (``int_cqc__rating_events``): by period, an undated workbook before every
dated one, and undated workbooks among themselves by load order (they are vintages of one "undated"
period, so the last one loaded replaces the earlier). This is the order the loader loads files in
(the landing scan: period or date.min) and the one ``stg_warehouse__loads.is_latest_file`` uses. A name
with a date prefix that is not a date (``31_February_2026_...``, ``05_Mai_2026_...``) breaks the
rule ``file_name_date_is_valid``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from oversight.errors import BadInputError
from oversight.sources.base import (
    MONTHS,
    FileInfo,
    Layout,
    Recognition,
    SourceSpec,
    check_not_future,
    normalise_header,
    record_from_cells,
)
from oversight.workbooks import Workbook

if TYPE_CHECKING:
    from oversight.peek import Peek

RATINGS = {
    "Outstanding",
    "Good",
    "Requires improvement",
    "Inadequate",
    "Not rated",
    "Inspected but not rated",
    "No published rating",
    "Insufficient evidence to rate",
}
DOMAINS = {"Overall", "Safe", "Effective", "Caring", "Responsive", "Well-led"}

_LOCATION_COLUMNS = (
    ("Location ID", "location_id"),
    ("Location ODS Code", "location_ods_code"),
    ("Location Name", "location_name"),
    ("Care Home?", "care_home"),
    ("Location Type", "location_type"),
    ("Location Primary Inspection Category", "location_primary_inspection_category"),
    ("Location Street Address", "location_street_address"),
    ("Location Address Line 2", "location_address_line_2"),
    ("Location City", "location_city"),
    ("Location Post Code", "location_post_code"),
    ("Location Local Authority", "location_local_authority"),
    ("Location Region", "location_region"),
    ("Location NHS Region", "location_nhs_region"),
    ("Location ONSPD CCG Code", "location_onspd_ccg_code"),
    ("Location ONSPD CCG", "location_onspd_ccg"),
    ("Location Commissioning CCG Code", "location_commissioning_ccg_code"),
    ("Location Commissioning CCG Name", "location_commissioning_ccg_name"),
)
_PROVIDER_COLUMNS = (
    ("Provider ID", "provider_id"),
    ("Provider Name", "provider_name"),
    ("Provider Type", "provider_type"),
    ("Provider Primary Inspection Category", "provider_primary_inspection_category"),
    ("Provider Street Address", "provider_street_address"),
    ("Provider Address Line 2", "provider_address_line_2"),
    ("Provider City", "provider_city"),
    ("Provider Post Code", "provider_post_code"),
    ("Provider Local Authority", "provider_local_authority"),
    ("Provider Region", "provider_region"),
    ("Provider NHS Region", "provider_nhs_region"),
)
_RATING_COLUMNS = (
    ("Service / Population Group", "service_population_group"),
    ("Latest Rating", "latest_rating"),
    ("Publication Date", "publication_date"),
    ("Report Type", "report_type"),
    ("Inherited Rating (Y/N)", "inherited_rating"),
    ("URL", "url"),
    ("Brand ID", "brand_id"),
    ("Brand Name", "brand_name"),
)
_LOCATION_REQUIRED = {
    "Location ID",
    "Location Name",
    "Location Primary Inspection Category",
    "Provider ID",
    "Provider Name",
    "Service / Population Group",
    "Latest Rating",
    "Publication Date",
}
_PROVIDER_REQUIRED = {
    "Provider ID",
    "Provider Name",
    "Provider Type",
    "Service / Population Group",
    "Latest Rating",
    "Publication Date",
}


def _layout(name: str, sheet_columns: tuple, required: set[str], domain_header: str) -> Layout:
    columns = (*sheet_columns, (domain_header, "domain"), *_RATING_COLUMNS)
    optional = frozenset(h for h, _ in columns if h not in required and h != domain_header)
    return Layout(name=name, columns=columns, optional=optional)


_LOCATION_ALL = (*_LOCATION_COLUMNS, *_PROVIDER_COLUMNS[:2])
LAYOUTS = {
    "Locations": (
        _layout("cqc_locations_domain", _LOCATION_ALL, _LOCATION_REQUIRED, "Domain"),
        _layout("cqc_locations_key_question", _LOCATION_ALL, _LOCATION_REQUIRED, "Key Question"),
    ),
    "Providers": (
        _layout("cqc_providers_domain", _PROVIDER_COLUMNS, _PROVIDER_REQUIRED, "Domain"),
        _layout("cqc_providers_key_question", _PROVIDER_COLUMNS, _PROVIDER_REQUIRED, "Key Question"),
    ),
}
# The publisher's names only (a file under another name is taken by its content, never by a loose
# name match): CQC's DD_Month_YYYY_Latest_ratings.ods, and the bundled sample's name.
_FILE_NAME = re.compile(
    r"^(?:(?P<day>\d{1,2})_(?P<month>[A-Za-z]+)_(?P<year>\d{4})_)?Latest_ratings(?:_trust_locations)?\.ods$",
    re.I,
)
# The as-at date of a workbook recognised by its content, also under a browser's variant of the
# name ("05_May_2026_Latest_ratings (1).ods")
_NAME_DATE = re.compile(r"^(?P<day>\d{1,2})_(?P<month>[A-Za-z]+)_(?P<year>\d{4})_.*Latest_ratings", re.I)


def parse_publication_date(text: str) -> date | None:
    text = text.strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


class CqcRatings(SourceSpec):
    name = "cqc"
    raw_table = "cqc_ratings"
    description = "CQC Latest ratings workbook (Locations and Providers sheets)."
    cadence = "on arrival (CQC republishes roughly monthly)"
    layouts = (*LAYOUTS["Locations"], *LAYOUTS["Providers"])
    file_pattern = _FILE_NAME
    header_search_rows = 30
    period_grain = None  # snapshots published on arrival, not per period
    publication_lag_months = None

    @property
    def raw_columns(self) -> list[str]:
        return ["sheet", *super().raw_columns]

    def file_info(self, path: Path) -> FileInfo:
        match = _NAME_DATE.search(path.name)
        if not match:
            return FileInfo(period=None)
        month = MONTHS.get(match["month"].lower())
        try:
            if month is None:
                raise ValueError(f"{match['month']!r} is not a month")
            return FileInfo(period=date(int(match["year"]), month, int(match["day"])))
        except ValueError as error:
            raise BadInputError(
                path.name,
                "file_name_date_is_valid",
                f"the name starts {match['day']}_{match['month']}_{match['year']}_, which is not a date "
                f"({error}); CQC names its workbooks DD_Month_YYYY_Latest_ratings.ods",
            ) from None

    def recognise(self, peek: Peek) -> Recognition:
        """By content: a ``Locations`` or ``Providers`` sheet with the ratings header (``Provider
        ID``, ``Latest Rating``, ``Publication Date``, ``Domain`` or ``Key Question``) within its
        first rows. The as-at date is in the name only (``05_May_2026_...``), so period = name_period."""
        try:
            name_period = self.file_info(peek.path).period
            name_error = None
        except BadInputError as error:
            name_period, name_error = None, error.detail
        best = 0
        for sheet in ("Locations", "Providers"):
            for cells in peek.sheets.get(sheet, []):
                present = {normalise_header(c) for c in cells if c.strip()}
                for layout in LAYOUTS[sheet]:
                    if layout.required_headers <= present:
                        return Recognition(
                            self.name,
                            True,
                            100,
                            f"CQC Latest ratings workbook: sheet {sheet!r} with layout {layout.name!r}"
                            + (f" (but {name_error})" if name_error else ""),
                            period=name_period,
                            name_period=name_period,
                        )
                    overlap = len(layout.required_headers & present)
                    best = max(best, 80 * overlap // len(layout.required_headers))
        return Recognition(
            self.name,
            False,
            best,
            "no Locations or Providers sheet with the CQC ratings header",
            name_period=name_period,
        )

    def rows(self, path: Path, info: FileInfo) -> Iterator[tuple[int, str, dict[str, str]]]:
        if info.period:
            check_not_future(path, info.period)
        with Workbook(path) as workbook:
            yield from self._workbook_rows(path, workbook)

    def _workbook_rows(self, path: Path, workbook: Workbook) -> Iterator[tuple[int, str, dict[str, str]]]:
        sheets = [s for s in workbook.sheetnames if s in LAYOUTS]
        if "Locations" not in sheets and "Providers" not in sheets:
            raise BadInputError(
                path.name,
                "workbook_has_ratings_sheets",
                f"no Locations or Providers sheet (found {workbook.sheetnames})",
            )
        for sheet in sheets:
            spec_layouts = LAYOUTS[sheet]
            rows = workbook.rows(sheet)
            header = _SheetSpec(spec_layouts).find_header(path, rows)
            seen: dict[tuple[str, ...], int] = {}
            for row_number, cells in rows:
                if not cells:  # an empty row (calamine gives every row of the sheet's used range)
                    continue
                record = record_from_cells(path, row_number, cells, header)
                self._check(path, sheet, row_number, record)
                key = tuple(
                    record.get(c, "").strip().upper()
                    for c in ("provider_id", "location_id", "service_population_group", "domain")
                )
                if key in seen:
                    raise BadInputError(
                        path.name,
                        "one_rating_per_key",
                        f"{sheet} sheet: Provider ID {key[0]}, Location ID {key[1] or '-'}, "
                        f"{record.get('service_population_group')!r} / {record.get('domain')!r} already on "
                        f"row {seen[key]}",
                        row=row_number,
                    )
                seen[key] = row_number
                record["sheet"] = sheet
                yield row_number, header.layout.name, record

    @staticmethod
    def _check(path: Path, sheet: str, row_number: int, record: dict[str, str]) -> None:
        where = f"{sheet} sheet"
        if not record.get("provider_id", "").strip():
            raise BadInputError(
                path.name, "provider_id_present", f"{where}: Provider ID is empty", row=row_number
            )
        rating = record.get("latest_rating", "").strip()
        if rating not in RATINGS:
            raise BadInputError(
                path.name,
                "rating_is_known",
                f"{where}: Latest Rating {rating!r} is not one of {sorted(RATINGS)}",
                row=row_number,
            )
        domain = record.get("domain", "").strip()
        if domain not in DOMAINS:
            raise BadInputError(
                path.name,
                "domain_is_known",
                f"{where}: Domain {domain!r} is not one of {sorted(DOMAINS)}",
                row=row_number,
            )
        published = parse_publication_date(record.get("publication_date", ""))
        if published is None:
            raise BadInputError(
                path.name,
                "publication_date_is_dd_mm_yyyy",
                f"{where}: Publication Date {record.get('publication_date')!r}",
                row=row_number,
            )
        if published > date.today():
            raise BadInputError(
                path.name,
                "publication_date_not_in_future",
                f"{where}: Publication Date {published}",
                row=row_number,
            )


class _SheetSpec(SourceSpec):
    """Header matching restricted to one sheet's layouts."""

    header_search_rows = 30

    def __init__(self, layouts: tuple[Layout, ...]) -> None:
        self.layouts = layouts


CQC_RATINGS = CqcRatings()
SOURCE = CQC_RATINGS
