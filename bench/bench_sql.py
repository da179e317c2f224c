"""The SQL back-end on DuckDB against the hand-written Python loop, in the same run.

    python bench/bench_sql.py                     # 100,000 records of the city standard
    python bench/bench_sql.py --records 1000000   # the issue's million (minutes)

The city cohort (16 cities) is copied and renamed to N records inside DuckDB, in a table with a
typed column per input (BIGINT, DOUBLE, BOOLEAN, VARCHAR as the JSON values are), and written to
Parquet. Timed, each once after a warm-up on a small table: (a) bench/handwritten_city.py's
`score_cohort` over the same N records as Python dicts; (b) the generated query over the
in-memory table, fetching every row; (c) the same query over the Parquet file; (d)
`standard.evaluate_sql(relation)` over the table, the query plus the Evaluations. DuckDB runs on
2 threads. Agreement first: the totals and ratings of (b) equal those of the library's
`evaluate_cohort` on the first 160 records. Also printed: the size of the generated SQL and the
time DuckDB takes to plan it (EXPLAIN) for the city and the national standards.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import duckdb

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import handwritten_city  # noqa: E402

import smartcity_rules as scr  # noqa: E402
from smartcity_rules.backends.sql.run import to_sql  # noqa: E402

CITY = ROOT / "standards" / "shandong-city-2019.scs"
NATIONAL = ROOT / "standards" / "china-smart-city-evaluation-2016.scs"
COHORT = ROOT / "standards" / "examples" / "city-cohort.json"


def _type(values: list[Any]) -> str:
    kinds = {type(v) for v in values if v is not None}
    if kinds <= {int}:
        return "BIGINT"
    if kinds <= {bool}:
        return "BOOLEAN"
    if kinds <= {int, float}:
        return "DOUBLE"
    return "VARCHAR"


def build(connection: duckdb.DuckDBPyConnection, base: list[dict[str, Any]], copies: int, name: str) -> dict[str, str]:
    keys = sorted({key for record in base for key in record} - {"entity"})
    types = {key: _type([r.get(key) for r in base]) for key in keys}
    connection.execute(f'CREATE OR REPLACE TABLE "{name}_base" (entity VARCHAR, '
                       + ", ".join(f'"{k}" {t}' for k, t in types.items()) + ")")
    rows = [[r["entity"], *(str(r[k]) if types[k] == "VARCHAR" and r.get(k) is not None else r.get(k)
                            for k in keys)] for r in base]
    connection.executemany(f'INSERT INTO "{name}_base" VALUES ({", ".join(["?"] * (len(keys) + 1))})', rows)
    columns = ", ".join(f'"{k}"' for k in keys)
    connection.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT CASE WHEN i = 0 THEN entity ELSE entity || \'#\' '
                       f'|| i END AS entity, {columns} FROM "{name}_base", range({copies}) AS r(i) ORDER BY i')
    return {"entity": "VARCHAR", **types}


def timed(work: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, result


def planning(path: Path) -> tuple[int, float]:
    standard = scr.load(path)
    keys = {slot.key for slot in standard.plan.slots}
    columns = {"entity": "VARCHAR", **{k: "VARCHAR" for k in keys}}
    sql = to_sql(standard.plan, "stats", "duckdb", columns).sql(pretty=False)
    connection = duckdb.connect()
    connection.execute("CREATE TABLE stats (" + ", ".join(f'"{k}" VARCHAR' for k in columns) + ")")
    seconds, _ = timed(lambda: connection.execute("EXPLAIN " + sql).fetchall())
    return len(sql), seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    args = parser.parse_args(argv)
    base = json.loads(COHORT.read_text(encoding="utf-8"))
    copies = max(1, args.records // len(base))
    standard = scr.load(CITY)
    connection = duckdb.connect()
    connection.execute("SET threads = 2")
    types = build(connection, base, copies, "stats")
    sql = to_sql(standard.plan, "stats", "duckdb", types).sql(pretty=False)

    # Agreement first: a speed comparison of programs that compute different things means nothing.
    build(connection, base, 10, "sample")
    sample = to_sql(standard.plan, "sample", "duckdb", types).sql(pretty=False)
    cursor = connection.execute(sample)
    names = [column[0] for column in cursor.description]
    ours = [dict(zip(names, row)) for row in cursor.fetchall()]
    records = [dict(r, entity=r["entity"] if k == 0 else f"{r['entity']}#{k}") for k in range(10) for r in base]
    theirs = {e.entity: (e.total, e.rating_rank) for e in standard.evaluate_cohort(records)}
    got = {r["entity"]: (Fraction(r["total.num"], r["total.den"]), r["rating_rank"]) for r in ours}
    if got != theirs:
        print("the query disagrees with evaluate_cohort:", sorted(set(got.items()) ^ set(theirs.items()))[:3])
        return 1

    count = copies * len(base)
    copied = [dict(r, entity=f"{r['entity']}#{k}") for k in range(copies) for r in base]
    loop, _ = timed(lambda: handwritten_city.score_cohort(copied))
    memory, rows = timed(lambda: connection.execute(sql).fetchall())
    assert len(rows) == count and all(row[names.index("error")] is None for row in rows[:1000])
    with tempfile.TemporaryDirectory() as folder:
        parquet = Path(folder) / "stats.parquet"
        connection.execute(f"COPY stats TO '{parquet}' (FORMAT parquet)")
        connection.execute(f"CREATE OR REPLACE VIEW stats_file AS SELECT * FROM read_parquet('{parquet}')")
        from_file = to_sql(standard.plan, "stats_file", "duckdb", types).sql(pretty=False)
        parquet_seconds, _ = timed(lambda: connection.execute(from_file).fetchall())
    evaluations, _ = timed(lambda: standard.evaluate_sql(connection, "stats"))
    print(f"{count:,} records of {CITY.name}; DuckDB {duckdb.__version__}, 2 threads")
    print(f"  (a) hand-written Python loop     {loop:8.2f} s   1.00")
    for label, seconds in (("(b) generated query, in memory", memory),
                           ("(c) generated query, Parquet", parquet_seconds),
                           ("(d) evaluate_sql (+ Evaluations)", evaluations)):
        print(f"  {label:32s}{seconds:8.2f} s   {loop / seconds:.2f}x the loop's speed")
    for path in (CITY, NATIONAL):
        size, seconds = planning(path)
        print(f"  {path.name}: generated SQL {size / 1000:.0f} kB, planned by DuckDB in {seconds:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
