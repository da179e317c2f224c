"""Proves with sympy that each formula moves the way its directions say: part of the analysis stage.

For an indicator that is better higher (or lower) and an input of its formula that is
better higher (or lower), the value must not move against the input: the partial
derivative, times +1 when the two directions agree and -1 when they differ, must be
non-negative wherever every input is positive.  Three outcomes:

- proven (sympy's assumptions show the sign): nothing to report;
- disproven (negative everywhere, or at a valid point found by sampling): an error naming
  the input and the region or a point where the value goes the wrong way;
- undecided: a warning that the direction could not be proven.

`min`, `max` and `clamp` differentiate into Heaviside steps, each between 0 and 1, which
stand in as non-negative symbols.  `rank(e)` and `share(e)` are opaque: by the chain rule
their part of the derivative is (d value / d rank) * (d rank / d e) * (d e / d input), where
d rank / d e < 0 and d share / d e > 0; each term must then have the right sign by itself.

Proofs have a budget, so that `smartcity-rules check` ends in bounded time whatever the
formula: a formula of more than MAX_PROOF_PARTS parts (growth counts its argument twice,
now and before), a `min` or `max` of more than MAX_PROOF_EXTREMES parts (sympy compares
every pair of them at each derivative), or proofs still running after PROOF_SECONDS for
the whole standard are not attempted; each then gets the undecided warning, saying why.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator, Mapping
from fractions import Fraction

import attrs
import sympy

from ..language import syntax as s
from ..language.check import ScoredIndicator
from ..language.diagnostics import Diagnostic, Label, Severity
from ..language.syntax import Function, children, walk
from . import mathematics as m

SAMPLES = 200  # points tried when sympy cannot decide a sign; seeded, so runs repeat
MAX_PROOF_PARTS = 250  # formula nodes; the shipped standards' largest has 11; 300 took 3 s
MAX_PROOF_EXTREMES = 8  # parts of one min or max: 16 took sympy 5 s, 30 took 46 s
PROOF_SECONDS = 10.0  # for every proof of one standard; the shipped ones need well under 1 s
# Stand-ins for rank(e), share(e) and Heaviside steps are named `rank#0`, `step#1`: `#` cannot
# occur in an input's name, so a stand-in never equals an input's Symbol.
STAND_IN = "#"
_POSITIVE_VALUES = (Fraction(1, 2), Fraction(1), Fraction(2), Fraction(3), Fraction(10), Fraction(1000))
_WHOLE_VALUES = (Fraction(1), Fraction(2), Fraction(3), Fraction(10), Fraction(1000))
_UNIT_VALUES = (Fraction(1, 10), Fraction(1, 2), Fraction(1))
_SAMPLE_VALUES: Mapping[s.Kind, tuple[Fraction, ...]] = {
    s.Kind.COUNT: _WHOLE_VALUES, s.Kind.RANK: _WHOLE_VALUES, s.Kind.RATE: _UNIT_VALUES, s.Kind.FLAG: _UNIT_VALUES,
}
_STAND_IN_VALUES = {"rank": (Fraction(1), Fraction(2), Fraction(5)), "share": _UNIT_VALUES}


@attrs.frozen
class _Cohort:
    """A rank(e) or share(e) replaced by `symbol`; `sign` is the direction it moves with e."""

    symbol: sympy.Symbol
    inner: sympy.Expr
    sign: int


class Budget:
    """The time left for the proofs of one standard: a deadline, checked between steps.

    A step is one sympy call, bounded by the size limits, so the proofs end soon after it."""

    def __init__(self, seconds: float | None = None) -> None:
        self.seconds = PROOF_SECONDS if seconds is None else seconds
        self.deadline = time.monotonic() + self.seconds

    def spent(self) -> bool:
        return time.monotonic() > self.deadline

    @property
    def reason(self) -> str:
        return f"the proofs of this standard ran out of their {self.seconds:g} s"


def prove(item: ScoredIndicator, direction: s.Direction, inputs: Mapping[str, s.InputDecl],
          budget: Budget | None = None) -> Iterator[Diagnostic]:
    """Diagnostics for each directed input of the indicator's formula the value does not follow."""
    assert item.syntax.value is not None
    budget = budget or Budget()
    refs = _directed_refs(item.syntax.value, inputs)
    if not refs:
        return
    too_large = _too_large(item.syntax.value) or (budget.reason if budget.spent() else "")
    if not too_large:
        value, positive = _positive(m.to_sympy(item.syntax.value, inputs))
        too_large = _widest(value)
    if too_large:
        yield from (_unproven(item, ref, inputs[ref.name], direction, too_large) for ref in refs)
        return
    value, cohort = _opaque(value)
    for ref in refs:
        decl = inputs[ref.name]
        if budget.spent():
            yield _unproven(item, ref, decl, direction, budget.reason)
            continue
        assert decl.direction is not None
        want = 1 if decl.direction is direction else -1
        symbol = positive[ref.name]
        terms = [want * sympy.diff(value, symbol)] + [
            want * c.sign * sympy.diff(value, c.symbol) * sympy.diff(c.inner, symbol) for c in cohort]
        finding = _judge(terms, item, ref, decl, direction, inputs, budget)
        if finding is not None:
            yield finding


