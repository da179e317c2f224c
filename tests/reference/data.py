"""Statistics as docs/api.md ("Records: the statistics you pass in") says they are read.

Files: JSON (a list of objects, one object, or an object whose `"entities"` key is the list;
decimals kept as strings so they stay exact; repeated keys refused) and CSV (a header row, then
one row per entity; values stay strings; empty cells left out). Values: each raw value becomes
one exact `Fraction` per input kind, with the kind's domain checked, or a `RefDataError`.

Readings where docs/api.md is silent (reported with the tests):

- a trailing `%` is read for rates only, as docs/api.md says ("for a `rate`, also a trailing
  `%`"); on any other kind the value is refused;
- "surrounding spaces" are ASCII whitespace (space, tab, CR, LF, VT, FF), also allowed before a
  `%` and around a fraction's `/`; Unicode spaces (NBSP, the ideographic space) are not;
- "digits, optional decimal point" is read as Python's decimal shape: `"12."` and `".5"` are
  numbers (unlike `.5` in a standard, §4), a lone `"."` is not;
- thousands separators are groups of exactly three digits after a first group of one to three
  that does not start with 0 (`"1,234,567.5"`; `"0,500"` is refused, as docs/api.md says);
  anything else with a comma is refused, as docs/api.md says of `"1,5"`;
- a fraction string is `[sign]digits/digits` (spaces around the `/` allowed), with no
  exponent or `%`;
- the exponent limit of ±400 applies to the exponent as written (and to `Decimal`'s exponent);
- an empty or blank string is missing data for every kind: docs/api.md says so of flags ("an
  empty string is not "no": it is missing data"), and a blank CSV cell is left out, so missing,
  which a blank string in a dict should not contradict;
- flag spellings are matched case-insensitively, surrounding ASCII whitespace ignored as for
  numbers; a float or `Fraction` is no flag: only `True`/`False`, the ints `1`/`0` and the
  listed strings are;
- JSON's `NaN` and `Infinity` are not JSON (RFC 8259), so a file holding them is refused;
- a statistics value that is neither `None`, a number, a string nor a bool (a list, bytes, …)
  is refused as a value of the wrong type.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from .errors import RefFileError

# ---------------------------------------------------------------- files


def _refuse_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """`object_pairs_hook`: a key given twice in one object is bad data, not "the last one wins"."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise RefFileError(f"key {key!r} given twice in one object")
        result[key] = value
    return result


def _refuse_constant(name: str) -> Any:
    raise RefFileError(f"{name} is not JSON")


def read_json(path: str | Path) -> list[dict[str, Any]]:
    """A JSON statistics file as records: decimals stay strings (`0.1` -> `"0.1"`), so exact."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
        data = json.loads(text, object_pairs_hook=_refuse_repeats, parse_float=str,
                          parse_constant=_refuse_constant)
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as error:  # nesting past any record
        raise RefFileError(f"{path}: {error}") from error
    # My reading: the wrapper is an object whose "entities" *is a list*; any other object is one entity.
    if isinstance(data, dict) and isinstance(data.get("entities"), list):
        data = data["entities"]
    elif isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not all(isinstance(entry, dict) for entry in data):
        raise RefFileError(f"{path}: not a list of objects")
    return data


def read_csv(path: str | Path) -> list[dict[str, Any]]:
    """A CSV statistics file as records: strings, empty cells left out, blank lines skipped.

    My readings: cells (and column names) are trimmed of surrounding whitespace, as a spreadsheet
    shows them, so a cell of spaces is empty; a row of empty cells is a blank line; a file
    without even a header row is malformed.
    """
    try:
        with Path(path).open(encoding="utf-8-sig", newline="") as handle:
            rows = [[cell.strip() for cell in row] for row in csv.reader(handle, strict=True)]
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise RefFileError(f"{path}: {error}") from error
    if any("\0" in cell for row in rows for cell in row):  # docs/api.md: a CSV file is text
        raise RefFileError(f"{path}: a NUL character")
    rows = [row for row in rows if any(row)]
    if not rows:
        raise RefFileError(f"{path}: no header row")
    header, *body = rows
    if len(set(header)) != len(header):
        raise RefFileError(f"{path}: a column is named twice")
    records = []
    for number, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise RefFileError(f"{path}: row {number} has {len(row)} cells, the header {len(header)}")
        records.append({key: cell for key, cell in zip(header, row) if cell != ""})
    return records


def read_records(path: str | Path) -> list[dict[str, Any]]:
    """By suffix, as docs/api.md says: `.csv` (any case) is CSV, anything else JSON."""
    return read_csv(path) if str(path).lower().endswith(".csv") else read_json(path)


# ---------------------------------------------------------------- numbers

_SPACES = " \t\r\n\x0b\x0c"  # ASCII whitespace; str.strip() alone would also take Unicode spaces
_MAX_CHARACTERS = 1000
_MAX_EXPONENT = 400
# ASCII digits only: `int()` would read "١٢" or "１２", which docs/api.md never offers.
_NUMBER = re.compile(
    r"(?P<sign>[+-]?)"
    r"(?=\.?[0-9])"  # at least one digit, before or after the point
    r"(?P<whole>[1-9][0-9]{0,2}(?:,[0-9]{3})+|[0-9]*)"
    r"(?:\.(?P<decimals>[0-9]*))?"
    r"(?:[eE](?P<exponent>[+-]?[0-9]+))?"
    r"(?:[ \t\r\n\x0b\x0c]*(?P<percent>%))?"
)
_FRACTION = re.compile(r"(?P<sign>[+-]?)(?P<top>[0-9]+)[ \t\r\n\x0b\x0c]*/[ \t\r\n\x0b\x0c]*(?P<bottom>[0-9]+)")


class BadValue(ValueError):
    """A raw value that is not what its kind accepts; the message says why."""


def read_number(raw: object) -> Fraction:
    """docs/api.md's "any number": int, Fraction, finite Decimal, float (shortest repr), or text."""
    if isinstance(raw, bool):
        raise BadValue(f"{raw!r} is a yes/no, not a number")
    if isinstance(raw, int):
        return Fraction(raw)
    if isinstance(raw, Fraction):
        return raw
    if isinstance(raw, Decimal):
        return _decimal(raw)
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise BadValue(f"{raw!r} is not a finite number")
        return _text_number(repr(raw))  # the shortest decimal that reads back as this float
    if isinstance(raw, str):
        return _text_number(raw)
    raise BadValue(f"{type(raw).__name__} {raw!r} is not a number")


