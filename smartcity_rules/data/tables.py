"""Reads statistics files as tables, for the batch path: Parquet and the other formats a block of
rows at a time.

The values are those the per-record readers give (data/records.py's iter_rows): columns headed
by an input's name or its label, NaN and blank cells missing. A Parquet file (pyarrow, the
`arrow` extra) is read by column, `PARQUET_BLOCK` rows at a time whatever its row groups (a writer
may put a million rows in one), handed over as Arrow tables, so a file larger than memory is
scored in parts; other files are read row by row by their own readers and handed over as columns
of `BLOCK` rows.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ..language.check import ENTITY_KEY
from ..language.errors import DataFileError, MissingExtra
from .columns import Inputs, header
from .records import iter_rows

PARQUET = (".parquet", ".pq")
# The rows handed over at once. A part's rows are held as Python values while it is read (a CSV
# block's records) and scored: 100,000 community rows took 680 MB, 20,000 keep `score` under 300.
BLOCK = 10_000  # a CSV, JSON or Excel file's
PARQUET_BLOCK = 16_384  # a Parquet file's: columns read straight into Arrow cost less


class TableParts:
    """A statistics file's tables, anew on each call (the batch path reads twice with rank or
    share); `only(keys)` gives the same parts with the columns of those record keys alone (what
    the cohort pass reads, see Standard.evaluate_parts). With `rows`, each entity's row in the
    file is noted there as it is read (for errors that name the row); `errors` collects the
    problems of single rows, each row then left out (--keep-going)."""

    def __init__(self, path: str | Path, standard: Inputs | None = None, *, rows: dict[str, int] | None = None,
                 errors: list[DataFileError] | None = None, block: int | None = None) -> None:
        self.path, self.standard = Path(path), standard
        parquet = self.path.suffix.lower() in PARQUET
        self.rows, self.errors = rows, errors
        self.block = block if block is not None else PARQUET_BLOCK if parquet else BLOCK

    def __call__(self) -> Iterator[Any]:
        return self.only(None)

    def whole(self) -> Any:
        """Every part as one table (for a cohort scored with rows left out, see the CLI)."""
        parts = list(self())
        if self.path.suffix.lower() in PARQUET:
            import pyarrow as pa

            return pa.concat_tables(parts) if parts else pa.table({})
        keys = dict.fromkeys(key for part in parts for key in part)
        return {key: [v for part in parts for v in part.get(key, [None] * len(next(iter(part.values()), [])))]
                for key in keys}

    def only(self, keys: Sequence[str] | None) -> Iterator[Any]:
        if self.path.suffix.lower() in PARQUET:
            return self._row_groups(None if keys is None else set(keys))
        return self._blocks(None if keys is None else set(keys))

    def _row_groups(self, keys: set[str] | None) -> Iterator[Any]:
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError:
            raise MissingExtra("reading Parquet needs pyarrow: pip install 'smartcity_rules[arrow]'",
                               extra="arrow") from None
        try:
            file = pq.ParquetFile(self.path, memory_map=True)
        except (OSError, ValueError) as error:  # pyarrow's ArrowInvalid is a ValueError
            raise DataFileError(f"{self.path}: cannot read statistics: {error}") from None
        names = file.schema_arrow.names
        by_key = dict(zip(header(names, str(self.path), self.standard, row=0).keys, names))
        wanted = {key: name for key, name in by_key.items() if keys is None or key in keys}
        first = 0
        for batch in file.iter_batches(batch_size=self.block, columns=list(wanted.values())):
            part = _missing_nan(pa.Table.from_batches([batch]).rename_columns(list(wanted)))
            self._note(part.column(ENTITY_KEY).to_numpy(zero_copy_only=False) if ENTITY_KEY in wanted else None,
                       list(range(first + 1, first + part.num_rows + 1)), first)
            first += part.num_rows
            yield part

    def _blocks(self, keys: set[str] | None) -> Iterator[dict[str, list[Any]]]:
        numbers: list[int] = []
        records: list[dict[str, Any]] = []
        first = 0
        for number, record in iter_rows(self.path, standard=self.standard, errors=self.errors):
            numbers.append(number)
            records.append(record)
            if len(records) == self.block:
                yield self._columns(records, numbers, keys, first)
                first += len(records)
                numbers, records = [], []
        if records or not first:
            yield self._columns(records, numbers, keys, first)

    def _columns(self, records: list[dict[str, Any]], numbers: list[int], keys: set[str] | None,
                 first: int) -> dict[str, list[Any]]:
        present = dict.fromkeys(key for record in records for key in record)
        columns = {key: [record.get(key) for record in records] for key in present if keys is None or key in keys}
        self._note(columns.get(ENTITY_KEY), numbers, first)
        return columns

    def _note(self, named: Any, numbers: list[int], first: int) -> None:
        """Each entity's row, by the name the batch path gives it."""
        if self.rows is not None:
            import numpy as np  # the batch path's (extra `batch`), as are its columns

            from ..backends.columnar.reading import Column
            from ..backends.columnar.tables import entity_names

            column = None
            if named is not None:
                column = Column(np.empty(len(named), dtype=object))
                column.values[:] = named
            self.rows.update(zip(entity_names(column, len(numbers), first), numbers))


def _missing_nan(table: Any) -> Any:
    """NaN in a float column is a value not reported, as the per-record readers read it."""
    import pyarrow as pa
    import pyarrow.compute as pc

    for index, column in enumerate(table.columns):
        if pa.types.is_floating(column.type) and pc.any(pc.is_nan(column)).as_py():
            table = table.set_column(index, table.column_names[index],
                                     pc.if_else(pc.is_nan(column), pa.scalar(None, column.type), column))
    return table


def table_parts(path: str | Path, standard: Inputs | None = None) -> TableParts:
    """The file's tables, anew on each call (see TableParts)."""
    return TableParts(path, standard)
