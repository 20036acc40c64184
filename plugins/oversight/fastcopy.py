"""Building blocks for sources whose files are too large for the row-by-row loader path.

The fast path passes the publisher's CSV lines straight into ``COPY ... (FORMAT csv)``: no
per-cell Python work for the bulk of the rows, constant memory (one block of about 1 MiB at a
time), and the lines reach PostgreSQL byte for byte as published. What this module provides:

- ``open_zip_csv``: the one CSV inside a publisher's ZIP, opened as a stream (``__MACOSX/``
  resource forks skipped; no CSV or several CSVs, or an unreadable archive, is bad input);
- ``read_header``: the header line, its cells and its line terminator;
- ``record_blocks``: the data lines in blocks of complete CSV records, with the line number each
  record starts on (a quoted field may span lines: such a record is joined back together), the
  text checked to be UTF-8 block by block;
- ``csv_field``: one value encoded as a CSV field, for metadata written in front of each line;
- ``copy_error``: a PostgreSQL COPY data error turned into ``BadInputError`` naming the line.
"""

from __future__ import annotations

import csv
import os
import re
import socket
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from itertools import repeat
from operator import methodcaller, mod
from pathlib import Path
from typing import IO, TYPE_CHECKING

from oversight.errors import BadInputError

if TYPE_CHECKING:
    import psycopg
    from psycopg.copy import Writer

BLOCK_SIZE = 1 << 20  # bytes read from the file at a time
MAX_RECORD_BYTES = 1 << 20  # a quoted field still open after this many bytes is a broken file
SEND_BUFFER = 4 << 20  # client socket send buffer during a COPY (see large_send_buffer)
_UTF8_BOM = b"\xef\xbb\xbf"
_COPY_LINE = re.compile(r"\bline (\d+)\b")
_COPY_ROW_NUMBER = re.compile(r'\bline \d+: "(\d+),')  # the row as quoted, starting with its line number
_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError)


