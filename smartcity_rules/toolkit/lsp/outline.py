"""The outline: the header, the inputs and bands, the groups with their indicators and items
nested as the standard nests them, and the rating's levels, each with its place in the file."""

from __future__ import annotations

import enum
from collections.abc import Iterator

import attrs

from ...language import syntax as s
from ...language.source import Span


class Shape(enum.Enum):
    """What an entry is, for the editor's icon."""

    STANDARD = "standard"
    INPUT = "input"
    BANDS = "bands"
    GROUP = "group"
    INDICATOR = "indicator"
    ITEM = "item"
    RATING = "rating"
    LEVEL = "level"


@attrs.frozen
class Entry:
    name: str
    shape: Shape
    span: Span  # the whole node
    focus: Span  # its name: what the editor selects
    detail: str = ""
    children: tuple[Entry, ...] = ()


def outline(tree: s.StandardFile) -> list[Entry]:
    """The entries in source order."""
    entries = list(_entries(tree))
    return sorted(entries, key=lambda e: e.span.start)


def _entries(tree: s.StandardFile) -> Iterator[Entry]:
    if tree.header is not None:
        yield Entry(tree.header.title, Shape.STANDARD, tree.header.span, tree.header.span,
                    tree.header.level.value if tree.header.level else "")
    for decl in tree.inputs:
        yield Entry(decl.name, Shape.INPUT, decl.span, decl.name_span, decl.label)
    for choice in tree.choices:
        yield Entry(choice.name, Shape.INPUT, choice.span, choice.name_span, choice.label)
    for bands in tree.bands:
        yield Entry(bands.name, Shape.BANDS, bands.span, bands.span, bands.bands.rule.value)
    yield from (_group(group) for group in tree.groups)
    if tree.rating is not None:
        levels = tuple(Entry(level.name, Shape.LEVEL, level.span, level.span, f"level {level.rank.text}")
                       for level in tree.rating.levels)
        yield Entry("rating", Shape.RATING, tree.rating.span, tree.rating.span, children=levels)


def _group(group: s.Group) -> Entry:
    members = tuple(_group(m) if isinstance(m, s.Group) else _indicator(m) for m in group.members)
    numbers = " ".join(f"{word} {n.text}" for word, n in (("points", group.points), ("at most", group.cap),
                                                          ("weight", group.weight)) if n is not None)
    name = f"{group.code} {group.name}" if group.code else group.name
    return Entry(name, Shape.GROUP, group.span, group.name_span, ("bonus " if group.bonus else "") + numbers,
                 members)


def _indicator(indicator: s.Indicator | s.ReusedIndicator) -> Entry:
    star = " ★" if indicator.leading else ""
    if isinstance(indicator, s.ReusedIndicator):
        title = indicator.name or f"from {indicator.standard} {indicator.base_code}"
        return Entry(f"{indicator.code}{star} {title}", Shape.INDICATOR, indicator.span, indicator.code_span,
                     f"from {indicator.standard} {indicator.base_code}")
    items = tuple(Entry(f"{i.code} {i.name}", Shape.ITEM, i.span, i.code_span) for i in indicator.items)
    return Entry(f"{indicator.code}{star} {indicator.name}", Shape.INDICATOR, indicator.span, indicator.code_span,
                 children=items)
