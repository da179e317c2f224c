"""Scoring a cohort, exactly and slowly, from docs/language.md §5-§12.

Readings where the docs are silent or ambiguous (reported with the tests):

- `rank(e)` and `share(e)` when `e` has a zero denominator for some entity: that entity's
  indicator meets the zero denominator (its policy decides), and the others are ranked (or
  summed) among the entities whose `e` is defined;
- `ratio(part, whole)` checks "a part above its whole" before the zero denominator: bad data is
  not hidden by a policy (only matters when `part` is a formula, not a declared part);
- a deduction never adds points: docs/language.md §8 writes `−min(D × v, C)`, which a negative
  `v` would turn into a bonus, while docs/testing.md holds a deduction "within −cap and 0";
- a bonus group's points are `min(sum, cap)` with no floor at 0 (§9 says only "capped");
- half-up rounding rounds halves away from zero (`−2.345 → −2.35`, §12);
- `every leading` includes leading indicators of bonus groups; an `indicator N` requirement on
  a deduction's stars never holds (a deduction has none).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from math import floor
from typing import Any

from .errors import RefDataError, RefPartAboveWhole, RefSyntaxError, RefZeroDenominator
from .model import (
    Bands,
    Binary,
    Call,
    Checklist,
    Deduct,
    Expr,
    InputDecl,
    Level,
    Neg,
    Num,
    Points,
    Ref,
    Requirement,
    Weighted,
)
from .reads import NOW, PREVIOUS, cohort_calls, reads
from .records import SUFFIX, Entity, Needs, read_cohort

Result = dict[str, Any]
Outcome = tuple[Fraction | None, int | None, Fraction]  # (value, stars, points) of one indicator


@dataclass(frozen=True)
class Indicator:
    """One indicator as scored: a reused one already carries its overrides (§9)."""

    number: int
    name: str
    leading: bool
    value: Expr
    bands: Bands | None
    points: Points | None
    deduct: Deduct | None
    zero: str  # "error", "zero" or "not applicable"
    inputs: dict[str, InputDecl]  # what the formula's names are
    table: dict[str, InputDecl]  # where the wholes of those inputs are looked up


@dataclass(frozen=True)
class Group:
    name: str
    bonus: bool
    points: Fraction | None
    cap: Fraction | None
    indicators: tuple[Indicator, ...]


class _Zero(Exception):
    """A denominator is zero; the indicator's `on zero denominator` policy decides."""

    def __init__(self, input: str | None) -> None:
        super().__init__(input)
        self.input = input


class _Unavailable(Exception):
    """A value the formula needs could not be read (already reported as a data error)."""


