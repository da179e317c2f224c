"""Analyses a checked standard for mistakes no single clause shows: checked standard -> diagnostics.

Run by `check(tree, analyse=True)` (what `smartcity-rules check` and `diagnose` do), on
every indicator whose formula the checker accepted, so its findings join the checker's
in one report in source order.  `load` does not run it: the checker alone decides what
can be compiled, and analysing takes sympy (about 0.3 s to import, more than a load).

- value ranges, exact with Fractions: bands out of reach (E0301) or always reached (W0301),
  rating levels out of reach (E0302), bonus caps out of reach (W0304);
- directions: a declared direction the scoring contradicts (E0304), and sympy proofs that
  each value moves the declared way in each directed input (E0303, W0302; directions.py);
- kinds and units through formulas (E0305-E0307; units.py);
- numbering gaps (W0303), and the provisional numbers as a note (N0301).

Codes: E03xx errors, W03xx warnings, N03xx notes; docs/errors.md has one entry per code.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from fractions import Fraction

import attrs

from . import syntax as s
from .check import FUNCTIONS, CheckedStandard, ScoredIndicator
from .diagnostics import Diagnostic, Label, Severity
from .directions import prove
from .evaluate import provisional_numbers
from .runtime import round_half_up
from .source import Span
from .syntax import walk
from .units import unit_findings

STAR_LEVELS = 5
Bound = Fraction | float  # float only for +/-inf


def analyse(checked: CheckedStandard) -> list[Diagnostic]:
    """Every finding of the analyses, unsorted."""
    ranges = _value_ranges(checked)
    return [
        *_band_findings(checked, ranges),
        *_rating_findings(checked, ranges),
        *unit_findings(checked.inputs, _analysed(checked)),
        *_numbering_findings(checked),
        *_bonus_findings(checked, ranges),
        *_unscored_findings(checked, ranges),
        *_declared_direction_findings(checked),
        *_direction_proofs(checked),
        *_provisional_note(checked),
    ]


# ================================================================= helpers
def _error(code: str, message: str, span: Span | None, label: str = "", help: str = "",
           labels: tuple[Label, ...] = (), severity: Severity = Severity.ERROR) -> Diagnostic:
    return Diagnostic(code, message, span, severity, label=label, labels=labels, help=help)


def _fmt(value: Bound, percent: bool = False) -> str:
    """A bound as the standard writes numbers: 3/4, 75%, or "unbounded"."""
    if isinstance(value, float):
        return "unbounded" if value > 0 else "-unbounded"
    if percent:
        value *= 100
    text = str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    return text + ("%" if percent else "")


def _analysable(expr: s.Expr | None, inputs: Mapping[str, s.InputDecl]) -> bool:
    """True when the checker accepted every name and call of the formula (so it can be analysed)."""
    if expr is None:
        return False
    for node in walk(expr):
        if isinstance(node, s.Ref) and (node.name not in inputs or inputs[node.name].kind is s.Kind.FLAG):
            return False
        if isinstance(node, s.Checklist) and any(
                item.name not in inputs or inputs[item.name].kind is not s.Kind.FLAG for item in node.items):
            return False
        if isinstance(node, s.Call) and not _known_call(node):
            return False
    return True


def _known_call(call: s.Call) -> bool:
    arity = FUNCTIONS.get(call.function)
    if arity is None:
        return False
    low, high = arity
    count = len(call.args)
    if count < low or (high is not None and count > high):
        return False
    return call.function != "previous" or isinstance(call.args[0], s.Ref)


def _analysed(checked: CheckedStandard) -> list[s.Indicator]:
    return [i.syntax for i in checked.indicators if _analysable(i.syntax.value, checked.inputs)]


# ================================================================= value ranges
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
        if self.low >= 0:
            return Interval(_inverse(self.high), _inverse(self.low))
        return Interval(_inverse(self.high), _inverse(self.low))

    def hull(self, other: Interval) -> Interval:
        return Interval(min(self.low, other.low), max(self.high, other.high))

    def clip(self, low: Bound, high: Bound) -> Interval:
        return Interval(min(max(self.low, low), high), min(max(self.high, low), high))

    def show(self, percent: bool = False) -> str:
        return f"{_fmt(self.low, percent)} to {_fmt(self.high, percent)}"


def _times(a: Bound, b: Bound) -> Bound:
    # 0 x infinity is 0 here: the 0 end is attained, the infinite one only approached.
    return Fraction(0) if a == 0 or b == 0 else a * b


def _inverse(value: Bound) -> Bound:
    if value == 0:
        return math.inf if math.copysign(1, value) > 0 else -math.inf
    return Fraction(0) if isinstance(value, float) else 1 / value


def _point(value: Fraction) -> Interval:
    return Interval(value, value)


EVERYTHING = Interval(-math.inf, math.inf)
UNIT = Interval(Fraction(0), Fraction(1))
_KIND_RANGES: Mapping[s.Kind, Interval] = {
    s.Kind.RATE: UNIT,
    s.Kind.FLAG: UNIT,
    s.Kind.RANK: Interval(Fraction(1), math.inf),
}


def input_range(decl: s.InputDecl) -> Interval:
    """The values a reported statistic can take: its kind's domain."""
    if decl.kind is s.Kind.SCORE and decl.score_range is not None:
        low, high = decl.score_range
        return Interval(low.value, high.value)
    return _KIND_RANGES.get(decl.kind, Interval(Fraction(0), math.inf))


