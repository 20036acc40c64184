"""Static checks of docker-compose.yml, docker/Dockerfile and .dockerignore.

No Docker engine runs here or in CI, so the stack is never started: these tests read the files and
check them against the repository (paths, the lock, the project's settings) and against the installed
Airflow (its CLI parser), so that a typo or a drift between the files fails here rather than on a
user's `docker compose up`.
"""

from __future__ import annotations

import fnmatch
import importlib.util
import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
DOCKERFILE = REPO_ROOT / "docker" / "Dockerfile"
DOCKERIGNORE = REPO_ROOT / ".dockerignore"

# service -> the Airflow command (argv after `airflow`) it must run
AIRFLOW_SERVICES = {
    "airflow-init": ["db", "migrate"],
    "airflow-apiserver": ["api-server"],
    "airflow-scheduler": ["scheduler"],
    "airflow-dag-processor": ["dag-processor"],
    "airflow-triggerer": ["triggerer"],
    "airflow-worker": ["celery", "worker"],
}
REQUIRED_SERVICES = {"warehouse-db", "airflow-db", "redis", *AIRFLOW_SERVICES}
LONG_RUNNING_AIRFLOW = sorted(set(AIRFLOW_SERVICES) - {"airflow-init"})
PROJECT_VARS_REQUIRED = {"WAREHOUSE_URL", "LANDING_DIR", "OVERSIGHT_HOME"}
# The secrets docker compose must refuse to start without (`${VAR:?...}`), and what each one is.
REQUIRED_SECRETS = {
    "WAREHOUSE_PASSWORD": "password of the warehouse database owner `oversight`",
    "AIRFLOW_DB_PASSWORD": "password of the Airflow metadata database user `airflow`",
    "REDIS_PASSWORD": "password of the Redis broker (requirepass)",
    "AIRFLOW_ADMIN_PASSWORD": "password of the Airflow UI admin user",
    "AIRFLOW__API_AUTH__JWT_SECRET": "key signing the JWTs of the API / execution API",
    "AIRFLOW__API__SECRET_KEY": "key signing the API server's session cookies",
    "AIRFLOW__CORE__FERNET_KEY": "key encrypting connections and variables in the metadata database",
}
# what the static checks resolve the file with: a distinct value per secret
COMPOSE_TEST_ENV = {name: f"test-{name.lower().replace('_', '-')}" for name in REQUIRED_SECRETS}
SIMPLE_AUTH_MANAGER = "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}

# ---------------------------------------------------------------------------------------------------
# helpers: compose interpolation, normalisation, Dockerfile parsing
# ---------------------------------------------------------------------------------------------------

_SUBST = re.compile(
    r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}|\$(?P<bare>[A-Za-z_]\w*)"
)
_ONLY_SUBST = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*(?::?-[^}]*)?\}$")
_REQUIRED_SUBST = re.compile(r"^\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*):\?[^}]*\}$")  # ${VAR:?message}


def interpolate(value: str, env: dict[str, str] | None = None) -> str:
    """Resolve compose `${VAR:-default}` substitution as `docker compose` does with the given env
    (by default the test secrets, COMPOSE_TEST_ENV)."""
    env = COMPOSE_TEST_ENV if env is None else env

    def repl(m: re.Match) -> str:
        if m.group(0) == "$$":
            return "$"
        name = m.group("name") or m.group("bare")
        op, arg = m.group("op"), m.group("arg") or ""
        val = env.get(name)
        if op in (":-", "-"):
            unset = val is None or (op == ":-" and val == "")
            return arg if unset else val
        if op in (":?", "?"):
            if val is None or (op == ":?" and val == ""):
                raise ValueError(f"${{{name}}} is required: {arg}")
            return val
        if op in (":+", "+"):
            return arg if val else ""
        return val or ""

    return _SUBST.sub(repl, value)


def resolve(node):
    return resolve_with(node, COMPOSE_TEST_ENV)


def resolve_with(node, env: dict[str, str]):
    if isinstance(node, str):
        return interpolate(node, env)
    if isinstance(node, dict):
        return {k: resolve_with(v, env) for k, v in node.items()}
    if isinstance(node, list):
        return [resolve_with(v, env) for v in node]
    return node


