from __future__ import annotations

import decimal
import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smartcity_rules import InvalidValue, MissingInput
from smartcity_rules.language.numbers import fmt
from smartcity_rules.language.syntax import BandRule, Kind
from smartcity_rules.plan.semantics import (
    DOMAINS,
    MISSING,
    band_scale,
    coerce_int,
    coerce_pair,
    deduction_points,
    exact,
    exact_pair,
    linear_points,
    rank_column,
    round_half_up,
    share_column,
    stars,
    stars_column,
)


@pytest.mark.parametrize(("raw", "expected"), [
    (3, Fraction(3)), (0.9, Fraction(9, 10)), (0.1 + 0.2, Fraction("0.30000000000000004")),
    ("0.3", Fraction(3, 10)), ("85%", Fraction(17, 20)), (" 1,234.5 ", Fraction(24690, 20)),
    ("12,345,678", Fraction(12345678)),
    (decimal.Decimal("2.50"), Fraction(5, 2)), (Fraction(1, 3), Fraction(1, 3)), (1e-7, Fraction(1, 10**7)),
])
def test_exact_reads_what_a_person_typed(raw: object, expected: Fraction) -> None:
    assert exact(raw) == expected


@pytest.mark.parametrize("raw", [math.nan, math.inf, -math.inf, "abc", "", True, None, [1], decimal.Decimal("NaN"),
                                 "1e999999999", decimal.Decimal("1e999999999"), "9" * 5000, "1,5", "12,34", "1_000"])
