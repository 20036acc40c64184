"""What the site shows, read from the PUBLISHED marts only, as the read-only BI role.

Every mart query runs after `set role <BI_ROLE>`, so the site can show nothing a BI tool could not
read. Two things are not marts and are read as the warehouse owner, each in one named query: the
publication log (`audit.publications`, which the BI role may not read) and the run reports the
last run wrote (`OVERSIGHT_HOME/runs/*.json`, the data-quality status).

Columns another change may add (`fct_segment.org_name`, `segment_status`, `metrics_expected`,
`coverage`, `period_end`) are read when the published table has them, else shown as "—".
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from oversight import reports
from oversight.settings import PUBLISHED_SCHEMA, Settings

if TYPE_CHECKING:
    import psycopg

    from oversight.warehouse import Connection

log = logging.getLogger(__name__)

FRAMEWORK_LABELS = {
    "sof_2016_17": "SOF 2016/17",
    "nof_2021_22": "NOF 2021/22",
    "nof_2025_26": "NOF 2025/26",
}
# columns of fct_segment that may not exist yet in the published mart (shown as "—" when missing)
OPTIONAL_SEGMENT_COLUMNS = ("org_name", "period_end", "segment_status", "metrics_expected", "coverage")
RUN_REPORTS = ("dbt_build", "gate_marts", "publish", "snapshot", "docs")


@dataclass
class SiteData:
    segment_columns: set[str]
    organisations: dict[str, dict[str, Any]]
    segments: list[dict[str, Any]]
    explanations: dict[tuple[str, str, str], list[dict[str, Any]]]
    metric_values: dict[tuple[str, str, str, str], dict[str, Any]]  # org, metric, source file, row
    metric_scores: list[dict[str, Any]]
    metrics: dict[str, dict[str, Any]]
    paths: dict[tuple[str, str, str], list[dict[str, Any]]]
    league: dict[tuple[str, str], list[dict[str, Any]]]
    reconciliation: dict[str, list[dict[str, Any]]]
    publications: list[dict[str, Any]]
    run_reports: dict[str, dict[str, Any] | None]
    raw_gates: list[dict[str, Any]] = field(default_factory=list)

    def segments_of(self, org_code: str) -> list[dict[str, Any]]:
        return [s for s in self.segments if s["org_code"] == org_code]

    def org_name(self, org_code: str) -> str:
        return (self.organisations.get(org_code) or {}).get("org_name") or org_code


def _rows(conn: psycopg.Connection, query: str, params: tuple = ()) -> list[dict[str, Any]]:
    cursor = conn.execute(query, params)
    names = [c.name for c in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _columns(conn: psycopg.Connection, table: str) -> set[str]:
    rows = conn.execute(
        "select column_name from information_schema.columns where table_schema = %s and table_name = %s",
        (PUBLISHED_SCHEMA, table),
    ).fetchall()
    return {r[0] for r in rows}


def _as_bi_role(conn: psycopg.Connection, bi_role: str) -> bool:
    from psycopg import sql

    try:
        conn.execute(sql.SQL("set role {}").format(sql.Identifier(bi_role)))
        return True
    except Exception as error:  # the owner is not a member of the role: read marts as the owner
        conn.rollback()
        log.warning("site: cannot set role %s (%s); reading schema marts as the owner", bi_role, error)
        return False


def load(target: Connection, settings: Settings) -> SiteData:
    from oversight import warehouse

    with warehouse.connect(target) as conn:
        publications = _publications(conn)
        conn.rollback()
        _as_bi_role(conn, settings.bi_role)
        return _load_marts(conn, settings, publications)


def _publications(conn: psycopg.Connection) -> list[dict[str, Any]]:
    exists = conn.execute("select to_regclass('audit.publications') is not null").fetchone()[0]
    if not exists:
        return []
    rows = _rows(
        conn,
        "select publication_id, published_at, action, tables from audit.publications "
        "order by publication_id desc limit 50",
    )
    for row in rows:
        tables = row.pop("tables") or {}
        row["table_count"] = len(tables)
        row["total_rows"] = sum(int(t.get("rows", 0)) for t in tables.values())
        row["segments_rows"] = (tables.get("fct_segment") or {}).get("rows")
    return rows


def _load_marts(conn: psycopg.Connection, settings: Settings, publications: list[dict[str, Any]]) -> SiteData:
    m = PUBLISHED_SCHEMA
    segment_columns = _columns(conn, "fct_segment")
    optional = ", ".join(
        f"s.{c}" if c in segment_columns else f"null as {c}"
        for c in OPTIONAL_SEGMENT_COLUMNS
        if c != "org_name"
    )
    organisations = {
        r["org_code"]: r
        for r in _rows(conn, f"select org_code, org_name, peer_group from {m}.dim_organisation")
    }
    segments = _rows(
        conn,
        f"select s.org_code, s.period_start, s.framework_version, s.peer_group, s.average_score, "
        f"s.metrics_scored, s.provisional_segment, s.is_in_deficit, s.segment, s.rule_id, "
        f"s.rule_description, s.decision_id, s.is_indicative, s.is_applicable_version, s.data_as_of, "
        f"{optional} "
        f"from {m}.fct_segment as s order by s.org_code, s.period_start, s.framework_version",
    )
    latest_keys = _latest_trail_keys(segments)
    explanations: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in _rows(
        conn,
        f"select org_code, period_start, framework_version, item_order, item_type, item_id, description, "
        f"observed_value, score, threshold, contributes, rule_id, source_file, source_row "
        f"from {m}.fct_segment_explanation order by org_code, period_start, framework_version, item_order",
    ):
        key = (row["org_code"], str(row["period_start"]), row["framework_version"])
        if key in latest_keys:
            explanations[key].append(row)
    value_columns = _columns(conn, "fct_metric_value")
    extra = ", ".join(c if c in value_columns else f"null as {c}" for c in ("file_sha256", "loaded_at"))
    metric_values = {
        (r["org_code"], r["metric_id"], r["source_file"], str(r["source_row"])): r
        for r in _rows(
            conn,
            f"select org_code, period_start, metric_id, numerator, denominator, value, unit, source_name, "
            f"source_file, source_row, load_id, {extra} from {m}.fct_metric_value",
        )
    }
    metric_scores = _rows(
        conn,
        f"select org_code, period_start, metric_id, framework_version, peer_group, value, polarity, "
        f"rank_in_peer_group, peers_in_group, metric_score, quartile, scoring_rule_id "
        f"from {m}.fct_metric_score",
    )
    metrics = {r["metric_id"]: r for r in _rows(conn, f"select * from {m}.dim_metric")}
    paths: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    if _columns(conn, "fct_segment_path"):
        for row in _rows(
            conn, f"select * from {m}.fct_segment_path order by org_code, period_start, path_order"
        ):
            paths[(row["org_code"], str(row["period_start"]), row["framework_version"])].append(row)
    league: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in _rows(
        conn,
        f"select * from {m}.fct_league_table "
        "order by framework_version, period_start, peer_group, league_rank",
    ):
        league[(row["framework_version"], str(row["period_start"]))].append(row)
    reconciliation: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in _rows(
        conn, f"select * from {m}.fct_published_reconciliation order by published_rank nulls last"
    ):
        reconciliation[str(row["our_period_start"] or row["quarter_start"])].append(row)
    run_reports = {name: reports.read_report(name, settings) for name in RUN_REPORTS}
    raw_gates = []
    if settings.run_reports_dir.exists():
        for path in sorted(settings.run_reports_dir.glob("gate_raw_*.json")):
            report = reports.read_report(path.stem, settings) or {}
            raw_gates.append({"name": path.stem.removeprefix("gate_raw_"), **report})
    return SiteData(
        segment_columns=segment_columns,
        organisations=organisations,
        segments=segments,
        explanations=dict(explanations),
        metric_values=metric_values,
        metric_scores=metric_scores,
        metrics=metrics,
        paths=dict(paths),
        league=dict(league),
        reconciliation=dict(reconciliation),
        publications=publications,
        run_reports=run_reports,
        raw_gates=raw_gates,
    )


def latest_trail_segment(segments: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The segment whose trail a trust page shows: the latest period, in the framework version that
    applies to it (else the latest NOF 2025/26 one, else the latest of any)."""
    if not segments:
        return None
    applicable = [s for s in segments if s["is_applicable_version"]]
    pool = applicable or [s for s in segments if s["framework_version"] == "nof_2025_26"] or segments
    return max(pool, key=lambda s: (s["period_start"], s["framework_version"]))


def _latest_trail_keys(segments: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    by_org: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for s in segments:
        by_org[s["org_code"]].append(s)
    keys = set()
    for org_segments in by_org.values():
        for framework in {s["framework_version"] for s in org_segments}:
            own = [s for s in org_segments if s["framework_version"] == framework]
            latest = max(own, key=lambda s: s["period_start"])
            keys.add((latest["org_code"], str(latest["period_start"]), framework))
    return keys