def env_of(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {k: "" if v is None else str(v) for k, v in env.items()}


def depends_of(service: dict) -> dict[str, str]:
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return dict.fromkeys(deps, "service_started")
    return {name: (spec or {}).get("condition", "service_started") for name, spec in deps.items()}


def mounts_of(service: dict) -> list[tuple[str, str]]:
    """(source, target) of each volume entry, after interpolation; source '' for anonymous volumes."""
    out = []
    for entry in service.get("volumes") or []:
        if isinstance(entry, dict):
            out.append((interpolate(str(entry.get("source", ""))), interpolate(str(entry["target"]))))
            continue
        parts = interpolate(entry).split(":")
        if len(parts) == 1:
            out.append(("", parts[0]))
        else:
            out.append((parts[0], parts[1]))
    return out


def is_host_path(source: str) -> bool:
    return source.startswith((".", "/", "~"))


def command_strings(service: dict) -> list[list[str] | str]:
    """The command and the healthcheck test of a service, as argv lists or shell strings."""
    out: list[list[str] | str] = []
    cmd = service.get("command")
    if isinstance(cmd, str):
        out.append(cmd)
    elif isinstance(cmd, list):
        cmd = [interpolate(c) for c in cmd]
        if len(cmd) >= 3 and cmd[0] in ("bash", "sh") and cmd[1] in ("-c", "-ec", "-euc"):
            out.append(cmd[2])
        else:
            out.append(cmd)
    test = (service.get("healthcheck") or {}).get("test")
    if isinstance(test, str):
        out.append(test)
    elif isinstance(test, list) and test:
        if test[0] == "CMD-SHELL":
            out.append(" ".join(test[1:]))
        elif test[0] == "CMD":
            out.append(list(test[1:]))
    return out


def airflow_invocations(service: dict) -> list[list[str]]:
    """argv (without the leading `airflow`) of every airflow command a service runs."""
    found = []
    for item in command_strings(service):
        if isinstance(item, list):
            pieces = [item]
        else:
            pieces = []
            for line in interpolate(item).splitlines():
                lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
                lexer.whitespace_split = True
                current: list[str] = []
                for token in lexer:
                    if token in ("&&", "||", ";", "|", "&", "(", ")"):
                        pieces.append(current)
                        current = []
                    else:
                        current.append(token)
                pieces.append(current)
        for argv in pieces:
            while argv and argv[0] in ("exec", "command"):
                argv = argv[1:]
            if argv and PurePosixPath(argv[0]).name == "airflow":
                found.append(argv[1:])
    return found


def celery_apps(service: dict) -> list[str]:
    """Celery app paths given to `celery --app X` / `-A X` in a service's command or healthcheck."""
    apps = []
    for item in command_strings(service):
        lines = [item] if isinstance(item, list) else interpolate(item).splitlines()
        for line in lines:
            argv = line if isinstance(line, list) else shlex.split(line, comments=True)
            for i, word in enumerate(argv[:-1]):
                if word in ("--app", "-A"):
                    apps.append(argv[i + 1])
            apps += [w.split("=", 1)[1] for w in argv if w.startswith("--app=")]
    return apps


def parse_dockerfile(path: Path) -> list[tuple[str, str]]:
    lines, buf = [], ""
    for raw in path.read_text().splitlines():
        stripped = raw.strip()
        if not buf and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            buf += stripped[:-1] + " "
            continue
        buf += stripped
        lines.append(buf)
        buf = ""
    out = []
    for line in lines:
        instr, _, args = line.partition(" ")
        out.append((instr.upper(), args.strip()))
    return out


def dockerfile_copies(instructions) -> list[tuple[list[str], str, int]]:
    """(sources, absolute destination, instruction index) of each COPY, resolved against WORKDIR."""
    workdir = PurePosixPath("/")
    out = []
    for i, (instr, args) in enumerate(instructions):
        if instr == "WORKDIR":
            workdir = workdir / args
        elif instr == "COPY":
            words = [w for w in shlex.split(args) if not w.startswith("--")]
            *sources, dest = words
            dest_path = workdir / dest
            out.append((sources, str(dest_path), i))
    return out


def copy_destination(copies, source: str) -> str | None:
    for sources, dest, _ in copies:
        for src in sources:
            if src.rstrip("/") == source:
                if len(sources) > 1 or dest.endswith("/"):
                    return str(PurePosixPath(dest) / PurePosixPath(src).name)
                return str(PurePosixPath(dest))
    return None


def dockerfile_env(instructions) -> dict[str, str]:
    env: dict[str, str] = {}
    for instr, args in instructions:
        if instr == "ENV":
            for word in shlex.split(args):
                if "=" in word:
                    k, v = word.split("=", 1)
                    env[k] = v
    return env


# ---------------------------------------------------------------------------------------------------
# fixtures
# ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def raw_compose() -> dict:
    assert COMPOSE_FILE.is_file(), "docker-compose.yml is missing at the repository root"
    data = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(data, dict) and isinstance(data.get("services"), dict), "no services: mapping"
    return data


@pytest.fixture(scope="module")
def compose(raw_compose) -> dict:
    """The compose file with every `${VAR:-default}` resolved to its default (an empty environment)."""
    return resolve(raw_compose)


@pytest.fixture(scope="module")
def services(compose) -> dict[str, dict]:
    return compose["services"]


@pytest.fixture(scope="module")
def instructions() -> list[tuple[str, str]]:
    assert DOCKERFILE.is_file(), "docker/Dockerfile is missing"
    return parse_dockerfile(DOCKERFILE)


@pytest.fixture(scope="module")
def airflow_cli_check(services, tmp_path_factory):
    """Parse argv lists with the installed Airflow's own CLI parser, in one subprocess.

    The parser is built with the executor and auth manager of the compose file, since both add
    commands (the Celery executor adds `airflow celery ...`). Returns {argv tuple: error or None}.
    """
    env_common = env_of(services["airflow-scheduler"])
    argvs = sorted({tuple(a) for svc in services.values() for a in airflow_invocations(svc)})
    apps = sorted({m for svc in services.values() for m in celery_apps(svc)})
    home = tmp_path_factory.mktemp("airflow-home")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__EXECUTOR=env_common.get("AIRFLOW__CORE__EXECUTOR", ""),
        AIRFLOW__CORE__AUTH_MANAGER=env_common.get("AIRFLOW__CORE__AUTH_MANAGER", SIMPLE_AUTH_MANAGER),
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{home / 'airflow.db'}",
        AIRFLOW__CORE__LOAD_EXAMPLES="false",
    )
    probe = r"""
import contextlib, importlib, io, json, sys
from airflow.cli.cli_parser import get_parser
parser = get_parser()
out = {}
for argv in json.loads(sys.argv[1]):
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            parser.parse_args(argv)
        out[json.dumps(argv)] = None
    except SystemExit as exc:
        out[json.dumps(argv)] = err.getvalue().strip() or f"exit {exc.code}"
imports = {}
try:
    from airflow.executors.executor_loader import ExecutorLoader
    for name in ExecutorLoader.get_executor_names(validate_teams=False):
        ExecutorLoader.import_executor_cls(name)
    imports["executor"] = None
except Exception as exc:
    imports["executor"] = repr(exc)
for app in json.loads(sys.argv[2]):
    module, _, attr = app.partition(":") if ":" in app else app.rpartition(".")
    try:
        getattr(importlib.import_module(module), attr)
        imports[app] = None
    except Exception as exc:
        imports[app] = repr(exc)
print("RESULT" + json.dumps({"argv": out, "imports": imports}))
"""
    proc = subprocess.run(
        [sys.executable, "-c", probe, json.dumps([list(a) for a in argvs]), json.dumps(apps)],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    marker = [line for line in proc.stdout.splitlines() if line.startswith("RESULT")]
    assert proc.returncode == 0 and marker, f"airflow CLI probe failed:\n{proc.stderr[-3000:]}"
    result = json.loads(marker[-1][len("RESULT") :])
    return {
        "argv": {tuple(json.loads(k)): v for k, v in result["argv"].items()},
        "imports": result["imports"],
    }


# ---------------------------------------------------------------------------------------------------
# docker-compose.yml
# ---------------------------------------------------------------------------------------------------


def test_required_services_exist(services):
    missing = REQUIRED_SERVICES - set(services)
    assert not missing, f"services missing from docker-compose.yml: {sorted(missing)}"


def test_airflow_services_share_the_common_anchor(raw_compose, services):
    common = raw_compose.get("x-airflow-common")
    assert isinstance(common, dict), "x-airflow-common anchor is missing"
    common_env = env_of(resolve(common))
    assert common_env, "x-airflow-common has no environment"
    for name in AIRFLOW_SERVICES:
        svc = services[name]
        assert svc.get("build") == resolve(common.get("build")), f"{name} is not built like x-airflow-common"
        env = env_of(svc)
        drift = {k for k, v in common_env.items() if env.get(k) != v}
        assert not drift, f"{name} overrides/misses common Airflow settings: {sorted(drift)}"


def test_airflow_services_use_celery_postgres_and_redis(services):
    for name in AIRFLOW_SERVICES:
        env = env_of(services[name])
        assert env.get("AIRFLOW__CORE__EXECUTOR") == "CeleryExecutor", name

        conn = urlsplit(env.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", ""))
        assert conn.scheme in ("postgresql+psycopg2", "postgresql+psycopg"), f"{name}: {conn.scheme}"
        assert conn.hostname == "airflow-db", f"{name}: metadata DB host {conn.hostname}"

        backend = urlsplit(env.get("AIRFLOW__CELERY__RESULT_BACKEND", ""))
        assert backend.scheme.startswith("db+postgresql"), f"{name}: result backend {backend.scheme}"
        assert backend.hostname == "airflow-db", f"{name}: result backend host {backend.hostname}"

        broker = urlsplit(env.get("AIRFLOW__CELERY__BROKER_URL", ""))
        assert broker.scheme == "redis" and broker.hostname == "redis", f"{name}: broker {broker.geturl()}"
        assert broker.port in (None, 6379)
        assert services["redis"]["image"].split(":")[0] == "redis"

        assert env.get("AIRFLOW__CORE__LOAD_EXAMPLES", "").lower() == "false", name


def test_metadata_db_url_matches_the_airflow_db_service(services):
    db_env = env_of(services["airflow-db"])
    assert services["airflow-db"]["image"].split(":")[0] == "postgres"
    for name in AIRFLOW_SERVICES:
        env = env_of(services[name])
        for key in ("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "AIRFLOW__CELERY__RESULT_BACKEND"):
            url = urlsplit(env[key])
            assert url.username == db_env["POSTGRES_USER"], f"{name} {key}: user"
            assert url.password == db_env["POSTGRES_PASSWORD"], f"{name} {key}: password"
            assert url.path.lstrip("/") == db_env["POSTGRES_DB"], f"{name} {key}: database"
            assert url.port in (None, 5432), f"{name} {key}: port"


def test_metadata_db_driver_is_installed_and_locked(services):
    scheme = urlsplit(env_of(services["airflow-scheduler"])["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]).scheme
    module, dist = {
        "postgresql+psycopg2": ("psycopg2", "psycopg2"),
        "postgresql+psycopg": ("psycopg", "psycopg"),
    }[scheme]
    assert importlib.util.find_spec(module), f"{module} is not importable in the project venv"
    locked = {p["name"] for p in tomllib.loads((REPO_ROOT / "uv.lock").read_text())["package"]}
    assert {dist, f"{dist}-binary"} & locked, f"{dist} is not in uv.lock, so the image would not have it"


def test_celery_executor_dependencies_are_locked(services):
    """The image installs uv.lock only: CeleryExecutor needs the Celery provider (and redis) in it."""
    executors = {env_of(services[n]).get("AIRFLOW__CORE__EXECUTOR") for n in AIRFLOW_SERVICES}
    if "CeleryExecutor" not in executors:
        pytest.skip("no Celery executor")
    locked = {p["name"] for p in tomllib.loads((REPO_ROOT / "uv.lock").read_text())["package"]}
    missing = {"apache-airflow-providers-celery", "celery", "redis"} - locked
    assert not missing, (
        f"CeleryExecutor is configured but uv.lock lacks {sorted(missing)}: "
        'depend on "apache-airflow[celery]==<version>" in pyproject.toml and run `uv lock`'
    )


def test_images_are_pinned(services):
    for name, svc in services.items():
        image = svc.get("image")
        if "build" in svc:
            if image:
                assert ":" in image and not image.endswith(":latest"), f"{name}: built image tag {image}"
            continue
        assert image, f"{name} has neither image nor build"
        repo, _, tag = image.rpartition(":")
        assert repo and "/" not in tag, f"{name}: image {image!r} has no tag"
        assert tag != "latest" and re.match(r"\d+", tag), (
            f"{name}: image {image!r} is not pinned to a version"
        )


def test_build_contexts_and_dockerfiles_exist(services):
    built = [n for n, s in services.items() if "build" in s]
    assert set(AIRFLOW_SERVICES) <= set(built)
    for name in built:
        build = services[name]["build"]
        if isinstance(build, str):
            build = {"context": build}
        context = (REPO_ROOT / build.get("context", ".")).resolve()
        assert context.is_dir(), f"{name}: build context {context} does not exist"
        dockerfile = context / build.get("dockerfile", "Dockerfile")
        assert dockerfile.is_file(), f"{name}: {dockerfile} does not exist"
        assert dockerfile.resolve() == DOCKERFILE.resolve(), f"{name} is not built from docker/Dockerfile"


def test_bind_mounts_exist_and_named_volumes_are_declared(raw_compose, services):
    declared = set(raw_compose.get("volumes") or {})
    for name, svc in services.items():
        for source, target in mounts_of(svc):
            assert target.startswith("/"), f"{name}: mount target {target!r} is not absolute"
            if not source:
                continue
            if is_host_path(source):
                path = Path(os.path.expanduser(source))
                path = path if path.is_absolute() else REPO_ROOT / path
                assert path.exists(), f"{name}: bind-mounted {source!r} does not exist in the repository"
            else:
                assert source in declared, f"{name}: named volume {source!r} is not declared under volumes:"


def test_services_run_the_expected_airflow_commands(services):
    for name, expected in AIRFLOW_SERVICES.items():
        runs = airflow_invocations(services[name])
        assert any(argv[: len(expected)] == expected for argv in runs), (
            f"{name} does not run `airflow {' '.join(expected)}` (runs {runs})"
        )


def test_airflow_commands_exist_in_the_installed_airflow(services, airflow_cli_check):
    assert airflow_cli_check["argv"], "no airflow command found in the compose file"
    for name, svc in services.items():
        for argv in airflow_invocations(svc):
            error = airflow_cli_check["argv"][tuple(argv)]
            assert error is None, f"{name}: `airflow {' '.join(argv)}` is rejected by Airflow's CLI: {error}"


def test_executor_and_celery_app_import(services, airflow_cli_check):
    """The CLI can list `celery` while the executor itself fails to import (e.g. an incompatible celery)."""
    imports = airflow_cli_check["imports"]
    assert imports["executor"] is None, f"the configured executor does not import: {imports['executor']}"
    assert celery_apps(services["airflow-worker"]), (
        "airflow-worker's healthcheck does not ping its Celery app"
    )
    for app, error in imports.items():
        assert error is None, f"{app} does not import: {error}"


# Settings the containers leave at their defaults: per-run, make-serve or fault-test knobs, and the
# families of variables (`FETCH_URL_<SOURCE>`, `OVERSIGHT_SCHEDULE_<DAG_ID>`). A new setting must be set
# for the Airflow services or be listed here.
LOCAL_ONLY_SETTINGS = {
    "AIRFLOW_CONN_WAREHOUSE",  # the services set it or WAREHOUSE_URL (checked below)
    "OVERSIGHT_RUN_ID",
    "OVERSIGHT_TASK_RETRIES",
    "OVERSIGHT_RETRY_DELAY_SECONDS",
    "OVERSIGHT_TASK_TIMEOUT_MINUTES",
    "AIRFLOW_DATABASE_URL",
    "AIRFLOW_API_HOST",
    "AIRFLOW_PORT",
    "OVERSIGHT_ADMIN_USER",
    "OVERSIGHT_PAUSE_AT",
    "OVERSIGHT_PAUSE_FILE",
    "OVERSIGHT_PAUSE_SECONDS",
}


def test_project_settings_are_set_for_airflow_services(services):
    from oversight.settings import Settings

    variables = set(Settings.variables().values())
    assert variables >= PROJECT_VARS_REQUIRED, f"Settings no longer reads {PROJECT_VARS_REQUIRED - variables}"
    assert variables >= LOCAL_ONLY_SETTINGS, f"not settings: {LOCAL_ONLY_SETTINGS - variables}"
    read = {v for v in variables - LOCAL_ONLY_SETTINGS if "<" not in v}
    for name in AIRFLOW_SERVICES:
        env = env_of(services[name])
        missing = {v for v in read if not env.get(v)}
        if env.get("AIRFLOW_CONN_WAREHOUSE"):  # the warehouse as an Airflow Connection instead
            missing.discard("WAREHOUSE_URL")
        assert not missing, f"{name} does not set {sorted(missing)}"


def test_airflow_settings_match_the_local_runner(services, instructions, monkeypatch):
    """What `python -m oversight.cli` gives Airflow locally must hold in the containers too."""
    from oversight import cli
    from oversight.settings import Settings

    monkeypatch.setattr(cli.os, "environ", {})
    local = cli.airflow_env(
        Settings(landing_dir=Path("/landing"), home=Path("/home"), bi_role="r", embedded_db="d")
    )
    # local-only: the SQLite default, the CLI's quieter log level, the unit-test switch; PYTHONPATH is
    # set by the image (checked in test_dockerfile_layout_and_user)
    local_only = {
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
        "AIRFLOW__LOGGING__LOGGING_LEVEL",
        "AIRFLOW__CORE__UNIT_TEST_MODE",
        "PYTHONPATH",
        # one-shot local runs fail at once; the scheduler keeps the DAGs' retries
        "OVERSIGHT_TASK_RETRIES",
    }
    assert "AIRFLOW__CORE__DAGS_FOLDER" in local, "oversight.cli.airflow_env changed shape"
    for name in AIRFLOW_SERVICES:
        env = env_of(services[name])
        missing = set(local) - local_only - set(env)
        assert not missing, f"{name} lacks settings the local runner gives Airflow: {sorted(missing)}"
        for key in set(local) - local_only:
            if not local[key].startswith("/"):
                # paths inside a value (the OpenLineage file) are under OVERSIGHT_HOME in both
                expected = local[key].replace("/home/", env["OVERSIGHT_HOME"] + "/")
                assert env[key].lower() == expected.lower(), (
                    f"{name}: {key}={env[key]!r}, locally {expected!r}"
                )


def test_warehouse_url_points_at_the_warehouse_service(raw_compose, services):
    wh_env = env_of(services["warehouse-db"])
    raw_wh_env = env_of(raw_compose["services"]["warehouse-db"])
    assert services["warehouse-db"]["image"].split(":")[0] == "postgres"
    from oversight.settings import warehouse_url_from_airflow_connection

    for name in AIRFLOW_SERVICES:
        env = env_of(services[name])
        assert "WAREHOUSE_URL" not in env, f"{name}: the tasks must use the Connection, not WAREHOUSE_URL"
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("AIRFLOW_CONN_WAREHOUSE", env["AIRFLOW_CONN_WAREHOUSE"])
            url = urlsplit(warehouse_url_from_airflow_connection())
        assert url.scheme in ("postgresql", "postgres"), f"{name}: {url.scheme}"
        assert url.hostname == "warehouse-db" and url.port in (None, 5432), f"{name}: {url.netloc}"
        assert url.username == wh_env["POSTGRES_USER"], name
        assert url.password == wh_env["POSTGRES_PASSWORD"], name
        assert url.path.lstrip("/") == wh_env["POSTGRES_DB"], name
        if "WAREHOUSE_DB" in env:
            assert env["WAREHOUSE_DB"] == wh_env["POSTGRES_DB"], name
    raw_url = env_of(raw_compose["x-airflow-common"])["AIRFLOW_CONN_WAREHOUSE"]
    raw_password = re.match(r"^[^:]+://[^:@/]+:(.*)@[^@]+$", raw_url)
    assert raw_password and raw_password.group(1) == raw_wh_env["POSTGRES_PASSWORD"], (
        "WAREHOUSE_URL and warehouse-db must take the password from the same variable"
    )


def test_landing_and_home_are_mounted_where_settings_point(services):
    state_volumes = set()
    for name in AIRFLOW_SERVICES:
        env = env_of(services[name])
        mounts = dict((target, source) for source, target in mounts_of(services[name]))
        landing, home = env["LANDING_DIR"], env["OVERSIGHT_HOME"]
        assert landing in mounts and is_host_path(mounts[landing]), f"{name}: LANDING_DIR is not bind-mounted"
        assert home in mounts and mounts[home] and not is_host_path(mounts[home]), (
            f"{name}: OVERSIGHT_HOME is not a named volume"
        )
        state_volumes.add(mounts[home])
        airflow_home = env.get("AIRFLOW_HOME", "")
        assert PurePosixPath(home) in PurePosixPath(airflow_home).parents, (
            f"{name}: AIRFLOW_HOME ({airflow_home}) must be in the shared OVERSIGHT_HOME volume"
        )
    assert len(state_volumes) == 1, (
        f"Airflow services do not share one OVERSIGHT_HOME volume: {state_volumes}"
    )


def test_folders_match_the_dockerfile(services, instructions):
    copies = dockerfile_copies(instructions)
    dags_dest, plugins_dest = copy_destination(copies, "dags"), copy_destination(copies, "plugins")
    assert dags_dest and plugins_dest, "docker/Dockerfile does not COPY dags and plugins"
    for name in AIRFLOW_SERVICES:
        env = env_of(services[name])
        assert env.get("AIRFLOW__CORE__DAGS_FOLDER") == dags_dest, f"{name}: DAGS_FOLDER != {dags_dest}"
        assert env.get("AIRFLOW__CORE__PLUGINS_FOLDER") == plugins_dest, f"{name}: PLUGINS_FOLDER"
        shadowing = [t for _, t in mounts_of(services[name]) if t in (dags_dest, plugins_dest)]
        assert not shadowing, f"{name}: a volume hides the image's code at {shadowing}"


def test_execution_api_and_jwt_secret(raw_compose, services):
    api = services["airflow-apiserver"]
    published = {str(p).rsplit(":", 1)[-1] for p in api.get("ports", [])}
    raw_env = env_of(raw_compose["x-airflow-common"])
    assert _REQUIRED_SUBST.match(raw_env.get("AIRFLOW__API_AUTH__JWT_SECRET", "")), (
        "AIRFLOW__API_AUTH__JWT_SECRET must come from ${AIRFLOW__API_AUTH__JWT_SECRET:?...} (required)"
    )
    secrets = set()
    for name in AIRFLOW_SERVICES:
        env = env_of(services[name])
        url = urlsplit(env.get("AIRFLOW__CORE__EXECUTION_API_SERVER_URL", ""))
        assert url.hostname == "airflow-apiserver", f"{name}: execution API host {url.hostname}"
        assert url.path == "/execution/", f"{name}: execution API path {url.path}"
        assert str(url.port or 80) in published, f"{name}: port {url.port} is not the API server's"
        secrets.add(env.get("AIRFLOW__API_AUTH__JWT_SECRET"))
    assert len(secrets) == 1 and "" not in secrets, "Airflow services must share one non-empty JWT secret"
    for argv in airflow_invocations(api):
        if argv[:1] == ["api-server"]:
            port = argv[argv.index("--port") + 1] if "--port" in argv else "8080"
            assert port == str(url.port or 80), f"api-server listens on {port}, not {url.port}"


def test_depends_on_conditions(services):
    for name, svc in services.items():
        for dep, condition in depends_of(svc).items():
            assert dep in services, f"{name} depends on unknown service {dep}"
            assert dep != name
            assert condition in CONDITIONS, f"{name} -> {dep}: unknown condition {condition}"
            if condition == "service_healthy":
                assert services[dep].get("healthcheck"), (
                    f"{name} waits for {dep} to be healthy; it has no healthcheck"
                )
            if condition == "service_completed_successfully":
                assert services[dep].get("restart", "no") in ("no", False), (
                    f"{dep} restarts, so never completes"
                )
    assert depends_of(services["airflow-init"]).get("airflow-db") == "service_healthy"
    for name in LONG_RUNNING_AIRFLOW:
        deps = depends_of(services[name])
        assert deps.get("airflow-init") == "service_completed_successfully", (
            f"{name} does not wait for airflow-init"
        )
        assert deps.get("airflow-db") == "service_healthy", f"{name} does not wait for airflow-db"
        assert deps.get("redis") == "service_healthy", f"{name} does not wait for redis"
    assert depends_of(services["airflow-worker"]).get("warehouse-db") == "service_healthy"


def test_healthchecks_for_databases_and_redis(services):
    for name in ("warehouse-db", "airflow-db"):
        test = services[name].get("healthcheck", {}).get("test")
        text = test if isinstance(test, str) else " ".join(test or [])
        assert "pg_isready" in text, f"{name}: healthcheck does not run pg_isready"
        user = env_of(services[name])["POSTGRES_USER"]
        assert re.search(rf"-U\s+{re.escape(user)}\b", text), f"{name}: pg_isready not run as {user}"
    test = services["redis"].get("healthcheck", {}).get("test")
    text = test if isinstance(test, str) else " ".join(test or [])
    assert "redis-cli" in text and "ping" in text, "redis: healthcheck does not ping"


def test_admin_user_for_the_auth_manager(services):
    env = env_of(services["airflow-init"])
    auth = env.get("AIRFLOW__CORE__AUTH_MANAGER", SIMPLE_AUTH_MANAGER)
    commands = command_strings(services["airflow-init"])
    script = "\n".join(c if isinstance(c, str) else " ".join(c) for c in commands)
    if auth == SIMPLE_AUTH_MANAGER:
        declared = env.get("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS", "")
        users = dict(u.split(":")[:2] for u in declared.split(",") if ":" in u)
        assert "admin" in users.values(), "no user with the admin role in SIMPLE_AUTH_MANAGER_USERS"
        passwords = env.get("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE", "")
        assert PurePosixPath(env["OVERSIGHT_HOME"]) in PurePosixPath(passwords).parents, (
            "the passwords file must be on the shared volume so every API server sees it"
        )
        assert "SIMPLE_AUTH_MANAGER_PASSWORDS_FILE" in script, (
            "airflow-init does not write the passwords file"
        )
    else:
        assert "users create" in script, "airflow-init does not create an admin user"


def test_no_hard_coded_secrets(raw_compose):
    text = COMPOSE_FILE.read_text()
    assert not re.search(r"[A-Za-z0-9_-]{43}=", text), "a Fernet-key-like literal is in docker-compose.yml"
    blocks = {"x-airflow-common": raw_compose["x-airflow-common"], **raw_compose["services"]}
    for name, svc in blocks.items():
        for key, value in env_of(svc).items():
            if re.search(r"(PASSWORD|SECRET|TOKEN|_KEY|_AUTH)$", key):
                m = _REQUIRED_SUBST.match(value)
                assert m, f"{name}: {key}={value!r} must be a required ${{VAR:?message}} (no default)"
                assert m.group("name") in REQUIRED_SECRETS, f"{name}: {key} uses an undocumented secret"
            url = urlsplit(value) if "://" in value else None
            if url and "@" in value:
                userinfo = value.split("://", 1)[1].rsplit("@", 1)[0]
                password = userinfo.split(":", 1)[1] if ":" in userinfo else ""
                assert not password or _REQUIRED_SUBST.match(password), (
                    f"{name}: {key} has a literal or defaulted password {password!r}"
                )
    fernet = env_of(raw_compose["x-airflow-common"]).get("AIRFLOW__CORE__FERNET_KEY")
    assert fernet and _REQUIRED_SUBST.match(fernet), f"the Fernet key must be required, not {fernet!r}"


# A variable is secret-like when its name holds one of these (case-insensitive) ...
_SECRET_FRAGMENTS = ("PASSW", "PASSWD", "SECRET", "TOKEN", "FERNET", "JWT", "APIKEY", "CREDENTIAL", "PRIVATE")
# ... or has one of these as a whole `_`-separated word (so `KEY` in `API_KEY`, not in `MONKEY`).
_SECRET_WORDS = {"KEY", "PASS", "PWD", "AUTH", "SALT", "CERT"}


def is_secret_like(name: str) -> bool:
    upper = name.upper()
    return any(f in upper for f in _SECRET_FRAGMENTS) or not _SECRET_WORDS.isdisjoint(upper.split("_"))


def secret_substitutions(text: str) -> list[tuple[int, str, str]]:
    """(line number, variable, operator) of every substitution of a secret-like variable outside
    comments; the operator is '' for `${X}` / `$X`, else compose's `:-`, `-`, `:?`, `?`, `:+`, `+`."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("#"):
            continue
        for m in _SUBST.finditer(line):
            name = m.group("name") or m.group("bare")
            if name and is_secret_like(name):
                found.append((number, name, m.group("op") or ""))
    return found


def test_secret_like_names_are_recognised():
    """The detector itself, on names with known answers (so the survey below cannot go blind)."""
    for name in (
        "WAREHOUSE_PASSWORD",
        "db_passwd",
        "AIRFLOW__CORE__FERNET_KEY",
        "JWT",
        "API_KEY",
        "GITHUB_TOKEN",
        "AIRFLOW__API_AUTH__JWT_SECRET",
        "REDISCLI_AUTH",
        "PG_PASS",
    ):
        assert is_secret_like(name), name
    for name in ("AIRFLOW_ADMIN_USER", "FETCH_URL_AE", "OVERSIGHT_BUILD_LOCK_WAIT", "BI_ROLE", "MONKEYS"):
        assert not is_secret_like(name), name
    sample = "a: ${DB_PASSWORD:-changeme}\nb: ${API_TOKEN-x}\n# c: ${JWT_SECRET:-doc}\nd: $$FERNET_KEY\n"
    assert secret_substitutions(sample) == [(1, "DB_PASSWORD", ":-"), (2, "API_TOKEN", "-")]


def test_no_secret_has_a_default():
    """Every secret-like variable anywhere in the file (environment, command, URL, port) is
    `${X:?message}`: a default (`:-`, `-`) would start the stack with a password everyone knows,
    and `${X}`, `${X?...}` or `${X:+...}` would start it with an empty or literal one."""
    found = secret_substitutions(COMPOSE_FILE.read_text())
    assert found, "no secret-like substitution found at all: the detector is broken"
    wrong = [f"line {n}: ${{{name}{op}...}}" for n, name, op in found if op != ":?"]
    assert not wrong, f"secrets not required with ${{VAR:?message}}: {wrong}"
    undocumented = sorted({name for _, name, _ in found} - set(REQUIRED_SECRETS))
    assert not undocumented, f"secrets not listed in REQUIRED_SECRETS (and the README): {undocumented}"


def test_compose_refuses_to_start_without_each_secret():
    """What `docker compose config` does: a missing secret stops it, naming the variable."""
    text = COMPOSE_FILE.read_text()
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    for secret in REQUIRED_SECRETS:
        assert f"${{{secret}:?" in body, f"{secret} is not required anywhere"
        without = {k: v for k, v in COMPOSE_TEST_ENV.items() if k != secret}
        with pytest.raises(ValueError, match=re.escape(secret)):
            resolve_with(yaml.safe_load(text), without)


def test_every_secret_is_explained_in_the_header_and_the_readme():
    head = COMPOSE_FILE.read_text().split("\nx-airflow-common", 1)[0]
    readme = (REPO_ROOT / "README.md").read_text()
    for secret in REQUIRED_SECRETS:
        assert secret in head, f"the header does not show how to set {secret}"
        assert secret in readme, f"README.md does not say what {secret} is"


def test_published_ports_listen_on_localhost_unless_asked(raw_compose):
    for name, svc in raw_compose["services"].items():
        for port in svc.get("ports", []):
            resolved = interpolate(str(port), {})
            assert resolved.startswith("127.0.0.1:"), f"{name}: port {port} is published on {resolved}"


def test_a_fetch_url_setting_per_source(services):
    from oversight.sources import SOURCES

    for name in AIRFLOW_SERVICES:
        env = env_of(services[name])
        missing = {f"FETCH_URL_{s.upper()}" for s in SOURCES} - set(env)
        assert not missing, f"{name} does not pass {sorted(missing)}"


def test_docs_service_serves_the_site_dir(raw_compose, services):
    from oversight.settings import Settings

    docs = services.get("docs")
    assert docs, "no docs service"
    assert "docs" in (docs.get("profiles") or []), "docs service must be under the `docs` profile"
    assert any(str(p).rsplit(":", 1)[-1] == "8081" for p in docs.get("ports", [])), "docs not on 8081"
    home_target = env_of(services["airflow-scheduler"])["OVERSIGHT_HOME"]
    state_volume = dict((t, s) for s, t in mounts_of(services["airflow-scheduler"]))[home_target]
    docs_mounts = {s: t for s, t in mounts_of(docs)}
    assert state_volume in docs_mounts, "docs service does not mount the OVERSIGHT_HOME volume"
    s = Settings(landing_dir=Path("/l"), home=Path("/h"), bi_role="r", embedded_db="d")
    site = docs_mounts[state_volume] + "/" + str(s.site_dir.relative_to(s.home))
    command = docs.get("command")
    command = command if isinstance(command, str) else " ".join(command)
    assert site in command, f"docs service does not serve {site}"
    header = COMPOSE_FILE.read_text()
    for sub in (s.lineage_site_dir, s.data_docs_site_dir):
        assert f"/{sub.relative_to(s.site_dir)}/" in header, f"header does not document /{sub.name}/"


def test_header_explains_usage():
    head = COMPOSE_FILE.read_text().split("\n\n", 1)[0]
    assert head.startswith("#")
    assert "docker compose up -d" in head and "CI" in head and "production" in head


# ---------------------------------------------------------------------------------------------------
# docker/Dockerfile and .dockerignore
# ---------------------------------------------------------------------------------------------------


def test_dockerfile_base_image_matches_requires_python(instructions):
    from packaging.specifiers import SpecifierSet

    froms = [args for instr, args in instructions if instr == "FROM"]
    assert froms, "no FROM"
    m = re.fullmatch(r"python:(\d+\.\d+)(-slim(?:-\w+)?)?", froms[-1].split()[0])
    assert m, f"base image {froms[-1]!r} is not python:3.X[-slim]"
    assert m.group(1) == "3.11", "the project is pinned for Python 3.11"
    requires = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert f"{m.group(1)}.0" in SpecifierSet(requires)


def test_dockerfile_installs_the_lock(instructions):
    copies = dockerfile_copies(instructions)
    runs = [(i, args) for i, (instr, args) in enumerate(instructions) if instr == "RUN"]
    assert any(re.search(r"pip install[^&]*\buv==\d+\.\d+\.\d+", a) for _, a in runs), "uv is not pinned"
    syncs = [(i, a) for i, a in runs if re.search(r"\buv sync\b", a)]
    assert syncs, "no `uv sync`"
    sync_index, sync = syncs[0]
    assert "--frozen" in sync or "--locked" in sync, "uv sync must not re-resolve the lock"
    assert "--no-dev" in sync, "dev tools do not belong in the image"
    for name in ("pyproject.toml", "uv.lock"):
        dest = [i for sources, _, i in copies if name in sources]
        assert dest and dest[0] < sync_index, f"{name} is not copied before `uv sync`"
    env = dockerfile_env(instructions)
    workdir = [a for instr, a in instructions if instr == "WORKDIR"][-1]
    venv = env.get("UV_PROJECT_ENVIRONMENT", f"{workdir}/.venv")
    assert env.get("PATH", "").startswith(f"{venv}/bin:"), f"PATH does not start with {venv}/bin"


def test_dockerfile_layout_and_user(instructions):
    copies = dockerfile_copies(instructions)
    env = dockerfile_env(instructions)
    workdir = [a for instr, a in instructions if instr == "WORKDIR"][-1]
    for name in ("dags", "plugins", "dbt_project", "expectations", "sample_data", "Makefile"):
        assert copy_destination(copies, name) == f"{workdir}/{name}", (
            f"{name} is not copied to {workdir}/{name}"
        )
    assert copy_destination(copies, "plugins") in env.get("PYTHONPATH", "").split(":"), (
        "PYTHONPATH lacks plugins"
    )
    users = [a for instr, a in instructions if instr == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0"), "the image must not run as root"
    assert users[-1].split(":")[0] in ("airflow", "50000")
    useradd = re.compile(r"useradd .*--uid 50000\b.* airflow\b")
    assert any(instr == "RUN" and useradd.search(a) for instr, a in instructions), (
        "no airflow user, uid 50000"
    )


def _ignored(path: str, patterns: list[str]) -> bool:
    ignored = False
    for pat in patterns:
        negate = pat.startswith("!")
        pat = pat.lstrip("!").strip("/")
        if fnmatch.fnmatch(path, pat) or fnmatch.fnmatch(path, pat.replace("**/", "")):
            ignored = not negate
    return ignored


def test_dockerfile_copy_sources_exist_and_are_not_dockerignored(instructions):
    lines = [line.strip() for line in DOCKERIGNORE.read_text().splitlines()]
    patterns = [line for line in lines if line and not line.startswith("#")]
    for heavy in (".venv", ".git", ".local", ".tools"):
        assert _ignored(heavy, patterns), f".dockerignore does not exclude {heavy}"
    for sources, _, _ in dockerfile_copies(instructions):
        for src in sources:
            assert (REPO_ROOT / src).exists(), f"COPY {src}: not in the repository, so the build would fail"
            assert not _ignored(src.rstrip("/"), patterns), f"COPY {src}: excluded by .dockerignore"
