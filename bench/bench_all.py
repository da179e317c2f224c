"""Every speed figure of issue 12 in one table, as ratios to the hand-written loop timed in the same run.

    python bench/bench_all.py [--sizes 1000,10000,100000] [--million] [--rounds N] [--verify N] [--engines batch]

Workloads: the synthetic "one city" peer workload (bench/peer_workload.py, int inputs), the city
standard with its bundled cohort as `read_records` gives it (decimals as strings), and the city
standard with float inputs (the cohort as `json.load` gives it); the city cohorts are copies of
its 16 cities, renamed. Each engine is first verified on the first `--verify` records (the peer
workload against its exact loop in Fractions, on every star, the total and the rating; the city
against bench/handwritten_city.py as bench_city.py checks it), then timed, interleaved round by
round with the hand-written loop on the same records. `speed` is hand-written time / engine
time: above 1 the engine is faster. Setup rows time parse, check and compile (lower, generate,
compile the generated code) of each standard, warm, against the hand-written loop's time for
one record. See bench/README.md.

Engines are a registry: a back-end adds its rows with `register(Engine(...))` (see ENGINES).
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CITY = ROOT / "standards" / "shandong-city-2019.scs"
COHORT = ROOT / "standards" / "examples" / "city-cohort.json"
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(ROOT))  # the checkout's library, installed or not

import peer_workload as peer  # noqa: E402
from bench_city import disagreements  # noqa: E402
from handwritten_city import score_cohort  # noqa: E402

import smartcity_rules as scr  # noqa: E402
from smartcity_rules.data.records import read_records  # noqa: E402
from smartcity_rules.language import parse as parse_module  # noqa: E402
from smartcity_rules.language.check import check  # noqa: E402
from smartcity_rules.language.link import link  # noqa: E402
from smartcity_rules.language.parse import parse_file  # noqa: E402

Records = list[dict[str, Any]]


@dataclass(frozen=True)
class Workload:
    name: str
    standard: Path
    records: Callable[[int], Records]  # what the engines score
    hand_records: Callable[[int], Records]  # the same statistics as the hand-written loop takes them
    hand: Callable[[Records], object]
    verify: Callable[[scr.Standard, Callable[[Records], Sequence[Any]], Records, Records], list[str]]


@dataclass(frozen=True)
class Engine:
    """A way to score a workload's records: `prepare(standard)` returns the timed call, which
    returns one result per record with `total` and `rating_rank` (and `indicators` when the
    engine builds them), for verification. `columns`: the timed call takes the records as
    columns (`as_columns`, converted before the clock starts), as a batch engine reads a table
    in memory; it takes records too, for verification."""

    name: str
    exact: bool
    prepare: Callable[[scr.Standard], Callable[[Any], Sequence[Any]]]
    columns: bool = False


def _totals(standard: scr.Standard) -> Callable[[Records], Sequence[Any]]:
    def run(records: Records) -> Sequence[Any]:
        results = standard.evaluate_cohort(records)
        for e in results:
            _ = (e.total, e.rating_rank)
        return results
    return run


def _every_indicator(standard: scr.Standard) -> Callable[[Records], Sequence[Any]]:
    def run(records: Records) -> Sequence[Any]:
        results = standard.evaluate_cohort(records)
        for e in results:
            _ = (e.total, e.rating_rank, [(i.stars, i.points) for i in e.indicators])
        return results
    return run


def as_columns(records: Records) -> dict[str, Any]:
    """The records as a table of numpy columns, one per key (None where a record lacks it):
    int64 or float64 where every value is one, else objects (decimal strings stay strings)."""
    import numpy as np

    keys = list(dict.fromkeys(key for record in records for key in record))
    return {key: _column([record.get(key) for record in records], np) for key in keys}


def _column(values: list[Any], np: Any) -> Any:
    dtype = {frozenset({int}): np.int64, frozenset({float}): np.float64, frozenset({bool}): np.bool_}.get(
        frozenset(map(type, values)))
    if dtype is not None:
        return np.array(values, dtype=dtype)
    found = np.empty(len(values), dtype=object)
    found[:] = values
    return found


class _TableRows(Sequence[Any]):
    """A table's result as one result a row, for verification (made when first read)."""

    def __init__(self, result: Any) -> None:
        self.result = result

    def __len__(self) -> int:
        return len(self.result)

    def __getitem__(self, row: Any) -> Any:
        return self.result.evaluations()[row]

    def __iter__(self) -> Any:
        return iter(self.result.evaluations())


def _table(standard: scr.Standard) -> Callable[[Any], Sequence[Any]]:
    def run(data: Any) -> Sequence[Any]:
        result = standard.evaluate_table(as_columns(data) if isinstance(data, list) else data)
        _ = (result.total, result.rating)  # every row's total and rating, a column at a time
        return _TableRows(result)
    return run


