"""Loading benchmark: the project's RTT loader against a plain COPY of the same CSV.

Run by hand (``make bench``) against the embedded warehouse or ``WAREHOUSE_URL``. In a scratch
database created for the run (and dropped after it), the full RTT extract (180,781 rows x 121
columns) is loaded

1. through the project's own loader, ``oversight.loader.load_file``: sha256, manifest row, the
   CSV streamed out of the ZIP, every row checked, COPY with the load metadata, commit;
2. by a plain ``COPY ... FROM STDIN (FORMAT csv, HEADER)`` of the same CSV, extracted beforehand
   (not timed), into an identical table (the raw table's columns, defaults and index; the
   metadata columns left null), committed;

``--repeat`` times each (3 by default), alternating which goes first, each into an emptied table
after a CHECKPOINT, with autovacuum off on both tables. The medians are compared: ratio = loader
rows/s / plain COPY rows/s (the target is at least 0.7). Peak memory: the process's peak RSS
(``getrusage``) over the whole run, and the Python heap peak of one extra, untimed loader run under
``tracemalloc``. The result is printed and appended as a dated row to bench/results.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
import zipfile
from datetime import UTC, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "plugins"))

from oversight import loader, warehouse  # noqa: E402
from oversight.settings import RAW_SCHEMA, get_settings  # noqa: E402
from oversight.sources import get_source  # noqa: E402

DEFAULT_FILE = REPO_ROOT / "tests" / "data" / "rtt" / "20260430-RTT-April-2026-full-extract.csv.zip"
RESULTS = REPO_ROOT / "bench" / "results.md"
TARGET_RATIO = 0.7
RESULTS_HEADER = (
    "| date (UTC) | server | file | rows | loader rows/s | plain COPY rows/s | ratio | "
    "loader s (median) | plain s (median) | loader client CPU s | peak RSS MB | loader heap peak MB | "
    "load avg before |\n"
    "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE, help="an RTT full-extract ZIP")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-record", action="store_true", help="do not append to bench/results.md")
    args = parser.parse_args(argv)

    settings = get_settings()
    load_before = os.getloadavg()[0]
    server = warehouse.resolve(settings)
    scratch = server.with_dbname(f"oversight_bench_{uuid.uuid4().hex[:8]}")
    _create_database(server, scratch.dbname)
    try:
        result = _run(scratch, args.file, args.repeat)
    finally:
        _drop_database(server, scratch.dbname)
    result["server"] = "WAREHOUSE_URL" if settings.warehouse_url else "embedded pgserver"
    result["load_before"] = load_before
    _print(result)
    if not args.no_record:
        _record(result)
    return 0


def _run(target: warehouse.Connection, zip_path: Path, repeat: int) -> dict:
    spec = get_source("rtt")
    warehouse.bootstrap(target)
    settings = get_settings()
    loader_times: list[float] = []
    loader_cpu: list[float] = []
    plain_times: list[float] = []
    with tempfile.TemporaryDirectory(prefix="rtt-bench-") as tmp, warehouse.connect(target) as conn:
        with zipfile.ZipFile(zip_path) as archive:
            member = next(n for n in archive.namelist() if n.endswith(".csv") and "__MACOSX" not in n)
            csv_path = Path(archive.extract(member, tmp))
        table = _create_plain_table(conn, spec)
        for name in (f"{RAW_SCHEMA}.{spec.raw_table}", table):  # no autovacuum of a previous run meanwhile
            conn.execute(f"alter table {name} set (autovacuum_enabled = false)")
        conn.commit()
        columns = ", ".join(f'"{c}"' for c in spec.raw_columns)
        server_version = conn.execute("show server_version").fetchone()[0]

        def through_loader() -> int:
            conn.execute(f"delete from {RAW_SCHEMA}.load_manifest where source = %s", (spec.name,))
            conn.execute(f"truncate {RAW_SCHEMA}.{spec.raw_table}")
            conn.commit()
            _checkpoint(conn)
            started, cpu = time.perf_counter(), time.process_time()
            result = loader.load_file(conn, spec, zip_path, settings)
            loader_times.append(time.perf_counter() - started)
            loader_cpu.append(time.process_time() - cpu)
            if result.status != "loaded":
                raise SystemExit(f"the loader did not load the file: {result.status} {result.message}")
            return result.rows_loaded

        def plain_copy() -> int:
            conn.execute(f"truncate {table}")
            conn.commit()
            _checkpoint(conn)
            started = time.perf_counter()
            sql = f"copy {table} ({columns}) from stdin (format csv, header)"
            with conn.cursor() as cursor:
                with cursor.copy(sql) as copy, csv_path.open("rb") as handle:
                    while block := handle.read(1 << 20):
                        copy.write(block)
                rows = cursor.rowcount
            conn.commit()
            plain_times.append(time.perf_counter() - started)
            return rows

        for i in range(repeat):
            order = (through_loader, plain_copy) if i % 2 == 0 else (plain_copy, through_loader)
            counts = {f.__name__: f() for f in order}
            if counts["through_loader"] != counts["plain_copy"]:
                raise SystemExit(f"row counts differ: {counts}")
        rows = counts["plain_copy"]

        # memory: one more loader run, untimed, with tracemalloc (it slows Python down)
        conn.execute(f"delete from {RAW_SCHEMA}.load_manifest where source = %s", (spec.name,))
        conn.execute(f"truncate {RAW_SCHEMA}.{spec.raw_table}")
        conn.commit()
        tracemalloc.start()
        loader.load_file(conn, spec, zip_path, settings)
        heap_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()

    loader_s, plain_s = statistics.median(loader_times), statistics.median(plain_times)
    return {
        "file": zip_path.name,
        "rows": rows,
        "loader_times": loader_times,
        "plain_times": plain_times,
        "loader_rows_per_s": rows / loader_s,
        "plain_rows_per_s": rows / plain_s,
        "ratio": plain_s / loader_s,
        "loader_s": loader_s,
        "plain_s": plain_s,
        "loader_cpu_s": statistics.median(loader_cpu),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "heap_peak_mb": heap_peak / 2**20,
        "server_version": server_version,
    }


def _create_plain_table(conn, spec) -> str:  # noqa: ANN001
    """The raw table's twin for the plain COPY: same columns, defaults and index, metadata nullable."""
    table = f"{RAW_SCHEMA}.{spec.raw_table}__bench_plain"
    conn.execute(f"drop table if exists {table}")
    conn.execute(
        f"create table {table} (like {RAW_SCHEMA}.{spec.raw_table} including defaults including indexes)"
    )
    for column in ("_load_id", "_source_file", "_file_sha256", "_row_number", "_layout"):
        conn.execute(f"alter table {table} alter column {column} drop not null")
    conn.commit()
    return table


