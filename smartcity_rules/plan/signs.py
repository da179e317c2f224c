"""Signs of formula values from the slots' domains, for every back-end that keeps denominators
positive by trusting them (the python back-end's generated code, the SQL back-end's query)."""

from __future__ import annotations

from ..language.syntax import Function
from . import scoring as p
from .scoring import ScoringPlan


def nonneg(op: p.Op, plan: ScoringPlan) -> bool:
    """Whether an op's value is >= 0 for every valid input, from the slots' domains: the
    generated code keeps denominators positive by trusting this, so it must never say yes
    wrongly (no costs only a sign test more)."""
    match op:
        case p.Const(value):
            return value >= 0
        case p.Load(slot):
            return plan.slots[slot].domain.low >= 0
        case p.Binary(p.Arith.SUB, _, _) | p.Negate(_):
            return False
        case p.Binary(_, left, right) | p.Divide(left, right, _, _):
            return nonneg(left, plan) and nonneg(right, plan)
        case p.Sum(terms):
            return all(nonneg(term, plan) for term in terms)
        case p.Tally(items):
            return all(points >= 0 for points, _ in items)
        case p.Extreme(largest, operands):
            signs = [nonneg(o, plan) for o in operands]
            return any(signs) if largest else all(signs)
        case p.CohortValue(site):
            return site_nonneg(plan, site)
    raise AssertionError(op)


def site_nonneg(plan: ScoringPlan, site: int) -> bool:
    """A rank is at least 1, min-max and percentile values lie in [0, 1]; a share, a distance
    to the best and a cohort mean, median, min or max have the sign of their argument (negative
    members make negative shares, and shares above 1)."""
    cohort = plan.cohort_sites[site]
    return cohort.function in _NONNEGATIVE_COHORT or nonneg(cohort.formula, plan)


_NONNEGATIVE_COHORT = frozenset({Function.RANK, Function.MINMAX, Function.PERCENTILE})
