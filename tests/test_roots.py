"""sqrt and zscore end to end (docs/language.md §5, Square roots): bands, point rows and value
requirements decided on the exact value; the shown value at its declared precision; zero
standard deviations; a root of a negative value; explain; the generated code's two paths."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

import smartcity_rules as scr

from . import reference


def _standard(value: str, scoring: str = "stars at least 50%, 60%, 70%, 80%, 90% points 10",
              rounding: str = "rounding 2 decimals", extra: str = "") -> str:
    return (f'standard "T" {{ level city total 10 {rounding} }}\n'
            'input a "a": rate\ninput n "n": count\n'
            f'group "G" points 10 {{\n    indicator 1 "I" {{ value {value} {scoring} {extra} }}\n}}\n'
            'rating { level 1 "达标" when indicator 1 >= 90% }\n')


def _both(text: str, records: list[dict[str, object]]) -> list[scr.Evaluation]:
    """The library's results, held to the reference's (values shown, stars, points, rating)."""
    results = scr.loads(text).evaluate_cohort(records)
    expected = reference.loads(text, ".").evaluate_cohort(records)
    for result, ref in zip(results, expected):
        (value, stars, points), = ref["indicators"].values()
        assert (result.indicators[0].value, result.indicators[0].stars, result.indicators[0].points) \
            == (value, stars, points)
        assert result.rating_rank == ref["rating"]
    return results


@pytest.mark.parametrize(("a", "shown", "stars", "rated"), [
    ("0.81", F(9, 10), 5, 1),  # exactly at the threshold: at or above it
    ("0.8099", F(9, 10), 4, 0),  # shows as 0.90, and is below 0.9
    ("0.8101", F(9, 10), 5, 1),
    ("0.25", F(1, 2), 1, 0),
    ("0.5", F(71, 100), 3, 0),  # √0.5 = 0.7071…
])
def test_stars_and_requirements_are_decided_on_the_exact_value(a: str, shown: F, stars: int, rated: int) -> None:
    (result,) = _both(_standard("sqrt(a)"), [{"entity": "x", "a": a, "n": 1}])
    assert (result.indicators[0].value, result.indicators[0].stars, result.rating_rank) == (shown, stars, rated)


@pytest.mark.parametrize(("rounding", "shown"), [
    ("rounding 2 decimals", F(71, 100)), ("rounding 2 decimals half even", F(71, 100)),
    ("rounding 2 decimals truncate", F(70, 100)), ("rounding 4 decimals", F(7071, 10000))])
def test_the_shown_value_is_rounded_at_the_declared_precision(rounding: str, shown: F) -> None:
    (result,) = _both(_standard("sqrt(a)", rounding=rounding), [{"entity": "x", "a": "0.5", "n": 1}])
    assert result.indicators[0].value == shown
    assert str(result.indicators[0].exact) == "1/2·√2"


def test_linear_points_read_the_shown_value_and_tables_the_exact_one() -> None:
    linear = _both(_standard("sqrt(a)", "points 10 linear from 0 to 1"), [{"entity": "x", "a": "0.5", "n": 1}])
    assert linear[0].indicators[0].points == F("7.1")  # 10 × 0.71
    table = _standard("sqrt(a)", "points table { >= 90%: 10 < 90%: 0 }")
    assert _both(table, [{"entity": "x", "a": "0.8099", "n": 1}])[0].indicators[0].points == 0
    assert _both(table, [{"entity": "x", "a": "0.81", "n": 1}])[0].indicators[0].points == 10


def test_a_z_score_uses_the_sample_standard_deviation() -> None:
    text = _standard("zscore(n)", "points 10 linear from -2 to 2", extra="on zero denominator: zero")
    records = [{"entity": e, "a": 0, "n": n} for e, n in (("x", 1), ("y", 2), ("z", 6))]
    results = _both(text, records)
    # mean 3, sd √((4 + 1 + 9) / 2) = √7: −2/√7, −1/√7, 3/√7
    assert [str(r.indicators[0].exact) for r in results] == ["-2/7·√7", "-1/7·√7", "3/7·√7"]
    assert [r.indicators[0].value for r in results] == [F("-0.76"), F("-0.38"), F("1.13")]


@pytest.mark.parametrize("values", [[5], [5, 5, 5]])
def test_a_z_score_with_no_spread_meets_the_zero_denominator_policy(values: list[int]) -> None:
    records = [{"entity": f"e{k}", "a": 0, "n": n} for k, n in enumerate(values)]
    na = _standard("zscore(n)", "points 10 linear from -2 to 2", extra="on zero denominator: not applicable")
    assert all(r.indicators[0].value is None for r in _both(na, records))
    with pytest.raises(scr.ZeroDenominator):
        scr.loads(_standard("zscore(n)", "points 10 linear from -2 to 2")).evaluate_cohort(records)


def test_a_root_of_a_negative_value_names_the_entity_indicator_and_inputs() -> None:
    standard = scr.loads(_standard("sqrt(a - n)", "points 10 linear from 0 to 1"))
    with pytest.raises(scr.InvalidValue) as caught:
        standard.evaluate_cohort([{"entity": "x", "a": "0.5", "n": 1}])
    assert (caught.value.entity, caught.value.indicator, caught.value.input) == ("x", "1", "a")
    assert "`a`, `n`" in str(caught.value)


def test_explain_shows_the_exact_value_and_the_shown_one() -> None:
    standard = scr.loads(_standard("sqrt(a)"))
    text = standard.explain([{"entity": "x", "a": "0.8099", "n": 1}], "x", 1).render()
    assert "= 1/100·√8099\n" in text and "= 0.9  (shown at its declared precision)" in text
    assert "5 stars at 0.9, less than its shown precision away" in text


def test_rational_formulas_keep_their_pairs_and_irrational_ones_take_surds() -> None:
    rational = scr.loads(_standard("a")).python_source
    irrational = scr.loads(_standard("sqrt(a) + a")).python_source
    assert "_lift" not in rational and "_shown" not in rational
    assert "_root(" in irrational and "_surd_stars(" in irrational and "e0 = " in irrational


def test_a_divisor_of_one_term_divides() -> None:
    (result,) = _both(_standard("a / sqrt(a)", "points 10 linear from 0 to 1"), [{"entity": "x", "a": "0.49", "n": 1}])
    assert result.indicators[0].value == F(7, 10)
    with pytest.raises(scr.ZeroDenominator):
        scr.loads(_standard("a / sqrt(a)", "points 10 linear from 0 to 1")).evaluate({"a": 0, "n": 1})


def test_documents_say_an_irrational_value_is_shown_at_its_precision() -> None:
    from smartcity_rules import document

    rooted = document.to_markdown(scr.loads(_standard("sqrt(a)", rounding="rounding 3 decimals truncate")))
    assert "- **Precision**: its value is shown truncate to 3 decimals; its stars, point rows and value " \
           "requirements are decided on the exact value" in rooted
    assert "Precision" not in document.to_markdown(scr.loads(_standard("a")))
