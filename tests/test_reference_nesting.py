"""The reference evaluator (tests/reference/) on the constructs docs/language.md grew for national
evaluations: codes, nested groups, items, weights, uncapped deductions, bonus groups at any level,
rounding modes at every level, and rating requirements on node points.

Every expected number here is computed by hand from the docs (the comments show the sums); none
comes from the library, which these tests do not load (tests/test_reference.py compares the two).
"""

from __future__ import annotations

import re
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10: the tomli backport, a dependency there only
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

from . import reference
from .conftest import ROOT
from .reference.compare import compare
from .reference.data import read_number
from .reference.evaluate import NodeScore, RefStandard, round_score
from .reference.model import Deduct, Rounding, code_key
from .reference.parse import parse

F = Fraction


def _ref(text: str, base: str | Path = ".") -> RefStandard:
    return reference.loads(text, base)


def _one(text: str, record: dict[str, Any]) -> dict[str, Any]:
    (result,) = _ref(text).evaluate_cohort([record])
    return result


def _node(result: dict[str, Any], key: object) -> tuple[Fraction, Fraction, Fraction | None]:
    node: NodeScore = result["nodes"][key]
    return node.points, node.unrounded, node.maximum


# ---------------------------------------------------------------- a national evaluation, three levels

NATIONAL = """
standard "新型智慧城市评价指标(示例)" {
    level city
    total 100
    rounding 2 decimals half up
}
input services "政务服务事项总数": count "项"
input e_license "电子证照办理事项数": count "项", part of services
input one_stop "一站式办理事项数": count "项", part of services
input portal "网上统一入口事项数": count "项", part of services
input transport "交通服务覆盖率": rate
input survey "市民体验满意度": rate

group L1 "惠民服务" points 37 {
    indicator L1P1 "政务服务" {
        description "本指标评价得分=8%×三个分项分数之和"
        weight 8%
        item L1P1-A1 "电子证照办理率" { value ratio(e_license, services) weight 30% }
        item L1P1-A2 "一站式办理率" provisional { value ratio(one_stop, services) weight 40% }
        item L1P1-A3 "网上统一入口率" { value ratio(portal, services) weight 30% }
    }
    indicator L1P2 "交通服务" { value transport weight 29% }
}
group L2 "市民体验" points 63 {
    indicator L2P1 "市民体验调查" { value survey weight 63% }
}
rating {
    level 3 "甲" when total >= 70
    level 2 "乙" when indicator L1P1 >= {threshold} points and group "惠民服务" >= 15.44 points
    level 1 "丙" when total >= 60
}
"""
NATIONAL_RECORD = {"entity": "甲市", "services": 9, "e_license": 7, "one_stop": 5, "portal": 8,
                   "transport": "33.3%", "survey": "0.8"}


def _national(threshold: str = "5.78") -> RefStandard:
    return _ref(NATIONAL.replace("{threshold}", threshold))


def test_a_three_level_national_evaluation_is_scored_by_hand() -> None:
    (result,) = _national().evaluate_cohort([NATIONAL_RECORD])
    # Items: W × T × clamp(v, 0, 1), each rounded to 2 decimals half up.
    assert _node(result, "L1P1-A1") == (F("23.33"), F(70, 3), F(30))  # 30% × 7/9 × 100 = 23.333…
    assert _node(result, "L1P1-A2") == (F("22.22"), F(200, 9), F(40))  # 40% × 5/9 × 100 = 22.222…
    assert _node(result, "L1P1-A3") == (F("26.67"), F(80, 3), F(30))  # 30% × 8/9 × 100 = 26.666…
    # The indicator: 8% × the sum of its items' rounded scores, 8% × 72.22 = 5.7776 → 5.78.
    assert _node(result, "L1P1") == (F("5.78"), F("5.7776"), F(8))
    assert _node(result, "L1P2") == (F("9.66"), F("9.657"), F(29))  # 29% × 0.333 × 100
    # Groups: the sum of their members' rounded scores; the root: the total.
    assert _node(result, "惠民服务") == (F("15.44"), F("15.44"), F(37))  # 5.78 + 9.66
    assert _node(result, "市民体验") == (F("50.4"), F("50.4"), F(63))  # 63% × 0.8 × 100
    assert _node(result, None) == (F("65.84"), F("65.84"), F(100))
    assert result["total"] == F("65.84")
    assert result["groups"] == {"惠民服务": F("15.44"), "市民体验": F("50.4")}
    # Every leaf, in the file's order; an indicator of items is a node only.
    assert result["indicators"] == {
        "L1P1-A1": (F(7, 9), None, F("23.33")),
        "L1P1-A2": (F(5, 9), None, F("22.22")),
        "L1P1-A3": (F(8, 9), None, F("26.67")),
        "L1P2": (F("0.333"), None, F("9.66")),
        "L2P1": (F("0.8"), None, F("50.4")),
    }


