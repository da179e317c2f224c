"""What the generated city query's guarantees cost: the query read for the hand-written query's
columns (bench_sql.py's (b')), and the same query compiled without each guarantee, in one run,
interleaved round by round with bench/handwritten_city_sql.py's query.

    python bench/bench_sql_parts.py                     # 1,000,000 records, the best of 5 rounds
    python bench/bench_sql_parts.py --records 100000 --runs 3

The variants are diagnostics, not products: each patches the compiler for the run and gives
wrong numbers on the data its guarantee is for. On the bench's clean data they must still give
the library's totals and ratings (checked on 160 records before timing):
- without the data checks: no event column, no error (`Compiler.refuse` does nothing);
- doubles as the hand-written query reads them: n = round(x * 10^4) over 10^4, right only for
  doubles of at most four places (`Compiler._double`);
- both: what is left is the scoring itself, the work the hand-written query does;
- doubles by the four-places test alone, every other double read as 0, and the same with every
  other double read as 10^37: what the ladder and the text reading cost though no row takes
  them, and how much of that is the wide bounds they give DuckDB's plan-time statistics for
  every later product (the second does no more work than the first; bench/README.md).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import sys
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any
from unittest import mock

import duckdb
from sqlglot import exp

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_sql  # noqa: E402
import handwritten_city_sql  # noqa: E402

import smartcity_rules as scr  # noqa: E402
from smartcity_rules.backends.sql.compile import Compiler  # noqa: E402
from smartcity_rules.backends.sql.run import to_sql  # noqa: E402
from smartcity_rules.backends.sql.tree import Pair, case  # noqa: E402


def _as_hand_does(self: Compiler, slot: Any, source: exp.Expression, refuse: Any) -> Pair:
    scaled = exp.Round(this=exp.Mul(this=source, expression=exp.Literal.number(handwritten_city_sql.SCALE)))
    return Pair(self.st.bind(exp.cast(scaled, self.st.big), "n"), self.st.big_number(handwritten_city_sql.SCALE))


@contextlib.contextmanager
def _unchecked() -> Iterator[None]:
    with mock.patch.object(Compiler, "refuse", lambda self, condition, event, phase: None):
        yield


@contextlib.contextmanager
def _doubles_as_hand() -> Iterator[None]:
    with mock.patch.object(Compiler, "_double", _as_hand_does):
        yield


def _four_places_or(fallback: int) -> Callable[[], contextlib.AbstractContextManager[None]]:
    def read(self: Compiler, slot: Any, source: exp.Expression, refuse: Any) -> Pair:
        reads_back, power = self._reads_back(source, 4)
        first = self.st.bind(reads_back, "q")
        scaled = exp.cast(exp.Round(this=exp.Mul(this=source, expression=power)), self.st.big)
        return self.st.pair(case((first, scaled), default=self.st.big_number(fallback)),
                            case((first, self.st.big_number(10**4)), default=self.st.big_number(max(1, fallback))))

    @contextlib.contextmanager
    def patched() -> Iterator[None]:
        with mock.patch.object(Compiler, "_double", read):
            yield
    return patched


@contextlib.contextmanager
def _both() -> Iterator[None]:
    with _unchecked(), _doubles_as_hand():
        yield


VARIANTS: dict[str, Callable[[], contextlib.AbstractContextManager[None]]] = {
    "as generated": contextlib.nullcontext,
    "without the data checks": _unchecked,
    "doubles read as (h) reads them": _doubles_as_hand,
    "both: the scoring alone": _both,
    "doubles: four places, else 0": _four_places_or(0),
    "doubles: four places, else 10^37": _four_places_or(10**37),
}


def queries(standard: scr.Standard, table: str, types: dict[str, str]) -> dict[str, str]:
    found = {}
    for name, variant in VARIANTS.items():
        with variant():
            found[name] = to_sql(standard.plan, table, "duckdb", types).sql(pretty=False)
    return found


def agree(connection: duckdb.DuckDBPyConnection, standard: scr.Standard, sql: str, records: list[Any]) -> bool:
    cursor = connection.execute(sql)
    names = [column[0] for column in cursor.description]
    rows = [dict(zip(names, row)) for row in cursor.fetchall()]
    got = {r["entity"]: (Fraction(r["total.num"], r["total.den"]), r["rating_rank"]) for r in rows}
    return got == {e.entity: (e.total, e.rating_rank) for e in standard.evaluate_cohort(records)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    base = json.loads(bench_sql.COHORT.read_text(encoding="utf-8"))
    standard = scr.load(bench_sql.CITY)
    connection = duckdb.connect()
    connection.execute("SET threads = 2")
    types = bench_sql.build(connection, base, 10, "sample")
    records = [dict(r, entity=r["entity"] if k == 0 else f"{r['entity']}#{k}") for k in range(10) for r in base]
    for name, sql in queries(standard, "sample", types).items():
        if not agree(connection, standard, sql, records):
            print(f"{name}: the query disagrees with evaluate_cohort on the clean sample")
            return 1
    copies = max(1, args.records // len(base))
    bench_sql.build(connection, base, copies, "stats")
    works = {"(h) hand-written": lambda: bench_sql.consumed(connection, handwritten_city_sql.query("stats"))}
    for name, sql in queries(standard, "stats", types).items():
        narrow = bench_sql.same_outputs(standard, sql)
        works[name] = functools.partial(bench_sql.consumed, connection, narrow)
    best = bench_sql.best(works, max(1, args.runs))
    hand = best["(h) hand-written"]
    print(f"{copies * len(base):,} records of {bench_sql.CITY.name}; DuckDB {duckdb.__version__}, 2 threads; "
          f"the generated query read for (h)'s columns; the best of {args.runs} interleaved rounds")
    for name, seconds in best.items():
        print(f"  {name:34s}{seconds:8.2f} s   {seconds / hand:.2f}x (h)'s time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
