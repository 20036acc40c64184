"""What dbt declares, read from the manifest of the last parse or build (`target/manifest.json`).

The list of published marts is declared once, by the models under `dbt_project/models/marts`
(schema `marts` in dbt_project.yml); the publish step's expected tables and the GX marts suite's
table contract are derived from it here, so adding or removing a mart is an edit in dbt only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from oversight.settings import BUILD_SUFFIX, PUBLISHED_SCHEMA, Settings, get_settings


class ManifestMissingError(RuntimeError):
    """No dbt manifest yet: dbt has not parsed or built the project with this target path."""


def manifest_path(settings: Settings | None = None) -> Path:
    return (settings or get_settings()).dbt_target_dir / "manifest.json"


@lru_cache(maxsize=8)
def _models_by_schema(path: str, mtime_ns: int) -> dict[str, tuple[str, ...]]:
    nodes = json.loads(Path(path).read_text())["nodes"].values()
    by_schema: dict[str, set[str]] = {}
    for node in nodes:
        if node.get("resource_type") != "model" or not node.get("config", {}).get("enabled", True):
            continue
        schema = node["schema"].removesuffix(BUILD_SUFFIX)  # dbt writes build schemas only
        by_schema.setdefault(schema, set()).add(node.get("alias") or node["name"])
    return {schema: tuple(sorted(names)) for schema, names in by_schema.items()}


def models_in_schema(schema: str, settings: Settings | None = None) -> tuple[str, ...]:
    """The relations dbt builds into `schema` (published name, without the build suffix)."""
    path = manifest_path(settings)
    if not path.exists():
        raise ManifestMissingError(f"{path}: no dbt manifest; run the dbt build (or `dbt parse`) first")
    return _models_by_schema(str(path), path.stat().st_mtime_ns).get(schema, ())


def published_marts(settings: Settings | None = None) -> tuple[str, ...]:
    """Every mart dbt declares in the published schema, sorted."""
    return models_in_schema(PUBLISHED_SCHEMA, settings)


# ---- the data tests dbt declares on the marts ---------------------------------------------------
@dataclass(frozen=True)
class DataTest:
    """One generic data test of the manifest, attached to a model: what the YAML says, no SQL."""

    unique_id: str
    model: str  # the relation the test is attached to
    name: str  # the generic test: not_null, accepted_values, unique_combination, ...
    column: str | None  # column-level tests only
    kwargs: dict[str, Any]  # the test's arguments, without `model` (and `column_name`)
    where: str | None  # config.where: dbt tests only these rows
    severity: str  # "error" or "warn"


@dataclass(frozen=True)
class MartDeclarations:
    """What dbt declares about the published marts: their names, keys and generic data tests."""

    marts: tuple[str, ...]
    keys: dict[str, tuple[str, ...]]  # model -> primary key (or its first uniqueness test)
    tests: tuple[DataTest, ...]
    singular_tests: tuple[str, ...]  # names of the SQL tests under dbt_project/tests on marts


@lru_cache(maxsize=8)
def _declarations(path: str, mtime_ns: int, schema: str) -> MartDeclarations:
    nodes = json.loads(Path(path).read_text())["nodes"]
    models = {
        uid: node
        for uid, node in nodes.items()
        if node.get("resource_type") == "model"
        and node.get("config", {}).get("enabled", True)
        and node["schema"].removesuffix(BUILD_SUFFIX) == schema
    }
    names = {uid: node.get("alias") or node["name"] for uid, node in models.items()}
    tests: list[DataTest] = []
    singular: list[str] = []
    for uid, node in sorted(nodes.items()):
        if node.get("resource_type") != "test" or not node.get("config", {}).get("enabled", True):
            continue
        metadata = node.get("test_metadata")
        if not metadata:
            if any(parent in models for parent in node.get("depends_on", {}).get("nodes", [])):
                singular.append(node["name"])
            continue
        if node.get("attached_node") not in models:
            continue
        kwargs = {
            k: v for k, v in (metadata.get("kwargs") or {}).items() if k not in ("model", "column_name")
        }
        tests.append(
            DataTest(
                unique_id=uid,
                model=names[node["attached_node"]],
                name=metadata["name"],
                column=node.get("column_name"),
                kwargs=kwargs,
                where=node["config"].get("where"),
                severity=str(node["config"].get("severity", "error")).lower(),
            )
        )
    keys = {
        names[uid]: _key(node, [t for t in tests if t.model == names[uid]]) for uid, node in models.items()
    }
    return MartDeclarations(
        marts=tuple(sorted(names.values())), keys=keys, tests=tuple(tests), singular_tests=tuple(singular)
    )


def _key(model: dict[str, Any], tests: list[DataTest]) -> tuple[str, ...]:
    """The model's primary key constraint, else its first unique_combination, else a unique column."""
    for constraint in model.get("constraints") or []:
        if constraint.get("type") == "primary_key" and constraint.get("columns"):
            return tuple(constraint["columns"])
    for test in tests:
        if test.name == "unique_combination" and not test.where:
            return tuple(test.kwargs["combination_of_columns"])
    return next(((t.column,) for t in tests if t.name == "unique" and t.column and not t.where), ())


def mart_declarations(settings: Settings | None = None) -> MartDeclarations:
    """The published marts with their keys and the data tests dbt runs on them."""
    path = manifest_path(settings)
    if not path.exists():
        raise ManifestMissingError(f"{path}: no dbt manifest; run the dbt build (or `dbt parse`) first")
    return _declarations(str(path), path.stat().st_mtime_ns, PUBLISHED_SCHEMA)
