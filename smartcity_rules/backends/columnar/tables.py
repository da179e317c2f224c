"""Tables in: Arrow tables and record batches, pandas and polars DataFrames, mappings of columns.

Each becomes named `Column`s of numpy arrays with their null rows; values are never
converted through floats (an Arrow integer column with nulls is filled, not cast), so
what reaches the readers is what the table holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ...language.errors import DataError, MissingExtra
from .reading import Column, column


def columns_of(data: Any) -> tuple[int, dict[str, Column]]:
    """The row count and the columns of a table in any accepted form."""
    module = type(data).__module__.partition(".")[0]
    if module == "pyarrow":
        return _arrow(data)
    if module == "pandas":
        return _arrow(_pyarrow("pandas").Table.from_pandas(data, preserve_index=False))
    if module == "polars":
        _pyarrow("polars")
        return _arrow(data.to_arrow())
    if isinstance(data, Mapping):
        found = {str(name): column(values) for name, values in data.items()}
        lengths = {len(c.values) for c in found.values()}
        if len(lengths) > 1:
            raise DataError(f"the columns have different lengths: {sorted(lengths)}")
        return (lengths.pop() if lengths else 0), found
    raise DataError(f"cannot read a table from {type(data).__name__}: give an Arrow table or record batch, "
                    "a pandas or polars DataFrame, or a mapping of column names to arrays")


def entity_names(named: Column | None, rows: int, first: int) -> list[str]:
    """Each row's entity name: its `entity` value as text, or `#n` (n counting from first + 1)
    where it has none; a column of names only is taken as it is, without a loop in Python."""
    if named is None:
        return [f"#{first + row + 1}" for row in range(rows)]
    values = named.names()
    if set(map(type, values)) <= {str}:
        return values
    return [f"#{first + row + 1}" if value is None else str(value) for row, value in enumerate(values)]


def _pyarrow(source: str) -> Any:
    try:
        import pyarrow
    except ImportError:
        raise MissingExtra(f"reading a {source} DataFrame needs pyarrow: "
                           "pip install 'smartcity_rules[arrow]'") from None
    return pyarrow


def _arrow(table: Any) -> tuple[int, dict[str, Column]]:
    import pyarrow as pa
    import pyarrow.compute as pc

    found = {}
    for name, values in zip(table.column_names, table.columns):
        nulls = None
        if values.null_count:
            nulls = values.is_null().to_numpy(zero_copy_only=False)
            if pa.types.is_boolean(values.type):
                values = pc.fill_null(values, False)
            elif pa.types.is_integer(values.type) or pa.types.is_floating(values.type):
                values = pc.fill_null(values, pa.scalar(0, values.type))  # never through floats
        array = values.to_numpy(zero_copy_only=False) if hasattr(values, "to_numpy") else np.asarray(values)
        if array.dtype.kind not in "iufb" and array.dtype != object:
            array = array.astype(object)
        found[str(name)] = Column(array, nulls)
    return table.num_rows, found
