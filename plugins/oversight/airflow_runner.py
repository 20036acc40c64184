"""Run several DAGs with Airflow in ONE process: `python -m oversight.airflow_runner DAG_ID ...`.

Each DAG runs exactly as `airflow dags test DAG_ID` runs it (Airflow's own `dag.test()`: a real
DagRun in the metadata database, every task executed by the Task SDK), but Airflow, dbt and Great
Expectations are imported once instead of once per DAG, which is most of the wall time of
`make run`. It must be started with the project's Airflow environment (oversight.cli.airflow_env).
Prints `==> DAG_ID` as each DAG starts, `DAG {json}` (dag_id, state, seconds) as it ends and a final
`RESULT {json}` line (oversight.progress shows them); exits 1 if any DAG run failed.
"""

from __future__ import annotations

import json
import sys
import time

# A failed run of these stops the sequence: everything after them depends on what they load or build.
STOP_ON_FAILURE = {"ingest_ods", "build_and_publish_marts"}


def run(dag_ids: list[str], conf: dict | None = None) -> dict[str, str]:
    from airflow.utils.cli import get_bagged_dag
    from airflow.utils.state import DagRunState

    outcome: dict[str, str] = {}
    for dag_id in dag_ids:
        started = time.monotonic()
        print(f"==> {dag_id}", flush=True)
        try:
            dag = get_bagged_dag(bundle_names=None, dag_id=dag_id)
            dag_run = dag.test(run_conf=conf)
            ok = dag_run is not None and dag_run.state != DagRunState.FAILED
        except Exception as error:  # a DAG that cannot even start is a failed run, reported as such
            print(f"    {dag_id}: could not run: {error}", flush=True)
            ok = False
        outcome[dag_id] = "ok" if ok else "failed"
        elapsed = round(time.monotonic() - started, 1)
        done = {"dag_id": dag_id, "state": outcome[dag_id], "seconds": elapsed}
        print("DAG " + json.dumps(done), flush=True)
        if not ok and dag_id in STOP_ON_FAILURE:
            break
    return outcome


def main(argv: list[str]) -> int:
    conf = None
    if argv[:1] == ["--conf"]:
        conf, argv = json.loads(argv[1]), argv[2:]
    outcome = run(argv, conf)
    print("RESULT " + json.dumps(outcome), flush=True)
    return 0 if all(v == "ok" for v in outcome.values()) and len(outcome) == len(argv) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
