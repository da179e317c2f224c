"""Entity types: the checks of a typed standard, and its projection onto each type.

A standard that says `entity type by 类型` is one standard per value of that choice input.
`project` is a pure syntax-to-syntax function: for one type it keeps the nodes, levels and
overrides that apply to it and picks its per-type numbers, and what it returns has nothing typed
left, so every later stage (check, the analyses, the plan, the back-ends) runs unchanged on it.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TypeVar

import attrs

from . import syntax as s
from .diagnostics import Diagnostic, Severity
from .source import Span

C = TypeVar("C")
# Findings about the standard as a whole, not about one type: an input only one type reads is
# used, a number only another type holds is no gap. Kept only when every projection has them.
WHOLE_STANDARD_CODES = frozenset({"W0201", "W0303"})


# ------------------------------------------------------------------ reading
def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f'"{name}"' for name in names)


def routing(tree: s.StandardFile) -> s.ChoiceInput | None:
    """The choice input `entity type by` names, when it names one."""
    name = None if tree.header is None else tree.header.entity_type
    return next((choice for choice in tree.choices if choice.name == name), None)


def entity_types(tree: s.StandardFile) -> tuple[str, ...]:
    """The entity types of a typed standard, in the order its choice input lists them; ()."""
    choice = routing(tree)
    return () if choice is None else tuple(dict.fromkeys(choice.choices))


def _nodes(tree: s.StandardFile) -> Iterator[s.Group | s.Indicator]:
    for group in tree.all_groups():
        yield group
        for member in group.indicators:
            if isinstance(member, s.Indicator):
                yield member
                yield from member.items


def _levels(tree: s.StandardFile) -> tuple[s.Level | s.Override, ...]:
    return () if tree.rating is None else (*tree.rating.overrides, *tree.rating.levels)


def is_typed(tree: s.StandardFile) -> bool:
    """Whether anything in the tree is about entity types (then only its projections are checked)."""
    header = tree.header
    return bool(tree.choices or (header is not None and (header.entity_type or header.per_type))
                or any(node.types or node.per_type for node in _nodes(tree))
                or any(rule.types for rule in _levels(tree)))


# --------------------------------------------------------------- projecting
def _applies(types: s.ForTypes | None, entity_type: str) -> bool:
    return types is None or entity_type in types.names


def _numbers(per_type: s.PerTypeFields, entity_type: str) -> dict[str, s.Literal]:
    """The number of each per-type field for one type (the checks made sure there is one)."""
    return {key: literal for key, values in per_type
            if (literal := values.get(entity_type)) is not None}


def _indicator(indicator: s.Indicator, entity_type: str) -> s.Indicator:
    chosen = _numbers(indicator.per_type, entity_type)
    points = indicator.points
    if "points" in chosen and points is not None:
        points = attrs.evolve(points, maximum=chosen["points"])
    items = tuple(_indicator(item, entity_type) for item in indicator.items
                  if _applies(item.types, entity_type))
    return attrs.evolve(indicator, points=points, weight=chosen.get("weight", indicator.weight),
                        items=items, types=None, per_type=())


def _group(group: s.Group, entity_type: str) -> s.Group:
    chosen = _numbers(group.per_type, entity_type)
    members = tuple(_group(m, entity_type) if isinstance(m, s.Group) else _indicator(m, entity_type)
                    for m in group.members
                    if isinstance(m, s.Group | s.Indicator) and _applies(m.types, entity_type))
    return attrs.evolve(group, members=members, points=chosen.get("points", group.points),
                        cap=chosen.get("cap", group.cap), weight=chosen.get("weight", group.weight),
                        types=None, per_type=())


def _rating(rating: s.Rating, entity_type: str) -> s.Rating:
    return attrs.evolve(
        rating,
        levels=tuple(attrs.evolve(lv, types=None) for lv in rating.levels if _applies(lv.types, entity_type)),
        overrides=tuple(attrs.evolve(o, types=None) for o in rating.overrides if _applies(o.types, entity_type)))


def project(tree: s.StandardFile, entity_type: str) -> s.StandardFile:
    """The standard as entities of one type see it: the nodes, levels and overrides for that type,
    with its numbers; nothing typed is left, and spans still point into the typed file."""
    header = tree.header
    if header is not None:
        total = _numbers(header.per_type, entity_type).get("total", header.total)
        header = attrs.evolve(header, total=total, entity_type=None, entity_type_span=None, per_type=())
    groups = tuple(_group(g, entity_type) for g in tree.groups if _applies(g.types, entity_type))
    rating = None if tree.rating is None else _rating(tree.rating, entity_type)
    return attrs.evolve(tree, header=header, groups=groups, rating=rating, choices=())


# ----------------------------------------------------------------- checking
@attrs.define
class _TypeChecker:
    """The checks only a typed standard has (E0280-E0287), over the whole typed tree."""

    tree: s.StandardFile
    types: tuple[str, ...]
    problems: list[Diagnostic] = attrs.field(factory=list)

    def error(self, code: str, message: str, span: Span | None, label: str = "", help: str = "") -> None:
        self.problems.append(Diagnostic(code, message, span, label=label, help=help))

    def run(self) -> list[Diagnostic]:
        if not self._routing():
            return self.problems
        self._choices()
        header = self.tree.header
        if header is not None:
            self._per_type(header.per_type, self.types, "the total")
        for group in self.tree.groups:
            self._group(group, self.types)
        for rule in _levels(self.tree):
            self._for(rule.types, self.types, "level" if isinstance(rule, s.Level) else "override")
        self._unread()
        self._emptied()
        return self.problems

    def _routing(self) -> bool:
        header = self.tree.header
        name = None if header is None else header.entity_type
        if name is None:
            self._untyped()
            return False
        if routing(self.tree) is not None:
            return True
        assert header is not None
        plain = next((d for d in self.tree.inputs if d.name == name), None)
        if plain is not None:
            self.error("E0280", f"`entity type by {name}` names a {plain.kind.value} input", header.entity_type_span,
                       label="not a choice input", help=f'declare it `input {name} "…": choice of "…", "…"`')
            return False
        close = difflib.get_close_matches(name, [c.name for c in self.tree.choices], n=1)
        self.error("E0280", f"`entity type by {name}` names no choice input", header.entity_type_span,
                   label="not declared", help=f"did you mean `{close[0]}`?" if close else
                   f'declare it `input {name} "…": choice of "…", "…"`')
        return False

    def _untyped(self) -> None:
        """Typed syntax in a standard that declares no `entity type by`."""
        spans = [c.span for c in self.tree.choices]
        spans += [n.types.span for n in _nodes(self.tree) if n.types is not None]
        spans += [v.span for n in _nodes(self.tree) for _, v in n.per_type]
        spans += [r.types.span for r in _levels(self.tree) if r.types is not None]
        header = self.tree.header
        spans += [v.span for _, v in header.per_type] if header is not None else []
        for span in spans[:1]:
            self.error("E0284", "entity types are used, but the header says no `entity type by`", span,
                       label="needs `entity type by NAME` in the header",
                       help="name the choice input that says each entity's type in the header")

    def _choices(self) -> None:
        for choice in self.tree.choices:
            if choice.name != self._name:
                self.error("E0284", f"choice input `{choice.name}` does not route entity types", choice.name_span,
                           label="only `entity type by` reads a choice input",
                           help="a standard has one entity type input: remove this one")
            seen: set[str] = set()
            for value in choice.choices:
                if value in seen or not value:
                    problem = "empty" if not value else "given twice"
                    self.error("E0285", f"choice {_quoted([value])} of `{choice.name}` is {problem}",
                               choice.span, label="each choice once, and not empty")
                seen.add(value)
            if any(d.name == choice.name for d in self.tree.inputs):
                self.error("E0283", f"`{choice.name}` is declared as an input and as a choice", choice.name_span,
                           label="one name, one input")

    @property
    def _name(self) -> str:
        """The routing input's name (the checks run once it is known)."""
        return "" if self.tree.header is None else self.tree.header.entity_type or ""

    def _known(self, name: str, span: Span) -> bool:
        if name in self.types:
            return True
        close = difflib.get_close_matches(name, list(self.types), n=1)
        self.error("E0281", f"entity type {_quoted([name])} is not a choice of `{self._name}`",
                   span, label=f"the types are {_quoted(self.types)}",
                   help=f"did you mean {_quoted(close)}?" if close else "")
        return False

    def _for(self, types: s.ForTypes | None, outer: tuple[str, ...], what: str) -> tuple[str, ...]:
        """The types a node applies to: its own `for` within those of the node around it."""
        if types is None:
            return outer
        names = tuple(name for name in types.names if self._known(name, types.span))
        if len(set(types.names)) < len(types.names):
            self.error("E0286", f"a type is named twice in the {what}'s `for`", types.span,
                       label="name each type once")
        inside = tuple(t for t in dict.fromkeys(names) if t in outer)
        if names and not inside:
            self.error("E0286", f"the {what} applies to no entity type", types.span,
                       label=f"the node around it is only for {_quoted(outer)}",
                       help="a node applies to the types of its own `for` that the nodes around it apply to")
        return inside

    def _per_type(self, per_type: s.PerTypeFields, types: tuple[str, ...], what: str) -> None:
        for key, values in per_type:
            named = [name for name, _ in values.values]
            for name in named:
                self._known(name, values.span)
            missing = [t for t in types if t not in named]
            extra = [t for t in dict.fromkeys(named) if t in self.types and t not in types]
            twice = [t for t in dict.fromkeys(named) if named.count(t) > 1]
            label = (f"no number for {_quoted(missing)}" if missing else
                     f"{_quoted(extra)}: not a type it applies to" if extra else
                     f"{_quoted(twice)} given twice" if twice else "")
            if label:
                self.error("E0282", f"{what}'s `{key}` per type does not name each of its types once",
                           values.span, label=label,
                           help=f"give one number for each of {_quoted(types)}")

    def _group(self, group: s.Group, outer: tuple[str, ...]) -> None:
        types = self._for(group.types, outer, "group")
        self._per_type(group.per_type, types, f'group "{group.name}"')
        for member in group.members:
            if isinstance(member, s.Group):
                self._group(member, types)
            elif isinstance(member, s.Indicator):
                self._indicator(member, types)

    def _indicator(self, indicator: s.Indicator, outer: tuple[str, ...]) -> None:
        what = "item" if indicator.is_item else "indicator"
        types = self._for(indicator.types, outer, what)
        self._per_type(indicator.per_type, types, f"{what} {indicator.code}")
        for item in indicator.items:
            self._indicator(item, types)

    def _unread(self) -> None:
        choice = routing(self.tree)
        assert choice is not None
        for node in _nodes(self.tree):
            if isinstance(node, s.Indicator) and node.value is not None:
                for ref in s.walk(node.value):
                    if isinstance(ref, s.Ref) and ref.name == choice.name:
                        self.error("E0283", f"indicator {node.code} reads the entity type `{choice.name}`",
                                   ref.span, label="a choice is not a number",
                                   help='write what differs by type as nodes `for "…"` or numbers per type')

    def _emptied(self) -> None:
        if self.problems:
            return
        for entity_type in self.types:
            projected = project(self.tree, entity_type)
            span = self.tree.header.entity_type_span if self.tree.header is not None else None
            if not any(True for _ in projected.all_indicators()):
                self.error("E0287", f"entity type {_quoted([entity_type])} is left with no indicators", span,
                           label="every indicator is `for` other types",
                           help="give the type indicators, or remove it from the choices")
            elif projected.rating is not None and not projected.rating.levels:
                self.error("E0287", f"entity type {_quoted([entity_type])} is left with no rating level", span,
                           label="every level is `for` other types",
                           help="give the type a level, or write a level without `for`")


