"""The formatter (`smartcity-rules fmt`, toolkit/formatting.py): one layout, comments kept,
idempotent, and the meaning unchanged: the same syntax tree, the same scoring plan."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import smartcity_rules as scr
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
