"""to_dict() written straight from the result columns (results/dicts.py) is, key for key and in
the same order, what the result objects' own to_dict() write (evaluation.objects_dict): for every
shipped standard and its cohort, irrational (sqrt, zscore) values included."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import smartcity_rules as scr
from smartcity_rules.results import dictcode
from smartcity_rules.results.dicts import collector_paused
from smartcity_rules.results.evaluation import objects_dict
from smartcity_rules.standard import TypedStandard
from smartcity_rules.testing import cohorts

from . import differential
from .conftest import SHIPPED_COHORTS, STANDARDS

PAIRS = SHIPPED_COHORTS
ZSCORE = scr.load(STANDARDS / "examples" / "digital-development-zscore.scs")


@pytest.mark.parametrize(("path", "cohort"), PAIRS, ids=[p.stem for p, _ in PAIRS])
def test_column_dicts_are_the_objects_dicts(path: Path, cohort: str) -> None:
    same_dicts(scr.load(path, root=STANDARDS), scr.read_records(STANDARDS / "examples" / cohort))


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_irrational_values_too(data: st.DataObject) -> None:
    same_dicts(ZSCORE, data.draw(cohorts(ZSCORE, min_size=2)))


def same_dicts(standard: scr.Standard, records: list[dict[str, Any]]) -> None:
    for fast, slow in zip(standard.evaluate_cohort(records), standard.evaluate_cohort(records)):
        written, expected = fast.to_dict(), objects_dict(slow)
        assert written == slow.to_dict()  # the same again once the objects are made
        for part in ("indicators", "nodes", "groups"):
            assert [list(d) for d in written[part]] == [list(d) for d in expected[part]]
        assert list(written) == list(expected)
        assert written == expected
        assert fast.rating == slow.rating


# dictcode writes a star leaf's points (and its node's) from the leaf's table by its stars, not
# from the columns (dictcode.star_leaves): every back-end's columns must hold just those points.
@pytest.mark.parametrize("seed", range(150))
def test_generated_standards_dicts_are_the_objects_dicts(seed: int) -> None:
    case, outcome = differential.one(seed, "standards and cohorts")
    if not outcome.loaded or not case.records:
        return
    standard = scr.loads(case.text(), name="fuzz.scs")
    try:
        standard.evaluate_cohort(list(case.records))
    except scr.DataError:  # a cohort the fuzzer made to be refused
        return
    same_dicts(standard, list(case.records))


@pytest.mark.parametrize(("path", "cohort"), PAIRS, ids=[p.stem for p, _ in PAIRS])
def test_star_leaves_points_are_their_tables_by_stars(path: Path, cohort: str) -> None:
    standard = scr.load(path, root=STANDARDS)
    records = scr.read_records(STANDARDS / "examples" / cohort)
    batches = [standard.evaluate_cohort(records)[0]._rows]
    if not isinstance(standard, TypedStandard):  # the columnar back-end scores one type at a time
        batches.append(standard.evaluate_table(_columns(records)).evaluations()[0]._rows)
    for batch in batches:
        plan = batch.shape.plan
        star = dictcode.star_leaves(plan)
        for k in star:
            table = [int(points * plan.points_scale) for points in plan.indicators[k].points.table]
            stars, points = batch.columns.stars[k], batch.columns.points[k]
            assert list(points) == [0 if s is None else table[s] for s in stars]


def _columns(records: list[dict[str, Any]]) -> dict[str, list[Any]]:
    keys = dict.fromkeys(key for record in records for key in record)
    return {key: [record.get(key) for record in records] for key in keys}


def test_an_entitys_dict_is_its_own() -> None:
    """Entries are copies of templates shared by every row (one per star count for a star leaf):
    changing every dict and list of one entity's to_dict() changes no other's, nor its own next."""
    standard = scr.load(STANDARDS / "shandong-community-2019.scs")
    records = scr.read_records(STANDARDS / "examples" / "community-cohort.json")
    first, second = standard.evaluate_cohort([records[0], {**records[0], "entity": "twin"}])
    expected = second.to_dict()
    _scribble(first.to_dict())
    assert second.to_dict() == expected
    assert first.to_dict() == {**expected, "entity": first.entity}


def _scribble(value: Any) -> None:
    """Every dict and list inside value changed in place."""
    if isinstance(value, dict):
        for key in list(value):
            _scribble(value[key])
            value[key] = "changed" if not isinstance(value[key], (dict, list)) else value[key]
        value["added"] = True
    elif isinstance(value, list):
        for item in value:
            _scribble(item)
        value.append("added")


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_as_it_was_after_the_columns_are_made(enabled: bool) -> None:
    """RowDicts makes a batch's text columns with the cyclic collector paused (dicts.collector_paused)."""
    standard = scr.load(STANDARDS / "shandong-community-2019.scs")
    records = scr.read_records(STANDARDS / "examples" / "community-cohort.json")
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        evaluations = standard.evaluate_cohort(records)
        assert evaluations[0].to_dict() == objects_dict(evaluations[0])
        assert gc.isenabled() is enabled
        with pytest.raises(ZeroDivisionError), collector_paused():
            assert not gc.isenabled()
            raise ZeroDivisionError
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
