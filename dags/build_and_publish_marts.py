"""
### build_and_publish_marts: dbt build -> Great Expectations gate -> atomic publish -> docs

Runs whenever any raw Asset is updated (data-aware scheduling). dbt builds every model into
schema `marts__build` and runs its tests; the GX marts suite validates that schema; only if both
pass does one transaction swap it into `marts`, the schema BI tools read. Lineage docs are then
generated for the published marts, the published segments are snapshotted (segment history), and
the static results and lineage site is built from the published marts (`build_site`).
Emits `warehouse://marts/published`.
"""

from typing import Any

from airflow.sdk import dag, task

from oversight.assets import PUBLISHED_MARTS, any_raw_asset
from oversight.dag_defaults import DEFAULT_ARGS, START_DATE


@dag(
    dag_id="build_and_publish_marts",
    schedule=any_raw_asset(),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["model", "gate", "publish"],
    doc_md=__doc__,
)
def build_and_publish_marts() -> None:
    @task(retries=0)
    def dbt_build(**context: Any) -> dict[str, Any]:
        """dbt build into marts__build (seeds, models, tests, unit tests); OpenLineage events per node."""
        from oversight.lineage_events import airflow_parent, emit_dbt_events
        from oversight.tasks import build_marts

        report = build_marts()
        emit_dbt_events(airflow_parent(context["ti"]))
        return report

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

    @task
    def build_site() -> dict[str, Any]:
        """Static results and lineage site from the published marts (OVERSIGHT_HOME/site/index.html)."""
        from oversight.tasks import build_site

        return build_site()

    dbt_build() >> gate() >> publish() >> record_segment_history() >> lineage_docs() >> build_site()


build_and_publish_marts()
