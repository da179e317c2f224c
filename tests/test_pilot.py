from __future__ import annotations

import json
from fractions import Fraction
from io import StringIO
from pathlib import Path

import pytest

import smartcity_rules as scr
from smartcity_rules.cli import main
from smartcity_rules.toolkit import pilot

from .conftest import STANDARDS

# Five levels, two indicators, one leading: small enough to compute every outcome by hand.
# Stars give points 2 x stars / 5 for each indicator, so the total is 0.4 x (stars of 1 + stars of 2).
STANDARD = """standard "Pilot" { level city total 4 }
input whole "w": count
input fibre "f": count, part of whole
input fiveg "g": count, part of whole
group "G" points 4 {
    indicator 1 "光纤" { value ratio(fibre, whole) stars at least 50%, 60%, 70%, 80%, 90% points 2 }
    indicator 2 ★ "5G" { value ratio(fiveg, whole) stars at least 10%, 20%, 30%, 40%, 50% points 2 }
}
rating {
    level 5 "五星级" when total >= 3.6 and every leading >= 4 stars
    level 4 "四星级" when total >= 2.8 and every leading >= 3 stars
    level 3 "三星级" when total >= 2
    level 2 "二星级" when total >= 1.2
    level 1 "一星级" when total >= 0.4
}
"""


@pytest.fixture(scope="module")
def standard() -> scr.Standard:
    return scr.loads(STANDARD)


def evaluate(standard: scr.Standard, fibre: int, fiveg: int) -> scr.Evaluation:
    return standard.evaluate({"entity": "E", "whole": 100, "fibre": fibre, "fiveg": fiveg})


# ---------------------------------------------------------------- eligibility
@pytest.mark.parametrize(("fibre", "fiveg", "rank", "may_pilot"), [
    (70, 30, 3, 4),     # 3 + 3 stars: 2.4 points, three stars -> may pilot four
    (80, 40, 4, 5),     # 4 + 4 stars: 3.2 points and ★ at 4 -> four stars -> may pilot five
    (90, 50, 5, None),  # the top level: nothing above it
    (60, 20, 2, None),  # two stars: below the provincial bar
    (0, 0, 0, None),    # no level at all
])
def test_eligibility_is_one_level_above_from_three_stars(standard: scr.Standard, fibre: int, fiveg: int,
                                                        rank: int, may_pilot: int | None) -> None:
    result = pilot.eligibility(standard, evaluate(standard, fibre, fiveg))
    assert (result.rating, result.may_pilot) == (rank, may_pilot)
    assert result.verdict is (pilot.Verdict.ELIGIBLE if may_pilot else pilot.Verdict.NOT_ELIGIBLE)


def test_eligibility_skips_to_the_next_level_a_standard_has(mini: scr.Standard) -> None:
    # mini rates 5, 3 and 1 only: a three-star entity may pilot five.
    record = {"entity": "A", "households": 100, "fibre": 80, "gigabit": 50, "has_group": True, "has_plan": True,
              "incidents": 0, "apps": 1}
    evaluation = mini.evaluate(record, cohort=[record])
    assert evaluation.rating_rank == 3
    assert pilot.eligibility(mini, evaluation).may_pilot == 5


# ---------------------------------------------------------------- checks
def test_a_pilot_at_its_target_passes_with_no_gaps(standard: scr.Standard) -> None:
    outcome = pilot.check_pilot(standard, evaluate(standard, 80, 40), 4, pilot.Stage.MID_TERM)
    assert outcome.verdict is pilot.Verdict.PASS and outcome.gaps == () and outcome.failed == ()
    assert outcome.render() == "E: mid-term check of the 四星级 pilot: pass"


def test_a_pilot_short_of_its_target_rectifies_with_gaps_leading_first(standard: scr.Standard) -> None:
    # 3 + 2 stars = 2 points: short of 2.8 points, and ★ indicator 2 is below 3 stars.
    outcome = pilot.check_pilot(standard, evaluate(standard, 70, 20), 4, pilot.Stage.MID_TERM)
    assert outcome.verdict is pilot.Verdict.RECTIFY
    assert [r.text for r in outcome.failed] == ["total >= 2.8", "every leading >= 3 stars"]
    by_requirement = [(g.requirement, g.code, g.needed_stars, g.needed_value) for g in outcome.gaps]
    assert by_requirement == [
        ("total >= 2.8", "2", 4, Fraction(40, 100)),   # leading first
        ("total >= 2.8", "1", 4, Fraction(80, 100)),
        ("every leading >= 3 stars", "2", 3, Fraction(30, 100)),
    ]
    assert "★ 2 5G: 20% (2 stars); 3 stars needs ≥ 30%" in outcome.render()


