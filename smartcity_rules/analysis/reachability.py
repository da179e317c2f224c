"""Finds scoring that no valid input can reach: part of the analysis stage (analysis.py).

From each indicator's value range (ranges.py): star bands out of reach (E0301) or always
reached (W0301), rating levels out of reach (E0302), bonus caps out of reach (W0304), and
indicators or deductions that can never score (W0305).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from fractions import Fraction

import attrs

from ..language import syntax as s
from ..language.check import STAR_LEVELS, CheckedStandard, Node, NodeKind, ScoredIndicator
from ..language.diagnostics import Diagnostic, Label, Severity
from ..plan.semantics import node_score, round_score, rounding_of
from .ranges import Bound, Interval, fmt

Ranges = Mapping[str, Interval]  # an indicator's value range, by code


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
    if item.bands is None or not _bands_ok(item.bands):
        return STAR_LEVELS
    return sum(reachable(item.bands, value))


def band_findings(checked: CheckedStandard, ranges: Ranges) -> Iterator[Diagnostic]:
    for item in checked.indicators:
        value = ranges.get(item.code)
        if value is not None and item.bands is not None and _bands_ok(item.bands):
            yield from _band_reach(item, item.bands, value)


def _band_reach(item: ScoredIndicator, bands: s.StarBands, value: Interval) -> Iterator[Diagnostic]:
    assert item.syntax.value is not None
    percent = any(t.text.endswith("%") for t in bands.thresholds)
    where = Label(item.syntax.value.span, f"indicator {item.code}'s value lies from {value.show(percent)}")
    unreachable = _first_unreachable(item, bands, value, percent, where)
    if unreachable is not None:
        yield unreachable  # the bands ascend, so every higher band is out of reach too
    elif all(_always(bands, value)):
        yield Diagnostic("W0301", f"every value of indicator {item.code} earns 5 stars", bands.thresholds[-1].span,
                         Severity.WARNING, label=f"the value always reaches {bands.thresholds[-1].text}",
                         labels=(where,), help="raise the thresholds into the value's range")


def _first_unreachable(item: ScoredIndicator, bands: s.StarBands, value: Interval, percent: bool,
                       where: Label) -> Diagnostic | None:
    for stars, (threshold, ok) in enumerate(zip(bands.thresholds, reachable(bands, value)), start=1):
        if not ok:
            at_least = bands.rule is s.BandRule.AT_LEAST
            limit = fmt(value.high if at_least else value.low, percent)
            return Diagnostic(
                "E0301", f"indicator {item.code} can never reach {stars} star{'s' * (stars > 1)}: "
                f"its value is {'at most' if at_least else 'at least'} {limit}", threshold.span,
                label=f"{threshold.text} is out of reach", labels=(where,),
                help="lower the threshold into the value's range, or check the formula")
    return None


# ================================================================= points
def _max_points(item: ScoredIndicator, value: Interval | None) -> Fraction:
    """The most points (or, for a deduction, the least taken off) any valid input gives."""
    syntax = item.syntax
    if syntax.deduction is not None:
        low = Fraction(0) if value is None or value.low <= 0 else Fraction(value.low)
        off = syntax.deduction.each.value * low
        best = -off if syntax.deduction.cap is None else -min(off, syntax.deduction.cap.value)
    elif syntax.weight is not None and item.maximum is not None:
        best = item.maximum * _best_position(Fraction(0), Fraction(1), value)
    elif syntax.points is None:
        return Fraction(0)
    else:
        best = _best_scored(item, syntax.points, value)
    return round_score(best, rounding_of(item.rounding))


def _best_position(low: Fraction, high: Fraction, value: Interval | None) -> Fraction:
    """The largest position between the bounds a value in the range reaches, capped to [0, 1]."""
    if value is None:
        return Fraction(1)
    best = value.high if high > low else value.low
    if isinstance(best, float) or low == high:  # equal bounds are the checker's E0226
        return Fraction(1)
    return min(max((best - low) / (high - low), Fraction(0)), Fraction(1))


def _best_scored(item: ScoredIndicator, points: s.Points, value: Interval | None) -> Fraction:
    """The most points, before rounding, that stars or a linear scale give over the value's range."""
    maximum = points.maximum.value
    if value is None:
        return maximum
    if isinstance(points.scoring, s.Linear):
        return maximum * _best_position(points.scoring.low.value, points.scoring.high.value, value)
    if isinstance(points.scoring, s.Table):
        return maximum  # rows cover every value; which the range reaches is not worth the bookkeeping
    return maximum * max_stars(item, value) / STAR_LEVELS


def bonus_findings(checked: CheckedStandard, ranges: Ranges) -> Iterator[Diagnostic]:
    """A bonus cap its items can never fill is a cap in name only."""
    maxima = _maxima(checked, ranges)
    for group in checked.syntax.all_groups():
        if not group.bonus or group.cap is None:
            continue
        earned = maxima.uncapped[group.name]
        if earned < group.cap.value:
            yield Diagnostic("W0304", f"bonus group \"{group.name}\" can earn at most {fmt(earned)}, "
                             f"less than its cap {group.cap.text}", group.cap.span, Severity.WARNING,
                             label=f"its items add up to {fmt(earned)}",
                             help="lower the cap or give the items more points")


def unscored_findings(checked: CheckedStandard, ranges: Ranges) -> Iterator[Diagnostic]:
    """An indicator no valid input scores (or a deduction none triggers) counts for nothing."""
    for item in checked.indicators:
        value = ranges.get(item.code)
        if value is not None and _scorable(item):
            yield from _never_scores(item, value)


