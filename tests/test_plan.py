"""The scoring plan: lowered once, deterministic, nothing syntactic in it; its dump is a golden file."""

from __future__ import annotations

from fractions import Fraction

import pytest

import smartcity_rules as scr
from smartcity_rules.language.syntax import Function
from smartcity_rules.plan import scoring as p
from smartcity_rules.plan.lower import lower

from .conftest import FIXTURES, STANDARDS, wrap


@pytest.mark.parametrize("name", ["mini", "kitchen"])
def test_plan_dump_golden(golden, name: str) -> None:
    golden.check(f"plan/{name}.txt", scr.load(FIXTURES / f"{name}.scs").plan.dump())


@pytest.mark.parametrize("path", sorted(STANDARDS.glob("*.scs")), ids=lambda path: path.name)
def test_lowering_is_deterministic(path) -> None:
    standard = scr.load(path)
    assert lower(standard.checked) == standard.plan
    assert lower(standard.checked).dump() == standard.plan.dump()


def test_bands_are_whole_numbers_on_a_common_scale() -> None:
    plan = scr.loads(wrap('input x "x": rate\ngroup "G" points 1 { indicator 1 "i" { value x '
                          'stars at least 1/3, 1/2, 60%, 0.7, 99.5% points 1 } }')).plan
    banding = plan.indicators[0].banding
    assert banding is not None and banding.scale == 600
    assert banding.thresholds == (200, 300, 360, 420, 597)


def test_growth_reads_its_argument_once_per_period() -> None:
    # Nested growth would double the plan at every level if each reading were lowered anew.
    text = wrap('input x "x": count\ngroup "G" points 1 { indicator 1 "i" { value growth(x * 2 + x) '
                'stars at least 1, 2, 3, 4, 5 points 1 on zero denominator: zero } }')
    plan = scr.loads(text).plan
    assert len(plan.dump()) < 2_000
    outer = plan.indicators[0].formula
    assert isinstance(outer, p.Divide) and isinstance(outer.left, p.Binary)
    assert outer.left.right is outer.right  # the previous period's value is one op, read twice


def test_a_division_names_the_input_to_blame() -> None:
    plan = scr.loads(wrap('input a "a": count\ninput b "b": count\ngroup "G" points 1 { indicator 1 "i" '
                          '{ value a / b stars at least 1, 2, 3, 4, 5 points 1 } }')).plan
    formula = plan.indicators[0].formula
    assert formula == p.Divide(p.Load(0), p.Load(1), "b")


def test_every_function_of_the_language_is_in_the_kitchen_fixture_and_lowers() -> None:
    text = (FIXTURES / "kitchen.scs").read_text(encoding="utf-8")
    assert all(f"{function.value}(" in text for function in Function)
    dump = scr.load(FIXTURES / "kitchen.scs").plan.dump()
    assert "$" in dump and "@previous" in dump  # previous() and growth() read last period's slots
    assert all(word in dump for word in ("cohort[0] rank(", "share(", "max(", "min(", "tally("))


def test_a_ratio_of_inputs_not_declared_part_and_whole_checks_its_part() -> None:
    plan = scr.loads(wrap('input a "a": count\ninput b "b": count\ngroup "G" points 1 { indicator 1 "i" '
                          '{ value ratio(a, b) stars at least 1/5, 2/5, 3/5, 4/5, 1 points 1 } }')).plan
    assert plan.indicators[0].formula == p.Divide(p.Load(0), p.Load(1), "b", ("a", "b"))


def test_a_total_after_a_bonus_cap_is_rounded_as_declared() -> None:
    bonus = 'bonus group "B" at most 0.25 {{ {}indicator 2 "j" {{ value x stars at least 1, 2, 3, 4, 5 points 1 }} }}\n'
    text = ('standard "T" { level city total 1 rounding 1 decimals }\n'
            'input x "x": count\n'
            'group "G" points 1 { indicator 1 "i" { value x stars at least 1, 2, 3, 4, 5 points 1 } }\n')
    # Every node is rounded (docs/language.md §12): the bonus group after its cap, 0.25 -> 0.3
    # half up, and the total is the sum of its members' rounded scores.
    result = scr.loads(text + bonus.format("")).evaluate({"x": 5})
    capped = result.node("B")
    assert (capped.unrounded, capped.points, capped.max_points) == (Fraction(1, 4), Fraction(3, 10), Fraction(1, 4))
    assert result.group("B").points == Fraction(3, 10)
    assert result.total == Fraction(13, 10)  # 1 + 0.3
    # The bonus group kept to 2 decimals: it stays 0.25, and the total, 1 + 0.25 = 1.25 after the
    # cap, is rounded as the header declares, half up to one decimal.
    result = scr.loads(text + bonus.format("rounding 2 decimals ")).evaluate({"x": 5})
    assert result.group("B").points == Fraction(1, 4)
    assert (result.nodes[0].unrounded, result.total) == (Fraction(5, 4), Fraction(13, 10))
