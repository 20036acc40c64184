"""Writes tests/data/ods/etr_2021-Q1.csv: a CONSTRUCTED older vintage of the ODS trust list.

CONSTRUCTED FOR TESTS, NOT A PUBLISHED FILE (see README.md beside it). Only etr_2025-Q1.csv is
real. This script rebuilds what the ODS `etr` file would plausibly have listed in the first quarter
of 2021 from two real files of this repository:

- sample_data/ods/etr_2025-Q1.csv (real): every trust, its address fields and open date;
- sample_data/ods/data_DSPTmetric_20220208.csv (real, NHSX, February 2022): for the trusts it lists,
  the ODS name, NHS England region (NHSER20CDH) and STP code (STPCDH) as at February 2022, and the
  trusts closed since (with their ODS start and close dates).

Edits, in order:
1. Trusts that opened after 31 March 2021 are dropped (G6V2S North London NHS FT, 1 November 2024).
2. Close dates after 31 March 2021 are cleared (those trusts were open in 2021).
3. Trusts in the DSPT file take its name, region and STP code (the real February 2022 values):
   e.g. RXK Sandwell and West Birmingham and RXT Birmingham and Solihull Mental Health in STP QUA
   (The Black Country and West Birmingham), QHL in 2025; RH8 ROYAL DEVON AND EXETER, RBN ST HELENS
   AND KNOWSLEY TEACHING HOSPITALS, RAX KINGSTON HOSPITAL ... (renamed by 2025).
4. Two names as they were before spring 2021 mergers (ODS history known with confidence, not in
   either file): RYR WESTERN SUSSEX HOSPITALS NHS FOUNDATION TRUST (renamed University Hospitals
   Sussex when it absorbed RXH on 1 April 2021) and RM3 SALFORD ROYAL NHS FOUNDATION TRUST (renamed
   Northern Care Alliance when it absorbed part of RW6 on 1 October 2021).
5. The DSPT file's trusts that etr_2025-Q1 no longer lists are added with the DSPT name, postcode,
   start date, region and STP: RXH, RW6, RTV (closed in 2021, successors RYR, R0A/RM3, RW4), RBZ,
   RA4, RVY (merged 2022-2023). Care trusts (codes T..) are not added: ODS lists them in `ect`, not
   `etr`. RXH carries its close date, 20210331 (the DSPT Close): ODS records a close date once a
   merger's date is set; the others carry none (their closures came after the quarter).

    .venv/bin/python tests/data/ods/build_constructed_etr.py

The output is deterministic; tests/test_ods.py checks that the committed file equals what this
script writes.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
ETR_2025 = REPO / "sample_data" / "ods" / "etr_2025-Q1.csv"
DSPT = REPO / "sample_data" / "ods" / "data_DSPTmetric_20220208.csv"
TARGET = Path(__file__).resolve().parent / "etr_2021-Q1.csv"

QUARTER_END = "20210331"
NAMES_BEFORE_2021_MERGERS = {
    "RYR": "WESTERN SUSSEX HOSPITALS NHS FOUNDATION TRUST",
    "RM3": "SALFORD ROYAL NHS FOUNDATION TRUST",
}
CLOSE_DATES = {"RXH": "20210331"}


def _yyyymmdd(iso: str) -> str:
    return iso.replace("-", "")


def build() -> str:
    etr = list(csv.reader(ETR_2025.open(encoding="utf-8", newline="")))
    dspt = {
        row["Code"]: row
        for row in csv.DictReader(DSPT.open(encoding="utf-8", newline=""))
        if row["Sector"] == "Trust"
    }
    rows: list[list[str]] = []
    for fields in etr:
        fields = list(fields)
        code = fields[0]
        if fields[10] > QUARTER_END:  # 1. opened after the quarter
            continue
        if fields[11] > QUARTER_END:  # 2. closed after the quarter
            fields[11] = ""
        if code in dspt:  # 3. February 2022 name, region and STP
            february_2022 = dspt[code]
            fields[1], fields[2] = february_2022["Name"], february_2022["NHSER20CDH"]
            fields[3] = february_2022["STPCDH"]
        fields[1] = NAMES_BEFORE_2021_MERGERS.get(code, fields[1])  # 4.
        rows.append(fields)
    listed = {fields[0] for fields in etr}
    for code, row in sorted(dspt.items()):  # 5. trusts closed since
        if code in listed or code.startswith("T"):
            continue
        fields = [""] * 27
        fields[0], fields[1], fields[2], fields[3] = code, row["Name"], row["NHSER20CDH"], row["STPCDH"]
        fields[9], fields[10] = row["Postcode"], _yyyymmdd(row["Start"])
        fields[11] = CLOSE_DATES.get(code, "")
        fields[21] = "0"
        rows.append(fields)
    rows.sort(key=lambda fields: fields[0])
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


if __name__ == "__main__":
    TARGET.write_text(build(), encoding="utf-8", newline="")
    print(f"wrote {TARGET}")
