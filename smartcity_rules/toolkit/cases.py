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

from ..data.records import read_records
from ..language import files
from ..language.errors import (
    CaseFileError,
    CohortRequired,
    DataError,
    DataFileError,
    InvalidValue,
    MissingInput,
    UnknownInput,
    ZeroDenominator,
)
from ..language.numbers import fmt
from ..plan.semantics import exact
from ..results.evaluation import Evaluation
from ..standard import Standard

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10: the tomli backport, a dependency there only
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

CASES_SUFFIX = ".cases.toml"
_TOP_KEYS = frozenset({"base", "case"})
_CASE_KEYS = frozenset({"name", "note", "inputs", "peers", "data", "entity", "expect"})
_CODE = re.compile(r"[A-Za-z0-9]+(?:[.\-][A-Za-z0-9]+)*", re.ASCII)  # as the grammar's CODE
_EXPECT_KEYS = frozenset({"total", "rating", "error", "tolerance", "indicator", "group", "entity_type"})
_INDICATOR_KEYS = frozenset({"value", "stars", "points", "status", "tolerance"})
_GROUP_KEYS = frozenset({"points", "tolerance"})
# What `expect.error` may name: a DataError class, matched with isinstance.
_ERRORS: Mapping[str, type[DataError]] = {
    error.__name__: error
    for error in (DataError, MissingInput, UnknownInput, InvalidValue, ZeroDenominator, CohortRequired)
}
_STATUSES = ("scored", "not applicable", "deduction")
_EXACT_KEYS = frozenset({"stars", "status"})  # compared as written: a tolerance means nothing there
_CASE_HEADER = re.compile(r"^\s*\[\[\s*case\s*\]\]", re.MULTILINE)

__all__ = [
    "CASES_SUFFIX",
    "Case",
    "CaseFileError",
    "CaseResult",
    "default_path",
    "load_cases",
    "parse_number",
    "run_case",
    "run_cases",
]


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
        """`path:line` of the case's `[[case]]` header, for messages."""
        return f"{self.path}:{self.line}"


@attrs.frozen
class CaseResult:
    """How one case went: the lines that differ from what its author expected."""

    case: Case
    failures: tuple[str, ...]  # one line per number that differs; empty when the case passed

    @property
    def passed(self) -> bool:
        """Whether every expected number matched."""
        return not self.failures


def default_path(standard: str | Path) -> Path:
    """Where a standard's cases live: `city.scs` -> `city.cases.toml`, beside it."""
    path = Path(standard)
    return path.with_name(path.name.removesuffix(path.suffix) + CASES_SUFFIX)


# ===================================================================== reading
class _Reader:
    """Validates a parsed cases file, pointing each problem at its line in the text."""

    def __init__(self, path: Path, text: str, root: Path | None = None) -> None:
        self.path = path
        self.root = root  # the folder `data` files are read from; None: the cases file's
        self.lines = text.splitlines()
        self.starts = [text.count("\n", 0, match.start()) + 1 for match in _CASE_HEADER.finditer(text)]

    def fail(self, message: str, line: int | None = None) -> CaseFileError:
        """The error to raise, its message led by `file:line:` (or `file:` when the line is unknown)."""
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
        """Refuse a key outside `allowed` (most likely a typo), naming the allowed ones."""
        for key in table:
            if key not in allowed:
                raise self.fail(f"unknown key {key!r} in {what}; expected one of {', '.join(sorted(allowed))}",
                                self.line_of(index, key))


def load_cases(path: str | Path, *, root: str | Path | None = None) -> tuple[Case, ...]:
    """Every case of a cases file, validated; raises CaseFileError naming file:line.

    A case's `data` file is read only inside `root` (default: the cases file's folder)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as error:
        raise CaseFileError(f"{path}: cannot read cases: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise CaseFileError(f"{path}: invalid TOML: {error}") from None
    reader = _Reader(path, text, None if root is None else Path(root))
    for key in data:
        if key not in _TOP_KEYS:
            raise reader.fail(f"unknown top-level key {key!r}; expected `base` and `[[case]]` tables")
    base = data.get("base", {})
    cases = data.get("case", [])
    if not isinstance(base, dict) or not isinstance(cases, list) or not cases:
        raise reader.fail("expected a `[base]` table (optional) and at least one `[[case]]`")
    return tuple(_case(reader, index, raw, base) for index, raw in enumerate(cases))


def _case(reader: _Reader, index: int, raw: Mapping[str, Any], base: Mapping[str, Any]) -> Case:
    """Case number `index` of the file, validated."""
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
    """The records of the statistics file `data` (beside the cases file), with `inputs` laid
    over `entity`'s."""
    _allowed_data(reader, index, data)
    try:
        records = read_records(reader.path.parent / data)
    except DataFileError as error:
        raise reader.fail(str(error), reader.line_of(index, "data")) from None
    chosen = [str(r.get("entity")) == entity for r in records]  # a file's names may be numbers
    if not any(chosen):
        raise reader.fail(f"no entity {entity!r} in {data}", reader.line_of(index, "entity"))
    return tuple({**r, **inputs} if mine else r for r, mine in zip(records, chosen)), entity


