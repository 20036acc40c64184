"""Load publisher files into raw tables with PostgreSQL COPY, once per file, with quarantine.

For each file the landing scan (oversight.landing) assigns to a source, in any folder of LANDING_DIR:
- its sha256 is looked up in ``raw.load_manifest``: a file already loaded and validated is a no-op,
  a file already quarantined is reported again, not re-read; a file loaded but never validated
  (``validation`` pending: the run stopped between COPY and the raw suite) is reported ``pending``,
  never as done, and the raw suite of this run validates it;
- otherwise its rows are checked against the source's contract while they stream into the raw
  table through COPY, in one transaction with its manifest row (``validation`` pending: dbt does
  not see the rows until the raw GX suite passed, oversight.tasks.validate_raw). The first broken
  rule rolls the transaction back, copies the file to OVERSIGHT_HOME/quarantine/<source>/ with a
  ``.reason.txt`` and records the reason in the manifest. Nothing of a rejected file is loaded.

A run holds the source's advisory lock while it loads (oversight.source_lock): two runs of one
source never load the same file twice; the second waits, bounded, and says so.

A file for a period that is already loaded gets the next vintage; models read the latest vintage
and the earlier ones stay queryable.
"""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from oversight import faultpoints, hostile, landing
from oversight.errors import BadInputError
from oversight.landing import sha256_of
from oversight.settings import RAW_SCHEMA, Settings, get_settings
from oversight.sources import SOURCES, get_source
from oversight.sources.base import FileInfo, SourceSpec

if TYPE_CHECKING:
    import psycopg

    from oversight.warehouse import Connection

log = logging.getLogger(__name__)


@dataclass
class LoadResult:
    source: str
    file_name: str
    status: str  # loaded | pending | duplicate | quarantined | previously_quarantined | missing
    rows_loaded: int = 0
    load_id: int | None = None
    period: str | None = None
    vintage: int | None = None
    message: str | None = None


def create_raw_tables(conn: psycopg.Connection) -> list[str]:
    """Create each source's raw table, or give it the columns a new layout added; a table already
    complete (columns and load index) is not touched: its DDL, `if not exists` or not, takes an
    ACCESS EXCLUSIVE lock, and one run's bootstrap deadlocked another run's load of the same source
    (test_validate_then_commit: two runs at once). Returns the tables changed."""
    from oversight.sources.base import METADATA_COLUMNS

    columns: dict[str, set[str]] = {}
    for table, column in conn.execute(
        "select table_name, column_name from information_schema.columns where table_schema = %s",
        (RAW_SCHEMA,),
    ):
        columns.setdefault(table, set()).add(column)
    indexes = {
        r[0] for r in conn.execute("select indexname from pg_indexes where schemaname = %s", (RAW_SCHEMA,))
    }
    changed = []
    for spec in SOURCES.values():
        wanted = {*spec.raw_columns, *(name for name, _ in METADATA_COLUMNS)}
        complete = wanted <= columns.get(spec.raw_table, set()) and f"{spec.raw_table}__load" in indexes
        if not complete:
            conn.execute(spec.create_table_sql(RAW_SCHEMA))
            columns[spec.raw_table] = wanted | columns.get(spec.raw_table, set())
            indexes.add(f"{spec.raw_table}__load")
            changed.append(spec.raw_table)
    return changed


def quarantine_file(
    settings: Settings, spec: SourceSpec, path: Path, error: BadInputError, sha256: str | None = None
) -> Path:
    """The file copied to the source's quarantine folder with a ``.reason.txt``; a symbolic link or
    a file over ``quarantine_copy_max_bytes`` by reference instead (``<name>.reference.json``: its
    path, size, sha256 hashed in streamed blocks, and reason; oversight.hostile)."""
    folder = settings.quarantine_dir / spec.name
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    not_copied = hostile.copy_refusal(path, settings)
    if not_copied is None:
        shutil.copy2(path, target, follow_symlinks=False)
    else:
        digest = sha256 if sha256 is not None or path.is_symlink() else sha256_of(path)
        hostile.write_reference(target, path, digest or "", str(error), not_copied)
    target.with_name(path.name + ".reason.txt").write_text(
        json.dumps(
            {
                "file": error.file,
                "row": error.row,
                "rule": error.rule,
                "detail": error.detail,
                "message": str(error),
            },
            indent=2,
        )
        + "\n"
    )
    return target


