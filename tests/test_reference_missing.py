"""The reference evaluator (tests/reference/) on the constructs docs/language.md grew after nesting:
missing values and their policies (§3), redistributing not-applicable weight (§9), the unrated
rule and the missing share (§10), aggregation (§9), point tables (§8), vetoes and caps (§10) and
whole powers (§5).

Every expected number is computed by hand from the docs (the comments show the arithmetic);
none comes from the library. Each example is then also run through the library and compared
with the reference bit for bit (`compare`); the two tests at the end held two library bugs
this file found (a not-applicable indicator meeting a points requirement, a point table's
unrounded score), fixed since.
"""

from __future__ import annotations

import sys
from fractions import Fraction
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import smartcity_rules as scr
from smartcity_rules.testing import cohorts

from . import reference
from .conftest import STANDARDS
from .reference.compare import compare
from .reference.evaluate import RefStandard, geometric, integer_root
from .reference.model import Override, Rounding, Row
from .reference.parse import parse
from .test_reference_nesting import _case_failures

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10: the tomli backport, a dependency there only
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

F = Fraction
Record = dict[str, Any]


@cache
def _both(text: str) -> tuple[scr.Standard, RefStandard]:
    return scr.loads(text, name="inline.scs"), reference.loads(text, ".")


def _scored(text: str, records: list[Record], library: bool = True) -> list[dict[str, Any]]:
    """The reference's results, after holding the library to them on the same records."""
    ours, ref = _both(text)
    if library:
        assert compare(ours, ref, records) == []
    return ref.evaluate_cohort(records)


def _one(text: str, record: Record, library: bool = True) -> dict[str, Any]:
    (result,) = _scored(text, [{"entity": "X", **record}], library)
    return result


def _refusal(text: str, records: list[Record]) -> reference.RefDataError:
    library, ref = _both(text)
    assert compare(library, ref, records) == []  # the library refuses it alike
    errors = ref.errors(records)
    assert errors
    return errors[0]


def _missing(result: dict[str, Any]) -> list[tuple[str, str, tuple[object, ...]]]:
    return [(m.input, m.filled, m.indicators) for m in result["missing"]]


# ---------------------------------------------------------------- §3, *Missing values*

POLICIES = """
standard "缺失" { level city total 100 rounding 2 decimals }
input w "区域内总户数": count "户", when missing: cohort median
input p "光纤入户用户数": count "户", part of w, when missing: not applicable
input r "覆盖率": rate, when missing: cohort mean
input s "专家评分": score 0 to 10, when missing: previous
input z "失泄密事件数": count "起", when missing: zero
input m "站点数": count, when missing: cohort min
input k "全省排名": rank, when missing: cohort mean
input f "是否成立领导小组": flag, when missing: zero
input e "必报数": count
group "G" points 100 {
    indicator 1 "光纤入户率" { value ratio(p, w) points 40 linear from 0 to 1 }
    indicator 2 "覆盖率" { value r points 30 linear from 0 to 1 }
    indicator 3 "综合" { value s / 10 + checklist { f: 1 } + m / 10 + 1 / k - e points 30 linear from 0 to 4 }
    indicator 4 "信息安全" { value z deduct 1 each }
}
"""
FULL: Record = {"w": 10, "p": 5, "r": "50%", "s": 5, "z": 0, "m": 0, "k": 1, "f": True, "e": 0}


def _without(*names: str, **changes: object) -> Record:
    return {**{k: v for k, v in FULL.items() if k not in names}, **changes}


def _last(records: list[Record]) -> dict[str, Any]:
    """The last entity's result, the others being its peers E0, E1, …"""
    return _scored(POLICIES, [{"entity": f"E{k}", **r} for k, r in enumerate(records)])[-1]


def test_a_complete_record_fills_in_nothing() -> None:
    result = _one(POLICIES, FULL)
    assert result["missing"] == () and result["missing_share"] == 0
    assert result["total"] == 20 + 15 + F(75, 4)  # 40 × 1/2, 30 × 1/2, 30 × (1/2 + 1 + 0 + 1 − 0) / 4


@pytest.mark.parametrize(("others", "filled"), [
    ([10, 20, 25], F(20)),  # the median of the others' 10, 20, 25
    ([10, 25], F(18)),  # an even count: the mean of the two middle ones, 17.5, half up for a count
    ([25, 10, 13, 40], F(19)),  # 10 13 25 40: (13 + 25) / 2 = 19
])
def test_a_missing_count_is_the_median_of_the_others(others: list[int], filled: Fraction) -> None:
    result = _last([_without(w=w, p=1) for w in others] + [_without("w")])
    assert _missing(result) == [("w", "cohort median", (1,))]
    assert result["indicators"][1][0] == F(5) / filled  # p = 5 over the filled-in whole
    assert result["missing_share"] == F(40, 100)  # indicator 1 reads it: 40 of the 100


