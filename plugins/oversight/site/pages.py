"""Page contexts and rendering: one function per kind of page, each writing HTML from a template."""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from oversight.lineage_events import LAYERS
from oversight.settings import Settings
from oversight.site import charts
from oversight.site.data import FRAMEWORK_LABELS, SiteData, latest_trail_segment

TEMPLATES_DIR = Path(__file__).with_name("templates")
DASH = "—"
SEGMENT_STATUS_LABELS = {
    "segmented": "segmented",
    "indicative": "indicative",
    "insufficient_data": "insufficient data",
}


def environment() -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = num
    env.filters["dash"] = lambda v: DASH if v is None or v == "" else v
    env.filters["framework"] = lambda v: FRAMEWORK_LABELS.get(v, v)
    env.filters["status"] = segment_status_label
    env.filters["coverage"] = coverage_label
    env.filters["short_sha"] = lambda v: (v[:12] + "…") if v else DASH
    return env


def num(value: Any, places: int = 2) -> str:
    if value is None:
        return DASH
    if isinstance(value, (int, float, Decimal)):
        return f"{Decimal(str(value)):.{places}f}"
    return str(value)


def segment_status_label(row: dict[str, Any]) -> str:
    status = row.get("segment_status")
    return SEGMENT_STATUS_LABELS.get(status, status) if status else DASH


def coverage_label(row: dict[str, Any]) -> str:
    coverage, scored, expected = row.get("coverage"), row.get("metrics_scored"), row.get("metrics_expected")
    if coverage is None:
        return DASH
    text = f"{Decimal(str(coverage)) * 100:.0f}%"
    if scored is not None and expected is not None:
        text += f" ({scored} of {expected} metrics)"
    return text


def segment_label(row: dict[str, Any]) -> str:
    return str(row["segment"]) if row.get("segment") is not None else "insufficient data"


def trust_href(org_code: str) -> str:
    return f"trusts/{org_code}.html"


def quarter_href(framework_version: str, period_start: Any) -> str:
    return f"quarters/{framework_version}/{period_start}.html"


def dbt_docs_href(unique_id: str) -> str:
    kind = unique_id.split(".", 1)[0]
    return f"lineage/index.html#!/{kind}/{unique_id}"


class Writer:
    def __init__(self, settings: Settings) -> None:
        self.site = settings.site_dir
        self.env = environment()
        self.written: list[Path] = []
        self.built_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")

    def write(self, relative: str, template: str, **context: Any) -> Path:
        path = self.site / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        depth = relative.count("/")
        root = "../" * depth
        html = self.env.get_template(template).render(
            root=root,
            built_at=self.built_at,
            trust_href=lambda code: root + trust_href(code),
            quarter_href=lambda fw, period: root + quarter_href(fw, period),
            **context,
        )
        path.write_text(html, encoding="utf-8")
        self.written.append(path)
        return path


def write_all(content: SiteData, graph: dict[str, Any], settings: Settings) -> list[Path]:
    writer = Writer(settings)
    quarters = quarter_pages(content)
    for org_code in sorted(content.organisations):
        writer.write(trust_href(org_code), "trust.html.j2", **trust_context(content, org_code))
    for framework_version, period_start in quarters:
        writer.write(
            quarter_href(framework_version, period_start),
            "quarter.html.j2",
            **quarter_context(content, framework_version, period_start),
        )
    writer.write("lineage.html", "lineage.html.j2", **lineage_context(graph, settings))
    writer.write("index.html", "index.html.j2", **index_context(content, quarters, settings))
    return writer.written


def quarter_pages(content: SiteData) -> list[tuple[str, str]]:
    """Every period and framework segmented, and every quarter NHS England published a NOF 2025/26
    league table for (its reconciliation shows even where we have no segment for that quarter)."""
    pages = {(s["framework_version"], str(s["period_start"])) for s in content.segments}
    pages |= {("nof_2025_26", period) for period in content.reconciliation}
    return sorted(pages)


# ---------------------------------------------------------------- index


