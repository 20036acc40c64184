"""Cancer Waiting Times: NHS England's Monthly Combined Workbook (from late 2025), a layout of the
``cancer`` source (oversight.sources.cancer).

File names: ``<Month>-<Year>-Monthly-Combined-Workbook-{Provisional,Final}[-v<n>].xlsx``. Sheets
``System Level Performance``, ``Provider Level Performance`` and ``Referrals Seen``, each under a
title block of ``<label>`` / value rows (``Title``, ``Period``, ``Basis``, ``Published``, ``Revised``,
``Status``; a colon after the label is optional). The provider sheet is a long table: a band-label
row (``NUMBER OF PATIENTS``, ``DAYS WAITED`` ...) above the header ``Org Code, Region, Org Name,
Standard, Cancer Type, Referral Route/Stage, Treatment Modality, Total, Within, After, Performance``
followed by the day bands (``Within 14 days`` ...; every band column is optional, an unknown one
is header drift). Standard is ``FDS``, ``31D`` or ``62D``; a provider's headline row for a standard
is Cancer Type ``ALL CANCERS`` with route ``ALL ROUTES`` or stage ``ALL STAGES`` and modality ``ALL
MODALITIES`` or blank (int_cancer__metric_values). Shared pathways give half counts.

No sample of this publication is bundled: the layout is built from its description (issue 9), the
tests construct a workbook in it (tests/cancer_combined_workbook.py). Only the provider sheet is
loaded; the other two must be present (they identify the publication).

Period and revision come from inside the file: each sheet's ``Period`` row (``October 2025`` or a
date cell) must be the month of the file name (rule ``period_matches_file_name``); ``Status``
``Provisional`` / ``Final`` gives the revision level (0 / 10, the scale of the provider workbook's
labels) and must agree with the name. Rules on rows as for the provider workbook: an ODS code,
known standard, non-negative counts, within + after = total, performance a fraction, one row per
provider, standard and breakdown.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from oversight.errors import BadInputError
from oversight.sources.base import (
    COUNT_TOLERANCE,
    MONTHS,
    FileInfo,
    HeaderMatch,
    Layout,
    check_not_future,
    check_within_after_total,
    normalise_header,
    parse_count,
)

PROVIDER_SHEET = "Provider Level Performance"
SHEETS = ("System Level Performance", PROVIDER_SHEET, "Referrals Seen")
TITLE_LABELS = ("title", "period", "basis", "published", "revised", "status")
HEADER_SEARCH_ROWS = 30

_ID_COLUMNS = (
    ("Org Code", "org_code"),
    ("Region", "region"),
    ("Org Name", "org_name"),
    ("Standard", "standard"),
    ("Cancer Type", "cancer_type"),
    ("Referral Route/Stage", "stage_route"),
    ("Treatment Modality", "treatment_modality"),
    ("Total", "total"),
    ("Within", "within_standard"),
    ("After", "after_standard"),
    ("Performance", "performance"),
)
_BAND_COLUMNS = (
    ("Within 14 days", "within_14_days"),
    ("15 to 28 days", "days_15_to_28"),
    ("29 to 42 days", "days_29_to_42"),
    ("Within 31 days", "within_31_days"),
    ("32 to 38 days", "days_32_to_38"),
    ("39 to 48 days", "days_39_to_48"),
    ("43 to 62 days", "days_43_to_62"),
    ("49 to 62 days", "days_49_to_62"),
    ("After 62 days", "after_62_days"),
    ("63 to 76 days", "days_63_to_76"),
    ("77 to 90 days", "days_77_to_90"),
    ("91 to 104 days", "days_91_to_104"),
    ("After 104 days", "after_104_days"),
)
COMBINED_LAYOUT = Layout(
    name="cwt_monthly_combined_2025_provider",
    columns=(*_ID_COLUMNS, *_BAND_COLUMNS),
    optional=frozenset(h for h, _ in _BAND_COLUMNS),
)
STANDARDS = ("FDS", "31D", "62D")
TEXT_COLUMNS = {
    "org_code",
    "region",
    "org_name",
    "standard",
    "cancer_type",
    "stage_route",
    "treatment_modality",
    "performance",
}
KEY_COLUMNS = ("standard", "org_code", "cancer_type", "stage_route", "treatment_modality")
STATUS_REVISION = {"provisional": 0, "final": 10}

_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
FILE_NAME = re.compile(
    rf"^(?P<month>{_MONTH_NAMES})-(?P<year>\d{{4}})-Monthly-Combined-Workbook-(?P<status>Provisional|Final)"
    r"(?:-v(?P<version>\d+))?\.xlsx$",
    re.I,
)
_ODS_CODE = re.compile(r"^[A-Z0-9]{3,6}$")
_PERIOD_TEXT = re.compile(r"^(?P<month>[A-Za-z]+)\s+(?P<year>\d{4})$")
_PERIOD_DATE = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{2})-\d{2}")


def file_info(path: Path) -> FileInfo:
    match = FILE_NAME.match(path.name)
    if not match:
        raise BadInputError(
            path.name,
            "file_name_matches_publisher",
            "expected <Month>-<Year>-Monthly-Combined-Workbook-{Provisional,Final}.xlsx",
        )
    period = date(int(match["year"]), MONTHS[match["month"].lower()], 1)
    revision = STATUS_REVISION[match["status"].lower()] + max(int(match["version"] or 1) - 1, 0)
    return FileInfo(period=period, revision=revision)


def parse_period(text: str) -> date | None:
    text = text.strip()
    match = _PERIOD_TEXT.match(text)
    if match and match["month"].lower() in MONTHS:
        return date(int(match["year"]), MONTHS[match["month"].lower()], 1)
    match = _PERIOD_DATE.match(text)
    if match and 1 <= int(match["month"]) <= 12:
        return date(int(match["year"]), int(match["month"]), 1)
    return None


def title_label(cells: list[str]) -> tuple[str, str] | None:
    """(label, value) of a title-block row such as ``Period:`` / ``October 2025``."""
    filled = [c.strip() for c in cells if c.strip()]
    if not filled:
        return None
    label = normalise_header(filled[0]).rstrip(":").strip()
    if label in TITLE_LABELS:
        return label, filled[1] if len(filled) > 1 else ""
    return None


def title_block(rows: list[list[str]]) -> dict[str, str]:
    """The title block of a sheet's first rows: label -> value."""
    found: dict[str, str] = {}
    for cells in rows:
        pair = title_label(cells)
        if pair and pair[0] not in found:
            found[pair[0]] = pair[1]
    return found