@pytest.mark.parametrize(("others", "filled"), [
    (["10%", "30%"], F(1, 5)),  # (0.1 + 0.3) / 2, exactly: a rate is not rounded
    (["0.1", "0.25"], F(7, 40)),  # 0.175
    ([1, "1/3", 0], F(4, 9)),
])
def test_a_missing_rate_is_the_exact_mean_of_the_others(others: list[object], filled: Fraction) -> None:
    result = _last([_without(r=r) for r in others] + [_without("r")])
    assert _missing(result) == [("r", "cohort mean", (2,))]
    assert result["indicators"][2][0] == filled
    assert result["nodes"][2].unrounded == 30 * filled  # 30 × 7/40 = 5.25; 30 × 4/9 = 13.33…


def test_a_missing_rank_is_the_mean_of_the_others_rounded_half_up() -> None:
    result = _last([_without(k=1), _without(k=2), _without("k")])  # (1 + 2) / 2 = 1.5 → 2
    assert result["indicators"][3][0] == F(1, 2) + 1 + F(1, 2)  # s / 10 + f + m / 10 + 1 / k


def test_a_missing_count_is_the_least_of_the_others() -> None:
    result = _last([_without(m=4), _without(m=2), _without(m=7), _without("m")])
    assert result["indicators"][3][0] == F(1, 2) + 1 + F(2, 10) + 1  # m = 2
    assert _missing(result) == [("m", "cohort min", (3,))]


def test_a_value_filled_in_is_not_reported_for_the_others() -> None:
    """E0 and E1 both lack w: each takes the median of the one entity that reports it."""
    results = _scored(POLICIES, [{"entity": "E0", **_without("w", p=1)}, {"entity": "E1", **_without("w", p=1)},
                                 {"entity": "E2", **_without(w=4, p=1)}])
    assert [r["indicators"][1][0] for r in results] == [F(1, 4)] * 3
    assert [len(r["missing"]) for r in results] == [1, 1, 0]


def test_previous_takes_last_periods_value() -> None:
    result = _one(POLICIES, _without("s", **{"s@previous": 8}))
    assert result["indicators"][3][0] == F(8, 10) + 1 + 0 + 1  # s = 8 from last period
    assert _missing(result) == [("s", "previous", (3,))]


def test_zero_is_zero_and_no() -> None:
    result = _one(POLICIES, _without("z", "f"))
    assert result["indicators"][3][0] == F(1, 2) + 0 + 0 + 1  # f missing: no
    assert result["indicators"][4] == (0, None, 0)  # z missing: 0 incidents, nothing deducted
    assert _missing(result) == [("z", "zero", (4,)), ("f", "zero", (3,))]  # in the order declared
    # Indicator 3 carries 30 of the 100; the deduction carries nothing.
    assert result["missing_share"] == F(30, 100)


def test_not_applicable_makes_every_reader_not_applicable() -> None:
    result = _one(POLICIES, _without("p"))
    assert result["indicators"][1] == (None, None, 0)
    assert _missing(result) == [("p", "not applicable", (1,))]
    assert result["nodes"]["G"].points == 15 + F(75, 4)  # indicator 1 scores 0: no redistribute here


@pytest.mark.parametrize(("record", "input"), [
    (_without("s"), "s"),  # previous, and last period's value is missing too
    (_without("e"), "e"),  # no policy: `error`
    (_without("r"), "r"),  # a cohort of one: nobody else reports r
])
def test_a_missing_value_with_nothing_to_fill_it_in_is_refused(record: Record, input: str) -> None:
    error = _refusal(POLICIES, [{"entity": "X", **record}])
    assert (error.kind, error.entity, error.input) == ("missing", "X", input)
    assert isinstance(error, reference.RefMissing)


def test_a_value_filled_in_must_lie_in_its_domain() -> None:
    text = POLICIES.replace('rank, when missing: cohort mean', 'rank, when missing: zero')
    error = _refusal(text, [{"entity": "X", **_without("k")}])  # a rank of 0
    assert (error.kind, error.entity, error.input) == ("invalid", "X", "k")


def test_a_part_filled_in_is_held_to_its_whole() -> None:
    text = POLICIES.replace("part of w, when missing: not applicable", "part of w, when missing: cohort median")
    error = _refusal(text, [{"entity": "X", **_without("p", w=3)}, {"entity": "Y", **_without(w=9, p=9)}])
    assert (error.kind, error.entity, error.input) == ("invalid", "X", "p")  # a median of 9 above X's 3


def test_only_a_value_a_formula_needs_is_filled_in() -> None:
    text = POLICIES + 'input u "u": count, when missing: zero\n'
    assert _one(text, FULL)["missing"] == ()  # u is read by no formula: nothing to fill in


def test_a_leaf_reading_only_last_periods_value_is_not_made_not_applicable() -> None:
    """`previous(p)` reads `p@previous`; this period's p missing does not make it N/A."""
    last_year = 'indicator 5 "去年" { value previous(p) points 0.5 linear from 0 to 10 }\n    '
    text = POLICIES.replace('indicator 4 "信息安全"', last_year + 'indicator 4 "信息安全"').replace(
        "points 100 {", "points 100.5 {").replace("total 100 ", "total 100.5 ")
    result = _one(text, _without("p", **{"p@previous": 4, "w@previous": 10}))  # a part's whole comes along
    assert result["indicators"][5] == (4, None, F("0.2"))
    assert _missing(result) == [("p", "not applicable", (1,))]


