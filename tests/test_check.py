from __future__ import annotations

import pytest

import smartcity_rules as scr
from smartcity_rules import Severity
from smartcity_rules.language.check import check
from smartcity_rules.language.parse import parse

from .conftest import FIXTURES, wrap

H = 'standard "T" { level city total 2 }\n'
IN = 'input a "a": count\ninput b "b": count\ninput f "f": flag\n'


def ok_group(body: str, points: str = "2") -> str:
    return f'group "G" points {points} {{\n{body}\n}}\n'


def indicator(body: str, number: int = 1, points: str = "2") -> str:
    return f'indicator {number} "I{number}" {{\n    {body}\n    stars at least 1, 2, 3, 4, 5\n    points {points}\n}}'


def item(code: str, scoring: str) -> str:
    return f'item L1P1-{code} "{code}" {{ value ratio(a, b + checklist {{ f: 1 }}) {scoring} }}'


W = 'standard "T" { level city total 100 }\n' + IN  # weights are shares of the total
R = 'standard "T" { level city total 2 rounding 2 decimals }\n' + IN  # a precision for square roots

# code -> a standard with exactly that problem
CASES = {
    "E0201": H + IN + 'input a "again": count\n' + ok_group(indicator("value a + b + checklist { f: 1 }")),
    "E0202": H + IN + 'input s "s": score 10 to 0\n' + ok_group(indicator("value a + b + s + checklist { f: 1 }")),
    "E0203": H + IN + "bands r = at least 1, 2, 3, 4, 5\nbands r = at least 1, 2, 3, 4, 6\n"
             + ok_group(indicator("value a + b + checklist { f: 1 }")),
    "E0204": H + IN + 'input c "c": count, part of bee\n' + ok_group(indicator("value a + b + c + checklist { f: 1 }")),
    "E0205": H + IN + 'input c "c": count, part of f\n' + ok_group(indicator("value a + b + c + checklist { f: 1 }")),
    "E0206": H + 'input a "a": count, part of b\ninput b "b": count, part of a\n'
             + ok_group(indicator("value a + b")),
    "E0207": H + IN + ok_group('indicator 1 "I" { value a + b + checklist { f: 1 } stars at least 1, 2 points 2 }'),
    "E0208": H + IN + ok_group('indicator 1 "I" { value a + b + checklist { f: 1 } stars at least 1, 3, 2, 4, 5 '
                               "points 2 }"),
    "E0209": H + IN + "bands rates = at least 1, 2, 3, 4, 5\n"
             + ok_group('indicator 1 "I" { value a + b + checklist { f: 1 } stars rate points 2 }'),
    "E0210": H + IN + ok_group(indicator("value ratio(aa, b) + checklist { f: 1 }")),
    "E0211": H + IN + ok_group(indicator("value a + b + f")),
    "E0212": H + IN + ok_group(indicator("value ration(a, b) + checklist { f: 1 }")),
    "E0213": H + IN + ok_group(indicator("value ratio(a) + b + checklist { f: 1 }")),
    "E0214": H + IN + ok_group(indicator("value previous(a + b) + checklist { f: 1 }")),
    "E0215": H + IN + ok_group(indicator("value rank(share(a)) + b + checklist { f: 1 }")),
    "E0256": H + IN + ok_group(indicator("value growth(previous(a)) + b + checklist { f: 1 }")),
    "E0216": H + IN + ok_group(indicator("value weighted { 1/2: a, 1/3: b } + checklist { f: 1 }")),
    "E0217": H + IN + ok_group(indicator("value weighted { 3/2: a, -1/2: b } + checklist { f: 1 }")),
    "E0218": H + IN + ok_group(indicator("value checklist { a: 1, f: 1 } + b")),
    "E0219": H + IN + ok_group(indicator("value a + b + checklist { f: 1, f: 1 }")),
    "E0220": H + IN + ok_group('indicator 1 "I" { stars at least 1, 2, 3, 4, 5 points 2 }'),
    "E0221": H + IN + ok_group(indicator("value a + b + checklist { f: 1 }")
                               + '\nindicator 2 "D" { value a deduct 1 each, at most 2 points 1 }'),
    "E0222": H + IN + ok_group(indicator("value a + b + checklist { f: 1 }")
                               + '\nindicator 2 "D" { value a deduct 0 each, at most 2 }'),
    "E0223": H + IN + ok_group('indicator 1 "I" { value a + b + checklist { f: 1 } points 2 }'),
    "E0224": H + IN + ok_group('indicator 1 "I" { value a + b + checklist { f: 1 } stars at least 1, 2, 3, 4, 5 }',
                               points="0"),
    "E0225": H + IN + ok_group(indicator("value a + b + checklist { f: 1 }", points="0"), points="0"),
    "E0226": H + IN + ok_group('indicator 1 "I" { value a + b + checklist { f: 1 } stars at least 1, 2, 3, 4, 5 '
                               "points 2 linear from 5 to 5 }"),
    "E0227": 'standard "T" { level city total 4 }\n' + IN + ok_group(indicator("value a + b + checklist { f: 1 }"))
             + ok_group(indicator("value a", number=2)),
    "E0228": 'standard "T" { level city total 4 }\n' + IN
             + ok_group(indicator("value a + b + checklist { f: 1 }") + "\n" + indicator("value a"), points="4"),
    "E0229": H + IN + 'group "G" at most 2 {\n' + indicator("value a + b + checklist { f: 1 }") + "\n}\n",
    "E0230": 'standard "T" { level city }\n' + IN + 'group "G" {\n' + indicator("value a + b + checklist { f: 1 }")
             + "\n}\n",
    "E0231": H + IN + ok_group(indicator("value a + b + checklist { f: 1 }", points="1.5")),
    "E0232": IN + ok_group(indicator("value a + b + checklist { f: 1 }")),
    "E0233": 'standard "T" { level city total 3 }\n' + IN + ok_group(indicator("value a + b + checklist { f: 1 }")),
    "E0234": H + IN + ok_group(indicator("value a + b + checklist { f: 1 }"))
             + 'rating { level 1 "一" when total >= 1\n level 2 "二" when total >= 2 }\n',
    "E0235": H + IN + ok_group(indicator("value a + b + checklist { f: 1 }"))
             + 'rating { level 1 "一" when indicator 9 >= 50% }\n',
    "E0236": H + IN + ok_group(indicator("value a + b + checklist { f: 1 }"))
             + 'rating { level 1 "一" when group "H" >= 1 points }\n',
    "E0237": H + IN + ok_group(indicator("value a + b + checklist { f: 1 }"))
             + 'rating { level 1 "一" when every leading >= 6 stars }\n',
    "E0238": H + IN + ok_group(indicator("value a + b + checklist { f: 1 }")
                               + '\nindicator 2 ★ "D" { value a deduct 1 each, at most 2 }'),
    "E0240": 'standard "T" { level city total 2 rounding 99 decimals }\n' + IN
             + ok_group(indicator("value a + b + checklist { f: 1 }")),
    "E0239": H + IN + ok_group(indicator("value a + b + checklist { f: 1 }"))
             + 'rating { level -1 "负" when total >= 1 }\n',
    "E0249": H + IN + ok_group(indicator("value a + b + checklist { f: 1 }"))
             + 'rating { level 2 "二" when total >= 2\n level 1 "二" when total >= 1 }\n',
    "E0248": H + IN + 'input entity "主体": count\n' + ok_group(indicator("value a + b + entity + checklist { f: 1 }")),
    # nesting, codes, items and weights (docs/language.md §9)
    "E0257": W + ok_group('indicator L1P1 "P" {\n    value a\n    ' + item("A1", "weight 100%") + "\n}", points="100"),
    "E0258": W + ok_group('indicator L1P1 "P" {\n    ' + item("A1", "weight 120%") + "\n    "
                          + item("A2", "weight -20%") + "\n}", points="100"),  # they add up: no E0231
    "E0259": H.replace(" total 2", "") + IN + 'group "G" weight 100% {\n'
             + indicator("value a + b + checklist { f: 1 }") + "\n}\n",
    "E0260": W + ok_group('indicator L1P1 "P" {\n    weight 100%\n    ' + item("A1", "weight 30%") + "\n    "
                          + item("A2", "weight 40%") + "\n}", points="100"),
    "E0261": W + ok_group('indicator L1P1 "P" {\n    ' + item("A1", "weight 100% points 100") + "\n}", points="100"),
    "E0262": W + ok_group('indicator L1P1 "P" {\n    item A "A" {\n        ' + item("A1", "weight 100%")
                          + "\n    }\n}", points="100"),
    "E0263": W + ok_group('indicator L1P1 "P" {\n    ' + item("A1", "weight 100%") + "\n}", points="100")
             + 'rating { level 1 "一" when indicator L1P1 >= 50% }\n',
    # missing data (docs/language.md §3, §9, §10)
    "E0264": H + IN.replace('input f "f": flag', 'input f "f": flag, when missing: cohort median')
             + ok_group(indicator("value a + b + checklist { f: 1 }")),
    "E0265": H + IN + ok_group(indicator("value a + b + checklist { f: 1 }"))
             + 'rating { unrated when missing more than 150%\n level 1 "一" when total >= 1 }\n',
    "E0267": H + IN + 'group "G" points 2 {\n    aggregate geometric\n'
             + indicator("value a + b + checklist { f: 1 }", points="1") + "\n"
             + indicator("value a", number=2, points="1") + "\n}\n",
    "E0268": 'standard "T" { level city total 1009 rounding 2 decimals }\n' + IN
             + 'group "G" points 1009 {\n    aggregate geometric\n'
             + indicator("value a + b + checklist { f: 1 }", points="1008") + "\n"
             + indicator("value a", number=2, points="1") + "\n}\n",
    "E0269": H + IN + ok_group('indicator 1 "I" { value a points table { >= 2: 2 >= 1 and <= 2: 1 < 1: 0 } }'),
    "E0270": H + IN + ok_group('indicator 1 "I" { value a points table { > 2: 2 >= 1 and < 2: 1 < 1: 0 } }'),
    "E0271": H + IN + ok_group('indicator 1 "I" { value a points table { >= 2 and > 3: 2 < 2: 0 } }'),
    "E0272": H + IN + ok_group(indicator("value a ^ 2.5 + b + checklist { f: 1 }")),
    "E0273": H + IN + ok_group('indicator 1 "I" { when missing: cohort median value a + b + checklist { f: 1 } '
                               "stars at least 1, 2, 3, 4, 5 points 2 }"),
    # square roots (docs/language.md §5, Square roots)
    "E0274": R + ok_group(indicator("value a / (1 + sqrt(b)) + checklist { f: 1 }")),
    "E0275": R + ok_group(indicator("value sqrt(a + sqrt(b)) + checklist { f: 1 }")),
    "E0276": R + ok_group(indicator("value minmax(sqrt(a)) + b + checklist { f: 1 }")),
    "E0277": H + IN + ok_group(indicator("value sqrt(a) + b + checklist { f: 1 }")),
    "E0266": H + IN + ok_group('indicator 1 "I" { when not applicable: redistribute value a + b + checklist { f: 1 } '
                               "stars at least 1, 2, 3, 4, 5 points 2 }"),
}


