"""The published document: every indicator, formula, band and provisional value, in Markdown and HTML,
with author text escaped."""

from __future__ import annotations

import html
import io
import json
import re
import shutil
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


# ---------------------------------------------------------------- helpers
def html_tree(text: str) -> ET.Element:
    """The HTML file parsed as XML: proves it well-formed (every tag closed, no stray `&` or `<`)."""
    assert text.startswith("<!DOCTYPE html>\n")
    return ET.fromstring(text.removeprefix("<!DOCTYPE html>\n"))


def html_sections(root: ET.Element) -> dict[int, list[ET.Element]]:
    """The blocks of each indicator, by number: from its <h3> up to the next heading."""
    main_element = root.find("body/main")
    assert main_element is not None
    sections: dict[int, list[ET.Element]] = {}
    current: list[ET.Element] | None = None
    for element in main_element:
        if element.tag in ("h1", "h2", "h3"):
            current = None
        if element.tag == "h3":
            current = sections.setdefault(int(element.get("id", "").removeprefix("indicator-")), [])
        if current is not None:
            current.append(element)
    return sections


def markdown_sections(text: str) -> dict[int, str]:
    """The Markdown of each indicator, by number: from its `### N` heading up to the next heading."""
    found = re.findall(r"^### (\d+) (.*?)(?=^##)", text, re.MULTILINE | re.DOTALL)
    return {int(number): body for number, body in found}


def text_of(elements: list[ET.Element]) -> str:
    return "".join("".join(e.itertext()) for e in elements)


def provisional_of(number: int, standard: scr.Standard) -> list[str]:
    return [what for what in standard.provisional if what.startswith(f"indicator {number} ")]


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


# ---------------------------------------------------------------- the city standard, Markdown
def test_markdown_has_every_indicator_with_its_formula(city: scr.Standard, city_markdown: str) -> None:
    sections = markdown_sections(city_markdown)
    assert sorted(sections) == sorted(city.indicator_numbers) and len(sections) == 49
    for item in city.checked.indicators:
        assert item.syntax.value is not None
        section = sections[item.number]
        assert f"`{render(item.syntax.value)}`" in section, item.number
        assert f"$$\n{document.latex(item.syntax.value, city.checked.inputs)}\n$$" in section, item.number


def test_markdown_headings_carry_name_and_leading_mark(city: scr.Standard, city_markdown: str) -> None:
    for item in city.checked.indicators:
        star = "★ " if item.syntax.leading else ""
        assert re.search(rf"^### {item.number} {star}{re.escape(item.syntax.name)}( †)?$", city_markdown,
                         re.MULTILINE), item.number


def test_markdown_bands_points_and_deductions(city: scr.Standard, city_markdown: str) -> None:
    sections = markdown_sections(city_markdown)
    for item in city.checked.indicators:
        section, ind = sections[item.number], item.syntax
        if item.bands is not None:
            sign = "≥" if item.bands.rule is s.BandRule.AT_LEAST else "≤"
            cells = " | ".join(f"{sign} {t.text}" for t in item.bands.thresholds)
            assert f"| {item.bands.rule.value}" in section and f"| {cells} |" in section, item.number
        if ind.points is not None:
            assert f"**Points**: {ind.points.maximum.text} ×" in section, item.number
        if ind.deduction is not None:
            assert f"**Deduction**: −{ind.deduction.each.text} per unit" in section
            assert f"at most −{ind.deduction.cap.text}" in section


def test_markdown_flags_each_provisional_value_of_each_indicator(city: scr.Standard, city_markdown: str) -> None:
    sections = markdown_sections(city_markdown)
    for number, section in sections.items():
        assert section.count("†") == len(provisional_of(number, city)), number


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


# ---------------------------------------------------------------- the city standard, HTML
def test_html_is_well_formed_and_self_contained(city_html: str) -> None:
    html_tree(city_html)
    for remote in ("<script", "<link", "src=", "url(", "http://", "https://", "@import"):
        assert remote not in city_html, remote


def test_html_has_every_indicator_with_mathml_and_plain_formula(city: scr.Standard, city_html: str) -> None:
    sections = html_sections(html_tree(city_html))
    assert sorted(sections) == sorted(city.indicator_numbers)
    for item in city.checked.indicators:
        assert item.syntax.value is not None
        formulas = [e for e in sections[item.number] if e.get("class") == "formula"]
        assert len(formulas) == 1, item.number
        plain = render(item.syntax.value)
        math = formulas[0].find("math")
        assert formulas[0].get("title") == plain and math is not None and math.get("alttext") == plain
        assert math.get("display") == "block" and len(math) == 1  # one element: a row, a table of rows, a token
        shown = "".join(math.itertext())
        assert all(label in shown for label in used_labels(item, city)), item.number
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
    for number, elements in html_sections(root).items():
        marks = [str(e.get("data-provisional")) for el in elements for e in el.iter("span")
                 if e.get("data-provisional")]
        assert sorted(marks) == sorted(provisional_of(number, city)), number


