"""Writes a blank data sheet for a standard: the `entity` column, then one column per input
headed by its label (kind and unit on a second line of the heading, which readers ignore), a
`@previous` column after each input a growth indicator reads last period's value of; in Excel,
each column's cells validated to the input's domain where the kind allows.

Filled in, it reads back through read_records(path, standard=...) and scores."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import attrs

from ..language.check import ENTITY_KEY
from ..language.numbers import fmt
from ..plan import semantics
from ..plan.lower import PREVIOUS_SUFFIX
from ..plan.scoring import ScoringPlan
from ..results.evaluation import InputInfo
from .extras import require
from .table import FORMULA_STARTS

_ROWS = 1000  # rows a template's validation covers


class Described(Protocol):
    """What a template is made from: a standard's inputs and its plan (a Standard has both)."""

    @property
    def inputs(self) -> Sequence[InputInfo]: ...

    @property
    def plan(self) -> ScoringPlan: ...


@attrs.frozen
class TemplateColumn:
    key: str  # the record key: an input's name, or `name@previous`
    heading: str  # what the reader matches: the label (the name where two inputs share a label)
    note: str  # kind and unit, on the heading's second line
    kind: str
    domain: semantics.Domain | None  # None where the kind's range is the standard's (a score not read)
    choices: tuple[str, ...] = ()  # the entity types, for the column that names an entity's type


def template_columns(standard: Described) -> tuple[TemplateColumn, ...]:
    """The template's columns after `entity`; for a standard with entity types, every type's, once."""
    types: tuple[str, ...] = getattr(standard, "entity_types", ())
    if types:
        key: str = standard.entity_type_input  # type: ignore[attr-defined]
        found: dict[str, TemplateColumn] = {key: TemplateColumn(key, key, "entity type: " + " | ".join(types),
                                                                "type", None, types)}
        for kind in types:
            for column in template_columns(standard.variant(kind)):  # type: ignore[attr-defined]
                found.setdefault(column.key, column)
        return tuple(found.values())
    return _columns(standard)


def _columns(standard: Described) -> tuple[TemplateColumn, ...]:
    labels = [info.label for info in standard.inputs]
    slots = {slot.key: slot for slot in standard.plan.slots}
    found: list[TemplateColumn] = []
    for info in standard.inputs:
        heading = info.label if labels.count(info.label) == 1 else info.name
        for key, suffix in ((info.name, ""), (info.name + PREVIOUS_SUFFIX, PREVIOUS_SUFFIX)):
            if suffix and key not in slots:
                continue  # no growth indicator reads last period's value
            note = " · ".join(part for part in (key, info.kind, info.unit) if part)
            slot = slots.get(key)
            found.append(TemplateColumn(key, heading + suffix, note, info.kind, None if slot is None else slot.domain))
    return tuple(found)


def _headings(columns: Sequence[TemplateColumn]) -> list[str]:
    return [ENTITY_KEY, *(f"{c.heading}\n{c.note}" for c in columns)]


def write_template(standard: Described, path: Path) -> None:
    """A blank sheet at `path`: Excel for `.xlsx`, else CSV (UTF-8 with a BOM, as Excel reads it)."""
    columns = template_columns(standard)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        _excel(columns, path)
        return
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        csv.writer(out, lineterminator="\n").writerow(_headings(columns))


def _excel(columns: Sequence[TemplateColumn], path: Path) -> None:
    openpyxl = require("openpyxl", "writing .xlsx templates")
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "data"
    for index, heading in enumerate(_headings(columns), start=1):
        cell = sheet.cell(row=1, column=index)
        cell.value = heading
        cell.data_type = "s"  # a label beginning with `=` stays text
        cell.quotePrefix = heading.startswith(FORMULA_STARTS)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[get_column_letter(index)].width = 18
    sheet.freeze_panes = "B2"
    for index, column in enumerate(columns, start=2):
        rule = _validation(column)
        if rule is not None:
            letter = get_column_letter(index)
            rule.add(f"{letter}2:{letter}{_ROWS + 1}")
            sheet.add_data_validation(rule)
    _inputs_sheet(book, columns)
    book.save(path)


def _validation(column: TemplateColumn) -> Any:
    """Excel's check of the column's cells: yes/no from a list, numbers within the domain."""
    from openpyxl.worksheet.datavalidation import DataValidation

    domain = column.domain
    if column.choices:
        return DataValidation(type="list", formula1='"' + ",".join(column.choices) + '"', allow_blank=True,
                              showErrorMessage=True, error="one of " + ", ".join(column.choices))
    if column.kind == "flag":
        return DataValidation(type="list", formula1='"是,否"', allow_blank=True, showErrorMessage=True,
                              error="是 or 否 (yes or no)")
    if domain is None:
        return None
    bounds = {"operator": "greaterThanOrEqual", "formula1": fmt(domain.low)} if domain.high is None else {
        "operator": "between", "formula1": fmt(domain.low), "formula2": fmt(domain.high)}
    words = f"at least {fmt(domain.low)}" if domain.high is None else f"from {fmt(domain.low)} to {fmt(domain.high)}"
    return DataValidation(type="whole" if domain.whole else "decimal", allow_blank=True, showErrorMessage=True,
                          error=f"{'a whole number' if domain.whole else 'a number'} {words}", **bounds)


def _inputs_sheet(book: Any, columns: Sequence[TemplateColumn]) -> None:
    """A second sheet saying what each column is; the reader reads the first sheet only."""
    sheet = book.create_sheet("inputs")
    sheet.append(["column", "input", "kind, unit"])
    for column in columns:
        sheet.append([column.heading, column.key, column.note])
