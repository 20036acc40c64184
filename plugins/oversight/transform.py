"""Run dbt (dbt-core's Python API) against the warehouse: build into the build schema, docs."""

from __future__ import annotations

import logging
import os
import shutil
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from oversight.settings import BUILD_SUFFIX, Settings, get_settings

if TYPE_CHECKING:
    from pathlib import Path

    from oversight.warehouse import Connection

log = logging.getLogger(__name__)


@dataclass
class DbtResult:
    command: str
    success: bool
    counts: dict[str, int] = field(default_factory=dict)  # status -> nodes
    failures: list[str] = field(default_factory=list)
    left_to_gate: int = 0  # data tests on the marts the build left to the GX marts gate

    @property
    def tests_passed(self) -> int:
        return self.counts.get("test:pass", 0)

    @property
    def tests_failed(self) -> int:
        return self.counts.get("test:fail", 0) + self.counts.get("test:error", 0)


def _invoke(
    args: list[str],
    target: Connection,
    settings: Settings,
    target_dir: Path | None = None,
    manifest: Any = None,
) -> Any:
    """dbt in-process; `manifest`: one a `parse` of the same vars returned, so dbt does not parse again."""
    from dbt.cli.main import dbtRunner

    os.environ.update(target.dbt_env())
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    full_args = [
        *args,
        "--project-dir",
        str(settings.dbt_project_dir),
        "--profiles-dir",
        str(settings.dbt_project_dir),
        "--target-path",
        str(target_dir or settings.dbt_target_dir),
        "--log-path",
        str(settings.home / "dbt" / "logs"),
        # no terminal colour codes in dbt.log or in the task logs
        "--no-use-colors",
        "--no-use-colors-file",
    ]
    if "--log-level" in args and "--log-level-file" not in args:
        # `--log-level warn` (the build's console) sets the file log's level too: keep the file at
        # info, every node's line for the engineer reading a run afterwards (rotated at 10 MB).
        # A command that sets no level keeps dbt's default file log (debug).
        full_args += ["--log-level-file", "info"]
    log.info("dbt %s", " ".join(args) if len(args) < 40 else f"{' '.join(args[:12])} ... ({len(args)} args)")
    return dbtRunner(manifest=manifest).invoke(full_args)


def compile_inline(sql: str, target: Connection, settings: Settings | None = None) -> str:
    """The SQL dbt compiles from `sql` (Jinja, macros, ref and source), e.g. a macro's output."""
    result = _invoke(["compile", "--quiet", "--inline", sql], target, settings or get_settings())
    if not result.success:
        raise RuntimeError(f"dbt compile --inline failed: {result.exception}")
    return result.result.results[0].node.compiled_code


def run_dbt(
    args: list[str],
    target: Connection,
    settings: Settings | None = None,
    target_dir: Path | None = None,
    manifest: Any = None,
) -> DbtResult:
    """Invoke dbt in-process with the warehouse connection in the environment profiles.yml reads.

    `target_dir`: dbt's target folder, by default the build's (settings.dbt_target_dir). dbt keeps
    its partial-parse state there and re-parses the whole project when the `--vars` differ from
    the last parse's (measured: `dbt parse` 7.5 s in full, 4.0 s partial, of which about 3 s is
    starting dbt). Runs with other vars (docs and unit tests, against the published schemas) use
    settings.dbt_published_target_dir, so that a scheduled run's build and docs each find their
    own state instead of re-parsing twice a run."""
    result = _invoke(args, target, settings or get_settings(), target_dir, manifest)
    counts: Counter[str] = Counter()
    failures: list[str] = []
    nodes = getattr(result.result, "results", None) or []
    for node_result in nodes:
        node = node_result.node
        kind = "test" if node.resource_type in ("test", "unit_test") else str(node.resource_type)
        status = str(node_result.status).lower().split(".")[-1]
        counts[f"{kind}:{status}"] += 1
        if status in ("fail", "error"):
            failures.append(f"{node.resource_type} {node.name}: {node_result.message}")
    if result.exception is not None:
        failures.append(f"dbt {args[0]} raised: {result.exception}")
    return DbtResult(
        command=" ".join(args), success=bool(result.success), counts=dict(counts), failures=failures
    )


RULE_PATHS = ("model-paths", "macro-paths", "seed-paths", "snapshot-paths", "test-paths")


def project_parts(root: Path) -> list[str]:
    """dbt_project.yml and the folders it names for what a build runs (models, macros, seeds,
    snapshots, tests; not analyses), as dbt_project.yml declares them."""
    import yaml

    project = yaml.safe_load((root / "dbt_project.yml").read_text())
    return ["dbt_project.yml", *(folder for key in RULE_PATHS for folder in project.get(key, []))]


