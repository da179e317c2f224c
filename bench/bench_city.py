"""Library vs hand-written scoring of the city standard: agreement check, then timing.

    python bench/bench_city.py [--repeat N] [--cohort-copies K] [--round-seconds S]

1. Loads standards/examples/city-cohort.json and builds a cohort of 16 x K records (copy k > 0
   of a city is named "<city>#k"), so the cohort effect (the rank of indicator 17) is part of the work.
2. Checks that bench/handwritten_city.py and the library agree on every indicator's stars, every
   points value (to 1e-9), the total (to 1e-9) and the rating of every city; prints each
   disagreement and exits 1 if there is any.
3. Times, in one process and interleaved round by round, the per-record cost of
     (a) standard.evaluate_cohort(records), reading each result's total and rating_rank;
     (b) the same plus every indicator's (stars, points), i.e. full per-indicator results;
     (c) score_cohort(records), the hand-written scorer (which always builds full results);
   and prints the median per-record microseconds and the ratios a/c and b/c.
See bench/README.md.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
STANDARD = ROOT / "standards" / "shandong-city-2019.scs"
COHORT = ROOT / "standards" / "examples" / "city-cohort.json"
TOLERANCE = 1e-9

sys.path.insert(0, str(HERE))
sys.path.insert(1, str(ROOT))  # the checkout's library, installed or not
from handwritten_city import score_cohort  # noqa: E402

import smartcity_rules as scr  # noqa: E402


def make_cohort(base: list[dict[str, Any]], copies: int) -> list[dict[str, Any]]:
    cohort = []
    for k in range(copies):
        for record in base:
            copy = dict(record)
            if k:
                copy["entity"] = f"{record['entity']}#{k}"
            cohort.append(copy)
    return cohort


def disagreements(standard: scr.Standard, records: list[dict[str, Any]],
                  library: Sequence[scr.Evaluation] | None = None,
                  hand_records: list[dict[str, Any]] | None = None) -> list[str]:
    """Every difference between the library's and the hand-written results: `library`, the
    library's results for `records` (evaluated here when not given), and `hand_records`, the same
    statistics as the hand-written scorer takes them (floats; default: `records`)."""
    problems = []
    library = standard.evaluate_cohort(records) if library is None else library
    hand = {h["entity"]: h for h in score_cohort(records if hand_records is None else hand_records)}
    if len(hand) != len(library):
        problems.append(f"{len(library)} library results, {len(hand)} hand-written results")
    for e in library:
        h = hand.get(e.entity)
        if h is None:
            problems.append(f"{e.entity}: no hand-written result")
            continue
        for i in e.indicators:
            n = i.number
            if n not in h["stars"]:
                problems.append(f"{e.entity} indicator {n}: missing from the hand-written result")
                continue
            if i.stars != h["stars"][n]:
                value = "" if i.value is None else f" (exact value {i.value} ~ {float(i.value)!r})"
                problems.append(f"{e.entity} indicator {n}: stars library {i.stars} "
                                f"!= hand-written {h['stars'][n]}{value}")
            if abs(float(i.points) - h["points"][n]) > TOLERANCE:
                problems.append(f"{e.entity} indicator {n}: points library {i.points} "
                                f"!= hand-written {h['points'][n]!r}")
        extra = set(h["stars"]) - {i.number for i in e.indicators}
        if extra:
            problems.append(f"{e.entity}: hand-written has extra indicators {sorted(extra)}")
        if abs(float(e.total) - h["total"]) > TOLERANCE:
            problems.append(f"{e.entity}: total library {e.total} != hand-written {h['total']!r}")
        if e.rating_rank != h["rating"]:
            problems.append(f"{e.entity}: rating library {e.rating_rank} "
                            f"!= hand-written {h['rating']}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=15, help="timed rounds (default 15)")
    parser.add_argument("--cohort-copies", type=int, default=1,
                        help="cohort = 16 x K records (default K=1)")
    parser.add_argument("--round-seconds", type=float, default=0.12,
                        help="target time of one variant in one round (default 0.12 s)")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.cohort_copies < 1 or args.round_seconds <= 0:
        parser.error("--repeat and --cohort-copies must be >= 1, --round-seconds > 0")

    standard = scr.load(STANDARD)
    base = json.loads(COHORT.read_text(encoding="utf-8"))
    records = make_cohort(base, args.cohort_copies)
    n = len(records)

    # ---- agreement first
    problems = disagreements(standard, base)
    if args.cohort_copies > 1:
        problems += disagreements(standard, records)
    if problems:
        print(f"DISAGREEMENT between the library and bench/handwritten_city.py "
              f"({len(problems)}):")
        for line in problems:
            print("  " + line)
        return 1
    print(f"agreement: {n} records x 49 indicators (stars, points, total, rating) - OK")

    # ---- the three variants
    def library_totals() -> None:
        for e in standard.evaluate_cohort(records):
            _ = (e.total, e.rating_rank)

    def library_full() -> None:
        for e in standard.evaluate_cohort(records):
            _ = (e.total, e.rating_rank)
            _ = [(i.stars, i.points) for i in e.indicators]

    def handwritten() -> None:
        score_cohort(records)

    variants = [
        ("a", "library evaluate_cohort (total, rating)", library_totals),
        ("b", "library + per-indicator (stars, points)", library_full),
        ("c", "hand-written score_cohort", handwritten),
    ]

    # Calibrate: calls per round so that each variant takes about --round-seconds per round.
    calls = {}
    for key, _, fn in variants:
        fn()  # warm up
        start = time.perf_counter_ns()
        fn()
        one = max(time.perf_counter_ns() - start, 1)
        calls[key] = max(1, round(args.round_seconds * 1e9 / one))

    samples: dict[str, list[float]] = {key: [] for key, _, _ in variants}
    for r in range(args.repeat):
        order = variants if r % 2 == 0 else variants[::-1]  # a b c, c b a, ...
        for key, _, fn in order:
            k = calls[key]
            gc.collect()
            start = time.perf_counter_ns()
            for _ in range(k):
                fn()
            elapsed = time.perf_counter_ns() - start
            samples[key].append(elapsed / k / n / 1000)  # microseconds per record

    median = {key: statistics.median(s) for key, s in samples.items()}
    print()
    print(f"{'variant':<46} {'median':>9} {'min':>9} {'max':>9}  calls/round")
    print(f"{'':<46} {'us/rec':>9} {'us/rec':>9} {'us/rec':>9}")
    for key, label, _ in variants:
        s = samples[key]
        print(f"({key}) {label:<42} {median[key]:9.2f} {min(s):9.2f} {max(s):9.2f}  {calls[key]:>6}")
    print()
    ac = median["a"] / median["c"]
    bc = median["b"] / median["c"]
    # Per-round ratios show how stable the ratio is on this machine.
    round_ac = [a / c for a, c in zip(samples["a"], samples["c"], strict=True)]
    round_bc = [b / c for b, c in zip(samples["b"], samples["c"], strict=True)]
    print(f"a/c = {ac:.2f}x   (per-round range {min(round_ac):.2f}-{max(round_ac):.2f})")
    print(f"b/c = {bc:.2f}x   (per-round range {min(round_bc):.2f}-{max(round_bc):.2f})")
    print(f"ratio library/handwritten: {ac:.1f}x, with per-indicator results {bc:.1f}x "
          f"(median of {args.repeat} rounds, {n} records)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