def test_a_cohort_function_leaves_out_an_entity_whose_argument_is_not_applicable() -> None:
    text = """standard "T" { level city total 10 }
input q "q": rate, when missing: not applicable
group "G" points 10 { indicator 1 "x" { value rank(q) points 10 linear from 3 to 1 } }"""
    first, second, third = _scored(text, [{"entity": "A"}, {"entity": "B", "q": "0.5"}, {"entity": "C", "q": "0.2"}])
    assert first["indicators"][1] == (None, None, 0)
    assert (second["indicators"][1][0], third["indicators"][1][0]) == (1, 2)  # ranked among B and C only


# ---------------------------------------------------------------- §9, *Not applicable members*

REDISTRIBUTE = """
standard "T" {{ level city total 100 rounding 2 decimals }}
input w "w": count
input p "p": count, part of w, when missing: not applicable
input r "r": rate
input q "q": rate
input n "n": count
group "G" points 100 {{
    {settings}
    indicator 1 "a" {{ value ratio(p, w) points 40 linear from 0 to 1 }}
    indicator 2 "b" {{ value r points 30 linear from 0 to 1 }}
    indicator 3 "c" {{ value q points 30 linear from 0 to 1 }}
    indicator 4 "d" {{ value n deduct 1 each }}
}}
rating {{
    unrated when missing more than {most}
    level 1 "达标" when total >= 10
}}
"""


def _redistribute(settings: str, most: str = "30%") -> str:
    return REDISTRIBUTE.format(settings=settings, most=most)


@pytest.mark.parametrize(("settings", "n", "score"), [
    ("when not applicable: redistribute", 0, F("32.5")),  # (7.5 + 12) × 100 / 60
    ("", 0, F("19.5")),  # the not-applicable member scores 0, the others keep their points
    # My reading: the deduction is among "its members' sum", scaled too: (7.5 + 12 − 3) × 100/60.
    ("when not applicable: redistribute", 3, F("27.5")),
    # Aggregated, a deduction is added after the aggregate: 100 × (19.5 / 60) − 3.
    ("aggregate arithmetic when not applicable: redistribute", 3, F("29.5")),
])
def test_redistribute_scales_the_sum_by_all_maxima_over_the_applicable_ones(settings: str, n: int,
                                                                           score: Fraction) -> None:
    result = _one(_redistribute(settings), {"w": 10, "r": "25%", "q": "40%", "n": n})
    assert result["indicators"][1] == (None, None, 0)
    assert (result["nodes"]["G"].points, result["nodes"]["G"].unrounded) == (score, score)


def test_with_nothing_applicable_a_redistributing_group_scores_nothing() -> None:
    text = _redistribute("when not applicable: redistribute").replace("value r ", "value ratio(p, w) + r ").replace(
        "value q ", "value ratio(p, w) * q ")
    result = _one(text, {"w": 10, "r": 1, "q": 1, "n": 2})
    assert result["nodes"]["G"].points == 0  # the deduction too: "it is itself not applicable and scores 0"
    assert result["missing_share"] == 1


# ---------------------------------------------------------------- §10, *Missing data*


@pytest.mark.parametrize(("most", "rating"), [("30%", 0), ("40%", 1), ("39.9%", 0)])
def test_an_entity_is_unrated_when_its_missing_leaves_carry_more_than_p(most: str, rating: int) -> None:
    result = _one(_redistribute("when not applicable: redistribute", most), {"w": 10, "r": "25%", "q": "40%", "n": 0})
    assert result["missing_share"] == F(2, 5)  # indicator 1 carries 40 of the 100
    assert result["total"] == F("32.5")  # it would reach level 1
    assert result["rating"] == rating


def test_a_zero_denominator_is_not_missing_data() -> None:
    text = _redistribute("when not applicable: redistribute").replace(
        "points 40 linear from 0 to 1 }", "points 40 linear from 0 to 1 on zero denominator: not applicable }")
    result = _one(text, {"w": 0, "p": 0, "r": "25%", "q": "40%", "n": 0})
    assert result["indicators"][1] == (None, None, 0)
    assert (result["missing"], result["missing_share"], result["rating"]) == ((), 0, 1)


CARRIES = """
standard "T" { level city total 100 rounding 2 decimals }
input a "a": rate, when missing: cohort mean
input b "b": rate
input c "c": rate, when missing: zero
input d "d": rate
input n "n": count, when missing: zero
input x "x": rate, when missing: zero
group L1 "一" weight 40% {
    indicator P1 "x" {
        weight 60%
        item P1-1 "x1" { value a weight 30% }
        item P1-2 "x2" { value b weight 70% }
    }
    indicator P2 "y" { value c weight 40% }
    indicator P4 "扣" { value n deduct 1 each }
}
group L2 "二" weight 60% { indicator P3 "z" { value d weight 100% } }
bonus group "加" at most 5 { indicator P5 "加分" { value x points 5 linear from 0 to 1 } }
"""
CARRIES_RECORD: Record = {"a": "50%", "b": "50%", "c": "50%", "d": "50%", "n": 1, "x": "50%"}