def value_range(expr: s.Expr, inputs: Mapping[str, s.InputDecl],
                policy: s.ZeroPolicy = s.ZeroPolicy.ERROR) -> Interval:
    """Bounds on the formula's value over every valid input (exact, possibly not tight).

    Each input varies on its own, so `a - a` gets -inf..inf: the bounds are safe to
    prove a threshold unreachable, never to claim one reachable.
    """
    found = _Ranges(inputs).range(expr)
    divides = any((isinstance(n, s.Call) and n.function in ("ratio", "growth", "share"))
                  or (isinstance(n, s.Binary) and n.op is s.BinaryOp.DIV) for n in walk(expr))
    # `on zero denominator: zero` makes 0 a value the formula itself may never give.
    return found.hull(_point(Fraction(0))) if divides and policy is s.ZeroPolicy.ZERO else found


class _Ranges:
    def __init__(self, inputs: Mapping[str, s.InputDecl]) -> None:
        self.inputs = inputs

    def range(self, expr: s.Expr) -> Interval:
        if isinstance(expr, s.Literal):
            return _point(expr.value)
        if isinstance(expr, s.Ref):
            return input_range(self.inputs[expr.name])
        if isinstance(expr, s.Neg):
            return -self.range(expr.operand)
        if isinstance(expr, s.Binary):
            return _BINARY_RANGES[expr.op](self.range(expr.left), self.range(expr.right))
        if isinstance(expr, s.Weighted):
            return _sum(_point(p.weight.value) * self.range(p.expr) for p in expr.parts)
        if isinstance(expr, s.Checklist):
            return _sum(Interval(min(i.points.value, Fraction(0)), max(i.points.value, Fraction(0)))
                        for i in expr.items)
        return _CALL_RANGES[expr.function]([self.range(arg) for arg in expr.args])


def _sum(items: Iterable[Interval]) -> Interval:
    total = _point(Fraction(0))
    for item in items:
        total = total + item
    return total


def _ratio(part: Interval, whole: Interval) -> Interval:
    # A part above its whole is refused when scoring, so a ratio of amounts is at most 1.
    if part.low >= 0 and whole.low >= 0:
        return UNIT
    return part * whole.reciprocal()


def _growth(now: Interval) -> Interval:
    return now * now.reciprocal() + _point(Fraction(-1))


def _share(value: Interval) -> Interval:
    return UNIT if value.low >= 0 else EVERYTHING


def _extreme(pick: Callable[[Bound, Bound], Bound]) -> Callable[[list[Interval]], Interval]:
    def combine(args: list[Interval]) -> Interval:
        result = args[0]
        for arg in args[1:]:
            result = Interval(pick(result.low, arg.low), pick(result.high, arg.high))
        return result
    return combine


