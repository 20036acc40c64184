"""Rebuild the reduced demo workbook from NHS England's published one (run once, by hand).

    .venv/bin/python sample_data/cancer/make_sample.py <published .xlsx> <output .xlsx>

Keeps every sheet, the title blocks, part labels, header rows, blank rows and the national
``ALL ENGLISH PROVIDERS`` rows exactly as published, and only the provider rows of DEMO_TRUSTS
(values untouched). Rows below a removed provider move up, so row numbers differ from the
published file. Cell A1 of the Frontpage says that the file is reduced.
"""

from __future__ import annotations

import sys
from pathlib import Path

from openpyxl import Workbook, load_workbook

# The 25 acute trusts of the bundled demo (in sample_data/ods/etr_2025-Q1.csv and sample_data/ae).
DEMO_TRUSTS = frozenset(
    (
        "R0A",
        "R1H",
        "RA2",
        "RBT",
        "RBV",
        "RCF",
        "RF4",
        "RFF",
        "RGT",
        "RHW",
        "RJ1",
        "RJZ",
        "RK9",
        "RM1",
        "RNQ",
        "RQ3",
        "RQX",
        "RRK",
        "RTH",
        "RTP",
        "RWE",
        "RWP",
        "RWY",
        "RXK",
        "RXQ",
    )  # fmt: skip
)
NOTE = (
    "REDUCED SAMPLE for the oversight warehouse demo: the published workbook with only the provider rows "
    "of 25 trusts kept (values unchanged); national rows are England totals as published. See README.md."
)


def is_dropped_provider_row(values: tuple) -> bool:
    code = values[1] if len(values) > 1 else None
    if not isinstance(code, str) or not code.strip() or code.strip().upper().startswith("ODS CODE"):
        return False
    return code.strip() not in DEMO_TRUSTS


def reduce_workbook(source: Path, target: Path) -> None:
    published = load_workbook(source, read_only=True, data_only=False)
    reduced = Workbook()
    reduced.remove(reduced.active)
    for sheet in published.sheetnames:
        out = reduced.create_sheet(sheet)
        for values in published[sheet].iter_rows(values_only=True):
            if sheet != "Frontpage" and is_dropped_provider_row(values):
                continue
            out.append(list(values))
        if sheet == "Frontpage":
            out["A1"] = NOTE
    published.close()
    reduced.save(target)


if __name__ == "__main__":
    reduce_workbook(Path(sys.argv[1]), Path(sys.argv[2]))
