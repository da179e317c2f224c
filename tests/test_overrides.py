"""Vetoes and caps (一票否决, docs/language.md §10): conditions that set or cap the rating
whatever the total, each listed in the entity's rating with its reason."""

from __future__ import annotations

import pytest

import smartcity_rules as scr

STANDARD = '''standard "T" { total 10 }
input a "a": count
input e "失泄密事件": count
group "G" points 10 {
    indicator 1 "x" { value a points 10 linear from 0 to 10 }
    indicator 2 "信息安全" { value e deduct 2 each }
}
rating {
    veto "发生重大网络安全事件" when indicator 2 <= -6 points
    cap 1 "存在失泄密事件" when indicator 2 < 0 points
    level 3 "优" when total >= 9
    level 2 "良" when total >= 5
    level 1 "中" when total >= 1
}'''


@pytest.fixture(scope="module")
def standard() -> scr.Standard:
    return scr.loads(STANDARD)


@pytest.mark.parametrize(("incidents", "total", "rank"), [
    (0, 10, 3),  # no override
    (1, 8, 1),  # capped at 1, though 8 reaches level 2
    (2, 6, 1),
    (3, 4, 0),  # vetoed: unrated, though 4 reaches level 1
])
def test_vetoes_and_caps_override_the_total(standard: scr.Standard, incidents: int, total: int, rank: int) -> None:
    result = standard.evaluate({"a": 10, "e": incidents})
    assert (result.total, result.rating_rank) == (total, rank)
    assert result.rating is not None and result.rating.rank == rank


def test_each_level_lists_the_overrides_it_is_held_to(standard: scr.Standard) -> None:
    rating = standard.evaluate({"a": 10, "e": 1}).rating
    assert rating is not None
    texts = {level.name: [(r.text, r.held) for r in level.requirements] for level in rating.levels}
    assert texts["良"] == [("total >= 5", True), ("not vetoed: 发生重大网络安全事件", True),
                          ("not capped below 1: 存在失泄密事件", False)]
    assert texts["中"] == [("total >= 1", True), ("not vetoed: 发生重大网络安全事件", True)]  # a cap at 1 allows 1
    assert rating.name == "中"


def test_an_override_on_an_unknown_indicator_is_refused() -> None:
    with pytest.raises(scr.InvalidStandard) as caught:
        scr.loads(STANDARD.replace("veto \"发生重大网络安全事件\" when indicator 2", "veto \"x\" when indicator 9"))
    assert caught.value.diagnostics[0].code == "E0235"


def test_the_document_lists_each_override_with_its_reason(standard: scr.Standard) -> None:
    from smartcity_rules import document

    markdown = document.to_markdown(standard)
    assert "| veto: unrated | 发生重大网络安全事件 | indicator 2 ≤ -6 points |" in markdown
    assert "| cap: at most level 1 | 存在失泄密事件 | indicator 2 \\< 0 points |" in markdown