@pytest.mark.parametrize(("absent", "share"), [
    (("a",), F(72, 1000)),  # item P1-1: 30 × 60% × 40% / (40 + 60) = 7.2%
    (("c",), F(16, 100)),  # P2: 40 × 40% / 100 = 16%
    (("a", "c"), F(232, 1000)),
    (("n", "x"), F(0)),  # a deduction and a bonus leaf carry nothing, though they are listed
])
def test_a_leaf_carries_its_maximum_times_the_weights_above_it(absent: tuple[str, ...], share: Fraction) -> None:
    record = {k: v for k, v in CARRIES_RECORD.items() if k not in absent}
    result = _scored(CARRIES, [{"entity": "X", **record}, {"entity": "Y", **CARRIES_RECORD}])[0]
    assert result["missing_share"] == share
    assert [m.input for m in result["missing"]] == list(absent)


# ---------------------------------------------------------------- §9, *Aggregation*

MEANS = """
standard "T" {{ level city total 50 rounding 2 decimals {mode} }}
input a "a": rate
input b "b": rate, when missing: not applicable
input n "n": count
group "G" points 50 {{
    {settings}
    indicator 1 "a" {{ value a points 25 linear from 0 to 1 }}
    indicator 2 "b" {{ value b points 25 linear from 0 to 1 }}
    indicator 3 "扣" {{ value n deduct 1 each }}
}}
"""


def _means(settings: str, mode: str = "") -> str:
    return MEANS.format(settings=settings, mode=mode)


@pytest.mark.parametrize(("settings", "mode", "score"), [
    # s = 12.5/25 = 1/2 and 6.25/25 = 1/4, w = 1/2 each: 50 × √(1/2 × 1/4) = 50 × √(1/8) = 17.6776…
    ("aggregate geometric", "", F("17.68")),
    ("aggregate geometric", "half even", F("17.68")),
    ("aggregate geometric", "truncate", F("17.67")),
    ("aggregate harmonic", "", F("16.67")),  # 50 / (½ / ½ + ½ / ¼) = 50 / 3
    ("aggregate minimum", "", F("12.5")),  # 50 × ¼
    ("aggregate arithmetic", "", F("18.75")),  # the members' sum
    ("", "", F("18.75")),
])
def test_each_aggregation_by_hand(settings: str, mode: str, score: Fraction) -> None:
    result = _one(_means(settings, mode), {"a": "50%", "b": "25%", "n": 0})
    node = result["nodes"]["G"]
    assert (node.points, node.maximum) == (score, 50)
    if "geometric" in settings:
        assert node.unrounded == score  # "the unrounded score shown is that same rounded value"


def test_the_geometric_mean_is_decided_by_integer_powers() -> None:
    # 17.675² = 312.405625 < 50²/8 = 312.5 < 17.68² = 312.5824: above the half, below 17.68.
    assert geometric([F(1, 2), F(1, 4)], [F(1, 2), F(1, 2)], F(50), Rounding(2)) == F("17.68")
    assert geometric([F(1, 2), F(1, 4)], [F(1, 2), F(1, 2)], F(50), Rounding(2, "truncate")) == F("17.67")
    assert geometric([F(1), F(1, 16)], [F(3, 4), F(1, 4)], F(40), Rounding(0)) == 20  # 40 × (1/16)^(1/4)
    cubes = (0, 1, 7, 8, 26, 27, 10**30 - 1, 10**30)
    assert [integer_root(v, 3) for v in cubes] == [0, 1, 1, 2, 2, 3, 10**10 - 1, 10**10]


@pytest.mark.parametrize(("mode", "score"), [("half up", F("12.35")), ("half even", F("12.34")),
                                             ("truncate", F("12.34"))])
def test_a_geometric_mean_exactly_at_a_half_rounds_by_its_mode(mode: str, score: Fraction) -> None:
    """Equal values make the mean rational: 100 × 0.12345 = 12.345, a half at 2 decimals."""
    text = f"""standard "T" {{ level city total 100 rounding 2 decimals {mode} }}
input a "a": rate
input b "b": rate
group "G" points 100 {{
    aggregate geometric
    indicator 1 "a" {{ rounding 5 decimals value a points 50 linear from 0 to 1 }}
    indicator 2 "b" {{ rounding 5 decimals value b points 50 linear from 0 to 1 }}
}}"""
    result = _one(text, {"a": "0.12345", "b": "0.12345"})
    assert result["nodes"][1].points == F("6.1725")
    assert result["nodes"]["G"].points == score


def test_unequal_maxima_weigh_the_geometric_mean() -> None:
    text = """standard "T" { level city total 40 rounding 4 decimals }
input a "a": rate
input b "b": rate
group "G" points 40 {
    aggregate geometric
    indicator 1 "a" { value a points 30 linear from 0 to 1 }
    indicator 2 "b" { value b points 10 linear from 0 to 1 }
}"""
    result = _one(text, {"a": 1, "b": "1/16"})
    assert result["nodes"][2].points == F("0.625")  # exact at 4 decimals, so s = 1/16
    assert result["total"] == 20  # 40 × 1^(3/4) × (1/16)^(1/4), L = 4


