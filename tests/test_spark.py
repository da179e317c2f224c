"""Spark local[2]: each partition scored by the columnar back-end (mapInArrow), bit for bit with
evaluate_cohort; cohort functions over the whole frame (a first pass) or per partition, as asked.

One session for the test run (tests/conftest.py's `spark`: Spark takes seconds to start). Runs
when pyspark and Java are there; says why it is skipped when not (`.ci/run` installs both).
"""

from __future__ import annotations

from typing import Any

import pytest

import smartcity_rules as scr
from smartcity_rules.backends.columnar.executor import refusal

from .conftest import ROOT
from .distributed import SHIPPED, as_texts, expected, figures, generated, run_sql_example, shipped, texts

pytestmark = pytest.mark.spark
pytest.importorskip("pyspark", reason="pyspark is not installed: pip install 'smartcity_rules[spark]'")
from smartcity_rules import spark as scr_spark  # noqa: E402


def frame(spark: Any, records: list[dict[str, Any]], partitions: int = 2) -> Any:
    keys, rows = texts(records)
    schema = ", ".join(f"`{key}` string" for key in keys)
    return spark.createDataFrame(spark.sparkContext.parallelize(rows, partitions), schema)


def scored(standard: scr.Standard, data: Any, cohort: str = "global") -> Any:
    return figures(scr_spark.score_frame(standard, data, cohort=cohort, values=True).toArrow().to_pylist())


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_every_shipped_cohort_scores_as_evaluate_cohort(spark: Any, name: str) -> None:
    standard, records = shipped(name)
    records = as_texts(records)
    cohort = "partition" if standard.plan.imputed else "global"
    data = frame(spark, records, 1 if cohort == "partition" else 2)  # one partition: the whole cohort
    assert scored(standard, data, cohort) == expected(standard, records)


def test_generated_standards_and_cohorts_score_as_evaluate_cohort(spark: Any) -> None:
    cases = generated(range(12))
    for standard, records in cases:
        if refusal(standard.plan) is not None:
            with pytest.raises(scr.UnsupportedConstruct):
                scr_spark.score_frame(standard, frame(spark, records))
            continue
        cohort = "partition" if standard.plan.imputed else "global"
        data = frame(spark, records, 1 if cohort == "partition" else 2)
        assert scored(standard, data, cohort) == expected(standard, records), standard.source_name


def test_a_partition_cohort_ranks_within_each_partition_and_a_global_one_across_all(spark: Any) -> None:
    standard, records = shipped("shandong-city-2019.scs")
    records = as_texts(records)
    data = frame(spark, records, 2)
    parts = [[row["entity"] for row in part] for part in data.rdd.glom().collect()]
    assert len(parts) == 2 and all(parts)
    by_entity = {r["entity"]: r for r in records}
    per_partition = [row for part in parts for row in expected(standard, [by_entity[e] for e in part])]
    assert scored(standard, data, "partition") == sorted(per_partition, key=lambda r: r["entity"])
    assert scored(standard, data, "global") == expected(standard, records)
    assert scored(standard, data, "global") != scored(standard, data, "partition")  # rank() differs


def test_what_cannot_be_honoured_is_refused_before_any_row_is_read(spark: Any) -> None:
    standard, records = shipped("examples/digital-development-index.scs")
    data = frame(spark, as_texts(records))
    with pytest.raises(scr.UnsupportedConstruct, match="cohort='partition'"):
        scr_spark.score_frame(standard, data)
    with pytest.raises(scr.UnsupportedConstruct, match="'global'"):
        scr_spark.score_frame(standard, data, cohort="per row")
    typed = scr.load(ROOT / "standards" / "examples" / "county-and-city.scs")
    with pytest.raises(scr.UnsupportedConstruct, match="variant"):
        scr_spark.score_frame(typed, data)


def test_a_bad_row_is_refused_naming_the_entity_the_indicator_and_the_input(spark: Any) -> None:
    standard, records = shipped("shandong-city-2019.scs")
    plan = standard.plan
    ranked = next(plan.slots[k].key for k in plan.cohort_reads if plan.slots[k].whole is None)
    bad = as_texts(records)
    bad[3][ranked] = "-5"
    with pytest.raises(scr.DataError) as direct:
        standard.evaluate_cohort(bad)
    with pytest.raises(scr.InvalidValue) as raised:  # a rank's argument: refused in the first pass, at once
        scr_spark.score_frame(standard, frame(spark, bad))
    assert (raised.value.entity, raised.value.indicator, raised.value.input) == (
        direct.value.entity, direct.value.indicator, direct.value.input)
    assert (type(direct.value), direct.value.entity, direct.value.input) == (scr.InvalidValue, bad[3]["entity"], ranked)
    community, rows = shipped("shandong-community-2019.scs")  # no cohort function: rows independent
    rows = as_texts(rows)
    rows[5]["households"] = "many"
    scores = scr_spark.score_frame(community, frame(spark, rows))
    table = scores.toArrow().to_pylist()
    assert [r["entity"] for r in table if r["error_kind"]] == [rows[5]["entity"]]
    assert sum(1 for r in table if r["total"] is not None) == len(rows) - 1
    with pytest.raises(scr.InvalidValue, match="households"):
        scr_spark.collect_scores(scores)


def test_the_spark_example_of_docs_sql_runs_as_shown(spark: Any, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(ROOT)
    run_sql_example("spark", {"spark": spark}, capsys)
