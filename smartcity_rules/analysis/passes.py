"""Analyses a checked standard for mistakes no single clause shows: checked standard -> diagnostics.

Run by the facade's `diagnose` (what `smartcity-rules check` does), after the checker, on
every indicator whose formula the checker accepted, so its findings join the checker's
in one report in source order.  `load` does not run it: the checker alone decides what
can be compiled, and analysing takes sympy (about 0.3 s to import, more than a load).

- value ranges, exact with Fractions (ranges.py): bands out of reach (E0301) or always
  reached (W0301), rating levels out of reach (E0302), bonus caps out of reach (W0304),
  indicators that can never score (W0305; reachability.py);
- directions: a declared direction the scoring contradicts (E0304, here), and sympy proofs
  that each value moves the declared way in each directed input (E0303, W0302; directions.py);
- kinds and units through formulas (E0305-E0307; units.py);
- numbering gaps (W0303), and the provisional numbers as a note (N0301), here;
- a square root of what can be negative (W0278), here.

Codes: E03xx errors, W03xx warnings, N03xx notes; docs/errors.md has one entry per code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence

import attrs

from ..language import syntax as s
from ..language.check import FUNCTIONS, CheckedStandard, ScoredIndicator
from ..language.diagnostics import Diagnostic, Label, Severity
from ..language.source import Span
from ..language.syntax import Function, walk
from .directions import Budget, prove
from .ranges import value_range
from .reachability import band_findings, bonus_findings, rating_findings, unscored_findings
from .units import unit_findings


def analyse(checked: CheckedStandard) -> list[Diagnostic]:
    """Every finding of the analyses, unsorted."""
    analysable = [i for i in checked.indicators if _analysable(i.syntax.value, checked.inputs)]
    ranges = {i.code: value_range(i.syntax.value, checked.inputs, i.syntax.zero_policy)
              for i in analysable if i.syntax.value is not None}
    return [
        *band_findings(checked, ranges),
        *rating_findings(checked, ranges),
        *unit_findings(checked.inputs, [i.syntax for i in analysable]),
        *_numbering_findings(checked),
        *bonus_findings(checked, ranges),
        *unscored_findings(checked, ranges),
        *_declared_direction_findings(checked),
        *_direction_proofs(checked, analysable),
        *_negative_roots(checked, analysable),
        *_provisional_note(checked),
    ]


def _analysable(expr: s.Expr | None, inputs: Mapping[str, s.InputDecl]) -> bool:
    """True when the checker accepted every name and call of the formula (so it can be analysed)."""
    return expr is not None and all(_accepted(node, inputs) for node in walk(expr))


def _accepted(node: s.Expr, inputs: Mapping[str, s.InputDecl]) -> bool:
    if isinstance(node, s.Ref):
        return node.name in inputs and inputs[node.name].kind is not s.Kind.FLAG
    if isinstance(node, s.Checklist):
        return all(item.name in inputs and inputs[item.name].kind is s.Kind.FLAG for item in node.items)
    if isinstance(node, s.Call):
        return _known_call(node)
    return True


def _known_call(call: s.Call) -> bool:
    arity = FUNCTIONS.get(call.function)
    if arity is None:
        return False
    low, high = arity
    count = len(call.args)
    if count < low or (high is not None and count > high):
        return False
    return call.callee is not Function.PREVIOUS or isinstance(call.args[0], s.Ref)


# ================================================================= numbering
def _runs(numbers: Sequence[int]) -> str:
    """Sorted numbers with consecutive ones folded: 3, 5, 6, 7 -> "3, 5–7"."""
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)


def _gaps(numbers: Iterable[int]) -> list[tuple[int, int]]:
    """The runs of whole numbers from 1 up that `numbers` skip, as (first, last) pairs.

    Found between neighbours, so the work grows with the count of numbers, not their size:
    the set of every number up to the largest took 51 s and 11 GB for an indicator 100000000."""
    gaps: list[tuple[int, int]] = []
    expected = 1
    for number in sorted(n for n in set(numbers) if n >= 1):  # 0 and below: the checker's E0254
        if number > expected:
            gaps.append((expected, number - 1))
        expected = number + 1
    return gaps


def _numbering_findings(checked: CheckedStandard) -> Iterator[Diagnostic]:
    numbered = [(i.number, i) for i in checked.syntax.all_indicators() if i.number is not None]
    gaps = _gaps(number for number, _ in numbered)
    if not gaps:
        return
    first = gaps[0][0]
    after = next(i for number, i in numbered if number > first)
    runs = ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in gaps)
    yield Diagnostic("W0303", f"indicator numbers skip {runs}", after.code_span,
                     Severity.WARNING, label=f"{first} is missing before this",
                     help="number the indicators 1, 2, 3, … as the standard does, or say why in a comment")


# ================================================================= directions
@attrs.frozen
class _Scoring:
    """Which way an indicator's scoring rewards its value, and the clause that says so."""

    direction: s.Direction
    what: str
    span: Span


