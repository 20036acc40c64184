"""OpenLineage events, in the file transport Marquez/DataHub collectors read, under OVERSIGHT_HOME/lineage/.

Three producers write to the same JSON-lines file (`events.jsonl`, one RunEvent per line):

- Airflow itself, through apache-airflow-providers-openlineage: one START and one COMPLETE/FAIL
  event per task run (configured by `airflow_env()`: AIRFLOW__OPENLINEAGE__TRANSPORT);
- the ingestion task (`emit_load_events`): one event pair per loaded file, job
  `oversight.load.<source>`, input the landing file (sha256, rows, load id in a facet), output
  the raw table, with the Airflow task run as its parent (ParentRunFacet);
- the dbt build (`emit_dbt_events`): one event pair per model, seed and snapshot that ran, read from
  dbt's manifest.json and run_results.json (what openlineage-dbt would emit; that package is not
  locked), inputs = the node's parents, output = the relation, parent = the Airflow task run.

`read_events` / `lineage_graph` read the file back for the site's lineage page.
"""

from __future__ import annotations

import json
import logging
import socket
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from oversight.settings import BUILD_SCHEMA, PUBLISHED_SCHEMA, RAW_SCHEMA, Settings, get_settings

log = logging.getLogger(__name__)

NAMESPACE = "oversight"
PRODUCER = "urn:nhs-oversight-warehouse:0.1.0:oversight.lineage_events"  # no public repository URL yet
SCHEMA_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/definitions/RunEvent"
PARENT_FACET_URL = "https://openlineage.io/spec/facets/1-1-0/ParentRunFacet.json#/$defs/ParentRunFacet"
JOB_TYPE_FACET_URL = "https://openlineage.io/spec/facets/2-0-3/JobTypeJobFacet.json#/$defs/JobTypeJobFacet"
SCHEMA_FACET_URL = (
    "https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet"
)
FILE_FACET_URL = PRODUCER + "#/$defs/OversightLandingFileFacet"


def events_file(settings: Settings | None = None) -> Path:
    return (settings or get_settings()).lineage_dir / "events.jsonl"


def airflow_env(settings: Settings) -> dict[str, str]:
    """Environment that makes the Airflow OpenLineage provider write to the same file."""
    transport = {"type": "file", "log_file_path": str(events_file(settings)), "append": True}
    settings.lineage_dir.mkdir(parents=True, exist_ok=True)
    return {
        "AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps(transport),
        "AIRFLOW__OPENLINEAGE__NAMESPACE": NAMESPACE,
        # The provider's own option: emit each event from a bounded thread of the task process
        # instead of a fork of it (which the task waits for). A fork of a process holding dbt and
        # GX cost about 1 s per ingestion DAG under `dag.test()` (three DAGs: 7.6 -> 4.5 s,
        # 2026-12-07); the provider documents the thread as the path that cannot strand a task.
        "AIRFLOW__OPENLINEAGE__EXECUTE_IN_THREAD": "True",
    }


# ---------------------------------------------------------------- dataset names (OpenLineage naming)


def file_dataset(path: Path, facets: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"namespace": f"file://{socket.gethostname()}", "name": str(path), "facets": facets or {}}


