"""Code generation: the generated evaluator, its hygiene, and its exact arithmetic."""

from __future__ import annotations

import ast
import operator
from fractions import Fraction

import pytest

import smartcity_rules as scr
from smartcity_rules.backends.python.codegen import generate
from smartcity_rules.language.syntax import Kind
from smartcity_rules.plan import semantics
from smartcity_rules.plan.lower import lower

from .conftest import FIXTURES, STANDARDS


def test_generated_code_golden(mini: scr.Standard, golden) -> None:
    golden.check("compile/mini.py.txt", mini.python_source)


@pytest.mark.parametrize("path", [FIXTURES / "mini.scs", FIXTURES / "kitchen.scs",
                                  STANDARDS / "shandong-city-2019.scs"])
def test_generated_code_calls_only_runtime_names(path) -> None:
    standard = scr.load(path)
    program = generate(standard.plan)
    tree = ast.parse(program.source)
    called = {node.func.id for node in ast.walk(tree)
              if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
    readers = {semantics.reader(slot.kind, *((slot.domain.low, slot.domain.high) if slot.kind is Kind.SCORE else ()))
               for slot in standard.plan.slots}
    # Constants called: the kinds' readers, and the fetchers of the record's statistics
    called -= {name for name, value in program.constants.items()
               if value in readers or isinstance(value, operator.itemgetter)
               or getattr(value, "__qualname__", "") == semantics.fetch_lenient.__name__ + ".<locals>.fetch"}
    assert called <= {"_zero", "_zero_error", "_part_above", "_linear",
                      "_deduct", "_Fraction", "_ratio_above", "min", "max", "type",
                      # an irrational leaf's Surd rules (backends/python/irrational.py)
                      "_lift", "_root", "_surd_divide", "_surd_bounded", "_shown", "_surd_stars", "_table_row"}
    strings = {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)}
    declared = set(standard.checked.inputs) | {f"{n}@previous" for n in standard.checked.inputs}
    # the only strings are input names, as dictionary keys, and indicator codes, for errors to name
    assert strings <= declared | set(standard.indicator_codes)
    assert not any(isinstance(node, (ast.Import, ast.ImportFrom)) for node in ast.walk(tree))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            assert ast.unparse(node) == "record.get" or (
                isinstance(node.value, ast.Name) and node.value.id == "_Kind"), ast.unparse(node)


def test_constants_reach_the_code_through_the_namespace(mini: scr.Standard) -> None:
    program = generate(lower(mini.checked))
    assert all(name.startswith("_K") for name in program.constants)
    # strings among them are only the labels that error messages quote (none here: every
    # ratio of the mini standard is of an input declared `part of` its whole)
    assert not any(isinstance(value, str) for value in program.constants.values())


