"""The published document: every indicator, formula, band and provisional value, in Markdown and HTML,
with author text escaped."""

from __future__ import annotations

import html
import io
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import smartcity_rules as scr
from smartcity_rules import document
from smartcity_rules.cli import main
from smartcity_rules.language import syntax as s
from smartcity_rules.language.check import ScoredIndicator
from smartcity_rules.language.formula import render

from .browser import chromium, needs_chromium
from .conftest import FIXTURES, STANDARDS, Golden
from .test_formulas import adjacent_tokens, shown_terms, written_terms

CITY = STANDARDS / "shandong-city-2019.scs"
HOSTILE_TEXT = '<script>alert("x")</script> & \' `$x$` | *y*'
QUOTED = HOSTILE_TEXT.replace('"', '\\"')  # as written inside an .scs string
HOSTILE = f'''
standard "{QUOTED}\\n# not a heading" {{
    level city
    edition "<b>1</b>"
    source "a & b \\"quoted\\""
    total 4 provisional
    note "first line\\n- not a list\\n```"
}}
input households "<img src=x onerror=alert(1)>\\n## label": count "<户>"
input fibre "fibre & \\"co\\"": count "<户>", part of households
group "<g onload=x> & \\"g\\"" points 4 provisional {{
    indicator 1 ★ "<script>name</script>\\n1. not a list" provisional {{
        description "{QUOTED}"
        note "</dd></dl><h1>x</h1>"
        value ratio(fibre, households)
        stars at least 10%, 20%, 30%, 40%, 50% provisional
        points 4
    }}
}}
rating {{
    level 1 "<i>一星级</i> & \\"x\\"" when total >= 2 and group "<g onload=x> & \\"g\\"" >= 1 points
}}
'''


NATIONAL = STANDARDS / "china-smart-city-evaluation-2016.scs"
# Three levels, codes of every form, weights, rounding modes at three levels, an uncapped deduction
# item, a nested bonus group, requirements on node points, a geometric group, redistributed weight
# and missing values: the golden's small nested standard.
NESTED = """\
standard "嵌套示例" {
    level city
    total 10
    rounding 2 decimals half even
}

input households "区域内总户数": count "户"
input fibre "光纤入户用户数": count "户", part of households
input incidents "失泄密事件数": count "起"
input score "专家评分": score 0 to 10, when missing: zero

group A "基础设施" points 6 {
    group A.1 "网络" points 6 provisional {
        rounding 1 decimals truncate
        aggregate geometric
        indicator A.1.1 "光纤" {
            description "本指标评价得分=40%×分项分数之和"
            weight 40%
            when not applicable: redistribute
            item A.1.1-a "光纤入户率" {
                value ratio(fibre, households)
                weight 60%
            }
            item A.1.1-b "专家评分" provisional {
                value score / 10
                weight 40%
                stars at least 0.2, 0.4, 0.6, 0.8, 1 provisional
            }
            item A.1.1-c "失泄密事件" {
                value incidents
                deduct 0.5 each
            }
        }
        indicator A.1.2 "评分" {
            value score
            points 2 linear from 0 to 10
        }
    }
}

group B "保障措施" points 4 {
    indicator 2.3.1 ★ "光纤覆盖" {
        value ratio(fibre, households)
        stars at least 50%, 60%, 70%, 80%, 90%
        points 4
        rounding 0 decimals half up
    }
    bonus group "加分" at most 1 {
        indicator B1 "加分项" {
            value score
            points 2 linear from 0 to 10
        }
    }
}

rating {
    unrated when missing more than 30%
    level 2 "良好" when total >= 8 and indicator A.1.1 >= 3 points and indicator A.1.1-b >= 3 stars
    level 1 "合格" when group "网络" >= 3 points and indicator 2.3.1 >= 80%
}
"""


# ---------------------------------------------------------------- helpers
def html_tree(text: str) -> ET.Element:
    """The HTML file parsed as XML: proves it well-formed (every tag closed, no stray `&` or `<`)."""
    assert text.startswith("<!DOCTYPE html>\n")
    return ET.fromstring(text.removeprefix("<!DOCTYPE html>\n"))


HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
SECTION_ID = re.compile(r"(indicator|item)-(.+)")


