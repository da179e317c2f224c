from __future__ import annotations

import datetime
from fractions import Fraction
from pathlib import Path

import pytest

from smartcity_rules import InvalidStandard
from smartcity_rules.language import syntax as s
from smartcity_rules.language.parse import MAX_NESTING, parse, parse_file

from .conftest import FIXTURES

HEADER = 'standard "T" { level city }\n'


def only_indicator(text: str) -> s.Indicator:
    tree = parse(HEADER + 'group "G" points 1 {\n' + text + "\n}\n")
    return tree.groups[0].indicators[0]


def rounding(declared: s.Rounding | None) -> tuple[int, s.RoundMode] | None:
    return None if declared is None else (declared.decimals, declared.mode)


def value_of(formula: str) -> s.Expr:
    indicator = only_indicator(f'indicator 1 "I" {{ value {formula} }}')
    assert indicator.value is not None
    return indicator.value


# ---------------------------------------------------------------- constructs
def test_header_fields() -> None:
    tree = parse('standard "标准" { level county edition "2" effective 2020-05-01 source "DB37/T" '
                 'total 100 provisional rounding 2 decimals note "why" note "more" }')
    header = tree.header
    assert header is not None
    assert header.title == "标准"
    assert header.level is s.EntityLevel.COUNTY
    assert header.edition == "2"
    assert header.effective == datetime.date(2020, 5, 1)
    assert header.source == "DB37/T"
    assert header.total is not None and header.total.value == 100 and header.total_provisional
    assert header.rounding is not None and rounding(header.rounding) == (2, s.RoundMode.HALF_UP)
    assert header.rounding.span.text() == "rounding 2 decimals"
    assert header.notes == ("why", "more")


def test_inputs_with_kinds_units_domains() -> None:
    tree = parse(HEADER + 'input hh "户数": count "户"\n'
                 'input fibre "光纤": count "户", part of hh\n'
                 'input score "评分": score 0 to 10\n'
                 'input ok "是否": flag\n')
    hh, fibre, score, ok = tree.inputs
    assert (hh.kind, hh.unit, hh.label) == (s.Kind.COUNT, "户", "户数")
    assert fibre.part_of == "hh"
    assert score.kind is s.Kind.SCORE and score.score_range is not None
    assert [lit.value for lit in score.score_range] == [0, 10]
    assert ok.kind is s.Kind.FLAG and ok.unit is None


@pytest.mark.parametrize("kind", ["count", "money", "area", "length", "measure", "rate", "flag", "rank"])
def test_every_simple_kind(kind: str) -> None:
    assert parse(HEADER + f'input x "x": {kind}').inputs[0].kind is s.Kind(kind)


def test_numbers_are_exact() -> None:
    indicator = only_indicator('indicator 1 "I" { value x stars at least 0.1, 30%, 1/3, 2, 2.5 points 1 }')
    assert isinstance(indicator.stars, s.StarBands)
    assert [t.value for t in indicator.stars.thresholds] == [
        Fraction(1, 10), Fraction(3, 10), Fraction(1, 3), 2, Fraction(5, 2)]
    assert [t.text for t in indicator.stars.thresholds] == ["0.1", "30%", "1/3", "2", "2.5"]


def test_negative_literals() -> None:
    indicator = only_indicator('indicator 1 "I" { value x stars at least -5%, -1/3, 0, 1, 2 points 1 }')
    assert isinstance(indicator.stars, s.StarBands)
    assert [t.value for t in indicator.stars.thresholds][:2] == [Fraction(-1, 20), Fraction(-1, 3)]


def test_arithmetic_precedence_and_parentheses() -> None:
    expr = value_of("a + b * c - (d - e) / 2")
    assert isinstance(expr, s.Binary) and expr.op is s.BinaryOp.SUB
    assert isinstance(expr.left, s.Binary) and expr.left.op is s.BinaryOp.ADD
    assert isinstance(expr.left.right, s.Binary) and expr.left.right.op is s.BinaryOp.MUL
    assert isinstance(expr.right, s.Binary) and expr.right.op is s.BinaryOp.DIV
    assert isinstance(value_of("-x"), s.Neg)


