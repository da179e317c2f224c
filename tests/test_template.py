"""The blank data sheet (data/template.py, `smartcity-rules template`): a column per input with
its label, kind and unit, `@previous` where growth needs it, Excel validation by domain; and it
round-trips: filled in with a cohort's statistics, it scores as the cohort does."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

import smartcity_rules as scr
from smartcity_rules.cli import main
from smartcity_rules.data.template import template_columns, write_template

from .conftest import ROOT

STANDARDS = ROOT / "standards"
CASES = [("shandong-city-2019.scs", "city-cohort.json"), ("shandong-community-2019.scs", "community-cohort.json"),
         ("examples/digital-development-index.scs", "index-cohort.json"),
         ("examples/county-and-city.scs", "county-and-city-cohort.csv")]  # entity types: a column for the type


def cohort(name: str, standard: scr.Standard) -> list[dict[str, Any]]:
    return standard.read(STANDARDS / "examples" / name)


def test_columns_are_every_input_and_the_previous_ones_growth_reads() -> None:
    standard = scr.load(STANDARDS / "shandong-city-2019.scs")
    keys = [c.key for c in template_columns(standard)]
    previous = {slot.key for slot in standard.plan.slots if slot.previous}
    assert previous and previous <= set(keys)
    assert [k for k in keys if "@" not in k] == [i.name for i in standard.inputs]
    assert keys.index("population@previous") == keys.index("population") + 1
    column = next(c for c in template_columns(standard) if c.key == "households")
    assert (column.heading, column.note) == ("区域内总户数", "households · count · 户")


def fill_csv(path: Path, records: list[dict[str, Any]], standard: scr.Standard) -> None:
    with path.open(encoding="utf-8-sig", newline="") as stream:
        header = next(csv.reader(stream))
    keys = ["entity", *(c.key for c in template_columns(standard))]
    assert len(header) == len(keys)
    with path.open("a", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        for record in records:
            writer.writerow([record.get(key, "") for key in keys])


def fill_excel(path: Path, records: list[dict[str, Any]], standard: scr.Standard) -> None:
    import openpyxl

    book = openpyxl.load_workbook(path)
    sheet = book["data"]
    keys = ["entity", *(c.key for c in template_columns(standard))]
    for record in records:
        sheet.append([_typed(record.get(key)) for key in keys])
    book.save(path)


def _typed(value: Any) -> Any:
    """A cell as a person types it: numbers as numbers, the rest as text."""
    if isinstance(value, str):
        try:
            return float(value) if "." in value else int(value)
        except ValueError:
            return value
    return value


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
@pytest.mark.parametrize(("standard_name", "cohort_name"), CASES)
def test_filled_in_it_scores_as_the_cohort(tmp_path: Path, suffix: str, standard_name: str, cohort_name: str) -> None:
    standard = scr.load(STANDARDS / standard_name)
    records = cohort(cohort_name, standard)
    path = tmp_path / f"data{suffix}"
    assert main(["template", str(STANDARDS / standard_name), "-o", str(path)]) == 0
    (fill_csv if suffix == ".csv" else fill_excel)(path, records, standard)
    expected = [e.to_dict() for e in standard.evaluate_cohort(records)]
    assert [e.to_dict() for e in standard.evaluate_cohort(standard.read(path))] == expected


def test_excel_validates_each_kind(tmp_path: Path) -> None:
    import openpyxl
    from openpyxl.utils import get_column_letter

    standard = scr.load(STANDARDS / "shandong-city-2019.scs")
    write_template(standard, tmp_path / "t.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx")["data"]
    rules = {str(rule.sqref).split(":")[0].rstrip("0123456789"): rule for rule in sheet.data_validations.dataValidation}
    columns = template_columns(standard)
    by_kind = {c.kind: get_column_letter(index) for index, c in enumerate(columns, start=2) if c.domain}
    assert rules[by_kind["count"]].type == "whole" and rules[by_kind["count"]].formula1 == "0"
    assert rules[by_kind["rate"]].type == "decimal" and (rules[by_kind["rate"]].formula1,
                                                         rules[by_kind["rate"]].formula2) == ("0", "1")
    assert rules[by_kind["flag"]].type == "list" and "是" in rules[by_kind["flag"]].formula1
    assert sheet["B1"].value == "区域内总户数\nhouseholds · count · 户"
