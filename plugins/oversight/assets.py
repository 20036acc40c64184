"""Airflow Assets shared by producer and consumer DAGs (cheap to import: no database, no GX)."""

from __future__ import annotations

from airflow.sdk import Asset

RAW_ASSETS: dict[str, Asset] = {
    "ae": Asset("warehouse://raw/ae_monthly"),
    "cqc": Asset("warehouse://raw/cqc_ratings"),
    "ods": Asset("warehouse://raw/ods_trusts"),
}
PUBLISHED_MARTS = Asset("warehouse://marts/published")
