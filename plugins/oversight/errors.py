"""Errors raised for bad input and for failed quality gates.

Every bad-input error names the file, the row (1-based line or sheet row) and the rule broken,
so that a data engineer can open the file at the right place.
"""

from __future__ import annotations


class BadInputError(Exception):
    """A source file breaks a rule of its contract; nothing of it is loaded."""

    def __init__(self, file: str, rule: str, detail: str, row: int | None = None) -> None:
        self.file = file
        self.rule = rule
        self.detail = detail
        self.row = row
        where = f"{file}, row {row}" if row is not None else file
        super().__init__(f"{where}: rule '{rule}' broken: {detail}")


class GateFailedError(Exception):
    """A Great Expectations gate failed: nothing is published."""