@contextmanager
def open_zip_csv(path: Path) -> Iterator[tuple[str, IO[bytes]]]:
    """The single CSV member of a ZIP archive as a binary stream (nothing is extracted to disk)."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise BadInputError(path.name, "zip_is_readable", f"not a readable ZIP archive ({exc})") from None
    with archive:
        members = [
            info
            for info in archive.infolist()
            if not info.is_dir()
            and not info.filename.startswith("__MACOSX/")
            and not Path(info.filename).name.startswith("._")
        ]
        csvs = [info for info in members if info.filename.lower().endswith(".csv")]
        if len(csvs) != 1:
            raise BadInputError(
                path.name,
                "zip_has_one_csv",
                f"the archive holds {len(csvs)} CSV files ({', '.join(i.filename for i in csvs) or 'none'}); "
                "expected exactly one (__MACOSX/ entries are ignored)",
            )
        try:
            stream = archive.open(csvs[0])
        except _READ_ERRORS as exc:
            raise BadInputError(
                path.name, "zip_is_readable", f"cannot open {csvs[0].filename} in the archive ({exc})"
            ) from None
        with stream:
            yield csvs[0].filename, stream


def read_header(path: Path, stream: IO[bytes]) -> tuple[list[str], bytes]:
    """The header line's cells and the file's line terminator (CRLF or LF); line 1 must be UTF-8."""
    line = _read(path, stream.readline, MAX_RECORD_BYTES, after_line=0)
    if line.startswith(_UTF8_BOM):
        line = line[len(_UTF8_BOM) :]
    terminator = b"\r\n" if line.endswith(b"\r\n") else b"\n"
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _not_utf8(path, 1, line, exc.start) from None
    cells = next(csv.reader([text.rstrip("\r\n")]), [])
    return cells, terminator


def record_blocks(
    path: Path, stream: IO[bytes], terminator: bytes, first_line: int = 2, block_size: int = BLOCK_SIZE
) -> Iterator[tuple[Sequence[int], list[bytes]]]:
    """Blocks of complete CSV records (without their terminator) and the line each one starts on.

    The bytes are checked to be UTF-8 a block at a time (one C-level decode per block). A record
    whose quotes are unbalanced continues on the next line (a quoted field holding a line break)
    and is joined back together with the file's own terminator, so a record is always complete.
    Blank lines are returned as empty records (the caller skips them); line numbers count them.
    """
    rest = b""
    line = first_line
    while True:
        block = _read(path, stream.read, block_size, after_line=line - 1)
        if not block:
            break
        data = rest + block
        cut = data.rfind(terminator)
        if cut < 0:
            rest = data
            _check_open_record(path, rest, line)
            continue
        complete, rest = data[:cut], data[cut + len(terminator) :]
        _check_utf8(path, complete, terminator, line)
        starts, records, unfinished = split_records(complete.split(terminator), line, terminator)
        next_line = _next_line(starts, records, terminator) if records else line
        if unfinished:  # the last record continues in the next block
            rest = terminator.join([*unfinished, rest])
            _check_open_record(path, rest, next_line)
        if records:
            yield starts, records
        line = next_line
    if rest:
        _check_utf8(path, rest, terminator, line)
        starts, records, unfinished = split_records(rest.split(terminator), line, terminator)
        if unfinished:
            start = _next_line(starts, records, terminator) if records else line
            raise BadInputError(
                path.name,
                "csv_is_well_formed",
                "a quoted field is never closed (the file ends inside it)",
                row=start,
            )
        yield starts, records


def split_records(
    lines: list[bytes], first_line: int, terminator: bytes
) -> tuple[Sequence[int], list[bytes], list[bytes]]:
    """(start lines, records, lines of an unfinished last record) for a list of complete lines."""
    if not any(map(mod, map(methodcaller("count", b'"'), lines), repeat(2))):  # all quotes balanced
        return range(first_line, first_line + len(lines)), lines, []
    starts: list[int] = []
    records: list[bytes] = []
    index, line_number, count = 0, first_line, len(lines)
    while index < count:
        record = lines[index]
        if b'"' in record and record.count(b'"') % 2:
            end, quotes = index + 1, record.count(b'"')
            while quotes % 2 and end < count:
                quotes += lines[end].count(b'"')
                end += 1
            if quotes % 2:
                return starts, records, lines[index:]
            record = terminator.join(lines[index:end])
        else:
            end = index + 1
        starts.append(line_number)
        records.append(record)
        line_number += end - index
        index = end
    return starts, records, []


def _next_line(starts: Sequence[int], records: list[bytes], terminator: bytes) -> int:
    return starts[-1] + 1 + records[-1].count(terminator)


def _read(path: Path, read: Callable[[int], bytes], size: int, after_line: int) -> bytes:
    try:
        return read(size)
    except _READ_ERRORS as exc:
        raise BadInputError(
            path.name, "zip_is_readable", f"the compressed data is corrupt after line {after_line} ({exc})"
        ) from None


def _check_open_record(path: Path, rest: bytes, line: int) -> None:
    if len(rest) > MAX_RECORD_BYTES:
        raise BadInputError(
            path.name,
            "csv_is_well_formed",
            f"a record is longer than {MAX_RECORD_BYTES} bytes (a quoted field that is never closed?)",
            row=line,
        )


def _check_utf8(path: Path, data: bytes, terminator: bytes, first_line: int) -> None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = first_line + data.count(terminator, 0, exc.start)
        raise _not_utf8(path, line, data, exc.start) from None


def _not_utf8(path: Path, line: int, data: bytes, position: int) -> BadInputError:
    line_start = max(data.rfind(b"\n", 0, position) + 1, 0)
    return BadInputError(
        path.name,
        "text_is_utf8",
        f"byte {data[position : position + 1]!r} at column {position - line_start + 1} is not UTF-8 "
        "(the file looks like Windows-1252; publishers issue UTF-8)",
        row=line,
    )


def csv_field(value: object) -> bytes:
    """One value as a CSV field for COPY (FORMAT csv): None is an empty (NULL) field."""
    if value is None:
        return b""
    text = str(value)
    if any(c in text for c in ',"\r\n') or text.strip() != text or text == "\\.":
        text = '"' + text.replace('"', '""') + '"'
    return text.encode("utf-8")


@contextmanager
def large_send_buffer(conn: psycopg.Connection, size: int = SEND_BUFFER) -> Iterator[None]:
    """On a Unix socket, let the client queue up to ``size`` bytes of COPY data ahead of the server.

    PostgreSQL parses COPY data on one core while Python prepares the next block on the other. With
    a Unix socket's default send buffer (about 200 KiB) the writer blocks every fifth of a megabyte
    and the server idles until Python hands over the GIL again; a larger buffer (the kernel caps it
    at net.core.wmem_max) keeps the server busy. The old size is restored afterwards. A TCP socket
    is left alone: setting SO_SNDBUF turns off the kernel's send-buffer autotuning, and the loader
    measured slower with it (bench/results.md, "The socket-buffer tweak alone").
    """
    sock = socket.socket(fileno=os.dup(conn.pgconn.socket))
    try:
        if sock.family != socket.AF_UNIX:
            yield
            return
        old = sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, max(size, old))
        try:
            yield
        finally:
            with suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, old // 2)  # Linux reports double
    finally:
        sock.close()


def queued_writer(cursor: psycopg.Cursor) -> Writer:
    """COPY data sent from a worker thread, so that the next block is prepared meanwhile."""
    from psycopg.copy import QueuedLibpqWriter

    return QueuedLibpqWriter(cursor)


def copy_error(path: Path, error: psycopg.Error, line_of: Callable[[int], int | None]) -> BadInputError:
    """A data error raised by COPY, as bad input naming the file's line: the line number written in
    front of the row when PostgreSQL quotes the row, else ``line_of`` (COPY's own row count -> line)."""
    diag = error.diag
    context = diag.context or ""
    quoted = _COPY_ROW_NUMBER.search(context)
    match = _COPY_LINE.search(context)
    row = int(quoted.group(1)) if quoted else line_of(int(match.group(1))) if match else None
    detail = diag.message_primary or str(error)
    if detail.startswith(("missing data for column", "extra data after last expected column")):
        rule = "row_fits_header"  # fewer or more fields than the header
    else:
        rule = {
            "22021": "text_is_utf8",  # invalid byte sequence (e.g. a NUL byte)
            "22P04": "csv_is_well_formed",  # unterminated quotes, a stray CR or LF
        }.get(diag.sqlstate or "", "copy_accepts_the_row")
    return BadInputError(path.name, rule, f"PostgreSQL COPY: {detail}", row=row)