def test_calls_weighted_checklist() -> None:
    call = value_of("ratio(a, b)")
    assert isinstance(call, s.Call) and call.function == "ratio" and len(call.args) == 2
    weighted = value_of("weighted { 1/3: ratio(a, b), 1/3: c, 1/3: d }")
    assert isinstance(weighted, s.Weighted)
    assert [p.weight.value for p in weighted.parts] == [Fraction(1, 3)] * 3
    checklist = value_of("checklist { a: 1, b: 0.5 }")
    assert isinstance(checklist, s.Checklist)
    assert [(i.name, i.points.value) for i in checklist.items] == [("a", 1), ("b", Fraction(1, 2))]


@pytest.mark.parametrize("function", ["growth", "rank", "share", "previous"])
def test_one_argument_functions(function: str) -> None:
    call = value_of(f"{function}(x)")
    assert isinstance(call, s.Call) and call.function == function


def test_indicator_clauses_and_leading_marks() -> None:
    for mark in ("★", "leading"):
        indicator = only_indicator(
            f'indicator 12 {mark} "5G网络覆盖率" provisional {{ description "d" note "n1" note "n2" '
            'value ratio(a, b) stars rates points 2 linear from 0 to 100% provisional '
            "on zero denominator: not applicable }")
        assert indicator.code == "12" and indicator.number == 12 and indicator.code_span.text() == "12"
        assert indicator.leading and indicator.provisional and not indicator.is_item and indicator.items == ()
        assert indicator.notes == ("n1", "n2") and indicator.description == "d"
        assert isinstance(indicator.stars, s.BandsRef) and indicator.stars.name == "rates"
        assert indicator.points is not None and isinstance(indicator.points.scoring, s.Linear)
        assert indicator.points.provisional
        assert indicator.zero_policy is s.ZeroPolicy.NOT_APPLICABLE


@pytest.mark.parametrize(("text", "policy"), [("zero", s.ZeroPolicy.ZERO), ("error", s.ZeroPolicy.ERROR)])
def test_zero_policies(text: str, policy: s.ZeroPolicy) -> None:
    assert only_indicator(f'indicator 1 "I" {{ on zero denominator: {text} }}').zero_policy is policy


def test_deduction_and_bonus_group() -> None:
    tree = parse(HEADER + 'bonus group "地方特色" at most 5 provisional { indicator 46 "x" { value a '
                 'deduct 2 each, at most 10 provisional } }')
    group = tree.groups[0]
    assert group.bonus and group.cap is not None and group.cap.value == 5 and group.provisional
    deduction = group.indicators[0].deduction
    assert deduction is not None and deduction.each.value == 2
    assert deduction.cap is not None and deduction.cap.value == 10 and deduction.provisional


@pytest.mark.parametrize(("clause", "provisional"), [("deduct 2 each", False), ("deduct 2 each provisional", True)])
def test_a_deduction_without_a_cap(clause: str, provisional: bool) -> None:
    deduction = only_indicator(f'indicator 9 "x" {{ value a {clause} }}').deduction
    assert deduction is not None and deduction.each.value == 2 and deduction.cap is None
    assert deduction.provisional is provisional and deduction.span.text() == clause


def test_directions_on_inputs_and_indicators() -> None:
    tree = parse(HEADER + """
input whole "w": count
input part "p": count, part of whole
input loss "l": count "起", better lower
input other "o": measure
group "G" points 1 {
    indicator 1 "a" { value ratio(part, whole) stars at least 1, 2, 3, 4, 5 points 1 }
    indicator 2 "b" { value loss better higher stars at most 5, 4, 3, 2, 1 points 1 }
    indicator 3 "c" { value loss deduct 1 each, at most 2 }
}
""")
    inputs = {decl.name: decl for decl in tree.inputs}
    assert inputs["loss"].better is s.Direction.LOWER
    assert [inputs[n].direction for n in ("whole", "part", "loss", "other")] == [
        None, s.Direction.HIGHER, s.Direction.LOWER, None]
    first, second, third = tree.groups[0].indicators
    assert first.direction is s.Direction.HIGHER and first.better is None
    assert second.direction is s.Direction.HIGHER  # declared, against its bands
    assert third.direction is s.Direction.LOWER