def html_sections(root: ET.Element, prefix: str = "") -> dict[str, list[ET.Element]]:
    """The blocks of each indicator and item, by code: from its heading (id `indicator-CODE` or
    `item-CODE`, after `prefix`: `type-2-` in an entity type's section) up to the next heading,
    whatever its level."""
    main_element = root.find("body/main")
    assert main_element is not None
    sections: dict[str, list[ET.Element]] = {}
    current: list[ET.Element] | None = None
    for element in main_element:
        if element.tag in HEADINGS:
            anchor = element.get("id", "")
            found = SECTION_ID.fullmatch(anchor.removeprefix(prefix)) if anchor.startswith(prefix) else None
            current = None if found is None else sections.setdefault(found.group(2), [])
        if current is not None:
            current.append(element)
    return sections


def markdown_sections(text: str, standard: scr.Standard) -> dict[str, str]:
    """The Markdown of each indicator and item of the standard, by code: from its heading
    (`### CODE ★ name`, at any level) up to the next heading."""
    sections: dict[str, str] = {}
    indicators = list(standard.syntax.all_indicators())
    for ind in [*indicators, *(item for parent in indicators for item in parent.items)]:
        star = "★ " if ind.leading else ""
        heading = re.search(rf"^#{{2,6}} {re.escape(ind.code)} {star}{re.escape(ind.name)}( †)?$", text, re.MULTILINE)
        if heading is not None:
            end = re.compile(r"^#", re.MULTILINE).search(text, heading.end())
            sections[ind.code] = text[heading.start():None if end is None else end.start()]
    return sections


def per_type(standard: scr.Standard) -> list[tuple[str, scr.Standard]]:
    """The standards a document shows, with the prefix of their anchors: one per entity type
    (`type-1-`, `type-2-`, …) for a standard with entity types, else the standard itself."""
    types = [(f"type-{n}-", standard.variant(t)) for n, t in enumerate(standard.entity_types, start=1)]
    return types or [("", standard)]


def text_of(elements: list[ET.Element]) -> str:
    return "".join("".join(e.itertext()) for e in elements)


def provisional_of(code: str, standard: scr.Standard) -> list[str]:
    return [what for what in standard.provisional if what.startswith((f"indicator {code} ", f"item {code} "))]


def used_labels(item: ScoredIndicator, standard: scr.Standard) -> list[str]:
    assert item.syntax.value is not None
    return [standard.checked.inputs[name].label for name in s.input_names(item.syntax.value)]


def run(*argv: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], out, err)
    return code, out.getvalue(), err.getvalue()


# ---------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def city() -> scr.Standard:
    return scr.load(CITY)


@pytest.fixture(scope="module")
def city_html(city: scr.Standard) -> str:
    return document.to_html(city)


@pytest.fixture(scope="module")
def city_markdown(city: scr.Standard) -> str:
    return document.to_markdown(city)


@pytest.fixture(scope="module")
def hostile() -> scr.Standard:
    return scr.loads(HOSTILE, "hostile.scs")


@pytest.fixture(scope="module")
def national() -> scr.Standard:
    return scr.load(NATIONAL)


@pytest.fixture(scope="module")
def nested() -> scr.Standard:
    return scr.loads(NESTED, "nested.scs")


# ---------------------------------------------------------------- the city standard, Markdown
def test_markdown_has_every_indicator_with_its_formula(city: scr.Standard, city_markdown: str) -> None:
    sections = markdown_sections(city_markdown, city)
    assert sorted(sections) == sorted(city.indicator_codes) and len(sections) == 49
    for item in city.checked.indicators:
        assert item.syntax.value is not None
        section = sections[item.code]
        assert f"`{render(item.syntax.value)}`" in section, item.code
        assert f"$$\n{document.latex(item.syntax.value, city.checked.inputs)}\n$$" in section, item.code


def test_markdown_headings_carry_name_and_leading_mark(city: scr.Standard, city_markdown: str) -> None:
    for item in city.checked.indicators:
        star = "★ " if item.syntax.leading else ""
        assert re.search(rf"^### {item.code} {star}{re.escape(item.syntax.name)}( †)?$", city_markdown,
                         re.MULTILINE), item.code


def test_markdown_bands_points_and_deductions(city: scr.Standard, city_markdown: str) -> None:
    sections = markdown_sections(city_markdown, city)
    for item in city.checked.indicators:
        section, ind = sections[item.code], item.syntax
        if item.bands is not None:
            sign = "≥" if item.bands.rule is s.BandRule.AT_LEAST else "≤"
            cells = " | ".join(f"{sign} {t.text}" for t in item.bands.thresholds)
            assert f"| {item.bands.rule.value}" in section and f"| {cells} |" in section, item.code
        if ind.points is not None:
            assert f"**Points**: {ind.points.maximum.text} ×" in section, item.code
        if ind.deduction is not None:
            assert ind.deduction.cap is not None  # the city caps every deduction
            assert f"**Deduction**: −{ind.deduction.each.text} per unit" in section
            assert f"at most −{ind.deduction.cap.text}" in section


