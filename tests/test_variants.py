"""Entity types (smartcity_rules/language/variants.py and the facade's TypedStandard): the
projection is the standard a type sees, written out by hand; its checks name the type; records
are routed by their type and a cohort is scored type by type."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

import smartcity_rules as scr
from smartcity_rules.language import variants
from smartcity_rules.language.check import check
from smartcity_rules.language.parse import parse
from smartcity_rules.standard import TypedStandard
from smartcity_rules.testing import cohorts

from . import reference
from .conftest import STANDARDS
from .reference.compare import compare

TYPED = """standard "示例" { level county total 10 for "市", 12 for "县" entity type by 类型 }
input 类型 "评价对象类型": choice of "市", "县"
input a "A率": rate
input apps "应用数": count "个"
group "基础" points 6 for "市", 4 for "县" {
    indicator 1 "甲" { value a points 4 for "市", 2 for "县" linear from 0 to 1 }
    indicator 2 "乙" { value rank(apps) stars at most 5, 4, 3, 2, 1 points 2 }
}
group "城市" for "市" points 4 {
    indicator 3 "丙" { value a points 4 linear from 0 to 1 }
}
group "县域" for "县" points 8 {
    indicator 4 "丁" { value a weight 50% for "县" }
    indicator 5 "戊" for "县" { value apps / 10 points 2 linear from 0 to 1 }
}
rating {
    veto "否决" for "县" when indicator 4 < 1 points
    level 2 "好" for "市" when total >= 8
    level 2 "好" for "县" when total >= 9
    level 1 "中" when total >= 5
}
"""

# What each type sees, written by hand: the projection must be exactly this standard.
AS_CITY = """standard "示例" { level county total 10 }
input a "A率": rate
input apps "应用数": count "个"
group "基础" points 6 {
    indicator 1 "甲" { value a points 4 linear from 0 to 1 }
    indicator 2 "乙" { value rank(apps) stars at most 5, 4, 3, 2, 1 points 2 }
}
group "城市" points 4 {
    indicator 3 "丙" { value a points 4 linear from 0 to 1 }
}
rating {
    level 2 "好" when total >= 8
    level 1 "中" when total >= 5
}
"""
AS_COUNTY = """standard "示例" { level county total 12 }
input a "A率": rate
input apps "应用数": count "个"
group "基础" points 4 {
    indicator 1 "甲" { value a points 2 linear from 0 to 1 }
    indicator 2 "乙" { value rank(apps) stars at most 5, 4, 3, 2, 1 points 2 }
}
group "县域" points 8 {
    indicator 4 "丁" { value a weight 50% }
    indicator 5 "戊" { value apps / 10 points 2 linear from 0 to 1 }
}
rating {
    veto "否决" when indicator 4 < 1 points
    level 2 "好" when total >= 9
    level 1 "中" when total >= 5
}
"""
HAND = {"市": AS_CITY, "县": AS_COUNTY}


def _typed() -> TypedStandard:
    standard = scr.loads(TYPED)
    assert isinstance(standard, TypedStandard)
    return standard


def _codes(evaluation: scr.Evaluation) -> list[str]:
    return [i.code for i in evaluation.indicators]


# ---------------------------------------------------------------- projection
@pytest.mark.parametrize("entity_type", ["市", "县"])
def test_the_projection_is_the_standard_the_type_sees(entity_type: str) -> None:
    projected = variants.project(parse(TYPED), entity_type)
    assert projected == parse(HAND[entity_type])
    assert not variants.is_typed(projected)


def test_a_typed_tree_is_typed_and_lists_its_types() -> None:
    tree = parse(TYPED)
    assert variants.is_typed(tree)
    assert variants.entity_types(tree) == ("市", "县")
    assert not variants.is_typed(parse(AS_CITY))


def test_the_checker_never_checks_a_typed_tree_as_one_standard() -> None:
    with pytest.raises(scr.InvalidStandard):
        check(parse(TYPED))


# ---------------------------------------------------------------- checks
def _errors(text: str) -> list[scr.Diagnostic]:
    with pytest.raises(scr.InvalidStandard) as raised:
        scr.loads(text)
    return [d for d in raised.value.diagnostics if d.is_error]


def test_a_problem_of_one_type_says_which() -> None:
    text = TYPED.replace('group "县域" for "县" points 8', 'group "县域" for "县" points 7')
    found = _errors(text)
    assert [(d.code, d.message) for d in found] == [
        ("E0233", 'group points sum to 11, expected the total 12 (entity type "县")'),
        ("E0231", 'points of group "县域" sum to 8, expected 7 (entity type "县")')]


def test_a_problem_every_type_has_is_reported_once_without_a_type() -> None:
    text = TYPED.replace("value rank(apps)", "value rank(appz)")
    found = _errors(text)
    assert len(found) == 1 and "entity type" not in found[0].message and "appz" in found[0].message


def test_an_input_only_one_type_reads_draws_no_warning() -> None:
    text = TYPED.replace('input apps "应用数": count "个"', 'input apps "应用数": count "个"\ninput b "B": rate')
    text = text.replace("value apps / 10", "value b")
    assert [d.code for d in scr.loads(text).warnings] == []
    unused = text.replace('input b "B": rate', 'input b "B": rate\ninput c "C": rate')
    assert [d.message for d in scr.loads(unused).warnings] == ["input `c` is never used"]


@pytest.mark.parametrize(("change", "code"), [
    (('entity type by 类型', 'entity type by 类别'), "E0280"),
    (('input a "A率": rate', 'input a "A率": rate\ninput 类别 "x": count'), None),
    (('indicator 5 "戊" for "县"', 'indicator 5 "戊" for "乡"'), "E0281"),
    (('points 4 for "市", 2 for "县" linear', 'points 4 for "市" linear'), "E0282"),
    (('points 4 for "市", 2 for "县" linear', 'points 4 for "市", 2 for "县", 3 for "县" linear'), "E0282"),
    (('value apps / 10', 'value 类型 / 10'), "E0283"),
    (('choice of "市", "县"', 'choice of "市", "县", "市"'), "E0285"),
    (('indicator 5 "戊" for "县"', 'indicator 5 "戊" for "市"'), "E0286"),
    (('indicator 5 "戊" for "县"', 'indicator 5 "戊" for "县", "县"'), "E0286"),
])
def test_each_typed_mistake_has_its_code(change: tuple[str, str], code: str | None) -> None:
    assert change[0] in TYPED
    text = TYPED.replace(*change)
    if code is None:  # a sound edit: the file still loads
        scr.loads(text)
        return
    assert code in {d.code for d in _errors(text)}


def test_typed_syntax_needs_the_header_line() -> None:
    text = TYPED.replace(" entity type by 类型", "")
    assert {d.code for d in _errors(text)} == {"E0284"}


def test_a_type_left_with_nothing_is_refused() -> None:
    only_cities = """standard "示例" { level county total 1 entity type by 类型 }
