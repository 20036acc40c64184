"""The Great Expectations gate on a real PostgreSQL: small hand-made marts with known rows, and the
raw tables after loading real sample files. Each failure must name the expectation, the table and
an offending row, after the validation results and Data Docs are written."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO_ROOT, SAMPLES, copy_sample, query
from oversight import loader, warehouse
from oversight.errors import GateFailedError
from oversight.gate import GateReport, run_gate
from oversight.gate.runner import gx_root
from oversight.gate.suites import contracts_for
from oversight.settings import get_settings

GX_DIR = REPO_ROOT / "expectations" / "gx"

MARTS_DDL = """
create schema marts__build;
create table marts__build.dim_metric (metric_id text, polarity text);
insert into marts__build.dim_metric values
    ('ae_4hr_all', 'higher_is_better'), ('ae_4hr_type1', 'higher_is_better');
create table marts__build.dim_organisation (org_code text, org_name text, peer_group text);
create table marts__build.fct_metric_value (
    org_code text, period_start date, metric_id text, numerator numeric, denominator numeric,
    value numeric, unit text, source_file text, source_row integer);
create table marts__build.fct_metric_score (
    org_code text, period_start date, metric_id text, framework_version text, peer_group text,
    value numeric, metric_score numeric, quartile integer);
create table marts__build.fct_segment (
    org_code text, period_start date, period_end date, framework_version text, average_score numeric,
    segment integer, segment_range_low integer, segment_range_high integer,
    rule_id text, segment_status text, coverage numeric, minimum_coverage numeric,
    requires_every_domain boolean, domains_expected integer, domains_scored integer, is_in_deficit boolean,
    deficit_status text, deficit_source_file text, decision_id text);

insert into marts__build.dim_organisation values
    ('RAA', 'Alpha Hospitals NHS Trust', 'acute'),
    ('RBB', 'Beta Community NHS Trust', 'non_acute'),
    ('RXX', 'X-Ray Ambulance Service NHS Trust', 'ambulance'),
    ('RYY', 'Yankee Hospitals NHS Trust', 'acute');

-- 3 organisations x 2 periods x 2 metrics
insert into marts__build.fct_metric_value
select org_code, period_start, metric_id, 70 + n, 100 + n, round(100.0 * (70 + n) / (100 + n), 2), '%',
       'Monthly-AE-June-2024.csv', n
from (select org_code, period_start, metric_id, row_number() over () as n
      from (values ('RAA'), ('RBB'), ('RXX')) o(org_code),
           (values (date '2024-06-01'), (date '2024-07-01')) p(period_start),
           (values ('ae_4hr_all'), ('ae_4hr_type1')) m(metric_id)) keys;

insert into marts__build.fct_metric_score
select org_code, period_start, metric_id, 'nof_2025_26', 'acute', value,
       1 + (source_row % 4), 1 + (source_row % 4)
from marts__build.fct_metric_value;

-- segmented at 10 of 16 metrics (0.625 >= 0.5) in 4 of 4 domains, not in deficit per a finance file
insert into marts__build.fct_segment
select org_code, period_start, (period_start + interval '1 month - 1 day')::date, 'nof_2025_26', 2.5,
       1 + (count(*) % 5)::int, 1, 4, 'NOF25-SEG-2', 'segmented', 0.625, 0.5, true, 4, 4, false,
       'not_in_deficit', 'finance-positions-2025-26-Q1.csv', null
from marts__build.fct_metric_value group by org_code, period_start;

create table marts__build.fct_segment_domain_coverage as
select org_code, period_start, framework_version, 'access to services' as domain, 4 as metrics_expected,
       3 as metrics_scored
from marts__build.fct_segment;

create table marts__build.fct_segment_explanation as
select org_code, period_start, framework_version, 1 as item_order, 'cut_point' as item_id,
       'cut_point' as item_type, 'NOF25-SEG-2' as rule_id, true as contributes
from marts__build.fct_segment;

