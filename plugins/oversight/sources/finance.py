"""Provider financial positions: a CSV the user maintains (the publisher's source is a PDF).

NHS England's quarterly "Financial performance report" is a PDF without a reliable text layer, so
the warehouse does not read it: an analyst transcribes the providers' lines into one CSV per period,
documented for users in ``sample_data/finance/README.md``.

File names: ``finance-positions-<YYYY>-<YY>-Q<n>.csv`` for a financial quarter (Q1 = April-June),
or ``finance-positions-<YYYY>-<MM>.csv`` for a month; ``-v<n>`` for a corrected re-issue of the same
period (revision n-1), which supersedes the earlier file.

Header (exactly these names, in any order): ``org_code, period, in_deficit,
receiving_deficit_support, plan, actual, unit`` and optionally ``org_name, source_document, notes``.
- ``org_code``: ODS trust code, upper case (e.g. ``RHW``).
- ``period``: ``2025-26 Q3`` or ``2025-12``, the same period as the file name.
- ``in_deficit``, ``receiving_deficit_support``: ``Y`` or ``N``. The NOF flag is in deficit OR
  receiving deficit support (DOMAIN.md §5 trap 2), computed in stg_finance__positions.
- ``plan``, ``actual``: surplus (positive) or deficit (negative) in ``unit``; may be blank.
- ``unit``: ``gbp_k`` (thousand pounds), ``gbp_m`` (million pounds) or ``pct_of_turnover``.
One row per organisation and period.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from oversight.errors import BadInputError
from oversight.readers import read_csv
from oversight.sources.base import (
    FileInfo,
    Layout,
    Recognition,
    SourceSpec,
    check_not_future,
    name_revision,
    recognise_csv,
    record_from_cells,
)
from oversight.sources.nof_metrics import quarter_start

if TYPE_CHECKING:
    from oversight.peek import Peek

FINANCE_POSITIONS = Layout(
    name="finance_positions_v1",
    columns=(
        ("org_code", "org_code"),
        ("org_name", "org_name"),
        ("period", "period"),
        ("in_deficit", "in_deficit"),
        ("receiving_deficit_support", "receiving_deficit_support"),
        ("plan", "plan"),
        ("actual", "actual"),
        ("unit", "unit"),
        ("source_document", "source_document"),
        ("notes", "notes"),
    ),
    optional=frozenset({"org_name", "source_document", "notes"}),
)
FLAGS = ("Y", "N")
UNITS = ("gbp_k", "gbp_m", "pct_of_turnover")
_FILE_NAME = re.compile(
    r"^finance-positions-(?:(?P<fy1>\d{4})-(?P<fy2>\d{2})-Q(?P<quarter>[1-4])|(?P<year>\d{4})-(?P<month>\d{2}))"
    r"(?:-v(?P<version>\d+))?\.csv$",
    re.I,
)
_QUARTER_PERIOD = re.compile(r"^(?P<fy1>\d{4})-(?P<fy2>\d{2}) Q(?P<quarter>[1-4])$")
_MONTH_PERIOD = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{2})$")
_ORG_CODE = re.compile(r"^[A-Z0-9]{3,5}$")
_AMOUNT = re.compile(r"^-?[0-9]*\.?[0-9]+$")


def parse_period(text: str) -> date | None:
    """``2025-26 Q3`` -> 2025-10-01; ``2025-12`` -> 2025-12-01; None for anything else."""
    text = text.strip()
    quarter = _QUARTER_PERIOD.match(text)
    if quarter:
        fy1 = int(quarter["fy1"])
        if (fy1 + 1) % 100 != int(quarter["fy2"]):
            return None
        return quarter_start(fy1, int(quarter["quarter"]))
    month = _MONTH_PERIOD.match(text)
    if month and 1 <= int(month["month"]) <= 12:
        return date(int(month["year"]), int(month["month"]), 1)
    return None


class FinancePositions(SourceSpec):
    name = "finance"
    raw_table = "finance_positions"
    description = (
        "Provider financial positions (in deficit, deficit support), user-maintained CSV per period."
    )
    cadence = "quarterly source (NHS England financial performance report); checked monthly for new files"
    layouts = (FINANCE_POSITIONS,)
    file_pattern = _FILE_NAME
    period_grain = "quarter"  # monthly files are accepted too; backfill runs expect the quarter's file
    publication_lag_months = 3  # the quarterly financial performance report follows its quarter

    raw_not_null = ("org_code", "period", "in_deficit", "receiving_deficit_support", "unit")
    raw_regex = {  # noqa: RUF012
        "org_code": r"^\s*[A-Z0-9]{3,5}\s*$",
        "period": r"^\s*([0-9]{4}-[0-9]{2} Q[1-4]|[0-9]{4}-[0-9]{2})\s*$",
        "in_deficit": r"^\s*[YN]\s*$",
        "receiving_deficit_support": r"^\s*[YN]\s*$",
    }
    raw_unique_per_load = ("org_code", "period")

    def recognise(self, peek: Peek) -> Recognition:
        """By the header; the period is the first data row's ``period`` (``2025-26 Q3``)."""
        named = self.file_info(peek.path)

        def period_of(record: dict[str, str]) -> tuple[date | None, str]:
            return parse_period(record.get("period", "")), f"period column {record.get('period', '')!r}"

        return recognise_csv(
            self,
            peek,
            name_period=named.period,
            revision=named.revision if _FILE_NAME.match(peek.name) else name_revision(peek.name),
            period_of=period_of,
        )

    def file_info(self, path: Path) -> FileInfo:
        match = _FILE_NAME.match(path.name)
        revision = max(int(match["version"] or 1) - 1, 0) if match else 0
        if match and match["quarter"]:
            fy1 = int(match["fy1"])
            if (fy1 + 1) % 100 == int(match["fy2"]):
                return FileInfo(period=quarter_start(fy1, int(match["quarter"])), revision=revision)
        elif match and 1 <= int(match["month"]) <= 12:
            return FileInfo(period=date(int(match["year"]), int(match["month"]), 1), revision=revision)
        return FileInfo(period=None, revision=revision)  # rows() rejects it, naming the rule

    def rows(self, path: Path, info: FileInfo) -> Iterator[tuple[int, str, dict[str, str]]]:
        if info.period is None:
            raise BadInputError(
                path.name,
                "file_name_names_a_period",
                "expected finance-positions-<YYYY>-<YY>-Q<n>.csv or finance-positions-<YYYY>-<MM>.csv",
            )
        check_not_future(path, info.period)
        lines = read_csv(path)
        header = self.find_header(path, lines)
        seen: dict[tuple[str, date], int] = {}
        for row_number, cells in lines:
            if not any(c.strip() for c in cells):
                continue
            record = record_from_cells(path, row_number, cells, header)
            if len(record) < len(header.positions):
                raise BadInputError(
                    path.name,
                    "row_is_complete",
                    f"{len(record)} of {len(header.positions)} columns",
                    row=row_number,
                )
            period = self._check(path, row_number, record, info.period)
            key = (record["org_code"].strip(), period)
            if key in seen:
                raise BadInputError(
                    path.name,
                    "one_row_per_organisation_and_period",
                    f"{key[0]} {record['period'].strip()} already on row {seen[key]}",
                    row=row_number,
                )
            seen[key] = row_number
            yield row_number, header.layout.name, record

    @staticmethod
    def _check(path: Path, row_number: int, record: dict[str, str], file_period: date) -> date:
        code = record["org_code"].strip()
        if not _ORG_CODE.match(code):
            raise BadInputError(
                path.name,
                "org_code_is_ods_trust_code",
                f"org_code {record['org_code']!r} (3 to 5 upper-case letters or digits, e.g. RHW)",
                row=row_number,
            )
        period = parse_period(record["period"])
        if period is None:
            raise BadInputError(
                path.name,
                "period_is_quarter_or_month",
                f"period {record['period']!r} (e.g. '2025-26 Q3' or '2025-12')",
                row=row_number,
            )
        if period != file_period:
            raise BadInputError(
                path.name,
                "period_matches_file_name",
                f"period {record['period']!r} starts {period:%B %Y}, the file name says {file_period:%B %Y}",
                row=row_number,
            )
        for column in ("in_deficit", "receiving_deficit_support"):
            if record[column].strip() not in FLAGS:
                raise BadInputError(
                    path.name, "flag_is_y_or_n", f"{column} = {record[column]!r} (Y or N)", row=row_number
                )
        for column in ("plan", "actual"):
            text = record[column].strip().replace(",", "")
            if text and not _AMOUNT.match(text):
                raise BadInputError(
                    path.name, "amount_is_a_number", f"{column} = {record[column]!r}", row=row_number
                )
        if record["unit"].strip() not in UNITS:
            raise BadInputError(
                path.name,
                "unit_is_known",
                f"unit = {record['unit']!r} (one of {list(UNITS)})",
                row=row_number,
            )
        return period


FINANCE_POSITIONS_SOURCE = FinancePositions()
SOURCE = FINANCE_POSITIONS_SOURCE
