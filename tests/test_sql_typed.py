"""A standard typed by entity scored where its table lives (backends/sql/typed.py): the table split
by type in DuckDB (and in PostgreSQL: tests/test_sql_postgres.py), each type's rows scored by its
type's query as a cohort of their own, held to TypedStandard.evaluate_cohort."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

import smartcity_rules as scr
from smartcity_rules import cli

from .conftest import STANDARDS
from .test_sql import scored

duckdb = pytest.importorskip("duckdb", reason="duckdb is not installed: pip install 'smartcity_rules[sql]'")
pd = pytest.importorskip("pandas", reason="pandas is not installed: pip install 'smartcity_rules[pandas]'")

TYPED = STANDARDS / "examples" / "county-and-city.scs"
COHORT = STANDARDS / "examples" / "county-and-city-cohort.json"
TYPE = "类型"


def records() -> list[dict[str, Any]]:
    return [dict(r) for r in scr.read_records(COHORT)]


def on_duckdb(rows: list[dict[str, Any]], standard: scr.Standard | None = None) -> Any:
    """`scored` of the rows put in a DuckDB table and scored there by evaluate_sql."""
    frame = pd.DataFrame(rows)
    try:
        results = (standard or scr.load(TYPED)).evaluate_sql(frame)
    except scr.DataError as error:
        return ("refused", type(error).__name__, error.entity, error.input)
    return _comparable(results)


def _comparable(results: tuple[scr.Evaluation, ...]) -> Any:
    return tuple((r.entity, tuple((i.code, i.value, i.stars, i.points) for i in r.indicators),
                  tuple((n.code, n.name, n.points, n.unrounded) for n in r.nodes), r.total, r.rating_rank)
                 for r in results)


def test_the_typed_cohort_scores_in_duckdb_as_in_python() -> None:
    assert on_duckdb(records()) == scored(scr.load(TYPED), records())


def test_each_type_is_a_cohort_of_its_own_in_the_callers_order() -> None:
    """Rows of the two types interleaved: every evaluation comes back where its row stood."""
    rows = records()
    mixed = [rows[k] for k in (3, 0, 4, 1, 5, 2)]
    assert [r[0] for r in on_duckdb(mixed)] == [r["entity"] for r in mixed]  # type: ignore[index]
    assert on_duckdb(mixed) == scored(scr.load(TYPED), mixed)


@pytest.mark.parametrize("change", [{TYPE: None}, {TYPE: ""}, {TYPE: "省"}, {"entity": "南山县"}],
                         ids=["no type", "empty type", "unknown type", "a name of the other type"])
def test_a_row_the_python_back_end_refuses_is_refused_alike(change: dict[str, Any]) -> None:
    rows = records()
    rows[1] = rows[1] | change
    expected = scored(scr.load(TYPED), rows)
    assert expected[0] == "refused"
    assert on_duckdb(rows) == expected


def test_a_table_without_the_type_column_is_refused_on_its_first_row() -> None:
    rows = [{k: v for k, v in r.items() if k != TYPE} for r in records()]
    assert on_duckdb(rows) == ("refused", "MissingInput", rows[0]["entity"], TYPE)


def test_a_type_with_a_quote_is_a_literal_not_sql() -> None:
    """The types come from the standard and reach the query only as string literals."""
    text = TYPED.read_text(encoding="utf-8").replace('"县"', '"县\'; DROP TABLE t; --"')
    standard = scr.loads(text, name="quoted.scs")
    rows = [r | {TYPE: "县'; DROP TABLE t; --"} if r[TYPE] == "县" else r for r in records()]
    assert on_duckdb(rows, standard) == scored(standard, rows)


def test_a_duckdb_connection_and_a_table_name() -> None:
    connection = duckdb.connect()
    connection.register("frame", pd.DataFrame(records()))
    connection.execute('CREATE TABLE "统计 表" AS SELECT * FROM frame')
    results = scr.load(TYPED).evaluate_sql(connection, "统计 表")
    assert _comparable(results) == scored(scr.load(TYPED), records())


def score(engine: str, data: Path) -> str:
    out, err = io.StringIO(), io.StringIO()
    assert cli.main(["score", "--engine", engine, str(TYPED), str(data)], out, err) == 0, err.getvalue()
    return out.getvalue()


@pytest.mark.parametrize("data", [COHORT, COHORT.with_suffix(".csv")], ids=["json", "csv"])
def test_score_engine_duckdb_prints_what_the_record_engine_prints(data: Path) -> None:
    assert score("duckdb", data) == score("record", data)


def test_score_engine_duckdb_from_parquet(tmp_path: Path) -> None:
    parquet = tmp_path / "cohort.parquet"
    frame = pd.DataFrame(json.loads(COHORT.read_text(encoding="utf-8")))
    duckdb.connect().register("frame", frame).execute(f"COPY frame TO '{parquet}' (FORMAT parquet)")
    assert score("duckdb", parquet) == score("record", COHORT)
