"""The testing kit: hypothesis strategies and invariants for property tests of any standard.

Strategies generate statistics a standard must accept (every input inside its
kind's domain, every part within its whole), whole cohorts, and records that put
an indicator exactly at, or just beside, a star threshold.  Invariants are plain
functions to call inside a user's own ``@given`` test; each raises
`InvariantError` (an AssertionError, so pytest reports a failure and hypothesis
shrinks the example) naming the entity, the indicator and what went wrong.

    >>> from hypothesis import given
    >>> from smartcity_rules import testing
    >>> @given(testing.cohorts(standard))
    ... def test_my_standard(cohort):
    ...     testing.check_all(standard, cohort)

hypothesis is a test extra, not a runtime dependency: importing this module
without it raises `MissingTestDependency`.
"""

from __future__ import annotations

import itertools
import json
import math
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, TextIO

import attrs

from ..language import syntax as s
from ..language.check import Node, ScoredIndicator
from ..language.errors import (
    CannotGenerate,
    DataError,
    InvariantError,
    MissingTestDependency,
    NegativeRoot,
    NotFound,
    ZeroDenominator,
)
from ..language.numbers import fmt
from ..language.syntax import Function
from ..plan.semantics import exact, node_score, redistribution, round_score, rounding_of
from ..plan.surds import Surd, square_root
from ..results.evaluation import Evaluation, IndicatorResult
from ..standard import Standard, TypedStandard, load
from .cases import CaseResult, default_path, load_cases, run_cases

try:
    from hypothesis import HealthCheck, Verbosity, given, settings
    from hypothesis import seed as hypothesis_seed
    from hypothesis import strategies as st
except ImportError as error:  # pragma: no cover - the test suite always has hypothesis
    raise MissingTestDependency(
        "smartcity_rules.testing needs hypothesis: pip install 'smartcity_rules[test]'") from error

__all__ = [
    "InvariantError",
    "InvariantRun",
    "MissingTestDependency",
    "ThresholdCase",
    "band_of",
    "check_all",
    "check_bands",
    "check_bounds",
    "check_directions",
    "check_rating",
    "check_threshold",
    "cohorts",
    "command",
    "jsonable",
    "near_thresholds",
    "records",
    "run_invariants",
    "threshold_cases",
]

MAX_COUNT = 10**6
MAX_CENTS = 10**9  # decimal kinds: up to ten million units, in hundredths
RATE_STEPS = 1000
FLAG_SPELLINGS = (True, False, "yes", "no", "是", "否")
FLAG_YES = (True, "yes", "是")
# How far beside a threshold "just beside" is: one hundredth, one millionth, one billionth.
NEIGHBOUR_STEPS = (Fraction(1, 100), Fraction(1, 10**6), Fraction(1, 10**9))


# ===================================================================== the plan
@attrs.frozen
class _Plan:
    """What generating and checking statistics need to know about a standard, found once."""

    inputs: Mapping[str, s.InputDecl]
    wholes: Mapping[str, str]  # part -> whole: declared `part of`, or implied by ratio(part, whole)
    positive: frozenset[str]  # inputs that divide somewhere: kept above zero by default
    previous: tuple[str, ...]  # inputs whose last-period value is read, with their wholes
    users: Mapping[str, tuple[ScoredIndicator, ...]]  # input -> indicators whose formula reads it
    droppable: tuple[str, ...] = ()  # inputs a record may leave out: their `when missing` fills them safely


_PLANS: weakref.WeakKeyDictionary[Standard, _Plan] = weakref.WeakKeyDictionary()


def _plan(standard: Standard) -> _Plan:
    """The standard's plan, made on first use; kept only as long as the standard lives."""
    plan = _PLANS.get(standard)
    if plan is None:
        plan = _PLANS[standard] = _make_plan(standard)
    return plan


def _make_plan(standard: Standard) -> _Plan:
    checked = standard.checked
    formulas = [item.syntax.value for item in checked.indicators if item.syntax.value is not None]
    wholes = _wholes(checked.inputs, formulas)
    positive = _close_upwards(_divisors(formulas), wholes)
    previous = _close_upwards(_previous_reads(formulas), wholes)
    users = _users(checked.indicators)
    return _Plan(checked.inputs, wholes, frozenset(positive),
                 tuple(n for n in checked.inputs if n in previous), users,
                 _droppable(checked.inputs, wholes, positive, users))


def _droppable(inputs: Mapping[str, s.InputDecl], wholes: Mapping[str, str], positive: set[str],
               users: Mapping[str, tuple[ScoredIndicator, ...]]) -> tuple[str, ...]:
    """Inputs whose `when missing` policy fills them in so that the record stays valid: a part
    or a whole filled in from the cohort or last period could end up above (or below) its
    other half, which the standard rightly refuses; `not applicable` is always safe, and `zero`
    for a part (never for a whole that parts sit under, nor a divisor kept above zero)."""
    tied = set(wholes) | set(wholes.values())
    found = []
    for name, decl in inputs.items():
        policy = decl.missing
        readers = users.get(name, ())
        if not decl.missing_declared and readers and all(
                r.missing in (s.MissingPolicy.ZERO, s.MissingPolicy.NOT_APPLICABLE) for r in readers):
            if name not in tied and name not in positive:
                found.append(name)  # every reader's node says what its absence means
            continue
        if policy is s.MissingPolicy.NOT_APPLICABLE:
            found.append(name)
        elif policy is s.MissingPolicy.ZERO and name not in wholes.values() and name not in positive:
            found.append(name)
        elif policy is not s.MissingPolicy.ERROR and name not in tied and name not in positive:
            found.append(name)
    return tuple(found)


def _users(indicators: Sequence[ScoredIndicator]) -> dict[str, tuple[ScoredIndicator, ...]]:
    """Input -> the indicators whose formula reads it, each once, in the standard's order."""
    users: dict[str, list[ScoredIndicator]] = {}
    for item in indicators:
        if item.syntax.value is not None:
            for name in dict.fromkeys(s.input_names(item.syntax.value)):
                users.setdefault(name, []).append(item)
    return {name: tuple(items) for name, items in users.items()}


