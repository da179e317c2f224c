"""Node scores, decided once over result columns: groups, indicators made of items, the total.

Back-ends score the leaves; every node above them follows by one rule (semantics.node_score),
applied here for every back-end, a whole column at a time, children before parents.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any, cast

from ..backends.protocol import ResultColumns
from ..plan import scoring as p
from ..plan.semantics import aggregate, node_score, redistribution, table_row

_NONE_MISSING = Fraction(0)


def summable(plan: p.ScoringPlan, node: p.NodePlan, ints: Sequence[bool]) -> bool:
    """Whether a node is a plain sum of its members' scaled-int columns (`ints`, per member)
    that its cap and rounding cannot leave: the rule that lets a back-end sum ints."""
    scale = plan.points_scale
    plain = node.aggregation is None and not node.redistribute and node.weight is None
    capped = node.cap is None or (node.cap * scale).denominator == 1
    rounded = node.rounding is None or 10**node.rounding.decimals % scale == 0
    return plain and capped and rounded and all(ints)


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
        self._fractions = _Scaled(plan.points_scale)
        self._scaled = tuple(item.scaled for item in plan.indicators)
        self._ints: list[Sequence[int] | None] | None = None  # per node: scaled ints, or None
        self._by_stars: dict[tuple[int, int | None], Fraction] = {}
        self._by_value: dict[tuple[int, int, int], Fraction] = {}  # a leaf's value -> its unrounded points
        self._rounded: list[list[Fraction]] = []
        self._unrounded: list[list[Fraction]] = []
        self._applicable: dict[int, list[bool]] = {}  # per node, on first use

    def indicator(self, k: int, row: int) -> Fraction:
        point = self.columns.points[k][row]
        if not self._scaled[k]:
            return Fraction(point)
        return self._fractions[cast(int, point)]  # the plan says it is a scaled int: see ResultColumns

    def leaves(self, row: int) -> list[Fraction]:
        """indicator(k, row) for every leaf k, at the cost of a lookup each."""
        fractions: dict[Any, Fraction] = self._fractions  # the scaled points are ints: see ResultColumns
        return [fractions[point] if scaled else point if type(point) is Fraction else Fraction(point)
                for scaled, point in zip(self._scaled, [column[row] for column in self.columns.points])]

    def _fraction(self, scaled: int) -> Fraction:
        return self._fractions[scaled]

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
        return self.value_unrounded(k, value[0], value[1], stars)

    def value_unrounded(self, k: int, num: int, den: int, stars: int | None = None) -> Fraction:
        """Leaf k's points before its rounding, for a value: what _exact gives a row with that
        value, for a leaf not scored by stars and not irrational in the row (its points follow
        from its value alone, whatever `stars`)."""
        # Fraction arithmetic costs half a record's scoring, and such leaves (deductions: counts of
        # incidents) take few values: each made once per batch.
        by_value = (k, num, den)
        found = self._by_value.get(by_value)
        if found is None:
            found = self._by_value.setdefault(by_value, self.plan.indicators[k].points.unrounded(num, den, stars))
        return found

    def missing_share(self, row: int) -> Fraction:
        """The share of the total's maximum carried by leaves that read an input missing in
        this row (filled in, or making them not applicable)."""
        if not self.columns.missing or not self.columns.missing[row]:
            return _NONE_MISSING
        missing = set(self.columns.missing[row])
        return sum((item.carries for item in self.plan.indicators if missing.intersection(item.reads)), Fraction(0))

    def applicable(self, n: int, row: int) -> bool:
        return self.held(n)[row]

    def scaled(self, n: int) -> Sequence[int] | None:
        """Node n's points for every row as ints scaled by plan.points_scale, when it is summed
        in ints (see the class); None when its points are Fractions."""
        return self._columns()[n]

    def held(self, n: int) -> list[bool]:
        """Whether node n is applicable, for every row: a leaf when it has a value, an inner
        node when one of its weighed members is (or when it has none)."""
        found = self._applicable.get(n)
        if found is None:
            node = self.plan.nodes[n]
            if node.leaf is not None:
                found = [value is not None for value in self.columns.values[node.leaf]]
            else:
                weighed = [self.held(m) for m in node.members if self.plan.nodes[m].weighs]
                found = list(map(any, zip(*weighed))) if weighed else [True] * len(self.columns)
            self._applicable[n] = found
        return found

    def _columns(self) -> list[Sequence[int] | None]:
        if self._ints is not None:
            return self._ints
        nodes = self.plan.nodes
        count = len(nodes)
        ints: list[Sequence[int] | None] = [None] * count
        self._rounded = [[] for _ in nodes]
        self._unrounded = [[] for _ in nodes]
        for n in reversed(range(count)):  # members come after their parent
            node = nodes[n]
            if node.leaf is not None:
                self._leaf(n, node.leaf, ints)
            elif summable(self.plan, node, [ints[m] is not None for m in node.members]):
                ints[n] = self._int_sum(node, ints)
            else:
                self._exact_node(n, node, ints)
        self._ints = ints
        return ints

    def _leaf(self, n: int, k: int, ints: list[Sequence[int] | None]) -> None:
        if self.plan.indicators[k].scaled:
            ints[n] = cast(Sequence[int], self.columns.points[k])
        else:
            self._rounded[n] = [self.indicator(k, row) for row in range(len(self.columns))]

    def _int_sum(self, node: p.NodePlan, ints: list[Sequence[int] | None]) -> list[int]:
        columns = [cast(Sequence[int], ints[m]) for m in node.members]
        sums = list(map(sum, zip(*columns))) if columns else [0] * len(self.columns)
        if node.cap is not None:
            cap = int(node.cap * self.plan.points_scale)
            sums = [min(total, cap) for total in sums]
        return sums

    def _value(self, m: int, row: int, ints: list[Sequence[int] | None]) -> Fraction:
        column = ints[m]
        return self._fraction(column[row]) if column is not None else self._rounded[m][row]

    def _exact_node(self, n: int, node: p.NodePlan, ints: list[Sequence[int] | None]) -> None:
        nodes = self.plan.nodes
        weighed = [m for m in node.members if nodes[m].weighs]
        maxima = [nodes[m].maximum or Fraction(0) for m in weighed]
        others = [m for m in node.members if m not in weighed]
        member_held = [self.held(m) for m in weighed]
        for row in range(len(self.columns)):
            held = [column[row] for column in member_held]
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


class _Scaled(dict[int, Fraction]):
    """Scaled int points -> their Fractions, each made once: a batch's points take few values."""

    def __init__(self, scale: int) -> None:
        super().__init__()
        self.scale = scale

    def __missing__(self, scaled: int) -> Fraction:
        exact = self[scaled] = Fraction(scaled, self.scale)
        return exact
