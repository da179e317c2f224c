from __future__ import annotations

import json
from fractions import Fraction

import smartcity_rules as scr
from smartcity_rules.language import numbers
from smartcity_rules.publish import report

from .conftest import mini_record


def cohort() -> list[dict[str, object]]:
    return [mini_record(), mini_record(entity="B", households=0, fibre=0, gigabit=0, apps=30, incidents=0)]


def test_table_golden(mini: scr.Standard, golden) -> None:
    text = report.tables(mini, mini.evaluate_cohort(cohort()))
    golden.check("report/mini_table.txt", text + "\n")


def test_table_shows_every_indicator_total_and_rating(mini: scr.Standard) -> None:
    text = report.table(mini, mini.evaluate_cohort(cohort())[0])
    for name in ("家庭光纤入户率", "千兆与光纤", "制度机制", "应用排名", "信息安全"):
        assert name in text
    assert "Total: 6.95 of 10" in text
    assert "Rating: 三星级 (level 3) [provisional rule]" in text
    assert "Provisional (not official): star thresholds of indicator 1; the total; the rating rule" in text


def test_json_carries_the_same_numbers(mini: scr.Standard) -> None:
    evaluations = mini.evaluate_cohort(cohort())
    data = json.loads(report.to_json(evaluations))
    assert [d["total"] for d in data] == [numbers.fmt(e.total) for e in evaluations]
    assert data[1]["indicators"][1]["status"] == "not applicable"


def test_show_number() -> None:
    assert report.show_number(Fraction(17, 20), percent=True) == "85%"
    assert report.show_number(Fraction(1, 3), percent=True) == "≈33.33%"
    assert report.show_number(Fraction(1, 3)) == "≈0.3333"
    assert report.show_number(Fraction(1, 30000)) == "≈0.00003333"
    assert report.show_number(Fraction(123456, 7)) == "≈17637"
    assert report.show_number(None) == "n/a"


def test_json_written_entity_by_entity_is_the_same_document(mini: scr.Standard) -> None:
    import io

    evaluations = mini.evaluate_cohort([mini_record(entity="A"), mini_record(entity="B", fibre=10)])
    for chosen in (evaluations, evaluations[:1], ()):
        out = io.StringIO()
        report.write_json(iter(chosen), out)
        assert out.getvalue() == report.to_json(chosen) + "\n"


def test_tables_written_entity_by_entity_are_the_same_text(mini: scr.Standard) -> None:
    import io

    evaluations = mini.evaluate_cohort([mini_record(entity="A"), mini_record(entity="B", fibre=10)])
    out = io.StringIO()
    report.write_tables(mini, iter(evaluations), out)
    assert out.getvalue() == report.tables(mini, evaluations) + "\n"