def test_a_failed_acceptance_rectifies_and_a_second_recovers_the_funds(standard: scr.Standard) -> None:
    evaluation = evaluate(standard, 70, 20)
    first = pilot.check_pilot(standard, evaluation, 4, pilot.Stage.ACCEPTANCE)
    second = pilot.check_pilot(standard, evaluation, 4, pilot.Stage.ACCEPTANCE, after_rectification=True)
    assert first.verdict is pilot.Verdict.RECTIFY
    assert second.verdict is pilot.Verdict.FUNDS_RECOVERED
    assert "funds are recovered" in second.render()
    assert second.to_dict()["verdict"] == "funds recovered"


def test_a_mid_term_check_never_recovers_funds(standard: scr.Standard) -> None:
    outcome = pilot.check_pilot(standard, evaluate(standard, 70, 20), 4, pilot.Stage.MID_TERM,
                                after_rectification=True)
    assert outcome.verdict is pilot.Verdict.RECTIFY


def test_a_requirement_on_an_indicator_value_names_the_value_needed() -> None:
    text = STANDARD.replace('level 5 "五星级" when total >= 3.6 and every leading >= 4 stars',
                            'level 5 "五星级" when indicator 1 >= 95%')
    standard = scr.loads(text)
    outcome = pilot.check_pilot(standard, evaluate(standard, 90, 50), 5, pilot.Stage.ACCEPTANCE)
    (gap,) = outcome.gaps
    assert (gap.code, gap.needed_stars, gap.needed_value, gap.value) == ("1", None, Fraction(95, 100),
                                                                        Fraction(90, 100))


def test_an_unknown_target_level_is_a_clear_error(standard: scr.Standard) -> None:
    with pytest.raises(scr.NotFound, match="no rating level 7"):
        pilot.check_pilot(standard, evaluate(standard, 70, 20), 7, pilot.Stage.MID_TERM)


def test_community_standards_have_no_pilots() -> None:
    standard = scr.loads(STANDARD.replace("level city", "level community"))
    with pytest.raises(scr.NotFound, match="community"):
        pilot.eligibility(standard, evaluate(standard, 70, 30))


# ---------------------------------------------------------------- the command
def run(*argv: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_assess_lists_eligibility_for_the_bundled_cohort() -> None:
    code, out, _ = run("assess", str(STANDARDS / "shandong-city-2019.scs"),
                       str(STANDARDS / "examples" / "city-cohort.json"), "--format", "json")
    assert code == 0
    rows = json.loads(out)
    assert len(rows) == 16
    assert {row["verdict"] for row in rows} == {"eligible", "not eligible"}
    assert all(row["may_pilot"] == row["rating"] + 1 for row in rows if row["verdict"] == "eligible")


def test_assess_checks_need_a_target(tmp_path: Path) -> None:
    code, _, err = run("assess", str(STANDARDS / "shandong-city-2019.scs"),
                       str(STANDARDS / "examples" / "city-cohort.json"), "--stage", "mid-term")
    assert code == 2 and "--target" in err


def test_assess_acceptance_after_rectification(tmp_path: Path) -> None:
    (tmp_path / "p.scs").write_text(STANDARD, encoding="utf-8")
    (tmp_path / "d.json").write_text(json.dumps([{"entity": "E", "whole": 100, "fibre": 70, "fiveg": 20}]),
                                     encoding="utf-8")
    code, out, _ = run("assess", str(tmp_path / "p.scs"), str(tmp_path / "d.json"), "--stage", "acceptance",
                       "--target", "4", "--rectified")
    assert code == 0
    assert out.startswith("E: final acceptance of the 四星级 pilot (after rectification): funds recovered")


SUB_TIERS = STANDARD.replace(
    'level 4 "四星级" when total >= 2.8 and every leading >= 3 stars',
    'level 4 "四星级成长型" when total >= 3.2 and every leading >= 4 stars\n'
    '    level 4 "四星级基础型" when total >= 2.8 and every leading >= 3 stars')


def test_sub_tiers_share_a_rank_and_a_pilot_aims_at_the_lowest() -> None:
    standard = scr.loads(SUB_TIERS)
    growing, basic = evaluate(standard, 80, 40), evaluate(standard, 70, 40)  # 3.2 and 2.8 points
    assert (growing.rating.rank, growing.rating.name) == (4, "四星级成长型")
    assert (basic.rating.rank, basic.rating.name) == (4, "四星级基础型")
    three = evaluate(standard, 70, 30)
    assert pilot.eligibility(standard, three).may_pilot_name == "四星级基础型"
    outcome = pilot.check_pilot(standard, three, 4, pilot.Stage.MID_TERM)
    assert outcome.target_name == "四星级基础型"
    assert [r.text for r in outcome.failed] == ["total >= 2.8"]
    assert pilot.check_pilot(standard, basic, 4, pilot.Stage.ACCEPTANCE).verdict is pilot.Verdict.PASS
