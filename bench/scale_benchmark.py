"""National-scale benchmark: generate, load, build, gate, publish, then land one new month.

``make bench-scale`` (``python bench/scale_benchmark.py [--years N] [--scale F]``), against the
embedded warehouse or ``WAREHOUSE_URL``, in a scratch database created for the run (dropped after it
unless ``--keep``):

1. ``bench/scale_generate.py`` writes the landing files into ``.local/scale/landing``; the last
   month's files of the monthly sources are held back (``.local/scale/next``);
2. every source is loaded with the code the ingestion DAGs call (``oversight.tasks.load_source``,
   then ``validate_raw``, the raw GX gate), timed per source; the same rows are then copied by a
   plain ``COPY ... FROM STDIN`` (text format, exported beforehand, not timed) into a twin of the
   raw table (``load_benchmark._create_plain_table``): ratio = plain COPY s / loader s;
3. the model DAG's work, called directly: ``build_marts`` (dbt build), ``gate_marts``,
   ``publish_marts``: ``full_rebuild_s`` is their sum;
4. the held-back month lands: its loads, raw gate, build, gate and publish: ``incremental_s``;
5. peak RSS: this process (dbt and GX run in it), its children, and every PostgreSQL backend that
   served the scratch database (``VmHWM``, sampled every 0.2 s; it includes the shared buffers the
   backend touched); ``pg_database_size`` after each phase.

Results: ``bench/scale_results.json`` and a dated row in ``bench/results.md``.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import platform
import resource
import shutil
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "plugins"))
sys.path.insert(0, str(REPO_ROOT / "bench"))

import scale_generate  # noqa: E402
from load_benchmark import _create_database, _create_plain_table  # noqa: E402

RESULTS_JSON = REPO_ROOT / "bench" / "scale_results.json"
RESULTS_MD = REPO_ROOT / "bench" / "results.md"
WORK = REPO_ROOT / ".local" / "scale"
MD_SECTION = "## National scale (`make bench-scale`)"


class BackendPeaks:
    """Peak RSS (VmHWM) of each PostgreSQL backend serving one database, sampled in a thread."""

    def __init__(self, conninfo: str, dbname: str) -> None:
        self.conninfo, self.dbname = conninfo, dbname
        self.peaks_kb: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> BackendPeaks:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        import psycopg

        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            while not self._stop.wait(0.2):
                pids = [
                    r[0]
                    for r in conn.execute(
                        "select pid from pg_stat_activity where datname = %s and pid <> pg_backend_pid()",
                        (self.dbname,),
                    )
                ]
                for pid in pids:
                    hwm = _vm_hwm_kb(pid)
                    if hwm:
                        self.peaks_kb[pid] = max(self.peaks_kb.get(pid, 0), hwm)

    @property
    def max_mb(self) -> float:
        return max(self.peaks_kb.values(), default=0) / 1024


def _vm_hwm_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _drop_database(server: Any, name: str) -> None:
    """Drop the scratch database, closing what still holds it (GX and dbt keep pooled connections)."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(server.with_dbname("postgres").conninfo, autocommit=True) as conn:
        conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))


def _rss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=float, default=2)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--no-record", action="store_true", help="do not write the results files")
    args = parser.parse_args(argv)

    load_before = os.getloadavg()[0]
    server_kind = "WAREHOUSE_URL" if os.environ.get("WAREHOUSE_URL") else "embedded pgserver"
    landing, held = WORK / "landing", WORK / "next"
    for folder in (landing, held, WORK / "home"):
        shutil.rmtree(folder, ignore_errors=True)
    started = time.perf_counter()
    # in a process of its own: the generator holds the RTT template (~0.4 GB), which is not the
    # warehouse's memory (its peak is reported as child_processes)
    with concurrent.futures.ProcessPoolExecutor(max_workers=1) as pool:
        written = pool.submit(scale_generate.generate, landing, args.years, args.scale, args.seed).result()
    generate_s = time.perf_counter() - started
    new_month = {}  # the last month of every monthly source lands after the full rebuild
    for source in scale_generate.MONTHLY:
        last = written[source][-1]
        target = held / last.relative_to(landing)
        target.parent.mkdir(parents=True, exist_ok=True)
        last.rename(target)
        new_month[source] = target

    os.environ["OVERSIGHT_HOME"] = str(WORK / "home")
    os.environ["LANDING_DIR"] = str(landing)
    from oversight import warehouse
    from oversight.settings import get_settings

    server = warehouse.resolve(get_settings())
    dbname = f"oversight_scale_{uuid.uuid4().hex[:8]}"
    _create_database(server, dbname)
    scratch = server.with_dbname(dbname)
    os.environ["WAREHOUSE_URL"] = scratch.url
    result: dict[str, Any] = {"generate_s": round(generate_s, 1)}
    try:
        with BackendPeaks(server.with_dbname("postgres").conninfo, dbname) as backends:
            result |= _run(scratch, landing, held, new_month)
        result["peak_rss_mb"] = {
            "benchmark_process": round(_rss_mb(resource.RUSAGE_SELF)),
            "child_processes": round(_rss_mb(resource.RUSAGE_CHILDREN)),
            "postgres_backend_max": round(backends.max_mb),
            "postgres_backends_seen": len(backends.peaks_kb),
        }
        result["peak_rss_mb"]["max"] = max(
            v for k, v in result["peak_rss_mb"].items() if k != "postgres_backends_seen"
        )
    finally:
        if not args.keep:
            _drop_database(server, dbname)
    result |= {
        "date_utc": f"{datetime.now(UTC):%Y-%m-%d %H:%M}",
        "years": args.years,
        "scale": args.scale,
        "seed": args.seed,
        "server": server_kind,
        "host": platform.node(),
        "cpus": os.cpu_count(),
        "load_avg_before": round(load_before, 2),
    }
    print(json.dumps(result, indent=2))
    if not args.no_record:
        RESULTS_JSON.write_text(json.dumps(result, indent=2) + "\n")
        _record(result)
    return 0


