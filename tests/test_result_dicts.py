"""to_dict() written straight from the result columns (results/dicts.py) is, key for key and in
the same order, what the result objects' own to_dict() write (evaluation.objects_dict): for every
shipped standard and its cohort, irrational (sqrt, zscore) values included."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import smartcity_rules as scr
from smartcity_rules.results.evaluation import objects_dict
from smartcity_rules.testing import cohorts

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
