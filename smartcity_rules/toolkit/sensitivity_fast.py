"""Thousands of draws scored at once, in numpy, exactly, from the plan and its semantics.

A leaf's value does not depend on weights or thresholds: the library computes every value once
(`Base`). A draw then changes a few leaves' star thresholds and points, and the nodes above
them. Here every draw of the sample is re-scored at once, in int64 with no float anywhere:

- stars: a leaf's thresholds under each drawn shift come from sensitivity_plan.shifted, as
  whole numbers m on one scale L; `value >= m/L` is `floor(value L) >= m` (semantics.stars),
  so each entity's floor(value L) (or ceiling, for `at most`) is computed once, exactly, and
  compared with every draw's m;
- points: a weighted leaf's star table for each value of its grid comes from
  sensitivity_plan.weighted (lowering's own rule); a draw picks a row, its stars a column;
- nodes: ints over a common denominator, summed, capped, weighted and rounded by
  `round_column`, the twin of semantics.round_score (tested against it);
- ranks: competition ranking of the totals, the twin of semantics.rank_column;
- the rating: rating.held requirement by requirement over the draws.

What does not move is read from the base scores (NodeScores, Ratings). Anything else — a
varied aggregation, redistribution under a varied weight, a cap that moves, a bound that
would leave int64 — raises `Unsupported`, and the caller scores those draws on the exact path.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from ..backends.protocol import ResultColumns
from ..language.syntax import BandRule, Compare, RoundMode
from ..plan import scoring as p
from ..plan.semantics import Rounding, linear_points
from ..results.nodes import NodeScores
from ..results.rating import Ratings, held
from .sensitivity_plan import factor, shifted, weighted
from .sensitivity_spec import Parameter

Array = Any  # a numpy array
_LIMIT = 2**62  # every int the fast path makes stays below it, so int64 never wraps
_COMPARE = {Compare.GE: np.greater_equal, Compare.GT: np.greater, Compare.LE: np.less_equal, Compare.LT: np.less}


class Unsupported(Exception):
    """The fast path cannot score this spec exactly; says why (the exact path can)."""


class Column:
    """A node's or leaf's points for every draw and entity: ints over one denominator, with a
    bound on their magnitude so that no product is made that int64 cannot hold."""

    def __init__(self, ints: Array, den: int, bound: int) -> None:
        if bound * 4 >= _LIMIT or den >= _LIMIT:
            raise Unsupported("the exact points would leave 64-bit integers")
        self.ints, self.den, self.bound = ints, den, bound

    @classmethod
    def of(cls, values: Sequence[Fraction]) -> Column:
        """Constant points, one per entity (a row that broadcasts over the draws)."""
        den = math.lcm(1, *(v.denominator for v in values))
        ints = [int(v * den) for v in values]
        return cls(np.array([ints], dtype=np.int64), den, max((abs(i) for i in ints), default=0))

    def over(self, den: int) -> Array:
        """The ints over a multiple `den` of this column's denominator."""
        times = den // self.den
        Column(self.ints, den, self.bound * times)  # the bound check
        return self.ints * times

    def fractions(self) -> list[list[Fraction]]:
        return [[Fraction(int(v), self.den) for v in row] for row in np.atleast_2d(self.ints)]