input 类型 "t": choice of "市", "县"
input a "A": rate
group "g" for "市" points 1 { indicator 1 "i" { value a points 1 linear from 0 to 1 } }
"""
    assert [d.code for d in _errors(only_cities)] == ["E0287"]


# ---------------------------------------------------------------- routing
RECORDS: list[dict[str, Any]] = [
    {"entity": "甲市", "类型": "市", "a": "50%", "apps": 3},
    {"entity": "乙县", "类型": "县", "a": 1, "apps": 9},
    {"entity": "丙市", "类型": "市", "a": 1, "apps": 5},
    {"entity": "丁县", "类型": "县", "a": 0.25, "apps": 1},
]


def test_each_record_is_scored_by_its_type_in_the_callers_order() -> None:
    results = _typed().evaluate_cohort(RECORDS)
    assert [(e.entity, e.entity_type) for e in results] == [
        ("甲市", "市"), ("乙县", "县"), ("丙市", "市"), ("丁县", "县")]
    assert _codes(results[0]) == ["1", "2", "3"] and _codes(results[1]) == ["1", "2", "4", "5"]
    # 甲市: 4 x 1/2 + rank 2 of the 2 cities (at most 2: 4 stars, 2 x 4/5) + 4 x 1/2 = 28/5
    assert results[0].total == Fraction(28, 5)
    # 乙县: 2 x 1 + rank 1 of the 2 counties (5 stars: 2) + 50% x 12 x 1 + 2 x min(9/10, 1) = 11.8
    assert results[1].total == Fraction(59, 5) and results[1].rating_rank == 2


def test_cohort_functions_compare_entities_of_one_type_only() -> None:
    results = {e.entity: e for e in _typed().evaluate_cohort(RECORDS)}
    # apps 3 and 5 among the cities, 9 and 1 among the counties: each type has a first and a second.
    assert {name: e.indicator(2).value for name, e in results.items()} == {"甲市": 2, "乙县": 1, "丙市": 1, "丁县": 2}
    city, county = results["甲市"].cohort, results["乙县"].cohort
    assert city is not None and county is not None
    assert (city.size, city.entity_type, county.size, county.entity_type) == (2, "市", 2, "县")
    assert city.digest != county.digest


@pytest.mark.parametrize("entity_type", ["市", "县"])
def test_a_type_scores_as_its_hand_written_standard(entity_type: str) -> None:
    mine = [{k: v for k, v in r.items() if k != "类型"} for r in RECORDS if r["类型"] == entity_type]
    hand = scr.loads(HAND[entity_type]).evaluate_cohort(mine)
    typed = [e for e in _typed().evaluate_cohort(RECORDS) if e.entity_type == entity_type]
    assert [{**e.to_dict(), "entity_type": None, "cohort": None} for e in typed] == [
        {**e.to_dict(), "entity_type": None, "cohort": None} for e in hand]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cohorts(scr.loads(TYPED), max_size=5))
def test_generated_cohorts_score_as_the_hand_written_standards(cohort: list[dict[str, Any]]) -> None:
    typed = {e.entity: e for e in _typed().evaluate_cohort(cohort)}
    for entity_type, text in HAND.items():
        mine = [{k: v for k, v in r.items() if k != "类型"} for r in cohort if r["类型"] == entity_type]
        for evaluation in scr.loads(text).evaluate_cohort(mine):
            assert typed[evaluation.entity].total == evaluation.total
            assert typed[evaluation.entity].rating_rank == evaluation.rating_rank


def test_to_dict_says_the_type_and_an_untyped_result_does_not() -> None:
    typed = _typed().evaluate_cohort(RECORDS)[1].to_dict()
    assert typed["entity_type"] == "县" and typed["cohort"]["entity_type"] == "县"
    plain = scr.loads(AS_CITY).evaluate_cohort([{"entity": "x", "a": 1, "apps": 1}])[0].to_dict()
    assert "entity_type" not in plain and "entity_type" not in plain["cohort"]


@pytest.mark.parametrize(("value", "error"), [
    (None, scr.MissingInput), ("", scr.MissingInput), ("区", scr.InvalidValue), (1, scr.InvalidValue),
    ("市 ", scr.InvalidValue),
])
def test_a_type_that_is_no_choice_is_bad_data_naming_entity_and_input(value: Any, error: type[Exception]) -> None:
    records = [RECORDS[0], {**RECORDS[1], "类型": value}]
    with pytest.raises(error) as raised:
        _typed().evaluate_cohort(records)
    assert isinstance(raised.value, scr.DataError)
    assert (raised.value.entity, raised.value.input) == ("乙县", "类型")


def test_a_record_without_its_type_is_missing_input() -> None:
    record = {k: v for k, v in RECORDS[0].items() if k != "类型"}
    with pytest.raises(scr.MissingInput, match="entity '甲市', input '类型'"):
        _typed().evaluate_cohort([record])


def test_an_entity_named_twice_across_types_is_refused() -> None:
    with pytest.raises(scr.DataError, match="appears twice"):
        _typed().evaluate_cohort([RECORDS[0], {**RECORDS[1], "entity": "甲市"}])


def test_unnamed_records_keep_the_names_of_their_places() -> None:
    unnamed = [{k: v for k, v in r.items() if k != "entity"} for r in RECORDS]
    assert [e.entity for e in _typed().evaluate_cohort(unnamed)] == ["#1", "#2", "#3", "#4"]


def test_evaluate_and_evaluate_stream_route_too() -> None:
    standard = _typed()
    alone = standard.evaluate(RECORDS[1], cohort=RECORDS)
    assert alone == standard.evaluate_cohort(RECORDS)[1]
    assert list(standard.evaluate_stream(iter(RECORDS), chunk=1)) == list(standard.evaluate_cohort(RECORDS))
    with pytest.raises(scr.CohortRequired):
        standard.evaluate(RECORDS[1])  # rank() compares entities


def test_what_differs_by_type_is_asked_of_the_types_standard() -> None:
    standard = _typed()
    assert standard.entity_types == ("市", "县") and standard.entity_type_input == "类型"
    assert standard.variant("县").indicator_codes == ("1", "2", "4", "5")
    assert standard.indicator_codes == ("1", "2", "3", "4", "5")
    assert "类型" in standard.input_names and standard.inputs[0].kind == "choice"
    for what in ("plan", "checked", "python_source", "indicators"):
        with pytest.raises(scr.NotFound, match="variant"):
            getattr(standard, what)
    with pytest.raises(scr.NotFound):
        standard.variant("乡")
    assert scr.loads(AS_CITY).variant(None).entity_types == ()


def test_explain_uses_the_entitys_type() -> None:
    standard = _typed()
    assert "rank" in standard.explain(RECORDS, "乙县", 2).render()
    with pytest.raises(scr.NotFound, match="not scored for entity type '市'"):
        standard.explain(RECORDS, "甲市", 5)


def test_the_shipped_example_checks_strictly_and_scores_its_cohorts_alike() -> None:
    path = STANDARDS / "examples" / "county-and-city.scs"
    assert [d for d in scr.diagnose(path) if d.severity is scr.Severity.WARNING or d.is_error] == []
    standard = scr.load(path)
    json_ = standard.evaluate_cohort(scr.read_records(STANDARDS / "examples" / "county-and-city-cohort.json"))
    csv_ = standard.evaluate_cohort(scr.read_records(STANDARDS / "examples" / "county-and-city-cohort.csv"))
    assert [e.to_dict() for e in json_] == [e.to_dict() for e in csv_]


# ---------------------------------------------------------------- rendered diagnostics
GOLDEN_CASES = {
    "unknown_type": TYPED.replace('indicator 5 "戊" for "县"', 'indicator 5 "戊" for "乡"'),
    "per_type_missing_a_type": TYPED.replace('points 4 for "市", 2 for "县" linear', 'points 4 for "市" linear'),
    "one_type_only": TYPED.replace('group "县域" for "县" points 8', 'group "县域" for "县" points 7'),
}


@pytest.mark.parametrize("name", sorted(GOLDEN_CASES))
def test_typed_diagnostics_render_as_stored(name: str, golden: Any) -> None:
    with pytest.raises(scr.InvalidStandard) as raised:
        scr.loads(GOLDEN_CASES[name], f"{name}.scs")
    golden.check(f"variants/{name}.txt", "\n\n".join(d.render() for d in raised.value.diagnostics) + "\n")


def test_check_alone_reports_the_typed_checks() -> None:
    with pytest.raises(scr.InvalidStandard) as raised:
        check(parse(GOLDEN_CASES["unknown_type"]))
    assert [d.code for d in raised.value.diagnostics] == ["E0281"]


def test_indicators_taken_from_another_standard_may_be_for_one_type(tmp_path: Path) -> None:
    (tmp_path / "base.scs").write_text("""standard "底" { level city total 2 }
