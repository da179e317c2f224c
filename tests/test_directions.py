"""Direction proofs (directions.py): each value moves the way its directed inputs say (E0303, W0302)."""

from __future__ import annotations

import time
from fractions import Fraction

import pytest

import smartcity_rules as scr
from smartcity_rules.analysis import directions
from smartcity_rules.analysis.directions import MAX_PROOF_EXTREMES, MAX_PROOF_PARTS

from .analysis_helpers import IN, analysed, codes, one
from .conftest import FIXTURES

DIRECTIONS = ("E0303", "W0302")


def test_direction_proofs_cover_every_formula_form() -> None:
    good = ["weighted { 1/2: ratio(fibre, households), 1/2: 1 }", "clamp(ratio(fibre, households) * 2, 0, 1)",
            "max(fibre, households / 2) - min(households, 3)", "growth(fibre)", "fibre - previous(fibre)",
            "share(fibre)", "-rank(fibre)", "sqrt(ratio(fibre, households))", "zscore(fibre)"]
    for formula in good:
        assert codes(one(formula, "at least 1, 2, 3, 4, 5"), *DIRECTIONS) == [], formula
    for formula in ("rank(fibre)", "share(-fibre)", "1 - ratio(fibre, households)", "previous(fibre) - fibre",
                    "zscore(-fibre)"):
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


# ---------------------------------------------------------------- the proofs' budget
def pairs(count: int) -> str:
    """Inputs a0, a1, ... better higher and b0, b1, ... better lower."""
    return "".join(f'input a{i} "a": count, better higher\ninput b{i} "b": count, better lower\n' for i in range(count))


def _quickly(text: str, seconds: float = 5.0) -> list[scr.Diagnostic]:
    """The analyses' findings, failing the test if they take more than `seconds` of this process's
    CPU. Each regression here took tens of seconds; CPU time, unlike the clock, does not grow when
    other work shares the machine, so a loaded CI runner cannot fail it."""
    start = time.process_time()
    found = analysed(text)
    assert time.process_time() - start < seconds, "the analyses took too long"
    return found


def test_a_max_of_many_differences_is_left_undecided_quickly() -> None:
    # Regression: sympy's derivative of a max of 30 parts compares every pair for each: 46 s.
    formula = "max(" + ", ".join(f"a{i} - b{i}" for i in range(30)) + ")"
    found = _quickly(one(formula, "at least 1, 2, 3, 4, 5", inputs=pairs(30)))
    assert {d.code for d in found} == {"W0302"}
    assert found[0].help == f"a `min` or `max` of 30 parts, more than {MAX_PROOF_EXTREMES}, is too wide to prove: " \
                            "check the formula by hand"


def test_nested_maxes_count_as_one_wide_max() -> None:
    formula = "max(" + ", ".join(f"max(a{i}, a{i + 1}, a{i + 2})" for i in range(0, 9, 3)) + ")"
    inputs = "".join(f'input a{i} "a": count, better higher\n' for i in range(9))
    (found,) = {d.help for d in _quickly(one(formula, "at least 1, 2, 3, 4, 5", inputs=inputs))}
    assert "of 9 parts" in found


def test_the_growth_of_a_long_formula_is_decided_quickly() -> None:
    # Regression: the counterexample search substituted one symbol at a time: 136 s for this one.
    formula = "growth(" + " - ".join(f"a{i}" for i in range(30)) + ")"
    inputs = "".join(f'input a{i} "a": count, better higher\n' for i in range(30))
    assert "E0303" in codes_of(_quickly(one(formula, "at least 1, 2, 3, 4, 5", inputs=inputs)))


def test_a_min_of_ratios_is_decided_quickly() -> None:
    # Regression: 13 s, in the same one-symbol-at-a-time substitution.
    formula = "min(" + ", ".join(f"ratio(a{i}, b{i} + a{i})" for i in range(3)) + ")"
    assert codes_of(_quickly(one(formula, "at least 1, 2, 3, 4, 5", inputs=pairs(3)))) == ["W0302"] * 3


def test_nested_growths_are_too_large_to_prove_and_cost_nothing() -> None:
    # growth(e) holds e twice: 30 nested growths are 2^30 parts for sympy.
    found = _quickly(one("growth(" * 30 + "a0" + ")" * 30, "at least 1, 2, 3, 4, 5", inputs=pairs(1)))
    (unproven,) = [d for d in found if d.code in DIRECTIONS]
    assert unproven.code == "W0302"
    assert unproven.help == f"the formula has more than {MAX_PROOF_PARTS} parts to prove: check the formula by hand"


def test_proofs_stop_when_the_standards_time_is_spent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(directions, "PROOF_SECONDS", 0.0)
    found = _quickly(one("ratio(fibre, households)", "at least 1, 2, 3, 4, 5"))
    (unproven,) = [d for d in found if d.code in DIRECTIONS]
    assert unproven.code == "W0302" and unproven.help.startswith("the proofs of this standard ran out of their 0 s")


def codes_of(found: list[scr.Diagnostic]) -> list[str]:
    return [d.code for d in found if d.code in DIRECTIONS]