def test_markdown_flags_each_provisional_value_of_each_indicator(city: scr.Standard, city_markdown: str) -> None:
    sections = markdown_sections(city_markdown, city)
    for code, section in sections.items():
        assert section.count("†") == len(provisional_of(code, city)), code


def test_markdown_lists_every_provisional_value_in_its_legend(city: scr.Standard, city_markdown: str) -> None:
    legend = city_markdown.split("## Provisional values", 1)[1].split("\n## ", 1)[0]
    assert [line.removeprefix("- ") for line in legend.splitlines() if line.startswith("- ")] == list(
        city.provisional)
    assert f"marks {len(city.provisional)} numbers provisional" in legend


def test_markdown_front_matter_groups_inputs_and_rating(city: scr.Standard, city_markdown: str) -> None:
    header = city.checked.header
    assert city_markdown.startswith(f"# {header.title}\n")
    for field in (header.edition, header.source, str(header.effective), *header.notes):
        assert field is not None and field in city_markdown
    for group in city.syntax.groups:
        assert f"## {group.name} — " in city_markdown
    bonus = next(g for g in city.syntax.groups if g.bonus)
    assert bonus.cap is not None and f"## {bonus.name} — bonus, at most {bonus.cap.text} points †" in city_markdown
    for name, decl in city.checked.inputs.items():
        assert f"| `{name}` | {decl.label} | " in city_markdown
    assert city.syntax.rating is not None
    for level in city.syntax.rating.levels:
        assert f"| {level.rank.text} | {level.name} | total ≥ " in city_markdown


def test_markdown_golden_of_the_small_fixture(mini: scr.Standard, golden: Golden) -> None:
    golden.check("document/mini.md", document.to_markdown(mini))


def test_html_golden_of_the_small_fixture(mini: scr.Standard, golden: Golden) -> None:
    # Pins the templates' output (publish/templates): whitespace and escaping are part of the page.
    golden.check("document/mini.html", document.to_html(mini))


# ---------------------------------------------------------------- the city standard, HTML
def test_html_is_well_formed_and_self_contained(city_html: str) -> None:
    html_tree(city_html)
    for remote in ("<script", "<link", "src=", "url(", "http://", "https://", "@import"):
        assert remote not in city_html, remote


def test_html_has_every_indicator_with_mathml_and_plain_formula(city: scr.Standard, city_html: str) -> None:
    sections = html_sections(html_tree(city_html))
    assert sorted(sections) == sorted(city.indicator_codes)
    for item in city.checked.indicators:
        assert item.syntax.value is not None
        formulas = [e for e in sections[item.code] if e.get("class") == "formula"]
        assert len(formulas) == 1, item.code
        plain = render(item.syntax.value)
        math = formulas[0].find("math")
        assert formulas[0].get("title") == plain and math is not None and math.get("alttext") == plain
        assert math.get("display") == "block" and len(math) == 1  # one element: a row, a table of rows, a token
        shown = "".join(math.itertext())
        assert all(label in shown for label in used_labels(item, city)), item.code
        assert f"As written: {plain}" in text_of(formulas)


def test_html_mathml_parses_on_its_own(city: scr.Standard) -> None:
    for item in city.checked.indicators:
        assert item.syntax.value is not None
        root = ET.fromstring(f'<math xmlns="http://www.w3.org/1998/Math/MathML">'
                             f"{document.mathml(item.syntax.value, city.checked.inputs)}</math>")
        assert len(root) == 1


def test_html_flags_exactly_the_provisional_values(city: scr.Standard, city_html: str) -> None:
    root = html_tree(city_html)
    flagged = [e.get("data-provisional") for e in root.iter("span") if e.get("data-provisional")]
    assert set(flagged) == set(city.provisional)
    for code, elements in html_sections(root).items():
        marks = [str(e.get("data-provisional")) for el in elements for e in el.iter("span")
                 if e.get("data-provisional")]
        assert sorted(marks) == sorted(provisional_of(code, city)), code


