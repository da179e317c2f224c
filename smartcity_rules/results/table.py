"""A table's scores as columns: every node's points, the total and the rating, a column at a time.

What `Standard.evaluate_table` returns. The leaves come from the columnar back-end; the nodes
follow by the one node rule: a node `nodes.summable` covers is its members' scaled ints
summed and capped, as NodeScores sums them, and any other node is NodeScores' own score
over the same columns. The rating restates rating.held over arrays, requirement by
requirement, and the conformance suite holds both to the same ranks on every row.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from ..backends.columnar.exact import LIMIT, Array, product, total, wide
from ..backends.columnar.executor import Scored
from ..language.errors import DataError
from ..language.numbers import fmt
from ..language.syntax import Compare
from ..plan import scoring as p
from ..plan.semantics import COMPARE
from .evaluation import Evaluation, Rows
from .nodes import NodeScores, summable


class TableResult:
    """Scores of a table, one row an entity scored: `kept` maps rows to the table's rows, and
    `errors` holds (row, DataError) for each row left out under keep_going."""

    def __init__(self, scored: Scored, batch: Callable[[slice], Rows]) -> None:
        self.plan = scored.plan
        self.scored = scored
        self._batch = batch
        self.entities: Sequence[str] = scored.entities
        self.kept: Array = scored.kept
        self.errors: tuple[tuple[int, DataError], ...] = scored.errors

    def __len__(self) -> int:
        return self.scored.rows

    # ------------------------------------------------------------ nodes
    @functools.cached_property
    def _nodes(self) -> tuple[list[Array | None], list[Array | None], list[Array]]:
        """Per node: scaled ints (or None), else exact Fractions (or None); and applicability."""
        plan, leaves, rows = self.plan, self.scored.leaves, self.scored.rows
        ints: list[Array | None] = [None] * len(plan.nodes)
        exact: list[Array | None] = [None] * len(plan.nodes)
        applicable: list[Array] = [np.ones(rows, dtype=bool)] * len(plan.nodes)
        for n in reversed(range(len(plan.nodes))):  # members come after their parent
            node = plan.nodes[n]
            if node.leaf is not None:
                leaf = leaves[node.leaf]
                applicable[n] = leaf.applicable
                if plan.indicators[node.leaf].scaled:
                    ints[n] = leaf.points
                else:
                    exact[n] = np.array([Fraction(v) for v in leaf.points.tolist()] or [], dtype=object)
            elif summable(plan, node, [ints[m] is not None for m in node.members]):
                ints[n] = self._sum(node, ints)
                weighed = [applicable[m] for m in node.members if plan.nodes[m].weighs]
                if weighed:
                    applicable[n] = np.any(weighed, axis=0)
            else:
                exact[n], applicable[n] = self._exact_node(n)
        return ints, exact, applicable

    def _sum(self, node: p.NodePlan, ints: list[Array | None]) -> Array:
        found: Array = np.zeros(self.scored.rows, dtype=np.int64)
        for m in node.members:
            found = total(found, ints[m])
        if node.cap is not None:
            found = np.minimum(found, int(node.cap * self.plan.points_scale))
        return found

    def _exact_node(self, n: int) -> tuple[Array, Array]:
        """A node the int rule does not cover: NodeScores' exact score, row by row."""
        scores = self._fallback
        rows = range(self.scored.rows)
        return (np.array([scores.node(n, row) for row in rows], dtype=object),
                np.array([scores.applicable(n, row) for row in rows], dtype=bool))

    @functools.cached_property
    def _fallback(self) -> NodeScores:
        return NodeScores(self.plan, self.scored.result_columns())

    def node_points(self, n: int) -> Array:
        """Node n's points, exact, one Fraction a row (node 0: the total)."""
        ints, exact, _ = self._nodes
        column = ints[n]
        if column is None:
            assert exact[n] is not None
            return exact[n]
        scale = self.plan.points_scale
        cache: dict[int, Fraction] = {}
        return np.array([cache.setdefault(v, Fraction(v, scale)) for v in column.tolist()] or [], dtype=object)

    @functools.cached_property
    def total(self) -> Array:
        """Each row's total, as exact Fractions."""
        return self.node_points(0)

    def _compare_node(self, n: int, compare: Compare, bar: Fraction) -> Array:
        """Node n's points against a number, exactly: scaled ints cross-multiplied."""
        ints = self._nodes[0]
        column = ints[n]
        if column is None:
            return np.array([COMPARE[compare](v, bar) for v in self.node_points(n).tolist()], dtype=bool)
        left, right = product(column, _int(bar.denominator)), bar.numerator * self.plan.points_scale
        return np.asarray(COMPARE[compare](wide(left) if abs(right) >= LIMIT else left, right), dtype=bool)

    # ------------------------------------------------------------ rating
    def _held(self, req: p.RequirementPlan) -> Array:
        """rating.held, a column at a time."""
        leaves, rows = self.scored.leaves, self.scored.rows
        compare = COMPARE[req.compare]
        match req:
            case p.TotalAtLeast(_, threshold):
                return self._compare_node(0, req.compare, threshold)
            case p.EveryLeading(_, stars, members):
                found = np.ones(rows, dtype=bool)
                for k in members:  # not-applicable indicators have no stars to hold to the bar
                    found &= (leaves[k].stars < 0) | compare(leaves[k].stars, stars)
                return found
            case p.IndicatorStars(_, k, stars):
                return np.asarray((leaves[k].stars >= 0) & compare(leaves[k].stars, stars), dtype=bool)
            case p.IndicatorValue(_, k, threshold):
                leaf = leaves[k]
                left = product(leaf.num, _int(threshold.denominator))
                right = product(leaf.den, _int(threshold.numerator))
                return np.asarray(leaf.applicable & compare(left, right), dtype=bool)
            case p.NodePoints(_, n, bar):
                group = self.plan.nodes[n].kind is p.NodeKind.GROUP
                held = self._compare_node(n, req.compare, bar)
                return held if group else held & self._nodes[2][n]
        raise AssertionError(req)

    def _missing_share(self) -> list[Fraction]:
        share = [Fraction(0)] * self.scored.rows
        for row, missing in enumerate(self.scored.missing):
            if missing:
                share[row] = sum((item.carries for item in self.plan.indicators if set(missing) & set(item.reads)),
                                 Fraction(0))
        return share

    def _level(self, level: p.LevelPlan) -> Array:
        """Whether every requirement of a level holds, its implicit ones included."""
        plan = self.plan
        found = np.ones(self.scored.rows, dtype=bool)
        for req in level.requirements:
            found &= self._held(req)
        if plan.unrated_above is not None:
            limit = plan.unrated_above
            found &= np.array([share <= limit for share in self._missing_share()], dtype=bool)
        for override in plan.overrides:
            if override.cap is None or level.rank > override.cap:
                fires = np.ones(self.scored.rows, dtype=bool)
                for req in override.requirements:
                    fires &= self._held(req)
                found &= ~fires if override.requirements else True
        return found

    @functools.cached_property
    def rating(self) -> Array | None:
        """Each row's rating rank (0: unrated), or None when the standard has no rating rule."""
        if self.plan.levels is None:
            return None
        ranks = np.zeros(self.scored.rows, dtype=np.int64)
        open_rows = np.ones(self.scored.rows, dtype=bool)
        for level in self.plan.levels:
            reached = open_rows & self._level(level)
            ranks[reached] = level.rank
            open_rows &= ~reached
        return ranks

    # ------------------------------------------------------------ out
    def stars(self, k: int) -> Array:
        """Leaf k's stars, -1 where it has none (deductions, not applicable)."""
        return self.scored.leaves[k].stars

    def evaluations(self) -> tuple[Evaluation, ...]:
        """The rows as Evaluations, for explain and reports (built from the same columns)."""
        batch = self._batch(slice(None))
        return tuple(Evaluation(batch, row) for row in range(self.scored.rows))

    def iter_evaluations(self, chunk: int = 10_000) -> Iterator[Evaluation]:
        """The same Evaluations, made `chunk` rows at a time: a slice's results are freed once
        its Evaluations are, so a table of any size is written out in bounded memory."""
        for start in range(0, self.scored.rows, chunk):
            batch = self._batch(slice(start, start + chunk))
            yield from (Evaluation(batch, row) for row in range(min(chunk, self.scored.rows - start)))

    def to_numpy(self) -> dict[str, Array]:
        """Columns by name: entity, total and rating, then each leaf's stars and points; exact
        numbers as Fractions in object arrays, stars as int8 with -1 for none."""
        found: dict[str, Array] = {"entity": np.array(list(self.entities), dtype=object), "total": self.total}
        if self.rating is not None:
            found["rating"] = self.rating
        leaf_nodes = {node.leaf: n for n, node in enumerate(self.plan.nodes) if node.leaf is not None}
        for k, item in enumerate(self.plan.indicators):
            found[f"{item.code} stars"] = self.stars(k)
            found[f"{item.code} points"] = self.node_points(leaf_nodes[k])
        return found

    def to_arrow(self) -> Any:
        """A pyarrow Table of the same columns: points and totals as exact decimals where the
        plan's points are tenths, hundredths..., else as exact text; stars null for none."""
        import pyarrow as pa

        leaf_nodes = {node.leaf: n for n, node in enumerate(self.plan.nodes) if node.leaf is not None}
        columns: dict[str, Any] = {"entity": pa.array(list(self.entities), pa.string()), "total": self._points_arrow(0)}
        if self.rating is not None:
            columns["rating"] = pa.array(self.rating, pa.int8())
        for k, item in enumerate(self.plan.indicators):
            stars = self.stars(k)
            columns[f"{item.code} stars"] = pa.array(stars, pa.int8(), mask=stars < 0)
            columns[f"{item.code} points"] = self._points_arrow(leaf_nodes[k])
        return pa.table(columns)

    def to_pandas(self) -> Any:
        return self.to_arrow().to_pandas()

    def _points_arrow(self, n: int) -> Any:
        import pyarrow as pa

        ints = self._nodes[0][n]
        places = next((d for d in range(19) if 10**d % self.plan.points_scale == 0), None)
        if ints is None or places is None or ints.dtype == object:
            return pa.array([fmt(v) for v in self.node_points(n).tolist()], pa.string())
        factor = 10**places // self.plan.points_scale
        if len(ints) and int(np.abs(ints).max()) * factor >= LIMIT:
            return pa.array([fmt(v) for v in self.node_points(n).tolist()], pa.string())
        units = ints.astype(np.int64) * factor
        words = np.empty((len(units), 2), dtype=np.int64)  # a decimal128 is two little-endian words
        words[:, 0], words[:, 1] = units, units >> 63
        return pa.Array.from_buffers(pa.decimal128(38, places), len(units), [None, pa.py_buffer(words)])


def _int(value: int) -> Array:
    return np.array(value, dtype=np.int64 if abs(value) < LIMIT else object)
