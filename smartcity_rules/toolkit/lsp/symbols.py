"""Every name written in one standard, where it stands, and whether it declares or uses:
the index that hover, definition, references and rename read.

Built from the file's own syntax tree, before linking: a reused indicator's formula is written
in its base, so it is indexed there. The few names the tree keeps no span of (a bands name, an
alias after `from`, a group named in the rating) are found by reading the node's own text."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Iterator

import attrs

from ...language import syntax as s
from ...language.source import Span


class Kind(enum.Enum):
    INPUT = "input"
    INDICATOR = "indicator"  # an indicator or an item, by its code
    BANDS = "bands"
    GROUP = "group"
    ALIAS = "standard"  # the name a `use` line gives a base standard
    FILE = "file"  # a `use` line's path, named by its alias: it leads to the base standard's file


@attrs.frozen
class Occurrence:
    """A name at a place: declared there (`declares`) or used. An indicator code after
    `from ALIAS` names an indicator of that base standard (`alias`)."""

    kind: Kind
    name: str
    start: int  # character offsets in the file's text
    end: int
    declares: bool = False
    alias: str | None = None

    def holds(self, offset: int) -> bool:
        return self.start <= offset <= self.end


_TOKEN = re.compile(r'#[^\n]*|"(?:[^"\\\n]|\\.)*"|[^\s"#]+')


def tokens(text: str, start: int, end: int) -> Iterator[tuple[int, int, str]]:
    """The words and strings of text[start:end], comments skipped: (start, end, text)."""
    for match in _TOKEN.finditer(text, start, end):
        if not match.group().startswith("#"):
            yield match.start(), match.end(), match.group()


def _after(span: Span, keyword: str) -> tuple[int, int, str] | None:
    """The token after the first `keyword` in a node's text."""
    found = tokens(span.source.text, span.start, span.end)
    for _, _, word in found:
        if word == keyword:
            return next(found, None)
    return None


def _at(kind: Kind, name: str, span: Span | None, **more: object) -> Iterator[Occurrence]:
    if span is not None and span.end > span.start:
        yield Occurrence(kind, name, span.start, span.end, **more)  # type: ignore[arg-type]


def _token(kind: Kind, name: str, token: tuple[int, int, str] | None, **more: object) -> Iterator[Occurrence]:
    if token is not None:
        yield Occurrence(kind, name, token[0], token[1], **more)  # type: ignore[arg-type]


def index(tree: s.StandardFile | None) -> tuple[Occurrence, ...]:
    """Every occurrence in the file, in source order."""
    if tree is None:
        return ()
    return tuple(sorted(_file(tree), key=lambda o: (o.start, o.end)))


def _file(tree: s.StandardFile) -> Iterator[Occurrence]:
    header = tree.header
    if header is not None and header.entity_type is not None:
        yield from _at(Kind.INPUT, header.entity_type, header.entity_type_span)
    for use in tree.uses:
        yield from _token(Kind.FILE, use.alias, _after(use.span, "use"))
        yield from _at(Kind.ALIAS, use.alias, use.alias_span, declares=True)
    for decl in tree.inputs:
        yield from _at(Kind.INPUT, decl.name, decl.name_span, declares=True)
        if decl.part_of is not None:
            yield from _at(Kind.INPUT, decl.part_of, decl.part_of_span)
    for choice in tree.choices:
        yield from _at(Kind.INPUT, choice.name, choice.name_span, declares=True)
    for bands in tree.bands:
        yield from _token(Kind.BANDS, bands.name, _after(bands.span, "bands"), declares=True)
    for group in tree.all_groups():
        yield from _at(Kind.GROUP, group.name, group.name_span, declares=True)
        for member in group.indicators:
            yield from _indicator(member)
    if tree.rating is not None:
        yield from _rating(tree.rating)


def _indicator(indicator: s.Indicator | s.ReusedIndicator) -> Iterator[Occurrence]:
    yield from _at(Kind.INDICATOR, indicator.code, indicator.code_span, declares=True)
    if isinstance(indicator, s.Indicator):
        yield from _clauses(indicator.value, indicator.stars, indicator.items)
        return
    yield from _token(Kind.ALIAS, indicator.standard, _after(indicator.span, "from"))
    yield from _at(Kind.INDICATOR, indicator.base_code, indicator.base_span, alias=indicator.standard)
    clauses = dict(indicator.clauses)
    yield from _clauses(clauses.get("value"), clauses.get("stars"), clauses.get("items", ()))  # type: ignore[arg-type]


def _clauses(value: s.Expr | None, stars: s.StarBands | s.BandsRef | None,
             items: Iterable[s.Indicator]) -> Iterator[Occurrence]:
    if value is not None:
        yield from _formula(value)
    if isinstance(stars, s.BandsRef):
        yield from _at(Kind.BANDS, stars.name, stars.span)
    for item in items:
        yield from _indicator(item)


def _formula(expr: s.Expr) -> Iterator[Occurrence]:
    for node in s.walk(expr):
        if isinstance(node, s.Ref):
            yield from _at(Kind.INPUT, node.name, node.span)
        elif isinstance(node, s.Checklist):
            for item in node.items:
                yield Occurrence(Kind.INPUT, item.name, item.span.start, item.span.start + len(item.name))


def _rating(rating: s.Rating) -> Iterator[Occurrence]:
    rules: list[s.Level | s.Override] = [*rating.levels, *rating.overrides]
    for rule in rules:
        for requirement in rule.requirements:
            if isinstance(requirement, s.IndicatorRequirement):
                yield from _at(Kind.INDICATOR, requirement.code, requirement.code_span)
            elif isinstance(requirement, s.GroupRequirement):
                yield from _token(Kind.GROUP, requirement.group, _after(requirement.span, "group"))


Index = tuple[Occurrence, ...]


def at(found: Index, offset: int) -> Occurrence | None:
    """The occurrence under a character offset (a cursor just after a name counts)."""
    return next((o for o in found if o.holds(offset)), None)


def declaration(found: Index, kind: Kind, name: str) -> Occurrence | None:
    return next((o for o in found if o.declares and o.kind is kind and o.name == name and o.alias is None), None)


def names(found: Index, kind: Kind) -> list[str]:
    """The names of a kind the file declares, in source order."""
    return list(dict.fromkeys(o.name for o in found if o.declares and o.kind is kind))
