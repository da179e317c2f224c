"""The columnar back-end's parts against the per-record rules they restate (backends/columnar)."""

from __future__ import annotations

import math
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import smartcity_rules as scr
from smartcity_rules.backends.columnar import exact, formulas, reading
from smartcity_rules.backends.columnar.executor import ColumnarBackend, Leaf
from smartcity_rules.language.errors import UnsupportedConstruct
from smartcity_rules.language.syntax import BandRule, Function, Kind
from smartcity_rules.plan import scoring as p
from smartcity_rules.plan.semantics import COHORT_FUNCTIONS, DOMAINS, cohort_column, exact_pair, stars

from .conftest import FIXTURES, STANDARDS, wrap

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import bench_batch

CITY = STANDARDS / "shandong-city-2019.scs"
pairs = st.tuples(st.integers(-(10**30), 10**30), st.integers(1, 10**30))


# ------------------------------------------------------------------ exact
def test_int64_is_kept_only_while_the_bounds_prove_it_fits() -> None:
    small = np.array([3, -4], dtype=np.int64)
    assert exact.product(small, small).dtype == np.int64
    big = np.array([2**40, 1], dtype=np.int64)
    widened = exact.product(big, big)
    assert widened.dtype == object and widened.tolist() == [2**80, 1]
    assert exact.total(np.array([2**61], dtype=np.int64), np.array([2**61], dtype=np.int64)).tolist() == [2**62]


@given(st.lists(st.tuples(pairs, pairs), min_size=1, max_size=8))
def test_column_arithmetic_is_exact(rows: list[tuple[tuple[int, int], tuple[int, int]]]) -> None:
    a = reading._narrowed(exact.Exact(*(np.array(c, dtype=object) for c in zip(*[r[0] for r in rows]))))
    b = exact.Exact(*(np.array(c, dtype=object) for c in zip(*[r[1] for r in rows])))
    want_sum = [Fraction(*x) + Fraction(*y) for x, y in rows]
    assert [Fraction(*v) for v in exact.add(a, b).pairs(len(rows))] == want_sum
    assert [Fraction(*v) for v in exact.multiply(a, b).pairs(len(rows))] == [Fraction(*x) * Fraction(*y)
                                                                              for x, y in rows]
    quotient, zero = exact.divide(a, b)
    for (x, y), got, is_zero in zip(rows, quotient.pairs(len(rows)), zero.tolist()):
        assert is_zero == (y[0] == 0)
        assert is_zero or Fraction(*got) == Fraction(*x) / Fraction(*y)
    assert exact.above(a, b).tolist() == [Fraction(*x) > Fraction(*y) for x, y in rows]


# ------------------------------------------------------------------ reading
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True) | st.decimals(places=6, allow_nan=False,
                                                                            allow_infinity=False).map(float),
                min_size=1, max_size=40))
def test_decimals_are_the_shortest_repr_of_every_float_found(values: list[float]) -> None:
    num, den, found = reading.decimals(np.array(values, dtype=np.float64))
    for value, n, d, ok in zip(values, num.tolist(), np.broadcast_to(den, num.shape).tolist(), found.tolist()):
        if ok:
            assert Fraction(n, d) == Fraction(*exact_pair(value))
        else:  # not found: a float the per-record reader must read; never one of few places
            assert not math.isfinite(value) or _places(value) > 2 or abs(value) >= 10**12


def _places(value: float) -> int:
    den = Fraction(repr(value)).denominator
    return next(k for k in range(400) if 10**k % den == 0)


def test_floats_with_few_places_are_all_found() -> None:
    values = np.round(np.random.default_rng(3).uniform(0, 1e6, 10_000), 2)
    assert reading.decimals(values)[2].all()


def _slot(kind: Kind) -> p.InputSlot:
    return p.InputSlot("x", "x", False, kind, DOMAINS[kind], None, "1")