def index_context(content: SiteData, quarters: list[tuple[str, str]], settings: Settings) -> dict[str, Any]:
    latest: dict[str, str] = {}
    for framework_version, period_start in quarters:
        latest[framework_version] = max(latest.get(framework_version, period_start), period_start)
    distribution_rows = []
    latest_rows = []
    for framework_version, period_start in sorted(latest.items()):
        rows = [
            s
            for s in content.segments
            if s["framework_version"] == framework_version and str(s["period_start"]) == period_start
        ]
        counts = Counter((s["peer_group"] or "unknown", segment_label(s)) for s in rows)
        for (peer_group, label), trusts in sorted(counts.items()):
            distribution_rows.append(
                {
                    "framework": FRAMEWORK_LABELS.get(framework_version, framework_version),
                    "peer_group": peer_group,
                    "segment_label": label,
                    "trusts": trusts,
                }
            )
        latest_rows.append(
            {
                "framework_version": framework_version,
                "period_start": period_start,
                "trusts": len(rows),
                "by_segment": sorted(Counter(segment_label(s) for s in rows).items()),
                "applicable": any(s["is_applicable_version"] for s in rows),
            }
        )
    trusts = []
    for org_code, org in sorted(content.organisations.items()):
        own = content.segments_of(org_code)
        latest_segment = latest_trail_segment(own)
        trusts.append(
            {"org": org, "latest": latest_segment, "periods": len({s["period_start"] for s in own})}
        )
    reports = content.run_reports
    return {
        "title": "NHS oversight segmentation: results and lineage",
        "latest_rows": latest_rows,
        "distribution_svg": charts.segment_distribution(
            distribution_rows, "Trusts per segment and peer group, latest period", by_framework=True
        ),
        "distribution_rows": distribution_rows,
        "publications": content.publications,
        "dbt_build": reports.get("dbt_build"),
        "gate_marts": reports.get("gate_marts"),
        "publish": reports.get("publish"),
        "raw_gates": content.raw_gates,
        "quarters": quarters,
        "trusts": trusts,
        "missing_columns": [c for c in ("segment_status", "coverage") if c not in content.segment_columns],
        "data_docs_exists": (settings.data_docs_site_dir / "index.html").exists(),
        "dbt_docs_exists": (settings.lineage_site_dir / "index.html").exists(),
    }


# ---------------------------------------------------------------- trust pages


def trust_context(content: SiteData, org_code: str) -> dict[str, Any]:
    org = content.organisations[org_code]
    segments = content.segments_of(org_code)
    trail_segment = latest_trail_segment(segments)
    trail: list[dict[str, Any]] = []
    metric_trail: list[dict[str, Any]] = []
    if trail_segment is not None:
        key = (org_code, str(trail_segment["period_start"]), trail_segment["framework_version"])
        trail = content.explanations.get(key, [])
        scores = {
            s["metric_id"]: s
            for s in content.metric_scores
            if s["org_code"] == org_code
            and str(s["period_start"]) == key[1]
            and s["framework_version"] == key[2]
        }
        for item in trail:
            if item["item_type"] != "metric_score":
                continue
            metric_id = item["item_id"]
            # the value behind the score, by the source file and row the explanation names (a
            # quarter's score is formed from monthly or annual values, so not by the period)
            value = content.metric_values.get(
                (org_code, metric_id, item.get("source_file"), str(item.get("source_row"))), {}
            )
            metric_trail.append(
                {
                    "item": item,
                    "metric_id": metric_id,
                    "metric_name": (content.metrics.get(metric_id) or {}).get("metric_name") or metric_id,
                    "score": scores.get(metric_id, {}),
                    "value": value,
                }
            )
    # frameworks side by side: one row per period, one column per framework
    by_period: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for s in segments:
        by_period[str(s["period_start"])][s["framework_version"]] = s
    side_by_side = [{"period_start": p, "by_framework": by_period[p]} for p in sorted(by_period)]
    history_svg = charts.segment_history(
        [
            {
                "period_start": str(s["period_start"]),
                "framework": FRAMEWORK_LABELS.get(s["framework_version"], s["framework_version"]),
                "segment": s["segment"],
            }
            for s in segments
        ],
        f"Segment history of {org_code}",
    )
    peer_rows, peer_period = metrics_against_peers(content, org_code, segments)
    path_key = None
    nof = [s for s in segments if s["framework_version"] == "nof_2025_26"]
    if nof:
        latest_nof = max(nof, key=lambda s: s["period_start"])
        path_key = (org_code, str(latest_nof["period_start"]), "nof_2025_26")
    return {
        "title": f"{org.get('org_name') or org_code} ({org_code})",
        "org": org,
        "segments": segments,
        "trail_segment": trail_segment,
        "trail": trail,
        "metric_trail": metric_trail,
        "frameworks": list(FRAMEWORK_LABELS),
        "side_by_side": side_by_side,
        "history_svg": history_svg,
        "peer_rows": peer_rows,
        "peer_period": peer_period,
        "peer_svg": charts.metrics_against_peers(
            peer_rows, f"{org_code} against its peer group, {peer_period}" if peer_period else ""
        ),
        "path": content.paths.get(path_key, []) if path_key else [],
        "path_period": path_key[1] if path_key else None,
        "org_name": content.org_name,
        "dbt_docs_href": dbt_docs_href,
    }