@dataclass
class RefStandard:
    title: str
    rounding: int | None
    inputs: dict[str, InputDecl]
    groups: list[Group]
    levels: list[Level] | None
    bands: dict[str, Bands] = field(default_factory=dict)

    @property
    def indicators(self) -> list[Indicator]:
        return [i for g in self.groups for i in g.indicators]

    def indicator(self, number: int) -> Indicator:
        for indicator in self.indicators:
            if indicator.number == number:
                return indicator
        raise RefSyntaxError(f"no indicator {number}")

    def needs(self) -> Needs:
        first: dict[tuple[str, str], int] = {}
        for indicator in self.indicators:
            for read in reads(indicator.value):
                first.setdefault(read, indicator.number)
        now = self._with_wholes({name for name, period in first if period == NOW})
        return Needs(set(now), self._with_wholes({name for name, period in first if period == PREVIOUS}), first)

    def _with_wholes(self, needed: set[str]) -> list[str]:
        """The values read, and the wholes of those (docs/api.md: "an input that a formula needs, or
        the whole of one it needs, must be present"), so each bound is checked."""
        pending = list(needed)
        while pending:
            whole = self.inputs[pending.pop()].part_of
            if whole is not None and whole not in needed:
                needed.add(whole)
                pending.append(whole)
        return [name for name in self.inputs if name in needed]

    def errors(self, records: Sequence[object]) -> list[RefDataError]:
        """Every refusal the docs call for, in the order they are met (empty: all accepted)."""
        return self._run(records)[1]

    def evaluate_cohort(self, records: Sequence[object]) -> list[Result]:
        """One plain result per record, or the first `RefDataError` met."""
        results, errors = self._run(records)
        if errors:
            raise errors[0]
        return results

    def _run(self, records: Sequence[object]) -> tuple[list[Result], list[RefDataError]]:
        entities, errors = read_cohort(self.inputs, self.needs(), records)
        cohort = _Cohort(entities)
        self._take_columns(cohort, errors)
        outcomes: list[dict[int, Outcome]] = [{} for _ in entities]
        for index in range(len(entities)):
            for indicator in self.indicators:
                outcome = _score(self, cohort, index, indicator, errors)
                if outcome is not None:
                    outcomes[index][indicator.number] = outcome
        if errors:
            return [], errors
        return [self._result(entity, found) for entity, found in zip(entities, outcomes)], []

    def _take_columns(self, cohort: _Cohort, errors: list[RefDataError]) -> None:
        """Every rank() and share() argument, for every entity, before anything is scored: a
        cohort function compares each entity with all, so each one's argument is computed
        (and its bad data found) whether or not the rest of its own formula gets that far.
        My reading: the docs do not say; it is also what the library does."""
        for indicator in self.indicators:
            for call, period in cohort_calls(indicator.value):
                column = cohort.column(call.args[0], period, indicator.number)
                for entity, found in zip(cohort.entities, column):
                    if isinstance(found, RefDataError):
                        _collect(errors, found)
                    elif isinstance(found, _Zero) and indicator.zero == "error":  # its policy: refuse
                        _collect(errors, RefZeroDenominator(entity.name, indicator.number, found.input,
                                                            "the denominator is 0"))

    def _result(self, entity: Entity, outcomes: dict[int, Outcome]) -> Result:
        groups = {g.name: _group_points(g, outcomes) for g in self.groups}
        total = round_half_up(sum(groups.values(), Fraction(0)), self.rounding)
        return {
            "entity": entity.name,
            "indicators": outcomes,
            "groups": groups,
            "total": total,
            "rating": _rating(self, outcomes, groups, total),
        }


# ---------------------------------------------------------------- formulas (§5, §6)