def load_file(
    conn: psycopg.Connection,
    spec: SourceSpec,
    path: Path,
    settings: Settings | None = None,
    scanned: landing.ScannedFile | None = None,
    analyze: bool = True,
) -> LoadResult:
    """Load one landing file of ``spec``: period and revision from the scan (what ``recognise``
    read in the file), else from the file name (``file_info``). With ``analyze`` (a file loaded on
    its own), the raw table's statistics are refreshed after it; ``ingest_source`` passes False
    and analyzes once after all its files."""
    settings = settings or get_settings()
    if scanned is None and path.is_symlink():  # never stat or hash through a link
        reason = hostile.path_refusal(path, settings.landing_dir) or f"a symbolic link: {path}"
        scanned = landing.refused_file(path, path.name, reason)
    if scanned is None:
        scanned = landing.ScannedFile(
            path=path,
            relative=_relative(path, settings),
            size=path.stat().st_size,
            sha256=sha256_of(path),
            kind="",
            verdict=landing.RECOGNISED,
            source=spec.name,
            period=None,
            revision=0,
            reason="loaded by name",
            by_name=True,
        )
    # a file taken by its publisher name has the period and revision its name gives (file_info,
    # which names the rule a malformed name breaks); otherwise what the scan read in the file
    info: FileInfo | None = None if scanned.by_name else scanned.info
    sha, relative = scanned.sha256, scanned.relative
    previous = conn.execute(
        f"select status, load_id, message, file_name, landing_path, validation, rows_loaded, period, "
        f"vintage from {RAW_SCHEMA}.load_manifest "
        "where source = %s and file_sha256 = %s and status in ('loaded', 'quarantined') "
        "order by load_id desc limit 1",
        (spec.name, sha),
    ).fetchone()
    conn.commit()
    same_path = bool(previous) and (
        previous[4] == relative or (previous[4] is None and previous[3] == path.name)
    )
    if previous and previous[0] == "loaded":
        if previous[5] == "pending" and same_path:
            return LoadResult(  # committed, never validated: not done, the raw suite takes it
                spec.name,
                path.name,
                "pending",
                rows_loaded=previous[6],
                load_id=previous[1],
                period=previous[7].isoformat() if previous[7] else None,
                vintage=previous[8],
                message=f"loaded as load {previous[1]} by an earlier run that stopped before its raw "
                "suite: not validated yet, validated by this run",
            )
        if same_path:
            return LoadResult(
                spec.name,
                path.name,
                "duplicate",
                load_id=previous[1],
                message=f"identical file already loaded as load {previous[1]}",
            )
        return _record_duplicate(conn, spec, scanned, previous[1], previous[4] or previous[3])
    if previous and previous[0] == "quarantined":
        if not same_path:
            _record_quarantined_copy(conn, spec, scanned, previous[4] or previous[3], previous[2])
        return LoadResult(
            spec.name, path.name, "previously_quarantined", load_id=previous[1], message=previous[2]
        )

    size = scanned.size
    period: date | None = scanned.period
    try:
        if scanned.verdict == landing.REFUSED:  # handed to the loader directly; the scan gives no source
            raise BadInputError(path.name, "file_is_safe_to_read", scanned.reason)
        if scanned.verdict == landing.CONFLICT:
            raise BadInputError(path.name, "period_in_name_matches_content", scanned.reason)
        if info is None:
            info = spec.file_info(path)
        period = info.period
        if size == 0:
            raise BadInputError(path.name, "file_is_not_empty", "the file has 0 bytes")
        refused = hostile.archive_refusal(path, settings)
        if refused is not None:  # before any reader inflates a member
            raise BadInputError(path.name, "archive_within_limits", refused)
        with conn.transaction():
            conn.execute("select pg_advisory_xact_lock(hashtext(%s))", (f"load:{spec.name}",))
            vintage = conn.execute(
                f"select coalesce(max(vintage), 0) + 1 from {RAW_SCHEMA}.load_manifest "
                "where source = %s and period is not distinct from %s and status = 'loaded'",
                (spec.name, period),
            ).fetchone()[0]
            load_id = conn.execute(
                f"insert into {RAW_SCHEMA}.load_manifest "
                "(source, file_name, landing_path, file_sha256, file_bytes, period, vintage, revision, "
                "status, validation, target_table, message) "
                "values (%s, %s, %s, %s, %s, %s, %s, %s, 'loaded', 'pending', %s, %s) returning load_id",
                (
                    spec.name,
                    path.name,
                    relative,
                    sha,
                    size,
                    period,
                    vintage,
                    info.revision,
                    f"{RAW_SCHEMA}.{spec.raw_table}",
                    scanned.reason,
                ),
            ).fetchone()[0]
            rows = _copy_rows(conn, spec, path, info, load_id, sha, period)
            if rows == 0:
                raise BadInputError(path.name, "file_has_data_rows", "no data rows below the header")
            conn.execute(
                f"update {RAW_SCHEMA}.load_manifest set rows_loaded = %s where load_id = %s", (rows, load_id)
            )
            faultpoints.reached("raw_copy")
    except BadInputError as error:
        conn.rollback()
        target = quarantine_file(settings, spec, path, error, sha)
        with conn.transaction():
            load_id = conn.execute(
                f"insert into {RAW_SCHEMA}.load_manifest "
                "(source, file_name, landing_path, file_sha256, file_bytes, period, status, message) "
                "values (%s, %s, %s, %s, %s, %s, 'quarantined', %s) returning load_id",
                (spec.name, path.name, relative, sha, size, period, str(error)),
            ).fetchone()[0]
        log.error("quarantined %s -> %s: %s", path, target, error)
        return LoadResult(
            spec.name,
            path.name,
            "quarantined",
            load_id=load_id,
            period=period.isoformat() if period else None,
            message=str(error),
        )
    if analyze:
        analyze_raw(conn, spec)
    log.info("loaded %s: %d rows as load %d (vintage %d), pending", path.name, rows, load_id, vintage)
    return LoadResult(
        spec.name, path.name, "loaded", rows, load_id, period.isoformat() if period else None, vintage
    )


