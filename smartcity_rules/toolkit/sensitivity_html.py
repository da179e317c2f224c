"""A sensitivity result as one HTML page: its tables, a rank-interval plot and Sobol' bars.

Made by the report machinery: the template `sensitivity.html.j2` (Jinja2, autoescaped:
publish/templating.py) and plotly figures checked by plotly's schema (publish/charts.py),
plotly.js inlined so the page opens offline. Every label reaches a figure escaped
(charts.label); every number a chart shows is in the page's tables too.
"""

from __future__ import annotations

from typing import Any

from ..publish import charts, templating
from .sensitivity_result import Indices, SensitivityResult, entity_row, index_rows, level_names


def _rank_intervals(result: SensitivityResult) -> dict[str, Any]:
    """Each entity's rank interval (5th to 95th percentile) as a floating bar, its median and
    its unperturbed rank as marks; best rank at the top."""
    order = sorted(result.entities, key=lambda e: (e.rank_median, e.rank))
    names = [charts.label(e.entity) for e in order]
    interval = {"type": "bar", "orientation": "h", "y": names, "x": [max(e.rank_high - e.rank_low, 0.2) for e in order],
                "base": [e.rank_low - (0.1 if e.rank_high == e.rank_low else 0) for e in order],
                "name": "rank 5th-95th percentile", "marker": {"color": "#9ec5ec"},
                "hovertemplate": "%{y}: %{base} to %{x}<extra></extra>"}
    median = {"type": "scatter", "mode": "markers", "y": names, "x": [e.rank_median for e in order],
              "name": "median rank", "marker": {"color": "#123f7a", "size": 9}}
    unmoved = {"type": "scatter", "mode": "markers", "y": names, "x": [e.rank for e in order],
               "name": "rank as the standard stands", "marker": {"color": "#d1242f", "symbol": "x", "size": 8}}
    layout = {"xaxis": {"title": {"text": "rank"}, "autorange": "reversed", "dtick": 1},
              "yaxis": {"autorange": "reversed", "automargin": True}, "height": 120 + 26 * len(order),
              "legend": {"orientation": "h"}}
    return charts._figure([interval, median, unmoved], layout)


def _sobol_bars(output: Indices) -> dict[str, Any]:
    """First-order and total indices of one output, a pair of bars per parameter, with their
    confidence intervals."""
    names = [charts.label(i.parameter) for i in output.indices]
    bars = [{"type": "bar", "x": names, "y": [getattr(i, kind) for i in output.indices], "name": label,
             "error_y": {"type": "data", "array": [getattr(i, kind + "_conf") for i in output.indices]}}
            for kind, label in (("first", "first-order S1"), ("total", "total ST"))]
    layout = {"barmode": "group", "yaxis": {"title": {"text": "Sobol' index"}, "rangemode": "tozero"},
              "title": {"text": charts.label(output.output)}, "legend": {"orientation": "h"}}
    return charts._figure(bars, layout)


def _rank_bars(result: SensitivityResult) -> dict[str, Any]:
    """Each parameter's total index for each entity's rank."""
    moving = [output for output in result.ranks if output.indices]
    bars = [{"type": "bar", "name": charts.label(name), "x": [charts.label(o.output) for o in moving],
             "y": [o.indices[j].total for o in moving]} for j, name in enumerate(result.parameters)]
    layout = {"barmode": "group", "yaxis": {"title": {"text": "total Sobol' index ST"}, "rangemode": "tozero"},
              "xaxis": {"automargin": True}, "legend": {"orientation": "h"}}
    return charts._figure(bars, layout)


def to_html(result: SensitivityResult) -> str:
    """The result as one HTML page: tables, a rank-interval plot and Sobol' bars; offline."""
    figures = [{"id": "chart-ranks", "title": "Rank intervals", "figure": _rank_intervals(result)}]
    if any(output.indices for output in result.ranks):
        figures.append({"id": "chart-sobol-ranks", "title": "What drives each entity's rank",
                        "figure": _rank_bars(result)})
    for k, output in enumerate(result.counts):
        if output.indices:
            figures.append({"id": f"chart-sobol-{k}", "title": f"What drives the number of {output.output}",
                            "figure": _sobol_bars(output)})
    entity_columns = ["Entity", "Total", "Rank", "Mean", "Median", "Total 5-95%", "Rank median", "Rank 5-95%",
                      *(f"P({name})" for name in level_names(result))]
    return templating.render(
        "sensitivity.html.j2", lang="zh", title=f"{result.standard}: sensitivity", result=result,
        entity_columns=entity_columns, entity_rows=[entity_row(result, e) for e in result.entities],
        index_rows=index_rows([*result.counts, *result.ranks], result.parameters),
        charts=figures, plotly_js=templating.trusted([charts.plotly_js()]),
        figures=[{"id": chart["id"], "figure": chart["figure"]} for chart in figures])
