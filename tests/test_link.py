from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import attrs
import pytest

import smartcity_rules as scr
from smartcity_rules.language import syntax as s
from smartcity_rules.language.check import check
from smartcity_rules.language.link import MAX_LINKED_FILES, MAX_USE_DEPTH, link
from smartcity_rules.language.parse import parse
from smartcity_rules.language.source import Source

BASE = """standard "Base" { level city total 4 }
input households "总户数": count "户"
input fibre "光纤入户用户数": count "户", part of households
input other "其他": count
bands rates = at least 50%, 60%, 70%, 80%, 90% provisional
group "G" points 4 {
    indicator 1 ★ "光纤入户率" {
        description "光纤入户用户数/区域内总户数。"
        note "base note"
        value ratio(fibre, households)
        stars rates
        points 2
    }
    indicator 2 "其他" { value other stars at least 1, 2, 3, 4, 5 points 2 }
}
"""


def files_reader(files: Mapping[str, str]):
    """A `read` for link() that serves texts by file name, naming each source by it."""
    def read(path: Path) -> s.StandardFile:
        if path.name not in files:
            raise scr.InvalidStandard([scr.Diagnostic("E0100", f"cannot read standard: no file {path.name}",
                                                      Source(path.name, "").span(0, 0))])
        return parse(files[path.name], path.name)
    return read


def linked(text: str, **files: str) -> s.StandardFile:
    return link(parse(text, "county.scs"), read=files_reader({"base.scs": BASE, **files}))


def county(body: str, *, total: int = 2, inputs: str = "", uses: str = 'use "base.scs" as city\n') -> str:
    return (f'standard "County" {{ level county total {total} }}\n{uses}{inputs}'
            f'group "G" points {total} {{\n{body}\n}}\n')


def only(tree: s.StandardFile) -> s.Indicator:
    (indicator,) = tree.groups[0].indicators
    assert isinstance(indicator, s.Indicator)
    return indicator


def base_indicator(code: str) -> s.Indicator:
    (found,) = [i for i in parse(BASE).groups[0].indicators if isinstance(i, s.Indicator) and i.code == code]
    return found


# ---------------------------------------------------------------- meaning
def test_a_reused_indicator_is_the_base_one_renumbered() -> None:
    taken = only(linked(county("indicator 7 from city 1")))
    bands = parse(BASE).bands[0].bands
    assert taken == attrs.evolve(base_indicator("1"), code="7", stars=bands)
    assert taken.origin == s.Origin("base.scs", "city", "1", ())
    assert taken.span.source.name == "county.scs"  # the reuse line, for errors about the whole
    assert taken.value is not None and taken.value.span.source.name == "base.scs"


def test_an_override_changes_only_what_it_names() -> None:
    taken = only(linked(county('indicator 7 from city 1 "县级光纤" provisional {\n'
                               "    points 2\n    stars at least 10%, 20%, 30%, 40%, 50%\n"
                               '    note "county note"\n}')))
    original = base_indicator("1")
    assert taken.name == "县级光纤" and taken.provisional and taken.leading
    assert taken.notes == ("base note", "county note")
    assert isinstance(taken.stars, s.StarBands) and taken.stars.thresholds[0].text == "10%"
    assert taken.origin is not None and taken.origin.replaced == ("points", "stars")
    unchanged = ("description", "value", "points", "deduction", "zero_policy", "better")
    assert all(getattr(taken, f) == getattr(original, f) for f in unchanged)


def test_a_mark_on_the_reuse_line_adds_leading() -> None:
    taken = only(linked(county("indicator 7 ★ from city 2")))
    assert taken.leading and not base_indicator("2").leading


def test_inputs_come_along_with_their_wholes_and_local_declarations_win() -> None:
    tree = linked(county("indicator 7 from city 1", inputs='input households "区域内总户数": count "户"\n'))
    labels = {d.name: d.label for d in tree.inputs}
    assert labels == {"households": "区域内总户数", "fibre": "光纤入户用户数"}
    assert "other" not in labels  # only what the reused formulas read


