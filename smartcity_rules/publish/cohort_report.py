"""Writes the HTML report of a scored cohort: ranking, star ratings, a heat map of stars, each entity
against the cohort, and what it lacks for the next rating. One self-contained file that opens offline.

`build` reads the evaluations into a small, exact model of the page (numbers as the text
people read, from the result types); `to_html` hands it to the template `report.html.j2`
with the charts (publish/charts.py) and plotly.js inlined. The template escapes every
string; chart labels are escaped for plotly by `charts.label`. Ids and anchors are made
from positions, never from names.
"""

from __future__ import annotations

import logging
import statistics
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import attrs

from ..language.check import ProvisionalNumber
from ..language.errors import NotFound
from ..results.display import show_number
from ..results.evaluation import Evaluation, GroupResult, IndicatorInfo, IndicatorResult, RatingResult, Status
from ..standard import Standard
from . import charts, templating
from .document import MARK
from .report import summarize_provisional

LOG = logging.getLogger(__name__)


@attrs.frozen
class Ranked:
    """A row of the ranking: ties share a place (1, 2, 2, 4)."""

    place: int
    entity: str
    anchor: str
    total: str
    rating: str  # the level's name; "unrated" when none is reached; "" without a rating rule
    rank: int | None
    provisional_rating: bool


@attrs.frozen
class GroupRow:
    name: str
    points: str
    median: str
    maximum: str
    bonus: bool
    provisional: bool


@attrs.frozen
class Shortfall:
    """A requirement of the next level up that the entity does not meet, and what it has."""

    requirement: str
    actual: str


@attrs.frozen
class Chart:
    id: str
    title: str
    figure: dict[str, Any]


@attrs.frozen
class EntitySection:
    entity: str
    anchor: str
    place: int
    total: str
    rating: str
    groups: tuple[GroupRow, ...]
    chart: Chart  # its groups against the cohort's median
    next_level: str | None  # None at the top level, or without a rating rule
    shortfalls: tuple[Shortfall, ...]
    missing: tuple[str, ...]  # the inputs it did not report, with what was made of them


@attrs.frozen
class Cohort:
    """The entities scored against one another: the whole cohort, or those of one entity type
    (`entity type by`), which are ranked and charted among their own kind only."""

    entity_type: str | None  # None for a standard without entity types
    anchor: str
    size: int
    maximum: str | None
    rated: bool
    ranking: tuple[Ranked, ...]
    entities: tuple[EntitySection, ...]
    cohort_charts: tuple[Chart, ...]  # the ratings and the heat map

    @property
    def charts(self) -> tuple[Chart, ...]:
        return (*self.cohort_charts, *(section.chart for section in self.entities))


@attrs.frozen
class Report:
    title: str
    edition: str | None
    size: int
    provisional: tuple[str, ...]
    provisional_summary: str
    cohorts: tuple[Cohort, ...]  # one, or one per entity type in the standard's order

    @property
    def ranking(self) -> tuple[Ranked, ...]:
        return tuple(row for cohort in self.cohorts for row in cohort.ranking)

    @property
    def entities(self) -> tuple[EntitySection, ...]:
        return tuple(section for cohort in self.cohorts for section in cohort.entities)

    @property
    def charts(self) -> tuple[Chart, ...]:
        """Every chart of the page, in its order."""
        return tuple(chart for cohort in self.cohorts for chart in cohort.charts)


def to_html(standard: Standard, evaluations: Sequence[Evaluation]) -> str:
    """The report as one HTML file: inline CSS, plotly.js inlined, the data in the page; no network."""
    report = build(standard, evaluations)
    LOG.debug("report of %s: %d entities, %d charts", standard.title, report.size, len(report.charts))
    return templating.render("report.html.j2", lang="zh", title=f"{standard.title}: cohort report", report=report,
                             MARK=MARK, plotly_js=templating.trusted([charts.plotly_js()]),
                             figures=[{"id": chart.id, "figure": chart.figure} for chart in report.charts])


