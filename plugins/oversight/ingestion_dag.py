"""Shared shape of the ingestion DAGs: fetch -> load new files -> validate the new rows -> Asset.

Each dags/ingest_<source>.py calls ``ingestion_dag`` once, so the DAG files stay a few lines;
the work itself is in oversight.tasks and oversight.fetch.

Validate, then commit: `load_new_files` commits each file's rows as a *pending* load, which dbt does
not see; `validate_new_rows` runs the raw suite on every pending load of the source (this run's, and
any an earlier run left pending when it stopped) and only then marks them validated, or rejects and
quarantines them. Both hold the source's advisory lock (oversight.source_lock).

The Asset is announced only when the run validated something: with no pending load, `validate_new_rows`
(the task with the outlet) is skipped, and a skipped task emits no Asset event, so the marts are
not rebuilt and re-gated for nothing. Quarantined or missing files still fail the run.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import Param, dag, task

from oversight.assets import RAW_ASSETS
from oversight.dag_defaults import DEFAULT_ARGS, INGEST_RUN_TIMEOUT, START_DATE, log_failure, schedule_for


def ingestion_dag(source: str, schedule: str, doc_md: str | None) -> Any:
    @dag(
        dag_id=f"ingest_{source}",
        schedule=schedule_for(f"ingest_{source}", schedule),
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        dagrun_timeout=INGEST_RUN_TIMEOUT,
        default_args=DEFAULT_ARGS,
        on_failure_callback=log_failure,
        params={
            "period": Param(None, type=["null", "string"], description="load only this period (YYYY-MM)")
        },
        tags=["ingest", source],
        doc_md=doc_md,
    )
    def ingest() -> None:
        @task(task_id=f"fetch_{source}", retries=1)
        def fetch_publications() -> list[dict[str, Any]]:
            """Download new or revised files from the publisher (FETCH_URL_<SOURCE>) into the landing
            folder; without a configured URL, nothing (hand-placed files are loaded as before)."""
            from oversight.fetch import fetch_source

            return fetch_source(source)

        @task
        def load_new_files(**context: Any) -> list[dict[str, Any]]:
            """Stream each new file of the landing folder into raw with COPY; quarantine bad ones.
            A backfill run (or a run with param `period`) loads just that period's file."""
            from oversight.tasks import load_source, period_for_run

            dag_run = context["dag_run"]
            period = period_for_run(
                source,
                context.get("logical_date"),
                str(getattr(dag_run, "run_type", "")).split(".")[-1].lower(),
                (context.get("params") or {}).get("period"),
            )
            results = load_source(source, period=period)
            from oversight.lineage_events import airflow_parent, emit_load_events

            emit_load_events(source, results, airflow_parent(context["ti"]))
            return results

        @task(outlets=[RAW_ASSETS[source]], retries=0)
        def validate_new_rows(results: list[dict[str, Any]]) -> dict[str, Any]:
            """Great Expectations raw suite on every pending load of the source; success marks them
            validated (dbt sees them) and announces the Asset. Nothing pending: skipped, no Asset event."""
            from airflow.sdk.exceptions import AirflowSkipException

            from oversight.tasks import validate_raw

            report = validate_raw(source, results)
            if report.get("skipped"):
                raise AirflowSkipException(f"{source}: no load pending validation, no Asset event")
            return report

        @task(retries=0, trigger_rule="none_failed")
        def report_quarantined_files(results: list[dict[str, Any]]) -> None:
            """Fail the run, naming file, row and rule, if any file was quarantined."""
            from oversight.tasks import report_quarantined

            report_quarantined(source, results)

        loaded = load_new_files()
        fetch_publications() >> loaded
        validate_new_rows(loaded) >> report_quarantined_files(loaded)

    return ingest()