def rows(
    path: Path, sheet_rows: dict[str, Iterator[tuple[int, list[str]]]], info: FileInfo
) -> Iterator[tuple[int, str, dict[str, str]]]:
    """The provider sheet's rows, checked; the title block of every sheet is checked first."""
    assert info.period is not None
    check_not_future(path, info.period)
    header: HeaderMatch | None = None
    for sheet, lines in sheet_rows.items():
        header = _check_title_block(path, sheet, lines, info)
        if sheet != PROVIDER_SHEET:
            continue
        seen: dict[tuple[str, ...], int] = {}
        for row_number, cells in lines:
            if not any(c.strip() for c in cells):
                continue
            record = _record(path, row_number, cells, header)
            if record is None:
                continue
            _check(path, row_number, record, seen)
            record["sheet"] = PROVIDER_SHEET
            yield row_number, COMBINED_LAYOUT.name, record


def _check_title_block(
    path: Path, sheet: str, lines: Iterator[tuple[int, list[str]]], info: FileInfo
) -> HeaderMatch:
    """Read a sheet's title block down to its header (provider sheet) or to its first table row."""
    assert info.period is not None
    labels: dict[str, tuple[int, str]] = {}
    for row_number, cells in lines:
        pair = title_label(cells)
        if pair:
            labels.setdefault(pair[0], (row_number, pair[1]))
            continue
        normalised = [normalise_header(c) for c in cells]
        if "org code" in normalised or row_number >= HEADER_SEARCH_ROWS:
            break
        if labels and any(c.strip() for c in cells) and sheet != PROVIDER_SHEET and len(labels) >= 2:
            break
    else:
        row_number, normalised = 0, []
    if "period" not in labels:
        raise BadInputError(
            path.name, "title_block_names_period", f"sheet {sheet!r}: no Period row in the title block", row=1
        )
    period_row, period_text = labels["period"]
    period = parse_period(period_text)
    if period is None:
        raise BadInputError(
            path.name,
            "title_period_is_month_year",
            f"sheet {sheet!r}: Period {period_text!r}",
            row=period_row,
        )
    if period != info.period:
        raise BadInputError(
            path.name,
            "period_matches_file_name",
            f"sheet {sheet!r}: title block says Period {period_text!r} ({period:%B %Y}), "
            f"the file name says {info.period:%B %Y}",
            row=period_row,
        )
    if "status" in labels:
        status_row, status = labels["status"]
        level = STATUS_REVISION.get(status.strip().lower())
        if level is not None and level != info.revision // 10 * 10:
            raise BadInputError(
                path.name,
                "status_matches_file_name",
                f"sheet {sheet!r}: Status {status!r}, the file name says "
                f"{'Provisional' if info.revision < 10 else 'Final'}",
                row=status_row,
            )
    if sheet != PROVIDER_SHEET:
        return HeaderMatch(COMBINED_LAYOUT, 0, {})
    if "org code" not in normalised:
        raise BadInputError(
            path.name,
            "header_matches_a_known_layout",
            f"sheet {sheet!r}: no header row (a row with 'Org Code') in the first {HEADER_SEARCH_ROWS} rows",
            row=1,
        )
    return _match_header(path, row_number, cells)


