"""Aggregation of a node's members (docs/language.md §9, Aggregation): arithmetic, geometric,
harmonic, minimum; the geometric mean decided exactly at its declared precision."""

from __future__ import annotations

import decimal
import functools
from fractions import Fraction as F

import pytest
from hypothesis import given
from hypothesis import strategies as st

import smartcity_rules as scr
from smartcity_rules.language.syntax import Aggregation, RoundMode
from smartcity_rules.plan.semantics import Rounding, aggregate, geometric_mean

TWO = Rounding(2)


def _precise(values: list[F], weights: list[F], whole: F) -> decimal.Decimal:
    """The geometric mean to 60 digits, by decimal logarithms: a second derivation to hold
    the exact one to."""
    with decimal.localcontext() as context:
        context.prec = 60
        logs = sum((decimal.Decimal(w.numerator) / w.denominator
                    * (decimal.Decimal(v.numerator) / v.denominator).ln() for v, w in zip(values, weights)),
                   decimal.Decimal(0))
        return (decimal.Decimal(whole.numerator) / whole.denominator) * logs.exp()


@given(st.lists(st.fractions(min_value=F(1, 50), max_value=1, max_denominator=50), min_size=1, max_size=4),
       st.sampled_from([(F(1),), (F(1, 2), F(1, 2)), (F(1, 3), F(2, 3)), (F(1, 4), F(1, 4), F(1, 2))]))
def test_the_geometric_mean_rounds_as_a_precise_one_does(values: list[F], split: tuple[F, ...]) -> None:
    weights = list(split[:len(values)])
    values = values[:len(weights)]
    weights = [w / sum(weights) for w in weights]
    exact = geometric_mean(values, weights, F(100), Rounding(2, RoundMode.TRUNCATE))
    precise = _precise(values, weights, F(100))
    with decimal.localcontext() as context:
        context.prec = 60
        slack = decimal.Decimal("1e-40")  # the logarithms' own error: exact means are met to 1e-58
        low = decimal.Decimal(exact.numerator) / exact.denominator
        assert low - slack <= precise < low + decimal.Decimal("0.01")  # truncated: the precise value's two decimals
    rounded = geometric_mean(values, weights, F(100), TWO)
    assert abs(decimal.Decimal(rounded.numerator) / rounded.denominator - precise) <= decimal.Decimal("0.005")


def test_a_geometric_mean_at_a_half_rounds_by_its_mode() -> None:
    # Equal values make the mean rational, so a half can be met exactly: 12.345.
    values, weights = [F(12345, 100000)] * 2, [F(1, 2)] * 2  # G = 12.345 exactly
    assert geometric_mean(values, weights, F(100), Rounding(2, RoundMode.HALF_UP)) == F(1235, 100)
    assert geometric_mean(values, weights, F(100), Rounding(2, RoundMode.HALF_EVEN)) == F(1234, 100)
    assert geometric_mean(values, weights, F(100), Rounding(2, RoundMode.TRUNCATE)) == F(1234, 100)


def test_the_square_root_of_an_eighth() -> None:
    # 50 x sqrt(1/2 x 1/4) = 17.6776695...: the band "at least 17.68" is not reached, 17.67 is.
    assert aggregate(Aggregation.GEOMETRIC, [F(25, 2), F(25, 4)], [F(25), F(25)], F(50), TWO) == F(1768, 100)
    assert aggregate(Aggregation.GEOMETRIC, [F(25, 2), F(25, 4)], [F(25), F(25)], F(50),
                     Rounding(2, RoundMode.TRUNCATE)) == F(1767, 100)


@pytest.mark.parametrize(("aggregation", "expected"), [
    (Aggregation.ARITHMETIC, F(25, 2) + F(25, 4)),
    (Aggregation.HARMONIC, F(50) / (F(1, 2) / F(1, 2) + F(1, 2) / F(1, 4))),
    (Aggregation.MINIMUM, F(50, 4)),
])
def test_the_other_aggregations_are_exact(aggregation: Aggregation, expected: F) -> None:
    assert aggregate(aggregation, [F(25, 2), F(25, 4)], [F(25), F(25)], F(50), None) == expected


@pytest.mark.parametrize("aggregation", [Aggregation.GEOMETRIC, Aggregation.HARMONIC])
def test_a_member_at_zero_makes_the_mean_zero(aggregation: Aggregation) -> None:
    assert aggregate(aggregation, [F(0), F(25)], [F(25), F(25)], F(50), TWO) == 0


STANDARD = '''standard "T" {{ total 100 rounding 2 decimals }}
input a "a": rate
input b "b": rate, when missing: not applicable
group "G" points 100 {{ {settings}
    indicator 1 "a" {{ value a points 60 linear from 0 to 1 }}
    indicator 2 "b" {{ value b points 40 linear from 0 to 1 }}
}}'''


def test_a_geometric_group_scores_its_rounded_mean() -> None:
    standard = scr.loads(STANDARD.format(settings="aggregate geometric"))
    result = standard.evaluate({"a": "50%", "b": "25%"})
    # 100 x 0.5^0.6 x 0.25^0.4 = 100 x 2^-1.4 = 37.892...
    assert result.total == F(3789, 100) and result.node("G").unrounded == F(3789, 100)


def test_redistribute_takes_the_mean_over_the_applicable_members() -> None:
    standard = scr.loads(STANDARD.format(settings="aggregate geometric when not applicable: redistribute"))
    assert standard.evaluate({"a": "50%"}).total == 50  # b left out: 100 x 0.5
    plain = scr.loads(STANDARD.format(settings="aggregate geometric"))
    assert plain.evaluate({"a": "50%"}).total == 0  # b counts as 0


@given(st.fractions(min_value=0, max_value=1, max_denominator=40), st.fractions(min_value=0, max_value=1,
                                                                                 max_denominator=40),
       st.fractions(min_value=0, max_value=1, max_denominator=40))
def test_raising_a_better_higher_input_never_lowers_a_geometric_aggregate(a: F, b: F, more: F) -> None:
    standard = _geometric()
    lower = standard.evaluate({"a": str(a), "b": str(b)}).total
    higher = standard.evaluate({"a": str(max(a, more)), "b": str(b)}).total
    assert higher >= lower


@functools.cache
def _geometric() -> scr.Standard:
    return scr.loads(STANDARD.format(settings="aggregate geometric"))
