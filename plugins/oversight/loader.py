"""Load publisher files into raw tables with PostgreSQL COPY, once per file, with quarantine.

For each file in LANDING_DIR/<source>/:
- its sha256 is looked up in ``raw.load_manifest``: a file already loaded is a no-op, a file
  already quarantined is reported again, not re-read;
- otherwise its rows are checked against the source's contract while they stream into the raw
  table through COPY, in one transaction with its manifest row. The first broken rule rolls the
  transaction back, copies the file to OVERSIGHT_HOME/quarantine/<source>/ with a ``.reason.txt``
  and records the reason in the manifest. Nothing of a rejected file is loaded.

A file for a period that is already loaded gets the next vintage; models read the latest vintage
and the earlier ones stay queryable.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from oversight.errors import BadInputError
from oversight.settings import RAW_SCHEMA, Settings, get_settings
from oversight.sources import SOURCES, get_source
from oversight.sources.base import SourceSpec

if TYPE_CHECKING:
    import psycopg

    from oversight.warehouse import Connection

log = logging.getLogger(__name__)


@dataclass
class LoadResult:
    source: str
    file_name: str
    status: str  # loaded | duplicate | quarantined | previously_quarantined
    rows_loaded: int = 0
    load_id: int | None = None
    period: str | None = None
    vintage: int | None = None
    message: str | None = None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def create_raw_tables(conn: psycopg.Connection) -> None:
    for spec in SOURCES.values():
        conn.execute(spec.create_table_sql(RAW_SCHEMA))


def quarantine_file(settings: Settings, spec: SourceSpec, path: Path, error: BadInputError) -> Path:
    folder = settings.quarantine_dir / spec.name
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    shutil.copy2(path, target)
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
    conn: psycopg.Connection, spec: SourceSpec, path: Path, settings: Settings | None = None
) -> LoadResult:
    settings = settings or get_settings()
    sha = sha256_of(path)
    previous = conn.execute(
        f"select status, load_id, message from {RAW_SCHEMA}.load_manifest "
        "where source = %s and file_sha256 = %s order by load_id desc limit 1",
        (spec.name, sha),
    ).fetchone()
    conn.commit()
    if previous and previous[0] == "loaded":
        return LoadResult(
            spec.name,
            path.name,
            "duplicate",
            load_id=previous[1],
            message=f"identical file already loaded as load {previous[1]}",
        )
    if previous and previous[0] == "quarantined":
        return LoadResult(
            spec.name, path.name, "previously_quarantined", load_id=previous[1], message=previous[2]
        )

    size = path.stat().st_size
    period: date | None = None
    try:
        info = spec.file_info(path)
        period = info.period
        if size == 0:
            raise BadInputError(path.name, "file_is_not_empty", "the file has 0 bytes")
        with conn.transaction():
            conn.execute("select pg_advisory_xact_lock(hashtext(%s))", (f"load:{spec.name}",))
            vintage = conn.execute(
                f"select coalesce(max(vintage), 0) + 1 from {RAW_SCHEMA}.load_manifest "
                "where source = %s and period is not distinct from %s and status = 'loaded'",
                (spec.name, period),
            ).fetchone()[0]
            load_id = conn.execute(
                f"insert into {RAW_SCHEMA}.load_manifest "
                "(source, file_name, file_sha256, file_bytes, period, vintage, revision, status, "
                "target_table) "
                "values (%s, %s, %s, %s, %s, %s, %s, 'loaded', %s) returning load_id",
                (
                    spec.name,
                    path.name,
                    sha,
                    size,
                    period,
                    vintage,
                    info.revision,
                    f"{RAW_SCHEMA}.{spec.raw_table}",
                ),
            ).fetchone()[0]
            rows = _copy_rows(conn, spec, path, info, load_id, sha, period)
            if rows == 0:
                raise BadInputError(path.name, "file_has_data_rows", "no data rows below the header")
            conn.execute(
                f"update {RAW_SCHEMA}.load_manifest set rows_loaded = %s where load_id = %s", (rows, load_id)
            )
    except BadInputError as error:
        conn.rollback()
        target = quarantine_file(settings, spec, path, error)
        with conn.transaction():
            load_id = conn.execute(
                f"insert into {RAW_SCHEMA}.load_manifest "
                "(source, file_name, file_sha256, file_bytes, period, status, message) "
                "values (%s, %s, %s, %s, %s, 'quarantined', %s) returning load_id",
                (spec.name, path.name, sha, size, period, str(error)),
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
    # fresh statistics, so that the models' joins on a just-loaded table are planned well
    conn.execute(f"analyze {RAW_SCHEMA}.{spec.raw_table}")
    conn.execute(f"analyze {RAW_SCHEMA}.load_manifest")
    conn.commit()
    log.info("loaded %s: %d rows as load %d (vintage %d)", path.name, rows, load_id, vintage)
    return LoadResult(
        spec.name, path.name, "loaded", rows, load_id, period.isoformat() if period else None, vintage
    )


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
            copy.write_row(
                [*(record.get(c) for c in columns), load_id, path.name, sha, row_number, period, layout]
            )
            count += 1
    return count


def ingest_source(
    source: str,
    target: Connection | None = None,
    settings: Settings | None = None,
    period: date | None = None,
) -> list[LoadResult]:
    """Load every new file of one source from the landing directory, oldest period first.

    With `period` (a backfill run), only that period's files are considered, and a period with no
    file, neither in the landing directory nor loaded before, is reported as `missing`.
    """
    from oversight import warehouse

    settings = settings or get_settings()
    spec = get_source(source)
    target = target or warehouse.resolve(settings)
    paths = spec.discover(settings.landing_dir)
    if period is not None:
        paths = [p for p in paths if spec.file_info(p).period == period]
    results = []
    with warehouse.connect(target) as conn:
        for path in paths:
            results.append(load_file(conn, spec, path, settings))
        if period is not None and not paths:
            results.append(_missing_period(conn, spec, period, settings))
    return results


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
        f"{settings.landing_dir / getattr(spec, 'landing_folder', spec.name)} "
        f"and none loaded before (source {spec.name}, {spec.cadence})",
    )


def results_as_dicts(results: list[LoadResult]) -> list[dict]:
    return [asdict(r) for r in results]
