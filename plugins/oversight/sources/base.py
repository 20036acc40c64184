"""What every source declares: the layouts it accepts, how its files are named, and its row rules."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from oversight.errors import BadInputError

if TYPE_CHECKING:
    from oversight.peek import Peek

METADATA_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_load_id", "bigint not null"),
    ("_source_file", "text not null"),
    ("_file_sha256", "text not null"),
    ("_row_number", "integer not null"),
    ("_period", "date"),
    ("_layout", "text not null"),
    ("_loaded_at", "timestamptz not null default now()"),
)

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}


def normalise_header(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


@dataclass(frozen=True)
class Layout:
    """One generation of a file's columns: (header as published, raw column name) pairs."""

    name: str
    columns: tuple[tuple[str, str], ...]
    optional: frozenset[str] = field(default_factory=frozenset)

    @property
    def required_headers(self) -> set[str]:
        return {normalise_header(h) for h, _ in self.columns if h not in self.optional}

    @property
    def known_headers(self) -> dict[str, str]:
        return {normalise_header(h): col for h, col in self.columns}


@dataclass(frozen=True)
class FileInfo:
    """What the file name says: the period it covers and its revision level (0 = first issue)."""

    period: date | None
    revision: int = 0


@dataclass(frozen=True)
class Recognition:
    """A source's verdict on a peeked file (see ``SourceSpec.recognise``).

    matched: the file is this source's (its content says so; the name alone never suffices);
    score: how close it came, 0-100, used to name the closest source of an unrecognised file;
    reason: what matched, or why not (shown in the manifest and the run summary);
    period / revision: what the content (or failing that the name) says the file covers;
    name_period: the period the file name states, if any (the scan quarantines a file whose name
    and content disagree, with both values in the reason).
    """

    source: str
    matched: bool
    score: int
    reason: str
    period: date | None = None
    revision: int = 0
    name_period: date | None = None
    period_basis: str = ""  # where ``period`` was read, e.g. "Period column 'MSitAE-APRIL-2025'"
    layout: str | None = None  # the layout whose header (or shape) the file carries

    @property
    def info(self) -> FileInfo:
        return FileInfo(period=self.period, revision=self.revision)


@dataclass(frozen=True)
class HeaderFit:
    """How well one row of a peek carries a layout's header (``best_header_fit``)."""

    layout: Layout
    row_index: int  # 0-based index in the peeked rows
    required: int
    present: int  # required headers present
    known: int  # non-empty cells of the row that are headers of the layout
    cells: int  # non-empty cells of the row
    missing: tuple[str, ...]
    positions: dict[int, str]  # cell index -> raw column

    @property
    def matched(self) -> bool:
        return not self.missing

    @property
    def score(self) -> int:
        """Recognition score, 0-100. A row with every required header scores 60-100, the more of
        its cells the layout explains the higher (so of two layouts whose required headers are all
        present, the more specific wins); a partial header scores below 60, by the share of the
        required headers present and the share of the row's cells the layout knows (their harmonic
        mean, so that neither a small layout nor a wide unrelated row comes out close)."""
        precision = self.known / max(self.cells, 1)
        if self.matched:
            return 60 + round(40 * precision)
        recall = self.present / max(self.required, 1)
        return round(59 * 2 * precision * recall / (precision + recall)) if recall and precision else 0

    def describe(self) -> str:
        if self.matched:
            return f"header of layout {self.layout.name!r} on row {self.row_index + 1}"
        shown = ", ".join(self.missing[:5]) + (
            f" and {len(self.missing) - 5} more" if len(self.missing) > 5 else ""
        )
        return (
            f"closest layout {self.layout.name!r} (row {self.row_index + 1}): {self.present} of "
            f"{self.required} required columns, missing {shown}"
        )