def _nodes(formulas: list[s.Expr]) -> Iterator[s.Expr]:
    """Every node of every formula."""
    return (node for formula in formulas for node in s.walk(formula))


def _wholes(inputs: Mapping[str, s.InputDecl], formulas: list[s.Expr]) -> dict[str, str]:
    """Declared wholes, plus ratio(a, b) of two plain inputs: the runtime refuses a > b there."""
    wholes = {name: decl.part_of for name, decl in inputs.items() if decl.part_of is not None}
    for node in _nodes(formulas):
        if isinstance(node, s.Call) and node.callee is Function.RATIO and len(node.args) == 2:
            part, whole = node.args
            if (isinstance(part, s.Ref) and isinstance(whole, s.Ref) and part.name not in wholes
                    and not _reaches(wholes, whole.name, part.name)):
                wholes[part.name] = whole.name
    return wholes


def _reaches(wholes: Mapping[str, str], start: str, goal: str) -> bool:
    """Whether following wholes from `start` arrives at `goal` (a new link would close a cycle)."""
    seen: set[str] = set()
    current: str | None = start
    while current is not None and current not in seen:
        if current == goal:
            return True
        seen.add(current)
        current = wholes.get(current)
    return False


# Function -> which argument ends up in a denominator: ratio's whole; growth divides by last
# period's value of its argument, share by the cohort's sum of it.
_DENOMINATOR_ARGUMENT = {Function.RATIO: 1, Function.GROWTH: 0, Function.SHARE: 0}


def _divisors(formulas: list[s.Expr]) -> set[str]:
    """Inputs read by a denominator: the right of `/`, or a function's argument it divides by."""
    found: set[str] = set()
    for node in _nodes(formulas):
        if isinstance(node, s.Binary) and node.op is s.BinaryOp.DIV:
            found.update(s.input_names(node.right))
        elif isinstance(node, s.Call) and node.callee in _DENOMINATOR_ARGUMENT:  # arity is checked
            found.update(s.input_names(node.args[_DENOMINATOR_ARGUMENT[node.callee]]))
    return found


def _previous_reads(formulas: list[s.Expr]) -> set[str]:
    """Inputs read for the previous period (under growth() or previous())."""
    found: set[str] = set()
    for node in _nodes(formulas):
        if isinstance(node, s.Call) and node.callee in (Function.GROWTH, Function.PREVIOUS):
            for arg in node.args:
                found.update(s.input_names(arg))
    return found


def _close_upwards(names: set[str], wholes: Mapping[str, str]) -> set[str]:
    """The names and every whole above them: a positive part needs a positive whole, and
    a part read last period is checked against its whole's last-period value."""
    closed = set(names)
    for name in names:
        current = wholes.get(name)
        while current is not None and current not in closed:
            closed.add(current)
            current = wholes.get(current)
    return closed


# ===================================================================== strategies
def _spellings(value: Fraction, whole: bool, varied: bool) -> st.SearchStrategy[Any]:
    """The same exact number as the kinds of value a caller might pass; the plainest first,
    so that hypothesis shrinks towards it."""
    options: list[Any] = []
    if whole:
        options.append(int(value))
    text = _decimal_text(value)
    if text is not None:
        options.append(text)
    if not options:
        options.append(value)
    if not varied:
        return st.just(options[0])
    options.append(value)
    if whole:
        options.append(str(int(value)))
    if text is not None:
        options += [Decimal(text), float(text)] if len(text) <= 15 else [Decimal(text)]
    return st.sampled_from(options)


def _decimal_text(value: Fraction) -> str | None:
    """The value as a decimal string, when it has one (thirds do not)."""
    text = fmt(value)
    return None if "/" in text else text


@attrs.frozen
class _Domain:
    """The exact range a value is drawn from, and its grain."""

    low: Fraction
    high: Fraction
    step: Fraction  # values are multiples of step (plus the ends)
    whole: bool  # integral kinds


def _domain(decl: s.InputDecl, whole: Fraction | None, positive: bool) -> _Domain:
    """Where a valid value of an input lies, given its whole's value (if any)."""
    kind = decl.kind
    if kind in (s.Kind.COUNT, s.Kind.RANK):
        low = Fraction(1 if kind is s.Kind.RANK or positive else 0)
        return _Domain(low, Fraction(MAX_COUNT) if whole is None else Fraction(math.floor(whole)), Fraction(1), True)
    if kind is s.Kind.RATE:
        top = Fraction(1) if whole is None else min(Fraction(1), whole)
        return _Domain(Fraction(1, RATE_STEPS) if positive else Fraction(0), top, Fraction(1, RATE_STEPS), False)
    if kind is s.Kind.SCORE and decl.score_range is not None:
        low, high = (literal.value for literal in decl.score_range)
        return _Domain(low, high if whole is None else min(high, whole), Fraction(1, 100), False)
    top = Fraction(MAX_CENTS, 100) if whole is None else whole
    return _Domain(Fraction(1, 100) if positive else Fraction(0), top, Fraction(1, 100), False)


@st.composite
def _exact_in(draw: st.DrawFn, domain: _Domain) -> Fraction:
    """An exact value in a domain: a multiple of its step, or one of its ends (one draw, for speed)."""
    low, high = domain.low, max(domain.low, domain.high)
    first, last = math.ceil(low / domain.step), math.floor(high / domain.step)
    if first > last:
        return low
    k = draw(st.integers(first - 1, last + 1))  # one beyond either end stands for that end
    return low if k < first else high if k > last else k * domain.step


