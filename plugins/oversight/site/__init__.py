"""The static results and lineage site for auditors and BI users, built from the published marts.

    index.html                                latest period per framework, publications, data quality
    trusts/<ORG_CODE>.html                    segments, trail to the source row, charts, path
    quarters/<framework_version>/<period>.html  league table, distribution, reconciliation
    lineage.html                              files -> raw -> staging -> marts (OpenLineage events)
    lineage/index.html, data-docs/index.html  dbt docs and GX Data Docs (offline)

all under <OVERSIGHT_HOME>/site/.

Jinja2 templates (`templates/`), charts as inline SVG (`charts.py`), nothing fetched when a page is
opened. `build_site` is the `build_site` task of build_and_publish_marts.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from oversight.settings import Settings, get_settings

if TYPE_CHECKING:
    from oversight.warehouse import Connection

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).with_name("static")


@dataclass
class SiteResult:
    index: Path
    pages: int
    data_docs: dict[str, int]


def build_site(target: Connection, settings: Settings | None = None) -> SiteResult:
    from oversight import lineage_events
    from oversight.site import data, datadocs, pages

    settings = settings or get_settings()
    site = settings.site_dir
    site.mkdir(parents=True, exist_ok=True)
    shutil.copytree(STATIC_DIR, site / "static", dirs_exist_ok=True)
    content = data.load(target, settings)
    graph = lineage_events.lineage_graph(lineage_events.read_events(settings))
    written = pages.write_all(content, graph, settings)
    offline = datadocs.make_offline(settings.data_docs_site_dir)
    log.info("site: %d pages under %s; data docs %s", len(written), site, offline)
    return SiteResult(index=site / "index.html", pages=len(written), data_docs=offline)
