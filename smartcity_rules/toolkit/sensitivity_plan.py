"""What one draw of a spec's parameters does to a scoring plan: the one definition of it.

`perturbed(plan, parameters, draw)` returns the plan the standard would lower to had its author
written the drawn numbers: a leaf's points (its star table made by lowering's own rule), a
group's points (every leaf inside it scaled alike, deductions kept: they are penalties, not a
share), a leaf's star thresholds shifted, a level's `total >=` bar, a node's aggregation; with
node maxima, the points scale and each leaf's share of the total made again. The exact path
scores that plan with the library (a back-end, NodeScores, Ratings); the fast path
(sensitivity_fast.py) reads its tables from the perturbed leaves this module makes, so the
two cannot mean different things by a draw, and a differential test holds them equal.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import attrs

from ..language.syntax import Compare
from ..plan import scoring as p
from ..plan.lower import points_scale, star_table
from ..plan.semantics import band_scale
from .sensitivity_spec import Parameter

Draw = Sequence[int]  # per parameter, the index of the value drawn


def perturbed(plan: p.ScoringPlan, parameters: Sequence[Parameter], draw: Draw) -> p.ScoringPlan:
    """The plan with every parameter at the drawn value."""
    indicators, nodes = list(plan.indicators), list(plan.nodes)
    levels = list(plan.levels or ())
    for parameter, index in zip(parameters, draw):
        value = parameter.values[index]
        if parameter.kind == "weight":
            _weigh(plan, indicators, nodes, parameter.target, value)
        elif parameter.kind == "threshold" and parameter.level:
            levels[parameter.target] = _bar(levels[parameter.target], value)
        elif parameter.kind == "threshold":
            k = _leaf(plan, parameter.target)
            indicators[k] = shifted(indicators[k], value)
        else:
            nodes[parameter.target] = attrs.evolve(nodes[parameter.target], aggregation=value)
    indicators = _carrying(indicators, nodes)
    return attrs.evolve(plan, indicators=tuple(indicators), nodes=tuple(nodes),
                        levels=None if plan.levels is None else tuple(levels),
                        points_scale=points_scale(indicators))


def _leaf(plan: p.ScoringPlan, n: int) -> int:
    leaf = plan.nodes[n].leaf
    assert leaf is not None, "the spec reader lets only leaves' thresholds vary"
    return leaf


# ------------------------------------------------------------ thresholds
def shifted(item: p.IndicatorPlan, shift: Fraction) -> p.IndicatorPlan:
    """A leaf whose star thresholds all move by `shift`: the bands as lowering makes them."""
    banding = item.banding
    assert banding is not None, "the spec reader lets only banded leaves' thresholds vary"
    thresholds = [Fraction(t, banding.scale) + shift for t in banding.thresholds]
    scale, whole = band_scale(thresholds)
    return attrs.evolve(item, banding=p.Banding(banding.rule, whole, scale))


def _bar(level: p.LevelPlan, bar: Fraction) -> p.LevelPlan:
    """A level whose `total >=` requirements ask for `bar`."""
    requirements = tuple(attrs.evolve(r, threshold=bar) if isinstance(r, p.TotalAtLeast) and r.compare is Compare.GE
                         else r for r in level.requirements)
    return attrs.evolve(level, requirements=requirements)


# ------------------------------------------------------------ weights
def weighted(item: p.IndicatorPlan, maximum: Fraction) -> p.IndicatorPlan:
    """A leaf worth `maximum` points: a star table by lowering's rule, or a linear scale."""
    points = item.points
    if isinstance(points, p.StarPoints):
        return attrs.evolve(item, points=p.StarPoints(star_table(maximum, item.rounding), maximum))
    assert isinstance(points, p.LinearPoints), "the spec reader lets only star and linear points vary"
    return attrs.evolve(item, points=attrs.evolve(points, maximum=maximum))


def factor(node: p.NodePlan, value: Fraction) -> Fraction:
    """What a drawn weight multiplies the points of every leaf at or below a node by: a
    weighted leaf (`weight W`, worth W x total) takes W; any other node, its points."""
    if node.weight is not None:
        return value / node.weight
    assert node.maximum is not None and node.maximum != 0, "the spec reader lets only nodes with points vary"
    return value / node.maximum


def _weigh(plan: p.ScoringPlan, indicators: list[p.IndicatorPlan], nodes: list[p.NodePlan], n: int,
           value: Fraction) -> None:
    """Node n at the drawn weight: a weighted inner node (`weight W`) takes W; any other node
    the drawn points, a group passing the factor on to every node and leaf inside it."""
    node = nodes[n]
    if node.weight is not None and node.leaf is None:
        nodes[n] = attrs.evolve(node, weight=value)
        return
    old, times = node.maximum, factor(node, value)
    assert old is not None
    _scale(indicators, nodes, n, times)
    if node.weight is not None:
        nodes[n] = attrs.evolve(nodes[n], weight=value)
    _lift(plan, nodes, n, old * times - old)


def _scale(indicators: list[p.IndicatorPlan], nodes: list[p.NodePlan], n: int, times: Fraction) -> None:
    """Node n and everything inside it worth `times` its points (deductions unchanged; the
    spec reader refuses a group holding points of any other kind, or a cap)."""
    node = nodes[n]
    if node.leaf is not None:
        item = indicators[node.leaf]
        if isinstance(item.points, (p.StarPoints, p.LinearPoints)):
            indicators[node.leaf] = weighted(item, item.points.maximum * times)
            nodes[n] = attrs.evolve(node, maximum=item.points.maximum * times)
        return
    nodes[n] = attrs.evolve(node, maximum=None if node.maximum is None else node.maximum * times)
    if node.weight is None:
        for m in node.members:
            _scale(indicators, nodes, m, times)


def _lift(plan: p.ScoringPlan, nodes: list[p.NodePlan], n: int, delta: Fraction) -> None:
    """The parents' maxima, up to the first weighted one: a bonus member counts toward none."""
    child = n
    for parent in _parents(plan, n):
        maximum = nodes[parent].maximum
        if nodes[child].bonus or nodes[parent].weight is not None or maximum is None:
            return
        nodes[parent] = attrs.evolve(nodes[parent], maximum=maximum + delta)
        child = parent


def _parents(plan: p.ScoringPlan, n: int) -> list[int]:
    """Node n's ancestors, nearest first."""
    parent_of = {m: k for k, node in enumerate(plan.nodes) for m in node.members}
    found = []
    while n in parent_of:
        n = parent_of[n]
        found.append(n)
    return found


def _carrying(indicators: list[p.IndicatorPlan], nodes: Sequence[p.NodePlan]) -> list[p.IndicatorPlan]:
    """Each leaf's share of the total's maximum, made again from the nodes (lowering's rule)."""
    root = nodes[0]
    top = sum((nodes[m].maximum or Fraction(0) for m in root.members if not nodes[m].bonus), Fraction(0))
    found: dict[int, Fraction] = {}
    pending = [(m, Fraction(1)) for m in root.members if not nodes[m].bonus]
    while pending and top:
        m, factor = pending.pop()
        node = nodes[m]
        factor *= node.weight if node.weight is not None and node.leaf is None else 1
        if node.leaf is not None and node.maximum is not None:
            found[node.leaf] = node.maximum * factor / top
        pending.extend((k, factor) for k in node.members if not nodes[k].bonus)
    return [attrs.evolve(item, carries=found.get(k, Fraction(0))) for k, item in enumerate(indicators)]


