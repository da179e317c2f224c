"""A sensitivity result as a text table, CSV and an HTML page with its charts.

JSON is `SensitivityResult.to_dict()`. The HTML page is made by the report machinery: the
template `sensitivity.html.j2` (Jinja2, autoescaped: publish/templating.py) and plotly figures
checked by plotly's schema (publish/charts.py), plotly.js inlined so the page opens offline.
Every label reaches a figure escaped (charts.label); the numbers are in the page's tables too.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from ..publish import charts, templating
from .sensitivity import EntityUncertainty, Indices, SensitivityResult

_PERCENT = "{:.1%}"


def _float(value: float) -> str:
    return f"{value:.2f}"


def _table(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(charts_width(row[k]) for row in rows) for k in range(len(rows[0]))]
    return ["  ".join(cell + " " * (width - charts_width(cell)) for cell, width in zip(row, widths)).rstrip()
            for row in rows]


def charts_width(text: str) -> int:
    """Terminal columns of a cell: CJK characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _levels(result: SensitivityResult) -> list[str]:
    return [name for _, name in result.levels]


def _entity_row(result: SensitivityResult, entity: EntityUncertainty) -> list[str]:
    rating = [] if not result.levels else [_PERCENT.format(share) for share in entity.ratings]
    return [entity.entity, entity.total, str(entity.rank), _float(entity.total_mean), _float(entity.total_median),
            f"{_float(entity.total_low)}-{_float(entity.total_high)}", f"{entity.rank_median:g}",
            f"{entity.rank_low:g}-{entity.rank_high:g}", *rating]


def _index_rows(indices: Sequence[Indices], parameters: Sequence[str]) -> list[list[str]]:
    rows = [["output", *(f"{name} S1 / ST" for name in parameters)]]
    for output in indices:
        if not output.indices:
            rows.append([output.output, *("does not move" if k == 0 else "" for k in range(len(parameters)))])
            continue
        rows.append([output.output, *(f"{i.first:.2f}±{i.first_conf:.2f} / {i.total:.2f}±{i.total_conf:.2f}"
                                      for i in output.indices)])
    return rows


def text(result: SensitivityResult) -> str:
    """The result as text tables: the uncertainty per entity, then the Sobol' indices."""
    head = [f"{result.standard}: {result.samples} draws (Saltelli design, base {result.base}), seed {result.seed}, "
            f"{result.engine} path", "varied: " + "; ".join(result.parameters), ""]
    columns = ["entity", "total", "rank", "mean", "median", "total 5-95%", "rank median", "rank 5-95%",
               *(f"P({name})" for name in _levels(result))]
    lines = head + _table([columns, *(_entity_row(result, e) for e in result.entities)])
    lines += ["", "Sobol' indices (first-order S1 / total ST, ± the 95% confidence half-width):", ""]
    lines += _table(_index_rows([*result.counts, *result.ranks], result.parameters))
    return "\n".join(lines) + "\n"


def csv_text(result: SensitivityResult) -> str:
    """Two tables in one CSV: a row per entity (kind `entity`), then a row per output and
    parameter (kind `sobol`)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["kind", "entity", "total", "rank", "rating", "total_mean", "total_median", "total_p5",
                     "total_p95", "rank_median", "rank_p5", "rank_p95",
                     *(f"p_{name}" for name in _levels(result))])
    for e in result.entities:
        writer.writerow(["entity", e.entity, e.total, e.rank, "" if e.rating is None else e.rating, e.total_mean,
                         e.total_median, e.total_low, e.total_high, e.rank_median, e.rank_low, e.rank_high,
                         *e.ratings])
    writer.writerow([])
    writer.writerow(["kind", "output", "parameter", "first", "first_conf", "total", "total_conf"])
    for output in (*result.counts, *result.ranks, *result.totals):
        for index in output.indices:
            writer.writerow(["sobol", output.output, index.parameter, index.first, index.first_conf, index.total,
                             index.total_conf])
    return out.getvalue()


# ------------------------------------------------------------ HTML
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


def html(result: SensitivityResult) -> str:
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
                      *(f"P({name})" for name in _levels(result))]
    return templating.render(
        "sensitivity.html.j2", lang="zh", title=f"{result.standard}: sensitivity", result=result,
        entity_columns=entity_columns, entity_rows=[_entity_row(result, e) for e in result.entities],
        index_rows=_index_rows([*result.counts, *result.ranks], result.parameters),
        charts=figures, plotly_js=templating.trusted([charts.plotly_js()]),
        figures=[{"id": chart["id"], "figure": chart["figure"]} for chart in figures])