def test_named_bands_resolve_where_the_indicator_was_written() -> None:
    local = "bands rates = at least 1%, 2%, 3%, 4%, 5%\n"
    taken = only(linked(county("indicator 7 from city 1", inputs=local)))
    assert isinstance(taken.stars, s.StarBands) and taken.stars.thresholds[0].text == "50%"


def test_a_reused_standard_evaluates_like_its_base(tmp_path: Path) -> None:
    (tmp_path / "base.scs").write_text(BASE, encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "county.scs").write_text(
        county("indicator 1 from city 1\nindicator 2 from city 2", total=4, uses='use "../base.scs" as city\n'),
        encoding="utf-8")
    record = {"households": 200, "fibre": 150, "other": 3}
    # `../` leaves the county's folder: the caller names the folder that holds both.
    base, reused = scr.load(tmp_path / "base.scs"), scr.load(tmp_path / "sub" / "county.scs", root=tmp_path)
    assert [(i.value, i.stars, i.points) for i in reused.evaluate(record).indicators] == [
        (i.value, i.stars, i.points) for i in base.evaluate(record).indicators]


def test_text_with_use_lines_resolves_paths_beside_its_name(tmp_path: Path) -> None:
    (tmp_path / "base.scs").write_text(BASE, encoding="utf-8")
    standard = scr.loads(county("indicator 7 from city 1"), str(tmp_path / "county.scs"))
    assert standard.indicator_numbers == (7,)


def test_chains_and_shared_bases_link_once() -> None:
    middle = county("indicator 3 from city 1", uses='use "base.scs" as city\n').replace('"County"', '"Middle"')
    top = county("indicator 9 from mid 3\nindicator 8 from city 2", total=4,
                 uses='use "middle.scs" as mid\nuse "base.scs" as city\n')
    reads: list[str] = []
    read = files_reader({"base.scs": BASE, "middle.scs": middle})

    def counting(path: Path) -> s.StandardFile:
        reads.append(path.name)
        return read(path)

    tree = link(parse(top, "top.scs"), read=counting)
    codes = [i.code for i in tree.groups[0].indicators]
    assert codes == ["9", "8"] and sorted(reads) == ["base.scs", "middle.scs"]
    first = tree.groups[0].indicators[0]
    assert isinstance(first, s.Indicator) and first.origin == s.Origin("middle.scs", "mid", "3", ())


def test_a_standard_without_use_lines_is_returned_as_is() -> None:
    tree = parse(BASE, "base.scs")
    assert link(tree) is tree


# ---------------------------------------------------------------- errors
CYCLE_A = 'standard "A" { level city total 2 }\nuse "b.scs" as b\ngroup "G" points 2 { indicator 1 from b 1 }\n'
CYCLE_B = 'standard "B" { level city total 2 }\nuse "county.scs" as a\ngroup "G" points 2 { indicator 1 from a 1 }\n'

# A chain of standards each building on the next: county.scs, then c1.scs ... c8.scs.
CHAIN = {f"c{i}.scs": f'standard "C{i}" {{ level city }}\nuse "c{i + 1}.scs" as c\n' for i in range(1, 9)}

ERRORS = {
    "E0241": (county("indicator 7 from town 1"), {}),
    "E0242": (county("indicator 7 from city 12"), {}),
    "E0243": (county("indicator 7 from city 1", uses='use "missing.scs" as city\n'), {}),
    "E0244": (CYCLE_A, {"b.scs": CYCLE_B}),
    "E0245": (county("indicator 7 from city 1", inputs='input fibre "光纤": area "平方公里"\n'), {}),
    "E0246": (county("indicator 7 from city 1", uses='use "base.scs" as city\nuse "base.scs" as city\n'), {}),
    "E0250": (county("indicator 7 from city 1", uses='use "/etc/passwd" as city\n'), {}),
    "E0251": (county("indicator 7 from city 1", uses='use "../base.scs" as city\n'), {}),
    "E0252": (county("indicator 7 from city 1", uses='use "." as city\n'), {}),
    "E0253": ('standard "M" { level city }\nuse "c1.scs" as c\n', CHAIN),
}


