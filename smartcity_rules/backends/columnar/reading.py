"""Input columns in, exact values out: each slot's column read as the per-record path reads it.

A value takes a vectorised path only when it is certainly read the way semantics.coerce_pair
reads it (an int in its domain; a float whose shortest decimal is found exactly, see
`decimals`); every other value is marked irregular and its whole row is scored by the
per-record back-end, which reads it, or raises the error it deserves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import attrs
import numpy as np

from ...language.errors import DataError
from ...language.syntax import Kind
from ...plan.scoring import InputSlot
from ...plan.semantics import coerce_pair
from .exact import LIMIT, Array, Exact, above

# Floats with up to 8 decimals are read on the vectorised path; the places tried, in order
# (two places find whole numbers and cents at once; 6 and 0 serve floats too large for 8).
_PLACES = (2, 4, 8, 6, 0)
_EXACT_FLOAT = 2.0**50  # |x| * 10**k below this: the decimal of x at k places is unique and found by rint


@attrs.frozen
class Column:
    """An input column as given: its values, and the rows that hold no value (None: none)."""

    values: Array
    nulls: Array | None = None

    def names(self) -> list[Any]:
        """Every row's value as a Python object, None for no value."""
        found: list[Any] = self.values.tolist()
        if self.nulls is not None:
            found = [None if null else value for value, null in zip(found, self.nulls.tolist())]
        return found

    def raw(self, row: int) -> Any:
        """The value the per-record path sees in this row, as a Python object."""
        if self.nulls is not None and self.nulls[row]:
            return None
        value = self.values[row]
        return value.item() if isinstance(value, np.generic) else value


@attrs.frozen
class Read:
    """A slot's column read: values (0 where absent or irregular), and the two masks."""

    value: Exact
    absent: Array
    irregular: Array


def column(values: Sequence[Any] | Array) -> Column:
    """A column from a numpy array (its dtype is trusted) or a sequence of Python values
    (narrowed to int64, float64 or bool only when every value has exactly that type, so a
    `True` among counts stays the error it is)."""
    if isinstance(values, np.ndarray):
        return Column(values)
    items = list(values)
    for kind, dtype in ((int, np.int64), (float, np.float64), (bool, np.bool_)):
        if items and all(type(v) is kind for v in items):
            try:
                return Column(np.array(items, dtype=dtype))
            except OverflowError:
                break  # integers beyond int64: read one by one, exactly
    found = np.empty(len(items), dtype=object)
    found[:] = items
    return Column(found)


def records_columns(records: Sequence[Mapping[str, Any]], keys: Sequence[str]) -> dict[str, Column]:
    """The columns of records, for the keys any record carries (a key a record lacks is None)."""
    present = {key for record in records for key in record}
    return {key: column([record.get(key) for record in records]) for key in keys if key in present}


def read(slot: InputSlot, given: Column | None, rows: int) -> Read:
    """Read one slot's column exactly; see the module's docstring."""
    if given is None:
        nothing = np.zeros(rows, dtype=np.int64)
        return Read(Exact.whole(nothing), np.ones(rows, dtype=bool), np.zeros(rows, dtype=bool))
    values = given.values
    if values.dtype == object:
        found = _objects(slot, values)
    elif values.dtype == bool:
        found = _flags(slot, values)
    elif values.dtype.kind in "iu":
        found = _integers(slot, values)
    elif values.dtype.kind == "f":
        found = _floats(slot, values)
    else:
        found = _objects(slot, values.astype(object))
    if given.nulls is None:
        return found
    absent = found.absent | given.nulls
    return Read(found.value, absent, found.irregular & ~absent)


def _flags(slot: InputSlot, values: Array) -> Read:
    none = np.zeros(len(values), dtype=bool)
    if slot.kind is not Kind.FLAG:  # a yes/no is not a number: the per-record path says so
        return Read(Exact.whole(np.zeros(len(values), dtype=np.int64)), none, ~none)
    return Read(Exact.whole(values.astype(np.int64, copy=False)), none, none)


def _integers(slot: InputSlot, values: Array) -> Read:
    none = np.zeros(len(values), dtype=bool)
    if values.dtype.kind == "u" and len(values) and int(values.max()) >= LIMIT:
        return _objects(slot, values.astype(object))
    value = Exact.whole(values.astype(np.int64, copy=False))
    return Read(value, none, _outside(slot, value, none))


def _floats(slot: InputSlot, values: Array) -> Read:
    none = np.zeros(len(values), dtype=bool)
    if slot.kind is Kind.FLAG:  # 1.0 is not yes or no
        return Read(Exact.whole(np.zeros(len(values), dtype=np.int64)), none, ~none)
    if slot.domain.whole:
        whole = np.isfinite(values) & (np.abs(values) < 2.0**53)
        whole &= np.floor(np.where(whole, values, 0)) == np.where(whole, values, 0)
        value = Exact.whole(np.where(whole, values, 0).astype(np.int64))
        return Read(value, none, ~whole | _outside(slot, value, none))
    num, den, found = decimals(values)
    value = Exact(num, den)
    return Read(value, none, ~found | _outside(slot, value, none))