def _dsl(text: str) -> str:
    """A Python string written as a DSL string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def test_hostile_names_and_labels_stay_data() -> None:
    hostile = ['x"]; import os; os.system("echo pwned"); y = ["', "line\nbreak", "__import__('os')", "a\\b"]
    inputs = "".join(f"input v{i} {_dsl(label)}: count\n" for i, label in enumerate(hostile))
    text = (f"standard {_dsl(hostile[0])} {{ level city }}\n{inputs}"
            f"group {_dsl(hostile[2])} points 1 {{ indicator 1 {_dsl(hostile[0])} {{ note {_dsl(hostile[1])} "
            "value v0 + v1 + v2 + v3 stars at least 1, 2, 3, 4, 5 points 1 } }\n")
    standard = scr.loads(text)
    for fragment in ("os.system", "pwned", "__import__", "break"):
        assert fragment not in standard.python_source
    result = standard.evaluate({f"v{i}": 1 for i in range(4)})
    assert result.indicator(1).stars == 4
    assert result.indicator(1).name == hostile[0]
    assert result.indicator(1).group == hostile[2]
    assert standard.checked.inputs["v1"].label == "line\nbreak"


@pytest.mark.parametrize("name", ["class", "def", "return", "None", "lambda", "变量", "ℌ"])
def test_keywords_and_unicode_names_are_mangled(name: str) -> None:
    standard = scr.loads(f'standard "T" {{ level city }}\ninput {name} "x": count\n'
                         f'group "G" points 1 {{ indicator 1 "I" {{ value {name} stars at least 1, 2, 3, 4, 5 '
                         "points 1 } }\n")
    assert standard.evaluate({name: 4}).indicator(1).stars == 4


def test_big_integers_stay_exact() -> None:
    standard = scr.loads('standard "T" { level city }\ninput a "a": count\ninput b "b": count, part of a\n'
                         'group "G" points 1 { indicator 1 "I" { value ratio(b, a) '
                         "stars at least 1/3, 2/5, 1/2, 3/5, 2/3 points 1 } }\n")
    huge = 3 * 10**40
    assert standard.evaluate({"a": huge, "b": huge // 3}).indicator(1).stars == 1
    assert standard.evaluate({"a": huge, "b": huge // 3 - 1}).indicator(1).stars == 0


@pytest.mark.parametrize(("formula", "expected"), [("0 / -a", 0), ("b / (1 - a)", -2), ("-b / -a", Fraction(4, 3))])
def test_division_by_a_possibly_negative_divisor(formula: str, expected: Fraction) -> None:
    # `0 / -a` once generated `0, t1 = -0, -t1`: a literal cannot take the sign fix.
    standard = scr.loads('standard "T" { level city }\ninput a "a": count\ninput b "b": count\n'
                         f'group "G" points 1 {{ indicator 1 "I" {{ value {formula} '
                         "stars at most 5, 4, 3, 2, 1 points 1 } }\n")
    result = standard.evaluate({"a": 3, "b": 4}).indicator(1)
    assert result.value == expected and result.value.denominator > 0


# ---------------------------------------------------------------- signs (issue 10, item 1)
def test_a_divisor_made_of_negative_shares_keeps_its_sign() -> None:
    # share(a - b) is negative for A; 1 / it was believed >= 0, so the pair's denominator
    # went negative and max(), the bands and the rating all compared the wrong way.
    standard = scr.loads(
        'standard "t" { level city total 1 }\ninput a "a": count\ninput b "b": count\n'
        'group "G" points 1 { indicator 1 "i" { value max(1 / share(a - b), 0) '
        'stars at least -1, 0, 1/4, 1/2, 1 points 1 } }\n'
        'rating { level 2 "good" when indicator 1 >= 1/2\n level 1 "any" when total >= 0 }\n')
    a, b = standard.evaluate_cohort([{"entity": "A", "a": 1, "b": 3}, {"entity": "B", "a": 5, "b": 0}])
    assert (a.indicator(1).value, a.indicator(1).stars, a.rating.name) == (0, 2, "any")  # type: ignore[union-attr]
    assert (b.indicator(1).value, b.indicator(1).stars) == (Fraction(3, 5), 4)


def test_a_score_below_zero_divided_into_a_constant_keeps_its_sign() -> None:
    standard = scr.loads('standard "t" { level city }\ninput s "s": score -10 to 10\n'
                         'group "G" points 1 { indicator 1 "i" { value clamp(10 / s, 0, 10) '
                         'stars at least 1, 2, 3, 4, 5 points 1 } }\n')
    assert standard.evaluate({"s": -2}).indicator(1).value == 0
    assert standard.evaluate({"s": 2}).indicator(1).value == 5


def test_a_checklist_with_negative_points_is_not_believed_positive() -> None:
    standard = scr.loads('standard "t" { level city }\ninput f "f": flag\ninput g "g": flag\n'
                         'group "G" points 1 { indicator 1 "i" { value 1 / checklist { f: 1, g: -2 } '
                         'stars at least -1, -1/2, 0, 1/2, 1 points 1 } }\n')
    result = standard.evaluate({"f": True, "g": True}).indicator(1)
    assert (result.value, result.stars) == (-1, 1)


def test_each_generated_line_traces_back_to_its_indicator(mini: scr.Standard) -> None:
    executor = mini._compiled.executor
    lines = mini.python_source.split("\n")
    for code in mini.indicator_codes:
        at = lines.index(f"    # indicator {code}") + 1
        assert executor.indicator_at(at) == code  # type: ignore[attr-defined]
        assert executor.indicator_at(at + 1) == code  # type: ignore[attr-defined]
    assert executor.indicator_at(1) is None  # type: ignore[attr-defined]


def test_a_traceback_through_generated_code_shows_its_lines(mini: scr.Standard) -> None:
    import linecache
    import traceback

    executor = mini._compiled.executor
    try:
        executor._evaluate(None, "A", (), ())  # type: ignore[attr-defined]  # not a record: fails inside
    except TypeError as error:  # the statistics are fetched at once: None is not subscriptable
        frames = traceback.extract_tb(error.__traceback__)
    generated = [f for f in frames if f.filename == executor.filename]  # type: ignore[attr-defined]
    assert generated and generated[-1].line == linecache.getline(executor.filename, generated[-1].lineno).strip()
    assert "(record)" in (generated[-1].line or "")


def test_the_generated_source_leaves_linecache_with_its_standard() -> None:
    import gc
    import linecache

    standard = scr.load(FIXTURES / "mini.scs")
    name = standard._compiled.executor.filename  # type: ignore[attr-defined]
    assert name in linecache.cache
    del standard
    gc.collect()
    assert name not in linecache.cache


def test_a_generated_line_traces_back_to_the_standard_file() -> None:
    city = scr.load(STANDARDS / "shandong-city-2019.scs")
    lines = city.python_source.split("\n")
    at = lines.index("    # indicator 36") + 2
    source = (STANDARDS / "shandong-city-2019.scs").read_text(encoding="utf-8").split("\n")
    row = next(n for n, text in enumerate(source, start=1) if text.strip().startswith("indicator 36 "))
    column = source[row - 1].index("36") + 1
    assert city.origin_of_generated_line(at) == f"{STANDARDS / 'shandong-city-2019.scs'}:{row}:{column}"
    assert city.origin_of_generated_line(2) is None  # reading the inputs belongs to no indicator
