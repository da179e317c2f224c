"""Spark local[2] and Dask against the hand-written loop, measured in the same run.

    python bench/bench_spark.py                      # 1M records
    python bench/bench_spark.py --sizes 100000       # fewer
    python bench/bench_spark.py --skip-dask          # Spark only
    python bench/bench_spark.py --skip-sql           # without (d), the generated Spark SQL

The data: bench_batch.py's records of the city standard (standards/shandong-city-2019.scs, one
rank() indicator), written as Parquet files of 100,000 rows (one partition each). Timed:

  (a) bench/handwritten_city.py's `score_cohort`, plain Python floats, on at most --hand-limit
      records, taken per record: the baseline of every ratio;
  (b) Spark: the session's start, then a first job on 1,000 rows (Python workers start, the
      standard is unpickled and compiled in each): together the fixed start-up cost; then
      `smartcity_rules.spark.score_frame` on all of them, the rank global (the first pass
      gathers each row's rank argument on the driver), every row's scores written to Spark's
      `noop` sink (computed on the executors, not shipped to the driver);
  (c) Dask (2 worker processes): `smartcity_rules.dask.score_frame`, the same passes, every
      partition's scores computed and counted on the workers.

Before timing, each path's totals and ratings are checked on every record against
`standard.evaluate_table` on the same columns (itself held to evaluate_cohort by bench_batch.py
and the tests).

  (d) the generated Spark SQL, `smartcity_rules.spark.score_sql`, on the same session and files:
      its planning time, then the run to the noop sink (docs/sql.md, "Spark SQL").
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import handwritten_city  # noqa: E402
from bench_batch import CLOCK, STANDARD, generate, records, seconds  # noqa: E402

import smartcity_rules as scr  # noqa: E402
from smartcity_rules.distributed.partitions import ERROR_COLUMNS  # noqa: E402
from smartcity_rules.language.numbers import fmt  # noqa: E402

PART = 100_000  # rows per Parquet file, one partition each
SHOWN = ("entity", "total", "rating", *ERROR_COLUMNS)


def write(columns: dict[str, Any], folder: Path) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(columns)
    for start in range(0, table.num_rows, PART):
        pq.write_table(table.slice(start, PART), folder / f"part-{start // PART:05d}.parquet")
    return folder


def expected(standard: scr.Standard, columns: dict[str, Any]) -> dict[str, tuple[str, int]]:
    result = standard.evaluate_table(columns)
    assert result.rating is not None, "the city standard has a rating"
    return {entity: (fmt(total), int(rank)) for entity, total, rank in
            zip(result.entities, result.total.tolist(), result.rating.tolist())}


def check(scored: Any, want: dict[str, tuple[str, int]], what: str) -> None:
    got = {row["entity"]: (row["total"], row["rating"]) for row in scored.to_pylist()}
    assert got == want, f"{what}: {sum(got.get(e) != v for e, v in want.items())} records differ"
    print(f"  {what}: totals and ratings of all {len(want)} records equal evaluate_table's")


def spark_bench(standard: scr.Standard, folder: Path, small: Path, want: dict[str, tuple[str, int]],
                hand: float, size: int, with_sql: bool = True) -> None:
    from pyspark.sql import SparkSession

    from smartcity_rules import spark as scr_spark

    start = time.perf_counter()
    spark = (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")
             .config("spark.sql.shuffle.partitions", "2").config("spark.driver.memory", "4g").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    session = time.perf_counter() - start
    first = seconds(lambda: _noop(scr_spark.score_frame(standard, spark.read.parquet(str(small)))), 1)
    frame = spark.read.parquet(str(folder))
    check(scr_spark.collect_scores(scr_spark.score_frame(standard, frame).select(*SHOWN)),
          want, "Spark")
    took = seconds(lambda: _noop(scr_spark.score_frame(standard, spark.read.parquet(str(folder)))), 1)
    print(f"Spark local[2] start-up: session {session:.1f} s, first job on 1,000 rows {first:.1f} s")
    print(f"Spark local[2], {size} records: {took:.1f} s, {hand * size / took:.2f}x the hand-written loop")
    if with_sql:
        spark_sql_bench(spark, standard, folder, want, hand, size)
    spark.stop()


def spark_sql_bench(spark: Any, standard: scr.Standard, folder: Path, want: dict[str, tuple[str, int]],
                    hand: float, size: int) -> None:
    """(d) The generated Spark SQL (`score_sql`): its planning (analysis by `score_sql`, then the
    optimised and physical plans) timed apart, then the whole run to the noop sink, planning included."""
    from fractions import Fraction

    from smartcity_rules import spark as scr_spark

    shown = ["entity", "`total.num`", "`total.den`", "rating_rank", *ERROR_COLUMNS]
    scores = scr_spark.collect_scores(scr_spark.score_sql(standard, spark.read.parquet(str(folder))).select(*shown))
    got = {row["entity"]: (fmt(Fraction(int(row["total.num"]), int(row["total.den"]))), row["rating_rank"])
           for row in scores.to_pylist()}
    assert got == want, f"Spark SQL: {sum(got.get(e) != v for e, v in want.items())} records differ"
    print(f"  Spark SQL: totals and ratings of all {len(want)} records equal evaluate_table's")
    start = time.perf_counter()
    planned = scr_spark.score_sql(standard, spark.read.parquet(str(folder)))
    analysed = time.perf_counter() - start
    planned._jdf.queryExecution().executedPlan()
    planning = time.perf_counter() - start
    took = seconds(lambda: _noop(scr_spark.score_sql(standard, spark.read.parquet(str(folder)))), 1)
    print(f"Spark SQL planning: {planning:.1f} s ({analysed:.1f} s analysing, the rest optimising and planning)")
    print(f"Spark SQL local[2], {size} records: {took:.1f} s with its planning, {hand * size / took:.2f}x the "
          f"hand-written loop ({hand * size / max(took - planning, 1e-9):.2f}x without the planning)")


def _noop(scores: Any) -> None:
    scores.write.format("noop").mode("overwrite").save()


def dask_bench(standard: scr.Standard, folder: Path, want: dict[str, tuple[str, int]], hand: float,
               size: int) -> None:
    import dask
    import dask.dataframe as dd

    from smartcity_rules import dask as scr_dask

    with dask.config.set(scheduler="processes", num_workers=2):
        frame = dd.read_parquet(str(folder))
        check(scr_dask.collect_scores(scr_dask.score_frame(standard, frame)[list(SHOWN)]),
              want, "Dask")
        took = seconds(lambda: scr_dask.score_frame(standard, dd.read_parquet(str(folder)))
                       .map_partitions(len).compute(), 1)
    print(f"Dask (2 processes), {size} records: {took:.1f} s, {hand * size / took:.2f}x the hand-written loop")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--hand-limit", type=int, default=100_000)
    parser.add_argument("--skip-dask", action="store_true")
    parser.add_argument("--skip-spark", action="store_true")
    parser.add_argument("--skip-sql", action="store_true",
                        help="leave out (d), the generated Spark SQL (at 1M records it takes most of an hour)")
    args = parser.parse_args()
    # Wall time: bench_batch's clock is the process's CPU time, which leaves out all Spark's and
    # Dask's work on the JVM and in the workers (100,000 records "took" 0.1 s).
    CLOCK[0] = time.perf_counter
    os.environ.setdefault("PYTHONHASHSEED", "0")
    standard = scr.load(STANDARD)
    for size in args.sizes:
        columns = generate(standard, size)
        hand_records = records(columns, min(size, args.hand_limit))
        hand = seconds(lambda r=hand_records: handwritten_city.score_cohort(r), 1) / len(hand_records)
        print(f"hand-written loop: {hand * 1e6:.1f} us/record over {len(hand_records)} records")
        want = expected(standard, columns)
        with tempfile.TemporaryDirectory() as folder, tempfile.TemporaryDirectory() as few:
            write(columns, Path(folder))
            write({name: values[:1000] for name, values in columns.items()}, Path(few))
            if not args.skip_spark:
                spark_bench(standard, Path(folder), Path(few), want, hand, size, with_sql=not args.skip_sql)
            if not args.skip_dask:
                dask_bench(standard, Path(folder), want, hand, size)


if __name__ == "__main__":
    main()