def decimals(values: Array) -> tuple[Array, Array, Array]:
    """Each float's shortest decimal, the one repr() writes, as a pair (not in lowest terms);
    found where it has at most 8 places (and the float is not huge). The denominator is one
    for the whole column (a 0-d array) when a single number of places finds every value.

    With k places such that |x| * 10**k < 2**50, the float's rounding interval is narrower
    than 10**-k / 4, so it holds at most one decimal of k places, and rint(x * 10**k), whose
    float error is under 1/8, finds it. If that decimal gives x back, it is the shortest
    decimal padded with zeros (the shortest has at most k places, so it is one of k places,
    and there is only one). So a few k are tried: first the one that finds a sample of the
    column, on the whole column at once; else each k on the rows not yet found."""
    rows = len(values)
    for k in _PLACES if rows else ():
        if _at_places(values[:_SAMPLE], k) is not None:
            found = _at_places(values, k)
            if found is not None:
                return found, _power(k), np.ones(rows, dtype=bool)
            break
    return _row_by_row(values)


_SAMPLE = 64  # the rows that choose the number of places tried on a whole column first


def _at_places(values: Array, k: int) -> Array | None:
    """Every value's numerator at k places, or None unless every value has one (see decimals)."""
    power = 10.0**k
    with np.errstate(invalid="ignore"):
        largest = max(abs(float(values.max())), abs(float(values.min())))
    if not largest * power < _EXACT_FLOAT:  # a NaN fails this too
        return None
    near = np.rint(values * power)
    if not np.array_equal(near / power, values):
        return None
    return near.astype(np.int64)


def _power(k: int) -> Array:
    return np.array(10**k, dtype=np.int64)


def _row_by_row(values: Array) -> tuple[Array, Array, Array]:
    """decimals, each k tried on the rows the earlier ones did not find."""
    rows = len(values)
    num, den = np.zeros(rows, dtype=np.int64), np.ones(rows, dtype=np.int64)
    found = np.zeros(rows, dtype=bool)
    finite = np.isfinite(values)
    left = np.arange(rows) if finite.all() else np.flatnonzero(finite)
    for k in _PLACES:
        power, safe = 10.0**k, values if len(left) == rows else values[left]
        with np.errstate(over="ignore"):  # a huge float overflows to inf: not found, as it should be
            scaled = safe * power
        near = np.rint(scaled)
        hit = (np.abs(scaled) < _EXACT_FLOAT) & (near / power == safe)
        taken = left[hit]
        num[taken], den[taken], found[taken] = near[hit].astype(np.int64), 10**k, True
        left = left[~hit]
        if not len(left):
            break
    return num, den, found


def _outside(slot: InputSlot, value: Exact, none: Array) -> Array:
    """The rows whose value lies outside the slot's domain (`none` when no row does, as two
    reductions over the numerators show when the denominator is one for the column)."""
    low, high = slot.domain.low, slot.domain.high
    if value.den.ndim == 0 and len(value.num):
        den = int(value.den)  # value = num / den: inside when low * den <= num <= high * den
        if int(value.num.min()) * low.denominator >= low.numerator * den and (
                high is None or int(value.num.max()) * high.denominator <= high.numerator * den):
            return none
    return ~_inside(slot, value)


def _inside(slot: InputSlot, value: Exact) -> Array:
    """The rows whose value lies in the slot's domain (whole numbers are checked by the caller)."""
    low, high = slot.domain.low, slot.domain.high
    if value.den.ndim == 0 and int(value.den) == 1 and low.denominator == 1 and (high is None or high.denominator == 1):
        ok = value.num >= int(low)  # whole numbers against whole bounds: no products needed
        return ok if high is None else ok & (value.num <= int(high))
    ok = ~above(Exact.constant(slot.domain.low), value)
    if slot.domain.high is not None:
        ok &= ~above(value, Exact.constant(slot.domain.high))
    return np.asarray(ok, dtype=bool)


def _objects(slot: InputSlot, values: Array) -> Read:
    """Values of any type, one by one through the per-record path's own reader."""
    rows = len(values)
    num, den = np.zeros(rows, dtype=object), np.ones(rows, dtype=object)
    absent, irregular = np.zeros(rows, dtype=bool), np.zeros(rows, dtype=bool)
    bounds: tuple[Fraction | None, Fraction | None] = (
        (slot.domain.low, slot.domain.high) if slot.kind is Kind.SCORE else (None, None))
    for row, raw in enumerate(values.tolist()):
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            absent[row] = True
            continue
        try:
            num[row], den[row] = coerce_pair(slot.kind, raw, slot.key, None, None, *bounds)
        except DataError:
            irregular[row] = True
    if slot.domain.whole:
        irregular |= (num % den) != 0
    value = Exact(num, den)
    return Read(_narrowed(value), absent, irregular)


def _narrowed(value: Exact) -> Exact:
    """Object arrays of small ints as int64, so later arithmetic takes the fast path."""
    if all(len(a) == 0 or (abs(int(a.max())) < LIMIT and abs(int(a.min())) < LIMIT) for a in (value.num, value.den)):
        return Exact(value.num.astype(np.int64), value.den.astype(np.int64))
    return value
