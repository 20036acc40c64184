"""The published marts are declared once, by dbt: deleting a mart's SQL and YAML from a copy of the
project removes it from the publish step's expected tables, the GX marts gate, the published schema
and the lineage docs, with no other edit."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import REPO_ROOT
from oversight import dbt_manifest, transform, warehouse
from oversight.settings import get_settings

LEAF_MART = "fct_segment_sensitivity"  # nothing refs it: no model, exposure or test


def _parse(project: Path, home: Path):  # noqa: ANN202
    settings = get_settings().model_copy(update=dict(dbt_project_dir=project, home=home))
    # dbt parse reads the profile's env vars but opens no connection.
    target = warehouse.Connection.from_url("postgresql://postgres@127.0.0.1:5432/postgres")
    result = transform.run_dbt(["parse", "--no-partial-parse"], target, settings)
    assert result.success, result.failures
    return settings


def _delete_mart(project: Path, name: str) -> None:
    """Deleting a mart is deleting its two files: the SQL and the YAML beside it."""
    for suffix in (".sql", ".yml"):
        (project / "models" / "marts" / f"{name}{suffix}").unlink()


@pytest.fixture(scope="module")
def parsed(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    root = tmp_path_factory.mktemp("dbt_copy")
    whole = root / "whole"
    shutil.copytree(REPO_ROOT / "dbt_project", whole, ignore=shutil.ignore_patterns("target", "logs"))
    less = root / "less"
    shutil.copytree(whole, less)
    _delete_mart(less, LEAF_MART)
    return _parse(whole, root / "home_whole"), _parse(less, root / "home_less")


def test_published_marts_come_from_the_dbt_project(parsed) -> None:  # noqa: ANN001
    whole, less = parsed
    marts_whole = dbt_manifest.published_marts(whole)
    marts_less = dbt_manifest.published_marts(less)
    sql_files = sorted(p.stem for p in (REPO_ROOT / "dbt_project" / "models" / "marts").glob("*.sql"))
    assert list(marts_whole) == sql_files
    assert {"fct_segment", "fct_segment_path", "fct_published_reconciliation"} <= set(marts_whole)
    assert set(marts_whole) - set(marts_less) == {LEAF_MART}
    assert set(marts_less) < set(marts_whole)


def test_the_gx_marts_gate_follows_the_manifest(parsed) -> None:  # noqa: ANN001
    from oversight.gate.suites import contracts_for

    whole, less = parsed

    def gate(settings) -> tuple[set[str], set[str]]:  # noqa: ANN001
        contracts = contracts_for("marts", settings)
        schema = next(c for c in contracts if c.table == "information_schema.tables")
        listed = set(schema.expectations[0].value_set)
        return listed, {t for c in contracts for t in c.required_tables} - {"information_schema.tables"}

    listed_whole, checked_whole = gate(whole)
    listed_less, checked_less = gate(less)
    assert listed_whole == set(dbt_manifest.published_marts(whole))
    assert listed_whole - listed_less == {LEAF_MART}
    assert LEAF_MART in checked_whole and LEAF_MART not in checked_less
    assert checked_less <= listed_less


def test_no_manifest_is_a_clear_error(tmp_path: Path) -> None:
    settings = get_settings().model_copy(update=dict(home=tmp_path))
    with pytest.raises(dbt_manifest.ManifestMissingError, match="no dbt manifest"):
        dbt_manifest.published_marts(settings)


def test_a_deleted_mart_leaves_the_published_schema_and_the_docs(
    built_copy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # noqa: ANN001
    """Build, gate, publish and document a copy of the session's warehouse from a copy of the project
    without the mart: the swap takes it out of `marts`, and dbt docs no longer describe it."""
    from oversight import tasks

    project = tmp_path / "dbt_project"
    shutil.copytree(REPO_ROOT / "dbt_project", project, ignore=shutil.ignore_patterns("target", "logs"))
    _delete_mart(project, LEAF_MART)
    for key, value in built_copy.env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("DBT_PROJECT_DIR", str(project))

    def published() -> set[str]:
        rows = built_copy.query(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        )
        return {name for (name,) in rows}

    assert LEAF_MART in published()
    tasks.build_marts()
    assert tasks.gate_marts()["success"]
    assert tasks.publish_marts()["action"] == "swapped"
    settings = get_settings()
    assert published() == set(dbt_manifest.published_marts(settings)) and LEAF_MART not in published()
    tasks.generate_docs()
    docs = settings.lineage_site_dir
    nodes = json.loads((docs / "manifest.json").read_text())["nodes"]
    catalog = json.loads((docs / "catalog.json").read_text())["nodes"]
    assert "model.oversight.fct_segment" in nodes and "model.oversight.fct_segment" in catalog
    assert f"model.oversight.{LEAF_MART}" not in nodes and f"model.oversight.{LEAF_MART}" not in catalog
    assert f"model.oversight.{LEAF_MART}" not in (docs / "index.html").read_text()
