"""The formatter (`smartcity-rules fmt`, toolkit/formatting.py): one layout, comments kept,
idempotent, and the meaning unchanged: the same syntax tree, the same scoring plan."""

from __future__ import annotations

import contextlib
import io
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import smartcity_rules as scr
from smartcity_rules.cli import main
from smartcity_rules.language.parse import parse
from smartcity_rules.toolkit.formatting import format_source

from .conftest import FIXTURES, STANDARDS

SHIPPED = sorted(STANDARDS.rglob("*.scs"))
ALL_FILES = [*SHIPPED, *sorted(FIXTURES.glob("*.scs"))]


def comments(text: str) -> list[str]:
    """Every comment's text, in order (a tokenizer good enough for texts without `#` in strings)."""
    return [m.group().rstrip() for m in re.finditer(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*', text) if m.group()[0] == "#"]


def assert_formatted_well(text: str, name: str = "<text>") -> str:
    formatted = format_source(text, path=name)
    assert format_source(formatted, path=name) == formatted, "formatting twice changed the text"
    assert parse(formatted, name) == parse(text, name), "the syntax tree changed"
    assert comments(formatted) == comments(text), "a comment was lost or moved out of order"
    return formatted


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.name)
def test_every_shipped_file_keeps_its_tree_and_comments(path: Path) -> None:
    assert_formatted_well(path.read_text(encoding="utf-8"), str(path))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_standard_is_formatted(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert format_source(text, path=str(path)) == text, f"run `smartcity-rules fmt {path}`"


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_the_scoring_plan_is_unchanged(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    compact = re.sub(r"\n\s*\n", "\n", re.sub(r"[ \t]+", " ", text))  # another layout, same tokens
    formatted = format_source(compact, path=str(path))
    assert formatted != compact
    again = scr.loads(formatted, str(path), root=STANDARDS)
    assert plans(again) == plans(scr.load(path, root=STANDARDS))


def plans(standard: scr.Standard) -> list[str]:
    """The scoring plan of each entity type the standard scores (one for a plain standard)."""
    return [standard.variant(kind).plan.dump() for kind in standard.entity_types or [None]]


def test_a_compact_standard_is_laid_out_one_clause_a_line() -> None:
    text = ('standard "S" { level city total 10 }\ninput a "A": count\ninput b "B":count,part of a\n'
            'group "G" points 10 { indicator 1 "I" { value ratio( b,a ) stars at least 1%,2%,3%,4%,5% '
            'points 10 } }\nrating { level 1 "一" when total>=5 and indicator 1 >= 1 stars }\n')
    assert assert_formatted_well(text) == (
        'standard "S" {\n    level city\n    total 10\n}\ninput a "A": count\ninput b "B": count, part of a\n'
        'group "G" points 10 {\n    indicator 1 "I" {\n        value ratio(b, a)\n'
        '        stars at least 1%, 2%, 3%, 4%, 5%\n        points 10\n    }\n}\n'
        'rating {\n    level 1 "一" when total >= 5 and indicator 1 >= 1 stars\n}\n')


def test_a_syntax_error_is_reported_as_check_reports_it() -> None:
    with pytest.raises(scr.InvalidStandard) as raised:
        format_source('standard "S" {\n    level city\n', path="broken.scs")
    assert raised.value.diagnostics[0].code == "E0101"
    assert "broken.scs:" in str(raised.value)


# ------------------------------------------------------------------ the command
UNFORMATTED = 'standard "S" { level city total 1 }  # the header\ninput a "A":count\n'
FORMATTED = 'standard "S" {\n    level city\n    total 1\n}    # the header\ninput a "A": count\n'


def run(*argv: str | Path, stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with mock_stdin(stdin):
        code = main([str(a) for a in argv], out, err)
    return code, out.getvalue(), err.getvalue()


@contextlib.contextmanager
def mock_stdin(text: str) -> Iterator[None]:
    """Standard input holding `text` (the stream is a real one: StringIO is what sys.stdin reads)."""
    saved = sys.stdin
    sys.stdin = io.StringIO(text)
    try:
        yield
    finally:
        sys.stdin = saved


def test_fmt_rewrites_a_file_in_place_and_leaves_a_formatted_one_alone(tmp_path: Path) -> None:
    path = tmp_path / "s.scs"
    path.write_text(UNFORMATTED, encoding="utf-8")
    assert run("fmt", path) == (0, "", "")
    assert path.read_text(encoding="utf-8") == FORMATTED
    before = path.stat().st_mtime_ns
    assert run("fmt", path) == (0, "", "")
    assert path.stat().st_mtime_ns == before, "an unchanged file was written"


def test_fmt_check_lists_what_would_change_and_exits_1(tmp_path: Path) -> None:
    bad, good = tmp_path / "bad.scs", tmp_path / "good.scs"
    bad.write_text(UNFORMATTED, encoding="utf-8")
    good.write_text(FORMATTED, encoding="utf-8")
    assert run("fmt", "--check", bad, good) == (1, f"{bad}\n", "")
    assert bad.read_text(encoding="utf-8") == UNFORMATTED
    assert run("fmt", "--check", good) == (0, "", "")


def test_fmt_diff_shows_the_change_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "s.scs"
    path.write_text(UNFORMATTED, encoding="utf-8")
    code, out, _ = run("fmt", "--diff", path)
    assert code == 0 and path.read_text(encoding="utf-8") == UNFORMATTED
    assert out.startswith(f"--- {path}\n+++ {path} (formatted)\n")
    assert '-standard "S" { level city total 1 }  # the header\n' in out and "+    level city\n" in out


def test_fmt_reads_standard_input_and_writes_standard_output() -> None:
    assert run("fmt", "-", stdin=UNFORMATTED) == (0, FORMATTED, "")
    assert run("fmt", "--check", "-", stdin=UNFORMATTED) == (1, "-\n", "")


def test_fmt_reports_a_bad_file_and_formats_the_others(tmp_path: Path) -> None:
    broken, fine = tmp_path / "broken.scs", tmp_path / "fine.scs"
    broken.write_text('standard "S" {\n    level city\n', encoding="utf-8")
    fine.write_text(UNFORMATTED, encoding="utf-8")
    code, out, err = run("fmt", tmp_path / "missing.scs", broken, fine)
    assert code == 1 and out == ""
    assert f"{tmp_path / 'missing.scs'}:1:1: error[E0100]: cannot read standard" in err
    assert f"{broken}:2:" in err and "error[E0101]" in err and "Traceback" not in err
    assert fine.read_text(encoding="utf-8") == FORMATTED


def test_the_shipped_standards_pass_fmt_check() -> None:
    assert run("fmt", "--check", *SHIPPED) == (0, "", "")
