"""The one reader of spreadsheet workbooks (.xlsx, legacy .xls, .ods), with python-calamine.

Rows come as ``(row_number, cells)``: the row number as a spreadsheet program shows it (1-based,
counting the empty rows above the data), the cells as the text a person reads
(``oversight.peek.cell_text``: ``781`` not ``781.0``, dates as ``YYYY-MM-DD``, empty as ``''``),
from column A (calamine starts a sheet at its first used column; the cells left of it are put
back, so that ``cells[i]`` is column ``i + 1``), trailing empty cells dropped.

Memory: calamine parses one sheet at a time into its own compact (Rust) cell grid, and
``CalamineSheet.iter_rows()`` hands Python one row at a time, so only one sheet and one row of
Python strings are held. ODS padding (``number-rows-repeated`` by the million) is not expanded by
calamine: the grid ends at the last used cell. Measured (peak RSS of the whole Python process,
``/usr/bin/time -f %M``, reading every sheet of the file through ``Workbook.rows``):

=========================================================================  ==========  ======
file                                                                        peak RSS    time
=========================================================================  ==========  ======
CWT-CRS-Apr-2025-to-Jul-2025-Data-Extract-Provider.xlsx (41,014 rows)        41 MB      0.8 s
NSS24 detailed spreadsheets organisational results.xlsx (17 sheets, 2.9 MB)  33 MB      0.5 s
Monthly-Diagnostics-Web-File-Provider-April-2025_3EY67.xls (BIFF, 1.1 MB)    24 MB      0.2 s
tests/data/cqc/01_June_2026_Latest_ratings.ods (1,048,576-row padding)       20 MB      0.1 s
=========================================================================  ==========  ======

(The interpreter alone is about 11 MB.) A file that is not a readable workbook, or a sheet that
cannot be parsed, raises ``BadInputError`` with rule ``workbook_is_readable``; a missing sheet,
rule ``workbook_has_sheet`` (callers may name their own rule).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

from oversight.errors import BadInputError
from oversight.peek import cell_text


class Workbook:
    """An open workbook: ``sheetnames`` and ``rows(sheet)``; use it as a context manager."""

    def __init__(self, path: Path) -> None:
        from python_calamine import CalamineWorkbook  # a compiled extension: loaded when a file is read

        self.path = path
        try:
            self._workbook: Any = CalamineWorkbook.from_path(str(path))
        except Exception as exc:  # CalamineError, zip / XML / OLE2 errors of a damaged file
            raise BadInputError(
                path.name,
                "workbook_is_readable",
                f"not a readable .xlsx, .xls or .ods workbook ({type(exc).__name__}: {exc})",
            ) from None

    @property
    def sheetnames(self) -> list[str]:
        return list(self._workbook.sheet_names)

    def rows(self, sheet: str, missing_rule: str = "workbook_has_sheet") -> Iterator[tuple[int, list[str]]]:
        """Rows of one sheet with their 1-based row numbers, one at a time."""
        if sheet not in self.sheetnames:
            raise BadInputError(self.path.name, missing_rule, f"no sheet {sheet!r} (found {self.sheetnames})")
        try:
            worksheet = self._workbook.get_sheet_by_name(sheet)
        except Exception as exc:  # a sheet part that is truncated or not well-formed
            raise BadInputError(
                self.path.name,
                "workbook_is_readable",
                f"sheet {sheet!r} is corrupt ({type(exc).__name__}: {exc})",
            ) from None
        start = worksheet.start
        left_pad = [""] * (start[1] if start else 0)
        # iter_rows() yields every row from row 1 (the empty rows above the data included), and the
        # columns from the first used one on
        for index, values in enumerate(worksheet.iter_rows()):
            cells = (
                [*left_pad, *(cell_text(v) for v in values)] if left_pad else [cell_text(v) for v in values]
            )
            while cells and not cells[-1].strip():
                cells.pop()
            yield index + 1, cells

    def close(self) -> None:
        self._workbook.close()

    def __enter__(self) -> Workbook:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def sheet_names(path: Path) -> list[str]:
    """The sheet names of a workbook, in workbook order."""
    with Workbook(path) as workbook:
        return workbook.sheetnames


def read_sheet(
    path: Path, sheet: str, missing_rule: str = "workbook_has_sheet"
) -> Iterator[tuple[int, list[str]]]:
    """Rows of one sheet (opens and closes the workbook)."""
    with Workbook(path) as workbook:
        yield from workbook.rows(sheet, missing_rule)
