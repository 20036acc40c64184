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
  The row rules dbt declares as generic tests on the marts (not_null, unique, accepted_values,
  accepted_range, unique_combination, relationships between marts, expression_is_true) are derived
  from the dbt manifest at run time (``oversight.gate.derived``): one declaration per rule, the
  dbt YAML. Written here are only the rules dbt does not declare:
  marts.fct_segment_history   one current version per organisation, framework and period; segments 1..5
  marts.fct_cqc_rating        rating in the CQC value set
  marts.decisions             segment in 1..5; decided_by and source_document not null
  marts.fct_segment__status_invariants
                              no segmented row below the minimum coverage (seed coverage_rules) in any
                              framework, no defaulted deficit flag, deficit status consistent
  marts.schema                the marts dbt declares exist
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
    """The marts suites: the row rules dbt declares (``oversight.gate.derived``), then the rules
    written here, which dbt does not declare. A mart deleted from dbt takes its suites with it."""
    from oversight.dbt_manifest import mart_declarations
    from oversight.gate.derived import derived_marts_contracts

    declared = mart_declarations(settings)
    contracts = [
        _schema_contract("marts", declared.marts),
        *derived_marts_contracts(declared, _hand_written_mart_rules()),
        *_hand_written_mart_queries(),
    ]
    return [c for c in contracts if set(c.required_tables) <= set(declared.marts)]


def _hand_written_mart_rules() -> dict[str, list[Any]]:
    """Row rules on one mart that no dbt test declares; they join the mart's derived suite."""
    gxe = import_gx().expectations
    from great_expectations.expectations.row_conditions import Column

    return {
        "fct_segment_history": [
            gxe.ExpectCompoundColumnsToBeUnique(
                column_list=["org_code", "framework_version", "period_start"],
                row_condition=Column("is_current") == True,  # noqa: E712 - a GX row condition
                description="one current version per organisation, framework and period",
            ),
            gxe.ExpectColumnValuesToBeInSet(column="segment", value_set=[1, 2, 3, 4, 5]),
        ],
        "fct_cqc_rating": [
            gxe.ExpectColumnValuesToBeInSet(column="rating", value_set=list(CQC_RATINGS)),
        ],
        "decisions": [
            gxe.ExpectColumnValuesToBeInSet(column="segment", value_set=[1, 2, 3, 4, 5]),
            gxe.ExpectColumnValuesToNotBeNull(column="decided_by"),
            gxe.ExpectColumnValuesToNotBeNull(column="source_document"),
        ],
    }


def _hand_written_mart_queries() -> list[TableContract]:
    """Invariants across columns that no dbt test declares, checked on a SELECT."""
    gxe = import_gx().expectations

    return [
        TableContract(
            group="marts",
            name="fct_segment__status_invariants",
            table="fct_segment",
            key_columns=("org_code", "period_start", "framework_version"),
            query=(
                "select org_code, period_start, framework_version, segment_status, coverage, "
                "minimum_coverage, "
                # no segmented row below the minimum coverage (and a scored metric in every domain where
                # the rule asks for it), unless a recorded decision or a fired trigger sets the segment
                # (SOF 2016/17 segment 2, NOF 2021/22 segment 3 stand whatever else is missing); dbt
                # declares this for nof_2025_26 only
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
                "as is_deficit_status_consistent "
                "from {schema}.fct_segment"
            ),
            notes=(
                "Status invariants dbt does not declare: no segmented row below the minimum coverage in "
                "any framework, no defaulted deficit flag."
            ),
            expectations=[
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
            ],
        ),
    ]


def contracts_for(suite_group: str, settings: Settings | None = None) -> list[TableContract]:
    """The contracts of a suite group; the marts' table list comes from the dbt manifest."""
    if suite_group == "raw":
        return raw_contracts()
    if suite_group == "marts":
        return marts_contracts(settings)
    raise ValueError(f"unknown suite group {suite_group!r}; known: {', '.join(SUITE_GROUPS)}")
