"""Author-written test cases stored beside a standard: read from TOML, run, and compared.

A cases file (``NAME.cases.toml`` beside ``NAME.scs``) holds statistics and the
numbers a standard's author worked out by hand: values, stars, points, group
points, the total, the rating, or the data error the statistics must raise.
See docs/testing.md for the format.  TOML because authors annotate their
arithmetic in comments, and it is read by the standard library (tomllib; the
`tomli` backport on Python 3.10).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import attrs

from . import errors
from .data import read_records
from .errors import DataError, DataFileError
from .results import Evaluation
from .runtime import exact, fmt
from .standard import Standard

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10: the tomli backport, a dependency there only
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

CASES_SUFFIX = ".cases.toml"
_TOP_KEYS = frozenset({"base", "case"})
_CASE_KEYS = frozenset({"name", "note", "inputs", "peers", "data", "entity", "expect"})
_EXPECT_KEYS = frozenset({"total", "rating", "error", "tolerance", "indicator", "group"})
_INDICATOR_KEYS = frozenset({"value", "stars", "points", "status", "tolerance"})
_GROUP_KEYS = frozenset({"points", "tolerance"})
_ERRORS: Mapping[str, type[DataError]] = {
    name: getattr(errors, name)
    for name in ("DataError", "MissingInput", "UnknownInput", "InvalidValue", "ZeroDenominator", "CohortRequired")
}
_CASE_HEADER = re.compile(r"^\s*\[\[\s*case\s*\]\]", re.MULTILINE)


class CaseFileError(DataFileError):
    """A cases file cannot be read, or says something that is not a test case.

    The message starts with `file:line:` where the line is known.
    """


@attrs.frozen
class Case:
    """One stored test: the cohort to score, whom to look at, and what to expect."""

    name: str
    path: Path
    line: int
    records: tuple[dict[str, Any], ...]
    entity: str
    expect: Mapping[str, Any]

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}"


@attrs.frozen
class CaseResult:
    case: Case
    failures: tuple[str, ...]  # one line per number that differs; empty when the case passed

    @property
    def passed(self) -> bool:
        return not self.failures


def default_path(standard: str | Path) -> Path:
    """Where a standard's cases live: `city.scs` -> `city.cases.toml`, beside it."""
    path = Path(standard)
    return path.with_name(path.name.removesuffix(path.suffix) + CASES_SUFFIX)


# ===================================================================== reading
class _Reader:
    """Validates a parsed cases file, pointing each problem at its line in the text."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()
        self.starts = [text.count("\n", 0, match.start()) + 1 for match in _CASE_HEADER.finditer(text)]

    def fail(self, message: str, line: int | None = None) -> CaseFileError:
        return CaseFileError(f"{self.path}:{line}: {message}" if line else f"{self.path}: {message}")

    def line_of(self, index: int, key: str | None = None) -> int | None:
        """The line of case `index`'s header, or of `key` inside that case."""
        if index >= len(self.starts):
            return None
        start = self.starts[index]
        if key is None:
            return start
        end = self.starts[index + 1] if index + 1 < len(self.starts) else len(self.lines) + 1
        pattern = re.compile(rf"^\s*(\[[^\]]*\b{re.escape(key)}\b|\"?{re.escape(key)}\"?\s*=)")
        found = next((n for n in range(start, end) if pattern.match(self.lines[n - 1])), None)
        return found or start

    def check_keys(self, table: Mapping[str, Any], allowed: frozenset[str], what: str, index: int) -> None:
        for key in table:
            if key not in allowed:
                raise self.fail(f"unknown key {key!r} in {what}; expected one of {', '.join(sorted(allowed))}",
                                self.line_of(index, key))


