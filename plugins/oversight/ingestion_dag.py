"""Shared shape of the ingestion DAGs: load new files -> validate the new rows -> announce the Asset.

Each dags/ingest_<source>.py calls ``ingestion_dag`` once, so the DAG files stay a few lines;
the work itself is in oversight.tasks.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import Param, dag, task

from oversight.assets import RAW_ASSETS
from oversight.dag_defaults import DEFAULT_ARGS, START_DATE


def ingestion_dag(source: str, schedule: str, doc_md: str | None) -> Any:
    @dag(
        dag_id=f"ingest_{source}",
        schedule=schedule,
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        params={
            "period": Param(None, type=["null", "string"], description="load only this period (YYYY-MM)")
        },
        tags=["ingest", source],
        doc_md=doc_md,
    )
    def ingest() -> None:
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
            """Great Expectations raw suite on the rows just loaded; success announces the Asset."""
            from oversight.tasks import validate_raw

            return validate_raw(source, results)

        @task(retries=0)
        def report_quarantined_files(results: list[dict[str, Any]]) -> None:
            """Fail the run, naming file, row and rule, if any file was quarantined."""
            from oversight.tasks import report_quarantined

            report_quarantined(source, results)

        loaded = load_new_files()
        validate_new_rows(loaded) >> report_quarantined_files(loaded)

    return ingest()