@pytest.mark.parametrize("how", ["geometric", "harmonic", "minimum"])
def test_a_member_at_zero_makes_the_mean_zero(how: str) -> None:
    assert _one(_means(f"aggregate {how}"), {"a": "50%", "b": 0, "n": 0})["nodes"]["G"].points == 0


@pytest.mark.parametrize(("settings", "score"), [
    ("aggregate geometric when not applicable: redistribute", F(25)),  # b left out: 50 × (1/2)^1
    ("aggregate harmonic when not applicable: redistribute", F(25)),
    ("when not applicable: redistribute aggregate minimum", F(25)),  # settings in either order
    ("aggregate geometric", F(0)),  # b counts as sᵢ = 0
    ("aggregate minimum", F(0)),
])
def test_a_not_applicable_member_is_left_out_under_redistribute_else_zero(settings: str, score: Fraction) -> None:
    result = _one(_means(settings), {"a": "50%", "n": 0})
    assert result["indicators"][2] == (None, None, 0)
    assert result["nodes"]["G"].points == score


def test_a_deduction_is_added_after_the_aggregate() -> None:
    node = _one(_means("aggregate geometric"), {"a": "50%", "b": "25%", "n": 1})["nodes"]["G"]
    assert (node.points, node.unrounded) == (F("16.68"), F("16.68"))  # 17.68 − 1


def test_an_indicator_made_of_items_aggregates_its_items() -> None:
    text = """standard "T" { level city total 100 rounding 1 decimals }
input a "a": rate
input b "b": rate
group "G" points 100 {
    indicator P1 "x" {
        aggregate minimum
        weight 100%
        item P1-1 "x1" { value a weight 50% }
        item P1-2 "x2" { value b weight 50% }
    }
}"""
    result = _one(text, {"a": "80%", "b": "30%"})
    assert result["nodes"]["P1"].points == 30  # 100% × 100 × min(0.8, 0.3)


def test_a_geometric_mean_needs_a_rounding_that_covers_it() -> None:
    with pytest.raises(reference.RefSyntaxError, match="E0267"):
        reference.loads(_means("aggregate geometric").replace(" rounding 2 decimals ", " "), ".")


# ---------------------------------------------------------------- §8, *Point tables*

SATISFACTION = """
standard "T" { level city total 100 }
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
    on zero denominator: zero
} }
"""


@pytest.mark.parametrize(("satisfied", "surveyed", "points"), [
    (97, 100, 100),  # exactly 97% is `>= 97%`
    (9699, 10000, 95), (93, 100, 95), (9299, 10000, 80), (85, 100, 80), (8499, 10000, 60),
    (1, 1, 100), (0, 1, 60), (0, 0, 60),  # a zero denominator counts as 0: the floor row
])
def test_a_value_scores_the_row_it_satisfies(satisfied: int, surveyed: int, points: int) -> None:
    result = _one(SATISFACTION, {"satisfied": satisfied, "surveyed": surveyed})
    value = F(satisfied, surveyed) if surveyed else F(0)
    assert result["indicators"][1] == (value, None, points)  # no bands: no stars
    assert result["nodes"][1].maximum == 100  # the largest row's points


@pytest.mark.parametrize(("v", "points"), [(1, 0), (F(3, 2), 50), (2, 50), (F(201, 100), 100)])
def test_rows_bound_above_or_below_open_or_closed(v: Fraction, points: int) -> None:
    text = """standard "T" { level city total 100 }
input v "v": measure
group "G" points 100 { indicator 1 "x" { value v points table { <= 1: 0  > 1 and <= 2: 50  > 2: 100 } } }"""
    assert _one(text, {"v": str(v)})["indicators"][1][2] == points


TABLE_ROUNDED = """
standard "T" { level city total 2.345 rounding 2 decimals half even }
input v "v": rate
group "G" points 2.345 { indicator 1 "x" {
    value v
    stars at least 20%, 40%, 60%, 80%, 100%
    points table { >= 50%: 2.345  < 50%: 0.125 } provisional
} }
rating { level 1 "一" when indicator 1 >= 3 stars }
"""


def test_a_tables_points_are_rounded_by_the_leafs_rounding() -> None:
    high = _one(TABLE_ROUNDED, {"v": "60%"})
    assert high["indicators"][1] == (F(3, 5), 3, F("2.34"))  # 2.345 half even; stars from its bands
    assert (high["nodes"][1].unrounded, high["nodes"][1].maximum, high["rating"]) == (F("2.345"), F("2.345"), 1)
    assert _one(TABLE_ROUNDED, {"v": "10%"})["indicators"][1] == (F(1, 10), 0, F("0.12"))


# ---------------------------------------------------------------- §10, *Vetoes and caps*

