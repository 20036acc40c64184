"""The gate's expectation suites: the data contract of the raw tables and of the marts, in one place.

Each ``TableContract`` is one GX expectation suite, validated against one batch: a whole table, the
rows of the given loads of a raw table, or a SELECT (``query``) for checks that join tables. The
gate writes the suites to the GX file context (``expectations/gx/expectations/<group>/<name>.json``)
at the start of each run, so the committed JSON always matches this module.

Suites are built by functions, not at import time, because building them imports Great
Expectations (~8 s).

RAW (schema ``raw``; every source column is text)
  raw.ae_monthly    org_code not null; 18 count columns match ^\\d+(\\.\\d+)?$; _row_number not null;
                    (org_code, _load_id) unique
  raw.ods_trusts    org_code not null and matches ^[A-Z0-9]{3,5}$; (org_code, _load_id) unique;
                    open_date matches ^\\d{8}$
  raw.cqc_ratings   latest_rating and domain in their published value sets; provider_id not null
  raw.schema        the three raw tables exist

MARTS (schema given, normally ``marts__build``)
  marts.dim_organisation      org_code unique and not null; org_name not null; peer_group in set
  marts.fct_metric_value      value between 0 and 100 where unit = '%'; numerator <= denominator (shares);
                              (org_code, period_start, metric_id) unique
  marts.fct_metric_value__org_in_dim_organisation
                              every org_code of fct_metric_value is in dim_organisation
  marts.fct_metric_score      metric_score between 1 and 4; quartile in 1..4;
                              (org_code, period_start, metric_id, framework_version) unique
  marts.fct_segment           segment in 1..5; rule_id not null;
                              (org_code, period_start, framework_version) unique
  marts.fct_segment__status_invariants
                              no segmented row below the minimum coverage (seed coverage_rules), no
                              defaulted deficit flag, no segment on insufficient data
  marts.fct_league_table      competition ranks among segmented trusts; no rank without segmented
  marts.schema                the four marts tables exist
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from oversight.gate._gx import import_gx

if TYPE_CHECKING:
    from oversight.settings import Settings

SUITE_GROUPS = ("raw", "marts")

# ---- value sets and patterns of the contract ---------------------------------------------------
COUNT_PATTERN = r"^\d+(\.\d+)?$"
ODS_CODE_PATTERN = r"^[A-Z0-9]{3,5}$"
YYYYMMDD_PATTERN = r"^\d{8}$"

AE_COUNT_COLUMNS = (
    "attendances_type1",
    "attendances_type2",
    "attendances_other",
    "attendances_booked_type1",
    "attendances_booked_type2",
    "attendances_booked_other",
    "over_4hrs_type1",
    "over_4hrs_type2",
    "over_4hrs_other",
    "over_4hrs_booked_type1",
    "over_4hrs_booked_type2",
    "over_4hrs_booked_other",
    "dta_4_to_12hrs",
    "dta_over_12hrs",
    "emergency_admissions_type1",
    "emergency_admissions_type2",
    "emergency_admissions_other",
    "other_emergency_admissions",
)
CQC_RATINGS = (
    "Outstanding",
    "Good",
    "Requires improvement",
    "Inadequate",
    "Not rated",
    "Inspected but not rated",
    "No published rating",
    "Insufficient evidence to rate",
)
CQC_DOMAINS = ("Overall", "Safe", "Effective", "Caring", "Responsive", "Well-led")
PEER_GROUPS = ("acute", "non_acute", "ambulance", "unknown")

HAND_WRITTEN_RAW_TABLES = ("ae_monthly", "ods_trusts", "cqc_ratings")


def raw_tables() -> tuple[str, ...]:
    """Every registered source's raw table (oversight.sources)."""
    from oversight.sources import SOURCES

    return tuple(spec.raw_table for spec in SOURCES.values())


# Columns that identify a raw row in failure examples (the file's row number within its load).
_RAW_KEYS = ("_load_id", "_row_number")


