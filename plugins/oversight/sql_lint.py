"""The SQL half of `make lint` and of the pre-commit hook: sqlfluff over dbt_project (config: .sqlfluff).

sqlfluff's dbt templater opens a database connection before it renders any file (it fills dbt's relation
cache), although no model of this project needs one to compile (`dbt compile --no-populate-cache` runs
offline). So the lint connects, in this order, to: WAREHOUSE_URL when set; the PostgreSQL server at
TEST_SERVER_URL (default 127.0.0.1:5432) when one answers; else the embedded warehouse, started on demand.
The connection only reads the catalogue: nothing is written.

    python -m oversight.sql_lint [sqlfluff lint arguments]   # default: dbt_project
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from oversight.settings import REPO_ROOT

LOCAL_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def server_answers(url: str) -> bool:
    import psycopg

    from oversight.warehouse import Connection

    try:
        with psycopg.connect(Connection.from_url(url).conninfo, connect_timeout=3) as conn:
            conn.execute("select 1")
    except psycopg.OperationalError:
        return False
    return True


def lint_url(env: Mapping[str, str], answers: Callable[[str], bool] = server_answers) -> str | None:
    """The server the dbt templater connects to; None means the embedded warehouse."""
    if env.get("WAREHOUSE_URL"):
        return env["WAREHOUSE_URL"]
    local = env.get("TEST_SERVER_URL") or LOCAL_SERVER_URL
    return local if answers(local) else None


def dbt_env(url: str | None) -> dict[str, str]:
    """The DBT_PG_* variables of dbt_project/profiles.yml for that server."""
    from oversight import warehouse

    if url is not None:
        return warehouse.Connection.from_url(url).dbt_env()
    from oversight.settings import get_settings

    return warehouse.start_embedded(get_settings()).dbt_env()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", **dbt_env(lint_url(os.environ))}
    sqlfluff = Path(sys.executable).with_name("sqlfluff")
    return subprocess.run(
        [str(sqlfluff), "lint", *(args or ["dbt_project"])], cwd=REPO_ROOT, env=env
    ).returncode


if __name__ == "__main__":
    raise SystemExit(main())
