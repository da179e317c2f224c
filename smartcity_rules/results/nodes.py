"""Node scores, decided once over result columns: groups, indicators made of items, the total.

Back-ends score the leaves; every node above them follows by one rule (semantics.node_score),
applied here for every back-end, a whole column at a time, children before parents.
"""

from __future__ import annotations

from fractions import Fraction
from typing import cast

from ..backends.protocol import ResultColumns
from ..plan import scoring as p
from ..plan.semantics import aggregate, node_score, redistribution


class NodeScores:
    """Exact points of every leaf and node of a batch, rounded and unrounded, computed on
    first use; scaled ints become Fractions, each value once."""

    def __init__(self, plan: p.ScoringPlan, columns: ResultColumns) -> None:
        self.plan = plan
        self.columns = columns
        self._fractions: dict[int, Fraction] = {}
        self._rounded: list[list[Fraction]] | None = None
        self._unrounded: list[list[Fraction]] = []
        self._applicable: list[list[bool]] = []

    def indicator(self, k: int, row: int) -> Fraction:
        point = self.columns.points[k][row]
        if not self.plan.indicators[k].scaled:
            return Fraction(point)
        scaled = cast(int, point)  # the plan says so: see ResultColumns
        exact = self._fractions.get(scaled)
        if exact is None:
            exact = self._fractions.setdefault(scaled, Fraction(scaled, self.plan.points_scale))
        return exact

    def node(self, n: int, row: int) -> Fraction:
        return self._columns()[n][row]

    def unrounded(self, n: int, row: int) -> Fraction:
        self._columns()
        return self._unrounded[n][row]

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

    def _columns(self) -> list[list[Fraction]]:
        if self._rounded is not None:
            return self._rounded
        nodes = self.plan.nodes
        rows = range(len(self.columns))
        rounded: list[list[Fraction]] = [[] for _ in nodes]
        unrounded: list[list[Fraction]] = [[] for _ in nodes]
        applicable: list[list[bool]] = [[] for _ in nodes]
        for n in reversed(range(len(nodes))):  # members come after their parent
            node = nodes[n]
            if node.leaf is not None:
                rounded[n] = [self.indicator(node.leaf, row) for row in rows]
                unrounded[n] = [self._exact(node.leaf, row) for row in rows]
                applicable[n] = [value is not None for value in self.columns.values[node.leaf]]
                continue
            weighed = [m for m in node.members if nodes[m].maximum is not None and not nodes[m].bonus]
            maxima = [nodes[m].maximum or Fraction(0) for m in weighed]
            others = [m for m in node.members if m not in weighed]
            for row in rows:
                held = [applicable[m][row] for m in weighed]
                applicable[n].append(not weighed or any(held))
                scale = redistribution(maxima, held) if node.redistribute else None
                if node.redistribute and scale is None and weighed:
                    unrounded[n].append(Fraction(0))  # nothing applicable: the node is not applicable
                    rounded[n].append(Fraction(0))
                    continue
                if node.aggregation is None:
                    members = [rounded[m][row] for m in node.members]
                else:
                    used = [m for m, ok in zip(weighed, held) if ok or not node.redistribute]
                    members = [aggregate(node.aggregation, [rounded[m][row] for m in used],
                                         [nodes[m].maximum or Fraction(0) for m in used], sum(maxima, Fraction(0)),
                                         node.rounding), *(rounded[m][row] for m in others)]
                    scale = None  # the aggregate already takes the applicable members' weights
                raw, score = node_score(members, node.cap, node.weight, node.rounding, scale)
                unrounded[n].append(raw)
                rounded[n].append(score)
        self._rounded, self._unrounded, self._applicable = rounded, unrounded, applicable
        return rounded
