"""Results as a table: one row per entity, a column per figure (the total, the rating, each
indicator's value, stars and points, each group's points). The CSV, Excel and Parquet writers
write these rows; the columns follow from the standard, the same for every entity."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from fractions import Fraction
from typing import Any

import attrs

from ..language.numbers import fmt
from ..results.evaluation import Evaluation


class Cell(enum.Enum):
    TEXT = "text"  # names, and exact numbers as text (`2/3`)
    NUMBER = "number"  # a float: the nearest to the exact number beside it, for sorting and charts
    WHOLE = "whole"  # stars, rating ranks


@attrs.frozen
class Column:
    name: str
    cell: Cell


def _number(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


def _exact(value: Fraction | None) -> str | None:
    return None if value is None else fmt(value)


_HEAD = (Column("entity", Cell.TEXT), Column("total", Cell.NUMBER), Column("total exact", Cell.TEXT),
         Column("rating rank", Cell.WHOLE), Column("rating", Cell.TEXT), Column("missing share", Cell.NUMBER))


def columns(evaluation: Evaluation) -> tuple[Column, ...]:
    """The table's columns, read off any one entity's results."""
    leaves = tuple(column for result in evaluation.indicators for column in (
        Column(f"{result.code} value", Cell.NUMBER), Column(f"{result.code} value exact", Cell.TEXT),
        Column(f"{result.code} stars", Cell.WHOLE), Column(f"{result.code} points", Cell.NUMBER)))
    return _HEAD + leaves + tuple(Column(f"{node.key} points", Cell.NUMBER) for node in _inner(evaluation))


def _inner(evaluation: Evaluation) -> Iterator[Any]:
    """The nodes above the scored leaves, the standard (the total) left out: groups, and
    indicators made of items."""
    leaves = {result.code for result in evaluation.indicators}
    return (node for node in evaluation.nodes[1:] if node.key not in leaves)


def row(evaluation: Evaluation) -> tuple[Any, ...]:
    """One entity's cells, in the order of columns()."""
    rating = evaluation.rating
    cells: list[Any] = [evaluation.entity, float(evaluation.total), fmt(evaluation.total), evaluation.rating_rank,
                        None if rating is None else rating.name, float(evaluation.missing_share)]
    for result in evaluation.indicators:
        value = result.value
        cells += (_number(value), _exact(value), result.stars, float(result.points))
    cells += (float(node.points) for node in _inner(evaluation))
    return tuple(cells)


def rows(evaluations: Iterable[Evaluation]) -> tuple[tuple[Column, ...] | None, Iterator[tuple[Any, ...]]]:
    """The columns (None when there are no entities) and the rows, read one entity at a time."""
    iterator = iter(evaluations)
    first = next(iterator, None)
    if first is None:
        return None, iter(())
    return columns(first), (row(e) for e in _chain(first, iterator))


def _chain(first: Evaluation, rest: Iterator[Evaluation]) -> Iterator[Evaluation]:
    yield first
    yield from rest


# Cells a spreadsheet would run as a formula (or DDE) when it opens the file: OWASP's list.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(text: str) -> str:
    """Text a spreadsheet shows as written: a leading apostrophe keeps `=cmd|...` from running."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text
