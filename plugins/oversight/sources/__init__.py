"""One module per national source: its accepted layouts (generations), file naming and row rules."""

from __future__ import annotations

from oversight.sources.ae import AE_MONTHLY
from oversight.sources.base import SourceSpec
from oversight.sources.cqc import CQC_RATINGS
from oversight.sources.ods_trusts import ODS_TRUSTS

SOURCES: dict[str, SourceSpec] = {spec.name: spec for spec in (AE_MONTHLY, CQC_RATINGS, ODS_TRUSTS)}


def get_source(name: str) -> SourceSpec:
    try:
        return SOURCES[name]
    except KeyError:
        raise KeyError(f"unknown source {name!r}; known: {', '.join(sorted(SOURCES))}") from None
