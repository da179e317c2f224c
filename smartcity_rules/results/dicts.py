"""Evaluation.to_dict() written from a scored batch's columns, without the result objects.

A result dict holds some sixty small dicts per entity; building the result objects first and
asking each for its dict cost twenty times the evaluation. Here every figure is read from the
columns: the texts of scaled-int points are made once per distinct value (a batch's points take
few), a node's texts once per column, and the dict is written by the standard's generated writer
(dictcode.py), each entry a copy of its indicator's or node's fixed part. The output is key for
key what the objects' to_dict() write (tests/test_result_dicts.py holds the two to it).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import math
from collections.abc import Callable, Iterator, Sequence
from fractions import Fraction
from typing import Any, cast

from ..backends.python.executor import Pairs
from ..language.numbers import fmt, fmt_pair, fmt_ratio
from ..plan import scoring as p
from .dictcode import column_leaves, column_nodes
from .evaluation import Status
from .nodes import NodeScores

_NOT_APPLICABLE = Status.NOT_APPLICABLE.value
_ZERO = fmt(0)


def value_parts(values: Sequence[tuple[int, int] | None]) -> tuple[Sequence[int | None], Sequence[Any]]:
    """A value column as numerators (None for not applicable) and denominators: a Python back-end's
    Pairs holds them so, and a writer reading them needs no pair per value."""
    if isinstance(values, Pairs):
        return values.parts()
    return [None if v is None else v[0] for v in values], [None if v is None else v[1] for v in values]


def _text(value: Fraction) -> str:
    return _ZERO if not value else fmt(value)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic collector off while a batch's text columns are made, and back as it was.

    Making them allocates tens of thousands of tracked objects (the text caches' keys), and
    each young collection they set off walks every column list made so far, 10,000 items each,
    for no cycle (a batch's helpers hold it by a proxy): 10,000 communities' to_dict spent
    0.015 s in some 30 collections, and 0.010 s in the one left when the collector resumes.
    Left alone when the caller has turned the collector off."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


class ScaledTexts(dict[int, str]):
    """fmt() of points held as ints scaled by the plan's points_scale, each made once."""

    def __init__(self, scale: int) -> None:
        super().__init__()
        self.scale = scale

    def __missing__(self, scaled: int) -> str:
        common = math.gcd(scaled, self.scale)
        text = self[scaled] = fmt_pair(scaled // common, self.scale // common)
        return text


def _value_texts(nums: Sequence[int | None], dens: Sequence[Any]) -> list[str | None]:
    """fmt() of a leaf's values, None where not applicable: a column at a time, in C, through
    the texts of its distinct pairs. 10,000 jittered communities hold some 27,000 distinct
    pairs over their 24 leaves, more than fmt_pair's cache keeps (16,384): a gcd and a cache
    call per value, most of them misses. A leaf's own dict is looked up in C, with no call,
    and makes each distinct pair's text once."""
    return list(map(_PairTexts().__getitem__, zip(nums, dens)))


class _PairTexts(dict[tuple[Any, Any], "str | None"]):
    """fmt() of each (numerator, denominator) of a leaf's values, None for not applicable."""

    def __missing__(self, pair: tuple[Any, Any]) -> str | None:
        num, den = pair
        text = self[pair] = None if num is None else fmt_ratio(num, den)
        return text


class _StarTexts(dict[int | None, str]):
    """fmt() of a leaf's unrounded points for each star count, each made once: "0" for none."""

    def __init__(self, points: p.StarPoints) -> None:
        super().__init__()
        self.points = points

    def __missing__(self, stars: int | None) -> str:
        text = self[stars] = _ZERO if stars is None else fmt(self.points.unrounded(0, 1, stars))
        return text


class _UnroundedTexts(dict[tuple[Any, Any], str]):
    """fmt() of a leaf's unrounded points for each (numerator, denominator) of its values."""

    def __init__(self, points: NodeScores, k: int) -> None:
        super().__init__()
        self.points, self.k = points, k

    def __missing__(self, pair: tuple[Any, Any]) -> str:
        num, den = pair
        text = self[pair] = _ZERO if num is None else fmt(self.points.value_unrounded(self.k, num, den))
        return text


class RowDicts:
    """The to_dict() of any row of one scored batch; its text columns are made on first use."""

    # `scored` is an evaluate.ScoredBatch, typed Any: evaluate imports this module, and the
    # layering test counts an import for types only as an import (no cycles).
    def __init__(self, scored: Any) -> None:
        self.scored = scored
        self.shape = scored.shape
        self.points = scored.points
        self.rows = len(scored.columns)
        self.texts = ScaledTexts(self.shape.plan.points_scale)
        self._node_texts: dict[int, Sequence[str]] = {}
        self._unrounded_texts: dict[int, Sequence[str]] = {}
        self._leaf_texts: dict[int, Sequence[str]] = {}
        self._by_column: dict[int, tuple[Sequence[int], list[str]]] = {}  # id of a column: it, its texts

    # ------------------------------------------------------------ text columns
    def node_texts(self, n: int) -> Sequence[str]:
        """fmt() of node n's points, for every row."""
        found = self._node_texts.get(n)
        if found is None:
            ints = self.points.scaled(n)
            node = self.points.node
            found = (self._scaled_texts(ints) if ints is not None
                     else [fmt(node(n, row)) for row in range(self.rows)])
            self._node_texts[n] = found
        return found

    def unrounded_texts(self, n: int) -> Sequence[str]:
        """fmt() of node n's points before its own rounding, for every row."""
        found = self._unrounded_texts.get(n)
        if found is None:
            node = self.shape.plan.nodes[n]
            if node.leaf is None and self.points.scaled(n) is not None:
                found = self.node_texts(n)  # summed in ints: rounding cannot touch them (nodes.summable)
            elif node.leaf is not None and self.shape.plan.indicators[node.leaf].rounding is None:
                found = self.leaf_texts(node.leaf)
            elif node.leaf is not None and self._by_stars(node.leaf):
                found = self._star_texts(node.leaf)
            elif node.leaf is not None and self._by_value(node.leaf):
                found = self._value_unrounded(node.leaf)
            else:
                unrounded = self.points.unrounded
                found = [fmt(unrounded(n, row)) for row in range(self.rows)]
            self._unrounded_texts[n] = found
        return found

    def _by_stars(self, k: int) -> bool:
        """Whether leaf k's unrounded points follow from its stars alone (nodes.NodeScores._exact)."""
        return isinstance(self.shape.plan.indicators[k].points, p.StarPoints) and k not in self.scored.columns.exact

    def _by_value(self, k: int) -> bool:
        """Whether leaf k's unrounded points follow from its value alone (NodeScores.value_unrounded)."""
        return not isinstance(self.shape.plan.indicators[k].points, p.StarPoints) and k not in self.scored.columns.exact

    def _value_unrounded(self, k: int) -> list[str]:
        """unrounded_texts of a leaf whose unrounded points follow from its value: one text per
        distinct value, "0" where not applicable (NodeScores._exact), mapped in C over the
        values; a call per row cost 0.7 us a row (10,000 communities' deduction: 0.007 s)."""
        texts = _UnroundedTexts(self.points, k)
        return list(map(texts.__getitem__, zip(*value_parts(self.scored.columns.values[k]))))

    def _star_texts(self, k: int) -> list[str]:
        """unrounded_texts of a leaf scored by stars: one text per star count, "0" where not applicable
        (no stars there: ResultColumns), as NodeScores._exact reads them."""
        return list(map(_StarTexts(self.shape.plan.indicators[k].points).__getitem__, self.scored.columns.stars[k]))

    def leaf_texts(self, k: int) -> Sequence[str]:
        """fmt() of leaf k's points, for every row."""
        found = self._leaf_texts.get(k)
        if found is None:
            column = self.scored.columns.points[k]
            if self.shape.plan.indicators[k].scaled:
                found = self._scaled_texts(cast(Sequence[int], column))  # see ResultColumns
            else:
                found = [fmt(Fraction(point)) for point in column]
            self._leaf_texts[k] = found
        return found

    def _scaled_texts(self, ints: Sequence[int]) -> list[str]:
        """fmt() of a column of scaled-int points. A leaf's node holds the very column of its
        leaf's points (NodeScores._leaf), so one map serves both: a list of 10,000 texts fewer
        per leaf to make, and to walk for the collector. The column is kept with its texts, so
        its id stays its own."""
        found = self._by_column.get(id(ints))
        if found is None or found[0] is not ints:
            found = self._by_column[id(ints)] = (ints, list(map(self.texts.__getitem__, ints)))
        return found[1]

    @functools.cached_property
    def all_nodes(self) -> list[tuple[Sequence[str], Sequence[str]]]:
        """The points and unrounded texts of every node the writer reads them for (dictcode.column_nodes)."""
        return [(self.node_texts(n), self.unrounded_texts(n)) for n in column_nodes(self.shape.plan)]

    @functools.cached_property
    def all_values(self) -> list[tuple[Sequence[int | None], Sequence[Any]]]:
        """Each leaf's values as numerators (None for not applicable) and denominators."""
        values = self.scored.columns.values
        return [value_parts(column) for column in values]

    @functools.cached_property
    def actuals(self) -> list[list[Sequence[str]]]:
        """Per level, each requirement's `actual` for every row (ScoredBatch.actual_column)."""
        rule = self.shape.rating_rule
        levels = () if rule is None else rule.levels
        return [[self.scored.actual_column(req) for req in level.requirements] for level in levels]

    @functools.cached_property
    def all_leaves(self) -> list[Sequence[str]]:
        """The points texts of every leaf the writer reads them for (dictcode.column_leaves)."""
        return [self.leaf_texts(k) for k in column_leaves(self.shape.plan)]

    # ------------------------------------------------------------ the writer
    @functools.cached_property
    def value_texts(self) -> list[list[str | None]]:
        """fmt() of each leaf's values, None where not applicable."""
        return [_value_texts(nums, dens) for nums, dens in self.all_values]

    @functools.cached_property
    def writer(self) -> Callable[[int], dict[str, Any]]:
        """Evaluation.to_dict() of any row: the standard's generated writer (dictcode.py) bound
        to this batch's columns. Its helpers hold the batch by the proxy, never strongly (see
        ScoredBatch.objects)."""
        with collector_paused():  # the text columns are made here, on the first row's call
            return self._bind()

    def _bind(self) -> Callable[[int], dict[str, Any]]:
        scored, shape, columns = self.scored, self.shape, self.scored.columns
        ratings = scored.ratings if shape.rated else None
        cohort = scored.cohort
        nodes = self.all_nodes
        return cast(Callable[[int], dict[str, Any]], shape.bind_writer(
            scored.entities, self.value_texts, columns.stars, self.all_leaves,
            [points for points, _ in nodes], [unrounded for _, unrounded in nodes],
            () if ratings is None else ratings.held, self.actuals if ratings is not None else (),
            columns.missing if columns.missing else [()] * self.rows,
            lambda row: [m.to_dict() for m in scored.missing(row)],
            lambda row: _text(scored.missing_share(row)),
            lambda row: scored.missing_actual(row),
            None if cohort is None else cohort.to_dict,
            tuple(columns.exact.items())))
