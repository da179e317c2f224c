"""Writes results as an Excel workbook: one row per entity (see table.py), streamed by
openpyxl's write-only mode. Text cells are stored as text with Excel's quote prefix, so a
name beginning with `=` shows as written and is never run as a formula, even once edited.
Numbers are floats, which Excel keeps to 15 significant digits: the exact text is in the column beside."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..results.evaluation import Evaluation
from .extras import require
from .table import Cell, Column, rows


def text_cell(sheet: Any, cell_class: Any, text: str) -> Any:
    """A cell that holds text as text: openpyxl reads a leading `=` as a formula otherwise."""
    cell = cell_class(sheet, value=text)
    cell.data_type = "s"
    if text.startswith(("=", "+", "-", "@")):
        cell.quotePrefix = True  # Excel's own mark for text that looks like a formula
    return cell


def _cell(sheet: Any, cell_class: Any, value: Any, column: Column) -> Any:
    if value is not None and column.cell is Cell.TEXT:
        return text_cell(sheet, cell_class, str(value))
    return value


def write_excel(evaluations: Iterable[Evaluation], path: Path) -> None:
    openpyxl = require("openpyxl", "writing .xlsx files")
    from openpyxl.cell import WriteOnlyCell

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("results")
    columns, table = rows(evaluations)
    sheet.append([text_cell(sheet, WriteOnlyCell, c.name) for c in columns or ()])
    for cells in table:
        assert columns is not None
        sheet.append([_cell(sheet, WriteOnlyCell, value, column) for value, column in zip(cells, columns)])
    book.save(path)