def _clamp(args: list[Interval]) -> Interval:
    value, low, high = args
    return _extreme(min)([_extreme(max)([value, low]), high])


_BINARY_RANGES: Mapping[s.BinaryOp, Callable[[Interval, Interval], Interval]] = {
    s.BinaryOp.ADD: lambda a, b: a + b,
    s.BinaryOp.SUB: lambda a, b: a + -b,
    s.BinaryOp.MUL: lambda a, b: a * b,
    s.BinaryOp.DIV: lambda a, b: a * b.reciprocal(),
}

_CALL_RANGES: Mapping[str, Callable[[list[Interval]], Interval]] = {
    "ratio": lambda args: _ratio(args[0], args[1]),
    "growth": lambda args: _growth(args[0]),
    "previous": lambda args: args[0],
    "rank": lambda args: Interval(Fraction(1), math.inf),
    "share": lambda args: _share(args[0]),
    "min": _extreme(min),
    "max": _extreme(max),
    "clamp": _clamp,
}


def _value_ranges(checked: CheckedStandard) -> dict[int, Interval]:
    """The value range of each indicator whose formula can be analysed, by number."""
    return {item.number: value_range(item.syntax.value, checked.inputs, item.syntax.zero_policy)
            for item in checked.indicators
            if item.syntax.value is not None and _analysable(item.syntax.value, checked.inputs)}


# ================================================================= star bands
def _bands_ok(bands: s.StarBands | None) -> bool:
    """Five thresholds in order (the checker reports any others)."""
    if bands is None or len(bands.thresholds) != STAR_LEVELS:
        return False
    values = [t.value for t in bands.thresholds]
    ordered = sorted(set(values))
    return values == (ordered if bands.rule is s.BandRule.AT_LEAST else ordered[::-1])


def reachable(bands: s.StarBands, value: Interval) -> list[bool]:
    """For each threshold (1 to 5 stars), whether some value in the range reaches it."""
    if bands.rule is s.BandRule.AT_LEAST:
        return [t.value <= value.high for t in bands.thresholds]
    return [t.value >= value.low for t in bands.thresholds]


def _always(bands: s.StarBands, value: Interval) -> list[bool]:
    """For each threshold, whether every value in the range reaches it."""
    if bands.rule is s.BandRule.AT_LEAST:
        return [t.value <= value.low for t in bands.thresholds]
    return [t.value >= value.high for t in bands.thresholds]


def max_stars(item: ScoredIndicator, value: Interval) -> int:
    """The most stars any valid input gives the indicator (5 when its bands are unknown)."""
    if not _bands_ok(item.bands):
        return STAR_LEVELS
    assert item.bands is not None
    return sum(reachable(item.bands, value))


def _band_findings(checked: CheckedStandard, ranges: Mapping[int, Interval]) -> Iterator[Diagnostic]:
    for item in checked.indicators:
        value = ranges.get(item.number)
        if value is None or not _bands_ok(item.bands):
            continue
        assert item.bands is not None and item.syntax.value is not None
        yield from _unreachable_bands(item, item.bands, value)


def _unreachable_bands(item: ScoredIndicator, bands: s.StarBands, value: Interval) -> Iterator[Diagnostic]:
    assert item.syntax.value is not None
    percent = any(t.text.endswith("%") for t in bands.thresholds)
    where = Label(item.syntax.value.span, f"indicator {item.number}'s value lies from {value.show(percent)}")
    at_least = bands.rule is s.BandRule.AT_LEAST
    for stars, (threshold, ok) in enumerate(zip(bands.thresholds, reachable(bands, value)), start=1):
        if not ok:
            limit = _fmt(value.high if at_least else value.low, percent)
            yield _error("E0301", f"indicator {item.number} can never reach {stars} star{'s' * (stars > 1)}: "
                         f"its value is {'at most' if at_least else 'at least'} {limit}",
                         threshold.span, label=f"{threshold.text} is out of reach", labels=(where,),
                         help="lower the threshold into the value's range, or check the formula")
            return  # the bands ascend, so every higher band is out of reach too
    everyone = _always(bands, value)
    if all(everyone):
        yield _error("W0301", f"every value of indicator {item.number} earns 5 stars", bands.thresholds[-1].span,
                     label=f"the value always reaches {bands.thresholds[-1].text}", labels=(where,),
                     help="raise the thresholds into the value's range", severity=Severity.WARNING)


