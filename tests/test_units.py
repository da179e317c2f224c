"""Kinds and units through formulas (units.py): mismatched quantities (E0305), parts (E0306), ratios (E0307)."""

from __future__ import annotations

import pytest

from .analysis_helpers import CASES, IN, RATIO, analysed, codes, one

UNITS = ("E0305", "E0306", "E0307")


@pytest.mark.parametrize("formula", [
    "gdp / area + rate", "min(gdp, area)", "weighted { 1/2: ratio(fibre, households), 1/2: households }",
    "clamp(households, 0, gdp)", "fibre - gdp", "rank(gdp + households)",
    "sqrt(area * area) + gdp",  # √(area²) is an area
])
def test_mismatched_quantities(formula: str) -> None:
    inputs = IN + 'input gdp "GDP": money "亿元"\ninput area "面积": area "km²"\ninput rate "率": rate\n'
    assert codes(one(formula, "at least 1, 2, 3, 4, 5", inputs=inputs), *UNITS) == ["E0305"]


@pytest.mark.parametrize("formula", [
    "ratio(fibre, households) + rate", "gdp / households * 2 + gdp / people", "fibre - 1 + checklist { flag: 3 }",
    "growth(gdp / people) + share(gdp) + rate", "weighted { 1/2: rate, 1/2: score / 10 }",
    "gdp / 10 - previous(gdp)", "min(fibre, households, 5)",
    "zscore(gdp) + rate", "sqrt(rate) + rate", "sqrt(gdp) + people",  # √(money): free, as a literal is
])
def test_matching_quantities(formula: str) -> None:
    inputs = IN + ('input gdp "GDP": money "亿元"\ninput rate "率": rate\ninput flag "f": flag\n'
                   'input people "人口": count "户"\ninput score "评分": score 0 to 10\n')
    assert codes(one(formula, "at least 1, 2, 3, 4, 5", inputs=inputs), *UNITS) == []


def test_a_missing_unit_matches_any_unit_of_its_kind() -> None:
    inputs = IN + 'input plain "p": count\ninput people "人": count "人"\n'
    assert codes(one("plain + households", "at least 1, 2, 3, 4, 5", inputs=inputs)) == []
    assert codes(one("people + households", "at least 1, 2, 3, 4, 5", inputs=inputs)) == ["E0305"]


def test_a_part_in_another_unit_is_an_error_and_the_same_unit_passes() -> None:
    inputs = 'input households "户数": count "户"\ninput fibre "光纤": count "人", part of households\n'
    assert codes(one(RATIO, inputs=inputs)) == ["E0306"]
    assert codes(one(RATIO, inputs=inputs.replace('"人"', '"户"'))) == []


def test_a_product_of_a_unit_and_a_missing_unit_is_analysed() -> None:
    # Regression: sorting ("count", None) against ("count", "户") raised TypeError inside `check`.
    inputs = IN + 'input plain "p": count\n'
    assert codes(one("households * plain", "at least 1, 2, 3, 4, 5", inputs=inputs), *UNITS) == []
    assert codes(one("households * plain + fibre", "at least 1, 2, 3, 4, 5", inputs=inputs), *UNITS) == ["E0305"]


def test_a_count_per_something_reads_with_its_article() -> None:
    inputs = IN + 'input area "面积": area "km²"\ninput gdp "GDP": money "亿元"\n'
    (found,) = analysed(one("households / area + gdp", "at least 1, 2, 3, 4, 5", inputs=inputs))
    assert found.message == "cannot add a count (户) per area (km²) and money (亿元)"


def test_mismatch_labels_both_sides() -> None:
    (found,) = analysed(CASES["E0305"])
    assert found.label == "this is a count (户)" and found.labels[0].message == "this is a rate"
