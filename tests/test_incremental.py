"""Incremental builds (issue 14): a new RTT month and a revised one, landed on a published warehouse,
rebuild only their months of `int_rtt__metric_values` on the state copied from the published build,
and test only the new loads' staging rows; the marts are identical to a full refresh of the same
files. Real PostgreSQL, real dbt, real Great Expectations, the tasks the DAGs call.

A private copy of the session's warehouse (conftest `built`) lands the two files and refreshes
incrementally (the default), then rebuilds everything with OVERSIGHT_FULL_REFRESH: the publish must
find the build identical to what the incremental run published, in every schema.
"""

from __future__ import annotations

import csv
import io
import json
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from built_warehouse import Pipeline, copy_of
from conftest import SAMPLES, _drop_database

RTT_APRIL = SAMPLES / "rtt" / "20260430-RTT-April-2026-full-extract.csv.zip"
MAY = "20260531-RTT-May-2026-full-extract.csv"
APRIL_REVISED = "20260430-RTT-April-2026-full-extract-revised.csv"


def rtt_lines() -> tuple[bytes, list[bytes]]:
    with zipfile.ZipFile(RTT_APRIL) as archive:
        member = next(n for n in archive.namelist() if n.endswith(".csv"))
        lines = archive.read(member).splitlines(keepends=True)
    return lines[0], lines[1:]


def write_zip(path: Path, member: str, data: bytes) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(member, data)
    path.write_bytes(buffer.getvalue())


def land_two_files(landing: Path) -> str:
    """May 2026 (April's rows re-dated) and a revised April without its first provider's rows.
    Returns that provider's code."""
    header, body = rtt_lines()
    may = [line.replace(b"RTT-April-2026,", b"RTT-May-2026,", 1) for line in body]
    write_zip(landing / "rtt" / f"{MAY}.zip", MAY, b"".join([header, *may]))
    provider = [next(csv.reader([line.decode()]))[3] for line in body]  # Provider Org Code
    dropped = provider[0]
    revised = [line for line, code in zip(body, provider, strict=True) if code != dropped]
    assert 0 < len(revised) < len(body)
    write_zip(landing / "rtt" / f"{APRIL_REVISED}.zip", APRIL_REVISED, b"".join([header, *revised]))
    return dropped


def refresh(pipeline: Pipeline, run_id: str, **extra: str) -> dict:
    """The RTT ingestion DAG's tasks and the model DAG's build, gate and publish, in this process."""
    saved = dict(os.environ)
    os.environ.update({**pipeline.env(), "OVERSIGHT_RUN_ID": run_id, **extra})
    try:
        from oversight import tasks

        loads = tasks.load_source("rtt")
        validation = tasks.validate_raw("rtt", loads)
        build = tasks.build_marts()
        gate = tasks.gate_marts()
        publish = tasks.publish_marts()
        settings = pipeline.settings()
        run_results = json.loads((settings.dbt_target_dir / "run_results.json").read_text())
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return {
        "loads": loads,
        "validation": validation,
        "build": build,
        "gate": gate,
        "publish": publish,
        "run_results": run_results,
    }


RTT_MONTHS_SQL = (
    "select v.period_start, l.file_name, count(*), count(*) filter (where v.org_code = %s) "
    "from intermediate.int_rtt__metric_values v join raw.load_manifest l on l.load_id = v.load_id "
    "group by 1, 2 order by 1"
)


