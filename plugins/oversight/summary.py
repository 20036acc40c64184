"""The short summary printed at the end of `make run`: what THIS run did (its reports only, under
its run id), whether it failed, and the state of the published marts."""

from __future__ import annotations

import os

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from oversight import reports
from oversight.settings import PUBLISHED_SCHEMA, RAW_SCHEMA, Settings, get_settings

PENDING = "pending validation"  # a load committed, its raw suite not passed yet (a run stopped between)


def collect(settings: Settings) -> dict:
    from oversight import warehouse

    target = warehouse.resolve(settings)
    summary: dict = {"warehouse": target.url, "sources": {}, "segments": [], "published": False}
    with warehouse.connect(target) as conn:
        # a load committed but not validated by the raw suite (a run stopped in between) is not
        # loaded: dbt does not see its rows; it is shown apart, as pending validation
        for source, files, rows, quarantined, pending in conn.execute(
            f"select source, count(*) filter (where status = 'loaded' and validation = 'validated'), "
            f"coalesce(sum(rows_loaded) filter (where status = 'loaded' and validation = 'validated'), 0), "
            f"count(*) filter (where status = 'quarantined'), "
            f"count(*) filter (where status = 'loaded' and validation = 'pending') "
            f"from {RAW_SCHEMA}.load_manifest where source is not null group by source order by source"
        ):
            summary["sources"][source] = {
                "files": files,
                "rows": int(rows),
                "quarantined": quarantined,
                "pending": pending,
            }
        summary["landing"] = _landing_accounts(conn, settings)
        has_marts = conn.execute(
            "select 1 from information_schema.tables where table_schema = %s and table_name = 'fct_segment'",
            (PUBLISHED_SCHEMA,),
        ).fetchone()
        last = (
            conn.execute(
                "select publication_id, published_at, action, run_id from audit.publications "
                "order by publication_id desc limit 1"
            ).fetchone()
            if conn.execute("select to_regclass('audit.publications')").fetchone()[0]
            else None
        )
        summary["last_publication"] = last
        if has_marts:
            summary["published"] = True
            summary["segments"] = segment_summary(conn)
    return summary


def _landing_accounts(conn, settings: Settings) -> list[dict]:  # noqa: ANN001
    """Every file the landing scan finds, with what its latest manifest row says became of it
    (status None: the file has no manifest row yet, e.g. its source's DAG did not run)."""
    from oversight import landing

    rows = conn.execute(
        f"select coalesce(landing_path, file_name), file_name, file_sha256, source, "
        f"case when status = 'loaded' and validation = 'pending' then '{PENDING}' else status end, "
        f"message, closest_source from {RAW_SCHEMA}.load_manifest order by load_id"
    ).fetchall()
    latest: dict[tuple[str, str], tuple] = {}
    for path, name, sha, source, status, message, closest in rows:
        latest[(path, sha)] = (source, status, message, closest)
        latest.setdefault((name, sha), (source, status, message, closest))  # rows before landing_path
    accounts = []
    for f in landing.scan(settings.landing_dir):
        source, status, message, closest = latest.get((f.relative, f.sha256)) or latest.get(
            (f.name, f.sha256), (f.source, None, f.reason, f.closest)
        )
        accounts.append(
            {
                "file": f.relative,
                "source": source,
                "status": status,
                "message": message,
                "closest": closest,
            }
        )
    return accounts


def _landing_lines(accounts: list[dict], landing_dir: object) -> list[str]:
    counts: dict[str, int] = {}
    for a in accounts:
        counts[a["status"] or "no manifest row"] = counts.get(a["status"] or "no manifest row", 0) + 1
    order = ["loaded", PENDING, "duplicate", "quarantined", "unrecognised", "no manifest row"]
    tally = ", ".join(f"{counts[k]} {k}" for k in order if k in counts)
    missing = counts.get("no manifest row", 0)
    lines = [
        f"landing files    {len(accounts)} under {landing_dir}: {tally or 'none'}; "
        + ("every file accounted for" if not missing else f"{missing} NOT ACCOUNTED FOR")
    ]
    for status, title in (
        (PENDING, "PENDING VALIDATION (not validated, so dbt does not read it; the next run validates it)"),
        ("quarantined", "quarantined (source: file, reason)"),
        ("unrecognised", "unrecognised (file, closest source, reason)"),
        (None, "NOT ACCOUNTED FOR (no manifest row)"),
    ):
        chosen = [a for a in accounts if a["status"] == status]
        if not chosen:
            continue
        lines.append(f"  {title}:")
        for a in chosen:
            reason = " ".join(str(a["message"] or "").split())
            reason = reason if len(reason) <= 240 else reason[:237] + "..."
            if status == "unrecognised":
                lines.append(f"    {a['file']}  closest: {a['closest'] or 'none'}  {reason}")
            else:
                lines.append(f"    {a['source'] or '-'}: {a['file']}  {reason}")
    return lines


SEGMENT_PERIODS_SHOWN = 2  # the latest applicable periods per framework version