def load_cases(path: str | Path) -> tuple[Case, ...]:
    """Every case of a cases file, validated; raises CaseFileError naming file:line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as error:
        raise CaseFileError(f"{path}: cannot read cases: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise CaseFileError(f"{path}: invalid TOML: {error}") from None
    reader = _Reader(path, text)
    for key in data:
        if key not in _TOP_KEYS:
            raise reader.fail(f"unknown top-level key {key!r}; expected `base` and `[[case]]` tables")
    base = data.get("base", {})
    cases = data.get("case", [])
    if not isinstance(base, dict) or not isinstance(cases, list) or not cases:
        raise reader.fail("expected a `[base]` table (optional) and at least one `[[case]]`")
    return tuple(_case(reader, index, raw, base) for index, raw in enumerate(cases))


def _case(reader: _Reader, index: int, raw: Mapping[str, Any], base: Mapping[str, Any]) -> Case:
    reader.check_keys(raw, _CASE_KEYS, "a case", index)
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise reader.fail("every case needs a `name`", reader.line_of(index))
    expect = raw.get("expect")
    if not isinstance(expect, dict) or not expect:
        raise reader.fail(f"case {name!r} has no `[case.expect]` table", reader.line_of(index))
    _check_expect(reader, index, expect)
    records, entity = _cohort(reader, index, raw, base, name)
    return Case(name, reader.path, reader.line_of(index) or 0, records, entity, expect)


def _cohort(reader: _Reader, index: int, raw: Mapping[str, Any], base: Mapping[str, Any],
            name: str) -> tuple[tuple[dict[str, Any], ...], str]:
    """The records a case scores: a data file's, or the base with the case's inputs, plus peers."""
    inputs = _table(reader, index, raw, "inputs")
    if "data" in raw:
        if not isinstance(raw["data"], str) or not isinstance(raw.get("entity"), str):
            raise reader.fail("`data` names a statistics file and needs the `entity` to look at",
                              reader.line_of(index, "data"))
        return _from_data(reader, index, raw["data"], raw["entity"], inputs)
    entity = raw.get("entity", name)
    if not isinstance(entity, str):
        raise reader.fail("`entity` must be a string", reader.line_of(index, "entity"))
    peers = raw.get("peers", [])
    if not isinstance(peers, list) or not all(isinstance(p, dict) for p in peers):
        raise reader.fail("`peers` must be a list of tables of statistics", reader.line_of(index, "peers"))
    own = {**base, **inputs, "entity": entity}
    others = [{**base, "entity": f"peer {n}", **peer} for n, peer in enumerate(peers, start=1)]
    return (own, *others), entity


def _from_data(reader: _Reader, index: int, data: str, entity: str,
               inputs: Mapping[str, Any]) -> tuple[tuple[dict[str, Any], ...], str]:
    try:
        records = read_records(reader.path.parent / data)
    except DataFileError as error:
        raise reader.fail(str(error), reader.line_of(index, "data")) from None
    if not any(str(r.get("entity")) == entity for r in records):
        raise reader.fail(f"no entity {entity!r} in {data}", reader.line_of(index, "entity"))
    return tuple({**r, **inputs} if str(r.get("entity")) == entity else r for r in records), entity


def _table(reader: _Reader, index: int, raw: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise reader.fail(f"`{key}` must be a table", reader.line_of(index, key))
    return value


def _check_expect(reader: _Reader, index: int, expect: Mapping[str, Any]) -> None:
    reader.check_keys(expect, _EXPECT_KEYS, "`expect`", index)
    if "error" in expect and expect["error"] not in _ERRORS:
        raise reader.fail(f"`error` must be one of {', '.join(_ERRORS)}", reader.line_of(index, "error"))
    if "error" in expect and len(expect) > 1:
        raise reader.fail("a case that expects an error expects nothing else", reader.line_of(index, "error"))
    for key in ("total", "tolerance"):
        if key in expect:
            _number(reader, index, key, expect[key])
    rating = expect.get("rating")
    if rating is not None and (isinstance(rating, bool) or not isinstance(rating, (int, str))):
        raise reader.fail("`rating` is a level's number (0: unrated) or its name", reader.line_of(index, "rating"))
    for number, table in _subtables(reader, index, expect, "indicator"):
        if not number.isdigit():
            raise reader.fail(f"indicator {number!r} is not a number", reader.line_of(index, number))
        _check_numbers(reader, index, table, _INDICATOR_KEYS, f"indicator {number}")
    for group, table in _subtables(reader, index, expect, "group"):
        _check_numbers(reader, index, table, _GROUP_KEYS, f"group {group!r}")


def _subtables(reader: _Reader, index: int, expect: Mapping[str, Any],
               key: str) -> list[tuple[str, Mapping[str, Any]]]:
    tables = expect.get(key, {})
    if not isinstance(tables, dict) or not all(isinstance(t, dict) for t in tables.values()):
        raise reader.fail(f"`expect.{key}` holds one table per {key}", reader.line_of(index, key))
    return list(tables.items())


def _check_numbers(reader: _Reader, index: int, table: Mapping[str, Any], allowed: frozenset[str],
                   what: str) -> None:
    reader.check_keys(table, allowed, what, index)
    for key in ("value", "points", "tolerance"):
        if key in table:
            _number(reader, index, key, table[key])
    stars = table.get("stars")
    if stars is not None and (isinstance(stars, bool) or not isinstance(stars, int) or not 0 <= stars <= 5):
        raise reader.fail(f"{what}: `stars` is a whole number from 0 to 5", reader.line_of(index, "stars"))
    status = table.get("status")
    if status is not None and status not in ("scored", "not applicable", "deduction"):
        raise reader.fail(f"{what}: `status` is scored, not applicable or deduction", reader.line_of(index, "status"))


def _number(reader: _Reader, index: int, key: str, raw: Any) -> Fraction:
    """An expected number: an integer, a float, a decimal string ("0.85", "85%") or a fraction ("2/3")."""
    try:
        return parse_number(raw)
    except (TypeError, ValueError, ZeroDivisionError):
        raise reader.fail(f"`{key}` = {raw!r} is not a number", reader.line_of(index, key)) from None


def parse_number(raw: Any) -> Fraction:
    if isinstance(raw, str) and re.fullmatch(r"\s*-?\d+\s*/\s*\d+\s*", raw):
        top, bottom = raw.split("/")
        return Fraction(int(top), int(bottom))
    return exact(raw)


# ===================================================================== running
def run_cases(standard: Standard, cases: Sequence[Case]) -> tuple[CaseResult, ...]:
    return tuple(run_case(standard, case) for case in cases)


def run_case(standard: Standard, case: Case) -> CaseResult:
    """Score the case's cohort and compare what the author expected with what came out."""
    wanted = case.expect.get("error")
    try:
        evaluations = standard.evaluate_cohort(case.records)
    except DataError as error:
        if wanted is not None and isinstance(error, _ERRORS[wanted]):
            return CaseResult(case, ())
        return CaseResult(case, (f"{type(error).__name__}: {error}",))
    if wanted is not None:
        return CaseResult(case, (f"expected {wanted}, but the statistics scored",))
    evaluation = next(e for e in evaluations if e.entity == case.entity)
    return CaseResult(case, tuple(_compare(case.expect, evaluation)))