def analyze_raw(conn: psycopg.Connection, spec: SourceSpec) -> None:
    """Fresh statistics on the source's raw table and the manifest, so that the raw gate's queries
    and the models' joins on just-loaded rows are planned well.

    Once per run, not per file (measured reason): ANALYZE samples up to 30,000 rows of every
    column however few were added. Loading 12 generated months (bench/scale_generate.py, 2-core
    machine, two runs each) took 5.3 s with an ANALYZE per file and 2.2 s with one per run for
    DM01 (43,800 rows), 6.5 s and 4.5 s for CWT (206,916 rows), 0.30 s and 0.18 s for A&E."""
    conn.execute(f"analyze {RAW_SCHEMA}.{spec.raw_table}")
    conn.execute(f"analyze {RAW_SCHEMA}.load_manifest")
    conn.commit()


def _analyze_quietly(conn: psycopg.Connection, spec: SourceSpec) -> None:
    """analyze_raw while another error is on its way up: a failure here is logged, not raised."""
    try:
        conn.rollback()
        analyze_raw(conn, spec)
    except Exception:
        log.warning("could not ANALYZE raw.%s after a failed load run", spec.raw_table, exc_info=True)


def _relative(path: Path, settings: Settings) -> str:
    try:
        return path.resolve().relative_to(settings.landing_dir.resolve()).as_posix()
    except ValueError:  # a file loaded from outside the landing folder (tests, benchmarks)
        return path.name


def _record_duplicate(
    conn: psycopg.Connection, spec: SourceSpec, scanned: landing.ScannedFile, load_id: int, loaded_as: str
) -> LoadResult:
    """The same content under another name or path: one ``duplicate`` row (once per path and
    sha256), never a second load or a new vintage."""
    message = f"same content (sha256) as {loaded_as}, loaded as load {load_id}"
    with conn.transaction():
        conn.execute(
            f"insert into {RAW_SCHEMA}.load_manifest "
            "(source, file_name, landing_path, file_sha256, file_bytes, period, revision, status, "
            "duplicate_of, message) values (%s, %s, %s, %s, %s, %s, %s, 'duplicate', %s, %s) "
            "on conflict do nothing",
            (
                spec.name,
                scanned.name,
                scanned.relative,
                scanned.sha256,
                scanned.size,
                scanned.period,
                scanned.revision,
                load_id,
                message,
            ),
        )
    return LoadResult(spec.name, scanned.name, "duplicate", load_id=load_id, message=message)