def test_html_bands_table_per_indicator(city: scr.Standard, city_html: str) -> None:
    sections = html_sections(html_tree(city_html))
    for item in city.checked.indicators:
        tables = [e for e in sections[item.code] if e.tag == "table"]
        if item.bands is None:
            assert tables == [] and item.syntax.deduction is not None
            continue
        cells = ["".join(td.itertext()) for td in tables[0].iter("td")]
        sign = "≥" if item.bands.rule is s.BandRule.AT_LEAST else "≤"
        assert cells[1:] == [f"{sign} {t.text}" for t in item.bands.thresholds], item.code
        if isinstance(item.syntax.stars, s.BandsRef):  # named bands are resolved and named
            assert item.syntax.stars.name in cells[0]


def test_html_highlights_the_source_with_the_lexer(city_html: str) -> None:
    assert '<div class="highlight">' in city_html
    assert '<span class="k">indicator</span>' in city_html and '<span class="k">★</span>' in city_html
    assert ".highlight .k" in city_html  # its styles are inline too


# ---------------------------------------------------------------- hostile author text
def test_hostile_text_is_escaped_in_html(hostile: scr.Standard) -> None:
    text = document.to_html(hostile)
    root = html_tree(text)
    assert "<script" not in text.lower() and "<img" not in text and "<g " not in text and "<b>" not in text
    assert not root.findall(".//script") and not root.findall(".//img") and len(root.findall(".//h1")) == 1
    shown = "".join(root.itertext())
    for original in (HOSTILE_TEXT, "<script>name</script>", "</dd></dl><h1>x</h1>", '<i>一星级</i> & "x"'):
        assert original in shown
    flagged = {e.get("data-provisional") for e in root.iter("span") if e.get("data-provisional")}
    assert flagged == set(hostile.provisional)  # attribute values round-trip exactly
    assert 'group "<g onload=x> & "g"" points' in flagged


def test_hostile_newlines_stay_inside_their_element(hostile: scr.Standard) -> None:
    root = html_tree(document.to_html(hostile))
    h1 = root.find(".//h1")
    assert h1 is not None and h1.find("br") is not None and "# not a heading" in "".join(h1.itertext())


def test_hostile_text_is_inert_in_markdown(hostile: scr.Standard) -> None:
    text = document.to_markdown(hostile)
    body, source = text.split("\n## Source\n", 1)
    assert re.findall(r"(?<!\\)<(?!br>)", body) == []  # every `<` escaped but our line breaks
    assert "\\<script\\>" in body and "\\&" in body and "\\$x\\$" in body and "\\|" in body
    lines = body.splitlines()
    assert not any(line.startswith(("# not", "- not", "1. not", "## label", "<")) for line in lines)
    assert sum(line.startswith("# ") for line in lines) == 1
    assert "\\lt{}" in body  # a `<` in a label, inside LaTeX
    fence = re.search(r"^(`{3,})scs$", source, re.MULTILINE)
    assert fence is not None and len(fence.group(1)) > 3  # the note's ``` cannot close the listing
    assert source.rstrip().endswith(fence.group(1))


def test_a_standard_with_no_provisional_values_says_so() -> None:
    text = (FIXTURES / "mini.scs").read_text("utf-8").replace(" provisional", "")
    standard = scr.loads(text)
    assert standard.provisional == ()
    markdown = document.to_markdown(standard)
    assert "marks no number provisional" in markdown and "†" not in markdown


# ---------------------------------------------------------------- the command
def test_cli_docs_writes_html_and_returns_0(tmp_path: Path) -> None:
    target = tmp_path / "city.html"
    code, out, err = run("docs", CITY, "-o", target)
    assert (code, out, err) == (0, "", "")
    written = target.read_text("utf-8")
    assert written.count("<math ") == 49
    html_tree(written)


def test_cli_docs_markdown_to_stdout_and_explicit_format(tmp_path: Path) -> None:
    code, out, _ = run("docs", FIXTURES / "mini.scs")
    assert code == 0 and out.startswith("# 示例标准\n") and "$$" in out
    code, out, _ = run("docs", FIXTURES / "mini.scs", "--format", "html")
    assert code == 0 and out.startswith("<!DOCTYPE html>")
    target = tmp_path / "mini.md"
    assert run("docs", FIXTURES / "mini.scs", "-o", target)[0] == 0
    assert target.read_text("utf-8") == document.to_markdown(scr.load(FIXTURES / "mini.scs"))


def test_cli_docs_bad_standard_exits_1_with_the_diagnostic(tmp_path: Path) -> None:
    broken = tmp_path / "broken.scs"
    broken.write_text((FIXTURES / "mini.scs").read_text("utf-8").replace("ratio(fibre, households)",
                                                                        "ratio(fiber, households)", 1), "utf-8")
    target = tmp_path / "out.html"
    code, out, err = run("docs", broken, "-o", target)
    assert code == 1 and out == "" and not target.exists()
    assert f"{broken}:" in err and "error[E0210]: unknown input `fiber`" in err and "^" in err


