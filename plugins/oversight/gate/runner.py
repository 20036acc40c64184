"""Run one gate with Great Expectations: file context, one datasource per run, one checkpoint per suite.

A run:
1. opens the GX file context rooted at ``expectations/`` (read-only config, see ``GateDataContext``)
   and points its Data Docs site at ``settings.data_docs_site_dir``;
2. writes the group's suites from ``suites.py`` to the context (only those that changed);
3. finds which suites can run: tables missing from the schema are reported by the group's
   ``schema`` suite and their own suites are skipped; raw suites with ``load_ids`` skip tables that
   have no rows of those loads;
4. adds a SQL datasource named after the group, database and run, one asset per suite (the table,
   an unlogged copy of its rows of the given loads holding the columns it checks, or the suite's
   SELECT), a validation definition and a checkpoint per suite (the result format names the
   suite's key columns, so failures come with offending rows);
5. runs the checkpoints under one run id, so that GX stores the results together, then builds
   Data Docs for them;
6. removes the run's checkpoints, validation definitions, datasource and batch copies.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import re
import shutil
import threading
import uuid
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from oversight.errors import GateFailedError
from oversight.gate._gx import import_gx
from oversight.gate.report import MAX_EXAMPLES, GateReport, failure_message, failures_from_result
from oversight.gate.suites import SUITE_GROUPS, TableContract, contracts_for
from oversight.settings import (
    BUILD_SCHEMA,
    DBT_PROJECT_DIR,
    EXPECTATIONS_DIR,
    RAW_SCHEMA,
    Settings,
    get_settings,
)

if TYPE_CHECKING:
    from oversight.warehouse import Connection

log = logging.getLogger(__name__)

GX_DIR = EXPECTATIONS_DIR / "gx"
SITE_NAME = "oversight_data_docs"
DEFAULT_SCHEMAS = {"raw": RAW_SCHEMA, "marts": BUILD_SCHEMA}
BATCH_SCHEMA = "gate_batches"  # a raw gate's narrow copies of its batch (_narrow_batches), dropped after it
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")  # unquoted PostgreSQL name
# GX keeps a process-wide "current" context; one gate run at a time per process.
_RUN_LOCK = threading.Lock()


def run_gate(
    suite_group: str,
    target: Connection,
    schema: str | None = None,
    load_ids: list[int] | None = None,
    settings: Settings | None = None,
) -> GateReport:
    if suite_group not in SUITE_GROUPS:
        raise ValueError(f"unknown suite group {suite_group!r}; known: {', '.join(SUITE_GROUPS)}")
    schema = schema or DEFAULT_SCHEMAS[suite_group]
    if not _IDENTIFIER.match(schema):
        raise ValueError(f"schema must be a plain lower-case identifier, got {schema!r}")
    load_ids = None if load_ids is None else sorted({int(i) for i in load_ids})
    settings = settings or get_settings()

    with _RUN_LOCK:
        report = _run(suite_group, target, schema, load_ids, settings)
    if report.success:
        log.info(
            "GX gate %r passed on %s: %d expectations (%s)",
            suite_group,
            schema,
            report.evaluated,
            report.data_docs_index,
        )
        return report
    log.error("%s", report.summary())
    error = GateFailedError(report.summary())
    error.report = report  # type: ignore[attr-defined]
    raise error


def write_suites(suite_groups: tuple[str, ...] = SUITE_GROUPS) -> list[str]:
    """Write the suites of ``suites.py`` to ``expectations/gx/expectations`` (no database needed)."""
    with _RUN_LOCK:
        settings = get_settings()
        context = open_context(settings)
        return [
            _sync_suite(context, c).name for group in suite_groups for c in contracts_for(group, settings)
        ]


# ---- the GX context ----------------------------------------------------------------------------
@functools.cache
def _context_class() -> type:
    from great_expectations.data_context import FileDataContext

    class GateDataContext(FileDataContext):
        """A FileDataContext whose great_expectations.yml is read, never written back.

        Stock GX rewrites the yml for every datasource, asset and Data Docs site it is told about.
        The gate's are per run and live in memory only: parallel runs do not race on the file
        (GX issue #8294) and no connection URL lands in git.
        """

        def _save_project_config(self) -> None:
            return None

    return GateDataContext


def gx_root(settings: Settings) -> Path:
    """The GX file context's folder: the repository's (``expectations/gx``, whose suites are the
    committed record of the repository's rules) for the repository's dbt project; for another dbt
    project (``DBT_PROJECT_DIR``, e.g. a copy with edited rules) a folder of its own under
    ``OVERSIGHT_HOME``, with the same ``great_expectations.yml``. The suites are derived from the
    dbt project at run time, so two rule sets sharing one store rewrote each other's suites: a
    run found its suite "changed since it has last been saved" and failed its gate (two test passes
    at once), or could have validated with the other project's rules."""
    if settings.dbt_project_dir.resolve() == DBT_PROJECT_DIR.resolve():
        return GX_DIR
    root = settings.home / "gx"
    if not (root / "great_expectations.yml").is_file():
        root.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(GX_DIR / "great_expectations.yml", root / "great_expectations.yml")
    return root


def open_context(settings: Settings) -> Any:
    """The gate's GX file context (``gx_root``), made current, with Data Docs going to
    ``settings.data_docs_site_dir``."""
    import_gx()
    from great_expectations.data_context import set_context

    context = _context_class()(context_root_dir=str(gx_root(settings)))
    set_context(context)
    site = json.loads(json.dumps(context.list_data_docs_sites()[SITE_NAME]))
    site["store_backend"]["base_directory"] = str(settings.data_docs_site_dir)
    context.update_data_docs_site(SITE_NAME, site)
    return context


def _expectation_key(expectation: Any) -> str:
    config = expectation.configuration.to_json_dict()
    config.pop("id", None)
    return json.dumps(config, sort_keys=True, default=str)


def _sync_suite(context: Any, contract: TableContract) -> Any:
    """The stored suite, rewritten only when ``suites.py`` changed it (expectation ids stay stable)."""
    gx = import_gx()
    from great_expectations.exceptions import DataContextError

    desired = gx.ExpectationSuite(
        name=contract.suite_name, expectations=contract.expectations, notes=contract.notes
    )
    try:
        existing = context.suites.get(contract.suite_name)
    except DataContextError:
        existing = None
    if existing is not None:
        stored = [_expectation_key(e) for e in existing.expectations]
        if stored == [_expectation_key(e) for e in desired.expectations] and existing.notes == desired.notes:
            return existing
        ids = {_expectation_key(e): e.id for e in existing.expectations}
        for expectation in desired.expectations:
            expectation.id = ids.get(_expectation_key(expectation))
    log.info("writing expectation suite %s", contract.suite_name)
    return context.suites.add_or_update(desired)


# ---- one run -----------------------------------------------------------------------------------
def _plan(
    target: Connection, schema: str, contracts: list[TableContract], load_ids: list[int] | None
) -> tuple[list[TableContract], list[str]]:
    """The suites that can run, and why the others are skipped."""
    import psycopg
    from psycopg import sql

    runnable, skipped = [], []
    with psycopg.connect(target.conninfo) as conn:
        existing = {
            row[0]
            for row in conn.execute(
                "select table_name from information_schema.tables where table_schema = %s", (schema,)
            )
        }
        for contract in contracts:
            missing = [t for t in contract.required_tables if t not in existing]
            if missing:
                tables = ", ".join(f"{schema}.{t}" for t in missing)
                skipped.append(f"{contract.suite_name}: table(s) {tables} missing")
                continue
            if contract.by_load and load_ids is not None:
                rows = conn.execute(
                    sql.SQL("select count(*) from {}.{} where _load_id = any(%s)").format(
                        sql.Identifier(schema), sql.Identifier(contract.table)
                    ),
                    (load_ids,),
                ).fetchone()[0]
                if not rows:
                    loads = ", ".join(map(str, load_ids))
                    skipped.append(f"{contract.suite_name}: no rows of load(s) {loads}")
                    continue
            runnable.append(contract)
    return runnable, skipped


def _add_datasource(context: Any, name: str, target: Connection, schema: str) -> Any:
    """A generic SQL datasource (``add_postgres`` refuses unix-socket URLs) whose sessions have
    ``search_path = schema``: table assets need no (deprecated) ``schema_name``."""
    from great_expectations.datasource.fluent.interfaces import GxDatasourceWarning

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=GxDatasourceWarning)  # "use PostgresDatasource"
        return context.data_sources.add_sql(
            name=name,
            connection_string=target.sqlalchemy_url,
            create_temp_table=False,
            kwargs={"connect_args": {"options": f"-c search_path={schema}"}},
        )


_SQL_LITERAL = re.compile(r"'(?:[^']|'')*'")


def _percent_free(query: str) -> str:
    """The query with each ``%`` of a string literal spelled ``chr(37)``: GX compiles a query asset
    for the psycopg driver, where a literal ``'%'`` reaches PostgreSQL as ``'%%'`` (so a derived
    dbt expression such as ``unit <> '%'`` would hold on every row)."""

    def spell(match: re.Match[str]) -> str:
        literal = match.group(0)
        if "%" not in literal:
            return literal
        parts = literal[1:-1].split("%")
        return "(" + " || chr(37) || ".join(f"'{part}'" for part in parts) + ")"

    return _SQL_LITERAL.sub(spell, query)


def _add_asset(datasource: Any, contract: TableContract, schema: str, batch: str | None) -> Any:
    """The suite's SELECT, else its batch's narrow copy (raw suites on given loads, _narrow_batches),
    else the whole table."""
    if contract.query:
        query = _percent_free(contract.query.format(schema=schema))
        return datasource.add_query_asset(name=contract.name, query=query)
    if batch is not None:
        return datasource.add_query_asset(name=contract.name, query=f"select * from {batch}")
    return datasource.add_table_asset(name=contract.name, table_name=contract.table)


def _columns_checked(contract: TableContract, columns: list[str]) -> list[str]:
    """The table's columns that the suite's expectations and failure examples name, in table
    order; every column when an expectation has a row condition written as text."""
    named = set(contract.key_columns)

    def walk(value: Any) -> None:
        if isinstance(value, str):
            named.add(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)

    for expectation in contract.expectations:
        kwargs = expectation.configuration.to_json_dict()["kwargs"]
        if isinstance(kwargs.get("row_condition"), str):
            return columns
        walk(kwargs)
    return [c for c in columns if c in named]


def _narrow_batches(
    target: Connection, schema: str, contracts: list[TableContract], load_ids: list[int], token: str
) -> dict[str, str]:
    """For each raw suite on a batch of loads: an unlogged copy of the batch's rows holding only
    the columns the suite checks (``gate_batches.<table>__<token>``), which the suite then reads.

    Measured reason: a raw table's metadata columns come after the publisher's (RTT: 121), and
    PostgreSQL decodes a row's columns up to the last one a query needs, so each of the RTT
    suite's 30 queries decoded every column of the month's 180,781 rows (5.3 s of a 13.5 s gate
    on a 2-core machine). The copy decodes them once. A copy another run left behind (a killed
    process) is dropped first: a source's raw gate runs under its source lock."""
    import psycopg
    from psycopg import sql

    batches: dict[str, str] = {}
    with psycopg.connect(target.conninfo, autocommit=True) as conn:
        conn.execute(f"create schema if not exists {BATCH_SCHEMA}")
        for contract in contracts:
            if not contract.by_load or contract.query:
                continue
            stale = conn.execute(
                "select tablename from pg_tables where schemaname = %s and tablename like %s",
                (BATCH_SCHEMA, contract.table.replace("_", r"\_") + r"\_\_%"),
            ).fetchall()
            for (name,) in stale:
                conn.execute(
                    sql.SQL("drop table if exists {}.{}").format(
                        sql.Identifier(BATCH_SCHEMA), sql.Identifier(name)
                    )
                )
            columns = [
                r[0]
                for r in conn.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = %s and table_name = %s order by ordinal_position",
                    (schema, contract.table),
                )
            ]
            name = f"{contract.table}__{token}"
            conn.execute(
                sql.SQL(
                    "create unlogged table {}.{} as select {} from {}.{} where _load_id = any(%s)"
                ).format(
                    sql.Identifier(BATCH_SCHEMA),
                    sql.Identifier(name),
                    sql.SQL(", ").join(map(sql.Identifier, _columns_checked(contract, columns))),
                    sql.Identifier(schema),
                    sql.Identifier(contract.table),
                ),
                (load_ids,),
            )
            batches[contract.name] = f"{BATCH_SCHEMA}.{name}"
    return batches


