"""Dask: each partition scored by the columnar back-end, bit for bit with evaluate_cohort; cohort
functions over the whole frame (a first pass) or within each partition, as asked."""

from __future__ import annotations

from typing import Any

import pytest

import smartcity_rules as scr
from smartcity_rules.backends.columnar.executor import refusal

from .distributed import SHIPPED, as_texts, expected, figures, generated, shipped, texts

dd = pytest.importorskip("dask.dataframe", reason="dask is not installed: pip install 'smartcity_rules[dask]'")
pd = pytest.importorskip("pandas", reason="pandas is not installed: pip install 'smartcity_rules[dask]'")
from smartcity_rules import dask as scr_dask  # noqa: E402


def frame(records: list[dict[str, Any]], partitions: int = 2) -> Any:
    keys, rows = texts(records)
    table = pd.DataFrame(rows, columns=keys, dtype=object)
    return dd.from_pandas(table, npartitions=min(partitions, max(1, len(rows))), sort=False)


def scored(standard: scr.Standard, data: Any, cohort: str = "global") -> Any:
    scores = scr_dask.score_frame(standard, data, cohort=cohort, values=True)
    return figures(_rows(scores))


def _rows(scores: Any) -> list[dict[str, Any]]:
    import pyarrow as pa

    return pa.Table.from_pandas(scores.compute(), preserve_index=False).to_pylist()


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_every_shipped_cohort_scores_as_evaluate_cohort(name: str) -> None:
    standard, records = shipped(name)
    records = as_texts(records)
    cohort = "partition" if standard.plan.imputed else "global"
    data = frame(records, 1 if cohort == "partition" else 3)  # one partition: the whole cohort
    assert scored(standard, data, cohort) == expected(standard, records)


def test_generated_standards_and_cohorts_score_as_evaluate_cohort() -> None:
    cases = generated(range(40))
    assert len(cases) >= 30
    for standard, records in cases:
        if refusal(standard.plan) is not None:  # a square root: the columnar back-end refuses it up front
            with pytest.raises(scr.UnsupportedConstruct):
                scr_dask.score_frame(standard, frame(records))
            continue
        cohort = "partition" if standard.plan.imputed else "global"
        data = frame(records, 1 if cohort == "partition" else 2)
        assert scored(standard, data, cohort) == expected(standard, records), standard.source_name


def test_a_partition_cohort_ranks_within_each_partition_and_a_global_one_across_all() -> None:
    standard, records = shipped("shandong-city-2019.scs")
    records = as_texts(records)
    data = frame(records, 2)
    parts = [data.get_partition(n).compute()["entity"].tolist() for n in range(data.npartitions)]
    by_entity = {r["entity"]: r for r in records}
    per_partition = [row for part in parts for row in expected(standard, [by_entity[e] for e in part])]
    assert len(parts) == 2 and all(parts)
    assert scored(standard, data, "partition") == sorted(per_partition, key=lambda r: r["entity"])
    assert scored(standard, data, "global") == expected(standard, records)
    assert scored(standard, data, "global") != scored(standard, data, "partition")  # rank() differs


def test_imputation_from_the_cohort_is_refused_globally_and_honoured_per_partition() -> None:
    standard, records = shipped("examples/digital-development-index.scs")
    with pytest.raises(scr.UnsupportedConstruct, match="cohort='partition'"):
        scr_dask.score_frame(standard, frame(as_texts(records)))
    with pytest.raises(scr.UnsupportedConstruct, match="'global'"):
        scr_dask.score_frame(standard, frame(as_texts(records)), cohort="per row")


def test_a_bad_row_is_refused_naming_the_entity_the_indicator_and_the_input() -> None:
    standard, records = shipped("shandong-city-2019.scs")
    plan = standard.plan
    ranked = next(plan.slots[k].key for k in plan.cohort_reads if plan.slots[k].whole is None)
    own = next(s.key for k, s in enumerate(plan.slots) if k not in plan.cohort_reads and s.whole is None
               and s.kind.value == "count")
    for key in (ranked, own):
        bad = as_texts(records)
        bad[3][key] = "-5"
        with pytest.raises(scr.DataError) as direct:
            standard.evaluate_cohort(bad)
        with pytest.raises(scr.DataError) as raised:  # a rank's argument: in the first pass, at once
            scr_dask.collect_scores(scr_dask.score_frame(standard, frame(bad)))
        assert (type(raised.value), raised.value.entity, raised.value.indicator, raised.value.input) == (
            type(direct.value), direct.value.entity, direct.value.indicator, direct.value.input) == (
            scr.InvalidValue, bad[3]["entity"], direct.value.indicator, key)
    community, rows = shipped("shandong-community-2019.scs")  # no cohort function: rows independent
    rows = as_texts(rows)
    rows[5]["households"] = "many"
    scores = scr_dask.score_frame(community, frame(rows))
    table = _rows(scores)
    assert [r["entity"] for r in table if r["error_kind"]] == [rows[5]["entity"]]
    assert sum(1 for r in table if r["total"] is not None) == len(rows) - 1
    with pytest.raises(scr.InvalidValue, match="households"):
        scr_dask.collect_scores(scores)


def test_a_table_the_standard_cannot_read_is_refused_before_any_row_is_scored() -> None:
    standard, records = shipped("shandong-community-2019.scs")
    rows = as_texts(records)
    with pytest.raises(scr.UnknownInput, match="entity"):
        scr_dask.score_frame(standard, frame(rows).drop(columns="entity"))
    with pytest.raises(scr.UnknownInput, match="did you mean 'households'"):
        scr_dask.score_frame(standard, frame([r | {"housholds": "3"} for r in rows]))
    rows[2]["entity"] = None  # a name made up from a row's place could be another partition's
    with pytest.raises(scr.MissingInput, match="no entity name"):
        scr_dask.collect_scores(scr_dask.score_frame(standard, frame(rows)))
