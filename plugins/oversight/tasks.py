"""The work each Airflow task does, as plain functions (the DAG files only wire them together).

Every function resolves the warehouse itself (WAREHOUSE_URL or the embedded server), so it runs
the same in an Airflow worker, in `python -m oversight.cli` and in tests.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from oversight import faultpoints, loader, reports, warehouse
from oversight.errors import BadInputError, GateFailedError
from oversight.settings import BUILD_SCHEMA, RAW_SCHEMA, Settings, get_settings

log = logging.getLogger(__name__)


def load_source(
    source: str, settings: Settings | None = None, period: date | None = None
) -> list[dict[str, Any]]:
    """Load new files of one source; one dict per file (loaded, pending, duplicate, quarantined,
    missing). With `period` (backfill), only that period's file, and its absence is reported as
    missing. Loaded rows stay pending (dbt does not see them) until ``validate_raw`` passed them."""
    settings = settings or get_settings()
    target = warehouse.resolve(settings)
    warehouse.bootstrap(target, settings.bi_role)
    lock: dict[str, Any] = {}
    results = loader.results_as_dicts(
        loader.ingest_source(source, target, settings, period=period, lock_report=lock)
    )
    reports.write_report(f"ingest_{source}", {"source": source, "files": results, **lock}, settings)
    for r in results:
        log.info(
            "%s %s: %s %s", source, r["file_name"], r["status"], r["message"] or f"{r['rows_loaded']} rows"
        )
    return results


def pending_loads(conn: Any, source: str) -> list[tuple[int, int]]:
    """(load id, rows) of each load of `source` committed but not yet validated by the raw suite
    (this run's loads, and those of an earlier run that stopped between COPY and validation)."""
    rows = conn.execute(
        f"select load_id, coalesce(rows_loaded, 0) from {RAW_SCHEMA}.load_manifest "
        "where source = %s and status = 'loaded' and validation = 'pending' order by load_id",
        (source,),
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def gate_batches(loads: list[tuple[int, int]], max_rows: int) -> list[list[int]]:
    """Consecutive loads in batches of at most `max_rows` raw rows (a larger load alone).

    Measured reason: GX's memory grows by about 2 KB per validated row (bench/results.md: 1.6 GB for
    3 RTT months of 542,343 rows, 10.9 GB for a 23-month backfill gated at once), and each gate run
    costs about 1.5 s whatever its size. One batch per load would make a 24-month A&E backfill 24
    runs; one batch for everything put a backfill's memory out of bounds."""
    batches: list[list[int]] = []
    rows_in_batch = 0
    for load_id, rows in loads:
        if batches and rows_in_batch + rows <= max_rows:
            batches[-1].append(load_id)
            rows_in_batch += rows
        else:
            batches.append([load_id])
            rows_in_batch = rows
    return batches


def validate_raw(
    source: str,
    results: list[dict[str, Any]],
    settings: Settings | None = None,
    target: warehouse.Connection | None = None,
) -> dict[str, Any]:
    """Great Expectations on every pending load of the source: the rows this run loaded, and any an
    earlier run committed but never validated, in batches of at most OVERSIGHT_RAW_GATE_BATCH_ROWS
    rows. A batch that passed: its loads become `validated` and dbt sees them. A batch that failed:
    its loads are `rejected` (rows deleted and manifest rows marked quarantined in one transaction,
    files quarantined), the other batches are still validated, and the task fails. Holds the
    source's advisory lock."""
    from oversight import gate, source_lock

    settings = settings or get_settings()
    target = target or warehouse.resolve(settings)
    this_run = {r["load_id"] for r in results if r["status"] in ("loaded", "pending")}
    with source_lock.holding(target, source, "validate", settings) as hold:
        pending = pending_loads(hold.conn, source)
        hold.conn.commit()
        load_ids = [load_id for load_id, _rows in pending]
        earlier = [i for i in load_ids if i not in this_run]
        base = {"source": source, "load_ids": load_ids, "earlier_pending": earlier, **hold.as_report()}
        if not load_ids:
            report = {
                **base,
                "skipped": "no new loads",
                "success": True,
                "evaluated": 0,
                "passed": 0,
                "failed": 0,
            }
            reports.write_report(f"gate_raw_{source}", report, settings)
            return report
        if earlier:
            log.warning("%s: validating load(s) %s left pending by an earlier run", source, earlier)
        faultpoints.reached("raw_validate")
        batches = gate_batches(pending, settings.raw_gate_batch_rows)
        counts = {"evaluated": 0, "passed": 0, "failed": 0}
        rejected: list[int] = []
        errors: list[GateFailedError] = []
        data_docs = None
        for batch in batches:
            try:
                result = gate.run_gate("raw", target, RAW_SCHEMA, load_ids=batch, settings=settings)
            except GateFailedError as error:
                _reject_loads(hold.conn, source, batch, str(error), settings)
                rejected.extend(batch)
                errors.append(error)
                result = getattr(error, "report", None)
            else:
                faultpoints.reached("raw_validated")
                loader.mark_validated(hold.conn, batch, settings.build_lock_wait_seconds)
                hold.conn.commit()
            if result is not None:
                for key in counts:
                    counts[key] += getattr(result, key)
                data_docs = result.data_docs_index
        base |= {"batches": batches, "rejected_load_ids": rejected, **counts, "data_docs": data_docs}
    if errors:
        message = "; ".join(str(e) for e in errors)
        reports.write_report(f"gate_raw_{source}", {**base, "success": False, "message": message}, settings)
        raise errors[0]
    report = {**base, "success": True}
    reports.write_report(f"gate_raw_{source}", report, settings)
    return report


def _gate_counts(report: Any) -> dict[str, Any]:
    return {
        "evaluated": report.evaluated,
        "passed": report.passed,
        "failed": report.failed,
        "data_docs": report.data_docs_index,
    }


def _reject_loads(conn: Any, source: str, load_ids: list[int], reason: str, settings: Settings) -> None:
    """The files are quarantined first, then rows and status change in one transaction: a crash in
    between leaves the loads pending, and the next run validates (and rejects) them again."""
    from oversight.sources import get_source

    spec = get_source(source)
    files = conn.execute(
        f"select load_id, file_name, coalesce(landing_path, file_name) from {RAW_SCHEMA}.load_manifest "
        "where load_id = any(%s)",
        (load_ids,),
    ).fetchall()
    conn.commit()
    for _load_id, file_name, landing_path in files:
        path = settings.landing_dir / landing_path
        if not path.exists():  # loaded before landing paths were recorded
            path = settings.landing_dir / getattr(spec, "landing_folder", spec.name) / file_name
        if path.exists():
            loader.quarantine_file(settings, spec, path, BadInputError(file_name, "raw_gate", reason[:2000]))
    with conn.transaction():
        conn.execute(f"delete from {RAW_SCHEMA}.{spec.raw_table} where _load_id = any(%s)", (load_ids,))
        conn.execute(
            f"update {RAW_SCHEMA}.load_manifest set status = 'quarantined', validation = 'rejected', "
            "rows_loaded = 0, message = %s where load_id = any(%s)",
            (f"raw gate failed: {reason}"[:4000], load_ids),
        )


def report_quarantined(source: str, results: list[dict[str, Any]]) -> None:
    """Fail loudly (after the good files flowed on) when any file of this run was quarantined, or
    when a backfill period has no file."""
    bad = [r for r in results if r["status"] in ("quarantined", "previously_quarantined", "missing")]
    if bad:
        lines = "\n".join(f"- {r['file_name'] or 'period ' + str(r['period'])}: {r['message']}" for r in bad)
        raise BadInputError(
            ", ".join(r["file_name"] or f"period {r['period']}" for r in bad),
            "quarantined_or_missing",
            f"{len(bad)} file(s) or period(s) of source {source!r} were not loaded:\n{lines}",
        )


def period_for_run(
    source: str, logical_date: datetime | None, run_type: str, requested: str | None
) -> date | None:
    """The period a DAG run must load: the `period` param if given (YYYY-MM or YYYY-MM-DD), else for
    a backfill run the period published around its logical date; otherwise None (all new files)."""
    from oversight.sources import get_source

    if requested:
        parts = [int(p) for p in str(requested).split("-")]
        return date(parts[0], parts[1], parts[2] if len(parts) > 2 else 1)
    if run_type == "backfill" and logical_date is not None:
        return get_source(source).expected_period(logical_date.date())
    return None


def build_marts(settings: Settings | None = None) -> dict[str, Any]:
    """dbt build into the build schemas, holding the build lock (a second run waits, bounded, and
    says so; the build schemas an earlier run left are dropped first)."""
    from oversight import build_lock, transform

    settings = settings or get_settings()
    target = warehouse.resolve(settings)
    warehouse.bootstrap(target, settings.bi_role)
    hold = None
    try:
        project = transform.project_fingerprint(settings)
        state = None if settings.full_refresh else project
        with build_lock.holding(target, "dbt_build", settings, first=True, incremental_state=state) as hold:
            result = transform.build(target, settings, project_sha256=project)
    except RuntimeError as error:
        reports.write_report(
            "dbt_build",
            {"success": False, "message": str(error), **(hold.as_report() if hold else {})},
            settings,
        )
        raise
    report = {
        "success": True,
        "full_refresh": settings.full_refresh,
        "project_sha256": project,
        "counts": result.counts,
        "tests_passed": result.tests_passed,
        "tests_failed": result.tests_failed,
        "tests_left_to_gate": result.left_to_gate,
        **hold.as_report(),
    }
    reports.write_report("dbt_build", report, settings)
    return report


def gate_marts(settings: Settings | None = None) -> dict[str, Any]:
    """The GX marts suite on the build schema, holding the build lock. A refused build is kept
    (whole, for inspection) and never published; the next build drops it."""
    from oversight import build_lock, gate

    settings = settings or get_settings()
    target = warehouse.resolve(settings)
    try:
        with build_lock.holding(target, "gate", settings, keep_build_on_failure=True):
            faultpoints.reached("gate_marts")
            result = gate.run_gate("marts", target, BUILD_SCHEMA, settings=settings)
    except GateFailedError as error:
        failed = getattr(error, "report", None)
        reports.write_report(
            "gate_marts",
            {"success": False, "message": str(error), **(_gate_counts(failed) if failed else {})},
            settings,
        )
        raise
    except RuntimeError as error:
        reports.write_report("gate_marts", {"success": False, "message": str(error)}, settings)
        raise
    report = {"success": True, **_gate_counts(result)}
    reports.write_report("gate_marts", report, settings)
    return report


def publish_marts(settings: Settings | None = None) -> dict[str, Any]:
    """Swap every build schema into place in one transaction (lock_timeout, bounded retries),
    holding the build lock, then release it."""
    from oversight import build_lock, dbt_manifest, publish

    settings = settings or get_settings()
    target = warehouse.resolve(settings)
    try:
        with build_lock.holding(target, "publish", settings, last=True, keep_build_on_failure=True) as hold:
            result = publish.publish(
                target,
                settings.bi_role,
                expected_tables=list(dbt_manifest.published_marts(settings)),
                settings=settings,
                run_id=hold.run_id,
                build_started_at=hold.build_started_at,
            )
    except Exception as error:
        reports.write_report("publish", {"success": False, "message": str(error)}, settings)
        raise
    report = {
        "success": True,
        "action": result.action,
        "tables": result.tables,
        "attempts": result.attempts,
        "kept_previous": result.kept_previous,
    }
    reports.write_report("publish", report, settings)
    return report


def generate_docs(settings: Settings | None = None) -> dict[str, Any]:
    from oversight import transform

    settings = settings or get_settings()
    target = warehouse.resolve(settings)
    index = transform.generate_docs(target, settings)
    report = {"lineage_docs": index}
    reports.write_report("docs", report, settings)
    return report


def build_site(settings: Settings | None = None) -> dict[str, Any]:
    """The static results and lineage site, from the published marts (oversight.site)."""
    from oversight import site

    settings = settings or get_settings()
    target = warehouse.resolve(settings)
    result = site.build_site(target, settings)
    report = {"site": str(result.index), "pages": result.pages}
    reports.write_report("site", report, settings)
    return report