@pytest.mark.parametrize(("kind", "values", "irregular"), [
    (Kind.COUNT, np.array([0, 5, -1]), [False, False, True]),
    (Kind.RATE, np.array([0.5, 1.0, 1.5]), [False, False, True]),
    (Kind.COUNT, np.array([2.0, 2.5, np.nan]), [False, True, True]),
    (Kind.FLAG, np.array([True, False]), [False, False]),
    (Kind.FLAG, np.array([0, 1, 2]), [False, False, True]),
    (Kind.COUNT, np.array([True, False]), [True, True]),  # a yes/no is not a number
    (Kind.COUNT, np.array([2**64 - 1], dtype=np.uint64), [False]),
])
def test_values_outside_the_fast_reading_are_irregular(kind: Kind, values: Any, irregular: list[bool]) -> None:
    got = reading.read(_slot(kind), reading.Column(values), len(values))
    assert got.irregular.tolist() == irregular
    if kind is Kind.COUNT and values.dtype == np.uint64:
        assert got.value.pairs(1) == [(2**64 - 1, 1)]


def test_a_sequence_is_narrowed_only_when_every_value_has_one_type() -> None:
    assert reading.column([1, 2]).values.dtype == np.int64
    assert reading.column([1, True]).values.dtype == object  # True among counts stays an error
    assert reading.column([2**70, 1]).values.dtype == object
    got = reading.read(_slot(Kind.RATE), reading.column(["85%", None, " ", "0.5"]), 4)
    assert got.absent.tolist() == [False, True, True, False]
    assert [Fraction(*v) for v in got.value.pairs(4)][::3] == [Fraction(17, 20), Fraction(1, 2)]


# ------------------------------------------------------------------ formulas
@given(st.sampled_from(list(BandRule)), st.lists(st.integers(-50, 50), min_size=5, max_size=5),
       st.integers(1, 7), st.lists(pairs, min_size=1, max_size=20))
def test_stars_agree_with_the_scalar_rule(rule: BandRule, raw: list[int], scale: int,
                                          values: list[tuple[int, int]]) -> None:
    thresholds = tuple(sorted(raw) if rule is BandRule.AT_LEAST else sorted(raw, reverse=True))
    banding = p.Banding(rule, thresholds, scale)
    column = exact.Exact(*(np.array(c, dtype=object) for c in zip(*values)))
    got = formulas.stars(banding, reading._narrowed(column), len(values)).tolist()
    assert got == [stars(rule, thresholds, scale, n, d) for n, d in values]


@settings(max_examples=200)
@given(st.lists(st.tuples(st.integers(0, 10**12), st.integers(1, 10**12)), min_size=1, max_size=30),
       st.integers(0, 20))
def test_float_estimates_decide_stars_or_say_they_cannot(rows: list[tuple[int, int]], step: int) -> None:
    """A sum of three ratios, beyond int64 when cross-multiplied: every row the estimate is
    sure of has the exact number of stars."""
    a, b = (np.array(c, dtype=np.int64) for c in zip(*rows))
    values = {0: exact.Exact.whole(a), 1: exact.Exact.whole(b)}
    ratio = p.Divide(p.Load(0), p.Load(1), None)
    op = p.Sum((p.Binary(p.Arith.MUL, p.Const(Fraction(1, 3)), ratio),) * 3)
    banding = p.Banding(BandRule.AT_LEAST, tuple(range(step, step + 5)), 7)
    estimates = formulas.Estimates(values, len(rows))
    value, error = estimates.run(op)
    marks, unsure = formulas.estimated_stars(banding, value, error)
    for (n, d), mark, doubt in zip(rows, marks.tolist(), (unsure | estimates.unsure).tolist()):
        assert doubt or mark == stars(BandRule.AT_LEAST, banding.thresholds, 7, n, d)


@pytest.mark.parametrize("function", sorted(COHORT_FUNCTIONS, key=lambda f: f.value))
@given(values=st.lists(st.none() | st.tuples(st.integers(-(10**20), 10**20), st.integers(1, 10**6))
                       | st.sampled_from([(1, 1), (2, 2), (3, 1)]), max_size=12))
