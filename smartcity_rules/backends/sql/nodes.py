"""Node scores and the rating in SQL: results/nodes.py and results/rating.py over the leaf columns.

The same rules (semantics.node_score, redistribution, aggregate; the rating's requirements,
vetoes and caps), on exact pairs, so a reader of the SQL gets every node's score, the total
and the rating in the one query. The python side still derives them from the leaf columns
for Evaluations; the tests hold the two to each other. A geometric mean is irrational: it
is refused (`NotCompilable`).
"""

from __future__ import annotations

from fractions import Fraction

import attrs
from sqlglot import exp

from ...language.errors import NotCompilable
from ...language.syntax import Aggregation, Compare
from ...plan import scoring as p
from .compile import Compiler
from .tree import Pair, add, alias, and_, case, cmp, constant, ident, mul, not_, or_, text

Leaf = tuple[Pair, exp.Expression, Pair]  # value, stars, points


@attrs.frozen
class NodeColumns:
    rounded: Pair
    unrounded: Pair
    applicable: exp.Expression


_COMPARE: dict[Compare, type[exp.Binary]] = {Compare.GE: exp.GTE, Compare.GT: exp.GT, Compare.LE: exp.LTE,
                                              Compare.LT: exp.LT}


def refuse_irrational(plan: p.ScoringPlan) -> None:
    for node in plan.nodes:
        if node.aggregation is Aggregation.GEOMETRIC:
            raise NotCompilable(f"`{node.name}` aggregates by a geometric mean, which is irrational: SQL cannot "
                                f"round it exactly; score this standard with the python back-end")


def node_columns(c: Compiler, leaves: list[Leaf]) -> list[NodeColumns]:
    nodes = c.plan.nodes
    found: list[NodeColumns | None] = [None] * len(nodes)
    for n in reversed(range(len(nodes))):  # members come after their parent
        node = nodes[n]
        if node.leaf is not None:
            value, stars, points = leaves[node.leaf]
            applicable = c.st.bind(not_(exp.Is(this=value.num, expression=exp.Null())), "ap")
            found[n] = NodeColumns(points, _unrounded(c, node.leaf, value, stars, points), applicable)
        else:
            found[n] = _inner(c, node, [f for f in found])
    return [f for f in found if f is not None]


def _unrounded(c: Compiler, k: int, value: Pair, stars: exp.Expression, points: Pair) -> Pair:
    """A leaf's points before its rounding (IndicatorPlan.points.unrounded), 0 when not applicable."""
    item = c.plan.indicators[k]
    if item.rounding is None:
        return points
    st = c.st
    match item.points:
        case p.StarPoints(_, maximum):
            exact = Pair(mul(st.big_number(maximum.numerator), exp.Coalesce(this=stars, expressions=[
                exp.Literal.number(0)])), st.big_number(maximum.denominator * 5))
        case p.TablePoints():
            exact = Pair(c.table_points(item.points, value, raw=True), st.big_number(c.table_scale(item.points)))
        case _:
            exact = c.points(attrs.evolve(item, rounding=None), value, stars)
    return c.where(not_(exp.Is(this=value.num, expression=exp.Null())), exact)


def _sum(c: Compiler, pairs: list[Pair]) -> Pair:
    return c.total(pairs) if pairs else Pair(c.st.big_number(0), c.st.big_number(1), True)


def _constant_sum(c: Compiler, maxima: list[Fraction], held: list[exp.Expression]) -> Pair:
    """The sum of the maxima where held, on their common denominator."""
    common = 1
    for m in maxima:
        common = common * m.denominator // _gcd(common, m.denominator)
    terms: exp.Expression = c.st.big_number(0)
    for m, ok in zip(maxima, held):
        terms = add(terms, case((ok, c.st.big_number(int(m * common))), default=c.st.big_number(0)))
    return Pair(c.st.bind(terms, "mx"), c.st.big_number(common))


