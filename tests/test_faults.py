"""Faults on the build side, against a real PostgreSQL, real dbt and real Great Expectations:
kill -9 during a dbt build and inside the publish transaction, two and three builds at once, a long
BI read during a publish, the BI role's reach, and honest per-run reports.

Each build+gate+publish runs as its own process (`python -c "tasks.build_marts(); …"`), as an
Airflow worker would, so that it can be killed with SIGKILL at a chosen point; a poller checks
every 0.5 s that `marts` is complete (every contracted table there, with the row counts of the
published build) all the while. Every wait is bounded.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from built_warehouse import BUILT_RUN_ID, copy_of
from conftest import REPO_ROOT, _drop_database
from oversight import build_lock, reports, warehouse
from oversight.dbt_manifest import published_marts

pytestmark = pytest.mark.faults

STAGES = "from oversight import tasks; tasks.build_marts(); tasks.gate_marts(); tasks.publish_marts()"
RUN_TIMEOUT = 420  # seconds for one build+gate+publish on a busy 2-core machine (about 50 s alone)


@dataclass
class Warehouse:
    target: warehouse.Connection
    home: Path
    logs: Path
    landing: Path

    def marts(self) -> tuple[str, ...]:
        """The marts dbt declares, from the manifest of this warehouse's last build."""
        from oversight.settings import get_settings

        return published_marts(get_settings().model_copy(update={"home": self.home}))

    def env(self, run_id: str, **extra: str) -> dict[str, str]:
        return {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(REPO_ROOT / "plugins"), os.environ.get("PYTHONPATH", "")]),
            "WAREHOUSE_URL": self.target.url,
            "OVERSIGHT_HOME": str(self.home),
            "LANDING_DIR": str(self.landing),
            "OVERSIGHT_RUN_ID": run_id,
            "GX_ANALYTICS_ENABLED": "False",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            **extra,
        }

    def start(self, run_id: str, **extra: str) -> subprocess.Popen:
        log = (self.logs / f"{run_id}.log").open("w")
        return subprocess.Popen(
            [sys.executable, "-c", STAGES],
            env=self.env(run_id, **extra),
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def output(self, run_id: str) -> str:
        return (self.logs / f"{run_id}.log").read_text()

    def run(self, run_id: str, **extra: str) -> int:
        process = self.start(run_id, **extra)
        return process.wait(timeout=RUN_TIMEOUT)

    def query(self, text: str, params: tuple = ()) -> list[tuple]:
        with warehouse.connect(self.target) as conn:
            return conn.execute(text, params).fetchall()

    def report(self, run_id: str, name: str) -> dict:

        from oversight.settings import get_settings

        report = reports.read_report(name, get_settings().model_copy(update=dict(home=self.home)), run_id)
        assert report is not None, f"run {run_id} wrote no {name} report"
        return report

    def schemas(self, like: str) -> list[str]:
        return [
            r[0]
            for r in self.query("select nspname from pg_namespace where nspname like %s order by 1", (like,))
        ]

    def lease(self) -> list[tuple]:
        return self.query("select run_id, stage, active from audit.build_lease")


def mart_counts(conn: psycopg.Connection, marts: tuple[str, ...]) -> dict[str, int] | str:
    """Row count of every mart dbt declares (`marts`, from the manifest) in `marts`, or what is wrong."""
    present = {
        r[0]
        for r in conn.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        ).fetchall()
    }
    missing = sorted(set(marts) - present)
    if missing:
        return f"marts lacks {missing}"
    return {
        t: conn.execute(sql.SQL("select count(*) from {}").format(sql.Identifier("marts", t))).fetchone()[0]
        for t in marts
    }


