"""Uncertainty and sensitivity analysis: 10,000 draws over the city and the county cohorts, and the
Sobol' indices of the toy standard beside their closed forms (issue 15, item 4).

    python bench/bench_sensitivity.py                 # 10,000 draws, city and county, and the toy
    python bench/bench_sensitivity.py --samples 2000  # quicker

For each standard and its bundled cohort, with the spec below (four parameters: a leaf's weight,
a group's weight, a leaf's thresholds, a level's bar), `scr.sensitivity` is run --rounds times
and its wall time taken (median): the whole analysis, Sobol' indices included, in a process that
has imported numpy, SALib and scipy once (the first run's time, imports and all, is shown too).
Before timing, the fast path is verified on --verify draws against the library scoring each
perturbed plan (the exact path), totals, ranks and ratings, exactly.

The hand-written baseline, for the city: bench/handwritten_city.py's `score_cohort` (plain
floats) timed on the same cohort in the same run; what it would take to score the cohort once
per draw is its time x the draws, and `speed` = that / the analysis's time. (The hand-written
loop knows one set of weights; re-scoring it per draw is the naive way to do this analysis.)
Then the toy standard (tests/fixtures/sensitivity-toy.scs) at --toy-samples draws: each index
of 甲's rank and total beside its closed form.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from fractions import Fraction
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import handwritten_city  # noqa: E402

import smartcity_rules as scr  # noqa: E402
from smartcity_rules.toolkit.sensitivity import Cohort, exact_scores, sensitivity  # noqa: E402
from smartcity_rules.toolkit.sensitivity_fast import FastScorer  # noqa: E402
from smartcity_rules.toolkit.sensitivity_plan import perturbed  # noqa: E402
from smartcity_rules.toolkit.sensitivity_spec import loads_spec  # noqa: E402

EXAMPLES = ROOT / "standards" / "examples"
FIXTURES = ROOT / "tests" / "fixtures"
CASES = {
    "city": (ROOT / "standards" / "shandong-city-2019.scs", EXAMPLES / "city-cohort.json",
             (EXAMPLES / "shandong-city-2019.sensitivity.toml").read_text("utf-8")),
    "county": (ROOT / "standards" / "shandong-county-2019.scs", EXAMPLES / "county-cohort.json", """
[[weight]]
of = "indicator 1"
low = 1
high = 3
step = 0.25
[[weight]]
of = 'group "数字惠民"'
distribution = "triangular"
low = 30
mode = 36
high = 42
step = 0.5
[[threshold]]
of = "indicator 2"
low = -0.1
high = 0.1
step = 0.01
[[threshold]]
of = "level 4"
distribution = "normal"
mean = 70
sd = 2.5
low = 65
high = 75
step = 0.5
"""),
}
# The toy's closed forms (tests/test_sensitivity.py derives them): rank of 甲 = 1 + [w_C > w_A].
ANALYTIC = {
    "rank of 甲": {"indicator A": (1 / 3, 2 / 3), "indicator B": (0.0, 0.0), "indicator C": (1 / 3, 2 / 3)},
    "total of 甲": {"indicator A": (25 / 34, 25 / 34), "indicator B": (9 / 34, 9 / 34), "indicator C": (0.0, 0.0)},
}


def verify(standard: scr.Standard, records: list[dict[str, object]], text: str, draws: int) -> None:
    spec = loads_spec(text, standard.plan)
    cohort = Cohort(standard, records)
    rng = np.random.default_rng(3)
    picks = np.column_stack([rng.integers(0, len(q.values), draws) for q in spec.parameters])
    total, ratings, _ = FastScorer(cohort.base, spec.parameters).score(picks)
    for row, draw in enumerate(picks.tolist()):
        totals, rated = exact_scores(perturbed(standard.plan, spec.parameters, draw), cohort.batch)
        assert [Fraction(int(v), total.den) for v in total.ints[row]] == totals, draw
        assert ratings is not None and ratings[row].tolist() == rated, draw


def timed(standard: scr.Standard, records: list[dict[str, object]], text: str, samples: int,
          rounds: int) -> tuple[float, list[float], int]:
    spec = loads_spec(text, standard.plan)
    first = time.perf_counter()
    result = sensitivity(standard, records, spec, samples=samples, seed=1)
    cold = time.perf_counter() - first
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        sensitivity(standard, records, spec, samples=samples, seed=1)
        times.append(time.perf_counter() - start)
    return cold, times, result.samples


def handwritten(data: Path, seconds: float = 0.5) -> float:
    """Seconds the hand-written loop takes to score the cohort once (as floats, as json.load gives it)."""
    cohort = json.loads(data.read_text("utf-8"))
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        handwritten_city.score_cohort(cohort)
        count += 1
    return (time.perf_counter() - start) / count


def toy(samples: int) -> list[str]:
    standard = scr.load(FIXTURES / "sensitivity-toy.scs")
    result = sensitivity(standard, scr.read_records(FIXTURES / "sensitivity-toy.json"),
                         FIXTURES / "sensitivity-toy.toml", samples=samples)
    lines = [f"toy standard, {result.samples} draws (seed {result.seed}):", "",
             "| output | weight | S1 | analytic S1 | ST | analytic ST |", "|---|---|---|---|---|---|"]
    outputs = {o.output: o for o in (*result.ranks, *result.totals)}
    for output, expected in ANALYTIC.items():
        for index in outputs[output].indices:
            first, total = expected[index.parameter]
            lines.append(f"| {output} | {index.parameter} | {index.first:.3f} ± {index.first_conf:.3f} | "
                         f"{first:.3f} | {index.total:.3f} ± {index.total_conf:.3f} | {total:.3f} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=10_000, help="draws asked for (default 10,000)")
    parser.add_argument("--rounds", type=int, default=3, help="timed runs per standard (default 3)")
    parser.add_argument("--verify", type=int, default=50, help="draws verified against the exact path (default 50)")
    parser.add_argument("--toy-samples", type=int, default=20_000, help="draws for the toy's indices")
    args = parser.parse_args()
    print(f"| cohort | entities | draws | first run (s) | median of {args.rounds} (s) | range (s) | "
          "hand-written x draws (s) | speed |")
    print("|---|---|---|---|---|---|---|---|")
    for name, (path, data, text) in CASES.items():
        standard = scr.load(path)
        records = scr.read_records(data)
        verify(standard, records, text, args.verify)
        cold, times, draws = timed(standard, records, text, args.samples, args.rounds)
        median = statistics.median(times)
        baseline = handwritten(data) * draws if name == "city" else None
        speed = "" if baseline is None else f"{baseline / median:.1f}x"
        print(f"| {name} | {len(records)} | {draws} | {cold:.2f} | {median:.2f} | {min(times):.2f}-{max(times):.2f} | "
              f"{'' if baseline is None else f'{baseline:.2f}'} | {speed} |")
    print()
    print("\n".join(toy(args.toy_samples)))


if __name__ == "__main__":
    main()
