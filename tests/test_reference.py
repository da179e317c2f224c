"""The independent reference evaluator (tests/reference/) and the library, number for number.

tests/reference/ is written from docs/language.md, docs/api.md and the grammar's comments, and
imports nothing of the library, so the two can only agree by both reading the docs the same
way. First the reference is held to the docs' own worked examples; then the two are compared on
the shipped standards and their bundled cohorts, and on generated cohorts of the fixtures. The
strict xfails at the end are the disagreements where the docs side with the reference: each is
a minimal reproducer of a library bug (or of a docs sentence the library does not follow).
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Callable, Iterator
from decimal import Decimal
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import smartcity_rules as scr
from smartcity_rules.testing import cohorts

from . import reference
from .conftest import FIXTURES, ROOT, STANDARDS
from .reference.compare import compare
from .reference.data import BadValue, read_number, read_value
from .reference.evaluate import round_half_up, stars
from .reference.model import Bands
from .reference.parse import parse

PACKAGE = Path(reference.__file__).resolve().parent
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SHIPPED = {  # standard -> its bundled cohort
    "shandong-city-2019.scs": "city-cohort",
    "shandong-county-2019.scs": "county-cohort",
    "shandong-community-2019.scs": "community-cohort",
    "china-smart-city-evaluation-2016.scs": "national-cohort",  # three levels, weights, items
    "examples/digital-development-index.scs": "index-cohort",  # cohort functions, gaps, geometric means
}
UNRATED = {"china-smart-city-evaluation-2016.scs"}  # the national annex publishes no rating rule
MINI_RECORD: dict[str, object] = {"entity": "A", "households": 100, "fibre": 90, "gigabit": 80,
                                  "has_group": True, "has_plan": False, "incidents": 1, "apps": 12}


@cache
def both(path: Path) -> tuple[scr.Standard, reference.RefStandard]:
    """The library's and the reference's reading of one file, loaded once per run."""
    return scr.load(path), reference.load(path)


def both_from_text(text: str) -> tuple[scr.Standard, reference.RefStandard]:
    return scr.loads(text, name=str(FIXTURES / "inline.scs")), reference.loads(text, FIXTURES)


# ---------------------------------------------------------------- independence


def _imports(tree: ast.AST) -> Iterator[tuple[str, int]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((alias.name, 0) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield node.module or "", node.level


def test_the_reference_imports_nothing_of_the_library() -> None:
    """Only the standard library and its own modules: not smartcity_rules, not tests/oracle.py;
    and sympy in roots.py alone, for square roots decided by another algebra than the library's."""
    sources = sorted(PACKAGE.rglob("*.py"))
    assert len(sources) >= 6
    for source in sources:
        tree = ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
        for module, level in _imports(tree):
            assert "smartcity_rules" not in module, (source.name, module)
            if (source.name, module) == ("roots.py", "sympy"):
                continue
            if level == 0:
                assert module.split(".")[0] in sys.stdlib_module_names, (source.name, module)
            else:
                assert level == 1, (source.name, module)  # nothing above tests/reference/
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, (ast.Name, ast.Attribute))]
        names = {getattr(c.func, "id", None) or getattr(c.func, "attr", None) for c in calls}
        assert not names & {"__import__", "import_module"}, source.name


# ---------------------------------------------------------------- the reference against the docs


def _language_blocks() -> list[tuple[str, str]]:
    text = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```scs\n(.*?)```", text, re.S)
    assert len(blocks) >= 10
    return [(block.splitlines()[0], block) for block in blocks]


def _as_file(first_line: str, block: str) -> list[str]:
    """A language.md block as complete files: fragments are placed where their comment says."""
    header = 'standard "T" { level city }\n'
    if first_line.startswith("standard"):
        return [block]
    if "top level" in first_line:
        return [header + block]
    if "indicator body" in first_line:
        return [f'{header}group "g" {{ indicator 1 "x" {{\n{block}\n}} }}']
    assert "formulas" in first_line, first_line
    formulas = [line for line in block.splitlines()[1:] if line.strip()]
    return [f'{header}group "g" {{ indicator 1 "x" {{ value {f} }} }}' for f in formulas]


