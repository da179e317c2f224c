"""The tutorial's outputs are real: its final standard and data reproduce them."""

from __future__ import annotations

import doctest
import io
import os
import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest

from smartcity_rules.cli import main

from .conftest import ROOT

TUTORIAL = (ROOT / "docs" / "tutorial.md").read_text(encoding="utf-8")


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", TUTORIAL, re.DOTALL)


# The standard the tutorial builds: its last complete version (§5).  Later sections quote other
# standards (§10: excerpts of the national one), which are not city-mini.scs.
CITY_MINI = [b for b in _blocks("scs") if b.startswith('standard "示例市新型智慧城市评价(教程版)"')][-1]


@pytest.fixture
def workdir(tmp_path: Path) -> Iterator[Path]:
    (tmp_path / "city-mini.scs").write_text(CITY_MINI, encoding="utf-8")
    (tmp_path / "cities.json").write_text(_blocks("json")[-1], encoding="utf-8")
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(old)


def _runs() -> list[tuple[list[str], list[str]]]:
    """(argv, shown output lines) of every score and explain command in the tutorial."""
    found = []
    for block in _blocks("console"):
        command, *shown = block.splitlines()
        argv = shlex.split(command.removeprefix("$ "))
        if argv[0] == "smartcity-rules" and argv[1] in ("score", "explain"):
            found.append((argv[1:], [line for line in shown if line.strip() and line.strip() != "…"]))
    return found


@pytest.mark.parametrize(("argv", "shown"), _runs(), ids=[" ".join(a) for a, _ in _runs()])
def test_console_output_is_what_the_command_prints(workdir: Path, argv: list[str], shown: list[str]) -> None:
    out = io.StringIO()
    assert main(argv, out, io.StringIO()) == 0
    actual = out.getvalue().splitlines()
    position = 0
    for line in shown:  # the shown lines appear in order (the tutorial may trim in between)
        assert line in actual[position:], line
        position = actual.index(line, position) + 1


def test_python_sessions_run_as_shown(workdir: Path) -> None:
    shared: dict[str, object] = {}  # later sessions go on from earlier ones
    report: list[str] = []
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for number, block in enumerate(_blocks("pycon")):
        test = doctest.DocTestParser().get_doctest(block, shared, f"tutorial session {number + 1}", None, 0)
        runner.run(test, out=report.append, clear_globs=False)
        shared = test.globs  # a DocTest works on a copy of the names it is given
    assert runner.summarize(verbose=False).failed == 0, "".join(report)