-- ties share the lowest rank: RAA and RBB at 1.50 are both 1, RXX is 3
-- RYY is indicative: listed, never ranked, and it does not push RXX down
create table marts__build.fct_league_table as
select * from (values
    ('acute', date '2024-06-01', 'nof_2025_26', 'RAA', 'segmented', 1.50, 1, 1),
    ('acute', date '2024-06-01', 'nof_2025_26', 'RBB', 'segmented', 1.50, 1, 1),
    ('acute', date '2024-06-01', 'nof_2025_26', 'RYY', 'indicative', 1.10, 1, null),
    ('acute', date '2024-06-01', 'nof_2025_26', 'RXX', 'segmented', 2.50, 2, 3)
) v(peer_group, period_start, framework_version, org_code, segment_status, average_score, adjusted_segment,
    league_rank);

create table marts__build.fct_domain_score as
select org_code, period_start, framework_version, 'access to services' as domain, 2.0 as domain_score,
       2 as domain_quartile
from marts__build.fct_segment;

create table marts__build.fct_segment_sensitivity as
select org_code, period_start, framework_version, average_score, average_score - 0.1 as likely_average_low,
       average_score + 0.1 as likely_average_high, 1 as likely_rank_best, 3 as likely_rank_worst
from marts__build.fct_segment;

create table marts__build.fct_segment_history as
select org_code, framework_version, period_start, timestamptz '2024-08-01 09:00+00' as recorded_at, segment,
       true as is_current
from marts__build.fct_segment;

create table marts__build.fct_system_segment as
select 'QOP' as system_code, period_start, framework_version, max(segment) as segment, 'median' as rule_id
from marts__build.fct_segment group by period_start, framework_version;

create table marts__build.dim_organisation_history as
select org_code, org_name, date '2013-04-01' as valid_from, date '2022-06-30' as valid_to,
       'STP' as system_type, false as is_current, 'etr' as interval_basis, 'etr' as system_basis
from marts__build.dim_organisation
union all
select org_code, org_name, date '2022-07-01', null, 'ICB', true, 'etr', 'etr'
from marts__build.dim_organisation;

create table marts__build.fct_cqc_rating as
select org_code, 'provider' as rating_level, null::text as location_id, 'Overall' as domain,
       'Good' as rating, 2 as rating_score, date '2024-05-01' as publication_date, 'provider' as rating_basis,
       'Latest_ratings.ods' as source_file, 2 as source_row
from marts__build.dim_organisation;

create table marts__build.fct_cqc_rating_event as
select 'RAA' as org_code, 'provider' as rating_level, null::text as location_id, 'Overall' as domain,
       'downgraded' as change_type, '05_May_2026_Latest_ratings.ods' as detected_in_file,
       '01_Apr_2026_Latest_ratings.ods' as compared_with_file, true as is_move_to_inadequate;

create table marts__build.decisions (
    decision_id text, segment integer, decided_by text, source_document text);
insert into marts__build.decisions values ('d1', 5, 'regional team', 'letter 2025-09-30');

-- empty marts: their derived rules hold on no rows
create table marts__build.fct_segment_path (
    org_code text, period_start date, framework_version text, path_order integer, path_status text);
