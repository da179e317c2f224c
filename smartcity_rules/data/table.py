"""Results as a table: one row per entity, a column per figure (the total, the rating, each
indicator's value, stars and points, each group's points). The CSV, Excel and Parquet writers
write these rows; the columns follow from the standard, the same for every entity."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from typing import Any

import attrs

from ..language.numbers import fmt, fmt_ratio
from ..results.evaluation import Evaluation


class Cell(enum.Enum):
    TEXT = "text"  # names, and exact numbers as text (`2/3`)
    NUMBER = "number"  # a float: the nearest to the exact number beside it, for sorting and charts
    WHOLE = "whole"  # stars, rating ranks


@attrs.frozen
class Column:
    name: str
    cell: Cell


_HEAD = (Column("entity", Cell.TEXT), Column("total", Cell.NUMBER), Column("total exact", Cell.TEXT),
         Column("rating rank", Cell.WHOLE), Column("rating", Cell.TEXT), Column("missing share", Cell.NUMBER))


class Table:
    """The columns of a standard's results table, read off any one entity's results, and the
    rows they make. Rows read the exact values as pairs, so no Fraction is built to write one."""

    def __init__(self, evaluation: Evaluation) -> None:
        leaves = {result.code for result in evaluation.indicators}
        # The nodes above the scored leaves, the total left out: groups, indicators made of items.
        self.inner = tuple(n for n, node in enumerate(evaluation.nodes) if n and node.key not in leaves)
        self.columns = _HEAD + tuple(column for result in evaluation.indicators for column in (
            Column(f"{result.code} value", Cell.NUMBER), Column(f"{result.code} value exact", Cell.TEXT),
            Column(f"{result.code} stars", Cell.WHOLE), Column(f"{result.code} points", Cell.NUMBER))) + tuple(
            Column(f"{evaluation.nodes[n].key} points", Cell.NUMBER) for n in self.inner)

    def row(self, evaluation: Evaluation) -> tuple[Any, ...]:
        """One entity's cells, in the order of the columns."""
        rating = evaluation.rating
        total = evaluation.total
        cells: list[Any] = [evaluation.entity, float(total), fmt(total), evaluation.rating_rank,
                            None if rating is None else rating.name, float(evaluation.missing_share)]
        for result in evaluation.indicators:
            pair = result.pair
            if pair is None:
                cells += (None, None, result.stars, float(result.points))
            else:
                cells += (pair[0] / pair[1], fmt_ratio(*pair), result.stars, float(result.points))
        nodes = evaluation.nodes
        cells += (float(nodes[n].points) for n in self.inner)
        return tuple(cells)


def rows(evaluations: Iterable[Evaluation]) -> tuple[tuple[Column, ...] | None, Iterator[tuple[Any, ...]]]:
    """The columns (None when there are no entities) and the rows, read one entity at a time."""
    iterator = iter(evaluations)
    first = next(iterator, None)
    if first is None:
        return None, iter(())
    table = Table(first)
    return table.columns, (table.row(e) for e in _chain(first, iterator))


def _chain(first: Evaluation, rest: Iterator[Evaluation]) -> Iterator[Evaluation]:
    yield first
    yield from rest


# Cells a spreadsheet would run as a formula (or DDE) when it opens the file: OWASP's list.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(text: str) -> str:
    """Text a spreadsheet shows as written: a leading apostrophe keeps `=cmd|...` from running."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text
