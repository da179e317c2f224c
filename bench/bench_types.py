"""What routing by entity type costs: a typed standard on a mixed cohort, against each type's own
standard on its part of the cohort, split beforehand (the same scoring without the routing).

    python bench/bench_types.py                  # 6,000 records, 7 rounds
    python bench/bench_types.py --records 30000 --repeat 5

Agreement first: both give every entity the same total and rating, or the script exits 1.
Then interleaved rounds (a b, b a, ...); the ratio of the medians is printed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import smartcity_rules as scr

ROOT = Path(__file__).resolve().parent.parent
STANDARD = ROOT / "standards" / "examples" / "county-and-city.scs"
COHORT = ROOT / "standards" / "examples" / "county-and-city-cohort.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=6000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    standard = scr.load(STANDARD)
    base = scr.read_records(COHORT)
    records = [{**r, "entity": f"{r['entity']}#{k}"} for k in range(max(1, args.records // len(base))) for r in base]
    key = "类型"
    parts = {t: [{k: v for k, v in r.items() if k != key} for r in records if r[key] == t]
             for t in standard.entity_types}

    def typed() -> dict[str, Any]:
        return {e.entity: (e.total, e.rating_rank) for e in standard.evaluate_cohort(records)}

    def split() -> dict[str, Any]:
        return {e.entity: (e.total, e.rating_rank) for t, part in parts.items()
                for e in standard.variant(t).evaluate_cohort(part)}

    if typed() != split():
        print("the typed standard and its types' standards disagree", file=sys.stderr)
        return 1
    samples: dict[str, list[float]] = {"typed": [], "split": []}
    for round_ in range(args.repeat):
        order = [("typed", typed), ("split", split)]
        for name, run in order if round_ % 2 == 0 else reversed(order):
            start = time.perf_counter()
            run()
            samples[name].append((time.perf_counter() - start) / len(records) * 1e6)
    typed_us, split_us = (statistics.median(samples[n]) for n in ("typed", "split"))
    print(f"{len(records)} records, {args.repeat} rounds: typed {typed_us:.1f} µs/record, "
          f"split beforehand {split_us:.1f} µs/record, ratio {typed_us / split_us:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
