"""Point tables (docs/language.md §8, Point tables): a value maps straight to the points of the
one row it satisfies; rows are held, as written, to no overlap and no gap."""

from __future__ import annotations

from fractions import Fraction as F

import pytest
from hypothesis import given
from hypothesis import strategies as st

import smartcity_rules as scr

SATISFACTION = '''standard "T" { total 100 }
input satisfied "满意人数": count
input surveyed "调查人数": count
group "G" points 100 { indicator 1 "满意度" {
    value ratio(satisfied, surveyed)
    points table {
        >= 97%: 100
        >= 93% and < 97%: 95
        >= 85% and < 93%: 80
        < 85%: 60
    }
} }'''

ROWS = [(F(97, 100), F(100)), (F(93, 100), F(95)), (F(85, 100), F(80)), (F(0), F(60))]


def _expected(value: F) -> F:
    """The docs' reading: the first row from the top whose lower bound the value reaches."""
    return next(points for bound, points in ROWS if value >= bound)


@pytest.fixture(scope="module")
def standard() -> scr.Standard:
    return scr.loads(SATISFACTION)


@pytest.mark.parametrize(("satisfied", "points"), [(97, 100), (96, 95), (93, 95), (92, 80), (85, 80), (84, 60),
                                                     (100, 100), (0, 60)])
def test_a_value_at_a_bound_lands_in_the_row_at_or_above_it(standard: scr.Standard, satisfied: int,
                                                            points: int) -> None:
    result = standard.evaluate({"satisfied": satisfied, "surveyed": 100})
    assert result.indicator(1).points == points and result.indicator(1).stars is None


@given(st.integers(1, 10_000), st.data())
def test_every_value_scores_its_row(standard: scr.Standard, surveyed: int, data: st.DataObject) -> None:
    satisfied = data.draw(st.integers(0, surveyed))
    result = standard.evaluate({"satisfied": satisfied, "surveyed": surveyed})
    assert result.indicator(1).points == _expected(F(satisfied, surveyed))


def test_the_maximum_is_the_largest_row(standard: scr.Standard) -> None:
    assert standard.evaluate({"satisfied": 1, "surveyed": 2}).indicator(1).max_points == 100


@pytest.mark.parametrize(("rows", "code", "where"), [
    (">= 97%: 100\n >= 90% and < 98%: 95\n < 90%: 60", "E0269", "97%"),
    ("> 97%: 100\n < 97%: 60", "E0270", "97%"),
    (">= 97%: 100\n >= 93% and < 96%: 95\n < 93%: 60", "E0270", "96%"),
    (">= 97%: 100\n >= 93% and < 97%: 95", "E0270", "values below 93%"),
    ("<= 1: 0\n > 1 and <= 2: 100", "E0270", "values above 2"),
])
def test_overlaps_and_gaps_are_refused_where_they_are(rows: str, code: str, where: str) -> None:
    text = SATISFACTION.replace(SATISFACTION[SATISFACTION.index("        >= 97%"):SATISFACTION.index("    }\n}")],
                                rows + "\n")
    with pytest.raises(scr.InvalidStandard) as caught:
        scr.loads(text)
    first = caught.value.diagnostics[0]
    assert (first.code, first.message.endswith(where)) == (code, True), first.message
