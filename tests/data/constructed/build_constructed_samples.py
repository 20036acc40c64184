"""Writes the CONSTRUCTED sample files for the sources that have no real sample in this repository:
DM01 diagnostics, MHSDS monthly statistics, NOF metric data and league table, finance positions.

CONSTRUCTED FOR TESTS AND THE DEMO, NOT PUBLISHED DATA. The files follow the publishers' documented
layouts and file names (DOMAIN.md §4) so that the source contracts are exercised; the trust codes
and names come from sample_data/ods/etr_2025-Q1.csv. The only real published values are the five
Q3 2025/26 acute league-table rows of DOMAIN.md §3.3 (RBV, RJ1, RHW, R0A, RF4: average score,
deficit flag, segment, rank), repeated as their OF5002 / OF5000 rows; every other number is made
up. Each folder's README.md says so.

    .venv/bin/python tests/data/constructed/build_constructed_samples.py [target_dir]

writes <target_dir>/{dm01,mhsds,nof,finance}/ (default: sample_data/). The output is deterministic;
tests/test_documented_sources.py checks that the committed samples equal what this script writes.
"""

from __future__ import annotations

import csv
import io
import random
import sys
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]

REGIONS = {
    "Y56": "London",
    "Y58": "South West",
    "Y59": "South East",
    "Y60": "Midlands",
    "Y61": "East of England",
    "Y62": "North West",
    "Y63": "North East and Yorkshire",
}

# Acute trusts of the fixture: (code, etr region, name as in etr_2025-Q1.csv)
ACUTE = [
    ("RBV", "Y62", "THE CHRISTIE NHS FOUNDATION TRUST"),
    ("RJ1", "Y56", "GUY'S AND ST THOMAS' NHS FOUNDATION TRUST"),
    ("RHW", "Y59", "ROYAL BERKSHIRE NHS FOUNDATION TRUST"),
    ("R0A", "Y62", "MANCHESTER UNIVERSITY NHS FOUNDATION TRUST"),
    ("RF4", "Y56", "BARKING, HAVERING AND REDBRIDGE UNIVERSITY HOSPITALS NHS TRUST"),
    ("RQ3", "Y60", "BIRMINGHAM WOMEN'S AND CHILDREN'S NHS FOUNDATION TRUST"),
    ("RK9", "Y58", "UNIVERSITY HOSPITALS PLYMOUTH NHS TRUST"),
    ("RWY", "Y63", "CALDERDALE AND HUDDERSFIELD NHS FOUNDATION TRUST"),
    ("RTP", "Y59", "SURREY AND SUSSEX HEALTHCARE NHS TRUST"),
    ("RXQ", "Y59", "BUCKINGHAMSHIRE HEALTHCARE NHS TRUST"),
    ("RFF", "Y63", "BARNSLEY HOSPITAL NHS FOUNDATION TRUST"),
    ("RQX", "Y56", "HOMERTON HEALTHCARE NHS FOUNDATION TRUST"),
    ("RXK", "Y60", "SANDWELL AND WEST BIRMINGHAM HOSPITALS NHS TRUST"),
    ("RA2", "Y59", "ROYAL SURREY COUNTY HOSPITAL NHS FOUNDATION TRUST"),
    ("RBT", "Y62", "MID CHESHIRE HOSPITALS NHS FOUNDATION TRUST"),
    ("RCF", "Y63", "AIREDALE NHS FOUNDATION TRUST"),
    ("RNQ", "Y60", "KETTERING GENERAL HOSPITAL NHS FOUNDATION TRUST"),
    ("RWP", "Y60", "WORCESTERSHIRE ACUTE HOSPITALS NHS TRUST"),
    ("R1H", "Y56", "BARTS HEALTH NHS TRUST"),
    ("RJZ", "Y56", "KING'S COLLEGE HOSPITAL NHS FOUNDATION TRUST"),
    ("RRK", "Y60", "UNIVERSITY HOSPITALS BIRMINGHAM NHS FOUNDATION TRUST"),
    ("RTH", "Y59", "OXFORD UNIVERSITY HOSPITALS NHS FOUNDATION TRUST"),
    ("RGT", "Y61", "CAMBRIDGE UNIVERSITY HOSPITALS NHS FOUNDATION TRUST"),
    ("RM1", "Y61", "NORFOLK AND NORWICH UNIVERSITY HOSPITALS NHS FOUNDATION TRUST"),
    ("RWE", "Y60", "UNIVERSITY HOSPITALS OF LEICESTER NHS TRUST"),
]
NAMES = {code: name for code, _, name in ACUTE}

