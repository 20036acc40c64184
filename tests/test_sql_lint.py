"""`make lint`'s SQL half: which server the dbt templater connects to, and the repo's .sqlfluff rules."""

from __future__ import annotations

import pytest

from oversight import sql_lint
from oversight.settings import REPO_ROOT


def never_asked(url: str) -> bool:
    raise AssertionError(f"probed {url} although WAREHOUSE_URL is set")


def test_warehouse_url_wins_without_probing() -> None:
    env = {"WAREHOUSE_URL": "postgresql://u@db.example:6543/w"}
    assert sql_lint.lint_url(env, never_asked) == "postgresql://u@db.example:6543/w"


def test_local_server_when_it_answers_else_embedded() -> None:
    probed: list[str] = []

    def answers(url: str) -> bool:
        probed.append(url)
        return True

    assert sql_lint.lint_url({}, answers) == "postgresql://postgres@127.0.0.1:5432/postgres"
    assert sql_lint.lint_url({"TEST_SERVER_URL": "postgresql://t@h:1/x"}, answers) == "postgresql://t@h:1/x"
    assert probed == ["postgresql://postgres@127.0.0.1:5432/postgres", "postgresql://t@h:1/x"]
    assert sql_lint.lint_url({}, lambda url: False) is None


def test_dbt_env_of_a_url_matches_profiles_yml() -> None:
    assert sql_lint.dbt_env("postgresql://lint:pw@db.example:6543/warehouse") == {
        "DBT_PG_HOST": "db.example",
        "DBT_PG_PORT": "6543",
        "DBT_PG_USER": "lint",
        "DBT_PG_PASSWORD": "pw",
        "DBT_PG_DBNAME": "warehouse",
    }


def lint_codes(sql: str) -> list[str]:
    """The rule codes the repo's .sqlfluff finds in one query (raw templater: no dbt project needed)."""
    from sqlfluff.core import FluffConfig, Linter

    config = FluffConfig.from_string((REPO_ROOT / ".sqlfluff").read_text(), overrides={"templater": "raw"})
    return [violation.rule_code() for violation in Linter(config=config).lint_string(sql).get_violations()]


HOUSE_STYLE = """with

trusts as (

    select org_code, org_name from raw.trusts

),

final as (

    select
        trusts.org_code,
        trusts.org_name,
        ratings.rating
    from trusts
    left join raw.ratings as ratings
        on trusts.org_code = ratings.org_code
        and ratings.is_latest

)

select * from final
"""


def test_house_style_passes() -> None:
    assert lint_codes(HOUSE_STYLE) == []


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        (("select org_code", "SELECT org_code"), "CP01"),  # keywords lowercase
        (("    from trusts\n", "      from trusts\n"), "LT02"),  # indentation
        (("final as (", "unused as (select 1 as one),\n\nfinal as ("), "ST03"),  # unused CTE
    ],
)
def test_house_style_broken_fails(change: tuple[str, str], rule: str) -> None:
    old, new = change
    assert old in HOUSE_STYLE
    assert rule in lint_codes(HOUSE_STYLE.replace(old, new, 1))
