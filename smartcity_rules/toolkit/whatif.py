"""What if a standard said something else: each `--set` replaces one clause of the standard with
a clause written in the standard's own syntax, the changed standard is checked again whole, and
a cohort is scored under both and compared as two editions are (`editions.diff`).

A `--set` is a target, then the clause (docs/whatif.md):

    indicator 12 stars at least 40%, 55%, 70%, 85%, 95%     an indicator's or item's clause
    indicator 12 bands = at least 40%, 55%, 70%, 85%, 95%   the same, as issue 15 spells it
    group "数字惠民" points 24 provisional                   a group's points, cap or weight
    group "数字政务" rounding 2 decimals                     or one of its settings
    total 100                                              a header line: the total or rounding
    rating level 5 "五星级" when total >= 88                 a level (by its rank), veto or cap
    rating unrated when missing more than 30%
    bands 覆盖率 = at least 20%, 40%, 60%, 80%, 100%         a named bands line

The target is read here; the clause by the language's own parser (`parse_part`), on a Source of
its own (`<--set 1>`), so a clause that does not parse, or makes the standard invalid, is
reported by the usual diagnostics pointing into the `--set`. Nothing is spliced into the
standard's text: clauses are replaced on its linked syntax tree.
"""

from __future__ import annotations

import bisect
import difflib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Any

import attrs

from ..language import syntax as s
from ..language.diagnostics import Diagnostic
from ..language.errors import InvalidStandard
from ..language.parse import Clause, parse_part
from ..language.source import Source, Span
from ..results.display import is_percentage
from ..standard import Standard, from_tree
from . import editions


# ------------------------------------------------------------ the result
@attrs.frozen
class WhatIf(editions.EditionDiff):
    """An EditionDiff of the standard as it is (`old`) and as the changes make it (`new`), with the
    changes as written and each entity's place in the cohort by total, before and after."""

    sets: tuple[str, ...] = ()  # the --set texts; () when compared with another file (--against)

    @property
    def ranks(self) -> tuple[tuple[int, int], ...]:
        """Each entity's competition rank by total (1, 2, 2, 4…), before and after, in cohort order."""
        before = _competition_ranks([e.old.total for e in self.entities])
        after = _competition_ranks([e.new.total for e in self.entities])
        return tuple(zip(before, after))

    @property
    def changed(self) -> tuple[editions.EntityChange, ...]:
        """The entities whose stars, points, total, rating or rank differ."""
        differ = {id(e) for e in super().changed}  # by identity: comparing Evaluations is dearer
        return tuple(e for e, (before, after) in zip(self.entities, self.ranks) if id(e) in differ or before != after)

    def _rank_of(self) -> dict[int, tuple[int, int]]:
        """Each entity's ranks by its EntityChange's identity: two entities may share a name."""
        return {id(e): ranks for e, ranks in zip(self.entities, self.ranks)}

    def to_dict(self) -> dict[str, Any]:
        ranks = self._rank_of()
        entities = [{**e.to_dict(), "rank": dict(zip(("old", "new"), ranks[id(e)]))} for e in self.changed]
        return {"standard": editions._edition(self.old), "sets": list(self.sets),
                "against": None if self.sets else editions._edition(self.new),
                "definitions": [d.to_dict() for d in self.definitions],
                "entities": entities, "unchanged": len(self.entities) - len(entities)}

    def render(self) -> str:
        lines = [self.old.title, f"  as it is: {editions._edition_line(self.old)}", "What if:"]
        lines += [f"  --set {line}" for line in self.sets] or [f"  {editions._edition_line(self.new)}"]
        lines += ["", f"Definitions that differ ({len(self.definitions)}):"]
        lines += [f"  {line}" for change in self.definitions for line in change.render().split("\n")]
        lines += [] if self.definitions else ["  none"]
        changed = self.changed
        unchanged = len(self.entities) - len(changed)
        lines += ["", f"Entities whose results differ ({len(changed)} of {len(self.entities)}; "
                      f"{unchanged} unchanged):"]
        return "\n".join(lines + self._entity_lines(changed))

    def _entity_lines(self, changed: Iterable[editions.EntityChange]) -> list[str]:
        percent = {i.code: is_percentage(i) for _, old, new in editions._pairs(self.old, self.new)
                   for i in (*old.checked.indicators, *new.checked.indicators)}
        ranks = self._rank_of()
        lines: list[str] = []
        for entity in changed:
            shown = editions._entity_lines(entity, percent)
            shown[1:1] = _rise_reasons(entity)
            before, after = ranks[id(entity)]
            if before != after:
                shown[0] += f", rank {before} → {after}"
            if before != after and not entity.indicators and entity.old.total == entity.new.total:
                shown.append("    because: the totals of others changed")
            lines += shown
        return lines


