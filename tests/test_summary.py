"""The segment part of the run summary: per framework version, its applicable periods, trusts per
segment and per status, and the coverage, read from a hand-made published fct_segment."""

from __future__ import annotations

from datetime import date

from oversight import warehouse
from oversight.summary import segment_lines, segment_summary

FCT_SEGMENT = """
create schema marts;
create table marts.fct_segment (
    framework_version text, org_code text, period_start date, period_end date, period_label text,
    segment integer, segment_status text, coverage numeric, metrics_expected integer,
    is_applicable_version boolean);
insert into marts.fct_segment values
    -- Q1 2025/26: A segmented 10/17, B indicative 2/17 (segment 4), C insufficient 0/17
    ('nof_2025_26', 'A', '2025-04-01', '2025-06-30', 'Q1 2025/26', 1, 'segmented', 0.5882, 17, true),
    ('nof_2025_26', 'B', '2025-04-01', '2025-06-30', 'Q1 2025/26', 4, 'indicative', 0.1176, 17, true),
    ('nof_2025_26', 'C', '2025-04-01', '2025-06-30', 'Q1 2025/26', null, 'insufficient_data', 0, 17, true),
    -- an older quarter and a third one: only the latest two are shown
    ('nof_2025_26', 'A', '2024-10-01', '2024-12-31', 'Q3 2024/25', 2, 'indicative', 0.1176, 17, true),
    ('nof_2025_26', 'A', '2025-07-01', '2025-09-30', 'Q2 2025/26', 2, 'indicative', 0.2353, 17, true),
    ('nof_2025_26', 'A', '2025-01-01', '2025-03-31', 'Q4 2024/25', 2, 'indicative', 0.1176, 17, false),
    -- SOF in force in none of these periods
    ('sof_2016_17', 'A', '2025-04-01', '2025-04-30', '2025-04', 2, 'segmented', 1, 4, false);
"""


def test_segment_summary_per_framework_period_status_and_coverage(fresh_db) -> None:  # noqa: ANN001
    with warehouse.connect(fresh_db) as conn:
        conn.execute(FCT_SEGMENT)
        rows = segment_summary(conn)
    # the latest two applicable periods of each framework, newest first; SOF applies in none
    assert [(r["framework_version"], r.get("period_label")) for r in rows] == [
        ("nof_2025_26", "Q2 2025/26"),
        ("nof_2025_26", "Q1 2025/26"),
        ("sof_2016_17", None),
    ]
    q2, q1, sof = rows
    assert (q2["period_label"], q2["trusts"], q2["per_status"]["indicative"]) == ("Q2 2025/26", 1, 1)
    assert q1["period_label"] == "Q1 2025/26" and q1["period_start"] == date(2025, 4, 1)
    assert q1["trusts"] == 3
    assert q1["per_status"] == {"segmented": 1, "indicative": 1, "insufficient_data": 1}
    assert q1["per_segment"] == {"1": 1, "4": 1, "none": 1}
    # median of 0, 0.1176, 0.5882
    assert round(q1["median_coverage"], 4) == 0.1176 and q1["max_coverage"] == 0.5882
    assert sof == {"framework_version": "sof_2016_17", "not_applicable_latest": date(2025, 4, 1)}
    lines = segment_lines(rows)
    assert "  nof_2025_26 Q1 2025/26 (2025-04-01 to 2025-06-30): 3 trusts" in lines
    assert "    status:   segmented 1, indicative 1, insufficient_data 1" in lines
    assert "    segment:  1: 1, 4: 1, no segment: 1" in lines
    assert "    coverage: median 12 % (min 0 %, max 59 %; up to 17 metrics expected)" in lines
    assert any(line.startswith("  sof_2016_17: in force in no period of the data") for line in lines)
