"""The short summary printed at the end of `make run`: what THIS run did (its reports only, under
its run id), whether it failed, and the state of the published marts."""

from __future__ import annotations

from oversight import reports
from oversight.settings import PUBLISHED_SCHEMA, RAW_SCHEMA, Settings, get_settings


def collect(settings: Settings) -> dict:
    from oversight import warehouse

    target = warehouse.resolve(settings)
    summary: dict = {"warehouse": target.url, "sources": {}, "segments": [], "published": False}
    with warehouse.connect(target) as conn:
        for source, files, rows, quarantined in conn.execute(
            f"select source, count(*) filter (where status = 'loaded'), "
            f"coalesce(sum(rows_loaded) filter (where status = 'loaded'), 0), "
            f"count(*) filter (where status = 'quarantined') from {RAW_SCHEMA}.load_manifest "
            "where source is not null group by source "
            "order by source"
        ):
            summary["sources"][source] = {"files": files, "rows": int(rows), "quarantined": quarantined}
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
        f"select coalesce(landing_path, file_name), file_name, file_sha256, source, status, message, "
        f"closest_source from {RAW_SCHEMA}.load_manifest order by load_id"
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
    order = ["loaded", "duplicate", "quarantined", "unrecognised", "no manifest row"]
    tally = ", ".join(f"{counts[k]} {k}" for k in order if k in counts)
    missing = counts.get("no manifest row", 0)
    lines = [
        f"landing files    {len(accounts)} under {landing_dir}: {tally or 'none'}; "
        + ("every file accounted for" if not missing else f"{missing} NOT ACCOUNTED FOR")
    ]
    for status, title in (
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
    lines = ["", "=" * 72, "NHS oversight warehouse: run summary", "=" * 72]
    outcome = "FAILED" if failed else (status or {}).get("status", "unknown")
    lines.append(
        f"run              {run_id or '(no run recorded)'}: {outcome}"
        + (f" (failed: {', '.join(failed_stages)})" if failed_stages else "")
    )
    lines.append(f"warehouse        {data['warehouse']}")
    lines.append("rows loaded per source (all files loaded so far; this run's new files in brackets):")
    for source, info in data["sources"].items():
        this_run = reports.read_report(f"ingest_{source}", settings, run_id) or {"files": []}
        new = [f for f in this_run["files"] if f["status"] == "loaded"]
        new_rows = sum(f["rows_loaded"] for f in new)
        lines.append(
            f"  {source:<16} {info['rows']:>9,} rows from {info['files']} file(s)  "
            f"[this run: {len(new)} new file(s), {new_rows:,} rows]"
            + (f"  quarantined: {info['quarantined']}" if info["quarantined"] else "")
        )
    lines.extend(_landing_lines(data["landing"], settings.landing_dir))
    dbt = reports.read_report("dbt_build", settings, run_id)
    if not dbt:
        lines.append("dbt build        not run in this run")
    if dbt:
        lines.append(
            f"dbt build        tests passed {dbt.get('tests_passed', 0)}, failed {dbt.get('tests_failed', 0)}"
            + ("" if dbt.get("success") else f"  FAILED: {dbt.get('message', '')[:300]}")
        )
    from oversight.sources import SOURCES

    for name in [*(f"gate_raw_{s}" for s in sorted(SOURCES)), "gate_marts"]:
        gate = reports.read_report(name, settings, run_id)
        if gate:
            label = name.replace("gate_", "GX ").replace("_", " ")
            status = "passed" if gate.get("success") else "FAILED"
            lines.append(
                f"{label:<16} {status}: expectations passed {gate.get('passed', 0)}, "
                f"failed {gate.get('failed', 0)}" + (f" ({gate['skipped']})" if gate.get("skipped") else "")
            )
    published = reports.read_report("publish", settings, run_id)
    if published and published.get("success", True):
        lines.append(
            f"publish          {published['action']} (schema {PUBLISHED_SCHEMA}: "
            f"{', '.join(sorted(published['tables']))})"
        )
    elif published:
        lines.append(f"publish          FAILED: {published.get('message', '')[:300]}")
    else:
        lines.append(f"publish          not run in this run: {PUBLISHED_SCHEMA} is as published before")
    for name in ("dbt_build", "publish"):
        report = reports.read_report(name, settings, run_id) or {}
        if report.get("lock_waited_for"):
            lines.append(
                f"build lock       waited {report['lock_waited_seconds']} s for {report['lock_waited_for']}"
            )
        if report.get("lock_took_over") or report.get("dropped_stale_build_schemas"):
            lines.append(
                f"build lock       took over {report.get('lock_took_over') or 'nothing'}; dropped stale "
                f"{', '.join(report.get('dropped_stale_build_schemas') or []) or 'nothing'}"
            )
    if data.get("last_publication"):
        number, at, action, by = data["last_publication"]
        lines.append(f"last publication #{number} {action} at {at:%Y-%m-%d %H:%M:%S %Z} by run {by or '?'}")
    if data["segments"]:
        lines.extend(segment_lines(data["segments"]))
    site = reports.read_report("site", settings, run_id)
    if site:
        lines.append(f"results site     {site['site']} ({site['pages']} pages, open offline)")
    lines.append(f"OpenLineage      {settings.lineage_dir / 'events.jsonl'}")
    lines.append(f"lineage docs     {settings.lineage_site_dir / 'index.html'}")
    lines.append(f"GX Data Docs     {settings.data_docs_site_dir / 'index.html'}")
    lines.append(f"quarantine       {settings.quarantine_dir}")
    if elapsed_seconds is not None:
        lines.append(f"wall time        {elapsed_seconds:.0f} s")
    if failed_dags:
        lines.append(f"FAILED DAGS      {', '.join(failed_dags)} (see the output above)")
    lines.append("=" * 72)
    print("\n".join(lines), flush=True)
