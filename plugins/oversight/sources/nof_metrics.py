"""NHS Oversight Framework 2025/26 published metric data: NHS England's quarterly CSV per trust type.

File names as published (DOMAIN.md §4, CSV metadata page):
``nhs-oversight-framework-{acute|non-acute-hospital|mental-health-and-community|ambulance}-trust-data.csv``
for the first issue and, for later quarters, ``...-trust-data-q3-25-26[-v2].csv``. ``-v<n>`` is a
re-issue (revision n-1) that supersedes the earlier file of the same trust type and quarter.

The NOF league tables (``...-trust-league-table[-q3-25-26][-v2].csv``) come in the same landing
folder, ``$LANDING_DIR/nof/``, and are a separate source (oversight.sources.nof_league_table) with
its own raw table and DAG: both sources read the one publisher folder, each with its own file
pattern (``-trust-data`` vs ``-trust-league-table``).

Columns: ``Region, Trust_type, Trust_subtype, Trust_code, Trust_name, Domain, Sub-domain, Metric_ID,
Metric_description, Reporting_date, Units, Value, Median_value, Lower_quartile, Upper_quartile,
Rank`` plus ``Quarter`` (e.g. ``Q3 2025/26``; later files carry earlier quarters too). Grain: trust x
metric x reporting date x units x quarter. ``Reporting_date`` mixes formats ("Q1 2025/26", "2024-09",
"Mar-26", "Jul 24 - Jun 25", "Year to date 25/26", "2025/26 plan"); it is kept as text and parsed
in staging. Some metrics have a count and a rate row (OF0048, OF0088): ``Units`` tells them apart.
Metric ids: OF0xxx values, OF1xxx metric scores (1-4), OF4000-OF4005 domain scores, OF4100-OF4105
domain segments, OF5002 average metric score, OF5000 adjusted segment.

The file's quarter comes from its name, or, for a first issue without ``-q<n>-<yy>-<yy>``, from the
``Quarter`` of its first data row. No row may be for a later quarter than the file's, and the
file's own quarter must be in it.
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
    HeaderMatch,
    Layout,
    Recognition,
    SourceSpec,
    check_not_future,
    name_revision,
    recognise_csv,
    record_from_cells,
)

if TYPE_CHECKING:
    from oversight.peek import Peek

LANDING_FOLDER = "nof"
TRUST_TYPES = "acute|non-acute-hospital|mental-health-and-community|ambulance"
_QUARTER_SUFFIX = r"(?:-q(?P<quarter>[1-4])-(?P<fy1>\d{2})-(?P<fy2>\d{2}))?(?:-v(?P<version>\d+))?\.csv$"
METRICS_FILE_NAME = re.compile(
    rf"^nhs-oversight-framework-(?P<trust_type>{TRUST_TYPES})-trust-data{_QUARTER_SUFFIX}", re.I
)
LEAGUE_FILE_NAME = re.compile(
    rf"^nhs-oversight-framework-(?P<trust_type>{TRUST_TYPES})-trust-league-table{_QUARTER_SUFFIX}", re.I
)
_QUARTER = re.compile(r"^Q(?P<quarter>[1-4])\s+(?P<year>\d{4})\s*[/-]\s*(?P<next>\d{2})$", re.I)
ODS_CODE = re.compile(r"^[A-Z0-9]{3,5}$")
NUMBER = re.compile(r"^-?[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?$")
POSITIVE_INTEGER = re.compile(r"^[1-9][0-9]*$")

NOF_METRICS = Layout(
    name="nof_metric_data_2025",
    columns=(
        ("Region", "region"),
        ("Trust_type", "trust_type"),
        ("Trust_subtype", "trust_subtype"),
        ("Trust_code", "trust_code"),
        ("Trust_name", "trust_name"),
        ("Quarter", "quarter"),
        ("Domain", "domain"),
        ("Sub-domain", "sub_domain"),
        ("Metric_ID", "metric_id"),
        ("Metric_description", "metric_description"),
        ("Reporting_date", "reporting_date"),
        ("Units", "units"),
        ("Value", "value"),
        ("Median_value", "median_value"),
        ("Lower_quartile", "lower_quartile"),
        ("Upper_quartile", "upper_quartile"),
        ("Rank", "rank"),
    ),
    optional=frozenset({"Quarter"}),
)
NUMERIC_COLUMNS = ("value", "median_value", "lower_quartile", "upper_quartile")


# ---- shared with oversight.sources.nof_league_table -------------------------------------------
def quarter_start(fy_start_year: int, quarter: int) -> date:
    """First day of a financial quarter: Q1 = April-June of the financial year starting in April."""
    month = 4 + 3 * (quarter - 1)
    return date(fy_start_year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def parse_quarter(text: str) -> date | None:
    """``Q3 2025/26`` (or ``Q3 2025-26``) -> 2025-10-01; None if it is not a financial quarter."""
    match = _QUARTER.match(text.strip())
    if not match or (int(match["year"]) + 1) % 100 != int(match["next"]):
        return None
    return quarter_start(int(match["year"]), int(match["quarter"]))


def file_peer_group(trust_type_in_name: str) -> str:
    """The NOF league table a file belongs to, named as the seeds name peer groups."""
    kind = trust_type_in_name.lower()
    return {"acute": "acute", "ambulance": "ambulance"}.get(kind, "non_acute")


def trust_type_fits_file(trust_type: str, peer_group: str) -> bool:
    """Acute files hold 'Acute trust' rows, ambulance files 'Ambulance trust', the non-acute file
    the rest (mental health and community trusts)."""
    text = trust_type.strip().casefold()
    if peer_group == "acute":
        return text.startswith("acute")
    if peer_group == "ambulance":
        return text.startswith("ambulance")
    return not text.startswith(("acute", "ambulance"))


def nof_file_info(path: Path, pattern: re.Pattern[str], spec: SourceSpec) -> FileInfo:
    """Quarter and revision of a NOF file. Never raises for a name that matches (the landing scan
    sorts by it): a quarter that cannot be found is None, and ``rows`` then rejects the file."""
    match = pattern.match(path.name)
    if not match:
        raise BadInputError(path.name, "file_name_matches_publisher", f"expected {pattern.pattern}")
    revision = max(int(match["version"] or 1) - 1, 0)
    if match["quarter"]:
        fy1, fy2 = int(match["fy1"]), int(match["fy2"])
        if (fy1 + 1) % 100 != fy2:
            return FileInfo(period=None, revision=revision)
        return FileInfo(period=quarter_start(2000 + fy1, int(match["quarter"])), revision=revision)
    return FileInfo(period=_first_row_quarter(path, spec), revision=revision)


_NAME_QUARTER = re.compile(
    r"(?<![a-z0-9])q(?P<quarter>[1-4])[-_ ](?P<fy1>\d{2})[-_ ](?P<fy2>\d{2})(?!\d)", re.I
)


def recognise_nof(spec: SourceSpec, peek: Peek, pattern: re.Pattern[str]) -> Recognition:
    """A NOF CSV by its header: the quarter is the name's ``-q<n>-<yy>-<yy>`` (a file carries
    earlier quarters too, so its rows do not say which quarter it is), else the first data row's
    ``Quarter``; a re-issue's ``-v<n>`` the revision."""
    match = pattern.match(peek.name) or _NAME_QUARTER.search(peek.name)
    named: date | None = None
    if match and match["quarter"] and (int(match["fy1"]) + 1) % 100 == int(match["fy2"]):
        named = quarter_start(2000 + int(match["fy1"]), int(match["quarter"]))

    def period_of(record: dict[str, str]) -> tuple[date | None, str]:
        return parse_quarter(
            record.get("quarter", "")
        ), f"Quarter of the first row {record.get('quarter', '')!r}"

    found = recognise_csv(
        spec,
        peek,
        name_period=named,
        revision=name_revision(peek.name),
        period_of=None if named else period_of,
    )
    return found


