"""The columnar batch back-end against the hand-written loop, measured in the same run.

    python bench/bench_batch.py                       # 1k, 10k, 100k and 1M records
    python bench/bench_batch.py --sizes 1000 10000    # fewer
    python bench/bench_batch.py --memory 1000000      # peak RSS of 1M records streamed from Parquet
    python bench/bench_batch.py --every               # and every leaf of every record verified

The data: records of the city standard (standards/shandong-city-2019.scs) drawn from a seeded
generator around its bundled cohort (parts never above their wholes, rates within 0..1, yes/no
as booleans, floats with at most 4 decimals), as numpy columns. Each size is scored

  (a) by `standard.evaluate_table(columns)` (totals, ratings, every leaf's stars and points);
  (b) from a Parquet file of the same columns, read a row group at a time as `score` reads it
      (data/tables.py's TableParts: the cohort pass reads the cohort's columns only), by
      `evaluate_parts`;
  (c) by bench/handwritten_city.py's `score_cohort`, plain Python floats.

Before timing, (a) is verified against the per-record path (`evaluate_cohort`: the same
totals, ratings, stars and points) on the first --verify records; with --every, every leaf's
stars and points of every record against the python back-end record by record (the cohort
taken by the per-record rule across all rows); and the records where the float hand-written
scorer's totals or ratings differ (values exactly at a threshold) are counted. Times are CPU
time of the process (--wall: wall clock), best of --repeat. The
hand-written loop is timed on at most --hand-limit records and taken per record; its
ratio to each batch time is printed as one table.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import handwritten_city  # noqa: E402

import smartcity_rules as scr  # noqa: E402
from smartcity_rules.language.syntax import Kind  # noqa: E402

STANDARD = ROOT / "standards" / "shandong-city-2019.scs"
COHORT = ROOT / "standards" / "examples" / "city-cohort.json"


def generate(standard: scr.Standard, rows: int, seed: int = 12) -> dict[str, Any]:
    """Columns of `rows` records around the bundled cohort: each row a bundled city, its
    wholes scaled by 0.8 to 1.2, its parts keeping their share of the whole, less up to 15%."""
    rng = np.random.default_rng(seed)
    base = json.loads(COHORT.read_text(encoding="utf-8"))
    city = rng.integers(0, len(base), rows)
    slots = list(standard.plan.slots)
    columns: dict[str, Any] = {"entity": np.array([f"city {k}" for k in range(rows)], dtype=object)}
    for slot in sorted(slots, key=lambda s: s.whole is not None):  # wholes first
        given = np.array([float(b[slot.key]) for b in base])[city]
        columns[slot.key] = _draw(slot, given, columns, base, city, rng, standard)
    return columns


def _draw(slot: Any, given: Any, columns: dict[str, Any], base: list[dict[str, Any]], city: Any,
          rng: Any, standard: scr.Standard) -> Any:
    rows = len(city)
    if slot.kind is Kind.FLAG:
        return rng.random(rows) < 0.8
    if slot.kind is Kind.RATE:
        return np.round(np.clip(given * rng.uniform(0.85, 1.1, rows), 0, 1), 4)
    if slot.kind is Kind.SCORE:
        return np.round(np.clip(given * rng.uniform(0.85, 1.1, rows), float(slot.domain.low),
                                float(slot.domain.high)), 1)
    if slot.whole is not None:
        whole_key = standard.plan.slots[slot.whole].key
        share = np.array([float(b[slot.key]) / float(b[whole_key]) for b in base])[city]
        part = columns[whole_key] * share * rng.uniform(0.85, 1.0, rows)
        return np.floor(part).astype(np.int64) if slot.domain.whole else np.floor(part * 100) / 100
    drawn = given * rng.uniform(0.8, 1.2, rows)
    return np.maximum(np.rint(drawn), 1).astype(np.int64) if slot.domain.whole else np.round(drawn, 2)


def records(columns: dict[str, Any], rows: int, start: int = 0) -> list[dict[str, Any]]:
    names = list(columns)
    lists = [columns[name][start:start + rows].tolist() for name in names]
    return [dict(zip(names, values)) for values in zip(*lists)]


def verify_every_record(standard: scr.Standard, columns: dict[str, Any], result: Any, block: int = 50_000) -> int:
    """Every row's stars and points of every leaf against the per-record back-end (the python
    one, record by record), its cohort values (indicator 17's rank across every row) taken by
    the per-record rule (semantics.cohort_column); the records are made a block at a time.
    Node sums and the rating over these leaves are held to the per-record rule by the
    conformance suite. Returns the rows checked; raises AssertionError on a difference."""
    from smartcity_rules.backends.python.executor import PythonExecutor
    from smartcity_rules.plan.semantics import cohort_column

    python, plan, rows = PythonExecutor(standard.plan), standard.plan, len(result)
    starts = range(0, rows, block)
    args = [python._cohort_args(r, r["entity"], ()) for start in starts for r in records(columns, block, start)]
    sites = plan.cohort_sites
    cohort = list(zip(*[cohort_column(site.function, [a[k] for a in args]) for k, site in enumerate(sites)]))
    del args
    leaves = result.scored.leaves
    for start in starts:
        block_records = records(columns, block, start)
        figures = [python.figures(r, r["entity"], cohort[start + i] if cohort else (), ())
                   for i, r in enumerate(block_records)]
        stop = start + len(block_records)
        for k, leaf in enumerate(leaves):
            want_stars = np.array([-1 if f[1][k] is None else f[1][k] for f in figures])
            assert (want_stars == leaf.stars[start:stop]).all(), f"indicator {plan.indicators[k].code}: stars differ"
            assert [f[2][k] for f in figures] == leaf.points[start:stop].tolist(), \
                f"indicator {plan.indicators[k].code}: points differ"
    return rows


def verify(standard: scr.Standard, columns: dict[str, Any], result: Any, upto: int, every: bool = False) -> None:
    """The batch result against the per-record path (first `upto` rows) and the hand-written one."""
    rows = len(result)
    if upto:
        sample = {name: values[:upto] for name, values in columns.items()}
        expected = standard.evaluate_cohort(records(sample, upto))
        got = standard.evaluate_table(sample)
        assert list(got.total) == [e.total for e in expected]
        assert got.rating is not None, "the city standard has a rating"
        assert got.rating.tolist() == [e.rating_rank for e in expected]
        for k in range(len(standard.plan.indicators)):
            assert [None if s < 0 else s for s in got.stars(k).tolist()] == [e.indicators[k].stars for e in expected]
    hand = handwritten_city.score_cohort(records(columns, min(rows, 100_000)))
    totals, ratings = result.total, result.rating
    # floats may put a value exactly at a threshold in the band below it: such rows are counted
    differ = sum(abs(float(totals[row]) - scored["total"]) > 1e-9 or int(ratings[row]) != scored["rating"]
                 for row, scored in enumerate(hand))
    leaves = f"every leaf of all {verify_every_record(standard, columns, result)} against the python back-end, " \
        if every else ""
    print(f"  {rows} records: {leaves}exact {upto} against evaluate_cohort; "
          f"{differ} of {len(hand)} differ from the float hand-written scorer")


# CPU time of this process by default, as bench_all.py: on a shared machine the time spent
# waiting for a core is not the code's (--wall: the clock on the wall).
CLOCK: list[Any] = [time.process_time]


def seconds(run: Any, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = CLOCK[0]()
        run()
        best = min(best, CLOCK[0]() - start)
    return best


def parquet(columns: dict[str, Any], path: Path, group: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table(columns), path, row_group_size=group)


def parts(path: Path, standard: scr.Standard) -> Any:
    """The file as `score` reads it: a row group at a time, the cohort pass by its columns only."""
    from smartcity_rules.data.tables import TableParts

    return TableParts(path, standard)


def bench(sizes: list[int], repeat: int, hand_limit: int, upto: int, every: bool = False) -> None:
    standard = scr.load(STANDARD)
    biggest = generate(standard, max(sizes))
    hand_records = records(biggest, min(max(sizes), hand_limit))
    hand = seconds(lambda: handwritten_city.score_cohort(hand_records), repeat) / len(hand_records)
    print(f"hand-written loop: {hand * 1e6:.1f} us/record over {len(hand_records)} records")
    print(f"{'records':>9} {'batch s':>9} {'x hand':>8} {'parquet s':>10} {'x hand':>8}")
    with tempfile.TemporaryDirectory() as folder:
        for size in sizes:
            columns = {name: values[:size] for name, values in biggest.items()}
            result = standard.evaluate_table(columns)
            verify(standard, columns, result, min(size, upto), every)
            batch = seconds(lambda c=columns: _consume(standard.evaluate_table(c)), repeat)
            path = Path(folder) / f"{size}.parquet"
            parquet(columns, path, 100_000)
            from_file = seconds(lambda f=path: _consume_all(standard.evaluate_parts(parts(f, standard))), repeat)
            print(f"{size:>9} {batch:>9.3f} {hand * size / batch:>7.1f}x {from_file:>10.3f} "
                  f"{hand * size / from_file:>7.1f}x")


def _consume(result: Any) -> None:
    """What a caller reads: totals and ratings, computed from every leaf's columns."""
    result.rating  # noqa: B018  (decides every requirement over the node columns)


def _consume_all(results: Iterable[Any]) -> None:
    for result in results:
        _consume(result)


def memory(rows: int) -> None:
    """Peak RSS of scoring `rows` records streamed from Parquet, 50,000 rows at a time."""
    standard = scr.load(STANDARD)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.parquet"
        for start in range(0, rows, 100_000):  # written in parts, so the columns never sit in memory whole
            part = generate(standard, min(100_000, rows - start), seed=start)
            part["entity"] = np.array([f"city {start + k}" for k in range(len(part["entity"]))], dtype=object)
            parquet(part, Path(folder) / f"part{start}.parquet", 100_000)
        import pyarrow.parquet as pq

        files = sorted(Path(folder).glob("part*.parquet"))

        def batches() -> Any:  # 50,000 rows at a time, no read-ahead
            for file in files:
                yield from pq.ParquetFile(file).iter_batches(batch_size=50_000)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start_time = time.perf_counter()
        scored = 0
        for result in standard.evaluate_parts(batches):
            scored += len(result)
            _consume(result)
            del result  # else the loop holds one part's result while it scores the next
        took = time.perf_counter() - start_time
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        del path
    print(f"{scored} records streamed from Parquet in {took:.1f} s; peak RSS {peak / 1024:.0f} MB "
          f"(before scoring {before / 1024:.0f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--hand-limit", type=int, default=100_000)
    parser.add_argument("--verify", type=int, default=10_000, help="records verified against evaluate_cohort")
    parser.add_argument("--memory", type=int, metavar="N", help="measure peak RSS for N records instead")
    parser.add_argument("--every", action="store_true", help="verify every leaf of every record against the python "
                        "back-end too (about a minute per 100,000 records)")
    parser.add_argument("--wall", action="store_true", help="time by the wall clock, not this process's CPU time")
    args = parser.parse_args()
    if args.wall:
        CLOCK[0] = time.perf_counter
    os.environ.setdefault("PYTHONHASHSEED", "0")
    if args.memory:
        memory(args.memory)
    else:
        bench(args.sizes, args.repeat, args.hand_limit, args.verify, args.every)


if __name__ == "__main__":
    main()