def segment_summary(conn) -> list[dict]:  # noqa: ANN001 - a psycopg connection
    """Per framework version, its latest applicable periods (seed framework_versions): trusts per
    segment and per status, and the coverage (metrics scored / expected)."""
    rows = conn.execute(
        f"""
        with periods as (
            select framework_version, period_start, period_end, period_label,
                   dense_rank() over (partition by framework_version order by period_start desc) as recency
            from (select distinct framework_version, period_start, period_end, period_label
                  from {PUBLISHED_SCHEMA}.fct_segment where is_applicable_version) p
        )
        select s.framework_version, s.period_label, s.period_start, s.period_end, count(*) as trusts,
               array_agg(s.segment order by s.org_code) as segments,
               array_agg(s.segment_status order by s.org_code) as statuses,
               percentile_cont(0.5) within group (order by s.coverage) as median_coverage,
               min(s.coverage) as min_coverage, max(s.coverage) as max_coverage,
               max(s.metrics_expected) as max_expected
        from {PUBLISHED_SCHEMA}.fct_segment s
        join periods p using (framework_version, period_start)
        where s.is_applicable_version and p.recency <= %s
        group by 1, 2, 3, 4 order by 1, 3 desc
        """,
        (SEGMENT_PERIODS_SHOWN,),
    ).fetchall()
    result = []
    for version, label, start, end, trusts, segments, statuses, median, low, high, expected in rows:
        per_segment: dict[str, int] = {}
        for segment in segments:
            key = "none" if segment is None else str(segment)
            per_segment[key] = per_segment.get(key, 0) + 1
        per_status = {s: statuses.count(s) for s in ("segmented", "indicative", "insufficient_data")}
        result.append(
            {
                "framework_version": version,
                "period_label": label,
                "period_start": start,
                "period_end": end,
                "trusts": trusts,
                "per_segment": dict(sorted(per_segment.items())),
                "per_status": per_status,
                "median_coverage": None if median is None else float(median),
                "min_coverage": None if low is None else float(low),
                "max_coverage": None if high is None else float(high),
                "max_expected": expected,
            }
        )
    for version, latest in conn.execute(
        f"select framework_version, max(period_start) from {PUBLISHED_SCHEMA}.fct_segment "
        "group by framework_version having not bool_or(is_applicable_version) order by 1"
    ):
        result.append({"framework_version": version, "not_applicable_latest": latest})
    return result


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.0f} %"


def segment_lines(segments: list[dict]) -> list[str]:
    lines = [
        f"segments per framework version (latest {SEGMENT_PERIODS_SHOWN} applicable periods; "
        "coverage = metrics scored / expected):"
    ]
    for row in segments:
        if "not_applicable_latest" in row:
            lines.append(
                f"  {row['framework_version']}: in force in no period of the data (computed side by side "
                f"up to {row['not_applicable_latest']:%Y-%m}; seed framework_versions)"
            )
            continue
        lines.append(
            f"  {row['framework_version']} {row['period_label']} "
            f"({row['period_start']:%Y-%m-%d} to {row['period_end']:%Y-%m-%d}): {row['trusts']} trusts"
        )
        lines.append("    status:   " + ", ".join(f"{k} {v}" for k, v in row["per_status"].items()))
        lines.append(
            "    segment:  "
            + ", ".join(f"{'no segment' if k == 'none' else k}: {v}" for k, v in row["per_segment"].items())
        )
        lines.append(
            f"    coverage: median {_percent(row['median_coverage'])} (min {_percent(row['min_coverage'])}, "
            f"max {_percent(row['max_coverage'])}; up to {row['max_expected']} metrics expected)"
        )
    return lines


# The summary is a sequence of items: (label, text) rows, shown as a two-column table whose labels
# are 16 wide (`dbt build        tests passed ...`), plain lines, and the per-source table.
Row = tuple[str, str]
WIDE = 200  # columns when the output is not a terminal (a log file): no wrapped rows


def _console() -> Console:
    console = Console(highlight=False)
    if not console.is_terminal and not os.environ.get("COLUMNS"):
        console.width = WIDE
    return console


def _style(text: str) -> str:
    return "bold red" if "FAILED" in text else ""


def _rows_table(rows: list[Row]) -> Table:
    table = Table(box=None, show_header=False, pad_edge=False, padding=(0, 1, 0, 0))
    table.add_column(min_width=16, max_width=16, style="bold")
    table.add_column(overflow="fold")
    for label, text in rows:
        table.add_row(Text(label), Text(text, style=_style(text)))
    return table


def _sources_table(data: dict, settings: Settings, run_id: str | None) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("source")
    for heading in ("rows", "files", "new files", "new rows", "quarantined", "pending"):
        table.add_column(heading, justify="right")
    for source, info in data["sources"].items():
        this_run = reports.read_report(f"ingest_{source}", settings, run_id) or {"files": []}
        new = [f for f in this_run["files"] if f["status"] == "loaded"]
        table.add_row(
            source,
            f"{info['rows']:,}",
            str(info["files"]),
            str(len(new)),
            f"{sum(f['rows_loaded'] for f in new):,}",
            Text(str(info["quarantined"] or ""), style="bold red" if info["quarantined"] else ""),
            Text(str(info.get("pending") or ""), style="bold yellow" if info.get("pending") else ""),
        )
    return table