def _first_row_quarter(path: Path, spec: SourceSpec) -> date | None:
    lines = read_csv(path)
    try:
        header = spec.find_header(path, lines)
        column = next((i for i, c in header.positions.items() if c == "quarter"), None)
        if column is None:
            return None
        for _, cells in lines:
            if any(c.strip() for c in cells):
                return parse_quarter(cells[column]) if column < len(cells) else None
    except (BadInputError, OSError):
        return None
    finally:
        lines.close()  # closes the file: only the header and the first data row are read
    return None


class NofRowChecks:
    """Rules both NOF files share: trust code, trust type of the file, quarter of the file."""

    def __init__(self, path: Path, header: HeaderMatch, file_quarter: date, peer_group: str | None) -> None:
        self.path = path
        self.file_quarter = file_quarter
        self.peer_group = peer_group
        self.has_quarter_column = "quarter" in header.positions.values()
        self.quarters: set[date] = set()

    def row_quarter(self, row_number: int, record: dict[str, str]) -> date:
        code = record.get("trust_code", "").strip()
        if not ODS_CODE.match(code):
            raise BadInputError(
                self.path.name, "trust_code_is_ods_code", f"Trust_code {code!r}", row=row_number
            )
        trust_type = record.get("trust_type", "")
        if self.peer_group is None:
            text = trust_type.strip().casefold()
            self.peer_group = next((g for g in ("acute", "ambulance") if text.startswith(g)), "non_acute")
        if not trust_type_fits_file(trust_type, self.peer_group):
            raise BadInputError(
                self.path.name,
                "trust_type_matches_file_name",
                f"Trust_type {trust_type!r} in a file of the {self.peer_group} league table",
                row=row_number,
            )
        if not self.has_quarter_column:
            self.quarters.add(self.file_quarter)
            return self.file_quarter
        text = record.get("quarter", "")
        quarter = parse_quarter(text)
        if quarter is None:
            raise BadInputError(
                self.path.name,
                "quarter_is_financial_quarter",
                f"Quarter {text!r} (e.g. 'Q3 2025/26')",
                row=row_number,
            )
        if quarter > self.file_quarter:
            raise BadInputError(
                self.path.name,
                "quarter_matches_file_name",
                f"Quarter {text!r} is after the file's quarter (starting {self.file_quarter:%B %Y})",
                row=row_number,
            )
        self.quarters.add(quarter)
        return quarter

    def check_file_quarter_present(self) -> None:
        if self.file_quarter not in self.quarters:
            raise BadInputError(
                self.path.name,
                "file_quarter_present",
                f"no row for the file's own quarter (starting {self.file_quarter:%B %Y})",
            )