def project_fingerprint(settings: Settings | None = None) -> str:
    """sha256 of the dbt project's files (models, macros, seeds, snapshots, tests, dbt_project.yml)
    and of the installed dbt versions: the rules an incremental model's state was built by. A build
    reuses published incremental state only when this is unchanged (oversight.build_schemas.prepare),
    and the RTT and cancer staging tests skip the loads in their state (macro get_where_subquery).
    Hidden files and editor backups (`.name`, `name~`) are not rules and are left out."""
    import hashlib
    from importlib.metadata import version

    root = (settings or get_settings()).dbt_project_dir
    digest = hashlib.sha256()
    for package in ("dbt-core", "dbt-adapters", "dbt-postgres"):
        digest.update(f"{package}=={version(package)}\0".encode())
    for part in project_parts(root):
        path = root / part
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            name = file.relative_to(root).as_posix()
            if file.is_file() and not any(p.startswith(".") or p.endswith("~") for p in name.split("/")):
                digest.update(file.relative_to(root).as_posix().encode() + b"\0")
                digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def build_vars(project_sha256: str) -> str:
    """The `--vars` of every build: its schemas' suffix and the project's fingerprint."""
    return f"{{build_suffix: '{BUILD_SUFFIX}', project_sha256: '{project_sha256}'}}"


def build(
    target: Connection,
    settings: Settings | None = None,
    project_sha256: str | None = None,
) -> DbtResult:
    """dbt build (seeds, models, snapshots, tests), every schema written as `<schema>__build`.
    Call it holding oversight.build_lock (first stage): that drops stale build schemas, copies the
    published snapshot history into snapshots__build, which the snapshot appends to, and the
    published incremental state of this project (unless OVERSIGHT_FULL_REFRESH).

    The build schemas start empty, so seeds and tables are always created whole; only the
    incremental models (int_rtt__metric_values, int_cancer__tested_loads) build on the state
    copied in, and OVERSIGHT_FULL_REFRESH passes `--full-refresh` (prepare copied no state either).

    Unit tests are left out (`--exclude-resource-type unit_test`), as dbt advises for production:
    they test the SQL's logic on fixed inputs, not the data, so their answer cannot change from one
    load to the next; `make test` runs them (`unit_tests`, tests/test_dbt_unit_tests.py). They were
    37 of the 518 nodes and about a fifth of a build's dbt time (21 of 88 thread-seconds).

    The data tests on the marts that the GX gate checks are left out too (`gated_tests`): the gate
    runs the same rules on the same tables before anything is published, so the build ran each of
    them twice. dbt parses first (the manifest it returns is handed to the build, which does not
    parse again) so that the tests left out are those of this project as it is now."""
    settings = settings or get_settings()
    project_sha256 = project_sha256 or project_fingerprint(settings)
    variables = ["--vars", build_vars(project_sha256)]
    parsed = _invoke(["parse", "--log-level", "warn", *variables], target, settings)
    if not parsed.success:
        raise RuntimeError(f"dbt parse failed; nothing is published: {parsed.exception}")
    gated = gated_tests(settings)
    result = run_dbt(
        [
            "build",
            *(["--full-refresh"] if settings.full_refresh else []),
            "--exclude-resource-type",
            "unit_test",
            *(["--exclude", *gated] if gated else []),
            "--log-level",
            "warn",
            *variables,
        ],
        target,
        settings,
        manifest=parsed.result,
    )
    if not result.success:
        raise RuntimeError("dbt build failed; nothing is published:\n" + "\n".join(result.failures))
    result.left_to_gate = len(gated)
    return result


def gated_tests(settings: Settings) -> list[str]:
    """The names of the dbt tests on the marts that the GX marts gate checks (from the manifest in
    the build's target folder): selectors for `dbt build --exclude`."""
    from oversight.dbt_manifest import mart_declarations
    from oversight.gate.derived import gated_test_ids

    return sorted(uid.split(".")[2] for uid in gated_test_ids(mart_declarations(settings)))


def run_dbt_on_published(args: list[str], target: Connection, settings: Settings) -> DbtResult:
    """A dbt command against the published schemas (`build_suffix` empty), in their own target
    folder (settings.dbt_published_target_dir): the vars and the folder go together (run_dbt)."""
    return run_dbt(
        [*args, "--vars", "{build_suffix: ''}"], target, settings, settings.dbt_published_target_dir
    )


def unit_tests(target: Connection, settings: Settings | None = None) -> DbtResult:
    """Every dbt unit test, on fixed inputs, against the published schemas (dbt reads only their
    column types). What `make test` runs in place of running them in every production build."""
    return run_dbt_on_published(
        ["test", "--select", "test_type:unit", "--log-level", "warn"], target, settings or get_settings()
    )


def generate_docs(target: Connection, settings: Settings | None = None) -> str:
    """dbt docs for the published marts, as one static page under OVERSIGHT_HOME/site/lineage/."""
    settings = settings or get_settings()
    result = run_dbt_on_published(["docs", "generate", "--log-level", "warn", "--static"], target, settings)
    if not result.success:
        raise RuntimeError("dbt docs generate failed:\n" + "\n".join(result.failures))
    settings.lineage_site_dir.mkdir(parents=True, exist_ok=True)
    for name in ("static_index.html", "manifest.json", "catalog.json"):
        source = settings.dbt_published_target_dir / name
        if source.exists():
            shutil.copy2(
                source, settings.lineage_site_dir / ("index.html" if name == "static_index.html" else name)
            )
    return str(settings.lineage_site_dir / "index.html")