def test_node_results_carry_kind_code_and_name_in_the_files_order() -> None:
    (result,) = _national().evaluate_cohort([NATIONAL_RECORD])
    nodes = list(result["nodes"].values())
    assert [(n.kind, n.code, n.name) for n in nodes] == [
        ("standard", None, "新型智慧城市评价指标(示例)"),
        ("group", "L1", "惠民服务"),
        ("indicator", "L1P1", "政务服务"),
        ("item", "L1P1-A1", "电子证照办理率"),
        ("item", "L1P1-A2", "一站式办理率"),
        ("item", "L1P1-A3", "网上统一入口率"),
        ("indicator", "L1P2", "交通服务"),
        ("group", "L2", "市民体验"),
        ("indicator", "L2P1", "市民体验调查"),
    ]


def test_sums_are_formed_from_rounded_members() -> None:
    """11 services, 7, 2 and 2 of them: items 19.09 + 7.27 + 5.45 = 31.81, 8% of it 2.5448 → 2.54;
    from the exact items, 8% × (210 + 80 + 60)/11 = 28/11 = 2.5454…, it would have been 2.55."""
    record = {**NATIONAL_RECORD, "services": 11, "e_license": 7, "one_stop": 2, "portal": 2}
    (result,) = _national().evaluate_cohort([record])
    assert [result["nodes"][f"L1P1-A{i}"].points for i in (1, 2, 3)] == [F("19.09"), F("7.27"), F("5.45")]
    assert _node(result, "L1P1") == (F("2.54"), F("2.5448"), F(8))


@pytest.mark.parametrize(("threshold", "rating"), [("5.78", 2), ("5.779", 2), ("5.79", 1)])
def test_a_requirement_on_an_indicators_points_reads_its_rounded_score(threshold: str, rating: int) -> None:
    (result,) = _national(threshold).evaluate_cohort([NATIONAL_RECORD])
    assert result["rating"] == rating  # L1P1 scores 5.78 (5.7776 unrounded): 5.79 is not reached


def test_the_language_references_items_fragment_scores_as_the_national_rule_says() -> None:
    """The `item` block of docs/language.md §9, placed in an indicator body as the fragment
    comment says, with its inputs declared: "L1P1-A1分项分数 = 30% × (…/…) × 100"."""
    text = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
    (block,) = [b for b in re.findall(r"```scs\n(.*?)```", text, re.S) if "item L1P1-A1" in b]
    assert block.startswith("# fragment: indicator body")
    standard = _ref('standard "T" { level city total 100 rounding 2 decimals }\n'
                    'input government_services "政务服务事项总数": count\n'
                    + "".join(f'input {n} "{n}": count, part of government_services\n'
                              for n in ("e_license_services", "one_stop_services", "portal_services"))
                    + f'group "惠民服务" points 8 {{ indicator L1P1 "政务服务" {{ weight 8%\n{block}\n}} }}\n'
                    + 'group "其他" points 92 { indicator 9 "x" { value government_services weight 92% } }\n')
    (result,) = standard.evaluate_cohort([{"government_services": 9, "e_license_services": 7,
                                           "one_stop_services": 9, "portal_services": 0}])
    assert [result["nodes"][f"L1P1-A{i}"].points for i in (1, 2, 3)] == [F("23.33"), F(40), F(0)]
    assert result["nodes"]["L1P1"].points == F("5.07")  # 8% × 63.33 = 5.0664
    assert result["nodes"][9].points == F(92)  # a weighted leaf's value is clamped to 1: 92% × 1 × 100


# ---------------------------------------------------------------- rounding modes (§12)

ROUNDING_TABLE = [  # §12's table: MODE, then 2.345, 2.355, −2.345, 2.349 to 2 decimals
    ("half up", ("2.35", "2.36", "-2.35", "2.35")),
    ("half even", ("2.34", "2.36", "-2.34", "2.35")),
    ("truncate", ("2.34", "2.35", "-2.34", "2.34")),
]


@pytest.mark.parametrize(("mode", "expected"), ROUNDING_TABLE)
def test_the_rounding_table_of_the_language_reference(mode: str, expected: tuple[str, ...]) -> None:
    values = [F("2.345"), F("2.355"), F("-2.345"), F("2.349")]
    assert [round_score(v, Rounding(2, mode)) for v in values] == [F(e) for e in expected]


@pytest.mark.parametrize(("value", "rounding", "rounded"), [
    (F("0.125"), Rounding(2, "half even"), F("0.12")), (F("0.135"), Rounding(2, "half even"), F("0.14")),
    (F(5, 2), Rounding(0, "half even"), F(2)), (F(7, 2), Rounding(0, "half even"), F(4)),
    (F(-5, 2), Rounding(0, "half even"), F(-2)), (F("-0.999"), Rounding(2, "truncate"), F("-0.99")),
    (F(-10, 3), Rounding(1, "truncate"), F("-3.3")), (F(10, 3), None, F(10, 3)),
    (F("-0.005"), Rounding(2, "half up"), F("-0.01")), (F("-0.005"), Rounding(2, "half even"), F(0)),
])
def test_rounding_modes_on_more_values(value: Fraction, rounding: Rounding | None, rounded: Fraction) -> None:
    assert round_score(value, rounding) == rounded


