"""Shared fixtures: paths, a tiny standard, and golden-file comparison.

Set UPDATE_GOLDEN=1 to rewrite golden files from the current output.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import smartcity_rules as scr
from smartcity_rules.backends.columnar.executor import ColumnarBackend
from smartcity_rules.backends.protocol import Backend
from smartcity_rules.backends.python.executor import PythonBackend

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def load_script(relative: str) -> ModuleType:
    """One of the repository's scripts (tools/, editors/), which are not in a package, as a module."""
    path = ROOT / relative
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
GOLDEN = Path(__file__).resolve().parent / "golden"
STANDARDS = ROOT / "standards"
# Every shipped standard with its bundled cohort (the z-score example has a cohort of its own kind).
SHIPPED_COHORTS = [(STANDARDS / "shandong-city-2019.scs", "city-cohort.json"),
                   (STANDARDS / "shandong-county-2019.scs", "county-cohort.json"),
                   (STANDARDS / "shandong-community-2019.scs", "community-cohort.json"),
                   (STANDARDS / "china-smart-city-evaluation-2016.scs", "national-cohort.json"),
                   (STANDARDS / "examples" / "digital-development-index.scs", "index-cohort.json"),
                   (STANDARDS / "examples" / "county-and-city.scs", "county-and-city-cohort.json")]


class Golden:
    """Compares text with a file under tests/golden/, or rewrites it with UPDATE_GOLDEN=1."""

    def check(self, name: str, text: str) -> None:
        path = GOLDEN / name
        if os.environ.get("UPDATE_GOLDEN"):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return
        assert path.exists(), f"golden file {name} is missing; run with UPDATE_GOLDEN=1 to create it"
        assert text == path.read_text(encoding="utf-8"), f"output differs from golden file {name}"


# Every back-end, by name. A back-end joins the conformance set (worked examples, stored
# cases, invariants, agreement with the reference evaluator) by one entry here.
BACKENDS: dict[str, Callable[[], Backend]] = {"python": PythonBackend, "columnar": ColumnarBackend}
# Back-ends that refuse irrational values (sqrt, zscore) when they prepare a plan, with
# UnsupportedConstruct: tests of such standards hold them to that refusal instead.
RATIONAL_ONLY = frozenset({"columnar"})


@pytest.fixture(scope="session", params=sorted(BACKENDS))
def backend(request: pytest.FixtureRequest) -> Backend:
    return BACKENDS[request.param]()


@pytest.fixture
def golden() -> Golden:
    return Golden()


@pytest.fixture(scope="session")
def mini() -> scr.Standard:
    return scr.load(FIXTURES / "mini.scs")


def mini_record(**changes: object) -> dict[str, object]:
    record: dict[str, object] = {
        "entity": "A", "households": 100, "fibre": 90, "gigabit": 80,
        "has_group": True, "has_plan": False, "incidents": 1, "apps": 12,
    }
    record.update(changes)
    return record


def wrap(body: str, *, header: str = 'standard "T" { level city }') -> str:
    """A small standard around an indicator body, for tests of one construct."""
    return f"{header}\n{body}\n"


@pytest.fixture(autouse=True)
def _english_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command line speaks Chinese on a Chinese locale; the tests read its English words
    whatever the machine's locale (a test of the Chinese sets the locale itself)."""
    monkeypatch.setenv("LANGUAGE", "en")


def _java() -> bool:
    java = shutil.which("java")
    return java is not None and subprocess.run([java, "-version"], capture_output=True, check=False).returncode == 0


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One Spark local[2] session for every Spark test (tests/test_spark.py, test_spark_sql.py):
    it takes a minute to start on a loaded machine. Skipped, saying why, without pyspark or Java."""
    pytest.importorskip("pyspark", reason="pyspark is not installed: pip install 'smartcity_rules[spark]'")
    if not _java():
        pytest.skip("no Java on PATH: Spark needs Java 17 (Debian: apt-get install openjdk-17-jre-headless)")
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[2]").appName("smartcity_rules tests")
               .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
               .config("spark.sql.warehouse.dir", str(tmp_path_factory.mktemp("warehouse")))
               .config("spark.driver.bindAddress", "127.0.0.1")
               # Analysing the national standard's Spark SQL (test_spark_sql.py) needs more than 1g.
               .config("spark.driver.memory", "4g").getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def agrees_with_the_reference(path: Path, backend: Backend, examples: int) -> None:
    """The conformance suite's comparison with the reference for a fixed sample on one back-end
    (PostgreSQL, Spark): cohorts drawn by the testing kit's strategy with a derandomized seed,
    zeros included."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from smartcity_rules.testing import cohorts

    from . import reference
    from .reference.compare import compare

    python = scr.load(path)
    standard = scr.load(path, backend=backend)
    expected = reference.load(path)

    @settings(max_examples=examples, derandomize=True, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(data=st.data())
    def agrees(data: st.DataObject) -> None:
        records = data.draw(cohorts(python, max_size=5, zeros=True))
        assert compare(standard, expected, records) == []
    agrees()