def problems(tree: s.StandardFile) -> list[Diagnostic]:
    """What is wrong with the typed parts of a standard, before any projection is checked."""
    return _TypeChecker(tree, entity_types(tree)).run()


# --------------------------------------------------- checking each projection
def _about(diagnostic: Diagnostic, types: list[str], every: tuple[str, ...]) -> Diagnostic:
    if len(types) == len(every):
        return diagnostic
    which = f"entity type{'s' if len(types) > 1 else ''} {_quoted(types)}"
    return attrs.evolve(diagnostic, message=f"{diagnostic.message} ({which})")


def merge(found: Mapping[str, list[Diagnostic]]) -> list[Diagnostic]:
    """The projections' diagnostics as one list: a problem every type has, once as it is; one only
    some types have, once, saying which types (`... (entity type "县")`)."""
    every = tuple(found)
    owners: dict[Diagnostic, list[str]] = {}
    for entity_type, diagnostics in found.items():
        for diagnostic in diagnostics:
            owners.setdefault(diagnostic, []).append(entity_type)
    return [_about(d, types, every) for d, types in owners.items()
            if len(types) == len(every) or d.code not in WHOLE_STANDARD_CODES]


def review_each(tree: s.StandardFile,
                review: Callable[[s.StandardFile], tuple[C | None, list[Diagnostic]]]
                ) -> tuple[dict[str, C] | None, list[Diagnostic]]:
    """Each type's checked standard (by `review`, on its projection) and every problem found, the
    typed checks' included; the standards are None when any projection could not be checked."""
    found = problems(tree)
    if any(d.severity is Severity.ERROR for d in found):
        return None, found
    results = {t: review(project(tree, t)) for t in entity_types(tree)}
    checked = {t: c for t, (c, _) in results.items() if c is not None}
    merged = merge({t: diagnostics for t, (_, diagnostics) in results.items()})
    return (checked if len(checked) == len(results) else None), [*found, *merged]