def _allowed_data(reader: _Reader, index: int, data: str) -> None:
    """Refuse a `data` path the cases file may not read: absolute, leading out of the root
    (by `..` or a symlink), or not a regular file (a FIFO would block, /dev/zero never end).
    A cases file may come with an uploaded standard, and errors quote what they read."""
    line = reader.line_of(index, "data")
    if Path(data).is_absolute():
        raise reader.fail(f"`data` = {data!r} must be a path relative to the cases file", line)
    try:
        root = files.resolved(reader.root if reader.root is not None else reader.path.parent)
        target = files.resolved(reader.path.parent / data)
    except OSError as error:
        raise reader.fail(f"cannot read {data}: {error}", line) from None
    if not files.inside(target, root):
        raise reader.fail(f"`data` = {data!r} leads outside the folder statistics are read from", line)
    kind = files.special(target)
    if kind:
        raise reader.fail(f"`data` = {data!r} is {kind}, not a statistics file", line)


def _table(reader: _Reader, index: int, raw: Mapping[str, Any], key: str) -> dict[str, Any]:
    """The table under `key` (empty when absent)."""
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise reader.fail(f"`{key}` must be a table", reader.line_of(index, key))
    return value


def _check_expect(reader: _Reader, index: int, expect: Mapping[str, Any]) -> None:
    """Refuse an `expect` table that is not one: unknown keys, an unknown error, bad numbers."""
    reader.check_keys(expect, _EXPECT_KEYS, "`expect`", index)
    if "error" in expect and expect["error"] not in _ERRORS:
        raise reader.fail(f"`error` must be one of {', '.join(_ERRORS)}", reader.line_of(index, "error"))
    if "error" in expect and len(expect) > 1:
        raise reader.fail("a case that expects an error expects nothing else", reader.line_of(index, "error"))
    for key in ("total", "tolerance"):
        if key in expect:
            _check_number(reader, index, key, expect[key])
    rating = expect.get("rating")
    if rating is not None and (isinstance(rating, bool) or not isinstance(rating, (int, str))):
        raise reader.fail("`rating` is a level's number (0: unrated) or its name", reader.line_of(index, "rating"))
    for number, table in _subtables(reader, index, expect, "indicator"):
        if not _CODE.fullmatch(number):
            raise reader.fail(f"indicator {number!r} is not an indicator code such as 12 or L1P1-A1",
                              reader.line_of(index, number))
        _check_numbers(reader, index, table, _INDICATOR_KEYS, f"indicator {number}")
    for group, table in _subtables(reader, index, expect, "group"):
        _check_numbers(reader, index, table, _GROUP_KEYS, f"group {group!r}")


def _subtables(reader: _Reader, index: int, expect: Mapping[str, Any],
               key: str) -> list[tuple[str, Mapping[str, Any]]]:
    """The (name, table) pairs of `expect.indicator` or `expect.group`."""
    tables = expect.get(key, {})
    if not isinstance(tables, dict) or not all(isinstance(t, dict) for t in tables.values()):
        raise reader.fail(f"`expect.{key}` holds one table per {key}", reader.line_of(index, key))
    return list(tables.items())


def _check_numbers(reader: _Reader, index: int, table: Mapping[str, Any], allowed: frozenset[str],
                   what: str) -> None:
    """Refuse an indicator's or group's expectations that are not numbers, star levels or statuses."""
    reader.check_keys(table, allowed, what, index)
    for key in ("value", "points", "tolerance"):
        if key in table:
            _check_number(reader, index, key, table[key])
    stars = table.get("stars")
    if stars is not None and (isinstance(stars, bool) or not isinstance(stars, int) or not 0 <= stars <= 5):
        raise reader.fail(f"{what}: `stars` is a whole number from 0 to 5", reader.line_of(index, "stars"))
    status = table.get("status")
    if status is not None and status not in _STATUSES:
        raise reader.fail(f"{what}: `status` is {', '.join(_STATUSES[:-1])} or {_STATUSES[-1]}",
                          reader.line_of(index, "status"))


