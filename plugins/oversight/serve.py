"""`make serve`: Airflow 3 as a team runs it, on this machine.

    python -m oversight.serve [--port 8080] [--host 127.0.0.1]

Starts the scheduler, the DAG processor, the triggerer and the API server (UI on http://HOST:PORT)
with the LocalExecutor and the metadata in PostgreSQL: AIRFLOW_DATABASE_URL if set, otherwise a
database `airflow` of the embedded warehouse server. Airflow derives its async (asyncpg) URL from
that one. The warehouse reaches the tasks as the Airflow Connection `warehouse`
(AIRFLOW_CONN_WAREHOUSE). Its own AIRFLOW_HOME is OVERSIGHT_HOME/airflow-serve, with an
airflow.cfg written on the first start: examples off, one admin user whose password is generated
then (printed, and kept in a 0600 file), and generated JWT / Fernet / API secrets. Ctrl-C (or
SIGTERM) stops every component: SIGTERM to each one's process group, SIGKILL after a timeout.

The same functions start the stack in the `scheduler` tests (tests/test_scheduler.py).
"""

from __future__ import annotations

import argparse
import base64
import configparser
import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from oversight.settings import REPO_ROOT, Settings, get_settings

COMPONENTS: dict[str, list[str]] = {
    "scheduler": ["scheduler"],
    "dag-processor": ["dag-processor"],
    "triggerer": ["triggerer"],
    "api-server": ["api-server"],  # host and port added by start()
}
METADATA_DB = "airflow"
PASSWORDS_FILE = "simple_auth_manager_passwords.json"
STOP_TIMEOUT_SECONDS = 20


def airflow_bin() -> str:
    return str(Path(sys.executable).with_name("airflow"))


def metadata_url(settings: Settings) -> str:
    """SQLAlchemy URL of Airflow's metadata database (psycopg2 driver: Airflow maps it to asyncpg)."""
    explicit = settings.airflow_database_url
    if explicit:
        return explicit
    from oversight import warehouse

    admin = warehouse.start_embedded(settings).with_dbname("postgres")
    warehouse._ensure_database(admin, METADATA_DB)
    auth = quote(admin.user) + (f":{quote(admin.password)}" if admin.password else "")
    if admin.host.startswith("/"):
        return f"postgresql+psycopg2://{auth}@/{METADATA_DB}?host={admin.host}&port={admin.port}"
    return f"postgresql+psycopg2://{auth}@{admin.host}:{admin.port}/{METADATA_DB}"


def airflow_conn_uri(url: str) -> str:
    """AIRFLOW_CONN_WAREHOUSE (Airflow's JSON form: a unix-socket host does not fit a URI)."""
    from oversight.warehouse import Connection

    c = Connection.from_url(url)
    return json.dumps(
        {"conn_type": "postgres", "host": c.host, "port": c.port, "login": c.user,
         "password": c.password, "schema": c.dbname}
    )  # fmt: skip


def write_airflow_cfg(airflow_home: Path, admin_user: str, executor: str | None = "LocalExecutor") -> Path:
    """A short airflow.cfg, once: without one, Airflow writes every default into a new file
    (load_examples = True, simple_auth_manager_users = admin:admin). Secrets are generated here."""
    airflow_home.mkdir(parents=True, exist_ok=True)
    cfg_path = airflow_home / "airflow.cfg"
    if cfg_path.exists():
        return cfg_path
    cfg = configparser.ConfigParser(interpolation=None)
    cfg["core"] = {
        "load_examples": "False",
        **({"executor": executor} if executor else {}),
        "parallelism": "4",
        "fernet_key": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "auth_manager": "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
        "simple_auth_manager_users": f"{admin_user}:admin",
        "simple_auth_manager_passwords_file": str(airflow_home / PASSWORDS_FILE),
    }
    cfg["api"] = {"secret_key": secrets.token_urlsafe(32)}
    cfg["api_auth"] = {"jwt_secret": secrets.token_urlsafe(48)}
    cfg["logging"] = {"logging_level": "INFO"}
    with cfg_path.open("w") as f:
        f.write(
            "# Written by oversight (plugins/oversight/serve.py) on the first start; secrets generated.\n"
        )
        cfg.write(f)
    cfg_path.chmod(0o600)
    return cfg_path


def write_config(airflow_home: Path, admin_user: str) -> str | None:
    """airflow.cfg and the passwords file on the first start; returns the new password, else None."""
    write_airflow_cfg(airflow_home, admin_user)
    passwords = airflow_home / PASSWORDS_FILE
    if passwords.exists() and admin_user in json.loads(passwords.read_text() or "{}"):
        return None
    password = secrets.token_urlsafe(18)
    passwords.write_text(json.dumps({admin_user: password}) + "\n")
    passwords.chmod(0o600)
    return password


