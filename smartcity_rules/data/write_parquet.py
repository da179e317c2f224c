"""Writes results as Parquet: one row per entity (see table.py), a batch of rows at a time,
so a large cohort is written in bounded memory. Exact numbers are text columns beside the floats."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..results.evaluation import Evaluation
from .extras import require
from .table import Cell, rows

_BATCH = 10_000


def write_parquet(evaluations: Iterable[Evaluation], path: Path) -> None:
    pa = require("pyarrow", "writing Parquet files")
    parquet = require("pyarrow.parquet", "writing Parquet files")
    columns, table = rows(evaluations)
    types = {Cell.TEXT: pa.string(), Cell.NUMBER: pa.float64(), Cell.WHOLE: pa.int64()}
    schema = pa.schema([(c.name, types[c.cell]) for c in columns or ()])
    with parquet.ParquetWriter(path, schema) as writer:
        while batch := list(itertools.islice(table, _BATCH)):
            arrays: list[Any] = [pa.array(list(cells), type=field.type) for cells, field in zip(zip(*batch), schema)]
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