def table_dataset(
    target: Any, schema: str, table: str, facets: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A PostgreSQL table: namespace postgres://host:port, name database.schema.table."""
    host = "localhost" if str(target.host).startswith("/") else target.host
    return {
        "namespace": f"postgres://{host}:{target.port}",
        "name": f"{target.dbname}.{schema}.{table}",
        "facets": facets or {},
    }


def _facet(url: str, **body: Any) -> dict[str, Any]:
    return {"_producer": PRODUCER, "_schemaURL": url, **body}


def parent_facet(parent: dict[str, str] | None) -> dict[str, Any]:
    if not parent:
        return {}
    return {
        "parent": _facet(
            PARENT_FACET_URL,
            run={"runId": parent["run_id"]},
            job={"namespace": parent.get("namespace", NAMESPACE), "name": parent["job_name"]},
        )
    }


def airflow_parent(task_instance: Any) -> dict[str, str] | None:
    """The OpenLineage run of the running Airflow task (the provider's own run id), or None."""
    try:
        from airflow.providers.openlineage.plugins.macros import (
            lineage_job_name,
            lineage_job_namespace,
            lineage_run_id,
        )

        return {
            "run_id": lineage_run_id(task_instance),
            "job_name": lineage_job_name(task_instance),
            "namespace": lineage_job_namespace(),
        }
    except Exception as error:  # lineage must never fail a load or a build
        log.warning("no OpenLineage parent for this task: %s", error)
        return None


def run_event_pair(
    job_name: str,
    job_type: str,
    inputs: list[dict[str, Any]],
    outputs: list[dict[str, Any]],
    parent: dict[str, str] | None,
    started_at: datetime | None = None,
    ended_at: datetime | None = None,
    failed: bool = False,
) -> list[dict[str, Any]]:
    run_id = str(uuid.uuid4())
    ended_at = ended_at or datetime.now(UTC)
    started_at = started_at or ended_at
    job = {
        "namespace": NAMESPACE,
        "name": job_name,
        "facets": {
            "jobType": _facet(
                JOB_TYPE_FACET_URL, processingType="BATCH", integration="OVERSIGHT", jobType=job_type
            )
        },
    }
    common = {"producer": PRODUCER, "schemaURL": SCHEMA_URL, "job": job}
    run = {"runId": run_id, "facets": parent_facet(parent)}
    return [
        {**common, "eventType": "START", "eventTime": started_at.isoformat(), "run": run, "inputs": inputs},
        {
            **common,
            "eventType": "FAIL" if failed else "COMPLETE",
            "eventTime": ended_at.isoformat(),
            "run": run,
            "inputs": inputs,
            "outputs": outputs,
        },
    ]


def write_events(events: list[dict[str, Any]], settings: Settings | None = None) -> Path:
    path = events_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        for event in events:
            handle.write(json.dumps(event, default=str) + "\n")
    return path


# ---------------------------------------------------------------- producers


def _never_fails(function: Callable[..., int]) -> Callable[..., int]:
    """Lineage is a by-product: an error writing it is logged, never fails a load or a build."""

    def wrapper(*args: Any, **kwargs: Any) -> int:
        try:
            return function(*args, **kwargs)
        except Exception:
            log.exception("OpenLineage events not written by %s", function.__name__)
            return 0

    wrapper.__name__ = function.__name__
    wrapper.__doc__ = function.__doc__
    return wrapper


@_never_fails
def emit_load_events(
    source: str,
    results: list[dict[str, Any]],
    parent: dict[str, str] | None,
    settings: Settings | None = None,
) -> int:
    """One event pair per file loaded into raw: landing file -> raw table. Returns events written."""
    from oversight import warehouse
    from oversight.sources import get_source

    settings = settings or get_settings()
    loaded = [r for r in results if r["status"] == "loaded" and r.get("load_id")]
    if not loaded:
        return 0
    spec = get_source(source)
    target = warehouse.resolve(settings)
    with warehouse.connect(target) as conn:
        manifest = {
            row[0]: row[1:]
            for row in conn.execute(
                f"select load_id, file_sha256, file_bytes, target_table from {RAW_SCHEMA}.load_manifest "
                "where load_id = any(%s)",
                ([r["load_id"] for r in loaded],),
            ).fetchall()
        }
    folder = settings.landing_dir / getattr(spec, "landing_folder", spec.name)
    events: list[dict[str, Any]] = []
    for result in loaded:
        sha256, size, table = manifest.get(result["load_id"], (None, None, None))
        facet = _facet(
            FILE_FACET_URL,
            sha256=sha256,
            bytes=size,
            rowsLoaded=result["rows_loaded"],
            loadId=result["load_id"],
            period=result.get("period"),
        )
        events += run_event_pair(
            f"oversight.load.{source}",
            "LOAD",
            [file_dataset(folder / result["file_name"], {"oversightLandingFile": facet})],
            [table_dataset(target, RAW_SCHEMA, (table or spec.raw_table).split(".")[-1])],
            parent,
        )
    write_events(events, settings)
    return len(events)


@_never_fails
def emit_dbt_events(parent: dict[str, str] | None, settings: Settings | None = None) -> int:
    """One event pair per dbt node that ran in the last invocation (manifest + run_results).

    Marts are named by the schema they are published to (`marts`), not the build schema they were
    written to: the publish step renames the schema whole."""
    from oversight import warehouse

    settings = settings or get_settings()
    target_dir = settings.dbt_target_dir
    manifest_path, results_path = target_dir / "manifest.json", target_dir / "run_results.json"
    if not (manifest_path.exists() and results_path.exists()):
        return 0
    manifest = json.loads(manifest_path.read_text())
    run_results = json.loads(results_path.read_text())
    target = warehouse.resolve(settings)
    nodes = {**manifest.get("nodes", {}), **manifest.get("sources", {})}

    def dataset(unique_id: str) -> dict[str, Any] | None:
        node = nodes.get(unique_id)
        if node is None or node.get("resource_type") not in ("model", "seed", "snapshot", "source"):
            return None
        schema = node["schema"]
        if schema == BUILD_SCHEMA:
            schema = PUBLISHED_SCHEMA
        elif schema.endswith("__build"):  # every dbt schema is built as <schema>__build, then swapped
            schema = schema.removesuffix("__build")
        name = node.get("alias") or node.get("identifier") or node["name"]
        facets = {}
        columns = node.get("columns") or {}
        if columns:
            facets["schema"] = _facet(
                SCHEMA_FACET_URL,
                fields=[
                    {"name": c, "type": (v.get("data_type") or ""), "description": v.get("description") or ""}
                    for c, v in columns.items()
                ],
            )
        return table_dataset(target, schema, name, facets)

    events: list[dict[str, Any]] = []
    for result in run_results.get("results", []):
        unique_id = result["unique_id"]
        node = nodes.get(unique_id)
        if node is None or node.get("resource_type") not in ("model", "seed", "snapshot"):
            continue
        output = dataset(unique_id)
        inputs = [d for d in (dataset(p) for p in node.get("depends_on", {}).get("nodes", [])) if d]
        timing = {t["name"]: t for t in result.get("timing", [])}
        execute = timing.get("execute", {})
        events += run_event_pair(
            f"{manifest['metadata'].get('project_name', 'oversight')}.{node['resource_type']}.{node['name']}",
            node["resource_type"].upper(),
            inputs,
            [output] if output else [],
            parent,
            started_at=_parse_time(execute.get("started_at")),
            ended_at=_parse_time(execute.get("completed_at")),
            failed=result.get("status") in ("error", "fail"),
        )
    write_events(events, settings)
    return len(events)


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


# ---------------------------------------------------------------- consumers


def read_events(settings: Settings | None = None) -> list[dict[str, Any]]:
    path = events_file(settings)
    if not path.exists():
        return []
    events = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line:
            try:
                events.append(json.loads(line))
            except json.JSONDecodeError:
                log.warning("skipping a malformed OpenLineage line in %s", path)
    return events


def lineage_graph(events: list[dict[str, Any]]) -> dict[str, Any]:
    """Datasets and edges (input -> output, via job) from the COMPLETE events, newest per job."""
    latest: dict[tuple[str, str, str], dict[str, Any]] = {}
    for event in events:
        if event.get("eventType") != "COMPLETE":
            continue
        for source in event.get("inputs") or [{"namespace": "", "name": ""}]:
            for output in event.get("outputs") or []:
                if not source.get("name"):
                    continue
                key = (event["job"]["name"], _key(source), _key(output))
                latest[key] = {
                    "job": event["job"]["name"],
                    "source": _key(source),
                    "target": _key(output),
                    "event_time": event.get("eventTime"),
                    "facets": source.get("facets") or {},
                }
    datasets: dict[str, dict[str, Any]] = {}
    for edge in latest.values():
        for key in (edge["source"], edge["target"]):
            datasets.setdefault(key, {"key": key, "layer": layer_of(key)})
        file_facet = edge["facets"].get("oversightLandingFile")
        if file_facet:
            datasets[edge["source"]].update(
                sha256=file_facet.get("sha256"),
                rows=file_facet.get("rowsLoaded"),
                load_id=file_facet.get("loadId"),
            )
    airflow_jobs = sorted(
        {e["job"]["name"] for e in events if e.get("producer", "").find("apache/airflow") >= 0 and "job" in e}
    )
    return {
        "datasets": datasets,
        "edges": list(latest.values()),
        "airflow_jobs": airflow_jobs,
        "events": len(events),
    }


def _key(dataset: dict[str, Any]) -> str:
    return f"{dataset['namespace']}/{dataset['name']}"


LAYERS = ("file", "raw", "reference", "staging", "intermediate", "snapshots", "marts")


def layer_of(key: str) -> str:
    if key.startswith("file://"):
        return "file"
    schema = key.rsplit("/", 1)[-1].split(".")
    schema_name = schema[-2] if len(schema) >= 2 else ""
    return schema_name if schema_name in LAYERS else "other"