@pytest.mark.parametrize(("first_line", "block"), _language_blocks(), ids=lambda v: v[:30])
def test_every_example_of_the_language_reference_parses(first_line: str, block: str) -> None:
    for text in _as_file(first_line, block):
        parse(text)


def test_an_indicator_body_fragment_of_items_is_read_as_the_indicators_items() -> None:
    """§9's `item` fragment is an indicator body: placed there, its items are indicator 1's."""
    (block,) = [block for first, block in _language_blocks() if "indicator body" in first and "item " in block]
    (text,) = _as_file("# fragment: indicator body", block)
    ((indicator,),) = [group.members for group in parse(text).groups]
    assert [(i.code, i.clauses.weight) for i in indicator.clauses.items] == [
        ("L1P1-A1", Fraction(3, 10)), ("L1P1-A2", Fraction(2, 5)), ("L1P1-A3", Fraction(3, 10))]


def test_the_language_references_full_example_agrees_with_the_library() -> None:
    full = [block for first, block in _language_blocks() if first.startswith("standard")][-1]
    library, ref = both_from_text(full)
    record = {"households": 100, "fibre_households": 90, "key_areas": 10, "areas_5g": 0, "areas_hd": 9,
              "cameras": 50, "cameras_ok": 45, "wifi_rate": "90%", "media_rate": 0.9, "remote_rate": "0.9",
              "has_group": True, "has_bureau": "是", "has_operator": "no", "has_meetings": 1, "has_system": 0,
              "talent_score": "7.5", "incidents": 2, "pilots": 3, "hosted_event": True, "hall_display": True}
    cohort = [{"entity": name, **record, "apps": apps} for name, apps in (("甲", 40), ("乙", 40), ("丙", 7))]
    assert compare(library, ref, cohort) == []
    first = ref.evaluate_cohort(cohort)[0]
    assert first["indicators"][15] == (Fraction(9, 10), 5, Fraction(4))  # three thirds of 0.9 reach 90%
    assert first["indicators"][18][0] == 1  # 40 apps, tied first
    assert first["groups"]["地方特色"] == 3  # 2 + 2 earned, capped at 3


COUNTY = """
standard "示例县标准" { level county total 10 }
input households "区域内总户数": count "户"
input fibre "光纤入户用户数": count "户", part of households
input online "政务服务网上可办率": rate
input revenue "软件业务收入": money "万元"
input expert "专家评分": score 0 to 10
input has_plan "是否发布规划": flag
input has_group "是否成立领导小组": flag
group "示例" points 10 {
    indicator 1 "家庭光纤入户率" { value ratio(fibre, households) stars at least 50%, 60%, 70%, 80%, 90% points 2 }
    indicator 2 "网上可办率" { value online stars at least 50%, 60%, 70%, 80%, 90% points 2 }
    indicator 3 "收入增幅" { value growth(revenue) stars at least 0%, 5%, 10%, 15%, 20% points 2 }
    indicator 4 "人才保障" { value expert stars at least 2, 4, 6, 8, 10 points 2 linear from 0 to 10 }
    indicator 5 "制度机制" { value checklist { has_plan: 1, has_group: 1 }
                             stars at least 0.4, 0.8, 1.2, 1.6, 2 points 2 }
}
"""


