"""Formulas, star bands, points and cohort functions over whole columns, exactly.

Each plan op means what plan/semantics.py and the Python back-end make it mean; a row where
the column cannot follow that meaning (a zero denominator under `error`, a ratio's part
above its whole) is flagged, and the executor has the per-record back-end score it.
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction

import numpy as np

from ...language.syntax import BandRule, Function
from ...plan import scoring as p
from ...plan.semantics import cohort_column, deduction_points, linear_points
from .exact import (
    LIMIT,
    Array,
    Exact,
    above,
    add,
    bound,
    ceil_scaled,
    divide,
    floor_scaled,
    multiply,
    negate,
    product,
    search,
    wide,
)

# Below this, a float holds every numerator and denominator exactly, so float order is exact
# order up to ties, which are checked exactly.
_FLOAT_EXACT = 2**53


class Formulas:
    """Evaluates plan ops over slot columns; `zero` and `bad` collect the rows to hand on.
    `narrow`: every step in int64 or none (exact.Overflow), for a caller with another path."""

    def __init__(self, values: dict[int, Exact], rows: int,
                 cohort: tuple[tuple[Exact, Array], ...] = (), narrow: bool = False) -> None:
        self.values = values
        self.rows = rows
        self.cohort = cohort
        self.narrow = narrow
        self.zero = np.zeros(rows, dtype=bool)
        self.bad = np.zeros(rows, dtype=bool)
        self.memo: dict[int, Exact] = {}
        self.dens: dict[tuple[int, int], tuple[Array, Array, Array]] = {}

    def run(self, op: p.Op) -> tuple[Exact, Array, Array]:
        """The op's value, the rows meeting a zero denominator, and the rows to hand on."""
        self.zero = np.zeros(self.rows, dtype=bool)
        self.bad = np.zeros(self.rows, dtype=bool)
        self.memo, self.dens = {}, {}
        return self.expr(op), self.zero, self.bad

    def expr(self, op: p.Op) -> Exact:
        key = id(op)  # growth reads one op twice: computed once
        if key not in self.memo:
            self.memo[key] = self._expr(op)
        return self.memo[key]

    def _expr(self, op: p.Op) -> Exact:
        match op:
            case p.Const(value):
                return Exact.constant(value)
            case p.Load(slot):
                return self.values[slot]
            case p.Negate(operand):
                return negate(self.expr(operand), self.narrow)
            case p.Binary(kind, left, right):
                a, b = self.expr(left), self.expr(right)
                if kind is p.Arith.MUL:
                    return Exact(product(a.num, b.num, self.narrow), self._den(a.den, b.den))
                return add(a, b, subtract=kind is p.Arith.SUB, narrow=self.narrow)
            case p.Divide(left, right, _, bounded):
                return self._divide(self.expr(left), self.expr(right), bounded is not None)
            case p.Sum(terms):
                return self._sum([self.expr(term) for term in terms])
            case p.Tally(items):
                return self._sum([multiply(Exact.constant(points), self.values[k], self.narrow) for points, k in items])
            case p.Extreme(largest, operands):
                return self._extreme(largest, [self.expr(o) for o in operands])
            case p.CohortValue(site):
                found, present = self.cohort[site]
                self.zero |= ~present  # no value across the cohort: as a zero denominator
                return found
        raise AssertionError(op)

    def _den(self, a: Array, b: Array) -> Array:
        """A product of denominators, once for the same two arrays: the terms of a weighted
        sum over one whole (1/3 * x/A + 1/3 * y/A) then share one denominator, so their sum
        adds numerators only and stays in int64 (the pair is kept, so ids are not reused)."""
        key = (id(a), id(b))
        if key not in self.dens:
            self.dens[key] = (a, b, product(a, b, self.narrow))
        return self.dens[key][2]

    def _divide(self, a: Exact, b: Exact, bounded: bool) -> Exact:
        if bounded:
            self.bad |= above(a, b)  # the per-record path names the part and the whole
        value, zero = divide(a, b, self.narrow)
        self.zero |= zero
        return value

    def _sum(self, parts: list[Exact]) -> Exact:
        result = parts[0]
        for part in parts[1:]:
            result = add(result, part, narrow=self.narrow)
        return result

    @staticmethod
    def _extreme(largest: bool, items: list[Exact]) -> Exact:
        best = items[0]
        for item in items[1:]:
            best = item.where(above(item, best) if largest else above(best, item), best)
        return best