input a "A": rate
group "g" points 2 { indicator 1 "甲" { value a points 2 linear from 0 to 1 } }
""", "utf-8")
    (tmp_path / "typed.scs").write_text("""standard "用" {
    level county total 4 for "市", 3 for "县" entity type by 类型
}
use "base.scs" as base
input 类型 "t": choice of "市", "县"
group "g" points 4 for "市", 3 for "县" {
    indicator 1 from base 1 { points 2 for "市", 1 for "县" linear from 0 to 1 }
    indicator 2 from base 1 "乙" for "县"
    indicator 3 from base 1 "丙" for "市"
}
""", "utf-8")
    standard = scr.load(tmp_path / "typed.scs")
    records = [{"entity": "x", "类型": "市", "a": 0.5}, {"entity": "y", "类型": "县", "a": 0.5}]
    city, county = standard.evaluate_cohort(records)
    # 市: 2 x 1/2 + 2 x 1/2; 县: 1 x 1/2 + 2 x 1/2
    assert (city.total, _codes(city), county.total, _codes(county)) == (1 + 1, ["1", "3"], Fraction(3, 2), ["1", "2"])
    origin = standard.variant("县").checked.indicator(1).syntax.origin
    assert origin is not None and origin.replaced == ("points",)
    assert compare(standard, reference.load(tmp_path / "typed.scs"), records) == []


def test_a_standard_with_entity_types_cannot_be_built_on(tmp_path: Path) -> None:
    (tmp_path / "both.scs").write_text(TYPED, "utf-8")
    (tmp_path / "user.scs").write_text("""standard "用" { level county total 4 }