def _compare(expect: Mapping[str, Any], evaluation: Evaluation) -> list[str]:
    tolerance = parse_number(expect.get("tolerance", 0))
    failures = _numbers("total", {"value": expect.get("total")}, {"value": evaluation.total}, tolerance)
    if "rating" in expect:
        failures += _rating(expect["rating"], evaluation)
    for number, table in expect.get("indicator", {}).items():
        failures += _indicator(int(number), table, evaluation, tolerance)
    for name, table in expect.get("group", {}).items():
        got = next((g for g in evaluation.groups if g.name == name), None)
        if got is None:
            failures.append(f"group {name!r}: the standard has no such group")
            continue
        local = parse_number(table.get("tolerance", tolerance))
        failures += _numbers(f"group {name!r}", table, {"points": got.points}, local)
    return failures


def _indicator(number: int, table: Mapping[str, Any], evaluation: Evaluation, tolerance: Fraction) -> list[str]:
    result = next((r for r in evaluation.indicators if r.number == number), None)
    if result is None:
        return [f"indicator {number}: the standard has no such indicator"]
    local = parse_number(table.get("tolerance", tolerance))
    got = {"value": result.value, "points": result.points, "stars": result.stars, "status": result.status.value}
    return _numbers(f"indicator {number}", table, got, local)


def _numbers(what: str, want: Mapping[str, Any], got: Mapping[str, Any], tolerance: Fraction) -> list[str]:
    """One line per expected number (or word) that the result does not match."""
    failures = []
    for key, have in got.items():
        expected = want.get(key)
        if expected is None:
            continue
        if key in ("stars", "status"):
            ok = have == expected
        else:
            ok = have is not None and abs(have - parse_number(expected)) <= tolerance
        if not ok:
            label = what if what == "total" else f"{what} {key}"
            shown = "n/a" if have is None else fmt(have) if isinstance(have, Fraction) else str(have)
            failures.append(f"{label}: expected {expected}, got {shown}")
    return failures


def _rating(expected: int | str, evaluation: Evaluation) -> list[str]:
    rating = evaluation.rating
    if rating is None:
        return ["rating: the standard has no rating rule"]
    have: int | str | None = rating.rank if isinstance(expected, int) else rating.name
    if have == expected or (expected == "" and have is None):
        return []
    return [f"rating: expected {expected!r}, got {have!r} ({rating.name or 'unrated'})"]
