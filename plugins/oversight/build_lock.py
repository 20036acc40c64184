"""One build+gate+publish at a time per warehouse: a PostgreSQL advisory lock plus a lease.

The three stages are separate Airflow tasks (separate processes), so no single session can hold a
lock across them. Each stage holds the session advisory lock for as long as it works, and the
lease row `audit.build_lease` says which run the build schemas belong to between its stages:

- `dbt_build` (first stage) waits until no other run holds the lease, takes it, and drops the build
  schemas any earlier run left (under the lock nobody else is building), then builds;
- `gate` and `publish` go on with the lease of their own run; `publish` (last stage) releases it;
- a stage that fails releases the lease. A failed dbt build drops its half-built schemas; a build
  the gate refused is kept whole for inspection (the next build drops it).

A run that finds the lease held by another run waits, polling every second, and logs whom it waits
for; after `OVERSIGHT_BUILD_LOCK_WAIT` seconds it gives up with BuildLockTimeout naming the holder.
Crashes are recognised without timeouts: the server releases a killed process's advisory lock, so
a lease marked active whose lock is free belongs to a dead process and is taken over at once. A
lease idle between stages for longer than IDLE_LEASE_TTL (a run that died between tasks) is taken
over too.
"""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from oversight import build_schemas, source_lock
from oversight import run_id as run_ids
from oversight.settings import Settings, get_settings

if TYPE_CHECKING:
    from collections.abc import Iterator

    import psycopg

    from oversight.warehouse import Connection

log = logging.getLogger(__name__)

LOCK_KEY = 7311092010  # pg_advisory_lock key of build+gate+publish (any constant bigint)
LEASE_NAME = "build_and_publish"
IDLE_LEASE_TTL = timedelta(minutes=15)
POLL_SECONDS = 1.0

LEASE_SQL = """
create schema if not exists audit;
create table if not exists audit.build_lease (
    name              text primary key,
    run_id            text not null,
    stage             text not null,
    active            boolean not null,
    acquired_at       timestamptz not null default now(),
    build_started_at  timestamptz,
    updated_at        timestamptz not null default now()
);
comment on table audit.build_lease is
    'Which run the build schemas (<schema>__build) belong to between its stages dbt_build, gate and '
    'publish (oversight.build_lock). active: a stage of that run is working now and holds the '
    'advisory lock; if the lock is free, that process died and the lease is taken over.';
"""


RELEASE_SQL = "delete from audit.build_lease where name = %s and run_id = %s"


class BuildLockTimeout(RuntimeError):
    """Another run kept the build lock for longer than this run was willing to wait."""


@dataclass
class Hold:
    run_id: str
    stage: str
    waited_seconds: float = 0.0
    waited_for: str | None = None  # whom this run waited for, if anyone
    took_over: str | None = None  # a crashed or stale lease taken over
    dropped: list[str] = field(default_factory=list)  # build schemas of an earlier run, dropped
    build_started_at: datetime | None = None
    state_copied: list[str] = field(default_factory=list)  # incremental state tables copied in

    def as_report(self) -> dict:
        return {
            "incremental_state_copied": self.state_copied,
            "lock_waited_seconds": round(self.waited_seconds, 1),
            "lock_waited_for": self.waited_for,
            "lock_took_over": self.took_over,
            "dropped_stale_build_schemas": self.dropped,
        }


def _lease(conn: psycopg.Connection) -> tuple | None:
    return conn.execute(
        "select run_id, stage, active, updated_at, now(), build_started_at from audit.build_lease "
        "where name = %s",
        (LEASE_NAME,),
    ).fetchone()


