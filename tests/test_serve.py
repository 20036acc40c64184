"""`make serve` pieces that need no running scheduler: the generated configuration and login, the
process-group shutdown, the failure report, the warehouse Connection, and task logs in
`airflow dags test`. (tests/test_scheduler.py runs the whole stack.)"""

from __future__ import annotations

import configparser
import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from oversight import cli, dag_defaults, serve
from oversight.settings import get_settings, warehouse_url_from_airflow_connection


def test_first_start_generates_a_password_and_secrets_never_a_default(tmp_path: Path) -> None:
    home = tmp_path / "airflow"
    password = serve.write_config(home, "oversight")
    assert password and len(password) >= 20 and password != "admin"
    passwords = home / serve.PASSWORDS_FILE
    assert json.loads(passwords.read_text()) == {"oversight": password}
    assert stat.S_IMODE(passwords.stat().st_mode) == 0o600
    cfg_text = (home / "airflow.cfg").read_text()
    assert stat.S_IMODE((home / "airflow.cfg").stat().st_mode) == 0o600
    cfg = configparser.ConfigParser(interpolation=None)
    cfg.read_string(cfg_text)
    assert cfg["core"]["load_examples"] == "False"
    assert cfg["core"]["simple_auth_manager_users"] == "oversight:admin"
    assert "admin:admin" not in cfg_text
    assert len(cfg["api_auth"]["jwt_secret"]) >= 40 and len(cfg["api"]["secret_key"]) >= 40
    assert len(cfg["core"]["fernet_key"]) == 44  # 32 url-safe base64 bytes
    # the second start keeps the password and the secrets
    assert serve.write_config(home, "oversight") is None
    assert json.loads(passwords.read_text()) == {"oversight": password}
    assert (home / "airflow.cfg").read_text() == cfg_text
    # another install gets other secrets
    other = tmp_path / "other"
    assert serve.write_config(other, "oversight") != password
    assert (other / "airflow.cfg").read_text() != cfg_text


def alive(pid: int) -> bool:
    """Running (not gone, not a zombie waiting for its new parent to reap it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def test_stop_terminates_each_process_group_then_kills_what_ignores_sigterm(tmp_path: Path) -> None:
    stack = serve.Stack()
    env = dict(os.environ)
    # a polite component, and one that ignores SIGTERM and has a child of its own
    stack.start("polite", ["sleep", "300"], env)
    stubborn = "trap '' TERM; sleep 300 & echo $! > child.pid; wait"
    stack.start("stubborn", ["bash", "-c", f"cd {tmp_path} && {stubborn}"], env)
    deadline = time.monotonic() + 10
    while not (tmp_path / "child.pid").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    child = int((tmp_path / "child.pid").read_text())
    started = time.monotonic()
    stack.stop(timeout=2)
    assert time.monotonic() - started < 10
    assert stack.processes["polite"].returncode == -15  # SIGTERM
    assert stack.processes["stubborn"].returncode == -9  # SIGKILL after the timeout
    assert not alive(child), "the grandchild outlived its process group"


def test_failure_callback_writes_to_that_runs_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OVERSIGHT_HOME", str(tmp_path))

    class TI:
        dag_id, task_id, run_id, try_number = "ingest_ae", "load_new_files", "scheduled__2024-11-14T09:00", 2

    context = {"task_instance": TI(), "run_id": TI.run_id, "exception": ValueError("server closed")}
    dag_defaults.log_failure(context)
    dag_defaults.log_failure({**context, "exception": RuntimeError("again")})
    path = tmp_path / "runs" / "failures" / "ingest_ae" / "scheduled__2024-11-14T09_00.json"
    report = json.loads(path.read_text())
    assert report["run_id"] == "scheduled__2024-11-14T09:00"
    assert [(f["task_id"], f["try_number"], f["error"]) for f in report["failures"]] == [
        ("load_new_files", 2, "ValueError: server closed"),
        ("load_new_files", 2, "RuntimeError: again"),
    ]


def test_every_dag_has_retries_timeouts_and_the_failure_callback(tmp_path: Path) -> None:
    probe = r"""
import json
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder="dags")
out = {}
for dag_id, dag in bag.dags.items():
    out[dag_id] = {
        "dagrun_timeout": dag.dagrun_timeout.total_seconds() if dag.dagrun_timeout else None,
        "dag_callback": bool(dag.on_failure_callback),
        "tasks": {t.task_id: [t.execution_timeout.total_seconds() if t.execution_timeout else None,
                              bool(t.on_failure_callback), t.retries] for t in dag.tasks},
    }
print("RESULT" + json.dumps(out))
"""
    repo = Path(__file__).resolve().parents[1]
    env = {
        "PATH": str(Path(sys.executable).parent),
        "AIRFLOW_HOME": str(tmp_path),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(repo / "dags"),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{tmp_path}/airflow.db",
        "PYTHONPATH": str(repo / "plugins"),
        "OVERSIGHT_TASK_RETRIES": "2",
    }
    proc = subprocess.run(
        [sys.executable, "-c", probe],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        cwd=repo,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT")]
    assert lines, proc.stderr[-3000:]
    result = json.loads(lines[-1][6:])
    assert len(result) >= 12
    for dag_id, dag in result.items():
        assert dag["dagrun_timeout"] and dag["dag_callback"], dag_id
        for task_id, (timeout, callback, _retries) in dag["tasks"].items():
            assert timeout == 3600 and callback, f"{dag_id}.{task_id}"
        if dag_id.startswith("ingest_"):
            source = dag_id.removeprefix("ingest_")
            assert list(dag["tasks"])[0] == f"fetch_{source}" or f"fetch_{source}" in dag["tasks"]
            assert dag["tasks"]["load_new_files"][2] == 2  # transient errors retried


def test_warehouse_connection_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WAREHOUSE_URL", raising=False)
    monkeypatch.delenv("AIRFLOW_CONN_WAREHOUSE", raising=False)
    assert warehouse_url_from_airflow_connection() is None
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", "postgres://wh:s%40cret@db.example:6543/oversight")
    assert get_settings().warehouse_url == "postgresql://wh:s%40cret@db.example:6543/oversight"
    socket_form = serve.airflow_conn_uri("postgresql://postgres@/oversight?host=/tmp/pg&port=5432")
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", socket_form)
    assert get_settings().warehouse_url == "postgresql://postgres@/oversight?host=/tmp/pg&port=5432"
    monkeypatch.setenv("WAREHOUSE_URL", "postgresql://x@h/y")  # an explicit URL wins
    assert get_settings().warehouse_url == "postgresql://x@h/y"


@pytest.mark.airflow
def test_airflow_dags_test_prints_task_logs_and_an_empty_run_emits_no_asset(
    fresh_db, landing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # noqa: ANN001
    monkeypatch.setenv("WAREHOUSE_URL", fresh_db.url)
    monkeypatch.setenv("LANDING_DIR", str(landing))
    monkeypatch.setenv("OVERSIGHT_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("AIRFLOW__LOGGING__LOGGING_LEVEL", raising=False)
    monkeypatch.delenv("FETCH_URL_AE", raising=False)
    settings = get_settings()
    cli.bootstrap(settings)
    cfg = (settings.home / "airflow" / "airflow.cfg").read_text()
    assert "load_examples = False" in cfg and "admin:admin" not in cfg
    result = cli.run_airflow(["dags", "test", "ingest_ae"], settings, capture=True, check=False)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-3000:]
    # the tasks' own INFO lines
    assert "fetch ae: no FETCH_URL_AE configured; only hand-placed files are loaded" in out
    assert "ae: no load pending validation, no Asset event" in out