def start_rows(spec: SourceSpec, path: Path, info: FileInfo, pattern: re.Pattern[str]):  # noqa: ANN201
    """Common opening of ``rows``: the header matches, the quarter is known and not in the future."""
    match = pattern.match(path.name)
    lines = read_csv(path)
    header = spec.find_header(path, lines)
    if info.period is None:
        raise BadInputError(
            path.name,
            "quarter_is_known",
            "the file name has no valid -q<n>-<yy>-<yy> and the first data row no valid Quarter",
        )
    check_not_future(path, info.period)
    # a download under another name: the first row's Trust_type sets the file's league table
    checks = NofRowChecks(path, header, info.period, file_peer_group(match["trust_type"]) if match else None)
    return lines, header, checks


def complete_record(path: Path, row_number: int, cells: list[str], header: HeaderMatch) -> dict[str, str]:
    record = record_from_cells(path, row_number, cells, header)
    if len(record) < len(header.positions):
        raise BadInputError(
            path.name, "row_is_complete", f"{len(record)} of {len(header.positions)} columns", row=row_number
        )
    return record


# ---- the metric data source -------------------------------------------------------------------
def metric_kind(metric_id: str) -> str:
    number = int(metric_id[2:])
    if number == 5000:
        return "adjusted_segment"
    if number == 5002:
        return "average_score"
    if 4100 <= number <= 4105:
        return "domain_segment"
    if 4000 <= number <= 4005:
        return "domain_score"
    if 1000 <= number <= 1999:
        return "metric_score"
    return "metric_value"


