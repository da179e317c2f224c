"""The z-score sibling of the illustrative index, standards/examples/digital-development-zscore.scs:
it checks clean, its hand-computed cases pass on every back-end, its invariants hold, and the
reference evaluator (sympy, from the docs alone) agrees with it on its cases and on generated
cohorts."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import smartcity_rules as scr
from smartcity_rules import testing
from smartcity_rules.language.diagnostics import Severity
from smartcity_rules.toolkit.cases import default_path, load_cases, run_cases

from . import reference
from .conftest import BACKENDS, RATIONAL_ONLY, STANDARDS
from .reference.compare import compare

ZSCORE = STANDARDS / "examples" / "digital-development-zscore.scs"
CITIES = {"甲市": (800000, 20000, 0.9, 0.9), "乙市": (900000, 20000, 0.9, "0.8999"),
          "丙市": (700000, 10000, 0.64, 1), "丁市": (600000, 10000, 0.25, 0.36)}


def _cohort() -> list[dict[str, object]]:
    return [{"entity": name, "population": 1000000, "internet_users": internet, "digital_firms": firms,
             "broadband_rate": broadband, "gigabit_rate": gigabit}
            for name, (internet, firms, broadband, gigabit) in CITIES.items()]


@pytest.fixture(scope="module", params=sorted(set(BACKENDS) - RATIONAL_ONLY))
def index(request: pytest.FixtureRequest) -> scr.Standard:
    return scr.load(ZSCORE, backend=BACKENDS[request.param]())


@pytest.mark.parametrize("name", sorted(RATIONAL_ONLY))
def test_a_rational_back_end_refuses_it_when_it_prepares_the_plan(name: str) -> None:
    with pytest.raises(scr.UnsupportedConstruct, match="the python back-end"):
        scr.load(ZSCORE, backend=BACKENDS[name]())


def test_it_checks_without_errors_or_warnings() -> None:
    found = scr.diagnose(ZSCORE)
    assert [d.render() for d in found if d.is_error or d.severity is Severity.WARNING] == []


def test_its_stored_cases_pass(index: scr.Standard) -> None:
    results = run_cases(index, load_cases(default_path(ZSCORE)))
    assert len(results) == 5
    assert [failure for result in results for failure in result.failures] == []


def test_its_invariants_hold(index: scr.Standard) -> None:
    run = testing.run_invariants(index, examples=20, seed=3)
    assert run.failure is None, (run.failure, run.counterexample)


def test_the_band_and_the_rating_read_the_exact_root(index: scr.Standard) -> None:
    results = {r.entity: r for r in index.evaluate_cohort(_cohort())}
    assert results["甲市"].indicator("Z2.1").value == results["乙市"].indicator("Z2.1").value == Fraction(9, 10)
    assert (results["甲市"].indicator("Z2.1").stars, results["乙市"].indicator("Z2.1").stars) == (5, 4)
    assert (results["甲市"].rating_rank, results["乙市"].rating_rank) == (3, 2)


def test_the_reference_agrees_on_the_cohort() -> None:
    assert compare(scr.load(ZSCORE), reference.load(ZSCORE), _cohort()) == []


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_the_reference_agrees_on_generated_cohorts(data: st.DataObject) -> None:
    library = scr.load(ZSCORE)
    cohort = data.draw(testing.cohorts(library, zeros=True, max_size=4))
    assert compare(library, reference.load(ZSCORE), cohort) == []
