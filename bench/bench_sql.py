"""The SQL back-end on DuckDB against the hand-written Python loop, in the same run.

    python bench/bench_sql.py                     # 100,000 records of the city standard
    python bench/bench_sql.py --records 1000000   # the issue's million
    python bench/bench_sql.py --records 1000000 --check   # and every row held to evaluate_cohort
    python bench/bench_sql.py --records 1000 --phases     # DuckDB's planning of the query, by phase
    python bench/bench_sql.py --records 1000000 --generated   # every record drawn, none copied

The city cohort (16 cities) is copied and renamed to N records inside DuckDB, in a table with a
typed column per input (BIGINT, DOUBLE, BOOLEAN, VARCHAR as the JSON values are), and written to
Parquet; with --generated, the table holds bench_batch.py's N drawn records instead (each a
bundled city's figures perturbed: no two alike, as in real data, where 16 copies leave a sort's
output in runs of equal rows, which flatters every stage after a window). Timed (the queries:
the best of --runs rounds, default 3, each round running every query of a table once in turn,
as the first query over a fresh table also pays for warming it): (a)
bench/handwritten_city.py's `score_cohort` over the same N records as Python dicts; (h)
bench/handwritten_city_sql.py's hand-written exact query over the in-memory table and over the
Parquet file; (b) the generated query over the in-memory table, fetching every row; (b') the same
query with only the columns (h) gives read from it (stars, total, rating, and its error column);
(c) the generated query over the Parquet file; (d) `standard.evaluate_sql(relation)` over the
table, the query plus the Evaluations. DuckDB runs on 2 threads. Agreement first: the totals and
ratings of the generated and the hand-written query equal those of the library's `evaluate_cohort`
on 160 records; with --check, every row of (b) (each indicator's stars and points, the total, the
rating) is held to `evaluate_cohort` over all N records. Also printed: the size of the generated
SQL and the time DuckDB takes to plan it (EXPLAIN) for the city and the national standards, over a
typed table and over text columns (as `SqlBackend` loads one).
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

import bench_batch  # noqa: E402
import handwritten_city  # noqa: E402
import handwritten_city_sql  # noqa: E402

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


def drawn(connection: duckdb.DuckDBPyConnection, standard: scr.Standard, rows: int,
          name: str) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """bench_batch.py's `rows` drawn records as table `name`: its column types, and the first
    LOOP_RECORDS records as dicts for the loop."""
    import pyarrow as pa

    columns = bench_batch.generate(standard, rows)
    arrow = pa.table({key: pa.array(values.tolist() if key == "entity" else values) for key, values in columns.items()})
    connection.register("drawn_records", arrow)
    connection.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM drawn_records')
    connection.unregister("drawn_records")
    found = connection.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ?",
                               [name]).fetchall()
    return dict(found), bench_batch.records(columns, min(rows, LOOP_RECORDS))


LOOP_RECORDS = 100_000  # the Python loop and the Evaluations: timed on at most this many, scaled (memory)


def consumed(connection: duckdb.DuckDBPyConnection, query: str) -> Any:
    """Every column of every row computed, and nothing sent to Python but one row: the scores
    stay where the data lives, as a scheduled query writing them back would leave them."""
    return connection.execute(f"SELECT count(*), max(COLUMNS(*)) FROM ({query})").fetchall()


def same_outputs(standard: scr.Standard, sql: str) -> str:
    """The generated query, read for what the hand-written one gives: each indicator's stars, the
    total and the rating (and the error column, which it does not have). DuckDB computes only
    the columns read, so this is what a caller pays who does not want every figure."""
    codes = [item.code for item in standard.plan.indicators]
    wanted = ["entity", *(f'"{code}.stars"' for code in codes), '"total.num"', '"total.den"', "rating", "error"]
    return f"SELECT {', '.join(wanted)} FROM ({sql})"


def timed(work: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, result


def best(works: dict[str, Any], runs: int) -> dict[str, float]:
    """Each work's best time over `runs` rounds, every round running each work once in turn: a
    load that comes and goes (this machine's is +-20% between runs) then weighs on all of them,
    and their ratio stays put where one query's best-of-3 after another's would not."""
    found = dict.fromkeys(works, float("inf"))
    for _ in range(runs):
        for name, work in works.items():
            found[name] = min(found[name], timed(work)[0])
    return found


def planning(path: Path, cohort: Path, typed: bool) -> tuple[int, float, float, float]:
    """Generated SQL size, seconds to build it, seconds DuckDB takes to plan it (on the clock,
    and of this process's CPU: on a shared machine the clock also counts the others' work)."""
    standard = scr.load(path)
    base = json.loads(cohort.read_text(encoding="utf-8"))
    connection = duckdb.connect()
    types = build(connection, base, 1, "stats")
    columns = types if typed else {k: "VARCHAR" for k in types}
    compiling, query = timed(lambda: to_sql(standard.plan, "stats", "duckdb", columns))
    sql = query.sql(pretty=False)
    cpu = time.process_time()
    seconds, _ = timed(lambda: connection.execute("EXPLAIN " + sql).fetchall())
    return len(sql), compiling, seconds, time.process_time() - cpu


def planning_phases(connection: duckdb.DuckDBPyConnection, sql: str) -> dict[str, float]:
    """Seconds of DuckDB's planning by phase (its JSON profile): binding, each optimizer pass,
    physical planning. The query runs over a small table, so the profile is mostly planning."""
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "profile.json"
        connection.execute("PRAGMA enable_profiling = 'json'")
        connection.execute(f"PRAGMA profiling_output = '{output}'")
        consumed(connection, sql)
        connection.execute("PRAGMA disable_profiling")
        profile = json.loads(output.read_text(encoding="utf-8"))
    phases = {f"optimizer {name}": seconds for name, seconds in profile["optimizer"].items() if name != "total_time"}
    phases.update({"binding": profile["planner"]["binding_time"],
                   "physical planning": profile["physical_planner"]["total_time"]})
    return dict(sorted(phases.items(), key=lambda item: -item[1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--check", action="store_true", help="hold every row to evaluate_cohort")
    parser.add_argument("--runs", type=int, default=3, help="times each query is run; the best is shown")
    parser.add_argument("--phases", action="store_true",
                        help="also print DuckDB's planning of the city query by phase, its 5 costliest")
    parser.add_argument("--generated", action="store_true",
                        help="bench_batch.py's drawn records (no two alike) rather than the cohort copied")
    args = parser.parse_args(argv)
    base = json.loads(COHORT.read_text(encoding="utf-8"))
    copies = max(1, args.records // len(base))
    standard = scr.load(CITY)
    connection = duckdb.connect()
    connection.execute("SET threads = 2")
    if args.generated:
        types, looped = drawn(connection, standard, args.records, "stats")
    else:
        types = build(connection, base, copies, "stats")
        looped = [dict(r, entity=f"{r['entity']}#{k}") for k in range(copies) for r in base][:LOOP_RECORDS]
    sql = to_sql(standard.plan, "stats", "duckdb", types).sql(pretty=False)

    # Agreement first: a speed comparison of programs that compute different things means nothing.
    sample_types = build(connection, base, 10, "sample")
    sample = to_sql(standard.plan, "sample", "duckdb", sample_types).sql(pretty=False)
    cursor = connection.execute(sample)
    names = [column[0] for column in cursor.description]
    ours = [dict(zip(names, row)) for row in cursor.fetchall()]
    records = [dict(r, entity=r["entity"] if k == 0 else f"{r['entity']}#{k}") for k in range(10) for r in base]
    theirs = {e.entity: (e.total, e.rating_rank) for e in standard.evaluate_cohort(records)}
    got = {r["entity"]: (Fraction(r["total.num"], r["total.den"]), r["rating_rank"]) for r in ours}
    if got != theirs:
        print("the query disagrees with evaluate_cohort:", sorted(set(got.items()) ^ set(theirs.items()))[:3])
        return 1
    hand = connection.execute(handwritten_city_sql.query("sample"))
    columns = [column[0] for column in hand.description]
    by_hand = {r[0]: (Fraction(r[columns.index("total")], 100), r[columns.index("rating")]) for r in hand.fetchall()}
    if by_hand != theirs:
        print("the hand-written query disagrees with evaluate_cohort:",
              sorted(set(by_hand.items()) ^ set(theirs.items()))[:3])
        return 1

    count = args.records if args.generated else copies * len(base)
    loop = timed(lambda: handwritten_city.score_cohort(looped))[0] * count / len(looped)
    runs = max(1, args.runs)
    in_memory = best({"hand": lambda: consumed(connection, handwritten_city_sql.query("stats")),
                      "generated": lambda: consumed(connection, sql),
                      "narrow": lambda: consumed(connection, same_outputs(standard, sql))}, runs)
    hand_memory, memory, narrow = in_memory["hand"], in_memory["generated"], in_memory["narrow"]
    with tempfile.TemporaryDirectory() as folder:
        parquet = Path(folder) / "stats.parquet"
        connection.execute(f"COPY stats TO '{parquet}' (FORMAT parquet)")
        connection.execute(f"CREATE OR REPLACE VIEW stats_file AS SELECT * FROM read_parquet('{parquet}')")
        from_file = to_sql(standard.plan, "stats_file", "duckdb", types).sql(pretty=False)
        on_file = best({"hand": lambda: consumed(connection, handwritten_city_sql.query("stats_file")),
                        "generated": lambda: consumed(connection, from_file)}, runs)
        hand_file, parquet_seconds = on_file["hand"], on_file["generated"]
    connection.execute(f"CREATE OR REPLACE VIEW stats_part AS SELECT * FROM stats LIMIT {LOOP_RECORDS}")
    evaluations = timed(lambda: standard.evaluate_sql(connection, "stats_part"))[0] * count / min(count, LOOP_RECORDS)
    print(f"{count:,} records of {CITY.name}; DuckDB {duckdb.__version__}, 2 threads; every query's result "
          f"consumed in DuckDB (max of every column), the best of {runs} rounds, each query once a round in "
          f"turn; (a) and (d) timed on "
          f"{min(count, LOOP_RECORDS):,} "
          f"records and scaled to {count:,}")
    print(f"  (a) hand-written Python loop     {loop:8.2f} s   1.00")
    for label, seconds in (("(h) hand-written query, in memory", hand_memory),
                           ("(h) hand-written query, Parquet", hand_file),
                           ("(b) generated query, in memory", memory),
                           ("(b') its columns the (h) query gives", narrow),
                           ("(c) generated query, Parquet", parquet_seconds),
                           ("(d) evaluate_sql (+ Evaluations)", evaluations)):
        print(f"  {label:34s}{seconds:8.2f} s   {loop / seconds:.2f}x the loop's speed")
    for path, cohort in ((CITY, COHORT), (NATIONAL, COHORT.parent / "national-cohort.json")):
        for typed in (True, False):
            size, compiling, seconds, cpu = planning(path, cohort, typed)
            print(f"  {path.name} ({'typed' if typed else 'text'} columns): generated SQL {size / 1000:.0f} kB "
                  f"in {compiling:.2f} s, planned by DuckDB in {seconds:.2f} s ({cpu:.2f} s of CPU)")
    if args.phases:
        phases = planning_phases(connection, sample)
        print("  the city query's planning by phase (160 rows): "
              + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in list(phases.items())[:5]))
    if args.check:
        return check(connection, standard, sql)
    return 0


def check(connection: duckdb.DuckDBPyConnection, standard: scr.Standard, sql: str) -> int:
    """Every row of the generated query against the library's columnar back-end
    (`evaluate_table`) over the same table: each indicator's stars, the total, the rating.
    (evaluate_cohort over a million dicts would not fit beside the other work on this machine;
    the conformance suite holds evaluate_table to the per-record path bit for bit.)"""
    codes = [item.code for item in standard.plan.indicators]
    wanted = ['"_row"', 'CAST("total.num" AS VARCHAR)', 'CAST("total.den" AS VARCHAR)', '"rating_rank"',
              *(f'"{code}.stars"' for code in codes)]
    ours = connection.execute(f'SELECT {", ".join(wanted)} FROM ({sql}) ORDER BY "_row"').fetchall()
    theirs = standard.evaluate_table(connection.sql("SELECT * FROM stats").to_arrow_table())
    assert theirs.rating is not None, "the city standard has a rating"
    totals, ratings = list(theirs.total), theirs.rating.tolist()
    stars = [[None if s < 0 else s for s in theirs.stars(k).tolist()] for k in range(len(codes))]
    wrong = 0
    for i, row in enumerate(ours):
        wrong += (Fraction(int(row[1]), int(row[2])) != totals[i] or row[3] != ratings[i]
                  or any(row[4 + k] != stars[k][i] for k in range(len(codes))))
    print(f"  --check: {len(ours):,} rows of the generated query against evaluate_table, {wrong} differ")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
