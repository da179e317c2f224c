"""Reads Parquet and Arrow (Feather, IPC) files of statistics: one row per entity, a column per
input, read a batch of rows at a time so a large file is not held whole."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..language.errors import DataFileError
from .columns import Inputs, Record, header
from .extras import require

PARQUET = (".parquet", ".pq")
ARROW = (".arrow", ".feather", ".ipc")
_BATCH = 10_000


def arrow_rows(path: Path, standard: Inputs | None) -> Iterator[tuple[int, Record]]:
    """Each entity's row number (from 1; these files have no header row) and statistics."""
    require("pyarrow", "reading Parquet and Arrow files")
    try:
        names, batches = _open(path)
    except DataFileError:
        raise
    except Exception as error:  # pyarrow's ArrowInvalid, OSError and the like
        raise DataFileError(f"cannot read it as {_kind(path)}: {error}", file=str(path)) from None
    table = header(names, str(path), standard, row=0)
    number = 0
    for batch in batches:
        for cells in zip(*(column.to_pylist() for column in batch.columns)):
            number += 1
            yield number, table.record(cells, number)


def _kind(path: Path) -> str:
    return "Parquet" if path.suffix.lower() in PARQUET else "an Arrow file"


def _open(path: Path) -> tuple[list[str], Iterator[Any]]:
    if path.suffix.lower() in PARQUET:
        parquet = require("pyarrow.parquet", "reading Parquet files")
        reader = parquet.ParquetFile(path)
        return reader.schema_arrow.names, reader.iter_batches(batch_size=_BATCH)
    feather = require("pyarrow.feather", "reading Arrow files")
    table = feather.read_table(path, memory_map=True)  # mapped, not read: batches page in as used
    return table.column_names, iter(table.to_batches(max_chunksize=_BATCH))