class _Cohort:
    """The entities scored together; `rank` and `share` read a whole column of them."""

    def __init__(self, entities: list[Entity]) -> None:
        self.entities = entities
        self.columns: dict[tuple[Expr, str, int], list[Fraction | Exception]] = {}

    def column(self, expr: Expr, period: str, number: int) -> list[Fraction | Exception]:
        key = (expr, period, number)
        if key not in self.columns:
            self.columns[key] = [self._try(expr, index, period, number) for index in range(len(self.entities))]
        return self.columns[key]

    def _try(self, expr: Expr, index: int, period: str, number: int) -> Fraction | Exception:
        try:
            return self.value(expr, index, period, number)
        except (_Zero, _Unavailable, RefDataError) as error:
            return error

    def value(self, expr: Expr, index: int, period: str, number: int) -> Fraction:
        """The exact value of `expr` for entity `index`; `number` is the indicator computed."""
        if isinstance(expr, Num):
            return expr.value
        if isinstance(expr, Ref):
            return self._input(expr.name, index, period)
        if isinstance(expr, Neg):
            return -self.value(expr.operand, index, period, number)
        if isinstance(expr, Binary):
            return self._binary(expr, index, period, number)
        if isinstance(expr, Weighted):
            return sum((w * self.value(e, index, period, number) for w, e in expr.parts), Fraction(0))
        if isinstance(expr, Checklist):
            return sum((p * self._input(f, index, period) for f, p in expr.items), Fraction(0))
        return self._call(expr, index, period, number)

    def _input(self, name: str, index: int, period: str) -> Fraction:
        entity = self.entities[index]
        values = entity.values(period)
        if (name, period) in entity.bad or name not in values:
            raise _Unavailable(name)
        return values[name]

    def _binary(self, expr: Binary, index: int, period: str, number: int) -> Fraction:
        left = self.value(expr.left, index, period, number)
        right = self.value(expr.right, index, period, number)
        if expr.op == "+":
            return left + right
        if expr.op == "-":
            return left - right
        if expr.op == "*":
            return left * right
        if right == 0:
            raise _Zero(_named(expr.right))
        return left / right

    def _call(self, call: Call, index: int, period: str, number: int) -> Fraction:
        function, args = call.function, call.args
        if function == "rank":
            return self._rank(args[0], index, period, number)
        if function == "share":
            return self._share(args[0], index, period, number)
        if function == "growth":
            return self._growth(args[0], index, period, number)
        if function == "previous":
            if period == PREVIOUS or not isinstance(args[0], Ref):
                raise RefSyntaxError("previous() of last period, or of a formula")
            return self._input(args[0].name, index, PREVIOUS)
        values = [self.value(a, index, period, number) for a in args]
        if function == "ratio":
            return _ratio(self.entities[index].name, number, args, values)
        if function == "min":
            return min(values)
        if function == "max":
            return max(values)
        if function == "clamp":
            return min(max(values[0], values[1]), values[2])
        raise RefSyntaxError(f"unknown function {function}")

    def _growth(self, expr: Expr, index: int, period: str, number: int) -> Fraction:
        if period == PREVIOUS:
            raise RefSyntaxError("growth() inside growth()")
        now = self.value(expr, index, NOW, number)
        before = self.value(expr, index, PREVIOUS, number)
        if before == 0:
            raise _Zero(_named(expr, SUFFIX))
        return (now - before) / before

    def _defined(self, expr: Expr, index: int, period: str, number: int) -> tuple[Fraction, list[Fraction]]:
        """This entity's value of `expr` and the values of every entity for which it is defined."""
        column = self.column(expr, period, number)
        own = column[index]
        if isinstance(own, Exception):
            raise own
        if any(isinstance(v, (_Unavailable, RefDataError)) for v in column):
            raise _Unavailable("a peer's statistics")
        return own, [v for v in column if isinstance(v, Fraction)]

    def _rank(self, expr: Expr, index: int, period: str, number: int) -> Fraction:
        """Competition ranking, largest first: 9, 7, 7, 3 rank 1, 2, 2, 4."""
        own, peers = self._defined(expr, index, period, number)
        return Fraction(1 + sum(1 for v in peers if v > own))

    def _share(self, expr: Expr, index: int, period: str, number: int) -> Fraction:
        own, peers = self._defined(expr, index, period, number)
        total = sum(peers, Fraction(0))
        if total == 0:
            raise _Zero(_named(expr))
        return own / total


def _named(expr: Expr, suffix: str = "") -> str | None:
    """The input a zero denominator is about, when the denominator is one input."""
    return expr.name + suffix if isinstance(expr, Ref) else None


def _ratio(entity: str, number: int, args: tuple[Expr, ...], values: list[Fraction]) -> Fraction:
    part, whole = values
    if part > whole:
        raise RefPartAboveWhole(entity, number, _named(args[0]), f"the part {part} is above its whole {whole}")
    if whole == 0:
        raise _Zero(_named(args[1]))
    return part / whole


# ---------------------------------------------------------------- stars and points (§7, §8)


def stars(bands: Bands, value: Fraction) -> int:
    """The largest k whose threshold the value reaches; a value at a threshold reaches it."""
    reached = [k for k, t in enumerate(bands.thresholds, start=1)
               if (value >= t if bands.rule == "least" else value <= t)]
    return max(reached, default=0)


