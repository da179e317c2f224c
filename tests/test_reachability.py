"""Reachability (reachability.py): star bands, rating levels, bonus caps and scoring out of reach."""

from __future__ import annotations

import pytest

from .analysis_helpers import CASES, IN, RATIO, analysed, codes, one


# ---------------------------------------------------------------- star bands
def test_a_band_exactly_at_the_maximum_is_reachable() -> None:
    assert codes(one(RATIO, "at least 20%, 40%, 60%, 80%, 100%")) == []
    assert codes(one(RATIO, "at least 20%, 40%, 60%, 80%, 100.1%")) == ["E0301"]


def test_unreachable_at_most_bands_are_found_below_the_minimum() -> None:
    inputs = 'input apps "应用数": count "个"\n'
    assert codes(one("rank(apps)", "at most 9, 7, 5, 3, 1", inputs=inputs)) == []
    found = analysed(one("rank(apps)", "at most 9, 7, 5, 1, 0", inputs=inputs))
    assert [d.code for d in found] == ["E0301"] and "5 stars" in found[0].message


def test_unreachable_band_names_the_maximum_and_stops_at_the_first() -> None:
    (found,) = analysed(CASES["E0301"])
    assert "4 stars" in found.message and "at most 100%" in found.message
    assert found.labels[0].message == "indicator 1's value lies from 0% to 100%"


# ---------------------------------------------------------------- the rating
RATED = one(RATIO).replace("indicator 1 \"I\"", "indicator 1 ★ \"I\"")


@pytest.mark.parametrize(("requirement", "reason"), [
    ("total >= 3", "the total can reach at most 2"),
    ("total > 2", "the total can reach at most 2"),
    ('group "G" >= 5/2 points', 'group "G" can reach at most 2'),
    ("every leading >= 5 stars and indicator 1 > 100%", "indicator 1's value lies from 0% to 100%"),
    ("indicator 1 < 0", "indicator 1's value lies from 0 to 1"),
])
def test_unreachable_rating_requirements(requirement: str, reason: str) -> None:
    found = analysed(RATED + f'rating {{\n    level 1 "一星" when {requirement}\n}}\n')
    assert [d.code for d in found] == ["E0302"]
    assert found[0].label == reason


def test_reachable_rating_requirements_pass() -> None:
    rating = 'rating {\n    level 2 "二" when total >= 2 and every leading >= 5 stars\n    level 1 "一" when ' \
             'indicator 1 >= 100% and indicator 1 >= 5 stars and group "G" >= 2 points and total < 1\n}\n'
    assert codes(RATED + rating) == []


def test_stars_out_of_reach_block_leading_and_star_requirements() -> None:
    capped = RATED.replace(RATIO, "ratio(fibre, households) / 2")  # at most 50%: two of the five bands
    found = analysed(capped + 'rating {\n    level 1 "一" when every leading >= 4 stars\n'
                              '    level 0 "零" when indicator 1 >= 3 stars\n}\n')
    assert [d.label for d in found if d.code == "E0302"] == ["leading indicator 1 can reach at most 2 stars",
                                                             "indicator 1 can reach at most 2 stars"]


def test_a_not_applicable_leading_indicator_never_blocks_a_level() -> None:
    capped = RATED.replace(RATIO, "ratio(fibre, households) / 2").replace(
        "points 2\n", "points 2\n        on zero denominator: not applicable\n", 1)
    text = capped + 'rating {\n    level 1 "一" when every leading >= 4 stars\n}\n'
    assert "E0302" not in codes(text)


# ---------------------------------------------------------------- bonus caps and scoring
BONUS = ('bonus group "B" at most {cap} {{\n'
         '    indicator 2 "J" {{ value fibre stars at least 1, 2, 3, 4, 5 points 2 }}\n}}\n')


def test_bonus_and_rounding_count_towards_the_maximum_total() -> None:
    bonus = BONUS.format(cap=1)
    assert codes(RATED + bonus + 'rating {\n    level 1 "一" when total >= 3\n}\n') == []
    assert codes(RATED + bonus + 'rating {\n    level 1 "一" when total > 3\n}\n') == ["E0302"]


def test_a_full_bonus_cap_passes() -> None:
    bonus = BONUS.format(cap=2)
    assert codes(one(RATIO) + bonus) == []


def test_a_deduction_that_can_never_deduct() -> None:
    inputs = IN + 'input incidents "事件": count "起"\n'
    text = one(RATIO, inputs=inputs).replace("    }\n}\n", '    }\n    indicator 2 "D" { value -incidents '
                                                                'deduct 1 each, at most 2 }\n}\n')
    found = analysed(text)
    assert [d.code for d in found] == ["W0305"] and found[0].message == "deduction 2 can never take a point off"
    assert codes(text.replace("value -incidents", "value incidents")) == []
