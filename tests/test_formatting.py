"""The formatter (`smartcity-rules fmt`, toolkit/formatting.py): one layout, comments kept,
idempotent, and the meaning unchanged: the same syntax tree, the same scoring plan."""

from __future__ import annotations

import contextlib
import io
import re
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from random import Random

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import smartcity_rules as scr
from smartcity_rules.cli import main
from smartcity_rules.language.parse import parse, parse_concrete
from smartcity_rules.toolkit.formatting import format_source

from .conftest import FIXTURES, STANDARDS
from .differential import Generator
from .fuzzing import programs

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


def test_comments_blank_lines_and_long_lines() -> None:
    text = ('# head\n\nstandard "S" { # after the brace\n  level city   total 10 # after total\n  # last\n}\n'
            'input a "A": count  # a\ninput b "B": # inside a line\n  count, part of a\n'
            'group "G" points 10 {\n\n  indicator 1 "I" {\n    value ' + " + ".join(["a * 1000"] * 12) + "\n"
            '    stars at least 1, 2, 3, 4, 5 points 10 }\n\n}\n# the end\n')
    assert assert_formatted_well(text) == (
        '# head\n\nstandard "S" {    # after the brace\n    level city\n    total 10      # after total\n'
        '    # last\n}\ninput a "A": count               # a\ninput b "B": count, part of a    # inside a line\n'
        'group "G" points 10 {\n    indicator 1 "I" {\n'
        '        value ' + " + ".join(["a * 1000"] * 8) + "\n"
        '            + ' + " + ".join(["a * 1000"] * 4) + "\n"
        '        stars at least 1, 2, 3, 4, 5\n        points 10\n    }\n}\n# the end\n')


def test_parts_stand_one_a_line_after_a_trailing_comma() -> None:
    text = ('standard "S" { level city total 2 }\ninput a "A": flag\ninput b "B": flag\n'
            'group "G" points 2 { indicator 1 "I" { value checklist { a: 1, b: 1 } points 1 }\n'
            '  indicator 2 "J" { value checklist { a: 1/2, b: 1/2, } points table { >= 1: 1 < 1: 0 } provisional } }\n')
    assert assert_formatted_well(text).split("group")[1] == (
        ' "G" points 2 {\n    indicator 1 "I" {\n        value checklist { a: 1, b: 1 }\n        points 1\n    }\n'
        '    indicator 2 "J" {\n        value checklist {\n            a: 1/2,\n            b: 1/2,\n        }\n'
        '        points table {\n            >= 1: 1\n            < 1: 0\n        } provisional\n    }\n}\n')


def test_a_comment_after_code_inside_a_line_goes_to_its_end_or_above_it() -> None:
    text = ('standard "S" { level city total 2 }\ninput a "A": flag\ninput b "B": flag\n'
            'group "G" points 2 { indicator 2 "J" { value checklist { a: 1/2, b: 1/2, } # after the parts\n'
            '  + a points table { >= 1: 1 < 1: 0 } # after the table\n  # on its own\n  provisional\n'
            '  }\n  indicator 3 "K" { value weighted { 1/2: a, # first\n 1/2: b } # second\n } }\n')
    assert assert_formatted_well(text).split("group")[1] == (
        ' "G" points 2 {\n    indicator 2 "J" {\n        value checklist {\n            a: 1/2,\n'
        '            b: 1/2,\n        } + a    # after the parts\n        points table {\n            >= 1: 1\n'
        '            < 1: 0\n            # after the table\n            # on its own\n        } provisional\n'
        '    }\n    indicator 3 "K" {\n        # first\n'
        '        value weighted { 1/2: a, 1/2: b }    # second\n    }\n}\n')


def test_a_formula_deeper_than_the_stack_is_formatted() -> None:
    """Parentheses add no level to the syntax tree, so the parser takes thousands of them."""
    deep = "(" * 3000 + "a" + ")" * 3000
    text = ('standard "S" { level city total 1 }\ninput a "A": count\n'
            f'group "G" points 1 {{ indicator 1 "I" {{ value {deep} }} }}\n')
    assert f"        value {deep}\n" in format_source(text)


def test_a_syntax_error_is_reported_as_check_reports_it() -> None:
    with pytest.raises(scr.InvalidStandard) as raised:
        format_source('standard "S" {\n    level city\n', path="broken.scs")
    assert raised.value.diagnostics[0].code == "E0101"
    assert "broken.scs:" in str(raised.value)


# ------------------------------------------------------------------ generated standards
PROPERTIES = settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))


def gaps(text: str) -> list[tuple[int, int]]:
    """The spans of text between tokens (and before the first, after the last)."""
    words = list(parse_concrete(text).words())
    ends = [0, *(w.end for w in words)]
    starts = [*(w.start for w in words), len(text)]
    return list(zip(ends, starts, strict=True))


def respaced(text: str, random: Random) -> str:
    """The same tokens, comments and blank lines, with other whitespace between them: a gap
    holding a comment is kept as it is, one holding a blank line stays blank, others get one
    line break at most."""
    out, at = [], 0
    for start, end in gaps(text):
        gap = text[start:end]
        out.append(text[at:start])
        at = end
        if "#" in gap or start == 0 or end == len(text):
            out.append(gap)
        elif re.search(r"\n[^\S\n]*\n", gap):
            out.append(random.choice(["\n\n", "\n  \n\t", " \n\n\n  "]))
        else:
            out.append(random.choice([" ", "  ", "\t", "\n", " \n        ", "\n\t"]))
    return "".join(out) + text[at:]


def commented(text: str, random: Random, every: int) -> str:
    """Numbered comments put into about one gap in `every`, on a line of their own or after code."""
    out, at = [], 0
    for number, (start, end) in enumerate(gaps(text)):
        if random.randrange(every):
            continue
        where = random.choice([start, end])  # just after a token, or just before the next
        out.append(text[at:where])
        at = where
        out.append(random.choice(["  # c{n}\n", "\n# c{n}\n", "\n\n    # c{n}  \n\n"]).format(n=number))
    return "".join(out) + text[at:]


@PROPERTIES
@given(programs())
def test_random_programs_format_idempotently_keeping_their_tree_and_comments(text: str) -> None:
    try:
        parse(text)
    except scr.InvalidStandard:
        assume(False)
    assert_formatted_well(text)


@PROPERTIES
@given(st.sampled_from(SHIPPED), st.randoms(use_true_random=False))
def test_the_layout_depends_on_the_tokens_not_on_the_spaces_between_them(path: Path, random: Random) -> None:
    text = path.read_text(encoding="utf-8")
    assert format_source(respaced(text, random), path=str(path)) == text


@PROPERTIES
@given(st.sampled_from(SHIPPED), st.randoms(use_true_random=False), st.sampled_from([3, 20]))
def test_comments_anywhere_are_kept_in_order(path: Path, random: Random, every: int) -> None:
    assert_formatted_well(commented(path.read_text(encoding="utf-8"), random, every), str(path))


@PROPERTIES
@given(st.integers(0, 2**32), st.randoms(use_true_random=False))
def test_generated_standards_keep_their_scoring_plans(seed: int, random: Random) -> None:
    generator = Generator(seed)
    case = generator.case()
    typing = generator.typing(case) if seed % 3 == 0 else None
    text = replace(case, typing=typing).text()
    variant = commented(respaced(text, random), random, 10)
    formatted = assert_formatted_well(variant)
    assert plans(scr.loads(formatted)) == plans(scr.loads(text))
    assert format_source(respaced(formatted, random)) == formatted


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
