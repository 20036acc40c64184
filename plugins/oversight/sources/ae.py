"""A&E Attendances and Emergency Admissions: NHS England's monthly provider CSV.

File names: ``Monthly-AE-<Month>-<Year>[-revised].csv`` (2024), and as the website names the
downloads from 2025, ``<Month>-<Year>-CSV[-revised].csv`` (the first release of a month may carry a
random suffix, ``July-2025-CSV-9jfy4.csv``). A file is recognised by its header row; its month is
the ``Period`` column's (``MSitAE-APRIL-2025``), the name being only a hint. One row per
organisation and month, plus one TOTAL row (spelt ``TOTAL`` or ``Total``, sometimes with spaces)
which is loaded to raw and dropped in staging. Some issues carry empty trailing columns
(September 2024 has six).
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
    MONTHS,
    FileInfo,
    Layout,
    Recognition,
    SourceSpec,
    best_header_fit,
    check_not_future,
    name_month,
    name_revision,
    not_recognised,
    parse_count,
    record_from_cells,
)

if TYPE_CHECKING:
    from oversight.peek import Peek

# Six attendance groups: type 1, type 2, other (type 3/4), and the same three as booked appointments.
GROUPS = ("type1", "type2", "other", "booked_type1", "booked_type2", "booked_other")

AE_2024 = Layout(
    name="ae_monthly_2019",
    columns=(
        ("Period", "period"),
        ("Org Code", "org_code"),
        ("Parent Org", "parent_org"),
        ("Org name", "org_name"),
        ("A&E attendances Type 1", "attendances_type1"),
        ("A&E attendances Type 2", "attendances_type2"),
        ("A&E attendances Other A&E Department", "attendances_other"),
        ("A&E attendances Booked Appointments Type 1", "attendances_booked_type1"),
        ("A&E attendances Booked Appointments Type 2", "attendances_booked_type2"),
        ("A&E attendances Booked Appointments Other Department", "attendances_booked_other"),
        ("Attendances over 4hrs Type 1", "over_4hrs_type1"),
        ("Attendances over 4hrs Type 2", "over_4hrs_type2"),
        ("Attendances over 4hrs Other Department", "over_4hrs_other"),
        ("Attendances over 4hrs Booked Appointments Type 1", "over_4hrs_booked_type1"),
        ("Attendances over 4hrs Booked Appointments Type 2", "over_4hrs_booked_type2"),
        ("Attendances over 4hrs Booked Appointments Other Department", "over_4hrs_booked_other"),
        ("Patients who have waited 4-12 hs from DTA to admission", "dta_4_to_12hrs"),
        ("Patients who have waited 12+ hrs from DTA to admission", "dta_over_12hrs"),
        ("Emergency admissions via A&E - Type 1", "emergency_admissions_type1"),
        ("Emergency admissions via A&E - Type 2", "emergency_admissions_type2"),
        ("Emergency admissions via A&E - Other A&E department", "emergency_admissions_other"),
        ("Other emergency admissions", "other_emergency_admissions"),
    ),
)

COUNT_COLUMNS = tuple(col for _, col in AE_2024.columns[4:])
_FILE_NAME = re.compile(r"^Monthly-AE-(?P<month>[A-Za-z]+)-(?P<year>\d{4})(?P<revised>-revised)?\.csv$", re.I)
_PERIOD = re.compile(r"^MSitAE-(?P<month>[A-Za-z]+)-(?P<year>\d{4})$", re.I)


def is_total_row(record: dict[str, str]) -> bool:
    return (
        record.get("org_code", "").strip().upper() == "TOTAL"
        or record.get("period", "").strip().upper() == "TOTAL"
    )


def parse_period(text: str) -> date | None:
    match = _PERIOD.match(text.strip())
    if not match or match["month"].lower() not in MONTHS:
        return None
    return date(int(match["year"]), MONTHS[match["month"].lower()], 1)


class AeMonthly(SourceSpec):
    name = "ae"
    raw_table = "ae_monthly"
    description = "A&E Attendances and Emergency Admissions, monthly provider CSV (NHS England)."
    cadence = "monthly"
    layouts = (AE_2024,)
    file_pattern = _FILE_NAME

    def recognise(self, peek: Peek) -> Recognition:
        if peek.kind != "csv":
            return not_recognised(self.name, f"a {peek.kind} file; A&E files are CSV")
        rows = peek.first_rows
        fit = best_header_fit(rows, self.layouts, self.header_search_rows)
        if fit is None:
            return not_recognised(self.name, "no header row")
        if not fit.matched:
            return not_recognised(self.name, fit.describe(), fit.score)
        column = next(i for i, c in fit.positions.items() if c == "period")
        period, basis = None, "no Period value in the first rows"
        for cells in rows[fit.row_index + 1 :]:
            text = cells[column].strip() if column < len(cells) else ""
            if text and text.upper() != "TOTAL":
                period = parse_period(text)
                basis = f"Period column {text!r}"
                break
        return Recognition(
            source=self.name,
            matched=True,
            score=fit.score,
            reason=f"{fit.describe()}; {basis}",
            period=period or name_month(peek.name),
            revision=name_revision(peek.name),
            name_period=name_month(peek.name),
            period_basis=basis if period else "file name",
            layout=fit.layout.name,
        )

    def file_info(self, path: Path) -> FileInfo:
        match = _FILE_NAME.match(path.name)
        if not match or match["month"].lower() not in MONTHS:
            raise BadInputError(
                path.name, "file_name_matches_publisher", "expected Monthly-AE-<Month>-<Year>[-revised].csv"
            )
        period = date(int(match["year"]), MONTHS[match["month"].lower()], 1)
        return FileInfo(period=period, revision=1 if match["revised"] else 0)

    def rows(self, path: Path, info: FileInfo) -> Iterator[tuple[int, str, dict[str, str]]]:
        assert info.period is not None
        check_not_future(path, info.period)
        lines = read_csv(path)
        header = self.find_header(path, lines)
        seen_orgs: dict[str, int] = {}
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
            if not is_total_row(record):
                self._check(path, row_number, record, info.period, seen_orgs)
            yield row_number, header.layout.name, record

    @staticmethod
    def _check(
        path: Path, row_number: int, record: dict[str, str], period: date, seen: dict[str, int]
    ) -> None:
        row_period = parse_period(record["period"])
        if row_period is None:
            raise BadInputError(
                path.name, "period_is_msitae_month_year", f"Period = {record['period']!r}", row=row_number
            )
        if row_period != period:
            raise BadInputError(
                path.name,
                "period_matches_file_name",
                f"Period {record['period']!r} is {row_period:%B %Y}, the file name says {period:%B %Y}",
                row=row_number,
            )
        org = record["org_code"].strip()
        if not org:
            raise BadInputError(path.name, "org_code_present", "Org Code is empty", row=row_number)
        if org in seen:
            raise BadInputError(
                path.name,
                "one_row_per_organisation",
                f"Org Code {org} already on row {seen[org]}",
                row=row_number,
            )
        seen[org] = row_number
        counts = {col: parse_count(path, row_number, col, record[col]) for col in COUNT_COLUMNS}
        for group in GROUPS:
            attendances, breaches = counts[f"attendances_{group}"], counts[f"over_4hrs_{group}"]
            if breaches > attendances:
                raise BadInputError(
                    path.name,
                    "breaches_not_above_attendances",
                    f"{org}: over 4hrs {group} = {breaches:g} > attendances {group} = {attendances:g}",
                    row=row_number,
                )


AE_MONTHLY = AeMonthly()
SOURCE = AE_MONTHLY
