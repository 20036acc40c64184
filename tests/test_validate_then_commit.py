"""Validate, then commit (issue 10): a load is committed `pending` and dbt sees its rows only once the
raw Great Expectations suite passed; a crash between the COPY commit and the suite leaves the load
pending, and the rerun validates it (never counts it done); a refused load leaves only its manifest
row and the quarantine; two runs of one source never load a file twice (the second waits, bounded).

Real PostgreSQL (fresh_db), real GX, real dbt: the two staging views are built once by `dbt run`,
then queried as the data changes underneath them. The crashes: the load step run alone, and the
load and validate tasks run as a process of their own, killed with SIGKILL at a chosen point of the
raw validation (`oversight.faultpoints`); two such processes also run one source at once.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest

from conftest import REPO_ROOT, copy_sample
from oversight import loader, source_lock, summary, tasks, transform, warehouse
from oversight.errors import GateFailedError

pytestmark = pytest.mark.faults

AE_FILE = "Monthly-AE-June-2024.csv"  # 198 rows: 197 organisations and the TOTAL row
ODS_FILE = "etr_2025-Q1.csv"  # 210 trusts


def query(target: warehouse.Connection, sql: str, params: tuple = ()) -> list[tuple]:
    with warehouse.connect(target) as conn:
        return conn.execute(sql, params).fetchall()


def manifest(target: warehouse.Connection) -> list[tuple]:
    return query(
        target, "select file_name, status, validation, rows_loaded from raw.load_manifest order by load_id"
    )


@pytest.fixture
def settings(fresh_db: warehouse.Connection, landing: Path, settings_for, tmp_path: Path):  # noqa: ANN001, ANN201
    return settings_for(landing).model_copy(update={"home": tmp_path / "home"})


def staging_views(target: warehouse.Connection, settings) -> None:  # noqa: ANN001
    """The real staging model of A&E and the loads it reads, as views in staging__build."""
    result = transform.run_dbt(
        ["run", "--select", "stg_warehouse__loads", "stg_ae__provider_monthly"],
        target,
        settings,
    )
    assert result.success, result.failures


def test_a_pending_load_is_invisible_to_dbt_and_the_rerun_validates_it(
    fresh_db: warehouse.Connection, landing: Path, settings
) -> None:  # noqa: ANN001
    copy_sample("ae", AE_FILE, landing)
    # the crash: the load step commits, the raw suite never runs
    [first] = loader.ingest_source("ae", fresh_db, settings)
    assert (first.status, first.rows_loaded) == ("loaded", 198)
    assert manifest(fresh_db) == [(AE_FILE, "loaded", "pending", 198)]
    assert query(fresh_db, "select count(*) from raw.ae_monthly") == [(198,)]

    staging_views(fresh_db, settings)
    visible = "select count(*) from staging__build.stg_ae__provider_monthly"
    assert query(fresh_db, visible) == [(0,)]
    # the macro itself, as dbt compiles it for every staging model (the TOTAL row included)
    macro = transform.compile_inline("{{ validated_rows('ae_monthly') }}", fresh_db, settings)
    through_macro = f"select count(*) from {macro}"
    assert query(fresh_db, through_macro) == [(0,)]
    assert query(fresh_db, "select count(*) from staging__build.stg_warehouse__loads") == [(0,)]

    # the rerun: the pending load is neither reloaded nor counted done; its raw suite runs now
    results = loader.results_as_dicts(loader.ingest_source("ae", fresh_db, settings))
    assert [(r["status"], r["load_id"]) for r in results] == [("pending", first.load_id)]
    assert query(fresh_db, "select count(*) from raw.ae_monthly") == [(198,)]
    report = tasks.validate_raw("ae", results, settings, fresh_db)
    assert report["success"] and report["passed"] == report["evaluated"] > 0
    assert report["load_ids"] == [first.load_id]
    assert manifest(fresh_db) == [(AE_FILE, "loaded", "validated", 198)]
    assert query(fresh_db, visible) == [(197,)]  # the TOTAL row stays in raw
    assert query(fresh_db, through_macro) == [(198,)]

    # validated: now it is done
    assert [r.status for r in loader.ingest_source("ae", fresh_db, settings)] == ["duplicate"]
    assert tasks.validate_raw("ae", [], settings, fresh_db)["skipped"] == "no new loads"


LOAD_AND_VALIDATE = (
    "import json; from oversight import tasks; results = tasks.load_source('ae'); "
    "report = tasks.validate_raw('ae', results); "
    "print('RESULT', json.dumps({'loads': results, 'validation': report}, default=str), flush=True)"
)


def run_ae_task(target: warehouse.Connection, settings, **extra: str) -> subprocess.Popen:  # noqa: ANN001
    """The ingestion DAG's load and validate tasks for A&E, in a process of their own (as an Airflow
    worker runs them), so that the test can kill it with SIGKILL."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO_ROOT / "plugins"), os.environ.get("PYTHONPATH", "")]),
        "WAREHOUSE_URL": target.url,
        "OVERSIGHT_HOME": str(settings.home),
        "LANDING_DIR": str(settings.landing_dir),
        "GX_ANALYTICS_ENABLED": "False",
        **extra,
    }
    return subprocess.Popen(
        [sys.executable, "-c", LOAD_AND_VALIDATE],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_for_no_sessions(target: warehouse.Connection) -> None:
    """Until the server has ended the killed process's sessions (it notices the closed socket at
    once, but ends the backend asynchronously), at most 30 s."""
    others = (
        "select count(*) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()"
    )
    deadline = time.monotonic() + 30
    while query(target, others) != [(0,)]:
        assert time.monotonic() < deadline, query(
            target, "select application_name, state from pg_stat_activity"
        )
        time.sleep(0.1)


def task_result(output: str) -> dict:
    """The loads and the validation report a `run_ae_task` process printed."""
    [line] = [line for line in output.splitlines() if line.startswith("RESULT ")]
    return json.loads(line.removeprefix("RESULT "))


@pytest.mark.parametrize(
    "point",
    [
        "raw_copy",  # the rows copied, the load's transaction not committed
        "raw_validate",  # the lock held and the pending loads listed, the suite not yet run
        "raw_validated",  # the suite passed, the loads not yet marked validated
    ],
)
def test_kill_9_during_the_load_or_its_validation_leaves_nothing_visible_and_the_rerun_converges(
    fresh_db: warehouse.Connection, landing: Path, settings, tmp_path: Path, point: str
) -> None:  # noqa: ANN001
    copy_sample("ae", AE_FILE, landing)
    pause = tmp_path / "paused"
    run = run_ae_task(fresh_db, settings, OVERSIGHT_PAUSE_AT=point, OVERSIGHT_PAUSE_FILE=str(pause))
    deadline = time.monotonic() + 300
    while not pause.exists():
        assert run.poll() is None, f"the task ended before {point}: {run.stdout.read()[-3000:]}"
        assert time.monotonic() < deadline, f"timed out waiting for {point}"
        time.sleep(0.2)
    # the source's lock is held by the paused task
    # this database's advisory locks only: on a shared server, Airflow's scheduler (another test
    # pass's metadata database) holds advisory locks of its own
    holders = (
        "select count(*) > 0 from pg_locks where locktype = 'advisory' and granted "
        "and database = (select oid from pg_database where datname = current_database())"
    )
    assert query(fresh_db, holders) == [(True,)]
    os.kill(run.pid, signal.SIGKILL)
    assert run.wait(timeout=30) == -signal.SIGKILL
    run.stdout.close()
    committed = point != "raw_copy"

    if committed:  # committed, never validated: pending, and not one of its rows visible to dbt
        assert manifest(fresh_db) == [(AE_FILE, "loaded", "pending", 198)]
    else:  # the server rolled the COPY back with the dead session: no manifest row, no raw row
        wait_for_no_sessions(fresh_db)
        assert manifest(fresh_db) == []
        assert query(fresh_db, "select count(*) from raw.ae_monthly") == [(0,)]
    staging_views(fresh_db, settings)
    visible = "select count(*) from staging__build.stg_ae__provider_monthly"
    assert query(fresh_db, visible) == [(0,)]
    assert query(fresh_db, "select count(*) from staging__build.stg_warehouse__loads") == [(0,)]
    wait_for_no_sessions(fresh_db)
    assert query(fresh_db, holders) == [(False,)]  # the locks died with the process
    if committed:  # and the summary says so: not loaded, pending validation
        state = summary.collect(settings.model_copy(update={"warehouse_url": fresh_db.url}))
        assert state["sources"]["ae"] == {"files": 0, "rows": 0, "quarantined": 0, "pending": 1}
        [landing_line, title, line] = summary._landing_lines(state["landing"], landing)
        assert "1 pending validation; every file accounted for" in landing_line
        assert title.startswith("  PENDING VALIDATION") and line.startswith(f"    ae: ae/{AE_FILE}")

    # the rerun, the same tasks untouched: the pending load is validated, never loaded twice
    rerun = run_ae_task(fresh_db, settings)
    output, _ = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, output[-3000:]
    result = task_result(output)
    [load_id] = [r[0] for r in query(fresh_db, "select load_id from raw.load_manifest")]
    rerun_status = "pending" if committed else "loaded"
    assert [(r["status"], r["load_id"]) for r in result["loads"]] == [(rerun_status, load_id)]
    report = result["validation"]
    assert report["load_ids"] == [load_id]
    assert report["success"] and report["passed"] == report["evaluated"] > 0
    assert report["lock_waited_for"] is None  # a dead holder holds nothing
    assert manifest(fresh_db) == [(AE_FILE, "loaded", "validated", 198)]
    assert query(fresh_db, "select count(*), count(distinct (org_code, period)) from raw.ae_monthly") == [
        (198, 198)
    ]
    assert query(fresh_db, visible) == [(197,)]  # the TOTAL row stays in raw


def test_two_runs_of_a_source_at_once_load_the_file_once_and_validate_it_once(
    fresh_db: warehouse.Connection, landing: Path, settings
) -> None:  # noqa: ANN001
    copy_sample("ae", AE_FILE, landing)
    runs = [run_ae_task(fresh_db, settings) for _ in range(2)]
    outputs = [run.communicate(timeout=300)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [o[-2000:] for o in outputs]
    results = [task_result(o) for o in outputs]
    statuses = sorted(r["loads"][0]["status"] for r in results)
    [load_id] = [r[0] for r in query(fresh_db, "select load_id from raw.load_manifest")]
    # one loaded it; the other waited for the source's lock, then found it done or pending
    assert statuses[0] == "duplicate" or statuses == ["loaded", "pending"], statuses
    assert "loaded" in statuses
    validations = [r["validation"] for r in results]
    assert sorted(v.get("skipped", "ran") for v in validations) == ["no new loads", "ran"]
    assert [v["load_ids"] for v in validations if "skipped" not in v] == [[load_id]]
    assert manifest(fresh_db) == [(AE_FILE, "loaded", "validated", 198)]
    assert query(fresh_db, "select count(*) from raw.ae_monthly") == [(198,)]


def test_a_refused_load_leaves_only_its_manifest_row_and_the_quarantine(
    fresh_db: warehouse.Connection, landing: Path, settings
) -> None:  # noqa: ANN001
    bad = landing / "ae" / AE_FILE
    copy_sample("ae", AE_FILE, landing)
    # passes the loader's contract (a count, once stripped), breaks the raw suite: counts are
    # stored as published and must match ^\d+(\.\d+)?$
    bad.write_text(bad.read_text().replace(",24223,", ", 24223,", 1))
    results = loader.results_as_dicts(loader.ingest_source("ae", fresh_db, settings))
    assert [(r["status"], r["rows_loaded"]) for r in results] == [("loaded", 198)]

    with pytest.raises(GateFailedError, match="attendances_type1"):
        tasks.validate_raw("ae", results, settings, fresh_db)
    assert query(fresh_db, "select count(*) from raw.ae_monthly") == [(0,)]
    [(status, validation, rows, message)] = query(
        fresh_db, "select status, validation, rows_loaded, message from raw.load_manifest"
    )
    assert (status, validation, rows) == ("quarantined", "rejected", 0)
    assert message.startswith("raw gate failed:") and "attendances_type1" in message
    quarantined = settings.quarantine_dir / "ae" / AE_FILE
    assert quarantined.read_bytes() == bad.read_bytes()
    assert '"rule": "raw_gate"' in quarantined.with_name(AE_FILE + ".reason.txt").read_text()

    # the rerun neither reloads nor revalidates it
    assert [r.status for r in loader.ingest_source("ae", fresh_db, settings)] == ["previously_quarantined"]
    assert tasks.validate_raw("ae", [], settings, fresh_db)["skipped"] == "no new loads"


def test_bootstrap_of_a_complete_warehouse_locks_no_table_a_load_holds(
    fresh_db: warehouse.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another run's load of a source holds ROW EXCLUSIVE on its raw table (COPY) and SHARE UPDATE
    EXCLUSIVE on the manifest (ANALYZE); a run starting meanwhile bootstraps without waiting for
    either (its DDL, even `if not exists`, and `comment on` would: the two runs deadlocked)."""
    loading = psycopg.connect(fresh_db.conninfo)
    try:
        loading.execute("lock table raw.ae_monthly in row exclusive mode")
        loading.execute("lock table raw.load_manifest in share update exclusive mode")
        loading.execute("lock table raw.decisions in share update exclusive mode")
        monkeypatch.setenv("PGOPTIONS", "-c lock_timeout=2s")  # waiting fails, never hangs
        warehouse.bootstrap(fresh_db)
    finally:
        loading.close()
    # an older warehouse still gets what it lacks
    with warehouse.connect(fresh_db) as conn:
        conn.execute("drop index raw.ae_monthly__load")
        conn.execute("drop index raw.load_manifest_pending")
        conn.execute("alter table raw.ae_monthly drop column org_name")
        conn.execute("comment on table raw.load_manifest is 'old'")
    warehouse.bootstrap(fresh_db)
    assert query(
        fresh_db,
        "select count(*) from pg_indexes where indexname in ('ae_monthly__load', 'load_manifest_pending')",
    ) == [(2,)]
    assert query(
        fresh_db,
        "select count(*) from information_schema.columns where table_schema = 'raw' "
        "and table_name = 'ae_monthly' and column_name = 'org_name'",
    ) == [(1,)]
    assert query(fresh_db, "select obj_description('raw.load_manifest'::regclass)")[0][0].startswith(
        "One row"
    )


def test_loads_are_gated_in_batches_of_bounded_rows() -> None:
    # (load id, rows): consecutive loads share a batch while their rows fit; a larger load goes alone
    loads = [(1, 198), (2, 198), (3, 180_781), (4, 198), (5, 0), (6, 200_000)]
    assert tasks.gate_batches(loads, 250_000) == [[1, 2, 3, 4, 5], [6]]
    assert tasks.gate_batches(loads, 180_000) == [[1, 2], [3], [4, 5], [6]]
    assert tasks.gate_batches(loads, 1) == [[1], [2], [3], [4], [5], [6]]
    assert tasks.gate_batches([], 10) == []


def test_a_failed_batch_rejects_its_loads_only_and_the_others_are_validated(
    fresh_db: warehouse.Connection, landing: Path, settings
) -> None:  # noqa: ANN001
    good, bad_name = "Monthly-AE-August-2024.csv", AE_FILE
    copy_sample("ae", good, landing)
    bad = copy_sample("ae", bad_name, landing)
    bad.write_text(bad.read_text().replace(",24223,", ", 24223,", 1))  # breaks the raw suite only
    results = loader.results_as_dicts(loader.ingest_source("ae", fresh_db, settings))
    assert sorted(r["status"] for r in results) == ["loaded", "loaded"]
    one_at_a_time = settings.model_copy(update={"raw_gate_batch_rows": 100})
    with pytest.raises(GateFailedError, match="attendances_type1"):
        tasks.validate_raw("ae", results, one_at_a_time, fresh_db)
    assert sorted(manifest(fresh_db)) == [
        (good, "loaded", "validated", 199),
        (bad_name, "quarantined", "rejected", 0),
    ]
    assert query(fresh_db, "select count(*) from raw.ae_monthly") == [(199,)]
    report = tasks.reports.read_report("gate_raw_ae", settings)
    by_name = {r["file_name"]: r["load_id"] for r in results}
    assert report["success"] is False and report["rejected_load_ids"] == [by_name[bad_name]]
    assert sorted(report["batches"]) == sorted([[by_name[good]], [by_name[bad_name]]])
    assert report["failed"] > 0 and report["passed"] > report["failed"]


def test_loads_are_not_marked_validated_while_a_dbt_build_runs(
    fresh_db: warehouse.Connection, landing: Path, settings, monkeypatch: pytest.MonkeyPatch
) -> None:  # noqa: ANN001
    """Each dbt node reads the manifest when it runs: a load validated mid-build would be seen by
    some nodes (the incremental RTT model) and not others (the staging tests before it). The mark
    waits for the build lock (held by the dbt_build stage), within OVERSIGHT_BUILD_LOCK_WAIT."""
    from oversight import build_lock

    monkeypatch.setenv("PGOPTIONS", "-c lock_timeout=5s")  # a lock that waits unbounded fails, never hangs
    copy_sample("ae", AE_FILE, landing)
    results = loader.results_as_dicts(loader.ingest_source("ae", fresh_db, settings))
    building = psycopg.connect(fresh_db.conninfo, autocommit=True, application_name="oversight dbt_build")
    building.execute("select pg_advisory_lock(%s)", (build_lock.LOCK_KEY,))
    try:
        impatient = settings.model_copy(update={"build_lock_wait_seconds": 0.6})
        with pytest.raises(loader.BuildRunningError, match="OVERSIGHT_BUILD_LOCK_WAIT"):
            tasks.validate_raw("ae", results, impatient, fresh_db)
        assert manifest(fresh_db) == [(AE_FILE, "loaded", "pending", 198)]  # the suite passed; not marked

        threading.Timer(1.0, building.close).start()  # the build ends after a second
        started = time.monotonic()
        report = tasks.validate_raw("ae", results, settings, fresh_db)
    finally:
        building.close()
    assert time.monotonic() - started >= 0.9
    assert report["success"] and report["load_ids"] == [results[0]["load_id"]]
    assert manifest(fresh_db) == [(AE_FILE, "loaded", "validated", 198)]


def test_a_second_run_of_a_source_waits_for_the_first_and_says_so(
    fresh_db: warehouse.Connection, landing: Path, settings, monkeypatch: pytest.MonkeyPatch
) -> None:  # noqa: ANN001
    monkeypatch.setenv("PGOPTIONS", "-c lock_timeout=5s")  # a lock that waits unbounded fails, never hangs
    copy_sample("ae", AE_FILE, landing)
    holder = psycopg.connect(fresh_db.conninfo, autocommit=True, application_name="first run of ae")
    holder.execute("select pg_advisory_lock(hashtext(%s))", (source_lock.lock_key("ae"),))
    try:
        impatient = settings.model_copy(update={"source_lock_wait_seconds": 0.6})
        with pytest.raises(source_lock.SourceLockTimeout, match="first run of ae"):
            loader.ingest_source("ae", fresh_db, impatient)
        assert manifest(fresh_db) == []  # it gave up: nothing loaded
        copy_sample("ods", ODS_FILE, landing)  # another source has its own lock: never held up
        assert [r.status for r in loader.ingest_source("ods", fresh_db, impatient)] == ["loaded"]

        threading.Timer(1.0, holder.close).start()  # the first run ends after a second
        lock: dict = {}
        started = time.monotonic()
        [second] = loader.ingest_source("ae", fresh_db, settings, lock_report=lock)
    finally:
        holder.close()
    assert time.monotonic() - started >= 0.9
    assert second.status == "loaded"
    assert lock["lock_waited_seconds"] >= 0.9 and "first run of ae" in lock["lock_waited_for"]
    assert query(fresh_db, "select source, count(*) from raw.load_manifest group by 1 order by 1") == [
        ("ae", 1),
        ("ods", 1),
    ]


def test_bootstrap_marks_the_loads_of_an_older_warehouse_validated(fresh_db: warehouse.Connection) -> None:
    with warehouse.connect(fresh_db) as conn:  # the manifest as it was before the column
        conn.execute("alter table raw.load_manifest drop column validation")
        conn.execute(
            "insert into raw.load_manifest (source, file_name, file_sha256, file_bytes, status, message) "
            "values ('ae', 'a.csv', 'a', 1, 'loaded', null), ('ae', 'b.csv', 'b', 1, 'quarantined', "
            "'raw gate failed: x'), ('ae', 'c.csv', 'c', 1, 'quarantined', 'c.csv, row 2: rule y'), "
            "(null, 'd.txt', 'd', 1, 'unrecognised', null)"
        )
    warehouse.bootstrap(fresh_db)
    warehouse.bootstrap(fresh_db)  # idempotent
    assert query(fresh_db, "select file_name, validation from raw.load_manifest order by load_id") == [
        ("a.csv", "validated"),
        ("b.csv", "rejected"),
        ("c.csv", None),
        ("d.txt", None),
    ]
    with pytest.raises(psycopg.errors.CheckViolation):  # a load always says where it stands
        query(fresh_db, "update raw.load_manifest set validation = null where file_name = 'a.csv'")


def test_every_staging_model_reads_raw_loads_through_validated_rows() -> None:
    staging = REPO_ROOT / "dbt_project" / "models" / "staging"
    direct = {
        f"{path.name}: {m.group(1)}"
        for path in staging.rglob("*.sql")
        for m in re.finditer(r"source\(\s*'raw',\s*'(\w+)'\s*\)", path.read_text())
        if m.group(1) not in ("load_manifest", "decisions")  # the manifest itself; analysts' table
    }
    assert direct == set()
    through_macro = {
        m.group(1)
        for path in staging.rglob("*.sql")
        for m in re.finditer(r"validated_rows\('(\w+)'\)", path.read_text())
    }
    from oversight.sources import SOURCES

    assert through_macro == {spec.raw_table for spec in SOURCES.values()}
