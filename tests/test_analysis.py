"""Static analyses: each has a standard that breaks it and one that passes; a golden file per code."""

from __future__ import annotations

from fractions import Fraction

import pytest

import smartcity_rules as scr
from smartcity_rules import Severity
from smartcity_rules.check import check
from smartcity_rules.diagnostics import Diagnostic
from smartcity_rules.parse import parse
from smartcity_rules.ranges import Interval, input_range, value_range

from .conftest import FIXTURES, STANDARDS

H = 'standard "T" { level city total 2 }\n'
IN = ('input households "户数": count "户"\n'
      'input fibre "光纤户数": count "户", part of households\n')


def one(value: str, stars: str = "at least 20%, 40%, 60%, 80%, 100%", *, inputs: str = IN, header: str = H,
        more: str = "", after: str = "") -> str:
    """A standard with one indicator worth 2 points."""
    return (f"{header}{inputs}group \"G\" points 2 {{\n    indicator 1 \"I\" {{\n        value {value}\n"
            f"        stars {stars}\n        points 2\n{more}    }}\n}}\n{after}")


RATIO = "ratio(fibre, households)"

# code -> a standard whose analysis finds that problem
CASES = {
    "E0301": one(RATIO, "at least 60%, 80%, 100%, 110%, 120%"),
    "W0301": one("score", "at least 1, 2, 3, 4, 5", inputs='input score "评分": score 5 to 10\n'),
    "E0302": one(RATIO, after='rating {\n    level 1 "一星" when total >= 3\n}\n'),
    "E0303": one("ratio(households - fibre, households)"),
    "W0302": one("fibre * (2 * households - fibre)", "at least 1, 2, 3, 4, 5"),
    "E0304": one(RATIO, more="        better lower\n"),
    "E0305": one("fibre + rate", "at least 1, 2, 3, 4, 5", inputs=IN + 'input rate "覆盖率": rate\n'),
    "E0306": one(RATIO, inputs='input households "户数": count "户"\n'
                              'input fibre "光纤": area "km²", part of households\n'),
    "E0307": one("ratio(gdp, households)", inputs=IN + 'input gdp "GDP": money "亿元"\n'),
    "W0303": one(RATIO).replace('indicator 1 "I"', 'indicator 3 "I"'),
    "W0304": one(RATIO, after='bonus group "B" at most 5 {\n    indicator 2 "J" { value fibre '
                              'stars at least 1, 2, 3, 4, 5 points 2 }\n}\n'),
    "W0305": one(RATIO, "at least 20%, 40%, 60%, 80%, 100%").replace("points 2\n", "points 2 linear from 2 to 3\n"),
    "N0301": one(RATIO, "at least 20%, 40%, 60%, 80%, 100% provisional"),
}


def everything(text: str, name: str = "t.scs") -> tuple[Diagnostic, ...]:
    try:
        return check(parse(text, name), analyse=True).warnings
    except scr.InvalidStandard as error:
        return error.diagnostics


def analysed(text: str, name: str = "t.scs") -> list[Diagnostic]:
    """The analyses' findings (their codes are E03xx, W03xx, N03xx), without the checker's."""
    return [d for d in everything(text, name) if d.code[1:3] == "03"]


def codes(text: str, *only: str) -> list[str]:
    """The analyses' codes, or only the ones listed."""
    return [d.code for d in analysed(text) if not only or d.code in only]


DIRECTIONS = ("E0303", "W0302")
UNITS = ("E0305", "E0306", "E0307")


@pytest.mark.parametrize("code", sorted(CASES))
def test_each_analysis_finding(code: str, golden) -> None:
    found = analysed(CASES[code], f"{code}.scs")
    assert [d.code for d in found] == [code]
    (diagnostic,) = found
    expected = {"E": Severity.ERROR, "W": Severity.WARNING, "N": Severity.NOTE}[code[0]]
    assert diagnostic.severity is expected and diagnostic.help
    golden.check(f"check/{code}.txt", diagnostic.render() + "\n")


def test_a_sound_standard_has_no_findings() -> None:
    assert codes(one(RATIO)) == []


def test_load_does_not_analyse_but_diagnose_does(tmp_path) -> None:
    path = tmp_path / "bad.scs"
    path.write_text(CASES["E0301"], "utf-8")
    assert scr.load(path).warnings == ()
    assert [d.code for d in scr.diagnose(path)] == ["E0301"]