use "both.scs" as both
group "g" points 4 { indicator 1 from both 1 }
""", "utf-8")
    with pytest.raises(scr.InvalidStandard) as raised:
        scr.load(tmp_path / "user.scs")
    assert [d.code for d in raised.value.diagnostics] == ["E0288"]
    with pytest.raises(reference.RefSyntaxError):
        reference.load(tmp_path / "user.scs")


def test_keep_going_on_a_typed_standard_streams_and_leaves_out_each_bad_record() -> None:
    standard = scr.loads(TYPED.replace("rank(apps) stars at most 5, 4, 3, 2, 1", "apps stars at least 1, 2, 3, 4, 5"))
    assert not standard.needs_cohort
    good = [{"entity": f"E{k}", "类型": "市县"[k % 2], "a": "0.5", "apps": k} for k in range(5)]
    read: list[int] = []

    def records() -> Iterator[Mapping[str, Any]]:  # a bad value, the good ones, then a name given twice
        for k, record in enumerate([{**good[0], "entity": "坏", "apps": -1}, *good, good[1]]):
            read.append(k)
            yield record

    errors: list[scr.DataError] = []
    stream = standard.evaluate_stream(records(), chunk=2, errors=errors)
    first = next(stream)
    assert len(read) == 2  # scored two at a time, not read whole first
    rest = [first, *stream]
    assert [e.entity for e in rest] == [r["entity"] for r in good]
    assert [e.total for e in rest] == [e.total for e in standard.evaluate_cohort(good)]
    assert [error.entity for error in errors] == ["坏", "E1"]
