from __future__ import annotations

import datetime
from pathlib import Path

import pytest

import smartcity_rules as scr

from .conftest import FIXTURES, STANDARDS, mini_record


def test_metadata(mini: scr.Standard) -> None:
    assert (mini.title, mini.level, mini.edition) == ("示例标准", "city", "2024")
    assert mini.effective == datetime.date(2024, 1, 1)
    assert mini.notes == ("thresholds are invented for the tests",)
    assert mini.indicator_numbers == (1, 2, 3, 4, 5)
    assert mini.source_name.endswith("mini.scs")
    assert mini.warnings == ()
    assert mini.needs_cohort
    assert repr(mini) == "<Standard '示例标准' edition='2024' indicators=5>"
    assert mini.provisional == ("the total", "indicator 1 star thresholds", "the rating rule")


def test_city_standard_shape() -> None:
    city = scr.load(STANDARDS / "shandong-city-2019.scs")
    assert city.level == "city" and len(city.indicator_numbers) == 49
    assert city.indicator_numbers == tuple(range(1, 50))
    groups = [g.name for g in city.syntax.groups]
    assert groups == ["基础设施", "数字惠民", "数字政务", "数字经济", "保障措施", "地方特色"]
    assert city.syntax.groups[-1].bonus
    leading = [i.number for g in city.syntax.groups for i in g.indicators if i.leading]
    assert leading and all(f"indicator {n} star thresholds" in city.provisional for n in leading)
    assert "the rating rule" in city.provisional


def test_diagnose_returns_instead_of_raising(tmp_path: Path) -> None:
    assert [d.code for d in scr.diagnose(FIXTURES / "mini.scs")] == ["N0301"]  # its provisional numbers
    broken = tmp_path / "b.scs"
    broken.write_text('standard "T" { level town }', "utf-8")
    assert [d.code for d in scr.diagnose(broken)] == ["E0111"]


def test_loads_names_its_source() -> None:
    with pytest.raises(scr.InvalidStandard, match=r"^draft\.scs:1:"):
        scr.loads("standard", "draft.scs")


def test_indicators_and_inputs_are_described_without_evaluating() -> None:
    standard = scr.load(FIXTURES / "mini.scs")
    first, second = standard.indicators[:2]
    assert (first.number, first.name, first.group, first.leading) == (1, "家庭光纤入户率", "基础设施", False)
    assert first.description == "光纤入户用户数/区域内总户数。"
    assert first.formula == "ratio(fibre, households)"
    assert first.bands == "at least 50%, 60%, 70%, 80%, 90%"
    assert second.leading and second.max_points == 3
    assert standard.indicators[4].bands is None  # a deduction
    fibre = next(i for i in standard.inputs if i.name == "fibre")
    assert (fibre.label, fibre.kind, fibre.unit, fibre.part_of, fibre.direction) == (
        "光纤入户用户数", "count", "户", "households", "higher")
    assert [i.name for i in standard.inputs][:2] == ["households", "fibre"]
    results = standard.evaluate_cohort([mini_record()])
    assert results[0].indicator(1).info is standard.indicators[0]  # one description, shared


def test_evaluate_stream_gives_what_evaluate_cohort_gives_in_chunks(mini: scr.Standard) -> None:
    from .conftest import wrap

    standard = scr.loads(wrap('input x "x": count\ngroup "G" points 1 { indicator 1 "i" { value x '
                              'stars at least 1, 2, 3, 4, 5 points 1 } }'))
    records = [{"entity": f"E{k}", "x": k % 7} for k in range(25)] + [{"x": 3}]
    streamed = list(standard.evaluate_stream(iter(records), chunk=4))
    assert streamed == list(standard.evaluate_cohort(records))
    assert streamed[-1].entity == "#26"  # an unnamed record is named by its place in the whole stream
    with pytest.raises(scr.DataError, match="appears twice"):
        list(standard.evaluate_stream([{"entity": "A", "x": 1}] * 2, chunk=1))  # across chunks too


def test_evaluate_stream_reads_a_whole_cohort_for_rank_and_share(mini: scr.Standard) -> None:


    records = [mini_record(entity=f"E{k}", apps=k) for k in range(6)]
    assert list(mini.evaluate_stream(iter(records), chunk=2)) == list(mini.evaluate_cohort(records))
