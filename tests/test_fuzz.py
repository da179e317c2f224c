"""CI-sized fuzzing: random programs from the grammar, random formulas checked against the
reference interpreter, mutated shipped standards, and statistics of every wrong shape all
end in a result or one of the library's own errors, in bounded time.  Also the limits
(file size, nesting, formula size).  tools/fuzz.py runs the same for longer."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings, target
from hypothesis import strategies as st

import smartcity_rules as scr
from smartcity_rules.language import parse as parse_module
from smartcity_rules.testing import cohorts

from .conftest import load_script
from .fuzzing import (
    LOADED,
    STANDARDS,
    agree,
    formula_standard,
    formulas,
    lines_covered,
    load_outcome,
    mutations,
    outcome,
    programs,
    read_text_as,
    spoiled_cohorts,
)

FUZZ = settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
# Generous: a hang or a quadratic blow-up takes minutes; a slow CI machine takes a second. Counted
# in this process's CPU time, which other work sharing the machine does not inflate.
BOUND_SECONDS = 10.0
T = TypeVar("T")


def _timed(function: Callable[..., T], *args: Any) -> T:
    """function(*args), failing the test if it takes more than BOUND_SECONDS of CPU."""
    start = time.process_time()
    result = function(*args)
    assert time.process_time() - start < BOUND_SECONDS, "took too long"
    return result


@FUZZ
@given(programs())
def test_random_programs_load_or_give_diagnostics(text: str) -> None:
    _timed(load_outcome, text)


@settings(FUZZ, max_examples=40)
@given(formulas(), st.data())
def test_random_formulas_compile_and_agree_with_the_reference_interpreter(formula: str, data: st.DataObject) -> None:
    text = formula_standard(formula)
    loaded = _timed(load_outcome, text)
    if isinstance(loaded, str):
        return  # a clean diagnostic (an unknown name, a bad argument count, ...)
    agree(text, loaded, data.draw(cohorts(loaded, max_size=3, zeros=True)))


def test_the_formula_fuzzer_reaches_the_compiler() -> None:
    """Guards the fuzzer itself: enough random formulas must load for the test above to mean much."""
    loaded: list[bool] = []

    @settings(FUZZ, max_examples=60, derandomize=True)  # a fixed sample: the guard must not flicker
    @given(formulas())
    def sample(formula: str) -> None:
        loaded.append(not isinstance(load_outcome(formula_standard(formula)), str))

    sample()
    # One in ten is plenty to exercise the compiler; the rest test the checker's diagnostics.
    assert sum(loaded) >= len(loaded) // 10, f"only {sum(loaded)} of {len(loaded)} random formulas loaded"


@FUZZ
@given(st.sampled_from(sorted(STANDARDS)), st.data())
def test_mutated_standards_load_or_give_diagnostics(name: str, data: st.DataObject) -> None:
    text = STANDARDS[name].read_text(encoding="utf-8")
    # Relative `use` paths resolve beside the original file.
    _timed(load_outcome, data.draw(mutations(text)), str(STANDARDS[name]))


@FUZZ
@given(st.sampled_from(sorted(LOADED)), st.data())
def test_any_statistics_score_or_give_a_data_error(name: str, data: st.DataObject) -> None:
    standard = LOADED[name]
    cohort = data.draw(spoiled_cohorts(standard))
    assert _timed(outcome, standard, cohort) in {"ok", "DataError", "MissingInput", "UnknownInput", "InvalidValue",
                                                 "ZeroDenominator"}


@pytest.mark.parametrize("cohort", [[], [{}], [{"entity": None}], ["not a mapping"], [None]])
def test_degenerate_cohorts(cohort: list[Any]) -> None:
    mini = LOADED["mini.scs"]
    assert outcome(mini, cohort) in {"ok", "DataError", "MissingInput"}


# ---------------------------------------------------------------- limits
HEADER = 'standard "T" { level city }\ninput x "x": count\n'


def _one_formula(formula: str) -> str:
    """A standard whose one indicator's value is `formula` over the count `x`."""
    return HEADER + f'group "G" points 1 {{\n  indicator 1 "I" {{\n    value {formula}\n' \
                    "    stars at least 1, 2, 3, 4, 5\n    points 1\n  }\n}\n"