create table marts__build.fct_published_reconciliation (org_code text, quarter_start date);
"""


def execute(target, sql: str, params: tuple | None = None) -> None:  # noqa: ANN001
    with warehouse.connect(target) as conn:
        conn.execute(sql, params)


def dbt_parse(settings):  # noqa: ANN001, ANN201
    """`dbt parse` of settings.dbt_project_dir into settings.dbt_target_dir (reads the profile's env
    vars, opens no connection); partial when a manifest of the same project is already there."""
    from oversight import transform

    parse_target = warehouse.Connection.from_url("postgresql://postgres@127.0.0.1:5432/postgres")
    result = transform.run_dbt(["parse"], parse_target, settings)
    assert result.success, result.failures
    return settings


@pytest.fixture(scope="module")
def gate_settings(tmp_path_factory: pytest.TempPathFactory):
    """Settings whose Data Docs site is a temporary folder shared by this module's tests, with the
    manifest of a real `dbt parse` of the repository's dbt project there (the marts gate's tables
    and row rules come from the manifest; target and logs go to that folder, not the project)."""
    home = tmp_path_factory.mktemp("gate-home")
    project = REPO_ROOT / "dbt_project"
    return dbt_parse(get_settings().model_copy(update=dict(home=home, dbt_project_dir=project)))


@pytest.fixture
def marts(fresh_db):  # noqa: ANN001
    """A fresh database whose marts__build holds small, valid marts."""
    execute(fresh_db, MARTS_DDL)
    return fresh_db


def gate_failure(target, settings, suite_group: str = "marts", **kwargs) -> GateFailedError:  # noqa: ANN001
    with pytest.raises(GateFailedError) as caught:
        run_gate(suite_group, target, settings=settings, **kwargs)
    error = caught.value
    report = error.report
    assert isinstance(report, GateReport) and not report.success
    assert report.failed >= 1 and len(report.failures) >= 1
    # results and Data Docs are written before the gate raises
    assert Path(report.data_docs_index).is_file()
    assert (gx_root(settings) / "uncommitted" / "validations" / suite_group).is_dir()
    return error


def test_importing_the_gate_does_not_import_great_expectations() -> None:
    code = "import sys, oversight.gate; assert 'great_expectations' not in sys.modules, 'GX imported'"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO_ROOT / "plugins")


def test_unknown_suite_group_is_refused(gate_settings) -> None:  # noqa: ANN001
    with pytest.raises(ValueError, match="unknown suite group"):
        run_gate(
            "staging", warehouse.Connection.from_url("postgresql://x@localhost/x"), settings=gate_settings
        )


def test_valid_marts_pass_and_data_docs_are_built(marts, gate_settings) -> None:  # noqa: ANN001
    config = (GX_DIR / "great_expectations.yml").read_bytes()
    report = run_gate("marts", marts, "marts__build", settings=gate_settings)

    assert report.success and report.failures == []
    assert report.evaluated > 10 and report.passed == report.evaluated and report.failed == 0
    assert report.skipped == []
    # a suite per mart with dbt tests (fct_segment_path, fct_published_reconciliation: on no rows),
    # the schema and the hand-written invariants
    assert set(report.suites_validated) == {c.suite_name for c in contracts_for("marts", gate_settings)}
    assert {
        "marts.schema",
        "marts.dim_organisation",
        "marts.fct_metric_value",
        "marts.fct_segment",
        "marts.fct_segment__status_invariants",
        "marts.fct_segment_path",
        "marts.decisions",
    } <= set(report.suites_validated)
    assert len(report.suites_validated) == 20
    index = Path(report.data_docs_index)
    assert index == gate_settings.data_docs_site_dir / "index.html" and index.is_file()
    assert "marts.fct_metric_value" in index.read_text()
    # results stored under expectations/gx/uncommitted, grouped by the run
    assert (GX_DIR / "uncommitted" / "validations" / "marts" / "fct_metric_value" / report.run_name).is_dir()
    # the committed config is never rewritten and the run's checkpoints are gone
    assert (GX_DIR / "great_expectations.yml").read_bytes() == config
    assert not list((GX_DIR / "uncommitted" / "checkpoints").glob(f"*{report.run_name[-8:]}*"))
    # the suites are in the repo, readable
    assert (GX_DIR / "expectations" / "marts" / "fct_metric_value.json").is_file()


def test_a_percentage_above_100_fails_naming_the_row(marts, gate_settings) -> None:  # noqa: ANN001
    execute(
        marts,
        "update marts__build.fct_metric_value set value = 140 "
        "where org_code = 'RXX' and period_start = '2024-06-01' and metric_id = 'ae_4hr_all'",
    )
    error = gate_failure(marts, gate_settings, schema="marts__build")
    message = str(error)
    assert (
        "expect_column_values_to_be_between on marts__build.fct_metric_value(value) min=0 max=100 "
        "where unit == '%': 1 of 12 rows unexpected, e.g. {org_code: RXX, period_start: 2024-06-01, "
        "metric_id: ae_4hr_all, value: 140"
    ) in message
    [failure] = error.report.failures
    assert failure["expectation"] == "expect_column_values_to_be_between"
    assert failure["table"] == "marts__build.fct_metric_value" and failure["column"] == "value"
    assert failure["example_rows"][0]["org_code"] == "RXX" and failure["example_rows"][0]["value"] == 140


def test_a_numerator_above_its_denominator_fails(marts, gate_settings) -> None:  # noqa: ANN001
    execute(
        marts,
        "update marts__build.fct_metric_value set numerator = denominator + 1 "
        "where org_code = 'RBB' and period_start = '2024-07-01' and metric_id = 'ae_4hr_type1'",
    )
    message = str(gate_failure(marts, gate_settings))
    # the dbt test expression_is_true of fct_metric_value.yml, checked by GX on the expression
    assert (
        "expect_column_values_to_be_in_set on marts__build.fct_metric_value(holds_1) in {True} "
        "[unit <> '%' or numerator <= denominator]: 1 of 12 rows unexpected, "
        "e.g. {org_code: RBB, period_start: 2024-07-01, metric_id: ae_4hr_type1, holds_1: False}"
    ) in message


def test_a_duplicate_segment_row_fails(marts, gate_settings) -> None:  # noqa: ANN001
    execute(
        marts,
        "insert into marts__build.fct_segment select * from marts__build.fct_segment "
        "where org_code = 'RAA' and period_start = '2024-06-01'",
    )
    error = gate_failure(marts, gate_settings)
    message = str(error)
    assert (
        "expect_compound_columns_to_be_unique on marts__build.fct_segment"
        "(org_code, period_start, framework_version): 2 of 7 rows unexpected, "
        "e.g. {org_code: RAA, period_start: 2024-06-01, framework_version: nof_2025_26}"
    ) in message
    assert [f["table"] for f in error.report.failures] == ["marts__build.fct_segment"]


def test_a_metric_value_for_an_unknown_organisation_fails(marts, gate_settings) -> None:  # noqa: ANN001
    execute(
        marts,
        "insert into marts__build.fct_metric_value values "
        "('RZZ', '2024-06-01', 'ae_4hr_all', 1, 2, 50, '%', 'Monthly-AE-June-2024.csv', 99)",
    )
    error = gate_failure(marts, gate_settings)
    [failure] = error.report.failures
    assert failure["suite"] == "marts.fct_metric_value"  # its dbt relationships test
    assert failure["example_rows"] == [
        {
            "org_code": "RZZ",
            "period_start": "2024-06-01",
            "metric_id": "ae_4hr_all",
            "org_code_in_dim_organisation": False,
        }
    ]
    assert "every org_code of fct_metric_value is in dim_organisation.org_code" in str(error)
    assert "1 of 13 rows unexpected, e.g. {org_code: RZZ" in str(error)


def test_a_segmented_row_below_the_minimum_coverage_fails(marts, gate_settings) -> None:  # noqa: ANN001
    # RAA June: 3 of 16 metrics (0.1875 < 0.5) but published as segmented
    execute(
        marts,
        "update marts__build.fct_segment set coverage = 0.1875 "
        "where org_code = 'RAA' and period_start = date '2024-06-01'",
    )
    error = gate_failure(marts, gate_settings)
    assert "no segmented row below the minimum coverage of seed coverage_rules" in str(error)
    assert "marts__build.fct_segment" in str(error) and "RAA" in str(error)


def test_a_segmented_row_without_a_score_in_every_domain_fails(marts, gate_settings) -> None:  # noqa: ANN001
    execute(marts, "update marts__build.fct_segment set domains_scored = 3 where org_code = 'RBB'")
    error = gate_failure(marts, gate_settings)
    assert "no segmented row below the minimum coverage" in str(error) and "RBB" in str(error)


def test_the_same_row_indicative_passes(marts, gate_settings) -> None:  # noqa: ANN001
    execute(
        marts,
        "update marts__build.fct_segment set coverage = 0.1875, segment_status = 'indicative' "
        "where org_code = 'RAA'",
    )
    assert run_gate("marts", marts, settings=gate_settings).success


def test_a_defaulted_deficit_flag_fails(marts, gate_settings) -> None:  # noqa: ANN001
    # "not in deficit" with no finance file behind it: a missing position read as not in deficit
    execute(marts, "update marts__build.fct_segment set deficit_source_file = null where org_code = 'RXX'")
    error = gate_failure(marts, gate_settings)
    assert "no defaulted deficit flag: every is_in_deficit value has its finance file" in str(error)
    assert "RXX" in str(error)


def test_a_segment_on_insufficient_data_fails(marts, gate_settings) -> None:  # noqa: ANN001
    execute(
        marts,
        "update marts__build.fct_segment set segment_status = 'insufficient_data', coverage = 0 "
        "where org_code = 'RBB'",
    )
    error = gate_failure(marts, gate_settings)
    rule = "(segment is null) = (segment_status = 'insufficient_data' and decision_id is null)"
    assert f"[{rule}]" in str(error)
    assert "RBB" in str(error)


def test_a_league_rank_without_segmented_fails(marts, gate_settings) -> None:  # noqa: ANN001
    execute(marts, "update marts__build.fct_league_table set league_rank = 1 where org_code = 'RYY'")
    error = gate_failure(marts, gate_settings)
    assert "[(league_rank is not null) = (segment_status = 'segmented')]" in str(error)
    assert "RYY" in str(error)


def test_a_missing_marts_table_fails_with_a_clear_message(marts, gate_settings) -> None:  # noqa: ANN001
    execute(marts, "drop table marts__build.fct_segment")
    error = gate_failure(marts, gate_settings)
    [failure] = error.report.failures
    assert failure["example_rows"] == ["fct_segment"]
    assert "[the marts tables of the contract exist in the schema]: missing fct_segment" in str(error)
    assert sorted(error.report.skipped) == [
        f"marts.fct_segment{suite}: table(s) marts__build.fct_segment missing"
        for suite in ("", "__status_invariants")
    ]


def test_raw_gate_checks_just_the_given_loads(fresh_db, landing, gate_settings) -> None:  # noqa: ANN001
    settings = gate_settings.model_copy(update=dict(landing_dir=landing))
    copy_sample("ae", "Monthly-AE-June-2024.csv", landing)
    copy_sample("ods", "etr_2025-Q1.csv", landing)
    copy_sample("cqc", "Latest_ratings_trust_locations.ods", landing)
    results = [r for source in ("ae", "ods", "cqc") for r in loader.ingest_source(source, fresh_db, settings)]
    assert [r.status for r in results] == ["loaded"] * 3
    load_ids = [r.load_id for r in results]

    report = run_gate("raw", fresh_db, "raw", load_ids=load_ids, settings=settings)
    assert report.success and report.evaluated > 25
    assert report.suites_validated[:4] == [
        "raw.schema",
        "raw.ae_monthly",
        "raw.ods_trusts",
        "raw.cqc_ratings",
    ]
    # raw tables of other sources have no rows of these loads: skipped, and said so
    assert all(": no rows of load(s)" in skip for skip in report.skipped)
    assert not any(t in skip for skip in report.skipped for t in ("ae_monthly", "ods_trusts", "cqc_ratings"))

    bad_load = max(load_ids) + 1000
    execute(
        fresh_db,
        "insert into raw.cqc_ratings (sheet, location_id, provider_id, provider_name, domain, "
        "latest_rating, publication_date, _load_id, _source_file, _file_sha256, _row_number, _layout) "
        "values "
        "('Locations', '1-000000001', 'RAA', 'Alpha', 'Overall', 'Brilliant', '01/05/2024', "
        "%s, 'hand-made.ods', 'x', 7, 'cqc_locations_domain')",
        (bad_load,),
    )
    error = gate_failure(fresh_db, settings, suite_group="raw", schema="raw", load_ids=[bad_load])
    assert (
        "expect_column_values_to_be_in_set on raw.cqc_ratings(latest_rating) in {Outstanding, Good, "
        in str(error)
    )
    assert (
        f"1 of 1 rows unexpected, e.g. {{_load_id: {bad_load}, _row_number: 7, sheet: Locations, "
        "provider_id: RAA, latest_rating: Brilliant}"
    ) in str(error)
    skipped = set(error.report.skipped)
    assert {
        f"raw.ae_monthly: no rows of load(s) {bad_load}",
        f"raw.ods_trusts: no rows of load(s) {bad_load}",
    } <= skipped
    assert not any(s.startswith("raw.cqc_ratings") for s in skipped)
    # the good loads still pass: only the given loads are validated
    assert run_gate("raw", fresh_db, "raw", load_ids=load_ids, settings=settings).success


LEAGUE_STATUS_TEST = """        description: segmented | indicative | insufficient_data (fct_segment).
        data_tests:
          - accepted_values:
              arguments:
                values: [segmented, indicative]