ENGINES: list[Engine] = [
    Engine("evaluate_cohort: total, rating", True, _totals),
    Engine("evaluate_cohort: + every indicator", True, _every_indicator),
    Engine("batch: evaluate_table, columns in memory", True, _table, columns=True),
]


def register(engine: Engine) -> None:
    """Add an engine's rows to the table (e.g. a batch back-end's `evaluate_table`)."""
    ENGINES.append(engine)


# ---------------------------------------------------------------- workloads
def _copies(base: Records, count: int) -> Records:
    return [{**record, "entity": f"{record['entity']}#{k}" if k else record["entity"]}
            for k in range(-(-count // len(base))) for record in base][:count]


def _city_json() -> Records:
    return list(json.loads(COHORT.read_text(encoding="utf-8")))


def _verify_city(standard: scr.Standard, run: Callable[[Records], Sequence[Any]], records: Records,
                 hand_records: Records) -> list[str]:
    results = run(records)
    return disagreements(standard, records, results, hand_records)


def _verify_peer(standard: scr.Standard, run: Callable[[Records], Sequence[Any]], records: Records,
                 hand_records: Records) -> list[str]:
    exact = peer.score_peer(records, PEER_TABLE, exact=True)
    problems = []
    for e, (total, rating, stars) in zip(run(records), exact, strict=True):
        if e.total != total or e.rating_rank != rating:
            problems.append(f"{e.entity}: total {e.total}, rating {e.rating_rank}; exact {total}, {rating}")
        elif hasattr(e, "indicators") and [i.stars for i in e.indicators][:len(stars)] != stars:
            problems.append(f"{e.entity}: stars differ from the exact loop's")
    return problems


PEER_TABLE = peer.indicators()
_PEER: dict[int, Records] = {}


def _peer_records(count: int) -> Records:
    if count not in _PEER:
        _PEER.clear()  # one size at a time: 100,000 records hold a few hundred MB
        _PEER[count] = peer.records(PEER_TABLE, count)
    return _PEER[count]


WORKLOADS = [
    Workload("peer, int inputs", peer.STANDARD, _peer_records, _peer_records,
             lambda records: peer.score_peer(records, PEER_TABLE), _verify_peer),
    Workload("city, as read_records gives it", CITY, lambda n: _copies(read_records(COHORT), n),
             lambda n: _copies(_city_json(), n), score_cohort, _verify_city),
    Workload("city, float inputs", CITY, lambda n: _copies(_city_json(), n), lambda n: _copies(_city_json(), n),
             score_cohort, _verify_city),
]


# ---------------------------------------------------------------- timing
# CPU time of this process by default: on a shared machine, time spent waiting for a core is
# not the code's; --wall times by the clock on the wall instead.
CLOCK: list[Callable[[], float]] = [time.process_time]


def _seconds(work: Callable[[], object], least: float) -> float:
    """Seconds per call: calls repeated until they take `least` seconds, after a collection."""
    clock = CLOCK[0]
    calls, elapsed = 0, 0.0
    gc.collect()
    start = clock()
    while elapsed < least or not calls:
        work()
        calls += 1
        elapsed = clock() - start
    return elapsed / calls


def _interleaved(works: dict[str, Callable[[], object]], rounds: int, least: float) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {name: [] for name in works}
    names = list(works)
    for r in range(rounds):
        for name in names if r % 2 == 0 else names[::-1]:
            samples[name].append(_seconds(works[name], least))
    return samples


@dataclass(frozen=True)
class Row:
    workload: str
    records: int | str
    engine: str
    microseconds: float  # per record (per load for setup rows)
    speed: float | None  # hand-written time / engine time
    spread: tuple[float, float] | None  # range of the per-round speeds
    exact: str
    verified: str


def per_record_rows(workload: Workload, sizes: Sequence[int], rounds: int, verify: int,
                    least: float = 0.2) -> list[Row]:
    standard = scr.load(workload.standard)
    runs = {engine.name: engine.prepare(standard) for engine in ENGINES}
    checked = {}
    sample, hand_sample = workload.records(verify), workload.hand_records(verify)
    for engine in ENGINES:
        problems = workload.verify(standard, runs[engine.name], sample, hand_sample)
        checked[engine.name] = "yes" if not problems else f"NO: {problems[0]}"
    return [row for size in sizes for row in _size_rows(workload, size, runs, checked, rounds, least)]


def _size_rows(workload: Workload, size: int, runs: dict[str, Callable[[Any], Sequence[Any]]],
               checked: dict[str, str], rounds: int, least: float) -> list[Row]:
    records, hand_records = workload.records(size), workload.hand_records(size)
    columns = as_columns(records) if any(engine.columns for engine in ENGINES) else None
    works: dict[str, Callable[[], object]] = {"hand-written": lambda: workload.hand(hand_records)}
    for engine in ENGINES:
        given = columns if engine.columns else records
        works[engine.name] = functools.partial(runs[engine.name], given)
    samples = _interleaved(works, rounds, least)
    hand = samples.pop("hand-written")
    rows = [Row(workload.name, size, "hand-written loop, floats", statistics.median(hand) / size * 1e6,
                1.0, None, "no", "-")]
    for engine in ENGINES:
        times = samples[engine.name]
        spread = [h / t for h, t in zip(hand, times)]
        rows.append(Row(workload.name, size, engine.name, statistics.median(times) / size * 1e6,
                        statistics.median(hand) / statistics.median(times), (min(spread), max(spread)),
                        "yes" if engine.exact else "no", checked[engine.name]))
    return rows


def setup_rows(workload: Workload, rounds: int, least: float = 0.1) -> list[Row]:
    """parse, check and compile of the workload's standard, warm (modules imported, the grammar's
    parser built): the parse once uncached, once as a load meets it again (parse keeps trees)."""
    path = workload.standard
    text = path.read_text(encoding="utf-8")
    tree = link(parse_file(path))
    checked = check(tree)
    steps: dict[str, Callable[[], object]] = {
        "parse, not kept": lambda: parse_module._parse.__wrapped__(text, str(path)),
        "check": lambda: check(tree),
        "compile (lower, generate, compile)": lambda: scr.Standard(checked),
        "load: all three, warm": lambda: scr.load(path),
    }
    hand_records = workload.hand_records(len(_city_json()))
    steps["hand-written"] = lambda: workload.hand(hand_records)
    samples = _interleaved(steps, rounds, least)
    one_record = statistics.median(samples.pop("hand-written")) / len(hand_records)
    return [Row(workload.name, "setup", step, statistics.median(times) * 1e6,
                one_record / statistics.median(times), None, "-", "-") for step, times in samples.items()]


def _cells(row: Row) -> tuple[str, ...]:
    if row.records == "setup":  # the time of one load, and how many records the hand-written loop scores in it
        amount = f"{row.microseconds / 1000:.1f} ms/load"
        speed = "-" if row.speed is None else f"= {1 / row.speed:,.0f} hand-written records"
    else:
        amount = f"{row.microseconds:.1f}"
        speed = "-" if row.speed is None else f"{row.speed:.2f}x"
    spread = "-" if row.spread is None else f"{row.spread[0]:.2f}-{row.spread[1]:.2f}"
    records = f"{row.records:,}" if isinstance(row.records, int) else row.records
    return (row.workload, records, row.engine, amount, speed, spread, row.exact, row.verified)


def render(rows: Sequence[Row]) -> str:
    """The rows as one Markdown table."""
    lines = [("workload", "records", "engine", "us/record", "speed vs hand-written", "per-round range", "exact",
              "verified"), *map(_cells, rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    out = ["| " + " | ".join(cell.ljust(width) for cell, width in zip(line, widths)) + " |" for line in lines]
    out.insert(1, "|" + "|".join("-" * (width + 2) for width in widths) + "|")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="records per cohort, comma-separated")
    parser.add_argument("--million", action="store_true", help="add 1,000,000 records (several GB of dicts)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved timed rounds (default 5)")
    parser.add_argument("--verify", type=int, default=1000, help="records each engine is verified on")
    parser.add_argument("--workloads", default="", help="only workloads whose name contains this")
    parser.add_argument("--engines", default="", help="only engines whose name contains this (e.g. batch)")
    parser.add_argument("--wall", action="store_true", help="time by the wall clock, not this process's CPU time")
    parser.add_argument("--seconds", type=float, default=0.2, help="least time of one sample (default 0.2 s)")
    args = parser.parse_args(argv)
    if args.wall:
        CLOCK[0] = time.perf_counter
    sizes = [int(size) for size in args.sizes.split(",") if size] + ([1_000_000] if args.million else [])
    ENGINES[:] = [engine for engine in ENGINES if args.engines in engine.name]
    chosen = [w for w in WORKLOADS if args.workloads in w.name]
    rows: list[Row] = []
    for workload in chosen:
        if workload.standard not in {w.standard for w in chosen[:chosen.index(workload)]}:
            rows += setup_rows(workload, args.rounds, args.seconds / 2)
        rows += per_record_rows(workload, sizes, args.rounds, args.verify, args.seconds)
        print(f"... {workload.name}: done", file=sys.stderr)
    print(render(rows))
    clock = "wall-clock" if args.wall else "CPU"
    print(f"\n{sys.implementation.name} {sys.version.split()[0]}, {args.rounds} interleaved rounds, medians of "
          f"{clock} time; speed = hand-written time / engine time")
    return 0 if all(row.verified in ("yes", "-") for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