def test_direction_typos_and_repeats_are_errors() -> None:
    with pytest.raises(InvalidStandard) as caught:
        parse(HEADER + 'input a "a": count, better highr, better lower\n')
    codes = [d.code for d in caught.value.diagnostics]
    assert codes == ["E0111", "E0106"]
    assert "did you mean `higher`?" in caught.value.diagnostics[0].help


def test_named_bands_and_at_most() -> None:
    tree = parse(HEADER + "bands ranks = at most 16, 12, 8, 5, 3 provisional")
    bands = tree.bands[0].bands
    assert tree.bands[0].name == "ranks" and bands.rule is s.BandRule.AT_MOST and bands.provisional


def test_rating_requirements() -> None:
    tree = parse(HEADER + 'rating provisional { level 5 "五星级" when total >= 85 and every leading >= 4 stars '
                 'and indicator 3 > 90% and indicator 4 >= 3 stars and group "G" < 10 points }')
    assert tree.rating is not None and tree.rating.provisional
    level = tree.rating.levels[0]
    kinds = [type(r) for r in level.requirements]
    assert kinds == [s.TotalRequirement, s.LeadingRequirement, s.IndicatorRequirement,
                     s.IndicatorRequirement, s.GroupRequirement]
    value_req, stars_req = level.requirements[2], level.requirements[3]
    assert isinstance(value_req, s.IndicatorRequirement) and not value_req.on_stars
    assert (value_req.code, value_req.measure, value_req.code_span.text()) == ("3", s.Measure.VALUE, "3")
    assert isinstance(stars_req, s.IndicatorRequirement) and stars_req.on_stars
    assert (stars_req.code, stars_req.measure) == ("4", s.Measure.STARS)


def test_a_requirement_on_a_node_s_points() -> None:
    tree = parse(HEADER + 'rating { level 1 "一" when indicator L1P1 >= 3 points and indicator 2.3.1 < 1/2 }')
    assert tree.rating is not None
    points_req, value_req = tree.rating.levels[0].requirements
    assert isinstance(points_req, s.IndicatorRequirement) and isinstance(value_req, s.IndicatorRequirement)
    assert (points_req.code, points_req.compare, points_req.threshold.value, points_req.measure) == (
        "L1P1", s.Compare.GE, 3, s.Measure.POINTS)
    assert not points_req.on_stars and points_req.code_span.text() == "L1P1"
    assert (value_req.code, value_req.measure, value_req.threshold.value) == ("2.3.1", s.Measure.VALUE, Fraction(1, 2))


def test_keywords_can_still_be_input_names() -> None:
    tree = parse(HEADER + 'input level "l": count\ninput points "p": count')
    assert [i.name for i in tree.inputs] == ["level", "points"]


def test_chinese_names_comments_and_escapes() -> None:
    tree = parse('# 注释\nstandard "say \\"hi\\"" { level city } # trailing\ninput 户数 "总户数": count\n')
    assert tree.header is not None and tree.header.title == 'say "hi"'
    assert tree.inputs[0].name == "户数"


def test_spans_point_into_the_source_and_not_into_equality() -> None:
    one = parse(HEADER + 'input a "x": count')
    two = parse("\n\n" + HEADER + 'input a "x": count')
    assert one.inputs == two.inputs
    assert (one.inputs[0].span.line, two.inputs[0].span.line) == (2, 4)
    assert one.inputs[0].name_span.text() == "a"


def test_fixture_file_parses_with_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "bom.scs"
    path.write_bytes(b"\xef\xbb\xbf" + (FIXTURES / "mini.scs").read_bytes())
    assert len(parse_file(path).groups) == 2


# ---------------------------------------------------------------- nesting, codes, items, weights
@pytest.mark.parametrize("code", ["L1P1-A1", "2.3.1", "L1P1", "1.5", "A"])
def test_codes_are_written_as_the_standard_writes_them(code: str) -> None:
    indicator = only_indicator(f'indicator {code} "I" {{ value a points 1 linear from 0 to 1 }}')
    assert indicator.code == code and indicator.code_span.text() == code
    assert indicator.number is None if not code.isdigit() else indicator.number == int(code)


def test_a_numeric_code_is_still_a_number() -> None:
    indicator = only_indicator('indicator 12 "I" { }')
    assert (indicator.code, indicator.number) == ("12", 12)
    assert s.code_number("12") == 12 and s.code_number("L1P1-A1") is None and s.code_number("2.3.1") is None