# Mental health and community trusts of the MHSDS fixture (RAT, RNU, RWX have a CQC mental health or
# community location in sample_data/cqc, so the demo places them in the non-acute peer group).
MENTAL_HEALTH = [
    ("RAT", "NORTH EAST LONDON NHS FOUNDATION TRUST"),
    ("RNU", "OXFORD HEALTH NHS FOUNDATION TRUST"),
    ("RWX", "BERKSHIRE HEALTHCARE NHS FOUNDATION TRUST"),
    ("RXV", "GREATER MANCHESTER MENTAL HEALTH NHS FOUNDATION TRUST"),
    ("RRP", "BARNET, ENFIELD AND HARINGEY MENTAL HEALTH NHS TRUST"),
    ("RXT", "BIRMINGHAM AND SOLIHULL MENTAL HEALTH NHS FOUNDATION TRUST"),
    ("RQY", "SOUTH WEST LONDON AND ST GEORGE'S MENTAL HEALTH NHS TRUST"),
    ("RVN", "AVON AND WILTSHIRE MENTAL HEALTH PARTNERSHIP NHS TRUST"),
    ("RX2", "SUSSEX PARTNERSHIP NHS FOUNDATION TRUST"),
    ("RWR", "HERTFORDSHIRE PARTNERSHIP UNIVERSITY NHS FOUNDATION TRUST"),
    ("RGD", "LEEDS AND YORK PARTNERSHIP NHS FOUNDATION TRUST"),
    ("RXG", "SOUTH WEST YORKSHIRE PARTNERSHIP NHS FOUNDATION TRUST"),
]

# Q3 2025/26 acute league table: (code, average, deficit, segment, rank, real?). The five real rows
# are DOMAIN.md §3.3's worked examples; the others are constructed around the published cut points
# (1 ends 2.06, 2 starts 2.13, 2 ends 2.35, 3 starts 2.36, 3 ends 2.69, 4 starts 2.71) and the
# published tie (two trusts at 1.66 both rank 8, next rank 10 = RJ1 at 1.67).
LEAGUE = [
    ("RBV", "1.36", "No", 1, 3, True),
    ("RGT", "1.52", "No", 1, 5, False),
    ("RXQ", "1.66", "No", 1, 8, False),
    ("RA2", "1.66", "No", 1, 8, False),
    ("RJ1", "1.67", "No", 1, 10, True),
    ("RCF", "1.85", "No", 1, 16, False),
    ("RBT", "2.06", "No", 1, 21, False),
    ("RFF", "2.13", "No", 2, 22, False),
    ("RNQ", "2.29", "No", 2, 25, False),
    ("RK9", "2.35", "No", 2, 27, False),
    ("RHW", "1.50", "Yes", 3, 28, True),
    ("RQ3", "1.90", "Yes", 3, 31, False),
    ("RWY", "2.05", "Yes", 3, 36, False),
    ("RTP", "2.20", "Yes", 3, 45, False),
    ("R0A", "2.36", "No", 3, 65, True),
    ("RXK", "2.44", "Yes", 3, 70, False),
    ("RWP", "2.58", "Yes", 3, 84, False),
    ("R1H", "2.69", "Yes", 3, 98, False),
    ("RF4", "2.71", "Yes", 4, 99, True),
    ("RJZ", "2.80", "Yes", 4, 104, False),
    ("RRK", "2.93", "Yes", 4, 112, False),
    ("RTH", "3.05", "Yes", 4, 118, False),
    ("RM1", "3.17", "Yes", 4, 124, False),
    ("RWE", "3.30", "Yes", 4, 129, False),
    ("RQX", "3.52", "Yes", 4, 134, False),
]
SUBTYPES = {
    "RBV": "Specialist",
    "RQ3": "Specialist",
    "RJ1": "Teaching",
    "R0A": "Teaching",
    "RJZ": "Teaching",
    "R1H": "Teaching",
    "RRK": "Teaching",
    "RTH": "Teaching",
    "RGT": "Teaching",
    "RWE": "Teaching",
}
CONSTRUCTED_NOTE = "CONSTRUCTED for tests/demo, not published data"