def test_cli_docs_unwritable_output_exits_1(tmp_path: Path) -> None:
    code, _, err = run("docs", FIXTURES / "mini.scs", "-o", tmp_path / "no" / "such" / "dir.md")
    assert code == 1 and err.startswith("error: cannot write")


# ---------------------------------------------------------------- every shipped standard
SHIPPED = sorted(STANDARDS.rglob("*.scs"))


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_every_shipped_standard_renders_whole(path: Path) -> None:
    standard = scr.load(path, root=STANDARDS)  # the revision builds on ../ the 2019 file
    root = html_tree(document.to_html(standard))
    markdown = document.to_markdown(standard)
    for prefix, one in per_type(standard):
        sections = html_sections(root, prefix)
        every = {i.code for i in one.syntax.all_indicators()} | set(one.indicator_codes)  # items too
        assert set(sections) == every and len(sections) == len(every)
        leaves = [code for code, blocks in sections.items() if any(e.get("class") == "formula" for e in blocks)]
        assert leaves == list(one.indicator_codes)  # every scored leaf has its formula, in source order
        for code, blocks in sections.items():
            marks = [str(e.get("data-provisional")) for el in blocks for e in el.iter("span")
                     if e.get("data-provisional")]
            assert sorted(marks) == sorted(provisional_of(code, one)), code
        assert set(markdown_sections(markdown, one)) == every
    assert len(list(root.iter("math"))) == sum(len(one.indicator_codes) for _, one in per_type(standard))
    assert {e.get("data-provisional") for e in root.iter("span") if e.get("data-provisional")} == set(
        standard.provisional)


def test_reused_indicators_say_where_they_come_from() -> None:
    county = scr.load(STANDARDS / "shandong-county-2019.scs")
    sections = markdown_sections(document.to_markdown(county), county)
    reused = [item.syntax for item in county.checked.indicators if item.syntax.origin is not None]
    assert reused
    for ind in reused:
        assert ind.origin is not None
        assert f"**Taken from**: indicator {ind.origin.code} of `{ind.origin.alias}`" in sections[ind.code]


def test_the_excerpt_in_the_publishing_guide_is_current(mini: scr.Standard) -> None:
    guide = (STANDARDS.parent / "docs" / "publishing.md").read_text("utf-8")
    excerpt = re.search(r"```markdown\n(.*?)```", guide, re.DOTALL)
    assert excerpt is not None and excerpt.group(1) in document.to_markdown(mini)


def test_the_command_offers_every_format_the_module_writes() -> None:
    code, _, err = run("docs", FIXTURES / "mini.scs", "--format", "pdf")
    assert code == 2 and "choose from 'markdown', 'html'" in err
    for name in document.WRITERS:
        assert run("docs", FIXTURES / "mini.scs", "--format", name)[0] == 0


def test_html_contents_link_every_group_to_its_heading(city: scr.Standard, city_html: str) -> None:
    nav = city_html[city_html.index("<nav"):city_html.index("</nav>")]
    targets = re.findall(r'href="#([^"]+)"', nav)
    assert len(targets) == len(set(targets)) >= len(city.syntax.groups) + 3  # groups, inputs, rating...
    assert all(f'id="{target}"' in city_html for target in targets)
    assert all(group.name in nav for group in city.syntax.groups)