def test_exact_refuses_non_numbers(raw: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        exact(raw)


@pytest.mark.parametrize("raw", [0.9, 12.25, 0.0, 100.0, 1e-05, 123456789.125])
def test_float_fast_path_agrees_with_exact(raw: float) -> None:
    num, den = exact_pair(raw)
    assert Fraction(num, den) == exact(raw)
    assert Fraction(*coerce_pair(Kind.MONEY, raw, "m", None, None)) == Fraction(num, den)


def test_coerce_pair_checks_each_kind() -> None:
    assert coerce_pair(Kind.RATE, "90%", "r", "e", 1) == (9, 10)
    assert coerce_pair(Kind.FLAG, "是", "f", "e", 1) == (1, 1)
    assert coerce_pair(Kind.FLAG, "no", "f", "e", 1) == (0, 1)
    assert coerce_int(Kind.COUNT, "12", "c", "e", 1) == 12
    assert coerce_int(Kind.COUNT, 12.0, "c", "e", 1) == 12
    assert coerce_pair(Kind.SCORE, 7.5, "s", "e", 1, Fraction(0), Fraction(10)) == (75, 10)


@pytest.mark.parametrize(("kind", "raw", "words"), [
    (Kind.COUNT, -1, "negative"), (Kind.COUNT, 2.5, "not a whole number"), (Kind.COUNT, True, "yes/no"),
    (Kind.COUNT, math.nan, "not a finite number"), (Kind.MONEY, "lots", "not a number"),
    (Kind.RATE, 1.5, "above 100%"), (Kind.RATE, 85, "above 100%"), (Kind.RANK, 0, "below 1"),
    (Kind.FLAG, "maybe", "not yes or no"), (Kind.FLAG, 2, "not yes or no"), (Kind.AREA, math.inf, "finite"),
    (Kind.LENGTH, -0.5, "negative"), (Kind.MEASURE, object(), "not a number"),
])
def test_coerce_errors_name_the_input_and_entity(kind: Kind, raw: object, words: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        coerce_pair(kind, raw, "x", "泰岳市", 7)
    error = caught.value
    assert (error.entity, error.indicator, error.input) == ("泰岳市", 7, "x")
    assert words in str(error)
    assert str(error).startswith("entity '泰岳市', indicator 7, input 'x': ")


def test_score_outside_its_range() -> None:
    with pytest.raises(InvalidValue, match="outside the score range 0 to 10"):
        coerce_pair(Kind.SCORE, 11, "s", None, None, Fraction(0), Fraction(10))


@pytest.mark.parametrize("raw", [MISSING, None])
def test_missing_value(raw: object) -> None:
    with pytest.raises(MissingInput):
        coerce_pair(Kind.COUNT, raw, "x", None, None)


@pytest.mark.parametrize(("value", "decimals", "expected"), [
    (Fraction(1, 8), 2, Fraction(13, 100)), (Fraction(-1, 8), 2, Fraction(-13, 100)),
    (Fraction(1, 3), 2, Fraction(33, 100)), (Fraction(2, 3), 0, Fraction(1)), (Fraction(1, 3), None, Fraction(1, 3)),
    (Fraction(5, 1000), 2, Fraction(1, 100)),
])
def test_round_half_up(value: Fraction, decimals: int | None, expected: Fraction) -> None:
    assert round_half_up(value, decimals) == expected


def test_linear_points_are_capped_on_both_sides() -> None:
    assert linear_points(1, 2, Fraction(0), Fraction(1), Fraction(3), None) == Fraction(3, 2)
    assert linear_points(2, 1, Fraction(0), Fraction(1), Fraction(3), None) == 3
    assert linear_points(-1, 1, Fraction(0), Fraction(1), Fraction(3), None) == 0


def test_deduction_points() -> None:
    assert deduction_points(3, 1, Fraction(2), Fraction(10), None) == -6
    assert deduction_points(6, 1, Fraction(2), Fraction(10), None) == -10
    assert deduction_points(0, 1, Fraction(2), Fraction(10), None) == 0


@pytest.mark.parametrize(("value", "text"), [
    (Fraction(3), "3"), (Fraction(17, 20), "0.85"), (Fraction(1, 3), "1/3"), (Fraction(-5, 2), "-2.5"),
    (Fraction(1, 2**20), "0.00000095367431640625"), (Fraction(-1, 8), "-0.125"),
    (Fraction(123456789, 100), "1234567.89"),
])
def test_fmt(value: Fraction, text: str) -> None:
    assert fmt(value) == text


def test_fmt_writes_numbers_of_any_size() -> None:
    # str() refuses ints over 4,300 digits; results of huge statistics must still print.
    huge = 10**5000
    assert fmt(huge) == "1" + "0" * 5000
    assert fmt(Fraction(huge + 1, 4)).endswith(".25") and len(fmt(Fraction(huge + 1, 4))) == 5000 + len(".25")
    assert fmt(Fraction(huge + 1, 3)) == f"{'1' + '0' * 4999}1/3"


@pytest.mark.parametrize(("text", "value"), [("2/3", Fraction(2, 3)), (" -1 / 4 ", Fraction(-1, 4)), ("0/5", 0)])
def test_fractions_read_exactly_as_fmt_writes_them(text: str, value: Fraction) -> None:
    assert exact(text) == value
    assert exact(fmt(value)) == value


@pytest.mark.parametrize("text", ["1/0", "1/2/3", "1.5/2", "1,5", "1_000"])
def test_malformed_fractions_and_separators_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        exact(text)


# ---------------------------------------------------------------- one rule, two derivations
_thresholds = st.lists(st.fractions(min_value=-50, max_value=50, max_denominator=40), min_size=5, max_size=5,
                       unique=True).map(sorted)
_pairs = st.tuples(st.integers(-10**6, 10**6), st.integers(1, 10**4))


@given(_thresholds, st.lists(st.one_of(st.none(), _pairs), max_size=30), st.booleans())
def test_stars_and_its_column_twin_agree(thresholds: list[Fraction], values: list[tuple[int, int] | None],
                                         at_least: bool) -> None:
    rule = BandRule.AT_LEAST if at_least else BandRule.AT_MOST
    written = thresholds if at_least else thresholds[::-1]
    scale, scaled = band_scale(written)
    column = stars_column(rule, scaled, scale, values)
    assert column == [None if v is None else stars(rule, scaled, scale, *v) for v in values]


@given(_thresholds, st.integers(0, 4), st.booleans())
def test_a_value_exactly_at_a_threshold_reaches_its_band(thresholds: list[Fraction], k: int, at_least: bool) -> None:
    rule = BandRule.AT_LEAST if at_least else BandRule.AT_MOST
    written = thresholds if at_least else thresholds[::-1]
    scale, scaled = band_scale(written)
    at = written[k]
    assert stars(rule, scaled, scale, at.numerator, at.denominator) == k + 1


@given(st.lists(st.one_of(st.none(), _pairs), max_size=20))
def test_rank_is_competition_ranking_largest_first(values: list[tuple[int, int] | None]) -> None:
    ranks = rank_column(values)
    exact = [None if v is None else Fraction(*v) for v in values]
    for value, rank in zip(exact, ranks):
        if value is None:
            assert rank is None
        else:
            assert rank == (1 + sum(1 for other in exact if other is not None and other > value), 1)


@given(st.lists(st.one_of(st.none(), st.tuples(st.integers(0, 10**6), st.integers(1, 10**4))), max_size=20))
def test_shares_of_a_cohort_sum_to_one(values: list[tuple[int, int] | None]) -> None:
    shares = share_column(values)
    present = [Fraction(*s) for s in shares if s is not None]
    if present:
        assert sum(present) == 1
    else:
        assert all(s is None for s in shares)


@pytest.mark.parametrize("kind", [k for k in Kind if k is not Kind.SCORE])
def test_the_fast_path_and_the_checking_path_read_one_domain_table(kind: Kind) -> None:
    allowed = DOMAINS[kind]
    for raw in (-1, 0, 0.0, 0.5, 1, 1.0, 1.5, 2, 2.0, "0", "1", "0.5"):
        value = exact(raw) if kind is not Kind.FLAG or not isinstance(raw, float) else None
        if value is None:
            continue
        try:
            coerce_pair(kind, raw, "x", "A", 1)
            accepted = True
        except InvalidValue:
            accepted = False
        assert accepted == allowed.holds(value), (kind, raw)


def test_a_score_range_below_zero_accepts_its_negative_values_on_every_path() -> None:
    for raw in (-5, -5.0, "-5", "-5.0"):
        assert Fraction(*coerce_pair(Kind.SCORE, raw, "s", "A", 1, Fraction(-10), Fraction(10))) == -5
    with pytest.raises(InvalidValue, match="outside the score range -10 to 10"):
        coerce_pair(Kind.SCORE, -11, "s", "A", 1, Fraction(-10), Fraction(10))


def test_a_rank_of_zero_is_refused_as_a_float_too() -> None:
    for raw in (0, 0.0, "0"):
        with pytest.raises(InvalidValue, match="below 1"):
            coerce_pair(Kind.RANK, raw, "r", "A", 1)


# ---------------------------------------------------------------- number texts (issue 10, item 4)
@pytest.mark.parametrize("raw", ["١٢", "１２", "1２", "٣/٤", "0,500", "00,500", "1,5", "1,23", "1,2345"])
def test_number_texts_that_could_be_misread_are_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="not a number"):
        exact(raw)


@pytest.mark.parametrize("kind", [Kind.COUNT, Kind.MONEY, Kind.AREA, Kind.MEASURE, Kind.RANK])
def test_a_percentage_is_read_only_for_rates(kind: Kind) -> None:
    with pytest.raises(InvalidValue, match="read only for rates"):
        coerce_pair(kind, "50%", "x", "A", 1)
    with pytest.raises(InvalidValue, match="read only for rates"):
        coerce_pair(Kind.SCORE, "50%", "x", "A", 1, Fraction(0), Fraction(100))
    assert coerce_pair(Kind.RATE, " 50% ", "x", "A", 1) == (1, 2)


@given(st.sampled_from([k for k in Kind if k not in (Kind.SCORE, Kind.FLAG)]),
       st.from_regex(r"[0-9]{1,6}(\.[0-9]{0,5})?", fullmatch=True))
def test_the_plain_text_fast_path_reads_as_the_checking_path_does(kind: Kind, raw: str) -> None:
    def read(text: str) -> Fraction | str:
        try:
            return Fraction(*coerce_pair(kind, text, "x", "A", 1))
        except InvalidValue as error:
            return str(error).replace(repr(text), "<raw>")

    # A leading space is read the same, but only by the checking path.
    assert read(raw) == read(" " + raw)