def test_the_reference_scores_the_api_docs_county_example() -> None:
    record = {"entity": "东山县", "households": 5000, "fibre": "4500", "online": "85%",
              "revenue": Decimal("1234.5"), "revenue@previous": 1100.0, "expert": Fraction(15, 2),
              "has_plan": "是", "has_group": True}
    (result,) = reference.loads(COUNTY, ".").evaluate_cohort([record])
    F = Fraction
    assert result["indicators"] == {1: (F(9, 10), 5, F(2)), 2: (F(17, 20), 4, F(8, 5)), 3: (F(269, 2200), 3, F(6, 5)),
                                    4: (F(15, 2), 3, F(3, 2)), 5: (F(2), 5, F(2))}
    assert (result["total"], result["rating"]) == (F(83, 10), None)


def test_the_reference_scores_the_api_docs_mini_cohort() -> None:
    ref = reference.load(FIXTURES / "mini.scs")
    b = {"entity": "B", "households": 0, "fibre": 0, "gigabit": 0, "has_group": "是", "has_plan": "否",
         "incidents": 0, "apps": 30}
    a_result, b_result = ref.evaluate_cohort([MINI_RECORD, b])
    assert b_result["indicators"][1] == (0, 0, 0)  # `on zero denominator: zero`: scored as 0
    assert b_result["indicators"][2] == (None, None, 0)  # `not applicable`
    assert a_result["indicators"][5] == (1, None, -1)  # a deduction
    assert a_result["groups"]["保障措施"] == Fraction(7, 5)
    assert a_result["rating"] == 3


BAD_MINI = [  # docs/api.md, "Errors": each bad cohort, the refusal's sort and input
    ({"fibre": 120}, "invalid", "fibre"),
    ({"fibre": -3}, "invalid", "fibre"),
    ({"gigabit": None}, "missing", "gigabit"),
    ({"fibrre": 90}, "unknown", "fibrre"),
]


@pytest.mark.parametrize(("change", "kind", "key"), BAD_MINI)
def test_the_reference_refuses_the_api_docs_bad_cohorts(change: dict[str, object], kind: str, key: str) -> None:
    record = {k: v for k, v in {**MINI_RECORD, **change}.items() if v is not None}
    library, ref = both(FIXTURES / "mini.scs")
    with pytest.raises(reference.RefDataError) as caught:
        ref.evaluate_cohort([record])
    assert (caught.value.entity, caught.value.kind, caught.value.input) == ("A", kind, key)
    assert compare(library, ref, [record]) == []


@pytest.mark.parametrize("blank", ["", "  ", "\t", "\u3000"])
def test_a_blank_string_is_missing_data(blank: str) -> None:
    """api.md: an empty string "is missing data" (said of flags); a blank CSV cell is left out too."""
    library, ref = both(FIXTURES / "mini.scs")
    for key in ("apps", "has_plan"):
        record = {**MINI_RECORD, key: blank}
        with pytest.raises(reference.RefMissing):
            ref.evaluate_cohort([record])
        assert compare(library, ref, [record]) == []


def test_the_reference_refuses_an_entity_twice() -> None:
    with pytest.raises(reference.RefDataError) as caught:
        reference.load(FIXTURES / "mini.scs").evaluate_cohort([MINI_RECORD, MINI_RECORD])
    assert (caught.value.entity, caught.value.input, caught.value.kind) == ("A", None, "data")


RATES = Bands("least", tuple(Fraction(p, 100) for p in (50, 60, 70, 80, 90)))
RANKS = Bands("most", tuple(Fraction(r) for r in (9, 7, 5, 3, 1)))


@pytest.mark.parametrize(("bands", "value", "expected"), [
    (RATES, Fraction(49, 100), 0), (RATES, Fraction(1, 2), 1), (RATES, Fraction(8999, 10000), 4),
    (RATES, Fraction(9, 10), 5), (RANKS, Fraction(10), 0), (RANKS, Fraction(6), 2), (RANKS, Fraction(1), 5),
])
def test_star_bands_of_the_language_reference(bands: Bands, value: Fraction, expected: int) -> None:
    assert stars(bands, value) == expected  # §7's worked values


