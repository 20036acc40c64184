"""Mental Health Services Monthly Statistics (MHSDS): NHS England's long "main" CSV.

File names as published: ``MHSDS Data_<Mon><Stage>_<YYYY>[ v<n>].csv`` where <Stage> is ``Prf`` /
``Perf`` (performance: the first issue of the month), ``Prov`` (provisional) or ``Final`` (the
refreshed month, which supersedes the performance issue), e.g. ``MHSDS Data_OctPerf_2024.csv``,
``MHSDS Data_OctFinal__2024.csv``. The zip NHS England publishes holds one such CSV: unzip it into
``$LANDING_DIR/mhsds/``.

Long layout (DOMAIN.md §4), one row per period x breakdown x level x measure:
``REPORTING_PERIOD_START, REPORTING_PERIOD_END, STATUS, BREAKDOWN, PRIMARY_LEVEL,
PRIMARY_LEVEL_DESCRIPTION, SECONDARY_LEVEL, SECONDARY_LEVEL_DESCRIPTION, MEASURE_ID, MEASURE_NAME,
MEASURE_VALUE``. Provider rows have ``BREAKDOWN = 'Provider'`` and the ODS code in
``PRIMARY_LEVEL``. Small numbers are suppressed as ``*``: kept as text in raw, a null flagged
``is_suppressed`` in staging, never a number.

Every row is loaded (England, commissioner and provider breakdowns alike); staging keeps the
provider rows. Rules: the reporting period ends in the file's month (rolling measures may start
earlier), dates are ISO or dd/mm/yyyy, STATUS is a known stage, values are non-negative numbers or
``*``, provider codes are ODS codes, and one row per provider x secondary level x measure x period
(checked on provider rows, the ones the warehouse models, to keep memory small on the full file).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime
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
    check_not_future,
    name_month,
    name_revision,
    recognise_csv,
    record_from_cells,
)

if TYPE_CHECKING:
    from oversight.peek import Peek

MHSDS_MAIN = Layout(
    name="mhsds_monthly_main",
    columns=(
        ("REPORTING_PERIOD_START", "reporting_period_start"),
        ("REPORTING_PERIOD_END", "reporting_period_end"),
        ("STATUS", "status"),
        ("BREAKDOWN", "breakdown"),
        ("PRIMARY_LEVEL", "primary_level"),
        ("PRIMARY_LEVEL_DESCRIPTION", "primary_level_description"),
        ("SECONDARY_LEVEL", "secondary_level"),
        ("SECONDARY_LEVEL_DESCRIPTION", "secondary_level_description"),
        ("MEASURE_ID", "measure_id"),
        ("MEASURE_NAME", "measure_name"),
        ("MEASURE_VALUE", "measure_value"),
    ),
)
STATUSES = ("Performance", "Provisional", "Final")
SUPPRESSED = "*"
# Stage order within a month: provisional < performance < final; a "v2" re-issue adds one.
_STAGE_REVISION = {"prov": 0, "prf": 10, "perf": 10, "final": 20}
_FILE_NAME = re.compile(
    r"^MHSDS Data_(?P<month>[A-Za-z]{3,9})(?P<stage>Prf|Perf|Prov|Final)_+(?P<year>\d{4})"
    r"(?:[ _]?v(?P<version>\d+))?\.csv$",
    re.I,
)
_ODS_CODE = re.compile(r"^[A-Z0-9]{3,5}$")
_NUMBER = re.compile(r"^[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?$")


def parse_mhsds_date(text: str) -> date | None:
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


class MhsdsMonthly(SourceSpec):
    name = "mhsds"
    raw_table = "mhsds_monthly"
    description = "Mental Health Services Monthly Statistics (MHSDS), main long CSV (NHS England)."
    cadence = "monthly (second Thursday)"
    layouts = (MHSDS_MAIN,)
    file_pattern = _FILE_NAME
    period_grain = "month"
    publication_lag_months = 3  # "Performance <month M>" comes out around month M+3 (RECALL)

    raw_not_null = (
        "reporting_period_start",
        "reporting_period_end",
        "breakdown",
        "primary_level",
        "measure_id",
    )
    raw_regex = {  # noqa: RUF012
        "measure_value": r"^(\*|[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?)$",
        "status": r"^\s*(Performance|Provisional|Final)\s*$",
    }
    # No raw_unique_per_load: uniqueness is a contract rule on provider rows only (see module doc).

    def recognise(self, peek: Peek) -> Recognition:
        """By the long header; the month is the first data row's REPORTING_PERIOD_END, the stage
        (revision) the name's, else the first row's STATUS."""
        match = _FILE_NAME.match(peek.name)
        if match and match["month"].lower() in MONTHS:
            named = date(int(match["year"]), MONTHS[match["month"].lower()], 1)
            revision: int | None = self.file_info(peek.path).revision
        else:
            named, revision = name_month(peek.name), None
        status: list[str] = []

        def period_of(record: dict[str, str]) -> tuple[date | None, str]:
            status.append(record.get("status", "").strip())
            end = parse_mhsds_date(record.get("reporting_period_end", ""))
            text = record.get("reporting_period_end", "")
            return (end.replace(day=1) if end else None), f"REPORTING_PERIOD_END {text!r}"

        found = recognise_csv(self, peek, name_period=named, revision=0, period_of=period_of)
        if revision is None:
            stage = {"provisional": "prov", "performance": "perf", "final": "final"}.get(
                (status or [""])[0].casefold(), "perf"
            )
            revision = _STAGE_REVISION[stage] + name_revision(peek.name)
        return replace(found, revision=revision)

    def file_info(self, path: Path) -> FileInfo:
        match = _FILE_NAME.match(path.name)
        if not match or match["month"].lower() not in MONTHS:
            raise BadInputError(
                path.name,
                "file_name_matches_publisher",
                "expected MHSDS Data_<Mon><Perf|Prf|Final>_<YYYY>.csv",
            )
        number = MONTHS[match["month"].lower()]
        revision = _STAGE_REVISION[match["stage"].lower()] + max(int(match["version"] or 1) - 1, 0)
        return FileInfo(period=date(int(match["year"]), number, 1), revision=revision)

    def rows(self, path: Path, info: FileInfo) -> Iterator[tuple[int, str, dict[str, str]]]:
        assert info.period is not None
        check_not_future(path, info.period)
        lines = read_csv(path)
        header = self.find_header(path, lines)
        last_day = calendar.monthrange(info.period.year, info.period.month)[1]
        month_end = date(info.period.year, info.period.month, last_day)
        seen: dict[tuple[str, ...], int] = {}
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
            self._check(path, row_number, record, info.period, month_end, seen)
            yield row_number, header.layout.name, record

    @staticmethod
    def _check(
        path: Path,
        row_number: int,
        record: dict[str, str],
        month_start: date,
        month_end: date,
        seen: dict[tuple[str, ...], int],
    ) -> None:
        start = parse_mhsds_date(record["reporting_period_start"])
        end = parse_mhsds_date(record["reporting_period_end"])
        if start is None or end is None:
            bad = record["reporting_period_start"] if start is None else record["reporting_period_end"]
            raise BadInputError(
                path.name,
                "reporting_period_is_a_date",
                f"{bad!r} is not yyyy-mm-dd or dd/mm/yyyy",
                row=row_number,
            )
        if start > end:
            raise BadInputError(
                path.name, "reporting_period_start_not_after_end", f"{start} > {end}", row=row_number
            )
        if end != month_end:
            raise BadInputError(
                path.name,
                "reporting_period_matches_file_name",
                f"REPORTING_PERIOD_END {end} is not the last day of {month_start:%B %Y}, the file's month",
                row=row_number,
            )
        status = record["status"].strip()
        if status not in STATUSES:
            raise BadInputError(
                path.name,
                "status_is_known",
                f"STATUS {status!r} is not one of {list(STATUSES)}",
                row=row_number,
            )
        value = record["measure_value"].strip()
        if value != SUPPRESSED:
            if value.startswith("-") and _NUMBER.match(value[1:]):
                raise BadInputError(
                    path.name, "measure_value_not_negative", f"MEASURE_VALUE = {value!r}", row=row_number
                )
            if not _NUMBER.match(value):
                raise BadInputError(
                    path.name,
                    "measure_value_is_number_or_suppressed",
                    f"MEASURE_VALUE = {value!r} (a number, or '*' when suppressed)",
                    row=row_number,
                )
        if not record["measure_id"].strip():
            raise BadInputError(path.name, "measure_id_present", "MEASURE_ID is empty", row=row_number)
        if record["breakdown"].strip().casefold() != "provider":
            return
        code = record["primary_level"].strip()
        if not _ODS_CODE.match(code):
            raise BadInputError(
                path.name,
                "provider_code_is_ods_code",
                f"PRIMARY_LEVEL {code!r} on a Provider row",
                row=row_number,
            )
        key = (code, record["secondary_level"].strip(), record["measure_id"].strip(), str(start), str(end))
        if key in seen:
            raise BadInputError(
                path.name,
                "one_row_per_provider_and_measure",
                f"{code} {key[2]} ({key[1] or 'no secondary'}) {start}/{end} already on row {seen[key]}",
                row=row_number,
            )
        seen[key] = row_number


MHSDS_MONTHLY = MhsdsMonthly()
SOURCE = MHSDS_MONTHLY
