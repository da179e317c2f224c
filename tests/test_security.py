"""Author text never runs as code: hostile names and strings in a standard are inert data, or
a clean error, everywhere author text goes: the generated evaluator, results and JSON, the
report tables, explanations and the published document (Markdown and HTML)."""

from __future__ import annotations

import ast
import io
import json
import os
import re
import time
from pathlib import Path

import pytest

import smartcity_rules as scr
from smartcity_rules import document
from smartcity_rules.cli import main
from smartcity_rules.language import files
from smartcity_rules.publish import report
from smartcity_rules.results import dictcode

from .conftest import STANDARDS


def _dsl(text: str) -> str:
    """A Python string as a standard's string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'


SENTINEL = Path("/tmp/smartcity-rules-pwned")
PAYLOADS = [
    f"__import__('pathlib').Path('{SENTINEL}').touch()",
    "'); __import__('os').system('touch /tmp/x'); ('",
    '"]; import os; x = ["',
    "line one\nline two\tand a tab",
    "back\\slash\\\\ and \\n not a newline",
    "</script><script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1)) **bold** `code` | a | table |",
    "{{ 7 * 7 }} ${7*7} %(x)s {0}",
    "ｆｉｂｒｅ раураl ℌ",  # full-width, Cyrillic look-alikes, a letter NFKC folds
    "def class lambda None True import",
]
# Input names are restricted to letters, digits and `_`, but that still allows these.
NAMES = ["__import__", "__builtins__", "class", "import", "None", "record", "cohort", "x0", "_coerce_int",
         "_K0", "ℌ", "ｆｉｂｒｅ"]


def _hostile_standard() -> str:
    """Every place a standard holds author text, filled with the payloads."""
    p = [_dsl(text) for text in PAYLOADS]
    inputs = "".join(f"input {name} {p[i % len(p)]}: count {p[(i + 1) % len(p)]}\n" for i, name in enumerate(NAMES))
    total = " + ".join(NAMES)
    indicators = "".join(
        f"    indicator {i + 1} {p[i]} {{\n        description {p[(i + 3) % len(p)]}\n"
        f"        note {p[(i + 5) % len(p)]}\n        value {total}\n"
        "        stars at least 1, 2, 3, 4, 500\n        points 1\n    }\n" for i in range(len(p)))
    return (f"standard {p[0]} {{\n    level city\n    edition {p[1]}\n    source {p[2]}\n"
            f"    note {p[3]}\n    total {len(p)}\n}}\n{inputs}"
            f"group {p[5]} points {len(p)} {{\n{indicators}}}\n"
            f"rating {{\n    level 2 {p[6]} when total >= 2 and group {p[5]} >= 1 points\n"
            f"    level 1 {p[7]} when total >= 1\n}}\n")


@pytest.fixture(scope="module")
def hostile() -> scr.Standard:
    SENTINEL.unlink(missing_ok=True)
    return scr.loads(_hostile_standard(), "hostile.scs")


RECORD = {"entity": "</td><script>alert('entity')</script>\n\"", **{name: 1 for name in NAMES}}


def test_escapes_in_strings_are_read_once() -> None:
    """Regression: `\\n` (an escaped backslash, then n) was read as a backslash and a line break."""
    assert scr.loads('standard "a\\\\nb \\"q\\" \\\\" { level city }').title == 'a\\nb "q" \\'


def test_generated_code_holds_no_author_text(hostile: scr.Standard) -> None:
    tree = ast.parse(hostile.python_source)
    strings = {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)}
    # input names, only as dictionary keys, and indicator codes (letters, digits, `.` and `-`)
    assert strings <= set(NAMES) | {f"{n}@previous" for n in NAMES} | set(hostile.indicator_codes)
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    assert not names & {"__import__", "__builtins__", "eval", "exec", "open", "getattr", "os"}
    for fragment in ("pathlib", "system", "script", "alert", "lambda", "javascript"):
        assert fragment not in hostile.python_source


# The keys of Evaluation.to_dict(): the only strings the generated result writer may hold.
RESULT_KEYS = {"entity", "entity_type", "standard", "edition", "total", "rating", "groups", "indicators", "nodes",
               "cohort", "missing", "missing_share", "provisional", "rank", "name", "levels", "reached", "failed",
               "requirement", "actual", "points", "status", "value", "stars", "exact", "unrounded", "members"}


def test_the_generated_result_writer_holds_no_author_text(hostile: scr.Standard) -> None:
    source, constants = dictcode.generate(hostile._compiled._shape)
    tree = ast.parse(source)
    strings = {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)}
    assert strings <= RESULT_KEYS
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    made = re.compile(r"_K\d+|[VSPH]\d+|A\d+(_\d+)?|H\d+_\d+|N[TU]\d+|[fgin]\d+")
    fixed = set(dictcode.PARAMETERS) | {"row", "v", "m", "k", "exact", "indicators", "rank", "name", "write"}
    assert {name for name in names if not made.fullmatch(name)} <= fixed
    assert PAYLOADS[0] in constants.values()  # the title: a constant, never code
    (result,) = hostile.evaluate_cohort([RECORD])
    assert result.to_dict()["groups"][0]["name"] == PAYLOADS[5]
    assert not SENTINEL.exists()


def test_author_text_is_data_in_results_and_json(hostile: scr.Standard) -> None:
    (result,) = hostile.evaluate_cohort([RECORD])
    assert result.standard == PAYLOADS[0] and result.edition == PAYLOADS[1]
    assert [i.name for i in result.indicators] == PAYLOADS
    assert result.indicators[0].value == len(NAMES) and result.indicators[0].stars == 4
    assert result.rating is not None and result.rating.name == PAYLOADS[6]
    assert json.loads(report.to_json([result]))[0]["indicators"][3]["name"] == PAYLOADS[3]
    assert not SENTINEL.exists()


def test_report_tables_and_explanations_show_author_text_as_text(hostile: scr.Standard) -> None:
    (result,) = hostile.evaluate_cohort([RECORD])
    text = report.tables(hostile, [result])
    assert PAYLOADS[5] in text  # the group name, verbatim
    explanation = hostile.explain([RECORD], RECORD["entity"], 1).render()
    assert PAYLOADS[3] in explanation  # the description, line break and all
    assert not SENTINEL.exists()


def test_the_html_document_escapes_every_author_string(hostile: scr.Standard) -> None:
    page = document.to_html(hostile)
    assert "<script>" not in page and "<img" not in page
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "javascript:" not in page.replace("[click](javascript:", "")  # never as a link target
    assert 'href="javascript' not in page


def test_the_markdown_document_keeps_author_text_from_becoming_markup(hostile: scr.Standard) -> None:
    # Outside fenced code (shown as it is) and $$ math (LaTeX: labels there are not Markdown-escaped,
    # which matters only to a renderer without math support; reported), no author markup survives.
    page = re.sub(r"```.*?```|\$\$.*?\$\$", "", document.to_markdown(hostile), flags=re.DOTALL)
    assert not re.search(r"(?<!\\)<(script|img)", page)  # `\<` is a Markdown escape: shown, not markup
    assert "[click](" not in page  # the brackets are escaped: no live link


def test_the_docs_command_writes_the_hostile_standard(tmp_path: Path) -> None:
    path = tmp_path / "hostile.scs"
    path.write_text(_hostile_standard(), encoding="utf-8")
    out = io.StringIO()
    assert main(["docs", str(path), "--format", "html"], out=out, err=io.StringIO()) == 0
    assert "<script>" not in out.getvalue()
    assert not SENTINEL.exists()


@pytest.mark.parametrize("text", [
    'standard "a\nb" { level city }\n',  # a raw line break in a string
    'standard "a\\q" { level city }\n',  # an unknown escape
    'standard "T" { level city }\ninput fibre\u200b "x": count\n',  # a zero-width space in a name
    'standard "T" { level city }\ninput 名字 "x": count, part of 名字\n',
    'standard "T" { level city }\ninput x "x": count\ngroup "G" points 1 { indicator 1 "I" '
    "{ value __import__(x) stars at least 1, 2, 3, 4, 5 points 1 } }\n",
    'standard "T" { level city }\ninput x "x": count\ngroup "G" points 1 { indicator 1 "I" '
    "{ value x.__class__ stars at least 1, 2, 3, 4, 5 points 1 } }\n",
])
def test_hostile_syntax_is_a_clean_error(text: str) -> None:
    with pytest.raises(scr.InvalidStandard) as caught:
        scr.loads(text)
    assert caught.value.diagnostics and str(caught.value)


# ---------------------------------------------------------------- text no encoding can write
@pytest.mark.parametrize("text", [
    'standard "\ud800" { level city }\n',  # in a string
    'standard "T" { level city }  # \udc80 in a comment\n',
    'standard "T" { level \ud800 }\n',
    "\ud800",
])
def test_lone_surrogates_are_a_clean_error_that_prints(text: str) -> None:
    # Regression: a title or comment holding one loaded, and the document, the report and the
    # error messages then raised UnicodeEncodeError wherever they were written out.
    with pytest.raises(scr.InvalidStandard) as caught:
        scr.loads(text, "surrogate.scs")
    (found,) = caught.value.diagnostics
    assert found.code == "E0103" and found.message.startswith("unexpected character U+D")
    str(caught.value).encode("utf-8")  # no UnicodeEncodeError


def test_a_name_no_encoding_can_write_still_renders() -> None:
    # os.listdir() gives an undecodable file name as lone surrogates (surrogateescape).
    with pytest.raises(scr.InvalidStandard) as caught:
        scr.loads('standard "T" { level town }\n', "b\udcff.scs")
    assert str(caught.value).startswith("b\ufffd.scs:1:22: error[E0111]")


def test_a_control_character_in_a_message_reaches_no_terminal() -> None:
    with pytest.raises(scr.InvalidStandard) as caught:
        scr.loads('standard "T" { level city }\n\x1b[31m\n')
    assert "\x1b" not in str(caught.value) and "unexpected character `␛`" in str(caught.value)


# ---------------------------------------------------------------- what a standard may read
SECRET = "SECRET-LINE-never-shown"
MAIN = 'standard "T" {{ level city }}\nuse "{path}" as base\ngroup "G" points 1 {{ indicator 1 from base 1 }}\n'


def _refusal(path: str, folder: Path, **root: Path) -> scr.InvalidStandard:
    """The error for a standard in `folder` that uses `path`; it must not quote the SECRET."""
    (folder / "main.scs").write_text(MAIN.format(path=path), encoding="utf-8")
    started = time.process_time()  # CPU, not the clock: a loaded machine cannot fail it
    with pytest.raises(scr.InvalidStandard) as caught:
        scr.load(folder / "main.scs", **root)
    assert time.process_time() - started < 5, "took too long"
    assert SECRET not in str(caught.value) and os.environ.get("PATH", "-") not in str(caught.value)
    return caught.value


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder holding a standard, beside a file whose errors would quote the SECRET."""
    (tmp_path / "secret.scs").write_text(f"{SECRET}\n", encoding="utf-8")
    (tmp_path / "standards").mkdir()
    return tmp_path / "standards"


