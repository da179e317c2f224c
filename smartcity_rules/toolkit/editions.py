"""Compares two editions of a standard: what their definitions say differently, and
what that changes for each entity of a cohort.

Definitions are compared by meaning: syntax nodes ignore where they were
written, and numbers are compared by value, so `0.5` and `50%` are the same
threshold and a reused indicator is the same as its copy.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from fractions import Fraction
from typing import Any

import attrs

from ..language import syntax as s
from ..language.check import ENTITY_KEY, ScoredIndicator
from ..language.errors import DataError
from ..language.formula import render, requirement_text, table_text
from ..language.numbers import fmt
from ..results.display import is_percentage, show_number
from ..results.evaluation import Evaluation, IndicatorResult
from ..standard import Standard


@attrs.frozen
class DefinitionChange:
    """One thing the new edition defines differently, e.g. indicator 12's star thresholds."""

    subject: str  # "indicator 12", "group \"基础设施\"", "the rating"
    change: str  # "added", "removed" or "changed"
    details: tuple[str, ...]  # "star thresholds: 20%, 40%, … → 30%, 50%, …"
    code: str | None = None  # the indicator's code, when the subject is one
    aspects: tuple[str, ...] = ()  # what each detail is about, e.g. "star thresholds"; for an indicator

    def render(self) -> str:
        head = f"{self.subject}: {self.change}"
        return head if not self.details else head + "\n" + "\n".join(f"    {d}" for d in self.details)

    def to_dict(self) -> dict[str, Any]:
        return {"subject": self.subject, "change": self.change, "details": list(self.details)}


@attrs.frozen
class IndicatorChange:
    """One indicator whose value, stars or points differ between the editions for an entity."""

    code: str
    name: str
    old: IndicatorResult | None  # None: the old edition has no such indicator
    new: IndicatorResult | None
    because: tuple[str, ...]  # the definition changes behind it
    reasons: tuple[str, ...] = ()  # what each of them is about, e.g. "formula"

    def to_dict(self) -> dict[str, Any]:
        def side(result: IndicatorResult | None) -> dict[str, Any] | None:
            if result is None:
                return None
            return {"value": None if result.value is None else fmt(result.value),
                    "stars": result.stars, "points": fmt(result.points)}
        return {"code": self.code, "name": self.name, "old": side(self.old), "new": side(self.new),
                "because": list(self.because)}


@attrs.frozen
class EntityChange:
    """What the new edition changes for one entity."""

    entity: str
    old: Evaluation
    new: Evaluation
    indicators: tuple[IndicatorChange, ...]

    @property
    def rating_changed(self) -> bool:
        return self.old.rating_rank != self.new.rating_rank

    def to_dict(self) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "total": {"old": fmt(self.old.total), "new": fmt(self.new.total)},
            "rating": {"old": _rating_name(self.old), "new": _rating_name(self.new)},
            "indicators": [i.to_dict() for i in self.indicators],
        }


@attrs.frozen
class EditionDiff:
    """Two editions compared, definitions first, then their effect on a cohort."""

    old: Standard
    new: Standard
    definitions: tuple[DefinitionChange, ...]
    entities: tuple[EntityChange, ...]  # every entity, changed or not, in cohort order

    @property
    def changed(self) -> tuple[EntityChange, ...]:
        """The entities whose total, rating or any indicator result differs."""
        return tuple(e for e in self.entities
                     if e.indicators or e.old.total != e.new.total or e.rating_changed)

    def to_dict(self) -> dict[str, Any]:
        changed = self.changed
        moved = {id(e) for e in changed}  # by identity: comparing whole results would be quadratic
        return {
            "old": _edition(self.old), "new": _edition(self.new),
            "definitions": [d.to_dict() for d in self.definitions],
            "entities": [e.to_dict() for e in changed],
            "unchanged": [e.entity for e in self.entities if id(e) not in moved],
        }

    def render(self) -> str:
        lines = [f"{self.old.title}", f"  old: {_edition_line(self.old)}", f"  new: {_edition_line(self.new)}", ""]
        lines.append(f"Definitions that differ ({len(self.definitions)}):")
        lines += [f"  {line}" for change in self.definitions for line in change.render().split("\n")]
        if not self.definitions:
            lines.append("  none")
        changed = self.changed
        lines += ["", f"Entities whose results differ ({len(changed)} of {len(self.entities)}):"]
        percent = {i.code: is_percentage(i) for _, old, new in _pairs(self.old, self.new)
                   for i in (*old.checked.indicators, *new.checked.indicators)}
        for entity in changed:
            lines += _entity_lines(entity, percent)
        return "\n".join(lines)


