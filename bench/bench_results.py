"""What building results costs next to the evaluation itself, through the back-end seam.

    python bench/bench_results.py [--records N] [--repeat R]

Scores N records of the city standard (copies of the bundled cohort, renamed) and times,
as medians of R runs in one process:
  (e) the back-end's run: Executor.run(batch) -> result columns;
  (b) building the results: one Evaluation row view per record, with its total and rating;
  (i) every indicator's result for every record, on top (lazy: only callers who ask pay).
Prints the seconds and the ratios b/e and i/e. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the checkout's library, installed or not

import smartcity_rules as scr  # noqa: E402
from smartcity_rules.results.evaluate import ScoredBatch  # noqa: E402
from smartcity_rules.results.evaluation import Evaluation  # noqa: E402


def records(count: int) -> list[dict[str, object]]:
    base = json.loads((ROOT / "standards" / "examples" / "city-cohort.json").read_text(encoding="utf-8"))
    return [{**record, "entity": f"{record['entity']}#{k}"} for k in range(count // len(base) + 1)
            for record in base][:count]


def median_seconds(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    compiled = scr.load(ROOT / "standards" / "shandong-city-2019.scs")._compiled
    batch = compiled.batch(records(args.records))
    columns = compiled.executor.run(batch)

    def build() -> list[object]:
        scored = ScoredBatch(compiled._shape, columns, batch.entities)
        return [(e.total, e.rating_rank) for e in (Evaluation(scored, r) for r in range(len(columns)))]

    def indicators() -> list[object]:
        scored = ScoredBatch(compiled._shape, columns, batch.entities)
        return [Evaluation(scored, r).indicators for r in range(len(columns))]

    evaluation = median_seconds(lambda: compiled.executor.run(batch), args.repeat)
    results = median_seconds(build, args.repeat)
    every = median_seconds(indicators, args.repeat)
    print(f"records {len(columns)}: run {evaluation:.3f} s, results {results:.3f} s, "
          f"every indicator {every:.3f} s")
    print(f"results / run = {results / evaluation:.3f}; every indicator / run = {every / evaluation:.3f}")


if __name__ == "__main__":
    main()
