"""Streaming readers for the publishers' file formats: CSV (strict UTF-8) and OpenDocument spreadsheets.

Both yield ``(row_number, cells)`` one row at a time, never the whole file, with the row number
as a person sees it in a text editor or spreadsheet (1-based, header included).
"""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import iterparse

from oversight.errors import BadInputError

_TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_T = f"{{{_TABLE_NS}}}"
_O = f"{{{_OFFICE_NS}}}"


def _strict_utf8_lines(path: Path) -> Iterator[str]:
    with path.open("rb") as handle:
        for line_number, raw in enumerate(handle, start=1):
            if line_number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise BadInputError(
                    path.name,
                    "text_is_utf8",
                    f"byte {raw[exc.start : exc.start + 1]!r} at column {exc.start + 1} is not UTF-8 "
                    "(the file looks like Windows-1252; publishers issue UTF-8)",
                    row=line_number,
                ) from None


def read_csv(path: Path) -> Iterator[tuple[int, list[str]]]:
    """Rows of a CSV file with their 1-based line numbers; rejects non-UTF-8 text."""
    reader = csv.reader(_strict_utf8_lines(path))
    try:
        for cells in reader:
            yield reader.line_num, cells
    except csv.Error as exc:
        raise BadInputError(path.name, "csv_is_well_formed", str(exc), row=reader.line_num) from None


def _cell_text(cell) -> str:  # noqa: ANN001 - an ElementTree element
    value_type = cell.get(f"{_O}value-type")
    if value_type == "date":
        return cell.get(f"{_O}date-value", "")[:10]
    if value_type in ("float", "percentage", "currency"):
        return cell.get(f"{_O}value", "")
    if value_type == "string" and cell.get(f"{_O}string-value") is not None:
        return cell.get(f"{_O}string-value", "")
    return "".join(cell.itertext())


def read_ods_sheets(path: Path) -> list[str]:
    """Names of the sheets of an .ods workbook, in order."""
    names: list[str] = []
    for _event, element in _iter_ods(path, events=("start",)):
        if element.tag == f"{_T}table":
            names.append(element.get(f"{_T}name", ""))
    return names


def _iter_ods(path: Path, events: tuple[str, ...]):  # noqa: ANN202
    try:
        archive = zipfile.ZipFile(path)
        content = archive.open("content.xml")
    except (zipfile.BadZipFile, KeyError) as exc:
        raise BadInputError(
            path.name, "workbook_is_readable", f"not a readable OpenDocument file ({exc})"
        ) from None
    with archive, content:
        try:
            yield from iterparse(content, events=events)
        except Exception as exc:  # ParseError, zlib errors on a truncated archive member
            raise BadInputError(
                path.name, "workbook_is_readable", f"content.xml is corrupt ({exc})"
            ) from None


def read_ods(path: Path, sheet: str) -> Iterator[tuple[int, list[str]]]:
    """Rows of one sheet of an .ods workbook, streamed from content.xml.

    Repeated rows and cells (``number-rows-repeated``) are expanded, except trailing empty
    padding, which spreadsheet programs write by the million and which is skipped.
    """
    in_sheet = False
    row_number = 0
    pending_empty_rows = 0
    for event, element in _iter_ods(path, events=("start", "end")):
        tag = element.tag
        if tag == f"{_T}table":
            if event == "start":
                in_sheet = element.get(f"{_T}name") == sheet
            elif in_sheet:
                return
            continue
        if not in_sheet or event != "end" or tag != f"{_T}table-row":
            continue
        cells: list[str] = []
        for cell in element:
            if cell.tag not in (f"{_T}table-cell", f"{_T}covered-table-cell"):
                continue
            repeat = int(cell.get(f"{_T}number-columns-repeated", "1"))
            text = _cell_text(cell)
            cells.extend([text] * (repeat if text or repeat < 1000 else 1))
        while cells and cells[-1] == "":
            cells.pop()
        repeat_rows = int(element.get(f"{_T}number-rows-repeated", "1"))
        element.clear()
        if not cells:
            pending_empty_rows += repeat_rows
            continue
        row_number += pending_empty_rows
        pending_empty_rows = 0
        for _ in range(repeat_rows):
            row_number += 1
            yield row_number, cells
