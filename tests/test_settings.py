"""All configuration is one pydantic-settings class, and the README documents exactly its fields."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from oversight import dag_defaults, faultpoints, run_id
from oversight.settings import REPO_ROOT, Settings, get_fetch_settings, get_settings, readme_table

README = REPO_ROOT / "README.md"


def readme_rows() -> list[str]:
    """The rows of the table under the README's `## Configuration` heading."""
    section = README.read_text().split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line.startswith("|")]


def test_the_readme_table_lists_exactly_the_settings_fields() -> None:
    rows = readme_rows()
    assert rows[0] == "| variable | default | meaning |"
    documented = [re.match(r"\| `([^`]+)` \|", row).group(1) for row in rows[2:]]  # type: ignore[union-attr]
    fields = [str(field.validation_alias) for field in Settings.model_fields.values()]
    assert len(documented) == len(set(documented)), "a variable is listed twice"
    assert set(documented) == set(fields), (
        f"README lists {sorted(set(documented) - set(fields))} that are not settings, and not "
        f"{sorted(set(fields) - set(documented))}; paste `python -m oversight.settings` into it"
    )
    # and says what the class says of each (default, meaning)
    assert rows == readme_table(), "README's settings table differs: paste `python -m oversight.settings`"


def test_every_field_reads_one_upper_case_variable() -> None:
    names = Settings.variables()
    assert all(re.fullmatch(r"[A-Z][A-Z0-9_]*(<[A-Z_]+>)?", v) for v in names.values()), names
    assert names["home"] == "OVERSIGHT_HOME" and names["embedded_db"] == "WAREHOUSE_DB"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in Settings.variables().values():
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_values_come_from_the_exact_names_and_empty_means_default(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean_env.setenv("HOME", "/somewhere/else")  # field `home` must not read $HOME ...
    clean_env.setenv("oversight_home", "/lower/case")  # ... nor a lower-case spelling
    clean_env.setenv("BI_ROLE", "")
    clean_env.setenv("OVERSIGHT_PUBLISH_ATTEMPTS", "9")
    clean_env.setenv("LANDING_DIR", str(tmp_path / "x" / ".." / "landing"))
    s = get_settings()
    assert s.home == REPO_ROOT / ".local"
    assert s.bi_role == "oversight_bi"
    assert s.publish_attempts == 9
    assert s.landing_dir == tmp_path / "landing"  # resolved
    assert s.warehouse_url is None and s.run_id is None
    clean_env.setenv("OVERSIGHT_PUBLISH_ATTEMPTS", "many")
    with pytest.raises(ValueError, match="OVERSIGHT_PUBLISH_ATTEMPTS"):
        get_settings()


def test_the_warehouse_url_falls_back_to_the_airflow_connection(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("AIRFLOW_CONN_WAREHOUSE", '{"conn_type": "postgres", "host": "db", "login": "u"}')
    assert get_settings().warehouse_url == "postgresql://u@db:5432/postgres"
    clean_env.setenv("WAREHOUSE_URL", "postgresql://me@here/wh")
    assert get_settings().warehouse_url == "postgresql://me@here/wh"


def test_families_of_variables_and_their_readers(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean_env.setenv("FETCH_URL_AE", " https://a/1.csv, ,https://a/2.csv ")
    clean_env.setenv("FETCH_URL_CQC", "")
    clean_env.setenv("FETCH_ATTEMPTS", "7")
    clean_env.setenv("OVERSIGHT_SCHEDULE_INGEST_AE", "* * * * *")
    clean_env.setenv("OVERSIGHT_RUN_ID", "run-42")
    assert get_fetch_settings("ae").urls == ("https://a/1.csv", "https://a/2.csv")
    assert get_fetch_settings("cqc").urls == ()
    assert get_fetch_settings("ae").attempts == 7
    assert dag_defaults.schedule_for("ingest_ae", "0 9 * * *") == "* * * * *"
    assert dag_defaults.schedule_for("ingest_rtt", "0 9 * * *") == "0 9 * * *"
    assert run_id.current() == "run-42"
    marker = tmp_path / "paused"
    clean_env.setenv("OVERSIGHT_PAUSE_AT", "publish_swap")
    clean_env.setenv("OVERSIGHT_PAUSE_FILE", str(marker))
    clean_env.setenv("OVERSIGHT_PAUSE_SECONDS", "0")
    faultpoints.reached("gate_marts")
    assert not marker.exists()
    faultpoints.reached("publish_swap")
    assert marker.read_text().endswith(" publish_swap\n")


def test_settings_are_frozen_and_copied_with_changes() -> None:
    s = get_settings()
    with pytest.raises(ValueError):
        s.home = Path("/elsewhere")  # type: ignore[misc]
    moved = s.model_copy(update={"home": Path("/elsewhere")})
    assert moved.quarantine_dir == Path("/elsewhere/quarantine") and s.home != moved.home