@pytest.mark.parametrize("code", sorted(CASES))
def test_each_diagnostic(code: str, golden) -> None:
    with pytest.raises(scr.InvalidStandard) as caught:
        check(parse(CASES[code], f"{code}.scs"))
    codes = [d.code for d in caught.value.diagnostics if d.is_error]
    assert code in codes, f"expected {code}, got {codes}"
    rendered = next(d.render() for d in caught.value.diagnostics if d.code == code)
    golden.check(f"check/{code}.txt", rendered + "\n")


def test_unknown_names_suggest_the_closest() -> None:
    with pytest.raises(scr.InvalidStandard) as caught:
        check(parse(CASES["E0210"]))
    assert "did you mean `a`?" in str(caught.value)
    with pytest.raises(scr.InvalidStandard) as caught:
        check(parse(CASES["E0212"]))
    assert "did you mean `ratio`?" in str(caught.value)


def test_all_problems_are_reported_in_source_order() -> None:
    text = H + IN + ok_group(indicator("value ratio(zz, b) + checklist { f: 1 }") + "\n"
                             + indicator("value weighted { 1/2: a, 1/4: b }", number=2), points="4")
    with pytest.raises(scr.InvalidStandard) as caught:
        check(parse(text))
    errors = [d for d in caught.value.diagnostics if d.is_error]
    codes = [d.code for d in errors]
    assert codes == ["E0233", "E0210", "E0216"]
    starts = [d.span.start for d in errors if d.span is not None]
    assert starts == sorted(starts)


