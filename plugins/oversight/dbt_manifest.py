"""What dbt declares, read from the manifest of the last parse or build (`target/manifest.json`).

The list of published marts is declared once, by the models under `dbt_project/models/marts`
(schema `marts` in dbt_project.yml); the publish step's expected tables and the GX marts suite's
table contract are derived from it here, so adding or removing a mart is an edit in dbt only.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

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