@dataclass
class Poller:
    """Checks every 0.5 s, on its own connection, that `marts` is whole and as expected."""

    target: warehouse.Connection
    marts: tuple[str, ...]
    expected: list[dict[str, int]]
    polls: int = 0
    problems: list[str] = field(default_factory=list)
    slowest: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        with psycopg.connect(self.target.conninfo, autocommit=True) as conn:
            conn.execute("set statement_timeout = '5s'")
            while not self._stop.is_set():
                started = time.monotonic()
                try:
                    state = mart_counts(conn, self.marts)
                except psycopg.Error as error:
                    state = f"query failed: {error}"
                self.slowest = max(self.slowest, time.monotonic() - started)
                self.polls += 1
                if state not in self.expected:
                    self.problems.append(str(state)[:300])
                self._stop.wait(0.5)

    def stop(self) -> Poller:
        self._stop.set()
        self._thread.join(timeout=10)
        return self


def wait_for(
    condition: Callable[[], object], timeout: float, what: str, process: subprocess.Popen | None = None
):  # noqa: ANN201
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if process is not None and process.poll() is not None:
            pytest.fail(f"the run ended (exit {process.returncode}) before {what}")
        time.sleep(0.2)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


def kill_9(process: subprocess.Popen) -> None:
    os.kill(process.pid, signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL


def snapshot_history(wh: Warehouse) -> dict:
    from oversight.publish import fingerprint

    with warehouse.connect(wh.target) as conn:
        return fingerprint(conn, "snapshots")["fct_segment_snapshot"]


def add_decision(wh: Warehouse, decision_id: str) -> None:
    """A recorded decision (segment 5) for one trust: a real change to the marts."""
    org = wh.query(
        "select org_code from marts.fct_segment where framework_version = 'nof_2025_26' "
        "order by org_code limit 1"
    )[0][0]
    with warehouse.connect(wh.target) as conn:
        conn.execute(
            "insert into raw.decisions (decision_id, org_code, framework_version, decision_type, segment, "
            "effective_from, decided_by, decided_on, reason, source_document) values "
            "(%s, %s, 'nof_2025_26', 'segment_5_pip', 5, '2024-11-01', 'fault test panel', '2024-10-28', "
            "'a change to publish', 'test_faults')",
            (decision_id, org),
        )


@pytest.fixture(scope="module")
def wh(built, server_admin, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:  # noqa: ANN001
    """A private copy of the session's warehouse (conftest `built`: every bundled sample loaded and
    published by Airflow, run id `built`), shared by this module's tests, which each leave it whole."""
    assert set(built.outcome.values()) == {"ok"}, built.outcome
    root = tmp_path_factory.mktemp("faults")
    (root / "logs").mkdir()
    copy = copy_of(built, server_admin, root, prefix="oversight_faults")
    try:
        result = Warehouse(copy.target, copy.home, root / "logs", copy.landing)
        assert result.report(BUILT_RUN_ID, "publish")["action"] == "swapped"
        yield result
    finally:
        _drop_database(server_admin, copy.target.dbname)


def test_kill_9_during_the_dbt_build_leaves_marts_whole_and_the_next_run_converges(wh: Warehouse) -> None:
    with warehouse.connect(wh.target) as conn:
        before = mart_counts(conn, wh.marts())
    poller = Poller(wh.target, wh.marts(), [before])
    run = wh.start("killed-in-build")
    # the chosen point: dbt is writing the marts (3 of them exist in marts__build so far)
    wait_for(
        lambda: wh.query("select count(*) from pg_tables where schemaname = 'marts__build'")[0][0] >= 3,
        RUN_TIMEOUT,
        "dbt to have built 3 marts",
        run,
    )
    kill_9(run)
    time.sleep(1.5)  # three more polls after the kill
    half_built = wh.query("select count(*) from pg_tables where schemaname = 'marts__build'")[0][0]
    assert 3 <= half_built < len(wh.marts())
    assert wh.lease() == [("killed-in-build", "dbt_build", True)]  # active, but its process is dead

    assert wh.run("after-build-kill") == 0, wh.output("after-build-kill")[-3000:]
    poller.stop()
    assert poller.problems == [] and poller.polls >= 10, poller.problems[:3]
    build = wh.report("after-build-kill", "dbt_build")
    assert build["lock_took_over"] == "run killed-in-build at stage dbt_build (its process died)"
    assert "marts__build" in build["dropped_stale_build_schemas"]
    assert build["lock_waited_for"] is None  # a dead holder is recognised at once, no timeout
    assert wh.report("after-build-kill", "publish")["action"] == "unchanged"  # same data: converged
    assert wh.schemas("%\\_\\_build") == [] and wh.schemas("%\\_\\_previous%") == []
    assert wh.lease() == []


def test_kill_9_inside_the_publish_transaction_publishes_nothing_and_the_rerun_publishes(
    wh: Warehouse, tmp_path: Path
) -> None:
    decision = f"fault-{uuid.uuid4().hex[:8]}"
    add_decision(wh, decision)
    with warehouse.connect(wh.target) as conn:
        before = mart_counts(conn, wh.marts())
    publications = wh.query("select count(*) from audit.publications")[0][0]
    history = snapshot_history(wh)
    poller = Poller(wh.target, wh.marts(), [before])
    pause = tmp_path / "paused"
    run = wh.start("killed-in-publish", OVERSIGHT_PAUSE_AT="publish_swap", OVERSIGHT_PAUSE_FILE=str(pause))
    wait_for(pause.exists, RUN_TIMEOUT, "the publish transaction to have renamed a schema", run)
    # inside the swap transaction: `reference` was renamed but not committed; readers see the old set
    started = time.monotonic()
    assert wh.query("select count(*) from marts.decisions where decision_id = %s", (decision,)) == [(0,)]
    assert time.monotonic() - started < 2
    kill_9(run)
    time.sleep(1.5)
    assert wh.query("select count(*) from audit.publications")[0][0] == publications
    assert wh.schemas("%\\_\\_previous%") == []
    assert wh.query("select count(*) from marts.decisions where decision_id = %s", (decision,)) == [(0,)]
    poller.stop()
    assert poller.problems == [] and poller.polls >= 10, poller.problems[:3]

    assert wh.run("after-publish-kill") == 0, wh.output("after-publish-kill")[-3000:]
    assert wh.report("after-publish-kill", "dbt_build")["lock_took_over"] == (
        "run killed-in-publish at stage publish (its process died)"
    )
    assert wh.report("after-publish-kill", "publish")["action"] == "swapped"
    assert wh.query("select count(*) from marts.decisions where decision_id = %s", (decision,)) == [(1,)]
    assert wh.schemas("%\\_\\_build") == [] and wh.schemas("%\\_\\_previous%") == []
    # the segment history survived the swap whole (snapshots__build started as a copy of it; a
    # decision does not move data_as_of, the snapshot's timestamp, so no version was added)
    assert snapshot_history(wh) == history and history["rows"] > 0


def test_two_builds_at_once_the_second_waits_and_a_third_with_a_short_bound_gives_up(wh: Warehouse) -> None:
    with warehouse.connect(wh.target) as conn:
        before = mart_counts(conn, wh.marts())
    publications = wh.query("select coalesce(max(publication_id), 0) from audit.publications")[0][0]
    poller = Poller(wh.target, wh.marts(), [before])
    first = wh.start("concurrent-a")
    wait_for(
        lambda: wh.lease() == [("concurrent-a", "dbt_build", True)], 60, "run a to take the lease", first
    )
    second = wh.start("concurrent-b")
    third = wh.start("concurrent-c", OVERSIGHT_BUILD_LOCK_WAIT="3")

    assert third.wait(timeout=120) != 0
    refused = wh.report("concurrent-c", "dbt_build")
    assert refused["success"] is False
    assert "another build+publish holds the warehouse: oversight dbt_build concurrent-a" in refused["message"]
    assert re.search(r"waited [3-9] s \(OVERSIGHT_BUILD_LOCK_WAIT=3\)", refused["message"]), refused[
        "message"
    ]
    assert first.wait(timeout=RUN_TIMEOUT) == 0, wh.output("concurrent-a")[-3000:]
    assert second.wait(timeout=RUN_TIMEOUT) == 0, wh.output("concurrent-b")[-3000:]
    poller.stop()
    assert poller.problems == [], poller.problems[:3]

    waited = wh.report("concurrent-b", "dbt_build")
    assert "concurrent-a" in waited["lock_waited_for"] and waited["lock_waited_seconds"] > 5
    assert wh.report("concurrent-a", "dbt_build")["lock_waited_for"] is None
    for run_id in ("concurrent-a", "concurrent-b", "concurrent-c"):
        assert "already exists" not in wh.output(run_id)
    # a published, then b (after a's publish); c never built
    assert wh.query(
        "select run_id, action from audit.publications where publication_id > %s order by publication_id",
        (publications,),
    ) == [("concurrent-a", "unchanged"), ("concurrent-b", "unchanged")]
    assert wh.schemas("%\\_\\_build") == [] and wh.lease() == []


@pytest.fixture
def bi_login(wh: Warehouse) -> Iterator[str]:
    """A login role that is a member of the BI role, as a BI tool's login would be."""
    name = f"bi_probe_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(wh.target.conninfo, autocommit=True) as conn:
        conn.execute(sql.SQL("create role {} login in role oversight_bi").format(sql.Identifier(name)))
    yield name
    with psycopg.connect(wh.target.conninfo, autocommit=True) as conn:
        conn.execute("select pg_terminate_backend(pid) from pg_stat_activity where usename = %s", (name,))
        conn.execute(sql.SQL("drop role {}").format(sql.Identifier(name)))


def _as(wh: Warehouse, login: str, dbname: str | None = None) -> psycopg.Connection:
    import dataclasses

    target = dataclasses.replace(wh.target, user=login, password="", dbname=dbname or wh.target.dbname)
    return psycopg.connect(target.conninfo, autocommit=True, connect_timeout=5)


def test_a_long_bi_read_does_not_hold_the_publish_and_no_reader_queues(
    wh: Warehouse, bi_login: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issue's probe: one BI query holds marts.fct_segment while a publish runs. The swap
    commits at once (renames take no table locks); dropping the old schema waits on the reader
    with lock_timeout 0.5 s, retried 4 times; meanwhile a third reader of marts.fct_segment answers
    at once, from the new tables. The old schema is kept while the reader holds it, then dropped."""
    from oversight import publish, tasks

    for key, value in wh.env("long-read").items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("OVERSIGHT_PUBLISH_LOCK_TIMEOUT", "0.5")
    monkeypatch.setenv("OVERSIGHT_PUBLISH_ATTEMPTS", "4")
    decision = f"fault-{uuid.uuid4().hex[:8]}"
    add_decision(wh, decision)
    tasks.build_marts()
    tasks.gate_marts()

    long_reader = _as(wh, bi_login)
    long_reader.autocommit = False
    segments = long_reader.execute("select count(*) from marts.fct_segment").fetchone()[0]  # tx stays open
    outcome: dict = {}

    def publish_now() -> None:
        started = time.monotonic()
        outcome["result"] = tasks.publish_marts()
        outcome["seconds"] = time.monotonic() - started

    publisher = threading.Thread(target=publish_now)
    publisher.start()
    # wait until the publish is blocked (its DROP of the old schema waits for the long reader's lock)
    wait_for(
        lambda: wh.query(
            "select count(*) from pg_stat_activity where datname = current_database() "
            "and wait_event_type = 'Lock' and query ilike 'drop schema%%'"
        )[0][0],
        30,
        "the publish to wait for a lock",
    )
    with _as(wh, bi_login) as third:
        third.execute("set statement_timeout = '3s'")
        started = time.monotonic()
        assert third.execute("select count(*) from marts.fct_segment").fetchone()[0] == segments
        assert third.execute(
            "select count(*) from marts.decisions where decision_id = %s", (decision,)
        ).fetchone() == (1,)  # already the new marts
        assert time.monotonic() - started < 1.0
    publisher.join(timeout=60)
    assert not publisher.is_alive()
    result = outcome["result"]
    assert result["action"] == "swapped" and result["attempts"] == 1
    assert result["kept_previous"] == ["marts__previous"]  # the reader still uses it
    assert outcome["seconds"] < 15  # 4 attempts x 0.5 s + back-off, not "until the reader ends"
    assert wh.query(
        "select count(*) from pg_stat_activity where datname = current_database() "
        "and wait_event_type = 'Lock'"
    ) == [(0,)]  # no server session left waiting

    long_reader.execute("select 1").fetchone()  # the long reader carries on unharmed
    long_reader.commit()
    long_reader.close()
    assert publish.retire_previous(wh.target) == []
    assert wh.schemas("%\\_\\_previous%") == [] and wh.schemas("%\\_\\_build") == []


def test_the_bi_role_cannot_create_temporary_tables_or_write(wh: Warehouse, bi_login: str) -> None:
    with _as(wh, bi_login) as conn:
        assert conn.execute("select count(*) > 0 from marts.fct_segment").fetchone() == (True,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="temporary"):
            conn.execute("create temporary table scratch (x int)")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("create table public.scratch (x int)")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select count(*) from raw.load_manifest")


def test_the_bi_role_reaches_no_other_database_of_the_embedded_server(wh: Warehouse, bi_login: str) -> None:
    if os.environ.get("WAREHOUSE_URL"):
        pytest.skip("a shared server's other databases are not ours to close (README: pg_hba.conf line)")
    with _as(wh, bi_login) as conn:
        assert conn.execute("select current_database()").fetchone() == (wh.target.dbname,)
    for other in ("postgres", "template1"):
        with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
            _as(wh, bi_login, other).close()


def test_a_failed_run_says_failed_and_shows_no_other_runs_results(
    wh: Warehouse, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """The issue's case: a run after a good one fails; its summary says FAILED and shows neither the
    earlier run's "GX marts passed" nor its "publish swapped". Here the run fails because another
    session holds the build lock longer than it will wait."""
    from oversight import summary, tasks

    for key, value in wh.env("blocked-run").items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("OVERSIGHT_BUILD_LOCK_WAIT", "1")
    with psycopg.connect(
        wh.target.conninfo, autocommit=True, application_name="a long maintenance"
    ) as holder:
        holder.execute("select pg_advisory_lock(%s)", (build_lock.LOCK_KEY,))
        with pytest.raises(build_lock.BuildLockTimeout, match="a long maintenance"):
            tasks.build_marts()
    from oversight.settings import get_settings

    settings = get_settings()
    summary.print_summary(settings, run_id="blocked-run")
    failed = capsys.readouterr().out
    assert "blocked-run: FAILED (failed: dbt_build)" in failed
    assert "dbt build        tests passed 0, failed 0  FAILED: dbt_build of run blocked-run" in failed
    assert "GX marts" not in failed and "publish          swapped" not in failed
    assert "publish          not run in this run: marts is as published before" in failed

    summary.print_summary(settings, run_id=BUILT_RUN_ID)
    good = capsys.readouterr().out
    assert "GX marts         passed: expectations passed" in good
    assert "publish          swapped" in good and "FAILED" not in good
    # every run keeps its own reports
    runs = {p.name for p in settings.run_reports_dir.iterdir()}
    assert {BUILT_RUN_ID, "blocked-run"} <= runs


def test_the_build_lock_holder_named_is_in_this_warehouse_not_another_on_the_same_server(
    server_admin,
    fresh_db,  # noqa: ANN001
) -> None:
    """Advisory locks are per database. CI once failed when another test's warehouse on the shared
    server held the same key: the timeout named that run instead of this warehouse's holder."""
    from oversight import source_lock

    with (
        psycopg.connect(server_admin.conninfo, autocommit=True, application_name="other warehouse") as other,
        psycopg.connect(fresh_db.conninfo, autocommit=True) as conn,
    ):
        other.execute("select pg_advisory_lock(%s)", (build_lock.LOCK_KEY,))
        assert source_lock.lock_holder(conn, build_lock.LOCK_KEY) == "another session (gone)"
        with psycopg.connect(fresh_db.conninfo, autocommit=True, application_name="this one") as mine:
            mine.execute("select pg_advisory_lock(%s)", (build_lock.LOCK_KEY,))
            assert source_lock.lock_holder(conn, build_lock.LOCK_KEY).startswith("this one (server pid ")
