"""explain on an inner node: an indicator made of items, or a group by its code or name, shows its
members' scores and the rule that combined them (results/explain.py, NodeExplanation)."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

import smartcity_rules as scr

from .conftest import STANDARDS


@pytest.fixture(scope="module")
def national() -> tuple[scr.Standard, list[dict[str, object]]]:
    standard = scr.load(STANDARDS / "china-smart-city-evaluation-2016.scs")
    return standard, [dict(r) for r in scr.read_records(STANDARDS / "examples" / "national-cohort.json")]


def test_an_indicator_made_of_items_shows_its_items_and_its_rule(national: tuple[scr.Standard, list]) -> None:
    standard, records = national
    entity = str(records[0]["entity"])
    explanation = standard.explain(records, entity, "L1P1")
    assert isinstance(explanation, scr.NodeExplanation)
    assert [m.code for m in explanation.members] == ["L1P1-A1", "L1P1-A2", "L1P1-A3"]
    assert "times its weight 0.08, rounded to 2 decimals half up" in explanation.rule
    total = sum((m.points for m in explanation.members), F(0))
    assert explanation.node.unrounded == total * F(8, 100)  # 8% x the items' rounded scores
    assert explanation.render().splitlines()[0] == f"{entity}: indicator L1P1 政务服务"


def test_a_group_is_explained_by_its_code_or_its_name(national: tuple[scr.Standard, list]) -> None:
    standard, records = national
    entity = str(records[0]["entity"])
    by_code, by_name = (standard.explain(records, entity, key) for key in ("L1", "惠民服务"))
    assert by_code == by_name and isinstance(by_code, scr.NodeExplanation)
    assert by_code.to_dict()["node"]["name"] == "惠民服务"


def test_an_unknown_node_is_not_found(national: tuple[scr.Standard, list]) -> None:
    standard, records = national
    with pytest.raises(scr.NotFound):
        standard.explain(records, str(records[0]["entity"]), "L9P9")


def test_an_item_is_explained_as_an_item_of_its_indicator(national: tuple[scr.Standard, list]) -> None:
    standard, records = national
    entity = str(records[0]["entity"])
    first = standard.explain(records, entity, "L1P1-A1").render().splitlines()[0]
    assert first == f"{entity}: item L1P1-A1 电子证照办理率 (惠民服务, item of indicator L1P1)"
