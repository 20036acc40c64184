"""One warehouse built by Airflow per test session, shared by the tests that only read it, and cheap
private copies of it for the tests that change it.

`make run`'s whole chain (every DAG, `airflow dags test`, in one process) takes minutes; running it
once per module, and again to undo a test's changes, was most of the suite's time. The session
builds it once (`conftest.built`); a test that changes data, rules or files takes `built_copy`: a
new database made with `create database ... template` (a file copy inside PostgreSQL, seconds), and
copies of the OVERSIGHT_HOME (Airflow metadata, reports, dbt target, sites) and landing folders, so
tests never see each other's changes, whatever their order.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

from oversight import warehouse
from oversight.cli import MODEL_DAG, ingestion_dags, run_airflow, run_dags
from oversight.settings import get_settings

BUILT_RUN_ID = "built"  # the run id of the session's build: its reports are in home/runs/built


@dataclass
class Pipeline:
    """A warehouse database with its own OVERSIGHT_HOME and landing folder."""

    target: warehouse.Connection
    home: Path
    landing: Path
    outcome: dict[str, str] = field(default_factory=dict)  # of the build that made it, by DAG
    output: str = ""  # what the Airflow runner printed for that build

    def env(self) -> dict[str, str]:
        return {
            "WAREHOUSE_URL": self.target.url,
            "OVERSIGHT_HOME": str(self.home),
            "LANDING_DIR": str(self.landing),
        }

    def settings(self):  # noqa: ANN201
        saved = {k: os.environ.get(k) for k in self.env()}
        os.environ.update(self.env())
        try:
            return get_settings()
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    def dag(self, dag_id: str) -> subprocess.CompletedProcess:
        return run_airflow(
            ["dags", "test", dag_id], self.settings(), extra_env=self.env(), check=False, capture=True
        )

    def run_all(self, run_id: str | None = None) -> dict[str, str]:
        """Every DAG, run by Airflow (dag.test, as `airflow dags test`) in one process."""
        extra = {**self.env(), **({"OVERSIGHT_RUN_ID": run_id} if run_id else {})}
        outcome, self.output = run_dags([*ingestion_dags(), MODEL_DAG], self.settings(), extra, echo=False)
        return outcome

    def query(self, text: str, params: tuple = ()) -> list[tuple]:
        with warehouse.connect(self.target) as conn:
            return conn.execute(text, params).fetchall()

    def fingerprint(self, schema: str = "marts") -> dict:
        from oversight.publish import fingerprint

        with warehouse.connect(self.target) as conn:
            return fingerprint(conn, schema)


def build(target: warehouse.Connection, root: Path, samples: Path) -> Pipeline:
    """Every bundled sample through every DAG, as `make run` does, into `target`."""
    landing = root / "landing"
    shutil.copytree(samples, landing)
    pipeline = Pipeline(target, root / "home", landing)
    run_airflow(["db", "migrate"], pipeline.settings(), extra_env=pipeline.env(), capture=True)
    pipeline.outcome = pipeline.run_all(BUILT_RUN_ID)
    return pipeline


def copy_of(
    built: Pipeline, admin: warehouse.Connection, root: Path, prefix: str = "oversight_copy"
) -> Pipeline:
    """A private copy of `built`: its database as a template, its home and landing folders copied.

    Stored paths (manifest rows, reports) keep naming the original landing folder; the copy's files
    have the same names and contents, so a rerun on the copy recognises them as already loaded."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin.conninfo, autocommit=True) as conn:
        # a template must have no other session; the suite's own reads of it are closed by now
        conn.execute(
            "select pg_terminate_backend(pid) from pg_stat_activity "
            "where datname = %s and pid <> pg_backend_pid()",
            (built.target.dbname,),
        )
        conn.execute(
            sql.SQL("create database {} template {}").format(
                sql.Identifier(name), sql.Identifier(built.target.dbname)
            )
        )
    target = admin.with_dbname(name)
    warehouse.bootstrap(target)  # database-level grants (CONNECT for the BI role) are not copied
    shutil.copytree(built.home, root / "home", symlinks=True)
    shutil.copytree(built.landing, root / "landing", symlinks=True)
    return Pipeline(target, root / "home", root / "landing", dict(built.outcome))
