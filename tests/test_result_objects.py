"""The result objects read off the columns (results/objects.py) are those the attrs classes make from
the same figures (NodeScores' own, made anew per row): equal field for field, with the same repr,
frozen and picklable, though nodes and groups are shared between rows. For every shipped standard and its cohort,
irrational (sqrt, zscore) values included; and an Evaluation keeps none of them."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import smartcity_rules as scr
from smartcity_rules.results.evaluation import Evaluation, GroupResult, IndicatorResult, NodeResult, Status
from smartcity_rules.testing import cohorts

from .conftest import SHIPPED_COHORTS, STANDARDS

PAIRS = SHIPPED_COHORTS
ZSCORE = scr.load(STANDARDS / "examples" / "digital-development-zscore.scs")


@pytest.mark.parametrize(("path", "cohort"), PAIRS, ids=[p.stem for p, _ in PAIRS])
def test_objects_are_the_classes_own(path: Path, cohort: str) -> None:
    same_objects(scr.load(path, root=STANDARDS), scr.read_records(STANDARDS / "examples" / cohort))


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_irrational_values_too(data: st.DataObject) -> None:
    same_objects(ZSCORE, data.draw(cohorts(ZSCORE, min_size=2)))


def same_objects(standard: scr.Standard, records: list[dict[str, Any]]) -> None:
    evaluations = standard.evaluate_cohort(records)
    for evaluation in evaluations:
        for result in evaluation.indicators:
            made = IndicatorResult(result.info, result.status, result.pair, result.stars, result.points,
                                   exact=result.exact)
            alike(result, made)
            assert result.value == made.value and result.to_dict() == made.to_dict()
        for group in evaluation.groups:
            alike(group, GroupResult(*attrs.astuple(group, recurse=False)))
        for node in evaluation.nodes:
            alike(node, NodeResult(*attrs.astuple(node, recurse=False)))
        nodes = evaluation.nodes
        assert all(any(evaluation.node(r.code) is n for n in nodes) for r in evaluation.indicators)  # the row read last
        assert vars(evaluation).keys() == {"_rows", "_row"}  # nothing kept: see Evaluation.indicators
        for read, made in zip((evaluation.indicators, evaluation.nodes, evaluation.groups), made_anew(evaluation)):
            assert read == made and repr(read) == repr(made)
            assert [attrs.astuple(r, recurse=False) for r in read] == [attrs.astuple(m, recurse=False) for m in made]


def alike(result: Any, made: Any) -> None:
    assert result == made and repr(result) == repr(made) and hash(result) == hash(made)
    assert attrs.astuple(result, recurse=False) == attrs.astuple(made, recurse=False)
    assert pickle.loads(pickle.dumps(result)) == made
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        result.points = made.points


def made_anew(evaluation: Evaluation) -> tuple[tuple[Any, ...], tuple[Any, ...], tuple[Any, ...]]:
    """The row's results as the attrs classes make them, each from NodeScores' own figures: what
    ScoredBatch built before results/objects.py, with no sharing."""
    batch, row = evaluation._rows, evaluation._row  # the batch the row views
    shape, points, columns = batch.shape, batch.points, batch.columns
    indicators = tuple(
        IndicatorResult(info, status if columns.values[k][row] is not None else Status.NOT_APPLICABLE,
                        columns.values[k][row], columns.stars[k][row], points.indicator(k, row),
                        exact=columns.exact[k][row] if k in columns.exact else None)
        for k, (info, status) in enumerate(zip(shape.infos, shape.statuses)))
    nodes = tuple(NodeResult(node.kind.value, node.code, node.name, points.node(n, row), points.unrounded(n, row),
                             node.maximum, shape.node_members[n], shape.node_provisional[n])
                  for n, node in enumerate(shape.plan.nodes))
    groups = tuple(GroupResult(shape.plan.nodes[g].name, shape.plan.nodes[g].bonus, points.node(g, row),
                               shape.plan.nodes[g].maximum, indicators, shape.plan.nodes[g].code, groups)
                   for g, (indicators, groups) in zip(shape.plan.groups, shape.group_members))
    return indicators, nodes, groups


def test_one_row_is_kept_by_the_batch_not_the_evaluation() -> None:
    standard = scr.load(STANDARDS / "shandong-community-2019.scs")
    first, second = standard.evaluate_cohort(scr.read_records(STANDARDS / "examples" / "community-cohort.json"))[:2]
    assert first.indicators is first.indicators and first.nodes is first.nodes and first.groups is first.groups
    before = first.indicators
    assert second.indicators != before  # another row read: the first's are made again when asked for
    assert first.indicators == before and first.indicators is not before
    assert isinstance(first, Evaluation) and first.indicator(before[0].code) is first.indicators[0]