@pytest.mark.parametrize("path", ["/proc/self/environ", "/etc/passwd", "/dev/zero"])
def test_a_use_of_an_absolute_path_is_refused_unread(path: str, outside: Path) -> None:
    (found,) = _refusal(path, outside).diagnostics
    assert found.code == "E0250" and found.message == f"`{path}` is an absolute path"


def test_a_use_that_climbs_out_of_the_folder_is_refused_unread(outside: Path) -> None:
    (found,) = _refusal("../secret.scs", outside).diagnostics
    assert found.code == "E0251"


def test_a_symlink_out_of_the_folder_is_refused_unread(outside: Path) -> None:
    (outside / "city.scs").symlink_to(outside.parent / "secret.scs")
    (outside / "env.scs").symlink_to("/proc/self/environ")
    assert [d.code for d in _refusal("city.scs", outside).diagnostics] == ["E0251"]
    assert [d.code for d in _refusal("env.scs", outside).diagnostics] == ["E0251"]


def test_a_use_of_a_fifo_is_refused_without_blocking(outside: Path) -> None:
    os.mkfifo(outside / "city.scs")  # opened for reading, it would wait for a writer
    (found,) = _refusal("city.scs", outside).diagnostics
    assert found.code == "E0252" and found.message == "`city.scs` is a FIFO, not a standard file"