def best_header_fit(rows: list[list[str]], layouts: tuple[Layout, ...], search_rows: int) -> HeaderFit | None:
    """The best fit of any layout's header to any of the first ``search_rows`` rows."""
    best: HeaderFit | None = None
    for index, cells in enumerate(rows[:search_rows]):
        normalised = [normalise_header(c) for c in cells]
        present = {h for h in normalised if h}
        if not present:
            continue
        for layout in layouts:
            required = layout.required_headers
            known = layout.known_headers
            fit = HeaderFit(
                layout=layout,
                row_index=index,
                required=len(required),
                present=len(required & present),
                known=len(present & set(known)),
                cells=len(present),
                missing=tuple(h for h, _ in layout.columns if normalise_header(h) in required - present),
                positions={i: known[h] for i, h in enumerate(normalised) if h in known},
            )
            if best is None or (fit.score, fit.present) > (best.score, best.present):
                best = fit
    return best


def recognise_csv(
    spec: SourceSpec,
    peek: Peek,
    *,
    name_period: date | None,
    revision: int,
    period_of: Callable[[dict[str, str]], tuple[date | None, str]] | None = None,
) -> Recognition:
    """The common recognition of a CSV with a header row: the best layout fit in the first
    ``header_search_rows`` rows; ``period_of`` reads the period from the first data row (as raw
    column -> text) and says where it found it; without it (or without a value) the name's period."""
    if peek.kind != "csv":
        return not_recognised(spec.name, f"a {peek.kind} file; {spec.name} files are CSV")
    rows = peek.first_rows
    fit = best_header_fit(rows, spec.layouts, spec.header_search_rows)
    if fit is None:
        return not_recognised(spec.name, "no header row")
    if not fit.matched:
        return not_recognised(spec.name, fit.describe(), fit.score)
    period, basis = None, ""
    if period_of is not None:
        basis = "no data row in the first rows"
        for cells in rows[fit.row_index + 1 :]:
            if any(c.strip() for c in cells):
                record = {col: cells[i] for i, col in fit.positions.items() if i < len(cells)}
                period, basis = period_of(record)
                break
    return Recognition(
        source=spec.name,
        matched=True,
        score=fit.score,
        reason=fit.describe() + (f"; {basis}" if basis else ""),
        period=period or name_period,
        revision=revision,
        name_period=name_period,
        period_basis=basis if period else "file name",
        layout=fit.layout.name,
    )


def not_recognised(source: str, reason: str, score: int = 0) -> Recognition:
    return Recognition(source=source, matched=False, score=score, reason=reason)


# ---- what a file name says (a hint: the website's download names vary) ------------------------
_MONTH_WORDS = "|".join(sorted(MONTHS, key=len, reverse=True))
_NAME_MONTH = re.compile(rf"(?<![a-z])(?P<month>{_MONTH_WORDS})[-_ ]?(?P<year>(?:19|20)\d{{2}})(?!\d)", re.I)
_NAME_REVISED = re.compile(r"(?<![a-z])revised(?![a-z])", re.I)
_NAME_VERSION = re.compile(r"(?<![a-z0-9])v(?P<n>\d{1,2})(?![0-9])", re.I)


def name_month(name: str) -> date | None:
    """The first ``<Month>[-_ ]<Year>`` in a file name (any case): ``July-2025-CSV-9jfy4.csv``,
    ``Monthly-AE-June-2024 (1).CSV``, ``ae_june2025_...`` -> the first of that month."""
    match = _NAME_MONTH.search(name)
    if not match:
        return None
    return date(int(match["year"]), MONTHS[match["month"].lower()], 1)


def name_revision(name: str) -> int:
    """Revision level a file name states: ``-revised`` = 1, ``-v<n>`` = n - 1, else 0. Random
    download suffixes (``-9jfy4``, ``_3EY67``), ``-1`` and `` (1)`` are not revisions: they are how
    browsers and the publisher's website name copies of the same download."""
    revision = 1 if _NAME_REVISED.search(name) else 0
    for match in _NAME_VERSION.finditer(name):
        revision = max(revision, int(match["n"]) - 1)
    return revision


@dataclass(frozen=True)
class HeaderMatch:
    layout: Layout
    row_number: int
    positions: dict[int, str]  # cell index -> raw column


