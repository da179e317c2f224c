"""The README's tour is real: every command it shows on the bundled files runs and succeeds."""

from __future__ import annotations

import glob
import re
import shlex
from io import StringIO
from pathlib import Path

import pytest

from smartcity_rules.cli import main

from .conftest import ROOT

SHELL_BLOCK = re.compile(r"```sh\n(.*?)```", re.DOTALL)


def tour_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = [line.split("#")[0].strip() for block in SHELL_BLOCK.findall(text) for line in block.splitlines()]
    # `my-standard.scs` stands for the reader's own file; set-up lines install rather than run.
    return [line for line in lines if line.startswith("smartcity-rules ") and "my-standard" not in line]


def test_the_tour_covers_every_command() -> None:
    used = {shlex.split(line)[1] for line in tour_commands()}
    assert used == {"check", "score", "explain", "diff", "assess", "docs", "test"}


@pytest.mark.parametrize("line", tour_commands())
def test_tour_command_succeeds(line: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    argv: list[str] = []
    for word in shlex.split(line)[1:]:
        argv += sorted(glob.glob(word)) if "*" in word else [word]
    if "-o" in argv:  # write documents to a scratch folder, not into the checkout
        at = argv.index("-o") + 1
        argv[at] = str(tmp_path / argv[at])
    out, err = StringIO(), StringIO()
    assert main(argv, out, err) == 0, err.getvalue()
    assert out.getvalue() or "-o" in argv