def _value(draw: st.DrawFn, decl: s.InputDecl, whole: Fraction | None, positive: bool,
           varied: bool) -> tuple[Any, Fraction]:
    """One valid raw value of an input, and its exact meaning."""
    if decl.kind is s.Kind.FLAG:
        raw = draw(st.sampled_from(FLAG_SPELLINGS if varied else FLAG_SPELLINGS[:2]))
        return raw, Fraction(int(raw in FLAG_YES))
    domain = _domain(decl, whole, positive)
    if domain.low > domain.high:  # a whole of 0 leaves a positive part no room: 0 it is
        domain = attrs.evolve(domain, low=domain.high)
    value = draw(_exact_in(domain))
    return draw(_spellings(value, domain.whole, varied)), value


@st.composite
def records(draw: st.DrawFn, standard: Standard, *, entity: str = "X", zeros: bool = False,
            varied: bool = True) -> dict[str, Any]:
    """One entity's complete statistics that the standard must accept.

    Every input is inside its kind's domain and every part within its whole (wholes
    are drawn first).  Last period's values are given where growth() or previous()
    read them.  With ``zeros=False`` (the default) inputs that divide somewhere are
    kept above zero, so most records score; ``varied`` spells numbers as ints,
    strings, Decimals and floats as well as the plainest form.  For a standard with entity
    types, of a type drawn among them, with the statistics of that type's standard.
    """
    if isinstance(standard, TypedStandard):
        entity_type = draw(st.sampled_from(standard.entity_types))
        typed = draw(records(standard.variant(entity_type), entity=entity, zeros=zeros, varied=varied))
        return {**typed, standard.entity_type_input: entity_type}
    plan = _plan(standard)
    record: dict[str, Any] = {"entity": entity}
    for suffix, names in (("", tuple(plan.inputs)), ("@previous", plan.previous)):
        done: dict[str, Fraction] = {}
        for name in names:
            _fill(draw, plan, record, done, name, suffix, zeros, varied)
    for name in plan.droppable:  # now and then not reported, as its `when missing` allows
        if draw(st.integers(0, 3)) == 0:
            del record[name]
            if plan.inputs[name].missing is s.MissingPolicy.PREVIOUS and name + "@previous" not in record:
                _fill(draw, plan, record, {}, name, "@previous", zeros, varied)
    return record


def _fill(draw: st.DrawFn, plan: _Plan, record: dict[str, Any], done: dict[str, Fraction], name: str,
          suffix: str, zeros: bool, varied: bool) -> Fraction:
    """Draw one input's value, its whole's first; returns its exact value."""
    if name not in done:
        whole_name = plan.wholes.get(name)
        whole = None if whole_name is None else _fill(draw, plan, record, done, whole_name, suffix, zeros, varied)
        raw, done[name] = _value(draw, plan.inputs[name], whole, not zeros and name in plan.positive, varied)
        record[name + suffix] = raw
    return done[name]


@st.composite
def cohorts(draw: st.DrawFn, standard: Standard, *, min_size: int = 1, max_size: int = 6,
            zeros: bool = False, varied: bool = True) -> list[dict[str, Any]]:
    """Entities evaluated together (ranks and shares are taken among them), named E1, E2, ..."""
    size = draw(st.integers(min_size, max_size))
    found = [draw(records(standard, entity=f"E{i}", zeros=zeros, varied=varied)) for i in range(1, size + 1)]
    for variant, part in _parts(standard, found):
        _reported_somewhere(draw, _plan(variant), part, varied)
    return found


def _parts(standard: Standard, cohort: Sequence[Mapping[str, Any]]) -> list[tuple[Standard, list[Any]]]:
    """The cohort as each of its standards scores it: one part per entity type (a typed
    standard compares an entity with those of its type only), or the whole cohort."""
    if not isinstance(standard, TypedStandard):
        return [(standard, list(cohort))]
    key = standard.entity_type_input
    return [(standard.variant(t), [r for r in cohort if r.get(key) == t]) for t in standard.entity_types]


def _reported_somewhere(draw: st.DrawFn, plan: _Plan, cohort: list[dict[str, Any]], varied: bool) -> None:
    for name in plan.droppable:  # the cohort fills a gap only from what someone reported
        if plan.inputs[name].missing.from_cohort and cohort and not any(name in r for r in cohort):
            cohort[0][name] = _value(draw, plan.inputs[name], None, False, varied)[0]


def near_thresholds(standard: Standard, code: str | int) -> st.SearchStrategy[Fraction]:
    """Values exactly at each of an indicator's star thresholds, and just below and above."""
    if str(code) not in standard.indicator_codes:
        raise NotFound(f"the standard has no indicator {code}")
    bands = standard.checked.indicator(code).bands
    if bands is None:
        raise CannotGenerate(f"indicator {code} has no star bands")
    values = [t.value + sign * step for t in bands.thresholds
              for step in NEIGHBOUR_STEPS for sign in (0, -1, 1)]
    return st.sampled_from(sorted(set(values)))


@attrs.frozen
class ThresholdCase:
    """A record that puts one indicator's value exactly where `value` says (at or beside a threshold)."""

    record: dict[str, Any]
    indicator: str  # its code
    value: Fraction | Surd  # exact: sqrt(t² + step) beside a threshold t is irrational


@st.composite
def threshold_cases(draw: st.DrawFn, standard: Standard) -> ThresholdCase:
    """Records whose indicator value sits exactly at, or one step beside, a star threshold.

    Reaches the indicators whose value is an input, ratio(part, whole) of two inputs or
    sqrt(input) (the input at t², or one step beside it), which is most of a typical standard;
    drawing from it raises CannotGenerate (a ValueError) if a standard has none.
    """
    plan = _plan(standard)
    targets = [item for item in standard.checked.indicators
               if _target_inputs(item, plan) is not None or _root_target(item, plan) is not None]
    if not targets:
        raise CannotGenerate("no indicator is an input or ratio(part, whole): nothing to put at a threshold")
    item = draw(st.sampled_from(targets))
    assert item.bands is not None
    threshold = draw(st.sampled_from(item.bands.thresholds)).value
    record = dict(draw(records(standard, varied=False)))
    value = _place(draw, plan, record, item, threshold, draw(st.sampled_from((0, -1, 1))))
    return ThresholdCase(record, item.code, value)