def test_html_bands_table_per_indicator(city: scr.Standard, city_html: str) -> None:
    sections = html_sections(html_tree(city_html))
    for item in city.checked.indicators:
        tables = [e for e in sections[item.number] if e.tag == "table"]
        if item.bands is None:
            assert tables == [] and item.syntax.deduction is not None
            continue
        cells = ["".join(td.itertext()) for td in tables[0].iter("td")]
        sign = "≥" if item.bands.rule is s.BandRule.AT_LEAST else "≤"
        assert cells[1:] == [f"{sign} {t.text}" for t in item.bands.thresholds], item.number
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
    assert sorted(html_sections(root)) == sorted(standard.indicator_numbers)
    assert len(list(root.iter("math"))) == len(standard.indicator_numbers)
    assert {e.get("data-provisional") for e in root.iter("span") if e.get("data-provisional")} == set(
        standard.provisional)
    assert sorted(markdown_sections(document.to_markdown(standard))) == sorted(standard.indicator_numbers)


def test_reused_indicators_say_where_they_come_from() -> None:
    county = scr.load(STANDARDS / "shandong-county-2019.scs")
    sections = markdown_sections(document.to_markdown(county))
    reused = [item.syntax for item in county.checked.indicators if item.syntax.origin is not None]
    assert reused
    for ind in reused:
        assert ind.origin is not None
        assert f"**Taken from**: indicator {ind.origin.number} of `{ind.origin.alias}`" in sections[ind.number]


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
    math = next(e for block in html_sections(html_tree(city_html))[6] for e in block.iter("math"))
    half = "mfrac(mn:1,mn:2)"
    assert shape(math[0]) == (  # two rows, one weighted term each, in the author's order
        f"mtable(mtr(mtd(mrow({half},mo:⋅,mfrac(mtext:{solved},mtext:{cases})))),"
        f"mtr(mtd(mrow(mo:+infix,mrow({half},mo:⋅,mfrac(mtext:{score},mn:10))))))")
    section = markdown_sections(city_markdown)[6]
    assert (f"$$\n\\begin{{aligned}}\n&\\frac{{1}}{{2}} \\cdot \\frac{{\\text{{{solved}}}}}{{\\text{{{cases}}}}} \\\\\n"
            f"&+ \\frac{{1}}{{2}} \\cdot \\frac{{\\text{{{score}}}}}{{10}}\n\\end{{aligned}}\n$$") in section


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_every_shipped_formula_shows_its_terms_in_the_authors_order(path: Path) -> None:
    standard = scr.load(path, root=STANDARDS)  # the revision builds on ../ the 2019 file
    sections = html_sections(html_tree(document.to_html(standard)))
    for item in standard.checked.indicators:
        assert item.syntax.value is not None
        (math,) = [e for block in sections[item.number] for e in block.iter("math")]
        assert list(shown_terms(math)) == written_terms(item.syntax.value, standard.checked.inputs), item.number
        assert adjacent_tokens(math) == [], item.number  # an operator between every number and label


def test_publishing_does_not_import_sympy() -> None:
    """Formulas come from the syntax tree as written; sympy (which reorders them) stays with the analyses."""
    code = "import sys, smartcity_rules.document; print('sympy' in sys.modules)"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "False"


# ---------------------------------------------------------------- in a real browser
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="needs a headless Chromium on PATH (Debian: apt-get install chromium fonts-noto-cjk)")
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
    assert CHROMIUM is not None
    standard = scr.load(path, root=STANDARDS)  # the revision builds on ../ the 2019 file
    page = tmp_path / "page.html"
    page.write_text(document.to_html(standard).replace("</body>", MEASURE + "</body>"), "utf-8")
    browser = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path / 'profile'}",
         "--window-size=1280,900", "--virtual-time-budget=5000", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False)
    found = re.search(r'<pre id="measured">(.*?)</pre>', browser.stdout)
    assert found is not None, browser.stderr[-2000:]
    measured = json.loads(html.unescape(found.group(1)))
    assert len(measured["formulas"]) == len(standard.indicator_numbers)
    assert measured["page"]["scroll"] <= measured["page"]["client"]
    wide = [(number, box) for number, box in zip(standard.indicator_numbers, measured["formulas"])
            if box["scroll"] > box["client"] or box["right"] > box["inner"] + 0.5]
    assert wide == []


def test_an_unknown_document_format_is_not_found(mini: scr.Standard) -> None:
    # It raised KeyError from the writers' table (issue 10, item 7).
    with pytest.raises(scr.NotFound, match="no document format 'pdf'"):
        document.render_document(mini, "pdf")