@pytest.mark.parametrize(("path", "kind"), [("dev/zero", "a character device"), ("tmp", "a directory")])
def test_a_use_of_a_device_or_a_folder_is_refused(path: str, kind: str) -> None:
    with pytest.raises(scr.InvalidStandard) as caught:
        scr.loads(MAIN.format(path=path), "/main.scs", root="/")  # the root `/` holds /dev/zero
    (found,) = caught.value.diagnostics
    assert found.code == "E0252" and found.message == f"`{path}` is {kind}, not a standard file"


def test_a_symlink_loop_is_a_clean_error(outside: Path) -> None:
    (outside / "a.scs").symlink_to(outside / "b.scs")
    (outside / "b.scs").symlink_to(outside / "a.scs")
    assert [d.code for d in _refusal("a.scs", outside).diagnostics] == ["E0243"]


def test_a_path_no_file_system_takes_is_a_clean_error(outside: Path) -> None:
    with pytest.raises(OSError):  # what link() and cases.py catch: a NUL stops Python before the system
        files.resolved(outside / "a\0b.scs")
    assert files.special(outside / "a\0b.scs") == ""


def test_a_root_lets_a_standard_use_one_beside_its_folder(outside: Path) -> None:
    (outside.parent / "city.scs").write_text(
        'standard "C" { level city }\ninput x "x": count\ngroup "G" points 1 '
        '{ indicator 1 "I" { value x stars at least 1, 2, 3, 4, 5 points 1 } }\n', encoding="utf-8")
    (outside / "main.scs").write_text(MAIN.format(path="../city.scs"), encoding="utf-8")
    assert scr.load(outside / "main.scs", root=outside.parent).evaluate({"x": 5}).total == 1
    assert not scr.diagnose(outside / "main.scs", root=outside.parent)
    text = MAIN.format(path="../city.scs")
    assert scr.loads(text, str(outside / "main.scs"), root=outside.parent).indicator_numbers == (1,)
    assert [d.code for d in scr.diagnose(outside / "main.scs")] == ["E0251"]  # not without it


