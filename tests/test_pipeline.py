"""The whole chain run by Airflow (`airflow dags test`) against a real PostgreSQL database:
ingest -> dbt build -> Great Expectations gate -> atomic publish -> docs, with known answers
computed independently from the real published files."""

from __future__ import annotations

import csv
import shutil
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from built_warehouse import Pipeline
from conftest import REPO_ROOT as REPO
from conftest import SAMPLES, validate_pending
from oversight import warehouse

pytestmark = pytest.mark.airflow

CUT_POINTS = [(Decimal("2.70"), 4), (Decimal("2.36"), 3), (Decimal("2.10"), 2), (Decimal("1.00"), 1)]


def expected_segments_from_csv(paths: list[Path], acute: set[str]) -> dict[str, tuple[Decimal, int]]:
    """Independent re-computation of one NOF 2025/26 quarter from the published monthly CSVs of its
    months: 4-hour % (all types and type 1) per acute trust from the quarter's summed attendances and
    summed over-4-hours counts (seed quarter_rule quarter_sum), competition rank within the acute
    group, score 1 + 3 (rank - 1) / (n - 1) to 2 places, average of the trust's scores to 2 places
    (half up), segment from the seeded cut points (no finance position for the quarter: no cap)."""
    totals: dict[str, list[Decimal]] = {}
    for path in paths:
        with path.open(newline="") as handle:
            for row in csv.DictReader(handle):
                org = row["Org Code"].strip()
                if org not in acute:
                    continue
                groups = ["Type 1", "Type 2", "Other A&E Department"]
                att = sum(Decimal(row[f"A&E attendances {g}"]) for g in groups) + sum(
                    Decimal(row[f"A&E attendances Booked Appointments {g}"])
                    for g in ("Type 1", "Type 2", "Other Department")
                )
                departments = ("Type 1", "Type 2", "Other Department")
                over = sum(Decimal(row[f"Attendances over 4hrs {g}"]) for g in departments) + sum(
                    Decimal(row[f"Attendances over 4hrs Booked Appointments {g}"])
                    for g in ("Type 1", "Type 2", "Other Department")
                )
                att1 = Decimal(row["A&E attendances Type 1"]) + Decimal(
                    row["A&E attendances Booked Appointments Type 1"]
                )
                over1 = Decimal(row["Attendances over 4hrs Type 1"]) + Decimal(
                    row["Attendances over 4hrs Booked Appointments Type 1"]
                )
                summed = totals.setdefault(org, [Decimal(0)] * 4)
                for i, n in enumerate((att, over, att1, over1)):
                    summed[i] += n
    all_types: dict[str, Decimal] = {}
    type1: dict[str, Decimal] = {}
    for org, (att, over, att1, over1) in totals.items():
        if att > 0:
            all_types[org] = (100 * (att - over) / att).quantize(Decimal("0.0001"), ROUND_HALF_UP)
        if att1 > 0:
            type1[org] = (100 * (att1 - over1) / att1).quantize(Decimal("0.0001"), ROUND_HALF_UP)

    scores: dict[str, list[Decimal]] = {}
    for values in (all_types, type1):
        n = len(values)
        for org, value in values.items():
            rank = 1 + sum(1 for other in values.values() if other > value)
            score = Decimal(1) if n == 1 else 1 + Decimal(3) * (rank - 1) / (n - 1)
            scores.setdefault(org, []).append(score.quantize(Decimal("0.01"), ROUND_HALF_UP))
    result = {}
    for org, org_scores in scores.items():
        average = (sum(org_scores) / len(org_scores)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        result[org] = (average, next(seg for bound, seg in CUT_POINTS if average >= bound))
    return result


def test_make_run_chain_publishes_marts_with_known_answers(built: Pipeline) -> None:
    """The session's build (conftest `built`: every DAG by Airflow over every bundled sample)."""
    pipeline = built
    assert set(pipeline.outcome.values()) == {"ok"}, pipeline.outcome

    # A&E 4-hour %, Manchester University (R0A), June 2024: line 111 of the published CSV.
    # all types: (24223+3076+11452+3430+491+918) = 43590 attendances,
    #            (10837+74+630+1478+13+97) = 13129 over 4 hours -> 30461 / 43590 = 69.8807 %
    # type 1:    24223 + 3430 = 27653 attendances, 10837 + 1478 = 12315 over -> 15338 / 27653 = 55.4660 %
    rows = pipeline.query(
        "select metric_id, numerator, denominator, value, source_file, source_row "
        "from marts.fct_metric_value "
        "where org_code = 'R0A' and period_start = '2024-06-01' order by metric_id"
    )
    assert rows == [
        (
            "ae_4hr_all_types",
            Decimal("30461"),
            Decimal("43590"),
            Decimal("69.8807"),
            "Monthly-AE-June-2024.csv",
            111,
        ),
        (
            "ae_4hr_type1",
            Decimal("15338"),
            Decimal("27653"),
            Decimal("55.4660"),
            "Monthly-AE-June-2024.csv",
            111,
        ),
    ]
    # England all-types June 2024 from the trusts' rows can't exceed the file's TOTAL (74.6 % nationally)
    # Segments: NOF 2025/26 by quarter. Recompute Q3 2024/25 (October-December 2024; the samples hold
    # October and November, both revised files) independently from the two files.
    acute = {
        code
        for (code,) in pipeline.query(
            "select org_code from marts.dim_organisation where peer_group = 'acute'"
        )
    }
    expected = expected_segments_from_csv(
        [
            pipeline.landing / "ae" / "Monthly-AE-October-2024-revised.csv",
            pipeline.landing / "ae" / "Monthly-AE-November-2024-revised.csv",
        ],
        acute,
    )
    # the trusts of the bundled (cut) NSS24 workbook are also scored on its two staff metrics
    # (survey year 2024): their averages are not A&E-only, so the A&E recomputation covers the rest
    with_other_metrics = {
        code
        for (code,) in pipeline.query(
            "select distinct org_code from marts.fct_metric_score where period_start = '2024-10-01' "
            "and framework_version = 'nof_2025_26' and left(metric_id, 3) <> 'ae_'"
        )
    }
    actual = {
        org: (avg, seg)
        for org, avg, seg in pipeline.query(
            "select org_code, average_score, segment from marts.fct_segment "
            "where period_start = '2024-10-01' and period_end = '2024-12-31' "
            "and framework_version = 'nof_2025_26' and peer_group = 'acute' and average_score is not null"
        )
        if org not in with_other_metrics
    }
    assert len(actual) > 90  # the A&E-only trusts: most of the 120-odd acute trusts
    assert actual == {org: v for org, v in expected.items() if org not in with_other_metrics}
    # ... and every one of them is indicative: 2 (4 with the staff survey) of the 17 metrics NOF
    # 2025/26 scores for a non-specialist acute trust (seed framework_metrics; 14 for a specialist)
    statuses = pipeline.query(
        "select segment_status, metrics_scored, metrics_expected, count(*) from marts.fct_segment "
        "where period_start = '2024-10-01' and framework_version = 'nof_2025_26' and peer_group = 'acute' "
        "and average_score is not null group by 1, 2, 3 order by 1, 2, 3"
    )
    assert {status for status, _, _, _ in statuses} == {"indicative"}
    assert all(1 <= scored <= 4 for _, scored, _, _ in statuses)  # 2 A&E + up to 2 staff survey
    assert {expected_metrics for _, _, expected_metrics, _ in statuses} <= {14, 17}
    # no league rank without segmented
    assert pipeline.query(
        "select count(*) from marts.fct_league_table where league_rank is not null "
        "and segment_status <> 'segmented'"
    ) == [(0,)]
    # names as people read them
    assert pipeline.query("select org_name from marts.dim_organisation where org_code = 'RJ1'") == [
        ("Guy's and St Thomas' NHS Foundation Trust",)
    ]

    # one segment per org x period x framework, each with the rule that set it
    assert pipeline.query("select count(*) from marts.fct_segment where rule_id is null") == [(0,)]
    # lineage docs and Data Docs are on disk
    settings = pipeline.settings()
    assert (settings.lineage_site_dir / "index.html").stat().st_size > 10_000
    assert (settings.data_docs_site_dir / "index.html").exists()


def test_make_run_shows_a_line_for_every_task_of_every_dag_as_it_ends(built: Pipeline) -> None:
    """The runner's TASK lines (an Airflow listener in the runner process), in the order Airflow ran
    the tasks, before their DAG's line; what `make run` prints one line each (oversight.progress)."""
    from oversight.progress import leading_json

    lines = [line for line in built.output.splitlines() if line.startswith(("TASK ", "DAG "))]
    done = [(kind, leading_json(rest)) for kind, _, rest in (line.partition(" ") for line in lines)]
    tasks: dict[str, list[tuple[str, str]]] = {}
    for kind, record in done:
        if kind == "TASK":
            tasks.setdefault(record["dag_id"], []).append((record["task_id"], record["state"]))
            assert record["seconds"] is not None and record["seconds"] >= 0
        else:  # a DAG's line follows all of its tasks' lines
            assert record["dag_id"] in tasks, record
    assert tasks.pop("build_and_publish_marts") == [
        (task, "ok") for task in ("dbt_build", "gate", "publish", "lineage_docs", "build_site")
    ]
    assert set(tasks) == set(built.outcome) - {"build_and_publish_marts"}
    for dag_id, ran in tasks.items():
        source = dag_id.removeprefix("ingest_")
        assert ran == [
            (f"fetch_{source}", "ok"),
            ("load_new_files", "ok"),
            ("validate_new_rows", "ok"),
            ("report_quarantined_files", "ok"),
        ], dag_id


def test_bi_role_reads_marts_and_nothing_else(built: Pipeline) -> None:
    import psycopg

    pipeline = built
    role = pipeline.settings().bi_role
    with warehouse.connect(pipeline.target) as conn:
        conn.execute(f'set role "{role}"')
        assert conn.execute("select count(*) from marts.fct_segment").fetchone()[0] > 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select count(*) from raw.ae_monthly")
        conn.rollback()
        conn.execute(f'set role "{role}"')
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("delete from marts.fct_segment")


def test_every_table_dbt_built_was_analyzed_as_it_was_built(built: Pipeline) -> None:
    """macros/analyze_table.sql: planner statistics for each table model before the next model
    reads it. An explicit ANALYZE sets last_analyze (autovacuum sets last_autoanalyze only, and
    is off on the shared PostgreSQL 15); the schema swap of publish keeps the tables' statistics."""
    with warehouse.connect(built.target) as conn:
        tables = conn.execute(
            "select s.schemaname, s.relname, s.last_analyze is not null from pg_stat_user_tables s "
            "where s.schemaname in ('staging', 'intermediate', 'marts') order by 1, 2"
        ).fetchall()
    by_schema = {schema: [t for s, t, _ in tables if s == schema] for schema in ("intermediate", "marts")}
    assert "fct_segment" in by_schema["marts"] and "int_rtt__metric_values" in by_schema["intermediate"]
    assert "stg_cancer__month_vintages" in {t for s, t, _ in tables if s == "staging"}  # a staging table
    assert [f"{s}.{t}" for s, t, analyzed in tables if not analyzed] == []


def test_staff_survey_staging_puts_the_swapped_2021_region_and_ics_right(built: Pipeline) -> None:
    """Raw keeps Region / ICS/STP as published (swapped in 2021, the ICS in ICS/STP in 2022, in ICS
    from 2023: test_staff_survey.py); staging gives every year the NHS England region and the ICS
    (the STP in 2021). Known answers: Barts Health (R1H) in the real sample, and 25 trusts a year."""
    rows = built.query(
        "select survey_year, region_name, ics_name, region_ics_swapped "
        "from staging.stg_staff_survey__organisation_results where org_code = 'R1H' order by 1"
    )
    assert rows == [
        (2021, "London", "East London Health and Care Partnership", True),
        (2022, "London", "North East London", False),
        (2023, "London", "North East London", False),
        (2024, "London", "North East London", False),
    ]
    regions = [
        "East of England",
        "London",
        "Midlands",
        "North East and Yorkshire",
        "North West",
        "South East",
        "South West",
    ]
    per_year = built.query(
        "select survey_year, count(*) filter (where region_name = any(%s)) "
        "from staging.stg_staff_survey__organisation_results group by 1 order by 1",
        (regions,),
    )
    assert per_year == [(2021, 25), (2022, 25), (2023, 25), (2024, 25)]


def test_second_run_loads_nothing_and_leaves_marts_identical(built_copy: Pipeline) -> None:
    pipeline = built_copy
    before = pipeline.fingerprint()
    manifest_before = pipeline.query("select count(*) from raw.load_manifest")
    outcome = pipeline.run_all()
    assert set(outcome.values()) == {"ok"}, outcome
    assert pipeline.query("select count(*) from raw.load_manifest") == manifest_before
    assert pipeline.fingerprint() == before
    assert pipeline.query("select action from audit.publications order by publication_id desc limit 1") == [
        ("unchanged",)
    ]


def test_bad_file_is_rejected_by_its_dag_and_none_of_its_rows_is_kept(built_copy: Pipeline) -> None:
    pipeline = built_copy
    raw_before = pipeline.fingerprint("raw")
    lines = (SAMPLES / "ae" / "Monthly-AE-November-2024-revised.csv").read_text().splitlines(keepends=True)
    lines = [line.replace("NOVEMBER-2024", "DECEMBER-2024") for line in lines]
    lines[40] = (
        lines[40].split(",")[0]
        + ","
        + ",".join(["RXX"] + lines[40].split(",")[2:4] + ["-5"] + lines[40].split(",")[5:])
    )
    (pipeline.landing / "ae" / "Monthly-AE-December-2024.csv").write_text("".join(lines))

    result = pipeline.dag("ingest_ae")
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "Monthly-AE-December-2024.csv, row 41: rule 'count_is_not_negative'" in output
    assert pipeline.query(
        "select status from raw.load_manifest where file_name = 'Monthly-AE-December-2024.csv'"
    ) == [("quarantined",)]
    assert (pipeline.settings().quarantine_dir / "ae" / "Monthly-AE-December-2024.csv.reason.txt").exists()
    # not one row of it in raw (rows of the good part included): only the manifest row changed
    assert pipeline.query(
        "select count(*) from raw.ae_monthly where _source_file = 'Monthly-AE-December-2024.csv'"
    ) == [(0,)]
    raw_after = pipeline.fingerprint("raw")
    assert {t: v for t, v in raw_after.items() if t != "load_manifest"} == {
        t: v for t, v in raw_before.items() if t != "load_manifest"
    }


def test_a_failing_expectation_blocks_publication(
    built_copy: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build schema holding the published marts with one value corrupted: the gate fails naming
    the expectation, table and row, and publish is never reached, so `marts` is exactly as it was.
    (The build schema is a copy of `marts`, not a dbt build: the gate reads whatever is there.)"""
    from psycopg import sql

    from oversight import tasks
    from oversight.dbt_manifest import published_marts
    from oversight.errors import GateFailedError

    pipeline = built_copy
    for key, value in pipeline.env().items():
        monkeypatch.setenv(key, value)
    before = pipeline.fingerprint()
    with warehouse.connect(pipeline.target) as conn:
        conn.execute("create schema marts__build")
        for table in published_marts(pipeline.settings()):
            conn.execute(
                sql.SQL("create table {} as table {}").format(
                    sql.Identifier("marts__build", table), sql.Identifier("marts", table)
                )
            )
        updated = conn.execute(
            "update marts__build.fct_metric_value set value = 140 "
            "where org_code = 'R0A' and period_start = '2024-06-01' and metric_id = 'ae_4hr_all_types'"
        ).rowcount
    assert updated == 1
    with pytest.raises(GateFailedError) as error:
        tasks.gate_marts()
    message = str(error.value)
    assert "expect_column_values_to_be_between" in message
    assert "fct_metric_value" in message and "R0A" in message
    assert pipeline.fingerprint() == before


def test_changing_one_cut_point_in_the_seed_changes_the_affected_segments(
    built_copy: Pipeline, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Raise the NOF 2025/26 segment 3 cut point from 2.36 to 2.60 in a copy of the dbt project:
    trusts whose average lies in [2.36, 2.60) move from segment 3 to 2 (deficit cap aside), those at
    2.60 or above stay in 3, and their explanation rows show the new cut point."""
    from oversight import tasks

    pipeline = built_copy
    project = tmp_path / "dbt_project"
    shutil.copytree(REPO / "dbt_project", project, ignore=shutil.ignore_patterns("target", "logs"))
    seed = project / "seeds" / "nof_segment_cut_points.csv"
    old_row = next(line for line in seed.read_text().splitlines() if ".segment_3," in line)
    assert ",3,2.36," in old_row
    seed.write_text(seed.read_text().replace(old_row, old_row.replace(",3,2.36,", ",3,2.60,")))
    for key, value in pipeline.env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("DBT_PROJECT_DIR", str(project))

    before = dict(
        ((org, period), (avg, seg))
        for org, period, avg, seg in pipeline.query(
            "select org_code, period_start, average_score, segment from marts.fct_segment "
            "where framework_version = 'nof_2025_26' and not coalesce(is_in_deficit, false) "
            "and average_score is not null"
        )
    )
    tasks.build_marts()
    tasks.gate_marts()
    tasks.publish_marts()
    after = {
        (org, period): (avg, seg, rule)
        for org, period, avg, seg, rule in pipeline.query(
            "select org_code, period_start, average_score, segment, rule_id from marts.fct_segment "
            "where framework_version = 'nof_2025_26' and not coalesce(is_in_deficit, false) "
            "and average_score is not null"
        )
    }
    moved = {k for k, (avg, seg) in before.items() if Decimal("2.36") <= avg < Decimal("2.60")}
    stayed = {k for k, (avg, seg) in before.items() if Decimal("2.60") <= avg < Decimal("2.70")}
    assert moved and stayed
    assert all(before[k][1] == 3 and after[k][1] == 2 for k in moved)
    assert all(after[k][1] == 3 and after[k][2] == "nof_2025_26.q3_league_tables.segment_3" for k in stayed)
    org, period = sorted(stayed)[0]
    cut = pipeline.query(
        "select threshold, description from marts.fct_segment_explanation where org_code = %s "
        "and period_start = %s and framework_version = 'nof_2025_26' and item_type = 'cut_point'",
        (org, period),
    )
    assert cut[0][0] == Decimal("2.60") and "cut point 2.60" in cut[0][1]


def test_a_recorded_decision_sets_segment_5_and_shows_in_the_explanation(
    built_copy: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    from oversight import tasks

    pipeline = built_copy

    for key, value in pipeline.env().items():
        monkeypatch.setenv(key, value)
    org = pipeline.query(
        "select org_code from marts.fct_segment where framework_version = 'nof_2025_26' "
        "and period_start = '2024-10-01' and segment is not null order by org_code limit 1"
    )[0][0]
    with warehouse.connect(pipeline.target) as conn:
        conn.execute(
            "insert into raw.decisions (decision_id, org_code, framework_version, decision_type, segment, "
            "effective_from, decided_by, decided_on, reason, source_document) values "
            "('test-pip-1', %s, 'nof_2025_26', 'segment_5_pip', 5, '2024-10-01', 'regional oversight panel', "
            "'2024-10-28', 'most challenged provider: intensive support', 'panel minutes 2024-10-28')",
            (org,),
        )
    tasks.build_marts()
    tasks.gate_marts()
    tasks.publish_marts()
    rows = pipeline.query(
        "select period_start, segment, rule_id from marts.fct_segment where org_code = %s "
        "and framework_version = 'nof_2025_26' and period_start >= '2024-07-01' "
        "order by period_start",
        (org,),
    )
    assert rows[0][1] != 5 and rows[1] == (
        date(2024, 10, 1),
        5,
        "test-pip-1",
    )  # from its effective date on: Q3 2024/25
    items = pipeline.query(
        "select item_type, description, source_file from marts.fct_segment_explanation "
        "where org_code = %s and period_start = '2024-10-01' "
        "and framework_version = 'nof_2025_26' and item_order = 1",
        (org,),
    )
    assert items[0][0] == "decision" and "regional oversight panel" in items[0][1]
    assert items[0][2] == "panel minutes 2024-10-28"


def test_an_unknown_trust_in_the_finance_file_fails_the_build_and_publishes_nothing(
    built_copy: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rule finance_org_code_is_a_known_trust: RZZ is a well-formed code that no ODS file knows."""
    from oversight import loader, tasks

    pipeline = built_copy
    for key, value in pipeline.env().items():
        monkeypatch.setenv(key, value)
    name = "finance-positions-2025-26-Q4.csv"
    (pipeline.landing / "finance" / name).write_text(
        "org_code,org_name,period,in_deficit,receiving_deficit_support,plan,actual,unit,source_document,notes\n"
        "RZZ,NO SUCH TRUST,2025-26 Q4,Y,N,-1.0,-1.5,pct_of_turnover,test,constructed\n"
    )
    before = pipeline.fingerprint()
    [result] = [
        r
        for r in loader.ingest_source("finance", pipeline.target, pipeline.settings())
        if r.file_name == name
    ]
    assert result.status == "loaded"
    validate_pending(pipeline.target, [result.load_id])  # well-formed: its raw suite passes it
    with pytest.raises(RuntimeError) as error:
        tasks.build_marts()
    assert "assert_finance_positions_name_known_trusts" in str(error.value)
    assert pipeline.fingerprint() == before


def test_the_docs_of_a_run_leave_the_next_build_a_partial_parse(built: Pipeline, tmp_path: Path) -> None:
    """The session's run ended with `dbt docs generate` (other --vars, the published schemas): the
    next build on the same warehouse still parses partially (dbt re-parses the whole project
    when the vars of the last parse in its target folder differ), because docs and unit tests
    keep their own target folder."""
    from oversight import transform

    home = tmp_path / "home"
    shutil.copytree(built.home / "dbt", home / "dbt")
    assert list((home / "dbt").glob("*/catalog.json"))  # the run's docs were generated
    settings = built.settings().model_copy(update={"home": home})
    log = home / "dbt" / "logs" / "dbt.log"
    before = log.stat().st_size if log.exists() else 0
    vars_ = transform.build_vars(transform.project_fingerprint(settings))
    result = transform.run_dbt(["parse", "--vars", vars_], built.target, settings)
    assert result.success, result.failures
    with log.open() as handle:
        handle.seek(before)
        parse_log = handle.read()
    assert "Unable to do partial parsing" not in parse_log
    assert "Partial parsing enabled" in parse_log


def test_the_build_runs_each_mart_rule_once_leaving_the_gated_ones_to_the_gate(built: Pipeline) -> None:
    """The session's real run: the dbt build ran every data test except those the GX marts gate
    checks, and the gate checked those (its report counts them); no test ran nowhere."""
    import json

    from oversight.dbt_manifest import mart_declarations
    from oversight.gate.derived import gated_test_ids

    target = built.home / "dbt" / "target"
    run = json.loads((target / "run_results.json").read_text())
    assert run["args"]["which"] == "build"
    ran = {r["unique_id"] for r in run["results"]}
    nodes = json.loads((target / "manifest.json").read_text())["nodes"]
    tests = {uid for uid, node in nodes.items() if node["resource_type"] == "test"}
    gated = set(gated_test_ids(mart_declarations(built.settings())))

    def named(prefix: str) -> str:
        [uid] = [t for t in tests if t.split(".")[2].startswith(prefix)]
        return uid

    assert named("not_null_fct_segment_org_code") in gated - ran
    assert named("unique_combination_fct_segment_org_code__period_start__framework_version") in gated - ran
    # left to dbt: a relationship to a seed, a warning, and the singular tests on the marts
    assert named("relationships_fct_segment_framework_version__framework_version__ref_framework") in ran
    assert named("accepted_values_fct_published_reconciliation_published_path_segment_difference") in ran
    assert named("assert_every_segment_has_an_explanation") in ran
    assert tests - gated <= ran and not gated & ran
    [gate_report] = [
        json.loads(p.read_text()) for p in built.settings().run_reports_dir.glob("*/gate_marts.json")
    ]
    assert gate_report["success"] and gate_report["evaluated"] > len(gated)


def test_a_run_leaves_a_dbt_log_line_for_every_node_it_built(built: Pipeline) -> None:
    """The build asks dbt for warnings only on the console; its file log still has each node."""
    log = (built.home / "dbt" / "logs" / "dbt.log").read_text()
    assert "OK created sql table model marts__build.fct_segment " in log
    assert "PASS assert_every_segment_has_an_explanation" in log
    assert "\x1b[" not in log  # no terminal colours in the file