def test_a_too_large_formula_is_a_clean_error(golden: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parse_module, "MAX_FORMULA_NODES", 8)
    with pytest.raises(scr.InvalidStandard) as caught:
        scr.loads(_one_formula("max(x, x, x, x, x, x, x, x, x)"), "wide.scs")
    assert [d.code for d in caught.value.diagnostics] == ["E0112"]
    golden.check("parse/formula_too_large.txt", str(caught.value) + "\n")


@pytest.mark.parametrize("formula", [
    "max(" + ", ".join(["x"] * 50_000) + ")",
    "weighted {" + ", ".join("1/20000: x" for _ in range(20_000)) + "}",
    "min(" + ", ".join(["max(x, x)"] * 5_000) + ")",
], ids=["max", "weighted", "min-of-max"])
def test_wide_formulas_are_refused_quickly(formula: str) -> None:
    with pytest.raises(scr.InvalidStandard) as caught:
        _timed(scr.loads, _one_formula(formula))
    assert caught.value.diagnostics[0].code == "E0112"


def test_a_formula_at_the_size_limit_still_loads() -> None:
    terms = parse_module.MAX_FORMULA_NODES - 10  # one node per argument, plus the call: just inside
    standard = _timed(scr.loads, _one_formula("max(" + ", ".join(["x"] * terms) + ")"))
    assert standard.evaluate({"x": 3}).indicator(1).stars == 3


@pytest.mark.parametrize("text", [
    "(" * 100_000,
    "value " * 100_000,
    # Kept small: rendering n diagnostics is quadratic in the file today (reported to the lead).
    'standard "T" { level city }\n' + "input x \"x\": count\n" * 2_000,
    "-" * 100_000 + "x",
], ids=["parentheses", "values", "repeated-input", "minus-signs"])
def test_pathological_files_end_cleanly_in_bounded_time(text: str) -> None:
    loaded = _timed(load_outcome, text)
    assert isinstance(loaded, str)  # a diagnostic code: none of these is a standard


# ---------------------------------------------------------------- coverage-guided
GUIDED = settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))


@GUIDED
@given(st.one_of(programs(), st.sampled_from(sorted(STANDARDS)).flatmap(
    lambda name: mutations(STANDARDS[name].read_text(encoding="utf-8")))))
def test_guided_by_coverage_the_parser_and_checker_give_only_our_diagnostics(text: str) -> None:
    # hypothesis.target steers generation towards inputs that run more of the library's lines.
    target(float(lines_covered(scr.loads, text, "guided.scs")), label="library lines run")
    _timed(load_outcome, text, "guided.scs")


_DATA_TEXT = st.one_of(
    st.text(max_size=200),
    st.lists(st.dictionaries(st.sampled_from(["entity", "households", "fibre", "x", "entity "]),
                             st.one_of(st.integers(), st.floats(), st.text(max_size=8), st.none()),
                             max_size=4), max_size=3).map(json.dumps),
)


@GUIDED
@given(_DATA_TEXT, st.sampled_from([".json", ".csv"]))
def test_guided_by_coverage_the_data_readers_give_only_data_file_errors(text: str, suffix: str) -> None:
    target(float(lines_covered(read_text_as, text, suffix)), label="library lines run")
    try:
        records = read_text_as(text, suffix)
    except scr.DataFileError as error:
        assert str(error)
        return
    assert isinstance(records, list) and all(isinstance(r, dict) for r in records)


def test_the_long_fuzzer_runs_a_short_fixed_slice_with_duckdb(capsys: pytest.CaptureFixture[str]) -> None:
    """tools/fuzz.py, 24 cases from seed 0 with --duckdb: every category tried, the DuckDB ones
    included, none failing."""
    fuzz = load_script("tools/fuzz.py")
    assert fuzz.main(["--cases", "24", "--seed", "0", "--duckdb"]) == 0
    printed = capsys.readouterr().out
    for category in [*fuzz.MIX, *fuzz.DUCKDB_MIX]:
        assert re.search(rf"^{re.escape(category)}: [1-9]\d* tried, 0 distinct failures$", printed, re.M), category
