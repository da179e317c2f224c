"""Reads statistics files (JSON or CSV) into records: one mapping per entity."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from ..language.errors import DataFileError

Record = dict[str, Any]


def read_records(path: str | Path) -> list[Record]:
    """Records from a `.json` file (one object or a list of objects) or a `.csv` file
    (a header row naming the inputs, one row per entity; empty cells are missing)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise DataFileError(f"{path}: cannot read statistics: {error}") from None
    if path.suffix.lower() == ".csv":
        return parse_csv(text, str(path))
    return parse_json(text, str(path))


def parse_json(text: str, name: str = "<json>") -> list[Record]:
    try:
        data = json.loads(text, parse_float=str)  # keep decimals exact: 0.1 stays "0.1"
    except json.JSONDecodeError as error:
        raise DataFileError(f"{name}:{error.lineno}:{error.colno}: invalid JSON: {error.msg}") from None
    if isinstance(data, dict) and isinstance(data.get("entities"), list):
        data = data["entities"]
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise DataFileError(f"{name}: expected an object or a list of objects, found {type(data).__name__}")
    for index, item in enumerate(data):
        if not isinstance(item, dict):
            raise DataFileError(f"{name}: entry {index + 1} is a {type(item).__name__}, not an object")
    return data


def parse_csv(text: str, name: str = "<csv>") -> list[Record]:
    reader = csv.reader(io.StringIO(text))
    rows = [row for row in reader if any(cell.strip() for cell in row)]
    if not rows:
        raise DataFileError(f"{name}: the CSV file is empty")
    header = [cell.strip() for cell in rows[0]]
    if len(set(header)) != len(header):
        duplicate = next(h for h in header if header.count(h) > 1)
        raise DataFileError(f"{name}:1: column {duplicate!r} appears twice")
    records = []
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise DataFileError(f"{name}:{number}: {len(row)} cells, but the header names {len(header)}")
        records.append({key: cell.strip() for key, cell in zip(header, row) if cell.strip() != ""})
    return records
