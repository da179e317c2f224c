"""Formulas as mathematics: exact sympy expressions and their Unicode, LaTeX and MathML forms."""

from __future__ import annotations

from xml.dom import minidom

import attrs
import pytest
import sympy

import smartcity_rules as scr
from smartcity_rules.analysis import mathematics as m
from smartcity_rules.language import syntax as s
from smartcity_rules.language.parse import parse
from smartcity_rules.language.syntax import Function

from .conftest import STANDARDS

HEADER = 'standard "T" { level city }\n'
INPUTS = """
input households "区域内总户数": count "户"
input fibre "光纤入户用户数": count "户", part of households
input fibre_households "光纤_户": count "户", part of households
input gdp "GDP": money "亿元"
input wifi "无线覆盖率": rate
input expert "专家评分": score 0 to 10
input debt "负债评分": score -5 to 5
input place "排名": rank
input plan "规划": flag
input meeting "会议": flag
"""


def formula(text: str) -> tuple[s.Expr, dict[str, s.InputDecl]]:
    tree = parse(HEADER + INPUTS + f'group "G" {{ indicator 1 "I" {{ value {text} }} }}')
    value = tree.groups[0].indicators[0].value
    assert value is not None
    return value, {decl.name: decl for decl in tree.inputs}


def sym(name: str, inputs: dict[str, s.InputDecl]) -> sympy.Symbol:
    return m.symbol(name, inputs)


def test_ratio_and_percent_literals_are_exact() -> None:
    expr, inputs = formula("ratio(fibre, households) - 30% + 1/3")
    value = m.to_sympy(expr, inputs)
    f, h = sym("fibre", inputs), sym("households", inputs)
    assert value == f / h + sympy.Rational(1, 30)
    assert value.subs({f: 9, h: 10}) == sympy.Rational(14, 15)


def test_weighted_and_checklist_are_sums() -> None:
    expr, inputs = formula("weighted { 1/2: wifi, 50%: expert / 10 } + checklist { plan: 2, meeting: 1 }")
    value = m.to_sympy(expr, inputs)
    wifi, expert = sym("wifi", inputs), sym("expert", inputs)
    plan, meeting = sym("plan", inputs), sym("meeting", inputs)
    assert sympy.expand(value - (wifi / 2 + expert / 20 + 2 * plan + meeting)) == 0


def test_growth_and_previous_use_previous_period_symbols() -> None:
    expr, inputs = formula("growth(fibre / households) + previous(gdp)")
    value = m.to_sympy(expr, inputs)
    f, h, gdp = sym("fibre", inputs), sym("households", inputs), sym("gdp", inputs)
    f0, h0, gdp0 = (m.previous_symbol(n, inputs) for n in ("fibre", "households", "gdp"))
    assert gdp not in value.free_symbols and gdp0.name == "gdp@previous"
    assert value.subs({f: 6, h: 10, f0: 4, h0: 10, gdp0: 7}) == sympy.Rational(1, 2) + 7


def test_min_max_clamp_and_cohort_functions() -> None:
    expr, inputs = formula("clamp(wifi * 2, 0, 1) + min(gdp, 3, 1) + max(gdp, 1) + rank(gdp) + share(-gdp)")
    value = m.to_sympy(expr, inputs)
    wifi, gdp = sym("wifi", inputs), sym("gdp", inputs)
    expected = (sympy.Min(sympy.Max(2 * wifi, 0), 1) + sympy.Min(gdp, 1) + sympy.Max(gdp, 1)
                + m.RANK(gdp) + m.SHARE(-gdp))
    assert value == expected
    # rank falls as its argument rises; share and every other cohort function rise (weakly) with it.
    assert m.COHORT_DIRECTIONS[m.RANK] == -1
    assert {str(f) for f, sign in m.COHORT_DIRECTIONS.items() if sign == 1} == {
        f.value for f in Function if f.compares_entities and f is not Function.RANK}


@pytest.mark.parametrize(("name", "integer", "nonnegative", "positive"), [
    ("households", True, True, None), ("plan", True, True, None), ("place", True, True, True),
    ("gdp", None, True, None), ("wifi", None, True, None), ("expert", None, True, None),
    ("debt", None, None, None),
])
def test_symbols_carry_the_assumptions_of_their_kind(name: str, integer: bool | None, nonnegative: bool | None,
                                                     positive: bool | None) -> None:
    _, inputs = formula("1")
    symbol = sym(name, inputs)
    assert (symbol.is_integer, symbol.is_nonnegative, symbol.is_positive) == (integer, nonnegative, positive)
    assert symbol.is_real


def test_unicode_is_one_line_with_names_or_labels() -> None:
    expr, inputs = formula("weighted { 1/2: ratio(fibre_households, households), 1/2: wifi } - gdp * 3")
    assert m.to_unicode(expr, inputs) == "wifi/2 − 3·gdp + fibre_households/(2·households)"
    assert m.to_unicode(expr, inputs, labels=True) == "无线覆盖率/2 − 3·GDP + 光纤_户/(2·区域内总户数)"