@pytest.fixture(scope="module")
def refreshed(built, server_admin, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:  # noqa: ANN001
    """A private copy of the session's warehouse: the two files landed and refreshed incrementally,
    then the same warehouse rebuilt with OVERSIGHT_FULL_REFRESH."""
    assert set(built.outcome.values()) == {"ok"}, built.outcome
    copy = copy_of(built, server_admin, tmp_path_factory.mktemp("incremental"), prefix="oversight_incr")
    try:
        dropped = land_two_files(copy.landing)
        incremental = refresh(copy, "incremental-refresh")
        after_incremental = {s: copy.fingerprint(s) for s in ("marts", "intermediate")}
        rtt_months = {"incremental": copy.query(RTT_MONTHS_SQL, (dropped,))}
        full = refresh(copy, "full-refresh", OVERSIGHT_FULL_REFRESH="true")
        rtt_months["full"] = copy.query(RTT_MONTHS_SQL, (dropped,))
        yield {
            "copy": copy,
            "results": {"incremental": incremental, "full": full},
            "after_incremental": after_incremental,
            "dropped": dropped,
            "rtt_months": rtt_months,
        }
    finally:
        _drop_database(server_admin, copy.target.dbname)


def test_the_refresh_loaded_both_files_and_published(refreshed: dict) -> None:
    incremental, full = refreshed["results"]["incremental"], refreshed["results"]["full"]
    assert sorted(r["file_name"] for r in incremental["loads"] if r["status"] == "loaded") == sorted(
        [f"{MAY}.zip", f"{APRIL_REVISED}.zip"]
    )
    assert incremental["validation"]["success"] and incremental["gate"]["success"]
    assert incremental["publish"]["action"] == "swapped"
    assert [r["status"] for r in full["loads"]] == ["duplicate"] * 3  # the 3 RTT files: nothing new


def test_the_incremental_build_started_from_the_published_state_and_the_full_one_did_not(
    refreshed: dict,
) -> None:
    incremental, full = refreshed["results"]["incremental"]["build"], refreshed["results"]["full"]["build"]
    assert incremental["incremental_state_copied"] == [
        "intermediate.int_cancer__tested_loads",
        "intermediate.int_rtt__metric_values",
    ]
    assert incremental["full_refresh"] is False
    assert full["incremental_state_copied"] == [] and full["full_refresh"] is True
    assert incremental["project_sha256"] == full["project_sha256"]


def staging_tests(refreshed: dict, kind: str, model: str) -> list[dict]:
    """The run results of the `kind` build's dbt tests whose node id names `model`."""
    nodes = refreshed["results"][kind]["run_results"]["results"]
    return [n for n in nodes if n["unique_id"].startswith("test.") and model in n["unique_id"]]


def test_the_incremental_build_tested_only_the_new_loads_staging_rows(refreshed: dict) -> None:
    incremental, full = (
        [n["compiled_code"] for n in staging_tests(refreshed, kind, "stg_rtt__provider_pathways")]
        for kind in ("incremental", "full")
    )
    assert len(incremental) == len(full) >= 8  # every test ran, in both
    # the new loads' ids as constants (pushed down to the raw table's _load_id index), in order
    new_loads = sorted(
        r["load_id"] for r in refreshed["results"]["incremental"]["loads"] if r["status"] == "loaded"
    )
    tested_loads_only = f"where load_id = any('{{{','.join(map(str, new_loads))}}}'::bigint[])"
    assert len(new_loads) == 2 and all(tested_loads_only in sql for sql in incremental), incremental[0]
    assert not any("load_id = any(" in sql for sql in full)


def test_no_cancer_file_landed_so_the_incremental_build_tested_no_cancer_staging_row(refreshed: dict) -> None:
    """The cancer staging tests keep their own state (int_cancer__tested_loads): every cancer load
    was tested by the published build, so the incremental build tests none of their rows again."""
    incremental, full = (staging_tests(refreshed, kind, "stg_cancer__") for kind in ("incremental", "full"))
    assert len(incremental) == len(full) >= 10
    assert all("where load_id = any('{}'::bigint[])" in n["compiled_code"] for n in incremental)
    assert not any("load_id = any(" in n["compiled_code"] for n in full)
    assert {n["status"] for n in incremental + full} == {"pass"}
    copy = refreshed["copy"]
    tested = copy.query("select count(*), count(distinct load_id) from intermediate.int_cancer__tested_loads")
    validated = copy.query(
        "select count(*) from raw.load_manifest where source = 'cancer' and validation = 'validated'"
    )
    assert tested == [(validated[0][0], validated[0][0])] and validated[0][0] >= 2


def test_a_full_refresh_of_the_same_files_changes_nothing_the_incremental_build_published(
    refreshed: dict,
) -> None:
    # the publish compares every table and view of every schema it swaps: all identical
    assert refreshed["results"]["full"]["publish"]["action"] == "unchanged"
    copy = refreshed["copy"]
    assert {s: copy.fingerprint(s) for s in ("marts", "intermediate")} == refreshed["after_incremental"]
    assert len(refreshed["after_incremental"]["marts"]) >= 15


@pytest.mark.parametrize("build", ["incremental", "full"])
def test_the_new_month_was_added_and_the_revised_month_replaced(refreshed: dict, build: str) -> None:
    rows = refreshed["rtt_months"][build]
    assert [(str(r[0]), r[1], r[3]) for r in rows] == [
        ("2026-04-01", f"{APRIL_REVISED}.zip", 0),  # the revised April: its dropped provider is gone
        ("2026-05-01", f"{MAY}.zip", 4),  # May: the provider's 4 metrics
    ]
    assert rows[0][2] == rows[1][2] - 4


def test_the_project_fingerprint_follows_the_rules_and_ignores_editor_files(tmp_path: Path) -> None:
    """The state is reused only while this is unchanged: any model, macro, seed, snapshot, test or
    dbt_project.yml edit changes it; a hidden file or an editor backup does not."""
    import shutil

    from oversight import transform
    from oversight.settings import get_settings

    project = tmp_path / "dbt_project"
    shutil.copytree(get_settings().dbt_project_dir, project, ignore=shutil.ignore_patterns("target", "logs"))
    settings = get_settings().model_copy(update={"dbt_project_dir": project})
    first = transform.project_fingerprint(settings)
    assert transform.project_fingerprint(settings) == first  # stable
    (project / "models" / ".fct_segment.sql.swp").write_text("x")
    (project / "seeds" / "nof_segment_cut_points.csv~").write_text("x")
    assert transform.project_fingerprint(settings) == first
    seed = project / "seeds" / "nof_segment_cut_points.csv"
    seed.write_text(seed.read_text() + "\n")
    second = transform.project_fingerprint(settings)
    assert second != first
    (project / "analyses").mkdir(exist_ok=True)
    (project / "analyses" / "scratch.sql").write_text("select 1")  # analyses are not built
    assert transform.project_fingerprint(settings) == second