def _points(indicator: Indicator, value: Fraction, star_level: int | None) -> Fraction:
    if indicator.deduct is not None:
        each, cap = indicator.deduct.each, indicator.deduct.cap
        return -min(max(each * value, Fraction(0)), cap)
    assert indicator.points is not None and star_level is not None
    maximum, linear = indicator.points.maximum, indicator.points.linear
    if linear is None:
        return maximum * star_level / 5
    low, high = linear
    return maximum * min(max((value - low) / (high - low), Fraction(0)), Fraction(1))


def round_half_up(value: Fraction, decimals: int | None) -> Fraction:
    """Half-up to `decimals` places, halves away from zero (§12); `None`: exact."""
    if decimals is None:
        return value
    scale = 10 ** decimals
    magnitude = floor(abs(value) * scale + Fraction(1, 2))
    return Fraction(magnitude if value >= 0 else -magnitude, scale)


def _score(standard: RefStandard, cohort: _Cohort, index: int, indicator: Indicator,
           errors: list[RefDataError]) -> Outcome | None:
    """One indicator for one entity; `None` when it cannot be scored (the error is collected)."""
    entity = cohort.entities[index].name
    try:
        value = cohort.value(indicator.value, index, NOW, indicator.number)
    except _Unavailable:
        return None
    except RefDataError as error:
        _collect(errors, error)
        return None
    except _Zero as zero:
        if indicator.zero == "not applicable":
            return None, None, Fraction(0)
        if indicator.zero == "error":
            _collect(errors, RefZeroDenominator(entity, indicator.number, zero.input, "the denominator is 0"))
            return None
        value = Fraction(0)
    star_level = stars(indicator.bands, value) if indicator.deduct is None and indicator.bands else None
    return value, star_level, round_half_up(_points(indicator, value, star_level), standard.rounding)


def _collect(errors: list[RefDataError], error: RefDataError) -> None:
    """A peer's bad part may be met again through a `rank` column: report it once."""
    if not any(e.entity == error.entity and e.indicator == error.indicator and e.input == error.input
               and type(e) is type(error) for e in errors):
        errors.append(error)


# ---------------------------------------------------------------- groups, total, rating (§9, §10)


def _group_points(group: Group, outcomes: dict[int, Outcome]) -> Fraction:
    """The sum of the (rounded) points, deductions included; a bonus group's capped."""
    points = sum((outcomes[i.number][2] for i in group.indicators), Fraction(0))
    if group.bonus and group.cap is not None:
        return min(points, group.cap)
    return points


def _compare(actual: Fraction | int, op: str, target: Fraction) -> bool:
    return {">=": actual >= target, ">": actual > target, "<=": actual <= target, "<": actual < target}[op]


def _holds(standard: RefStandard, requirement: Requirement, outcomes: dict[int, Outcome],
           groups: dict[str, Fraction], total: Fraction) -> bool:
    r = requirement
    if r.subject == "total":
        return _compare(total, r.op, r.target)
    if r.subject == "group":
        assert r.group is not None
        return _compare(groups[r.group], r.op, r.target)
    if r.subject == "leading":
        levels = [outcomes[i.number][1] for i in standard.indicators if i.leading]
        return all(_compare(s, r.op, r.target) for s in levels if s is not None)  # N/A skipped
    assert r.number is not None
    value, star_level, _ = outcomes[r.number]
    actual = star_level if r.stars else value
    return actual is not None and _compare(actual, r.op, r.target)  # N/A never satisfies


def _rating(standard: RefStandard, outcomes: dict[int, Outcome], groups: dict[str, Fraction],
            total: Fraction) -> int | None:
    """Levels are tried from the top; the first whose requirements all hold; 0 if none."""
    if standard.levels is None:
        return None
    for level in standard.levels:
        if all(_holds(standard, r, outcomes, groups, total) for r in level.requirements):
            return level.rank
    return 0
