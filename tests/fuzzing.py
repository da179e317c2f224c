"""Fuzzing strategies and checks shared by tests/test_fuzz.py and tools/fuzz.py: random
programs from the project's own grammar, random formulas inside a small standard checked
against the reference interpreter, token-level mutations of the shipped standards, and
statistics of every wrong shape.

Every strategy spells terminals with spaces around them: hypothesis's from_lark joins
tokens with nothing between, and the contextual lexer would read `whentotal` as one name.
"""

from __future__ import annotations

import decimal
import math
import re
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hypothesis import strategies as st
from hypothesis.extra.lark import from_lark

import smartcity_rules as scr
from smartcity_rules.language.parse import _parser
from smartcity_rules.testing import records

from . import reference
from .reference.compare import compare

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "standards").glob("*.scs"))
FIXTURES = [ROOT / "tests" / "fixtures" / name for name in ("mini.scs", "kitchen.scs")]
STANDARDS = {path.name: path for path in [*SHIPPED, *FIXTURES]}
LOADED = {name: scr.load(path) for name, path in STANDARDS.items()}

# Names a random formula uses: FORMULA_HEADER's inputs and the functions.  A random program
# also uses an undeclared name and keywords that are valid names too.
FORMULA_NAMES = ["a", "b", "p", "r", "s", "k", "ratio", "rank", "share", "growth", "previous", "min", "max", "clamp"]
NAMES = [*FORMULA_NAMES, "f", "level", "points", "city", "count", "rate", "flag", "higher", "lower", "base"]
STRINGS = ['"G"', '"名称"', '"a\\"b"', '""', '"x\\n\\t\\\\"', '"__import__(\'os\')"', '"shandong-city-2019.scs"']
DECIMALS = ["0", "1", "2", "3", "5", "10", "0.5", "100", "99999999999999999999"]


def _spaced(values: list[str]) -> st.SearchStrategy[str]:
    return st.sampled_from(values).map(lambda text: f" {text} ")


def _explicit(names: list[str], start: str) -> dict[str, st.SearchStrategy[str]]:
    """A strategy for every terminal reachable from `start` (from_lark refuses others),
    keywords spaced so that they stay keywords."""
    explicit: dict[str, st.SearchStrategy[str]] = {
        t.name: st.just(f" {t.pattern.value} ") for t in _parser().terminals if t.pattern.type == "str"}
    explicit.update({
        "NAME": _spaced(names), "STRING": _spaced(STRINGS), "DECIMAL": _spaced(DECIMALS),
        "DATE": _spaced(["2020-05-01", "2019-02-30"]), "COMPARE": _spaced([">=", ">", "<=", "<"]),
        "COMMENT": st.just("# a comment\n"), "WS": st.just(" "), "GROUP_KIND": st.just(" bonus "),
    })
    reachable = _reachable(start) | {"WS", "COMMENT"}  # ignored terminals go anywhere
    return {name: strategy for name, strategy in explicit.items() if name in reachable}


def _reachable(start: str) -> set[str]:
    """The terminals a derivation from rule `start` can produce."""
    rules = _parser().rules
    seen, todo, terminals = {start}, [start], set()
    while todo:
        origin = todo.pop()
        for rule in (r for r in rules if r.origin.name == origin):
            for symbol in rule.expansion:
                if symbol.is_term:
                    terminals.add(symbol.name)
                elif symbol.name not in seen:
                    seen.add(symbol.name)
                    todo.append(symbol.name)
    return terminals


def programs() -> st.SearchStrategy[str]:
    """Whole standard files the grammar accepts (most fail the checks, which is the point)."""
    return from_lark(_parser(), start="start", explicit=_explicit(NAMES, "start"))


def formulas() -> st.SearchStrategy[str]:
    """Formulas the grammar accepts, over the inputs of FORMULA_HEADER."""
    return from_lark(_parser(), start="expr", explicit=_explicit(FORMULA_NAMES, "expr"))


FORMULA_HEADER = """standard "fuzz" { level city total 1 }
input a "a": count
input b "b": count
input p "p": count, part of a
input r "r": rate
input s "s": score 0 to 10
input k "k": rank
"""


def formula_standard(formula: str) -> str:
    """A one-indicator standard around a formula; zero denominators are not applicable."""
    return (FORMULA_HEADER + 'group "G" points 1 {\n  indicator 1 "I" {\n    value ' + formula +
            "\n    stars at least -1, 0, 1, 2, 3\n    points 1\n    on zero denominator: not applicable\n  }\n}\n")


_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*|\d+(?:\.\d+)?|\w+|[^\s\w]')
REPLACEMENTS = ["0", "-1", "1/0", "99999999999999999999999999", "100%", "★", "{", "}", "(", ")", ",", ":",
                "points", "level", "value", "group", "indicator", "x", '"', "\\", "__import__", "ratio(", "#"]