def _target_inputs(item: ScoredIndicator, plan: _Plan) -> tuple[str, str | None] | None:
    """(input, whole or None) when the indicator's value is `input` or ratio(input, whole)."""
    value = item.syntax.value
    if item.bands is None or value is None:
        return None
    if isinstance(value, s.Ref) and plan.inputs[value.name].kind is not s.Kind.FLAG:
        return value.name, None
    if isinstance(value, s.Call) and value.callee is Function.RATIO and all(isinstance(a, s.Ref) for a in value.args):
        part, whole = (arg.name for arg in value.args if isinstance(arg, s.Ref))
        if plan.wholes.get(part) == whole and part not in plan.wholes.values():
            return part, whole
    return None


def _text(value: Fraction | Surd | None) -> str:
    return fmt(value) if isinstance(value, Fraction) else str(value)


def _root_target(item: ScoredIndicator, plan: _Plan) -> str | None:
    """The input when the indicator's value is sqrt(input)."""
    value = item.syntax.value
    if item.bands is None or not isinstance(value, s.Call) or value.callee is not Function.SQRT:
        return None
    (argument,) = value.args
    return argument.name if isinstance(argument, s.Ref) else None


def _place_root(plan: _Plan, record: dict[str, Any], name: str, threshold: Fraction, side: int) -> Surd:
    """sqrt(input) at the threshold t: the input at t² exactly, or one step beside it."""
    domain = _domain(plan.inputs[name], _whole_value(plan, record, name), False)
    wanted = threshold * threshold + side * domain.step
    if threshold >= 0 and domain.low <= wanted <= domain.high and (not domain.whole or wanted.denominator == 1):
        record[name] = _plain(wanted)
        _clamp_parts(plan, record, name)
    return square_root(exact(record[name]))


def _place(draw: st.DrawFn, plan: _Plan, record: dict[str, Any], item: ScoredIndicator,
           threshold: Fraction, side: int) -> Fraction | Surd:
    """Set the indicator's inputs so that its value is the threshold, or one step beside it;
    returns the value it will have.  Keeps the record valid, or leaves it as it was."""
    root = _root_target(item, plan)
    if root is not None:
        return _place_root(plan, record, root, threshold, side)
    target = _target_inputs(item, plan)
    assert target is not None
    part, whole = target
    if whole is None:
        domain = _domain(plan.inputs[part], _whole_value(plan, record, part), False)
        wanted = threshold + side * domain.step
        if domain.low <= wanted <= domain.high and (not domain.whole or wanted.denominator == 1):
            record[part] = _plain(wanted)
            _clamp_parts(plan, record, part)  # the input may be the whole of others
            return wanted
        return exact(record[part])
    return _place_ratio(draw, plan, record, (part, whole), threshold, side)


def _place_ratio(draw: st.DrawFn, plan: _Plan, record: dict[str, Any], names: tuple[str, str],
                 threshold: Fraction, side: int) -> Fraction:
    """ratio(part, whole) at the threshold: whole = a multiple of the threshold's denominator."""
    part, whole = names
    bottom = Fraction(threshold.denominator * draw(st.integers(1, 1000)))
    part_domain = _domain(plan.inputs[part], bottom, False)
    top = threshold * bottom + side * part_domain.step
    whole_domain = _domain(plan.inputs[whole], _whole_value(plan, record, whole), True)
    if not (part_domain.low <= top <= part_domain.high and whole_domain.low <= bottom <= whole_domain.high):
        return _current_ratio(record, part, whole)
    record[whole], record[part] = _plain(bottom), _plain(top)
    _clamp_parts(plan, record, whole)
    record[part] = _plain(top)  # clamping the whole's other parts leaves this one as placed
    return top / bottom


def _current_ratio(record: Mapping[str, Any], part: str, whole: str) -> Fraction:
    """ratio(part, whole) of the record as it is (0 for a zero whole, as nothing was placed)."""
    bottom = exact(record[whole])
    return exact(record[part]) / bottom if bottom else Fraction(0)


def _whole_value(plan: _Plan, record: Mapping[str, Any], name: str) -> Fraction | None:
    """The exact value of the input's whole in the record, or None when it has no whole."""
    whole = plan.wholes.get(name)
    return None if whole is None else exact(record[whole])


def _clamp_parts(plan: _Plan, record: dict[str, Any], whole: str) -> None:
    """After a whole shrank, bring its parts (and theirs) back within it."""
    for part, of in plan.wholes.items():
        if of == whole and part in record and plan.inputs[part].kind is not s.Kind.FLAG:
            if exact(record[part]) > exact(record[whole]):
                limit = exact(record[whole])
                integral = plan.inputs[part].kind in (s.Kind.COUNT, s.Kind.RANK)
                record[part] = _plain(Fraction(math.floor(limit)) if integral else limit)
            _clamp_parts(plan, record, part)


def _plain(value: Fraction) -> Any:
    """The plainest spelling of an exact number: an int, else a decimal string, else the Fraction."""
    if value.denominator == 1:
        return int(value)
    return _decimal_text(value) or value


# ===================================================================== invariants
def band_of(bands: s.StarBands, value: Fraction | Surd) -> int:
    """The star level a value reaches, written from the language reference alone:
    the largest k whose threshold the value reaches (at least: >=, at most: <=)."""
    reached = [k for k, t in enumerate(bands.thresholds, start=1)
               if (value >= t.value if bands.rule is s.BandRule.AT_LEAST else value <= t.value)]
    return max(reached, default=0)


def _round(item: ScoredIndicator, value: Fraction) -> Fraction:
    """A number rounded as the standard rounds the indicator's points."""
    return round_score(value, rounding_of(item.rounding))


