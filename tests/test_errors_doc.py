"""docs/errors.md stays true: every code has an entry, and each entry's example renders as shown.

An entry is a `## CODE` heading, a one-line description, ```scs blocks and a ```text block.
The example is `example.scs`; a block whose first line is `# file: NAME` is another file
next to it (a standard it `use`s).  A few examples cannot be small (a 2 MB file, a formula
2,000 parts wide): their text comes from GENERATED, and the block shows it abridged.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

import smartcity_rules as scr
from smartcity_rules.language.check import check
from smartcity_rules.language.diagnostics import Diagnostic, render
from smartcity_rules.language.parse import MAX_FORMULA_NODES, MAX_NESTING, MAX_SOURCE_CHARS, parse
from smartcity_rules.toolkit.sensitivity_spec import loads_spec
from smartcity_rules.toolkit.whatif import changed_standard

from .conftest import ROOT

ERRORS_MD = ROOT / "docs" / "errors.md"
HEADING = re.compile(r"^## ([EWN]\d{4})\n", re.MULTILINE)
BLOCK = re.compile(r"```(scs|text)\n(.*?)```", re.DOTALL)
FORMULA = ('standard "示例" {{ level city }}\ngroup "基础设施" {{\n'
           '    indicator 1 "光纤入户率" {{\n        value{}\n    }}\n}}\n')


def _deep() -> str:
    return FORMULA.format(" 1" + "\n        + 1" * (MAX_NESTING + 1))


def _wide() -> str:
    return FORMULA.format(" max(\n" + ",\n".join(["            1"] * MAX_FORMULA_NODES) + ")")


def _large() -> str:
    return 'standard "示例" { level city }\n' + ("#" * 99 + "\n") * (MAX_SOURCE_CHARS // 100 + 1)


GENERATED: dict[str, Callable[[], str | None]] = {
    "E0100": lambda: None,  # no file at all
    "E0109": _large,
    "E0110": _deep,
    "E0112": _wide,
    "E0114": lambda: 'standard "示例\x1b[31m" { level city }\n',  # the block shows ␛ for the raw ESC
}


def entries() -> dict[str, str]:
    """Each code's section of docs/errors.md."""
    text = ERRORS_MD.read_text(encoding="utf-8")
    heads = list(HEADING.finditer(text))
    return {m.group(1): text[m.end(): nxt.start() if nxt else len(text)]
            for m, nxt in zip(heads, [*heads[1:], None])}


def source_codes() -> set[str]:
    source = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "smartcity_rules").rglob("*.py"))
    return set(re.findall(r'"([EWN]0\d{3})"', source))


SPEC = re.compile(r"```toml\n(.*?)```", re.DOTALL)


def spec_diagnostics(section: str) -> list[Diagnostic]:
    """A sensitivity spec's entry (E04xx): its spec.toml read against its standard, as `sensitivity --spec` reads it."""
    standard = scr.loads(BLOCK.findall(section)[0][1], "example.scs")
    try:
        loads_spec(SPEC.findall(section)[0], standard.plan, "spec.toml")
    except scr.InvalidSpec as error:
        return list(error.diagnostics)
    return []


def diagnostics_of(code: str, section: str, where: Path) -> list[Diagnostic]:
    """Writes the entry's files into `where` and returns every diagnostic `smartcity-rules check` gives."""
    if code.startswith("E041"):  # sensitivity's E0410-E0419 (whatif's E0400-E0407 are below)
        return spec_diagnostics(section)
    main: str | None = None
    for kind, body in BLOCK.findall(section):
        if kind != "scs":
            continue
        named = re.match(r"# file: (\S+)\n", body)
        if named:
            (where / named.group(1)).write_text(body[named.end():], encoding="utf-8")
        else:
            main = body
    if code in GENERATED:
        main = GENERATED[code]()
    if code == "E0247":  # only a tree checked without linking meets it; `diagnose` always links
        assert main is not None
        try:
            check(parse(main, "example.scs"))
        except scr.InvalidStandard as error:
            return list(error.diagnostics)
        return []
    if main is not None:
        (where / "example.scs").write_text(main, encoding="utf-8")
    if code.startswith("E040"):  # whatif's: the --sets are the comments `# --set '...'` atop the example
        return _whatif_diagnostics(re.findall(r"^# --set '(.*)'$", main or "", re.MULTILINE))
    return list(scr.diagnose("example.scs"))


def _whatif_diagnostics(sets: list[str]) -> list[Diagnostic]:
    try:
        changed_standard(scr.load("example.scs"), sets)
    except scr.InvalidStandard as error:
        return list(error.diagnostics)
    return []


def rendered(code: str, section: str, where: Path) -> str:
    shown = [render(d) for d in diagnostics_of(code, section, where) if d.code == code]
    return "\n\n".join(shown).replace(f"{where.resolve()}/", "") + "\n"


def test_every_code_in_the_source_has_an_entry_and_every_entry_a_code() -> None:
    assert sorted(source_codes() - set(entries())) == []
    assert sorted(set(entries()) - source_codes()) == []


def test_entries_are_in_code_order_and_complete() -> None:
    assert list(entries()) == sorted(entries())
    for code, section in entries().items():
        description = section.strip().split("\n")[0]
        assert description and not description.startswith("```"), code
        kinds = [kind for kind, _ in BLOCK.findall(section)]
        assert "scs" in kinds and kinds[-1] == "text", code


@pytest.mark.parametrize("code", sorted(entries()))
def test_each_example_renders_as_shown(code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    section = entries()[code]
    shown = BLOCK.findall(section)[-1][1]
    assert rendered(code, section, tmp_path) == shown