def _too_large(expr: s.Expr) -> str:
    """Why the formula is too large to prove ("" when it is not), judged on the syntax tree,
    before sympy converts it: converting is as slow as the proof for these."""
    parts, widest = _sizes(expr)
    if parts > MAX_PROOF_PARTS:
        return f"the formula has more than {MAX_PROOF_PARTS} parts to prove"
    return _too_wide(widest)


def _sizes(expr: s.Expr) -> tuple[int, int]:
    """The formula's nodes as sympy sees them, and the most parts of one min or max.

    growth(e) holds e twice (now and before), so nested growths double: counting stops
    just past the limit.  sympy flattens max(max(a, b), c) into one max of three parts."""
    cap = MAX_PROOF_PARTS + 1
    sizes: dict[int, int] = {}
    widths: dict[int, int] = {}
    for node in reversed(list(walk(expr))):  # children before parents
        inner = sum(sizes[id(child)] for child in children(node))
        sizes[id(node)] = min(cap, 1 + (2 * inner if _callee(node) is Function.GROWTH else inner))
        if _callee(node) in _EXTREMES:
            widths[id(node)] = sum(widths.get(id(arg), 1) if _callee(arg) is _callee(node) else 1
                                   for arg in children(node))
    return sizes[id(expr)], max(widths.values(), default=0)


_EXTREMES = frozenset({Function.MIN, Function.MAX})


def _callee(node: s.Expr) -> Function | None:
    return node.callee if isinstance(node, s.Call) else None


def _widest(value: sympy.Expr) -> str:
    """Why a min or max is too wide to prove, as sympy built them (clamp is a min of a max)."""
    return _too_wide(max((len(extreme.args) for extreme in value.atoms(sympy.Min, sympy.Max)), default=0))


def _too_wide(widest: int) -> str:
    """sympy's derivative of a min or max of n parts compares every pair of parts for each."""
    if widest > MAX_PROOF_EXTREMES:
        return f"a `min` or `max` of {widest} parts, more than {MAX_PROOF_EXTREMES}, is too wide to prove"
    return ""


def _positive(value: sympy.Expr) -> tuple[sympy.Expr, dict[str, sympy.Symbol]]:
    """The value over positive Symbols: a denominator is positive wherever the value exists."""
    swap = {sym: sympy.Symbol(sym.name, positive=True) for sym in value.free_symbols}
    return value.xreplace(swap), {new.name: new for new in swap.values()}


def _opaque(value: sympy.Expr) -> tuple[sympy.Expr, list[_Cohort]]:
    cohort: list[_Cohort] = []
    swap: dict[sympy.Expr, sympy.Symbol] = {}
    for call in value.atoms(sympy.Function):
        sign = m.COHORT_DIRECTIONS.get(call.func)
        if sign is not None:
            stand_in = sympy.Symbol(f"{call.func.__name__}{STAND_IN}{len(cohort)}", positive=True)
            cohort.append(_Cohort(stand_in, call.args[0], sign))
            swap[call] = stand_in
    return value.xreplace(swap), cohort


def _directed_refs(expr: s.Expr, inputs: Mapping[str, s.InputDecl]) -> list[s.Ref]:
    """The first reference to each input with a known direction (this period's values only)."""
    earlier = {id(c.args[0]) for c in walk(expr) if isinstance(c, s.Call) and c.callee is Function.PREVIOUS}
    seen: dict[str, s.Ref] = {}
    for node in walk(expr):
        if isinstance(node, s.Ref) and id(node) not in earlier and inputs[node.name].direction is not None:
            seen.setdefault(node.name, node)
    return list(seen.values())


def _steps_as_symbols(term: sympy.Expr) -> sympy.Expr:
    """Each Heaviside step (0 to 1) stands in as a non-negative symbol."""
    steps = term.atoms(sympy.Heaviside)
    return term.xreplace({step: sympy.Symbol(f"step{STAND_IN}{k}", nonnegative=True) for k, step in enumerate(steps)})


def _judge(terms: list[sympy.Expr], item: ScoredIndicator, ref: s.Ref, decl: s.InputDecl,
           direction: s.Direction, inputs: Mapping[str, s.InputDecl], budget: Budget) -> Diagnostic | None:
    undecided = [t for t in terms if t != 0 and not _steps_as_symbols(t).is_nonnegative]
    if not undecided:
        return None
    for term in undecided:
        if not term.atoms(sympy.Heaviside) and term.is_negative:
            return _wrong_way(item, ref, decl, direction, _everywhere(term, inputs))
    point = _counterexample(undecided, inputs, budget)
    if point is not None:
        return _wrong_way(item, ref, decl, direction, point)
    return _unproven(item, ref, decl, direction, budget.reason if budget.spent() else "")