def rows_of(array: Array, rows: int) -> Array:
    """An array with one entry a row: a constant broadcast into a new array, others as they are."""
    if array.shape == (rows,):
        return array
    return np.array(np.broadcast_to(array, (rows,)), dtype=array.dtype)


def stars(banding: p.Banding, value: Exact, rows: int, narrow: bool = False) -> Array:
    """semantics.stars for a column: one integer division and a bisection per row;
    `narrow`: in int64 only, else Overflow."""
    if banding.rule is BandRule.AT_LEAST:
        found = search(banding.thresholds, floor_scaled(value, banding.scale, narrow), right=True)
    else:
        found = 5 - search(banding.thresholds[::-1], ceil_scaled(value, banding.scale, narrow), right=False)
    return rows_of(np.asarray(found).astype(np.int8, copy=False), rows)


@functools.lru_cache(maxsize=4096)
def scaled_table(values: tuple[Fraction, ...], scale: int) -> Array:
    """Points scaled to ints, in the narrowest of int16, int32 and int64 that holds them: a
    million rows' points of 49 leaves take 98 MB, not 392 (exact.product and total compute
    in int64 whatever the width)."""
    ints = [int(v * scale) for v in values]
    dtype = next((d for d, top in ((np.int16, 2**15 - 1), (np.int32, 2**31 - 1), (np.int64, LIMIT))
                  if all(abs(v) < top for v in ints)), object)
    found = np.array(ints, dtype=dtype)
    found.setflags(write=False)  # one table per standard's points, shared by every batch
    return found


def table_points(points: p.TablePoints, value: Exact, scale: int, rows: int) -> Array:
    """The scaled points of the first row the value satisfies; the last is the rest."""
    scaled = scaled_table(points.rounded, scale)
    if len(points.rows) == 1:
        return rows_of(scaled[0:1].reshape(()), rows)
    conditions = []
    for low, low_closed, high, high_closed, _ in points.rows[:-1]:
        holds = np.ones(rows, dtype=bool)
        if low is not None:
            bound = Exact.constant(low)
            holds &= ~above(bound, value) if low_closed else above(value, bound)
        if high is not None:
            bound = Exact.constant(high)
            holds &= ~above(value, bound) if high_closed else above(bound, value)
        conditions.append(holds)
    return np.select(conditions, list(scaled[:-1]), default=scaled[-1])


def deduction(points: p.DeductionPoints, value: Exact, scale: int, rows: int) -> Array:
    """Scaled points off, as the per-record path computes them for a whole-number value."""
    off = product(value.num, np.array(int(points.each * scale), dtype=np.int64))
    off = np.maximum(off, 0)
    if points.cap is not None:
        off = np.minimum(off, int(points.cap * scale))
    return rows_of(np.asarray(-off), rows)


def exact_points(item: p.IndicatorPlan, value: Exact, rows: int) -> Array:
    """Linear points and unscaled deductions: the semantics rule, row by row, as Fractions."""
    points = item.points
    found = np.empty(rows, dtype=object)
    for row, (num, den) in enumerate(value.pairs(rows)):
        if isinstance(points, p.LinearPoints):
            found[row] = linear_points(num, den, points.low, points.high, points.maximum, item.rounding)
        else:
            assert isinstance(points, p.DeductionPoints)
            found[row] = deduction_points(num, den, points.each, points.cap, item.rounding)
    return found


# ------------------------------------------------------------------ cohorts
def across(function: Function, value: Exact, present: Array) -> tuple[Exact, Array]:
    """A cohort function over a column (present rows take part), as semantics.cohort_column."""
    rows = len(present)
    value = Exact(rows_of(value.num, rows), rows_of(value.den, rows))
    if function is Function.RANK:
        found = _rank(value, present)
        if found is not None:
            return found
    if function is Function.SHARE:
        shared = _share(value, present)
        if shared is not None:
            return shared
    pairs = value.pairs(rows)
    column = cohort_column(function, [pair if ok else None for pair, ok in zip(pairs, present.tolist())])
    return _from_pairs(column)


