"""
### build_and_publish_marts: dbt build -> Great Expectations gate -> atomic publish -> docs

Runs whenever any raw Asset is updated (data-aware scheduling). dbt builds every model into
schema `marts__build` and runs its tests; the GX marts suite validates that schema; only if both
pass does one transaction swap it into `marts`, the schema BI tools read. Lineage docs are then
generated for the published marts and the published segments are snapshotted (segment history).
Emits `warehouse://marts/published`.
"""

from typing import Any

from airflow.sdk import dag, task

from oversight.assets import PUBLISHED_MARTS, any_raw_asset
from oversight.dag_defaults import BUILD_RUN_TIMEOUT, DEFAULT_ARGS, START_DATE, log_failure


@dag(
    dag_id="build_and_publish_marts",
    schedule=any_raw_asset(),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=BUILD_RUN_TIMEOUT,
    default_args=DEFAULT_ARGS,
    on_failure_callback=log_failure,
    tags=["model", "gate", "publish"],
    doc_md=__doc__,
)
def build_and_publish_marts() -> None:
    @task(retries=0)
    def dbt_build() -> dict[str, Any]:
        """dbt build into marts__build (seeds, models, tests, unit tests)."""
        from oversight.tasks import build_marts

        return build_marts()

    @task(retries=0)
    def gate() -> dict[str, Any]:
        """Great Expectations marts suite on marts__build; a failure blocks publication."""
        from oversight.tasks import gate_marts

        return gate_marts()

    @task(outlets=[PUBLISHED_MARTS], retries=0)
    def publish() -> dict[str, Any]:
        """Swap marts__build into marts in one transaction (no-op when identical)."""
        from oversight.tasks import publish_marts

        return publish_marts()

    @task
    def record_segment_history() -> dict[str, Any]:
        """dbt snapshot of the published segments (fct_segment_history reads it)."""
        from oversight.tasks import record_segment_history

        return record_segment_history()

    @task
    def lineage_docs() -> dict[str, Any]:
        """dbt docs generate for the published marts (static site)."""
        from oversight.tasks import generate_docs

        return generate_docs()

    dbt_build() >> gate() >> publish() >> record_segment_history() >> lineage_docs()


build_and_publish_marts()
