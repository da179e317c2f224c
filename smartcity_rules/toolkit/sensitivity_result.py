"""What a sensitivity analysis finds (the result types), and the result as text tables and CSV.

JSON is `SensitivityResult.to_dict()`; the HTML page is sensitivity_html.to_html.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Sequence
from typing import Any

import attrs

from ..data.table import inert

_PERCENT = "{:.1%}"


# ------------------------------------------------------------ results
@attrs.frozen
class EntityUncertainty:
    """One entity's total, rank and rating across the draws."""

    entity: str
    total: str  # as the standard scores it, unperturbed
    rank: int
    rating: int | None
    total_mean: float
    total_median: float
    total_low: float  # 5th percentile
    total_high: float  # 95th percentile
    rank_median: float
    rank_low: float  # 5th percentile: the rank interval's best end
    rank_high: float  # 95th percentile
    ratings: tuple[float, ...]  # per level of SensitivityResult.levels (unrated first): the share of draws


@attrs.frozen
class Index:
    """A parameter's first-order and total Sobol' index for one output, with the half-widths
    of their confidence intervals (SALib's bootstrap, at 95%)."""

    parameter: str
    first: float
    first_conf: float
    total: float
    total_conf: float


@attrs.frozen
class Indices:
    """The Sobol' indices of one output; `indices` is () when the output never moves."""

    output: str  # "rank of 济南", "total of 济南", "entities at 五星级"
    variance: float
    indices: tuple[Index, ...]


@attrs.frozen
class SensitivityResult:
    standard: str
    parameters: tuple[str, ...]
    samples: int  # draws scored: base x (parameters + 2), the Saltelli design
    base: int
    seed: int
    engine: str  # "fast" (sensitivity_fast) or "exact" (a plan per draw, scored by the library)
    levels: tuple[tuple[int, str], ...]  # (rank, name), 0 "unrated" first; () without a rating
    entities: tuple[EntityUncertainty, ...]
    ranks: tuple[Indices, ...]
    totals: tuple[Indices, ...]
    counts: tuple[Indices, ...]  # per level in `levels`: how many entities reach it

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self, recurse=True)

    def to_text(self) -> str:
        """Text tables: the uncertainty per entity, then the Sobol' indices."""
        return text(self)

    def to_csv(self) -> str:
        return csv_text(self)


def _float(value: float) -> str:
    return f"{value:.2f}"


def _table(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(_width(row[k]) for row in rows) for k in range(len(rows[0]))]
    return ["  ".join(cell + " " * (width - _width(cell)) for cell, width in zip(row, widths)).rstrip()
            for row in rows]


def _width(text: str) -> int:
    """Terminal columns of a cell: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def level_names(result: SensitivityResult) -> list[str]:
    return [name for _, name in result.levels]


def entity_row(result: SensitivityResult, entity: EntityUncertainty) -> list[str]:
    rating = [] if not result.levels else [_PERCENT.format(share) for share in entity.ratings]
    return [entity.entity, entity.total, str(entity.rank), _float(entity.total_mean), _float(entity.total_median),
            f"{_float(entity.total_low)}-{_float(entity.total_high)}", f"{entity.rank_median:g}",
            f"{entity.rank_low:g}-{entity.rank_high:g}", *rating]


def index_rows(indices: Sequence[Indices], parameters: Sequence[str]) -> list[list[str]]:
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
               *(f"P({name})" for name in level_names(result))]
    lines = head + _table([columns, *(entity_row(result, e) for e in result.entities)])
    lines += ["", "Sobol' indices (first-order S1 / total ST, ± the 95% confidence half-width):", ""]
    lines += _table(index_rows([*result.counts, *result.ranks], result.parameters))
    return "\n".join(lines) + "\n"


def csv_text(result: SensitivityResult) -> str:
    """Two tables in one CSV: a row per entity (kind `entity`), then a row per output and
    parameter (kind `sobol`); text cells made inert, as `score -o` writes them (data/table.py)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["kind", "entity", "total", "rank", "rating", "total_mean", "total_median", "total_p5",
                     "total_p95", "rank_median", "rank_p5", "rank_p95",
                     *(inert(f"p_{name}") for name in level_names(result))])
    for e in result.entities:
        writer.writerow(["entity", inert(e.entity), e.total, e.rank, "" if e.rating is None else e.rating,
                         e.total_mean, e.total_median, e.total_low, e.total_high, e.rank_median, e.rank_low,
                         e.rank_high, *e.ratings])
    writer.writerow([])
    writer.writerow(["kind", "output", "parameter", "first", "first_conf", "total", "total_conf"])
    for output in (*result.counts, *result.ranks, *result.totals):
        for index in output.indices:
            writer.writerow(["sobol", inert(output.output), inert(index.parameter), index.first, index.first_conf,
                             index.total, index.total_conf])
    return out.getvalue()