def _decimal(raw: Decimal) -> Fraction:
    if not raw.is_finite():
        raise BadValue(f"{raw} is not a finite number")
    exponent = raw.as_tuple().exponent
    assert isinstance(exponent, int)
    if abs(exponent) > _MAX_EXPONENT:
        raise BadValue(f"{raw}: exponent beyond ±{_MAX_EXPONENT}")
    return Fraction(raw)


def _text_number(raw: str) -> Fraction:
    if len(raw) > _MAX_CHARACTERS:
        raise BadValue(f"a string of {len(raw)} characters is too long for a number")
    text = raw.strip(_SPACES)
    fraction = _FRACTION.fullmatch(text)
    if fraction is not None:
        bottom = int(fraction["bottom"])
        if bottom == 0:
            raise BadValue(f"{raw!r} divides by zero")
        value = Fraction(int(fraction["top"]), bottom)
        return -value if fraction["sign"] == "-" else value
    match = _NUMBER.fullmatch(text)
    if match is None:
        raise BadValue(f"{raw!r} is not a number")
    return _from_parts(match, raw)


def _from_parts(match: re.Match[str], raw: str) -> Fraction:
    decimals = match["decimals"] or ""
    exponent = int(match["exponent"] or "0")
    if abs(exponent) > _MAX_EXPONENT:
        raise BadValue(f"{raw!r}: exponent beyond ±{_MAX_EXPONENT}")
    digits = int((match["whole"].replace(",", "") + decimals) or "0")
    value = Fraction(digits, 10 ** len(decimals)) * Fraction(10) ** exponent
    if match["percent"]:
        value /= 100
    return -value if match["sign"] == "-" else value


# ---------------------------------------------------------------- kinds

_YES = frozenset({"yes", "y", "true", "t", "1", "是", "有", "√", "✓"})
_NO = frozenset({"no", "n", "false", "f", "0", "否", "无", "×", "✗"})


def read_flag(raw: object) -> Fraction:
    """Yes is 1, no is 0: how `checklist` counts a flag's points."""
    if isinstance(raw, bool):
        return Fraction(int(raw))
    if isinstance(raw, int) and raw in (0, 1):
        return Fraction(raw)
    if isinstance(raw, str):
        spelling = raw.strip(_SPACES).lower()
        if spelling in _YES:
            return Fraction(1)
        if spelling in _NO:
            return Fraction(0)
    raise BadValue(f"{raw!r} is not yes or no")


def read_value(kind: str, raw: object, low: Fraction | None = None, high: Fraction | None = None) -> Fraction:
    """One raw value of an input of `kind` as an exact number, its domain checked (§3)."""
    if kind == "flag":
        return read_flag(raw)
    if kind != "rate" and isinstance(raw, str) and raw.strip(_SPACES).endswith("%"):
        raise BadValue(f"{raw!r}: a percentage is read for rates only")
    value = read_number(raw)
    if kind in ("count", "rank"):
        _whole(value, raw)
        least = 1 if kind == "rank" else 0
        if value < least:
            raise BadValue(f"{_show(value)} is below {least}")
    elif kind in ("money", "area", "length", "measure"):
        if value < 0:
            raise BadValue(f"{_show(value)} is negative")
    elif kind == "rate":
        if not 0 <= value <= 1:
            raise BadValue(f"{_show(value)} is not a rate from 0 to 1")
    elif kind == "score":
        assert low is not None and high is not None
        if not low <= value <= high:
            raise BadValue(f"{_show(value)} is outside {_show(low)} to {_show(high)}")
    else:
        raise BadValue(f"unknown kind {kind}")
    return value


def _whole(value: Fraction, raw: object) -> None:
    if value.denominator != 1:
        raise BadValue(f"{raw!r} is not a whole number")


def _show(value: Fraction) -> str:
    return str(value)


def is_missing(raw: object) -> bool:
    """Absent, `None`, or a string with nothing but whitespace in it (see the module's readings)."""
    return raw is None or (isinstance(raw, str) and raw.strip() == "")


def is_mapping(record: object) -> bool:
    return isinstance(record, Mapping)