def _rise_reasons(entity: editions.EntityChange) -> list[str]:
    """Why an entity reaches a higher level (diff says why one is lost): what held it back before."""
    old, new = entity.old.rating, entity.new.rating
    if old is None or new is None or new.rank <= old.rank:
        return []
    level = next((lv for lv in old.levels if lv.name == new.name), None)
    failed = [] if level is None else [f"{r.text} ({r.actual})" for r in level.failed]
    return [f"    {new.name} now reached" + (": before, " + "; ".join(failed) + " did not hold" if failed else "")]


def _competition_ranks(totals: Sequence[Fraction]) -> list[int]:
    """Best first; equal totals share a place and the next place skips (1, 2, 2, 4)."""
    ordered = sorted(totals)
    return [1 + len(ordered) - bisect.bisect_right(ordered, total) for total in totals]


# ------------------------------------------------------------ the API
def whatif(standard: Standard, records: Sequence[Mapping[str, Any]], changes: Sequence[str] | Standard) -> WhatIf:
    """Score a cohort under the standard as it is and as `changes` make it: `--set` texts, or
    another standard file's Standard to compare with (`--against`). Raises InvalidStandard when
    a change does not read or leaves the standard invalid, its diagnostics in the `--set`."""
    if isinstance(changes, Standard):
        return _as_whatif(editions.diff(standard, changes, records), ())
    sets = (changes,) if isinstance(changes, str) else tuple(changes)  # one --set, not one per character
    return _as_whatif(editions.diff(standard, changed_standard(standard, sets), records), sets)


def _as_whatif(found: editions.EditionDiff, sets: tuple[str, ...]) -> WhatIf:
    return WhatIf(found.old, found.new, found.definitions, found.entities, sets)


def changed_standard(standard: Standard, sets: Sequence[str]) -> Standard:
    """The standard with every `--set` applied, in order, checked again whole (on its back-end)."""
    readings, problems = _read_all(sets)
    tree = standard.syntax
    seen: dict[tuple[str, str, str], Setting] = {}
    for setting in readings:
        problems += _twice(setting, seen)
        try:
            tree = setting.apply(tree)
        except InvalidStandard as error:
            problems += error.diagnostics
    if problems:
        raise InvalidStandard(problems)
    try:
        return from_tree(tree, backend=standard.backend)
    except InvalidStandard as error:
        raise InvalidStandard([*error.diagnostics, *_culprits(standard, readings, error)]) from None


SET_SOURCE = "<--set "  # how each --set's Source is named: `<--set 1>`


def _culprits(standard: Standard, readings: Sequence[Setting], error: InvalidStandard) -> list[Diagnostic]:
    """E0407 at each --set that alone leaves the standard invalid (at all of them when only
    together they do), for errors the checker reports elsewhere, such as a group's sum."""
    if any(d.span is not None and d.span.source.name.startswith(SET_SOURCE) for d in error.diagnostics):
        return []
    alone = [r for r in readings if not _checks(standard, r)] or list(readings)
    return [Diagnostic("E0407", "the standard does not check with this --set", r.span, label="changed here",
                       help="the errors above are in the standard as the --sets leave it") for r in alone]


def _checks(standard: Standard, reading: Setting) -> bool:
    try:
        from_tree(reading.apply(standard.syntax), backend=standard.backend)
    except InvalidStandard:
        return False
    return True


def _read_all(sets: Sequence[str]) -> tuple[list[Setting], list[Diagnostic]]:
    readings: list[Setting] = []
    problems: list[Diagnostic] = []
    for number, text in enumerate(sets, start=1):
        try:
            readings.append(read_set(text, number))
        except InvalidStandard as error:
            problems += error.diagnostics
    return readings, problems


def _twice(setting: Setting, seen: dict[tuple[str, str, str], Setting]) -> list[Diagnostic]:
    """E0406 for a second --set of the same clause: which of them should win is the author's call."""
    first = seen.setdefault(setting.key, setting)
    if first is setting:
        return []
    return [Diagnostic("E0406", f"{setting.what} is set twice", setting.span,
                       label=f"also set by {first.span.source.name}",
                       help="give each clause one --set: drop one of them")]