# ---------------------------------------------------------------- nesting: groups, indicators, items
def test_national_markdown_shows_its_three_levels(national: scr.Standard) -> None:
    text = document.to_markdown(national)
    # 一级: a group with its code and points; its table row lists its indicators.
    assert "\n## L1 惠民服务 — 37 points\n" in text and "\n## L2 精准治理 — 9 points †\n" in text
    assert "| L1 | 惠民服务 | scored | 37 points | L1P1, L1P2, L1P3, L1P4, L1P5, L1P6, L1P7, L1P8, L1P9 |" in text
    # 二级: an indicator under it, with its weight and its items.
    sections = markdown_sections(text, national)
    indicator = sections["L1P1"]
    assert indicator.startswith("### L1P1 政务服务\n")
    assert "**Score**: 8% × the sum of its items' scores: at most 8 points" in indicator
    assert "**Items**: L1P1-A1 电子证照办理率; L1P1-A2 一站式办理率; L1P1-A3 网上统一入口率" in indicator
    assert "$$" not in indicator  # its score is its items', it has no formula of its own
    # 分项: an item under the indicator, with its code, description, formula as written and weight.
    item = sections["L1P1-A1"]
    assert item.startswith("#### L1P1-A1 电子证照办理率\n")
    assert "**指标说明 (description)**: L1P1-A1分项分数= 30%×(" in item
    assert "As written: `ratio(e_license_services, government_services)`" in item
    assert "$$\n\\frac{" in item
    assert "**Weight**: 30% of the total 100: 30 × clamp(value, 0, 1), at most 30 points" in item
    assert sections["L1P1-A2"].startswith("#### L1P1-A2 一站式办理率 †\n")  # provisional, as the file says
    assert "**Rounding**: every score rounded half up to 2 decimals\n" in text
    assert len(re.findall(r"^## L\d ", text, re.MULTILINE)) == 8
    assert len(re.findall(r"^### L\dP\d ", text, re.MULTILINE)) == 21
    assert len(re.findall(r"^#### L\dP\d-A\d ", text, re.MULTILINE)) == 54


def test_national_html_shows_its_three_levels(national: scr.Standard) -> None:
    root = html_tree(document.to_html(national))
    main_element = root.find("body/main")
    assert main_element is not None
    levels = {e.get("id"): e.tag for e in main_element if e.tag in HEADINGS}
    assert levels["group-L1"] == "h2" and levels["indicator-L1P1"] == "h3" and levels["item-L1P1-A1"] == "h4"
    assert sum(tag == "h4" for tag in levels.values()) == 54
    sections = html_sections(root)
    indicator = text_of(sections["L1P1"])
    assert "8% × the sum of its items' scores" in indicator and not any(
        e.iter("math") for block in sections["L1P1"] for e in block.iter("math"))
    links = [a.get("href") for block in sections["L1P1"] for a in block.iter("a")]
    assert links[:3] == ["#item-L1P1-A1", "#item-L1P1-A2", "#item-L1P1-A3"]
    item = sections["L1P1-A1"]
    (math,) = [e for block in item for e in block.iter("math")]
    assert math.get("alttext") == "ratio(e_license_services, government_services)"
    assert "电子证照办理率" in text_of(item[:1]) and "30% of the total 100" in text_of(item)
    nav = root.find(".//nav")
    assert nav is not None and all(g.name in "".join(nav.itertext()) for g in national.syntax.groups)


def test_nested_markdown_golden(nested: scr.Standard, golden: Golden) -> None:
    golden.check("document/nested.md", document.to_markdown(nested))


def test_nested_headings_follow_the_depth(nested: scr.Standard) -> None:
    text = document.to_markdown(nested)
    for heading in ("## A 基础设施 — 6 points", "### A.1 网络 — 6 points †", "#### A.1.1 光纤",
                    "##### A.1.1-a 光纤入户率", "##### A.1.1-b 专家评分 †", "#### A.1.2 评分",
                    "## B 保障措施 — 4 points", "### 2.3.1 ★ 光纤覆盖", "### 加分 — bonus, at most 1 point",
                    "#### B1 加分项"):
        assert f"\n{heading}\n" in text, heading
    sections = markdown_sections(text, nested)
    assert "**Part of**: A 基础设施 › A.1 网络" in sections["A.1.2"]
    assert "**Item of**: indicator A.1.1 光纤" in sections["A.1.1-c"]
    root = html_tree(document.to_html(nested))
    nav = root.find(".//nav/ol")
    assert nav is not None
    entries = {str(li[0].get("href")): [a.get("href") for a in li.iter("a")] for li in nav.findall("li")}
    assert entries["#group-A"] == ["#group-A", "#group-A.1"]  # the sub-group inside its parent's entry
    assert entries["#group-B"] == ["#group-B", "#group-4"]  # a group without a code: its place, 4th
    assert list(entries)[:2] == ["#provisional", "#groups"] and "#group-A.1" not in entries