def metrics_against_peers(
    content: SiteData, org_code: str, segments: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], str | None]:
    """Each metric the trust is scored on in its latest NOF 2025/26 period, with the quartiles of
    its peer group's values in that period."""
    nof = [s for s in segments if s["framework_version"] == "nof_2025_26"]
    if not nof:
        return [], None
    latest = max(nof, key=lambda s: s["period_start"])
    period = latest["period_start"]
    peers: dict[str, list[float]] = defaultdict(list)
    own: dict[str, dict[str, Any]] = {}
    for s in content.metric_scores:
        if s["framework_version"] != "nof_2025_26" or s["period_start"] != period:
            continue
        if s["peer_group"] != latest["peer_group"] or s["value"] is None:
            continue
        peers[s["metric_id"]].append(float(s["value"]))
        if s["org_code"] == org_code:
            own[s["metric_id"]] = s
    rows = []
    for metric_id, score in sorted(own.items()):
        summary = charts.quartile_summary(peers[metric_id])
        rows.append(
            {
                "metric": metric_id,
                "value": float(score["value"]),
                "rank": score["rank_in_peer_group"],
                "peers": score["peers_in_group"],
                "quartile": score["quartile"],
                **summary,
            }
        )
    return rows, str(period)


# ---------------------------------------------------------------- quarter pages


def quarter_context(content: SiteData, framework_version: str, period_start: str) -> dict[str, Any]:
    rows = [
        s
        for s in content.segments
        if s["framework_version"] == framework_version and str(s["period_start"]) == period_start
    ]
    league = content.league.get((framework_version, period_start), [])
    league_by_org = {r["org_code"]: r for r in league}
    table = sorted(
        rows,
        key=lambda s: (
            s["peer_group"] or "",
            (league_by_org.get(s["org_code"]) or {}).get("league_rank") or 10**6,
            s["segment"] if s["segment"] is not None else 99,
            s["average_score"] if s["average_score"] is not None else Decimal(99),
            s["org_code"],
        ),
    )
    counts = Counter((s["peer_group"] or "unknown", segment_label(s)) for s in rows)
    distribution_rows = [
        {"peer_group": pg, "segment_label": label, "trusts": n} for (pg, label), n in sorted(counts.items())
    ]
    reconciliation = (
        content.reconciliation.get(period_start, []) if framework_version == "nof_2025_26" else []
    )
    return {
        "title": f"{FRAMEWORK_LABELS.get(framework_version, framework_version)}, period {period_start}",
        "framework_version": framework_version,
        "period_start": period_start,
        "table": table,
        "league_by_org": league_by_org,
        "distribution_rows": distribution_rows,
        "distribution_svg": charts.segment_distribution(
            distribution_rows, "Trusts per segment and peer group"
        ),
        "reconciliation": reconciliation,
        "org_name": content.org_name,
        "applicable": any(s["is_applicable_version"] for s in rows),
    }


