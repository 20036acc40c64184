"""Referral to Treatment (RTT) waiting times: NHS England's monthly full CSV extract, zipped.

File names: ``<YYYYMMDD>-RTT-<Month>-<Year>-full-extract.csv.zip`` (the date is the month's last
day), optionally ``-revised`` or ``-v<n>`` before or after ``-full-extract``. The ZIP holds one CSV
(and, as published, a ``__MACOSX/`` resource-fork entry, which is skipped) of about 180,000 rows x
121 columns: 13 identifiers, 105 week bands (``Gt 00 To 01 Weeks SUM 1`` ... ``Gt 104 Weeks SUM
1``) and three totals. Grain: provider x commissioner x RTT part x treatment function; the
``C_999`` / ``Total`` treatment function is the sum of the others. Week bands are blank where the
publisher has nothing to report (every band of Part_3, many of the others); in the April 2026
extract ``Total`` is blank on every Part_2 and Part_2A row and the total is in ``Total All``.

Loading is the fast path of ``oversight.fastcopy`` (``copy_file``, which the loader calls instead
of ``rows()``): the CSV is read from inside the ZIP as a stream and its lines go to
``COPY ... (FORMAT csv)`` byte for byte, each prefixed with its line number (header = line 1) and
the load's constant metadata. Every line is checked on the way, first with a few C-level bytes
operations (period, provider, part type, counts made of digits only, 121 fields, no quotes); a line
that does not pass them (a provider name with a comma in quotes, say) is parsed with the csv module
and tested again, and only a line that still fails goes through ``check_record``, which names the
rule it breaks. The first broken rule raises ``BadInputError`` (file, line, rule) and the loader's
transaction leaves nothing behind. Columns in another order than published take the row-by-row
path (same rules, slower).

Rules: zip_is_readable, zip_has_one_csv, text_is_utf8, csv_is_well_formed,
header_matches_a_known_layout (naming the missing and unexpected columns), row_fits_header,
period_is_rtt_month_year, period_matches_file_name, period_not_in_future,
provider_org_code_is_ods_code, rtt_part_type_is_known, count_is_a_number, count_is_not_negative
(a blank count is allowed).

Why the row rules run in Python on the way rather than set-based in SQL after the COPY: one SQL
pass over 180,000 rows x 108 count columns took longer (about 1.1 s) than the COPY itself, while the
bytes-level test costs about 0.3 s of client CPU that overlaps the server's parsing (worker-thread
writer, larger socket send buffer). Figures: bench/results.md.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, TYPE_CHECKING

from oversight import fastcopy
from oversight.errors import BadInputError
from oversight.sources.base import (
    MONTHS,
    FileInfo,
    Layout,
    Recognition,
    SourceSpec,
    best_header_fit,
    check_not_future,
    name_month,
    name_revision,
    normalise_header,
    not_recognised,
)

if TYPE_CHECKING:
    import psycopg

    from oversight.loader import LoadMeta
    from oversight.peek import Peek

IDENTIFIER_COLUMNS = (
    ("Period", "period"),
    ("Provider Parent Org Code", "provider_parent_org_code"),
    ("Provider Parent Name", "provider_parent_name"),
    ("Provider Org Code", "provider_org_code"),
    ("Provider Org Name", "provider_org_name"),
    ("Commissioner Parent Org Code", "commissioner_parent_org_code"),
    ("Commissioner Parent Name", "commissioner_parent_name"),
    ("Commissioner Org Code", "commissioner_org_code"),
    ("Commissioner Org Name", "commissioner_org_name"),
    ("RTT Part Type", "rtt_part_type"),
    ("RTT Part Description", "rtt_part_description"),
    ("Treatment Function Code", "treatment_function_code"),
    ("Treatment Function Name", "treatment_function_name"),
)
WEEK_BAND_COLUMNS = (
    *((f"Gt {w:02d} To {w + 1:02d} Weeks SUM 1", f"gt_{w:02d}_to_{w + 1:02d}_weeks") for w in range(104)),
    ("Gt 104 Weeks SUM 1", "gt_104_weeks"),
)
TOTAL_COLUMNS = (
    ("Total", "total"),
    ("Patients with unknown clock start date", "patients_with_unknown_clock_start_date"),
    ("Total All", "total_all"),
)
RTT_FULL_EXTRACT = Layout(
    name="rtt_full_extract_121", columns=(*IDENTIFIER_COLUMNS, *WEEK_BAND_COLUMNS, *TOTAL_COLUMNS)
)
RAW_COLUMNS = tuple(col for _, col in RTT_FULL_EXTRACT.columns)
COUNT_COLUMNS = tuple(col for _, col in (*WEEK_BAND_COLUMNS, *TOTAL_COLUMNS))
PART_TYPES = ("Part_1A", "Part_1B", "Part_2", "Part_2A", "Part_3")
# the columns the models filter and join on keep planner statistics (see create_table_sql)
STATISTICS_COLUMNS = frozenset(
    ("period", "provider_org_code", "commissioner_org_code", "rtt_part_type", "treatment_function_code")
    + ("_load_id", "_period")
)
STATISTICS_TARGET = 20

_FILE_NAME = re.compile(
    r"^(?P<date>\d{8})-RTT-(?P<month>[A-Za-z]+)-(?P<year>\d{4})(?:-(?P<rev1>revised|v\d+))?"
    r"-full-extract(?:-(?P<rev2>revised|v\d+))?\.csv\.zip$",
    re.I,
)
_PERIOD = re.compile(r"^RTT-(?P<month>[A-Za-z]+)-(?P<year>\d{4})$")
_ODS_CODE = re.compile(r"^[A-Z0-9]{3,5}$")
_COUNT = re.compile(r"^(?P<minus>-)?\d+(?:\.\d+)?$")
_COUNTS_DIGITS_ONLY = re.compile(r"[0-9,]*")  # the joined counts of a row, all plain integers or blank

# The fast line test (bytes, no decoding). A line passes when it has no quote, exactly 121 fields,
# the file's period, a provider code, a known part type and counts made of digits only; every other
# line goes through the rule-by-rule check, which is the authority.
_CANONICAL_HEADER = [normalise_header(h) for h, _ in RTT_FULL_EXTRACT.columns]
_N_FIELDS = len(RAW_COLUMNS)
_N_IDS = len(IDENTIFIER_COLUMNS)
_I_PERIOD, _I_PROVIDER, _I_PART = 0, 3, 9
_PART_BYTES = frozenset(p.encode() for p in PART_TYPES)
_DIGITS_AND_COMMAS = b"0123456789,"
_ODS_CODE_BYTES = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def parse_period(text: str) -> date | None:
    """``RTT-April-2026`` -> 2026-04-01 (None if it is not of that form; the month in any case)."""
    match = _PERIOD.match(text)
    if not match or match["month"].lower() not in MONTHS:
        return None
    return date(int(match["year"]), MONTHS[match["month"].lower()], 1)


def _revision(text: str | None) -> int:
    if not text:
        return 0
    if text.lower() == "revised":
        return 1
    return max(int(text[1:]) - 1, 0)  # -v2 is the first re-issue


class RttFullExtract(SourceSpec):
    name = "rtt"
    raw_table = "rtt_full_extract"
    description = (
        "Referral to Treatment waiting times, monthly full CSV extract in a ZIP (NHS England): "
        "provider x commissioner x RTT part x treatment function, 105 week bands."
    )
    cadence = "monthly"
    layouts = (RTT_FULL_EXTRACT,)
    file_pattern = _FILE_NAME
    publication_lag_months = 2  # month M comes out on the second Thursday of month M+2

    # the same rules as check_record, checked again by the Great Expectations raw gate
    raw_not_null = ("period", "provider_org_code", "rtt_part_type", "treatment_function_code")
    raw_regex = {  # noqa: RUF012
        "period": r"^RTT-[A-Za-z]+-[0-9]{4}$",
        "provider_org_code": r"^[A-Z0-9]{3,5}$",
        "total_all": r"^([0-9]+(\.[0-9]+)?)?$",
        "gt_00_to_01_weeks": r"^([0-9]+(\.[0-9]+)?)?$",
        "gt_104_weeks": r"^([0-9]+(\.[0-9]+)?)?$",
    }
    raw_value_sets = {"rtt_part_type": PART_TYPES}  # noqa: RUF012
    raw_unique_per_load = (
        "provider_org_code",
        "commissioner_org_code",
        "rtt_part_type",
        "treatment_function_code",
    )

    # ---- the raw table ---------------------------------------------------------------------------
    def create_table_sql(self, schema: str) -> str:
        """The base table, with planner statistics kept only for the columns models filter and join
        on: the loader ANALYZEs the table after each load, and statistics of all 128 columns of
        180,000 rows took 1.6 s (longer than the load); of these few, 0.02 s."""
        from oversight.sources.base import METADATA_COLUMNS

        columns = [*RAW_COLUMNS, *(name for name, _ in METADATA_COLUMNS)]
        targets = ", ".join(
            f'alter column "{c}" set statistics {STATISTICS_TARGET if c in STATISTICS_COLUMNS else 0}'
            for c in columns
        )
        return f"{super().create_table_sql(schema)}\nalter table {schema}.{self.raw_table} {targets};"

    # ---- files ---------------------------------------------------------------------------------
    def recognise(self, peek: Peek) -> Recognition:
        """A ZIP whose CSV member carries the 121-column header; the month is the first data row's
        ``Period`` (``RTT-April-2026``)."""
        if peek.kind != "zip":
            return not_recognised(self.name, f"a {peek.kind} file; the RTT extract is a ZIP of one CSV")
        best = None
        for member, rows in peek.sheets.items():
            fit = best_header_fit(rows, self.layouts, 1)
            if fit and (best is None or fit.score > best[1].score):
                best = (member, fit, rows)
        if best is None:
            return not_recognised(self.name, "a ZIP without a CSV member with a header row")
        member, fit, rows = best
        if not fit.matched:
            return not_recognised(self.name, f"{member}: {fit.describe()}", fit.score)
        column = next(i for i, c in fit.positions.items() if c == "period")
        period, basis = None, "no Period value in the first rows"
        for cells in rows[1:]:
            if column < len(cells) and cells[column].strip():
                period = parse_period(cells[column].strip())
                basis = f"Period column {cells[column].strip()!r}"
                break
        named = self._name_period(peek.name)
        return Recognition(
            source=self.name,
            matched=True,
            score=fit.score,
            reason=f"{member}: {fit.describe()}; {basis}",
            period=period or named,
            revision=self._name_revision(peek.name),
            name_period=named,
            period_basis=basis if period else "file name",
            layout=fit.layout.name,
        )

    @staticmethod
    def _name_period(name: str) -> date | None:
        match = _FILE_NAME.match(name)
        if match and match["month"].lower() in MONTHS:
            return date(int(match["year"]), MONTHS[match["month"].lower()], 1)
        return name_month(name)

    @staticmethod
    def _name_revision(name: str) -> int:
        match = _FILE_NAME.match(name)
        return _revision(match["rev1"] or match["rev2"]) if match else name_revision(name)

    def file_info(self, path: Path) -> FileInfo:
        match = _FILE_NAME.match(path.name)
        if not match or match["month"].lower() not in MONTHS:
            raise BadInputError(
                path.name,
                "file_name_matches_publisher",
                "expected <YYYYMMDD>-RTT-<Month>-<Year>-full-extract.csv.zip (optionally -revised or -v<n>)",
            )
        period = date(int(match["year"]), MONTHS[match["month"].lower()], 1)
        return FileInfo(period=period, revision=_revision(match["rev1"] or match["rev2"]))

    @staticmethod
    def _check_file(path: Path, period: date) -> None:
        """Rules on the name checked at load time (file_info must not raise for a file the scan assigns):
        the leading date is in the named month, and the month is not in the future. A download
        under another name (no leading date) is checked by its Period values only."""
        stamp = path.name[:8]
        if _FILE_NAME.match(path.name) and (stamp[:4], stamp[4:6]) != (
            f"{period.year:04d}",
            f"{period.month:02d}",
        ):
            raise BadInputError(
                path.name,
                "file_name_matches_publisher",
                f"the date {stamp} is not in {period:%B %Y}, the month the name gives",
            )
        check_not_future(path, period)

    # ---- the row-by-row path (any column order; also what the fast path falls back to) ----------
    def rows(self, path: Path, info: FileInfo) -> Iterator[tuple[int, str, dict[str, str]]]:
        assert info.period is not None
        self._check_file(path, info.period)
        with fastcopy.open_zip_csv(path) as (_member, stream):
            header, terminator = self._header(path, stream)
            for starts, records in fastcopy.record_blocks(path, stream, terminator):
                for line, record in zip(starts, records, strict=True):
                    cells = _cells(path, line, record)
                    if not any(c.strip() for c in cells):
                        continue
                    values = _mapped(path, line, cells, header)
                    self.check_record(path, line, values, info.period)
                    yield line, header.layout.name, values

    def _header(self, path: Path, stream: IO[bytes]) -> tuple[_Header, bytes]:
        cells, terminator = fastcopy.read_header(path, stream)
        if [normalise_header(c) for c in cells] == _CANONICAL_HEADER:
            return _Header(RTT_FULL_EXTRACT, dict(enumerate(RAW_COLUMNS)), len(cells)), terminator
        match = self.find_header(path, iter([(1, cells)]))  # names missing / unexpected columns
        return _Header(match.layout, match.positions, len(cells)), terminator

    @staticmethod
    def check_record(path: Path, line: int, values: dict[str, str], period: date) -> None:
        """Every row rule, one by one; raises BadInputError naming the first one broken."""
        text = values["period"]
        row_period = parse_period(text)
        if row_period is None:
            raise BadInputError(path.name, "period_is_rtt_month_year", f"Period = {text!r}", row=line)
        if row_period != period:
            raise BadInputError(
                path.name,
                "period_matches_file_name",
                f"Period {text!r} is {row_period:%B %Y}, the file name says {period:%B %Y}",
                row=line,
            )
        if not _ODS_CODE.match(values["provider_org_code"]):
            raise BadInputError(
                path.name,
                "provider_org_code_is_ods_code",
                f"Provider Org Code = {values['provider_org_code']!r} (3 to 5 capital letters and digits)",
                row=line,
            )
        if values["rtt_part_type"] not in PART_TYPES:
            raise BadInputError(
                path.name,
                "rtt_part_type_is_known",
                f"RTT Part Type = {values['rtt_part_type']!r}; known: {', '.join(PART_TYPES)}",
                row=line,
            )
        counts = [values[c] for c in COUNT_COLUMNS]
        if _COUNTS_DIGITS_ONLY.fullmatch(",".join(counts)):
            return
        for column, value in zip(COUNT_COLUMNS, counts, strict=True):
            if not value:
                continue  # the publisher leaves bands blank where there is nothing to report
            match = _COUNT.match(value)
            if match is None:
                raise BadInputError(
                    path.name, "count_is_a_number", f"{column} = {value!r} is not a number", row=line
                )
            if match["minus"]:
                raise BadInputError(
                    path.name, "count_is_not_negative", f"{column} = {value!r} is negative", row=line
                )

    # ---- the fast path (the loader calls this instead of rows()) --------------------------------
    def copy_file(self, conn: psycopg.Connection, path: Path, info: FileInfo, meta: LoadMeta) -> int:
        """Stream the CSV from the ZIP into COPY, line by line, with the load metadata in front."""
        import psycopg

        from oversight.settings import RAW_SCHEMA

        assert info.period is not None
        period = info.period
        self._check_file(path, period)
        with fastcopy.open_zip_csv(path) as (_member, stream):
            header, terminator = self._header(path, stream)
            in_order = header.cells == _N_FIELDS and header.positions == dict(enumerate(RAW_COLUMNS))
            if not in_order:
                return self._copy_row_by_row(conn, path, info, meta, header, stream, terminator)

            prefix = (
                b",".join(
                    fastcopy.csv_field(v)
                    for v in (meta.load_id, meta.file_name, meta.sha256, meta.period, header.layout.name)
                )
                + b","
            )
            targets = ["_row_number", "_load_id", "_source_file", "_file_sha256", "_period", "_layout"]
            column_list = ", ".join([*targets, *(f'"{c}"' for c in RAW_COLUMNS)])
            sql = f"copy {RAW_SCHEMA}.{self.raw_table} ({column_list}) from stdin (format csv)"
            lines = _LinePass(self, path, period, header, prefix)
            try:
                with conn.cursor() as cursor, fastcopy.large_send_buffer(conn):
                    with cursor.copy(sql, writer=fastcopy.queued_writer(cursor)) as copy:
                        for starts, records in fastcopy.record_blocks(path, stream, terminator):
                            block = lines.block(starts, records)
                            if block:
                                copy.write(block)
                    copied = cursor.rowcount
            except psycopg.DataError as error:
                raise fastcopy.copy_error(path, error, lines.line_of) from None
        if copied != lines.count:
            raise BadInputError(
                path.name,
                "csv_is_well_formed",
                f"COPY read {copied} rows where the file has {lines.count} records "
                "(a stray quote or line break?)",
            )
        return lines.count

    def _copy_row_by_row(
        self,
        conn: psycopg.Connection,
        path: Path,
        info: FileInfo,
        meta: LoadMeta,
        header: _Header,
        stream: IO[bytes],
        terminator: bytes,
    ) -> int:
        """Columns in another order than published: parse every row (slower, same rules)."""
        from oversight.settings import RAW_SCHEMA

        assert info.period is not None
        targets = [
            *RAW_COLUMNS,
            "_load_id",
            "_source_file",
            "_file_sha256",
            "_row_number",
            "_period",
            "_layout",
        ]
        column_list = ", ".join(f'"{c}"' for c in targets)
        count = 0
        with conn.cursor().copy(f"copy {RAW_SCHEMA}.{self.raw_table} ({column_list}) from stdin") as copy:
            for starts, records in fastcopy.record_blocks(path, stream, terminator):
                for line, record in zip(starts, records, strict=True):
                    cells = _cells(path, line, record)
                    if not any(c.strip() for c in cells):
                        continue
                    values = _mapped(path, line, cells, header)
                    self.check_record(path, line, values, info.period)
                    copy.write_row(
                        [
                            *(values.get(c) or None for c in RAW_COLUMNS),
                            meta.load_id,
                            meta.file_name,
                            meta.sha256,
                            line,
                            meta.period,
                            header.layout.name,
                        ]
                    )
                    count += 1
        return count


class _LinePass:
    """The fast path's per-line work: check each record of a block and put the metadata in front.

    Three tiers, cheapest first: (1) bytes operations on the raw line (no quote, the file's period,
    an ODS provider code, a known part, counts of digits only or blank); (2) for a line with quoted
    fields (provider names with commas), the same test on the line without its quoted text; (3) any
    line that fails those is parsed by the csv module and goes through ``check_record``, which
    names the rule it breaks. The line is then passed on byte for byte. The number of fields is
    PostgreSQL's to check: COPY rejects a row with fewer or more fields than columns, and
    ``fastcopy.copy_error`` names the line and the rule row_fits_header.
    """

    def __init__(self, spec: RttFullExtract, path: Path, period: date, header: _Header, prefix: bytes):
        self.spec, self.path, self.period, self.header, self.prefix = spec, path, period, header, prefix
        self.period_bytes: bytes | None = None  # the file's own spelling, once a row has passed
        self.count = 0
        self._first_lines: list[int] = []  # line of the first record of each block written
        self._block_sizes: list[int] = []

    def block(self, starts: Sequence[int], records: list[bytes]) -> bytes:
        out: list[bytes] = []
        append, prefix, period_bytes = out.append, self.prefix, self.period_bytes
        parts, digits, n_ids, ods = _PART_BYTES, _DIGITS_AND_COMMAS, _N_IDS, _ODS_CODE_BYTES
        for line, record in zip(starts, records):  # noqa: B905 - hot loop, equal lengths by construction
            if b'"' not in record:
                fields = record.split(b",", n_ids)
                if (
                    fields[0] == period_bytes
                    and len(fields) > n_ids
                    and fields[_I_PART] in parts
                    and 2 < len(fields[_I_PROVIDER]) < 6
                    and not fields[_I_PROVIDER].translate(None, ods)
                    and not fields[n_ids].translate(None, digits)
                ):
                    append(b"%d,%b%b\n" % (line, prefix, record))
                    continue
            if self._passes(line, record):
                append(b"%d,%b%b\n" % (line, prefix, record))
                period_bytes = self.period_bytes
        if out:
            self._first_lines.append(starts[0])
            self._block_sizes.append(len(out))
            self.count += len(out)
        return b"".join(out)

    def _passes(self, line: int, record: bytes) -> bool:
        """Tiers 2 and 3: False for a blank line (skipped); raises BadInputError for a broken rule."""
        if b'"' in record:
            pieces = record.split(b'"')
            if not _quotes_at_field_edges(pieces):
                raise BadInputError(
                    self.path.name,
                    "csv_is_well_formed",
                    "a quote inside an unquoted field (quote the whole field and double the quote)",
                    row=line,
                )
            # the record without its quoted text: each quoted field becomes an empty one
            plain = b"".join(pieces[::2])
            if self.period_bytes is not None and _fields_pass(plain.split(b",", _N_IDS), self.period_bytes):
                return True
        cells = _cells(self.path, line, record)
        if not any(c.strip() for c in cells):
            return False
        values = _mapped(self.path, line, cells, self.header)
        self.spec.check_record(self.path, line, values, self.period)
        if self.period_bytes is None and not record.startswith(b'"'):
            self.period_bytes = record.split(b",", 1)[0]  # the file's own spelling, now checked
        return True

    def line_of(self, copy_row: int) -> int | None:
        """The file line of COPY's n-th row (1-based): exact when records are one line each."""
        seen = 0
        for first, size in zip(self._first_lines, self._block_sizes, strict=True):
            if copy_row <= seen + size:
                return first + (copy_row - seen - 1)
            seen += size
        return None


