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

from smartcity_rules.testing import cohorts
from tests import fuzzing

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
    """A program or mutated standard: it loads or gives diagnostics, nothing else."""
    fuzzing.load_outcome(text)


def _formula(pair: tuple[str, Any]) -> None:
    """A random formula that loads scores as the reference interpreter does."""
    formula, data = pair
    loaded = fuzzing.load_outcome(fuzzing.formula_standard(formula))
    if isinstance(loaded, str):
        return  # a clean diagnostic
    try:
        fuzzing.agree(loaded, data.draw(cohorts(loaded, max_size=3, zeros=True)))
    except AssertionError as error:
        raise AssertionError(f"{formula!r}: {error}") from None


def _statistics(pair: tuple[str, Any]) -> None:
    """Spoiled statistics score or give one of the library's data errors."""
    name, data = pair
    standard = fuzzing.LOADED[name]
    fuzzing.outcome(standard, data.draw(fuzzing.spoiled_cohorts(standard)))


def _mutation_strategy() -> st.SearchStrategy[str]:
    """Mutations of any shipped standard or fixture."""
    return st.sampled_from(sorted(fuzzing.STANDARDS)).flatmap(
        lambda name: fuzzing.mutations(fuzzing.STANDARDS[name].read_text(encoding="utf-8")))


def main(argv: list[str] | None = None) -> int:
    """Run every campaign for its share of --minutes; exit code 1 when any failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=3.0, help="total time, shared by the campaigns")
    parser.add_argument("--examples", type=int, default=10**9, help="at most this many cases per campaign")
    parser.add_argument("--slow", type=float, default=10.0, help="report a case slower than this (seconds)")
    args = parser.parse_args(argv)
    plan: list[tuple[str, st.SearchStrategy[Any], Callable[[Any], None]]] = [
        ("random programs", fuzzing.programs(), _load),
        ("random formulas vs the reference interpreter", st.tuples(fuzzing.formulas(), st.data()), _formula),
        ("mutated standards", _mutation_strategy(), _load),
        ("spoiled statistics (records)", st.tuples(st.sampled_from(sorted(fuzzing.LOADED)), st.data()), _statistics),
    ]
    seconds = args.minutes * 60 / len(plan)
    campaigns = []
    for name, strategy, body in plan:
        campaign = Campaign(name, args.slow)
        campaign.run(strategy, body, seconds, args.examples)
        campaigns.append(campaign)
        _report(campaign)
    return 1 if any(c.failures for c in campaigns) else 0


def _report(campaign: Campaign) -> None:
    """How many cases a campaign tried, and each distinct failure with its smallest input."""
    print(f"{campaign.name}: {campaign.tried} tried, {len(campaign.failures)} distinct failures", flush=True)
    for kind, value in campaign.failures.items():
        print(f"  {kind}\n    smallest input: {value[:400]}")


if __name__ == "__main__":
    sys.exit(main())
