"""A longer fuzzing run than the test suite's: random programs, random formulas checked
against the reference interpreter, mutated shipped standards and spoiled statistics.

    python tools/fuzz.py --minutes 3          # or --examples 2000 (per campaign)

Prints how many programs and records it tried and every distinct failure (an exception
that is not one of the library's own, a disagreement with the reference interpreter, or a
case slower than --slow seconds), with the smallest input that showed it.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the tests package, from a checkout

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

import smartcity_rules as scr
from smartcity_rules.testing import cohorts
from tests import fuzzing, oracle

CHUNK = 50  # cases per hypothesis run; the clock is read between runs


class Campaign:
    """Runs one kind of fuzz case until its time or example budget is spent, noting failures."""

    def __init__(self, name: str, slow: float) -> None:
        self.name = name
        self.slow = slow
        self.tried = 0
        self.failures: dict[str, str] = {}  # kind of failure -> smallest input seen

    def run(self, strategy: st.SearchStrategy[Any], body: Callable[[Any], None], seconds: float,
            examples: int) -> None:
        """Runs of CHUNK generated cases, each from a new seed, until time or examples run out."""
        until = time.monotonic() + seconds
        for chunk_seed in itertools.count():
            if time.monotonic() > until or self.tried >= examples:
                return

            @seed(chunk_seed)
            @settings(max_examples=min(CHUNK, examples - self.tried), deadline=None, database=None,
                      phases=[Phase.generate], suppress_health_check=list(HealthCheck))
            @given(strategy)
            def case(value: Any) -> None:
                self.tried += 1
                self._one(body, value)

            case()

    def _one(self, body: Callable[[Any], None], value: Any) -> None:
        start = time.perf_counter()
        try:
            body(value)
        except Exception as error:  # a fuzzer records whatever escapes
            frame = traceback.extract_tb(error.__traceback__)[-1]
            self._note(f"{type(error).__name__} at {Path(frame.filename).name}:{frame.lineno}: {error}"[:300], value)
        took = time.perf_counter() - start
        if took > self.slow:
            self._note(f"slow: {took:.1f} s", value)

    def _note(self, kind: str, value: Any) -> None:
        shown = repr(value)
        if kind not in self.failures or len(shown) < len(self.failures[kind]):
            self.failures[kind] = shown


def _load(text: str) -> None:
    fuzzing.load_outcome(text)


def _formula(pair: tuple[str, Any]) -> None:
    formula, data = pair
    loaded = fuzzing.load_outcome(fuzzing.formula_standard(formula))
    if isinstance(loaded, str):
        return
    cohort = data.draw(cohorts(loaded, max_size=3, zeros=True))
    try:
        expected = oracle.evaluate_cohort(loaded, cohort)
    except scr.DataError:
        try:
            loaded.evaluate_cohort(cohort)
        except scr.DataError:
            return
        raise AssertionError(f"the reference interpreter refused {cohort}, the compiled code did not") from None
    for want, got in zip(expected, loaded.evaluate_cohort(cohort)):
        result = got.indicator(1)
        if (result.value, result.stars, result.points) != want["indicators"][1]:
            raise AssertionError(f"{formula!r}: compiled {result} but the reference gives {want['indicators'][1]}")


def _statistics(pair: tuple[str, Any]) -> None:
    name, data = pair
    standard = LOADED[name]
    cohort = [data.draw(fuzzing.spoiled(standard)) for _ in range(data.draw(st.integers(1, 3)))]
    for index, record in enumerate(cohort):
        record["entity"] = f"E{index}"
    fuzzing.outcome(standard, cohort)


STANDARDS = {path.name: path for path in [*fuzzing.SHIPPED, *fuzzing.FIXTURES]}
LOADED = {name: scr.load(path) for name, path in STANDARDS.items()}


def _mutation_strategy() -> st.SearchStrategy[str]:
    return st.sampled_from(sorted(STANDARDS)).flatmap(
        lambda name: fuzzing.mutations(STANDARDS[name].read_text(encoding="utf-8")))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=3.0, help="total time, shared by the campaigns")
    parser.add_argument("--examples", type=int, default=10**9, help="at most this many cases per campaign")
    parser.add_argument("--slow", type=float, default=10.0, help="report a case slower than this (seconds)")
    args = parser.parse_args(argv)
    plan: list[tuple[str, st.SearchStrategy[Any], Callable[[Any], None]]] = [
        ("random programs", fuzzing.programs(), _load),
        ("random formulas vs the reference interpreter", st.tuples(fuzzing.formulas(), st.data()), _formula),
        ("mutated standards", _mutation_strategy(), _load),
        ("spoiled statistics (records)", st.tuples(st.sampled_from(sorted(LOADED)), st.data()), _statistics),
    ]
    seconds = args.minutes * 60 / len(plan)
    campaigns = []
    for name, strategy, body in plan:
        campaign = Campaign(name, args.slow)
        campaign.run(strategy, body, seconds, args.examples)
        campaigns.append(campaign)
        print(f"{name}: {campaign.tried} tried, {len(campaign.failures)} distinct failures", flush=True)
        for kind, value in campaign.failures.items():
            print(f"  {kind}\n    smallest input: {value[:400]}")
    return 1 if any(c.failures for c in campaigns) else 0


if __name__ == "__main__":
    sys.exit(main())