"""


def test_a_dbt_test_added_to_a_mart_yaml_becomes_a_gx_expectation(  # noqa: ANN201
    marts, gate_settings, tmp_path: Path
):
    """One declaration per rule: an accepted_values test added to fct_league_table.yml (in a copy of
    the project) is checked by the gate, naming the rule, the table and the offending row."""

    def league_rules(settings) -> list[dict]:  # noqa: ANN001
        [suite] = [c for c in contracts_for("marts", settings) if c.suite_name == "marts.fct_league_table"]
        return [e.configuration.to_json_dict() for e in suite.expectations]

    home, project = tmp_path / "home", tmp_path / "dbt_project"
    shutil.copytree(gate_settings.dbt_project_dir, project)
    shutil.copytree(gate_settings.dbt_target_dir, home / "dbt" / "target")  # partial parse: ~1 s
    yml = project / "models" / "marts" / "fct_league_table.yml"
    text = yml.read_text()
    assert text.count(LEAGUE_STATUS_TEST.splitlines()[0] + "\n") == 1
    yml.write_text(text.replace(LEAGUE_STATUS_TEST.splitlines()[0] + "\n", LEAGUE_STATUS_TEST))
    settings = dbt_parse(gate_settings.model_copy(update=dict(home=home, dbt_project_dir=project)))

    added = {
        "type": "expect_column_values_to_be_in_set",
        "kwargs": {"column": "segment_status", "value_set": ["segmented", "indicative"]},
    }
    before = [{k: e[k] for k in ("type", "kwargs")} for e in league_rules(gate_settings)]
    after = [{k: e[k] for k in ("type", "kwargs")} for e in league_rules(settings)]
    assert added not in before and added in after
    after.remove(added)
    assert after == before  # nothing else changed

    # a row breaking the new rule fails the gate; the copy's suites are its own, the repository's
    # (the committed record of its rules, read by any other run at the same time) stay untouched
    suite_json = GX_DIR / "expectations" / "marts" / "fct_league_table.json"
    committed = suite_json.read_bytes()
    execute(
        marts,
        "update marts__build.fct_league_table set segment_status = 'provisional' where org_code = 'RYY'",
    )
    error = gate_failure(marts, settings)
    assert suite_json.read_bytes() == committed
    own = gx_root(settings) / "expectations" / "marts" / "fct_league_table.json"
    assert own.is_relative_to(home) and '"segmented"' in own.read_text()
    [failure] = error.report.failures
    assert failure["suite"] == "marts.fct_league_table"
    assert (
        "expect_column_values_to_be_in_set on marts__build.fct_league_table(segment_status) "
        "in {segmented, indicative}: 1 of 4 rows unexpected, e.g. {peer_group: acute, "
        "period_start: 2024-06-01, framework_version: nof_2025_26, org_code: RYY, "
        "segment_status: provisional}"
    ) in str(error)


def test_dbt_tests_the_gate_cannot_check_are_left_to_dbt() -> None:
    """The gate checks what it can; the build leaves exactly those tests out (gated_test_ids) and
    runs the rest."""
    from oversight.dbt_manifest import DataTest, MartDeclarations
    from oversight.gate.derived import derived_marts_contracts, gated_test_ids

    def test(name: str, column: str | None = "status", where: str | None = None, **kwargs) -> DataTest:  # noqa: ANN003
        return DataTest(f"test.{name}.{column}.{where}", "m", name, column, kwargs, where, "error")

    declared = MartDeclarations(
        marts=("m", "n"),
        keys={"m": ("id",)},
        tests=(
            test("not_null", where="kind = 'a'"),  # one comparison: a GX row condition
            test("not_null", where="kind = 'a' and n > 1"),  # more: left to dbt
            DataTest("test.warn", "m", "unique", "id", {}, None, "warn"),  # advisory: left to dbt
            test("relationships", to="ref('a_seed')", field="code"),  # outside the marts: left to dbt
            test("relationships", column="n_id", to="ref('n')", field="id"),
            test("expression_is_true", column=None, expression="a <= b", where_clause="b is not null"),
            test("some_other_generic_test"),
        ),
        singular_tests=(),
    )
    [suite] = derived_marts_contracts(declared)
    not_null, *checks = suite.expectations
    assert not_null.configuration.to_json_dict()["kwargs"]["row_condition"]["parameter"] == "a"
    assert suite.suite_name == "marts.m" and suite.requires == ("m", "n")
    assert suite.query == (
        "select m.*, (n_id is null or exists (select 1 from {schema}.n p where p.id = m.n_id)) as n_id_in_n, "
        "case when (b is not null) then (a <= b) end as holds_1 from {schema}.m m"
    )
    assert [e.column for e in checks] == ["n_id_in_n", "holds_1"]
    assert gated_test_ids(declared) == (
        "test.not_null.status.kind = 'a'",
        "test.relationships.n_id.None",
        "test.expression_is_true.None.None",
    )


def test_a_raw_gate_reads_a_narrow_copy_of_its_batch_and_drops_it(  # noqa: ANN201
    fresh_db, landing, gate_settings, monkeypatch
):
    """The RTT suite checks 10 of the raw table's 127 columns, the metadata ones last: its batch
    is copied once with just those (runner._narrow_batches), the suite reads the copy, and the copy
    is dropped after the run, as is one that a killed run left behind."""
    from oversight.gate import runner

    settings = gate_settings.model_copy(update=dict(landing_dir=landing))
    [name] = [p.name for p in (SAMPLES / "rtt").iterdir() if p.suffix == ".zip"][:1]
    copy_sample("rtt", name, landing)
    [result] = loader.ingest_source("rtt", fresh_db, settings)
    assert result.status == "loaded"
    execute(
        fresh_db, "create schema gate_batches; create table gate_batches.rtt_full_extract__0dead0 (x int)"
    )
    seen: dict[str, tuple] = {}
    drop = runner._drop_batches

    def look_then_drop(target, batches: dict[str, str]) -> None:  # noqa: ANN001
        for suite, table in batches.items():
            schema, relation = table.split(".")
            columns = query(
                target,
                "select column_name from information_schema.columns where table_schema = %s "
                "and table_name = %s order by ordinal_position",
                (schema, relation),
            )
            seen[suite] = (
                relation,
                [c for (c,) in columns],
                query(target, f"select count(*) from {table}")[0][0],
            )
        drop(target, batches)

    monkeypatch.setattr(runner, "_drop_batches", look_then_drop)
    report = run_gate("raw", fresh_db, "raw", load_ids=[result.load_id], settings=settings)
    assert report.success and "raw.rtt_full_extract" in report.suites_validated
    relation, columns, rows = seen["rtt_full_extract"]
    assert relation.startswith("rtt_full_extract__") and rows == result.rows_loaded
    assert columns == [
        "period",
        "provider_org_code",
        "commissioner_org_code",
        "rtt_part_type",
        "treatment_function_code",
        "gt_00_to_01_weeks",
        "gt_104_weeks",
        "total_all",
        "_load_id",
        "_row_number",
    ]
    assert query(fresh_db, "select tablename from pg_tables where schemaname = 'gate_batches'") == []
