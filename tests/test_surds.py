"""The exact square-root numbers of plan/surds.py, held to sympy: arithmetic, the unique form,
equality, order, floor and the rounding of semantics.round_exact."""

from __future__ import annotations

from fractions import Fraction as F

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from smartcity_rules.language.syntax import RoundMode
from smartcity_rules.plan.semantics import Rounding, round_exact, zscore_column
from smartcity_rules.plan.surds import Surd, square_root

RATIONALS = st.fractions(min_value=-20, max_value=20, max_denominator=12)
RADICANDS = st.fractions(min_value=0, max_value=60, max_denominator=9)


def to_sympy(value: Surd) -> sympy.Expr:
    return sympy.Rational(value.rational.numerator, value.rational.denominator) + sum(
        (sympy.Rational(c.numerator, c.denominator) * sympy.sqrt(r) for r, c in value.terms), sympy.Integer(0))


def _rational(value: F) -> sympy.Rational:
    return sympy.Rational(value.numerator, value.denominator)


@st.composite
def surds(draw: st.DrawFn, depth: int = 2) -> tuple[Surd, sympy.Expr]:
    """A Surd and the same number built by sympy, from roots of rationals, + − × and ÷ rational."""
    if depth == 0 or draw(st.booleans()):
        if draw(st.booleans()):
            value = draw(RATIONALS)
            return Surd(value), _rational(value)
        radicand, factor = draw(RADICANDS), draw(RATIONALS)
        return square_root(radicand) * factor, sympy.sqrt(_rational(radicand)) * _rational(factor)
    (a, sa), (b, sb) = draw(surds(depth - 1)), draw(surds(depth - 1))
    operation = draw(st.sampled_from("+-*"))
    if operation == "+":
        return a + b, sa + sb
    if operation == "-":
        return a - b, sa - sb
    return a * b, sa * sb


@settings(max_examples=150, deadline=None)
@given(surds())
def test_the_form_is_sympys_canonical_one(pair: tuple[Surd, sympy.Expr]) -> None:
    value, expected = pair
    assert sympy.expand(to_sympy(value) - expected) == 0
    radicands = [r for r, _ in value.terms]
    assert radicands == sorted(radicands) and all(c != 0 for _, c in value.terms)
    for k, r in enumerate(radicands):  # no square, no pair whose product is a square
        assert not sympy.sqrt(r).is_rational
        assert all(not sympy.sqrt(r * other).is_rational for other in radicands[k + 1:])


@settings(max_examples=150, deadline=None)
@given(surds(), RATIONALS)
def test_order_against_a_rational_is_sympys(pair: tuple[Surd, sympy.Expr], bar: F) -> None:
    value, expected = pair
    difference = sympy.nsimplify(expected - _rational(bar))
    sign = 0 if difference == 0 else (1 if difference.evalf(60) > 0 else -1)
    assert (value - bar).sign() == sign
    assert (value >= bar) == (sign >= 0) and (value < bar) == (sign < 0)
    assert (value == bar) == (sign == 0)
    assert value.floor() == sympy.floor(expected)
    assert value.ceil() == sympy.ceiling(expected)


@settings(max_examples=100, deadline=None)
@given(surds(), surds().filter(lambda pair: pair[0].is_one_term and pair[0] != 0))
def test_division_by_one_term(top: tuple[Surd, sympy.Expr], bottom: tuple[Surd, sympy.Expr]) -> None:
    quotient = top[0] / bottom[0]
    assert sympy.simplify(to_sympy(quotient) - top[1] / bottom[1]) == 0


@pytest.mark.parametrize(("text", "value"), [
    (F(81, 100), "9/10"), (F(12), "2·√3"), (F(1, 2), "1/2·√2"), (F(98), "7·√2"), (F(0), "0")])
def test_roots_of_rationals(text: F, value: str) -> None:
    assert str(square_root(text)) == value


def test_products_merge_radicands_that_share_a_square_free_part() -> None:
    assert square_root(F(2)) * square_root(F(6)) == square_root(F(12))
    assert square_root(F(12)) + square_root(F(3)) == square_root(F(27))
    assert (square_root(F(2)) + 1) * (square_root(F(2)) - 1) == 1


def test_a_root_of_a_negative_number_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        square_root(F(-1))


def test_a_sum_of_roots_cannot_divide() -> None:
    with pytest.raises(ValueError, match="sum of square roots"):
        Surd(F(1)) / (square_root(F(2)) + 1)
    with pytest.raises(ZeroDivisionError):
        square_root(F(2)) / Surd(F(0))


@settings(max_examples=150, deadline=None)
@given(surds(), st.integers(0, 4), st.sampled_from(list(RoundMode)))
def test_rounding_is_decided_exactly(pair: tuple[Surd, sympy.Expr], decimals: int, mode: RoundMode) -> None:
    value, expected = pair
    scale = 10**decimals
    scaled = sympy.Abs(expected) * scale
    whole = int(sympy.floor(scaled))
    if mode is RoundMode.TRUNCATE:
        rounded = whole
    else:
        rest = scaled - whole
        half = sympy.Rational(1, 2)
        rounded = whole + int(bool(rest > half) or (rest == half and (mode is RoundMode.HALF_UP or whole % 2 == 1)))
    assert round_exact(value, Rounding(decimals, mode)) == F(rounded if expected >= 0 else -rounded, scale)


def test_a_value_just_below_a_threshold_never_reaches_it() -> None:
    """√0.8099 shows as 0.90 at 2 decimals, and is still below 0.9."""
    value = square_root(F("0.8099"))
    assert round_exact(value, Rounding(2)) == F(9, 10) and value < F(9, 10)
    assert square_root(F("0.81")) >= F(9, 10)


def test_the_z_score_uses_the_sample_standard_deviation() -> None:
    values = [(1, 1), (2, 1), (6, 1), None]
    z = zscore_column(values)
    mean, sd = sympy.Integer(3), sympy.sqrt(sympy.Rational(14, 2))  # Σ(x − 3)² = 14, over n − 1 = 2
    assert [None if v is None else sympy.simplify(to_sympy(v) - (x - mean) / sd) for v, x in zip(z, [1, 2, 6, 0])] \
        == [0, 0, 0, None]
    assert zscore_column([(5, 1), (5, 1)]) == [None, None]  # all equal: sd = 0
    assert zscore_column([(5, 1), None]) == [None, None]  # a cohort of one