def round_column(column: Column, rounding: Rounding | None) -> Column:
    """semantics.round_score over a column: |v| x 10^d / D split into its whole part and rest,
    the rest compared with one half by integers, the sign put back."""
    if rounding is None:
        return column
    scale = 10**rounding.decimals
    Column(column.ints, column.den, column.bound * scale * 2)  # the bound check
    magnitude = np.abs(column.ints) * scale
    whole, rest = np.divmod(magnitude, column.den)
    twice = rest * 2
    if rounding.mode is RoundMode.HALF_UP:
        whole = whole + (twice >= column.den)
    elif rounding.mode is RoundMode.HALF_EVEN:
        whole = whole + ((twice > column.den) | ((twice == column.den) & (whole % 2 == 1)))
    ints = np.where(column.ints >= 0, whole, -whole)
    return Column(ints, scale, column.bound * scale // column.den + 1)


def rank_rows(ints: Array) -> Array:
    """semantics.rank_column for each row (a draw): 1 + the entities with a larger total."""
    return 1 + (ints[:, None, :] > ints[:, :, None]).sum(axis=2)


class Base:
    """The cohort scored once by the library: every leaf's value, stars and points, and the
    nodes and rating these give; what the draws do not move is read from here."""

    def __init__(self, plan: p.ScoringPlan, columns: ResultColumns) -> None:
        self.plan = plan
        self.columns = columns
        self.scores = NodeScores(plan, columns)
        self.ratings = None if plan.levels is None else Ratings(plan, columns, self.scores)
        self.rows = len(columns)

    def node(self, n: int) -> Column:
        return Column.of([self.scores.node(n, row) for row in range(self.rows)])

    def held(self, req: p.RequirementPlan) -> Array:
        return np.array([held(req, self.columns, self.scores)], dtype=bool)


class FastScorer:
    """The draws of one spec, scored at once; built once per run (tables per grid value)."""

    def __init__(self, base: Base, parameters: Sequence[Parameter]) -> None:
        self.base, self.plan, self.parameters = base, base.plan, tuple(parameters)
        plan = self.plan
        self.weight_of: dict[int, int] = {}  # leaf node -> the parameter weighing it
        self.node_weight: dict[int, int] = {}  # weighted inner node -> its parameter
        self.shift_of: dict[int, int] = {}  # leaf index -> the parameter shifting its thresholds
        self.bars: dict[int, int] = {}  # level index -> the parameter giving its bar
        for j, parameter in enumerate(self.parameters):
            node = plan.nodes[parameter.target] if not parameter.level else None
            if parameter.kind == "method":
                raise Unsupported(f"`{parameter.name}` varies an aggregation")
            if parameter.kind == "threshold" and parameter.level:
                self.bars[parameter.target] = j
            elif parameter.kind == "threshold":
                assert node is not None and node.leaf is not None
                self.shift_of[node.leaf] = j
            elif node is not None and node.weight is not None and node.leaf is None:
                self.node_weight[parameter.target] = j
            else:
                self._weighs(parameter.target, j)
        self.live = self._live()
        if plan.unrated_above is not None and (self.weight_of or self.node_weight) and any(base.columns.missing):
            raise Unsupported("a varied weight moves the share `unrated when missing` counts")

    def _weighs(self, n: int, j: int) -> None:
        node = self.plan.nodes[n]
        if node.cap is not None and node.leaf is None:
            raise Unsupported(f"`{self.parameters[j].name}` moves a cap")
        if node.leaf is not None:
            if isinstance(self.plan.indicators[node.leaf].points, (p.StarPoints, p.LinearPoints)):
                self.weight_of[n] = j  # a deduction inside a weighted group keeps its points
        elif node.weight is None:
            for m in node.members:
                self._weighs(m, j)

    def _live(self) -> set[int]:
        """The nodes some draw moves: varied leaves and weights, and every node above them."""
        plan = self.plan
        moved = {n for n, node in enumerate(plan.nodes) if node.leaf in self.shift_of}
        moved |= set(self.weight_of) | set(self.node_weight)
        parent_of = {m: k for k, node in enumerate(plan.nodes) for m in node.members}
        live: set[int] = set()
        for n in moved:
            while n not in live:
                live.add(n)
                if n not in parent_of:
                    break
                n = parent_of[n]
        return live

    # ------------------------------------------------------------ scoring
    def score(self, draws: Array) -> tuple[Column, Array | None, dict[int, Array]]:
        """The totals, the rating ranks (None without a rating) and the moved leaves' stars,
        for every draw (a row of parameter indices) and entity."""
        stars: dict[int, Array] = {}
        nodes: dict[int, Column] = {}
        for n in sorted(self.live, reverse=True):  # members come after their parent
            nodes[n] = self._node(n, draws, stars, nodes)
        total = nodes[0] if 0 in nodes else self._broadcast(self.base.node(0), len(draws))
        ratings = None if self.plan.levels is None else self._rating(draws, stars, nodes, total)
        return total, ratings, stars

    def _broadcast(self, column: Column, count: int) -> Column:
        return Column(np.broadcast_to(column.ints, (count, self.base.rows)).copy(), column.den, column.bound)

    def _node(self, n: int, draws: Array, stars: dict[int, Array], nodes: dict[int, Column]) -> Column:
        node = self.plan.nodes[n]
        if node.leaf is not None:
            return self._leaf(n, node.leaf, draws, stars)
        if node.aggregation is not None or node.redistribute:
            raise Unsupported(f"node {node.name!r} aggregates or redistributes members whose points move")
        members = [nodes[m] if m in nodes else self.base.node(m) for m in node.members]
        den = math.lcm(1, *(c.den for c in members))
        ints = sum((c.over(den) for c in members), np.zeros((1, self.base.rows), dtype=np.int64))
        column = Column(np.broadcast_to(ints, (len(draws), self.base.rows)), den, sum(c.bound * (den // c.den)
                                                                                    for c in members))
        if node.cap is not None:
            cap = node.cap * column.den
            if cap.denominator != 1:
                column = Column(column.ints * cap.denominator, column.den * cap.denominator,
                                column.bound * cap.denominator)
                cap = node.cap * column.den
            column = Column(np.minimum(column.ints, int(cap)), column.den, column.bound)
        column = self._weight(n, node, column, draws)
        return round_column(column, node.rounding)

    def _weight(self, n: int, node: p.NodePlan, column: Column, draws: Array) -> Column:
        if n in self.node_weight:
            j = self.node_weight[n]
            values = self.parameters[j].values
            den = math.lcm(1, *(v.denominator for v in values))
            ints = np.array([int(v * den) for v in values], dtype=np.int64)
            top = max(abs(int(i)) for i in ints)
            Column(column.ints, column.den * den, column.bound * top)  # the bound check
            return Column(column.ints * ints[draws[:, j]][:, None], column.den * den, column.bound * top)
        if node.weight is None:
            return column
        weight = node.weight
        return Column(column.ints * weight.numerator, column.den * weight.denominator,
                      column.bound * abs(weight.numerator))

    # ------------------------------------------------------------ leaves
    def _leaf(self, n: int, k: int, draws: Array, stars: dict[int, Array]) -> Column:
        item = self.plan.indicators[k]
        columns = self.base.columns
        applicable = np.array([v is not None for v in columns.values[k]], dtype=bool)
        if k in self.shift_of:
            stars[k] = self._stars(k, item, draws[:, self.shift_of[k]], applicable)
        if n not in self.weight_of:
            if isinstance(item.points, p.StarPoints) and k in stars:
                return self._table([item], np.zeros(len(draws), dtype=np.int64), stars[k], applicable)
            return self._broadcast(self.base.node(n), len(draws))
        j = self.weight_of[n]
        parameter = self.parameters[j]
        target = self.plan.nodes[parameter.target]
        assert isinstance(item.points, (p.StarPoints, p.LinearPoints))
        grid = [weighted(item, item.points.maximum * factor(target, value)) for value in parameter.values]
        if isinstance(item.points, p.LinearPoints):
            return self._linear(k, grid, draws[:, j], applicable)
        found = stars[k] if k in stars else np.array(
            [[-1 if s is None else s for s in columns.stars[k]]], dtype=np.int64)
        return self._table(grid, draws[:, j], found, applicable)

    def _table(self, grid: Sequence[p.IndicatorPlan], picks: Array, stars: Array, applicable: Array) -> Column:
        """Star points: row `picks` (the drawn weight) of the tables, column `stars`; 0 where
        not applicable (as the back-ends score a leaf without a value)."""
        tables = [item.points.table for item in grid if isinstance(item.points, p.StarPoints)]
        den = math.lcm(1, *(v.denominator for table in tables for v in table))
        ints = np.array([[int(v * den) for v in table] for table in tables], dtype=np.int64)
        chosen = ints[picks[:, None], np.maximum(stars, 0)]
        return Column(np.where(applicable & (stars >= 0), chosen, 0), den, int(np.abs(ints).max()))

    def _linear(self, k: int, grid: Sequence[p.IndicatorPlan], picks: Array, applicable: Array) -> Column:
        """Linear points for every grid value and entity, by semantics.linear_points; a draw picks a row."""
        values = self.base.columns.values[k]
        table = []
        for item in grid:
            points = item.points
            assert isinstance(points, p.LinearPoints)
            table.append([Fraction(0) if v is None else linear_points(v[0], v[1], points.low, points.high,
                                                                       points.maximum, item.rounding)
                          for v in values])
        den = math.lcm(1, *(v.denominator for row in table for v in row))
        ints = [[int(v * den) for v in row] for row in table]
        bound = max((abs(i) for row in ints for i in row), default=0)
        Column(np.zeros(1, dtype=np.int64), den, bound)  # the bound check, before int64 is made
        return Column(np.array(ints, dtype=np.int64)[picks], den, bound)

    def _stars(self, k: int, item: p.IndicatorPlan, picks: Array, applicable: Array) -> Array:
        """Stars under each draw's thresholds: each entity's floor(value L) (ceiling for `at
        most`) against every threshold m on the common scale L, as semantics.stars decides."""
        parameter = self.parameters[self.shift_of[k]]
        bandings = [shifted(item, shift).banding for shift in parameter.values]
        scale = math.lcm(1, *(b.scale for b in bandings if b is not None))
        rule = item.banding.rule if item.banding is not None else BandRule.AT_LEAST
        thresholds = [[m * (scale // b.scale) for m in b.thresholds] for b in bandings if b is not None]
        low = min(min(row) for row in thresholds) - 1
        high = max(max(row) for row in thresholds) + 1
        Column(np.zeros(1, dtype=np.int64), 1, max(abs(low), abs(high)))  # the bound check
        keys = np.array([[min(max(key, low), high) for key in self._keys(k, rule, scale)]], dtype=np.int64)
        chosen = np.array(thresholds, dtype=np.int64)[picks]  # (draws, 5)
        if rule is BandRule.AT_LEAST:
            reached = (chosen[:, None, :] <= keys[:, :, None]).sum(axis=2)
        else:
            reached = (chosen[:, None, :] >= keys[:, :, None]).sum(axis=2)
        return np.where(applicable, reached, -1)

    def _keys(self, k: int, rule: BandRule, scale: int) -> list[int]:
        """floor(value x L) for `at least`, ceil(value x L) for `at most`: exactly, per entity
        (0 for an entity without a value, which has no stars)."""
        columns = self.base.columns
        exact = columns.exact.get(k)
        found = []
        for row, value in enumerate(columns.values[k]):
            surd = None if exact is None else exact[row]
            if value is None:
                found.append(0)
            elif surd is not None:
                found.append((surd * scale).floor() if rule is BandRule.AT_LEAST else (surd * scale).ceil())
            elif rule is BandRule.AT_LEAST:
                found.append(value[0] * scale // value[1])
            else:
                found.append(-(-value[0] * scale // value[1]))
        return found

    # ------------------------------------------------------------ rating
    def _rating(self, draws: Array, stars: dict[int, Array], nodes: dict[int, Column], total: Column) -> Array:
        """Ratings.ranks over the draws: the first level listed whose requirements all hold."""
        plan = self.plan
        assert plan.levels is not None and self.base.ratings is not None
        count, rows = len(draws), self.base.rows
        ranks = np.zeros((count, rows), dtype=np.int64)
        open_rows = np.ones((count, rows), dtype=bool)
        for index, level in enumerate(plan.levels):
            reached = np.ones((count, rows), dtype=bool)
            for req in level.requirements:
                reached &= self._held(req, draws, stars, nodes, total, self.bars.get(index))
            for extra_index, column in self.base.ratings.extras[index]:
                if extra_index is None:  # enough data: constant, the share checked unmoved above
                    reached &= np.array([column], dtype=bool)
                else:
                    override = plan.overrides[extra_index]
                    fires = np.ones((count, rows), dtype=bool)
                    for req in override.requirements:
                        fires &= self._held(req, draws, stars, nodes, total, None)
                    reached &= ~fires if override.requirements else True
            hit = open_rows & reached
            ranks[hit] = level.rank
            open_rows &= ~hit
        return ranks

    def _held(self, req: p.RequirementPlan, draws: Array, stars: dict[int, Array], nodes: dict[int, Column],
              total: Column, bar: int | None) -> Array:
        compare = _COMPARE[req.compare]
        match req:
            case p.TotalAtLeast(_, threshold):
                if bar is not None and req.compare is Compare.GE:
                    return self._against(total, self.parameters[bar].values, draws[:, bar], compare)
                return self._against(total, (threshold,), np.zeros(len(draws), dtype=np.int64), compare)
            case p.EveryLeading(_, count, members):
                found = np.ones((1, self.base.rows), dtype=bool)
                for k in members:
                    s = self._stars_of(k, stars)
                    found = found & ((s < 0) | compare(s, count))
                return found
            case p.IndicatorStars(_, k, count):
                s = self._stars_of(k, stars)
                return (s >= 0) & compare(s, count)
            case p.NodePoints(_, n, points) if n in nodes:
                found = self._against(nodes[n], (points,), np.zeros(len(draws), dtype=np.int64), compare)
                if self.plan.nodes[n].kind is p.NodeKind.GROUP:
                    return found
                return found & np.array([self.base.scores.held(n)], dtype=bool)
        return self.base.held(req)

    def _stars_of(self, k: int, stars: dict[int, Array]) -> Array:
        if k in stars:
            return stars[k]
        return np.array([[-1 if s is None else s for s in self.base.columns.stars[k]]], dtype=np.int64)

    def _against(self, column: Column, bars: Sequence[Fraction], picks: Array, compare: Any) -> Array:
        """column CMP bar, exactly: ints x bar's denominator against bar's numerator x D."""
        den = math.lcm(1, *(b.denominator for b in bars))
        tops = np.array([int(b * den) for b in bars], dtype=np.int64)
        Column(column.ints, column.den * den, column.bound * den)  # the bound checks
        Column(tops, 1, int(np.abs(tops).max()) * column.den)
        return compare(column.ints * den, (tops * column.den)[picks][:, None])