def test_nested_shows_weights_roundings_deductions_and_requirements(nested: scr.Standard) -> None:
    text = document.to_markdown(nested)
    sections = markdown_sections(text, nested)
    assert ("**Rounding**: every score rounded half even to 2 decimals, unless a group, indicator or item below "
            "rounds its own") in text
    assert "**Rounding**: truncate to 1 decimal: this group's score and every score inside it" in text
    assert "**Rounding**: half up to 0 decimals: its score" in sections["2.3.1"]
    assert ("**Score**: 40% × the sum of its items' scores: at most 4 points (its items' maxima add up to the "
            "total 10); a deduction item subtracts from it") in sections["A.1.1"]
    assert "**Weight**: 60% of the total 10: 6 × clamp(value, 0, 1), at most 6 points" in sections["A.1.1-a"]
    assert "its stars are reported and used by the rating, not scored" in sections["A.1.1-b"]
    assert ("**Deduction**: −0.5 per unit of the value (per incident), with no cap; taken off its indicator's "
            "score") in sections["A.1.1-c"]
    assert ("| 2 | 良好 | total ≥ 8 and indicator A.1.1 ≥ 3 points and item A.1.1-b ≥ 3 stars |") in text
    assert '| 1 | 合格 | group "网络" ≥ 3 points and indicator 2.3.1 ≥ 80% |' in text
    html = document.to_html(nested)
    assert '<a href="#indicator-A.1.1">A.1.1</a> ≥ 3 points' in html and '<a href="#item-A.1.1-b">' in html


def test_nested_shows_aggregation_redistribution_and_missing_values(nested: scr.Standard) -> None:
    text = document.to_markdown(nested)
    group = text.split("### A.1 网络", 1)[1].split("\n#", 1)[0]
    assert "**Aggregation**: geometric: M × Π sᵢ^wᵢ (0 when one scores 0), where M is the sum of its members'" in group
    assert ("**Not applicable**: redistributed: its applicable items share the whole weight in proportion to their "
            "maxima") in markdown_sections(text, nested)["A.1.1"]
    assert "| Name | Label | Kind | Unit | Part of | When missing |" in text
    assert "| `score` | 专家评分 | score 0 to 10 |  |  | zero |" in text
    assert "| `fibre` | 光纤入户用户数 | count | 户 | `households` | error |" in text
    assert "unrated, whatever its total, when the leaves that read an input it did not report carry " \
           "more than 30% of the total's maximum" in text
    flat = document.to_markdown(scr.load(CITY))
    assert "When missing" not in flat and "**Aggregation**" not in flat and "unrated, whatever" not in flat


ANCHORED = {**{p.name: p for p in SHIPPED}, "kitchen.scs": FIXTURES / "kitchen.scs", "mini.scs": FIXTURES / "mini.scs"}
HTML_ID = re.compile(r"[A-Za-z][A-Za-z0-9_:.\-]*")  # valid in HTML 4 as in HTML 5, and in a URL fragment


def anchored(name: str) -> scr.Standard:
    if name == "nested":
        return scr.loads(NESTED, "nested.scs")
    path = ANCHORED[name]
    return scr.load(path, root=path.parent if path.parent == FIXTURES else STANDARDS)


@pytest.mark.parametrize("name", [*ANCHORED, "nested"])
def test_every_id_is_valid_unique_and_every_link_lands(name: str) -> None:
    standard = anchored(name)
    root = html_tree(document.to_html(standard))
    ids = [str(e.get("id")) for e in root.iter() if e.get("id") is not None]
    assert len(ids) == len(set(ids)) and all(HTML_ID.fullmatch(i) for i in ids), ids
    for prefix, one in per_type(standard):
        codes = [*(i.code for i in one.syntax.all_indicators()), *one.indicator_codes]
        assert {f"{prefix}indicator-{c}" for c in codes} | {f"{prefix}item-{c}" for c in codes} >= {
            i for i in ids if i.startswith((f"{prefix}indicator-", f"{prefix}item-"))}
        assert all(f"{prefix}indicator-{c}" in ids or f"{prefix}item-{c}" in ids for c in codes)  # every code
        assert sum(i.startswith(f"{prefix}group-") for i in ids) == len(list(one.syntax.all_groups()))
    hrefs = {str(a.get("href")) for a in root.iter("a")}
    assert hrefs and all(h.startswith("#") and h[1:] in ids for h in hrefs), sorted(hrefs - {f"#{i}" for i in ids})


def test_groups_of_every_level_are_in_the_contents(nested: scr.Standard) -> None:
    nav = html_tree(document.to_html(nested)).find(".//nav")
    assert nav is not None
    shown = "".join(nav.itertext())
    assert all(group.name in shown for group in nested.syntax.all_groups())
    assert len(list(nested.syntax.all_groups())) > len(nested.syntax.groups)  # some are nested