def _inner(c: Compiler, node: p.NodePlan, found: list[NodeColumns | None]) -> NodeColumns:
    nodes, st = c.plan.nodes, c.st
    members = [found[m] for m in node.members]
    assert all(m is not None for m in members)
    columns = [m for m in members if m is not None]
    weighed = [k for k, m in enumerate(node.members) if nodes[m].weighs]
    maxima = [nodes[node.members[k]].maximum or Fraction(0) for k in weighed]
    held = [columns[k].applicable for k in weighed]
    applicable: exp.Expression = st.bind(or_(*held), "ap") if weighed else exp.true()
    empty: exp.Expression | None = None
    if node.aggregation is None:
        score = _sum(c, [m.rounded for m in columns])
        if node.redistribute and weighed:
            holding = _constant_sum(c, maxima, held)
            whole = sum(maxima, Fraction(0))
            empty = exp.EQ(this=holding.num, expression=exp.Literal.number(0))
            score = c.divide_pairs(c.binary(p.Arith.MUL, score, st.fraction(whole)), holding)
    else:
        used: list[exp.Expression] = held if node.redistribute else [exp.true()] * len(weighed)
        whole = sum(maxima, Fraction(0))
        aggregated = _aggregate(c, node.aggregation, [columns[k].rounded for k in weighed], maxima, used, whole)
        others = [m.rounded for k, m in enumerate(columns) if k not in weighed]
        score = _sum(c, [aggregated, *others])
        if node.redistribute and weighed:
            empty = not_(applicable)
    if node.cap is not None:
        score = c.extreme(False, [score, st.fraction(node.cap)])
    if node.weight is not None:
        score = c.binary(p.Arith.MUL, score, st.fraction(node.weight))
    if empty is not None:  # nothing applicable: the node scores 0
        zero = st.big_number(0)
        score = st.pair(case((empty, zero), default=score.num), case((empty, st.big_number(1)), default=score.den))
    return NodeColumns(c.round(score, node.rounding), score, applicable)


def _aggregate(c: Compiler, aggregation: Aggregation, scores: list[Pair], maxima: list[Fraction],
               used: list[exp.Expression], whole: Fraction) -> Pair:
    """semantics.aggregate over the members where `used`: `whole` x A(score / max), weighted by max."""
    st = c.st
    zero = Pair(st.big_number(0), st.big_number(1), True)
    total = _constant_sum(c, maxima, used)
    nothing = exp.EQ(this=total.num, expression=exp.Literal.number(0))
    normal = [Pair(mul(s.num, st.big_number(m.denominator)), mul(s.den, st.big_number(m.numerator)))
              if m else zero for s, m in zip(scores, maxima)]
    if aggregation is Aggregation.ARITHMETIC:
        taken = _sum(c, [c.where(ok, s) for ok, s in zip(used, scores)])
        result = c.divide_pairs(c.binary(p.Arith.MUL, taken, st.fraction(whole)), total)
        return _unless(c, nothing, result)
    least: Pair | None = None
    for ok, value in zip(used, normal):
        if least is None:
            least = value
            has: exp.Expression = ok
            continue
        smaller = cmp(exp.LT, mul(value.num, least.den), mul(least.num, value.den))
        take = st.bind(and_(ok, or_(not_(has), smaller)), "x")
        least = st.pair(case((take, value.num), default=least.num), case((take, value.den), default=least.den))
        has = st.bind(or_(has, ok), "x")
    assert least is not None
    if aggregation is Aggregation.MINIMUM:
        return _unless(c, nothing, c.binary(p.Arith.MUL, least, st.fraction(whole)))
    refuse_irrational_node = aggregation is not Aggregation.HARMONIC
    if refuse_irrational_node:
        raise NotCompilable("a geometric mean is irrational: SQL cannot round it exactly")
    # whole / sum(w / s) with w = max / total: whole x total / sum(max^2 / score), when every s > 0.
    inverse = _sum(c, [c.where(ok, Pair(mul(st.big_number(m.numerator ** 2), s.den),
                                         mul(st.big_number(m.denominator ** 2), s.num)))
                       for ok, s, m in zip(used, scores, maxima)])
    result = c.divide_pairs(c.binary(p.Arith.MUL, total, st.fraction(whole)), inverse)
    non_positive = cmp(exp.LTE, least.num, exp.Literal.number(0))
    return _unless(c, or_(nothing, non_positive), result)