def _one_indicator(clauses: str, kind: str = "measure", header: str = "") -> reference.RefStandard:
    return reference.loads(f'standard "T" {{ level city {header} }}\ninput v "v": {kind}\n'
                           f'group "g" {{ indicator 1 "x" {{ value v {clauses} }} }}', ".")


@pytest.mark.parametrize(("clauses", "value", "points"), [
    ("stars at least 1, 2, 3, 4, 5 points 3", "4", Fraction(12, 5)),
    ("stars at least 1, 2, 3, 4, 5 points 4 linear from 0 to 100%", "0.875", Fraction(7, 2)),
    ("stars at least 1, 2, 3, 4, 5 points 4 linear from 0 to 100%", "1.2", Fraction(4)),
    ("stars at most 5, 4, 3, 2, 1 points 4 linear from 1 to 0", "0.25", Fraction(3)),
    ("deduct 2 each, at most 6", "3", Fraction(-6)),
    ("deduct 2 each, at most 6", "5", Fraction(-6)),
    ("deduct 2 each, at most 6", "0", Fraction(0)),
])
def test_points_of_the_language_reference(clauses: str, value: str, points: Fraction) -> None:
    (result,) = _one_indicator(clauses).evaluate_cohort([{"v": value}])
    assert result["indicators"][1][2] == points  # §8's worked values


@pytest.mark.parametrize(("value", "decimals", "rounded"), [
    (Fraction("2.345"), 2, Fraction("2.35")), (Fraction("-2.345"), 2, Fraction("-2.35")),
    (Fraction("2.3449"), 2, Fraction("2.34")), (Fraction(10, 3), 2, Fraction("3.33")),
    (Fraction(5, 2), 0, Fraction(3)), (Fraction("4.125"), None, Fraction("4.125")),
])
def test_rounding_is_half_up(value: Fraction, decimals: int | None, rounded: Fraction) -> None:
    assert round_half_up(value, decimals) == rounded  # §12


def test_a_bonus_group_is_rounded_after_its_cap() -> None:
    """§12: "each group after its cap and weight" is rounded: `at most 4.125` with `rounding 2
    decimals` scores 4.13 (unrounded 4.125), and the total is formed from that."""
    ref = reference.loads('standard "T" { level city rounding 2 decimals }\ninput v "v": count\n'
                          'group "g" points 1 { indicator 1 "x" { value v stars at least 1,2,3,4,5 points 1 } }\n'
                          'bonus group "b" at most 4.125 {\n'
                          '    indicator 2 "y" { value v stars at least 1,2,3,4,5 points 5 }\n'
                          '}', ".")
    (result,) = ref.evaluate_cohort([{"v": 5}])
    assert result["groups"] == {"g": 1, "b": Fraction("4.13")}
    assert (result["nodes"]["b"].points, result["nodes"]["b"].unrounded) == (Fraction("4.13"), Fraction("4.125"))
    assert result["total"] == Fraction("5.13")


def test_ranks_are_competition_ranks() -> None:
    records = [{**MINI_RECORD, "entity": name, "apps": apps} for name, apps in zip("ABCD", (9, 7, 7, 3))]
    results = reference.load(FIXTURES / "mini.scs").evaluate_cohort(records)
    assert [r["indicators"][4][0] for r in results] == [1, 2, 2, 4]


COHORT = """
standard "T" {{ level city total 1 }}
input a "a": count
input b "b": count
group "g" points 1 {{ indicator 1 "x" {{ value {function}(a / b) points 1 linear from 0 to 1
                                         on zero denominator: not applicable }} }}
"""