def test_unused_input_is_a_warning_not_an_error() -> None:
    text = H + IN + 'input spare "s": count\n' + ok_group(indicator("value a + b + checklist { f: 1 }"))
    checked = check(parse(text))
    assert [(w.code, w.severity) for w in checked.warnings] == [("W0201", Severity.WARNING)]
    assert "spare" in checked.warnings[0].message


def test_weights_that_add_up_exactly_pass() -> None:
    formula = "value weighted { 1/3: a, 1/3: b, 1/3: a } + checklist { f: 1 }"
    checked = check(parse(H + IN + ok_group(indicator(formula))))
    assert checked.warnings == ()


def test_clean_standard_resolves_bands_and_groups() -> None:
    checked = check(parse((FIXTURES / "mini.scs").read_text(encoding="utf-8")))
    assert [i.code for i in checked.indicators] == ["1", "2", "3", "4", "5"]
    assert [i.number for i in checked.indicators] == [1, 2, 3, 4, 5]
    assert checked.indicator(1).bands is not None and checked.indicator(1).group.name == "基础设施"
    assert checked.indicator(5).is_deduction and checked.indicator(5).bands is None


def test_nested_groups_items_and_weights_build_the_node_tree() -> None:
    text = W + (
        'group L1 "G" points 100 {\n'
        '  group "S" { indicator 1 "I1" { value a points 40 linear from 0 to 10 } }\n'
        '  indicator L1P1 "P" {\n    weight 60%\n    ' + item("A1", "weight 50%") + "\n    "
        + item("A2", "weight 50%") + "\n  }\n"
        '  indicator 2.3.1 "D" { value a deduct 2 each }\n'
        "}\n"
        'rating { level 1 "一" when indicator L1P1 >= 30 points and indicator L1P1-A1 >= 50% }\n')
    checked = check(parse(text))
    assert [(n.kind.value, n.code, n.maximum) for n in checked.nodes] == [
        ("standard", None, 100), ("group", "L1", 100), ("group", None, 40), ("indicator", "1", 40),
        ("indicator", "L1P1", 60), ("item", "L1P1-A1", 50), ("item", "L1P1-A2", 50),
        ("indicator", "2.3.1", None)]
    assert [i.code for i in checked.indicators] == ["1", "L1P1-A1", "L1P1-A2", "2.3.1"]
    item_a1 = checked.indicator("L1P1-A1")
    assert item_a1.is_item and item_a1.parent is not None and item_a1.parent.code == "L1P1"
    assert item_a1.maximum == 50 and item_a1.group.name == "G"  # the group its indicator is in
    deduction = checked.indicator("2.3.1").syntax.deduction
    assert deduction is not None and deduction.cap is None  # uncapped


