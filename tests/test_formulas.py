"""Formulas published as written: MathML and LaTeX from the syntax tree, in the author's order, with
weights, fractions and percentages as written, labels and numbers apart, author text escaped, and long
formulas broken into rows that fit the page."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from itertools import pairwise
from pathlib import Path
from xml.dom import minidom

import pytest

import smartcity_rules as scr
from smartcity_rules.language import syntax as s
from smartcity_rules.language.formula import render
from smartcity_rules.language.parse import parse
from smartcity_rules.publish import formulas
from smartcity_rules.publish.formulas import LINE_WIDTH, PREVIOUS_MARK

from .conftest import STANDARDS, Golden

HOSTILE_LABEL = r'<b>&amp;</b> [x](javascript:alert(1)) *y* $z$ $$ `q` a_b ^~#%{}| \back\\slash "q"'
LONG_LABEL = "已实现使用以公民身份号码或法人和其他组织统一社会信用代码为唯一标识的电子证照办理的政务服务事项数量"
INPUTS = f'''
input households "区域内总户数": count "户"
input fibre "光纤入户用户数": count "户", part of households
input gigabit "千兆用户数": count "户", part of households
input score "专家评分": score 0 to 10
input patents "年末有效发明专利拥有量": count "件"
input has_group "是否成立领导小组": flag
input has_plan "是否发布规划": flag
input apps "爱山东应用数量": count "个"
input wifi "区域义务教育阶段学校教学、办公等重点区域无线网络覆盖率": rate
input classrooms "区域义务教育阶段学校普通教室建成互动式多媒体教室数": count "间"
input hostile "{HOSTILE_LABEL.replace(chr(92), chr(92) * 2).replace('"', chr(92) + '"')}": count
input long "{LONG_LABEL}": count
'''

# One formula of every kind: each syntax node, each function, previous, numbers as written, parentheses.
KINDS: Mapping[str, str] = {
    "ref": "fibre",
    "integer": "12",
    "decimal": "0.5 * fibre",
    "percent": "30% * fibre + 70% * gigabit",
    "fraction_of_numbers": "1/3 * fibre / households",
    "negative_number": "-5 + fibre",
    "negative_factor": "fibre * -2",
    "negative_sum_and_negative_ref": "-(fibre + gigabit) - -households",
    "double_negative": "-(-fibre)",
    "previous": "fibre - previous(fibre)",
    "add_and_subtract": "fibre + gigabit - households",
    "right_nested_sums": "households - (fibre - gigabit) + (fibre + gigabit)",
    "product": "2 * fibre * gigabit",
    "right_nested_product": "fibre * (gigabit * 2)",
    "product_of_sums": "(fibre + gigabit) * (households - fibre)",
    "division": "fibre / households",
    "division_chain": "fibre / households / 2",
    "nested_parentheses": "((fibre + gigabit) * (households - (fibre - 1))) / households",
    "ratio": "ratio(fibre, households)",
    "growth": "growth(patents / households * 10000)",
    "rank": "rank(apps)",
    "share": "share(apps + 1)",
    "min": "min(fibre, gigabit, households)",
    "max": "max(fibre / households, 50%)",
    "clamp": "clamp(score / 10, 0, 1)",
    "cohort_functions": "minmax(apps) + percentile(apps) - to_best(apps) * cohort_mean(patents / households)",
    "cohort_extremes": "max(cohort_median(apps), cohort_min(apps)) / cohort_max(apps)",
    "roots": "sqrt(fibre / households) + zscore(apps) / sqrt(score + 1)",
    "weighted": "weighted { 1/2: ratio(fibre, households), 1/2: score / 10 }",
    "weighted_with_sums": "weighted { 0.25: fibre + gigabit, 75%: -score, 0%: fibre * gigabit }",
    "checklist": "checklist { has_group: 1, has_plan: 2 }",
    "checklist_signed_points": "checklist { has_group: 1/2, has_plan: -1 }",
    "long_weighted": "weighted { 1/3: wifi, 1/3: ratio(classrooms, households), 1/3: ratio(long, households) }",
    "long_checklist": "checklist { " + ", ".join(f"{name}: 1" for name in ["has_group", "has_plan"] * 4) + " }",
    "long_label": "ratio(long, households)",
    "long_sum_in_a_fraction": "(wifi + classrooms + long) / (households - previous(long))",
    "hostile_label": "hostile + previous(hostile) * 2",
    "unchecked_function": "中位数(fibre, gigabit)",
}


def standard_of(values: Mapping[str, str]) -> s.StandardFile:
    """A parsed (not checked) file with one indicator per formula, numbered from 1 in order."""
    body = "".join(f'    indicator {k} "I{k}" {{ value {text} }}\n' for k, text in enumerate(values.values(), 1))
    return parse(f'standard "公式" {{ level city }}\n{INPUTS}\ngroup "G" points 1 {{\n{body}}}\n')


@pytest.fixture(scope="module")
def kinds() -> dict[str, tuple[s.Expr, dict[str, s.InputDecl]]]:
    tree = standard_of(KINDS)
    inputs = {decl.name: decl for decl in tree.inputs}
    values = [i.value for group in tree.groups for i in group.indicators if isinstance(i, s.Indicator)]
    return {name: (value, inputs) for name, value in zip(KINDS, values) if value is not None}


# ---------------------------------------------------------------- how a formula is read back
_TOKEN = re.compile(r"previous\((\w+)\)|(\w+)\(|(\d+(?:\.\d+)?%?)|(\w+)")
_NOT_SHOWN = frozenset({"ratio", "weighted", "checklist", "sqrt"})  # shown as a fraction, a sum or a root sign


def written_terms(expr: s.Expr, inputs: Mapping[str, s.InputDecl]) -> list[str]:
    """The names, numbers and labels of the formula as written, in order: what the maths must show."""
    def label(name: str) -> str:
        return " ".join(inputs[name].label.split())

    found: list[str] = []
    for match in _TOKEN.finditer(render(expr)):
        previous, function, number, name = match.groups()
        if previous:
            found += [label(previous), PREVIOUS_MARK]
        elif function:
            found += [] if function in _NOT_SHOWN else [function]
        elif number:
            found.append(number)
        elif name not in _NOT_SHOWN:
            found.append(label(name))
    return found


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def shown_terms(element: ET.Element) -> Iterator[str]:
    """The text of every token (mi, mn, mtext) in document order; a label set on several lines counts once."""
    tag = _local(element.tag)
    if tag in ("mi", "mn", "mtext"):
        yield element.text or ""
        return
    cells = [list(cell) for cell in element.iter() if _local(cell.tag) == "mtd"]
    if tag == "mtable" and all(len(c) == 1 and _local(c[0].tag) == "mtext" for c in cells):
        yield "".join(c[0].text or "" for c in cells)
        return
    for child in element:
        yield from shown_terms(child)


def mathml_tree(markup: str) -> ET.Element:
    return ET.fromstring(f'<math xmlns="http://www.w3.org/1998/Math/MathML">{markup}</math>')


def adjacent_tokens(root: ET.Element) -> list[str]:
    """Places where two tokens touch inside a row with no operator between: a number glued to a label."""
    tokens = {"mi", "mn", "mtext"}
    glued = []
    for row in root.iter():
        if _local(row.tag) in ("mrow", "math", "mtd"):
            children = [_local(child.tag) for child in row]
            glued += [f"{a}+{b}" for a, b in pairwise(children) if a in tokens and b in tokens]
    return glued


# ---------------------------------------------------------------- every kind: golden and properties
@pytest.mark.parametrize("kind", list(KINDS))
def test_golden_of_every_kind(kind: str, kinds: dict[str, tuple[s.Expr, dict[str, s.InputDecl]]],
                              golden: Golden) -> None:
    expr, inputs = kinds[kind]
    text = (f"as written: {render(expr)}\n\nlatex:\n{formulas.to_latex(expr, inputs)}\n\n"
            f"mathml:\n{formulas.to_mathml(expr, inputs)}\n")
    golden.check(f"document/formulas/{kind}.txt", text)


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_shows_its_terms_in_the_authors_order(
        kind: str, kinds: dict[str, tuple[s.Expr, dict[str, s.InputDecl]]]) -> None:
    expr, inputs = kinds[kind]
    root = mathml_tree(formulas.to_mathml(expr, inputs))
    assert len(root) == 1  # one element, as `<math>` wants
    assert list(shown_terms(root)) == written_terms(expr, inputs)
    assert adjacent_tokens(root) == []


def test_weights_fractions_and_percentages_stay_as_written(
        kinds: dict[str, tuple[s.Expr, dict[str, s.InputDecl]]]) -> None:
    expr, inputs = kinds["weighted_with_sums"]
    assert formulas.to_latex(expr, inputs, limit=1000) == (  # on one line, to read it whole
        r"0.25 \cdot \left(\text{光纤入户用户数} + \text{千兆用户数}\right) + 75\% \cdot \left(-\text{专家评分}\right)"
        r" + 0\% \cdot \text{光纤入户用户数} \cdot \text{千兆用户数}")
    expr, inputs = kinds["fraction_of_numbers"]
    root = mathml_tree(formulas.to_mathml(expr, inputs))
    outer = root[0]
    assert _local(outer.tag) == "mfrac" and [_local(e.tag) for e in outer[0]] == ["mfrac", "mo", "mtext"]
    assert [e.text for e in outer[0][0]] == ["1", "3"]  # 1/3, not reduced or moved
    expr, inputs = kinds["percent"]
    assert [e.text for e in mathml_tree(formulas.to_mathml(expr, inputs)).iter() if _local(e.tag) == "mn"] == [
        "30%", "70%"]


def test_parentheses_follow_the_tree(kinds: dict[str, tuple[s.Expr, dict[str, s.InputDecl]]]) -> None:
    def latex(kind: str) -> str:
        return formulas.to_latex(*kinds[kind])

    assert latex("right_nested_sums") == (
        r"\text{区域内总户数} - \left(\text{光纤入户用户数} - \text{千兆用户数}\right)"
        r" + \left(\text{光纤入户用户数} + \text{千兆用户数}\right)")
    assert latex("negative_factor") == r"\text{光纤入户用户数} \cdot \left(-2\right)"
    assert latex("double_negative") == r"-\left(-\text{光纤入户用户数}\right)"
    assert latex("product") == r"2 \cdot \text{光纤入户用户数} \cdot \text{千兆用户数}"
    assert latex("nested_parentheses").count(r"\left(") == 3


def test_previous_reads_as_the_previous_periods_value(
        kinds: dict[str, tuple[s.Expr, dict[str, s.InputDecl]]]) -> None:
    expr, inputs = kinds["previous"]
    assert formulas.to_latex(expr, inputs) == r"\text{光纤入户用户数} - \text{光纤入户用户数}_{\text{上期}}"
    sub = mathml_tree(formulas.to_mathml(expr, inputs)).find(".//{*}msub")
    assert sub is not None and [e.text for e in sub] == ["光纤入户用户数", "上期"]


def test_functions_are_shown_by_name_with_their_arguments(
        kinds: dict[str, tuple[s.Expr, dict[str, s.InputDecl]]]) -> None:
    for name in ("growth", "rank", "share", "min", "max", "clamp"):
        expr, inputs = kinds[name]
        root = mathml_tree(formulas.to_mathml(expr, inputs))
        assert root[0][0].text == name and root[0][1].text == "\u2061", name  # applied to what follows
        assert isinstance(expr, s.Call)
        assert [e.text for e in root[0][2] if _local(e.tag) == "mo"].count(",") == len(expr.args) - 1
    assert formulas.to_latex(*kinds["min"]).startswith(r"\min\left(")
    assert formulas.to_latex(*kinds["cohort_functions"], limit=1000).startswith(r"\operatorname{minmax}\left(")
    assert r"\operatorname{to\_best}\left(" in formulas.to_latex(*kinds["cohort_functions"])
    assert r"\operatorname{cohort\_median}\left(" in formulas.to_latex(*kinds["cohort_extremes"])
    assert formulas.to_latex(*kinds["clamp"]).startswith(r"\operatorname{clamp}\left(\frac{")
    assert formulas.to_latex(*kinds["roots"], limit=1000).startswith(r"\sqrt{\frac{")
    assert r"\operatorname{zscore}\left(" in formulas.to_latex(*kinds["roots"], limit=1000)
    assert "<msqrt>" in formulas.to_mathml(*kinds["roots"])


# ---------------------------------------------------------------- escaping
def test_author_text_is_escaped_in_mathml(kinds: dict[str, tuple[s.Expr, dict[str, s.InputDecl]]]) -> None:
    markup = formulas.to_mathml(*kinds["hostile_label"])
    assert "<b>" not in markup and "&amp;amp;" in markup
    document = minidom.parseString(f'<math xmlns="http://www.w3.org/1998/Math/MathML">{markup}</math>')
    texts = [node.firstChild.data for node in document.getElementsByTagName("mtext")]
    assert "".join(texts) == HOSTILE_LABEL * 2 + PREVIOUS_MARK  # each label on two lines, as it is long
    assert list(shown_terms(mathml_tree(markup))) == [HOSTILE_LABEL, HOSTILE_LABEL, PREVIOUS_MARK, "2"]


def test_author_text_is_inert_in_latex_and_markdown(kinds: dict[str, tuple[s.Expr, dict[str, s.InputDecl]]]) -> None:
    for kind, (expr, inputs) in kinds.items():
        latex = formulas.to_latex(expr, inputs)
        for run in re.findall(r"\\text\{([^{}]*)\}", latex):
            assert not set(run) & set("\\{}$%#&_^~<>[]|`*"), (kind, run)  # text runs hold plain text only
        assert not re.search(r"[<>\[\]|`*]", latex), kind  # nothing Markdown could read as markup
        assert "$$" not in latex and not re.search(r"(?<!\\)\$", latex), kind
        assert all(line.startswith(("&", "\\")) for line in latex.splitlines()[1:]), kind
    latex = formulas.to_latex(*kinds["hostile_label"])
    assert r"\lt{}" in latex and r"\lbrack{}" in latex and r"\backslash{}" in latex and r"\ast{}" in latex


def test_numbers_never_touch_labels_in_latex(kinds: dict[str, tuple[s.Expr, dict[str, s.InputDecl]]]) -> None:
    for kind, (expr, inputs) in kinds.items():
        latex = formulas.to_latex(expr, inputs)
        assert not re.search(r"\d\s*\\text|\\text\{[^{}]*\}\s*\d", latex), kind


# ---------------------------------------------------------------- long formulas
def test_a_long_sum_is_set_in_rows(kinds: dict[str, tuple[s.Expr, dict[str, s.InputDecl]]]) -> None:
    expr, inputs = kinds["long_checklist"]
    root = mathml_tree(formulas.to_mathml(expr, inputs))
    table = root[0]
    assert _local(table.tag) == "mtable" and table.get("displaystyle") == "true"
    rows = [row[0][0] for row in table]  # mtr > mtd > mrow
    assert len(rows) >= 2
    for row in rows[1:]:  # each later row opens with its operator, spaced as between two terms
        assert _local(row[0].tag) == "mo" and row[0].get("form") == "infix" and row[0].text == "+"
    latex = formulas.to_latex(expr, inputs)
    lines = latex.splitlines()
    assert lines[0] == r"\begin{aligned}" and lines[-1] == r"\end{aligned}" and len(lines) == len(rows) + 2
    assert all(line.startswith("&") for line in lines[1:-1]) and lines[2].startswith("&+ ")


def test_rows_fit_the_line_and_keep_every_term(kinds: dict[str, tuple[s.Expr, dict[str, s.InputDecl]]]) -> None:
    for kind, (expr, inputs) in kinds.items():
        fitted = formulas.fit(formulas.layout(expr, inputs))
        assert formulas.width(fitted) <= LINE_WIDTH, kind


def test_a_long_label_is_set_on_lines_of_about_equal_width(
        kinds: dict[str, tuple[s.Expr, dict[str, s.InputDecl]]]) -> None:
    fitted = formulas.fit(formulas.layout(*kinds["long_label"]))
    assert isinstance(fitted, formulas.Fraction) and isinstance(fitted.numerator, formulas.Label)
    lines = fitted.numerator.lines
    assert "".join(lines) == LONG_LABEL and len(lines) == 2 and abs(len(lines[0]) - len(lines[1])) <= 1
    assert formulas.to_latex(*kinds["long_label"]).startswith(r"\frac{{\begin{array}{l}\text{")


def test_a_label_line_never_splits_a_word() -> None:
    label = formulas.Label(("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu",))
    fitted = formulas.fit(label, 12)
    assert isinstance(fitted, formulas.Label) and len(fitted.lines) > 1
    assert all(word.isalpha() for line in fitted.lines for word in line.split())
    assert "".join(fitted.lines) == label.lines[0]


def test_a_short_formula_stays_on_one_line(kinds: dict[str, tuple[s.Expr, dict[str, s.InputDecl]]]) -> None:
    for kind in ("weighted", "checklist", "nested_parentheses", "growth"):
        assert "mtable" not in formulas.to_mathml(*kinds[kind]), kind
        assert "\n" not in formulas.to_latex(*kinds[kind]), kind


# ---------------------------------------------------------------- the shipped standards
SHIPPED = sorted(STANDARDS.rglob("*.scs"))


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_every_shipped_formula_fits_the_line(path: Path) -> None:
    standard = scr.load(path, root=STANDARDS)  # the revision builds on ../ the 2019 file
    for one in [standard.variant(t) for t in standard.entity_types] or [standard]:  # each type's, if typed
        for item in one.checked.indicators:
            assert item.syntax.value is not None
            assert formulas.width(formulas.fit(formulas.layout(item.syntax.value, one.checked.inputs))) <= LINE_WIDTH