# ================================================================= points and the rating
def _max_points(item: ScoredIndicator, value: Interval | None, rounding: int | None) -> Fraction:
    """The most points (or, for a deduction, the least taken off) any valid input gives."""
    syntax = item.syntax
    if syntax.deduction is not None:
        low = Fraction(0) if value is None or value.low <= 0 else Fraction(value.low)
        best = -min(syntax.deduction.each.value * low, syntax.deduction.cap.value)
    elif syntax.points is None:
        return Fraction(0)
    else:
        best = _best_scored(item, syntax.points, value)
    return round_half_up(best, rounding)


def _best_scored(item: ScoredIndicator, points: s.Points, value: Interval | None) -> Fraction:
    maximum = points.maximum.value
    if value is None:
        return maximum
    if isinstance(points.scoring, s.Linear):
        low, high = points.scoring.low.value, points.scoring.high.value
        best = value.high if high > low else value.low
        if isinstance(best, float) or low == high:  # equal bounds are the checker's E0226
            return maximum
        return maximum * min(max((best - low) / (high - low), Fraction(0)), Fraction(1))
    return maximum * max_stars(item, value) / STAR_LEVELS


@attrs.frozen
class _Maxima:
    """The most each indicator, group and the total can reach."""

    indicators: Mapping[int, Fraction]
    stars: Mapping[int, int]
    groups: Mapping[str, Fraction]
    total: Fraction


def _maxima(checked: CheckedStandard, ranges: Mapping[int, Interval]) -> _Maxima:
    rounding = checked.header.rounding
    indicators = {i.number: _max_points(i, ranges.get(i.number), rounding) for i in checked.indicators}
    stars = {i.number: max_stars(i, ranges[i.number]) if i.number in ranges else STAR_LEVELS
             for i in checked.indicators}
    groups: dict[str, Fraction] = {}
    for item in checked.indicators:
        groups[item.group.name] = groups.get(item.group.name, Fraction(0)) + indicators[item.number]
    for group in checked.syntax.groups:
        if group.bonus and group.cap is not None and group.name in groups:
            groups[group.name] = min(groups[group.name], group.cap.value)
    return _Maxima(indicators, stars, groups, sum(groups.values(), Fraction(0)))


_HOLDS: Mapping[s.Compare, Callable[[Bound, Bound, Fraction], bool]] = {
    # (lowest possible, highest possible, threshold) -> can the comparison hold at all?
    s.Compare.GE: lambda low, high, t: high >= t,
    s.Compare.GT: lambda low, high, t: high > t,
    s.Compare.LE: lambda low, high, t: low <= t,
    s.Compare.LT: lambda low, high, t: low < t,
}


def _rating_findings(checked: CheckedStandard, ranges: Mapping[int, Interval]) -> Iterator[Diagnostic]:
    rating = checked.syntax.rating
    if rating is None:
        return
    maxima = _maxima(checked, ranges)
    for level in rating.levels:
        for requirement in level.requirements:
            reason = _impossible(checked, requirement, maxima, ranges)
            if reason:
                yield _error("E0302", f"rating level {level.rank.text} \"{level.name}\" can never be reached",
                             requirement.span, label=reason,
                             help="lower the requirement to what the indicators can reach")


def _impossible(checked: CheckedStandard, req: s.Requirement, maxima: _Maxima,
                ranges: Mapping[int, Interval]) -> str:
    """Why the requirement can never hold, or "" when it can (or cannot be told)."""
    if isinstance(req, s.TotalRequirement):
        return _beyond(req.compare, req.threshold, Fraction(-10**12), maxima.total, "the total")
    if isinstance(req, s.GroupRequirement):
        if req.group not in maxima.groups:
            return ""
        return _beyond(req.compare, req.points, Fraction(-10**12), maxima.groups[req.group],
                       f"group \"{req.group}\"")
    if isinstance(req, s.LeadingRequirement):
        return _leading_impossible(checked, req, maxima)
    return _indicator_impossible(req, maxima, ranges)