@dataclass
class TableContract:
    """One expectation suite and the batch it validates."""

    group: str  # "raw" or "marts"
    name: str  # suite name within the group; the suite is "<group>.<name>"
    table: str  # the table whose rows are checked (named in failure messages)
    key_columns: tuple[str, ...]  # shown with each offending row (GX unexpected_index_column_names)
    expectations: list[Any]  # Great Expectations Expectation objects
    notes: str
    # A SELECT with a {schema} placeholder, for checks across tables; None = the table itself.
    query: str | None = None
    # Tables that must exist for the suite to run (None: ``table``).
    requires: tuple[str, ...] | None = None
    # Raw tables restrict the batch to the rows of the given loads.
    by_load: bool = False

    @property
    def suite_name(self) -> str:
        return f"{self.group}.{self.name}"

    @property
    def required_tables(self) -> tuple[str, ...]:
        return (self.table,) if self.requires is None else self.requires


def _schema_contract(group: str, tables: tuple[str, ...]) -> TableContract:
    gxe = import_gx().expectations

    return TableContract(
        group=group,
        name="schema",
        table="information_schema.tables",
        key_columns=(),
        query="select table_name from information_schema.tables where table_schema = '{schema}'",
        requires=(),
        notes=f"The {group} contract's tables exist: {', '.join(tables)}.",
        expectations=[
            gxe.ExpectColumnDistinctValuesToContainSet(
                column="table_name",
                value_set=list(tables),
                description=f"the {group} tables of the contract exist in the schema",
            ),
        ],
    )


def raw_contracts() -> list[TableContract]:
    gxe = import_gx().expectations

    return [
        _schema_contract("raw", raw_tables()),
        *_declared_raw_contracts(),
        TableContract(
            group="raw",
            name="ae_monthly",
            table="ae_monthly",
            key_columns=(*_RAW_KEYS, "org_code"),
            by_load=True,
            notes="A&E monthly provider CSV as loaded: one row per organisation and load, numeric counts.",
            expectations=[
                gxe.ExpectColumnValuesToNotBeNull(column="org_code"),
                *(
                    gxe.ExpectColumnValuesToMatchRegex(column=column, regex=COUNT_PATTERN)
                    for column in AE_COUNT_COLUMNS
                ),
                gxe.ExpectColumnValuesToNotBeNull(column="_row_number"),
                gxe.ExpectCompoundColumnsToBeUnique(column_list=["org_code", "_load_id"]),
            ],
        ),
        TableContract(
            group="raw",
            name="ods_trusts",
            table="ods_trusts",
            key_columns=(*_RAW_KEYS, "org_code"),
            by_load=True,
            notes="ODS trust list (etr.csv) as loaded: one row per ODS code per load.",
            expectations=[
                gxe.ExpectColumnValuesToNotBeNull(column="org_code"),
                gxe.ExpectColumnValuesToMatchRegex(column="org_code", regex=ODS_CODE_PATTERN),
                gxe.ExpectCompoundColumnsToBeUnique(column_list=["org_code", "_load_id"]),
                gxe.ExpectColumnValuesToMatchRegex(column="open_date", regex=YYYYMMDD_PATTERN),
            ],
        ),
        TableContract(
            group="raw",
            name="cqc_ratings",
            table="cqc_ratings",
            key_columns=(*_RAW_KEYS, "sheet", "provider_id"),
            by_load=True,
            notes="CQC latest ratings workbook as loaded: known ratings and domains, a provider per row.",
            expectations=[
                gxe.ExpectColumnValuesToBeInSet(column="latest_rating", value_set=list(CQC_RATINGS)),
                gxe.ExpectColumnValuesToBeInSet(column="domain", value_set=list(CQC_DOMAINS)),
                gxe.ExpectColumnValuesToNotBeNull(column="provider_id"),
            ],
        ),
    ]