# ---------------------------------------------------------------- value ranges and bands
def range_of(value: str, inputs: str = IN) -> Interval:
    tree = parse(one(value, "at least 1, 2, 3, 4, 5", inputs=inputs))
    expr = tree.groups[0].indicators[0].value
    assert expr is not None
    return value_range(expr, {d.name: d for d in tree.inputs})


@pytest.mark.parametrize(("formula", "low", "high"), [
    (RATIO, 0, 1),
    ("weighted { 1/2: ratio(fibre, households), 1/2: 1 }", Fraction(1, 2), 1),
    ("fibre / households", 0, float("inf")),
    ("households - fibre", float("-inf"), float("inf")),
    ("clamp(fibre, 2, 7) * 3", 6, 21),
    ("min(fibre, 5) - max(households, 1)", float("-inf"), 4),
    ("growth(households)", -1, float("inf")),
    ("rank(fibre)", 1, float("inf")),
    ("share(fibre)", 0, 1),
    ("-previous(fibre)", float("-inf"), 0),
    ("households / -fibre", float("-inf"), 0),
    ("1 / (fibre - households)", float("-inf"), float("inf")),
])
def test_value_ranges_are_exact_bounds(formula: str, low: float, high: float) -> None:
    found = range_of(formula)
    assert (found.low, found.high) == (low, high)


def test_checklist_and_input_kind_ranges() -> None:
    inputs = IN + 'input a "a": flag\ninput b "b": flag\ninput r "r": rate\ninput s "s": score -5 to 5\n'
    assert range_of("checklist { a: 2, b: 1/2 }", inputs) == Interval(0, Fraction(5, 2))
    assert range_of("r * s", inputs) == Interval(-5, 5)
    tree = parse(one(RATIO, inputs=inputs))
    kinds = {d.name: input_range(d) for d in tree.inputs}
    assert kinds["r"] == Interval(0, 1) and kinds["s"] == Interval(-5, 5)


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


def test_dividing_by_a_non_positive_range_gives_non_positive_values() -> None:
    # Regression: 1/x over [-inf, 0] came out as [inf, 0], so `at most` bands got a false E0301.
    assert codes(one("households / -fibre", "at most -1, -2, -3, -4, -5"), "E0301") == []
    assert range_of("1 / -households") == Interval(float("-inf"), 0)


def test_zero_policy_zero_adds_zero_to_the_range() -> None:
    stars = "at most 150%, 140%, 130%, 120%, 0"
    inputs = 'input a "a": count\ninput b "b": count\n'
    assert codes(one("ratio(a, b) + 1", stars, inputs=inputs)) == ["E0301"]
    assert codes(one("ratio(a, b) + 1", stars, inputs=inputs, more="        on zero denominator: zero\n")) == []


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


BONUS = ('bonus group "B" at most {cap} {{\n'
         '    indicator 2 "J" {{ value fibre stars at least 1, 2, 3, 4, 5 points 2 }}\n}}\n')


def test_bonus_and_rounding_count_towards_the_maximum_total() -> None:
    bonus = BONUS.format(cap=1)
    assert codes(RATED + bonus + 'rating {\n    level 1 "一" when total >= 3\n}\n') == []
    assert codes(RATED + bonus + 'rating {\n    level 1 "一" when total > 3\n}\n') == ["E0302"]


def test_a_full_bonus_cap_passes() -> None:
    bonus = BONUS.format(cap=2)
    assert codes(one(RATIO) + bonus) == []


# ---------------------------------------------------------------- directions
def test_a_declared_direction_that_agrees_passes() -> None:
    assert codes(one(RATIO, more="        better higher\n")) == []
    assert codes(one("rank(households)", "at most 9, 7, 5, 3, 1", more="        better lower\n")) == []


def test_a_linear_scale_or_deduction_against_the_declared_direction() -> None:
    inputs = IN + 'input incidents "事件": count "起", better lower\n'
    deduction = (H + inputs + 'group "G" points 2 {\n    indicator 1 "I" { value ratio(fibre, households) '
                 'stars at least 1%, 2%, 3%, 4%, 5% points 2 }\n    indicator 2 "D" { value incidents '
                 'deduct 1 each, at most 2 better higher }\n}\n')
    assert codes(deduction) == ["E0304"]
    assert codes(deduction.replace("better higher }", "}")) == []


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