def _run(scratch: Any, landing: Path, held: Path, new_month: dict[str, Path]) -> dict[str, Any]:
    from oversight import landing as landing_scan
    from oversight import tasks, warehouse
    from oversight.settings import get_settings

    settings = get_settings()
    warehouse.bootstrap(scratch, settings.bi_role)
    started = time.perf_counter()
    scanned = landing_scan.scan(landing)  # classifies every file once (sha256, peek); cached after
    scan_s = time.perf_counter() - started
    sources = sorted({f.source for f in scanned if f.source})

    per_source: dict[str, dict[str, Any]] = {}
    for source in sources:
        per_source[source] = _load(tasks, source, settings)
    copy = _plain_copies(scratch, sources, per_source)
    size_loaded = _database_size(scratch)

    full = _build(tasks, settings)
    size_built = _database_size(scratch)

    # one new month lands: its files into the landing folder, then the same work again
    for path in new_month.values():
        target = landing / path.relative_to(held)
        path.rename(target)
    started = time.perf_counter()
    landing_scan.scan(landing)
    incremental_scan_s = time.perf_counter() - started
    incremental_loads = {
        s: _load(tasks, s, settings) for s in sorted({_source_of(p) for p in new_month.values()})
    }
    incremental = _build(tasks, settings)
    incremental_load_s = sum(r["load_s"] + r["raw_gate_s"] for r in incremental_loads.values())

    load_s = sum(r["load_s"] for r in per_source.values())
    copy_s = sum(c["copy_s"] for c in copy.values())
    full_rebuild_s = full["build_s"] + full["gate_s"] + full["publish_s"]
    incremental_s = (
        incremental_scan_s
        + incremental_load_s
        + incremental["build_s"]
        + incremental["gate_s"]
        + incremental["publish_s"]
    )
    for source, c in copy.items():
        per_source[source] |= c
        per_source[source]["load_ratio_vs_copy"] = round(c["copy_s"] / per_source[source]["load_s"], 2)
    return {
        "full_rebuild_s": round(full_rebuild_s, 1),
        "incremental_s": round(incremental_s, 1),
        "incremental_vs_full": round(incremental_s / full_rebuild_s, 2),
        "load_ratio_vs_copy": round(copy_s / load_s, 2),
        "raw_rows": sum(r["rows"] for r in per_source.values()),
        "raw_files": sum(r["files"] for r in per_source.values()),
        "scan_s": round(scan_s, 1),
        "load_s": round(load_s, 1),
        "plain_copy_s": round(copy_s, 1),
        "raw_gate_s": round(sum(r["raw_gate_s"] for r in per_source.values()), 1),
        "full": full,
        "incremental": {
            "scan_s": round(incremental_scan_s, 1),
            "load_and_raw_gate_s": round(incremental_load_s, 1),
            **incremental,
            "loads": incremental_loads,
        },
        "warehouse_bytes": {
            "after_load": size_loaded,
            "after_build": size_built,
            "end": _database_size(scratch),
        },
        "sources": per_source,
    }


_FOLDER_SOURCE = {"rtt": "rtt", "ae": "ae", "cancer": "cancer", "dm01": "dm01", "mhsds": "mhsds"}


def _source_of(path: Path) -> str:
    return _FOLDER_SOURCE[path.parent.name]


def _load(tasks: Any, source: str, settings: Any) -> dict[str, Any]:
    started = time.perf_counter()
    results = tasks.load_source(source, settings)
    load_s = time.perf_counter() - started
    bad = [r for r in results if r["status"] not in ("loaded", "duplicate")]
    if bad:
        raise SystemExit(f"{source}: files not loaded: {bad}")
    started = time.perf_counter()
    tasks.validate_raw(source, results, settings)
    return {
        "files": sum(r["status"] == "loaded" for r in results),
        "rows": sum(r["rows_loaded"] for r in results),
        "load_s": round(load_s, 2),
        "raw_gate_s": round(time.perf_counter() - started, 2),
    }