def _beyond(compare: s.Compare, threshold: s.Literal, low: Bound, high: Bound, what: str) -> str:
    if _HOLDS[compare](low, high, threshold.value):
        return ""
    return f"{what} can reach at most {_fmt(high)}"


def _leading_impossible(checked: CheckedStandard, req: s.LeadingRequirement, maxima: _Maxima) -> str:
    for item in checked.indicators:
        # A not-applicable leading indicator is skipped, so it never blocks the level.
        if item.syntax.leading and item.syntax.zero_policy is not s.ZeroPolicy.NOT_APPLICABLE:
            most = maxima.stars[item.number]
            if not _HOLDS[req.compare](0, most, req.stars.value):
                return f"leading indicator {item.number} can reach at most {most} stars"
    return ""


def _indicator_impossible(req: s.IndicatorRequirement, maxima: _Maxima, ranges: Mapping[int, Interval]) -> str:
    number = int(req.number.value)
    if req.on_stars:
        most = maxima.stars.get(number)
        if most is None or _HOLDS[req.compare](0, most, req.threshold.value):
            return ""
        return f"indicator {number} can reach at most {most} stars"
    value = ranges.get(number)
    if value is None or _HOLDS[req.compare](value.low, value.high, req.threshold.value):
        return ""
    percent = req.threshold.text.endswith("%")
    return f"indicator {number}'s value lies from {value.show(percent)}"


def _bonus_findings(checked: CheckedStandard, ranges: Mapping[int, Interval]) -> Iterator[Diagnostic]:
    """A bonus cap its items can never fill is a cap in name only."""
    rounding = checked.header.rounding
    for group in checked.syntax.groups:
        if not group.bonus or group.cap is None:
            continue
        items = [i for i in checked.indicators if i.group is group]
        earned = sum((_max_points(i, ranges.get(i.number), rounding) for i in items), Fraction(0))
        if earned < group.cap.value:
            yield _error("W0304", f"bonus group \"{group.name}\" can earn at most {_fmt(earned)}, "
                         f"less than its cap {group.cap.text}", group.cap.span,
                         label=f"its items add up to {_fmt(earned)}",
                         help="lower the cap or give the items more points", severity=Severity.WARNING)


def _unscored_findings(checked: CheckedStandard, ranges: Mapping[int, Interval]) -> Iterator[Diagnostic]:
    """An indicator no valid input scores (or a deduction none triggers) counts for nothing."""
    for item in checked.indicators:
        value = ranges.get(item.number)
        if value is None or not _scorable(item):
            continue
        syntax = item.syntax
        if syntax.deduction is not None and value.high <= 0:
            yield _error("W0305", f"deduction {item.number} can never take a point off", syntax.deduction.span,
                         label=f"its value lies from {value.show()}", severity=Severity.WARNING,
                         help="a deduction counts incidents: its value must be able to rise above 0")
        elif syntax.points is not None and isinstance(syntax.points.scoring, s.Linear) \
                and _best_scored(item, syntax.points, value) <= 0:
            scale = syntax.points.scoring
            yield _error("W0305", f"indicator {item.number} can never score a point", scale.span,
                         label=f"its value lies from {value.show()}, outside the scale",
                         severity=Severity.WARNING, help="move the scale's bounds into the value's range")


def _scorable(item: ScoredIndicator) -> bool:
    """Its clauses passed the checker, so what it can score is worth judging."""
    points = item.syntax.points
    if item.syntax.deduction is not None:
        return item.syntax.deduction.each.value > 0
    return points is not None and points.maximum.value > 0 and _bands_ok(item.bands)


# ================================================================= numbering
def _spans(numbers: Sequence[int]) -> str:
    """3, 5, 6, 7 -> "3, 5–7"."""
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)