@pytest.mark.parametrize("code", sorted(ERRORS))
def test_each_link_error(code: str, golden) -> None:
    text, files = ERRORS[code]
    with pytest.raises(scr.InvalidStandard) as caught:
        linked(text, **files)
    assert [d.code for d in caught.value.diagnostics] == [code]
    golden.check(f"link/{code}.txt", caught.value.diagnostics[0].render() + "\n")


def test_a_use_chain_stops_at_its_limit() -> None:
    # Regression: each link nests a parse and a link in Python's stack; a chain of 400
    # standards ended in a Lark VisitError around a RecursionError.
    chain = {f"c{i}.scs": f'standard "C{i}" {{ level city }}\nuse "c{i + 1}.scs" as c\n' for i in range(1, 400)}
    with pytest.raises(scr.InvalidStandard) as caught:
        linked('standard "M" { level city }\nuse "c1.scs" as c\n', **chain)
    (error,) = caught.value.diagnostics
    assert error.code == "E0253" and error.span is not None
    assert error.span.source.name == f"c{MAX_USE_DEPTH - 1}.scs"


def test_a_chain_as_long_as_allowed_links() -> None:
    end = f"c{MAX_USE_DEPTH - 1}.scs"
    chain = {name: text for name, text in CHAIN.items() if name < end} | {end: 'standard "E" { level city }\n'}
    assert linked('standard "M" { level city }\nuse "c1.scs" as c\n', **chain).uses


def test_no_more_standards_are_linked_than_the_limit() -> None:
    uses = "".join(f'use "b{i}.scs" as b{i}\n' for i in range(MAX_LINKED_FILES + 5))
    files = {f"b{i}.scs": 'standard "B" { level city }\n' for i in range(MAX_LINKED_FILES + 5)}
    with pytest.raises(scr.InvalidStandard) as caught:
        linked('standard "M" { level city }\n' + uses, **files)
    assert [d.code for d in caught.value.diagnostics] == ["E0253"] * 5
    assert caught.value.diagnostics[0].message == f"more than {MAX_LINKED_FILES} standards to link"


def test_checking_an_unlinked_tree_says_so(golden) -> None:
    with pytest.raises(scr.InvalidStandard) as caught:
        check(parse(county("indicator 7 from city 1"), "county.scs"))
    assert [d.code for d in caught.value.diagnostics] == ["E0247"]
    golden.check("check/E0247.txt", caught.value.diagnostics[0].render() + "\n")


def test_errors_in_a_base_point_into_the_base_file() -> None:
    broken = BASE.replace("ratio(fibre, households)", "ratio(fibres, households)")
    tree = link(parse(county("indicator 7 from city 1"), "county.scs"), read=files_reader({"base.scs": broken}))
    with pytest.raises(scr.InvalidStandard) as caught:
        check(tree)
    (error,) = caught.value.diagnostics
    assert error.code == "E0210" and error.span is not None
    assert error.span.location.startswith("base.scs:")


def test_syntax_errors_in_a_base_are_reported_as_the_base_file_s() -> None:
    with pytest.raises(scr.InvalidStandard) as caught:
        link(parse(county("indicator 7 from city 1"), "county.scs"),
             read=files_reader({"base.scs": BASE.replace("level city", "level city {")}))
    assert caught.value.diagnostics[0].code == "E0101"
    assert str(caught.value).startswith("base.scs:")


def test_a_missing_base_is_reported_once_not_per_indicator() -> None:
    with pytest.raises(scr.InvalidStandard) as caught:
        linked(county("indicator 7 from city 1\nindicator 8 from city 2", uses='use "nope.scs" as city\n'))
    assert [d.code for d in caught.value.diagnostics] == ["E0243"]


def test_an_explanation_says_where_a_reused_indicator_was_written(tmp_path: Path) -> None:
    (tmp_path / "base.scs").write_text(BASE, encoding="utf-8")
    (tmp_path / "county.scs").write_text(county("indicator 7 from city 1 { points 2 }"), encoding="utf-8")
    record = {"entity": "A", "households": 10, "fibre": 9}
    explanation = scr.load(tmp_path / "county.scs").explain([record], "A", 7)
    assert explanation.origin == "indicator 1 of `city` (base.scs), replacing its points"
    assert "from:     indicator 1 of `city`" in explanation.render()
    assert explanation.to_dict()["origin"] == explanation.origin