def check_bounds(standard: Standard, evaluation: Evaluation) -> None:
    """Points within 0..max (a deduction within -cap..0), every group, indicator made of items
    and the total the sum of its members (capped, weighted, rounded), and the total within
    its declared range."""
    for result in evaluation.indicators:
        _indicator_bounds(standard, result, evaluation.entity)
        _normalised_bounds(standard, result, evaluation.entity)
    _node_sums(standard, evaluation)
    _total_bounds(standard, evaluation)


def _indicator_bounds(standard: Standard, result: IndicatorResult, entity: str) -> None:
    """Points within 0..max (a deduction within -cap..0) and stars within 0..5."""
    item = standard.checked.indicator(result.code)
    deduction = item.syntax.deduction
    if deduction is not None:
        low = None if deduction.cap is None else -_round(item, deduction.cap.value)
        high = Fraction(0)
    else:
        low, high = Fraction(0), _round(item, result.max_points or Fraction(0))
    if (low is not None and result.points < low) or result.points > high:
        shown = "-inf" if low is None else fmt(low)
        raise InvariantError("bounds", f"{fmt(result.points)} points is outside {shown}..{fmt(high)}",
                             entity=entity, indicator=result.code)
    if result.stars is not None and not 0 <= result.stars <= 5:
        raise InvariantError("bounds", f"{result.stars} stars", entity=entity, indicator=result.code)


_UNIT_FUNCTIONS = (Function.MINMAX, Function.PERCENTILE)


def _normalised_bounds(standard: Standard, result: IndicatorResult, entity: str) -> None:
    """A value that is min-max normalised or a percentile rank lies in [0, 1]."""
    value = standard.checked.indicator(result.code).syntax.value
    if isinstance(value, s.Call) and value.callee in _UNIT_FUNCTIONS and result.value is not None \
            and not 0 <= result.value <= 1:
        raise InvariantError("bounds", f"{value.function}(...) is {fmt(result.value)}, outside 0..1",
                             entity=entity, indicator=result.code)


def _node_sums(standard: Standard, evaluation: Evaluation) -> None:
    """Each node scores its members' scores summed (scaled when it redistributes the weight of
    not-applicable members), capped, weighted and rounded; a leaf its points. An aggregated node
    lies between 0 and its members' plain sum: minimum <= harmonic <= geometric <= arithmetic."""
    results = evaluation.nodes
    nodes = standard.checked.nodes
    applicable = _applicable(standard, evaluation)
    for node, result in zip(nodes, results):
        if node.leaf is not None:
            expected = evaluation.indicator(standard.checked.indicators[node.leaf].code).points
            if result.points != expected:
                raise InvariantError("bounds", f"{node.label} scored {fmt(result.points)}, not its points "
                                     f"{fmt(expected)}", entity=evaluation.entity)
            continue
        members = [results[_index(standard, member)].points for member in node.members]
        weighed = [m for m in node.members if m.weighs]
        held = [applicable[_index(standard, m)] for m in weighed]
        scale = redistribution([m.maximum or Fraction(0) for m in weighed], held) if node.redistribute else None
        if scale is not None:
            _redistributed_weight(node, weighed, held, scale, evaluation.entity)
        if node.redistribute and weighed and scale is None:
            expected = Fraction(0)
        elif node.aggregation not in (None, s.Aggregation.ARITHMETIC):
            _aggregate_bounds(node, result.points, members, scale, evaluation.entity)
            continue
        else:
            expected = node_score(members, node.cap, node.weight, rounding_of(node.rounding), scale)[1]
        if result.points != expected:
            raise InvariantError("bounds", f"{node.label} scored {fmt(result.points)}, but its members "
                                 f"give {fmt(expected)}", entity=evaluation.entity)


def _redistributed_weight(node: Node, weighed: list[Node], held: list[bool], scale: Fraction, entity: str) -> None:
    """The applicable members' maxima, scaled, are the node's whole weight again."""
    whole = sum((m.maximum or Fraction(0) for m in weighed), Fraction(0))
    given = sum((m.maximum or Fraction(0) for m, ok in zip(weighed, held) if ok), Fraction(0)) * scale
    if given != whole:
        raise InvariantError("bounds", f"{node.label} redistributes {fmt(given)} of its members' {fmt(whole)}",
                             entity=entity)


def _aggregate_bounds(node: Node, score: Fraction, members: list[Fraction], scale: Fraction | None,
                      entity: str) -> None:
    """An aggregated node between nothing and its members' plain (redistributed) sum, give or
    take one unit of its rounding."""
    rounding = rounding_of(node.rounding)
    unit = Fraction(1, 10**rounding.decimals) if rounding is not None else Fraction(0)
    ceiling = node_score(members, node.cap, node.weight, None, scale)[1] + unit
    floor = min(Fraction(0), *members) - unit
    if not floor <= score <= max(ceiling, Fraction(0)):
        raise InvariantError("bounds", f"{node.label} aggregates to {fmt(score)}, outside {fmt(floor)}.."
                             f"{fmt(ceiling)}: no mean exceeds the arithmetic one", entity=entity)


def _applicable(standard: Standard, evaluation: Evaluation) -> list[bool]:
    """For each node: a leaf with a value, an inner node with an applicable member that has a
    maximum (or with no such member at all)."""
    nodes = standard.checked.nodes
    found = [True] * len(nodes)
    for k in reversed(range(len(nodes))):
        node = nodes[k]
        if node.leaf is not None:
            found[k] = evaluation.indicator(standard.checked.indicators[node.leaf].code).value is not None
        else:
            weighed = [_index(standard, m) for m in node.members if m.weighs]
            found[k] = not weighed or any(found[m] for m in weighed)
    return found


def _index(standard: Standard, node: Node) -> int:
    return next(k for k, other in enumerate(standard.checked.nodes) if other is node)