OVERRIDES = """
standard "T" { level city total 10 }
input a "a": count
input e "失泄密事件": count
group "G" points 10 {
    indicator 1 "x" { value a points 10 linear from 0 to 10 }
    indicator 2 "信息安全" { value e deduct 2 each }
}
rating {
    veto "发生重大网络安全事件" when indicator 2 <= -6 points
    cap 1 "存在失泄密事件" when indicator 2 < 0 points
    level 3 "优" when total >= 9
    level 2 "良" when total >= 5
    level 1 "中" when total >= 1
}
"""


@pytest.mark.parametrize(("a", "incidents", "total", "rank"), [
    (10, 0, 10, 3),  # no override fires
    (10, 1, 8, 1),  # capped at 1, though 8 reaches level 2
    (10, 2, 6, 1),
    (10, 3, 4, 0),  # vetoed: −6 points, so unrated though 4 reaches level 1
    (2, 1, 0, 0),  # capped, and level 1's own requirement fails too
])
def test_a_veto_unrates_and_a_cap_limits_the_rating(a: int, incidents: int, total: int, rank: int) -> None:
    result = _one(OVERRIDES, {"a": a, "e": incidents})
    assert (result["total"], result["rating"]) == (total, rank)


SUB_TIERS = """
standard "T" { level city total 100 }
input a "a": count
input e "e": count
group "G" points 100 {
    indicator 1 "x" { value a points 100 linear from 0 to 100 }
    indicator 2 "扣" { value e deduct 1 each }
}
rating {
    veto "两项" when indicator 2 < 0 points and total < 50
    cap 4 "有扣分" when indicator 2 < 0 points
    level 5 "五星级" when total >= 85
    level 4 "四星级成长型" when total >= 78
    level 4 "四星级基础型" when total >= 70
    level 3 "三星级" when total >= 40
}
"""


@pytest.mark.parametrize(("a", "e", "rank", "name"), [
    (100, 0, 5, "五星级"),
    (100, 1, 4, "四星级成长型"),  # 99, capped at 4: the first level from the top of rank 4 or less that holds
    (75, 1, 4, "四星级基础型"),
    (60, 1, 3, "三星级"),
    (50, 1, 0, None),  # 49 < 50 with a deduction: both of the veto's requirements hold
    (49, 0, 3, "三星级"),  # 49, no deduction: the veto needs both
])
def test_a_cap_takes_the_first_level_at_or_below_its_rank(a: int, e: int, rank: int, name: str | None) -> None:
    result = _one(SUB_TIERS, {"a": a, "e": e})
    assert (result["rating"], result["rating_name"]) == (rank, name)


# ---------------------------------------------------------------- §5, whole powers


@pytest.mark.parametrize(("formula", "value"), [
    ("ratio(p, w) ^ 2", F(1, 4)),
    ("-ratio(p, w) ^ 2 + 1", F(3, 4)),  # `-x ^ 2` is `-(x ^ 2)`
    ("(w - p) ^ 0", F(1)),
    ("2 * w ^ 3 / 1000", F(2)),  # ^ before *
])
def test_a_whole_power(formula: str, value: Fraction) -> None:
    text = f"""standard "T" {{ level city total 1 }}
input w "w": count
input p "p": count, part of w
group "G" points 1 {{ indicator 1 "x" {{ value {formula} points 1 linear from 0 to 1 }} }}"""
    assert _one(text, {"w": 10, "p": 5})["indicators"][1][0] == value


# ---------------------------------------------------------------- the parser


def test_the_parser_reads_the_new_forms() -> None:
    tree = parse("""
    standard "T" { level city total 100 rounding 2 decimals }
    input a "a": count "个", part of b, better higher, when missing: cohort median
    input b "b": rate, when missing: not applicable
    input c "c": score 0 to 5, when missing: previous
    group "g" points 100 {
        aggregate harmonic
        rounding 1 decimals
        when not applicable: redistribute
        indicator 1 "x" {
            value c
            points table { >= 3 and < 5: 50.5  < 3: 0  >= 5: 100 } provisional
        }
        indicator 2 "y" { when not applicable: redistribute aggregate geometric
                          item 2.1 "z" { value b weight 1 } }
    }
    rating provisional {
        unrated when missing more than 30%
        veto "否决" when indicator 1 <= 0 points and total < 10
        cap 3 "封顶" when indicator 2 < 1 points
        level 4 "四" when total >= 80
    }
    """)
    assert [(i.name, i.missing, i.part_of) for i in tree.inputs] == [
        ("a", "cohort median", "b"), ("b", "not applicable", None), ("c", "previous", None)]
    (group,) = tree.groups
    assert (group.aggregate, group.redistribute, group.rounding) == ("harmonic", True, Rounding(1))
    table, items = group.members
    assert table.clauses.points is not None
    assert table.clauses.points.table == (Row(((">=", F(3)), ("<", F(5))), F("50.5")), Row((("<", F(3)),), F(0)),
                                          Row(((">=", F(5)),), F(100)))
    assert table.clauses.points.maximum == 100
    assert (items.clauses.redistribute, items.clauses.aggregate) == (True, "geometric")
    assert tree.unrated_above == F(3, 10)
    veto, cap = tree.overrides
    assert isinstance(veto, Override) and (veto.cap, veto.reason, len(veto.requirements)) == (None, "否决", 2)
    assert (cap.cap, cap.reason, cap.requirements[0].points) == (3, "封顶", True)