# ---------------------------------------------------------------- formulas as written
def shape(element: ET.Element) -> str:
    """A MathML element as a compact string: `mfrac(mn:1,mn:2)`; an `+` that opens a row is `mo:+infix`."""
    if len(element) == 0:
        return f"{element.tag}:{element.text or ''}{element.get('form', '')}"
    return f"{element.tag}({','.join(shape(child) for child in element)})"


def test_city_indicator_6_reads_as_written(city: scr.Standard, city_html: str, city_markdown: str) -> None:
    # weighted { 1/2: ratio(video_solved_cases, solved_criminal_cases), 1/2: video_service_score / 10 }
    solved, cases, score = (city.checked.inputs[name].label
                            for name in ("video_solved_cases", "solved_criminal_cases", "video_service_score"))
    math = next(e for block in html_sections(html_tree(city_html))["6"] for e in block.iter("math"))
    half = "mfrac(mn:1,mn:2)"
    assert shape(math[0]) == (  # two rows, one weighted term each, in the author's order
        f"mtable(mtr(mtd(mrow({half},mo:⋅,mfrac(mtext:{solved},mtext:{cases})))),"
        f"mtr(mtd(mrow(mo:+infix,mrow({half},mo:⋅,mfrac(mtext:{score},mn:10))))))")
    section = markdown_sections(city_markdown, city)["6"]
    assert (f"$$\n\\begin{{aligned}}\n&\\frac{{1}}{{2}} \\cdot \\frac{{\\text{{{solved}}}}}{{\\text{{{cases}}}}} \\\\\n"
            f"&+ \\frac{{1}}{{2}} \\cdot \\frac{{\\text{{{score}}}}}{{10}}\n\\end{{aligned}}\n$$") in section


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_every_shipped_formula_shows_its_terms_in_the_authors_order(path: Path) -> None:
    standard = scr.load(path, root=STANDARDS)  # the revision builds on ../ the 2019 file
    root = html_tree(document.to_html(standard))
    for prefix, one in per_type(standard):
        sections = html_sections(root, prefix)
        for item in one.checked.indicators:
            assert item.syntax.value is not None
            (math,) = [e for block in sections[item.code] for e in block.iter("math")]
            assert list(shown_terms(math)) == written_terms(item.syntax.value, one.checked.inputs), item.code
            assert adjacent_tokens(math) == [], item.code  # an operator between every number and label


def test_publishing_does_not_import_sympy() -> None:
    """Formulas come from the syntax tree as written; sympy (which reorders them) stays with the analyses."""
    code = "import sys, smartcity_rules.document; print('sympy' in sys.modules)"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "False"


# ---------------------------------------------------------------- in a real browser
# Added to a copy of the page only (the document itself has no script): it measures what Chromium laid out.
MEASURE = """<script>
const boxes = [...document.querySelectorAll(".formula")].map(box => {
  const content = box.querySelector("math").firstElementChild.getBoundingClientRect();
  const inner = box.getBoundingClientRect().right - parseFloat(getComputedStyle(box).paddingRight);
  return {scroll: box.scrollWidth, client: box.clientWidth, right: content.right, inner: inner};
});
const page = {scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth};
const out = document.createElement("pre");
out.id = "measured";
out.textContent = JSON.stringify({page: page, formulas: boxes});
document.body.appendChild(out);
</script>"""


@needs_chromium
@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_no_formula_overflows_a_1280px_page_in_chromium(path: Path, tmp_path: Path) -> None:
    standard = scr.load(path, root=STANDARDS)  # the revision builds on ../ the 2019 file
    page = tmp_path / "page.html"
    page.write_text(document.to_html(standard).replace("</body>", MEASURE + "</body>"), "utf-8")
    browser = chromium(page, tmp_path / "profile", "--dump-dom")
    found = re.search(r'<pre id="measured">(.*?)</pre>', browser.stdout)
    assert found is not None, browser.stderr[-2000:]
    measured = json.loads(html.unescape(found.group(1)))
    codes = [code for _, one in per_type(standard) for code in one.indicator_codes]
    assert len(measured["formulas"]) == len(codes)
    assert measured["page"]["scroll"] <= measured["page"]["client"]
    wide = [(code, box) for code, box in zip(codes, measured["formulas"], strict=True)
            if box["scroll"] > box["client"] or box["right"] > box["inner"] + 0.5]
    assert wide == []


def test_an_unknown_document_format_is_not_found(mini: scr.Standard) -> None:
    # It raised KeyError from the writers' table (issue 10, item 7).
    with pytest.raises(scr.NotFound, match="no document format 'pdf'"):
        document.render_document(mini, "pdf")