def _record_quarantined_copy(
    conn: psycopg.Connection, spec: SourceSpec, scanned: landing.ScannedFile, first: str, reason: str
) -> None:
    """A copy (other name or path) of a quarantined file: its own quarantined row, once."""
    with conn.transaction():
        conn.execute(
            f"insert into {RAW_SCHEMA}.load_manifest "
            "(source, file_name, landing_path, file_sha256, file_bytes, period, status, message) "
            "select %s, %s, %s, %s, %s, %s, 'quarantined', %s where not exists ("
            f"select 1 from {RAW_SCHEMA}.load_manifest where file_sha256 = %s and landing_path = %s)",
            (
                spec.name,
                scanned.name,
                scanned.relative,
                scanned.sha256,
                scanned.size,
                scanned.period,
                f"same content (sha256) as {first}, quarantined: {reason}",
                scanned.sha256,
                scanned.relative,
            ),
        )


class BuildRunningError(RuntimeError):
    """Validated loads could not be marked: a dbt build held the build lock for too long."""


def mark_validated(conn: psycopg.Connection, load_ids: list[int], wait_seconds: float | None = None) -> int:
    """The raw suite passed these pending loads: dbt reads their rows from now on (macro
    validated_rows). Returns how many loads changed; the caller commits, which ends the wait below.

    Not while a dbt build runs: each dbt node reads the manifest when it runs, so a load validated
    mid-build would be seen by some nodes and not others. int_rtt__metric_values could then take in
    a load whose staging tests had already run without it, and later incremental builds test only
    loads absent from that state (macro get_where_subquery): its rows would never be tested. So
    the change waits for the build lock (oversight.build_lock, shared: marks never wait for each
    other) for at most `wait_seconds` (OVERSIGHT_BUILD_LOCK_WAIT), and the build that starts next
    sees the loads whole."""
    import psycopg

    from oversight.build_lock import LOCK_KEY

    wait = get_settings().build_lock_wait_seconds if wait_seconds is None else wait_seconds
    before = conn.execute("select current_setting('lock_timeout')").fetchone()[0]
    conn.execute("select set_config('lock_timeout', %s, true)", (f"{max(int(wait * 1000), 1)}ms",))
    try:
        conn.execute("select pg_advisory_xact_lock_shared(%s)", (LOCK_KEY,))
    except psycopg.errors.LockNotAvailable as error:
        raise BuildRunningError(
            f"loads {list(load_ids)} passed the raw suite but stay pending: a dbt build ran for longer "
            f"than {wait:g} s (OVERSIGHT_BUILD_LOCK_WAIT); the next run validates them again"
        ) from error
    conn.execute("select set_config('lock_timeout', %s, true)", (before,))
    cursor = conn.execute(
        f"update {RAW_SCHEMA}.load_manifest set validation = 'validated' "
        "where load_id = any(%s) and validation = 'pending'",
        (list(load_ids),),
    )
    return cursor.rowcount


def record_unaccounted(conn: psycopg.Connection, files: list[landing.ScannedFile]) -> int:
    """An ``unrecognised`` manifest row for each file no source takes (unrecognised or ambiguous),
    once per landing path and sha256: every ingestion run records them, so a file is accounted
    for as soon as any ingestion DAG runs, and a re-run adds nothing. Returns the rows added."""
    added = 0
    with conn.transaction():
        for f in files:
            if f.source is not None:
                continue
            cursor = conn.execute(
                f"insert into {RAW_SCHEMA}.load_manifest "
                "(source, file_name, landing_path, file_sha256, file_bytes, status, closest_source, "
                "message) values (null, %s, %s, %s, %s, 'unrecognised', %s, %s) on conflict do nothing",
                (f.name, f.relative, f.sha256, f.size, f.closest, f"{f.verdict}: {f.reason}"),
            )
            added += cursor.rowcount
    if added:
        log.warning("%d landing file(s) recognised by no source (see raw.load_manifest)", added)
    return added


@dataclass(frozen=True)
class LoadMeta:
    """The load metadata every raw row carries."""

    load_id: int
    file_name: str
    sha256: str
    period: date | None