def _total_bounds(standard: Standard, evaluation: Evaluation) -> None:
    """The total lies within its declared range."""
    assert standard.checked.root is not None
    low, high = _node_range(standard, standard.checked.root)
    if (low is not None and evaluation.total < low) or evaluation.total > high:
        raise InvariantError("bounds", f"the total {fmt(evaluation.total)} is outside "
                             f"{'-inf' if low is None else fmt(low)}..{fmt(high)}", entity=evaluation.entity)


def _node_range(standard: Standard, node: Node) -> tuple[Fraction | None, Fraction]:
    """The lowest (None: no floor, an uncapped deduction) and highest score of a node: every
    deduction at its cap; full points plus every bonus cap."""
    rounding = rounding_of(node.rounding)
    if node.leaf is not None:
        item = standard.checked.indicators[node.leaf]
        deduction = item.syntax.deduction
        if deduction is None:
            return Fraction(0), round_score(item.maximum or Fraction(0), rounding)
        return (None if deduction.cap is None else -round_score(deduction.cap.value, rounding)), Fraction(0)
    ranges = [_node_range(standard, member) for member in node.members]
    lows = [low for low, _ in ranges]
    low = None if any(v is None for v in lows) else node_score([v for v in lows if v is not None],
                                                               node.cap, node.weight, rounding)[1]
    return low, node_score([high for _, high in ranges], node.cap, node.weight, rounding)[1]


def check_missing(standard: Standard, cohort: Sequence[Mapping[str, Any]], evaluation: Evaluation) -> None:
    """A value the cohort filled in lies within the range the other entities reported; an
    input filled in as not applicable leaves its readers without a value."""
    for missing in evaluation.missing:
        decl = standard.checked.inputs[missing.input]
        if decl.missing.from_cohort and missing.value is not None:
            reported = [exact(r[missing.input]) for r in cohort
                        if r.get("entity") != evaluation.entity and _reported(r.get(missing.input))]
            if reported and not min(reported) <= missing.value <= max(reported):
                raise InvariantError("missing", f"`{missing.input}` filled in with {fmt(missing.value)}, outside "
                                     f"the {fmt(min(reported))}..{fmt(max(reported))} the others reported",
                                     entity=evaluation.entity)
        if missing.filled == s.MissingPolicy.NOT_APPLICABLE.value:
            for code in missing.indicators:
                if evaluation.indicator(code).value is not None:
                    raise InvariantError("missing", f"`{missing.input}` is missing, yet indicator {code} has a "
                                         "value", entity=evaluation.entity, indicator=code)


def _reported(raw: Any) -> bool:
    return raw is not None and not (isinstance(raw, str) and not raw.strip())


def check_bands(standard: Standard, evaluation: Evaluation) -> None:
    """Every star level is the band its exact value reaches (a value exactly at a threshold
    lands in that band), and star-based points are max x stars / 5."""
    for result in evaluation.indicators:
        item = standard.checked.indicator(result.code)
        if result.value is None:
            if result.stars is not None or result.points != 0:
                raise InvariantError("bands", "a not-applicable indicator has stars or points",
                                     entity=evaluation.entity, indicator=result.code)
        elif item.bands is not None:
            _band_agrees(standard, item, result, evaluation.entity)


def _band_agrees(standard: Standard, item: ScoredIndicator, result: IndicatorResult, entity: str) -> None:
    """The result's stars are the band its value reaches, and star-based points follow them."""
    assert item.bands is not None and result.value is not None
    banded = result.value if result.exact is None else result.exact  # an irrational is banded exactly
    want = band_of(item.bands, banded)
    if result.stars != want:
        raise InvariantError("bands", f"value {banded if result.exact else fmt(result.value)} reaches {want} stars "
                             f"({item.bands.rule.value} {', '.join(t.text for t in item.bands.thresholds)}), "
                             f"but scored {result.stars}", entity=entity, indicator=result.code)
    points = item.syntax.points
    if points is not None and isinstance(points.scoring, s.FromStars):
        expected = _round(item, points.maximum.value * want / 5)
        if result.points != expected:
            raise InvariantError("bands", f"{want} stars give {fmt(expected)} points, not {fmt(result.points)}",
                                 entity=entity, indicator=result.code)


def check_rating(standard: Standard, before: Evaluation, after: Evaluation) -> None:
    """If `after` has at least `before`'s total and holds every requirement other than the
    total's that `before` holds, its rating is not lower."""
    rating = standard.checked.syntax.rating
    if rating is None or before.rating is None or after.rating is None or after.total < before.total:
        return
    for level, was, now in zip(rating.levels, before.rating.levels, after.rating.levels):
        # A level's own requirements, then those it is held to beyond them (enough data, no veto).
        kinds = [*level.requirements, *(None for _ in was.requirements[len(level.requirements):])]
        for requirement, held, holds in zip(kinds, was.requirements, now.requirements):
            if not isinstance(requirement, s.TotalRequirement) and held.held and not holds.held:
                return  # another condition got worse: the rating may drop
    if (after.rating_rank or 0) < (before.rating_rank or 0):
        raise InvariantError("rating", f"{after.entity!r} has total {fmt(after.total)} >= {fmt(before.total)} "
                             f"of {before.entity!r} and every other condition {before.entity!r} meets, but "
                             f"rates {after.rating_rank} < {before.rating_rank}", entity=after.entity)


def check_threshold(standard: Standard, case: ThresholdCase) -> None:
    """The case's indicator has exactly the value the case set, and lands in that value's band.

    Nothing to check when another indicator divides by a zero the case did not choose;
    any other refusal of the case's record is a failure (`accepts valid statistics`).
    """
    evaluations = _scored(standard, [case.record])
    if evaluations is None:
        return
    evaluation = evaluations[0]
    result = evaluation.indicator(case.indicator)
    item = standard.checked.indicator(case.indicator)
    found = result.value if result.exact is None else result.exact
    if found != case.value:
        raise InvariantError("threshold", f"value should be exactly {_text(case.value)}, is {_text(found)}",
                             entity=evaluation.entity, indicator=case.indicator)
    _band_agrees(standard, item, result, evaluation.entity)


