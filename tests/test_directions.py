"""Direction proofs (directions.py): each value moves the way its directed inputs say (E0303, W0302)."""

from __future__ import annotations

from fractions import Fraction

import smartcity_rules as scr

from .analysis_helpers import IN, analysed, codes, one
from .conftest import FIXTURES

DIRECTIONS = ("E0303", "W0302")


def test_direction_proofs_cover_every_formula_form() -> None:
    good = ["weighted { 1/2: ratio(fibre, households), 1/2: 1 }", "clamp(ratio(fibre, households) * 2, 0, 1)",
            "max(fibre, households / 2) - min(households, 3)", "growth(fibre)", "fibre - previous(fibre)",
            "share(fibre)", "-rank(fibre)"]
    for formula in good:
        assert codes(one(formula, "at least 1, 2, 3, 4, 5"), *DIRECTIONS) == [], formula
    for formula in ("rank(fibre)", "share(-fibre)", "1 - ratio(fibre, households)", "previous(fibre) - fibre"):
        assert codes(one(formula, "at least 1, 2, 3, 4, 5"), *DIRECTIONS) == ["E0303"], formula


def test_a_better_lower_input_must_lower_a_better_higher_value() -> None:
    inputs = IN + 'input incidents "事件": count "起", better lower\n'
    (found,) = analysed(one("incidents * 2", "at least 1, 2, 3, 4, 5", inputs=inputs))
    assert found.code == "E0303" and found.message == "indicator 1's value rises as `incidents` rises, everywhere"
    assert codes(one("ratio(fibre, households) - ratio(incidents, households)", inputs=inputs), *DIRECTIONS) == []


def test_a_wrong_direction_found_by_sampling_gives_a_valid_point() -> None:
    (found,) = analysed(one("fibre * (households - fibre)", "at least 1, 2, 3, 4, 5"))
    assert found.code == "E0303" and "e.g. where" in found.message
    point = dict(part.split(" = ") for part in found.message.split("e.g. where ")[1].split(", "))
    assert Fraction(point["`fibre`"]) <= Fraction(point["`households`"])  # a part within its whole


def test_an_input_named_like_a_stand_in_is_its_own_symbol() -> None:
    # Regression: rank(e) stood in as the Symbol `rank_0`, the same Symbol as an input of that name.
    inputs = IN + 'input rank_0 "r": count\n'
    (found,) = analysed(one("rank(fibre) * rank_0", "at least 1, 2, 3, 4, 5", inputs=inputs))
    assert found.message == "indicator 1's value falls as `fibre` rises, wherever `rank_0` > 0"


def test_inputs_without_a_direction_are_not_held_to_one() -> None:
    inputs = 'input a "a": count\ninput b "b": count\n'
    assert codes(one("a - b", "at least 1, 2, 3, 4, 5", inputs=inputs)) == []


def test_the_planted_direction_bug_is_found() -> None:
    (found,) = scr.diagnose(FIXTURES / "direction-bug.scs")
    assert found.code == "E0303" and "`covered`" in found.message