# ------------------------------------------------------------ reading a --set
@attrs.frozen
class Setting:
    """One --set, read: what it replaces (`target` and `name`) and the clause replacing it."""

    target: str  # "indicator", "group", "header", "level", "override", "unrated" or "bands"
    name: str  # the indicator's code, the group's name, the level's rank, the veto's reason...
    name_span: Span
    part: Any  # a Clause, or the node: StarBands, BandsDecl, Level, Override, Literal
    span: Span  # the clause's
    provisional: bool = False  # a group's points marked provisional

    @property
    def field(self) -> str:
        return self.part.field if isinstance(self.part, Clause) else self.target

    @property
    def key(self) -> tuple[str, str, str]:
        group_numbers = self.target == "group" and self.field in _GROUP_NUMBERS
        if self.field == "note":  # notes add up, one clause each
            return self.target, self.name, f"note {self.part.value}"
        return self.target, self.name, "points" if group_numbers else self.field

    @property
    def what(self) -> str:
        return {"indicator": f"indicator {self.name}'s `{self.field}`", "group": f'group "{self.name}"\'s '
                f"`{self.key[2]}`", "header": f"the header's `{self.field}`", "level": f"level {self.name}",
                "override": f'"{self.name}"', "unrated": "the rating's `unrated`",
                "bands": f"bands {self.name}"}[self.target]

    def apply(self, tree: s.StandardFile) -> s.StandardFile:
        """The tree with this clause replaced; InvalidStandard (E0401–E0405) when its target is not there."""
        return _APPLY[self.target](tree, self)


_CODE = r"[A-Za-z0-9]+(?:[.\-][A-Za-z0-9]+)*"
_STRING = r'"(?:[^"\\\n]|\\["\\nt])*"'
_TARGET = re.compile(rf"\s*(?:(?:indicator|item)\s+(?P<code>{_CODE})(?![\w.\-])|group\s+(?P<group>{_STRING})"
                     rf"|(?P<rating>rating)\b|(?P<line>total|rounding|bands)\b)")
_BANDS_ALIAS = re.compile(r"\s*bands\s*=")
_PROVISIONAL = re.compile(r"\s+provisional\s*$")
_GROUP_NUMBERS = ("points", "cap", "weight")
TARGETS = ('indicator CODE', 'item CODE', 'group "NAME"', "total", "rounding", "rating level",
           "rating veto", "rating cap", "rating unrated", "bands NAME")


def read_set(text: str, number: int) -> Setting:
    """One --set's target and clause; InvalidStandard (E0400, or the parser's) pointing into it."""
    source = Source(f"{SET_SOURCE}{number}>", text)
    found = _TARGET.match(text)
    if found is None:
        raise _problem("E0400", "a --set begins with what it changes", _first_word(source),
                       "not a target", "begin with one of: " + ", ".join(TARGETS))
    if found.group("code"):
        return _indicator_set(source, found)
    if found.group("group"):
        return _group_set(source, found)
    if found.group("rating"):
        return _rating_set(source, found.end())
    return _line_set(source, found.start("line"))


def _first_word(source: Source) -> Span:
    word = re.search(r"\S+", source.text)
    return source.span(word.start(), word.end()) if word else source.span(0, 0)


def _problem(code: str, message: str, span: Span, label: str = "", help: str = "") -> InvalidStandard:
    return InvalidStandard([Diagnostic(code, message, span, label=label, help=help)])


def _indicator_set(source: Source, found: re.Match[str]) -> Setting:
    name_span = source.span(found.start("code"), found.end("code"))
    alias = _BANDS_ALIAS.match(source.text, found.end())
    if alias is not None:
        bands = parse_part(source, alias.end(), len(source.text), "band_spec")
        span = source.span(alias.start() + len(alias.group()) - len(alias.group().lstrip()), len(source.text))
        return Setting("indicator", found.group("code"), name_span, Clause("stars", bands, (), span), span)
    clause = parse_part(source, found.end(), len(source.text), "clause")
    if clause.field == "item":
        raise _problem("E0405", "a --set cannot add an item", clause.span, "an item, not a clause of one",
                       f"set one of the item's clauses: `indicator {clause.value.code} points 2`")
    return Setting("indicator", found.group("code"), name_span, clause, clause.span)


