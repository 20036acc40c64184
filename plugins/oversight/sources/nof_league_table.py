"""NHS Oversight Framework 2025/26 league tables: NHS England's quarterly CSV per trust type.

File names as published: ``nhs-oversight-framework-{acute|non-acute-hospital|mental-health-and-community|
ambulance}-trust-league-table[-q3-25-26][-v2].csv``, in the same landing folder as the metric data
(``$LANDING_DIR/nof/``; see oversight.sources.nof_metrics for the shared file-name and quarter rules).

Columns (DOMAIN.md §4): ``Region, Trust_type, Trust_subtype, Trust_code, Trust_name, (Quarter),
Reporting_date, Average_score, Likely_range_of_average_score, Segment, Trust_in_financial_deficit,
Rank, Likely_range_of_rank``. One row per trust per quarter. ``Average_score`` is the mean of the
trust's metric scores (1 best, 4 worst), ``Segment`` the adjusted segment (after the deficit cap),
``Trust_in_financial_deficit`` Yes/No means "in deficit or receiving deficit support", ``Rank`` the
competition rank within the trust type (ties share the lowest rank: 8, 8, 10), the likely ranges
``low - high``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from oversight.errors import BadInputError
from oversight.sources.base import FileInfo, Layout, Recognition, SourceSpec
from oversight.sources.nof_metrics import (
    LANDING_FOLDER,
    LEAGUE_FILE_NAME,
    NUMBER,
    POSITIVE_INTEGER,
    complete_record,
    nof_file_info,
    recognise_nof,
    start_rows,
)

if TYPE_CHECKING:
    from oversight.peek import Peek

NOF_LEAGUE_TABLE = Layout(
    name="nof_league_table_2025",
    columns=(
        ("Region", "region"),
        ("Trust_type", "trust_type"),
        ("Trust_subtype", "trust_subtype"),
        ("Trust_code", "trust_code"),
        ("Trust_name", "trust_name"),
        ("Quarter", "quarter"),
        ("Reporting_date", "reporting_date"),
        ("Average_score", "average_score"),
        ("Likely_range_of_average_score", "likely_range_of_average_score"),
        ("Segment", "segment"),
        ("Trust_in_financial_deficit", "trust_in_financial_deficit"),
        ("Rank", "rank"),
        ("Likely_range_of_rank", "likely_range_of_rank"),
    ),
    optional=frozenset({"Quarter"}),
)
DEFICIT_FLAGS = ("Yes", "No")
SEGMENTS = ("1", "2", "3", "4", "5")
_RANGE = re.compile(r"^\s*(?P<low>[0-9]*\.?[0-9]+)\s*(?:-|–|—|to)\s*(?P<high>[0-9]*\.?[0-9]+)\s*$")


def parse_range(text: str) -> tuple[float, float] | None:
    """``1.28 - 1.44`` -> (1.28, 1.44); None if it is not ``low - high``."""
    match = _RANGE.match(text)
    return (float(match["low"]), float(match["high"])) if match else None


class NofLeagueTable(SourceSpec):
    name = "nof_league_table"
    landing_folder = LANDING_FOLDER
    raw_table = "nof_league_table"
    description = "NHS Oversight Framework league table, quarterly CSV per trust type (NHS England)."
    cadence = "quarterly (published in the third month after the quarter)"
    layouts = (NOF_LEAGUE_TABLE,)
    file_pattern = LEAGUE_FILE_NAME
    period_grain = "quarter"
    publication_lag_months = 3  # quarter Q is published in the third month after it ends (Q3 in March)

    raw_not_null = ("trust_code", "average_score", "segment", "trust_in_financial_deficit", "rank")
    raw_regex = {  # noqa: RUF012
        "trust_code": r"^\s*[A-Z0-9]{3,5}\s*$",
        "average_score": r"^\s*[0-9]*\.?[0-9]+\s*$",
        "segment": r"^\s*[1-5]\s*$",
        "trust_in_financial_deficit": r"^\s*(Yes|No)\s*$",
        "rank": r"^\s*[1-9][0-9]*\s*$",
    }
    raw_unique_per_load = ("trust_code", "quarter")

    def recognise(self, peek: Peek) -> Recognition:
        return recognise_nof(self, peek, LEAGUE_FILE_NAME)

    def file_info(self, path: Path) -> FileInfo:
        return nof_file_info(path, LEAGUE_FILE_NAME, self)

    def rows(self, path: Path, info: FileInfo) -> Iterator[tuple[int, str, dict[str, str]]]:
        lines, header, checks = start_rows(self, path, info, LEAGUE_FILE_NAME)
        seen: dict[tuple[str, date], int] = {}
        for row_number, cells in lines:
            if not any(c.strip() for c in cells):
                continue
            record = complete_record(path, row_number, cells, header)
            quarter = checks.row_quarter(row_number, record)
            self._check(path, row_number, record)
            key = (record["trust_code"].strip(), quarter)
            if key in seen:
                raise BadInputError(
                    path.name,
                    "one_row_per_trust_and_quarter",
                    f"{key[0]} for the quarter starting {quarter:%B %Y} already on row {seen[key]}",
                    row=row_number,
                )
            seen[key] = row_number
            yield row_number, header.layout.name, record
        checks.check_file_quarter_present()

    @staticmethod
    def _check(path: Path, row_number: int, record: dict[str, str]) -> None:
        average = record["average_score"].strip()
        if not NUMBER.match(average) or not 1 <= float(average) <= 4:
            raise BadInputError(
                path.name,
                "average_score_between_1_and_4",
                f"Average_score = {record['average_score']!r}",
                row=row_number,
            )
        segment = record["segment"].strip()
        if segment not in SEGMENTS:
            raise BadInputError(path.name, "segment_is_1_to_5", f"Segment = {segment!r}", row=row_number)
        flag = record["trust_in_financial_deficit"].strip()
        if flag not in DEFICIT_FLAGS:
            raise BadInputError(
                path.name,
                "deficit_flag_is_yes_or_no",
                f"Trust_in_financial_deficit = {flag!r} (Yes or No)",
                row=row_number,
            )
        rank = record["rank"].strip()
        if not POSITIVE_INTEGER.match(rank):
            raise BadInputError(path.name, "rank_is_a_positive_integer", f"Rank = {rank!r}", row=row_number)
        for column, label in (
            ("likely_range_of_average_score", "Likely_range_of_average_score"),
            ("likely_range_of_rank", "Likely_range_of_rank"),
        ):
            text = record[column].strip()
            if not text:
                continue
            bounds = parse_range(text)
            if bounds is None or bounds[0] > bounds[1]:
                raise BadInputError(
                    path.name,
                    "likely_range_is_low_to_high",
                    f"{label} = {text!r} (e.g. '1.28 - 1.44')",
                    row=row_number,
                )


NOF_LEAGUE_TABLE_SOURCE = NofLeagueTable()
SOURCE = NOF_LEAGUE_TABLE_SOURCE