def test_a_group_code_and_nested_groups() -> None:
    tree = parse(HEADER + 'group L1 "惠民服务" points 37 {\n'
                 '  indicator 1 "a" { }\n'
                 '  group L1.2 "二级" points 30 {\n'
                 '    group "三级" weight 8% { indicator 2 "b" { } }\n'
                 '    bonus group "加分" at most 2 { }\n'
                 '  }\n'
                 '}\n')
    (top,) = tree.groups
    assert (top.code, top.name, top.points.value if top.points else None) == ("L1", "惠民服务", 37)
    assert top.name_span.text() == '"惠民服务"'
    first, sub = top.members
    assert isinstance(first, s.Indicator) and first.code == "1"
    assert isinstance(sub, s.Group) and (sub.code, sub.name) == ("L1.2", "二级")
    assert top.indicators == (first,) and top.subgroups == (sub,)
    third, bonus = sub.members
    assert isinstance(third, s.Group) and third.code is None and third.points is None
    assert third.weight is not None and third.weight.value == Fraction(8, 100) and third.weight.text == "8%"
    assert [i.code for i in third.indicators] == ["2"]
    assert isinstance(bonus, s.Group) and bonus.bonus and bonus.cap is not None and bonus.members == ()
    assert [g.name for g in tree.all_groups()] == ["惠民服务", "二级", "三级", "加分"]
    assert [i.code for i in tree.all_indicators()] == ["1", "2"]


def test_items_with_weights() -> None:
    indicator = only_indicator(
        'indicator L1P1 "政务服务" provisional {\n'
        '    weight 8%\n'
        '    item L1P1-A1 "电子证照办理率" { value ratio(a, b) weight 30% }\n'
        '    item L1P1-A2 "一站式办理率" provisional { value ratio(c, b) weight 70% note "n" }\n'
        '}')
    assert indicator.code == "L1P1" and indicator.provisional and not indicator.is_item
    assert indicator.weight is not None and indicator.weight.value == Fraction(2, 25)
    assert indicator.value is None and indicator.points is None
    first, second = indicator.items
    assert (first.code, first.name, first.is_item, first.provisional) == ("L1P1-A1", "电子证照办理率", True, False)
    assert first.weight is not None and first.weight.value == Fraction(3, 10) and first.weight.text == "30%"
    assert isinstance(first.value, s.Call) and first.code_span.text() == "L1P1-A1"
    assert second.provisional and second.notes == ("n",) and not second.leading
    assert s.scored_leaves(indicator) == (first, second)
    assert s.scored_leaves(first) == (first,)


@pytest.mark.parametrize(("text", "mode"), [
    ("rounding 2 decimals half even", s.RoundMode.HALF_EVEN),
    ("rounding 2 decimals half up", s.RoundMode.HALF_UP),
    ("rounding 2 decimals truncate", s.RoundMode.TRUNCATE),
    ("rounding 2 decimals", s.RoundMode.HALF_UP),
])
def test_rounding_modes_in_the_header(text: str, mode: s.RoundMode) -> None:
    header = parse(f'standard "T" {{ level city {text} }}').header
    assert header is not None and header.rounding is not None
    assert rounding(header.rounding) == (2, mode) and header.rounding.span.text() == text


def test_rounding_in_a_group_an_indicator_and_an_item() -> None:
    tree = parse(HEADER + 'group "G" points 1 {\n'
                 '  rounding 2 decimals half even\n'
                 '  indicator L1 "I" {\n'
                 '    rounding 1 decimals truncate\n'
                 '    item L1-A "A" { value a weight 1 rounding 0 decimals }\n'
                 '  }\n'
                 '}\n')
    group = tree.groups[0]
    assert rounding(group.rounding) == (2, s.RoundMode.HALF_EVEN)
    assert group.rounding is not None and group.rounding.span.text() == "rounding 2 decimals half even"
    indicator = group.indicators[0]
    assert isinstance(indicator, s.Indicator) and rounding(indicator.rounding) == (1, s.RoundMode.TRUNCATE)
    assert rounding(indicator.items[0].rounding) == (0, s.RoundMode.HALF_UP)


def test_rounding_is_a_clause_once() -> None:
    with pytest.raises(InvalidStandard) as caught:
        only_indicator('indicator 1 "I" { rounding 1 decimals rounding 2 decimals }')
    assert [d.code for d in caught.value.diagnostics] == ["E0106"]


