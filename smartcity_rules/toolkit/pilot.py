"""The pilot cycle: which level an entity may pilot, and how its mid-term check and final
acceptance come out, with the gaps to close.

The 2019 plan: an entity rated at least three stars may apply to pilot the level one
above its rating; a pilot is checked after one year and accepted after two. Failing
either means rectification; failing acceptance again after rectification means the
pilot funds are recovered.
"""

from __future__ import annotations

import enum
from fractions import Fraction
from typing import Any

import attrs

from ..language import syntax as s
from ..language.check import ScoredIndicator
from ..language.errors import NotFound
from ..language.numbers import fmt
from ..results.display import is_percentage, show_number
from ..results.evaluation import Evaluation, IndicatorResult, LevelResult, RatingResult, RequirementResult
from ..standard import Standard

LOWEST_PILOT_RATING = 3  # below three stars an entity may not apply for a provincial pilot


class Stage(enum.Enum):
    MID_TERM = "mid-term check"  # after one year
    ACCEPTANCE = "final acceptance"  # after two years


class Verdict(enum.Enum):
    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not eligible"
    PASS = "pass"
    RECTIFY = "rectify"
    FUNDS_RECOVERED = "funds recovered"


@attrs.frozen
class Eligibility:
    """Whether an entity may apply for a pilot, and for which level."""

    entity: str
    rating: int
    rating_name: str | None
    verdict: Verdict
    may_pilot: int | None  # the level it may apply to pilot
    may_pilot_name: str | None
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"entity": self.entity, "rating": self.rating, "rating_name": self.rating_name,
                "verdict": self.verdict.value, "may_pilot": self.may_pilot,
                "may_pilot_name": self.may_pilot_name, "reason": self.reason}


@attrs.frozen
class Gap:
    """An indicator below what the target level needs, and the value that would reach it."""

    code: str
    name: str
    leading: bool
    value: Fraction | None
    stars: int | None
    needed_stars: int | None  # None when the requirement is on the value itself
    needed_value: Fraction  # the threshold the value must reach (or, with `at most`, not exceed)
    rule: s.BandRule
    requirement: str  # the requirement of the target level it serves
    percent: bool = attrs.field(default=False, eq=False)  # shown as a percentage, as its bands are written

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "leading": self.leading,
                "value": None if self.value is None else fmt(self.value), "stars": self.stars,
                "needed_stars": self.needed_stars, "needed_value": fmt(self.needed_value),
                "rule": self.rule.value, "requirement": self.requirement}


@attrs.frozen
class PilotOutcome:
    """A mid-term check or final acceptance of a pilot against the level it pilots."""

    entity: str
    stage: Stage
    target: int
    target_name: str
    rating: int
    verdict: Verdict
    failed: tuple[RequirementResult, ...]  # the target level's requirements that do not hold
    gaps: tuple[Gap, ...]  # leading indicators first, then by code
    after_rectification: bool

    def to_dict(self) -> dict[str, Any]:
        return {"entity": self.entity, "stage": self.stage.value, "target": self.target,
                "target_name": self.target_name, "rating": self.rating, "verdict": self.verdict.value,
                "after_rectification": self.after_rectification,
                "failed": [{"requirement": r.text, "actual": r.actual} for r in self.failed],
                "gaps": [g.to_dict() for g in self.gaps]}

    def render(self) -> str:
        head = (f"{self.entity}: {self.stage.value} of the {self.target_name} pilot"
                f"{' (after rectification)' if self.after_rectification else ''}: {self.verdict.value}")
        lines = [head]
        if self.verdict is Verdict.PASS:
            return head
        for failed in self.failed:
            lines.append(f"  fails {failed.text} (has {failed.actual})")
            lines += [f"    {_gap_line(gap)}" for gap in self.gaps if gap.requirement == failed.text]
        if self.verdict is Verdict.RECTIFY:
            lines.append("  rectify the gaps above before the next check")
        elif self.verdict is Verdict.FUNDS_RECOVERED:
            lines.append("  the pilot failed acceptance again after rectification: its funds are recovered")
        return "\n".join(lines)


def _gap_line(gap: Gap) -> str:
    mark = "★ " if gap.leading else ""
    have = show_number(gap.value, gap.percent)
    stars = "" if gap.stars is None else f" ({_stars(gap.stars)})"
    want = "≥" if gap.rule is s.BandRule.AT_LEAST else "≤"
    target = f"{_stars(gap.needed_stars)} needs" if gap.needed_stars is not None else "needs"
    return f"{mark}{gap.code} {gap.name}: {have}{stars}; {target} {want} {show_number(gap.needed_value, gap.percent)}"


def _stars(count: int) -> str:
    return "1 star" if count == 1 else f"{count} stars"


# ------------------------------------------------------------ eligibility
def eligibility(standard: Standard, evaluation: Evaluation) -> Eligibility:
    """Whether the entity may apply to pilot the level one above its rating."""
    rating = _rating(standard, evaluation)
    levels = {level.rank: level.name for level in rating.levels}
    rank, name = rating.rank, rating.name
    if rank < LOWEST_PILOT_RATING:
        return Eligibility(evaluation.entity, rank, name, Verdict.NOT_ELIGIBLE, None, None,
                           f"rated {name or 'below every level'} ({rank}); a provincial pilot needs "
                           f"{levels.get(LOWEST_PILOT_RATING, LOWEST_PILOT_RATING)} or above")
    above = min((r for r in levels if r > rank), default=None)
    if above is None:
        return Eligibility(evaluation.entity, rank, name, Verdict.NOT_ELIGIBLE, None, None,
                           f"rated {name} ({rank}), the top level")
    return Eligibility(evaluation.entity, rank, name, Verdict.ELIGIBLE, above, levels[above],
                       f"rated {name} ({rank}); may pilot {levels[above]} ({above})")


