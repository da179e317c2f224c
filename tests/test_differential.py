"""The differential fuzzer (tests/differential.py) in CI: a fixed-seed slice of every category
finds no disagreement, failures shrink to small reproducers, and a planted defect of each class
issue 10 names is caught within a fixed number of cases.

The long run is `python tools/fuzz.py --cases 1000000`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from fractions import Fraction
from typing import Any

import pytest

from smartcity_rules.language import variants
from smartcity_rules.plan import semantics, signs
from smartcity_rules.results import nodes
from smartcity_rules.standard import TypedStandard

from . import differential as d

SLICE = range(0, 200)  # seeds each category runs in CI: a few seconds each
PLANTED_WITHIN = range(1_000, 2_500)  # a planted defect must show within these seeds


@pytest.mark.parametrize("category", d.CATEGORIES)
def test_a_fixed_seed_slice_finds_no_disagreement(category: str) -> None:
    found = d.first_failure(SLICE, category)
    assert found is None, d.reproducer(d.shrink(found[1], lambda c: d.run(c).failed)) if found else ""


# The SQL back-end on DuckDB, through the same generated standards and cohorts (plain and
# typed by entity), on a shorter slice: each case's query is planned anew.
SQL_SLICE = range(0, 12)


@pytest.mark.parametrize("category", ["standards and cohorts", "entity types"])
def test_generated_standards_score_on_duckdb_as_the_reference_says(category: str) -> None:
    failures = []
    for seed in SQL_SLICE:
        case, _ = d.one(seed, category)
        outcome = d.run_on_duckdb(case)
        if outcome.failed:
            failures.append((seed, outcome.failure))
    assert failures == []


def test_most_generated_standards_pass_the_checker() -> None:
    loaded = sum(d.one(seed, "standards and cohorts")[1].loaded for seed in SLICE)
    assert loaded >= 0.9 * len(SLICE)


# ---------------------------------------------------------------- planted defects
@pytest.fixture
def sign_check_removed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A share believed >= 0 whatever its members' signs (issue 10, item 1)."""
    monkeypatch.setattr(signs, "site_nonneg", lambda plan, site: True)
    yield


@pytest.fixture
def domain_check_skipped_on_one_path(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The plain-text fast path forgets that a rate is at most 1 (issue 10, item 2): the rate's
    reader, which the generated code calls, reads plain texts without its upper bound."""
    original = semantics.reader

    def careless(kind: semantics.Kind, low: Fraction | None = None, high: Fraction | None = None) -> semantics.Reader:
        read = original(kind, low, high)
        if kind is not semantics.Kind.RATE:
            return read

        def loose(raw: object, name: str, entity: str | None, indicator: str | None) -> tuple[int, int]:
            if isinstance(raw, str):
                whole, _, digits = raw.partition(".")
                if whole.isdigit() and (not digits or digits.isdigit()):
                    return int(whole + digits), 10 ** len(digits)
            return read(raw, name, entity, indicator)
        return loose

    monkeypatch.setattr(semantics, "reader", careless)
    yield


@pytest.fixture
def one_rounding_level_dropped(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A bonus group's score after its cap left unrounded (issue 10, item 3). Every node is
    rounded by the one rule, semantics.node_score, which results/nodes.py applies for every
    back-end: skip the rounding step of the capped nodes only, so that a cap with more decimals
    than its rounding (`at most 0.125` at 2 decimals) shows. It is patched where nodes.py
    looks it up, by the name it imported."""
    original = nodes.node_score

    def careless(members: Sequence[Fraction], cap: Fraction | None, weight: Fraction | None,
                 rounding: semantics.Rounding | None, scale: Fraction | None = None) -> tuple[Fraction, Fraction]:
        return original(members, cap, weight, None if cap is not None else rounding, scale)

    monkeypatch.setattr(nodes, "node_score", careless)
    yield


@pytest.fixture
def loose_number_text(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Thousands separators read wherever commas group three digits, "0,500" as 500 (item 4)."""
    monkeypatch.setattr(semantics, "_GROUPED", re.compile(r"\s*[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?\s*%?\s*"))
    yield


@pytest.mark.parametrize("defect", ["sign_check_removed", "domain_check_skipped_on_one_path",
                                    "one_rounding_level_dropped", "loose_number_text"])
def test_a_planted_defect_is_caught_within_a_fixed_number_of_cases(defect: str, request: pytest.FixtureRequest) -> None:
    request.getfixturevalue(defect)
    found = d.first_failure(PLANTED_WITHIN, "standards and cohorts")
    assert found is not None, f"{defect}: not caught in {len(PLANTED_WITHIN)} cases"
    _seed, case, _outcome = found
    small = d.shrink(case, lambda c: d.run(c).failed)
    assert d.run(small).failed and len(d.reproducer(small)) <= len(d.reproducer(case))


@pytest.fixture
def per_type_numbers_ignored(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every type takes the first number written (`points 2 for "A", 4 for "B"` is 2 for B)."""
    monkeypatch.setattr(variants, "_numbers", lambda per_type, entity_type: {})
    yield


@pytest.fixture
def cohort_not_split_by_type(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each type's standard scores the whole cohort, so a rank counts the other type's entities."""
    def careless(self: TypedStandard, records: Sequence[Any]) -> tuple[Any, ...]:
        routed = [self._routed(record, index) for index, record in enumerate(records)]
        everyone = [record for _, record in routed]
        scored = {t: standard.evaluate_cohort(everyone) for t, standard in self._variants.items()}
        return tuple(scored[t][k] for k, (t, _) in enumerate(routed))

    monkeypatch.setattr(TypedStandard, "evaluate_cohort", careless)
    yield


@pytest.mark.parametrize("defect", ["per_type_numbers_ignored", "cohort_not_split_by_type"])
def test_a_planted_entity_type_defect_is_caught(defect: str, request: pytest.FixtureRequest) -> None:
    request.getfixturevalue(defect)
    found = d.first_failure(PLANTED_WITHIN, "entity types")
    assert found is not None, f"{defect}: not caught in {len(PLANTED_WITHIN)} cases"
    assert found[1].typing is not None


def test_most_entity_type_cases_are_typed_and_load() -> None:
    outcomes = [d.one(seed, "entity types") for seed in SLICE]
    assert sum(case.typing is not None and outcome.loaded for case, outcome in outcomes) >= 0.6 * len(SLICE)


def test_the_planted_defects_are_absent_without_planting() -> None:
    assert d.first_failure(range(PLANTED_WITHIN.start, PLANTED_WITHIN.start + 300), "standards and cohorts") is None


# ---------------------------------------------------------------- shrinking
def test_a_failure_shrinks_to_a_small_reproducer(one_rounding_level_dropped: None) -> None:
    found = d.first_failure(PLANTED_WITHIN, "standards and cohorts")
    assert found is not None
    small = d.shrink(found[1], lambda c: d.run(c).failed)
    assert len(small.records) == 1
    assert sum(len(g.indicators) for g in small.groups) <= 2
    assert "bonus group" in small.text()  # the cap whose decimals the total must round away


def test_author_text_published_unescaped_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    from markupsafe import Markup

    from smartcity_rules.publish import templating

    # The templates' `lines` filter is where text is escaped: planted, it trusts the author.
    monkeypatch.setattr(templating, "lines", Markup)
    templating.environment.cache_clear()  # the environment holds the filter it was made with
    try:
        found = d.first_failure(range(0, 200), "documents")
    finally:
        monkeypatch.undo()
        templating.environment.cache_clear()
    assert found is not None
    assert "does not parse" in str(found[2].failure) or "element" in str(found[2].failure)