def _from_pairs(column: list[tuple[int, int] | None]) -> tuple[Exact, Array]:
    num, den = np.zeros(len(column), dtype=object), np.ones(len(column), dtype=object)
    present = np.zeros(len(column), dtype=bool)
    for row, pair in enumerate(column):
        if pair is not None:
            num[row], den[row] = pair
            present[row] = True
    return Exact(num, den), present


def _rank(value: Exact, present: Array) -> tuple[Exact, Array] | None:
    """Competition ranking, largest first, by one sort: whole numbers as they are, others by
    floats whose ties are checked exactly; None when the values are too large for floats to
    order them."""
    if not value.narrow or max(value.bounds()) >= _FLOAT_EXACT:
        return None
    whole = value.den.ndim == 0 and int(value.den) == 1
    everyone = bool(present.all())
    taken = np.arange(len(present)) if everyone else np.flatnonzero(present)
    if not len(taken):
        return Exact.whole(np.zeros(len(present), dtype=np.int64)), present
    num = value.num if everyone else value.num[taken]
    den = value.den if whole or everyone else value.den[taken]
    keys = num if whole else num / den  # floats correctly rounded, so monotone in the exact value
    order = np.argsort(keys)
    ordered = keys[order]
    distinct = ordered[1:] != ordered[:-1]
    if not whole:
        tied = np.flatnonzero(~distinct)
        a, b = order[tied + 1], order[tied]
        dens = np.broadcast_to(den, num.shape)
        if np.any(product(num[a], dens[b]) != product(num[b], dens[a])):
            return None  # distinct values with one float: the exact rule decides
    # the values at or below each sorted position: up to the last of its run of equal values
    last = np.flatnonzero(np.append(distinct, True))
    at_or_below = last[np.concatenate(([0], np.cumsum(distinct)))] + 1
    ranks = np.zeros(len(present), dtype=np.int64)
    ranks[taken[order]] = len(taken) - at_or_below + 1
    return Exact.whole(ranks), present