def _rating(standard: Standard, evaluation: Evaluation) -> RatingResult:
    if standard.level == s.EntityLevel.COMMUNITY.value:
        raise NotFound("the pilot cycle rates cities and counties; a community standard has no pilots")
    rating = evaluation.rating
    if rating is None:
        raise NotFound(f"the standard {evaluation.standard!r} has no rating rule: it has no pilot levels")
    return rating


# ------------------------------------------------------------ checks
def check_pilot(standard: Standard, evaluation: Evaluation, target: int, stage: Stage, *,
                after_rectification: bool = False) -> PilotOutcome:
    """Compare an evaluation with the level the entity pilots: pass, or rectify with the gaps.

    `after_rectification` marks a final acceptance retaken after rectification: failing
    it again means the funds are recovered.
    """
    rating = _rating(standard, evaluation)
    # A level with sub-tiers is reached at its lowest: a pilot of 4 stars aims at 四星级基础型.
    level = next((lv for lv in reversed(rating.levels) if lv.rank == target), None)
    if level is None:
        ranks = ", ".join(str(lv.rank) for lv in rating.levels)
        raise NotFound(f"the standard has no rating level {target} (levels: {ranks})")
    if rating.rank >= target:
        verdict = Verdict.PASS
    elif stage is Stage.ACCEPTANCE and after_rectification:
        verdict = Verdict.FUNDS_RECOVERED
    else:
        verdict = Verdict.RECTIFY
    gaps = () if verdict is Verdict.PASS else _gaps(standard, evaluation, level)
    return PilotOutcome(evaluation.entity, stage, target, level.name, rating.rank, verdict,
                        level.failed, gaps, after_rectification)


def _gaps(standard: Standard, evaluation: Evaluation, level: LevelResult) -> tuple[Gap, ...]:
    standard = standard.variant(evaluation.entity_type)  # a typed standard: the entity's type's
    """For each failed requirement of the level, in its order: the indicators short of it,
    leading ones first."""
    gaps: list[Gap] = []
    rule = standard.syntax.rating
    assert rule is not None  # the evaluation has a rating, so its standard has the rule
    requirements = next(lv for lv in rule.levels if lv.name == level.name).requirements
    for requirement, outcome in zip(requirements, level.requirements):
        if not outcome.held:
            found = _requirement_gaps(standard, evaluation, requirement, level.rank, outcome.text)
            gaps += sorted(found, key=lambda g: (not g.leading, s.code_order(g.code)))
    return tuple(gaps)


def _requirement_gaps(standard: Standard, evaluation: Evaluation, req: s.Requirement, rank: int,
                      text: str) -> list[Gap]:
    scored = {item.code: item for item in standard.checked.indicators}
    results = {result.code: result for result in evaluation.indicators}
    if isinstance(req, s.LeadingRequirement):
        stars = int(req.stars.value)
        return [gap for n, item in scored.items() if item.syntax.leading
                for gap in _star_gap(item, results[n], stars, text)]
    if isinstance(req, s.IndicatorRequirement) and req.measure is s.Measure.POINTS:
        leaves = [item for item in scored.values() if req.code in (item.code, item.parent and item.parent.code)]
        return [gap for item in leaves if item.bands is not None
                for gap in _star_gap(item, results[item.code], len(item.bands.thresholds), text)]
    if isinstance(req, s.IndicatorRequirement):
        n = req.code
        if req.on_stars:
            return _star_gap(scored[n], results[n], int(req.threshold.value), text)
        rule = s.BandRule.AT_LEAST if req.compare in (s.Compare.GE, s.Compare.GT) else s.BandRule.AT_MOST
        return [_gap(scored[n], results[n], None, req.threshold.value, rule, text)]
    if isinstance(req, s.TotalRequirement):
        # More points come from indicators below the level's star count: name each, with
        # the value that would bring it to that many stars. Bonus items are never owed.
        return [gap for n, item in scored.items() if item.bands is not None and not item.group.bonus
                for gap in _star_gap(item, results[n], min(rank, len(item.bands.thresholds)), text)]
    inside = {item.code for item in scored.values() if _within(item.group, req.group, standard)}
    return [gap for n, item in scored.items() if n in inside and item.bands is not None
            for gap in _star_gap(item, results[n], min(rank, len(item.bands.thresholds)), text)]


def _within(group: s.Group, name: str, standard: Standard) -> bool:
    """Whether a group is the one named, or inside it at any depth."""
    for outer in standard.checked.syntax.all_groups():
        if outer.name == name:
            return any(inner is group for inner in s.walk_groups((outer,)))
    return False


def _star_gap(item: ScoredIndicator, result: IndicatorResult, stars: int, text: str) -> list[Gap]:
    if item.bands is None or stars <= 0 or (result.stars is not None and result.stars >= stars):
        return []
    return [_gap(item, result, stars, item.bands.thresholds[stars - 1].value, item.bands.rule, text)]


def _gap(item: ScoredIndicator, result: IndicatorResult, stars: int | None, needed: Fraction,
         rule: s.BandRule, text: str) -> Gap:
    return Gap(item.code, item.syntax.name, item.syntax.leading, result.value, result.stars,
               stars, needed, rule, text, percent=is_percentage(item))