def _declared_raw_contracts() -> list[TableContract]:
    """Suites for the sources whose raw contract is declared on their SourceSpec (raw_not_null,
    raw_regex, raw_value_sets, raw_unique_per_load) rather than written out above."""
    from oversight.sources import SOURCES

    gxe = import_gx().expectations
    contracts = []
    for spec in SOURCES.values():
        if spec.raw_table in HAND_WRITTEN_RAW_TABLES:
            continue
        expectations = [
            gxe.ExpectColumnValuesToNotBeNull(column="_row_number"),
            *(gxe.ExpectColumnValuesToNotBeNull(column=c) for c in spec.raw_not_null),
            *(gxe.ExpectColumnValuesToMatchRegex(column=c, regex=r) for c, r in spec.raw_regex.items()),
            *(
                gxe.ExpectColumnValuesToBeInSet(column=c, value_set=list(v))
                for c, v in spec.raw_value_sets.items()
            ),
        ]
        if spec.raw_unique_per_load:
            expectations.append(
                gxe.ExpectCompoundColumnsToBeUnique(column_list=[*spec.raw_unique_per_load, "_load_id"])
            )
        contracts.append(
            TableContract(
                group="raw",
                name=spec.raw_table,
                table=spec.raw_table,
                key_columns=(*_RAW_KEYS, *spec.raw_unique_per_load[:2]),
                by_load=True,
                notes=f"{spec.description} Contract declared on the source (oversight.sources.{spec.name}).",
                expectations=expectations,
            )
        )
    return contracts