MODES = """
standard "T" {{ level city total 10 rounding 2 decimals {mode} }}
input v "v": score -10 to 10
input n "n": count
group "g" points 10 {{
    indicator 1 "线性" {{ value v stars at least 1, 2, 3, 4, 5 points {points} linear from 0 to 10 }}
    indicator 2 "扣分" {{ value n deduct 0.469 each }}
    indicator 3 "补足" {{ value v stars at least 1, 2, 3, 4, 5 points {rest} }}
}}
"""


@pytest.mark.parametrize(("mode", "points", "linear", "deduction"), [
    ("half even", "4.69", F("2.34"), F("-2.34")),  # 4.69 × 5/10 = 2.345 → 2.34; −0.469 × 5 = −2.345 → −2.34
    ("half even", "4.71", F("2.36"), F("-2.34")),  # 4.71 × 5/10 = 2.355 → 2.36
    ("half up", "4.69", F("2.35"), F("-2.35")),  # halves away from zero
    ("", "4.69", F("2.35"), F("-2.35")),  # half up is the default
    ("truncate", "4.69", F("2.34"), F("-2.34")),  # towards zero: −2.345 → −2.34, not −2.35
    ("truncate", "4.71", F("2.35"), F("-2.34")),
])
def test_each_rounding_mode_in_a_standard(mode: str, points: str, linear: Fraction, deduction: Fraction) -> None:
    rest = F(10) - F(points)
    text = MODES.format(mode=mode, points=points, rest=f"{rest.numerator}/{rest.denominator}")
    result = _one(text, {"v": 5, "n": 5})
    assert result["indicators"][1][2] == linear
    assert result["indicators"][2] == (F(5), None, deduction)
    assert result["nodes"][2].unrounded == F("-2.345")
    assert result["indicators"][3][2] == rest  # v = 5 reaches 5 stars: all of it, already 2 decimals
    assert result["total"] == linear + deduction + rest


PER_LEVEL = """
standard "T" { level city total 10 rounding 2 decimals }
input v "v": measure
group "外" points 10 {
    group "内" points 5 {
        rounding 1 decimals truncate
        indicator 1 "a" { value v stars at least 1, 2, 3, 4, 5 points 4.975 linear from 0 to 3 }
        indicator 2 "b" {
            rounding 3 decimals half even
            item 2.1 "b1" { value v weight 0.125% }
            item 2.2 "b2" { value v weight 0.125% rounding 0 decimals }
        }
    }
    indicator 3 "c" { value v stars at least 1, 2, 3, 4, 5 points 5 linear from 0 to 3 }
}
"""


def test_a_rounding_applies_to_its_node_and_below_until_one_declares_its_own() -> None:
    result = _one(PER_LEVEL, {"v": "0.52"})
    # 1: 4.975 × 0.52/3 = 0.86233…, truncated to 1 decimal (the sub-group's rounding) → 0.8.
    assert _node(result, 1) == (F("0.8"), F("4.975") * F("0.52") / 3, F("4.975"))
    # 2.1: 0.125% × 10 × 0.52 = 0.0065 → 0.006 (its indicator's rounding: 3 decimals half even).
    # 2.2: its own `rounding 0 decimals`, half up by default: 0.0065 → 0.
    assert _node(result, "2.1") == (F("0.006"), F("0.0065"), F("0.0125"))
    assert _node(result, "2.2") == (F(0), F("0.0065"), F("0.0125"))
    assert _node(result, 2) == (F("0.006"), F("0.006"), F("0.025"))
    # The sub-group: 0.8 + 0.006 = 0.806, truncated to 1 decimal → 0.8.
    assert _node(result, "内") == (F("0.8"), F("0.806"), F(5))
    # 3 is under the header's rounding: 5 × 0.52/3 = 0.8666… → 0.87; the outer group 0.8 + 0.87.
    assert _node(result, 3) == (F("0.87"), F(13, 15), F(5))
    assert _node(result, "外") == (F("1.67"), F("1.67"), F(10))
    assert result["total"] == F("1.67")


def test_without_a_rounding_above_it_a_node_is_exact() -> None:
    result = _one(PER_LEVEL.replace(" rounding 2 decimals }", " }", 1), {"v": "0.52"})
    assert _node(result, 3) == (F(13, 15), F(13, 15), F(5))
    assert _node(result, "外") == (F("0.8") + F(13, 15), F("0.8") + F(13, 15), F(10))
    assert _node(result, None)[0] == F("0.8") + F(13, 15)