def _never_scores(item: ScoredIndicator, value: Interval) -> Iterator[Diagnostic]:
    syntax = item.syntax
    if syntax.deduction is not None and value.high <= 0:
        yield Diagnostic("W0305", f"deduction {item.code} can never take a point off", syntax.deduction.span,
                         Severity.WARNING, label=f"its value lies from {value.show()}",
                         help="a deduction counts incidents: its value must be able to rise above 0")
    elif syntax.points is not None and isinstance(syntax.points.scoring, s.Linear) \
            and _best_scored(item, syntax.points, value) <= 0:
        yield Diagnostic("W0305", f"indicator {item.code} can never score a point", syntax.points.scoring.span,
                         Severity.WARNING, label=f"its value lies from {value.show()}, outside the scale",
                         help="move the scale's bounds into the value's range")


def _scorable(item: ScoredIndicator) -> bool:
    """Its clauses passed the checker, so what it can score is worth judging."""
    points = item.syntax.points
    if item.syntax.deduction is not None:
        return item.syntax.deduction.each.value > 0
    if item.syntax.weight is not None:
        return item.maximum is not None and item.maximum > 0
    return points is not None and points.maximum.value > 0 and (
        _bands_ok(item.bands) if item.bands is not None or isinstance(points.scoring, s.FromStars) else True)


# ================================================================= the rating
@attrs.frozen
class _Maxima:
    """The most each indicator (points and stars), each node and the total can reach."""

    indicators: Mapping[str, Fraction]
    stars: Mapping[str, int]
    groups: Mapping[str, Fraction]  # by name
    nodes: Mapping[str, Fraction]  # indicators and items, by code
    uncapped: Mapping[str, Fraction]  # bonus groups by name, before their caps
    total: Fraction


def _maxima(checked: CheckedStandard, ranges: Ranges) -> _Maxima:
    indicators = {i.code: _max_points(i, ranges.get(i.code)) for i in checked.indicators}
    stars = {i.code: max_stars(i, ranges[i.code]) if i.code in ranges else STAR_LEVELS
             for i in checked.indicators}
    groups: dict[str, Fraction] = {}
    nodes: dict[str, Fraction] = {}
    uncapped: dict[str, Fraction] = {}

    def most(node: Node) -> Fraction:  # each node's most, by the scoring rule itself
        if node.leaf is not None:
            best = indicators[checked.indicators[node.leaf].code]
        else:
            members = [most(member) for member in node.members]
            uncapped[node.name] = sum(members, Fraction(0))
            best = node_score(members, node.cap, node.weight, rounding_of(node.rounding))[1]
        (groups if node.kind is NodeKind.GROUP else nodes)[node.name if node.kind is NodeKind.GROUP
                                                           else node.code or ""] = best
        return best

    assert checked.root is not None
    total = most(checked.root)
    return _Maxima(indicators, stars, groups, nodes, uncapped, total)


_HOLDS: Mapping[s.Compare, Callable[[Bound, Bound, Fraction], bool]] = {
    # (lowest possible, highest possible, threshold) -> can the comparison hold at all?
    s.Compare.GE: lambda low, high, t: high >= t,
    s.Compare.GT: lambda low, high, t: high > t,
    s.Compare.LE: lambda low, high, t: low <= t,
    s.Compare.LT: lambda low, high, t: low < t,
}


def rating_findings(checked: CheckedStandard, ranges: Ranges) -> Iterator[Diagnostic]:
    rating = checked.syntax.rating
    if rating is None:
        return
    maxima = _maxima(checked, ranges)
    for level in rating.levels:
        for requirement in level.requirements:
            reason = _impossible(checked, requirement, maxima, ranges)
            if reason:
                yield Diagnostic("E0302", f"rating level {level.rank.text} \"{level.name}\" can never be reached",
                                 requirement.span, label=reason,
                                 help="lower the requirement to what the indicators can reach")


def _impossible(checked: CheckedStandard, req: s.Requirement, maxima: _Maxima, ranges: Ranges) -> str:
    """Why the requirement can never hold, or "" when it can (or cannot be told)."""
    if isinstance(req, s.TotalRequirement):
        return _above_most(req.compare, req.threshold, maxima.total, "the total")
    if isinstance(req, s.GroupRequirement):
        most = maxima.groups.get(req.group)
        return "" if most is None else _above_most(req.compare, req.points, most, f"group \"{req.group}\"")
    if isinstance(req, s.LeadingRequirement):
        return _leading_impossible(checked, req, maxima)
    return _indicator_impossible(req, maxima, ranges)


def _above_most(compare: s.Compare, threshold: s.Literal, most: Fraction, what: str) -> str:
    # Only the most is known (deductions have no useful floor), so only a lower bound can fail.
    if _HOLDS[compare](-math.inf, most, threshold.value):
        return ""
    return f"{what} can reach at most {fmt(most)}"


def _leading_impossible(checked: CheckedStandard, req: s.LeadingRequirement, maxima: _Maxima) -> str:
    for item in checked.indicators:
        # A not-applicable leading indicator is skipped, so it never blocks the level.
        if item.syntax.leading and item.syntax.zero_policy is not s.ZeroPolicy.NOT_APPLICABLE:
            most = maxima.stars[item.code]
            if not _HOLDS[req.compare](0, most, req.stars.value):
                return f"leading indicator {item.code} can reach at most {most} stars"
    return ""


def _indicator_impossible(req: s.IndicatorRequirement, maxima: _Maxima, ranges: Ranges) -> str:
    number = req.code
    if req.measure is s.Measure.POINTS:
        best = maxima.nodes.get(number)
        return "" if best is None else _above_most(req.compare, req.threshold, best, f"indicator {number}")
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