def check_directions(standard: Standard, cohort: Sequence[Mapping[str, Any]], *, index: int = 0,
                     inputs: Sequence[str] | None = None) -> None:
    """Raising an input that is better higher never lowers the stars or points of the
    better-higher indicators that read it; raising a better-lower input never raises those
    of the better-lower indicators that read it.

    Raises each input of `cohort[index]` that has a direction (or those in `inputs`) by
    one step and to the top of its domain, keeping the record valid, and scores the
    cohort again.  Variants the standard refuses are skipped: raising one input can make
    a computed denominator zero, or a computed part exceed its whole.
    """
    plan = _plan(standard)
    before = standard.evaluate_cohort(cohort)[index]
    names = [n for n in plan.inputs if plan.inputs[n].direction is not None] if inputs is None else list(inputs)
    for name in names:
        for old, new in _raised(plan, cohort[index], name):
            variant = [*cohort[:index], {**cohort[index], name: _plain(new)}, *cohort[index + 1:]]
            try:
                after = standard.evaluate_cohort(variant)[index]
            except DataError:
                continue
            _same_way(plan, name, (old, new), before, after)
            _aggregates_same_way(standard, plan, name, before, after)
            check_rating(standard, before, after)


def _raised(plan: _Plan, record: Mapping[str, Any], name: str) -> list[tuple[Fraction, Fraction]]:
    """(now, raised) pairs: one step up, and the top of the input's domain (its whole, the
    end of a rate or score, or else twice the value and one more); a no flag becomes yes."""
    decl = plan.inputs[name]
    if name not in record:
        return []
    if decl.kind is s.Kind.FLAG:
        return [] if record[name] in FLAG_YES else [(Fraction(0), Fraction(1))]
    now = exact(record[name])
    domain = _domain(decl, _whole_value(plan, record, name), False)
    bounded = name in plan.wholes or decl.kind in (s.Kind.RATE, s.Kind.SCORE)
    top = domain.high if bounded else now * 2 + 1
    return [(now, value) for value in sorted({now + domain.step, top}) if now < value <= top]


def _same_way(plan: _Plan, name: str, change: tuple[Fraction, Fraction], before: Evaluation,
              after: Evaluation) -> None:
    """The indicators that read `name` and share its direction moved its way, or not at all."""
    direction = plan.inputs[name].direction
    if direction is None:
        return
    for item in plan.users.get(name, ()):
        if item.direction is not direction:
            continue
        was, now = before.indicator(item.code), after.indicator(item.code)
        for what, old, new in (("stars", was.stars, now.stars), ("points", was.points, now.points)):
            if old is None or new is None or old == new:
                continue
            if (new < old) if direction is s.Direction.HIGHER else (new > old):
                raise InvariantError(
                    "direction", f"`{name}` is better {direction.value}, but raising it from {fmt(change[0])} to "
                    f"{fmt(change[1])} moved {what} from {fmt(old)} to {fmt(new)}",
                    entity=before.entity, indicator=item.code)


_MEANS = (s.Aggregation.GEOMETRIC, s.Aggregation.HARMONIC, s.Aggregation.MINIMUM)


def _aggregates_same_way(standard: Standard, plan: _Plan, name: str, before: Evaluation,
                         after: Evaluation) -> None:
    """A geometric, harmonic or minimum node whose members that read `name` all share its
    direction moves its way too, or not at all (when what is applicable stays the same)."""
    direction = plan.inputs[name].direction
    if direction is None:
        return
    leaves = standard.checked.indicators
    for index, node in enumerate(standard.checked.nodes):
        if node.aggregation not in _MEANS:
            continue
        readers = [leaves[n.leaf] for n in node.walk() if n.leaf is not None
                   and leaves[n.leaf] in plan.users.get(name, ())]
        if not readers or any(r.direction is not direction for r in readers):
            continue
        if any((before.indicator(r.code).value is None) != (after.indicator(r.code).value is None) for r in readers):
            continue
        old, new = before.nodes[index].points, after.nodes[index].points
        if (new < old) if direction is s.Direction.HIGHER else (new > old):
            raise InvariantError("direction", f"`{name}` is better {direction.value}, but raising it moved "
                                 f"{node.label} from {fmt(old)} to {fmt(new)}", entity=before.entity)


def check_all(standard: Standard, cohort: Sequence[Mapping[str, Any]]) -> tuple[Evaluation, ...] | None:
    """Every invariant on one cohort: bounds and bands for each entity, rating order for
    each pair, directions for the first entity.

    Returns the evaluations, or None when the cohort cannot be scored because a
    denominator is zero (nothing to check).  Any other refusal of statistics the
    strategies call valid is itself a failure.  A standard with entity types scores each
    entity as its type's standard does among the entities of its type, and each type's
    standard holds every invariant on its part of the cohort.
    """
    if isinstance(standard, TypedStandard):
        return _check_typed(standard, cohort)
    evaluations = _scored(standard, cohort)
    if evaluations is None:
        return None
    for evaluation in evaluations:
        check_bounds(standard, evaluation)
        check_bands(standard, evaluation)
        check_missing(standard, cohort, evaluation)
    for before, after in itertools.permutations(evaluations, 2):
        check_rating(standard, before, after)
    if cohort:
        check_directions(standard, cohort)
    return evaluations


def _check_typed(standard: TypedStandard, cohort: Sequence[Mapping[str, Any]]) -> tuple[Evaluation, ...] | None:
    evaluations = _scored(standard, cohort)
    if evaluations is None:
        return None
    key = standard.entity_type_input
    by_entity = {e.entity: e for e in evaluations}
    for variant, part in _parts(standard, cohort):
        alone = check_all(variant, [{k: v for k, v in r.items() if k != key} for r in part])
        for evaluation in alone or ():
            routed = by_entity[evaluation.entity]
            if routed.to_dict() != evaluation.to_dict():
                raise InvariantError("scores an entity by its type's standard, among its type",
                                     f"entity type {variant.entity_type!r} scores it {evaluation.total}, "
                                     f"the typed standard {routed.total}", entity=evaluation.entity)
    return evaluations


