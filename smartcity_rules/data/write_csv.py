"""Writes results as CSV: one row per entity (see table.py), text cells made inert, so a
spreadsheet that opens the file runs nothing an entity's name or a label slipped in."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, TextIO

from ..results.evaluation import Evaluation
from .table import Cell, inert, rows


def write_csv(evaluations: Iterable[Evaluation], out: TextIO) -> None:
    """The results, an entity at a time; open a file with encoding="utf-8-sig" so Excel reads the Chinese."""
    columns, table = rows(evaluations)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([inert(c.name) for c in columns or ()])
    text = [c.cell is Cell.TEXT for c in columns or ()]
    for cells in table:
        writer.writerow([_cell(value, is_text) for value, is_text in zip(cells, text)])


def _cell(value: Any, is_text: bool) -> Any:
    if value is None:
        return ""
    if is_text:
        return inert(value)
    return repr(value) if type(value) is float else value  # repr: the shortest text that reads back the same