class SourceSpec:
    """Base class: subclasses set the class attributes and implement ``file_info`` and ``rows``."""

    name: str
    raw_table: str
    description: str
    cadence: str
    layouts: tuple[Layout, ...]
    # The publisher's own file name: a hint only. The landing scan gives a file to the source
    # whose recognise() matches its content; only a file no content matches goes by this name.
    file_pattern: re.Pattern[str]
    header_search_rows: int = 1
    # Backfill: a run for logical date D expects the file of period expected_period(D): the period
    # published around D, `publication_lag_months` earlier, truncated to `period_grain`
    # (month | quarter | year). None: the source has no periodic files (CQC snapshots).
    period_grain: str | None = "month"
    publication_lag_months: int | None = 1

    # The raw table's contract, checked by the Great Expectations raw gate on every new load
    # (oversight.gate.suites builds a suite from these for each source):
    raw_not_null: tuple[str, ...] = ()  # columns that must be non-null
    raw_regex: dict[str, str] = {}  # column -> regex every non-null value matches  # noqa: RUF012
    raw_value_sets: dict[str, tuple[str, ...]] = {}  # column -> allowed values  # noqa: RUF012
    raw_unique_per_load: tuple[str, ...] = ()  # columns unique together within one load

    # ---- columns of the raw table -------------------------------------------------------------
    @property
    def raw_columns(self) -> list[str]:
        seen: dict[str, None] = {}
        for layout in self.layouts:
            for _, column in layout.columns:
                seen.setdefault(column, None)
        return list(seen)

    def create_table_sql(self, schema: str) -> str:
        cols = [f'"{c}" text' for c in self.raw_columns] + [f"{n} {t}" for n, t in METADATA_COLUMNS]
        return (
            f"create table if not exists {schema}.{self.raw_table} (\n    " + ",\n    ".join(cols) + "\n);\n"
            # a layout added to a source adds columns: a warehouse created before gets them too
            f"alter table {schema}.{self.raw_table} "
            + ", ".join(f'add column if not exists "{c}" text' for c in self.raw_columns)
            + ";\n"
            f"create index if not exists {self.raw_table}__load on {schema}.{self.raw_table} (_load_id);\n"
            f"comment on table {schema}.{self.raw_table} is '{self.description} Every source column is kept "
            "as text; _-prefixed columns are load metadata.';"
        )

    # ---- files ---------------------------------------------------------------------------------
    def file_info(self, path: Path) -> FileInfo:
        raise NotImplementedError

    def recognise(self, peek: Peek) -> Recognition:
        """Is this peeked file one of this source's? Decided by content (header row, title block,
        sheet names, period values); the name is a hint. Every source implements it; the landing
        scan calls it for every file against every source."""
        raise NotImplementedError

    def rows(self, path: Path, info: FileInfo) -> Iterator[tuple[int, str, dict[str, str]]]:
        """Yield (row_number, layout name, {raw column: text}) for each data row, checking its rules."""
        raise NotImplementedError

    def expected_period(self, logical_date: date) -> date | None:
        """The period whose file a scheduled or backfill run on `logical_date` should load."""
        if self.period_grain is None or self.publication_lag_months is None:
            return None
        months = logical_date.year * 12 + logical_date.month - 1 - self.publication_lag_months
        year, month = divmod(months, 12)
        month += 1
        if self.period_grain == "quarter":
            month = 3 * ((month - 1) // 3) + 1
        elif self.period_grain == "year":
            month = 1
        return date(year, month, 1)

    # ---- header matching -----------------------------------------------------------------------
    def match_header(self, path: Path, row_number: int, cells: list[str]) -> HeaderMatch | None:
        """The layout whose headers this row carries, or None if the row is not a header row."""
        normalised = [normalise_header(c) for c in cells]
        present = {h for h in normalised if h}
        best: tuple[int, Layout] | None = None
        for layout in self.layouts:
            missing = layout.required_headers - present
            unexpected = present - set(layout.known_headers) - _stray_trailing_headers(normalised, layout)
            if not missing and not unexpected:
                positions = {
                    i: layout.known_headers[h] for i, h in enumerate(normalised) if h in layout.known_headers
                }
                return HeaderMatch(layout, row_number, positions)
            overlap = len(layout.required_headers & present)
            if best is None or overlap > best[0]:
                best = (overlap, layout)
        if best and best[0] >= max(2, len(best[1].required_headers) // 2):
            layout = best[1]
            missing = sorted(layout.required_headers - present)
            unexpected = sorted(present - set(layout.known_headers))
            raise BadInputError(
                path.name,
                "header_matches_a_known_layout",
                f"closest layout is {layout.name!r}; missing columns: {missing or 'none'}; "
                f"unexpected columns: {unexpected or 'none'}",
                row=row_number,
            )
        return None

    def find_header(self, path: Path, rows: Iterator[tuple[int, list[str]]]) -> HeaderMatch:
        for row_number, cells in rows:
            match = self.match_header(path, row_number, cells)
            if match:
                return match
            if row_number >= self.header_search_rows:
                break
        raise BadInputError(
            path.name,
            "header_matches_a_known_layout",
            f"no header row of any known layout ({', '.join(layout.name for layout in self.layouts)}) "
            f"in the first {self.header_search_rows} row(s)",
            row=1,
        )


def _stray_trailing_headers(normalised: list[str], layout: Layout) -> set[str]:
    """Headers to the right of every known column (the September 2024 A&E file ends its header with
    six empty names and a stray ``a``). They are tolerated only while every value under them is
    empty: ``record_from_cells`` rejects a row with a value there."""
    known = [i for i, h in enumerate(normalised) if h in layout.known_headers]
    if not known:
        return set()
    return {h for h in normalised[max(known) + 1 :] if h and h not in layout.known_headers}


def record_from_cells(path: Path, row_number: int, cells: list[str], header: HeaderMatch) -> dict[str, str]:
    """Map a data row onto raw columns; cells beyond the header must be empty."""
    record: dict[str, str] = {}
    for index, cell in enumerate(cells):
        column = header.positions.get(index)
        if column is None:
            if cell.strip():
                raise BadInputError(
                    path.name,
                    "row_fits_header",
                    f"value {cell!r} in column {index + 1}, which has no header",
                    row=row_number,
                )
            continue
        record[column] = cell
    return record


def parse_count(path: Path, row_number: int, column: str, text: str) -> float:
    """A non-negative count (fractional counts are real in some sources)."""
    cleaned = text.strip().replace(",", "")
    try:
        value = float(cleaned)
    except ValueError:
        raise BadInputError(
            path.name, "count_is_a_number", f"{column} = {text!r} is not a number", row=row_number
        ) from None
    if value < 0:
        raise BadInputError(
            path.name, "count_is_not_negative", f"{column} = {text!r} is negative", row=row_number
        )
    return value


def check_not_future(path: Path, period: date, today: date | None = None) -> None:
    today = today or date.today()
    if (period.year, period.month) > (today.year, today.month):
        raise BadInputError(
            path.name, "period_not_in_future", f"period {period:%Y-%m} is after {today:%Y-%m}"
        )


COUNT_TOLERANCE = 1e-6  # shared pathways give half counts; sums of halves are exact to this


def check_within_after_total(
    path: Path,
    row_number: int,
    who: str,
    counts: tuple[float, float, float],
    labels: tuple[str, str | None, str],
) -> None:
    """Waiting-times counts (within, after, total) as each layout names them (labels: within, after
    or None when the layout's after column is not checked on its own, total): within and after
    cannot exceed the total, and within + after is the total."""
    within, after, total = counts
    within_label, after_label, total_label = labels
    if within > total + COUNT_TOLERANCE:
        raise BadInputError(
            path.name,
            "within_not_above_total",
            f"{who}: {within_label} = {within:g} > {total_label} = {total:g}",
            row=row_number,
        )
    if after_label is not None and after > total + COUNT_TOLERANCE:
        raise BadInputError(
            path.name,
            "after_not_above_total",
            f"{who}: {after_label} = {after:g} > {total_label} = {total:g}",
            row=row_number,
        )
    if abs(within + after - total) > COUNT_TOLERANCE:
        raise BadInputError(
            path.name,
            "within_plus_after_is_total",
            f"{who}: {within:g} + {after:g} != {total_label} {total:g}",
            row=row_number,
        )