def _scored(standard: Standard, cohort: Sequence[Mapping[str, Any]]) -> tuple[Evaluation, ...] | None:
    """The cohort's evaluations, or None for a zero denominator; the strategies promise valid
    statistics, so any other refusal is an InvariantError."""
    try:
        return standard.evaluate_cohort(cohort)
    except (ZeroDenominator, NegativeRoot):  # a formula's choice, not bad statistics (W0278 warns)
        return None
    except DataError as error:
        raise InvariantError("accepts valid statistics", f"the standard refused them: {error}",
                             entity=error.entity, indicator=error.indicator) from error


# ===================================================================== a whole run
@attrs.frozen
class InvariantRun:
    """What run_invariants found: how many cohorts it tried, how many could not be scored
    (a zero denominator), and the first failure with its shrunk cohort."""

    examples: int
    unscored: int
    failure: InvariantError | None
    counterexample: list[dict[str, Any]] | None


@attrs.define
class _Tally:
    """InvariantRun's fields, counted up while hypothesis runs (shrinking attempts included)."""

    examples: int = 0
    unscored: int = 0
    failure: InvariantError | None = None
    counterexample: list[dict[str, Any]] | None = None


def run_invariants(standard: Standard, *, examples: int = 100, seed: int = 0,
                   max_size: int = 3) -> InvariantRun:
    """check_all on `examples` generated cohorts, reproducibly from `seed`; a failure is
    shrunk by hypothesis and returned with the cohort that shows it (nothing is raised)."""
    tally = _Tally()
    test = _seeded_test(standard, tally, examples, seed, max_size)
    try:
        test()
    except InvariantError:
        pass  # the tally holds the shrunk cohort: hypothesis replays it last
    return InvariantRun(tally.examples, tally.unscored, tally.failure, tally.counterexample)


def _seeded_test(standard: Standard, tally: _Tally, examples: int, seed: int,
                 max_size: int) -> Callable[[], None]:
    """A hypothesis test of check_all that notes every example and failure in `tally`."""

    @hypothesis_seed(seed)
    @settings(max_examples=examples, deadline=None, database=None, verbosity=Verbosity.quiet,
              report_multiple_bugs=False, print_blob=False, suppress_health_check=list(HealthCheck))
    @given(cohorts(standard, max_size=max_size))
    def test(cohort: list[dict[str, Any]]) -> None:
        tally.examples += 1
        try:
            if check_all(standard, cohort) is None:
                tally.unscored += 1
        except InvariantError as error:
            tally.failure, tally.counterexample = error, cohort
            raise

    return test


def jsonable(records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Records as JSON data that read_records reads back to the same numbers: exact numbers
    become decimal strings, and one with no finite decimal (1/3) the text `1/3`, which
    scoring reads exactly too."""
    return [{key: _json_value(value) for key, value in record.items()} for record in records]


def _json_value(value: Any) -> Any:
    """Exact numbers as text, because JSON numbers are read back as floats; floats by their
    shortest repr, which exact() reads as the decimal that was meant."""
    if isinstance(value, (bool, int, str)) or value is None:
        return value
    if isinstance(value, (Fraction, Decimal)):
        return fmt(Fraction(value))
    return repr(value)


# ===================================================================== the `test` command
def command(standard_path: str | Path, *, examples: int, seed: int, cases_path: str | Path | None,
            out: TextIO, root: str | Path | None = None) -> int:
    """`smartcity-rules test`: the invariants on generated cohorts, then the stored cases.

    `root` widens where `use` and a case's `data =` may read, as `--root` does for every command.
    Exit code 1 when an invariant fails (the shrunk cohort is printed as JSON data that
    `smartcity-rules score` reads) or a case fails; 0 otherwise.
    """
    standard = load(standard_path, root=root)  # `use` and a case's `data` stay inside the root
    failed = examples > 0 and not _report_invariants(standard, examples, seed, out)
    path = Path(cases_path) if cases_path is not None else default_path(standard_path)
    if cases_path is None and not path.exists():  # an explicit --cases that is missing is an error
        print(f"cases: none ({path} does not exist)", file=out)
        return int(failed)
    results = run_cases(standard, load_cases(path, root=root))
    return int(failed or not _report_cases(results, path, out))


def _report_invariants(standard: Standard, examples: int, seed: int, out: TextIO) -> bool:
    """Run the invariants and print the verdict; True when they all held."""
    run = run_invariants(standard, examples=examples, seed=seed)
    if run.failure is None:
        unscored = f" ({run.unscored} not scored: a zero denominator)" if run.unscored else ""
        print(f"invariants: {run.examples} cohorts, seed {seed}: ok{unscored}", file=out)
        return True
    print(f"invariants: FAILED (seed {seed})", file=out)
    print(f"  {run.failure}", file=out)
    print("  shrunk counterexample, as data (score it with `smartcity-rules score STANDARD FILE`):", file=out)
    print(json.dumps(jsonable(run.counterexample or []), ensure_ascii=False, indent=2), file=out)
    return False


def _report_cases(results: Sequence[CaseResult], path: Path, out: TextIO) -> bool:
    """Print each failed case with its lines, then the count; True when every case passed."""
    failed = [r for r in results if not r.passed]
    for result in failed:
        print(f"case {result.case.name!r} ({result.case.location}) FAILED:", file=out)
        for line in result.failures:
            print(f"  {line}", file=out)
    verdict = f"{len(failed)} failed, " if failed else ""
    print(f"cases: {verdict}{len(results) - len(failed)} passed ({path})", file=out)
    return not failed