# ---------------------------------------------------------------- bonus groups at any level

NESTED_BONUS = """
standard "T" {{ level city total 10 rounding 2 decimals }}
input v "v": count
group "A" points 10 {{
    indicator 1 "x" {{ value v stars at least 1, 2, 3, 4, 5 points 10 }}
    bonus group "A+" {cap} {{
        indicator 2 "y" {{ value v stars at least 1, 2, 3, 4, 5 points 2 }}
        indicator 3 "z" {{ value v stars at least 1, 2, 3, 4, 5 points 2 }}
    }}
}}
"""


@pytest.mark.parametrize(("cap", "bonus", "unrounded", "maximum"), [
    ("at most 1.5", F("1.5"), F("1.5"), F("1.5")),  # 1.2 + 1.2 = 2.4, capped at 1.5
    ("at most 3", F("2.4"), F("2.4"), F(3)),  # under the cap
    ("at most 1.125", F("1.13"), F("1.125"), F("1.125")),  # capped, then rounded half up
    ("", F("2.4"), F("2.4"), F(4)),  # no cap: all of it; its maximum, its members' 2 + 2
])
def test_a_nested_bonus_group_adds_to_its_parent(cap: str, bonus: Fraction, unrounded: Fraction,
                                                 maximum: Fraction) -> None:
    result = _one(NESTED_BONUS.format(cap=cap), {"v": 3})  # 3 stars: 10 × 3/5 = 6, 2 × 3/5 = 1.2 each
    assert _node(result, "A+") == (bonus, unrounded, maximum)
    # The parent's `points 10` counts only its scored members; its score has the bonus on top.
    assert _node(result, "A") == (F(6) + bonus, F(6) + bonus, F(10))
    assert result["total"] == F(6) + bonus
    assert result["groups"] == {"A": F(6) + bonus, "A+": bonus}


def test_sub_groups_nest_to_any_depth() -> None:
    text = """
    standard "T" { level city total 6 }
    input v "v": count
    group "一" points 6 {
        group "二" points 4 {
            group "三" {
                indicator 1 "a" { value v stars at least 1, 2, 3, 4, 5 points 3 }
                bonus group "三+" at most 1/3 { indicator 2 "b" { value v stars at least 1, 2, 3, 4, 5 points 1 } }
            }
            indicator 3 "c" { value v stars at least 1, 2, 3, 4, 5 points 1 }
        }
        indicator 4 "d" { value v stars at least 1, 2, 3, 4, 5 points 2 }
    }
    """
    result = _one(text, {"v": 4})  # 4 stars: 4/5 of every maximum; exact, no rounding
    assert _node(result, "三") == (F(12, 5) + F(1, 3), F(12, 5) + F(1, 3), F(3))  # 2.4 + min(0.8, 1/3)
    assert _node(result, "二") == (F(12, 5) + F(1, 3) + F(4, 5), F(12, 5) + F(1, 3) + F(4, 5), F(4))
    assert result["total"] == F(12, 5) + F(1, 3) + F(4, 5) + F(8, 5)
    assert list(result["groups"]) == ["一", "二", "三", "三+"]


# ---------------------------------------------------------------- deductions without a cap (§8)

DEDUCTIONS = """
standard "T" { level city total 5 }
input n "事件数": count
input s "评分": score -10 to 10
group "g" points 5 {
    indicator 1 "a" { value 1 + 0 * n stars at least 1, 2, 3, 4, 5 points 5 }
    indicator 2 "无上限" { value n deduct 2 each }
    indicator 3 "有上限" { value s deduct 2 each, at most 3 }
    indicator 4 "负值" { value s deduct 1.5 each provisional }
}
"""


@pytest.mark.parametrize(("n", "s", "two", "three", "four"), [
    (7, 1, F(-14), F(-2), F("-1.5")),  # no cap: 2 × 7 = 14 all deducted
    (0, 4, F(0), F(-3), F(-6)),  # capped at 3; uncapped 1.5 × 4
    (1, -3, F(-2), F(0), F(0)),  # a negative value deducts 0, capped or not
])
def test_a_deduction_without_a_cap_deducts_all(n: int, s: int, two: Fraction, three: Fraction, four: Fraction) -> None:
    result = _one(DEDUCTIONS, {"n": n, "s": s})
    assert [result["indicators"][k][2] for k in (2, 3, 4)] == [two, three, four]
    assert result["indicators"][2][1] is None  # a deduction has no stars
    assert _node(result, 2)[2] is None  # nor a maximum (as the library's IndicatorInfo.max_points)
    assert result["total"] == F(1) + two + three + four  # 1 star of 5 points: 1; no floor at 0


# ---------------------------------------------------------------- weighted groups (§9, *Weights*)