def test_an_item_inside_an_item_is_a_syntax_error() -> None:
    with pytest.raises(InvalidStandard) as caught:
        only_indicator('indicator L1 "I" {\n  item L1-A "A" {\n    item L1-A1 "A1" { value a }\n  }\n}')
    (error,) = caught.value.diagnostics
    assert error.code == "E0262" and error.message == "item L1-A1 inside item L1-A"
    assert error.span is not None and error.span.text() == "L1-A1" and error.label == "items do not nest"


# ---------------------------------------------------------------- errors
SYNTAX_ERRORS = {
    "unclosed_brace": ('standard "T" {\n  level city\n', "E0101"),
    "missing_value": ('standard "T" { level city }\ngroup "G" points 1 {\n  indicator 1 "I" { value }\n}\n',
                      "E0101"),
    "bad_kind": ('standard "T" { level city }\ninput a "x": counts\n', "E0111"),
    "score_without_range": ('standard "T" { level city }\ninput s "s": score\n', "E0101"),
    "bad_level": ('standard "T" { level town }\n', "E0111"),
    "indicator_outside_group": ('standard "T" { level city }\nindicator 1 "I" { }\n', "E0101"),
    "unterminated_string": ('standard "T { level city }\n', "E0102"),
    "stray_character": ('standard "T" { level city }\ninput a "x": count ;\n', "E0103"),
    "fractional_decimals": ('standard "T" { level city rounding 1.5 decimals }\n', "E0104"),
    "item_inside_item": ('standard "T" { level city }\ngroup "G" {\n  indicator L1 "I" {\n'
                         '    item L1-A "A" { item L1-A1 "A1" { value a } }\n  }\n}\n', "E0262"),
    "zero_denominator_literal": ('standard "T" { level city }\nbands b = at least 1/0, 1, 2, 3, 4\n',
                                 "E0105"),
    "duplicate_clause": ('standard "T" { level city }\ngroup "G" {\n  indicator 1 "I" {\n    value a\n'
                         "    value b\n  }\n}\n", "E0106"),
    "duplicate_header_field": ('standard "T" {\n  level city\n  level county\n}\n', "E0106"),
    "bad_date": ('standard "T" { effective 2019-02-30 }\n', "E0107"),
    "second_header": ('standard "T" { }\nstandard "U" { }\n', "E0108"),
    "second_rating": ('standard "T" { }\nrating { level 1 "a" when total >= 1 }\n'
                      'rating { level 1 "a" when total >= 1 }\n', "E0108"),
}


@pytest.mark.parametrize("name", sorted(SYNTAX_ERRORS))
def test_syntax_errors_render_like_a_compiler(name: str, golden) -> None:
    text, code = SYNTAX_ERRORS[name]
    with pytest.raises(InvalidStandard) as caught:
        parse(text, f"{name}.scs")
    diagnostics = caught.value.diagnostics
    assert diagnostics[0].code == code
    rendered = str(caught.value)
    assert rendered.startswith(f"{name}.scs:")
    assert "^" in rendered
    golden.check(f"parse/{name}.txt", rendered + "\n")


def test_unexpected_token_says_what_was_expected() -> None:
    with pytest.raises(InvalidStandard) as caught:
        parse('standard "T" { level city }\ninput a "x": counts\n')
    message = str(caught.value)
    assert "2:14" in message and "unknown input kind `counts`" in message and "did you mean `count`" in message


def test_every_problem_the_builder_finds_is_reported_together() -> None:
    text = 'standard "T" {\n level city\n level city\n}\nrating { level 1.5 "一" when total >= 1 }\n'
    with pytest.raises(InvalidStandard) as caught:
        parse(text)
    assert [d.code for d in caught.value.diagnostics] == ["E0106", "E0104"]


@pytest.mark.parametrize("formula", [
    " + ".join(["x"] * (MAX_NESTING + 1)),
    "-" * 5000 + "x",
    " * ".join(["x"] * 50000),
])
def test_too_deep_nesting_is_a_clean_error_at_the_formula(formula: str) -> None:
    with pytest.raises(InvalidStandard) as caught:
        parse(HEADER + f'group "G" {{ indicator 1 "I" {{ value {formula} }} }}')
    diagnostic = caught.value.diagnostics[0]
    assert diagnostic.code == "E0110"
    assert diagnostic.span is not None and diagnostic.span.line == 2


