"""The README's tour is real: every command it shows on the bundled files runs and succeeds."""

from __future__ import annotations

import glob
import re
import shlex
import shutil
import subprocess
from io import StringIO
from pathlib import Path

import pytest

from smartcity_rules.cli import main

from .conftest import ROOT

SHELL_BLOCK = re.compile(r"```sh\n(.*?)```", re.DOTALL)
SETUP = re.compile(r"^## Set-up\n(.*?)^## ", re.DOTALL | re.MULTILINE)
VENV = ["python3 -m venv --upgrade-deps .venv", ". .venv/bin/activate"]


def readme() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8")


def setup_commands() -> list[list[str]]:
    """The Set-up section's commands, each split at `&&` into its steps."""
    found = SETUP.search(readme())
    assert found, "README.md has no '## Set-up' section"
    return [[step.strip() for step in block.strip().split("&&")] for block in SHELL_BLOCK.findall(found.group(1))]


def tour_commands() -> list[str]:
    lines = [line.split("#")[0].strip() for block in SHELL_BLOCK.findall(readme()) for line in block.splitlines()]
    steps = [step.strip() for line in lines for step in line.split("&&")]  # set-up lines end with a command
    # `my-standard.scs` stands for the reader's own file
    return [step for step in steps if step.startswith("smartcity-rules ") and "my-standard" not in step]


def test_the_tour_covers_every_command() -> None:
    used = {shlex.split(line)[1] for line in tour_commands()}
    assert used == {"check", "score", "explain", "diff", "whatif", "assess", "docs", "report", "test", "template",
                    "sensitivity"}


def test_setup_is_two_one_line_commands_in_a_venv() -> None:
    # Debian's and Ubuntu's system Python refuses `pip install` outside a virtual environment (PEP 668);
    # --upgrade-deps because Ubuntu 22.04's pip (22.0) predates --config-settings
    commands = setup_commands()
    assert len(commands) == 2
    for steps in commands:
        assert steps[:2] == VENV and all(step and "\n" not in step for step in steps)
    assert commands[0][2:] == ["pip install .", "smartcity-rules score standards/shandong-city-2019.scs "
                               "standards/examples/city-cohort.json"]
    assert commands[1][-1] == "python -m pytest"


def test_the_editable_install_is_one_type_checkers_can_follow() -> None:
    # setuptools' default editable install is an import hook mypy cannot see; test_package runs mypy on it
    (install,) = [step for step in setup_commands()[1] if step.startswith("pip install -e ")]
    assert "--config-settings editable_mode=strict" in install and "'.[test]'" in install


@pytest.mark.parametrize(("path", "ignored"), [
    (".venv/bin/python", True),                                # the set-up commands' venv
    ("build/__editable__.smartcity_rules/__init__.py", True),  # strict mode's links
    ("shandong-city-2019.html", True),                         # the tour's `docs ... -o`, at the top
    ("shandong-county-2019.md", True),
    ("README.md", False), ("docs/api.md", False), ("docs/page.html", False), ("standards/shandong-x.md", False),
])
def test_what_the_readme_makes_is_ignored_by_git(path: str, ignored: bool) -> None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and a checkout")
    result = subprocess.run(["git", "check-ignore", "-q", "--no-index", path], cwd=ROOT, check=False)
    assert result.returncode == (0 if ignored else 1), result


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
