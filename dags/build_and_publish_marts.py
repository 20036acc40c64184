"""
### build_and_publish_marts: dbt build -> Great Expectations gate -> atomic publish -> docs

Runs whenever any raw Asset is updated (data-aware scheduling). dbt builds every schema it writes
(reference, staging, intermediate, snapshots, marts) as `<schema>__build` and runs its tests; the
GX marts suite validates `marts__build`; only if both pass does one transaction swap the whole set
into place (`marts` is the schema BI tools read). The segment history (dbt snapshot) is part of the
build, so it records exactly what is published. Build, gate and publish hold the build lock: a
second run of another deployment waits (bounded) and says so. Lineage docs are then generated for
the published marts, and the static results and lineage site is built from them
(`build_site`). Emits `warehouse://marts/published`.
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
    def dbt_build(**context: Any) -> dict[str, Any]:
        """dbt build into the <schema>__build schemas (seeds, models, snapshot, data tests; unit
        tests run in `make test`); OpenLineage events per node."""
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
        """Swap every build schema into place in one transaction (no-op when identical)."""
        from oversight.tasks import publish_marts

        return publish_marts()

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

    dbt_build() >> gate() >> publish() >> lineage_docs() >> build_site()


dag = build_and_publish_marts()  # a module-level name: oversight.airflow_runner runs it