WEIGHTED_GROUPS = """
standard "T" { level city total 100 rounding 2 decimals }
input a "a": rate
input b "b": rate
input c "c": rate
group G1 "政务" weight 8% {
    indicator 1 "a" { value a stars at least 20%, 40%, 60%, 80%, 100% points 60 linear from 0 to 1 }
    indicator 2 "b" { value b stars at least 20%, 40%, 60%, 80%, 100% points 40 }
}
group "其他" weight 92% {
    group "其他一" weight 50% { indicator 3 "c" { value c weight 100% } }
    group "其他二" points 50 { indicator 4 "d" { value c weight 50% } }
}
"""


def test_a_weighted_group_scores_its_weight_of_its_members_sum() -> None:
    result = _one(WEIGHTED_GROUPS, {"a": "0.7123", "b": "0.65", "c": "0.5"})
    assert result["indicators"][1] == (F("0.7123"), 3, F("42.74"))  # 60 × 0.7123 = 42.738
    assert result["indicators"][2] == (F("0.65"), 3, F(24))  # 40 × 3/5
    assert _node(result, "政务") == (F("5.34"), F("5.3392"), F(8))  # 8% × 66.74
    assert result["nodes"]["政务"].code == "G1"
    assert _node(result, "其他一") == (F(25), F(25), F(50))  # 50% × (100% × 0.5 × 100)
    assert _node(result, "其他二") == (F(25), F(25), F(50))  # 50% × 0.5 × 100, not weighted again
    assert _node(result, "其他") == (F(46), F(46), F(92))  # 92% × 50
    assert result["total"] == F("51.34")


def test_a_weighted_leaf_keeps_its_stars_but_scores_by_its_value() -> None:
    text = ('standard "T" { level city total 10 }\ninput r "r": rate\n'
            'group "g" points 10 {\n'
            '    indicator 1 ★ "x" { value r stars at least 20%, 40%, 60%, 80%, 100% weight 100% }\n'
            '}\n'
            'rating { level 1 "一" when every leading >= 3 stars and indicator 1 >= 3 stars }')
    result = _one(text, {"r": "0.65"})
    assert result["indicators"][1] == (F("0.65"), 3, F("6.5"))  # 100% × 10 × 0.65, 3 stars reported
    assert result["rating"] == 1


def test_points_without_bands_score_the_value_and_have_no_stars() -> None:
    """§8: "a linear scale or a weight scores the value itself, and needs no star bands"."""
    text = ('standard "T" { level city total 10 }\ninput r "r": rate\n'
            'group "g" points 10 { indicator 1 "x" { value r points 4 linear from 0 to 80% }\n'
            '                      indicator 2 "y" { value r weight 60% } }')
    result = _one(text, {"r": "0.5"})
    assert result["indicators"] == {1: (F(1, 2), None, F(5, 2)), 2: (F(1, 2), None, F(3))}  # 4 × 0.5/0.8; 6 × 0.5


def test_a_weight_needs_the_headers_total() -> None:
    with pytest.raises(reference.RefSyntaxError, match="total"):
        _ref('standard "T" { level city }\ninput r "r": rate\ngroup "g" { indicator 1 "x" { value r weight 1 } }')


# ---------------------------------------------------------------- rating requirements on nodes (§10)

REQUIREMENTS = """
standard "T" {{ level city total 10 rounding 1 decimals }}
input w "w": count
input p "p": count, part of w
input q "q": count
group "上" points 10 {{
    group "下" points 4 {{
        indicator 2.3.1 "a" {{ value ratio(p, w) stars at least 20%, 40%, 60%, 80%, 100% points 4
                               on zero denominator: not applicable }}
    }}
    indicator X1 "b" {{
        item X1-1 "b1" {{ value q stars at least 1, 2, 3, 4, 5 points 3 on zero denominator: not applicable }}
        item X1-2 "b2" {{ value ratio(p, w) stars at least 20%, 40%, 60%, 80%, 100% points 3
                         on zero denominator: not applicable }}
    }}
}}
rating {{
    level 1 "达标" when {requirement}
}}
"""


