"""How a table of statistics is read, whatever its file: which input each column stands for
(headed by the input's name or by its label as the standard writes it, `@previous` for last
period's) and what a cell holds. Shared by every tabular reader: CSV, Excel, Parquet, frames."""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

import attrs

from ..language.check import ENTITY_KEY
from ..language.errors import DataFileError
from ..plan.lower import PREVIOUS_SUFFIX
from ..results.evaluation import InputInfo

Record = dict[str, Any]


class Inputs(Protocol):
    """What a reader needs of a standard to read its columns: its inputs (a Standard has them)."""

    @property
    def inputs(self) -> Sequence[InputInfo]: ...


def _keys_by_heading(inputs: Sequence[InputInfo]) -> dict[str, str | None]:
    """Each heading a column may carry, and its record key; None for a label two inputs share."""
    found: dict[str, str | None] = {ENTITY_KEY: ENTITY_KEY}
    labels: dict[str, str | None] = {}
    for info in inputs:
        labels[info.label] = None if info.label in labels else info.name
    for label, name in labels.items():
        found[label] = name
        found[label + PREVIOUS_SUFFIX] = None if name is None else name + PREVIOUS_SUFFIX
    for info in inputs:  # a name wins over another input's label
        found[info.name] = info.name
        found[info.name + PREVIOUS_SUFFIX] = info.name + PREVIOUS_SUFFIX
    return found


def heading_text(cell: Any) -> str:
    """A header cell's heading: its first line (a template writes kind and unit below it)."""
    return "" if cell is None else str(cell).strip().split("\n", 1)[0].strip()


@attrs.frozen
class Header:
    """The columns of a table: as headed, and the record key each stands for."""

    file: str
    headings: tuple[str, ...]
    keys: tuple[str, ...]

    def column_of(self, key: str | None) -> str | None:
        """The heading of the column a record key came from (for errors that name the input)."""
        return next((h for h, k in zip(self.headings, self.keys) if k == key), None)

    def record(self, cells: Sequence[Any], row: int) -> Record:
        """The statistics of one row: every cell that holds a value, by its input's key."""
        if len(cells) > len(self.keys) and any(cell_value(c) is not None for c in cells[len(self.keys):]):
            raise DataFileError(f"{len(cells)} cells, but the header names {len(self.keys)}", file=self.file, row=row)
        found: Record = {}
        for key, raw in zip(self.keys, cells):
            value = cell_value(raw)
            if value is not None:
                found[key] = value
        return found


def header(cells: Iterable[Any], file: str, standard: Inputs | None, row: int = 1) -> Header:
    """The header of a table, each column matched to its input when the standard is given.

    Without a standard the headings are the keys, as written; with one, a heading that names
    no input (nor `entity`) is refused with the closest input's name or label."""
    headings = tuple(heading_text(cell) for cell in cells)
    while headings and not headings[-1]:  # trailing empty cells, as spreadsheets pad a row
        headings = headings[:-1]
    keys = headings if standard is None else tuple(_key(h, _keys_by_heading(standard.inputs), file, row)
                                                   for h in headings)
    for index, key in enumerate(keys):
        if not headings[index]:
            raise DataFileError("a column has no heading", file=file, row=row, column=f"#{index + 1}")
        if key in keys[:index]:
            earlier = headings[keys.index(key)]
            also = "" if earlier == headings[index] else f" (as {earlier!r} too)"
            raise DataFileError(f"appears twice{also}", file=file, row=row, column=headings[index], input=key)
    return Header(file, headings, keys)


def _key(heading: str, known: dict[str, str | None], file: str, row: int) -> str:
    if heading not in known:
        close = difflib.get_close_matches(heading, [h for h, k in known.items() if k is not None], n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise DataFileError(f"the standard has no input by this name or label{hint}", file=file, row=row,
                            column=heading)
    key = known[heading]
    if key is None:
        raise DataFileError("two inputs of the standard have this label: head the column with the input's name",
                            file=file, row=row, column=heading)
    return key


def cell_value(raw: Any) -> Any:
    """What a cell holds, in the types the scoring reads; None when it holds nothing.

    Missing is None, NaN, pandas' NA and NaT, or blank text: a data frame marks a value not
    reported so, and the standard's missing-data policy then decides. Numpy scalars become
    Python's; a whole float becomes an int (a count read back from a spreadsheet is 3.0);
    text is stripped."""
    if raw is None:
        return None
    if isinstance(raw, str):
        return raw.strip() or None
    if hasattr(raw, "item") and not isinstance(raw, (int, float)):  # a numpy scalar
        raw = raw.item()
    if isinstance(raw, float):
        if math.isnan(raw):
            return None
        return int(raw) if raw.is_integer() else raw
    if type(raw).__name__ in ("NAType", "NaTType"):  # pandas' missing markers, without importing pandas
        return None
    return raw