def _quotes_at_field_edges(pieces: list[bytes]) -> bool:
    """A record split at its quotes: True when each quote opens or closes a whole field (or is
    doubled inside one), i.e. the text outside quotes meets them only at commas or line ends. A
    quote inside an unquoted field (``SHEF"FIELD``) is where Python's csv and COPY part ways."""
    last = len(pieces) - 1
    for index in range(0, last + 1, 2):
        piece = pieces[index]
        if piece and ((index > 0 and piece[:1] != b",") or (index < last and piece[-1:] != b",")):
            return False
    return True


def _fields_pass(fields: list[bytes], period: bytes) -> bool:
    """The fast test on a line split at its first 13 commas (see _LinePass.block, which inlines it)."""
    return (
        fields[0] == period
        and len(fields) > _N_IDS
        and fields[_I_PART] in _PART_BYTES
        and 2 < len(fields[_I_PROVIDER]) < 6
        and not fields[_I_PROVIDER].translate(None, _ODS_CODE_BYTES)
        and not fields[_N_IDS].translate(None, _DIGITS_AND_COMMAS)
    )


@dataclass(frozen=True)
class _Header:
    """The matched layout, cell index -> raw column, and how many cells the header row has."""

    layout: Layout
    positions: dict[int, str]
    cells: int


def _mapped(path: Path, line: int, cells: list[str], header: _Header) -> dict[str, str]:
    """A data row's cells by raw column; the row must have as many fields as the header."""
    if len(cells) != header.cells:
        raise BadInputError(
            path.name, "row_fits_header", f"{len(cells)} fields; the header has {header.cells}", row=line
        )
    if len(header.positions) < header.cells:  # stray empty headers at the end of the row
        for index, cell in enumerate(cells):
            if index not in header.positions and cell.strip():
                raise BadInputError(
                    path.name,
                    "row_fits_header",
                    f"value {cell!r} in column {index + 1}, which has no header",
                    row=line,
                )
    return {column: cells[index] for index, column in header.positions.items()}


def _cells(path: Path, line: int, record: bytes) -> list[str]:
    """One complete CSV record parsed by the csv module (the record is UTF-8: checked per block)."""
    try:
        return next(csv.reader([record.decode("utf-8")]), [])
    except csv.Error as exc:  # e.g. a bare line feed inside a line of a CRLF file
        raise BadInputError(path.name, "csv_is_well_formed", str(exc), row=line) from None


RTT = RttFullExtract()
SOURCE = RTT
