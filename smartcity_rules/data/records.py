"""Reads statistics files (JSON or CSV) into records: one mapping per entity.

Strict where a loose reading could change a number: a JSON object with a key twice is
refused (json would keep the last silently, entity names included), as is text that
cannot be written back out (lone surrogates); deep nesting and oversized cells are refused, and
every problem is a DataFileError naming the file and, where it can, the line.
"""

from __future__ import annotations

import csv
import io
import json
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..language.errors import DataFileError

Record = dict[str, Any]
MAX_INT_DIGITS = 4000  # longer integers reach the checks as text, and are refused there with a name


def read_records(path: str | Path) -> list[Record]:
    """Records from a `.json` file (one object or a list of objects) or a `.csv` file
    (a header row naming the inputs, one row per entity; empty cells are missing)."""
    path = _regular(path)
    if path.suffix.lower() == ".csv":
        return list(iter_records(path))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise DataFileError(f"{path}: cannot read statistics: {error}") from None
    return parse_json(text, str(path))


def iter_records(path: str | Path) -> Iterator[Record]:
    """read_records, one record at a time: a CSV file is read a row at a time, so a file larger
    than memory can be scored (Standard.evaluate_stream); a JSON file is parsed whole."""
    path = _regular(path)
    if path.suffix.lower() != ".csv":
        yield from read_records(path)
        return
    try:
        with path.open(encoding="utf-8-sig", newline="") as lines:
            yield from _csv_records(lines, str(path))
    except (OSError, UnicodeDecodeError) as error:
        raise DataFileError(f"{path}: cannot read statistics: {error}") from None


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


def parse_csv(text: str, name: str = "<csv>") -> list[Record]:
    return list(_csv_records(io.StringIO(text), name))


def _csv_records(lines: Iterable[str], name: str) -> Iterator[Record]:
    reader = csv.reader(lines)
    header: list[str] | None = None
    try:
        for row in reader:
            if any("\0" in cell for cell in row):  # Python 3.11's csv reads them; no statistic has one
                raise DataFileError(f"{name}:{reader.line_num}: a NUL character; a CSV file of statistics is text")
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = _header(row, name)
                continue
            if len(row) != len(header):
                raise DataFileError(f"{name}:{reader.line_num}: {len(row)} cells, but the header names {len(header)}")
            yield {key: cell.strip() for key, cell in zip(header, row) if cell.strip() != ""}
    except csv.Error as error:  # e.g. csv's own field size limit, a NUL, a quote left open
        raise DataFileError(f"{name}:{reader.line_num}: invalid CSV: {error}") from None
    if header is None:
        raise DataFileError(f"{name}: the CSV file is empty")


def _header(row: list[str], name: str) -> list[str]:
    header = [cell.strip() for cell in row]
    if len(set(header)) != len(header):
        duplicate = next(h for h in header if header.count(h) > 1)
        raise DataFileError(f"{name}:1: column {duplicate!r} appears twice")
    return header
