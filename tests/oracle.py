"""A reference evaluator for tests: walks the checked tree with Fractions.

Written from the language reference, independently of compile.py, so that
property tests can check the compiled evaluator against it number for number.
Slow and simple on purpose.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import smartcity_rules as scr
from smartcity_rules.language import syntax as s
from smartcity_rules.plan.semantics import exact, round_half_up


class Zero(Exception):
    """A denominator was zero; the indicator's policy decides."""


def _flag(raw: Any) -> Fraction:
    if isinstance(raw, str):
        return Fraction(1 if raw.strip().lower() in ("yes", "true", "1", "是") else 0)
    return Fraction(1 if raw else 0)


class _Entity:
    def __init__(self, record: Mapping[str, Any], cohort: dict[int, Fraction | None]) -> None:
        self.record = record
        self.cohort = cohort  # id(rank/share call) -> value for this entity

    def input(self, name: str, previous: bool) -> Fraction:
        return exact(self.record[name + "@previous" if previous else name])

    def eval(self, e: s.Expr, previous: bool = False) -> Fraction:
        if isinstance(e, s.Literal):
            return e.value
        if isinstance(e, s.Ref):
            return self.input(e.name, previous)
        if isinstance(e, s.Neg):
            return -self.eval(e.operand, previous)
        if isinstance(e, s.Binary):
            left, right = self.eval(e.left, previous), self.eval(e.right, previous)
            if e.op is s.BinaryOp.DIV:
                if right == 0:
                    raise Zero
                return left / right
            return {"+": left + right, "-": left - right, "*": left * right}[e.op.value]
        if isinstance(e, s.Weighted):
            return sum((p.weight.value * self.eval(p.expr, previous) for p in e.parts), Fraction(0))
        if isinstance(e, s.Checklist):
            return sum((i.points.value * _flag(self.record[i.name + ("@previous" if previous else "")])
                        for i in e.items), Fraction(0))
        assert isinstance(e, s.Call)
        args = e.args
        if e.function == "ratio":
            part, whole = self.eval(args[0], previous), self.eval(args[1], previous)
            if part > whole:
                raise scr.InvalidValue("part above whole")
            if whole == 0:
                raise Zero
            return part / whole
        if e.function == "previous":
            return self.eval(args[0], True)
        if e.function == "growth":
            before = self.eval(args[0], True)
            if before == 0:
                raise Zero
            return (self.eval(args[0], previous) - before) / before
        if e.function in ("rank", "share"):
            value = self.cohort[id(e)]
            if value is None:
                raise Zero
            return value
        values = [self.eval(a, previous) for a in args]
        if e.function == "min":
            return min(values)
        if e.function == "max":
            return max(values)
        assert e.function == "clamp"
        return min(max(values[0], values[1]), values[2])


def _calls(e: s.Expr) -> list[s.Call]:
    from smartcity_rules.language.check import walk

    return [n for n in walk(e) if isinstance(n, s.Call) and n.function in ("rank", "share")]


def _stars(bands: s.StarBands, value: Fraction) -> int:
    for k in range(5, 0, -1):
        t = bands.thresholds[k - 1].value
        if (value >= t) if bands.rule is s.BandRule.AT_LEAST else (value <= t):
            return k
    return 0


def evaluate_cohort(standard: scr.Standard, records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    checked = standard.checked
    decimals = checked.header.rounding
    cohort: list[dict[int, Fraction | None]] = [{} for _ in records]
    for item in checked.indicators:
        assert item.syntax.value is not None
        for call in _calls(item.syntax.value):
            values: list[Fraction | None] = []
            for record in records:
                try:
                    values.append(_Entity(record, {}).eval(call.args[0]))
                except Zero:
                    if item.syntax.zero_policy is s.ZeroPolicy.ERROR:
                        raise scr.ZeroDenominator("zero", indicator=item.number) from None
                    values.append(None)
            present = [v for v in values if v is not None]
            for row, v in enumerate(values):
                if call.function == "rank":
                    cohort[row][id(call)] = None if v is None else Fraction(1 + sum(1 for o in present if o > v))
                else:
                    total = sum(present, Fraction(0))
                    cohort[row][id(call)] = None if v is None or total == 0 else v / total
    return [_one(checked, record, cohort[row], decimals) for row, record in enumerate(records)]


def _one(checked: Any, record: Mapping[str, Any], cohort: dict[int, Fraction | None],
         decimals: int | None) -> dict[str, Any]:
    entity = _Entity(record, cohort)
    out: dict[int, tuple[Fraction | None, int | None, Fraction]] = {}
    for item in checked.indicators:
        syntax = item.syntax
        try:
            value: Fraction | None = entity.eval(syntax.value)
        except Zero:
            if syntax.zero_policy is s.ZeroPolicy.ERROR:
                raise scr.ZeroDenominator("zero", indicator=item.number) from None
            value = None if syntax.zero_policy is s.ZeroPolicy.NOT_APPLICABLE else Fraction(0)
        if value is None:
            out[item.number] = (None, None, Fraction(0))
        elif syntax.deduction is not None:
            off = min(max(syntax.deduction.each.value * value, Fraction(0)), syntax.deduction.cap.value)
            out[item.number] = (value, None, -round_half_up(off, decimals))
        else:
            stars = _stars(item.bands, value)
            maximum = syntax.points.maximum.value
            if isinstance(syntax.points.scoring, s.Linear):
                low, high = syntax.points.scoring.low.value, syntax.points.scoring.high.value
                position = min(max((value - low) / (high - low), Fraction(0)), Fraction(1))
                points = round_half_up(maximum * position, decimals)
            else:
                points = round_half_up(maximum * stars / 5, decimals)
            out[item.number] = (value, stars, points)
    total = Fraction(0)
    groups: dict[str, Fraction] = {}
    for group in checked.syntax.groups:
        subtotal = sum((out[i.number][2] for i in group.indicators), Fraction(0))
        if group.bonus and group.cap is not None:
            subtotal = min(subtotal, group.cap.value)
        groups[group.name] = subtotal
        total += subtotal
    total = round_half_up(total, decimals)  # docs/language.md §12: the total is rounded as declared
    return {"indicators": out, "total": total, "rating": _rating(checked, out, groups, total)}


def _holds(compare: s.Compare, a: Any, b: Any) -> bool:
    return {">=": a >= b, ">": a > b, "<=": a <= b, "<": a < b}[compare.value]


def _rating(checked: Any, out: dict[int, Any], groups: dict[str, Fraction], total: Fraction) -> int | None:
    rating = checked.syntax.rating
    if rating is None:
        return None
    leading = [i.number for i in checked.indicators if i.syntax.leading]
    for level in rating.levels:
        ok = True
        for req in level.requirements:
            if isinstance(req, s.TotalRequirement):
                ok &= _holds(req.compare, total, req.threshold.value)
            elif isinstance(req, s.LeadingRequirement):
                ok &= all(out[n][1] is None or _holds(req.compare, out[n][1], req.stars.value) for n in leading)
            elif isinstance(req, s.IndicatorRequirement):
                have = out[int(req.number.value)][1 if req.on_stars else 0]
                ok &= have is not None and _holds(req.compare, have, req.threshold.value)
            else:
                ok &= _holds(req.compare, groups[req.group], req.points.value)
        if ok:
            return int(level.rank.value)
    return 0
