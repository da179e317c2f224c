"""The HTML report of a scored cohort (publish/cohort_report.py): its content, and the page as Chromium runs it."""

from __future__ import annotations

import html
import io
import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

import smartcity_rules as scr
from smartcity_rules import document
from smartcity_rules.cli import main
from smartcity_rules.publish import charts, cohort_report
from smartcity_rules.results.display import show_number

from .browser import chromium, needs_chromium
from .conftest import FIXTURES, STANDARDS, mini_record

EXAMPLES = STANDARDS / "examples"
SHIPPED = {  # every shipped standard -> its bundled cohort
    "shandong-city-2019.scs": "city-cohort.json",
    "examples/shandong-city-revised.scs": "city-cohort.json",
    "shandong-county-2019.scs": "county-cohort.json",
    "shandong-community-2019.scs": "community-cohort.json",
    "china-smart-city-evaluation-2016.scs": "national-cohort.json",
    "examples/digital-development-index.scs": "index-cohort.json",
    "examples/digital-development-zscore.scs": "zscore-cohort.json",
    "examples/county-and-city.scs": "county-and-city-cohort.json",
}
HOSTILE_ENTITY = "<script>alert(1)</script>"
HOSTILE_NAME = '"><img src=x onerror=alert(2)>'


def scored(name: str) -> tuple[scr.Standard, tuple[scr.Evaluation, ...]]:
    standard = scr.load(STANDARDS / name, root=STANDARDS)
    return standard, standard.evaluate_cohort(scr.read_records(EXAMPLES / SHIPPED[name]))


@pytest.fixture(scope="module")
def mini() -> scr.Standard:
    return scr.load(FIXTURES / "mini.scs")


@pytest.fixture(scope="module")
def hostile() -> tuple[scr.Standard, tuple[scr.Evaluation, ...]]:
    """The small standard with an indicator named to break out of an attribute, and an entity named as a script."""
    quoted = '"' + HOSTILE_NAME.replace('"', '\\"') + '"'  # as written inside an .scs string
    text = (FIXTURES / "mini.scs").read_text("utf-8").replace('"家庭光纤入户率"', quoted)
    standard = scr.loads(text, "hostile.scs")
    return standard, standard.evaluate_cohort([mini_record(entity=HOSTILE_ENTITY), mini_record(entity="B", apps=30)])


def without_plotly_js(page: str) -> str:
    """The page less the inlined plotly.min.js, whose own source is not author or data text."""
    return page.replace(charts.plotly_js(), "")


# ---------------------------------------------------------------- what the report says
def test_ranking_is_by_total_with_ties_sharing_a_place(mini: scr.Standard) -> None:
    evaluations = mini.evaluate_cohort([mini_record(entity="A", fibre=60), mini_record(entity="B"),
                                        mini_record(entity="C"), mini_record(entity="D", fibre=10)])
    report = cohort_report.build(mini, evaluations)
    totals = [e.total for e in sorted(evaluations, key=lambda e: -e.total)]
    assert report.ranking[0].entity in ("B", "C") and report.ranking[-1].entity == "D"
    assert [row.place for row in report.ranking] == [1, 1, 3, 4] and totals[0] == totals[1] > totals[2]


def test_each_entity_has_its_groups_beside_the_cohorts_exact_median() -> None:
    standard, evaluations = scored("shandong-city-2019.scs")
    report = cohort_report.build(standard, evaluations)
    for section in report.entities:
        own = next(e for e in evaluations if e.entity == section.entity)
        assert [row.name for row in section.groups] == [g.name for g in own.groups if g.name in TOP_CITY_GROUPS]
        for row in section.groups:
            points = sorted(e.group(row.name).points for e in evaluations)
            middle = (points[7] + points[8]) / 2  # 16 cities: the mean of the middle two, exactly
            assert (row.points, row.median) == (show_number(own.group(row.name).points), show_number(middle))


TOP_CITY_GROUPS = ("基础设施", "数字惠民", "数字政务", "数字经济", "保障措施", "地方特色")


def test_the_next_rating_lists_what_it_lacks() -> None:
    standard, evaluations = scored("shandong-city-2019.scs")
    report = cohort_report.build(standard, evaluations)
    by_name = {e.entity: e for e in evaluations}
    for section in report.entities:
        rating = by_name[section.entity].rating
        assert rating is not None
        above = [level for level in rating.levels if level.rank > rating.rank]
        if not above:
            assert section.next_level is None and section.rating == rating.name
            continue
        assert section.next_level == above[-1].name
        assert [s.requirement for s in section.shortfalls] == [r.text for r in above[-1].failed] != []


def test_rating_distribution_counts_every_entity_at_its_level() -> None:
    standard, evaluations = scored("shandong-county-2019.scs")
    figure = next(c for c in cohort_report.build(standard, evaluations).charts if c.id == "chart-ratings").figure
    (bars,) = figure["data"]
    counted = dict(zip(figure["layout"]["xaxis"]["ticktext"], bars["y"], strict=True))
    assert sum(counted.values()) == len(evaluations)
    for name, count in counted.items():
        at_level = [e for e in evaluations if ((e.rating and e.rating.name) or "unrated") == html.unescape(name)]
        assert count == len(at_level)