def test_the_root_still_holds_the_standards_a_base_uses(outside: Path) -> None:
    (outside / "city.scs").write_text('standard "C" { level city }\nuse "../secret.scs" as s\n'
                                      'group "G" points 1 { indicator 1 from s 1 }\n', encoding="utf-8")
    (found,) = _refusal("city.scs", outside).diagnostics
    assert found.code == "E0251" and found.span is not None and found.span.source.name.endswith("city.scs")


def test_the_command_line_takes_a_root() -> None:
    revised = str(STANDARDS / "examples" / "shandong-city-revised.scs")  # it uses ../shandong-city-2019.scs
    out, err = io.StringIO(), io.StringIO()
    assert main(["check", revised, "--root", str(STANDARDS)], out=out, err=err) == 0, err.getvalue()
    assert main(["check", revised], out=io.StringIO(), err=err) == 1 and "E0251" in err.getvalue()


# ---------------------------------------------------------------- what a caller names
def test_a_named_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "standard.scs")
    with pytest.raises(scr.InvalidStandard) as caught:
        scr.load(tmp_path / "standard.scs")
    (found,) = caught.value.diagnostics
    assert found.code == "E0100" and found.message.endswith("is a FIFO, not a regular file")


def test_a_file_over_the_size_limit_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 100)
    (tmp_path / "big.scs").write_text(f'standard "{SECRET}" {{ level city }}\n' + "#" * 200, encoding="utf-8")
    with pytest.raises(scr.InvalidStandard) as caught:
        scr.load(tmp_path / "big.scs")
    (found,) = caught.value.diagnostics
    assert found.code == "E0109" and found.message == "standard file is larger than 100 bytes"
    assert SECRET not in str(caught.value)


def test_a_file_in_proc_is_read_no_further_than_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    # /proc files say they are empty; reading one stops at the limit all the same.
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 10)
    with pytest.raises(files.FileRefused):
        files.read_bytes(Path("/proc/self/status"))