@pytest.mark.parametrize(("function", "values"), [  # §5, over the values 9, 7, 7, 3 (and E's 0/0 left out)
    ("rank", [1, 2, 2, 4]), ("share", [Fraction(9, 26), Fraction(7, 26), Fraction(7, 26), Fraction(3, 26)]),
    ("minmax", [1, Fraction(2, 3), Fraction(2, 3), 0]), ("percentile", [1, Fraction(1, 3), Fraction(1, 3), 0]),
    ("to_best", [1, Fraction(7, 9), Fraction(7, 9), Fraction(1, 3)]), ("cohort_mean", [Fraction(13, 2)] * 4),
    ("cohort_median", [7] * 4), ("cohort_min", [3] * 4), ("cohort_max", [9] * 4),
])
def test_the_cohort_functions(function: str, values: list[Fraction]) -> None:
    records = [{"entity": e, "a": a, "b": b} for e, a, b in (("A", 9, 1), ("B", 14, 2), ("C", 7, 1), ("D", 3, 1),
                                                             ("E", 0, 0))]
    results = reference.loads(COHORT.format(function=function), ".").evaluate_cohort(records)
    assert [r["indicators"][1][0] for r in results] == [*values, None]


@pytest.mark.parametrize(("function", "values"), [("minmax", [5, 5]), ("percentile", [5]), ("to_best", [0, 0])])
def test_the_cohort_functions_zero_denominators(function: str, values: list[int]) -> None:
    """§6: `max e − min e` of equal values, `n − 1` of a cohort of one, `max e` of 0."""
    records = [{"entity": f"E{k}", "a": v, "b": 1} for k, v in enumerate(values)]
    results = reference.loads(COHORT.format(function=function), ".").evaluate_cohort(records)
    assert [r["indicators"][1] for r in results] == [(None, None, 0)] * len(values)


# ---------------------------------------------------------------- reading statistics (docs/api.md)


@pytest.mark.parametrize(("raw", "value"), [
    (12, Fraction(12)), (0.9, Fraction(9, 10)), (1100.0, Fraction(1100)), ("12.5", Fraction(25, 2)),
    ("85%", Fraction(17, 20)), ("2/3", Fraction(2, 3)), ("-2/3", Fraction(-2, 3)), (" 12 ", Fraction(12)),
    ("1,234", Fraction(1234)), ("1,234,567.5", Fraction(2469135, 2)), ("1e3", Fraction(1000)),
    ("+4", Fraction(4)), (Decimal("1234.5"), Fraction(2469, 2)), (Fraction(15, 2), Fraction(15, 2)),
    ("1e400", Fraction(10) ** 400),
])
def test_numbers_the_docs_accept(raw: object, value: Fraction) -> None:
    assert read_number(raw) == value


@pytest.mark.parametrize("raw", [
    True, float("nan"), float("inf"), Decimal("NaN"), Decimal("1E+401"), "1e401", "1,5", "1_000", "12,34",
    "١٢", "１２", "nan", "Infinity", "0x10", "2/0", "", " ", "1" * 1001, b"12", [1], "\u00a012",
])
def test_numbers_the_docs_refuse(raw: object) -> None:
    with pytest.raises(BadValue):
        read_number(raw)


@pytest.mark.parametrize(("kind", "raw"), [
    ("count", "12.5"), ("count", -1), ("rank", 0), ("rank", "1.5"), ("money", "-0.01"), ("rate", "1.2"),
    ("rate", "101%"), ("flag", "maybe"), ("flag", 2), ("flag", 1.0), ("count", True), ("score", "10.5"),
])
def test_values_outside_their_kind_are_refused(kind: str, raw: object) -> None:
    with pytest.raises(BadValue):
        read_value(kind, raw, Fraction(-10), Fraction(10))


@pytest.mark.parametrize("raw", [True, 1, "yes", "Y", "TRUE", "t", "1", "是", "有", "√", "✓"])
def test_yes_spellings(raw: object) -> None:
    assert read_value("flag", raw) == 1


