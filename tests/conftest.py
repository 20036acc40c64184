"""Shared fixtures: a fresh database on a real PostgreSQL server for each test session.

The server is WAREHOUSE_URL when it is set (e.g. the PostgreSQL on 127.0.0.1:5432), otherwise the
embedded pgserver started in a temporary OVERSIGHT_HOME. Each session gets its own database,
dropped at the end, so tests never touch the warehouse of `make run`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLES = REPO_ROOT / "sample_data"


@pytest.fixture(scope="session")
def server_admin() -> Iterator:
    """A Connection to the `postgres` database of the server the tests use.

    Without WAREHOUSE_URL: an embedded pgserver in a private temporary OVERSIGHT_HOME (not under
    pytest's basetemp, which a concurrent pytest session may prune), stopped and removed at the end.
    """
    from oversight import warehouse
    from oversight.settings import get_settings

    url = os.environ.get("WAREHOUSE_URL")
    if url:
        yield warehouse.Connection.from_url(url).with_dbname("postgres")
        return
    home = Path(tempfile.mkdtemp(prefix="oversight-test-"))
    os.environ["OVERSIGHT_HOME"] = str(home)
    settings = get_settings()
    yield warehouse.start_embedded(settings).with_dbname("postgres")
    warehouse.stop_embedded(settings)
    shutil.rmtree(home, ignore_errors=True)


def _create_database(server_admin, prefix: str):  # noqa: ANN001, ANN202
    import psycopg
    from psycopg import sql

    from oversight import warehouse

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server_admin.conninfo, autocommit=True) as conn:
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    target = server_admin.with_dbname(name)
    warehouse.bootstrap(target)
    return target


def _drop_database(server_admin, name: str) -> None:  # noqa: ANN001
    import psycopg
    from psycopg import sql

    with psycopg.connect(server_admin.conninfo, autocommit=True) as conn:
        conn.execute(
            "select pg_terminate_backend(pid) from pg_stat_activity "
            "where datname = %s and pid <> pg_backend_pid()",
            (name,),
        )
        conn.execute(sql.SQL("drop database if exists {}").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def warehouse_db(server_admin) -> Iterator:  # noqa: ANN001
    """A fresh, bootstrapped warehouse database for the whole test session."""
    target = _create_database(server_admin, "oversight_test")
    yield target
    _drop_database(server_admin, target.dbname)


@pytest.fixture
def fresh_db(server_admin) -> Iterator:  # noqa: ANN001
    """A fresh, bootstrapped warehouse database for one test (for tests that must start empty)."""
    target = _create_database(server_admin, "oversight_t")
    yield target
    _drop_database(server_admin, target.dbname)


@pytest.fixture(scope="session")
def built(server_admin, tmp_path_factory: pytest.TempPathFactory) -> Iterator:  # noqa: ANN001
    """The session's one warehouse built by Airflow from every bundled sample (tests/built_warehouse.py).
    Tests that only read it share it; tests that change anything take `built_copy`."""
    from built_warehouse import build

    target = _create_database(server_admin, "oversight_built")
    yield build(target, tmp_path_factory.mktemp("built"), SAMPLES)
    _drop_database(server_admin, target.dbname)


@pytest.fixture
def built_copy(built, server_admin, tmp_path: Path) -> Iterator:  # noqa: ANN001
    """A private copy of the session's built warehouse (database, home, landing) for one test."""
    from built_warehouse import copy_of

    assert set(built.outcome.values()) == {"ok"}, built.outcome
    pipeline = copy_of(built, server_admin, tmp_path)
    yield pipeline
    _drop_database(server_admin, pipeline.target.dbname)


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    """An empty landing directory with the source folders, for tests that drop files in one by one."""
    from oversight.sources import SOURCES

    for source in {getattr(spec, "landing_folder", name) for name, spec in SOURCES.items()}:
        (tmp_path / "landing" / source).mkdir(parents=True)
    return tmp_path / "landing"


@pytest.fixture
def settings_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Settings pointing at a given landing directory, with quarantine under tmp_path."""
    from oversight.settings import get_settings

    def make(landing_dir: Path):
        monkeypatch.setenv("LANDING_DIR", str(landing_dir))
        home = Path(os.environ.get("OVERSIGHT_HOME", tmp_path / "home"))
        monkeypatch.setenv("OVERSIGHT_HOME", str(home))
        return get_settings()

    return make


def query(target, sql: str, params: tuple = ()) -> list[tuple]:  # noqa: ANN001
    """Rows of one query on a warehouse database."""
    from oversight import warehouse

    with warehouse.connect(target) as conn:
        return conn.execute(sql, params).fetchall()


def put(source: Path, landing_dir: Path, relative: str) -> Path:
    """Copy a file into the landing folder under any relative path (folders made as needed)."""
    target = landing_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)
    return target


def copy_sample(source: str, name: str, landing_dir: Path) -> Path:
    target = landing_dir / source / name
    shutil.copy2(SAMPLES / source / name, target)
    return target


def validate_pending(target, load_ids: list[int] | None = None) -> None:  # noqa: ANN001
    """Mark pending loads validated, as the raw GX suite does when it passes them
    (oversight.tasks.validate_raw; tested in test_validate_then_commit.py). For tests of loading or
    of dbt models that do not test the gate: dbt reads validated loads only."""
    from oversight import loader, tasks, warehouse

    with warehouse.connect(target) as conn:
        if load_ids is None:
            sources = conn.execute("select distinct source from raw.load_manifest where source is not null")
            load_ids = [
                i for (source,) in sources.fetchall() for i, _rows in tasks.pending_loads(conn, source)
            ]
        loader.mark_validated(conn, load_ids)


DB_FIXTURES = {"server_admin", "warehouse_db", "fresh_db", "pipeline", "built", "built_copy"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that use a database fixture are marked `warehouse`, so `pytest -m warehouse` runs
    exactly the tests that must also pass against a PostgreSQL server (make test-server)."""
    for item in items:
        if DB_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.warehouse)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "faults: kills, concurrent runs, long readers: the fault-tolerance probes (issue 10)"
    )