def _share(value: Exact, present: Array) -> tuple[Exact, Array] | None:
    """Each value over the cohort's sum, the sum taken exactly over a common denominator;
    None when the denominators are too many to share one cheaply."""
    taken = np.flatnonzero(present)
    dens = [int(d) for d in np.unique(value.den[taken]).tolist()]
    if len(dens) > 64:
        return None
    common = math.lcm(1, *dens)
    factors = {d: common // d for d in dens}
    whole = 0
    for d in dens:  # the numerators over each denominator, summed as Python ints
        whole += factors[d] * int(sum(wide(value.num[taken][value.den[taken] == d]).tolist()))
    if whole == 0:
        return Exact.whole(np.zeros(len(present), dtype=np.int64)), np.zeros(len(present), dtype=bool)
    num = product(value.num, _int(common if whole > 0 else -common))
    return Exact(num, product(value.den, _int(abs(whole)))), present


def _int(value: int) -> Array:
    return np.array(value, dtype=np.int64 if abs(value) < LIMIT else object)


# ------------------------------------------------------------------ floats, checked
# Every float operation is within this relative error of its exact result (2**-53, doubled).
_EPSILON = 2.0**-52


class Estimates:
    """Formulas in floats, each value with a bound on its distance from the exact value;
    `unsure` collects the rows where a decision could go either way within that bound."""

    def __init__(self, values: dict[int, Exact], rows: int, cohort: tuple[tuple[Exact, Array], ...] = (),
                 floats: dict[int, tuple[Array, Array]] | None = None) -> None:
        self.values = values
        self.rows = rows
        self.cohort = cohort
        self.floats = {} if floats is None else floats  # inputs as floats, shared by a run's leaves
        self.zero = np.zeros(rows, dtype=bool)  # certainly a zero denominator
        self.bad = np.zeros(rows, dtype=bool)  # certainly a ratio's part above its whole
        self.unsure = np.zeros(rows, dtype=bool)
        self.memo: dict[int, tuple[Array, Array]] = {}

    def run(self, op: p.Op) -> tuple[Array, Array]:
        with np.errstate(over="ignore", invalid="ignore"):  # a value beyond floats: unsure, decided exactly
            value, error = self.expr(op)
        self.unsure |= ~np.isfinite(value) | ~np.isfinite(error)
        return value, error

    def expr(self, op: p.Op) -> tuple[Array, Array]:
        if id(op) not in self.memo:
            self.memo[id(op)] = self._expr(op)
        return self.memo[id(op)]

    def _expr(self, op: p.Op) -> tuple[Array, Array]:
        match op:
            case p.Const(value):
                return _float(Exact.constant(value))
            case p.Load(slot):
                if slot not in self.floats:
                    self.floats[slot] = _float(self.values[slot])
                return self.floats[slot]
            case p.CohortValue(site):
                found, present = self.cohort[site]
                self.zero |= ~present
                return _float(found)
            case p.Negate(operand):
                value, error = self.expr(operand)
                return -value, error
            case p.Tally(items):
                return self._sum([_scaled(points, _float(self.values[k])) for points, k in items])
            case p.Sum(terms):
                return self._sum([self.expr(t) for t in terms])
            case p.Binary(kind, left, right):
                a, b = self.expr(left), self.expr(right)
                if kind is p.Arith.MUL:
                    return _times(a, b)
                return self._sum([a, (-b[0], b[1]) if kind is p.Arith.SUB else b])
            case p.Divide(left, right, _, bounded):
                return self._divide(self.expr(left), self.expr(right), bounded is not None)
            case p.Extreme(largest, operands):
                estimates = [self.expr(o) for o in operands]
                pick = np.maximum if largest else np.minimum
                value, error = estimates[0]
                for other, other_error in estimates[1:]:  # the extreme's error is at most the largest
                    value, error = pick(value, other), np.maximum(error, other_error)
                return value, error
        raise AssertionError(op)

    @staticmethod
    def _sum(parts: list[tuple[Array, Array]]) -> tuple[Array, Array]:
        value, error = parts[0]
        for other, other_error in parts[1:]:
            value = value + other
            error = error + other_error + np.abs(value) * _EPSILON
        return value, error

    def _divide(self, a: tuple[Array, Array], b: tuple[Array, Array], bounded: bool) -> tuple[Array, Array]:
        (x, ex), (y, ey) = a, b
        if bounded:  # part above whole: certain rows are bad data, close ones are checked exactly
            gap = x - y
            self.unsure |= np.abs(gap) <= ex + ey + np.abs(x) * _EPSILON
            self.bad |= gap > ex + ey + np.abs(x) * _EPSILON
        near = np.abs(y) <= ey * 2 + np.abs(y) * _EPSILON  # a divisor that may be 0
        self.unsure |= near
        safe = np.where(near, 1.0, y)
        value = x / safe
        error = (np.abs(x) * ey + np.abs(safe) * ex) / (np.abs(safe) * np.maximum(np.abs(safe) - ey, 1e-300))
        return value, error + np.abs(value) * _EPSILON


def _float(value: Exact) -> tuple[Array, Array]:
    num, den = value.num.astype(np.float64), value.den.astype(np.float64)
    found = num / den
    if value.den.ndim == 0 and value.num.dtype != object:  # one denominator: one error rule
        if int(value.den) != 1:
            return found, np.abs(found) * (3 * _EPSILON)
        if bound(value.num) < _FLOAT_EXACT:
            return found, np.zeros(())
    exact = (np.abs(value.num) < _FLOAT_EXACT) & (value.den == 1)
    return found, np.where(exact, 0.0, np.abs(found) * 3 * _EPSILON)


def _scaled(points: Fraction, value: tuple[Array, Array]) -> tuple[Array, Array]:
    return _times(_float(Exact.constant(points)), value)


def _times(a: tuple[Array, Array], b: tuple[Array, Array]) -> tuple[Array, Array]:
    (x, ex), (y, ey) = a, b
    value = x * y
    return value, np.abs(x) * ey + np.abs(y) * ex + ex * ey + np.abs(value) * _EPSILON


def estimated_stars(banding: p.Banding, value: Array, error: Array) -> tuple[Array, Array]:
    """Stars from a float estimate, and the rows too close to a threshold to tell."""
    at_least = banding.rule is BandRule.AT_LEAST
    found = np.zeros(len(value), dtype=np.int8)
    unsure = np.zeros(len(value), dtype=bool)
    for m in banding.thresholds:
        threshold = m / banding.scale
        unsure |= np.abs(value - threshold) <= error + abs(threshold) * _EPSILON * 2
        found += (value >= threshold) if at_least else (value <= threshold)
    return found, unsure