@pytest.mark.parametrize("text", [
    'input a "a": count, when missing: cohort max',
    'input a "a": count, when missing: median',
    'group "g" { indicator 1 "x" { value 1 points 1 } aggregate geometric }',  # settings come first
    'group "g" { aggregate mean indicator 1 "x" { value 1 points 1 } }',
    'group "g" { indicator 1 "x" { value 1 points table { >= 1: 1 } } when not applicable: redistribute }',
    'rating { level 1 "一" when total >= 1 veto "x" when total < 1 }',  # overrides come before the levels
    'rating { veto "x" when total < 1 unrated when missing more than 1% level 1 "一" when total >= 1 }',
    'group "g" { indicator 1 "x" { value 2 ^ 11 points 1 } }',  # E0272: a power from 0 to 10
    'group "g" { indicator 1 "x" { value 2 ^ 1.5 points 1 } }',
])
def test_the_parser_refuses_what_the_docs_do_not_write(text: str) -> None:
    with pytest.raises(reference.RefSyntaxError):
        parse('standard "T" { level city }\n' + text)


# ---------------------------------------------------------------- compare() on the new results


class _Result:
    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)


class _Library:
    def __init__(self, results: list[Any]) -> None:
        self.results = results

    def evaluate_cohort(self, records: Any) -> list[Any]:
        return self.results


def _as_library(want: dict[str, Any], **change: Any) -> _Result:
    indicators = [_Result(code=str(code), value=v, stars=s, points=p) for code, (v, s, p) in want["indicators"].items()]
    fields = {"entity": want["entity"], "total": want["total"], "rating_rank": want["rating"],
              "rating": _Result(name=want["rating_name"]), "indicators": indicators,
              "groups": [_Result(name=n, points=p) for n, p in want["groups"].items()],
              "missing": [_Result(input=m.input, filled=m.filled, indicators=tuple(str(c) for c in m.indicators))
                          for m in want["missing"]],
              "missing_share": want["missing_share"]}
    return _Result(**{**fields, **change})


def test_compare_checks_the_rating_name_and_the_missing_data() -> None:
    ref = reference.loads(POLICIES, ".")
    record = {"entity": "X", **_without("z", "f")}
    (want,) = ref.evaluate_cohort([record])
    assert compare(_Library([_as_library(want)]), ref, [record]) == []
    swapped = _as_library(want, missing=list(reversed(_as_library(want).missing)), missing_share=F(3, 10) + F(1, 100),
                          rating=_Result(name="甲"))
    assert compare(_Library([swapped]), ref, [record]) == [
        "X: rating name: library 甲, reference None",
        "X: missing: library (('f', 'zero', (3,)), ('z', 'zero', (4,))), reference (('z', 'zero', (4,)), "
        "('f', 'zero', (3,)))",
        "X: missing share: library 31/100, reference 3/10",
    ]


class DataError(Exception):
    """Stands in for the library's: compare() knows refusals by class name, never by import."""

    def __init__(self, input: str) -> None:
        super().__init__(input)
        self.entity, self.indicator, self.input = "X", "3", input


class MissingInput(DataError):
    pass


class _Refusing:
    def __init__(self, input: str) -> None:
        self.input = input

    def evaluate_cohort(self, records: Any) -> Any:
        raise MissingInput(self.input)


def test_compare_takes_a_missing_input_refusal_by_entity_and_input() -> None:
    ref = reference.loads(POLICIES, ".")
    record = {"entity": "X", **_without("s")}  # `previous`, and no s@previous either
    assert compare(_Refusing("s"), ref, [record]) == []
    assert compare(_Refusing("s@previous"), ref, [record]) == [
        "X: refusal: library missing: entity 'X', indicator 3, input 's@previous', "
        "reference finds only missing: entity 'X', indicator 3, input 's'"]


# ---------------------------------------------------------------- the library against the reference