def serve_env(settings: Settings, port: int, executor: str = "LocalExecutor") -> dict[str, str]:
    """The environment every component runs with (the warehouse comes in as Connection `warehouse`)."""
    from oversight import warehouse

    target = warehouse.resolve(settings)
    warehouse.bootstrap(target, settings.bi_role)
    airflow_home = settings.home / "airflow-serve"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN")}
    env.pop("WAREHOUSE_URL", None)  # tasks read the Airflow Connection instead
    env.update(
        {
            "AIRFLOW_HOME": str(airflow_home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO_ROOT / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": executor,
            "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "120",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_url(settings),
            "AIRFLOW__LOGGING__LOGGING_LEVEL": os.environ.get("AIRFLOW__LOGGING__LOGGING_LEVEL", "INFO"),
            "AIRFLOW_CONN_WAREHOUSE": airflow_conn_uri(target.url),
            "OVERSIGHT_HOME": str(settings.home),
            "LANDING_DIR": str(settings.landing_dir),
            "GX_ANALYTICS_ENABLED": "False",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT / "plugins"), env.get("PYTHONPATH")])),
        }
    )
    env.setdefault("PYTHONWARNINGS", "ignore")
    return env


@dataclass
class Stack:
    """Airflow components, each in its own process group."""

    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def start(self, name: str, argv: list[str], env: dict[str, str], log_dir: Path | None = None) -> None:
        out = None
        if log_dir is not None:
            log_dir.mkdir(parents=True, exist_ok=True)
            out = (log_dir / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(
            argv, env=env, start_new_session=True, stdout=out, stderr=subprocess.STDOUT if out else None
        )

    def exited(self) -> dict[str, int]:
        return {n: p.returncode for n, p in self.processes.items() if p.poll() is not None}

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
        """SIGTERM every process group, wait up to `timeout`, then SIGKILL what is left."""
        for p in self.processes.values():
            _signal_group(p, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for p in self.processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
        for p in self.processes.values():
            _signal_group(p, signal.SIGKILL)  # also the group's orphans (task runners, gunicorn workers)
            with contextlib.suppress(subprocess.TimeoutExpired):
                p.wait(timeout=5)


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


def migrate(env: dict[str, str]) -> None:
    subprocess.run([airflow_bin(), "db", "migrate"], env=env, check=True, capture_output=True, text=True)


def start_stack(
    env: dict[str, str],
    port: int,
    host: str = "127.0.0.1",
    components: dict[str, list[str]] | None = None,
    log_dir: Path | None = None,
) -> Stack:
    stack = Stack()
    for name, args in (components or COMPONENTS).items():
        argv = [airflow_bin(), *args]
        if args[:1] == ["api-server"]:
            for flag, value in (("--host", host), ("--port", str(port)), ("--workers", "1")):
                if flag not in args:
                    argv += [flag, value]
        stack.start(name, argv, env, log_dir)
    return stack


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="oversight.serve", description=__doc__.split("\n\n")[0])
    settings = get_settings()
    parser.add_argument("--host", default=settings.airflow_api_host)
    parser.add_argument("--port", type=int, default=settings.airflow_port)
    args = parser.parse_args(argv)
    env = serve_env(settings, args.port)
    admin_user = settings.admin_user
    password = write_config(Path(env["AIRFLOW_HOME"]), admin_user)
    print(f"metadata database: {env['AIRFLOW__DATABASE__SQL_ALCHEMY_CONN'].split('@')[-1]}", flush=True)
    migrate(env)
    stack = start_stack(env, args.port, args.host)
    passwords = Path(env["AIRFLOW_HOME"]) / PASSWORDS_FILE
    print(f"Airflow UI: http://{args.host}:{args.port}/  user {admin_user!r}", flush=True)
    if password:
        print(f"  generated password (first start; kept in {passwords}): {password}", flush=True)
    else:
        print(f"  password: in {passwords}", flush=True)
    print("  components: " + ", ".join(stack.processes) + ".  Ctrl-C stops them all.", flush=True)

    stopping: list[int] = []

    def on_signal(signum: int, _frame: object) -> None:
        stopping.append(signum)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    code = 0
    while not stopping:
        dead = stack.exited()
        if dead:
            print(f"component(s) exited: {dead}; stopping the others", file=sys.stderr, flush=True)
            code = 1
            break
        time.sleep(1)
    print("stopping: " + ", ".join(stack.processes), flush=True)
    stack.stop()
    print("stopped", flush=True)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