def build(standard: Standard, evaluations: Sequence[Evaluation]) -> Report:
    """The page as data: per cohort (per entity type when the standard has them) the ranking,
    the charts, and a section per entity in ranking order."""
    if not evaluations:
        raise NotFound("the report needs at least one scored entity; the data has none")
    cohorts = tuple(_cohort(standard.variant(entity_type), evaluations, positions, part)
                    for part, (entity_type, positions) in enumerate(_by_type(standard, evaluations)))
    return Report(standard.title, standard.edition, len(evaluations), standard.provisional,
                  summarize_provisional(_provisional_numbers(standard)), cohorts)


def _provisional_numbers(standard: Standard) -> list[ProvisionalNumber]:
    """The standard's provisional numbers; with entity types, every type's, each once."""
    variants = [standard.variant(t) for t in standard.entity_types] or [standard]
    return list(dict.fromkeys(n for variant in variants for n in variant.checked.provisional_numbers))


def _by_type(standard: Standard, evaluations: Sequence[Evaluation]) -> list[tuple[str | None, list[int]]]:
    """The positions of each entity type's evaluations, types in the standard's order, those
    without an entity present left out; one cohort of every position without entity types."""
    if not standard.entity_types:
        return [(None, list(range(len(evaluations))))]
    positions: dict[str | None, list[int]] = {t: [] for t in standard.entity_types}
    for k, evaluation in enumerate(evaluations):
        positions[evaluation.entity_type].append(k)
    return [(t, found) for t, found in positions.items() if found]


def _cohort(standard: Standard, evaluations: Sequence[Evaluation], positions: Sequence[int], part: int) -> Cohort:
    """One cohort's ranking, charts and sections; positions index the caller's evaluations, so
    anchors and chart ids stay unique on a page of several cohorts."""
    order = sorted(positions, key=lambda k: -evaluations[k].total)  # highest first; ties keep the data's order
    places = _places([evaluations[k].total for k in order])
    ranking = tuple(_ranked(evaluations[k], k, place) for k, place in zip(order, places))
    medians = _group_medians([evaluations[k] for k in positions])
    sections = tuple(_section(evaluations[k], k, place, medians) for k, place in zip(order, places))
    suffix = "" if standard.entity_type is None else f"-{part + 1}"
    figures = _cohort_charts(standard, [evaluations[k] for k in order], suffix)
    total = standard.checked.header.total
    maximum = None if total is None else show_number(total.value)
    return Cohort(standard.entity_type, f"cohort{suffix or '-1'}", len(positions), maximum,
                  evaluations[positions[0]].rating is not None, ranking, sections, tuple(figures))


def _places(totals: Sequence[Fraction]) -> list[int]:
    places: list[int] = []
    for k, total in enumerate(totals):
        places.append(places[-1] if k and total == totals[k - 1] else k + 1)
    return places


def _rating_name(rating: RatingResult | None) -> str:
    if rating is None:
        return ""
    return rating.name or "unrated"


def _ranked(evaluation: Evaluation, position: int, place: int) -> Ranked:
    rating = evaluation.rating
    return Ranked(place, evaluation.entity, f"entity-{position + 1}", show_number(evaluation.total),
                  _rating_name(rating), evaluation.rating_rank, rating is not None and rating.provisional)


# ---------------------------------------------------------------- groups against the cohort
def _top_groups(evaluation: Evaluation) -> list[GroupResult]:
    """The groups directly under the standard, in its order."""
    inner = {name for group in evaluation.groups for name in group.groups}
    return [group for group in evaluation.groups if group.name not in inner]


def _group_medians(evaluations: Sequence[Evaluation]) -> dict[str, Fraction]:
    """Each top group's median points over the cohort, exact (the mean of the middle two when even)."""
    names = [group.name for group in _top_groups(evaluations[0])]
    return {name: Fraction(statistics.median(e.group(name).points for e in evaluations)) for name in names}


def _group_row(evaluation: Evaluation, group: GroupResult, medians: dict[str, Fraction]) -> GroupRow:
    maximum = "" if group.max_points is None else show_number(group.max_points)
    return GroupRow(group.name, show_number(group.points), show_number(medians[group.name]), maximum, group.bonus,
                    evaluation.node(group.name).provisional)


