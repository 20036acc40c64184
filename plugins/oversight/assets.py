"""Airflow Assets shared by producer and consumer DAGs (cheap to import: no database, no GX).

One raw Asset per registered source (oversight.sources), named after its raw table.
"""

from __future__ import annotations

from airflow.sdk import Asset

from oversight.sources import SOURCES

RAW_ASSETS: dict[str, Asset] = {
    name: Asset(f"warehouse://raw/{spec.raw_table}") for name, spec in SOURCES.items()
}
PUBLISHED_MARTS = Asset("warehouse://marts/published")


def any_raw_asset():  # noqa: ANN201 - an AssetAny
    """Schedule condition: any raw table updated."""
    from functools import reduce
    from operator import or_

    return reduce(or_, RAW_ASSETS.values())