def _everywhere(term: sympy.Expr, inputs: Mapping[str, s.InputDecl]) -> str:
    names = sorted(sym.name for sym in term.free_symbols if STAND_IN not in sym.name)
    return "wherever " + " and ".join(f"{_shown(n)} > 0" for n in names) if names else "everywhere"


def _shown(name: str) -> str:
    return f"`{name}`"


def _counterexample(terms: list[sympy.Expr], inputs: Mapping[str, s.InputDecl], budget: Budget) -> str | None:
    """A valid point where one of the terms is negative, as `a = 1, b = 2`; None if none is found."""
    chooser = random.Random(0)
    symbols = sorted(set().union(*(t.free_symbols for t in terms)), key=lambda x: x.name)
    for _ in range(SAMPLES):
        if budget.spent():
            return None
        point = {sym: _sample(sym.name, inputs, chooser) for sym in symbols}
        if not _valid(point, inputs):
            continue
        values = [_at(t, point) for t in terms]
        if any(v.is_number and v.is_negative for v in values):
            shown = [(sym.name, point[sym]) for sym in symbols if STAND_IN not in sym.name]
            return "e.g. where " + ", ".join(f"{_shown(n)} = {v}" for n, v in shown)
    return None


def _at(term: sympy.Expr, point: Mapping[sympy.Symbol, sympy.Rational]) -> sympy.Expr:
    """The term at the point.  Every symbol at once: subs() replaces one at a time and simplifies
    each partly numeric min and max on the way, which took minutes (136 s for a growth of 30
    terms).  But a derivative left unevaluated (of a nested rank or share) needs subs(): xreplace
    would put a number where its variable stands."""
    return term.subs(point) if term.has(sympy.Derivative) else term.xreplace(point)


def _sample(name: str, inputs: Mapping[str, s.InputDecl], chooser: random.Random) -> sympy.Rational:
    value = chooser.choice(_candidates(name, inputs))
    return sympy.Rational(value.numerator, value.denominator)


def _candidates(name: str, inputs: Mapping[str, s.InputDecl]) -> tuple[Fraction, ...]:
    """Values worth trying for a Symbol: typical valid values of its input's kind, or of its stand-in."""
    if STAND_IN in name:
        return _STAND_IN_VALUES[name.partition(STAND_IN)[0]]
    decl = inputs[name.removesuffix(m.PREVIOUS)]
    if decl.kind is s.Kind.SCORE and decl.score_range is not None:
        low, high = (x.value for x in decl.score_range)
        return low, (low + high) / 2, high
    return _SAMPLE_VALUES.get(decl.kind, _POSITIVE_VALUES)


def _valid(point: Mapping[sympy.Symbol, sympy.Rational], inputs: Mapping[str, s.InputDecl]) -> bool:
    """The point respects every `part of`: no part above its whole."""
    values = {sym.name: v for sym, v in point.items()}
    for name, v in values.items():
        decl = inputs.get(name.removesuffix(m.PREVIOUS))
        if decl is not None and decl.part_of is not None:
            suffix = m.PREVIOUS if name.endswith(m.PREVIOUS) else ""
            whole = values.get(decl.part_of + suffix)
            if whole is not None and v > whole:
                return False
    return True


def _indicator_label(item: ScoredIndicator, direction: s.Direction) -> tuple[Label, ...]:
    return (Label(item.syntax.code_span, f"indicator {item.code} is better {direction.value}"),)


def _wrong_way(item: ScoredIndicator, ref: s.Ref, decl: s.InputDecl, direction: s.Direction,
               region: str) -> Diagnostic:
    agree = decl.direction is direction
    moves = "falls" if agree else "rises"
    return Diagnostic(
        "E0303", f"indicator {item.code}'s value {moves} as `{ref.name}` rises, {region}",
        ref.span, label=f"`{ref.name}` is better {_better(decl)}", labels=_indicator_label(item, direction),
        help=f"fix the formula, or declare which way is good with `better higher|lower` on `{ref.name}` "
             f"or the indicator")


def _unproven(item: ScoredIndicator, ref: s.Ref, decl: s.InputDecl, direction: s.Direction,
              why: str = "") -> Diagnostic:
    """The undecided warning; `why` says what stopped the proof before it could decide."""
    agree = decl.direction is direction
    return Diagnostic(
        "W0302", f"could not prove that indicator {item.code}'s value {'rises' if agree else 'falls'} "
        f"with `{ref.name}`", ref.span, Severity.WARNING, label=f"`{ref.name}` is better {_better(decl)}",
        labels=_indicator_label(item, direction),
        help=f"{why}: check the formula by hand" if why else
        "check the formula by hand; declaring the input's direction with `better` is a claim, not a proof")


def _better(decl: s.InputDecl) -> str:
    assert decl.direction is not None
    return decl.direction.value
