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
            f"count(*) filter (where status = 'quarantined') from {RAW_SCHEMA}.load_manifest group by source "
            "order by source"
        ):
            summary["sources"][source] = {"files": files, "rows": int(rows), "quarantined": quarantined}
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
            summary["segments"] = conn.execute(
                f"""
                with latest as (
                    select framework_version, max(period_start) as period_start
                    from {PUBLISHED_SCHEMA}.fct_segment group by framework_version
                )
                select s.framework_version, s.period_start, s.segment, count(*)
                from {PUBLISHED_SCHEMA}.fct_segment s
                join latest using (framework_version, period_start)
                group by 1, 2, 3 order by 1, 2, 3
                """
            ).fetchall()
    return summary


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
        lines.append("trusts per segment in the published marts (latest period, per framework version):")
        current = None
        for version, period, segment, count in data["segments"]:
            if (version, period) != current:
                current = (version, period)
                lines.append(f"  {version} {period:%Y-%m}:")
            lines.append(f"    segment {segment}: {count}")
    lines.append(f"lineage docs     {settings.lineage_site_dir / 'index.html'}")
    lines.append(f"GX Data Docs     {settings.data_docs_site_dir / 'index.html'}")
    lines.append(f"quarantine       {settings.quarantine_dir}")
    if elapsed_seconds is not None:
        lines.append(f"wall time        {elapsed_seconds:.0f} s")
    if failed_dags:
        lines.append(f"FAILED DAGS      {', '.join(failed_dags)} (see the output above)")
    lines.append("=" * 72)
    print("\n".join(lines), flush=True)
