"""Cut the real CWT-CRS provider extract and the NSS24 organisation workbook to the 25 demo trusts
(run once, by hand; python-calamine reads, openpyxl writes):

    .venv/bin/python tests/data/cut_real_workbooks.py /work/shared/data

Values, sheet names, the title rows and header rows are kept as published (numbers to the 16
significant digits openpyxl writes: 24.291788092558644 becomes 24.29178809255864); only the rows of
other organisations are dropped, so data rows move up (the row numbers differ from the published
file). The DM01 .xls is not cut (no .xls writer): tests/data/dm01 holds the published file whole.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from openpyxl import Workbook
from python_calamine import CalamineWorkbook

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]


def _demo_trusts() -> frozenset[str]:
    """The 25 demo trusts, declared once in sample_data/cancer/make_sample.py."""
    spec = importlib.util.spec_from_file_location("make_sample", REPO / "sample_data/cancer/make_sample.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.DEMO_TRUSTS


DEMO_TRUSTS = _demo_trusts()
EXTRACT = "CWT-CRS-Apr-2025-to-Jul-2025-Data-Extract-Provider.xlsx"
NSS24 = "NSS24 detailed spreadsheets organisational results.xlsx"


def cut(source: Path, target: Path, code_column: int, header_rows: int, keep_sheets_whole: set[str]) -> None:
    published = CalamineWorkbook.from_path(str(source))
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name in published.sheet_names:
        sheet = workbook.create_sheet(name)
        for index, values in enumerate(published.get_sheet_by_name(name).to_python(skip_empty_area=False)):
            code = values[code_column] if len(values) > code_column else ""
            if name in keep_sheets_whole or index < header_rows or code in DEMO_TRUSTS:
                sheet.append([None if v == "" else v for v in values])
    workbook.save(target)


def main(shared: Path) -> None:
    cut(
        shared / "cancer" / EXTRACT,
        HERE / "cancer" / EXTRACT,
        code_column=4,
        header_rows=1,
        keep_sheets_whole=set(),
    )
    cut(
        shared / "staff_survey" / NSS24,
        HERE / "staff_survey" / NSS24,
        code_column=0,
        header_rows=5,
        keep_sheets_whole={"Notes"},
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
