"""The charts of the HTML report as Plotly figures, and plotly.js from the installed package to inline.

Plotly (the `report` extra) is imported only here and only when a report is written. A figure
leaves as plain JSON, checked by plotly's own figure schema first; the page draws it with the
plotly.js that the plotly package ships, inlined, so the report opens offline. Floats appear
only here, to place bars and cells; every number a person reads is in the report's tables,
exact. Plotly reads a few HTML tags inside its text (`<b>`, `<a href>`), so every label is
escaped before it reaches a figure: a name is always shown as the characters it is made of.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from ..language.errors import MissingExtra

STAR_COLOURS = [[0.0, "#eef1f4"], [0.2, "#d4e4f7"], [0.4, "#9ec5ec"], [0.6, "#5a9bd8"], [0.8, "#2f6fb8"],
                [1.0, "#123f7a"]]  # 0 to 5 stars (or 0 to 100%), light to dark; not applicable is left blank
FONT = 'system-ui, "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif'


def _plotly() -> Any:
    try:
        import plotly.graph_objects as go
    except ImportError as error:
        raise MissingExtra("the HTML report draws its charts with plotly: "
                           "pip install 'smartcity_rules[report]'") from error
    return go


def plotly_js() -> str:
    """plotly.min.js as the installed plotly package ships it (read from the package, never fetched)."""
    _plotly()
    from plotly.offline import get_plotlyjs

    return str(get_plotlyjs())


def label(text: str) -> str:
    """Text for a figure: escaped, so plotly's HTML-like text markup shows it as written."""
    return html.escape(" ".join(text.split()), quote=False)


def _figure(data: list[dict[str, Any]], layout: dict[str, Any]) -> dict[str, Any]:
    """A figure checked against plotly's schema (a misspelt property fails here, not in the page)."""
    base = {"font": {"family": FONT, "size": 13}, "margin": {"t": 40, "r": 20, "b": 40, "l": 20},
            "paper_bgcolor": "#fff", "plot_bgcolor": "#fff"}
    figure = _plotly().Figure(data=data, layout={**base, **layout})
    checked: dict[str, Any] = figure.to_plotly_json()
    return checked


def ratings(levels: Sequence[tuple[str, int]]) -> dict[str, Any]:
    """How many entities reached each rating level, lowest first: (level name, count)."""
    names = [label(name) for name, _ in levels]
    counts = [count for _, count in levels]
    bars = {"type": "bar", "x": list(range(len(levels))), "y": counts, "text": counts, "textposition": "outside",
            "marker": {"color": "#2f6fb8"}, "customdata": names,
            "hovertemplate": "%{customdata}: %{y}<extra></extra>"}
    return _figure([bars], {"height": 320, "xaxis": {"tickvals": list(range(len(levels))), "ticktext": names},
                            "yaxis": {"title": {"text": "entities"}, "rangemode": "tozero", "dtick": 1}})


def heat_map(indicators: Sequence[str], entities: Sequence[str], values: Sequence[Sequence[float | None]],
             texts: Sequence[Sequence[str]], top: float, legend: str) -> dict[str, Any]:
    """Indicators (rows, in the standard's order) by entities (columns, in ranking order): stars from 0
    to 5, or a share of the maximum from 0 to 1 (`top`); None where an indicator is not applicable.
    Axes are by position, so equal labels stay apart."""
    rows, columns = [label(name) for name in indicators], [label(name) for name in entities]
    cells = {"type": "heatmap", "z": [list(row) for row in values], "x": list(range(len(columns))),
             "y": list(range(len(rows))), "zmin": 0, "zmax": top, "colorscale": STAR_COLOURS, "xgap": 1, "ygap": 1,
             "text": [list(row) for row in texts], "texttemplate": "%{text}",
             "customdata": [[[entity, indicator] for entity in columns] for indicator in rows],
             "hovertemplate": "%{customdata[0]}<br>%{customdata[1]}: %{text}<extra></extra>",
             "colorbar": {"title": {"text": label(legend)}}}
    return _figure([cells], {
        "height": max(360, 200 + 24 * len(rows)),  # room for the entities' names slanted above the cells
        "xaxis": {"tickvals": list(range(len(columns))), "ticktext": columns, "side": "top", "tickangle": -45,
                  "automargin": True},
        "yaxis": {"tickvals": list(range(len(rows))), "ticktext": rows, "autorange": "reversed", "automargin": True}})


def groups(names: Sequence[str], own: Sequence[Fraction], median: Sequence[Fraction],
           maxima: Sequence[Fraction | None], entity: str) -> dict[str, Any]:
    """One entity's points in each group beside the cohort's median, and the group's maximum."""
    ticks = [label(name) for name in names]
    places = list(range(len(names)))
    traces = [
        {"type": "bar", "name": label(entity), "x": places, "y": [float(v) for v in own],
         "marker": {"color": "#2f6fb8"}},
        {"type": "bar", "name": "cohort median", "x": places, "y": [float(v) for v in median],
         "marker": {"color": "#b8c4d0"}},
        {"type": "scatter", "mode": "markers", "name": "maximum", "x": places,
         "y": [None if v is None else float(v) for v in maxima],
         "marker": {"symbol": "line-ew-open", "size": 28, "color": "#bc4c00", "line": {"width": 2}}},
    ]
    return _figure(traces, {"height": 340, "barmode": "group", "legend": {"orientation": "h", "y": -0.25},
                            "xaxis": {"tickvals": places, "ticktext": ticks, "automargin": True},
                            "yaxis": {"title": {"text": "points"}, "rangemode": "tozero"}})
