"""Run several DAGs with Airflow in ONE process: `python -m oversight.airflow_runner DAG_ID ...`.

Each DAG runs exactly as `airflow dags test DAG_ID` runs it (Airflow's own `DAG.test()`: a real
DagRun in the metadata database, every task executed by the Task SDK), but Airflow, dbt and Great
Expectations are imported once instead of once per DAG, which is most of the wall time of
`make run`. It must be started with the project's Airflow environment (oversight.cli.airflow_env).
`--runs '[["ingest_ae", {"period": "2024-10"}], ...]'` runs a list of DAG runs with their conf (a
backfill). Prints `==> DAG_ID` as each DAG starts, `TASK {json}` (dag_id, task_id, state, seconds)
as each of its tasks ends (an Airflow listener, `task_lines`), `DAG {json}` (dag_id, state, seconds,
conf if any) as the DAG ends and a final `RESULT {json}` line (oversight.progress shows them);
exits 1 if any DAG run failed.
`--list` prints the DAG ids the DAG files define, one a line, and runs nothing.

Only Airflow's public interface (`airflow.sdk`): the DAG objects are taken from the DAG files
themselves, as `if __name__ == "__main__": dag.test()` in a DAG file would, and `DAG.test()` writes
them to the metadata database before it runs them.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from oversight.settings import REPO_ROOT

if TYPE_CHECKING:
    from airflow.sdk import DAG

DAGS_DIR = REPO_ROOT / "dags"
# A failed run of these stops the sequence: everything after them depends on what they load or build.
STOP_ON_FAILURE = {"ingest_ods", "build_and_publish_marts"}


def load_dags(folder: Path = DAGS_DIR) -> tuple[dict[str, DAG], dict[str, str]]:
    """Every DAG bound to a module-level name in the folder's .py files, by dag_id; and the files
    that failed to import, with their error."""
    from airflow.sdk import DAG

    dags: dict[str, DAG] = {}
    errors: dict[str, str] = {}
    for path in sorted(folder.glob("*.py")):
        spec = importlib.util.spec_from_file_location(f"oversight_dag_file_{path.stem}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except Exception as error:  # one broken file must not hide the other DAGs
            errors[path.name] = f"{type(error).__name__}: {error}"
            continue
        for dag in (v for v in vars(module).values() if isinstance(v, DAG)):
            # where the DAG is defined, as Airflow's own importer records it (not the factory's file)
            dag.fileloc, dag.relative_fileloc = str(path), str(path.relative_to(folder))
            dags[dag.dag_id] = dag
    return dags, errors


def emit(kind: str, record: dict) -> None:
    """One runner line, in one write (another thread's log line cannot split it), on the process's
    own stdout: a task may have redirected sys.stdout to its log while its listener hook runs."""
    stream = sys.__stdout__ or sys.stdout
    stream.write(f"{kind} {json.dumps(record)}\n")
    stream.flush()


def task_lines() -> object:
    """An Airflow listener (`airflow.listeners.hookimpl`, registered on the Task SDK's listener
    manager of this process): `TASK {json}` as each task instance ends, so `make run` shows each
    task of a long DAG as it finishes, not only the DAG. Skipped tasks the scheduler loop never ran
    (trigger rules) get no line; the DAG line still counts them in its state. Built in a function:
    importing Airflow here at module import would slow every importer."""
    from airflow.listeners import hookimpl

    started: dict[tuple, float] = {}

    def key(ti: Any) -> tuple:
        return (ti.dag_id, ti.task_id, getattr(ti, "map_index", -1))

    def done(ti: Any, state: str) -> None:
        began = started.pop(key(ti), None)
        seconds = round(time.monotonic() - began, 1) if began is not None else None
        emit("TASK", {"dag_id": ti.dag_id, "task_id": ti.task_id, "state": state, "seconds": seconds})

    class TaskLines:
        @hookimpl
        def on_task_instance_running(self, previous_state: Any, task_instance: Any) -> None:
            started[key(task_instance)] = time.monotonic()

        @hookimpl
        def on_task_instance_success(self, previous_state: Any, task_instance: Any) -> None:
            done(task_instance, "ok")

        @hookimpl
        def on_task_instance_failed(self, previous_state: Any, task_instance: Any, error: Any) -> None:
            done(task_instance, "failed")

        @hookimpl
        def on_task_instance_skipped(self, previous_state: Any, task_instance: Any) -> None:
            done(task_instance, "skipped")

    return TaskLines()


def run(runs: list[tuple[str, dict | None]]) -> list[str]:
    """Each (dag_id, conf) as one DAG run, in order; the state of each run ("ok" / "failed"), as
    many as ran (a failed run of a STOP_ON_FAILURE DAG ends the sequence)."""
    from airflow.sdk import DagRunState
    from airflow.sdk.listener import get_listener_manager

    get_listener_manager().add_listener(task_lines())
    dags, errors = load_dags()
    states: list[str] = []
    for dag_id, conf in runs:
        started = time.monotonic()
        print(f"==> {dag_id}", flush=True)
        try:
            if dag_id not in dags:
                raise LookupError(
                    f"no DAG {dag_id!r} in {DAGS_DIR}" + (f" (import errors: {errors})" * bool(errors))
                )
            dag_run = dags[dag_id].test(run_conf=conf)
            ok = dag_run is not None and dag_run.state != DagRunState.FAILED
        except Exception as error:  # a DAG that cannot even start is a failed run, reported as such
            print(f"    {dag_id}: could not run: {error}", flush=True)
            ok = False
        states.append("ok" if ok else "failed")
        done = {"dag_id": dag_id, "state": states[-1], "seconds": round(time.monotonic() - started, 1)}
        emit("DAG", done | ({"conf": conf} if conf is not None else {}))
        if not ok and dag_id in STOP_ON_FAILURE:
            break
    return states


def main(argv: list[str]) -> int:
    """`DAG_ID ...`: one run of each; `--conf JSON DAG_ID ...`: the same with that conf; `--runs JSON`:
    a list of [dag_id, conf] (a backfill: one run per period, Airflow imported once)."""
    if argv[:1] == ["--list"]:
        dags, errors = load_dags()
        print("\n".join(sorted(dags)))
        for name, error in errors.items():
            print(f"{name}: {error}", file=sys.stderr)
        return 1 if errors else 0
    if argv[:1] == ["--runs"]:
        runs = [(dag_id, conf) for dag_id, conf in json.loads(argv[1])]
    else:
        conf = None
        if argv[:1] == ["--conf"]:
            conf, argv = json.loads(argv[1]), argv[2:]
        runs = [(dag_id, conf) for dag_id in argv]
    states = run(runs)
    emit("RESULT", {dag_id: state for (dag_id, _), state in zip(runs, states, strict=False)})
    return 0 if len(states) == len(runs) and all(v == "ok" for v in states) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
