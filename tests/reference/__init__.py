"""A reference evaluator for tests, written from the docs alone, sharing no code with smartcity_rules."""

from __future__ import annotations

from .data import read_csv, read_json, read_records
from .errors import RefDataError, RefFileError, RefInvalid, RefMissing, RefSyntaxError, RefUnknown, RefZeroDenominator
from .evaluate import RefStandard
from .link import load, loads

__all__ = [
    "RefDataError",
    "RefFileError",
    "RefInvalid",
    "RefMissing",
    "RefStandard",
    "RefSyntaxError",
    "RefUnknown",
    "RefZeroDenominator",
    "load",
    "loads",
    "read_csv",
    "read_json",
    "read_records",
]
