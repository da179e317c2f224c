"""The documentation's examples are real: every standard in it parses and checks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import smartcity_rules as scr
from smartcity_rules import testing
from smartcity_rules.language.parse import parse

from .conftest import ROOT

# errors.md's examples fail on purpose; tests/test_errors_doc.py holds them to their codes.
DOCS = [ROOT / "README.md", *sorted(p for p in (ROOT / "docs").glob("*.md") if p.name != "errors.md")]
BLOCK = re.compile(r"```scs\n(.*?)```", re.DOTALL)
HEADER = 'standard "T" { level city }\n'
WRAPPERS = {
    "top level": "{body}",
    "indicator body": 'group "G" {{ indicator 1 "I" {{\n{body}\n}} }}',
    "formulas": 'group "G" {{ indicator 1 "I" {{ value\n{body}\n}} }}',
}


def blocks() -> list[tuple[str, str]]:
    found = []
    for path in DOCS:
        for number, match in enumerate(BLOCK.finditer(path.read_text(encoding="utf-8")), start=1):
            found.append((f"{path.name}#{number}", match.group(1)))
    return found


@pytest.mark.parametrize(("where", "text"), blocks(), ids=[w for w, _ in blocks()])
def test_every_scs_block_parses(where: str, text: str) -> None:
    if text.lstrip().startswith("standard"):
        parse(text, where)
        return
    kind = re.match(r"#\s*fragment:\s*([a-z ]+)", text.lstrip())
    wrapper = WRAPPERS[kind.group(1).strip()] if kind else "{body}"
    if wrapper == WRAPPERS["formulas"]:
        for line in (ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")):
            parse(HEADER + wrapper.format(body=line), where)
        return
    parse(HEADER + wrapper.format(body=text), where)


def test_full_examples_check_clean() -> None:
    complete = [(w, t) for w, t in blocks() if t.lstrip().startswith("standard") and "\ngroup" in t]
    assert len(complete) >= 2
    for where, text in complete:
        standard = scr.loads(text, where)
        assert standard.indicator_codes, where


def test_full_examples_score_and_keep_their_invariants() -> None:
    """Each complete example of the language reference is run: generated cohorts scored, and
    every invariant of the testing kit held."""
    complete = [(w, t) for w, t in blocks() if t.lstrip().startswith("standard") and "\ngroup" in t]
    for where, text in complete:
        run = testing.run_invariants(scr.loads(text, where), examples=5, seed=1)
        assert run.failure is None, (where, run.failure, run.counterexample)
        assert run.examples == 5, where


def test_every_diagnostic_code_is_tested() -> None:
    source = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "smartcity_rules").rglob("*.py"))
    codes = set(re.findall(r'"(E\d{4}|W\d{4})"', source))
    golden = {p.stem for p in (Path(__file__).parent / "golden").rglob("*.txt")}
    tests = "".join(p.read_text(encoding="utf-8") for p in Path(__file__).parent.glob("test_*.py"))
    untested = sorted(c for c in codes if c not in golden and c not in tests)
    assert untested == []


# A python block, and the text block right after it if there is one: what the code prints.
PYTHON = re.compile(r"```python\n((?:(?!```).)*?)```(?:\n\n```text\n((?:(?!```).)*?)```)?", re.DOTALL)
PYTHON_BLOCKS = [(f"{p.name}#{n}", m.group(1), m.group(2)) for p in DOCS
                 for n, m in enumerate(PYTHON.finditer(p.read_text(encoding="utf-8")), start=1)]


@pytest.mark.parametrize(("where", "code", "shown"), PYTHON_BLOCKS, ids=[w for w, _, _ in PYTHON_BLOCKS])
def test_python_examples_run_and_print_what_they_show(where: str, code: str, shown: str | None,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {"__name__": "__docs__"}
    exec(compile(code, where, "exec"), namespace)  # our own documentation, not author text
    # A block that shows a user's own test (docs/testing.md) defines test_* functions: run them.
    for name, function in namespace.items():
        if name.startswith("test_") and callable(function):
            function()
    printed = capsys.readouterr().out
    if shown is not None:
        assert printed == shown
