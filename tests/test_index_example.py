"""The illustrative composite index standards/examples/digital-development-index.scs: it checks
clean, its hand-computed cases pass, its invariants hold, and its bundled cohort (written by
make_index_cohort.py) scores the same from JSON and CSV, with the missing values imputed."""

from __future__ import annotations

import importlib
import json
import random
from pathlib import Path

import pytest

import smartcity_rules as scr
from smartcity_rules import testing
from smartcity_rules.backends.protocol import Backend
from smartcity_rules.language.diagnostics import Severity
from smartcity_rules.toolkit.cases import default_path, load_cases, run_cases

from .conftest import STANDARDS

EXAMPLES = STANDARDS / "examples"
INDEX = EXAMPLES / "digital-development-index.scs"
COHORT = EXAMPLES / "index-cohort"
IMPUTED = {"broadband_rate": "cohort median", "gigabit_rate": "cohort median",
           "elderly_trained_rate": "cohort median", "open_datasets": "cohort mean", "ecommerce_rate": "cohort mean"}


@pytest.fixture(scope="module")
def index(backend: Backend) -> scr.Standard:
    return scr.load(INDEX, root=STANDARDS, backend=backend)


def test_it_checks_without_errors_or_warnings() -> None:
    found = scr.diagnose(INDEX, root=STANDARDS)
    assert [d.render() for d in found if d.is_error or d.severity is Severity.WARNING] == []


def test_its_shape_is_four_dimensions_of_ten_points_an_indicator(index: scr.Standard) -> None:
    groups = index.syntax.groups
    assert [g.code for g in groups] == ["D1", "D2", "D3", "D4"]
    assert index.indicator_codes == ("D1.1", "D1.2", "D1.3", "D2.1", "D2.2", "D3.1", "D3.2", "D3.3", "D4.1", "D4.2")
    assert index.notes and "not an official index" in index.notes[0]


def test_its_stored_cases_pass(index: scr.Standard) -> None:
    results = run_cases(index, load_cases(default_path(INDEX)))
    assert len(results) >= 10
    assert [(r.case.name, r.failures) for r in results if not r.passed] == []


def test_its_invariants_hold(index: scr.Standard) -> None:
    run = testing.run_invariants(index, examples=10, seed=3)
    assert run.failure is None, (run.failure, run.counterexample)
    assert run.examples == 10


def test_the_bundled_cohort_scores_alike_from_json_and_csv(index: scr.Standard) -> None:
    from_json = index.evaluate_cohort(scr.read_records(COHORT.with_suffix(".json")))
    from_csv = index.evaluate_cohort(scr.read_records(COHORT.with_suffix(".csv")))
    assert len(from_json) == 10
    assert [(e.entity, e.total, e.rating.rank if e.rating else None) for e in from_json] == [
        (e.entity, e.total, e.rating.rank if e.rating else None) for e in from_csv]
    assert all(e.rating is not None and e.rating.rank >= 1 for e in from_json)  # none is unrated
    filled = {e.entity: {m.input: m.filled for m in e.missing} for e in from_json if e.missing}
    assert filled == {"苇塘市": {"broadband_rate": "cohort median"},
                      "青崖市": {"open_datasets": "cohort mean", "elderly_trained_rate": "cohort median"},
                      "沙渚市": {"gigabit_rate": "cohort median", "ecommerce_rate": "cohort mean"}}
    assert all(IMPUTED[name] == how for inputs in filled.values() for name, how in inputs.items())


def test_the_generator_wrote_the_bundled_cohort(monkeypatch: pytest.MonkeyPatch) -> None:
    """make_index_cohort.py, run again in memory, gives the file's records: the file is its
    output and the generator is deterministic."""
    monkeypatch.syspath_prepend(str(EXAMPLES))
    make = importlib.import_module("make_index_cohort")
    rng = random.Random(make.SEED)
    rows = [make.city_row(rng, *city) for city in make.CITIES]
    for row in rows:
        for key in make.MISSING.get(row["entity"], []):
            del row[key]
    written = json.loads(Path(make.JSON_OUT).read_text(encoding="utf-8"))
    assert written == rows
    assert list(written[0]) == ["entity", *make.declared_inputs(make.STANDARD)]  # the best city reports everything
