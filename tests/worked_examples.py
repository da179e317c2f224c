"""Shared by the hand-computed worked examples of the shipped standards (test_city_standard,
test_county_standard, test_community_standard): each keeps its own base record and cases."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import smartcity_rules as scr


def changed(record: dict[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """The record with `changes` applied; a change to a key it lacks is a typo in the test."""
    unknown = set(changes) - set(record)
    assert not unknown, f"not an input of the standard: {sorted(unknown)}"
    record.update(changes)
    return record


def assert_scored(result: scr.IndicatorResult, value: Fraction, stars: int, points: Fraction,
                  max_points: Fraction) -> None:
    """An indicator scored as computed by hand, to the exact fraction."""
    assert result.status is scr.Status.SCORED
    assert (result.value, result.stars, result.points, result.max_points) == (value, stars, points, max_points)
    assert type(result.value) is Fraction and type(result.points) is Fraction