def _csv_text(rows: list[list[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(rows)
    return buffer.getvalue()


def _subtype(code: str) -> str:
    return SUBTYPES.get(code, "Large" if code in {"RHW", "RF4", "RXK", "RWP", "RM1", "RK9"} else "Medium")


# ---- DM01 ---------------------------------------------------------------------------------------
DM01_FIXED = {  # known answers used by the tests
    ("R0A", 10): (14230, 3201, 655),
    ("RHW", 10): (6120, 48, 5),
    ("RHW", 11): (6305, 70, 9),
}


def dm01_rows(month: int) -> list[tuple[str, str, str, int, int, int]]:
    rng = random.Random(2024 * 100 + month)
    rows = []
    for code, region, name in ACUTE:
        if (code, month) in DM01_FIXED:
            total, over_6, over_13 = DM01_FIXED[(code, month)]
        else:
            total = rng.randint(2000, 20000)
            over_6 = round(total * rng.uniform(0.004, 0.35))
            over_13 = round(over_6 * rng.uniform(0.05, 0.4))
        rows.append((code, region, name, total, over_6, over_13))
    return rows


def write_dm01(folder: Path) -> None:
    from openpyxl import Workbook

    for month, month_name in ((10, "October"), (11, "November")):
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "Provider"
        title = [
            ["Title:", "Diagnostics Waiting Times and Activity"],
            [
                "Summary:",
                f"{CONSTRUCTED_NOTE}. Layout of the DM01 monthly provider workbook, sheet Provider.",
            ],
            ["Period:", f"{month_name} 2024"],
            ["Source:", "Constructed by the oversight warehouse project (layout after NHS England DM01)"],
            ["Basis:", "Provider"],
            ["Published:", "-"],
            ["Revised:", "-"],
            ["Status:", "Constructed"],
            ["Contact:", "-"],
        ]
        for row in title:
            sheet.append(row)
        sheet.append([])
        sheet.append([])
        sheet.append([])
        sheet.append(
            [
                "Provider Code",
                "Provider Name",
                "Total Waiting List",
                "Number waiting 6+ Weeks",
                "Number waiting 13+ Weeks",
                "Percentage waiting 6+ weeks",
            ]
        )  # row 13
        rows = dm01_rows(month)

        def total_line(label: str, selected: list[tuple]) -> list[object]:
            total = sum(r[3] for r in selected)
            over_6 = sum(r[4] for r in selected)
            return ["TOTAL", label, total, over_6, sum(r[5] for r in selected), round(over_6 / total, 4)]

        sheet.append(total_line("ENGLAND", rows))
        for region_code in sorted({r[1] for r in rows}):
            label = f"NHS ENGLAND {REGIONS[region_code].upper()}"
            sheet.append(total_line(label, [r for r in rows if r[1] == region_code]))
        for code, _, name, total, over_6, over_13 in rows:
            sheet.append([code, name, total, over_6, over_13, round(over_6 / total, 4)])
        sheet.append([])
        sheet.append(["Note: constructed fixture; counts are made up (see README.md)."])
        workbook.properties.creator = "oversight warehouse (constructed fixture)"
        workbook.properties.created = datetime(2024, 12, 12)
        workbook.properties.modified = datetime(2024, 12, 12)
        workbook.save(folder / f"Monthly-Diagnostics-Web-File-Provider-{month_name}-2024.xlsx")


# ---- MHSDS --------------------------------------------------------------------------------------
MHSDS_MEASURES = [
    (
        "MHS01",
        "People in contact with secondary mental health, learning disabilities and autism services "
        "at the end of the reporting period",
    ),
    ("MHS07", "People with an open hospital spell at the end of the reporting period"),
    (
        "CONSTRUCTED_LOS60_DEN",
        "CONSTRUCTED: adult acute mental health inpatients at the end of the reporting period",
    ),
    (
        "CONSTRUCTED_LOS60_NUM",
        "CONSTRUCTED: adult acute mental health inpatients with a length of stay of 60 days "
        "or more at the end of the reporting period",
    ),
]
MHSDS_FIXED = {("RXV", 10): {"CONSTRUCTED_LOS60_NUM": "41", "CONSTRUCTED_LOS60_DEN": "152"}}
MHSDS_SUPPRESSED = {("RGD", 11, "CONSTRUCTED_LOS60_NUM"), ("RXG", 10, "MHS07")}


def write_mhsds(folder: Path) -> None:
    header = [
        "REPORTING_PERIOD_START",
        "REPORTING_PERIOD_END",
        "STATUS",
        "BREAKDOWN",
        "PRIMARY_LEVEL",
        "PRIMARY_LEVEL_DESCRIPTION",
        "SECONDARY_LEVEL",
        "SECONDARY_LEVEL_DESCRIPTION",
        "MEASURE_ID",
        "MEASURE_NAME",
        "MEASURE_VALUE",
    ]
    # October and November 2024 (the contract tests' known answers), and April-June 2025 (the
    # quarter Q1 2025/26 that the other bundled sources cover)
    for year, month, mon, last_day in (
        (2024, 10, "Oct", 31),
        (2024, 11, "Nov", 30),
        (2025, 4, "Apr", 30),
        (2025, 5, "May", 31),
        (2025, 6, "Jun", 30),
    ):
        rng = random.Random(9000 + month)
        start, end = f"{year}-{month:02d}-01", f"{year}-{month:02d}-{last_day}"
        provider_rows: list[list[str]] = []
        england: dict[str, int] = {m: 0 for m, _ in MHSDS_MEASURES}
        for code, name in MENTAL_HEALTH:
            values = {
                "MHS01": rng.randint(5000, 30000),
                "MHS07": rng.randint(100, 600),
                "CONSTRUCTED_LOS60_DEN": rng.randint(60, 300),
            }
            values["CONSTRUCTED_LOS60_NUM"] = round(values["CONSTRUCTED_LOS60_DEN"] * rng.uniform(0.1, 0.4))
            texts = {m: str(v) for m, v in values.items()}
            texts.update(MHSDS_FIXED.get((code, month), {}))
            for measure_id, measure_name in MHSDS_MEASURES:
                england[measure_id] += int(texts[measure_id])
                value = "*" if (code, month, measure_id) in MHSDS_SUPPRESSED else texts[measure_id]
                provider_rows.append(
                    [
                        start,
                        end,
                        "Performance",
                        "Provider",
                        code,
                        name,
                        "NONE",
                        "NONE",
                        measure_id,
                        measure_name,
                        value,
                    ]
                )
            if code == "RXV":
                adults = round(int(texts["MHS01"]) * 0.83)
                for level, description, value in (
                    ("0-17", "Under 18", int(texts["MHS01"]) - adults),
                    ("18+", "18 and over", adults),
                ):
                    provider_rows.append(
                        [
                            start,
                            end,
                            "Performance",
                            "Provider; Age Group",
                            code,
                            name,
                            level,
                            description,
                            "MHS01",
                            MHSDS_MEASURES[0][1],
                            str(value),
                        ]
                    )
        england_rows = [
            [
                start,
                end,
                "Performance",
                "England",
                "England",
                "England",
                "NONE",
                "NONE",
                m,
                n,
                str(england[m]),
            ]
            for m, n in MHSDS_MEASURES
        ]
        text = _csv_text([header, *england_rows, *provider_rows])
        (folder / f"MHSDS Data_{mon}Perf_{year}.csv").write_text(text, encoding="utf-8")


# ---- NOF metric data and league table -----------------------------------------------------------
NOF_HEADER = [
    "Region",
    "Trust_type",
    "Trust_subtype",
    "Trust_code",
    "Trust_name",
    "Domain",
    "Sub-domain",
    "Metric_ID",
    "Metric_description",
    "Reporting_date",
    "Units",
    "Value",
    "Median_value",
    "Lower_quartile",
    "Upper_quartile",
    "Rank",
    "Quarter",
]
LEAGUE_HEADER = [
    "Region",
    "Trust_type",
    "Trust_subtype",
    "Trust_code",
    "Trust_name",
    "Quarter",
    "Reporting_date",
    "Average_score",
    "Likely_range_of_average_score",
    "Segment",
    "Trust_in_financial_deficit",
    "Rank",
    "Likely_range_of_rank",
]
Q3 = "Q3 2025/26"
PLANNED_SURPLUS = {"RHW": -3.24}  # real: DOMAIN.md §3.3 (Royal Berkshire, planned deficit -3.24 %)
REVISED = ("R0A", "OF0023", Q3, "58.4")  # the -v2 issue revises this one value (first issue: 58.1)


def _quartiles(values: list[float]) -> tuple[str, str, str]:
    ordered = sorted(values)
    n = len(ordered)

    def at(p: float) -> float:
        position = p * (n - 1)
        low = int(position)
        high = min(low + 1, n - 1)
        return ordered[low] + (ordered[high] - ordered[low]) * (position - low)

    return f"{at(0.5):.2f}", f"{at(0.25):.2f}", f"{at(0.75):.2f}"


def _ranks(values: dict[str, float], higher_is_better: bool) -> dict[str, int]:
    return {
        code: 1 + sum(1 for other in values.values() if (other > v if higher_is_better else other < v))
        for code, v in values.items()
    }


def planned_surplus() -> dict[str, float]:
    """Planned surplus (+) / deficit (-) as % of turnover, shared by OF0079 and the finance file."""
    rng = random.Random(79)
    deficit = {code: flag for code, _, flag, _, _, _ in LEAGUE}
    planned = {
        code: round(rng.uniform(-4.5, -0.2), 2) if deficit[code] == "Yes" else round(rng.uniform(0.0, 1.5), 2)
        for code, _, _ in ACUTE
    }
    planned.update(PLANNED_SURPLUS)
    planned["RQ3"] = 0.0  # flagged for deficit support only (DOMAIN.md §5 trap 2)
    return planned


def nof_metric_rows(revised: bool) -> list[list[str]]:
    rng = random.Random(2526)
    league = {code: (avg, deficit, seg) for code, avg, deficit, seg, _, _ in LEAGUE}
    region = {code: REGIONS[r] for code, r, _ in ACUTE}
    rtt_q3 = {c: round(rng.uniform(48, 78), 1) for c, _, _ in ACUTE if c != "RBV"}
    rtt_q3["R0A"] = 58.1
    rtt_q2 = {c: round(v - rng.uniform(-2, 2), 1) for c, v in rtt_q3.items()}
    ecoli_count = {c: float(rng.randint(40, 260)) for c, _, _ in ACUTE}
    ecoli_rate = {c: round(ecoli_count[c] / rng.uniform(3.5, 12.0), 1) for c, _, _ in ACUTE}
    planned = planned_surplus()
    variance = {c: round(rng.uniform(-2.5, 0.5), 2) for c, _, _ in ACUTE}
    concerns = {c: round(rng.uniform(6.0, 7.4), 2) for c, _, _ in ACUTE}
    access_score = {
        c: round(min(4.0, max(1.0, float(league[c][0]) + rng.uniform(-0.4, 0.4))), 2) for c, _, _ in ACUTE
    }
    rtt_ranks = _ranks(rtt_q3, higher_is_better=True)
    n_rtt = len(rtt_q3)
    rtt_score = {c: round(1 + 3 * (rtt_ranks[c] - 1) / (n_rtt - 1), 2) for c in rtt_q3}
    # (metric id, description, domain, sub-domain, reporting date, units, values, higher is better)
    metrics = [
        (
            "OF0023",
            "Percentage of patients waiting 18 weeks or less for elective treatment",
            "Access to services",
            "Elective care",
            "Nov-25",
            "percentage",
            rtt_q3,
            True,
        ),
        (
            "OF0048",
            "E. coli bloodstream infections",
            "Patient safety",
            "Infection prevention",
            "Jul 24 - Jun 25",
            "count",
            ecoli_count,
            False,
        ),
        (
            "OF0048",
            "E. coli bloodstream infections",
            "Patient safety",
            "Infection prevention",
            "Jul 24 - Jun 25",
            "rate",
            ecoli_rate,
            False,
        ),
        (
            "OF0079",
            "Planned surplus/deficit",
            "Finance and productivity",
            "Finance",
            "2025/26 plan",
            "percentage",
            planned,
            True,
        ),
        (
            "OF0081",
            "Variance to financial plan (year to date)",
            "Finance and productivity",
            "Finance",
            "Year to date 25/26",
            "percentage",
            variance,
            True,
        ),
        (
            "OF0061",
            "Staff survey: raising concerns",
            "People and workforce",
            "Staff experience",
            "2024",
            "score",
            concerns,
            True,
        ),
        (
            "OF1023",
            "Score: percentage of patients waiting 18 weeks or less",
            "Access to services",
            "Elective care",
            Q3,
            "score",
            rtt_score,
            False,
        ),
        (
            "OF4000",
            "Domain score: access to services",
            "Access to services",
            "Domain score",
            Q3,
            "score",
            access_score,
            None,
        ),
        (
            "OF4100",
            "Domain segment: access to services",
            "Access to services",
            "Domain segment",
            Q3,
            "segment",
            {c: float(min(4, 1 + int((v - 1) / 0.75))) for c, v in access_score.items()},
            None,
        ),
        (
            "OF5002",
            "Average metric score",
            "Summary",
            "Summary",
            Q3,
            "score",
            {c: float(league[c][0]) for c, _, _ in ACUTE},
            None,
        ),
        (
            "OF5000",
            "Adjusted segment",
            "Summary",
            "Summary",
            Q3,
            "segment",
            {c: float(league[c][2]) for c, _, _ in ACUTE},
            None,
        ),
    ]
    rows: list[list[str]] = []

    def emit(metric, quarter: str, reporting_date: str, values: dict[str, float]) -> None:
        metric_id, description, domain, sub_domain, _, units, _, higher = metric
        median, lower, upper = _quartiles(list(values.values()))
        ranks = _ranks(values, higher) if higher is not None else {}
        for code, _, name in ACUTE:
            value = values.get(code)
            if metric_id in ("OF4100", "OF5000") and value is not None:
                text = str(int(value))
            elif value is None:
                text = ""
            else:
                text = f"{value:.2f}" if metric_id.startswith(("OF1", "OF4", "OF5")) else f"{value:g}"
            if revised and (code, metric_id, quarter) == REVISED[:3]:
                text = REVISED[3]
            rows.append(
                [
                    region[code],
                    "Acute trust",
                    _subtype(code),
                    code,
                    name,
                    domain,
                    sub_domain,
                    metric_id,
                    description,
                    reporting_date,
                    units,
                    text,
                    median,
                    lower,
                    upper,
                    str(ranks[code]) if code in ranks else "",
                    quarter,
                ]
            )

    rtt = metrics[0]
    emit(rtt, "Q2 2025/26", "Aug-25", rtt_q2)  # later issues carry earlier quarters too
    for metric in metrics:
        emit(metric, Q3, metric[4], metric[6])
    return rows


def league_rows() -> list[list[str]]:
    region = {code: REGIONS[r] for code, r, _ in ACUTE}
    rows = []
    for code, average, deficit, segment, rank, _ in LEAGUE:
        avg = float(average)
        rows.append(
            [
                region[code],
                "Acute trust",
                _subtype(code),
                code,
                NAMES[code],
                Q3,
                Q3,
                average,
                f"{max(1.0, avg - 0.08):.2f} - {min(4.0, avg + 0.08):.2f}",
                str(segment),
                deficit,
                str(rank),
                f"{max(1, rank - 6)} - {min(134, rank + 6)}",
            ]
        )
    return rows


def write_nof(folder: Path) -> None:
    stem = "nhs-oversight-framework-acute-trust"
    (folder / f"{stem}-data-q3-25-26.csv").write_text(
        _csv_text([NOF_HEADER, *nof_metric_rows(revised=False)]), encoding="utf-8"
    )
    (folder / f"{stem}-data-q3-25-26-v2.csv").write_text(
        _csv_text([NOF_HEADER, *nof_metric_rows(revised=True)]), encoding="utf-8"
    )
    (folder / f"{stem}-league-table-q3-25-26-v2.csv").write_text(
        _csv_text([LEAGUE_HEADER, *league_rows()]), encoding="utf-8"
    )


# ---- finance ------------------------------------------------------------------------------------
DEFICIT_SUPPORT = {"RF4", "RQ3", "RWP", "R1H", "RJZ", "RTH", "RWE", "RQX"}


def finance_rows(quarter: str = "2025-26 Q3") -> list[list[str]]:
    rng = random.Random(3)
    planned = planned_surplus()
    rows = []
    for code, _, deficit, _, _, real in LEAGUE:
        in_deficit = "Y" if deficit == "Yes" and code != "RQ3" else "N"
        support = "Y" if code in DEFICIT_SUPPORT else "N"
        plan = f"{planned[code]:.2f}"
        actual = f"{float(plan) + rng.uniform(-1.0, 0.4):.2f}"
        if in_deficit == "N" and float(actual) < 0:
            actual = "0.00"
        note = (
            "deficit flag as published (real league table); amounts constructed" if real else CONSTRUCTED_NOTE
        )
        if code == "RQ3":
            note = "constructed: no deficit but receiving deficit support (DOMAIN.md trap 2)"
        if code == "RHW":
            note = (
                "deficit flag and planned deficit -3.24 % as published (DOMAIN.md §3.3); actual constructed"
            )
        if quarter != "2025-26 Q3":  # only Q3 2025/26 flags are published; other quarters repeat them
            note = f"CONSTRUCTED: the Q3 2025/26 flag assumed for {quarter}; amounts constructed"
        rows.append(
            [
                code,
                NAMES[code],
                quarter,
                in_deficit,
                support,
                plan,
                actual,
                "pct_of_turnover",
                f"constructed (layout of NHS England Financial performance report {quarter.replace('-', '/')})",  # noqa: E501
                note,
            ]
        )
    for code, name, in_deficit, support, plan, actual in (
        ("RXV", "GREATER MANCHESTER MENTAL HEALTH NHS FOUNDATION TRUST", "N", "N", "0.40", "0.35"),
        ("RRP", "BARNET, ENFIELD AND HARINGEY MENTAL HEALTH NHS TRUST", "Y", "Y", "-1.10", "-1.62"),
        ("RXT", "BIRMINGHAM AND SOLIHULL MENTAL HEALTH NHS FOUNDATION TRUST", "N", "N", "0.00", "0.12"),
    ):
        rows.append(
            [
                code,
                name,
                quarter,
                in_deficit,
                support,
                plan,
                actual,
                "pct_of_turnover",
                f"constructed (layout of NHS England Financial performance report {quarter.replace('-', '/')})",  # noqa: E501
                CONSTRUCTED_NOTE,
            ]
        )
    return rows


def write_finance(folder: Path) -> None:
    header = [
        "org_code",
        "org_name",
        "period",
        "in_deficit",
        "receiving_deficit_support",
        "plan",
        "actual",
        "unit",
        "source_document",
        "notes",
    ]
    # Q3 2025/26 (the published league table's quarter) and Q1 2025/26 (the quarter of the bundled
    # real A&E, cancer, DM01 and staff survey files), with the same constructed flags
    for quarter in ("2025-26 Q3", "2025-26 Q1"):
        (folder / f"finance-positions-{quarter.replace(' ', '-')}.csv").write_text(
            _csv_text([header, *finance_rows(quarter)]), encoding="utf-8"
        )


def build(target: Path) -> None:
    for source, writer in (
        ("dm01", write_dm01),
        ("mhsds", write_mhsds),
        ("nof", write_nof),
        ("finance", write_finance),
    ):
        folder = target / source
        folder.mkdir(parents=True, exist_ok=True)
        writer(folder)


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "sample_data")
