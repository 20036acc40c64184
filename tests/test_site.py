"""The results and lineage site, built by `build_and_publish_marts` (task build_site) after the whole
chain ran with Airflow over the bundled samples, opened in headless Chromium; OpenLineage events;
BI readiness (column comments, the read-only role)."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
import yaml

from built_warehouse import Pipeline
from conftest import REPO_ROOT
from headless_chromium import Browser, ensure_chromium

pytestmark = pytest.mark.airflow

SCREENSHOTS = REPO_ROOT / ".local" / "site" / "screenshots"
MARTS_YAML = sorted((REPO_ROOT / "dbt_project" / "models" / "marts").glob("*.yml"))
DOC_BLOCK = re.compile(r"{%\s*docs\s+(\w+)\s*%}(.*?){%\s*enddocs\s*%}", re.DOTALL)
DOC_REF = re.compile(r"""{{\s*doc\(\s*['"](\w+)['"]\s*\)\s*}}""")


@pytest.fixture(autouse=True)
def _built_by_every_dag(built: Pipeline) -> None:
    """The site is read from the session's build (conftest `built`), which every DAG must have passed."""
    assert set(built.outcome.values()) == {"ok"}, built.outcome


@pytest.fixture(scope="module")
def browser():  # noqa: ANN201
    b = Browser(ensure_chromium())
    yield b
    b.close()


def site_dir(built: Pipeline) -> Path:
    return built.home / "site"


def trust_with_a_scored_latest_segment(built: Pipeline) -> tuple[str, str]:
    """A trust whose latest segment is NOF 2025/26 (the framework that applies) with 2+ metric scores."""
    rows = built.query(
        "select org_code, period_start::text from marts.fct_segment as s "
        "where framework_version = 'nof_2025_26' and is_applicable_version and metrics_scored >= 2 "
        "and period_start = (select max(period_start) from marts.fct_segment as x "
        "where x.org_code = s.org_code) "
        "order by org_code limit 1"
    )
    assert rows, "the samples should give at least one trust scored on 2+ metrics under NOF 2025/26"
    return rows[0]


TRUST_PAGE_FIGURES = """(() => {
  const card = document.querySelector('[data-testid=latest-segment]');
  const text = (el, sel) => el.querySelector(sel).textContent.trim();
  return {
    org: card.dataset.org, period: card.dataset.period, framework: card.dataset.framework,
    segment: text(card, '[data-field=segment]'), average: text(card, '[data-field=average_score]'),
    metrics: [...document.querySelectorAll('[data-testid=metric-trail] tr[data-metric]')].map(r => ({
      metric: r.dataset.metric, score: text(r, '[data-field=metric_score]'),
      file: text(r, '[data-field=source_file]'), row: text(r, '[data-field=source_row]'),
      sha256: r.querySelector('[data-field=file_sha256]').dataset.full,
      load_id: text(r, '[data-field=load_id]'),
    })),
    charts: document.querySelectorAll('.chart svg').length,
  };
})()"""


def test_pages_open_offline_with_no_console_error_and_no_request_leaving_the_machine(
    built: Pipeline, browser: Browser
) -> None:
    site = site_dir(built)
    org_code, _ = trust_with_a_scored_latest_segment(built)
    (period,) = built.query(
        "select max(period_start)::text from marts.fct_segment where framework_version = 'nof_2025_26'"
    )[0]
    pages = {
        "index": site / "index.html",
        "trust": site / "trusts" / f"{org_code}.html",
        "quarter": site / "quarters" / "nof_2025_26" / f"{period}.html",
        "lineage": site / "lineage.html",
        "data-docs": site / "data-docs" / "index.html",
    }
    for name, page in pages.items():
        assert page.exists(), f"{name} page missing: {page}"
        visit = browser.open(page.as_uri(), screenshot=SCREENSHOTS / f"{name}.png")
        assert visit.requests, f"{name}: the browser made no request at all"
        assert visit.remote_requests == [], f"{name} loads from the network: {visit.remote_requests}"
        assert visit.console_errors == [], f"{name}: console errors {visit.console_errors}"
        assert visit.failed_requests == [], f"{name}: failed requests {visit.failed_requests}"
        assert (SCREENSHOTS / f"{name}.png").stat().st_size > 10_000


def test_trust_page_figures_equal_the_marts_down_to_the_file_row_and_sha256(
    built: Pipeline, browser: Browser
) -> None:
    org_code, period = trust_with_a_scored_latest_segment(built)
    page = site_dir(built) / "trusts" / f"{org_code}.html"
    shown = browser.open(page.as_uri(), expression=TRUST_PAGE_FIGURES).value
    segment, average = built.query(
        "select segment, average_score from marts.fct_segment "
        "where org_code = %s and period_start = %s and framework_version = 'nof_2025_26'",
        (org_code, period),
    )[0]
    assert (shown["org"], shown["period"], shown["framework"]) == (org_code, period, "nof_2025_26")
    assert shown["segment"] == str(segment)
    assert shown["average"] == f"{average:.2f}"
    items = built.query(
        "select e.item_id, e.score, e.source_file, e.source_row, v.file_sha256, v.load_id "
        "from marts.fct_segment_explanation as e join marts.fct_metric_value as v "
        "on v.org_code = e.org_code and v.metric_id = e.item_id "
        "and v.source_file = e.source_file and v.source_row = e.source_row "
        "where e.org_code = %s and e.period_start = %s and e.framework_version = 'nof_2025_26' "
        "and e.item_type = 'metric_score' order by e.item_order",
        (org_code, period),
    )
    assert len(items) >= 2
    assert [m["metric"] for m in shown["metrics"]] == [i[0] for i in items]
    for figure, (_, score, source_file, source_row, sha256, load_id) in zip(
        shown["metrics"], items, strict=True
    ):
        assert figure["score"] == f"{score:.2f}"
        assert (figure["file"], figure["row"]) == (source_file, str(source_row))
        assert (figure["sha256"], figure["load_id"]) == (sha256, str(load_id))
        # known answer: the sha256 shown is the sha256 of the publisher's file in the landing folder
        landing_file = next(built.landing.rglob(source_file))
        assert figure["sha256"] == hashlib.sha256(landing_file.read_bytes()).hexdigest()
    assert shown["charts"] >= 2  # metrics against peer quartiles, segment history


def test_openlineage_events_for_an_ingest_and_the_build_and_the_lineage_page_draws_them(
    built: Pipeline,
) -> None:
    events = [json.loads(line) for line in (built.home / "lineage" / "events.jsonl").read_text().splitlines()]
    airflow_runs = {e["run"]["runId"]: e["job"]["name"] for e in events if "apache/airflow" in e["producer"]}
    # Airflow's own provider: START and COMPLETE of the ingest task and of the dbt build task
    assert "ingest_ae.load_new_files" in airflow_runs.values()
    assert "build_and_publish_marts.dbt_build" in airflow_runs.values()
    # the load: landing file -> raw table, child of the Airflow task run, with the file's sha256
    loads = [e for e in events if e["job"]["name"] == "oversight.load.ae" and e["eventType"] == "COMPLETE"]
    ae_files = sorted(p.name for p in (built.landing / "ae").glob("*.csv"))
    assert sorted(Path(e["inputs"][0]["name"]).name for e in loads) == ae_files
    first = loads[0]
    assert airflow_runs[first["run"]["facets"]["parent"]["run"]["runId"]] == "ingest_ae.load_new_files"
    assert first["outputs"][0]["name"] == f"{built.target.dbname}.raw.ae_monthly"
    landed = Path(first["inputs"][0]["name"])
    facet = first["inputs"][0]["facets"]["oversightLandingFile"]
    assert facet["sha256"] == hashlib.sha256(landed.read_bytes()).hexdigest()
    # the build: one event per dbt node, published names, parents as inputs
    segment = next(
        e
        for e in events
        if e["job"]["name"] == "oversight.model.fct_segment" and e["eventType"] == "COMPLETE"
    )
    assert segment["outputs"][0]["name"] == f"{built.target.dbname}.marts.fct_segment"
    assert f"{built.target.dbname}.intermediate.int_segments__nof_2025_26" in {
        i["name"] for i in segment["inputs"]
    }
    assert (
        airflow_runs[segment["run"]["facets"]["parent"]["run"]["runId"]]
        == "build_and_publish_marts.dbt_build"
    )
    staging = next(e for e in events if e["job"]["name"] == "oversight.model.stg_ae__provider_monthly")
    assert f"{built.target.dbname}.raw.ae_monthly" in {i["name"] for i in staging["inputs"]}
    # the lineage page: the file -> raw -> staging chain, with links into dbt docs
    html = (site_dir(built) / "lineage.html").read_text()
    assert ae_files[0] in html
    assert "lineage/index.html#!/source/source.oversight.raw.ae_monthly" in html
    assert "lineage/index.html#!/model/model.oversight.stg_ae__provider_monthly" in html
    assert "lineage/index.html#!/model/model.oversight.fct_segment" in html


def test_gx_data_docs_load_nothing_from_a_cdn(built: Pipeline) -> None:
    from oversight.site.datadocs import CDN_ASSETS, REMOTE_LOAD

    pages = list((site_dir(built) / "data-docs").rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        text = page.read_text()
        assert REMOTE_LOAD.findall(text) == [], page
        for url in CDN_ASSETS:
            assert url not in text, (page, url)
    assert (site_dir(built) / "data-docs" / "static" / "vendor" / "bootstrap.min.css").exists()


def doc_blocks() -> dict[str, str]:
    """The project's doc blocks ({% docs name %}...{% enddocs %} in models/**/*.md), as dbt renders them."""
    text = "".join(p.read_text() for p in sorted((REPO_ROOT / "dbt_project" / "models").rglob("*.md")))
    return {name: body.strip() for name, body in DOC_BLOCK.findall(text)}


def documented_columns() -> dict[str, dict[str, str]]:
    """Column descriptions of the marts' YAML, with {{ doc('...') }} references rendered."""
    blocks = doc_blocks()
    models: dict[str, dict[str, str]] = {}
    for path in MARTS_YAML:
        for model in (yaml.safe_load(path.read_text()) or {}).get("models", []):
            models[model["name"]] = {
                c["name"]: DOC_REF.sub(lambda m: blocks[m.group(1)], c.get("description", ""))
                for c in model.get("columns", [])
            }
    return models


def test_every_documented_mart_column_is_a_postgresql_comment(built: Pipeline) -> None:
    """persist_docs: what dbt docs say about a column is what a BI tool reads from the catalog."""
    documented = documented_columns()
    assert "fct_segment_path" in documented
    comments = {
        (table, column): comment
        for table, column, comment in built.query(
            "select c.table_name, c.column_name, col_description(format('%%I.%%I', c.table_schema, "
            "c.table_name)::regclass, c.ordinal_position) from information_schema.columns as c "
            "where c.table_schema = 'marts'"
        )
    }
    checked = 0
    for model, columns in documented.items():
        for column, description in columns.items():
            if (model, column) not in comments or not description:
                continue
            assert (comments[(model, column)] or "").strip() == description.strip(), (model, column)
            checked += 1
    assert checked > 100
    (table_comment,) = built.query("select obj_description('marts.fct_segment_path'::regclass)")[0]
    assert table_comment and table_comment.startswith("The path to the next segment")


@pytest.mark.parametrize(
    "statement",
    [
        "select count(*) from raw.ae_monthly",
        "select count(*) from raw.load_manifest",
        "select count(*) from staging.stg_ae__provider_monthly",
        "select count(*) from intermediate.int_segments__nof_2025_26",
        "select count(*) from reference.nof_segment_cut_points",
        "select count(*) from audit.publications",
        "delete from marts.fct_segment",
        "insert into marts.dim_metric (metric_id) values ('x')",
        "update marts.fct_segment set segment = 1",
        "create table marts.bi_scratch (x int)",
        "create table public.bi_scratch (x int)",
        "drop table marts.fct_segment",
    ],
)
def test_the_bi_role_reads_marts_and_can_neither_read_elsewhere_nor_write(
    built: Pipeline, statement: str
) -> None:
    import psycopg

    from oversight import warehouse

    role = built.settings().bi_role
    with warehouse.connect(built.target) as conn:
        conn.execute(f'set role "{role}"')
        assert conn.execute("select count(*) from marts.fct_segment").fetchone()[0] > 0
        assert conn.execute("select count(*) from marts.fct_segment_path").fetchone()[0] > 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(statement)
