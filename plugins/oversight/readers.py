"""Streaming reader for the publishers' CSV files (strict UTF-8).

It yields ``(row_number, cells)`` one row at a time, never the whole file, with the row number
as a person sees it in a text editor (1-based, header included). Workbooks (.xlsx, .xls, .ods)
are read by ``oversight.workbooks``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from oversight.errors import BadInputError


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