class NofPublishedMetrics(SourceSpec):
    name = "nof_metrics"
    landing_folder = LANDING_FOLDER
    raw_table = "nof_metric_data"
    description = "NHS Oversight Framework published metric data, quarterly CSV per trust type (NHS England)."
    cadence = "quarterly (published in the third month after the quarter)"
    layouts = (NOF_METRICS,)
    file_pattern = METRICS_FILE_NAME
    period_grain = "quarter"
    publication_lag_months = 3  # quarter Q is published in the third month after it ends (Q3 in March)

    raw_not_null = ("trust_code", "metric_id", "reporting_date")
    raw_regex = {  # noqa: RUF012
        "trust_code": r"^\s*[A-Z0-9]{3,5}\s*$",
        "metric_id": r"^\s*OF[0-9]{4}\s*$",
        "value": r"^\s*(-?[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?)?\s*$",
        "rank": r"^\s*([1-9][0-9]*)?\s*$",
    }
    raw_unique_per_load = ("trust_code", "metric_id", "reporting_date", "units", "quarter")

    def recognise(self, peek: Peek) -> Recognition:
        return recognise_nof(self, peek, METRICS_FILE_NAME)

    def file_info(self, path: Path) -> FileInfo:
        return nof_file_info(path, METRICS_FILE_NAME, self)

    def rows(self, path: Path, info: FileInfo) -> Iterator[tuple[int, str, dict[str, str]]]:
        lines, header, checks = start_rows(self, path, info, METRICS_FILE_NAME)
        seen: dict[tuple[str, ...], int] = {}
        for row_number, cells in lines:
            if not any(c.strip() for c in cells):
                continue
            record = complete_record(path, row_number, cells, header)
            quarter = checks.row_quarter(row_number, record)
            self._check(path, row_number, record)
            key = (
                record["trust_code"].strip(),
                record["metric_id"].strip(),
                record["reporting_date"].strip(),
                record["units"].strip(),
                str(quarter),
            )
            if key in seen:
                raise BadInputError(
                    path.name,
                    "one_row_per_trust_metric_and_period",
                    f"{key[0]} {key[1]} {key[2]!r} {key[3]!r} already on row {seen[key]}",
                    row=row_number,
                )
            seen[key] = row_number
            yield row_number, header.layout.name, record
        checks.check_file_quarter_present()

    @staticmethod
    def _check(path: Path, row_number: int, record: dict[str, str]) -> None:
        metric_id = record["metric_id"].strip()
        if not re.fullmatch(r"OF[0-9]{4}", metric_id):
            raise BadInputError(path.name, "metric_id_is_of_code", f"Metric_ID {metric_id!r}", row=row_number)
        if not record["reporting_date"].strip():
            raise BadInputError(
                path.name, "reporting_date_present", "Reporting_date is empty", row=row_number
            )
        for column in NUMERIC_COLUMNS:
            text = record[column].strip()
            if text and not NUMBER.match(text):
                raise BadInputError(
                    path.name, "value_is_a_number", f"{column} = {record[column]!r}", row=row_number
                )
        rank = record["rank"].strip()
        if rank and not POSITIVE_INTEGER.match(rank):
            raise BadInputError(path.name, "rank_is_a_positive_integer", f"Rank = {rank!r}", row=row_number)
        value = record["value"].strip()
        if not value:
            return
        kind = metric_kind(metric_id)
        if kind in ("metric_score", "domain_score", "average_score") and not 1 <= float(value) <= 4:
            raise BadInputError(
                path.name, "score_between_1_and_4", f"{metric_id} ({kind}) Value = {value}", row=row_number
            )
        if kind in ("domain_segment", "adjusted_segment") and value not in {"1", "2", "3", "4", "5"}:
            raise BadInputError(
                path.name, "segment_is_1_to_5", f"{metric_id} ({kind}) Value = {value!r}", row=row_number
            )


NOF_PUBLISHED_METRICS = NofPublishedMetrics()
SOURCE = NOF_PUBLISHED_METRICS