def test_deep_but_allowed_nesting_parses() -> None:
    formula = "(" * 5000 + "x" + ")" * 5000  # parentheses add no tree levels
    assert isinstance(value_of(formula), s.Ref)
    assert isinstance(value_of(" + ".join(["x"] * (MAX_NESTING - 10))), s.Binary)


def test_oversized_source_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("smartcity_rules.language.parse.MAX_SOURCE_CHARS", 10)
    with pytest.raises(InvalidStandard) as caught:
        parse(HEADER)
    assert caught.value.diagnostics[0].code == "E0109"


def test_unreadable_file_is_a_diagnostic(tmp_path: Path) -> None:
    with pytest.raises(InvalidStandard) as caught:
        parse_file(tmp_path / "missing.scs")
    assert caught.value.diagnostics[0].code == "E0100"
    (tmp_path / "latin1.scs").write_bytes(b'standard "\xe9" { }')
    with pytest.raises(InvalidStandard):
        parse_file(tmp_path / "latin1.scs")


def test_syntax_errors_in_several_items_are_all_reported_in_order(golden) -> None:
    text = (FIXTURES / "mini.scs").read_text(encoding="utf-8")
    broken = (text.replace('"千兆用户数": count', '"千兆用户数": counts')
              .replace("points 3 linear from 0", "points 3 linear 0")
              .replace("value rank(apps)", "value rank(apps) rounding 0.5 decimals")
              .replace('level 3 "三星级" when total', 'level 3 "三星级" when totl'))
    with pytest.raises(InvalidStandard) as caught:
        parse(broken, "several.scs")
    diagnostics = caught.value.diagnostics
    assert [d.code for d in diagnostics] == ["E0111", "E0101", "E0104", "E0101"]
    assert [d.span.line for d in diagnostics if d.span] == sorted(d.span.line for d in diagnostics if d.span)
    golden.check("parse/several_errors.txt", str(caught.value) + "\n")


def test_recovery_gives_up_cleanly_on_hopeless_text() -> None:
    with pytest.raises(InvalidStandard) as caught:
        parse("} } } ;;; {{{ \n" * 50)
    assert 1 <= len(caught.value.diagnostics) <= 20


def test_overlong_numbers_are_a_clean_error() -> None:
    with pytest.raises(InvalidStandard) as caught:
        parse(HEADER.replace("level city", "level city total " + "9" * 5000))
    assert [d.code for d in caught.value.diagnostics] == ["E0113"]
    with pytest.raises(InvalidStandard) as caught:  # in a fraction, too, and no division-by-zero noise
        parse(HEADER.replace("level city", "level city total 1/" + "0" * 200))
    assert [d.code for d in caught.value.diagnostics] == ["E0113"]


@pytest.mark.parametrize("char", ["\x1b", "\x07", "\x00", "\x7f", "\x9b"])
def test_control_characters_in_strings_are_refused(char: str) -> None:
    with pytest.raises(InvalidStandard) as caught:
        parse(f'standard "T{char}x" {{ level city }}')
    (error,) = caught.value.diagnostics
    assert error.code == "E0114" and error.span is not None and error.span.column == 12
    assert char not in str(caught.value)  # the rendered line shows a picture instead


def test_tabs_and_escapes_are_still_allowed_in_strings() -> None:
    tree = parse('standard "a\tb\\nc" { level city }')
    assert tree.header is not None and tree.header.title == "a\tb\nc"


@pytest.mark.parametrize(("line", "char", "ascii_form"), [
    ("bands r = at least 1，2, 3, 4, 5", "，", ","), ('input a "a"：count', "：", ":"),
    ("group “G” points 1 { }", "“", '"'),
])
def test_full_width_punctuation_names_its_ascii_twin(line: str, char: str, ascii_form: str) -> None:
    with pytest.raises(InvalidStandard) as caught:
        parse(HEADER + line + "\n")
    error = caught.value.diagnostics[0]
    assert (error.code, error.label) == ("E0103", f"a full-width `{char}`")
    assert error.help.startswith(f"write the ASCII `{ascii_form}`")
