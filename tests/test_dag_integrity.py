"""DAG integrity: every DAG file imports cleanly in Airflow's DagBag, fast, with no heavy imports,
and carries the hygiene the team relies on (tags, owner, retries, schedule, docs)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DAGS = REPO / "dags"
HEAVY_MODULES = (
    "great_expectations",
    "dbt",
    "psycopg",
    "pgserver",
    "sqlalchemy.dialects.postgresql",
    "openpyxl",
)

PROBE = r"""
import json, os, sys, time
t0 = time.monotonic()
from airflow.dag_processing.dagbag import DagBag
before = set(sys.modules)
t1 = time.monotonic()
bag = DagBag(dag_folder=sys.argv[1])
t2 = time.monotonic()
heavy_roots = ("great_expectations", "dbt", "psycopg", "pgserver", "openpyxl")
heavy = sorted(m for m in set(sys.modules) - before if m.split(".")[0] in heavy_roots)
errors = {k: str(v) for k, v in bag.import_errors.items()}
out = {"import_errors": errors, "parse_seconds": t2 - t1, "heavy": heavy,
       "dags": {}}
for dag_id, dag in bag.dags.items():
    out["dags"][dag_id] = {
        "fileloc": dag.fileloc, "tags": sorted(dag.tags), "doc_md": bool(dag.doc_md),
        "schedule": type(dag.timetable).__name__, "catchup": dag.catchup,
        "max_active_runs": dag.max_active_runs,
        "owner": dag.owner,
        "tasks": {t.task_id: {"retries": t.retries, "upstream": sorted(t.upstream_task_ids),
                              "outlets": [getattr(o, "uri", str(o)) for o in t.outlets]} for t in dag.tasks},
        "has_cycle": False,
    }
    try:
        dag.check_cycle()
    except Exception:
        out["dags"][dag_id]["has_cycle"] = True
print("JSON" + json.dumps(out))
"""


@pytest.fixture(scope="module")
def dagbag(tmp_path_factory: pytest.TempPathFactory) -> dict:
    home = tmp_path_factory.mktemp("airflow-home")
    env = {
        "PATH": str(Path(sys.executable).parent),
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
        "PYTHONPATH": str(REPO / "plugins"),
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(DAGS)], env=env, capture_output=True, text=True, timeout=300
    )
    line = next((ln for ln in result.stdout.splitlines() if ln.startswith("JSON")), None)
    assert line, result.stdout[-2000:] + result.stderr[-4000:]
    return json.loads(line[4:])


def test_every_dag_file_imports_without_errors(dagbag: dict) -> None:
    assert dagbag["import_errors"] == {}


def test_one_dag_per_source_plus_the_modelling_dag(dagbag: dict) -> None:
    from oversight.sources import SOURCES

    expected = {f"ingest_{name}" for name in SOURCES} | {"build_and_publish_marts"}
    assert expected <= set(dagbag["dags"])


def test_parsing_is_fast_and_imports_nothing_heavy(dagbag: dict) -> None:
    assert dagbag["heavy"] == []
    assert dagbag["parse_seconds"] < 10


def test_dag_hygiene(dagbag: dict) -> None:
    for dag_id, dag in dagbag["dags"].items():
        assert dag["tags"], dag_id
        assert dag["doc_md"], dag_id
        assert dag["owner"] == "oversight-data-engineering", dag_id
        assert dag["catchup"] is False and dag["max_active_runs"] == 1, dag_id
        timetables = ("CronTriggerTimetable", "CronDataIntervalTimetable", "AssetTriggeredTimetable")
        assert dag["schedule"] in timetables, (dag_id, dag["schedule"])
        assert not dag["has_cycle"], dag_id


def test_ingestion_dags_announce_their_raw_asset_only_after_validation(dagbag: dict) -> None:
    from oversight.sources import SOURCES

    for name, spec in SOURCES.items():
        tasks = dagbag["dags"][f"ingest_{name}"]["tasks"]
        assert tasks["load_new_files"]["retries"] >= 2  # transient database errors are retried
        assert tasks["validate_new_rows"]["upstream"] == ["load_new_files"]
        assert tasks["validate_new_rows"]["outlets"] == [f"warehouse://raw/{spec.raw_table}"]
        assert tasks["report_quarantined_files"]["upstream"] == ["load_new_files", "validate_new_rows"]


def test_publish_runs_only_after_the_gate(dagbag: dict) -> None:
    tasks = dagbag["dags"]["build_and_publish_marts"]["tasks"]
    assert tasks["gate"]["upstream"] == ["dbt_build"]
    assert tasks["publish"]["upstream"] == ["gate"]
    assert tasks["publish"]["outlets"] == ["warehouse://marts/published"]
    assert tasks["gate"]["retries"] == 0  # a failed expectation is not transient


def test_the_site_is_built_last_from_what_was_published(dagbag: dict) -> None:
    tasks = dagbag["dags"]["build_and_publish_marts"]["tasks"]
    assert tasks["build_site"]["upstream"] == ["lineage_docs"]
    assert not [t for t, spec in tasks.items() if "build_site" in spec["upstream"]]  # nothing after it
