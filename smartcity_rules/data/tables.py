"""Reads statistics files as tables, for the batch path: Parquet a row group at a time, others whole.

A Parquet file (pyarrow, the `arrow` extra) is handed over in record batches of its row
groups, so a file larger than memory is scored in parts; JSON and CSV are read as records
(data/records.py, with its checks) and handed over as one table of columns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..language.errors import DataFileError, MissingExtra
from .records import read_records

PARQUET = (".parquet", ".pq")


def table_parts(path: str | Path) -> Callable[[], Iterator[Any]]:
    """A function giving the file's tables anew on each call (the batch path may read twice)."""
    path = Path(path)
    if path.suffix.lower() in PARQUET:
        return lambda: _row_groups(path)
    records = read_records(path)
    keys = list(dict.fromkeys(key for record in records for key in record))
    columns = {key: [record.get(key) for record in records] for key in keys}
    return lambda: iter([columns])


def _row_groups(path: Path) -> Iterator[Any]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise MissingExtra("reading Parquet needs pyarrow: pip install 'smartcity_rules[arrow]'") from None
    try:
        file = pq.ParquetFile(path)
    except (OSError, ValueError) as error:  # pyarrow's ArrowInvalid is a ValueError
        raise DataFileError(f"{path}: cannot read statistics: {error}") from None
    for group in range(file.num_row_groups):
        yield file.read_row_group(group)