def _group_set(source: Source, found: re.Match[str]) -> Setting:
    name = _unquoted(found.group("group"))
    name_span = source.span(found.start("group"), found.end("group"))
    start, end = found.end(), len(source.text)
    if re.match(r"\s*(?:points|at|weight)\b", source.text[start:]) is None:
        clause = parse_part(source, start, end, "group_setting")
        return Setting("group", name, name_span, clause, clause.span)
    mark = _PROVISIONAL.search(source.text, start)
    clause = parse_part(source, start, mark.start() if mark else end, "group_points")
    return Setting("group", name, name_span, clause, clause.span, provisional=mark is not None)


def _unquoted(text: str) -> str:
    return re.sub(r'\\(["\\nt])', lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text[1:-1])


def _rating_set(source: Source, start: int) -> Setting:
    rest = re.match(r"\s*(level|veto|cap|unrated)\b", source.text[start:])
    if rest is None:
        word = re.compile(r"\S+").search(source.text, start)
        span = source.span(word.start(), word.end()) if word else source.span(start, start)
        raise _problem("E0400", "a rating --set replaces a level, a veto, a cap or `unrated when`", span,
                       "not one of them", 'write `rating level 5 "五星级" when total >= 85` or '
                       '`rating veto "…" when …`')
    rule = {"level": "level", "veto": "override", "cap": "override", "unrated": "unrated_rule"}[rest.group(1)]
    part = parse_part(source, start, len(source.text), rule)
    span = source.span(start + rest.start(1), len(source.text.rstrip()))
    if isinstance(part, s.Level):
        return Setting("level", fmt_rank(part.rank), span, part, span)
    if isinstance(part, s.Override):
        return Setting("override", part.reason, span, part, span)
    return Setting("unrated", "", span, part, span)


def fmt_rank(rank: s.Literal) -> str:
    return str(rank.value.numerator) if rank.value.denominator == 1 else rank.text


def _line_set(source: Source, start: int) -> Setting:
    """`total …`, `rounding …` (header lines) and `bands NAME = …`: the whole --set is the line."""
    if source.text[start:].startswith("bands"):
        decl = parse_part(source, start, len(source.text), "bands_decl")
        name = re.compile(r"bands\s+(\S+?)\s*=").match(source.text, start)
        name_span = source.span(name.start(1), name.end(1)) if name else decl.span
        return Setting("bands", decl.name, name_span, decl, decl.span)
    clause = parse_part(source, start, len(source.text), "meta")
    return Setting("header", clause.field, clause.span, clause, clause.span)


# ------------------------------------------------------------ replacing a clause
def _set_indicators(tree: s.StandardFile, setting: Setting) -> s.StandardFile:
    codes = [leaf.code for i in tree.all_indicators() for leaf in (i, *i.items)]
    if setting.name not in codes:
        raise _unknown("E0401", f"the standard has no indicator or item {setting.name}", setting, codes)

    def change(indicator: s.Indicator) -> s.Indicator:
        return _with_clause(indicator, setting.part) if indicator.code == setting.name else indicator
    return attrs.evolve(tree, groups=_each_group(tree.groups, lambda g: g, change))


def _with_clause(indicator: s.Indicator, clause: Clause) -> s.Indicator:
    if clause.field == "note":
        return attrs.evolve(indicator, notes=(*indicator.notes, clause.value))
    kept = tuple((key, numbers) for key, numbers in indicator.per_type if key != clause.field)
    return attrs.evolve(indicator, per_type=kept + clause.per_type, **{clause.field: clause.value})


def _each_group(groups: tuple[s.Group, ...], on_group: Callable[[s.Group], s.Group],
                on_indicator: Callable[[s.Indicator], s.Indicator]) -> tuple[s.Group, ...]:
    """The groups rebuilt, every group through `on_group` and every indicator and item through
    `on_indicator` (recursion as deep as the groups nest, which the parser bounds)."""
    def member(m: s.Indicator | s.ReusedIndicator | s.Group) -> s.Indicator | s.ReusedIndicator | s.Group:
        if isinstance(m, s.Group):
            return on_group(attrs.evolve(m, members=tuple(member(inner) for inner in m.members)))
        if isinstance(m, s.Indicator):
            return on_indicator(attrs.evolve(m, items=tuple(on_indicator(item) for item in m.items)))
        return m  # a linked tree holds none
    return tuple(on_group(attrs.evolve(g, members=tuple(member(m) for m in g.members))) for g in groups)