EVERYTHING = """
standard "新构造" { level city total 100 rounding 2 decimals }
input w "总数": count, when missing: cohort median
input p "部分": count, part of w, when missing: not applicable
input r "比例": rate, when missing: cohort mean
input s "评分": score 0 to 10, when missing: previous
input z "数量": count, when missing: zero
input m "数量m": count, when missing: cohort min
input q "比例q": rate, when missing: not applicable
input k "排名": rank, when missing: cohort mean
input f "是否": flag, when missing: zero
input e "事件": count, when missing: zero
group G1 "一" points 40 {
    when not applicable: redistribute
    aggregate geometric
    indicator 1 "a" { value ratio(p, w) points 20 linear from 0 to 1 on zero denominator: not applicable }
    indicator 2 "b" { value r points table { >= 90%: 20  >= 60% and < 90%: 12  < 60%: 5 } }
    indicator 3 "扣" { value e deduct 1 each, at most 3 }
}
group G2 "二" points 30 {
    rounding 3 decimals truncate
    aggregate harmonic
    indicator 4 "c" { value s / 10 stars at least 0.2, 0.4, 0.6, 0.8, 1 points 10 }
    indicator 5 "d" { value q ^ 2 points 10 linear from 0 to 1 }
    indicator 6 "e" { value min(rank(z + m), 5) points 10 linear from 5 to 1 }
}
group G3 "三" weight 30% {
    when not applicable: redistribute
    indicator P7 "f" {
        aggregate minimum
        weight 60%
        item P7-1 "f1" { value q weight 50% }
        item P7-2 "f2" { value checklist { f: 1 } weight 50% }
    }
    indicator P8 "g" {
        when not applicable: redistribute
        weight 40%
        item P8-1 "g1" { value ratio(p, w) weight 30% on zero denominator: zero }
        item P8-2 "g2" { value 1 / k weight 70% }
    }
}
bonus group "加" at most 2 {
    indicator 9 "h" { value z points 3 linear from 0 to 10 }
}
rating {
    unrated when missing more than 30%
    veto "事件多" when indicator 3 <= -3 points
    cap 2 "有事件" when indicator 3 < 0 points
    level 4 "优" when total >= 60
    level 3 "良" when total >= 45
    level 2 "中" when total >= 30
    level 1 "差" when total >= 10
}
"""
POLICY_INPUTS = ("w", "p", "r", "s", "z", "m", "q", "k", "f", "e")


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_generated_cohorts_with_values_missing_agree(data: st.DataObject) -> None:
    library, ref = _both(EVERYTHING)
    cohort = data.draw(cohorts(library, max_size=4, zeros=True))
    for record in cohort:
        for name in data.draw(st.lists(st.sampled_from(POLICY_INPUTS), max_size=4, unique=True)):
            record.pop(name, None)
        if data.draw(st.booleans()):
            record["s@previous"] = data.draw(st.sampled_from([0, 3, "7.5", 10]))
    assert compare(library, ref, cohort) == []


def test_the_docs_composite_index_example_agrees_on_its_cohort() -> None:
    path = STANDARDS / "examples" / "digital-development-index.scs"
    library, ref = scr.load(path), reference.load(path)
    records = [dict(r) for r in scr.read_records(STANDARDS / "examples" / "index-cohort.json")]
    assert compare(library, ref, records) == []
    assert any(result["missing"] for result in ref.evaluate_cohort(records))


def test_the_reference_passes_the_composite_index_examples_hand_worked_cases() -> None:
    path = STANDARDS / "examples" / "digital-development-index.cases.toml"
    cases = tomllib.loads(path.read_text(encoding="utf-8"))
    ref = reference.load(path.with_name("digital-development-index.scs"))
    failed = {case["name"]: found for case in cases["case"] if (found := _case_failures(ref, cases, case, path.parent))}
    assert failed == {}


# ---------------------------------------------------------------- disagreements: library bugs

NA_POINTS = """
standard "T" { level city total 10 }
input a "a": count
input b "b": count
group "G" points 10 {
    indicator 1 "x" { value a / b points 5 linear from 0 to 1 on zero denominator: not applicable }
    indicator 2 "y" { value a points 5 linear from 0 to 1 }
}
rating {
    level 2 "二" when total >= 6
    level 1 "一" when indicator 1 < 1 points
}
"""


def test_the_reference_holds_no_points_requirement_of_a_not_applicable_indicator() -> None:
    """§10: "An N/A indicator does not satisfy an `indicator N` requirement.": indicator 1 meets
    0/0 and is N/A, so `indicator 1 < 1 points` does not hold, though it scores 0 points."""
    (result,) = reference.loads(NA_POINTS, ".").evaluate_cohort([{"entity": "A", "a": 1, "b": 0}])
    assert (result["indicators"][1], result["total"], result["rating"]) == ((None, None, 0), 5, 0)


def test_a_not_applicable_indicator_satisfies_no_points_requirement() -> None:
    (result,) = scr.loads(NA_POINTS).evaluate_cohort([{"entity": "A", "a": 1, "b": 0}])
    assert result.rating_rank == 0  # the library rated it 1 once: "indicator 1 < 1 points" held, 0 points


def test_the_reference_keeps_a_table_rows_points_before_rounding_as_the_unrounded_score() -> None:
    (result,) = reference.loads(TABLE_ROUNDED, ".").evaluate_cohort([{"v": "60%"}])
    assert (result["nodes"][1].points, result["nodes"][1].unrounded) == (F("2.34"), F("2.345"))


def test_a_table_leafs_unrounded_score_is_its_rows_points_before_rounding() -> None:
    """§9, *Node scores*: step 1 scores the leaf (the row's 2.345), step 5 rounds it (2.34); §12:
    "every node's unrounded score (before its own rounding step ...)" stays in the results."""
    (evaluation,) = scr.loads(TABLE_ROUNDED).evaluate_cohort([{"v": "60%"}])
    (leaf,) = [node for node in evaluation.nodes if node.code == "1"]
    assert (leaf.points, leaf.unrounded) == (F("2.34"), F("2.345"))  # the library gave 2.34 twice once