def test_a_linear_indicator_needs_no_bands_unless_it_is_leading() -> None:
    linear = 'indicator 1 {mark}"I" {{ value a + b + checklist {{ f: 1 }} points 2 linear from 0 to 10 }}'
    assert check(parse(H + IN + ok_group(linear.format(mark="")))).indicator(1).bands is None
    with pytest.raises(scr.InvalidStandard) as caught:
        check(parse(H + IN + ok_group(linear.format(mark="★ "))))
    (error,) = [d for d in caught.value.diagnostics if d.is_error]
    assert (error.code, error.message) == ("E0238", "leading (★) indicator 1 has no star bands")


def test_equal_ranks_are_sub_tiers_listed_highest_first() -> None:
    text = H + IN + ok_group(indicator("value a + b + checklist { f: 1 }")) + (
        'rating {\n level 4 "四星级成长型" when total >= 1.8\n level 4 "四星级基础型" when total >= 1.5\n'
        ' level 3 "三星级" when total >= 1 }\n')
    checked = check(parse(text))
    assert [lv.name for lv in checked.syntax.rating.levels] == ["四星级成长型", "四星级基础型", "三星级"]


def test_every_function_has_an_arity_and_calls_dispatch_on_the_enum() -> None:
    from smartcity_rules.language.check import FUNCTIONS
    from smartcity_rules.language.parse import parse
    from smartcity_rules.language.syntax import Call, Function, walk

    assert set(FUNCTIONS) == {f.value for f in Function}
    tree = parse(wrap('input a "a": count\ninput b "b": count\ngroup "G" points 1 { indicator 1 "i" { '
                      'value ratio(a, b) stars at least 1, 2, 3, 4, 5 points 1 } }'))
    value = tree.groups[0].indicators[0].value  # type: ignore[union-attr]
    assert value is not None
    (call,) = [n for n in walk(value) if isinstance(n, Call)]
    assert call.callee is Function.RATIO
    assert {f for f in Function if f.compares_entities} == {
        Function.RANK, Function.SHARE, Function.MINMAX, Function.PERCENTILE, Function.TO_BEST,
        Function.COHORT_MEAN, Function.COHORT_MEDIAN, Function.COHORT_MIN, Function.COHORT_MAX, Function.ZSCORE}
