"""The built wheel carries the grammar, the licence and works away from the source tree; the editable
install of README command 2 is one a type checker can follow."""

from __future__ import annotations

import importlib.metadata
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import ROOT, STANDARDS
from .test_readme import setup_commands

SETUPTOOLS_NEEDED = 77  # pyproject.toml's build-system: SPDX `license` and `license-files`


def build_tools_at_hand() -> bool:
    """setuptools new enough for this project's build is installed here: no build environment to fetch."""
    try:
        return int(importlib.metadata.version("setuptools").split(".")[0]) >= SETUPTOOLS_NEEDED
    except importlib.metadata.PackageNotFoundError:
        return False


def build_wheel(out: Path) -> Path:
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)]
    if build_tools_at_hand():
        command.insert(4, "--no-build-isolation")  # offline and fast when the build tools are at hand
    subprocess.run(command, check=True, capture_output=True, timeout=300)
    (wheel,) = out.glob("smartcity_rules-*.whl")
    return wheel


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("dist"))


def test_installed_wheel_finds_its_grammar(wheel: Path, tmp_path: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "smartcity_rules/language/grammar/standard.lark" in names
    assert "smartcity_rules/py.typed" in names
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import smartcity_rules as scr;"
        "assert scr.__file__.startswith(sys.argv[1]), scr.__file__;"
        "std = scr.load(sys.argv[2]);"
        "print(len(std.indicator_numbers))"
    )
    result = subprocess.run([sys.executable, "-c", script, str(site), str(STANDARDS / "shandong-city-2019.scs")],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "49"


def test_wheel_carries_the_licence_it_declares(wheel: Path) -> None:
    archive = zipfile.ZipFile(wheel)
    (metadata,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
    headers = archive.read(metadata).decode("utf-8").split("\n\n")[0].splitlines()
    assert "License-Expression: MIT" in headers and "License-File: LICENSE" in headers
    licence = archive.read(metadata.replace("METADATA", "licenses/LICENSE")).decode("utf-8")
    assert licence == (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License") and "the smartcity_rules authors" in licence


# ---- README command 2's editable install, seen by mypy --strict from outside the checkout

USER_SCRIPT = '''\
import smartcity_rules as scr

standard: scr.Standard = scr.load("standard.scs")
reveal_type(standard.indicator_numbers)
'''


def readme_editable_install() -> list[str]:
    """README command 2's pip arguments, e.g. install -e '.[test]' --config-settings editable_mode=strict."""
    (step,) = [s for s in setup_commands()[1] if s.startswith("pip install -e ")]
    return shlex.split(step)[1:]


def project_copy(to: Path) -> Path:
    """What the install reads; a copy, so strict mode's links under build/ stay out of the checkout."""
    to.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, to / name)
    shutil.copytree(ROOT / "smartcity_rules", to / "smartcity_rules", ignore=shutil.ignore_patterns("__pycache__"))
    return to


def install_editable(project: Path, venv: Path) -> Path:
    """Installs the project the README's way into a fresh venv; returns the venv's python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    # this pip, aimed at the venv; --no-deps: mypy needs only smartcity_rules, and the dependencies
    # would come from an index, which is slow or absent offline (the build's setuptools still does)
    command = [sys.executable, "-m", "pip", "--python", str(python), "-q", *readme_editable_install(), "--no-deps"]
    result = subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    return python


def test_mypy_strict_sees_the_editable_install(tmp_path: Path) -> None:
    pytest.importorskip("mypy", reason="mypy is a test dependency: pip install -e '.[test]'")
    python = install_editable(project_copy(tmp_path / "project"), tmp_path / "venv")
    user = tmp_path / "user"  # outside the checkout: nothing to find smartcity_rules by but the install
    user.mkdir()
    (user / "use.py").write_text(USER_SCRIPT, encoding="utf-8")
    command = [sys.executable, "-m", "mypy", "--strict", "--python-executable", str(python),
               "--cache-dir", str(tmp_path / "mypy-cache"), "use.py"]
    result = subprocess.run(command, cwd=user, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r'Revealed type is "tuple\[(builtins\.)?int, \.\.\.\]"', result.stdout), result.stdout  # not Any