def _stage_rows(settings: Settings, run_id: str | None) -> list[Row]:
    """dbt, the GX gates, publish and the build lock, from this run's reports."""
    rows: list[Row] = []
    dbt = reports.read_report("dbt_build", settings, run_id)
    if not dbt:
        rows.append(("dbt build", "not run in this run"))
    else:
        gated = dbt.get("tests_left_to_gate")
        rows.append(
            (
                "dbt build",
                f"tests passed {dbt.get('tests_passed', 0)}, failed {dbt.get('tests_failed', 0)}"
                + (f" ({gated} mart rules left to the GX marts gate)" if gated else "")
                + ("" if dbt.get("success") else f"  FAILED: {dbt.get('message', '')[:300]}"),
            )
        )
    from oversight.sources import SOURCES

    for name in [*(f"gate_raw_{s}" for s in sorted(SOURCES)), "gate_marts"]:
        gate = reports.read_report(name, settings, run_id)
        if gate:
            label = name.replace("gate_", "GX ").replace("_", " ")
            status = "passed" if gate.get("success") else "FAILED"
            rows.append(
                (
                    label,
                    f"{status}: expectations passed {gate.get('passed', 0)}, failed {gate.get('failed', 0)}"
                    + (f" ({gate['skipped']})" if gate.get("skipped") else ""),
                )
            )
    published = reports.read_report("publish", settings, run_id)
    if published and published.get("success", True):
        tables = ", ".join(sorted(published["tables"]))
        rows.append(("publish", f"{published['action']} (schema {PUBLISHED_SCHEMA}: {tables})"))
    elif published:
        rows.append(("publish", f"FAILED: {published.get('message', '')[:300]}"))
    else:
        rows.append(("publish", f"not run in this run: {PUBLISHED_SCHEMA} is as published before"))
    for name in ("dbt_build", "publish"):
        report = reports.read_report(name, settings, run_id) or {}
        if report.get("lock_waited_for"):
            rows.append(
                ("build lock", f"waited {report['lock_waited_seconds']} s for {report['lock_waited_for']}")
            )
        if report.get("lock_took_over") or report.get("dropped_stale_build_schemas"):
            rows.append(
                (
                    "build lock",
                    f"took over {report.get('lock_took_over') or 'nothing'}; dropped stale "
                    f"{', '.join(report.get('dropped_stale_build_schemas') or []) or 'nothing'}",
                )
            )
    return rows


def print_summary(
    settings: Settings | None = None,
    elapsed_seconds: float | None = None,
    failed_dags: list[str] | None = None,
    run_id: str | None = None,
) -> None:
    settings = settings or get_settings()
    run_id = run_id or reports.latest_run_id(settings)
    data = collect(settings)
    status = reports.read_report(reports.RUN_STATUS, settings, run_id) if run_id else None
    failed_stages = reports.failed_stages(settings, run_id) if run_id else []
    failed = bool(failed_dags or failed_stages) or (status or {}).get("status") == "failed"
    outcome = "FAILED" if failed else (status or {}).get("status", "unknown")
    head: list[Row] = [
        (
            "run",
            f"{run_id or '(no run recorded)'}: {outcome}"
            + (f" (failed: {', '.join(failed_stages)})" if failed_stages else ""),
        ),
        ("warehouse", str(data["warehouse"])),
    ]
    stages = _stage_rows(settings, run_id)
    if data.get("last_publication"):
        number, at, action, by = data["last_publication"]
        stages.append(
            ("last publication", f"#{number} {action} at {at:%Y-%m-%d %H:%M:%S %Z} by run {by or '?'}")
        )
    tail: list[Row] = []
    site = reports.read_report("site", settings, run_id)
    if site:
        tail.append(("results site", f"{site['site']} ({site['pages']} pages, open offline)"))
    tail += [
        ("OpenLineage", str(settings.lineage_dir / "events.jsonl")),
        ("lineage docs", str(settings.lineage_site_dir / "index.html")),
        ("GX Data Docs", str(settings.data_docs_site_dir / "index.html")),
        ("quarantine", str(settings.quarantine_dir)),
    ]
    if elapsed_seconds is not None:
        tail.append(("wall time", f"{elapsed_seconds:.0f} s"))
    if failed_dags:
        tail.append(("FAILED DAGS", f"{', '.join(failed_dags)} (see the output above)"))

    console = _console()

    def lines(texts: list[str]) -> None:
        for text in texts:
            console.print(Text(text), soft_wrap=True)

    lines(["", "=" * 72, "NHS oversight warehouse: run summary", "=" * 72])
    console.print(_rows_table(head))
    lines(["rows loaded per source (all files loaded so far; this run's new files and rows):"])
    console.print(_sources_table(data, settings, run_id))
    lines(_landing_lines(data["landing"], settings.landing_dir))
    console.print(_rows_table(stages))
    if data["segments"]:
        lines(segment_lines(data["segments"]))
    console.print(_rows_table(tail))
    lines(["=" * 72])
