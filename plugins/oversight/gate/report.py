"""The gate's report and its failure messages, built from GX validation results as JSON dicts.

Pure Python (no Great Expectations import), so the report can be read and tested cheaply.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

MAX_EXAMPLES = 5  # offending rows kept per failed expectation (GX partial_unexpected_count)
MESSAGE_EXAMPLES = 3  # of which shown in the error message

# kwargs that locate an expectation (shown in parentheses) or that are GX plumbing, not parameters
_COLUMN_KWARGS = ("column", "column_A", "column_B", "column_list")
_HIDDEN_KWARGS = {
    *_COLUMN_KWARGS,
    "batch_id",
    "row_condition",
    "condition_parser",
    "ignore_row_if",
    "result_format",
    "include_config",
    "catch_exceptions",
    "meta",
    "notes",
    "description",
    "mostly",
    "strict_min",
    "strict_max",
    "or_equal",
    "parse_strings_as_datetimes",
    "windows",
}


@dataclass
class GateReport:
    """What one gate run validated and what failed.

    ``failures`` holds one dict per failed expectation: ``expectation`` (GX type), ``suite``,
    ``table`` (schema-qualified), ``column`` (single-column expectations, else None), ``columns``,
    ``parameters``, ``unexpected_count``, ``element_count``, ``example_rows`` (up to 5 offending
    rows, each the row's key columns plus the checked column(s), or offending values), ``error``
    (set when GX could not evaluate the expectation, e.g. a missing column) and ``message``.
    """

    suite_group: str
    success: bool
    evaluated: int
    passed: int
    failed: int
    failures: list[dict[str, Any]]
    data_docs_index: str
    schema: str = ""
    run_name: str = ""
    load_ids: list[int] | None = None
    suites_validated: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "<suite>: <reason>"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        loads = f" (loads {', '.join(map(str, self.load_ids))})" if self.load_ids is not None else ""
        head = (
            f"GX gate {self.suite_group!r} on schema {self.schema}{loads}: {self.failed} of {self.evaluated} "
            f"expectations failed across {len(self.suites_validated)} suite(s)"
        )
        lines = [head + (":" if self.failures else ".")]
        lines += [f"- {f['message']}" for f in self.failures]
        if self.skipped:
            lines.append(f"skipped: {'; '.join(self.skipped)}")
        lines.append(f"Data Docs: {self.data_docs_index}")
        return "\n".join(lines)


# ---- failures ----------------------------------------------------------------------------------
def failures_from_result(suite_result: dict[str, Any], table: str) -> list[dict[str, Any]]:
    """One failure dict per unsuccessful expectation of a suite validation result (as JSON dict)."""
    failures = []
    for result in suite_result.get("results", []):
        if result.get("success"):
            continue
        config = result.get("expectation_config") or {}
        kwargs = config.get("kwargs") or {}
        columns = _columns(kwargs)
        outcome = result.get("result") or {}
        failure: dict[str, Any] = {
            "expectation": config.get("type", "?"),
            "suite": suite_result.get("suite_name"),
            "table": table,
            "column": kwargs.get("column"),
            "columns": columns,
            "parameters": _parameters(kwargs),
            "description": config.get("description"),
            "unexpected_count": outcome.get("unexpected_count"),
            "element_count": outcome.get("element_count"),
            "observed_value": outcome.get("observed_value"),
            "example_rows": _examples(kwargs, outcome),
            "error": _exception_message(result.get("exception_info")),
        }
        failure["message"] = failure_message(failure)
        failures.append(failure)
    return failures


def failure_message(failure: dict[str, Any]) -> str:
    """E.g. ``expect_column_values_to_be_between on marts__build.fct_metric_value(value) min=0 max=100
    where unit == '%': 1 of 1060 rows unexpected, e.g. {org_code: RXX, period_start: 2024-06-01, ...}``."""
    where = f"{failure['expectation']} on {failure['table']}"
    if failure["columns"]:
        where += f"({', '.join(failure['columns'])})"
    if failure["parameters"]:
        where += f" {failure['parameters']}"
    if failure.get("description"):
        where += f" [{failure['description']}]"
    if failure.get("error"):
        return f"{where}: could not be evaluated: {failure['error']}"
    examples = _distinct(failure["example_rows"])[:MESSAGE_EXAMPLES]
    shown = "; ".join(_format_row(row) for row in examples)
    if failure.get("unexpected_count") is not None:
        text = f"{where}: {failure['unexpected_count']} of {failure['element_count']} rows unexpected"
        return f"{text}, e.g. {shown}" if shown else text
    if failure["expectation"] == "expect_column_distinct_values_to_contain_set" and failure["example_rows"]:
        return f"{where}: missing {', '.join(_format_value(v) for v in failure['example_rows'])}"
    return f"{where}: observed {_format_parameter(failure.get('observed_value'))}"


def _columns(kwargs: dict[str, Any]) -> list[str]:
    if kwargs.get("column_list"):
        return [str(c) for c in kwargs["column_list"]]
    if kwargs.get("column_A") is not None:
        return [str(kwargs["column_A"]), str(kwargs["column_B"])]
    if kwargs.get("column") is not None:
        return [str(kwargs["column"])]
    return []


def _parameters(kwargs: dict[str, Any]) -> str:
    parts = []
    if kwargs.get("column_A") is not None:
        operator = ">=" if kwargs.get("or_equal") else ">"
        parts.append(f"{kwargs['column_A']} {operator} {kwargs['column_B']}")
    for key, value in kwargs.items():
        if key in _HIDDEN_KWARGS or value is None:
            continue
        if key == "min_value":
            parts.append(f"min={_format_parameter(value)}")
        elif key == "max_value":
            parts.append(f"max={_format_parameter(value)}")
        elif key == "value_set":
            parts.append("in {" + ", ".join(_format_parameter(v) for v in value) + "}")
        else:
            parts.append(f"{key}={_format_parameter(value)}")
    if kwargs.get("mostly") not in (None, 1, 1.0):
        parts.append(f"mostly={_format_parameter(kwargs['mostly'])}")
    condition = _condition_text(kwargs.get("row_condition"))
    if condition:
        parts.append(f"where {condition}")
    return " ".join(parts)


def _condition_text(condition: Any) -> str:
    if not condition:
        return ""
    if isinstance(condition, str):
        return condition
    if isinstance(condition, dict):
        if "conditions" in condition:
            joiner = f" {condition.get('type', 'and')} "
            return "(" + joiner.join(_condition_text(c) for c in condition["conditions"]) + ")"
        column = (condition.get("column") or {}).get("name", "?")
        if condition.get("type") == "nullity":
            return f"{column} is {'null' if condition.get('is_null') else 'not null'}"
        parameter = condition.get("parameter")
        shown = f"'{parameter}'" if isinstance(parameter, str) else _format_parameter(parameter)
        return f"{column} {condition.get('operator', '?')} {shown}"
    return str(condition)


def _examples(kwargs: dict[str, Any], outcome: dict[str, Any]) -> list[Any]:
    """Offending rows: key columns + checked column(s) when GX returned them, else offending values."""
    if outcome.get("partial_unexpected_index_list"):
        return list(outcome["partial_unexpected_index_list"])[:MAX_EXAMPLES]
    values = outcome.get("partial_unexpected_list")
    if values:
        rows: list[Any] = []
        for value in values[:MAX_EXAMPLES]:
            if isinstance(value, dict):
                rows.append(value)
            elif isinstance(value, list | tuple) and kwargs.get("column_A") is not None and len(value) == 2:
                rows.append({kwargs["column_A"]: value[0], kwargs["column_B"]: value[1]})
            elif kwargs.get("column") is not None:
                rows.append({kwargs["column"]: value})
            else:
                rows.append(value)
        return rows
    # column-aggregate expectations: the expected values that were not observed
    if outcome.get("partial_missing_list"):
        return list(outcome["partial_missing_list"])[:MAX_EXAMPLES]
    observed = outcome.get("observed_value")
    expected = kwargs.get("value_set")
    if isinstance(observed, list) and isinstance(expected, list):
        return [v for v in expected if v not in observed][:MAX_EXAMPLES]
    return []


def _exception_message(info: Any) -> str | None:
    if not info:
        return None
    if isinstance(info, dict) and "raised_exception" in info:
        return (info.get("exception_message") or "exception raised") if info.get("raised_exception") else None
    if isinstance(info, dict):  # keyed by metric: {metric id: {exception_message, ...}}
        messages = [
            v.get("exception_message")
            for v in info.values()
            if isinstance(v, dict) and (v.get("raised_exception") or v.get("exception_message"))
        ]
        messages = [m for m in messages if m]
        return "; ".join(dict.fromkeys(messages)) or None
    return str(info)


def _distinct(rows: list[Any]) -> list[Any]:
    seen: list[Any] = []
    for row in rows:
        if row not in seen:
            seen.append(row)
    return seen


def _format_row(row: Any) -> str:
    if isinstance(row, dict):
        return "{" + ", ".join(f"{k}: {_format_value(v)}" for k, v in row.items()) + "}"
    return _format_value(row)


def _format_value(value: Any) -> str:
    """A value of an offending row, as stored (140.0 stays 140.0)."""
    if value is None:
        return "null"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_format_value(v) for v in value) + "]"
    return str(value)


def _format_parameter(value: Any) -> str:
    """A parameter of the expectation: whole floats without their .0 (GX stores min_value=0 as 0.0)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, list | tuple | set):
        return "[" + ", ".join(_format_parameter(v) for v in value) + "]"
    return _format_value(value)
