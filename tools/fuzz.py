"""The long fuzzing run: the library against the independent reference evaluator, and the
library's own robustness, in mixed categories.

    python tools/fuzz.py --cases 1000000 --workers 2          # about an hour on 2 cores
    python tools/fuzz.py --minutes 5 --seed 7
    python tools/fuzz.py --minutes 30 --duckdb                # and the SQL back-end on DuckDB

Categories (tests/differential.py and tests/fuzzing.py):
- standards and cohorts: random standards that pass the checker, cohorts of every sign,
  scored by the library and by tests/reference, compared on every number and refusal;
- data files: the same cohorts written as JSON or CSV files, read by both readers;
- use chains: a base standard and one built on it by reference, as real files;
- documents: the standard with hostile labels and names, published as HTML and Markdown;
- random programs, mutated standards: whatever the grammar or a mutation gives, `load`
  answers with a standard or our own diagnostics, nothing else, in bounded time;
- spoiled statistics: shipped standards on records of every wrong shape: only DataErrors;
- with --duckdb, the standards and cohorts (plain and typed by entity) scored by the SQL
  back-end on an embedded DuckDB as well, against the reference (each query planned anew, so
  these cases are slower).

Prints cases per second and, per category, the cases tried and every distinct failure with a
shrunk reproducer (a differential failure shrinks to a small standard and cohort). Exit 1 on
any failure. Seeds are `--seed` + the case's index, so a reported seed reruns alone.
"""

from __future__ import annotations

import argparse
import functools
import multiprocessing
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the tests package, from a checkout

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from tests import differential, fuzzing

# Share of the cases each category gets: the differential ones are the point, and the cheapest.
MIX = {"standards and cohorts": 6, "data files": 2, "use chains": 1, "documents": 1, "entity types": 1,
       "random programs": 1, "mutated standards": 1, "spoiled statistics": 1}
DUCKDB_MIX = {"standards and cohorts on duckdb": 2, "entity types on duckdb": 1}
SLOW = 10.0  # seconds: a case slower than this is a failure of its own (unbounded work)


def _mix(duckdb: bool) -> dict[str, int]:
    return MIX | DUCKDB_MIX if duckdb else MIX


def _category(index: int, duckdb: bool = False) -> str:
    wheel = [name for name, share in _mix(duckdb).items() for _ in range(share)]
    return wheel[index % len(wheel)]


# ---------------------------------------------------------------- one case
def run_case(seed: int, duckdb: bool = False) -> tuple[str, str | None]:
    """The category of the case of a seed, and its failure (None: it passed)."""
    category = _category(seed, duckdb)
    start = time.perf_counter()
    try:
        failure = _RUNNERS[category](seed)
    except Exception as error:  # a fuzzer records whatever escapes
        frame = traceback.extract_tb(error.__traceback__)[-1]
        failure = f"{type(error).__name__} at {Path(frame.filename).name}:{frame.lineno}: {error}"[:300]
    took = time.perf_counter() - start
    if failure is None and took > SLOW:
        failure = f"slow: {took:.1f} s"
    return category, failure


def _differential(category: str) -> Callable[[int], str | None]:
    def run(seed: int) -> str | None:
        case, outcome = differential.one(seed, category)
        if not outcome.failed:
            return None
        def again(c: Any) -> Any:
            return differential.one_again(c, category)
        small = differential.shrink(case, lambda c: bool(again(c).failed))
        return (f"seed {seed}: {outcome.failure}\n--- shrunk, it gives: {again(small).failure}\n"
                f"{differential.reproducer(small)}")
    return run


def _on_duckdb(category: str) -> Callable[[int], str | None]:
    """A differential category's case scored by the SQL back-end on DuckDB, against the reference."""
    def run(seed: int) -> str | None:
        case, _ = differential.one(seed, category)
        outcome = differential.run_on_duckdb(case)
        if not outcome.failed:
            return None
        small = differential.shrink(case, lambda c: differential.run_on_duckdb(c).failed)
        return (f"seed {seed}: {outcome.failure}\n--- shrunk, it gives: {differential.run_on_duckdb(small).failure}\n"
                f"{differential.reproducer(small)}")
    return run


