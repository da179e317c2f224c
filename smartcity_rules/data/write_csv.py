"""Writes results as CSV: one row per entity (see table.py), text cells made inert, so a
spreadsheet that opens the file runs nothing an entity's name or a label slipped in."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, TextIO

from ..results.evaluation import Evaluation
from .table import Cell, Column, inert, rows


def _cell(value: Any, column: Column) -> Any:
    if value is None:
        return ""
    if column.cell is Cell.TEXT:
        return inert(str(value))
    return repr(value) if isinstance(value, float) else value  # repr: the shortest text that reads back the same


def write_csv(evaluations: Iterable[Evaluation], out: TextIO) -> None:
    """The results, an entity at a time; open a file with encoding="utf-8-sig" so Excel reads the Chinese."""
    columns, table = rows(evaluations)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([inert(c.name) for c in columns or ()])
    for cells in table:
        assert columns is not None
        writer.writerow([_cell(value, column) for value, column in zip(cells, columns)])