def test_cohort_functions_agree_with_the_scalar_rules(function: Function, values: list[Any]) -> None:
    present = np.array([v is not None for v in values], dtype=bool)
    column = reading._narrowed(exact.Exact(np.array([v[0] if v else 0 for v in values], dtype=object),
                                           np.array([v[1] if v else 1 for v in values], dtype=object)))
    got, has = formulas.across(function, column, present)
    found = [Fraction(*pair) if ok else None for pair, ok in zip(got.pairs(len(values)), has.tolist())]
    assert found == [None if v is None else Fraction(*v) for v in cohort_column(function, values)]


@given(st.lists(st.none() | st.integers(-5, 5), max_size=12))
def test_whole_numbers_rank_as_the_scalar_rule_ranks_them(values: list[int | None]) -> None:
    present = np.array([v is not None for v in values], dtype=bool)
    column = exact.Exact.whole(np.array([v or 0 for v in values], dtype=np.int64))  # one denominator, 0-d
    got, has = formulas.across(Function.RANK, column, present)
    found = [Fraction(*pair) if ok else None for pair, ok in zip(got.pairs(len(values)), has.tolist())]
    want = cohort_column(Function.RANK, [None if v is None else (v, 1) for v in values])
    assert found == [None if v is None else Fraction(*v) for v in want]


@given(st.sampled_from(list(BandRule)), st.lists(st.tuples(st.integers(-(2**62) + 1, 2**62 - 1),
                                                           st.integers(1, 2**40)), min_size=1, max_size=20))
