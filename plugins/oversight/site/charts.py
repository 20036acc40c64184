"""Charts as static SVG: declared with altair (Vega-Lite), rendered at build time by vl-convert.

Nothing is fetched when a page is opened: the SVG is inlined in the HTML. Every chart also has a
table of the same figures on its page (screen readers, copy-paste, no colour needed).
"""

from __future__ import annotations

import copy
import statistics
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from typing import Any

SEGMENT_COLOURS = {
    "1": "#007f3b",
    "2": "#78be20",
    "3": "#ffb81c",
    "4": "#ed8b00",
    "5": "#d5281b",
    "insufficient data": "#aeb7bd",
}
FONT = "Arial, Helvetica, sans-serif"


DATA = "rows"  # every chart reads the named dataset "rows", filled in per page


@cache
def _spec(kind: str) -> dict[str, Any]:
    """Each kind of chart is declared (and validated by altair) once; pages only swap its data."""
    chart = BUILDERS[kind]()
    return chart.configure(font=FONT).configure_view(stroke=None).to_dict()


def _render(kind: str, rows: list[dict[str, Any]], title: str) -> str:
    import vl_convert as vlc

    if not rows:
        return ""
    spec = copy.deepcopy(_spec(kind))
    spec["datasets"] = {DATA: [{k: _plain(v) for k, v in row.items()} for row in rows]}
    spec["title"] = title
    svg = vlc.vegalite_to_svg(spec)
    # an <svg> inlined in HTML needs no XML prolog
    return svg.replace('<?xml version="1.0" encoding="utf-8"?>', "").strip()


def _plain(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


def _segment_scale() -> Any:
    import altair as alt

    return alt.Scale(domain=list(SEGMENT_COLOURS), range=list(SEGMENT_COLOURS.values()))


def segment_distribution(rows: list[dict[str, Any]], title: str, by_framework: bool = False) -> str:
    """Trusts per segment per peer group (stacked bars). rows: peer_group, segment_label, trusts
    (and framework, when by_framework)."""
    return _render("distribution_by_framework" if by_framework else "distribution", rows, title)


def _distribution(by_framework: bool = False) -> Any:
    import altair as alt

    chart = (
        alt.Chart(alt.NamedData(DATA))
        .mark_bar()
        .encode(
            x=alt.X("trusts:Q", title="trusts"),
            y=alt.Y("peer_group:N", title=None),
            color=alt.Color("segment_label:N", title="segment", scale=_segment_scale()),
            order=alt.Order("segment_label:N"),
            tooltip=["peer_group:N", "segment_label:N", "trusts:Q"],
        )
        .properties(width=360, height=alt.Step(22))
    )
    if by_framework:
        chart = chart.facet(
            row=alt.Row("framework:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left"))
        )
    return chart


def segment_history(rows: list[dict[str, Any]], title: str) -> str:
    """Segment per period per framework (1 at the top). rows: period_start, framework, segment."""
    return _render("history", [r for r in rows if r.get("segment") is not None], title)


def _history() -> Any:
    import altair as alt

    return (
        alt.Chart(alt.NamedData(DATA))
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "period_start:T",
                title="period",
                axis=alt.Axis(format="%b %Y", labelAngle=-40, tickCount={"interval": "month", "step": 1}),
            ),
            y=alt.Y(
                "segment:Q", scale=alt.Scale(domain=[5, 1]), axis=alt.Axis(tickMinStep=1), title="segment"
            ),
            color=alt.Color("framework:N", title="framework"),
            strokeDash=alt.StrokeDash("framework:N", legend=None),
        )
        .properties(width=480, height=180)
    )


def quartile_summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    if len(ordered) == 1:
        q1 = median = q3 = ordered[0]
    else:
        q1, median, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    return {"low": ordered[0], "q1": q1, "median": median, "q3": q3, "high": ordered[-1]}


def metrics_against_peers(rows: list[dict[str, Any]], title: str) -> str:
    """One row per metric: the peer group's range (thin), interquartile range (thick), median (tick)
    and the trust's value (dot). rows: metric, low, q1, median, q3, high, value."""
    return _render("peers", rows, title)


def _peers() -> Any:
    import altair as alt

    base = alt.Chart().encode(y=alt.Y("metric:N", title=None))
    whisker = base.mark_rule(color="#768692").encode(x=alt.X("low:Q", title="value"), x2="high:Q")
    box = base.mark_bar(size=12, color="#c8d4dc").encode(x="q1:Q", x2="q3:Q")
    median = base.mark_tick(color="#231f20", thickness=2, size=14).encode(x="median:Q")
    own = base.mark_point(filled=True, size=90, color="#005eb8").encode(x="value:Q")
    return (
        alt.layer(whisker, box, median, own, data=alt.NamedData(DATA))
        .properties(width=380, height=26)
        .facet(row=alt.Row("metric:N", title=None, header=alt.Header(labels=False)))
        .resolve_scale(x="independent", y="independent")
    )


BUILDERS: dict[str, Callable[[], Any]] = {
    "distribution": _distribution,
    "distribution_by_framework": lambda: _distribution(by_framework=True),
    "history": _history,
    "peers": _peers,
}