# ------------------------------------------------------------ comparing definitions
def _indicator_fields(item: ScoredIndicator) -> Iterator[tuple[str, str]]:
    """(what, how it reads) for each part of an indicator's definition that can change."""
    syntax = item.syntax
    yield "name", syntax.name
    yield "group", item.group.name
    yield "leading (★)", "yes" if syntax.leading else "no"
    yield "formula", render(syntax.value) if syntax.value is not None else "none"
    yield "star thresholds", _bands(item.bands)
    yield "points", _points(syntax.points)
    yield "deduction", _deduction(syntax.deduction)
    yield "weight", "none" if syntax.weight is None else fmt(syntax.weight.value)
    yield "rounding", _rounding(item.rounding)
    yield "item of", "none" if item.parent is None else f"indicator {item.parent.code}"
    yield "on zero denominator", syntax.zero_policy.value
    yield "direction", "none" if item.direction is None else f"better {item.direction.value}"
    yield "provisional", "yes" if syntax.provisional else "no"
    yield "description", syntax.description


# The parts of a definition that can change a number; the rest is wording.
_SCORING = ("group", "leading (★)", "formula", "star thresholds", "points", "deduction", "weight", "rounding",
            "item of", "on zero denominator")


def _rounding(rounding: s.Rounding | None) -> str:
    return "exact" if rounding is None else f"{rounding.decimals} decimals {rounding.mode.value}"


def _bands(bands: s.StarBands | None) -> str:
    if bands is None:
        return "none"
    marks = " (provisional)" if bands.provisional else ""
    return f"{bands.rule.value} " + ", ".join(t.text if t.text.endswith("%") else fmt(t.value)
                                              for t in bands.thresholds) + marks


def _points(points: s.Points | None) -> str:
    if points is None:
        return "none"
    shown = fmt(points.maximum.value)
    if isinstance(points.scoring, s.Linear):
        shown += f" linear from {points.scoring.low.text} to {points.scoring.high.text}"
    if isinstance(points.scoring, s.Table):
        shown = f"table {table_text(points.scoring)}"
    return shown + (" (provisional)" if points.provisional else "")


def _deduction(deduction: s.Deduction | None) -> str:
    if deduction is None:
        return "none"
    cap = "" if deduction.cap is None else f", at most {fmt(deduction.cap.value)}"
    return (f"{fmt(deduction.each.value)} each{cap}"
            + (" (provisional)" if deduction.provisional else ""))


def _same_bands(a: s.StarBands | None, b: s.StarBands | None) -> bool:
    """Bands compare by rule, threshold values and mark: `0.5` and `50%` are one threshold."""
    if a is None or b is None:
        return a is b
    return (a.rule, [t.value for t in a.thresholds], a.provisional) == (
        b.rule, [t.value for t in b.thresholds], b.provisional)


def _compare_indicator(old: ScoredIndicator, new: ScoredIndicator) -> tuple[tuple[str, str], ...]:
    """(aspect, detail) for each difference, e.g. ("formula", "formula: a → a + b")."""
    details = []
    for (what, before), (_, after) in zip(_indicator_fields(old), _indicator_fields(new)):
        if what == "star thresholds":
            differs = not _same_bands(old.bands, new.bands)
        elif what == "formula":
            differs = old.syntax.value != new.syntax.value
        else:
            differs = before != after
        if differs:
            shown = f"{what}: {before} → {after}" if len(before) + len(after) < 160 else f"{what} reworded"
            details.append((what, shown))
    details += [("note", f"note removed: {note}") for note in old.syntax.notes if note not in new.syntax.notes]
    details += [("note", f"note added: {note}") for note in new.syntax.notes if note not in old.syntax.notes]
    return tuple(details)


def _pairs(old: Standard, new: Standard) -> list[tuple[str | None, Standard, Standard]]:
    """The standards to compare, type by type where either edition has entity types (an edition
    without them is compared with each type of the other); a type only one edition has is not."""
    types = [t for t in dict.fromkeys([*old.entity_types, *new.entity_types])
             if (t in old.entity_types or not old.entity_types) and (t in new.entity_types or not new.entity_types)]
    if not types:
        return [(None, old, new)]
    return [(t, old.variant(t) if old.entity_types else old, new.variant(t) if new.entity_types else new)
            for t in types]


def _typed_definitions(old: Standard, new: Standard) -> dict[str | None, tuple[DefinitionChange, ...]]:
    return {t: _definitions(a, b) for t, a, b in _pairs(old, new)}