def test_stars_stay_in_int64_where_num_times_scale_would_not(rule: BandRule, values: list[tuple[int, int]]) -> None:
    thresholds = (1, 2, 3, 4, 5) if rule is BandRule.AT_LEAST else (5, 4, 3, 2, 1)
    banding = p.Banding(rule, thresholds, 1000)
    column = exact.Exact(*(np.array(c, dtype=np.int64) for c in zip(*values)))
    try:
        got = formulas.stars(banding, column, len(values), narrow=True).tolist()
    except exact.Overflow:  # a quotient beyond int64 / scale: the caller's other path decides
        assert any(abs(n // d) * 1000 >= exact.LIMIT for n, d in values)
        return
    assert got == [stars(rule, thresholds, 1000, n, d) for n, d in values]


def test_a_value_put_in_by_the_per_record_path_never_writes_into_an_input_column() -> None:
    given = np.array([3, 4], dtype=np.int64)
    leaf = Leaf(exact.Exact(given, exact.Exact.constant(Fraction(1)).den), np.ones(2, dtype=bool),
                np.zeros(2, dtype=np.int8), formulas.scaled_table((Fraction(0), Fraction(1)), 10)[[0, 1]])
    assert leaf.points.dtype == np.int16  # points take the narrowest width that holds them
    leaf.put(1, (2**70, 3), 5, 10**12)
    assert given.tolist() == [3, 4]
    assert [Fraction(*v) for v in leaf_pairs(leaf)] == [3, Fraction(2**70, 3)]
    assert leaf.points.tolist() == [0, 10**12] and leaf.stars.tolist() == [0, 5]


def leaf_pairs(leaf: Leaf) -> list[tuple[int, int]]:
    return list(zip(leaf.num.tolist(), np.broadcast_to(leaf.den, leaf.num.shape).tolist()))


def test_floats_of_one_number_of_places_are_read_with_one_denominator() -> None:
    values = np.round(np.random.default_rng(4).uniform(0, 1, 1000), 4)
    num, den, found = reading.decimals(values)
    assert den.ndim == 0 and int(den) == 10**4 and found.all()
    assert [Fraction(int(n), 10**4) for n in num.tolist()] == [Fraction(repr(v)) for v in values.tolist()]


# ------------------------------------------------------------------ executor
@pytest.fixture(scope="module")
def city() -> scr.Standard:
    return scr.load(CITY)


@pytest.fixture(scope="module")
def city_columns(city: scr.Standard) -> dict[str, Any]:
    return bench_batch.generate(city, 3000, seed=5)


def test_clean_columns_are_scored_by_the_columns_alone(city: scr.Standard, city_columns: dict[str, Any]) -> None:
    result = city.evaluate_table(city_columns)
    assert result.scored.handed == 0
    expected = city.evaluate_cohort(bench_batch.records(city_columns, 3000))
    assert list(result.total) == [e.total for e in expected]
    assert result.rating is not None and result.rating.tolist() == [e.rating_rank for e in expected]
    for k in range(len(city.plan.indicators)):
        assert [None if s < 0 else s for s in result.stars(k).tolist()] == [e.indicators[k].stars for e in expected]


def test_bad_rows_raise_the_per_record_error_or_are_kept_aside(city: scr.Standard,
                                                                city_columns: dict[str, Any]) -> None:
    columns = {key: values[:50].copy() for key, values in city_columns.items()}
    columns["households"][7] = -3
    columns["fibre_households"] = columns["fibre_households"].astype(object)
    columns["fibre_households"][20] = "many"
    records = bench_batch.records(columns, 50)
    with pytest.raises(scr.InvalidValue) as per_record:
        city.evaluate_cohort(records)
    with pytest.raises(scr.InvalidValue) as batch:
        city.evaluate_table(columns)
    assert str(batch.value) == str(per_record.value)
    kept = city.evaluate_table(columns, keep_going=True)
    assert [row for row, _ in kept.errors] == [7, 20]
    assert kept.kept.tolist() == [r for r in range(50) if r not in (7, 20)]
    good = city.evaluate_cohort([r for k, r in enumerate(records) if k not in (7, 20)])
    assert list(kept.total) == [e.total for e in good]
    for row, error in kept.errors:
        with pytest.raises(scr.DataError) as alone:
            city.evaluate_cohort([records[row]])
        assert type(alone.value) is type(error) and alone.value.input == error.input


def test_parts_score_as_one_cohort(city: scr.Standard, city_columns: dict[str, Any]) -> None:
    whole = city.evaluate_table(city_columns)
    table = pa.table(city_columns)
    results = list(city.evaluate_parts(lambda: table.to_batches(max_chunksize=700)))
    assert [len(r) for r in results] == [700, 700, 700, 700, 200]
    assert [t for r in results for t in r.total] == list(whole.total)  # rank 17 across all parts


def test_a_large_table_is_scored_a_chunk_at_a_time_as_one_cohort(city_columns: dict[str, Any]) -> None:
    city = scr.load(CITY)
    whole = city.evaluate_table(city_columns)
    city._compiled._columnar().chunk = 700
    chunked = city.evaluate_table(city_columns)
    assert list(chunked.total) == list(whole.total) and chunked.rating.tolist() == whole.rating.tolist()
    assert [leaf.num.tolist() for leaf in chunked.scored.leaves] == [leaf.num.tolist() for leaf in whole.scored.leaves]
    columns = {key: values.copy() for key, values in city_columns.items()}
    columns["households"][1500] = -1
    with pytest.raises(scr.InvalidValue, match="negative"):
        city.evaluate_table(columns)
    assert [row for row, _ in city.evaluate_table(columns, keep_going=True).errors] == [1500]


def test_a_plan_it_cannot_run_is_refused_when_prepared(city: scr.Standard) -> None:
    class Root:  # an op of a later branch, unknown here
        pass

    item = attrs.evolve(city.plan.indicators[0], formula=Root())
    plan = attrs.evolve(city.plan, indicators=(item, *city.plan.indicators[1:]))
    with pytest.raises(UnsupportedConstruct, match="does not run the formula operation Root; the python back-end"):
        ColumnarBackend().prepare(plan)


# ------------------------------------------------------------------ tables
def test_arrow_nulls_are_missing_values_and_integers_never_pass_through_floats() -> None:
    standard = scr.loads(wrap('''input big "b": count
input n "n": count, when missing: zero
group "G" points 10 {
    indicator 1 "one" {
        value big + n
        stars at least 1, 2, 3, 4, 5
        points 10
    }
}'''))
    table = pa.table({"entity": ["A", "B"], "big": pa.array([2**62 + 1, 3], pa.int64()), "n": pa.array([None, 1])})
    result = standard.evaluate_table(table)
    assert result.scored.leaves[0].num.tolist() == [2**62 + 1, 4]
    assert [m for m in result.scored.missing] == [(1,), ()]
    assert result.evaluations()[0].missing[0].input == "n"


def test_tables_are_checked_as_records_are(city: scr.Standard) -> None:
    with pytest.raises(scr.UnknownInput, match="did you mean 'households'"):
        city.evaluate_table({"househlds": [1]})
    with pytest.raises(scr.DataError, match="appears twice"):
        city.evaluate_table({"entity": ["A", "A"], "households": [1, 2]})
    with pytest.raises(scr.DataError, match="different lengths"):
        city.evaluate_table({"households": [1, 2], "fibre_households": [1]})
    with pytest.raises(scr.DataError, match="cannot read a table from int"):
        city.evaluate_table(3)


def test_results_convert_exactly(city: scr.Standard, city_columns: dict[str, Any]) -> None:
    result = city.evaluate_table({key: values[:20] for key, values in city_columns.items()})
    arrow = result.to_arrow()
    assert [Fraction(str(v)) for v in arrow.column("total").to_pylist()] == list(result.total)
    assert arrow.column("rating").to_pylist() == result.rating.tolist()
    numpy = result.to_numpy()
    assert list(numpy["1 points"]) == [e.indicators[0].points for e in result.evaluations()]
    assert set(arrow.column_names) == set(numpy)


def test_an_empty_table_scores_no_rows() -> None:
    assert scr.load(FIXTURES / "nested.scs").evaluate_table({}).scored.rows == 0


def test_a_standard_typed_by_entity_scores_tables_only_a_type_at_a_time() -> None:
    typed = scr.load(STANDARDS / "examples" / "county-and-city.scs")
    with pytest.raises(scr.NotFound, match="scoring a table differs by entity type"):
        typed.evaluate_table({})
    with pytest.raises(scr.NotFound, match="scoring a table differs by entity type"):
        typed.evaluate_parts(lambda: iter([]))
    assert typed.variant(typed.entity_types[0]).evaluate_table({}).scored.rows == 0


def test_square_roots_are_refused_naming_the_python_back_end() -> None:
    with pytest.raises(UnsupportedConstruct, match="formula operation Root; the python back-end"):
        scr.load(FIXTURES / "kitchen.scs").evaluate_table({})


@pytest.mark.parametrize(("name", "cohort"), [("shandong-city-2019.scs", "city-cohort.json"),
                                              ("china-smart-city-evaluation-2016.scs", "national-cohort.json")])
def test_a_tables_evaluations_made_a_slice_at_a_time_are_the_same(name: str, cohort: str) -> None:
    """iter_evaluations (what `score` writes out, in bounded memory) gives every row's results as
    evaluations() does, rank and cohort included: each slice's cohort is the whole table's."""
    standard = scr.load(STANDARDS / name)
    table = {key: list(values) for key, values in _columns(scr.read_records(STANDARDS / "examples" / cohort)).items()}
    result = standard.evaluate_table(table)
    whole = [e.to_dict() for e in result.evaluations()]
    assert [e.to_dict() for e in result.iter_evaluations(chunk=3)] == whole
    assert [e.to_dict() for e in result.iter_evaluations()] == whole


def _columns(records: Any) -> dict[str, list[Any]]:
    keys = dict.fromkeys(key for record in records for key in record)
    return {key: [record.get(key) for record in records] for key in keys}