def _check_number(reader: _Reader, index: int, key: str, raw: Any) -> None:
    """Refuse an expected number that parse_number cannot read, pointing at its line."""
    try:
        parse_number(raw)
    except (TypeError, ValueError, ZeroDivisionError):
        raise reader.fail(f"`{key}` = {raw!r} is not a number", reader.line_of(index, key)) from None


def parse_number(raw: Any) -> Fraction:
    """An expected number: an integer, a float, a decimal string ("0.85", "85%") or a fraction ("2/3").

    Raises TypeError, ValueError or ZeroDivisionError for anything else; load_cases turns
    those into a CaseFileError, so a loaded case's numbers always parse.
    """
    return exact(raw)


# ===================================================================== running
def run_cases(standard: Standard, cases: Sequence[Case]) -> tuple[CaseResult, ...]:
    """Run every case against the standard, in order."""
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
    """One line per expectation of the case that the evaluation does not meet."""
    tolerance = parse_number(expect.get("tolerance", 0))
    failures = []
    if "total" in expect:
        failures += _mismatch("total", expect["total"], evaluation.total, tolerance)
    if "rating" in expect:
        failures += _rating(expect["rating"], evaluation)
    if "entity_type" in expect and expect["entity_type"] != evaluation.entity_type:
        failures.append(f"entity type: expected {expect['entity_type']!r}, got {evaluation.entity_type!r}")
    for code, table in expect.get("indicator", {}).items():
        failures += _indicator(str(code), table, evaluation, tolerance)
    for name, table in expect.get("group", {}).items():
        failures += _group(name, table, evaluation, tolerance)
    return failures


def _indicator(code: str, table: Mapping[str, Any], evaluation: Evaluation, tolerance: Fraction) -> list[str]:
    """The lines for indicator (or item) `code`'s expectations; its own tolerance overrides the
    case's. An indicator made of items has only its points to expect."""
    result = next((r for r in evaluation.indicators if r.code == code), None)
    if result is not None:
        got = {"value": result.value, "points": result.points, "stars": result.stars,
               "status": result.status.value}
        return _table_mismatches(f"indicator {code}", table, got, tolerance)
    node = next((n for n in evaluation.nodes if n.code == code and n.kind != "group"), None)
    if node is None:
        return [f"indicator {code}: the standard has no such indicator"]
    return _table_mismatches(f"indicator {code}", table, {"points": node.points}, tolerance)


def _group(name: str, table: Mapping[str, Any], evaluation: Evaluation, tolerance: Fraction) -> list[str]:
    """The lines for group `name`'s expectations; its own tolerance overrides the case's."""
    group = next((g for g in evaluation.groups if g.name == name), None)
    if group is None:
        return [f"group {name!r}: the standard has no such group"]
    return _table_mismatches(f"group {name!r}", table, {"points": group.points}, tolerance)


def _table_mismatches(what: str, want: Mapping[str, Any], got: Mapping[str, Any], tolerance: Fraction) -> list[str]:
    """One line per key of `got` whose expectation in `want` the result does not match."""
    local = parse_number(want.get("tolerance", tolerance))
    return [line for key, have in got.items() if key in want
            for line in _mismatch(f"{what} {key}", want[key], have, None if key in _EXACT_KEYS else local)]


def _mismatch(label: str, expected: Any, have: Any, tolerance: Fraction | None) -> list[str]:
    """`label: expected X, got Y` when they differ (exactly when `tolerance` is None, else
    by more than it); an empty list when they agree."""
    if tolerance is None:
        ok = have == expected
    else:
        ok = have is not None and abs(have - parse_number(expected)) <= tolerance
    if ok:
        return []
    shown = "n/a" if have is None else fmt(have) if isinstance(have, Fraction) else str(have)
    return [f"{label}: expected {expected}, got {shown}"]


def _rating(expected: int | str, evaluation: Evaluation) -> list[str]:
    """The rating line, if it differs: by rank for a number, else by name ("" means unrated)."""
    rating = evaluation.rating
    if rating is None:
        return ["rating: the standard has no rating rule"]
    have: int | str | None = rating.rank if isinstance(expected, int) else rating.name
    if have == expected or (expected == "" and have is None):
        return []
    return [f"rating: expected {expected!r}, got {have!r} ({rating.name or 'unrated'})"]