@pytest.mark.parametrize("raw", [False, 0, "no", "N", "false", "F", "0", "否", "无", "×", "✗"])
def test_no_spellings(raw: object) -> None:
    assert read_value("flag", raw) == 0


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_json_reader(tmp_path: Path) -> None:
    decimals = _write(tmp_path, "a.json", '[{"entity": "A", "v": 0.1}]')
    assert reference.read_json(decimals) == [{"entity": "A", "v": "0.1"}]
    assert reference.read_json(_write(tmp_path, "b.json", '{"entities": [{"v": 1}]}')) == [{"v": 1}]
    assert reference.read_json(_write(tmp_path, "c.json", '\ufeff{"v": true}')) == [{"v": True}]
    for bad in ('[{"v": 1, "v": 2}]', '[{"v": NaN}]', '[{"v": Infinity}]', "[1]", "3", "[{"):
        with pytest.raises(reference.RefFileError):
            reference.read_json(_write(tmp_path, "bad.json", bad))


def test_the_csv_reader(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.csv", "\ufeffentity,v,w\n\nA,85%,\nB, 1 ,是\n")
    assert reference.read_csv(path) == [{"entity": "A", "v": "85%"}, {"entity": "B", "v": "1", "w": "是"}]
    for bad in ("entity,v,v\nA,1,2\n", "entity,v\nA,1,2\n", "entity,v\nA\n", ""):
        with pytest.raises(reference.RefFileError):
            reference.read_csv(_write(tmp_path, "bad.csv", bad))


# ---------------------------------------------------------------- the library and the reference


@pytest.mark.parametrize("suffix", [".json", ".csv"])
@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_the_readers_agree_on_the_bundled_cohorts(name: str, suffix: str) -> None:
    path = STANDARDS / "examples" / (SHIPPED[name] + suffix)
    assert [dict(r) for r in scr.read_records(path)] == reference.read_records(path)


@pytest.mark.parametrize("suffix", [".json", ".csv"])
@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_the_shipped_standards_agree_on_their_bundled_cohorts(name: str, suffix: str) -> None:
    library, ref = both(STANDARDS / name)
    records = [dict(r) for r in scr.read_records(STANDARDS / "examples" / (SHIPPED[name] + suffix))]
    assert len(records) >= 8
    assert compare(library, ref, records) == []
    assert all((result["rating"] is None) == (name in UNRATED) for result in ref.evaluate_cohort(records))


def _agrees(path: Path, draw: Callable[[Any], Any], **options: Any) -> None:
    library, ref = both(path)
    cohort = draw(cohorts(library, zeros=True, **options))
    assert compare(library, ref, cohort) == []


@SETTINGS
@given(st.data())
def test_mini_agrees_on_generated_cohorts(data: st.DataObject) -> None:
    _agrees(FIXTURES / "mini.scs", data.draw)


@SETTINGS
@given(st.data())
def test_every_construct_agrees_on_generated_cohorts(data: st.DataObject) -> None:
    _agrees(FIXTURES / "kitchen.scs", data.draw)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), st.sampled_from(sorted(SHIPPED)))
def test_the_shipped_standards_agree_on_generated_cohorts(data: st.DataObject, name: str) -> None:
    _agrees(STANDARDS / name, data.draw, max_size=4)


# ---------------------------------------------------------------- compare() itself


class _Result:
    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)


class DataError(Exception):
    """Stands in for the library's: compare() knows refusals by class name, never by import."""

    def __init__(self, entity: str, indicator: int | None, input: str | None) -> None:
        super().__init__(entity)
        self.entity, self.indicator, self.input = entity, indicator, input


class InvalidValue(DataError):
    pass


class _FakeLibrary:
    def __init__(self, answer: Callable[[], Any]) -> None:
        self.answer = answer

    def evaluate_cohort(self, records: Any) -> Any:
        return self.answer()


