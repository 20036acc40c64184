"""Streaming reader for Office Open XML workbooks (.xlsx), with openpyxl in read-only mode.

Rows come one at a time as ``(row_number, cells)``: the row number as a spreadsheet shows it
(1-based), the cells as the text a person reads (``781`` not ``781.0``, ``4.5``, dates as
``YYYY-MM-DD``, empty cells as ``''``), trailing empty cells dropped. Only the row being read is held
in memory (openpyxl keeps the shared-strings table, which is small). openpyxl is imported when a
workbook is opened, never at module import, so DAG files that import a source stay light.

A file that is not a readable workbook, or whose XML breaks while it is being read, raises
``BadInputError`` with rule ``workbook_is_readable``.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from types import TracebackType
from typing import Any

from oversight.errors import BadInputError


def cell_text(value: object) -> str:
    """A cell value as text: None -> '', 123.0 -> '123', 4.5 -> '4.5', a date -> 'YYYY-MM-DD'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class XlsxWorkbook:
    """An open workbook: ``sheetnames`` and ``rows(sheet)``; use it as a context manager."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if not zipfile.is_zipfile(path):
            raise BadInputError(path.name, "workbook_is_readable", "not a zipped .xlsx workbook")
        from openpyxl import load_workbook  # heavy: imported only when a file is read

        try:
            self._workbook: Any = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # BadZipFile, KeyError, InvalidFileException, XML parse errors
            raise BadInputError(
                path.name, "workbook_is_readable", f"openpyxl cannot open it ({type(exc).__name__}: {exc})"
            ) from None

    @property
    def sheetnames(self) -> list[str]:
        return list(self._workbook.sheetnames)

    def rows(self, sheet: str) -> Iterator[tuple[int, list[str]]]:
        """Rows of one sheet with their 1-based row numbers, streamed."""
        worksheet = self._workbook[sheet]
        worksheet.reset_dimensions()  # do not trust the <dimension> record of the writing program
        row_number = 0
        try:
            for cells in worksheet.iter_rows():
                row_number += 1
                for cell in cells:  # real cells know their row; padding (EmptyCell) does not
                    actual = getattr(cell, "row", None)
                    if actual is not None:
                        row_number = actual
                        break
                texts = [cell_text(cell.value) for cell in cells]
                while texts and not texts[-1].strip():
                    texts.pop()
                yield row_number, texts
        except BadInputError:
            raise
        except Exception as exc:  # zlib / XML errors in a truncated or damaged sheet part
            raise BadInputError(
                self.path.name,
                "workbook_is_readable",
                f"sheet {sheet!r} is corrupt after row {row_number} ({type(exc).__name__}: {exc})",
                row=row_number or None,
            ) from None

    def close(self) -> None:
        self._workbook.close()

    def __enter__(self) -> XlsxWorkbook:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def read_xlsx(path: Path, sheet: str) -> Iterator[tuple[int, list[str]]]:
    """Rows of one sheet of an .xlsx workbook (opens and closes the workbook)."""
    with XlsxWorkbook(path) as workbook:
        if sheet not in workbook.sheetnames:
            raise BadInputError(
                path.name, "workbook_has_sheet", f"no sheet {sheet!r} (found {workbook.sheetnames})"
            )
        yield from workbook.rows(sheet)
