"""Reads statistics from a pandas or polars DataFrame handed over in Python: one row per entity,
a column per input (named or labelled). NaN, None, pandas' NA and NaT mean not reported, and
go to the standard's missing-data policy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..language.errors import DataFileError
from .columns import Inputs, Record, header


def is_frame(source: object) -> bool:
    """Whether the object is a pandas or polars DataFrame (told without importing either)."""
    kind = type(source)
    return kind.__name__ == "DataFrame" and kind.__module__.split(".")[0] in ("pandas", "polars")


def frame_rows(frame: Any, standard: Inputs | None, name: str = "<DataFrame>") -> Iterator[tuple[int, Record]]:
    """Each entity's row number (from 1) and statistics."""
    columns = [str(column) for column in frame.columns]
    if len(set(columns)) != len(columns):
        twice = next(c for c in columns if columns.count(c) > 1)
        raise DataFileError("appears twice", file=name, column=twice)
    table = header(columns, name, standard, row=0)
    rows = frame.iter_rows() if type(frame).__module__.startswith("polars") else frame.itertuples(index=False,
                                                                                                    name=None)
    for number, cells in enumerate(rows, start=1):
        yield number, table.record(cells, number)
