"""The conformance set, once per back-end (the `backend` fixture of conftest.py): stored
cases, invariants, the bundled cohorts, and bit-for-bit agreement with the independent
reference evaluator (tests/reference, which shares no code with the library) on generated
cohorts. The worked examples of the shipped
standards (test_city_standard, test_county_standard, test_community_standard) take the
same fixture."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import smartcity_rules as scr
from smartcity_rules import testing
from smartcity_rules.backends.protocol import Backend
from smartcity_rules.testing import cohorts
from smartcity_rules.toolkit.cases import default_path, load_cases, run_cases

from . import reference
from .conftest import FIXTURES, STANDARDS
from .reference.compare import compare

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SHIPPED = {  # standard -> its bundled cohort
    "shandong-city-2019.scs": "city-cohort.json",
    "shandong-county-2019.scs": "county-cohort.json",
    "shandong-community-2019.scs": "community-cohort.json",
    "china-smart-city-evaluation-2016.scs": "national-cohort.json",
    "examples/digital-development-index.scs": "index-cohort.json",
    "examples/county-and-city.scs": "county-and-city-cohort.json",
}


def _agree(name: str, standard: scr.Standard, cohort: list[dict[str, Any]]) -> None:
    assert compare(standard, _reference(name), cohort) == []


@cache
def _reference(name: str) -> reference.RefStandard:
    return reference.load(_path(name))


def _path(name: str) -> Path:
    return STANDARDS / name if name in SHIPPED else FIXTURES / name


@pytest.fixture(scope="module")
def loaded(backend: Backend) -> dict[str, scr.Standard]:
    names = [*SHIPPED, "mini.scs", "kitchen.scs", "nested.scs"]  # kitchen and nested: every construct
    return {name: scr.load(_path(name), backend=backend) for name in names}


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_stored_cases_pass(loaded: dict[str, scr.Standard], name: str) -> None:
    results = run_cases(loaded[name], load_cases(default_path(STANDARDS / name)))
    assert len(results) >= 10
    assert [(r.case.name, r.failures) for r in results if not r.passed] == []


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_invariants_hold(loaded: dict[str, scr.Standard], name: str) -> None:
    run = testing.run_invariants(loaded[name], examples=10, seed=3)
    assert run.failure is None, (run.failure, run.counterexample)
    assert run.examples == 10


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_the_bundled_cohort_agrees_with_the_reference_evaluator(loaded: dict[str, scr.Standard], name: str) -> None:
    records = scr.read_records(STANDARDS / "examples" / SHIPPED[name])
    _agree(name, loaded[name], [dict(r) for r in records])


# Generated cohorts: the city standard (its largest), mini, and kitchen (every construct of the
# language); standard -> the most entities a cohort has.
GENERATED = {"shandong-city-2019.scs": 4, "china-smart-city-evaluation-2016.scs": 3, "mini.scs": 6,
             "kitchen.scs": 6, "nested.scs": 6, "examples/county-and-city.scs": 6}


@pytest.mark.parametrize("name", sorted(GENERATED))
@SETTINGS
@given(data=st.data())
def test_generated_cohorts_agree_with_the_reference_interpreter(loaded: dict[str, scr.Standard], name: str,
                                                                data: st.DataObject) -> None:
    standard = loaded[name]
    _agree(name, standard, data.draw(cohorts(standard, max_size=GENERATED[name], zeros=True)))