def _checkpoint(conn) -> None:  # noqa: ANN001
    """Flush dirty buffers before each timed run, so that neither run pays for the other's."""
    import psycopg

    try:
        conn.execute("checkpoint")
        conn.commit()
    except psycopg.Error:  # not a superuser: carry on without
        conn.rollback()


def _create_database(server: warehouse.Connection, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(server.with_dbname("postgres").conninfo, autocommit=True) as conn:
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))


def _drop_database(server: warehouse.Connection, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(server.with_dbname("postgres").conninfo, autocommit=True) as conn:
        conn.execute(sql.SQL("drop database if exists {}").format(sql.Identifier(name)))


def _print(r: dict) -> None:
    busy = r["load_before"] > 0.5
    verdict = "OK" if r["ratio"] >= TARGET_RATIO else f"BELOW the {TARGET_RATIO} target"
    print(
        f"RTT load benchmark ({r['server']}, PostgreSQL {r['server_version']}, {platform.node()})\n"
        f"  file                {r['file']} ({r['rows']:,} rows)\n"
        f"  loader (load_file)  {r['loader_rows_per_s']:>10,.0f} rows/s  median {r['loader_s']:.3f} s  "
        f"runs {', '.join(f'{t:.3f}' for t in r['loader_times'])}\n"
        f"  plain COPY          {r['plain_rows_per_s']:>10,.0f} rows/s  median {r['plain_s']:.3f} s  "
        f"runs {', '.join(f'{t:.3f}' for t in r['plain_times'])}\n"
        f"  ratio               {r['ratio']:.2f}  ({verdict})\n"
        f"  loader client CPU   {r['loader_cpu_s']:.3f} s (median; PostgreSQL parses meanwhile)\n"
        f"  load average        {r['load_before']:.2f} before the run on {os.cpu_count()} CPUs"
        f"{' (busy machine: the loader needs a second core, the plain COPY one)' if busy else ''}\n"
        f"  peak RSS            {r['peak_rss_mb']:.0f} MB (whole benchmark process)\n"
        f"  loader heap peak    {r['heap_peak_mb']:.1f} MB (tracemalloc, one untimed run)"
    )


def _record(r: dict) -> None:
    if not RESULTS.exists() or not RESULTS.read_text().strip():
        RESULTS.write_text("# Load benchmark results\n\nRows appended by `make bench`.\n\n")
    text = RESULTS.read_text()
    if RESULTS_HEADER.splitlines()[0] not in text:
        text += "\n" + RESULTS_HEADER
    text += (
        f"| {datetime.now(UTC):%Y-%m-%d %H:%M} | {r['server']} (PostgreSQL {r['server_version']}) "
        f"| {r['file']} | {r['rows']:,} | {r['loader_rows_per_s']:,.0f} | {r['plain_rows_per_s']:,.0f} "
        f"| {r['ratio']:.2f} | {r['loader_s']:.3f} | {r['plain_s']:.3f} | {r['loader_cpu_s']:.3f} "
        f"| {r['peak_rss_mb']:.0f} | {r['heap_peak_mb']:.1f} | {r['load_before']:.2f} |\n"
    )
    RESULTS.write_text(text)


if __name__ == "__main__":
    sys.exit(main())
