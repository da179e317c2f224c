"""The library reports through `logging`, never print: only the command line (cli.py) writes to the terminal."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

import pytest

import smartcity_rules as scr

from .conftest import FIXTURES, ROOT

LIBRARY = sorted((ROOT / "smartcity_rules").rglob("*.py"))
SPEAKS = {"cli.py"}  # the command line may print: it is the program, not the library


def writes_to_the_terminal(tree: ast.AST) -> list[int]:
    """The lines that print to stdout (a print without file=) or reach for sys.stdout or sys.stderr."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print":
            if not any(keyword.arg == "file" for keyword in node.keywords):
                found.append(node.lineno)
        elif isinstance(node, ast.Attribute) and node.attr in ("stdout", "stderr") and \
                isinstance(node.value, ast.Name) and node.value.id == "sys":
            found.append(node.lineno)
    return found


@pytest.mark.parametrize("path", [p for p in LIBRARY if p.name not in SPEAKS],
                         ids=[str(p.relative_to(ROOT)) for p in LIBRARY if p.name not in SPEAKS])
def test_the_library_never_prints(path: Path) -> None:
    assert writes_to_the_terminal(ast.parse(path.read_text("utf-8"))) == []


def test_the_scan_finds_a_print() -> None:
    assert writes_to_the_terminal(ast.parse("print('x')\nprint('y', file=out)\nsys.stderr.write('z')\n")) == [1, 3]


def test_loading_is_logged_at_debug_and_silent_by_default(caplog: pytest.LogCaptureFixture) -> None:
    assert any(isinstance(h, logging.NullHandler) for h in logging.getLogger("smartcity_rules").handlers)
    with caplog.at_level(logging.DEBUG, logger="smartcity_rules"):
        scr.load(FIXTURES / "mini.scs")
    (record,) = [r for r in caplog.records if r.name == "smartcity_rules.standard"]
    assert record.levelno == logging.DEBUG and "mini.scs: 5 indicators" in record.getMessage()