def test_heat_map_has_the_stars_of_every_banded_indicator_for_every_entity() -> None:
    standard, evaluations = scored("shandong-city-2019.scs")
    report = cohort_report.build(standard, evaluations)
    (cells,) = next(c for c in report.charts if c.id == "chart-stars").figure["data"]
    banded = [info for info in standard.indicators if info.bands is not None]
    ranked = {row.entity: k for k, row in enumerate(report.ranking)}
    assert len(cells["z"]) == len(banded)
    for info, row in zip(banded, cells["z"], strict=True):
        for evaluation in evaluations:
            result = evaluation.indicator(info.code)
            expected = result.stars if result.status is scr.Status.SCORED else None
            assert row[ranked[evaluation.entity]] == expected


def test_a_typed_standard_reports_each_entity_type_as_a_cohort_of_its_own() -> None:
    standard, evaluations = scored("examples/county-and-city.scs")
    report = cohort_report.build(standard, evaluations)
    assert [c.entity_type for c in report.cohorts] == list(standard.entity_types)
    for cohort in report.cohorts:
        own = [e for e in evaluations if e.entity_type == cohort.entity_type]
        assert sorted(row.entity for row in cohort.ranking) == sorted(e.entity for e in own)
        assert [row.total for row in cohort.ranking] == [show_number(t) for t in sorted((e.total for e in own),
                                                                                          reverse=True)]
        assert cohort.ranking[0].place == 1  # ranked among its own kind
    ids = [chart.id for chart in report.charts]
    assert len(ids) == len(set(ids)) and len({s.anchor for s in report.entities}) == len(evaluations)


def test_provisional_values_are_marked(mini: scr.Standard) -> None:
    evaluations = mini.evaluate_cohort([mini_record(), mini_record(entity="B")])
    body = without_plotly_js(document.cohort_report(mini, evaluations))
    assert "provisional: the rating rule" in body and "every total rests on the standard" in body
    heat_map = next(c for c in cohort_report.build(mini, evaluations).charts if c.id == "chart-stars")
    rows = heat_map.figure["layout"]["yaxis"]["ticktext"]
    assert "1 家庭光纤入户率 †" in rows  # indicator 1's star thresholds are provisional: its row says so
    assert "2 千兆与光纤" in rows


def test_a_standard_without_provisional_values_marks_nothing() -> None:
    standard, evaluations = scored("examples/digital-development-index.scs")
    assert not standard.provisional
    assert 'class="provisional"' not in without_plotly_js(cohort_report.to_html(standard, evaluations))


def test_the_page_is_self_contained(mini: scr.Standard) -> None:
    page = document.cohort_report(mini, mini.evaluate_cohort([mini_record()]))
    fetched = Fetched()
    fetched.feed(page)
    assert fetched.found == [] and "plotly.js v" in page and charts.plotly_js() in page


