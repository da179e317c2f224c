"""Generates the code of an irrational leaf's formula (one holding `sqrt` or `zscore`): Surds.

Kept apart from codegen.py's (numerator, denominator) pairs, which every rational formula
keeps: a rational subtree is still emitted as pairs, then lifted to a Surd where it meets a
square root. The Surd rules (plan/surds.py, semantics.root, surd_divide …) reach the code
through semantics.EXPORTS, like every other rule.
"""

from __future__ import annotations

from typing import Any, Protocol

from ...language.syntax import Function
from ...plan import scoring as p


class Pair(Protocol):
    """codegen.Pair: a value's numerator and denominator expressions."""

    @property
    def num(self) -> str: ...
    @property
    def den(self) -> str: ...


class Writer(Protocol):
    """What of codegen's emitter this one writes through (a Protocol: codegen imports this module)."""

    plan: p.ScoringPlan
    indicator: str | None

    def line(self, text: str) -> None: ...
    def temp(self) -> str: ...
    def constant(self, value: Any) -> str: ...
    def expr(self, op: p.Op) -> Pair: ...

_ARITH = {p.Arith.ADD: "+", p.Arith.SUB: "-", p.Arith.MUL: "*"}


def holds_root(op: p.Op, plan: p.ScoringPlan) -> bool:
    """Whether an op's value is a Surd: it holds a square root or a z-score."""
    if isinstance(op, p.Root):
        return True
    if isinstance(op, p.CohortValue):
        return plan.cohort_sites[op.site].function is Function.ZSCORE
    return any(holds_root(child, plan) for child in p.operands(op))


class SurdEmitter:
    """Writes an irrational formula's statements into an emitter; each op's Surd in a local."""

    def __init__(self, em: Writer) -> None:
        self.em = em
        self.memo: dict[int, str] = {}

    def surd(self, op: p.Op) -> str:
        key = id(op)  # an op met twice (a power, growth) is emitted once
        if key not in self.memo:
            self.memo[key] = self._surd(op)
        return self.memo[key]

    def _assign(self, code: str) -> str:
        name = self.em.temp()
        self.em.line(f"{name} = {code}")
        return name

    def _surd(self, op: p.Op) -> str:
        em = self.em
        if not holds_root(op, em.plan):
            pair = em.expr(op)
            return self._assign(f"_lift({pair.num}, {pair.den})")
        match op:
            case p.Root(operand, reads):
                pair = em.expr(operand)  # rational: the checker refuses a root of a root (E0275)
                return self._assign(f"_root({pair.num}, {pair.den}, {em.constant(reads)}, entity, {em.indicator!r})")
            case p.CohortValue(site):
                em.line(f"if cohort[{site}] is None:")
                em.line("    _zero(None)")
                return self._assign(f"cohort[{site}]")
            case p.Negate(operand):
                return self._assign(f"-{self.surd(operand)}")
            case p.Binary(kind, left, right):
                return self._assign(f"{self.surd(left)} {_ARITH[kind]} {self.surd(right)}")
            case p.Divide(left, right, blame, bounded):
                top, bottom = self.surd(left), self.surd(right)
                if bounded is not None:
                    em.line(f"_surd_bounded({top}, {bottom}, {em.constant(bounded)}, entity, {em.indicator!r})")
                return self._assign(f"_surd_divide({top}, {bottom}, {blame!r})")
            case p.Sum(terms):
                return self._assign(" + ".join(self.surd(term) for term in terms))
            case p.Extreme(largest, operands):
                best = self.surd(operands[0])
                for other in operands[1:]:
                    candidate = self.surd(other)
                    best = self._assign(f"{candidate} if {candidate} {'>' if largest else '<'} {best} else {best}")
                return best
        raise AssertionError(op)
