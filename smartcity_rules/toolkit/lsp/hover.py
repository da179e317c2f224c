"""Hover: what a name stands for, as Markdown. An input: its label, kind and unit. An indicator:
its formula as written and as published (the LaTeX of `publish/formulas.py`, which the
documents print), its star bands, points and the numbers marked provisional. Bands, groups
and base standards too.

Every piece of author text is escaped: a label is data, and must not become a link or markup."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from ...language import syntax as s
from ...language.check import STAR_LEVELS
from ...language.formula import render
from ...publish.formulas import to_latex
from .navigation import definition
from .symbols import Kind, Occurrence
from .workspace import Sheet, Standards

_MARKDOWN = re.compile(r"([\\`*_{}\[\]<>#|~$])")
_BLOCK_START = re.compile(r"^(?=[-+=])|^(\d+)(?=[.)])")  # what would make a line a list or a heading
PROVISIONAL = "*(provisional)*"


def md(text: str) -> str:
    """Author text made literal in Markdown: every character with a meaning there escaped, and
    line breaks made spaces (a label is one line)."""
    escaped = _MARKDOWN.sub(r"\\\1", " ".join(text.split()))
    return _BLOCK_START.sub(lambda match: (match.group(1) or "") + "\\", escaped)


def _provisional(marked: bool) -> str:
    return f" {PROVISIONAL}" if marked else ""


def hover(ws: Standards, sheet: Sheet, occurrence: Occurrence) -> str | None:
    """The Markdown for the name under the cursor; None when its declaration is unknown."""
    place = definition(ws, sheet, occurrence)
    if place is None:
        return None
    home, declared = place
    where = "" if home is sheet else f"\n\n*declared in* `{home.path.name if home.path else home.uri}`"
    if declared.kind is Kind.FILE:  # the `use` line's path: said as its alias is
        home, where = sheet, ""
    text = _TELLERS[declared.kind](ws, home, declared.name)
    return None if text is None else text + where


def _input(ws: Standards, home: Sheet, name: str) -> str | None:
    tree = home.tree
    assert tree is not None  # it declares the name
    choice = next((c for c in tree.choices if c.name == name), None)
    if choice is not None:
        kinds = ", ".join(f'"{md(c)}"' for c in choice.choices)
        return f"**input** `{name}` — {md(choice.label)}\n\n- kind: choice of {kinds}"
    decl = next(d for d in tree.inputs if d.name == name)
    return "\n".join([f"**input** `{name}` — {md(decl.label)}", "", *_input_lines(decl)])


def _input_lines(decl: s.InputDecl) -> Iterator[str]:
    kind = decl.kind.value
    if decl.score_range is not None:
        kind += f" {decl.score_range[0].text} to {decl.score_range[1].text}"
    yield f"- kind: {kind}"
    yield f"- unit: {md(decl.unit)}" if decl.unit else "- unit: none"
    if decl.part_of is not None:
        yield f"- part of `{decl.part_of}`: never above it"
    if decl.direction is not None:
        yield f"- better {decl.direction.value}"
    if decl.missing_declared:
        yield f"- when missing: {decl.missing.value}"


def _indicator(ws: Standards, home: Sheet, code: str) -> str | None:
    linked = ws.linked(home)
    tree = linked if linked is not None else home.tree
    assert tree is not None
    found = _find(tree, code)
    if found is None:  # a reused indicator whose base could not be linked
        return f"**indicator {code}**, taken from another standard that cannot be linked now"
    indicator, bands = found
    inputs = {d.name: d for d in tree.inputs}
    return "\n".join(_indicator_lines(indicator, bands, inputs))


def _find(tree: s.StandardFile, code: str) -> tuple[s.Indicator, s.StarBands | None] | None:
    named = {b.name: b.bands for b in tree.bands}
    for indicator in tree.all_indicators():
        for candidate in (indicator, *indicator.items):
            if candidate.code == code:
                stars = candidate.stars
                return candidate, named.get(stars.name) if isinstance(stars, s.BandsRef) else stars
    return None


def _indicator_lines(ind: s.Indicator, bands: s.StarBands | None, inputs: Mapping[str, s.InputDecl]) -> Iterator[str]:
    what = "item" if ind.is_item else "indicator"
    yield f"**{what} {ind.code}**{' ★' if ind.leading else ''} {md(ind.name)}{_provisional(ind.provisional)}"
    if ind.origin is not None:
        replaced = f"; replaced here: {', '.join(ind.origin.replaced)}" if ind.origin.replaced else ""
        origin = ind.origin
        yield f"\n*taken from* indicator {origin.code} of `{origin.alias}` ({md(origin.standard)}){replaced}"
    if ind.types is not None:
        yield "\nfor entity types " + ", ".join(f'"{md(name)}"' for name in ind.types.names) + " only"
    if ind.description:
        yield f"\n{md(ind.description)}"
    if ind.value is not None:
        yield from _formula(ind.value, inputs)
    if ind.items:
        yield "\nitems: " + ", ".join(f"{item.code} {md(item.name)}" for item in ind.items)
    if bands is not None:
        yield from _bands(bands)
    yield from _scoring(ind)


def _formula(value: s.Expr, inputs: Mapping[str, s.InputDecl]) -> Iterator[str]:
    yield f"\n```scs\nvalue {render(value)}\n```"
    known = {name: decl for name, decl in inputs.items() if name in set(s.input_names(value))}
    if len(known) == len(set(s.input_names(value))):  # the published form names every input by label
        yield f"\n$$\n{to_latex(value, inputs)}\n$$"
    for name, decl in known.items():
        unit = f" ({md(decl.unit)})" if decl.unit else ""
        yield f"- `{name}`: {md(decl.label)}{unit}"


def _bands(bands: s.StarBands) -> Iterator[str]:
    sign = "≥" if bands.rule is s.BandRule.AT_LEAST else "≤"
    yield f"\nstars {bands.rule.value}{_provisional(bands.provisional)}\n"
    yield "| " + " | ".join("★" * n for n in range(1, STAR_LEVELS + 1)) + " |"
    yield "|" + "---|" * STAR_LEVELS
    yield "| " + " | ".join(f"{sign} {md(t.text)}" for t in bands.thresholds) + " |"


def _scoring(ind: s.Indicator) -> Iterator[str]:
    if ind.points is not None:
        yield f"\npoints: {_points(ind.points)}{_provisional(ind.points.provisional)}"
    if ind.weight is not None:
        yield f"\nweight: {ind.weight.text} of the total"
    if ind.deduction is not None:
        cap = "" if ind.deduction.cap is None else f", at most {ind.deduction.cap.text}"
        yield f"\ndeduct: {ind.deduction.each.text} each{cap}{_provisional(ind.deduction.provisional)}"
    for field, numbers in ind.per_type:
        each = ", ".join(f'{literal.text} for "{md(name)}"' for name, literal in numbers.values)
        yield f"\n{field} by entity type: {each}"


def _points(points: s.Points) -> str:
    scoring = points.scoring
    if isinstance(scoring, s.Linear):
        return f"{points.maximum.text} linear from {scoring.low.text} to {scoring.high.text}"
    if isinstance(scoring, s.Table):
        return f"{points.maximum.text}, by a table of {len(scoring.rows)} rows"
    return f"{points.maximum.text} × stars / 5"


def _named_bands(ws: Standards, home: Sheet, name: str) -> str | None:
    tree = home.tree
    assert tree is not None
    decl = next(b for b in tree.bands if b.name == name)
    return f"**bands** `{name}`\n" + "\n".join(_bands(decl.bands))


def _group(ws: Standards, home: Sheet, name: str) -> str | None:
    tree = home.tree
    assert tree is not None
    group = next(g for g in tree.all_groups() if g.name == name)
    numbers = [f"{label} {value.text}" for label, value in
               (("points", group.points), ("at most", group.cap), ("weight", group.weight)) if value is not None]
    head = f"**{'bonus group' if group.bonus else 'group'}** {md(name)}{_provisional(group.provisional)}"
    count = sum(len(g.indicators) for g in s.walk_groups((group,)))
    return f"{head}\n\n{', '.join(numbers) or 'points: the sum of its members'}; {count} indicators"


def _alias(ws: Standards, home: Sheet, name: str) -> str | None:
    tree = home.tree
    assert tree is not None
    use = next(u for u in tree.uses if u.alias == name)
    base = ws.bases(home).get(name)
    title = "" if base is None or base.tree is None or base.tree.header is None else f": {md(base.tree.header.title)}"
    return f"**standard** `{name}` — `{use.path.replace('`', '')}`{title}"


_TELLERS = {Kind.INPUT: _input, Kind.INDICATOR: _indicator, Kind.BANDS: _named_bands, Kind.GROUP: _group,
            Kind.ALIAS: _alias, Kind.FILE: _alias}