@pytest.mark.parametrize(("requirement", "record", "holds"), [
    ('group "下" >= 2.4 points', {"w": 10, "p": 6, "q": 1}, True),  # a sub-group: 4 × 3/5 = 2.4
    ('group "下" > 2.4 points', {"w": 10, "p": 6, "q": 1}, False),
    ('group "上" >= 4.8 points', {"w": 10, "p": 6, "q": 1}, True),  # 2.4 + (0.6 + 1.8)
    ('group "上" > 4.8 points', {"w": 10, "p": 6, "q": 1}, False),
    ("indicator 2.3.1 >= 2.4 points", {"w": 10, "p": 6, "q": 1}, True),
    ("indicator 2.3.1 >= 60%", {"w": 10, "p": 6, "q": 1}, True),  # its value
    ("indicator 2.3.1 >= 4 stars", {"w": 10, "p": 6, "q": 1}, False),  # 3 stars
    ("indicator X1 >= 2.4 points", {"w": 10, "p": 6, "q": 1}, True),  # items 0.6 + 1.8
    ("indicator X1 <= 2.3 points", {"w": 10, "p": 6, "q": 1}, False),
    ("indicator X1-2 >= 1.8 points", {"w": 10, "p": 6, "q": 1}, True),  # an item's score
    ("indicator X1-1 >= 1 stars", {"w": 10, "p": 6, "q": 1}, True),  # an item's stars
    ("indicator X1 >= 0 stars", {"w": 10, "p": 6, "q": 1}, False),  # an indicator of items has none
    ("indicator X1-2 >= 0 points", {"w": 0, "p": 0, "q": 1}, False),  # N/A satisfies no requirement
    ("indicator 2.3.1 <= 1 points", {"w": 0, "p": 0, "q": 1}, False),
    ("indicator X1 >= 0.6 points", {"w": 0, "p": 0, "q": 1}, True),  # its N/A item gives 0
    ("indicator X1 >= 0 points", {"w": 0, "p": 0, "q": 0}, True),  # 0 stars is no N/A
    ("indicator X1 >= 0 points", {"w": 0, "p": 0, "q": None}, False),  # both items N/A: it is too
    ('group "下" <= 0 points', {"w": 0, "p": 0, "q": 1}, True),
])
def test_requirements_on_node_points(requirement: str, record: dict[str, int | None], holds: bool) -> None:
    text = REQUIREMENTS.format(requirement=requirement)
    if record["q"] is None:  # X1-1 not applicable too: q / q meets a zero denominator at q = 0
        text, record = text.replace("value q stars", "value q / q stars"), {**record, "q": 0}
    result = _one(text, record)
    assert result["rating"] == (1 if holds else 0)


def test_requirements_example_scores() -> None:
    result = _one(REQUIREMENTS.format(requirement="total >= 0"), {"w": 10, "p": 6, "q": 1})
    assert [result["nodes"][k].points for k in (None, "上", "下", "2.3.1", "X1", "X1-1", "X1-2")] == [
        F("4.8"), F("4.8"), F("2.4"), F("2.4"), F("2.4"), F("0.6"), F("1.8")]
    assert result["nodes"]["X1"].maximum == F(6)  # without points or weight: its items' 3 + 3


# ---------------------------------------------------------------- codes (§9, *Codes*)


@pytest.mark.parametrize(("text", "key"), [("12", 12), ("012", 12), ("L1P1-A1", "L1P1-A1"), ("2.3.1", "2.3.1"),
                                           ("A", "A"), ("a", "a"), ("1e3", "1e3")])
def test_codes_are_keyed_as_written_numbers_as_numbers(text: str, key: object) -> None:
    assert code_key(text) == key


def test_indicators_are_found_by_code() -> None:
    standard = _national()
    assert standard.indicator("L1P1").name == "政务服务"
    assert [i.code for i in standard.leaves] == ["L1P1-A1", "L1P1-A2", "L1P1-A3", "L1P2", "L2P1"]
    assert _ref(DEDUCTIONS).indicator(2).name == _ref(DEDUCTIONS).indicator("2").name == "无上限"
    with pytest.raises(reference.RefSyntaxError):
        standard.indicator("L1P1-A1")  # an item is no indicator to take with `from`


def test_an_items_refusal_names_the_item() -> None:
    standard = _ref(REQUIREMENTS.format(requirement="total >= 0").replace("not applicable", "error"))
    errors = standard.errors([{"entity": "A", "w": 0, "p": 0, "q": 1}])
    assert [(e.kind, e.indicator) for e in errors] == [("zero denominator", "2.3.1"), ("zero denominator", "X1-2")]


@pytest.mark.parametrize(("text", "match"), [
    ('group "g" { indicator A "x" { value v points 1 stars at least 1,2,3,4,5 } indicator A "y" { value v '
     'points 1 stars at least 1,2,3,4,5 } }', "twice"),
    ('group "g" { indicator A "x" { item A "y" { value v weight 1 } } }', "twice"),
    ('group "g" { group "g" { indicator 1 "x" { value v weight 1 } } }', "twice"),
    ('group "g" { indicator 1 "x" { value v item 1.1 "y" { value v weight 1 } } }', "items"),
    ('group "g" { indicator 1 "x" { weight 1 } }', "no value"),
    ('group "A" { indicator A "x" { value v weight 1 } }', "named like a code"),
])
def test_what_the_reference_refuses_when_linking(text: str, match: str) -> None:
    with pytest.raises(reference.RefSyntaxError, match=match):
        _ref('standard "T" { level city total 1 }\ninput v "v": rate\n' + text)


# ---------------------------------------------------------------- the parser


