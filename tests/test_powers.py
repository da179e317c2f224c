"""Whole powers in formulas (docs/language.md §5): exact, binding tighter than a minus, and
`x ^ 0` still computing `x` (found by the differential fuzzer, seeds 778159 and 781692)."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

import smartcity_rules as scr


def _standard(value: str, zero: str = "error") -> scr.Standard:
    return scr.loads(f'''standard "T" {{ total 10 }}
input a "a": score -10 to 10
input b "b": count
group "G" points 10 {{ indicator 1 "x" {{ value {value} points 10 linear from -100 to 100
    on zero denominator: {zero} }} }}''')


@pytest.mark.parametrize(("value", "expected"), [
    ("a ^ 2", F(9, 4)), ("-a ^ 2", F(-9, 4)), ("(a + 1) ^ 3", F(-1, 8)), ("a ^ 1", F(-3, 2)), ("a ^ 0", F(1)),
    ("(a / b) ^ 2 * 2", F(9, 8)),
])
def test_powers_are_exact(value: str, expected: F) -> None:
    assert _standard(value).evaluate({"a": "-1.5", "b": 2}).indicator(1).value == expected


def test_a_zero_power_still_meets_its_bases_zero_denominator() -> None:
    assert _standard("(a / b) ^ 0", zero="zero").evaluate({"a": 1, "b": 0}).indicator(1).value == 0
    assert _standard("(a / b) ^ 0", zero="not applicable").evaluate({"a": 1, "b": 0}).indicator(1).value is None
    with pytest.raises(scr.ZeroDenominator):
        _standard("(a / b) ^ 0").evaluate({"a": 1, "b": 0})
