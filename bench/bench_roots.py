"""Library vs hand-written scoring of the z-score example: agreement check, then timing.

    python bench/bench_roots.py [--repeat N] [--cohort-copies K] [--round-seconds S]

The standard is standards/examples/digital-development-zscore.scs (two z-scores and a square
root, the irrational constructs, decided exactly through plan/surds.py). The cohort is its four
cities of the stored cases, copied K times with jittered internet users (copy k of a city is
"<city>#k"), so z-scores are taken over 4 x K records. The hand-written scorer is what a
developer would write with floats: statistics.stdev and math.sqrt. Agreement is checked on
every total and rating first; then (a) evaluate_cohort reading totals and ratings and (c) the
hand-written scorer are timed interleaved, and the ratio a/c printed (bench/README.md).
"""

from __future__ import annotations

import argparse
import gc
import math
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
STANDARD = ROOT / "standards" / "examples" / "digital-development-zscore.scs"
CITIES = {"甲市": (800000, 20000, 0.9, 0.9), "乙市": (900000, 20000, 0.9, 0.8999),
          "丙市": (700000, 10000, 0.64, 1.0), "丁市": (600000, 10000, 0.25, 0.36)}
THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9)

sys.path.insert(0, str(ROOT))  # the checkout's library, installed or not
import smartcity_rules as scr  # noqa: E402


def make_cohort(copies: int) -> list[dict[str, Any]]:
    cohort = []
    for k in range(copies):
        for name, (internet, firms, broadband, gigabit) in CITIES.items():
            cohort.append({"entity": name if k == 0 else f"{name}#{k}", "population": 1000000,
                           "internet_users": internet + 1000 * k, "digital_firms": firms,
                           "broadband_rate": broadband, "gigabit_rate": gigabit})
    return cohort


def _round(value: float) -> float:
    """Half up at 2 decimals, as the standard says; floats, as a developer would write it, with
    the nudge a careful one adds (without it 10 x 2.39 / 4 = 5.975 rounds to 5.97)."""
    return math.floor(abs(value) * 100 + 0.5 + 1e-9) / 100 * (1 if value >= 0 else -1)


def _linear(z: float) -> float:
    return _round(10 * min(max((z + 2) / 4, 0.0), 1.0))


def score_cohort(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    internet = [r["internet_users"] / r["population"] for r in records]
    firms = [r["digital_firms"] / r["population"] for r in records]
    spreads = [(statistics.fmean(x), statistics.stdev(x)) for x in (internet, firms)]
    results = []
    for record, values in zip(records, zip(internet, firms)):
        z1 = sum(_linear(_round((v - mean) / sd)) for v, (mean, sd) in zip(values, spreads))
        root = math.sqrt(record["broadband_rate"] * record["gigabit_rate"])
        stars = sum(1 for t in THRESHOLDS if root >= t)
        total = _round(_round(z1) + 20 * stars / 5)
        rating = 3 if total >= 30 and root >= 0.9 else 2 if total >= 20 else 1 if total >= 10 else 0
        results.append({"entity": record["entity"], "total": total, "rating": rating})
    return results


def disagreements(standard: scr.Standard, records: list[dict[str, Any]]) -> list[str]:
    hand = {h["entity"]: h for h in score_cohort(records)}
    problems = []
    for e in standard.evaluate_cohort(records):
        h = hand[e.entity]
        if abs(float(e.total) - h["total"]) > 1e-9 or e.rating_rank != h["rating"]:
            problems.append(f"{e.entity}: library {e.total} rank {e.rating_rank}, "
                            f"hand-written {h['total']!r} rank {h['rating']}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--cohort-copies", type=int, default=4)
    parser.add_argument("--round-seconds", type=float, default=0.12)
    args = parser.parse_args(argv)
    standard = scr.load(STANDARD)
    records = make_cohort(args.cohort_copies)
    problems = disagreements(standard, records)
    if problems:
        print("DISAGREEMENT between the library and the hand-written scorer:")
        for line in problems:
            print("  " + line)
        return 1
    print(f"agreement: {len(records)} records (total, rating) - OK")

    def library() -> None:
        for e in standard.evaluate_cohort(records):
            _ = (e.total, e.rating_rank)

    variants: dict[str, Callable[[], object]] = {"a": library, "c": lambda: score_cohort(records)}
    calls = {}
    for key, fn in variants.items():
        fn()
        start = time.perf_counter_ns()
        fn()
        calls[key] = max(1, round(args.round_seconds * 1e9 / max(time.perf_counter_ns() - start, 1)))
    samples: dict[str, list[float]] = {key: [] for key in variants}
    for r in range(args.repeat):
        for key in (variants if r % 2 == 0 else list(variants)[::-1]):
            gc.collect()
            start = time.perf_counter_ns()
            for _ in range(calls[key]):
                variants[key]()
            samples[key].append((time.perf_counter_ns() - start) / calls[key] / len(records) / 1000)
    median = {key: statistics.median(s) for key, s in samples.items()}
    rounds = [a / c for a, c in zip(samples["a"], samples["c"], strict=True)]
    print(f"(a) library evaluate_cohort (total, rating)  {median['a']:9.2f} us/record")
    print(f"(c) hand-written, floats                     {median['c']:9.2f} us/record")
    print(f"ratio library/handwritten: {median['a'] / median['c']:.1f}x (per-round range "
          f"{min(rounds):.1f}-{max(rounds):.1f}; median of {args.repeat} rounds, {len(records)} records)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