def _numbering_findings(checked: CheckedStandard) -> Iterator[Diagnostic]:
    numbers = sorted({i.number for i in checked.indicators})
    if not numbers:
        return
    missing = sorted(set(range(1, numbers[-1] + 1)) - set(numbers))
    if not missing:
        return
    after = next(i for i in checked.indicators if i.number > missing[0])
    yield _error("W0303", f"indicator numbers skip {_spans(missing)}", after.syntax.number_span,
                 label=f"{missing[0]} is missing before this", severity=Severity.WARNING,
                 help="number the indicators 1, 2, 3, … as the standard does, or say why in a comment")


# ================================================================= directions
def _declared_direction_findings(checked: CheckedStandard) -> Iterator[Diagnostic]:
    """A declared direction that its star bands or linear scale contradict.

    An error, not a warning: the declaration and the scoring then reward opposite values,
    so one of them is wrong whatever the author meant.
    """
    for item in checked.indicators:
        declared, scoring = item.syntax.better, _scoring_direction(item)
        if _contradicted(item):
            assert declared is not None and scoring is not None
            yield _error("E0304", f"indicator {item.number} is declared `better {declared.value}` "
                         f"but its {scoring[1]} reward {scoring[0].value} values",
                         item.syntax.number_span, label=f"better {declared.value}",
                         labels=(Label(scoring[2], f"this rewards {scoring[0].value} values"),),
                         help=f"say `better {scoring[0].value}`, or turn the {scoring[1]} round")


def _scoring_direction(item: ScoredIndicator) -> tuple[s.Direction, str, Span] | None:
    """Which way the scoring rewards the value: bands, a linear scale, or a deduction."""
    syntax = item.syntax
    if syntax.deduction is not None:
        return s.Direction.LOWER, "deduction", syntax.deduction.span
    if item.bands is not None:
        rule = item.bands.rule
        direction = s.Direction.HIGHER if rule is s.BandRule.AT_LEAST else s.Direction.LOWER
        return direction, f"`{rule.value}` bands", item.bands.span
    if syntax.points is not None and isinstance(syntax.points.scoring, s.Linear):
        scale = syntax.points.scoring
        up = scale.high.value > scale.low.value
        return (s.Direction.HIGHER if up else s.Direction.LOWER), "linear scale", scale.span
    return None


def _direction_proofs(checked: CheckedStandard) -> Iterator[Diagnostic]:
    """Sympy proofs that each value moves the declared way (directions.py)."""
    for item in checked.indicators:
        direction = item.direction
        if direction is not None and not _contradicted(item) and _analysable(item.syntax.value, checked.inputs):
            yield from prove(item, direction, checked.inputs)


def _contradicted(item: ScoredIndicator) -> bool:
    """Its declared direction is already reported (E0304), so proofs against it would only echo that."""
    scoring = _scoring_direction(item)
    return item.syntax.better is not None and scoring is not None and scoring[0] is not item.syntax.better


# ================================================================= provisional numbers
def _provisional_note(checked: CheckedStandard) -> Iterator[Diagnostic]:
    """One note listing every provisional number, indicators folded into runs."""
    numbers = provisional_numbers(checked)
    if not numbers:
        return
    by_part: dict[str, list[int]] = {}
    others: list[str] = []
    for text in numbers:
        match = re.fullmatch(r"indicator (\d+) (.+)", text)
        if match:
            by_part.setdefault(match.group(2), []).append(int(match.group(1)))
        else:
            others.append(text)
    folded = others + [f"{part} of indicator{'s' * (len(ns) > 1)} {_spans(ns)}" for part, ns in by_part.items()]
    header = checked.syntax.header
    yield _error("N0301", f"{len(numbers)} number{' is' if len(numbers) == 1 else 's are'} provisional: never present "
                 f"{'it' if len(numbers) == 1 else 'them'} as official",
                 header.span if header is not None else None, severity=Severity.NOTE,
                 label="marked `provisional` in this standard", help="; ".join(folded))