def _copy_rows(
    conn: psycopg.Connection, spec: SourceSpec, path: Path, info, load_id: int, sha: str, period: date | None
) -> int:
    meta = LoadMeta(load_id, path.name, sha, period)
    custom = getattr(spec, "copy_file", None)
    if custom is not None:  # a source with its own streaming COPY (large files)
        return custom(conn, path, info, meta)
    columns = spec.raw_columns
    targets = [*columns, "_load_id", "_source_file", "_file_sha256", "_row_number", "_period", "_layout"]
    column_list = ", ".join(f'"{c}"' for c in targets)
    count = 0
    with conn.cursor().copy(f"copy {RAW_SCHEMA}.{spec.raw_table} ({column_list}) from stdin") as copy:
        for row_number, layout, record in spec.rows(path, info):
            copy.write_row([*map(record.get, columns), load_id, path.name, sha, row_number, period, layout])
            count += 1
    return count


def ingest_source(
    source: str,
    target: Connection | None = None,
    settings: Settings | None = None,
    period: date | None = None,
    lock_report: dict | None = None,
) -> list[LoadResult]:
    """Load every new file of one source, oldest period first: the files the landing scan assigns
    to it, in any folder of the landing directory. Files no source takes are recorded too
    (``record_unaccounted``), whichever source's run finds them first. Holds the source's advisory
    lock meanwhile (a second run waits, bounded; `lock_report` gets how long and for whom).

    With `period` (a backfill run), only that period's files are considered, and a period with no
    file, neither in the landing directory nor loaded before, is reported as `missing`.
    """
    from oversight import source_lock, warehouse

    settings = settings or get_settings()
    spec = get_source(source)
    target = target or warehouse.resolve(settings)
    results = []
    with source_lock.holding(target, source, "load", settings) as hold:
        conn = hold.conn
        if lock_report is not None:
            lock_report.update(hold.as_report())
        scanned = landing.scan(settings.landing_dir, settings=settings)
        files = canonical_first([f for f in scanned if f.source == source], spec)
        if period is not None:
            files = [f for f in files if f.period == period]
        record_unaccounted(conn, scanned)
        try:
            for f in files:
                results.append(load_file(conn, spec, f.path, settings, f, analyze=False))
        except Exception:  # an unexpected error (bad input is quarantined, not raised): the files
            if any(r.status == "loaded" for r in results):  # committed before it still get statistics
                _analyze_quietly(conn, spec)
            raise
        if any(r.status == "loaded" for r in results):
            analyze_raw(conn, spec)
        if period is not None and not files:
            results.append(_missing_period(conn, spec, period, settings))
    return results


def canonical_first(files: list[landing.ScannedFile], spec: SourceSpec) -> list[landing.ScannedFile]:
    """Copies of one content (sha256) are loaded once, so which copy is loaded decides the period:
    the copy under the publisher's name, else one whose name or content states a period, else the
    first by path. It comes first, its copies right after it (by path) (they are recorded as duplicates);
    the groups stay in load order (oldest period first)."""
    groups: dict[str, list[landing.ScannedFile]] = {}
    for f in files:
        groups.setdefault(f.sha256, []).append(f)
    ordered = []
    for group in groups.values():
        best = min(group, key=lambda f: (not spec.file_pattern.search(f.name), f.period is None, f.relative))
        ordered.append((best, [best, *sorted((f for f in group if f is not best), key=lambda f: f.relative)]))
    ordered.sort(key=lambda pair: pair[0].order())
    return [f for _, group in ordered for f in group]


def _missing_period(
    conn: psycopg.Connection, spec: SourceSpec, period: date, settings: Settings
) -> LoadResult:
    loaded = conn.execute(
        f"select file_name from {RAW_SCHEMA}.load_manifest "
        "where source = %s and period = %s and status = 'loaded' order by load_id desc limit 1",
        (spec.name, period),
    ).fetchone()
    conn.commit()
    if loaded:
        return LoadResult(
            spec.name,
            loaded[0],
            "duplicate",
            period=period.isoformat(),
            message=f"period {period:%Y-%m} already loaded from {loaded[0]}",
        )
    return LoadResult(
        spec.name,
        "",
        "missing",
        period=period.isoformat(),
        message=f"no file for period {period:%Y-%m} in "
        f"{settings.landing_dir} (any folder) "
        f"and none loaded before (source {spec.name}, {spec.cadence})",
    )


def results_as_dicts(results: list[LoadResult]) -> list[dict]:
    return [asdict(r) for r in results]
