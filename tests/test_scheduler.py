"""The real scheduler end to end, as `make serve` and docker-compose run it:
schedule -> fetch from a local HTTP server -> ingest -> Asset -> build -> gate -> publish, and a second
scheduled run with nothing new that publishes nothing and triggers no build.

Once with the LocalExecutor (oversight.serve, the `make serve` stack), once with the CeleryExecutor
and a Celery worker on the local Redis, running docker-compose.yml's own service commands without
Docker. Each test has a private AIRFLOW_HOME under tmp_path, a private metadata database and a private
warehouse database on the PostgreSQL server at 127.0.0.1:5432, and a private Redis db number. Every
wait is bounded; every process started is in its own process group and killed at the end.
"""

from __future__ import annotations

import json
import os
import shlex
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import yaml
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from conftest import SAMPLES, copy_sample, validate_pending
from oversight import loader, serve, warehouse
from oversight.settings import get_settings

pytestmark = [pytest.mark.scheduler, pytest.mark.airflow]

SERVER = os.environ.get("TEST_SERVER_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
REDIS_DB = 11  # private: not 0, which a default broker uses
OCTOBER = "Monthly-AE-October-2024-revised.csv"
ETAG = '"oct-2024-r1"'
RAW_AE = "warehouse://raw/ae_monthly"
COMPOSE = Path(__file__).resolve().parents[1] / "docker-compose.yml"
FIRST_RUN_DEADLINE = 600  # seconds: fetch + load + GX + dbt build + gate + publish on a busy 2-core box


def server_up() -> bool:
    try:
        with psycopg.connect(warehouse.Connection.from_url(SERVER).conninfo, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


def redis_up() -> bool:
    host, port = REDIS.split("//")[1].split(":")
    try:
        with socket.create_connection((host, int(port)), timeout=3) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def private_database(prefix: str, bootstrap: bool) -> Iterator[warehouse.Connection]:
    """A private database on the server at 127.0.0.1:5432, dropped at the end. Not the conftest
    fixtures: those would mark these tests `warehouse` and run them again in the server pass."""
    from conftest import _create_database, _drop_database

    if not server_up():
        pytest.fail(f"the scheduler tests need a PostgreSQL server at {SERVER} (set TEST_SERVER_URL)")
    admin = warehouse.Connection.from_url(SERVER)
    if bootstrap:
        target = _create_database(admin, prefix)
    else:
        target = admin.with_dbname(f"{prefix}_{uuid.uuid4().hex[:8]}")
        with psycopg.connect(admin.conninfo, autocommit=True) as conn:
            conn.execute(f'create database "{target.dbname}"')
    try:
        yield target
    finally:
        _drop_database(admin, target.dbname)


@pytest.fixture
def metadata_db() -> Iterator[str]:
    """A private Airflow metadata database."""
    for target in private_database("wt_serve_airflow", bootstrap=False):
        yield f"postgresql+psycopg2://{target.user}@{target.host}:{target.port}/{target.dbname}"


@pytest.fixture
def scheduler_warehouse() -> Iterator[warehouse.Connection]:
    """A private, bootstrapped warehouse database."""
    yield from private_database("wt_serve_warehouse", bootstrap=True)


def wait_for(what: str, check: Callable[[], Any], deadline_s: float, logs: Path, every: float = 3) -> Any:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    tails = "\n".join(
        f"--- {p.name}\n" + p.read_text(errors="replace")[-3000:] for p in sorted(logs.glob("*.log"))
    )
    pytest.fail(f"timed out after {deadline_s:.0f} s waiting for {what}\n{tails}")


class Metadata:
    def __init__(self, url: str) -> None:
        self.conninfo = url.replace("postgresql+psycopg2://", "postgresql://")

    def rows(self, sql: str, *params: Any) -> list[tuple]:
        with psycopg.connect(self.conninfo) as conn:
            return conn.execute(sql, params).fetchall()

    def runs(self, dag_id: str) -> list[tuple[str, str, str]]:
        return self.rows("select run_id, run_type, state from dag_run where dag_id = %s order by id", dag_id)

    def task_state(self, dag_id: str, run_id: str, task_id: str) -> str | None:
        rows = self.rows(
            "select state from task_instance where dag_id = %s and run_id = %s and task_id = %s",
            dag_id, run_id, task_id,
        )  # fmt: skip
        return rows[0][0] if rows else None

    def asset_events(self, uri: str) -> int:
        return self.rows(
            "select count(*) from asset_event e join asset a on a.id = e.asset_id where a.uri = %s", uri
        )[0][0]


def airflow(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [serve.airflow_bin(), *args], env=env, capture_output=True, text=True, timeout=180, check=True
    )


def compose_commands() -> dict[str, list[str]]:
    """The long-running Airflow services' commands in docker-compose.yml (argv after `airflow`)."""
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    names = {
        "scheduler": "airflow-scheduler",
        "dag-processor": "airflow-dag-processor",
        "triggerer": "airflow-triggerer",
        "api-server": "airflow-apiserver",
        "worker": "airflow-worker",
    }
    commands = {}
    for name, service in names.items():
        command = services[service]["command"]
        argv = shlex.split(command) if isinstance(command, str) else list(command)
        assert argv[0] == "airflow", f"{service}: {argv}"
        commands[name] = argv[1:]
    return commands


@pytest.fixture
def stack_env(
    scheduler_warehouse, metadata_db: str, landing: Path, tmp_path: Path, monkeypatch, httpserver: HTTPServer
):  # noqa: ANN001, ANN201
    """Landing folder, warehouse (ods already loaded), a publication page on a local HTTP server."""
    monkeypatch.setenv("WAREHOUSE_URL", scheduler_warehouse.url)
    monkeypatch.setenv("LANDING_DIR", str(landing))
    monkeypatch.setenv("OVERSIGHT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("AIRFLOW_DATABASE_URL", metadata_db)
    settings = get_settings()
    copy_sample("ods", "etr_2025-Q1.csv", landing)
    loader.ingest_source("ods", scheduler_warehouse, settings)  # the organisation reference the marts need
    validate_pending(scheduler_warehouse)  # as its raw suite would: dbt reads validated loads only
    httpserver.expect_request("/statistics/ae").respond_with_data(
        f'<html><body><a href="/files/{OCTOBER}">October 2024 (revised) CSV</a>'
        '<a href="/files/AE-Timeseries.xls">Timeseries</a></body></html>',
        content_type="text/html",
    )

    def october(request: Request) -> Response:  # a publisher that honours If-None-Match
        if request.headers.get("If-None-Match") == ETAG:
            return Response(status=304, headers={"ETag": ETAG})
        return Response((SAMPLES / "ae" / OCTOBER).read_bytes(), headers={"ETag": ETAG})

    httpserver.expect_request(f"/files/{OCTOBER}").respond_with_handler(october)
    port = free_port()
    env = serve.serve_env(settings, port)
    env.update(
        {
            "FETCH_URL_AE": httpserver.url_for("/statistics/ae"),
            "FETCH_BACKOFF": "0.1",
            "OVERSIGHT_SCHEDULE_INGEST_AE": "* * * * *",  # every minute: two scheduled runs in ~2 min
            "OVERSIGHT_TASK_RETRIES": "0",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "10",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
            # log servers on private ports (other Airflow instances may run on this machine)
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
        }
    )
    return settings, env, port, scheduler_warehouse


def run_end_to_end(
    settings, env: dict[str, str], port: int, target, components: dict[str, list[str]], tmp_path: Path
) -> None:  # noqa: ANN001
    password = serve.write_config(Path(env["AIRFLOW_HOME"]), "oversight")
    assert password and len(password) >= 20
    serve.migrate(env)
    logs = tmp_path / "logs"
    stack = serve.start_stack(env, port, components=components, log_dir=logs)
    meta = Metadata(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    try:
        wait_for(
            "the DAGs to be parsed",
            lambda: (
                len(
                    meta.rows(
                        "select dag_id from dag where dag_id in ('ingest_ae', 'build_and_publish_marts')"
                    )
                )
                == 2
            ),
            180,
            logs,
        )
        assert not stack.exited(), f"a component died: {stack.exited()}"
        login_works(port, "oversight", password, logs)
        airflow(env, "dags", "unpause", "build_and_publish_marts")
        airflow(env, "dags", "unpause", "ingest_ae")

        # 1. the first scheduled run fetches October, loads it, announces the Asset; the build publishes
        first = wait_for(
            "the first scheduled ingest_ae run to finish",
            lambda: [
                r for r in meta.runs("ingest_ae") if r[1] == "scheduled" and r[2] in ("success", "failed")
            ],
            FIRST_RUN_DEADLINE,
            logs,
        )[0]
        assert first[2] == "success", failure_details(meta, "ingest_ae", first[0], settings)
        assert meta.task_state("ingest_ae", first[0], "fetch_ae") == "success"
        assert meta.task_state("ingest_ae", first[0], "validate_new_rows") == "success"
        assert meta.asset_events(RAW_AE) == 1

        def published_or_failed() -> list[tuple[str, str, str]]:
            dag_id = "build_and_publish_marts"
            runs = meta.runs(dag_id)
            return [
                r for r in runs if r[2] == "failed" or meta.task_state(dag_id, r[0], "publish") == "success"
            ]

        build = wait_for("build_and_publish_marts to publish", published_or_failed, FIRST_RUN_DEADLINE, logs)
        # (the run may still be writing the segment snapshot and the lineage docs, after the publish)
        assert [(t, s in ("running", "success")) for _, t, s in build] == [("asset_triggered", True)], (
            failure_details(meta, "build_and_publish_marts", build[0][0], settings)
        )
        assert (settings.landing_dir / "ae" / OCTOBER).read_bytes() == (SAMPLES / "ae" / OCTOBER).read_bytes()
        with warehouse.connect(target) as conn:
            assert conn.execute(
                "select file_name, status from raw.load_manifest where source = 'ae'"
            ).fetchall() == [(OCTOBER, "loaded")]
            months = conn.execute("select distinct period_start from marts.fct_metric_value").fetchall()
            assert [str(m) for (m,) in months] == ["2024-10-01"]

        # 2. scheduled runs every minute find nothing new: no Asset event, no build, nothing published.
        # Wait for one more run to finish after the build did (others may have run during the build).
        finished_before = len(finished_scheduled(meta))
        wait_for(
            "another scheduled ingest_ae run after the build",
            lambda: len(finished_scheduled(meta)) > finished_before,
            240,
            logs,
        )
        later = finished_scheduled(meta)[1:]
        assert later and all(state == "success" for _, _, state in later), later
        for run_id, _, _ in later:
            assert meta.task_state("ingest_ae", run_id, "fetch_ae") == "success"
            assert meta.task_state("ingest_ae", run_id, "validate_new_rows") == "skipped"
            assert meta.task_state("ingest_ae", run_id, "report_quarantined_files") == "success"
        time.sleep(15)  # give the scheduler several loops to (wrongly) queue a build
        assert meta.asset_events(RAW_AE) == 1
        assert len(meta.runs("build_and_publish_marts")) == 1
        assert meta.rows("select count(*) from task_instance where task_id = 'publish'") == [(1,)]
        with warehouse.connect(target) as conn:
            fetches = conn.execute(
                "select status, http_status from raw.fetch_log order by fetch_id"
            ).fetchall()
            assert fetches[0] == ("fetched", 200)
            assert fetches[1:] and set(fetches[1:]) == {("unchanged", 304)}  # the ETag was sent back
            assert conn.execute("select count(*) from raw.load_manifest where source = 'ae'").fetchone() == (
                1,
            )
        # task logs reach the UI's log folder at INFO
        task_logs = list((Path(env["AIRFLOW_HOME"]) / "logs").rglob("*.log"))
        assert any("fetch ae" in p.read_text(errors="replace") for p in task_logs if "fetch_ae" in str(p))
    finally:
        stack.stop(timeout=20)
    assert all(p.poll() is not None for p in stack.processes.values())


def finished_scheduled(meta: Metadata) -> list[tuple[str, str, str]]:
    return [r for r in meta.runs("ingest_ae") if r[1] == "scheduled" and r[2] in ("success", "failed")]


def login_works(port: int, user: str, password: str, logs: Path) -> None:
    def token(pw: str) -> int:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/auth/token",
            data=json.dumps({"username": user, "password": pw}).encode(),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            return 0

    assert wait_for("the API server to answer", lambda: token(password) in (200, 201), 120, logs)
    assert token("admin") == 401 and token(password + "x") == 401


def failure_details(meta: Metadata, dag_id: str, run_id: str, settings) -> str:  # noqa: ANN001
    states = meta.rows(
        "select task_id, state from task_instance where dag_id = %s and run_id = %s", dag_id, run_id
    )
    reports = list((settings.run_reports_dir / "failures").rglob("*.json"))
    return f"{dag_id} {run_id}: {states}; failure reports: {[p.read_text() for p in reports]}"


def test_local_executor_with_postgres_metadata(stack_env, tmp_path: Path) -> None:  # noqa: ANN001
    settings, env, port, target = stack_env
    assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    assert "WAREHOUSE_URL" not in env and "AIRFLOW_CONN_WAREHOUSE" in env  # tasks use the Connection
    run_end_to_end(settings, env, port, target, serve.COMPONENTS, tmp_path)


def test_celery_executor_with_the_compose_commands(stack_env, tmp_path: Path) -> None:  # noqa: ANN001
    if not redis_up():
        pytest.fail(f"the Celery scheduler test needs Redis at {REDIS} (set TEST_REDIS_URL)")
    settings, env, port, target = stack_env
    commands = compose_commands()
    api = commands["api-server"]  # in the container: 0.0.0.0:8080, published on 127.0.0.1
    api[api.index("--port") + 1] = str(port)
    api[api.index("--host") + 1] = "127.0.0.1"
    env.update(
        {
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__CELERY__BROKER_URL": f"{REDIS}/{REDIS_DB}",
            "AIRFLOW__CELERY__RESULT_BACKEND": "db+"
            + env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].replace("postgresql+psycopg2", "postgresql"),
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2",
            # a queue of this test's own: a Celery worker of another run on the same Redis (one
            # killed without its teardown, say) must not take these tasks
            "AIRFLOW__OPERATORS__DEFAULT_QUEUE": f"oversight_test_{uuid.uuid4().hex[:8]}",
        }
    )
    run_end_to_end(settings, env, port, target, commands, tmp_path)


def test_backfill_through_airflows_own_backfill(
    scheduler_warehouse, metadata_db: str, landing: Path, tmp_path: Path, monkeypatch, capsys
) -> None:  # noqa: ANN001
    """`oversight.cli backfill ae 2024-10 2024-12 --scheduler`: one `airflow backfill create` on the
    running scheduler (real ae schedule, the second Thursday), one run per period in order; the
    period with no file ends in one line naming it, not a traceback."""
    from oversight.backfill import scheduler_backfill

    monkeypatch.setenv("WAREHOUSE_URL", scheduler_warehouse.url)
    monkeypatch.setenv("LANDING_DIR", str(landing))
    monkeypatch.setenv("OVERSIGHT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("AIRFLOW_DATABASE_URL", metadata_db)
    monkeypatch.delenv("FETCH_URL_AE", raising=False)
    monkeypatch.delenv("OVERSIGHT_SCHEDULE_INGEST_AE", raising=False)
    settings = get_settings()
    copy_sample("ods", "etr_2025-Q1.csv", landing)
    loader.ingest_source("ods", scheduler_warehouse, settings)
    validate_pending(scheduler_warehouse)
    port = free_port()
    env = serve.serve_env(settings, port)
    env.update(
        {
            "OVERSIGHT_TASK_RETRIES": "0",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "10",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
        }
    )
    serve.write_config(Path(env["AIRFLOW_HOME"]), "oversight")
    serve.migrate(env)
    logs = tmp_path / "logs"
    stack = serve.start_stack(env, port, log_dir=logs)
    meta = Metadata(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    try:
        wait_for(
            "ingest_ae to be parsed",
            lambda: meta.rows("select 1 from dag where dag_id = 'ingest_ae'"),
            180,
            logs,
        )
        airflow(env, "dags", "unpause", "ingest_ae")
        # unpaused without catchup, the scheduler runs the latest tick once; nothing is there yet
        wait_for("the latest scheduled run", lambda: finished_scheduled(meta), 300, logs)
        assert finished_scheduled(meta)[0][2] == "success"
        # November arrives in the landing folder before October: the backfill still loads October first
        copy_sample("ae", "Monthly-AE-November-2024-revised.csv", landing)
        copy_sample("ae", OCTOBER, landing)
        capsys.readouterr()
        code = scheduler_backfill("ae", "2024-10", "2024-12", env, deadline_s=420, poll_s=3)
        out, err = capsys.readouterr()
    finally:
        stack.stop(timeout=20)
    assert code == 1, out + err
    lines = [line.strip() for line in out.splitlines() if line.startswith("    ingest_ae")]
    assert lines[:2] == ["ingest_ae 2024-10: loaded", "ingest_ae 2024-11: loaded"], out
    assert len(lines) == 3 and lines[2].startswith(
        "ingest_ae 2024-12: NOT loaded: period 2024-12-01: no file for period 2024-12 in "
    ), out
    assert err.strip() == "backfill of ae: period(s) not loaded: 2024-12"
    assert "Traceback" not in out + err
    runs = meta.rows(
        "select run_type, state from dag_run where dag_id = 'ingest_ae' and backfill_id is not null"
    )
    assert sorted(runs) == [("backfill", "failed"), ("backfill", "success"), ("backfill", "success")]
    with warehouse.connect(scheduler_warehouse) as conn:
        loads = conn.execute(
            "select file_name, period from raw.load_manifest where source = 'ae' order by load_id"
        ).fetchall()
    assert [(f, str(p)) for f, p in loads] == [
        (OCTOBER, "2024-10-01"),
        ("Monthly-AE-November-2024-revised.csv", "2024-11-01"),
    ]


def test_make_serve_prints_the_generated_login_and_ctrl_c_stops_everything(
    scheduler_warehouse, metadata_db: str, landing: Path, tmp_path: Path
) -> None:  # noqa: ANN001
    """`python -m oversight.serve` (what `make serve` runs), stopped with SIGINT as Ctrl-C would."""
    import signal

    port = free_port()
    env = {
        **os.environ,
        "WAREHOUSE_URL": scheduler_warehouse.url,
        "LANDING_DIR": str(landing),
        "OVERSIGHT_HOME": str(tmp_path / "home"),
        "AIRFLOW_DATABASE_URL": metadata_db,
        "AIRFLOW_PORT": str(port),
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
    }
    out_path = tmp_path / "serve.out"
    with out_path.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "oversight.serve"], env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:

        def started() -> str | None:
            text = out_path.read_text()
            return text if "Ctrl-C stops them all" in text else None

        text = wait_for("make serve to start", started, 240, tmp_path)
        password = text.split("generated password (first start; kept in ", 1)[1].split("): ", 1)[1].split()[0]
        assert f"Airflow UI: http://127.0.0.1:{port}/  user 'oversight'" in text
        login_works(port, "oversight", password, tmp_path)
        children = [int(p) for p in subprocess.run(
            ["pgrep", "-P", str(process.pid)], capture_output=True, text=True, check=False
        ).stdout.split()]  # fmt: skip
        assert len(children) == 4, text  # scheduler, dag-processor, triggerer, api-server
        os.kill(process.pid, signal.SIGINT)
        assert process.wait(timeout=60) == 0, out_path.read_text()[-3000:]
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert "stopped" in out_path.read_text()
    leftovers = [pid for pid in children if alive_group(pid)]
    assert not leftovers, f"process groups left running: {leftovers}"


def alive_group(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    # only zombies left?
    out = subprocess.run(["ps", "-o", "stat=", "-g", str(pgid)], capture_output=True, text=True, check=False)
    return any(not s.startswith("Z") for s in out.stdout.split())