class Fetched(HTMLParser):
    """Every attribute of a page that would make a browser fetch something."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href", "srcset", "data", "action") and not (value or "").startswith("#"):
                self.found.append((tag, f"{name}={value}"))


def test_author_and_data_text_stays_text(hostile: tuple[scr.Standard, tuple[scr.Evaluation, ...]]) -> None:
    page = without_plotly_js(cohort_report.to_html(*hostile))
    assert HOSTILE_ENTITY not in page
    assert "<img" not in page  # the name is in the page only as text: `&lt;img`, or `\u003cimg` in JSON
    assert html.escape(HOSTILE_ENTITY) in page  # shown, escaped, in the ranking and the headings
    figures = re.search(r"const charts = (.*);\n", page)
    assert figures is not None and "<" not in figures.group(1)  # no tag can close the script it is in


def test_without_plotly_the_error_names_the_extra(mini: scr.Standard, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "plotly.graph_objects", None)  # as if plotly were not installed
    with pytest.raises(scr.MissingExtra, match=r"pip install 'smartcity_rules\[report\]'"):
        document.cohort_report(mini, mini.evaluate_cohort([mini_record()]))


def test_an_empty_cohort_is_not_found(mini: scr.Standard) -> None:
    with pytest.raises(scr.NotFound, match="at least one scored entity"):
        cohort_report.build(mini, ())


# ---------------------------------------------------------------- the command
def run(*argv: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], out, err)
    return code, out.getvalue(), err.getvalue()


def test_cli_report_writes_the_file(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    code, out, err = run("report", STANDARDS / "shandong-city-2019.scs", EXAMPLES / "city-cohort.json", "-o", target)
    assert (code, out, err) == (0, "", "")
    page = target.read_text("utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.count('<section class="entity"') == 16


def test_cli_report_unwritable_output_exits_1(tmp_path: Path) -> None:
    code, _, err = run("report", STANDARDS / "shandong-city-2019.scs", EXAMPLES / "city-cohort.json",
                       "-o", tmp_path / "no" / "r.html")
    assert code == 1 and "error: cannot write" in err


# ---------------------------------------------------------------- in a real browser
# Put before the page's own scripts in a copy of it: records every problem and every alert.
WATCH = """<script>
window.__problems = [];
const __record = (kind, args) => window.__problems.push(kind + ": " + Array.from(args, String).join(" "));
for (const level of ["error", "warn"]) {
  const original = console[level];
  console[level] = (...args) => { __record("console." + level, args); original.apply(console, args); };
}
window.alert = (...args) => __record("alert", args);
window.addEventListener("error", e => __record("error", [e.message || (e.target && e.target.outerHTML)]), true);
window.addEventListener("unhandledrejection", e => __record("rejection", [e.reason]));
</script>"""
# Put after them: what the page holds once its scripts ran, as JSON in the DOM Chromium dumps.
OBSERVE = """<script>
setTimeout(() => {
  const boxes = [...document.querySelectorAll("div[id^='chart-']")];
  const out = document.createElement("pre");
  out.id = "observed";
  out.textContent = JSON.stringify({
    problems: window.__problems,
    fetched: performance.getEntriesByType("resource").map(e => e.name),
    scripts: document.scripts.length,
    images: document.querySelectorAll("img, [onerror]").length,
    texts: [...document.querySelectorAll(".main-svg text")].map(t => t.textContent),
    charts: boxes.map(box => ({id: box.id, drawn: box.dataset.drawn === "yes",
                               svg: box.querySelectorAll(".main-svg").length,
                               bars: box.querySelectorAll("g.point path").length,
                               cells: box.querySelectorAll("g.hm image").length})),
  });
  document.body.appendChild(out);
}, 3000);
</script>"""


def observed(page: str, tmp_path: Path) -> dict[str, Any]:
    watched = tmp_path / "watched.html"
    watched.write_text(page.replace("<head>", "<head>\n" + WATCH, 1).replace("</body>", OBSERVE + "</body>"), "utf-8")
    browser = chromium(watched, tmp_path / "profile", "--dump-dom")
    found = re.search(r'<pre id="observed">(.*?)</pre>', browser.stdout, re.DOTALL)
    assert found is not None, browser.stderr[-2000:]
    result: dict[str, Any] = json.loads(html.unescape(found.group(1)))
    return result


@needs_chromium
@pytest.mark.parametrize("name", SHIPPED)
def test_every_chart_draws_without_console_errors_or_network(name: str, tmp_path: Path) -> None:
    standard, evaluations = scored(name)
    report = cohort_report.build(standard, evaluations)
    seen = observed(cohort_report.to_html(standard, evaluations), tmp_path)
    assert seen["problems"] == [] and seen["fetched"] == []
    assert [chart["id"] for chart in seen["charts"]] == [chart.id for chart in report.charts]
    for chart in seen["charts"]:
        assert chart["drawn"] and chart["svg"] >= 1, chart
        assert chart["cells"] == 1 if chart["id"].startswith("chart-stars") else chart["bars"] > 0, chart


@needs_chromium
@pytest.mark.parametrize("name", SHIPPED)
def test_the_screenshot_is_not_blank(name: str, tmp_path: Path) -> None:
    standard, evaluations = scored(name)
    page = tmp_path / "report.html"
    page.write_text(cohort_report.to_html(standard, evaluations), "utf-8")
    shot = tmp_path / "shot.png"
    chromium(page, tmp_path / "profile", f"--screenshot={shot}", size="1280,2400")
    with Image.open(shot) as image:
        pixels = image.convert("RGB")
        colours = pixels.getcolors(maxcolors=1 << 20) or []
        stars = {tuple(int(hex_[k:k + 2], 16) for k in (1, 3, 5)) for _, hex_ in charts.STAR_COLOURS[1:]}
        white = sum(count for count, colour in colours if colour == (255, 255, 255))
    assert len(colours) > 200  # text in two scripts, a bar chart and a heat map, not one flat colour
    assert white < 0.97 * pixels.width * pixels.height
    assert stars & {colour for _, colour in colours}  # the heat map's cells were painted


@needs_chromium
def test_hostile_text_cannot_inject_markup_or_script_in_chromium(
        hostile: tuple[scr.Standard, tuple[scr.Evaluation, ...]], tmp_path: Path) -> None:
    seen = observed(cohort_report.to_html(*hostile), tmp_path)
    assert seen["problems"] == []  # no alert ran, nothing failed to load
    assert seen["images"] == 0 and seen["scripts"] == 4  # WATCH, plotly.js, the charts, OBSERVE: no other
    assert any(HOSTILE_ENTITY in text for text in seen["texts"])  # the charts show the name as written
    assert any(HOSTILE_NAME in text for text in seen["texts"])