def test_compare_lists_every_number_that_differs() -> None:
    ref = reference.load(FIXTURES / "mini.scs")
    (want,) = ref.evaluate_cohort([MINI_RECORD])
    indicators = [_Result(number=n, value=v, stars=s, points=p + (n == 1))  # one point too many on indicator 1
                  for n, (v, s, p) in want["indicators"].items()]
    groups = [_Result(name=name, points=points) for name, points in want["groups"].items()]
    got = _Result(entity="A", total=want["total"], rating_rank=float(want["rating"]), indicators=indicators,
                  groups=groups)
    found = compare(_FakeLibrary(lambda: [got]), ref, [MINI_RECORD])
    points = want["indicators"][1][2]
    assert found == ["A: rating: library 3.0, reference 3",
                     f"A: indicator 1 points: library {points + 1}, reference {points}"]


def test_compare_matches_refusals() -> None:
    ref = reference.load(FIXTURES / "mini.scs")
    bad = {**MINI_RECORD, "fibre": 120}

    def refuse(input: str) -> Callable[[], Any]:
        def answer() -> Any:
            raise InvalidValue("A", 1, input)
        return answer

    assert compare(_FakeLibrary(refuse("fibre")), ref, [bad]) == []
    assert "reference finds only" in compare(_FakeLibrary(refuse("households")), ref, [bad])[0]
    assert "reference accepts" in compare(_FakeLibrary(refuse("fibre")), ref, [MINI_RECORD])[0]
    assert "library accepts" in compare(_FakeLibrary(list), ref, [bad])[0]
    assert "library crashed" in compare(_FakeLibrary(lambda: 1 / 0), ref, [MINI_RECORD])[0]


# ---------------------------------------------------------------- disagreements: library bugs

GROWTH_OF = """
standard "T" {{ level city total 5 }}
input a "a": count
group "g" points 5 {{ indicator 1 "x" {{ value growth({inner}(a)) stars at least 1, 2, 3, 4, 5 points 5 }} }}
"""
GROWTH_COHORT = [{"entity": "A", "a": 1, "a@previous": 5}, {"entity": "B", "a": 3, "a@previous": 2}]
GROWTH_EXPECTED = {  # §5: `e previous` is `e` computed from the @previous values
    "rank": [Fraction(1), Fraction(-1, 2)],  # A ranks 2 now and 1 before; B 1 now and 2 before
    "share": [Fraction(-13, 20), Fraction(13, 8)],  # A: 1/4 now, 5/7 before; B: 3/4 now, 2/7 before
}


@pytest.mark.parametrize("inner", sorted(GROWTH_EXPECTED))
def test_the_reference_takes_growth_of_a_rank_or_share_over_last_periods_cohort(inner: str) -> None:
    results = reference.loads(GROWTH_OF.format(inner=inner), ".").evaluate_cohort(GROWTH_COHORT)
    assert [r["indicators"][1][0] for r in results] == GROWTH_EXPECTED[inner]


@pytest.mark.parametrize("inner", sorted(GROWTH_EXPECTED))
def test_growth_of_a_rank_or_share_compares_with_last_periods_cohort(inner: str) -> None:
    library = scr.loads(GROWTH_OF.format(inner=inner), name="growth.scs")
    assert [r.indicator(1).value for r in library.evaluate_cohort(GROWTH_COHORT)] == GROWTH_EXPECTED[inner]


@pytest.mark.parametrize("inner", ["growth", "previous"])
def test_the_reference_refuses_growth_of_growth_or_previous(inner: str) -> None:
    with pytest.raises(reference.RefSyntaxError, match="inside growth"):
        reference.loads(GROWTH_OF.format(inner=inner), ".")


@pytest.mark.parametrize("inner", ["growth", "previous"])
def test_growth_of_growth_or_previous_has_no_made_up_value(inner: str) -> None:
    text = GROWTH_OF.format(inner=inner).replace("points 5 }", "points 5 on zero denominator: zero }")
    with pytest.raises((scr.InvalidStandard, scr.DataError)):
        scr.loads(text, name="growth.scs").evaluate_cohort(GROWTH_COHORT[:1])


