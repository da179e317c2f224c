"""The result writers (data/table.py and the CSV, Excel, Parquet and JSON writers): one row per
entity with every figure, numbers that read back to the exact results, and text cells a
spreadsheet will not run as formulas."""

from __future__ import annotations

import csv
import io
import json
from fractions import Fraction
from pathlib import Path

import pytest

import smartcity_rules as scr
from smartcity_rules.data.table import inert
from smartcity_rules.data.write_csv import write_csv
from smartcity_rules.data.write_excel import write_excel
from smartcity_rules.data.write_json import write_json
from smartcity_rules.data.write_parquet import write_parquet

from .conftest import FIXTURES, ROOT

CITY = scr.load(ROOT / "standards" / "shandong-city-2019.scs")
RESULTS = CITY.evaluate_cohort(scr.read_records(ROOT / "standards" / "examples" / "city-cohort.json"))
MINI = scr.load(FIXTURES / "mini.scs")
HOSTILE = ["=cmd|' /C calc'!A0", "+SUM(1,2)", "-2+3", "@SUM(A1)", "\tx", "plain"]


def hostile_results() -> tuple[scr.Evaluation, ...]:
    record = {"households": 100, "fibre": 90, "gigabit": 80, "has_group": True, "has_plan": True,
              "incidents": 0, "apps": 1}
    return MINI.evaluate_cohort([{**record, "entity": name} for name in HOSTILE])


def test_inert_leads_formula_text_with_an_apostrophe() -> None:
    assert [inert(t) for t in HOSTILE] == ["'" + t for t in HOSTILE[:5]] + ["plain"]


def test_csv_cells_are_inert_and_numbers_stay_numbers() -> None:
    out = io.StringIO()
    write_csv(hostile_results(), out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert [row[0] for row in rows[1:]] == ["'" + t for t in HOSTILE[:5]] + ["plain"]
    header = rows[0]
    assert header[:6] == ["entity", "total", "total exact", "rating rank", "rating", "missing share"]
    assert all(not cell.startswith(("=", "+", "@")) for row in rows for cell in row)
    assert rows[1][header.index("5 points")] == "0.0"  # a number, written as one


def test_csv_has_every_figure_of_every_entity() -> None:
    out = io.StringIO()
    write_csv(RESULTS, out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert len(rows) == len(RESULTS)
    for row, result in zip(rows, RESULTS):
        assert Fraction(row["total exact"]) == result.total and float(row["total"]) == float(result.total)
        for indicator in result.indicators:
            exact = row[f"{indicator.code} value exact"]
            assert (Fraction(exact) if exact else None) == indicator.value
            assert row[f"{indicator.code} stars"] == ("" if indicator.stars is None else str(indicator.stars))
            assert Fraction(row[f"{indicator.code} points"]) == indicator.points
        for group in result.groups:
            assert Fraction(row[f"{group.name} points"]) == group.points
        assert row["rating"] == (result.rating.name if result.rating else "")


def test_excel_text_is_text_never_a_formula(tmp_path: Path) -> None:
    import openpyxl

    write_excel(hostile_results(), tmp_path / "r.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "r.xlsx").active
    cells = [sheet.cell(row=r, column=1) for r in range(2, len(HOSTILE) + 2)]
    assert [c.value for c in cells] == HOSTILE
    assert all(c.data_type == "s" for c in cells)
    assert [c.quotePrefix for c in cells] == [True, True, True, True, False, False]
    assert isinstance(sheet.cell(row=2, column=2).value, float)


def test_excel_and_parquet_hold_what_csv_holds(tmp_path: Path) -> None:
    import openpyxl
    import pyarrow.parquet as pq

    out = io.StringIO()
    write_csv(RESULTS, out)
    expected = list(csv.DictReader(io.StringIO(out.getvalue())))
    write_excel(RESULTS, tmp_path / "r.xlsx")
    write_parquet(RESULTS, tmp_path / "r.parquet")
    sheet = list(openpyxl.load_workbook(tmp_path / "r.xlsx").active.iter_rows(values_only=True))
    table = pq.read_table(tmp_path / "r.parquet").to_pylist()
    assert list(sheet[0]) == list(expected[0]) == list(table[0])
    for csv_row, excel_row, parquet_row in zip(expected, sheet[1:], table):
        for (key, text), from_excel in zip(csv_row.items(), excel_row):
            from_parquet = parquet_row[key]
            if text == "":
                assert from_excel is None and from_parquet is None
            elif isinstance(from_parquet, str):
                assert from_excel == from_parquet == text
            else:
                # Excel keeps 15 significant digits (openpyxl writes about 16): the exact text is beside.
                assert float(text) == from_parquet and from_excel == pytest.approx(from_parquet, rel=1e-15)


def test_parquet_types(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    write_parquet(RESULTS, tmp_path / "r.parquet")
    schema = pq.read_schema(tmp_path / "r.parquet")
    assert str(schema.field("total").type) == "double" and str(schema.field("1 stars").type) == "int64"
    assert str(schema.field("1 value exact").type) == "string"


def test_json_numbers_are_numbers_with_the_exact_text_beside() -> None:
    out = io.StringIO()
    write_json(RESULTS, out)
    data = json.loads(out.getvalue())
    for entry, result in zip(data, RESULTS):
        assert entry["total"] == float(result.total) and Fraction(entry["total_exact"]) == result.total
        for shown, indicator in zip(entry["indicators"], result.indicators):
            if indicator.value is None:
                assert shown["value"] is None and "value_exact" not in shown
            else:
                assert shown["value"] == float(indicator.value)
                assert Fraction(shown["value_exact"]) == indicator.value
    assert any("/" in i["value_exact"] for e in data for i in e["indicators"] if i["value"] is not None)


@pytest.mark.parametrize("writer", [write_csv, write_json])
def test_no_entities(writer: object) -> None:
    out = io.StringIO()
    writer(iter(()), out)  # type: ignore[operator]
    assert out.getvalue() in ("\n", "[]\n")