# ---------------------------------------------------------------- kinds and units
@pytest.mark.parametrize("formula", [
    "gdp / area + rate", "min(gdp, area)", "weighted { 1/2: ratio(fibre, households), 1/2: households }",
    "clamp(households, 0, gdp)", "fibre - gdp", "rank(gdp + households)",
])
def test_mismatched_quantities(formula: str) -> None:
    inputs = IN + 'input gdp "GDP": money "亿元"\ninput area "面积": area "km²"\ninput rate "率": rate\n'
    assert codes(one(formula, "at least 1, 2, 3, 4, 5", inputs=inputs), *UNITS) == ["E0305"]


@pytest.mark.parametrize("formula", [
    "ratio(fibre, households) + rate", "gdp / households * 2 + gdp / people", "fibre - 1 + checklist { flag: 3 }",
    "growth(gdp / people) + share(gdp) + rate", "weighted { 1/2: rate, 1/2: score / 10 }",
    "gdp / 10 - previous(gdp)", "min(fibre, households, 5)",
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


# ---------------------------------------------------------------- numbering, scoring, notes
def test_numbering_gaps_are_listed_as_runs() -> None:
    text = (H + IN + 'group "G" points 2 {\n' + "".join(
        f'    indicator {n} "I{n}" {{ value ratio(fibre, households) stars at least 1%, 2%, 3%, 4%, 5% points '
        f'{"2" if n == 1 else "0.0"} }}\n' for n in (1, 3, 4, 8)) + "}\n")
    found = [d for d in analysed(text) if d.code == "W0303"]
    assert [d.message for d in found] == ["indicator numbers skip 2, 5–7"]


def test_a_deduction_that_can_never_deduct() -> None:
    inputs = IN + 'input incidents "事件": count "起"\n'
    text = one(RATIO, inputs=inputs).replace("    }\n}\n", '    }\n    indicator 2 "D" { value -incidents '
                                                                'deduct 1 each, at most 2 }\n}\n')
    found = analysed(text)
    assert [d.code for d in found] == ["W0305"] and found[0].message == "deduction 2 can never take a point off"
    assert codes(text.replace("value -incidents", "value incidents")) == []


def test_the_provisional_note_folds_indicators_into_runs() -> None:
    (note,) = analysed(CASES["N0301"])
    assert note.message == "1 number is provisional: never present it as official"
    assert note.help == "star thresholds of indicator 1"
    city = scr.diagnose(STANDARDS / "shandong-city-2019.scs")
    (city_note,) = city
    assert "star thresholds of indicators 1–44, 46–49" in city_note.help


# ---------------------------------------------------------------- shipped standards, and all in one run
@pytest.mark.parametrize("path", [*sorted(STANDARDS.glob("*.scs")), FIXTURES / "mini.scs"], ids=lambda p: p.name)
def test_shipped_standards_have_no_errors_or_warnings(path) -> None:
    found = scr.diagnose(path)
    assert [d.code for d in found] == ["N0301"], [d.render() for d in found]


def test_the_planted_direction_bug_is_found() -> None:
    (found,) = scr.diagnose(FIXTURES / "direction-bug.scs")
    assert found.code == "E0303" and "`covered`" in found.message


def test_check_and_analysis_errors_are_all_reported_in_source_order() -> None:
    text = (H + IN + 'input rate "率": rate\n' + 'group "G" points 2 {\n'
            '    indicator 1 "I" { value fibre + rate stars at least 1, 2, 3, 4, 5 points 1 }\n'
            '    indicator 2 "J" { value ratio(fiber, households) stars at least 20%, 40%, 60%, 80%, 100% points 1 }\n'
            '    indicator 3 "K" { value ratio(fibre, households) stars at least 20%, 40%, 60%, 80%, 120% '
            "points 1 }\n}\n")
    found = [d for d in everything(text) if d.is_error]
    assert [d.code for d in found] == ["E0231", "E0305", "E0210", "E0301"]
    starts = [d.span.start for d in found if d.span is not None]
    assert starts == sorted(starts)