UNUSED = """
standard "T" { level city total 5 }
input a "a": count
input unused "未使用": count
input whole "整体": count
input part "部分": count, part of whole
group "g" points 5 { indicator 1 "x" { value a + whole stars at least 1, 2, 3, 4, 5 points 5 } }
"""
UNUSED_BAD = [({"unused": -1}, "unused"), ({"unused": "abc"}, "unused"), ({"part": 5}, "part")]


@pytest.mark.parametrize(("change", "key"), UNUSED_BAD)
def test_the_reference_checks_values_no_formula_reads(change: dict[str, object], key: str) -> None:
    with pytest.raises(reference.RefInvalid) as caught:
        reference.loads(UNUSED, ".").evaluate_cohort([{"entity": "A", "a": 1, "whole": 3, **change}])
    assert caught.value.input == key


@pytest.mark.parametrize(("change", "key"), UNUSED_BAD)
def test_values_no_formula_reads_are_still_checked(change: dict[str, object], key: str) -> None:
    library = scr.loads(UNUSED, name="unused.scs")
    with pytest.raises(scr.InvalidValue) as caught:
        library.evaluate_cohort([{"entity": "A", "a": 1, "whole": 3, **change}])
    assert caught.value.input == key


PERCENT = """
standard "T" { level city total 5 }
input c "c": count
input m "m": money "万元"
group "g" points 5 { indicator 1 "x" { value c + m stars at least 1, 2, 3, 4, 5 points 5 } }
"""


def test_a_percent_sign_is_read_for_rates_only_by_both() -> None:
    # docs/api.md: "for a `rate`, also a trailing `%`"; "50%" of money is no amount (issue 10).
    with pytest.raises(reference.RefInvalid):
        reference.loads(PERCENT, ".").evaluate_cohort([{"c": "100%", "m": "5"}])
    with pytest.raises(scr.InvalidValue, match="read only for rates"):
        scr.loads(PERCENT, name="percent.scs").evaluate_cohort([{"c": "1", "m": "50%"}])


FLAG = """
standard "T" { level city total 5 }
input f "f": flag
group "g" points 5 { indicator 1 "x" { value checklist { f: 1 } stars at least 0.2, 0.4, 0.6, 0.8, 1 points 5 } }
"""


def test_the_reference_takes_an_empty_flag_as_missing() -> None:
    with pytest.raises(reference.RefMissing):
        reference.loads(FLAG, ".").evaluate_cohort([{"f": ""}])


def test_an_empty_flag_is_missing_data() -> None:
    with pytest.raises(scr.MissingInput):
        scr.loads(FLAG, name="flag.scs").evaluate_cohort([{"f": ""}])


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_read_records_refuses_json_that_is_not_json(tmp_path: Path, constant: str) -> None:
    with pytest.raises(scr.DataFileError):
        scr.read_records(_write(tmp_path, "nan.json", f'[{{"entity": "A", "v": {constant}}}]'))


LEAF = """
standard "T" { level city total 1 rounding 2 decimals }
input r "r": rate
group "g" points 1 { indicator A1 "x" { value r weight 100% } }
"""


def test_the_reference_keeps_a_leafs_points_before_rounding_as_its_unrounded_score() -> None:
    (result,) = reference.loads(LEAF, ".").evaluate_cohort([{"r": "1/3"}])
    assert (result["nodes"]["A1"].points, result["nodes"]["A1"].unrounded) == (Fraction("0.33"), Fraction(1, 3))


def test_a_leafs_unrounded_score_is_its_points_before_rounding() -> None:
    """§9, *Node scores*: step 1 scores a leaf, step 5 rounds it; §12: the unrounded score is the
    one "before its own rounding step". 100% × 1 × 1/3 = 1/3, rounded to 0.33."""
    (evaluation,) = scr.loads(LEAF, name="leaf.scs").evaluate_cohort([{"r": "1/3"}])
    (leaf,) = [node for node in evaluation.nodes if node.code == "A1"]
    assert (leaf.points, leaf.unrounded) == (Fraction("0.33"), Fraction(1, 3))
