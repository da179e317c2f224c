"""Standards, evaluations and every result type pickle and come back equal, so they can be sent
to a process pool, Spark or Dask: a Standard compiles itself again from its checked tree, and an
Evaluation travels as its own row of figures, never as code or as the batch it views."""

from __future__ import annotations

import pickle
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import smartcity_rules as scr
from smartcity_rules.testing import cohorts

from .conftest import FIXTURES, ROOT

STANDARDS = ROOT / "standards"
CITY = scr.load(STANDARDS / "shandong-city-2019.scs")
MINI = scr.load(FIXTURES / "mini.scs")
RECORDS = scr.read_records(STANDARDS / "examples" / "city-cohort.json")


def again(value: Any) -> Any:
    return pickle.loads(pickle.dumps(value))


def test_a_standard_compiles_again_and_scores_alike() -> None:
    copy = again(CITY)
    assert copy is not CITY and copy.python_source == CITY.python_source and copy.plan == CITY.plan
    assert [e.to_dict() for e in copy.evaluate_cohort(RECORDS)] == [e.to_dict() for e in CITY.evaluate_cohort(RECORDS)]


def test_no_code_object_is_pickled() -> None:
    data = pickle.dumps(CITY)
    assert b"code" not in pickle.dumps(type(CITY.plan)) and b"_evaluate" not in data
    assert len(data) < 10 * len(CITY.syntax.span.source.text.encode("utf-8"))


def test_an_evaluation_travels_as_its_own_row() -> None:
    results = CITY.evaluate_cohort(RECORDS)
    one = pickle.dumps(results[0])
    # Not the whole batch: no other entity's name in it. (Results of one batch share their node and
    # group objects, which a pickle of them all writes once, so the cohort's is not 16 rows' size.)
    assert not any(other.entity.encode("utf-8") in one for other in results[1:])
    assert len(one) < len(pickle.dumps(results)) / 2
    copy = pickle.loads(one)
    assert copy == results[0] and copy.to_dict() == results[0].to_dict()
    assert copy.rating == results[0].rating and copy.nodes == results[0].nodes and again(copy) == copy


REVISED = scr.load(STANDARDS / "examples" / "shandong-city-revised.scs", root=STANDARDS)


def missing_values() -> list[Any]:
    index = scr.load(STANDARDS / "examples" / "digital-development-index.scs")
    found = [m for e in index.evaluate_cohort(scr.read_records(STANDARDS / "examples" / "index-cohort.json"))
             for m in e.missing]
    assert found
    return found


def test_every_result_type_round_trips() -> None:
    result = CITY.evaluate_cohort(RECORDS)[0]
    parts = [result.indicators[0], result.groups[0], result.nodes[0], result.rating, result.rating.levels[0],
             result.rating.levels[0].requirements[0], result.cohort, *result.missing, CITY.indicators[0],
             CITY.inputs[0], CITY.explain(RECORDS, result.entity, 12), CITY.explain(RECORDS, result.entity, "保障措施"),
             scr.pilot_eligibility(CITY, result), *missing_values()]
    for part in parts:
        assert again(part) == part, part
    diff = scr.diff_editions(CITY, REVISED, RECORDS)  # holds the two Standards, which compare by identity
    assert again(diff).to_dict() == diff.to_dict() and again(diff).render() == diff.render()


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_generated_cohorts_round_trip(data: st.DataObject) -> None:
    records = data.draw(cohorts(MINI))
    for result in MINI.evaluate_cohort(records):
        copy = again(result)
        assert copy == result and copy.to_dict() == result.to_dict() and copy.missing == result.missing


def _score_in_a_worker(standard: scr.Standard, records: list[dict[str, Any]]) -> tuple[scr.Evaluation, ...]:
    return standard.evaluate_cohort(records)


def test_a_process_pool_scores_as_this_process_does() -> None:
    with ProcessPoolExecutor(max_workers=2) as pool:
        remote = pool.submit(_score_in_a_worker, CITY, RECORDS).result(timeout=120)
    assert [e.to_dict() for e in remote] == [e.to_dict() for e in CITY.evaluate_cohort(RECORDS)]


def test_a_typed_standard_pickles_with_every_type() -> None:
    typed = scr.load(STANDARDS / "examples" / "county-and-city.scs")
    records = typed.read(STANDARDS / "examples" / "county-and-city-cohort.csv")
    copy = again(typed)
    assert type(copy) is type(typed) and copy.entity_types == typed.entity_types
    assert [e.to_dict() for e in copy.evaluate_cohort(records)] == [e.to_dict() for e in typed.evaluate_cohort(records)]
    variant = again(typed.variant(typed.entity_types[0]))
    assert variant.entity_type == typed.entity_types[0]
    assert variant.python_source == typed.variant(typed.entity_types[0]).python_source