@st.composite
def mutations(draw: st.DrawFn, text: str) -> str:
    """A standard with a few tokens deleted, duplicated, swapped or replaced."""
    tokens = [m.group(0) for m in _TOKEN.finditer(text)]
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(tokens) - 1))
        action = draw(st.sampled_from(["delete", "duplicate", "replace", "swap"]))
        if action == "delete":
            del tokens[at]
        elif action == "duplicate":
            tokens.insert(at, tokens[at])
        elif action == "replace":
            tokens[at] = draw(st.sampled_from(REPLACEMENTS + tokens[:50]))
        else:
            other = draw(st.integers(0, len(tokens) - 1))
            tokens[at], tokens[other] = tokens[other], tokens[at]
    # A comment ends at a line break: keep it from eating the tokens after it.
    return "".join(token + ("\n" if token.startswith("#") else " ") for token in tokens)


# Values of every wrong shape.  Integers stay below Python's 4300-digit limit for int-to-text:
# repr() of a failing example holding a larger one would itself fail, hiding the report
# (tests/test_runtime.py checks that results of such numbers print).
NASTY: list[Any] = [
    None, math.nan, math.inf, -math.inf, -1, -0.5, 10**100, -(10**100), 10**999, 1e308, 5e-324, "1e400", "", " ",
    "abc", "85%", "120%", "-3", "0x10", "١٢", "１２", "12 ", "1,234", "1,5", "1e3", True, False, [], {}, (1, 2),
    object(), decimal.Decimal("NaN"), decimal.Decimal("sNaN"), decimal.Decimal("-1"), decimal.Decimal("1e999999"),
    b"12", 3 + 4j, "yes", "是", 0, 1, 0.1, "0.1", "1e999999999", "9" * 5000, "nan", "inf", "Infinity",
]
NASTY_KEYS: list[Any] = ["extra", "entity ", "a@previous@previous", "@previous", 7, None, ("a",), "FIBRE", "ｆｉｂｒｅ"]


@st.composite
def spoiled(draw: st.DrawFn, standard: scr.Standard) -> dict[Any, Any]:
    """A valid record with some values made wrong, some keys dropped and some added."""
    record: dict[Any, Any] = draw(records(standard))
    keys = sorted(k for k in record if k != "entity")
    for key in draw(st.lists(st.sampled_from(keys), max_size=4)):
        record[key] = draw(st.sampled_from(NASTY))
    for key in draw(st.lists(st.sampled_from(keys), max_size=2)):
        record.pop(key, None)
    if draw(st.booleans()):
        record[draw(st.sampled_from(NASTY_KEYS + keys))] = draw(st.sampled_from(NASTY))
    return record


@st.composite
def spoiled_cohorts(draw: st.DrawFn, standard: scr.Standard) -> list[dict[Any, Any]]:
    """One to three spoiled records, named E0, E1, ... apart so that a clash of names is not
    all that ever fails."""
    cohort = draw(st.lists(spoiled(standard), min_size=1, max_size=3))
    for index, record in enumerate(cohort):
        record["entity"] = f"E{index}"
    return cohort


def outcome(standard: scr.Standard, cohort: list[Mapping[Any, Any]]) -> str:
    """Score a cohort and render every result: 'ok', or the name of the library error raised."""
    try:
        results = standard.evaluate_cohort(cohort)
    except scr.DataError as error:
        assert str(error)
        return type(error).__name__
    for result in results:
        result.to_dict()
    return "ok"


def load_outcome(text: str, name: str = "fuzz.scs") -> scr.Standard | str:
    """The loaded standard, or the first diagnostic code of the clean error it gave."""
    try:
        return scr.loads(text, name)
    except scr.InvalidStandard as error:
        assert error.diagnostics and str(error)
        return error.diagnostics[0].code


def agree(text: str, standard: scr.Standard, cohort: list[dict[str, Any]]) -> None:
    """The compiled evaluator and the independent reference (tests/reference) give the same
    numbers, or both refuse the statistics; raises AssertionError saying where they part."""
    differences = compare(standard, reference.loads(text, ROOT), cohort)
    if differences:
        raise AssertionError("\n".join(differences))


# ---------------------------------------------------------------- coverage, for guided runs
PACKAGE = str(ROOT / "smartcity_rules")


def lines_covered(function: Any, *args: Any) -> int:
    """How many distinct lines of the library one call runs: the score a coverage-guided run
    (hypothesis.target) climbs, so it is drawn towards inputs that reach new code. Exceptions
    are the call's outcome, not the measurement's."""
    seen: set[tuple[str, int]] = set()

    def trace(frame: Any, event: str, arg: Any) -> Any:
        if not frame.f_code.co_filename.startswith(PACKAGE):
            return None
        if event == "line":
            seen.add((frame.f_code.co_filename, frame.f_lineno))
        return trace

    previous = sys.gettrace()
    sys.settrace(trace)
    try:
        function(*args)
    except Exception:  # the caller checks what is raised; here only lines count
        pass
    finally:
        sys.settrace(previous)
    return len(seen)


def read_text_as(text: str, suffix: str) -> Any:
    """A data file's text through read_records, from a temporary file of that suffix."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"data{suffix}"
        path.write_text(text, encoding="utf-8")
        return scr.read_records(path)


__all__ = ["FIXTURES", "LOADED", "SHIPPED", "STANDARDS", "agree", "formula_standard", "formulas", "lines_covered",
           "load_outcome", "mutations", "outcome", "programs", "read_text_as", "spoiled", "spoiled_cohorts"]