def _match_header(path: Path, row_number: int, cells: list[str]) -> HeaderMatch:
    known = COMBINED_LAYOUT.known_headers
    found = [(i, normalise_header(c)) for i, c in enumerate(cells) if normalise_header(c)]
    missing = sorted(COMBINED_LAYOUT.required_headers - {h for _, h in found})
    unexpected = sorted(h for _, h in found if h not in known)
    ids = [normalise_header(h) for h, _ in _ID_COLUMNS]
    if missing or unexpected or [h for _, h in found][: len(ids)] != ids:
        order = "" if missing or unexpected else "; the columns are in another order"
        raise BadInputError(
            path.name,
            "header_matches_a_known_layout",
            f"sheet {PROVIDER_SHEET!r}: layout {COMBINED_LAYOUT.name!r}; "
            f"missing columns: {missing or 'none'}; unexpected columns: {unexpected or 'none'}{order}",
            row=row_number,
        )
    return HeaderMatch(COMBINED_LAYOUT, row_number, {i: known[h] for i, h in found})


def _record(path: Path, row_number: int, cells: list[str], header: HeaderMatch) -> dict[str, str] | None:
    record: dict[str, str] = {}
    for index, cell in enumerate(cells):
        text = cell.strip()
        column = header.positions.get(index)
        if column is None:
            if text:
                raise BadInputError(
                    path.name,
                    "row_fits_header",
                    f"sheet {PROVIDER_SHEET!r}: value {cell!r} in column {index + 1}, which has no header",
                    row=row_number,
                )
            continue
        if text:
            record[column] = text
    if set(record) <= {"org_code"} and " " in record.get("org_code", " "):
        return None  # a footnote under the table
    return record


def _check(path: Path, row_number: int, record: dict[str, str], seen: dict[tuple[str, ...], int]) -> None:
    where = f"sheet {PROVIDER_SHEET!r}"
    code = record.get("org_code", "")
    if not _ODS_CODE.match(code):
        raise BadInputError(path.name, "org_code_is_ods_code", f"{where}: Org Code {code!r}", row=row_number)
    if record.get("standard") not in STANDARDS:
        raise BadInputError(
            path.name,
            "standard_is_known",
            f"{where}: Standard {record.get('standard')!r} is not one of {list(STANDARDS)}",
            row=row_number,
        )
    counts = {
        column: parse_count(path, row_number, f"{where}: {header_text}", record.get(column, ""))
        for header_text, column in COMBINED_LAYOUT.columns
        if column not in TEXT_COLUMNS
        and (column in ("total", "within_standard", "after_standard") or column in record)
    }
    total, within, after = counts["total"], counts["within_standard"], counts["after_standard"]
    check_within_after_total(
        path, row_number, f"{where}: {code}", (within, after, total), ("Within", None, "Total")
    )
    performance = record.get("performance")
    if performance is not None and performance != "-":
        value = parse_count(path, row_number, f"{where}: Performance", performance)
        if value > 1 + COUNT_TOLERANCE:
            raise BadInputError(
                path.name,
                "performance_is_a_fraction",
                f"{where}: Performance {performance} > 1",
                row=row_number,
            )
    key = tuple(record.get(c, "").upper() for c in KEY_COLUMNS)
    if key in seen:
        raise BadInputError(
            path.name,
            "one_row_per_provider_and_breakdown",
            f"{where}: {code} {[k for k in key if k][1:]} already on row {seen[key]}",
            row=row_number,
        )
    seen[key] = row_number
