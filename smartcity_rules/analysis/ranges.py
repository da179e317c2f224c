"""Bounds the values of formulas with exact interval arithmetic: part of the analysis stage (analysis.py).

Each input ranges over its kind's domain (a rate from 0 to 1, a rank from 1 up, a score
over its declared range), and each formula form combines its operands' ranges.  The
bounds are exact Fractions; an end with no bound is a float infinity.  reachability.py
judges bands, points and the rating against these ranges.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from fractions import Fraction

import attrs

from ..language import syntax as s
from ..language.numbers import ratio
from ..language.syntax import Function, walk
from ..plan.semantics import DOMAINS, Domain, domain
from ..plan.surds import square_root

Bound = Fraction | float  # float only for +/-inf
DIVIDING_CALLS = frozenset({Function.RATIO, Function.GROWTH, Function.SHARE, Function.ZSCORE})
_ROOT_BITS = 20  # a root's range is bounded outward within 2^-20 where it is irrational


def fmt(value: Bound, percent: bool = False) -> str:
    """A bound as the standard writes numbers: 3/4, 75%, or "unbounded"."""
    if isinstance(value, float):
        return "unbounded" if value > 0 else "-unbounded"
    if percent:
        value *= 100
    # ratio(), not str(): a formula may multiply its constants' digits past Python's 4,300-digit limit.
    return ratio(value) + ("%" if percent else "")


@attrs.frozen
class Interval:
    """A closed range of exact numbers; an infinite end is a float infinity."""

    low: Bound
    high: Bound

    def __add__(self, other: Interval) -> Interval:
        return Interval(self.low + other.low, self.high + other.high)

    def __neg__(self) -> Interval:
        return Interval(-self.high, -self.low)

    def __mul__(self, other: Interval) -> Interval:
        products = [_times(a, b) for a in (self.low, self.high) for b in (other.low, other.high)]
        return Interval(min(products), max(products))

    def reciprocal(self) -> Interval:
        """1/x over the range without zero (a zero denominator has no value)."""
        if self.low < 0 < self.high or self.low == self.high == 0:
            return EVERYTHING
        # On either side of 0, 1/x falls, so the ends swap; an end at 0 goes off to infinity on its side.
        side = 1 if self.low >= 0 else -1
        return Interval(_inverse(self.high, side), _inverse(self.low, side))

    def hull(self, other: Interval) -> Interval:
        return Interval(min(self.low, other.low), max(self.high, other.high))

    def show(self, percent: bool = False) -> str:
        return f"{fmt(self.low, percent)} to {fmt(self.high, percent)}"


def _times(a: Bound, b: Bound) -> Bound:
    # 0 x infinity is 0 here: the 0 end is attained, the infinite one only approached.
    return Fraction(0) if a == 0 or b == 0 else a * b


def _inverse(value: Bound, side: int) -> Bound:
    """1/value, for a value on `side` (+1 or -1) of zero."""
    if value == 0:
        return side * math.inf
    return Fraction(0) if isinstance(value, float) else 1 / value


def point(value: Fraction) -> Interval:
    return Interval(value, value)


EVERYTHING = Interval(-math.inf, math.inf)
UNIT = Interval(Fraction(0), Fraction(1))
def _interval(allowed: Domain) -> Interval:
    return Interval(allowed.low, math.inf if allowed.high is None else allowed.high)


# The kinds' domains as intervals, from the one table of domains (plan/semantics.py).
_KIND_RANGES: Mapping[s.Kind, Interval] = {kind: _interval(allowed) for kind, allowed in DOMAINS.items()}


def input_range(decl: s.InputDecl) -> Interval:
    """The values a reported statistic can take: its kind's domain."""
    if decl.kind is s.Kind.SCORE and decl.score_range is not None:
        low, high = decl.score_range
        return _interval(domain(decl.kind, (low.value, high.value)))
    return _KIND_RANGES[decl.kind]


def divides(expr: s.Expr) -> bool:
    """Whether the formula has a denominator, which may be zero (its `on zero denominator` applies)."""
    return any((isinstance(node, s.Call) and node.callee in DIVIDING_CALLS)
               or (isinstance(node, s.Binary) and node.op is s.BinaryOp.DIV) for node in walk(expr))


def value_range(expr: s.Expr, inputs: Mapping[str, s.InputDecl],
                policy: s.ZeroPolicy = s.ZeroPolicy.ERROR) -> Interval:
    """Bounds on the formula's value over every valid input (exact, possibly not tight).

    Each input varies on its own, so `a - a` gets -inf..inf: the bounds are safe to
    prove a threshold unreachable, never to claim one reachable.
    """
    found = _range(expr, inputs)
    # `on zero denominator: zero` makes 0 a value the formula itself may never give.
    return found.hull(point(Fraction(0))) if policy is s.ZeroPolicy.ZERO and divides(expr) else found


