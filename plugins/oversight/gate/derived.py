"""The GX marts suites' row rules, derived at run time from the data tests dbt declares on the marts.

A rule is declared once, as a dbt test in ``dbt_project/models/marts/<model>.yml``; the gate reads
it from the manifest (``oversight.dbt_manifest.mart_declarations``) and checks the same rule with
Great Expectations:

  not_null                 -> ExpectColumnValuesToNotBeNull            suite marts.<model>
  unique                   -> ExpectColumnValuesToBeUnique             suite marts.<model>
  accepted_values          -> ExpectColumnValuesToBeInSet              suite marts.<model>
  unique_combination       -> ExpectCompoundColumnsToBeUnique          suite marts.<model>
  accepted_range           -> ExpectColumnValuesToBeBetween            suite marts.<model>
  relationships to a mart  -> ExpectColumnValuesToNotBeNull on a left join
                                                      suite marts.<model>__<column>_in_<parent>
  expression_is_true       -> ExpectColumnValuesToBeInSet([True]) on the expression (null = not
                              tested, as in dbt)      suite marts.<model>__expressions

A test's ``config.where`` becomes a GX row condition when it is one simple comparison
(``col = 'x'``, ``col <> 1``, ``col is [not] null``); expression tests take any where clause.

Left to dbt (not checked by the gate): singular tests (SQL files under ``dbt_project/tests``),
relationships to a seed or a model outside the marts (not in the schema the gate reads), tests of
severity ``warn`` (advisory; the gate fails closed), column tests whose ``where`` is more than one
simple comparison, relationships with a ``where``, and any other generic test.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from oversight.gate._gx import import_gx

if TYPE_CHECKING:
    from oversight.dbt_manifest import DataTest, MartDeclarations
    from oversight.gate.suites import TableContract

log = logging.getLogger(__name__)

_IDENT = r"[a-z_][a-z0-9_]*"
_COMPARISON = re.compile(
    rf"^\s*({_IDENT})\s*(=|<>|!=)\s*('(?:[^']|'')*'|-?\d+(?:\.\d+)?|true|false)\s*$", re.I
)
_NULLITY = re.compile(rf"^\s*({_IDENT})\s+is\s+(not\s+)?null\s*$", re.I)
_REF = re.compile(r"""^\s*ref\(\s*['"]([A-Za-z0-9_]+)['"]\s*\)\s*$""")
COLUMN_TESTS = ("not_null", "unique", "accepted_values", "accepted_range")


def row_condition(where: str | None) -> Any:
    """A GX row condition for a dbt ``where`` of one simple comparison; None when there is none;
    raises ValueError when the clause is more than that."""
    if not where:
        return None
    from great_expectations.expectations.row_conditions import Column

    if match := _NULLITY.match(where):
        column = Column(match.group(1).lower())
        return column.is_not_null() if match.group(2) else column.is_null()
    match = _COMPARISON.match(where)
    if not match:
        raise ValueError(f"where {where!r} is not one simple comparison")
    column, operator, literal = Column(match.group(1).lower()), match.group(2), match.group(3)
    value: Any
    if literal.startswith("'"):
        value = literal[1:-1].replace("''", "'")
    elif literal.lower() in ("true", "false"):
        value = literal.lower() == "true"
    else:
        value = float(literal) if "." in literal else int(literal)
    return column == value if operator == "=" else column != value


def column_expectation(test: DataTest) -> Any | None:
    """The GX expectation of one column or uniqueness test, or None when it is not one of those."""
    gxe = import_gx().expectations
    extra: dict[str, Any] = {}
    condition = row_condition(test.where)
    if condition is not None:
        extra["row_condition"] = condition
    kwargs, column = test.kwargs, test.column
    if test.name == "not_null":
        return gxe.ExpectColumnValuesToNotBeNull(column=column, **extra)
    if test.name == "unique":
        return gxe.ExpectColumnValuesToBeUnique(column=column, **extra)
    if test.name == "accepted_values":
        return gxe.ExpectColumnValuesToBeInSet(column=column, value_set=list(kwargs["values"]), **extra)
    if test.name == "accepted_range":
        return gxe.ExpectColumnValuesToBeBetween(
            column=column, min_value=kwargs.get("min_value"), max_value=kwargs.get("max_value"), **extra
        )
    if test.name == "unique_combination":
        return gxe.ExpectCompoundColumnsToBeUnique(
            column_list=list(kwargs["combination_of_columns"]), **extra
        )
    return None


def _relationship_contract(
    test: DataTest, keys: tuple[str, ...], marts: tuple[str, ...]
) -> TableContract | None:
    from oversight.gate.suites import TableContract

    match = _REF.match(str(test.kwargs.get("to", "")))
    parent, field = (match.group(1) if match else None), test.kwargs.get("field")
    if parent not in marts or not field or test.where or not test.column:
        return None
    column, checked = test.column, f"{parent}_{field}"
    selected = ", ".join(f"c.{c}" for c in dict.fromkeys((*keys, column)))
    return TableContract(
        group="marts",
        name=f"{test.model}__{column}_in_{parent}",
        table=test.model,
        key_columns=keys or (column,),
        query=(
            f"select {selected}, p.{field} as {checked} from {{schema}}.{test.model} c "
            f"left join {{schema}}.{parent} p on p.{field} = c.{column} where c.{column} is not null"
        ),
        requires=(test.model, parent),
        notes=f"Every {column} of {test.model} is in {parent}.{field} (dbt test {test.unique_id}).",
        expectations=[
            import_gx().expectations.ExpectColumnValuesToNotBeNull(
                column=checked, description=f"every {column} of {test.model} is in {parent}.{field}"
            )
        ],
    )


def _expressions_contract(model: str, tests: list[DataTest], keys: tuple[str, ...]) -> TableContract:
    from oversight.gate.suites import TableContract

    gxe = import_gx().expectations
    columns, expectations = [], []
    for n, test in enumerate(tests, start=1):
        expression = test.kwargs["expression"]
        where = [w for w in (test.kwargs.get("where_clause"), test.where) if w]
        condition = " and ".join(f"({w})" for w in where)
        columns.append(f"case when {condition} then ({expression}) end" if where else f"({expression})")
        columns[-1] += f" as holds_{n}"
        shown = expression + (f" where {' and '.join(where)}" if where else "")
        expectations.append(
            gxe.ExpectColumnValuesToBeInSet(column=f"holds_{n}", value_set=[True], description=shown)
        )
    selected = ", ".join([*keys, *columns])
    return TableContract(
        group="marts",
        name=f"{model}__expressions",
        table=model,
        key_columns=keys,
        query=f"select {selected} from {{schema}}.{model}",
        notes=f"The expression_is_true tests of {model} (dbt): every row satisfies each expression.",
        expectations=expectations,
    )


def derived_marts_contracts(
    declared: MartDeclarations, hand_written: dict[str, list[Any]] | None = None
) -> list[TableContract]:
    """One suite per mart with dbt column/uniqueness tests (plus the ``hand_written`` row rules of
    that mart), one per relationship between marts, one per mart with expression tests."""
    from oversight.gate.suites import TableContract

    hand_written = hand_written or {}
    rules: dict[str, list[Any]] = defaultdict(list)
    expressions: dict[str, list[DataTest]] = defaultdict(list)
    relationships: list[TableContract] = []
    for test in declared.tests:
        keys = declared.keys.get(test.model, ())
        if test.severity != "error":
            continue
        if test.name == "expression_is_true":
            expressions[test.model].append(test)
            continue
        if test.name == "relationships":
            contract = _relationship_contract(test, keys, declared.marts)
            if contract is None:
                log.debug("dbt test %s left to dbt (relationship outside the marts)", test.unique_id)
            else:
                relationships.append(contract)
            continue
        try:
            expectation = column_expectation(test)
        except ValueError as error:
            log.debug("dbt test %s left to dbt: %s", test.unique_id, error)
            continue
        if expectation is not None:
            rules[test.model].append(expectation)
    contracts = []
    for model in declared.marts:
        expectations = [*rules.get(model, []), *hand_written.get(model, [])]
        if expectations:
            contracts.append(
                TableContract(
                    group="marts",
                    name=model,
                    table=model,
                    key_columns=declared.keys.get(model, ()),
                    notes=f"The column and uniqueness tests of models/marts/{model}.yml (dbt)"
                    + (", and the rules of gate/suites.py." if model in hand_written else "."),
                    expectations=expectations,
                )
            )
        if model in expressions:
            contracts.append(_expressions_contract(model, expressions[model], declared.keys.get(model, ())))
    return [*contracts, *relationships]