def marts_contracts(settings: Settings | None = None) -> list[TableContract]:
    from oversight.dbt_manifest import published_marts

    gxe = import_gx().expectations
    from great_expectations.expectations.row_conditions import Column

    metric_key = ("org_code", "period_start", "metric_id")
    score_key = (*metric_key, "framework_version")
    segment_key = ("org_code", "period_start", "framework_version")
    marts = published_marts(settings)
    contracts = [
        TableContract(
            group="marts",
            name="dim_organisation",
            table="dim_organisation",
            key_columns=("org_code",),
            notes="One row per organisation, with its peer group.",
            expectations=[
                gxe.ExpectColumnValuesToNotBeNull(column="org_code"),
                gxe.ExpectColumnValuesToBeUnique(column="org_code"),
                gxe.ExpectColumnValuesToNotBeNull(column="org_name"),
                gxe.ExpectColumnValuesToBeInSet(column="peer_group", value_set=list(PEER_GROUPS)),
            ],
        ),
        TableContract(
            group="marts",
            name="dim_metric",
            table="dim_metric",
            key_columns=("metric_id",),
            notes="One row per metric of the catalogue, with its polarity.",
            expectations=[
                gxe.ExpectColumnValuesToNotBeNull(column="metric_id"),
                gxe.ExpectColumnValuesToBeUnique(column="metric_id"),
                gxe.ExpectColumnValuesToBeInSet(
                    column="polarity", value_set=["higher_is_better", "lower_is_better"]
                ),
            ],
        ),
        TableContract(
            group="marts",
            name="fct_metric_value",
            table="fct_metric_value",
            key_columns=metric_key,
            notes="One value per organisation, period and metric; percentages lie in 0..100.",
            expectations=[
                gxe.ExpectColumnValuesToBeBetween(
                    column="value", min_value=0, max_value=100, row_condition=Column("unit") == "%"
                ),
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A="denominator",
                    column_B="numerator",
                    or_equal=True,
                    ignore_row_if="either_value_is_missing",
                    # shares only: a score's numerator is score x respondents (staff survey themes)
                    row_condition=Column("unit") == "%",
                ),
                gxe.ExpectCompoundColumnsToBeUnique(column_list=list(metric_key)),
            ],
        ),
        TableContract(
            group="marts",
            name="fct_metric_value__org_in_dim_organisation",
            table="fct_metric_value",
            key_columns=metric_key,
            query=(
                "select v.org_code, v.period_start, v.metric_id, d.org_code as dim_organisation_org_code "
                "from {schema}.fct_metric_value v "
                "left join {schema}.dim_organisation d on d.org_code = v.org_code"
            ),
            requires=("fct_metric_value", "dim_organisation"),
            notes="Every org_code of fct_metric_value is in dim_organisation (no orphan metric values).",
            expectations=[
                gxe.ExpectColumnValuesToNotBeNull(
                    column="dim_organisation_org_code",
                    description="every org_code of fct_metric_value is in dim_organisation",
                ),
            ],
        ),
        TableContract(
            group="marts",
            name="fct_metric_score",
            table="fct_metric_score",
            key_columns=score_key,
            notes="One score per organisation, period, metric and framework; scores 1..4, quartiles 1..4.",
            expectations=[
                gxe.ExpectColumnValuesToBeBetween(column="metric_score", min_value=1, max_value=4),
                gxe.ExpectColumnValuesToBeInSet(column="quartile", value_set=[1, 2, 3, 4]),
                gxe.ExpectCompoundColumnsToBeUnique(column_list=list(score_key)),
            ],
        ),
        TableContract(
            group="marts",
            name="fct_segment",
            table="fct_segment",
            key_columns=segment_key,
            notes="One segment (1..5) per organisation, period and framework, with the rule that set it.",
            expectations=[
                gxe.ExpectColumnValuesToBeInSet(column="segment", value_set=[1, 2, 3, 4, 5]),
                gxe.ExpectCompoundColumnsToBeUnique(column_list=list(segment_key)),
                gxe.ExpectColumnValuesToNotBeNull(column="rule_id"),
            ],
        ),
        TableContract(
            group="marts",
            name="fct_segment__status_invariants",
            table="fct_segment",
            key_columns=segment_key,
            query=(
                "select org_code, period_start, framework_version, segment_status, coverage, "
                "minimum_coverage, "
                # no segmented row below the minimum coverage (and a scored metric in every domain where
                # the rule asks for it), unless a recorded decision or a fired trigger sets the segment
                # (SOF 2016/17 segment 2, NOF 2021/22 segment 3 stand whatever else is missing)
                "(segment_status <> 'segmented' or decision_id is not null "
                " or (framework_version = 'sof_2016_17' and segment = 2) "
                " or (framework_version = 'nof_2021_22' and segment = 3) "
                " or (coverage >= minimum_coverage "
                "     and (not coalesce(requires_every_domain, false) or domains_scored = domains_expected))"
                ") as is_segmented_only_at_minimum_coverage, "
                # a deficit flag comes from a finance file; a missing position is unknown (null)
                "(is_in_deficit is null or deficit_source_file is not null) as is_deficit_flag_sourced, "
                "(framework_version <> 'nof_2025_26' "
                " or (deficit_status = 'unknown') = (is_in_deficit is null)) "
                "as is_deficit_status_consistent, "
                # insufficient data has no segment (unless a recorded decision sets one)
                "(segment_status <> 'insufficient_data' or segment is null or decision_id is not null) "
                "as is_insufficient_data_unsegmented "
                "from {schema}.fct_segment"
            ),
            notes=(
                "Status invariants: no segmented row below the minimum coverage, no defaulted deficit "
                "flag, no segment on insufficient data."
            ),
            expectations=[
                gxe.ExpectColumnValuesToBeInSet(
                    column="segment_status", value_set=["segmented", "indicative", "insufficient_data"]
                ),
                gxe.ExpectColumnValuesToNotBeNull(column="segment_status"),
                gxe.ExpectColumnValuesToBeInSet(
                    column="is_segmented_only_at_minimum_coverage",
                    value_set=[True],
                    description="no segmented row below the minimum coverage of seed coverage_rules",
                ),
                gxe.ExpectColumnValuesToBeInSet(
                    column="is_deficit_flag_sourced",
                    value_set=[True],
                    description="no defaulted deficit flag: every is_in_deficit value has its finance file",
                ),
                gxe.ExpectColumnValuesToBeInSet(
                    column="is_deficit_status_consistent",
                    value_set=[True],
                    description="deficit_status is unknown exactly when is_in_deficit is null",
                ),
                gxe.ExpectColumnValuesToBeInSet(
                    column="is_insufficient_data_unsegmented",
                    value_set=[True],
                    description="an insufficient_data row has no segment",
                ),
            ],
        ),
        TableContract(
            group="marts",
            name="fct_segment__explained",
            table="fct_segment",
            key_columns=segment_key,
            query=(
                "select s.org_code, s.period_start, s.framework_version, min(e.item_id) as first_explanation "
                "from {schema}.fct_segment s left join {schema}.fct_segment_explanation e "
                "on e.org_code = s.org_code and e.period_start = s.period_start "
                "and e.framework_version = s.framework_version and e.contributes "
                "group by s.org_code, s.period_start, s.framework_version"
            ),
            requires=("fct_segment", "fct_segment_explanation"),
            notes="Every segment row has at least one contributing explanation row.",
            expectations=[
                gxe.ExpectColumnValuesToNotBeNull(
                    column="first_explanation",
                    description="every segment row has at least one contributing explanation row",
                ),
            ],
        ),
        TableContract(
            group="marts",
            name="fct_league_table",
            table="fct_league_table",
            key_columns=("peer_group", "period_start", "org_code"),
            query=(
                "select peer_group, period_start, org_code, segment_status, league_rank, "
                "case when segment_status = 'segmented' then rank() over ("
                "partition by peer_group, period_start, framework_version, segment_status = 'segmented' "
                "order by adjusted_segment, average_score) end as competition_rank, "
                "(league_rank is not null) = (segment_status = 'segmented') as is_ranked_only_if_segmented "
                "from {schema}.fct_league_table"
            ),
            notes=(
                "League ranks are competition ranks among the segmented trusts (ties share the lowest "
                "rank, the next rank skips); no league rank without segment_status = 'segmented'."
            ),
            expectations=[
                gxe.ExpectColumnPairValuesToBeEqual(
                    column_A="league_rank",
                    column_B="competition_rank",
                    ignore_row_if="both_values_are_missing",
                    description="league ranks are competition ranks on adjusted segment then average score",
                ),
                gxe.ExpectColumnValuesToBeInSet(
                    column="is_ranked_only_if_segmented",
                    value_set=[True],
                    description="no league rank without segmented, and every segmented trust ranked",
                ),
            ],
        ),
        TableContract(
            group="marts",
            name="fct_domain_score",
            table="fct_domain_score",
            key_columns=("org_code", "period_start", "framework_version", "domain"),
            notes="Domain scores lie in 1..4, quartiles in 1..4.",
            expectations=[
                gxe.ExpectColumnValuesToBeBetween(column="domain_score", min_value=1, max_value=4),
                gxe.ExpectColumnValuesToBeInSet(column="domain_quartile", value_set=[1, 2, 3, 4]),
                gxe.ExpectCompoundColumnsToBeUnique(
                    column_list=["org_code", "period_start", "framework_version", "domain"]
                ),
            ],
        ),
        TableContract(
            group="marts",
            name="fct_segment_sensitivity",
            table="fct_segment_sensitivity",
            key_columns=segment_key,
            notes="The likely range contains the average score; best rank <= worst rank.",
            expectations=[
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A="average_score", column_B="likely_average_low", or_equal=True
                ),
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A="likely_average_high", column_B="average_score", or_equal=True
                ),
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A="likely_rank_worst", column_B="likely_rank_best", or_equal=True
                ),
            ],
        ),
        TableContract(
            group="marts",
            name="fct_segment_history",
            table="fct_segment_history",
            key_columns=("org_code", "framework_version", "period_start"),
            notes="One current version per organisation, framework and period; segments 1..5.",
            expectations=[
                gxe.ExpectCompoundColumnsToBeUnique(
                    column_list=["org_code", "framework_version", "period_start"],
                    row_condition=Column("is_current") == True,  # noqa: E712 - a GX row condition
                ),
                gxe.ExpectColumnValuesToBeInSet(column="segment", value_set=[1, 2, 3, 4, 5]),
            ],
        ),
        TableContract(
            group="marts",
            name="fct_system_segment",
            table="fct_system_segment",
            key_columns=("system_code", "period_start", "framework_version"),
            notes="One segment (1..5) per system, period and framework, with the rule that set it.",
            expectations=[
                gxe.ExpectColumnValuesToBeInSet(column="segment", value_set=[1, 2, 3, 4, 5]),
                gxe.ExpectCompoundColumnsToBeUnique(
                    column_list=["system_code", "period_start", "framework_version"]
                ),
                gxe.ExpectColumnValuesToNotBeNull(column="rule_id"),
            ],
        ),
        TableContract(
            group="marts",
            name="dim_organisation_history",
            table="dim_organisation_history",
            key_columns=("org_code", "valid_from"),
            notes="Validity intervals per trust: STP before 1 July 2022, ICB from then; no duplicates.",
            expectations=[
                gxe.ExpectColumnValuesToNotBeNull(column="org_code"),
                gxe.ExpectColumnValuesToNotBeNull(column="valid_from"),
                gxe.ExpectCompoundColumnsToBeUnique(column_list=["org_code", "valid_from"]),
                gxe.ExpectColumnValuesToBeInSet(column="system_type", value_set=["STP", "ICB"]),
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A="valid_to",
                    column_B="valid_from",
                    or_equal=True,
                    ignore_row_if="either_value_is_missing",
                ),
            ],
        ),
        TableContract(
            group="marts",
            name="fct_cqc_rating",
            table="fct_cqc_rating",
            key_columns=("org_code", "location_id", "domain"),
            notes="CQC ratings of the newest workbook: known ratings and domains, scores 1..4, traceable.",
            expectations=[
                gxe.ExpectColumnValuesToBeInSet(column="rating", value_set=list(CQC_RATINGS)),
                gxe.ExpectColumnValuesToBeInSet(column="domain", value_set=list(CQC_DOMAINS)),
                gxe.ExpectColumnValuesToBeBetween(column="rating_score", min_value=1, max_value=4),
                gxe.ExpectColumnValuesToNotBeNull(column="source_file"),
                gxe.ExpectColumnValuesToNotBeNull(column="source_row"),
            ],
        ),
        TableContract(
            group="marts",
            name="fct_cqc_rating_event",
            table="fct_cqc_rating_event",
            key_columns=("org_code", "domain", "detected_in_file"),
            notes="Rating changes between consecutive workbooks, each dated and traced to both files.",
            expectations=[
                gxe.ExpectColumnValuesToBeInSet(
                    column="change_type",
                    value_set=[
                        "downgraded",
                        "upgraded",
                        "changed",
                        "republished",
                        "first_rated",
                        "withdrawn",
                    ],
                ),
                gxe.ExpectColumnValuesToNotBeNull(column="detected_in_file"),
                gxe.ExpectColumnValuesToNotBeNull(column="is_move_to_inadequate"),
            ],
        ),
        TableContract(
            group="marts",
            name="decisions",
            table="decisions",
            key_columns=("decision_id",),
            notes="Every decision has an id, a segment 1..5, who decided and the source.",
            expectations=[
                gxe.ExpectColumnValuesToBeUnique(column="decision_id"),
                gxe.ExpectColumnValuesToBeInSet(column="segment", value_set=[1, 2, 3, 4, 5]),
                gxe.ExpectColumnValuesToNotBeNull(column="decided_by"),
                gxe.ExpectColumnValuesToNotBeNull(column="source_document"),
            ],
        ),
    ]
    # A mart deleted from dbt takes its suites with it; the schema contract lists what dbt declares.
    return [
        _schema_contract("marts", marts),
        *(c for c in contracts if set(c.required_tables) <= set(marts)),
    ]


def contracts_for(suite_group: str, settings: Settings | None = None) -> list[TableContract]:
    """The contracts of a suite group; the marts' table list comes from the dbt manifest."""
    if suite_group == "raw":
        return raw_contracts()
    if suite_group == "marts":
        return marts_contracts(settings)
    raise ValueError(f"unknown suite group {suite_group!r}; known: {', '.join(SUITE_GROUPS)}")