def _range(expr: s.Expr, inputs: Mapping[str, s.InputDecl]) -> Interval:
    if isinstance(expr, s.Literal):
        return point(expr.value)
    if isinstance(expr, s.Ref):
        return input_range(inputs[expr.name])
    if isinstance(expr, s.Neg):
        return -_range(expr.operand, inputs)
    if isinstance(expr, s.Power):
        base, result = _range(expr.base, inputs), point(Fraction(1))
        for _ in range(expr.exponent):
            result = result * base  # an interval product: wide for even powers of a signed range, but sound
        return result
    if isinstance(expr, s.Binary):
        return _BINARY_RANGES[expr.op](_range(expr.left, inputs), _range(expr.right, inputs))
    if isinstance(expr, s.Weighted):
        return _sum(point(p.weight.value) * _range(p.expr, inputs) for p in expr.parts)
    if isinstance(expr, s.Checklist):
        # Each item adds its points or nothing, so it spans 0 and its points.
        return _sum(point(i.points.value).hull(point(Fraction(0))) for i in expr.items)
    return _CALL_RANGES[expr.callee]([_range(arg, inputs) for arg in expr.args])


def _sum(items: Iterable[Interval]) -> Interval:
    total = point(Fraction(0))
    for item in items:
        total = total + item
    return total


def _ratio(part: Interval, whole: Interval) -> Interval:
    # A part above its whole is refused when scoring, so a ratio of amounts is at most 1.
    if part.low >= 0 and whole.low >= 0:
        return UNIT
    return part * whole.reciprocal()


def _growth(now: Interval) -> Interval:
    # now / before - 1, with before ranging on its own over now's range.
    return now * now.reciprocal() + point(Fraction(-1))


def _share(value: Interval) -> Interval:
    return UNIT if value.low >= 0 else EVERYTHING


def _extreme(pick: Callable[[Bound, Bound], Bound]) -> Callable[[list[Interval]], Interval]:
    """min or max of ranges: the pick of the low ends to the pick of the high ends."""
    def combine(args: list[Interval]) -> Interval:
        result = args[0]
        for arg in args[1:]:
            result = Interval(pick(result.low, arg.low), pick(result.high, arg.high))
        return result
    return combine


def _root(value: Interval) -> Interval:
    """√x is monotone and at least 0; a negative argument is bad data, so only x >= 0 counts.
    Irrational ends are widened outward to rationals, which keeps the range sound."""
    low, high = max(value.low, Fraction(0)), value.high
    if high < 0:
        return point(Fraction(0))
    bottom = square_root(Fraction(low)).bounds(_ROOT_BITS)[0] if not isinstance(low, float) else low
    top = high if isinstance(high, float) else square_root(Fraction(high)).bounds(_ROOT_BITS)[1]
    return Interval(bottom, top)


def _clamp(args: list[Interval]) -> Interval:
    value, low, high = args
    return _extreme(min)([_extreme(max)([value, low]), high])


_BINARY_RANGES: Mapping[s.BinaryOp, Callable[[Interval, Interval], Interval]] = {
    s.BinaryOp.ADD: lambda a, b: a + b,
    s.BinaryOp.SUB: lambda a, b: a + -b,
    s.BinaryOp.MUL: lambda a, b: a * b,
    s.BinaryOp.DIV: lambda a, b: a * b.reciprocal(),
}

_CALL_RANGES: Mapping[Function, Callable[[list[Interval]], Interval]] = {  # every Function: a test holds it
    Function.RATIO: lambda args: _ratio(args[0], args[1]),
    Function.GROWTH: lambda args: _growth(args[0]),
    Function.PREVIOUS: lambda args: args[0],
    Function.RANK: lambda args: _KIND_RANGES[s.Kind.RANK],
    Function.SHARE: lambda args: _share(args[0]),
    Function.MINMAX: lambda args: UNIT,
    Function.PERCENTILE: lambda args: UNIT,
    Function.TO_BEST: lambda args: _share(args[0]),
    Function.COHORT_MEAN: lambda args: args[0],  # a mean, median, min or max lies within the values
    Function.COHORT_MEDIAN: lambda args: args[0],
    Function.COHORT_MIN: lambda args: args[0],
    Function.COHORT_MAX: lambda args: args[0],
    Function.MIN: _extreme(min),
    Function.MAX: _extreme(max),
    Function.CLAMP: _clamp,
    Function.SQRT: lambda args: _root(args[0]),
    Function.ZSCORE: lambda args: EVERYTHING,  # |z| <= (n - 1) / sqrt(n): unbounded as the cohort grows
}