def compare_definitions(old: Standard, new: Standard) -> tuple[DefinitionChange, ...]:
    """Every difference in meaning between two editions, indicators in code order. With entity
    types, a change every type has is listed once, one only some have once for each of them,
    its subject saying which (`indicator 5 (县)`)."""
    found = _typed_definitions(old, new)
    if None in found:
        return found[None]
    merged: dict[DefinitionChange, list[str]] = {}
    for entity_type, changes in found.items():
        for change in changes:
            merged.setdefault(change, []).append(str(entity_type))
    return tuple(change if len(types) == len(found) else attrs.evolve(change, subject=f"{change.subject} ({t})")
                 for change, types in merged.items() for t in (types[:1] if len(types) == len(found) else types))


def _definitions(old: Standard, new: Standard) -> tuple[DefinitionChange, ...]:
    changes = list(_header_changes(old, new))
    olds = {i.code: i for i in old.checked.indicators}
    news = {i.code: i for i in new.checked.indicators}
    for number in sorted(olds.keys() | news.keys(), key=s.code_order):
        before, after = olds.get(number), news.get(number)
        subject = f"indicator {number}"
        if before is None and after is not None:
            changes.append(DefinitionChange(subject, "added", (after.syntax.name,), number))
        elif after is None and before is not None:
            changes.append(DefinitionChange(subject, "removed", (before.syntax.name,), number))
        elif before is not None and after is not None:
            found = _compare_indicator(before, after)
            if found:
                changes.append(DefinitionChange(subject, "changed", tuple(d for _, d in found), number,
                                                tuple(a for a, _ in found)))
    changes += _group_changes(old, new)
    changes += _rating_changes(old, new)
    return tuple(changes)


def _header_changes(old: Standard, new: Standard) -> Iterator[DefinitionChange]:
    before, after = old.checked.header, new.checked.header
    total = (before.total.value if before.total else None), (after.total.value if after.total else None)
    if total[0] != total[1]:
        yield DefinitionChange("the total", "changed",
                               (f"{_maybe(total[0])} → {_maybe(total[1])}",))
    if before.rounding != after.rounding:
        yield DefinitionChange("rounding", "changed", (f"{_rounding(before.rounding)} → {_rounding(after.rounding)}",))


def _maybe(value: Fraction | None) -> str:
    return "none" if value is None else fmt(value)


def _group_reading(group: s.Group) -> str:
    limit = group.cap if group.bonus else group.points
    amount = "none" if limit is None else fmt(limit.value)
    reading = ("bonus, at most " if group.bonus else "points ") + amount
    if group.weight is not None:
        reading = f"weight {fmt(group.weight.value)}"
    if group.rounding is not None:
        reading += f", rounded to {_rounding(group.rounding)}"
    return reading + (" (provisional)" if group.provisional else "")


def _group_changes(old: Standard, new: Standard) -> Iterator[DefinitionChange]:
    olds = {g.name: g for g in old.syntax.all_groups()}
    news = {g.name: g for g in new.syntax.all_groups()}
    for name in [*olds, *(n for n in news if n not in olds)]:
        subject = f'group "{name}"'
        if name not in news:
            yield DefinitionChange(subject, "removed", ())
        elif name not in olds:
            yield DefinitionChange(subject, "added", (_group_reading(news[name]),))
        elif _group_reading(olds[name]) != _group_reading(news[name]):
            yield DefinitionChange(subject, "changed",
                                   (f"{_group_reading(olds[name])} → {_group_reading(news[name])}",))


def _level_lines(standard: Standard) -> dict[str, str]:
    """Each level (or sub-tier) by its name, which the checker keeps unique."""
    rating = standard.syntax.rating
    if rating is None:
        return {}
    return {level.name: f'level {fmt(level.rank.value)} "{level.name}" when '
            + " and ".join(requirement_text(r, by_value=True) for r in level.requirements) for level in rating.levels}


def _rating_changes(old: Standard, new: Standard) -> Iterator[DefinitionChange]:
    before, after = _level_lines(old), _level_lines(new)
    names = [*before, *(name for name in after if name not in before)]
    details = [f"{before.get(name, 'none')} → {after.get(name, 'none')}"
               for name in names if before.get(name) != after.get(name)]
    if details:
        yield DefinitionChange("the rating", "changed", tuple(details))


