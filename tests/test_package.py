"""The built wheel carries the grammar and the licence, and works away from the source tree."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import ROOT, STANDARDS

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