# ---------------------------------------------------------------- lineage


# the drawing's columns, left to right; seeds sit under raw (both are what dbt reads), the snapshot
# under the marts (it snapshots a mart)
LINEAGE_COLUMNS = {
    "files": ("file",),
    "raw and seeds": ("raw", "reference"),
    "staging": ("staging",),
    "intermediate": ("intermediate",),
    "marts": ("marts", "snapshots", "other"),
}


def lineage_context(graph: dict[str, Any], settings: Settings) -> dict[str, Any]:
    datasets = graph["datasets"]
    column_of = {layer: column for column, layers in LINEAGE_COLUMNS.items() for layer in layers}
    columns: dict[str, list[dict[str, Any]]] = {column: [] for column in LINEAGE_COLUMNS}
    order = {layer: i for i, layer in enumerate(LAYERS)}
    for dataset in sorted(datasets.values(), key=lambda d: (order.get(d["layer"], 99), d["key"])):
        name = dataset["key"].rsplit("/", 1)[-1]
        label = os.path.basename(name) if dataset["layer"] == "file" else name.split(".")[-1]
        columns[column_of.get(dataset["layer"], "marts")].append(
            {**dataset, "label": label, "href": _docs_link(dataset)}
        )
    names = [column for column in columns if columns[column]]
    column_width, row_height, box_width = 200, 18, 180
    positions: dict[str, tuple[float, float]] = {}
    for i, column in enumerate(names):
        for j, node in enumerate(columns[column]):
            node["x"], node["y"] = 10 + i * column_width, 40 + j * row_height
            positions[node["key"]] = (node["x"], node["y"])
    edges = []
    for edge in graph["edges"]:
        if edge["source"] in positions and edge["target"] in positions:
            (x1, y1), (x2, y2) = positions[edge["source"]], positions[edge["target"]]
            if x2 <= x1:  # within a column (e.g. intermediate -> intermediate): in the table only
                continue
            sx, ex = x1 + box_width, x2
            mid = (sx + ex) / 2
            edges.append(
                {
                    "d": f"M{sx:.0f},{y1 + 7:.0f} C{mid:.0f},{y1 + 7:.0f} "
                    f"{mid:.0f},{y2 + 7:.0f} {ex:.0f},{y2 + 7:.0f}"
                }
            )
    height = 60 + row_height * max((len(columns[column]) for column in names), default=1)
    edge_rows = [
        {**e, "source_name": e["source"].rsplit("/", 1)[-1], "target_name": e["target"].rsplit("/", 1)[-1]}
        for e in sorted(graph["edges"], key=lambda e: (e["job"], e["source"], e["target"]))
    ]
    return {
        "title": "Lineage: from each source file through raw, staging and marts",
        "layers": names,
        "columns": columns,
        "column_width": column_width,
        "edges": edges,
        "edge_rows": edge_rows,
        "width": 20 + column_width * max(len(names), 1),
        "height": height,
        "box_width": box_width,
        "event_count": graph["events"],
        "airflow_jobs": graph["airflow_jobs"],
        "events_file": str(settings.lineage_dir / "events.jsonl"),
    }


def _docs_link(dataset: dict[str, Any]) -> str | None:
    layer = dataset["layer"]
    name = dataset["key"].rsplit("/", 1)[-1].split(".")[-1]
    if layer == "raw":
        return dbt_docs_href(f"source.oversight.raw.{name}")
    if layer == "reference":
        return dbt_docs_href(f"seed.oversight.{name}")
    if layer in ("staging", "intermediate", "marts"):
        return dbt_docs_href(f"model.oversight.{name}")
    if layer == "snapshots":
        return dbt_docs_href(f"snapshot.oversight.{name}")
    return None
