"""The built wheel carries the grammar and works away from the source tree."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import zipfile
from pathlib import Path

from .conftest import ROOT, STANDARDS


def build_wheel(out: Path) -> Path:
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)]
    if all(importlib.util.find_spec(tool) is not None for tool in ("setuptools", "wheel")):
        command.insert(4, "--no-build-isolation")  # offline and fast when the build tools are at hand
    subprocess.run(command, check=True, capture_output=True, timeout=300)
    (wheel,) = out.glob("smartcity_rules-*.whl")
    return wheel


def test_installed_wheel_finds_its_grammar(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path / "dist")
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