def test_the_parser_reads_the_new_forms() -> None:
    tree = parse("""
    standard "T" { level city total 100 rounding 3 decimals half even }
    group L1 "惠民" weight 40% provisional {
        rounding 1 decimals truncate
        group 1.2 "子" points 3 { indicator 12 ★ "x" { deduct 1 each value v } }
        bonus group "加" { indicator 13 "y" { value v weight 1% rounding 0 decimals half up } }
        bonus group B "加二" at most 2 provisional { indicator L-1.a "z" { value v weight 1% } }
    }
    rating { level 1 "一" when indicator L-1.a >= 2 points and indicator 12 >= 1 and indicator 13 >= 1 stars }
    """)
    assert tree.header["rounding"] == Rounding(3, "half even")
    (top,) = tree.groups
    assert (top.code, top.name, top.weight, top.rounding) == ("L1", "惠民", F(2, 5), Rounding(1, "truncate"))
    sub, bonus, capped = top.members
    assert (sub.code, sub.points, sub.members[0].code, sub.members[0].leading) == ("1.2", 3, 12, True)
    assert sub.members[0].clauses.deduct == Deduct(F(1), None)
    assert (bonus.bonus, bonus.cap, bonus.members[0].clauses.rounding) == (True, None, Rounding(0, "half up"))
    assert (capped.code, capped.cap, capped.members[0].code) == ("B", 2, "L-1.a")
    assert tree.levels is not None
    first, second, third = tree.levels[0].requirements
    assert (first.code, first.points, first.stars, second.code, second.points, third.stars) == (
        "L-1.a", True, False, 12, False, True)


@pytest.mark.parametrize("text", [
    'group "g" { indicator 1 "x" { item 1.1 "y" { item 1.2 "z" { value v } } } }',  # an item holds no items
    'group "g" { indicator 1 "x" { value v } rounding 2 decimals }',  # a group's rounding comes first
    'group "g" { indicator 1 "x" { value v rounding 2 decimals half } }',
    'group "g" { indicator 1 "x" { value v rounding 2 decimals half down } }',
    'group "g" { indicator L1P1- "x" { value v } }',
])
def test_the_parser_refuses_what_the_docs_do_not_write(text: str) -> None:
    with pytest.raises(reference.RefSyntaxError):
        parse('standard "T" { level city }\n' + text)


# ---------------------------------------------------------------- building on a standard with items


def test_an_indicator_with_items_is_taken_with_from(tmp_path: Path) -> None:
    (tmp_path / "national.scs").write_text(NATIONAL.replace("{threshold}", "5.78"), encoding="utf-8")
    derived = """
    use "national.scs" as nat
    standard "派生" { level county total 50 rounding 1 decimals }
    group "取用" points 50 {
        indicator P1 from nat L1P1 "政务服务(县)" { weight 60% }
        indicator P2 from nat L2P1 { weight 40% }
    }
    """
    standard = reference.loads(derived, tmp_path)
    assert "services" in standard.inputs  # the items' inputs come from the base
    record = {k: v for k, v in NATIONAL_RECORD.items() if k != "transport"}  # L1P2 is not taken
    (result,) = standard.evaluate_cohort([record])
    # T is this standard's total, 50, and the rounding its own, 1 decimal:
    # items 30% × 7/9 × 50 = 11.666… → 11.7, 40% × 5/9 × 50 = 11.111… → 11.1, 30% × 8/9 × 50 → 13.3.
    assert [result["nodes"][f"L1P1-A{i}"].points for i in (1, 2, 3)] == [F("11.7"), F("11.1"), F("13.3")]
    assert _node(result, "P1") == (F("21.7"), F("21.66"), F(30))  # 60% × 36.1 = 21.66 → 21.7
    assert _node(result, "P2") == (F(16), F(16), F(20))  # 40% × 50 × 0.8: its weight replaced
    assert result["nodes"]["P1"].name == "政务服务(县)"
    assert result["total"] == F("37.7")


# ---------------------------------------------------------------- compare() on node results


class _Obj:
    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)


class _Library:
    def __init__(self, results: list[Any]) -> None:
        self.results = results

    def evaluate_cohort(self, records: Any) -> Any:
        return self.results


def _as_library(want: dict[str, Any], nodes: bool, change: dict[object, dict[str, Any]] | None = None) -> Any:
    """The reference's own result dressed as the library's, codes as str as the library gives them."""
    indicators = [_Obj(code=str(code), value=v, stars=s, points=p) for code, (v, s, p) in want["indicators"].items()]
    groups = [_Obj(name=name, points=points) for name, points in want["groups"].items()]
    got = _Obj(entity=want["entity"], total=want["total"], rating_rank=want["rating"], indicators=indicators,
               groups=groups)
    if nodes:
        got.nodes = tuple(_Obj(**{"kind": n.kind, "code": None if n.code is None else str(n.code), "name": n.name,
                                  "points": n.points, "unrounded": n.unrounded, "max_points": n.maximum,
                                  **(change or {}).get(key, {})})
                          for key, n in want["nodes"].items())
    return got