def _scoring(item: ScoredIndicator) -> _Scoring | None:
    """The direction its deduction, star bands or linear scale rewards (None when it has none)."""
    syntax = item.syntax
    if syntax.deduction is not None:
        return _Scoring(s.Direction.LOWER, "deduction", syntax.deduction.span)
    if item.bands is not None:
        rule = item.bands.rule
        return _Scoring(rule.better, f"`{rule.value}` bands", item.bands.span)
    if syntax.points is not None and isinstance(syntax.points.scoring, s.Linear):
        scale = syntax.points.scoring
        direction = s.Direction.HIGHER if scale.high.value > scale.low.value else s.Direction.LOWER
        return _Scoring(direction, "linear scale", scale.span)
    return None


def _contradiction(item: ScoredIndicator) -> _Scoring | None:
    """The scoring, when it rewards the other way from the indicator's `better` declaration."""
    scoring = _scoring(item)
    if item.syntax.better is None or scoring is None or scoring.direction is item.syntax.better:
        return None
    return scoring


def _declared_direction_findings(checked: CheckedStandard) -> Iterator[Diagnostic]:
    """A declared direction that its star bands or linear scale contradict.

    An error, not a warning: the declaration and the scoring then reward opposite values,
    so one of them is wrong whatever the author meant.
    """
    for item in checked.indicators:
        scoring = _contradiction(item)
        if scoring is not None:
            declared, rewarded = item.syntax.better, scoring.direction.value
            assert declared is not None
            yield Diagnostic("E0304", f"indicator {item.code} is declared `better {declared.value}` "
                             f"but its {scoring.what} reward {rewarded} values", item.syntax.code_span,
                             label=f"better {declared.value}",
                             labels=(Label(scoring.span, f"this rewards {rewarded} values"),),
                             help=f"say `better {rewarded}`, or turn the {scoring.what} round")


def _direction_proofs(checked: CheckedStandard, analysable: Sequence[ScoredIndicator]) -> Iterator[Diagnostic]:
    """Sympy proofs that each value moves the declared way (directions.py).

    Skipped where the declaration is already reported (E0304): proofs against it would only echo that.
    One budget for the whole standard: a file of many slow formulas ends as soon as one of few.
    """
    budget = Budget()
    for item in analysable:
        if item.direction is not None and _contradiction(item) is None:
            yield from prove(item, item.direction, checked.inputs, budget)


# ================================================================= square roots
def _negative_roots(checked: CheckedStandard, analysable: Sequence[ScoredIndicator]) -> Iterator[Diagnostic]:
    """A `sqrt` whose argument valid inputs can make negative: at run time that is a data error
    naming the entity (W0278; the checker's own range E0274-E0279 holds the square roots' codes)."""
    for item in analysable:
        assert item.syntax.value is not None
        for node in walk(item.syntax.value):
            if isinstance(node, s.Call) and node.callee is Function.SQRT:
                found = value_range(node.args[0], checked.inputs)
                if found.low < 0:
                    yield Diagnostic("W0278", f"the argument of `sqrt` in indicator {item.code} can be negative",
                                     node.args[0].span, Severity.WARNING, label=f"ranges {found.show()}",
                                     help="a negative value is a data error naming the entity; "
                                     "keep it at 0 or above, e.g. `max(x, 0)`")


# ================================================================= provisional numbers
def _provisional_note(checked: CheckedStandard) -> Iterator[Diagnostic]:
    """One note listing every provisional number, indicators folded into runs."""
    numbers = checked.provisional
    if not numbers:
        return
    one = len(numbers) == 1
    header = checked.syntax.header
    yield Diagnostic("N0301", f"{len(numbers)} number{' is' if one else 's are'} provisional: never present "
                     f"{'it' if one else 'them'} as official", header.span if header is not None else None,
                     Severity.NOTE, label="marked `provisional` in this standard", help="; ".join(_folded(numbers)))


def _folded(numbers: Sequence[str]) -> list[str]:
    """`indicator 1 points`, `indicator 2 points` -> `points of indicators 1–2`; others as they are."""
    by_part: dict[str, list[int]] = {}
    others: list[str] = []
    for text in numbers:
        match = re.fullmatch(r"indicator (\d+) (.+)", text)
        if match:
            by_part.setdefault(match.group(2), []).append(int(match.group(1)))
        else:
            others.append(text)
    return others + [f"{part} of indicator{'s' * (len(ns) > 1)} {_runs(ns)}" for part, ns in by_part.items()]