def _drop_batches(target: Connection, batches: dict[str, str]) -> None:
    import psycopg

    if not batches:
        return
    try:
        with psycopg.connect(target.conninfo, autocommit=True) as conn:
            for table in batches.values():
                conn.execute(f"drop table if exists {table}")
    except psycopg.Error:  # cleanup must not hide the run's outcome; the next run drops them
        log.warning("could not drop the gate's batch tables %s", ", ".join(batches.values()), exc_info=True)


def _result_format(contract: TableContract) -> dict[str, Any]:
    result_format: dict[str, Any] = {"result_format": "SUMMARY", "partial_unexpected_count": MAX_EXAMPLES}
    if contract.key_columns:
        result_format["unexpected_index_column_names"] = list(contract.key_columns)
    return result_format


def _table_label(contract: TableContract, schema: str) -> str:
    if contract.table == "information_schema.tables":
        return f"information_schema.tables[table_schema = {schema}]"
    return f"{schema}.{contract.table}"


def _run(
    suite_group: str, target: Connection, schema: str, load_ids: list[int] | None, settings: Settings
) -> GateReport:
    gx = import_gx()
    from great_expectations.checkpoint.checkpoint import Checkpoint
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

    context = open_context(settings)
    contracts = contracts_for(suite_group, settings)
    suites = {c.suite_name: _sync_suite(context, c) for c in contracts}
    runnable, skipped = _plan(target, schema, contracts, load_ids)

    token = uuid.uuid4().hex[:8]
    run_name = f"{suite_group}_gate__{target.dbname}__{schema}__{token}"
    run_id = RunIdentifier(run_name=run_name, run_time=dt.datetime.now(dt.UTC))
    datasource = _add_datasource(context, f"{suite_group}__{target.dbname}__{token}", target, schema)
    batches: dict[str, str] = {}
    checkpoints: list[str] = []
    validation_definitions: list[str] = []
    result_ids: list[Any] = []
    evaluated = passed = failed = 0
    failures: list[dict[str, Any]] = []
    try:
        if load_ids is not None:
            batches = _narrow_batches(target, schema, runnable, load_ids, token)
        for contract in runnable:
            table = _table_label(contract, schema)
            try:
                asset = _add_asset(datasource, contract, schema, batches.get(contract.name))
                batch_definition = asset.add_batch_definition_whole_table("whole")
                name = f"{contract.suite_name}__{token}"
                suite = suites[contract.suite_name]
                validation = context.validation_definitions.add(
                    gx.ValidationDefinition(name=name, data=batch_definition, suite=suite)
                )
                validation_definitions.append(name)
                checkpoint = context.checkpoints.add(
                    Checkpoint(
                        name=name,
                        validation_definitions=[validation],
                        result_format=_result_format(contract),
                        actions=[],
                    )
                )
                checkpoints.append(name)
                outcome = checkpoint.run(run_id=run_id)
            except Exception as error:  # the gate fails closed, naming the suite that could not run
                log.exception("GX suite %s could not run on %s", contract.suite_name, table)
                failure = {
                    "expectation": "(suite run)",
                    "suite": contract.suite_name,
                    "table": table,
                    "column": None,
                    "columns": [],
                    "parameters": "",
                    "description": None,
                    "unexpected_count": None,
                    "element_count": None,
                    "observed_value": None,
                    "example_rows": [],
                    "error": f"{type(error).__name__}: {error}",
                }
                failure["message"] = failure_message(failure)
                failures.append(failure)
                evaluated += 1
                failed += 1
                continue
            for result_id, result in outcome.run_results.items():
                result_ids.append(result_id)
                stats = result.statistics
                evaluated += stats["evaluated_expectations"]
                passed += stats["successful_expectations"]
                failed += stats["unsuccessful_expectations"]
                failures.extend(failures_from_result(result.to_json_dict(), table))
        index = _build_data_docs(
            context, settings, result_ids, [ExpectationSuiteIdentifier(name=n) for n in suites]
        )
    finally:
        _cleanup(context, datasource, checkpoints, validation_definitions)
        _drop_batches(target, batches)

    return GateReport(
        suite_group=suite_group,
        success=not failures and failed == 0,
        evaluated=evaluated,
        passed=passed,
        failed=failed,
        failures=failures,
        data_docs_index=index,
        schema=schema,
        run_name=run_name,
        load_ids=load_ids,
        suites_validated=[c.suite_name for c in runnable],
        skipped=skipped,
    )


def _build_data_docs(context: Any, settings: Settings, result_ids: list[Any], suite_ids: list[Any]) -> str:
    """Render this run's pages and the index; the first build of a site renders everything stored."""
    index = settings.data_docs_site_dir / "index.html"
    if index.exists():
        context.build_data_docs(site_names=[SITE_NAME], resource_identifiers=[*suite_ids, *result_ids])
    else:
        context.build_data_docs(site_names=[SITE_NAME])
    return str(index)


def _cleanup(
    context: Any, datasource: Any, checkpoints: list[str], validation_definitions: list[str]
) -> None:
    for name in checkpoints:
        try:
            context.checkpoints.delete(name)
        except Exception:  # cleanup must not hide the run's outcome
            log.warning("could not delete GX checkpoint %s", name, exc_info=True)
    for name in validation_definitions:
        try:
            context.validation_definitions.delete(name)
        except Exception:
            log.warning("could not delete GX validation definition %s", name, exc_info=True)
    try:
        datasource.get_engine().dispose()
    except Exception:
        log.debug("could not dispose the GX engine", exc_info=True)
    try:
        context.data_sources.delete(datasource.name)
    except Exception:
        log.warning("could not delete GX datasource %s", datasource.name, exc_info=True)
