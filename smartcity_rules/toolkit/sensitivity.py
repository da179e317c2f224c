"""Uncertainty and sensitivity analysis of a standard's weights, thresholds and methods.

`sensitivity(standard, records, spec)` draws the spec's parameters (spec.toml, see
sensitivity_spec.py) by a Saltelli design (SALib: a scrambled Sobol' sequence, seeded), scores
the cohort under every draw, and reports per entity the distribution of its total, rank and
rating (mean, median, 5th-95th percentile rank interval, the probability of each rating), and
first-order and total Sobol' indices, with confidence intervals, of each entity's rank, each
entity's total and the number of entities at each rating.

Every draw is scored exactly. Values are computed once by the library (they do not depend on
the parameters); the draws are then re-scored all at once by sensitivity_fast (int64 numpy,
derived from the plan and its semantics), or, for what it does not cover (a varied
aggregation), each distinct perturbed plan is scored by the library itself (the exact path).
Floats appear only in the statistics of the scores, never in deciding one.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any, cast

import attrs

from ..backends.protocol import Batch
from ..backends.python.executor import PythonBackend
from ..language.diagnostics import Diagnostic
from ..language.errors import InvalidSpec, MissingExtra, UnsupportedConstruct
from ..plan import scoring as p
from ..results.nodes import NodeScores
from ..results.rating import Ratings
from ..standard import Standard, TypedStandard
from .sensitivity_plan import perturbed
from .sensitivity_result import EntityUncertainty, Index, Indices, SensitivityResult
from .sensitivity_spec import Parameter, Spec, load_spec, loads_spec, loads_typed_spec

LOG = logging.getLogger(__name__)
DEFAULT_SAMPLES = 4096
RESAMPLES = 100  # SALib's bootstrap resamples for the confidence intervals
CONFIDENCE = 0.95

__all__ = ["EntityUncertainty", "Index", "Indices", "SensitivityResult", "load_spec", "loads_spec", "sensitivity"]


# ------------------------------------------------------------ the analysis
def _numpy() -> Any:
    try:
        import numpy as np
    except ImportError as error:
        raise MissingExtra("sensitivity analysis needs numpy and SALib: pip install 'smartcity_rules[sensitivity]'",
                           extra="sensitivity") from error
    return np


def _salib() -> tuple[Any, Any]:
    try:
        from SALib.analyze import sobol as analyze
        from SALib.sample import sobol as sample
    except ImportError as error:
        raise MissingExtra("sensitivity analysis needs SALib: pip install 'smartcity_rules[sensitivity]'",
                           extra="sensitivity") from error
    return sample, analyze


def sensitivity(standard: Standard, records: Sequence[Mapping[str, Any]], spec: Spec | str | Path, *,
                samples: int | None = None, seed: int | None = None, engine: str = "auto",
                progress: Callable[[int, int], None] | None = None) -> SensitivityResult:
    """Monte Carlo uncertainty and Sobol' sensitivity of the cohort's totals, ranks and ratings
    under the spec's uncertain weights, thresholds and methods (docs/sensitivity.md).

    `samples` (default: the spec's, else 4096) is the number of draws asked for: the Saltelli
    design scores base x (parameters + 2) draws, base the power of two that makes at least
    that many. `seed` (default: the spec's, else 0) makes the run reproducible. `engine` is
    "fast", "exact" or "auto" (fast where it covers the spec). `progress` is called with the
    number of draws just scored and the number in all, as they are scored."""
    if engine not in ("auto", "fast", "exact"):
        raise UnsupportedConstruct(f"no engine is called {engine!r}: auto, fast or exact")
    if samples is not None and samples < 1:
        raise InvalidSpec([Diagnostic("E0418", f"`samples` must be a whole number of at least 1, not {samples}", None)])
    parts, parameters, spec_seed, spec_samples = _parts(standard, records, spec)
    np = _numpy()
    sample, _ = _salib()
    seed = seed if seed is not None else spec_seed if spec_seed is not None else 0
    wanted = samples if samples is not None else spec_samples if spec_samples is not None else DEFAULT_SAMPLES
    base = 2 ** max(1, math.ceil(math.log2(max(1, math.ceil(wanted / (len(parameters) + 2))))))
    problem = _problem(parameters)
    units = sample.sample(problem, base, calc_second_order=False, scramble=True, seed=seed)
    draws = np.column_stack([_indices(q, units[:, j]) for j, q in enumerate(parameters)]).astype(np.int64)
    used, outcome = _score(parts, draws, len(records), engine, progress)
    return _result(standard.title, parts, parameters, problem, draws, outcome, used, base, seed)


@attrs.frozen
class Part:
    """Entities scored by one plan: all of them, or those of one entity type (their `rows` in the
    cohort), with the parameters that plan has (their `columns` among the spec's)."""

    cohort: Cohort
    rows: tuple[int, ...]
    parameters: tuple[Parameter, ...]
    columns: tuple[int, ...]


def _parts(standard: Standard, records: Sequence[Mapping[str, Any]],
           spec: Spec | str | Path) -> tuple[list[Part], tuple[Parameter, ...], int | None, int | None]:
    """The cohort as parts scored by one plan each, the spec's parameters in its order, its seed and samples.

    A standard with entity types scores each type's entities by its own plan, as evaluate_cohort
    does (cohort functions among the type's entities); a parameter varies what it names in every
    type that has it, and entities of every type are ranked together, by their totals."""
    if not standard.entity_types:
        read = spec if isinstance(spec, Spec) else load_spec(spec, standard.plan)
        every = tuple(range(len(records)))
        return ([Part(Cohort(standard, records), every, read.parameters, tuple(range(len(read.parameters))))],
                read.parameters, read.seed, read.samples)
    if isinstance(spec, Spec):
        raise UnsupportedConstruct("a standard with entity types takes its spec as a file: each type reads it")
    typed = cast(TypedStandard, standard)
    plans = {t: typed.variant(t).plan for t in typed.entity_types}
    specs = loads_typed_spec(_spec_text(spec), plans, str(spec))
    by_position = {q.position: q for read in specs.values() for q in read.parameters}
    order = sorted(by_position)
    parts = []
    routed = [typed._routed(record, index) for index, record in enumerate(records)]
    for entity_type, read in specs.items():
        rows = tuple(k for k, (t, _) in enumerate(routed) if t == entity_type)
        if rows:
            cohort = Cohort(typed.variant(entity_type), [routed[k][1] for k in rows])
            parts.append(Part(cohort, rows, read.parameters, tuple(order.index(q.position) for q in read.parameters)))
    first = next(iter(specs.values()))
    return parts, tuple(by_position[k] for k in order), first.seed, first.samples


def _spec_text(path: str | Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidSpec([Diagnostic("E0410", f"cannot read the spec: {error}", None)]) from None


def _score(parts: Sequence[Part], draws: Any, size: int, engine: str,
           progress: Callable[[int, int], None] | None) -> tuple[str, Outcome]:
    """Every part's scores of the draws, put together in the cohort's order, ranked together."""
    from .sensitivity_fast import rank_rows

    np = _numpy()
    def step(done: int, _: int) -> None:  # the parts score the draws in turn: one bar for all
        if progress is not None:
            progress(done, len(draws) * len(parts))

    found = [part.cohort.score(part.parameters, draws[:, list(part.columns)], engine, step) for part in parts]
    den = math.lcm(1, *(outcome.den for _, outcome in found))
    exact = any(outcome.totals.dtype == object for _, outcome in found)
    totals = np.zeros((len(draws), size), dtype=object if exact else np.int64)
    rated = None if any(outcome.ratings is None for _, outcome in found) else np.zeros((len(draws), size), np.int64)
    for part, (_, outcome) in zip(parts, found):
        totals[:, list(part.rows)] = outcome.totals * (den // outcome.den)
        if rated is not None:
            rated[:, list(part.rows)] = outcome.ratings
    engines = sorted({used for used, _ in found})
    return " and ".join(engines), Outcome(totals, den, rank_rows(totals), rated)


def _problem(parameters: Sequence[Parameter]) -> dict[str, Any]:
    """SALib's problem: every parameter a unit uniform, turned into a grid index by _indices."""
    return {"num_vars": len(parameters), "names": [q.name for q in parameters],
            "bounds": [[0.0, 1.0]] * len(parameters)}


def _indices(parameter: Parameter, units: Any) -> Any:
    """Unit uniforms as indices into the parameter's values, by its distribution's inverse
    CDF: uniform and choice take each value alike; triangular and normal (truncated to
    [low, high]) are drawn, then rounded to the nearest grid value."""
    np = _numpy()
    count = len(parameter.values)
    dist = parameter.distribution
    if dist.kind in ("uniform", "choice"):
        return np.minimum((units * count).astype(np.int64), count - 1)
    from scipy import stats

    low, high = float(dist.low), float(dist.high)
    if dist.kind == "triangular":
        assert dist.mode is not None
        drawn = stats.triang.ppf(units, c=(float(dist.mode) - low) / (high - low), loc=low, scale=high - low)
    else:
        assert dist.mean is not None and dist.sd is not None
        mean, sd = float(dist.mean), float(dist.sd)
        drawn = stats.truncnorm.ppf(units, (low - mean) / sd, (high - mean) / sd, loc=mean, scale=sd)
    values = parameter.values
    step = float(values[1] - values[0]) if count > 1 else 1.0
    assert np.isfinite(drawn).all(), "the spec reader checks every distribution's parameters"
    return np.clip(np.rint((drawn - low) / step), 0, count - 1).astype(np.int64)


@attrs.frozen
class Outcome:
    """Every draw's scores: totals (exact, as ints over `den`), ranks, rating ranks."""

    totals: Any  # (draws, entities) int64, or object ints
    den: int
    ranks: Any
    ratings: Any | None


class Cohort:
    """The cohort scored once by the standard's library, and the ways to score the draws."""

    def __init__(self, standard: Standard, records: Sequence[Mapping[str, Any]]) -> None:
        from .sensitivity_fast import Base

        compiled = standard._compiled  # the batch and executor evaluate_cohort runs
        self.standard = standard
        self.plan = standard.plan
        self.batch: Batch = compiled.batch(records)
        self.entities = tuple(self.batch.entities)
        self.base = Base(self.plan, compiled.executor.run(self.batch))

    def score(self, parameters: Sequence[Parameter], draws: Any, engine: str,
              progress: Callable[[int, int], None] | None) -> tuple[str, Outcome]:
        from .sensitivity_fast import FastScorer, Unsupported

        if engine != "exact":
            try:
                scorer = FastScorer(self.base, parameters)
                return "fast", self._fast(scorer, draws, progress)
            except Unsupported as why:
                if engine == "fast":
                    raise UnsupportedConstruct(f"the fast path cannot score this spec: {why}") from None
                LOG.info("sensitivity: the exact path scores the draws: %s", why)
        return "exact", self._exact(parameters, draws, progress)

    def _fast(self, scorer: Any, draws: Any, progress: Callable[[int, int], None] | None) -> Outcome:
        from .sensitivity_fast import rank_rows

        np = _numpy()
        chunk = 4096  # draws a pass: a few MB of int64 per leaf
        totals, ratings = [], []
        den = 1
        for start in range(0, len(draws), chunk):
            total, rating, _ = scorer.score(draws[start:start + chunk])
            totals.append((total.ints, total.den))
            ratings.append(rating)
            den = math.lcm(den, total.den)
            if progress is not None:
                progress(min(chunk, len(draws) - start), len(draws))
        joined = np.concatenate([ints * (den // d) for ints, d in totals])
        rated = None if ratings[0] is None else np.concatenate(ratings)
        return Outcome(joined, den, rank_rows(joined), rated)

    def _exact(self, parameters: Sequence[Parameter], draws: Any,
               progress: Callable[[int, int], None] | None) -> Outcome:
        """Each distinct draw's plan, scored by the Python back-end, NodeScores and Ratings."""
        np = _numpy()
        seen: dict[tuple[int, ...], tuple[list[Fraction], list[int] | None]] = {}
        rows = []
        for draw in draws.tolist():
            key = tuple(draw)
            if key not in seen:
                seen[key] = exact_scores(perturbed(self.plan, parameters, key), self.batch)
            rows.append(seen[key])
            if progress is not None:
                progress(1, len(draws))
        den = math.lcm(1, *(t.denominator for totals, _ in seen.values() for t in totals))
        totals = np.array([[int(t * den) for t in totals] for totals, _ in rows], dtype=object)
        ranks = np.array([[1 + sum(other > t for other in totals) for t in totals] for totals, _ in rows])
        ratings = None if self.plan.levels is None else np.array([rating for _, rating in rows], dtype=np.int64)
        return Outcome(totals, den, ranks, ratings)


def exact_scores(plan: p.ScoringPlan, batch: Batch) -> tuple[list[Fraction], list[int] | None]:
    """A plan's totals and rating ranks over a batch, as the library scores them: the Python
    back-end prepares the plan and runs the batch; NodeScores and Ratings decide the rest."""
    columns = PythonBackend().prepare(plan).run(batch)
    scores = NodeScores(plan, columns)
    totals = [scores.total(row) for row in range(len(columns))]
    ratings = None if plan.levels is None else Ratings(plan, columns, scores).ranks
    return totals, ratings


# ------------------------------------------------------------ statistics
def _result(title: str, parts: Sequence[Part], parameters: Sequence[Parameter], problem: dict[str, Any],
            draws: Any, outcome: Outcome, engine: str, base: int, seed: int) -> SensitivityResult:
    np = _numpy()
    totals = np.asarray(outcome.totals, dtype=np.float64) / outcome.den  # statistics only: the scores were exact
    size = totals.shape[1]
    names: list[str] = [""] * size
    base_totals: list[Fraction] = [Fraction(0)] * size
    base_ratings: list[int | None] = [None] * size
    level_names: dict[int, str] = {}
    for part in parts:
        scores, ratings = part.cohort.base.scores, part.cohort.base.ratings
        for row, k in enumerate(part.rows):
            names[k], base_totals[k] = part.cohort.entities[row], scores.total(row)
            base_ratings[k] = None if ratings is None else ratings.ranks[row]
        for level in part.cohort.plan.levels or ():
            level_names.setdefault(level.rank, level.name)
    levels = () if outcome.ratings is None else ((0, "unrated"), *sorted(level_names.items()))
    base_ranks = [1 + sum(other > t for other in base_totals) for t in base_totals]
    entities = tuple(_entity(name, base_totals[e], base_ranks[e], base_ratings[e], totals[:, e], outcome.ranks[:, e],
                             None if outcome.ratings is None else outcome.ratings[:, e], levels)
                     for e, name in enumerate(names))
    outputs = [(f"rank of {name}", outcome.ranks[:, e]) for e, name in enumerate(names)]
    outputs += [(f"total of {name}", totals[:, e]) for e, name in enumerate(names)]
    if outcome.ratings is not None:
        outputs += [(f"entities at {name}", (outcome.ratings == rank).sum(axis=1)) for rank, name in levels]
    found = sobol(problem, [name for name, _ in outputs], np.column_stack([v for _, v in outputs]), seed)
    ranks, sums, counts = tuple(found[:size]), tuple(found[size:2 * size]), tuple(found[2 * size:])
    return SensitivityResult(title, tuple(q.name for q in parameters), len(draws), base, seed, engine,
                             levels, entities, ranks, sums, counts)


def _entity(name: str, total: Fraction, rank: int, rating: int | None, totals: Any, ranks: Any,
            ratings: Any | None, levels: Sequence[tuple[int, str]]) -> EntityUncertainty:
    np = _numpy()
    from ..language.numbers import fmt

    low, median, high = np.percentile(totals, [5, 50, 95])
    rank_low, rank_median, rank_high = np.percentile(ranks, [5, 50, 95])
    shares = () if ratings is None else tuple(float(np.mean(ratings == level)) for level, _ in levels)
    return EntityUncertainty(name, fmt(total), rank, rating, float(np.mean(totals)), float(median), float(low),
                             float(high), float(rank_median), float(rank_low), float(rank_high), shares)


def sobol(problem: dict[str, Any], names: Sequence[str], values: Any, seed: int) -> list[Indices]:
    """First-order and total Sobol' indices of every output (a column of `values`, one row a
    draw of the Saltelli design): SALib's estimators (Saltelli 2010, Jansen), with confidence
    intervals from the bootstrap SALib.analyze.sobol.analyze makes, the same resamples drawn
    from the seed as it draws them. analyze takes one output at a time and copies the sample
    for every resample; here a resample is its count of each row, so every resample of every
    output is one matrix product (a test holds the figures to analyze's). An output the A and
    B rows of the design never move has no indices."""
    np = _numpy()
    from SALib.analyze.sobol import first_order, total_order
    from scipy.stats import norm

    count = problem["num_vars"]
    values = np.asarray(values, dtype=np.float64)
    base = len(values) // (count + 2)
    design = values.reshape(base, count + 2, values.shape[1])
    ends = np.concatenate([design[:, 0], design[:, count + 1]])
    moving = [k for k in range(values.shape[1]) if np.ptp(ends[:, k]) > 0]
    found = [Indices(name, 0.0, ()) for name in names]
    if not moving:
        return found
    y = values[:, moving]
    y = ((y - y.mean(axis=0)) / y.std(axis=0)).reshape(base, count + 2, len(moving))  # as analyze scales
    a, b = y[:, 0], y[:, count + 1]
    drawn = np.random.default_rng(seed).integers(base, size=(base, RESAMPLES))
    counts = np.bincount((drawn.T + np.arange(RESAMPLES)[:, None] * base).ravel(),
                         minlength=RESAMPLES * base).reshape(RESAMPLES, base) / base

    def resampled(x: Any) -> Any:  # the mean over each resample's rows, for every output
        return counts @ x

    mean = (resampled(a) + resampled(b)) / 2
    variance = (resampled(a * a) + resampled(b * b)) / 2 - mean * mean
    tiny = np.finfo(float).eps
    z = norm.ppf(0.5 + CONFIDENCE / 2)
    per: list[list[Index]] = [[] for _ in moving]
    for j, name in enumerate(problem["names"]):
        ab = y[:, j + 1]
        first, total = first_order(a, ab, b), total_order(a, ab, b)
        first_boot = np.divide(resampled(b * (ab - a)), variance, out=np.zeros_like(variance),
                               where=variance > tiny)
        total_boot = np.divide(0.5 * resampled((a - ab) ** 2), variance, out=np.zeros_like(variance),
                               where=variance > tiny)
        first_conf, total_conf = z * first_boot.std(axis=0, ddof=1), z * total_boot.std(axis=0, ddof=1)
        for k in range(len(moving)):
            per[k].append(Index(name, float(first[k]), float(first_conf[k]), float(total[k]), float(total_conf[k])))
    for k, column in enumerate(moving):
        found[column] = Indices(names[column], float(np.var(values[:, column])), tuple(per[k]))
    return found