@contextmanager
def holding(
    target: Connection,
    stage: str,
    settings: Settings | None = None,
    *,
    first: bool = False,
    last: bool = False,
    run_id: str | None = None,
    keep_build_on_failure: bool = False,
    incremental_state: str | None = None,
) -> Iterator[Hold]:
    """Hold the build lock for one stage of a run (see the module docstring). `first`: take the
    lease and start from clean build schemas; `last`: release the lease when done."""
    import psycopg

    settings = settings or get_settings()
    run_id = run_id or run_ids.current()
    hold = Hold(run_id=run_id, stage=stage)
    conn = psycopg.connect(
        target.conninfo, autocommit=True, application_name=f"oversight {stage} {run_id}"[:63]
    )
    try:
        with conn.transaction():
            conn.execute("select pg_advisory_xact_lock(hashtext('oversight_audit_ddl'))")
            conn.execute(LEASE_SQL)
        started = time.monotonic()
        last_log = 0.0
        while True:
            lease = None
            if conn.execute("select pg_try_advisory_lock(%s)", (LOCK_KEY,)).fetchone()[0]:
                lease = _lease(conn)
                if (
                    lease is None
                    or lease[0] == run_id
                    or lease[2]  # active, but its lock is free: that process died
                    or lease[4] - lease[3] > IDLE_LEASE_TTL
                ):
                    break
                conn.execute("select pg_advisory_unlock(%s)", (LOCK_KEY,))
                holder = f"run {lease[0]} (between stages, last {lease[1]} at {lease[3]:%H:%M:%S %Z})"
            else:
                holder = source_lock.lock_holder(conn, LOCK_KEY)
            hold.waited_for = holder
            waited = time.monotonic() - started
            if waited > settings.build_lock_wait_seconds:
                raise BuildLockTimeout(
                    f"{stage} of run {run_id}: another build+publish holds the warehouse: {holder}; "
                    f"waited {waited:.0f} s "
                    f"(OVERSIGHT_BUILD_LOCK_WAIT={settings.build_lock_wait_seconds:g}), "
                    "not building; run again when it has finished"
                )
            if waited - last_log >= 30 or last_log == 0.0:
                log.warning("%s of run %s waits for the build lock: held by %s", stage, run_id, holder)
                last_log = max(waited, 1e-9)
            time.sleep(POLL_SECONDS)
        hold.waited_seconds = time.monotonic() - started if hold.waited_for else 0.0
        if lease is not None and lease[0] != run_id:
            reason = "its process died" if lease[2] else "idle too long"
            hold.took_over = f"run {lease[0]} at stage {lease[1]} ({reason})"
            log.warning("%s of run %s takes over the lease of %s", stage, run_id, hold.took_over)
        with conn.transaction():
            row = conn.execute(
                "insert into audit.build_lease as l (name, run_id, stage, active, build_started_at) "
                "values (%s, %s, %s, true, case when %s then now() end) "
                "on conflict (name) do update set run_id = excluded.run_id, stage = excluded.stage, "
                "active = true, updated_at = now(), "
                "acquired_at = case when l.run_id = excluded.run_id then l.acquired_at else now() end, "
                "build_started_at = case when %s or l.run_id <> excluded.run_id "
                "then excluded.build_started_at else l.build_started_at end "
                "returning build_started_at",
                (LEASE_NAME, run_id, stage, first, first),
            ).fetchone()
            hold.build_started_at = row[0]
            if first:
                hold.dropped, hold.state_copied = build_schemas.prepare(conn, incremental_state)
        try:
            yield hold
        except BaseException:
            with conn.transaction():
                if not keep_build_on_failure:
                    build_schemas.drop_build_schemas(conn)
                conn.execute(
                    "delete from audit.build_lease where name = %s and run_id = %s", (LEASE_NAME, run_id)
                )
            raise
        with conn.transaction():
            if last:
                conn.execute(
                    "delete from audit.build_lease where name = %s and run_id = %s", (LEASE_NAME, run_id)
                )
            else:
                conn.execute(
                    "update audit.build_lease set active = false, stage = %s, updated_at = now() "
                    "where name = %s and run_id = %s",
                    (stage, LEASE_NAME, run_id),
                )
    finally:
        conn.close()  # ends the session: the server releases the advisory lock