def _set_groups(tree: s.StandardFile, setting: Setting) -> s.StandardFile:
    names = [g.name for g in tree.all_groups()]
    if setting.name not in names:
        raise _unknown("E0402", f'the standard has no group "{setting.name}"', setting, names, quoted=True)

    def change(group: s.Group) -> s.Group:
        return _group_with(group, setting) if group.name == setting.name else group
    return attrs.evolve(tree, groups=_each_group(tree.groups, change, lambda i: i))


def _group_with(group: s.Group, setting: Setting) -> s.Group:
    clause: Clause = setting.part
    if clause.field not in _GROUP_NUMBERS:
        return attrs.evolve(group, **{clause.field: clause.value})
    kept = tuple((key, numbers) for key, numbers in group.per_type if key not in _GROUP_NUMBERS)
    numbers: dict[str, Any] = {key: clause.value if key == clause.field else None for key in _GROUP_NUMBERS}
    return attrs.evolve(group, provisional=setting.provisional, per_type=kept + clause.per_type, **numbers)


def _set_header(tree: s.StandardFile, setting: Setting) -> s.StandardFile:
    clause: Clause = setting.part
    header = tree.header or s.Header("", span=setting.span)
    if clause.field == "rounding":
        return attrs.evolve(tree, header=attrs.evolve(header, rounding=clause.value))
    total, provisional = clause.value
    kept = tuple((key, numbers) for key, numbers in header.per_type if key != "total")
    return attrs.evolve(tree, header=attrs.evolve(header, total=total, total_provisional=provisional,
                                                  per_type=kept + clause.per_type))


def _rating(tree: s.StandardFile, setting: Setting) -> s.Rating:
    if tree.rating is None:
        raise _problem("E0403", "the standard has no rating to change", setting.span,
                       "it has no `rating { … }` block", "a --set replaces what the standard has; "
                       "write the rating in the standard")
    return tree.rating


def _set_level(tree: s.StandardFile, setting: Setting) -> s.StandardFile:
    rating, level = _rating(tree, setting), setting.part
    same = [lv for lv in rating.levels if lv.rank.value == level.rank.value and lv.types == level.types]
    if not same:
        ranks = [f"{fmt_rank(lv.rank)} {lv.name}" for lv in rating.levels]
        raise _problem("E0403", f"the rating has no level {setting.name}" + (
            " for these types" if level.types else ""), setting.span, "no such level",
            "its levels: " + ", ".join(ranks) + "; a --set replaces a level by its rank")
    levels = tuple(level if lv in same else lv for lv in rating.levels)
    return attrs.evolve(tree, rating=attrs.evolve(rating, levels=levels))


def _set_override(tree: s.StandardFile, setting: Setting) -> s.StandardFile:
    rating, override = _rating(tree, setting), setting.part
    reasons = [o.reason for o in rating.overrides]
    if override.reason not in reasons:
        raise _unknown("E0403", f'the rating has no veto or cap "{override.reason}"', setting, reasons,
                       quoted=True)
    overrides = tuple(override if o.reason == override.reason else o for o in rating.overrides)
    return attrs.evolve(tree, rating=attrs.evolve(rating, overrides=overrides))


def _set_unrated(tree: s.StandardFile, setting: Setting) -> s.StandardFile:
    rating = _rating(tree, setting)
    return attrs.evolve(tree, rating=attrs.evolve(rating, unrated_above=setting.part))


def _set_bands(tree: s.StandardFile, setting: Setting) -> s.StandardFile:
    names = [b.name for b in tree.bands]
    if setting.name not in names:
        raise _unknown("E0404", f"the standard has no bands {setting.name}", setting, names)
    return attrs.evolve(tree, bands=tuple(setting.part if b.name == setting.name else b for b in tree.bands))


def _unknown(code: str, message: str, setting: Setting, known: Sequence[str], *,
             quoted: bool = False) -> InvalidStandard:
    """An unknown target, with a did-you-mean from the names the standard has."""
    close = difflib.get_close_matches(setting.name, list(dict.fromkeys(known)), n=1, cutoff=0.5)
    shown = [f'"{name}"' if quoted else name for name in close]
    help = f"did you mean `{shown[0]}`?" if shown else (
        "it has: " + ", ".join(f'"{k}"' if quoted else k for k in list(dict.fromkeys(known))[:12]) if known else "")
    return _problem(code, message, setting.name_span, "not in the standard", help)


_APPLY: dict[str, Callable[[s.StandardFile, Setting], s.StandardFile]] = {
    "indicator": _set_indicators, "group": _set_groups, "header": _set_header, "level": _set_level,
    "override": _set_override, "unrated": _set_unrated, "bands": _set_bands}

