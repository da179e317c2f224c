"""Node scores, decided once over result columns: groups, indicators made of items, the total.

Back-ends score the leaves; every node above them follows by one rule (semantics.node_score),
applied here for every back-end, a whole column at a time, children before parents.
"""

from __future__ import annotations

from fractions import Fraction
from typing import cast

from ..backends.protocol import ResultColumns
from ..plan import scoring as p
from ..plan.semantics import aggregate, node_score, redistribution, table_row


class NodeScores:
    """Exact points of every leaf and node of a batch, rounded and unrounded, computed on
    first use, a whole column at a time.

    A node whose members are all scaled ints (see ResultColumns) and which only sums them,
    under a cap and a rounding that cannot touch multiples of 1/points_scale, is summed in
    ints too: Shandong-like standards never build a Fraction but for the values read. Every
    other node takes the exact rule over Fractions."""

    def __init__(self, plan: p.ScoringPlan, columns: ResultColumns) -> None:
        self.plan = plan
        self.columns = columns
        self._fractions: dict[int, Fraction] = {}
        self._by_stars: dict[tuple[int, int | None], Fraction] = {}
        self._ints: list[list[int] | None] | None = None  # per node: scaled ints, or None
        self._rounded: list[list[Fraction]] = []
        self._unrounded: list[list[Fraction]] = []
        self._applicable: list[list[bool]] = []

    def indicator(self, k: int, row: int) -> Fraction:
        point = self.columns.points[k][row]
        if not self.plan.indicators[k].scaled:
            return Fraction(point)
        return self._fraction(cast(int, point))  # the plan says so: see ResultColumns

    def _fraction(self, scaled: int) -> Fraction:
        exact = self._fractions.get(scaled)
        if exact is None:
            exact = self._fractions.setdefault(scaled, Fraction(scaled, self.plan.points_scale))
        return exact

    def node(self, n: int, row: int) -> Fraction:
        ints = self._columns()[n]
        return self._fraction(ints[row]) if ints is not None else self._rounded[n][row]

    def unrounded(self, n: int, row: int) -> Fraction:
        node = self.plan.nodes[n]
        if node.leaf is not None:
            return self._exact(node.leaf, row)
        ints = self._columns()[n]
        return self._fraction(ints[row]) if ints is not None else self._unrounded[n][row]

    def total(self, row: int) -> Fraction:
        return self.node(0, row)

    def _exact(self, k: int, row: int) -> Fraction:
        """A leaf's points before its rounding, from its value and stars."""
        item = self.plan.indicators[k]
        if item.rounding is None:
            return self.indicator(k, row)
        value, stars = self.columns.values[k][row], self.columns.stars[k][row]
        if value is None:
            return Fraction(0)
        exact = self.columns.exact[k][row] if k in self.columns.exact else None
        if exact is not None and isinstance(item.points, p.TablePoints):
            return item.points.rows[table_row(item.points.rows, exact)][4]  # the row of the exact value
        if isinstance(item.points, p.StarPoints):  # six possible values: made once each, not per row
            key = (k, stars)
            found = self._by_stars.get(key)
            if found is None:
                found = self._by_stars.setdefault(key, item.points.unrounded(value[0], value[1], stars))
            return found
        return item.points.unrounded(value[0], value[1], stars)

    def missing_share(self, row: int) -> Fraction:
        """The share of the total's maximum carried by leaves that read an input missing in
        this row (filled in, or making them not applicable)."""
        if not self.columns.missing:
            return Fraction(0)
        missing = set(self.columns.missing[row])
        return sum((item.carries for item in self.plan.indicators if missing.intersection(item.reads)), Fraction(0))

    def applicable(self, n: int, row: int) -> bool:
        self._columns()
        return self._applicable[n][row]

    def _summable(self, node: p.NodePlan, ints: list[list[int] | None]) -> bool:
        """Whether the node is a plain sum of int columns that its cap and rounding cannot leave."""
        scale = self.plan.points_scale
        plain = node.aggregation is None and not node.redistribute and node.weight is None
        capped = node.cap is None or (node.cap * scale).denominator == 1
        rounded = node.rounding is None or 10**node.rounding.decimals % scale == 0
        return plain and capped and rounded and all(ints[m] is not None for m in node.members)

    def _columns(self) -> list[list[int] | None]:
        if self._ints is not None:
            return self._ints
        nodes = self.plan.nodes
        count = len(nodes)
        ints: list[list[int] | None] = [None] * count
        self._rounded = [[] for _ in nodes]
        self._unrounded = [[] for _ in nodes]
        self._applicable = [[] for _ in nodes]
        for n in reversed(range(count)):  # members come after their parent
            node = nodes[n]
            if node.leaf is not None:
                self._leaf(n, node.leaf, ints)
            elif self._summable(node, ints):
                ints[n] = self._int_sum(node, ints)
                self._applicable[n] = self._held(node, self._applicable)
            else:
                self._exact_node(n, node, ints)
        self._ints = ints
        return ints

    def _leaf(self, n: int, k: int, ints: list[list[int] | None]) -> None:
        values = self.columns.values[k]
        self._applicable[n] = [value is not None for value in values]
        if self.plan.indicators[k].scaled:
            ints[n] = cast(list[int], list(self.columns.points[k]))
        else:
            self._rounded[n] = [self.indicator(k, row) for row in range(len(self.columns))]

    def _int_sum(self, node: p.NodePlan, ints: list[list[int] | None]) -> list[int]:
        columns = [cast(list[int], ints[m]) for m in node.members]
        sums = [sum(row) for row in zip(*columns)] if columns else [0] * len(self.columns)
        if node.cap is not None:
            cap = int(node.cap * self.plan.points_scale)
            sums = [min(total, cap) for total in sums]
        return sums

    def _held(self, node: p.NodePlan, applicable: list[list[bool]]) -> list[bool]:
        weighed = [m for m in node.members if self.plan.nodes[m].weighs]
        if not weighed:
            return [True] * len(self.columns)
        return [any(applicable[m][row] for m in weighed) for row in range(len(self.columns))]

    def _value(self, m: int, row: int, ints: list[list[int] | None]) -> Fraction:
        column = ints[m]
        return self._fraction(column[row]) if column is not None else self._rounded[m][row]

    def _exact_node(self, n: int, node: p.NodePlan, ints: list[list[int] | None]) -> None:
        nodes = self.plan.nodes
        weighed = [m for m in node.members if nodes[m].weighs]
        maxima = [nodes[m].maximum or Fraction(0) for m in weighed]
        others = [m for m in node.members if m not in weighed]
        for row in range(len(self.columns)):
            held = [self._applicable[m][row] for m in weighed]
            self._applicable[n].append(not weighed or any(held))
            scale = redistribution(maxima, held) if node.redistribute else None
            if node.redistribute and scale is None and weighed:
                self._unrounded[n].append(Fraction(0))  # nothing applicable: the node is not applicable
                self._rounded[n].append(Fraction(0))
                continue
            if node.aggregation is None:
                members = [self._value(m, row, ints) for m in node.members]
            else:
                used = [m for m, ok in zip(weighed, held) if ok or not node.redistribute]
                members = [aggregate(node.aggregation, [self._value(m, row, ints) for m in used],
                                     [nodes[m].maximum or Fraction(0) for m in used], sum(maxima, Fraction(0)),
                                     node.rounding), *(self._value(m, row, ints) for m in others)]
                scale = None  # the aggregate already takes the applicable members' weights
            raw, score = node_score(members, node.cap, node.weight, node.rounding, scale)
            self._unrounded[n].append(raw)
            self._rounded[n].append(score)
