"""Reads statistics into records, one mapping per entity: from JSON here, and from CSV, Excel,
Parquet or Arrow files and pandas or polars DataFrames through their readers (one module each).

Strict where a loose reading could change a number: a JSON object with a key twice is
refused (json would keep the last silently, entity names included), as is text that
cannot be written back out (lone surrogates); deep nesting and oversized cells are refused, and
every problem is a DataFileError naming the file and, where it can, the row, column and input.
"""

from __future__ import annotations

import io
import json
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..language.errors import DataFileError
from .columns import Inputs
from .read_arrow import ARROW, PARQUET, arrow_rows
from .read_csv import csv_rows, text_rows
from .read_excel import excel_rows
from .read_frames import frame_rows, is_frame

Record = dict[str, Any]
Source = Any  # a path (str or Path) or a pandas or polars DataFrame
MAX_INT_DIGITS = 4000  # longer integers reach the checks as text, and are refused there with a name
EXCEL = (".xlsx", ".xlsm")


def read_records(source: Source, *, standard: Inputs | None = None) -> list[Record]:
    """Records from a file or a DataFrame. By the file's suffix: `.csv` (and `.tsv`, `.txt`),
    `.xlsx`, `.parquet`, `.arrow`/`.feather`; anything else is JSON (one object or a list of
    objects). Tables have a header row naming the inputs; with `standard`, a column may be headed
    by its input's label as the standard writes it, and a heading that is neither is refused."""
    return list(iter_records(source, standard=standard))


def iter_records(source: Source, *, standard: Inputs | None = None) -> Iterator[Record]:
    """read_records, one record at a time: tables are read a row (or a batch) at a time, so a
    file larger than memory can be scored (Standard.evaluate_stream); a JSON file is parsed whole."""
    return (record for _, record in iter_rows(source, standard=standard))


def iter_rows(source: Source, *, standard: Inputs | None = None,
              errors: list[DataFileError] | None = None) -> Iterator[tuple[int, Record]]:
    """Each record with its row: a spreadsheet's row number, a Parquet or frame row from 1, a JSON
    entry from 1. `errors`, when given, collects problems of single rows (each then skipped)."""
    if is_frame(source):
        return frame_rows(source, standard)
    path = _regular(source)
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        return csv_rows(path, standard, errors)
    if suffix in EXCEL:
        return excel_rows(path, standard, errors)
    if suffix in PARQUET + ARROW:
        return arrow_rows(path, standard)
    return enumerate(_json_file(path), start=1)


def _json_file(path: Path) -> list[Record]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise DataFileError(f"{path}: cannot read statistics: {error}") from None
    return parse_json(text, str(path))


def _regular(path: str | Path) -> Path:
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except OSError as error:
        raise DataFileError(f"{path}: cannot read statistics: {error}") from None
    if not stat.S_ISREG(mode):  # a FIFO or a device would block or never end
        raise DataFileError(f"{path}: not a regular file; statistics are read from files only")
    return path


def _json_int(digits: str) -> int | str:
    return int(digits) if len(digits) <= MAX_INT_DIGITS else digits


def _not_json(constant: str) -> Any:
    """NaN and Infinity: Python's json reads them, but they are not JSON, nor a statistic."""
    raise ValueError(f"{constant} is not JSON")


def _object(name: str) -> Any:
    def build(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for key, value in pairs:
            if key in found:
                raise DataFileError(f"{name}: key {_shown(key)} appears twice in one object; "
                                    "JSON readers disagree on which one counts, so neither is read")
            found[key] = value
        return found
    return build


def _shown(text: str) -> str:
    return repr(text[:40]).encode("ascii", "backslashreplace").decode("ascii")


def parse_json(text: str, name: str = "<json>") -> list[Record]:
    try:
        # Decimals stay exact text ("0.1"); so do integers too long to convert quickly.
        data = json.loads(text, parse_float=str, parse_int=_json_int, object_pairs_hook=_object(name),
                          parse_constant=_not_json)
    except json.JSONDecodeError as error:
        raise DataFileError(f"{name}:{error.lineno}:{error.colno}: invalid JSON: {error.msg}") from None
    except ValueError as error:  # _not_json
        raise DataFileError(f"{name}: invalid JSON: {error}") from None
    except RecursionError:  # json recurses into each bracket; records are flat objects
        raise DataFileError(f"{name}: JSON nested too deeply; records are flat objects") from None
    if isinstance(data, dict) and isinstance(data.get("entities"), list):
        data = data["entities"]
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise DataFileError(f"{name}: expected an object or a list of objects, found {type(data).__name__}")
    for index, item in enumerate(data):
        if not isinstance(item, dict):
            raise DataFileError(f"{name}: entry {index + 1} is a {type(item).__name__}, not an object")
        _check_text(item, name, index + 1)
    return data


def _check_text(record: Record, name: str, entry: int) -> None:
    """Keys and string values must be text that can be written out again: JSON's \\ud800
    escapes make lone surrogates, which every writer of the results would choke on."""
    for key, value in record.items():
        for text in (key, value):
            if isinstance(text, str) and not _encodable(text):
                raise DataFileError(f"{name}: entry {entry}: {_shown(text)} holds a lone surrogate, "
                                    "which is not text")


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def parse_csv(text: str, name: str = "<csv>", *, standard: Inputs | None = None) -> list[Record]:
    """Records from CSV text already decoded (the separator sniffed as for a file)."""
    return [record for _, record in text_rows(io.StringIO(text, newline=""), name, standard)]
