"""Reads the first sheet of an Excel workbook (.xlsx, .xlsm) of statistics: a header row, then one
row per entity, as Excel, WPS or LibreOffice save it.

openpyxl, not python-calamine: the same library writes the blank template with its data
validation (calamine only reads), it is pure Python (no wheel to miss on a platform), and its
read-only mode streams rows, so a large workbook is not held whole.

A formula cell is read by the value the spreadsheet saved with it; a formula saved without one
(a file written by a script, never opened in a spreadsheet) is refused, not read as missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import zip_longest
from pathlib import Path
from typing import Any

from ..language.errors import DataFileError
from .columns import Header, Inputs, Record, cell_value, header
from .extras import require


def excel_rows(path: Path, standard: Inputs | None,
               errors: list[DataFileError] | None = None) -> Iterator[tuple[int, Record]]:
    """Each entity's spreadsheet row number and statistics."""
    openpyxl = require("openpyxl", "reading .xlsx files")
    values, formulas = (_sheet(openpyxl, path, data_only) for data_only in (True, False))
    table: Header | None = None
    for number, (row, written) in enumerate(zip_longest(values, formulas, fillvalue=()), start=1):
        if not any(cell_value(cell) is not None for cell in row):
            continue
        if table is None:
            table = header(row, str(path), standard, number)
            continue
        try:
            _formulas_saved(table, row, written, number)
            yield number, table.record(row, number)
        except DataFileError as error:
            if errors is None:
                raise
            errors.append(error)
    if table is None:
        raise DataFileError("the workbook's first sheet is empty", file=str(path))


def _sheet(openpyxl: Any, path: Path, data_only: bool) -> Iterator[tuple[Any, ...]]:
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=data_only)
    except Exception as error:  # zipfile, XML and openpyxl's own errors: not a workbook it can read
        raise DataFileError(f"cannot read it as an Excel workbook: {error}", file=str(path)) from None
    try:
        yield from book.worksheets[0].iter_rows(values_only=True)
    finally:
        book.close()


def _formulas_saved(table: Header, row: tuple[Any, ...], written: tuple[Any, ...], number: int) -> None:
    for key, heading, value, formula in zip(table.keys, table.headings, row, written):
        if value is None and isinstance(formula, str) and formula.startswith("="):
            raise DataFileError(f"a formula ({formula[:40]}) saved without its value: open the file in a "
                                "spreadsheet and save it, so the value is stored", file=table.file, row=number,
                                column=heading, input=key)
