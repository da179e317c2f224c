"""Value ranges (ranges.py): exact interval bounds of each formula form and input kind."""

from __future__ import annotations

from fractions import Fraction

import pytest

from smartcity_rules.analysis.ranges import Interval, input_range, value_range
from smartcity_rules.language.parse import parse

from .analysis_helpers import IN, RATIO, codes, everything, one


def range_of(value: str, inputs: str = IN) -> Interval:
    tree = parse(one(value, "at least 1, 2, 3, 4, 5", inputs=inputs))
    expr = tree.groups[0].indicators[0].value
    assert expr is not None
    return value_range(expr, {d.name: d for d in tree.inputs})


@pytest.mark.parametrize(("formula", "low", "high"), [
    (RATIO, 0, 1),
    ("weighted { 1/2: ratio(fibre, households), 1/2: 1 }", Fraction(1, 2), 1),
    ("fibre / households", 0, float("inf")),
    ("households - fibre", float("-inf"), float("inf")),
    ("clamp(fibre, 2, 7) * 3", 6, 21),
    ("min(fibre, 5) - max(households, 1)", float("-inf"), 4),
    ("growth(households)", -1, float("inf")),
    ("rank(fibre)", 1, float("inf")),
    ("share(fibre)", 0, 1),
    ("-previous(fibre)", float("-inf"), 0),
    ("households / -fibre", float("-inf"), 0),
    ("1 / (fibre - households)", float("-inf"), float("inf")),
    ("sqrt(ratio(fibre, households))", 0, 1),  # monotone, exact at perfect squares
    ("sqrt(clamp(fibre, 4, 9 / 4 * 4))", 2, 3),
    ("sqrt(households - fibre)", 0, float("inf")),  # a negative argument is bad data: only >= 0 counts
    ("zscore(fibre)", float("-inf"), float("inf")),
])
def test_value_ranges_are_exact_bounds(formula: str, low: float, high: float) -> None:
    found = range_of(formula)
    assert (found.low, found.high) == (low, high)


def test_an_irrational_end_is_widened_outward() -> None:
    found = range_of("sqrt(clamp(fibre, 2, 3))")
    assert isinstance(found.low, Fraction) and isinstance(found.high, Fraction)
    assert found.low ** 2 <= 2 <= (found.low + Fraction(1, 10**5)) ** 2 and found.high ** 2 >= 3
    assert found.high - found.low < Fraction(32, 100)  # √3 − √2 = 0.3178…, bounded within 2^-20


def test_a_root_of_what_can_be_negative_is_warned_of() -> None:
    def warned(value: str) -> list[str]:
        text = one(value, "at least 1, 2, 3, 4, 5", header='standard "T" { level city total 2 rounding 2 decimals }\n')
        return [d.message for d in everything(text, "t.scs") if d.code == "W0278"]
    assert warned("sqrt(households - fibre)") == ["the argument of `sqrt` in indicator 1 can be negative"]
    assert warned("sqrt(ratio(fibre, households))") == []


def test_a_band_out_of_reach_of_a_root_is_found() -> None:
    header = 'standard "T" { level city total 2 rounding 2 decimals }\n'
    out_of_reach = one("sqrt(ratio(fibre, households))", "at least 20%, 40%, 60%, 80%, 101%", header=header)
    assert codes(out_of_reach, "E0301") == ["E0301"]  # √ of at most 1 is at most 1
    assert codes(one("sqrt(ratio(fibre, households))", header=header), "E0301") == []


def test_checklist_and_input_kind_ranges() -> None:
    inputs = IN + 'input a "a": flag\ninput b "b": flag\ninput r "r": rate\ninput s "s": score -5 to 5\n'
    assert range_of("checklist { a: 2, b: 1/2 }", inputs) == Interval(0, Fraction(5, 2))
    assert range_of("r * s", inputs) == Interval(-5, 5)
    tree = parse(one(RATIO, inputs=inputs))
    kinds = {d.name: input_range(d) for d in tree.inputs}
    assert kinds["r"] == Interval(0, 1) and kinds["s"] == Interval(-5, 5)


def test_dividing_by_a_non_positive_range_gives_non_positive_values() -> None:
    # Regression: 1/x over [-inf, 0] came out as [inf, 0], so `at most` bands got a false E0301.
    assert codes(one("households / -fibre", "at most -1, -2, -3, -4, -5"), "E0301") == []
    assert range_of("1 / -households") == Interval(float("-inf"), 0)


def test_zero_policy_zero_adds_zero_to_the_range() -> None:
    stars = "at most 150%, 140%, 130%, 120%, 0"
    inputs = 'input a "a": count\ninput b "b": count\n'
    assert codes(one("ratio(a, b) + 1", stars, inputs=inputs)) == ["E0301"]
    assert codes(one("ratio(a, b) + 1", stars, inputs=inputs, more="        on zero denominator: zero\n")) == []


def test_every_function_of_the_language_has_a_range() -> None:
    from smartcity_rules.analysis.ranges import _CALL_RANGES
    from smartcity_rules.language.syntax import Function

    assert set(_CALL_RANGES) == set(Function)
