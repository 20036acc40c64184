"""The dbt `raw` source declares exactly the raw tables and columns the source modules create.

Each raw table's contract is declared once, in its source module (oversight.sources.*: the layouts'
raw columns, all text, plus the load metadata columns of ``METADATA_COLUMNS``); the dbt sources YAML
must list the same tables and columns with the same data types, and nothing else. Reads YAML only:
no database, no dbt parse.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml

from conftest import REPO_ROOT
from oversight.sources import SOURCES
from oversight.sources.base import METADATA_COLUMNS, SourceSpec

MODELS = REPO_ROOT / "dbt_project" / "models"
# Raw tables the warehouse itself creates (oversight.warehouse bootstrap), not a source module.
WAREHOUSE_TABLES = {"load_manifest", "decisions"}


def module_tables(sources: dict[str, SourceSpec]) -> dict[str, dict[str, str]]:
    """raw table -> {column: data type}, as the modules' ``create_table_sql`` creates it (several
    modules may share one table: the union of their columns)."""
    tables: dict[str, dict[str, str]] = {}
    for spec in sources.values():
        columns = tables.setdefault(spec.raw_table, {})
        for column in spec.raw_columns:
            columns.setdefault(column, "text")
    for columns in tables.values():
        columns.update({name: ddl.split()[0] for name, ddl in METADATA_COLUMNS})
    return tables


def yaml_tables(models: Path) -> dict[str, list[dict]]:
    """raw table -> its columns as declared in any sources YAML under models/ (schema raw)."""
    tables: dict[str, list[dict]] = {}
    for path in sorted(models.rglob("*.yml")):
        text = path.read_text()
        if not re.search(r"^sources:", text, re.MULTILINE):
            continue  # a model's YAML: no need to parse it
        for source in (yaml.load(text, Loader=yaml.CSafeLoader) or {}).get("sources", []):
            if source.get("schema", source["name"]) != "raw":
                continue
            for table in source.get("tables", []):
                assert table["name"] not in tables, f"{table['name']} declared twice ({path.name})"
                tables[table["name"]] = table.get("columns", [])
    return tables


def differences(modules: dict[str, dict[str, str]], declared: dict[str, list[dict]]) -> list[str]:
    problems = [
        f"{t}: declared in dbt sources but no source module creates it"
        for t in sorted(set(declared) - set(modules) - WAREHOUSE_TABLES)
    ]
    problems += [
        f"{t}: created by a source module but not in dbt sources"
        for t in sorted(set(modules) - set(declared))
    ]
    for table in sorted(set(modules) & set(declared)):
        names = [str(c["name"]) for c in declared[table]]
        dupes = sorted({n for n in names if names.count(n) > 1})
        problems += [f"{table}.{n}: declared twice" for n in dupes]
        types = {str(c["name"]): c.get("data_type") for c in declared[table]}
        expected = modules[table]
        problems += [f"{table}.{c}: missing from dbt sources" for c in expected if c not in types]
        problems += [f"{table}.{c}: in dbt sources but in no layout" for c in types if c not in expected]
        problems += [
            f"{table}.{c}: data_type {types[c]!r}, the module creates {t!r}"
            for c, t in expected.items()
            if c in types and types[c] is not None and types[c] != t
        ]
    return problems


@pytest.fixture(scope="module")
def declared() -> dict[str, list[dict]]:
    return yaml_tables(MODELS)


def test_dbt_sources_declare_exactly_the_module_raw_tables_and_columns(declared) -> None:  # noqa: ANN001
    modules = module_tables(SOURCES)
    assert differences(modules, declared) == []
    # known answers: thirteen modules' tables, A&E's first columns and the typed load metadata
    assert len(modules) == 13 and set(declared) == set(modules) | WAREHOUSE_TABLES
    ae = {c["name"]: c["data_type"] for c in declared["ae_monthly"]}
    assert list(ae)[:2] == ["period", "org_code"]
    assert (ae["_load_id"], ae["_row_number"], ae["_loaded_at"]) == ("bigint", "integer", "timestamptz")


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (lambda t: t["ae_monthly"].pop(1), "ae_monthly.org_code: missing from dbt sources"),
        (
            lambda t: t["ae_monthly"].append({"name": "extra"}),
            "ae_monthly.extra: in dbt sources but in no layout",
        ),
        (
            lambda t: t["rtt_full_extract"][-1].update(data_type="text"),
            "rtt_full_extract._loaded_at: data_type 'text', the module creates 'timestamptz'",
        ),
        (lambda t: t.pop("cqc_ratings"), "cqc_ratings: created by a source module but not in dbt sources"),
        (
            lambda t: t.update(old_table=[]),
            "old_table: declared in dbt sources but no source module creates it",
        ),
    ],
)
def test_each_kind_of_drift_is_named(declared, edit, problem: str) -> None:  # noqa: ANN001
    edited = copy.deepcopy(declared)
    edit(edited)
    assert differences(module_tables(SOURCES), edited) == [problem]
