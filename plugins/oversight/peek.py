"""A first look inside a landing file, so that every source can say whether the file is one of its own.

The landing scan (one pass over every file in LANDING_DIR) peeks at each file once and asks every
source to ``recognise`` the peek: files are recognised by what is inside them (header row, title
block, sheet names, ``Period`` values), the file name being only a hint. A peek never reads a file
whole: CSV and text files give their first lines, workbooks (xlsx, xls, ods; all read with
python-calamine) the first rows of every sheet, ZIP archives their member list and the first lines
of their CSV members.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

PEEK_ROWS = 40  # rows of each sheet / lines of each CSV a source may look at

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class Peek:
    """What the scan sees of one file.

    kind: ``csv`` (any text file, parsed as CSV), ``xlsx``, ``xls``, ``ods``, ``zip`` or ``binary``;
    sheets: for workbooks, sheet name -> its first rows as text cells; for CSV, ``{"": first lines}``;
    for ZIP, ``{member name: first lines}`` of each CSV member;
    members: every member name of a ZIP archive (workbooks and ZIPs);
    error: why the file could not be read at all (then ``sheets`` is empty).
    """

    path: Path
    kind: str
    size: int
    sheets: dict[str, list[list[str]]] = field(default_factory=dict)
    members: tuple[str, ...] = ()
    error: str | None = None

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def first_rows(self) -> list[list[str]]:
        """The rows of a CSV, or of the first sheet / CSV member."""
        return next(iter(self.sheets.values()), [])


def _float_text(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def _datetime_text(value: datetime) -> str:
    return value.date().isoformat() if value.time() == _MIDNIGHT else value.isoformat()


_MIDNIGHT = time(0)
# Looked up by the cell's exact type: python-calamine gives str, float, int, bool, date, datetime,
# time and timedelta. A chain of isinstance checks (and an import) per cell took 0.23 s for the
# 189,684 cells of one national CWT extract, 5 times the 0.046 s of this lookup (a fifth of the
# file's load time, measured on a generated extract, bench/scale_generate.py).
_TEXT_OF_TYPE = {
    float: _float_text,
    int: str,
    bool: lambda value: "TRUE" if value else "FALSE",
    datetime: _datetime_text,
    date: date.isoformat,
    type(None): lambda _: "",
}


def cell_text(value: object) -> str:
    """A workbook cell as the text a person reads: 781.0 -> '781', dates as YYYY-MM-DD, None -> ''."""
    if value.__class__ is str:
        return value  # type: ignore[return-value]
    convert = _TEXT_OF_TYPE.get(value.__class__)
    return convert(value) if convert is not None else str(value)


def _csv_lines(raw: bytes, limit: int) -> list[list[str]]:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    text = raw.decode("utf-8", errors="replace")
    lines = text.splitlines()[:limit]
    return [row for row in csv.reader(io.StringIO("\n".join(lines)))]


def kind_of(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(OLE2_MAGIC):
        return "xls"
    if head.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return "binary"
        if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
            return "xlsx"
        if "mimetype" in names and "content.xml" in names:
            return "ods"
        return "zip"
    with path.open("rb") as handle:
        sample = handle.read(4096)
    if b"\x00" in sample:
        return "binary"
    return "csv"


def peek(path: Path, rows: int = PEEK_ROWS) -> Peek:
    size = path.stat().st_size
    try:
        kind = kind_of(path)
    except OSError as exc:
        return Peek(path, "binary", size, error=f"cannot be read ({exc})")
    try:
        if kind == "csv":
            with path.open("rb") as handle:
                raw = handle.read(64 * 1024)
            return Peek(path, kind, size, {"": _csv_lines(raw, rows)})
        if kind == "zip":
            sheets: dict[str, list[list[str]]] = {}
            with zipfile.ZipFile(path) as archive:
                members = tuple(archive.namelist())
                for member in members:
                    if member.lower().endswith(".csv") and not member.startswith("__MACOSX/"):
                        with archive.open(member) as handle:
                            sheets[member] = _csv_lines(handle.read(64 * 1024), rows)
            return Peek(path, kind, size, sheets, members)
        if kind in ("xlsx", "xls", "ods"):
            from python_calamine import CalamineWorkbook

            workbook = CalamineWorkbook.from_path(str(path))
            try:
                sheets = {
                    name: [
                        [cell_text(c) for c in row]
                        for row in workbook.get_sheet_by_name(name).to_python(nrows=rows)
                    ]
                    for name in workbook.sheet_names
                }
            finally:
                workbook.close()
            return Peek(path, kind, size, sheets)
    except Exception as exc:  # a corrupt archive or workbook: the scan reports it, naming the file
        return Peek(path, kind, size, error=f"not a readable {kind} file ({type(exc).__name__}: {exc})")
    return Peek(path, kind, size, error="not a text, workbook or ZIP file")