# ------------------------------------------------------------ comparing results
def diff(old: Standard, new: Standard, records: Sequence[Mapping[str, Any]]) -> EditionDiff:
    """Score a cohort under both editions and say what changes, and why.

    Each edition reads the statistics it declares: a cohort may carry inputs that only
    one edition needs. A statistic neither edition declares is still an error.
    """
    known = old.input_names | new.input_names
    for index, record in enumerate(records):
        unknown = [key for key in record if key not in known and key != ENTITY_KEY]
        if unknown:
            entity = str(record.get(ENTITY_KEY, f"#{index + 1}"))
            raise DataError(f"neither edition declares an input {unknown[0]!r}", entity=entity,
                            input=str(unknown[0]))
    before = old.evaluate_cohort([_only(record, old) for record in records])
    after = new.evaluate_cohort([_only(record, new) for record in records])
    definitions = compare_definitions(old, new)
    reasons = {t: {d.code: _scoring(d) for d in found if d.code is not None}
               for t, found in _typed_definitions(old, new).items()}
    entities = tuple(EntityChange(a.entity, a, b, _indicator_changes(a, b, reasons.get(
                         b.entity_type or a.entity_type, reasons.get(None, {}))))
                     for a, b in zip(before, after))
    return EditionDiff(old, new, definitions, entities)


Reasons = tuple[tuple[str, str], ...]  # (aspect, detail)


def _scoring(change: DefinitionChange) -> Reasons:
    """The changes to an indicator's scoring, which can explain a changed result; wording cannot."""
    if change.change != "changed":
        return ((f"the indicator was {change.change}", f"the indicator was {change.change}"),)
    return tuple((a, d) for a, d in zip(change.aspects, change.details) if a in _SCORING)


def _only(record: Mapping[str, Any], standard: Standard) -> dict[str, Any]:
    names = standard.input_names
    return {key: value for key, value in record.items() if key == ENTITY_KEY or key in names}


def _indicator_changes(old: Evaluation, new: Evaluation,
                       reasons: Mapping[str, Reasons]) -> tuple[IndicatorChange, ...]:
    olds = {r.code: r for r in old.indicators}
    news = {r.code: r for r in new.indicators}
    changes = []
    for number in sorted(olds.keys() | news.keys(), key=s.code_order):
        a, b = olds.get(number), news.get(number)
        if a is not None and b is not None and (a.value, a.stars, a.points) == (b.value, b.stars, b.points):
            continue
        name = (b or a).name  # type: ignore[union-attr]  # one of them exists
        because = reasons.get(number) or (
            ("its definition scores the same", "its definition scores the same: its inputs or cohort differ"),)
        changes.append(IndicatorChange(number, name, a, b, tuple(d for _, d in because),
                                       tuple(r for r, _ in because)))
    return tuple(changes)


# ------------------------------------------------------------ rendering
def _edition(standard: Standard) -> dict[str, Any]:
    effective = standard.effective
    return {"title": standard.title, "edition": standard.edition, "source": standard.source_name,
            "effective": None if effective is None else effective.isoformat()}


def _edition_line(standard: Standard) -> str:
    effective = f", effective {standard.effective.isoformat()}" if standard.effective else ""
    return f"edition {standard.edition or '(none)'}{effective} ({standard.source_name})"


def _rating_name(evaluation: Evaluation) -> str | None:
    rating = evaluation.rating
    return None if rating is None else (rating.name or "none")


def _result(result: IndicatorResult | None, percent: bool) -> str:
    if result is None:
        return "absent"
    stars = "n/a" if result.stars is None else f"{result.stars}★"
    return f"{show_number(result.value, percent)} {stars} {show_number(result.points)} pts"


def _entity_lines(entity: EntityChange, percent: Mapping[str, bool]) -> list[str]:
    rating = f"{_rating_name(entity.old)} → {_rating_name(entity.new)}"
    lines = [f"  {entity.entity}: total {show_number(entity.old.total)} → {show_number(entity.new.total)}, "
             f"rating {rating}"]
    lines += [f"    {line}" for line in _rating_reasons(entity)]
    for change in entity.indicators:
        shown = percent.get(change.code, False)
        lines.append(f"    {change.code} {change.name}: {_result(change.old, shown)} → "
                     f"{_result(change.new, shown)}")
        # The definitions section above gives the details; here, which of them.
        lines.append("        because: " + "; ".join(change.reasons))
    return lines


def _rating_reasons(entity: EntityChange) -> list[str]:
    """Why the level the entity had under the old edition is not reached under the new one."""
    old, new = entity.old.rating, entity.new.rating
    if old is None or new is None or new.rank >= old.rank:
        return []
    level = next((lv for lv in new.levels if lv.name == old.name),
                 next((lv for lv in reversed(new.levels) if lv.rank == old.rank), None))
    if level is None:
        return [f"the new edition has no level {old.rank}"]
    return [f"{level.name} not reached: {r.text} ({r.actual})" for r in level.failed]
