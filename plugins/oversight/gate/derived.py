"""The GX marts suites' row rules, derived at run time from the data tests dbt declares on the marts.

A rule is declared once, as a dbt test in ``dbt_project/models/marts/<model>.yml``; the gate reads
it from the manifest (``oversight.dbt_manifest.mart_declarations``) and checks the same rule with
Great Expectations:

  not_null                 -> ExpectColumnValuesToNotBeNull            suite marts.<model>
  unique                   -> ExpectColumnValuesToBeUnique             suite marts.<model>
  accepted_values          -> ExpectColumnValuesToBeInSet              suite marts.<model>
  unique_combination       -> ExpectCompoundColumnsToBeUnique          suite marts.<model>
  accepted_range           -> ExpectColumnValuesToBeBetween            suite marts.<model>
  relationships to a mart  -> a boolean column "<column>_in_<parent>" (null child: true, as dbt
                              skips it) expected True     suite marts.<model>
  expression_is_true       -> a boolean column "holds_<n>" (null where the where_clause excludes
                              the row, untested as in dbt) expected True  suite marts.<model>

A test's ``config.where`` becomes a GX row condition when it is one simple comparison
(``col = 'x'``, ``col <> 1``, ``col is [not] null``); expression tests take any where clause.

Left to dbt (not checked by the gate): singular tests (SQL files under ``dbt_project/tests``),
relationships to a seed or a model outside the marts (not in the schema the gate reads), tests of
severity ``warn`` (advisory; the gate fails closed), column tests whose ``where`` is more than one
simple comparison, relationships with a ``where``, and any other generic test.

Each rule is also run once: ``gated_test_ids`` names the dbt tests the gate checks (``gate_checks``
decides, for the suites here and for the build alike), and the dbt build leaves exactly those out
(``oversight.transform.build``); dbt runs the rest. Nothing is published unless the gate passes,
so a mart rule checked by the gate alone still stops a bad build from being published.
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


def simple_where(where: str | None) -> bool:
    """True when a dbt ``where`` is absent or one simple comparison (what ``row_condition`` takes)."""
    return not where or bool(_NULLITY.match(where) or _COMPARISON.match(where))


def gate_checks(test: DataTest, marts: tuple[str, ...]) -> bool:
    """Whether the gate checks this dbt test on a mart (without importing Great Expectations)."""
    if test.severity != "error":
        return False
    if test.name == "relationships":
        return _relationship_check(test, marts) is not None
    if test.name == "expression_is_true":
        return True
    return test.name in (*COLUMN_TESTS, "unique_combination") and simple_where(test.where)


def gated_test_ids(declared: MartDeclarations) -> tuple[str, ...]:
    """The unique ids of the dbt tests the gate checks: the build leaves them to the gate."""
    return tuple(t.unique_id for t in declared.tests if gate_checks(t, declared.marts))


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


def _relationship_check(test: DataTest, marts: tuple[str, ...]) -> tuple[str, str, str, str] | None:
    """(SQL, column name, description, parent mart) of a relationships test between two marts."""
    match = _REF.match(str(test.kwargs.get("to", "")))
    parent, field = (match.group(1) if match else None), test.kwargs.get("field")
    if parent not in marts or not field or test.where or not test.column:
        return None
    column = test.column
    sql = f"({column} is null or exists (select 1 from {{schema}}.{parent} p where p.{field} = m.{column}))"
    return sql, f"{column}_in_{parent}", f"every {column} of {test.model} is in {parent}.{field}", parent


def _expression_check(test: DataTest, n: int) -> tuple[str, str, str]:
    """(SQL, column name, description) of an expression_is_true test: null where it is not tested."""
    expression = test.kwargs["expression"]
    where = [w for w in (test.kwargs.get("where_clause"), test.where) if w]
    if not where:
        return f"({expression})", f"holds_{n}", expression
    condition = " and ".join(f"({w})" for w in where)
    return f"case when {condition} then ({expression}) end", f"holds_{n}", f"{expression} where {condition}"


def _checks(tests: list[DataTest], marts: tuple[str, ...]) -> tuple[list[str], list[Any], tuple[str, ...]]:
    """The relationships and expression_is_true tests of one mart as boolean SELECT columns, their
    expectations (True; null: the row is not tested) and the other marts they read."""
    gxe = import_gx().expectations
    columns, expectations, parents = [], [], []
    expressions = 0
    for test in tests:
        if test.name == "relationships":
            found = _relationship_check(test, marts)
            assert found is not None  # gate_checks took it
            sql, name, description, parent = found
            parents.append(parent)
        else:
            expressions += 1
            sql, name, description = _expression_check(test, expressions)
        columns.append(f"{sql} as {name}")
        expectations.append(
            gxe.ExpectColumnValuesToBeInSet(column=name, value_set=[True], description=description)
        )
    return columns, expectations, tuple(dict.fromkeys(parents))


def derived_marts_contracts(
    declared: MartDeclarations, hand_written: dict[str, list[Any]] | None = None
) -> list[TableContract]:
    """One suite per mart: its dbt tests, and the ``hand_written`` row rules of that mart. A mart
    with relationships or expression tests is validated on ``select m.*, <check columns>``."""
    from oversight.gate.suites import TableContract

    hand_written = hand_written or {}
    rules: dict[str, list[Any]] = defaultdict(list)
    queried: dict[str, list[DataTest]] = defaultdict(list)
    for test in declared.tests:
        if not gate_checks(test, declared.marts):
            log.debug("dbt test %s left to dbt", test.unique_id)
            continue
        if test.name in ("relationships", "expression_is_true"):
            queried[test.model].append(test)
            continue
        rules[test.model].append(column_expectation(test))
    contracts = []
    for model in declared.marts:
        columns, checks, parents = _checks(queried.get(model, []), declared.marts)
        expectations = [*rules.get(model, []), *checks, *hand_written.get(model, [])]
        if not expectations:
            continue
        contracts.append(
            TableContract(
                group="marts",
                name=model,
                table=model,
                key_columns=declared.keys.get(model, ()),
                notes=f"The dbt tests of models/marts/{model}.yml"
                + (", and the rules of gate/suites.py." if model in hand_written else "."),
                expectations=expectations,
                query=f"select m.*, {', '.join(columns)} from {{schema}}.{model} m" if columns else None,
                requires=(model, *(p for p in parents if p != model)) if columns else None,
            )
        )
    return contracts
