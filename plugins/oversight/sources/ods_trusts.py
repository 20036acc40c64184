"""ODS NHS trust list (``etr.csv``): no header row, the standard 27-field ODS layout.

File names: ``etr.csv`` or, for a dated vintage, ``etr_<YYYY>-Q<n>.csv`` (calendar quarter).

Every vintage is kept: each file dropped into ``$LANDING_DIR/ods/`` is loaded once and stays in
``raw.ods_trusts``, and the sequence of vintages is the organisation history
(``int_organisation__history``: a trust's name, region and STP/ICB as each vintage lists them).
A vintage's date is the first day of the quarter in its name; the undated ``etr.csv`` (the ODS
download as it comes) is dated by the day it was loaded (``stg_ods__trust_vintages``). Keep dated
names for history: the ODS download always describes "now".

The mapping files that sit in the same folder (``ae_<month><year>_system_mapping_*.csv``,
``data_DSPTmetric_<YYYYMMDD>.csv``) belong to the ``ods_mappings`` source
(oversight.sources.ods_mappings); this source reads ``etr*.csv`` only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from oversight.errors import BadInputError
from oversight.readers import read_csv
from oversight.sources.base import FileInfo, Layout, Recognition, SourceSpec, check_not_future, not_recognised

if TYPE_CHECKING:
    from oversight.peek import Peek

ETR_COLUMNS = (
    "org_code",
    "name",
    "national_grouping",
    "high_level_health_geography",
    "address_line_1",
    "address_line_2",
    "address_line_3",
    "address_line_4",
    "address_line_5",
    "postcode",
    "open_date",
    "close_date",
    "null_13",
    "null_14",
    "null_15",
    "null_16",
    "null_17",
    "contact_telephone_number",
    "null_19",
    "null_20",
    "null_21",
    "amended_record_indicator",
    "null_23",
    "gor_code",
    "null_25",
    "null_26",
    "null_27",
)
ETR_27 = Layout(
    name="ods_etr_27", columns=tuple((f"field {i}", c) for i, c in enumerate(ETR_COLUMNS, start=1))
)
_FILE_NAME = re.compile(r"^etr(?:_(?P<year>\d{4})-Q(?P<quarter>[1-4]))?\.csv$", re.I)
_ORG_CODE = re.compile(r"^[A-Z0-9]{3,5}$")
_YYYYMMDD = re.compile(r"^(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$")
_NAME_QUARTER = re.compile(r"(?<!\d)(?P<year>(?:19|20)\d{2})[-_ ]?Q(?P<quarter>[1-4])(?![0-9])", re.I)


def _etr_shaped(cells: list[str]) -> bool:
    """A row of the headerless etr layout: 27 fields, an ODS code first, a YYYYMMDD open date."""
    return (
        len(cells) == len(ETR_COLUMNS)
        and bool(_ORG_CODE.match(cells[0].strip()))
        and bool(_YYYYMMDD.match(cells[10].strip()))
    )


def _parse_ods_date(path: Path, row_number: int, field: str, text: str, required: bool) -> None:
    if not text and not required:
        return
    try:
        datetime.strptime(text, "%Y%m%d")
    except ValueError:
        raise BadInputError(path.name, "date_is_yyyymmdd", f"{field} = {text!r}", row=row_number) from None


class OdsTrusts(SourceSpec):
    name = "ods"
    raw_table = "ods_trusts"
    description = "ODS NHS trusts (etr.csv, no header, 27 fields)."
    cadence = "quarterly"
    period_grain = "quarter"  # etr_<YYYY>-Q<n>: the release of that quarter
    publication_lag_months = 0
    layouts = (ETR_27,)
    file_pattern = _FILE_NAME

    def recognise(self, peek: Peek) -> Recognition:
        """No header: recognised by the shape of its rows (every peeked row etr-shaped)."""
        if peek.kind != "csv":
            return not_recognised(self.name, f"a {peek.kind} file; etr is a headerless CSV")
        rows = [cells for cells in peek.first_rows if any(c.strip() for c in cells)]
        if not rows:
            return not_recognised(self.name, "no rows")
        fitting = sum(_etr_shaped(cells) for cells in rows)
        if fitting < len(rows):
            first_bad = next(i for i, cells in enumerate(rows) if not _etr_shaped(cells))
            return not_recognised(
                self.name,
                f"{fitting} of the first {len(rows)} rows have the etr shape (27 fields, an ODS code, a "
                f"YYYYMMDD open date in field 11); row {first_bad + 1} has {len(rows[first_bad])} fields",
                round(59 * fitting / len(rows)),
            )
        info = self.file_info(peek.path)
        return Recognition(
            source=self.name,
            matched=True,
            score=100,
            reason=f"the first {len(rows)} rows have the etr shape (no header, 27 fields, ODS codes, "
            "open dates)",
            period=info.period,
            name_period=info.period,
            period_basis="file name" if info.period else "undated (the day it is loaded)",
            layout=ETR_27.name,
        )

    def file_info(self, path: Path) -> FileInfo:
        match = _FILE_NAME.match(path.name) or _NAME_QUARTER.search(path.name)
        if match and match["year"]:
            return FileInfo(period=date(int(match["year"]), 3 * int(match["quarter"]) - 2, 1))
        return FileInfo(period=None)

    def rows(self, path: Path, info: FileInfo) -> Iterator[tuple[int, str, dict[str, str]]]:
        if info.period:
            check_not_future(path, info.period)
        seen: dict[str, int] = {}
        for row_number, cells in read_csv(path):
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(ETR_COLUMNS):
                raise BadInputError(
                    path.name,
                    "row_has_27_fields",
                    f"{len(cells)} fields (the etr layout has no header and 27 fields)",
                    row=row_number,
                )
            record = dict(zip(ETR_COLUMNS, cells, strict=True))
            code = record["org_code"].strip()
            if not _ORG_CODE.match(code):
                raise BadInputError(
                    path.name, "org_code_is_ods_code", f"Organisation Code {code!r}", row=row_number
                )
            if code in seen:
                raise BadInputError(
                    path.name,
                    "one_row_per_organisation",
                    f"{code} already on row {seen[code]}",
                    row=row_number,
                )
            seen[code] = row_number
            _parse_ods_date(path, row_number, "Open Date", record["open_date"].strip(), required=True)
            _parse_ods_date(path, row_number, "Close Date", record["close_date"].strip(), required=False)
            closed = record["close_date"].strip()
            if closed and closed < record["open_date"].strip():
                raise BadInputError(
                    path.name,
                    "close_date_not_before_open_date",
                    f"{code}: Close Date {closed} is before Open Date {record['open_date'].strip()}",
                    row=row_number,
                )
            yield row_number, ETR_27.name, record


ODS_TRUSTS = OdsTrusts()
SOURCE = ODS_TRUSTS