def _drawn(strategy: st.SearchStrategy[Any], body: Callable[[Any], object]) -> Callable[[int], str | None]:
    """A hypothesis strategy drawn once from a seed, and the body run on it."""
    def run(seed: int) -> str | None:
        @hypothesis_seed(seed)
        @settings(max_examples=1, deadline=None, database=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(strategy)
        def case(value: Any) -> None:
            body(value)
        case()
        return None
    return run


def _spoiled(pair: tuple[str, Any]) -> None:
    name, data = pair
    standard = fuzzing.LOADED[name]
    fuzzing.outcome(standard, data.draw(fuzzing.spoiled_cohorts(standard)))


def _mutations() -> st.SearchStrategy[str]:
    return st.sampled_from(sorted(fuzzing.STANDARDS)).flatmap(
        lambda name: fuzzing.mutations(fuzzing.STANDARDS[name].read_text(encoding="utf-8")))


_RUNNERS: dict[str, Callable[[int], str | None]] = {
    "standards and cohorts": _differential("standards and cohorts"),
    "data files": _differential("data files"),
    "use chains": _differential("use chains"),
    "documents": _differential("documents"),
    "entity types": _differential("entity types"),
    "random programs": _drawn(fuzzing.programs(), fuzzing.load_outcome),
    "mutated standards": _drawn(_mutations(), fuzzing.load_outcome),
    "spoiled statistics": _drawn(st.tuples(st.sampled_from(sorted(fuzzing.LOADED)), st.data()), _spoiled),
    "standards and cohorts on duckdb": _on_duckdb("standards and cohorts"),
    "entity types on duckdb": _on_duckdb("entity types"),
}


# ---------------------------------------------------------------- a campaign
def _seeds(first: int, cases: int, until: float) -> Iterator[int]:
    for index in range(cases):
        if time.monotonic() > until:
            return
        yield first + index


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10**9, help="at most this many cases")
    parser.add_argument("--minutes", type=float, default=60 * 24, help="at most this long")
    parser.add_argument("--seed", type=int, default=0, help="the first case's seed")
    parser.add_argument("--workers", type=int, default=1, help="processes (cases are independent)")
    parser.add_argument("--duckdb", action="store_true", help="also score generated cases on DuckDB (the sql extra)")
    args = parser.parse_args(argv)
    start = time.monotonic()
    seeds = _seeds(args.seed, args.cases, start + args.minutes * 60)
    tried: Counter[str] = Counter()
    failures: dict[str, dict[str, None]] = {}
    with multiprocessing.Pool(args.workers) if args.workers > 1 else _Serial() as pool:
        for category, failure in pool.imap_unordered(functools.partial(run_case, duckdb=args.duckdb), seeds,
                                                     chunksize=64):
            tried[category] += 1
            if failure is not None and failure not in failures.get(category, {}):
                failures.setdefault(category, {})[failure] = None
                print(f"FAILED ({category}): " + failure.replace("\n", "\n    "), flush=True)
            total = sum(tried.values())
            if total % 10_000 == 0:
                _progress(total, time.monotonic() - start, sum(len(f) for f in failures.values()))
    _report(tried, failures, time.monotonic() - start, _mix(args.duckdb))
    return 1 if failures else 0


class _Serial:
    """multiprocessing.Pool's imap_unordered, in this process."""

    def __enter__(self) -> _Serial:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def imap_unordered(self, function: Callable[[int], Any], items: Iterator[int], chunksize: int) -> Iterator[Any]:
        return map(function, items)


def _progress(total: int, seconds: float, failed: int) -> None:
    print(f"  {total} cases, {total / seconds:.0f} a second, {failed} failures", flush=True)


def _report(tried: Counter[str], failures: dict[str, dict[str, None]], seconds: float, mix: dict[str, int]) -> None:
    total = sum(tried.values())
    print(f"{total} cases in {seconds:.0f} s: {total / max(seconds, 1e-9):.0f} cases a second")
    for category in mix:
        found = failures.get(category, {})
        print(f"{category}: {tried[category]} tried, {len(found)} distinct failures")
        for failure in found:
            print("  " + failure.replace("\n", "\n    "))


if __name__ == "__main__":
    sys.exit(main())
