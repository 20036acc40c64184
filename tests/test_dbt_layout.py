"""The dbt project's YAML layout: one YAML per model beside its SQL, and an enforced contract on every
mart (typed columns, the grain as primary key). Reads the YAML files only: no dbt parse, no database
(that the declared types are what PostgreSQL produces is checked by every dbt build: a contract
with a wrong type fails the build)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conftest import REPO_ROOT

MODELS = REPO_ROOT / "dbt_project" / "models"
MARTS = MODELS / "marts"
# marts whose grain includes a column that is null by design (location_id of a trust-level rating)
NO_PRIMARY_KEY = {"fct_cqc_rating", "fct_cqc_rating_event"}


def load(path: Path) -> dict:
    return yaml.load(path.read_text(), Loader=yaml.CSafeLoader) or {}


def layout_problems(models: Path) -> list[str]:
    """Each model's SQL has a YAML of the same name beside it that documents that model alone (and
    its unit tests); no other YAML declares models."""
    problems = []
    sql = {p.stem: p for p in models.rglob("*.sql")}
    for path in sorted(models.rglob("*.yml")):
        doc = load(path)
        names = [m["name"] for m in doc.get("models", [])]
        tested = {u["model"] for u in doc.get("unit_tests", [])}
        if names and names != [path.stem]:
            problems.append(f"{path.relative_to(models)} declares {names}, not just {path.stem}")
        if tested - {path.stem}:
            problems.append(f"{path.relative_to(models)} has unit tests of {sorted(tested - {path.stem})}")
    for name, path in sorted(sql.items()):
        if not path.with_suffix(".yml").exists():
            problems.append(f"{path.relative_to(models)} has no {name}.yml beside it")
    return problems


def contract_problems(model: dict) -> list[str]:
    name, columns = model["name"], model.get("columns", [])
    problems = []
    if not (model.get("config") or {}).get("contract", {}).get("enforced"):
        problems.append(f"{name}: contract not enforced")
    problems += [f"{name}.{c['name']}: no data_type" for c in columns if not c.get("data_type")]
    keys = [c for con in model.get("constraints", []) if con["type"] == "primary_key" for c in con["columns"]]
    if not keys and name not in NO_PRIMARY_KEY:
        problems.append(f"{name}: no primary key")
    problems += [
        f"{name}: primary key column {k} is not a column"
        for k in keys
        if k not in {c["name"] for c in columns}
    ]
    return problems


def test_one_yaml_per_model_beside_its_sql() -> None:
    assert layout_problems(MODELS) == []


def test_every_mart_has_an_enforced_typed_contract_with_its_grain() -> None:
    marts = {p.stem: load(p)["models"][0] for p in MARTS.glob("*.yml") if "models" in load(p)}
    assert set(marts) == {p.stem for p in MARTS.glob("*.sql")} and len(marts) == 18
    assert [p for m in marts.values() for p in contract_problems(m)] == []
    segment = marts["fct_segment"]
    assert segment["constraints"] == [
        {"type": "primary_key", "columns": ["org_code", "period_start", "framework_version"]}
    ]
    types = {c["name"]: c["data_type"] for c in segment["columns"]}
    assert (types["segment"], types["average_score"], types["is_indicative"]) == (
        "integer",
        "numeric",
        "boolean",
    )


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (lambda m: m.pop("config"), "fct_segment: contract not enforced"),
        (
            lambda m: next(c for c in m["columns"] if c["name"] == "segment").pop("data_type"),
            "fct_segment.segment: no data_type",
        ),
        (lambda m: m.pop("constraints"), "fct_segment: no primary key"),
    ],
)
def test_a_mart_without_its_contract_is_named(edit, problem: str) -> None:  # noqa: ANN001
    model = load(MARTS / "fct_segment.yml")["models"][0]
    edit(model)
    assert contract_problems(model) == [problem]


def test_a_second_model_in_one_yaml_is_named(tmp_path: Path) -> None:
    (tmp_path / "a.sql").write_text("select 1 as x")
    (tmp_path / "b.sql").write_text("select 1 as x")
    (tmp_path / "a.yml").write_text("version: 2\nmodels:\n  - name: a\n  - name: b\n")
    assert layout_problems(tmp_path) == [
        "a.yml declares ['a', 'b'], not just a",
        "b.sql has no b.yml beside it",
    ]