def test_unicode_shows_functions_in_the_language_spelling() -> None:
    expr, inputs = formula("min(gdp, previous(gdp)) + rank(gdp)")
    assert m.to_unicode(expr, inputs) == "min(gdp, gdp@previous) + rank(gdp)"


def test_unicode_growth_brackets_its_denominator_once() -> None:
    # Regression: sympy bracketed the unevaluated denominator twice, `/((…))`.
    expr, inputs = formula("growth(fibre / households * 100)")
    text = m.to_unicode(expr, inputs)
    assert text.endswith(")/(100·fibre@previous/households@previous)") and "((" not in text


def test_labels_are_shown_on_one_line_and_collapsed() -> None:
    _, inputs = formula("1")
    inputs = {**inputs, "gdp": attrs.evolve(inputs["gdp"], label="a  b\nc\td")}
    expr, _ = formula("gdp * 2")
    assert m.to_unicode(expr, inputs, labels=True) == "2·a b c d"
    assert m.to_latex(expr, inputs, labels=True) == r"2 \cdot \mathrm{a\ b\ c\ d}"
    assert ">a b c d<" in m.to_mathml(expr, inputs, labels=True)


def test_latex_escapes_names_and_marks_previous_values() -> None:
    expr, inputs = formula("ratio(fibre_households, households) + previous(gdp)")
    latex = m.to_latex(expr, inputs)
    assert latex == (r"\frac{\mathrm{fibre\_households}}{\mathrm{households}} + "
                     r"\mathrm{gdp}_{\mathrm{previous}}")


def test_latex_labels_escape_specials() -> None:
    expr, inputs = formula("fibre_households * 2")
    assert m.to_latex(expr, inputs, labels=True) == r"2 \cdot \mathrm{光纤\_户}"


def test_latex_labels_escape_latex_and_markdown_specials() -> None:
    _, inputs = formula("1")
    inputs = {**inputs, "gdp": attrs.evolve(inputs["gdp"], label="[x](javascript:a) <b> $c$ 50% ^`*|~{}\\#&")}
    expr, _ = formula("gdp")
    assert m.to_latex(expr, inputs, labels=True) == (
        r"\mathrm{\lbrack{}x\rbrack{}(javascript:a)\ \lt{}b\gt{}\ \$c\$\ 50\%\ "
        r"\hat{}\grave{}\ast{}\vert{}\sim{}\{\}\backslash{}\#\&}")


def test_mathml_is_well_formed_presentation_markup_with_whole_names() -> None:
    expr, inputs = formula("ratio(fibre_households, households)")
    markup = m.to_mathml(expr, inputs)
    document = minidom.parseString(f'<math xmlns="http://www.w3.org/1998/Math/MathML">{markup}</math>')
    names = [node.firstChild.data for node in document.getElementsByTagName("mi")]
    assert names == ["fibre_households", "households"]
    assert document.getElementsByTagName("mfrac")


def test_every_city_formula_converts_and_renders() -> None:
    city = scr.load(STANDARDS / "shandong-city-2019.scs").checked
    for item in city.indicators:
        assert item.syntax.value is not None
        value = m.to_sympy(item.syntax.value, city.inputs)
        assert value.free_symbols, item.number
        assert m.to_unicode(item.syntax.value, city.inputs)
        assert m.to_latex(item.syntax.value, city.inputs).count(r"\mathrm{") >= 1
        assert "<mi" in m.to_mathml(item.syntax.value, city.inputs)


def test_city_growth_indicator_reads_as_defined() -> None:
    city = scr.load(STANDARDS / "shandong-city-2019.scs").checked
    value = city.indicator(39).syntax.value
    assert value is not None
    converted = m.to_sympy(value, city.inputs)
    patents, population = m.symbol("invention_patents", city.inputs), m.symbol("population", city.inputs)
    before = {m.previous_symbol("invention_patents", city.inputs): 100,
              m.previous_symbol("population", city.inputs): 1000}
    assert converted.subs({patents: 121, population: 1100, **before}) == sympy.Rational(1, 10)


def test_mathml_escapes_author_text() -> None:
    standard = scr.loads('standard "T" { level city }\ninput a "<img onerror=x>&": count\n'
                         'input b "b": count, part of a\n'
                         'group "G" points 1 { indicator 1 "i" { value ratio(b, a) '
                         "stars at least 1%, 2%, 3%, 4%, 5% points 1 } }\n")
    (item,) = standard.checked.indicators
    assert item.syntax.value is not None
    markup = m.to_mathml(item.syntax.value, standard.checked.inputs, labels=True)
    assert "<img" not in markup and "&lt;img onerror=x&gt;&amp;" in markup


def test_every_function_of_the_language_becomes_mathematics() -> None:
    from smartcity_rules.analysis.mathematics import _CALLS
    from smartcity_rules.language.syntax import Function

    # previous and growth read last period's symbols, in _Converter.call
    assert set(_CALLS) | {Function.PREVIOUS, Function.GROWTH} == set(Function)
