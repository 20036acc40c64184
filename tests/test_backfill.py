"""Backfill over a range of periods with real Airflow DAG runs: each period's file loaded once, in
order; a missing period is reported (non-zero exit naming it), not skipped in silence."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import copy_sample, validate_pending
from oversight import cli, loader, warehouse

pytestmark = pytest.mark.airflow


def test_backfill_loads_each_period_once_in_order_and_reports_the_missing_one(
    fresh_db, landing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:  # noqa: ANN001
    monkeypatch.setenv("WAREHOUSE_URL", fresh_db.url)
    monkeypatch.setenv("LANDING_DIR", str(landing))
    monkeypatch.setenv("OVERSIGHT_HOME", str(tmp_path / "home"))
    settings = cli.get_settings()
    copy_sample("ods", "etr_2025-Q1.csv", landing)
    loader.ingest_source("ods", fresh_db, settings)
    validate_pending(fresh_db)  # as its raw suite would: dbt reads validated loads only
    # November arrives in the landing folder before October: the backfill still loads October first
    copy_sample("ae", "Monthly-AE-November-2024-revised.csv", landing)
    copy_sample("ae", "Monthly-AE-October-2024-revised.csv", landing)
    os.utime(landing / "ae" / "Monthly-AE-October-2024-revised.csv")

    code = cli.backfill(settings, "ae", "2024-10", "2024-12")
    assert code == 1
    err = capsys.readouterr().err
    assert "period(s) not loaded (missing or quarantined): 2024-12" in err
    with warehouse.connect(fresh_db) as conn:
        loads = conn.execute(
            "select file_name, period, status from raw.load_manifest where source = 'ae' order by load_id"
        ).fetchall()
        assert [(f, str(p), s) for f, p, s in loads] == [
            ("Monthly-AE-October-2024-revised.csv", "2024-10-01", "loaded"),
            ("Monthly-AE-November-2024-revised.csv", "2024-11-01", "loaded"),
        ]
        # the marts were built from the backfilled months
        months = conn.execute(
            "select distinct period_start from marts.fct_metric_value order by 1"
        ).fetchall()
        assert [str(m) for (m,) in months] == ["2024-10-01", "2024-11-01"]
    # running the same backfill again loads nothing twice, and so rebuilds nothing
    capsys.readouterr()
    assert cli.backfill(settings, "ae", "2024-10", "2024-11") == 0
    assert "build_and_publish_marts: not run (no new load of ae" in capsys.readouterr().out
    with warehouse.connect(fresh_db) as conn:
        assert conn.execute("select count(*) from raw.load_manifest where source = 'ae'").fetchone() == (2,)