def _unless(c: Compiler, condition: exp.Expression, value: Pair) -> Pair:
    """0 where the condition holds, else the value (NULL's way: an unknown condition keeps it)."""
    num = c.st.bind(case((condition, c.st.big_number(0)), default=value.num), "n")
    if constant(value.den) is not None:
        return Pair(num, value.den)
    return Pair(num, c.st.bind(case((condition, c.st.big_number(1)), default=value.den), "d"))


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a


# ------------------------------------------------------------------ the rating
def rating_columns(c: Compiler, leaves: list[Leaf], nodes: list[NodeColumns]) -> list[exp.Expression]:
    plan = c.plan
    if plan.levels is None:
        return []
    extras_share = _missing_share(c) if plan.unrated_above is not None else None
    rank: list[tuple[exp.Expression, exp.Expression]] = []
    for level in plan.levels:
        held = [_held(c, req, leaves, nodes) for req in level.requirements]
        if extras_share is not None and plan.unrated_above is not None:
            held.append(_compare(c, Compare.LE, extras_share, plan.unrated_above))
        for override in plan.overrides:
            if override.cap is None or level.rank > override.cap:
                fires = and_(*(_held(c, r, leaves, nodes) for r in override.requirements)) \
                    if override.requirements else exp.true()
                held.append(not_(fires))
        rank.append((c.st.bind(and_(*held) if held else exp.true(), "lv"), exp.Literal.number(level.rank)))
    names = [(condition, text(level.name)) for (condition, _), level in zip(rank, plan.levels)]
    return [alias(case(*rank, default=exp.Literal.number(0)), ident("rating_rank")),
            alias(case(*names), ident("rating"))]


def _compare(c: Compiler, compare: Compare, value: Pair, threshold: Fraction) -> exp.Expression:
    return cmp(_COMPARE[compare], mul(value.num, c.st.big_number(threshold.denominator)),
               mul(c.st.big_number(threshold.numerator), value.den))


def _held(c: Compiler, req: p.RequirementPlan, leaves: list[Leaf], nodes: list[NodeColumns]) -> exp.Expression:
    def present(e: exp.Expression) -> exp.Expression:
        return not_(exp.Is(this=e, expression=exp.Null()))
    match req:
        case p.TotalAtLeast(compare, threshold):
            return _compare(c, compare, nodes[0].rounded, threshold)
        case p.EveryLeading(compare, stars, members):
            each = [or_(exp.Is(this=leaves[k][1], expression=exp.Null()),
                        cmp(_COMPARE[compare], leaves[k][1], exp.Literal.number(stars))) for k in members]
            return and_(*each) if each else exp.true()
        case p.IndicatorStars(compare, k, stars):
            return and_(present(leaves[k][1]), cmp(_COMPARE[compare], leaves[k][1], exp.Literal.number(stars)))
        case p.IndicatorValue(compare, k, threshold):
            return and_(present(leaves[k][0].num), _compare(c, compare, leaves[k][0], threshold))
        case p.NodePoints(compare, n, bar):
            held = _compare(c, compare, nodes[n].rounded, bar)
            return held if c.plan.nodes[n].kind is p.NodeKind.GROUP else and_(nodes[n].applicable, held)
    raise AssertionError(req)


def _missing_share(c: Compiler) -> Pair:
    """The share of the total's maximum carried by leaves reading an input missing in the row."""
    plan, st = c.plan, c.st
    common = 1
    for item in plan.indicators:
        common = common * item.carries.denominator // _gcd(common, item.carries.denominator)
    share: exp.Expression = st.big_number(0)
    for item in plan.indicators:
        missing = [c.slots[k].absent for k in item.reads if k in c.slots and _tracked(plan.slots[k])]
        if missing and item.carries:
            share = add(share, case((or_(*missing), st.big_number(int(item.carries * common))),
                                    default=st.big_number(0)))
    return Pair(st.bind(share, "ms"), st.big_number(common))


def _tracked(slot: p.InputSlot) -> bool:
    return slot.missing.value != "error" or slot.tolerant
