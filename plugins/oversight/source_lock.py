"""One load or raw validation of a source at a time: a PostgreSQL session advisory lock per source.

Loading (oversight.loader.ingest_source) and the raw suite (oversight.tasks.validate_raw) are
separate Airflow tasks, so each holds the lock for as long as it works; between them the load's
manifest row says where it stands (`validation` pending). A second run of the same source waits,
polling, logs whom it waits for and puts it in its report; after OVERSIGHT_SOURCE_LOCK_WAIT seconds
it gives up with SourceLockTimeout naming the holder. The key is `hashtext('load:<source>')`, the
same key the loader's per-load transaction lock takes, so both exclude each other: do the work on
the session that holds the lock (`hold.conn`; a second session of the same process would wait for
the first). A killed process's session ends and the server releases its lock: no stale lock
survives a crash.
"""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from oversight import run_id as run_ids
from oversight.settings import Settings, get_settings

if TYPE_CHECKING:
    from collections.abc import Iterator

    import psycopg

    from oversight.warehouse import Connection

log = logging.getLogger(__name__)

POLL_SECONDS = 0.5


class SourceLockTimeout(RuntimeError):
    """Another run of the source kept its lock for longer than this run was willing to wait."""


@dataclass
class SourceHold:
    source: str
    stage: str
    conn: psycopg.Connection  # the session holding the lock: work on it
    waited_seconds: float = 0.0
    waited_for: str | None = None  # whom this run waited for, if anyone

    def as_report(self) -> dict:
        return {"lock_waited_seconds": round(self.waited_seconds, 1), "lock_waited_for": self.waited_for}


def lock_key(source: str) -> str:
    """The text hashed into the advisory lock key of a source (`hashtext`)."""
    return f"load:{source}"


def lock_holder(conn: psycopg.Connection, key: int) -> str:
    """Who holds this database's advisory lock `key` now (application_name carries stage and run
    id). Advisory locks are per database: on a shared server another warehouse holds the same key."""
    row = conn.execute(
        "select a.pid, a.application_name, a.backend_start from pg_locks l "
        "join pg_stat_activity a on a.pid = l.pid where l.locktype = 'advisory' and l.granted "
        "and l.classid = %s::bigint::oid and l.objid = %s::bigint::oid and l.objsubid = 1 "
        "and l.database = (select oid from pg_database where datname = current_database()) limit 1",
        ((key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF),
    ).fetchone()
    if row is None:
        return "another session (gone)"
    return f"{row[1] or 'a session'} (server pid {row[0]}, connected {row[2]:%Y-%m-%d %H:%M:%S %Z})"


def _try_lock(conn: psycopg.Connection, key: int) -> bool:
    """A session lock: it outlives the transaction that took it (commit, rollback)."""
    locked = conn.execute("select pg_try_advisory_lock(%s)", (key,)).fetchone()[0]
    conn.commit()
    return bool(locked)


@contextmanager
def holding(
    target: Connection, source: str, stage: str, settings: Settings | None = None
) -> Iterator[SourceHold]:
    """Hold the advisory lock of `source` for one stage (load, validate) of a run."""
    import psycopg

    settings = settings or get_settings()
    name = f"oversight {stage} {source} {run_ids.current()}"[:63]
    conn = psycopg.connect(target.conninfo, application_name=name)
    hold = SourceHold(source=source, stage=stage, conn=conn)
    try:
        key = conn.execute("select hashtext(%s)::bigint", (lock_key(source),)).fetchone()[0]
        started = time.monotonic()
        while not _try_lock(conn, key):
            waited = time.monotonic() - started
            holder = lock_holder(conn, key)
            conn.commit()
            if hold.waited_for is None:
                log.warning("%s of source %s waits for another run of it: %s", stage, source, holder)
            hold.waited_for = holder
            if waited > settings.source_lock_wait_seconds:
                raise SourceLockTimeout(
                    f"{stage} of source {source}: another run of {source} holds its lock: {holder}; "
                    f"waited {waited:.0f} s "
                    f"(OVERSIGHT_SOURCE_LOCK_WAIT={settings.source_lock_wait_seconds:g}), "
                    "nothing done; run again when it has finished"
                )
            time.sleep(POLL_SECONDS)
        hold.waited_seconds = time.monotonic() - started if hold.waited_for else 0.0
        if hold.waited_for:
            log.warning(
                "%s of source %s waited %.1f s for %s", stage, source, hold.waited_seconds, hold.waited_for
            )
        yield hold
        conn.commit()
    finally:
        conn.close()  # ends the session: the server releases the advisory lock