def _section(evaluation: Evaluation, position: int, place: int, medians: dict[str, Fraction]) -> EntitySection:
    rows = tuple(_group_row(evaluation, group, medians) for group in _top_groups(evaluation))
    next_level, shortfalls = _next_level(evaluation.rating)
    missing = tuple(f"{m.input} ({m.filled})" for m in evaluation.missing)
    return EntitySection(evaluation.entity, f"entity-{position + 1}", place, show_number(evaluation.total),
                         _rating_name(evaluation.rating), rows, _groups_chart(evaluation, position, medians),
                         next_level, shortfalls, missing)


def _next_level(rating: RatingResult | None) -> tuple[str | None, tuple[Shortfall, ...]]:
    """The lowest level above the one reached, and its requirements that do not hold."""
    if rating is None:
        return None, ()
    above = [level for level in rating.levels if level.rank > rating.rank]
    if not above:
        return None, ()
    nearest = above[-1]  # levels are listed top first; of a level's sub-tiers, the lowest is reached first
    return nearest.name, tuple(Shortfall(r.text, r.actual) for r in nearest.failed)


# ---------------------------------------------------------------- charts
def _cohort_charts(standard: Standard, ranked: Sequence[Evaluation], suffix: str) -> list[Chart]:
    found = []
    if ranked[0].rating is not None:
        found.append(Chart(f"chart-ratings{suffix}", "Star ratings: entities at each level",
                           charts.ratings(_rating_counts(ranked))))
    if any(info.bands is not None for info in standard.indicators):
        found.append(Chart(f"chart-stars{suffix}", "Stars by indicator and entity", _star_map(standard, ranked)))
    else:  # a standard scored without star bands (linear points, point tables): how much of each maximum
        found.append(Chart(f"chart-stars{suffix}", "Points by indicator and entity, as a share of each maximum",
                           _share_map(standard, ranked)))
    return found


def _rating_counts(ranked: Sequence[Evaluation]) -> list[tuple[str, int]]:
    """Entities per level, lowest first, "unrated" below every level; every level listed, even when empty."""
    rating = ranked[0].rating
    assert rating is not None
    counts = dict.fromkeys(["unrated", *(level.name for level in reversed(rating.levels))], 0)
    for evaluation in ranked:
        counts[_rating_name(evaluation.rating)] += 1
    return list(counts.items())


def _row_name(info: IndicatorInfo) -> str:
    return f"{info.code} {info.name}" + (f" {MARK}" if info.provisional else "")


def _star_map(standard: Standard, ranked: Sequence[Evaluation]) -> dict[str, Any]:
    banded = [info for info in standard.indicators if info.bands is not None]
    stars = [[_stars(e.indicator(info.code)) for e in ranked] for info in banded]
    texts = [["n/a" if s is None else f"{s}" for s in row] for row in stars]
    return charts.heat_map([_row_name(info) for info in banded], [e.entity for e in ranked], stars, texts, 5, "stars")


def _stars(result: IndicatorResult) -> int | None:
    return None if result.status is not Status.SCORED else result.stars


def _share_map(standard: Standard, ranked: Sequence[Evaluation]) -> dict[str, Any]:
    scored = [info for info in standard.indicators if info.max_points]
    shares = [[_share(e.indicator(info.code)) for e in ranked] for info in scored]
    texts = [["n/a" if s is None else show_number(s * 100, digits=3) + "%" for s in row] for row in shares]
    values = [[None if s is None else float(s) for s in row] for row in shares]
    return charts.heat_map([_row_name(info) for info in scored], [e.entity for e in ranked], values, texts, 1,
                           "share of the maximum")


def _share(result: IndicatorResult) -> Fraction | None:
    if result.status is not Status.SCORED or not result.max_points:
        return None
    return result.points / result.max_points


def _groups_chart(evaluation: Evaluation, position: int, medians: dict[str, Fraction]) -> Chart:
    groups = _top_groups(evaluation)
    figure = charts.groups([g.name for g in groups], [g.points for g in groups], [medians[g.name] for g in groups],
                           [g.max_points for g in groups], evaluation.entity)
    return Chart(f"chart-groups-{position + 1}", f"{evaluation.entity}: groups against the cohort's median", figure)