def test_compare_checks_node_scores_only_when_the_library_has_them() -> None:
    standard = _national()
    (want,) = standard.evaluate_cohort([NATIONAL_RECORD])
    assert compare(_Library([_as_library(want, nodes=False)]), standard, [NATIONAL_RECORD]) == []
    assert compare(_Library([_as_library(want, nodes=True)]), standard, [NATIONAL_RECORD]) == []
    wrong = _as_library(want, nodes=True, change={"L1P1": {"unrounded": F("5.7777")}, "惠民服务": {"code": None}})
    assert compare(_Library([wrong]), standard, [NATIONAL_RECORD]) == [
        "甲市: group 惠民服务 code: library None, reference L1",
        "甲市: indicator L1P1 unrounded: library 57777/10000, reference 3611/625",
    ]
    missing = _as_library(want, nodes=True)
    missing.nodes = missing.nodes[:-1]
    assert compare(_Library([missing]), standard, [NATIONAL_RECORD])[0].startswith("甲市: node keys:")


# ---------------------------------------------------------------- the shipped standards' hand-worked cases

CASE_KEYS = {"name", "note", "inputs", "peers", "data", "entity", "expect"}
EXPECT_KEYS = {"total", "rating", "error", "indicator", "group", "tolerance"}
ERRORS = {"InvalidValue": "invalid", "ZeroDenominator": "zero denominator", "MissingInput": "missing",
          "UnknownInput": "unknown", "DataError": None}


def _close(got: Fraction | int | None, want: object, tolerance: object) -> bool:
    if got is None or isinstance(want, bool):
        return False
    return abs(F(got) - read_number(want)) <= (read_number(tolerance) if tolerance is not None else 0)


def _case_failures(standard: RefStandard, cases: dict[str, Any], case: dict[str, Any], folder: Path) -> list[str]:
    """docs/testing.md's stored cases, as the reference reads them: every number that differs."""
    assert set(case) <= CASE_KEYS and set(case["expect"]) <= EXPECT_KEYS, case["name"]
    expect, base = case["expect"], cases.get("base", {})
    if "data" in case:
        records = reference.read_records(folder / case["data"])
        entity = case["entity"]
        records = [{**r, **case.get("inputs", {})} if r.get("entity") == entity else r for r in records]
    else:
        entity = case.get("entity", case["name"])
        peers = [{**base, **p, "entity": f"peer {k}"} for k, p in enumerate(case.get("peers", []), start=1)]
        records = [{**base, **case.get("inputs", {}), "entity": entity}, *peers]
    if "error" in expect:
        kind = ERRORS[expect["error"]]
        errors = standard.errors(records)
        return [] if errors and (kind is None or errors[0].kind == kind) else [f"error: {errors[:1]}"]
    (result,) = [r for r in standard.evaluate_cohort(records) if r["entity"] == entity]
    failures, tolerance = [], expect.get("tolerance")
    if "total" in expect and not _close(result["total"], expect["total"], tolerance):
        failures.append(f"total {result['total']}")
    if "rating" in expect:
        want = expect["rating"]
        got = result["rating"] if isinstance(want, int) else result["rating_name"] or ""
        failures += [] if got == want else [f"rating {got}"]
    for code, want in expect.get("indicator", {}).items():
        key = code_key(code)
        value, stars, points = result["indicators"].get(key, (None, None, result["nodes"][key].points))
        here = want.get("tolerance", tolerance)
        for field, got in (("value", value), ("stars", stars), ("points", points)):
            if field in want and not _close(got, want[field], here):
                failures.append(f"indicator {code} {field} {got}")
        if "status" in want:
            leaf = next(i for i in standard.indicators if i.code == code_key(code))
            status = "deduction" if leaf.deduct else "not applicable" if value is None and leaf.leaf else "scored"
            failures += [] if status == want["status"] else [f"indicator {code} status {status}"]
    for name, want in expect.get("group", {}).items():
        if not _close(result["groups"][name], want["points"], want.get("tolerance", tolerance)):
            failures.append(f"group {name} points {result['groups'][name]}")
    return failures


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "standards").glob("*.cases.toml")))
def test_the_reference_passes_the_shipped_standards_hand_worked_cases(name: str) -> None:
    path = ROOT / "standards" / name
    cases = tomllib.loads(path.read_text(encoding="utf-8"))
    standard = reference.load(path.with_name(name.replace(".cases.toml", ".scs")))
    assert len(cases["case"]) >= 10
    failed = {case["name"]: found for case in cases["case"]
              if (found := _case_failures(standard, cases, case, path.parent))}
    assert failed == {}