def _plain_copies(scratch: Any, sources: list[str], per_source: dict) -> dict[str, dict[str, float]]:
    """The rows each loader stored, exported (untimed) and copied back by a plain COPY (timed)."""
    from oversight import warehouse
    from oversight.settings import RAW_SCHEMA
    from oversight.sources import get_source

    out = {}
    with warehouse.connect(scratch) as conn, tempfile.TemporaryDirectory(prefix="scale-copy-") as tmp:
        for source in sources:
            spec = get_source(source)
            columns = ", ".join(f'"{c}"' for c in spec.raw_columns)
            dump = Path(tmp) / f"{source}.tsv"
            with (
                conn.cursor() as cursor,
                dump.open("wb") as handle,
                cursor.copy(f"copy (select {columns} from {RAW_SCHEMA}.{spec.raw_table}) to stdout") as cp,
            ):
                for block in cp:
                    handle.write(block)
            table = _create_plain_table(conn, spec)
            conn.execute(f"alter table {table} set (autovacuum_enabled = false)")
            conn.commit()
            started = time.perf_counter()
            sql = f"copy {table} ({columns}) from stdin"
            with conn.cursor() as cursor, cursor.copy(sql) as cp, dump.open("rb") as handle:
                while block := handle.read(1 << 20):
                    cp.write(block)
            conn.commit()
            copy_s = time.perf_counter() - started
            conn.execute(f"drop table {table}")
            conn.commit()
            dump.unlink()
            out[source] = {"copy_s": round(copy_s, 2)}
    return out


def _build(tasks: Any, settings: Any) -> dict[str, Any]:
    timings: dict[str, Any] = {}
    for name, step in (
        ("build_s", tasks.build_marts),
        ("gate_s", tasks.gate_marts),
        ("publish_s", tasks.publish_marts),
    ):
        started = time.perf_counter()
        report = step(settings)
        timings[name] = round(time.perf_counter() - started, 1)
        if name == "build_s":
            timings["slowest_dbt_nodes_s"] = _slowest_nodes(settings)
        if name == "publish_s":
            timings["publish_action"] = report["action"]
    return timings


def _slowest_nodes(settings: Any, count: int = 8) -> dict[str, float]:
    """What dominates a dbt build: the slowest nodes of its run_results.json."""
    path = settings.dbt_target_dir / "run_results.json"
    if not path.exists():
        return {}
    results = json.loads(path.read_text())["results"]
    slowest = sorted(results, key=lambda r: -r["execution_time"])[:count]
    return {r["unique_id"]: round(r["execution_time"], 1) for r in slowest}


def _database_size(scratch: Any) -> int:
    from oversight import warehouse

    with warehouse.connect(scratch) as conn:
        return int(conn.execute("select pg_database_size(current_database())").fetchone()[0])


def _record(r: dict[str, Any]) -> None:
    text = RESULTS_MD.read_text() if RESULTS_MD.exists() else "# Benchmark results\n"
    if MD_SECTION not in text:
        text += (
            f"\n{MD_SECTION}\n\n"
            "Generated landing files (bench/scale_generate.py: real sample values, periods and trust sets "
            "multiplied), loaded, built, gated and published by the functions the DAGs call; then one new "
            "month landed and refreshed. Full rebuild = dbt build + marts gate + publish. Incremental = "
            "the new month's scan, loads, raw gate, build, gate and publish. Ratio = plain COPY s / loader s "
            "over all sources. Peak RSS: the largest of the benchmark process (dbt and GX in it), its "
            "children and the PostgreSQL backends of the scratch database.\n\n"
            "| date (UTC) | server | years | scale | files | raw rows | load s | plain COPY s | ratio | "
            "full rebuild s (build/gate/publish) | incremental s | incr./full | peak RSS MB | DB size MB | "
            "load avg before |\n"
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|\n"
        )
    f = r["full"]
    row = (
        f"| {r['date_utc']} | {r['server']} | {r['years']} | {r['scale']} | {r['raw_files']:,} | "
        f"{r['raw_rows']:,} | {r['load_s']} | {r['plain_copy_s']} | {r['load_ratio_vs_copy']} | "
        f"{r['full_rebuild_s']} ({f['build_s']}/{f['gate_s']}/{f['publish_s']}) | {r['incremental_s']} | "
        f"{r['incremental_vs_full']} | {r['peak_rss_mb']['max']} | "
        f"{r['warehouse_bytes']['end'] / 2**20:,.0f} | {r['load_avg_before']} |\n"
    )
    # the row goes below the last row of the section's table (the findings follow the table)
    lines = text.splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith(MD_SECTION))
    while at + 1 < len(lines) and not lines[at + 1].startswith("|---"):
        at += 1
    at += 1
    while at + 1 < len(lines) and lines[at + 1].startswith("| "):
        at += 1
    lines.insert(at + 1, row)
    RESULTS_MD.write_text("".join(lines))


if __name__ == "__main__":
    sys.exit(main())
