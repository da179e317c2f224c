"""Writes a checked standard as a publishable document, in Markdown or as one self-contained HTML file.

The document is generated, never hand-kept. `build` turns a Standard into a small
document tree (headings, fields, tables, formulas, lists; inline pieces of text, code
and provisional marks) and one renderer per format writes that tree out. Every piece
of author text stays a plain string in the tree, so each renderer escapes all of it in
one place: `_md_text` for Markdown, `_html_text` for HTML.

The groups section follows the standard's tree (the linked syntax for what is written, the
checked nodes for maxima): a group's heading is one level below its parent's, an indicator's
one below its group's and an item's one below its indicator's (h6 at most; deeper ones say
what they are part of). Each group shows its code, points, weight or cap and rounding; each
indicator and item its code, weight or points, formula, bands and rounding, under an anchor
made from its code (`indicator-L1P1`, `item-L1P1-A1`, `indicator-2.3.1`).

Formulas come from `formulas`, which renders them from the syntax tree as written (no
sympy, so nothing is reordered): LaTeX in `$$ … $$` for Markdown (GitHub renders it),
presentation MathML for HTML (browsers render it natively, so the file needs no script
and no network); the formula in the standard's own syntax stays beside it as plain text.
`formulas` escapes the labels it puts into LaTeX and MathML itself, and breaks a long
formula into rows so that it fits the page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from fractions import Fraction
from typing import Any

import attrs
from pygments import highlight
from pygments.formatters import HtmlFormatter

from ..analysis.ranges import divides
from ..language import syntax as s
from ..language.check import STAR_LEVELS, Node, NodeKind, ScoredIndicator
from ..language.errors import NotFound
from ..language.formula import render, table_text
from ..language.numbers import fmt
from ..standard import Standard, TypedStandard
from . import formulas, templating
from .lexer import StandardLexer

MARK = "†"


# ====================================================================== the document tree
@attrs.frozen
class Code:
    """Text set as code: names, formulas as written."""

    text: str


@attrs.frozen
class Provisional:
    """The provisional mark; `what` is its entry in Standard.provisional (None: the legend's mark)."""

    what: str | None


@attrs.frozen
class Link:
    """Text that links to a heading of the document by its anchor (in HTML; plain text in Markdown,
    where headings get the anchors the renderer makes)."""

    text: str
    anchor: str


Inline = str | Code | Provisional | Link
Text = tuple[Inline, ...]


@attrs.frozen
class Heading:
    """A heading; the contents list every level-2 heading and every one marked `contents` (groups)."""

    level: int
    text: Text
    anchor: str
    contents: bool = False


@attrs.frozen
class Paragraph:
    text: Text


@attrs.frozen
class Fields:
    """Labelled values: a definition list. Empty values are left out."""

    rows: tuple[tuple[str, Text], ...]


@attrs.frozen
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[Text, ...], ...]


@attrs.frozen
class Bullets:
    items: tuple[Text, ...]


@attrs.frozen
class Formula:
    """A formula shown as mathematics, with the formula as written beside it."""

    expr: s.Expr
    inputs: Mapping[str, s.InputDecl]


@attrs.frozen
class Listing:
    """Source text of the standard language, highlighted where the format can."""

    text: str


Block = Heading | Paragraph | Fields | Table | Bullets | Formula | Listing


# ====================================================================== building
def build(standard: Standard) -> tuple[Block, ...]:
    """The whole document as a tree, in reading order."""
    if isinstance(standard, TypedStandard):
        return _typed(standard)
    return (*_front(standard), *_provisional_legend(standard), *_groups(standard),
            *_inputs(standard), *_rating(standard), *_appendix(standard))


def _mark(what: str, provisional: bool) -> Text:
    return (" ", Provisional(what)) if provisional else ()


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# ---------------------------------------------------------------------- front matter
def _front(standard: Standard) -> list[Block]:
    header = standard.checked.header
    blocks: list[Block] = [Heading(1, (header.title,), "top"), Fields(_header_rows(header, standard.syntax))]
    if header.notes:
        blocks += [Heading(2, ("Notes",), "notes"), Bullets(tuple((note,) for note in header.notes))]
    return blocks


def _declares_rounding(syntax: s.StandardFile) -> Iterator[bool]:
    """Whether each group, indicator and item declares a rounding of its own."""
    for group in syntax.all_groups():
        yield group.rounding is not None
    for ind in syntax.all_indicators():
        yield ind.rounding is not None
        yield from (item.rounding is not None for item in ind.items)


def _header_rows(header: s.Header, syntax: s.StandardFile) -> tuple[tuple[str, Text], ...]:
    total: Text = ()
    if header.total is not None:
        total = (header.total.text, " points", *_mark("the total", header.total_provisional))
    rounding = "exact" if header.rounding is None else \
        f"every score rounded {header.rounding.mode.value} to {_count(header.rounding.decimals, 'decimal')}"
    if any(_declares_rounding(syntax)):
        rounding += ", unless a group, indicator or item below rounds its own"
    return (
        ("Level", (header.level.value,) if header.level else ()),
        ("Edition", (header.edition,) if header.edition else ()),
        ("Effective", (header.effective.isoformat(),) if header.effective else ()),
        ("Source", (header.source,) if header.source else ()),
        ("Total", total),
        ("Rounding", (rounding,)),
    )


def _provisional_legend(standard: Standard) -> list[Block]:
    found = standard.provisional
    heading = Heading(2, ("Provisional values",), "provisional")
    if not found:
        return [heading, Paragraph(("This standard marks no number provisional: every number is official.",))]
    legend = (Provisional(None), f" marks a provisional value: a placeholder, not an official number. "
              f"This standard marks {_count(len(found), 'number')} provisional:")
    return [heading, Paragraph(legend), Bullets(tuple((what,) for what in found))]


# ---------------------------------------------------------------------- groups, indicators and items
MAX_HEADING = 6  # HTML has h1 to h6, Markdown # to ######: deeper levels share h6 and say what they are part of


def _heading_level(depth: int) -> int:
    return min(depth, MAX_HEADING)


def _code_label(code: str | None, name: str) -> str:
    return f"{code} {name}" if code else name


class _Tree:
    """What the groups, indicators and items of the document are built from: the linked syntax
    (as written) and the checked node tree (maxima, weights), with an anchor for each group."""

    def __init__(self, standard: Standard) -> None:
        checked = standard.checked
        self.inputs = checked.inputs
        self.total = checked.header.total
        self.leaves = {item.code: item for item in checked.indicators}
        self.nodes: dict[tuple[NodeKind, str], Node] = {}
        for node in checked.nodes:
            key = node.name if node.kind is NodeKind.GROUP else node.code
            if key is not None and node.kind is not NodeKind.STANDARD:
                self.nodes.setdefault((node.kind, key), node)
        self.groups = tuple(standard.syntax.all_groups())
        self.anchors = _group_anchors(self.groups)

    def node(self, kind: NodeKind, key: str) -> Node | None:
        return self.nodes.get((kind, key))

    def maximum(self, kind: NodeKind, key: str) -> Fraction | None:
        node = self.node(kind, key)
        return None if node is None else node.maximum

    def link(self, group: s.Group) -> Link:
        return Link(_code_label(group.code, group.name), self.anchors[group.name])

    def path(self, parents: Sequence[s.Group]) -> Text:
        """The groups a node sits in, outermost first, each a link: `L1 一级 › L1P2 二级组`."""
        out: list[Inline] = []
        for k, group in enumerate(parents):
            out += [*((" › ",) if k else ()), self.link(group)]
        return tuple(out)

    def total_text(self) -> str:
        return "?" if self.total is None else self.total.text


def _group_anchors(groups: Sequence[s.Group]) -> dict[str, str]:
    """`group-L1` for a group with a code, `group-N` (its place in the document) for one without;
    an id is never used twice (a group coded `3` and the third group without a code)."""
    coded = {f"group-{g.code}" for g in groups if g.code is not None}
    anchors: dict[str, str] = {}
    for number, group in enumerate(groups, start=1):
        anchor = f"group-{group.code}" if group.code is not None else f"group-{number}"
        while group.code is None and anchor in coded:
            anchor += "-"
        anchors.setdefault(group.name, anchor)  # names are unique across levels (E0227)
    return anchors


def _groups(standard: Standard) -> list[Block]:
    tree = _Tree(standard)
    blocks: list[Block] = [Heading(2, ("Groups",), "groups"), _group_table(tree)]
    # Parents before children, in source order, without recursion (the parser bounds the depth).
    stack: list[tuple[s.Group | s.Indicator | s.ReusedIndicator, tuple[s.Group, ...]]] = [
        (group, ()) for group in reversed(standard.syntax.groups)]
    while stack:
        member, parents = stack.pop()
        if isinstance(member, s.Group):
            blocks += _group(tree, member, parents)
            stack += [(m, (*parents, member)) for m in reversed(member.members)]
        elif isinstance(member, s.Indicator):  # linked: no ReusedIndicator is left
            blocks += _indicator(tree, member, parents)
    return blocks


def _group_table(tree: _Tree) -> Table:
    coded = any(g.code is not None for g in tree.groups)
    parents: dict[str, tuple[s.Group, ...]] = {}
    for group in tree.groups:  # parents come first
        for sub in group.subgroups:
            parents[sub.name] = (*parents.get(group.name, ()), group)
    rows: list[tuple[Text, ...]] = []
    for group in tree.groups:
        path = [g.name for g in parents.get(group.name, ())]
        name: Text = (Link(" › ".join([*path, group.name]), tree.anchors[group.name]),)
        codes: list[Inline] = []
        for k, ind in enumerate(i for i in group.indicators if isinstance(i, s.Indicator)):
            codes += [*((", ",) if k else ()), Link(ind.code, _anchor(ind))]
        row = (name, ("bonus" if group.bonus else "scored",), _group_points(tree, group), tuple(codes))
        rows.append(((group.code or "",), *row) if coded else row)
    header = ("Group", "Kind", "Points", "Indicators")
    return Table(("Code", *header) if coded else header, tuple(rows))


def _group_points(tree: _Tree, group: s.Group) -> Text:
    mark = _mark(f'group "{group.name}" points', group.provisional)
    if group.bonus:
        if group.cap is None:
            return ("bonus, no cap", *mark)
        return (f"bonus, at most {group.cap.text} point{'' if group.cap.text == '1' else 's'}", *mark)
    maximum = tree.maximum(NodeKind.GROUP, group.name)
    if group.weight is not None:
        return (f"weight {group.weight.text}: {_points_of(maximum)}", *mark)
    if group.points is not None:
        return (f"{group.points.text} points", *mark)
    return (f"{_points_of(maximum)}, its members' sum", *mark)


def _points_of(maximum: Fraction | None) -> str:
    return "? points" if maximum is None else f"{fmt(maximum)} point{'' if maximum == 1 else 's'}"


def _group(tree: _Tree, group: s.Group, parents: tuple[s.Group, ...]) -> list[Block]:
    title: Text = (_code_label(group.code, group.name), " — ", *_group_points(tree, group))
    heading = Heading(_heading_level(2 + len(parents)), title, tree.anchors[group.name], contents=True)
    bonus: Text = ()
    if group.bonus and parents:  # at the top a bonus group is added to the total, as the rating says
        bonus = ("its score is added to its parent's score and is not part of its parent's points",)
    rows = (("Part of", tree.path(parents)),
            ("Weight", _weight_of_sum(tree, group.weight, group.aggregation, "members", NodeKind.GROUP, group.name)),
            ("Aggregation", _aggregation(group.aggregation, "members")),
            ("Not applicable", _redistributed(group.redistribute, "members")),
            ("When missing", _node_missing(group.missing)),
            ("Bonus", bonus),
            ("Rounding", _rounding_of(group.rounding, "this group's score and every score inside it")))
    return [heading, *_fields(rows)]


def _weight_of_sum(tree: _Tree, weight: s.Literal | None, aggregation: s.Aggregation | None, what: str,
                   kind: NodeKind, key: str) -> Text:
    """A weighted inner node: W × the sum (or aggregate) of its members' scores, whose maxima make the total."""
    if weight is None:
        return ()
    return (f"{weight.text} × {_combined(aggregation, what)}: at most {_points_of(tree.maximum(kind, key))} "
            f"(its {what}' maxima add up to the total {tree.total_text()})",)


def _combined(aggregation: s.Aggregation | None, what: str) -> str:
    if aggregation is None or aggregation is s.Aggregation.ARITHMETIC:
        return f"the sum of its {what}' scores"
    return f"the {aggregation.value} aggregate of its {what}' scores"


# docs/language.md §9, *Aggregation*: sᵢ a member's score over its maximum, wᵢ its maximum's share.
_AGGREGATIONS = {
    s.Aggregation.GEOMETRIC: ("M × Π sᵢ^wᵢ (0 when one scores 0)", "a low member pulls harder"),
    s.Aggregation.HARMONIC: ("M × 1 / Σ (wᵢ / sᵢ) (0 when one scores 0)", "a low member pulls harder still"),
    s.Aggregation.MINIMUM: ("M × min sᵢ", "no member makes up for another"),
}


def _aggregation(aggregation: s.Aggregation | None, what: str) -> Text:
    shown = None if aggregation is None else _AGGREGATIONS.get(aggregation)
    if aggregation is None or shown is None:
        return ()
    formula, meaning = shown
    return (f"{aggregation.value}: {formula}, where M is the sum of its {what}' maxima, "
            f"sᵢ a member's score over its maximum and wᵢ its maximum over M; {meaning}. Deductions and "
            "bonus groups are added after it",)


def _node_missing(policy: s.MissingPolicy | None) -> Text:
    """A node's `when missing`: what a missing input that declares no policy means inside it."""
    if policy is None:
        return ()
    meaning = {s.MissingPolicy.ZERO: "counts as 0", s.MissingPolicy.NOT_APPLICABLE: "makes its readers not applicable",
               s.MissingPolicy.ERROR: "is a data error"}.get(policy, policy.value)
    return (f"a missing input that declares no policy of its own {meaning} here",)


def _redistributed(redistribute: bool, what: str) -> Text:
    if not redistribute:
        return ()
    return (f"redistributed: its applicable {what} share the whole weight in proportion to their maxima",)


def _rounding_of(rounding: s.Rounding | None, covers: str) -> Text:
    if rounding is None:
        return ()
    return (f"{rounding.mode.value} to {_count(rounding.decimals, 'decimal')}: {covers}",)


def _fields(rows: tuple[tuple[str, Text], ...]) -> list[Block]:
    """A Fields block, or nothing when every value is empty."""
    return [Fields(rows)] if any(value for _, value in rows) else []


def _anchor(ind: s.Indicator) -> str:
    """An indicator's or item's id: its code (ASCII letters and digits joined by `.` or `-`) after a
    word, so `L1P1-A1` and `2.3.1` make valid HTML ids that start with a letter."""
    return f"{'item' if ind.is_item else 'indicator'}-{ind.code}"


def _indicator(tree: _Tree, ind: s.Indicator, parents: tuple[s.Group, ...]) -> list[Block]:
    level = _heading_level(2 + len(parents))  # one below its group
    part_of = ("Part of", tree.path(parents)) if len(parents) > 1 else ("Part of", ())
    if not ind.items:
        return _leaf(tree, ind, level, (part_of,))
    title: Text = (f"{ind.code} ", ind.name, *_mark(f"indicator {ind.code} formula", ind.provisional))
    items: list[Inline] = []
    for k, item in enumerate(ind.items):
        items += [*(("; ",) if k else ()), Link(item.code, _anchor(item)), " ", item.name]
    rows = (*_described(ind), part_of, ("Items", tuple(items)), ("Score", _items_score(tree, ind)),
            ("Aggregation", _aggregation(ind.aggregation, "items")),
            ("Not applicable", _redistributed(ind.redistribute, "items")), ("Taken from", _origin(ind)),
            ("When missing", _node_missing(ind.missing)),
            ("Rounding", _rounding_of(ind.rounding, "this indicator's score and its items'")))
    blocks: list[Block] = [Heading(level, title, _anchor(ind)), *_fields(rows)]
    for item in ind.items:
        blocks += _leaf(tree, item, _heading_level(level + 1),
                        (("Item of", ("indicator ", Link(_code_label(ind.code, ind.name), _anchor(ind)))),))
    return blocks


def _items_score(tree: _Tree, ind: s.Indicator) -> Text:
    weighted = _weight_of_sum(tree, ind.weight, ind.aggregation, "items", NodeKind.INDICATOR, ind.code)
    deducts = any(item.deduction is not None for item in ind.items)
    deduction = "; a deduction item subtracts from it" if deducts else ""
    mark = _mark(f"indicator {ind.code} points", ind.points is not None and ind.points.provisional)
    if weighted:
        return (*weighted, deduction, *mark)
    return (f"{_combined(ind.aggregation, 'items')}: at most "
            f"{_points_of(tree.maximum(NodeKind.INDICATOR, ind.code))}{deduction}", *mark)


def _described(ind: s.Indicator) -> tuple[tuple[str, Text], ...]:
    notes: list[Inline] = []
    for k, note in enumerate(ind.notes):  # one per line
        notes += [*(("\n",) if k else ()), note]
    return (("指标说明 (description)", (ind.description,) if ind.description else ()), ("备注 (notes)", tuple(notes)))


def _leaf(tree: _Tree, ind: s.Indicator, level: int, where: tuple[tuple[str, Text], ...]) -> list[Block]:
    """A scored indicator or item: its heading, what it reads, its formula, bands and scoring."""
    item = tree.leaves[ind.code]
    title: Text = (f"{ind.code} ", *(("★ ",) if ind.leading else ()), ind.name,
                   *_mark(f"{_kind(ind)} {ind.code} formula", "formula" in item.provisional_parts))
    blocks: list[Block] = [Heading(level, title, _anchor(ind)), Fields(_about(item, tree.inputs, where))]
    if ind.value is not None:
        blocks.append(Formula(ind.value, tree.inputs))
    if item.bands is not None:
        blocks.append(_bands(item, item.bands))
    blocks.append(Fields(_scoring(tree, item)))
    return blocks


def _about(item: ScoredIndicator, inputs: Mapping[str, s.InputDecl],
           where: tuple[tuple[str, Text], ...]) -> tuple[tuple[str, Text], ...]:
    ind = item.syntax
    used = dict.fromkeys(s.input_names(ind.value)) if ind.value is not None else {}
    reads: list[Inline] = []
    for k, name in enumerate(used):
        reads += [*(("; ",) if k else ()), Code(name), " ", _label(inputs[name])]
    leading = ("yes (★): held to star levels by the rating",) if ind.leading else ()
    return (*_described(ind), *where, ("Leading", leading), ("Inputs", tuple(reads)), ("Taken from", _origin(ind)))


def _origin(ind: s.Indicator) -> Text:
    """Where a reused indicator comes from: `indicator 7 of city (city.scs); replaced here: stars`."""
    origin = ind.origin
    if origin is None:
        return ()
    replaced = f"; replaced here: {', '.join(origin.replaced)}" if origin.replaced else ""
    return (f"indicator {origin.code} of ", Code(origin.alias), f" ({origin.standard}){replaced}")


def _label(decl: s.InputDecl) -> str:
    return f"{decl.label} ({decl.unit})" if decl.unit else decl.label


_COMPARE = {s.BandRule.AT_LEAST: "≥", s.BandRule.AT_MOST: "≤"}


def _bands(item: ScoredIndicator, bands: s.StarBands) -> Table:
    named = item.syntax.stars.name if isinstance(item.syntax.stars, s.BandsRef) else None
    rule: Text = (bands.rule.value, *((" (bands ", Code(named), ")") if named else ()),
                  *_mark(f"{_kind(item.syntax)} {item.code} star thresholds", bands.provisional))
    cells = tuple((f"{_COMPARE[bands.rule]} {t.text}",) for t in bands.thresholds)
    header = ("Star bands", *("★" * n for n in range(1, STAR_LEVELS + 1)))
    return Table(header, ((rule, *cells),))


def _scoring(tree: _Tree, item: ScoredIndicator) -> tuple[tuple[str, Text], ...]:
    ind = item.syntax
    return (("Weight", _leaf_weight(tree, item)), ("Points", _points(ind)), ("Deduction", _deduction(ind)),
            ("Zero denominator", _zero_policy(ind)), ("Direction", _direction(item)),
            ("Rounding", _rounding_of(ind.rounding, "its score")), ("When missing", _node_missing(ind.missing)),
            ("Precision", _precision(item)))


def _precision(item: ScoredIndicator) -> Text:
    """A formula with a square root is shown at the rounding that covers it, and decided exactly
    (docs/language.md §5, Square roots)."""
    if item.syntax.value is None or item.rounding is None or not s.holds_root(item.syntax.value):
        return ()
    return (f"its value is shown {item.rounding.mode.value} to {_count(item.rounding.decimals, 'decimal')}; "
            "its stars, point rows and value requirements are decided on the exact value",)


def _leaf_weight(tree: _Tree, item: ScoredIndicator) -> Text:
    """A weighted leaf: `points (W×T) linear from 0 to 1` (docs/language.md §9, *Weights*)."""
    weight = item.syntax.weight
    if weight is None:
        return ()
    top = "?" if item.maximum is None else fmt(item.maximum)
    stars = "; its stars are reported and used by the rating, not scored" if item.bands is not None else ""
    return (f"{weight.text} of the total {tree.total_text()}: {top} × clamp(value, 0, 1), "
            f"at most {_points_of(item.maximum)}{stars}",)


def _points(ind: s.Indicator) -> Text:
    points = ind.points
    if points is None:
        return ()
    mark = _mark(f"{_kind(ind)} {ind.code} points", points.provisional)
    top = points.maximum.text
    if isinstance(points.scoring, s.Table):
        return (f"by the row the value satisfies: {table_text(points.scoring)}", *mark)
    if isinstance(points.scoring, s.Linear):
        low, high = points.scoring.low.text, points.scoring.high.text
        return (f"{top} × (value − {low}) / ({high} − {low}), capped to 0 … {top}: "
                f"in proportion to where the value lies from {low} to {high}", *mark)
    return (f"{top} × stars / 5: {top} points at five stars", *mark)


def _deduction(ind: s.Indicator) -> Text:
    found = ind.deduction
    if found is None:
        return ()
    cap = ", with no cap" if found.cap is None else f", at most −{found.cap.text}"
    whose = "its indicator's" if ind.is_item else "the group's"
    return (f"−{found.each.text} per unit of the value (per incident){cap}; taken off {whose} score",
            *_mark(f"{_kind(ind)} {ind.code} deduction", found.provisional))


def _kind(ind: s.Indicator) -> str:
    """How the provisional list names it: `item L1P1-A2 formula`, `indicator 12 points`."""
    return "item" if ind.is_item else "indicator"


_POLICIES = {
    s.ZeroPolicy.ERROR: "an error: the entity's data is rejected",
    s.ZeroPolicy.NOT_APPLICABLE: "not applicable: the indicator scores no points and is shown as N/A",
    s.ZeroPolicy.ZERO: "the value counts as 0 and is scored as usual",
}


def _zero_policy(ind: s.Indicator) -> Text:
    if ind.value is None or (ind.zero_policy is s.ZeroPolicy.ERROR and not divides(ind.value)):
        return ()
    return (_POLICIES[ind.zero_policy],)


def _direction(item: ScoredIndicator) -> Text:
    ind = item.syntax
    if ind.better is not None:
        return (f"{ind.better.value} is better (declared)",)
    if ind.deduction is not None:
        return ("lower is better (a deduction)",)
    if item.bands is not None:
        better = "higher" if item.bands.rule is s.BandRule.AT_LEAST else "lower"
        return (f"{better} is better (its star bands are ", Code(item.bands.rule.value), ")")
    return ()


# ---------------------------------------------------------------------- inputs and rating
def _inputs(standard: Standard) -> list[Block]:
    inputs = standard.checked.inputs.values()
    header: tuple[str, ...] = ("Name", "Label", "Kind", "Unit", "Part of")
    rows = tuple(_input_row(decl) for decl in inputs)
    if any(decl.missing is not s.MissingPolicy.ERROR for decl in inputs):  # docs/language.md §3, Missing values
        header += ("When missing",)
        rows = tuple((*row, (decl.missing.value,)) for row, decl in zip(rows, inputs, strict=True))
    return [Heading(2, ("Inputs",), "inputs"),
            Paragraph(("The statistics an entity reports; formulas read them by name.",)),
            Table(header, rows)]


def _input_row(decl: s.InputDecl) -> tuple[Text, ...]:
    kind = decl.kind.value
    if decl.score_range is not None:
        kind = f"score {decl.score_range[0].text} to {decl.score_range[1].text}"
    part: Text = (Code(decl.part_of),) if decl.part_of else ()
    return (Code(decl.name),), (decl.label,), (kind,), (decl.unit,) if decl.unit else (), part


_OPS = {s.Compare.GE: "≥", s.Compare.GT: ">", s.Compare.LE: "≤", s.Compare.LT: "<"}


def _requirement(req: s.Requirement, tree: _Tree) -> Text:
    """A requirement as the language writes it, `≥` for `>=`; an indicator, item or group links to it."""
    op = _OPS[req.compare]
    if isinstance(req, s.TotalRequirement):
        return (f"total {op} {req.threshold.text}",)
    if isinstance(req, s.LeadingRequirement):
        return (f"every leading (★) indicator {op} {req.stars.text} stars",)
    if isinstance(req, s.IndicatorRequirement):
        item = tree.node(NodeKind.ITEM, req.code) is not None
        anchor = f"{'item' if item else 'indicator'}-{req.code}"
        measure = "" if req.measure is s.Measure.VALUE else f" {req.measure.value}"
        return (f"{'item' if item else 'indicator'} ", Link(req.code, anchor), f" {op} {req.threshold.text}{measure}")
    group = next((g for g in tree.groups if g.name == req.group), None)
    name: Inline = f'"{req.group}"' if group is None else Link(f'"{req.group}"', tree.anchors[group.name])
    return ("group ", name, f" {op} {req.points.text} points")


def _rating(standard: Standard) -> list[Block]:
    rating = standard.syntax.rating
    if rating is None:
        return [Heading(2, ("Rating",), "rating"), Paragraph(("This standard has no rating rule.",))]
    tree = _Tree(standard)
    intro: Text = ("Levels are tried from the top; the first whose requirements all hold is the rating. "
                   "The total includes deductions and the capped bonus.",)
    if rating.unrated_above is not None:  # docs/language.md §10, Missing data
        intro += (f" An entity is unrated, whatever its total, when the leaves that read an input it did not "
                  f"report carry more than {rating.unrated_above.text} of the total's maximum.",)
    blocks: list[Block] = [Heading(2, ("Rating", *_mark("the rating rule", rating.provisional)), "rating"),
                           Paragraph(intro)]
    if rating.overrides:  # docs/language.md §10, Vetoes and caps
        blocks.append(Table(("Override", "Reason", "When"), tuple(_override(o, tree) for o in rating.overrides)))
    rows: list[tuple[Text, ...]] = []
    for level in rating.levels:
        requirements: list[Inline] = []
        for k, req in enumerate(level.requirements):
            requirements += [*((" and ",) if k else ()), *_requirement(req, tree)]
        rows.append(((level.rank.text,), (level.name,), tuple(requirements)))
    return [*blocks, Table(("Level", "Name", "Requirements"), tuple(rows))]


def _override(override: s.Override, tree: _Tree) -> tuple[Text, ...]:
    """A veto (unrated) or a cap (at most level R), its reason and its requirements."""
    what = "veto: unrated" if override.cap is None else f"cap: at most level {override.cap.text}"
    requirements: list[Inline] = []
    for k, req in enumerate(override.requirements):
        requirements += [*((" and ",) if k else ()), *_requirement(req, tree)]
    return (what,), (override.reason,), tuple(requirements)


# ---------------------------------------------------------------------- entity types
def _typed(standard: TypedStandard) -> tuple[Block, ...]:
    """A standard with entity types: its front matter and inputs once, then a section for each
    type with that type's groups, indicators and rating (docs/language.md §9, Entity types)."""
    first = standard.variant(standard.entity_types[0])
    header = first.checked.header
    rows = tuple(row for row in _header_rows(header, first.syntax) if row[0] != "Total")
    rows += (("Total", (_typed_totals(standard),)),
             ("Entity types", (", ".join(standard.entity_types), " (by ", Code(standard.entity_type_input), ")")))
    blocks: list[Block] = [Heading(1, (header.title,), "top"), Fields(rows)]
    if header.notes:
        blocks += [Heading(2, ("Notes",), "notes"), Bullets(tuple((note,) for note in header.notes))]
    blocks += _provisional_legend(standard)
    for number, entity_type in enumerate(standard.entity_types, start=1):
        variant = standard.variant(entity_type)
        intro = ("Entities whose ", Code(standard.entity_type_input), f" is {entity_type} are scored on these "
                 "groups and indicators, and rated by these levels; rank, share and the other cohort "
                 "functions compare them with entities of the same type only.")
        blocks += [Heading(2, (f"Entity type {entity_type}",), f"type-{number}"), Paragraph(intro),
                   *_within_type(f"type-{number}-", [*_groups(variant), *_rating(variant)])]
    inputs = _inputs(first)
    table = inputs[-1]
    assert isinstance(table, Table)
    choice: tuple[Text, ...] = ((Code(standard.entity_type_input),), (standard.inputs[0].label,),
                                ("choice of " + ", ".join(standard.entity_types),))
    row = choice + tuple(() for _ in table.header[len(choice):])  # the choice input: no unit, part or policy
    return (*blocks, *inputs[:-1], Table(table.header, (row, *table.rows)), *_appendix(standard))


def _typed_totals(standard: TypedStandard) -> str:
    totals = [standard.variant(t).checked.header.total for t in standard.entity_types]
    texts = ["?" if total is None else total.text for total in totals]
    if len(set(texts)) == 1:
        return f"{texts[0]} points"
    return "; ".join(f"{text} points for {t}" for text, t in zip(texts, standard.entity_types))


def _within_type(prefix: str, blocks: Sequence[Block]) -> list[Block]:
    """One type's section: headings a level down, anchors (and the links to them) made its own."""
    def text(inline: Text) -> Text:
        return tuple(Link(i.text, prefix + i.anchor) if isinstance(i, Link) else i for i in inline)

    out: list[Block] = []
    for block in blocks:
        if isinstance(block, Heading):
            out.append(attrs.evolve(block, level=_heading_level(block.level + 1), text=text(block.text),
                                    anchor=prefix + block.anchor))
        elif isinstance(block, Paragraph):
            out.append(Paragraph(text(block.text)))
        elif isinstance(block, Fields):
            out.append(Fields(tuple((label, text(value)) for label, value in block.rows)))
        elif isinstance(block, Table):
            out.append(Table(block.header, tuple(tuple(text(cell) for cell in row) for row in block.rows)))
        elif isinstance(block, Bullets):
            out.append(Bullets(tuple(text(item) for item in block.items)))
        else:
            out.append(block)
    return out


def _appendix(standard: Standard) -> list[Block]:
    return [Heading(2, ("Source",), "source"),
            Paragraph(("The standard as written, from which this document was generated.",)),
            Listing(standard.syntax.span.source.text)]


# ====================================================================== formulas
def mathml(expr: s.Expr, inputs: Mapping[str, s.InputDecl]) -> str:
    """A formula as written, as presentation MathML (one element, for inside `<math>`), inputs shown by label."""
    return formulas.to_mathml(expr, inputs)


def latex(expr: s.Expr, inputs: Mapping[str, s.InputDecl]) -> str:
    """A formula as written, as LaTeX, inputs shown by label; safe inside Markdown's `$$` (see formulas.to_latex)."""
    return formulas.to_latex(expr, inputs)


# ====================================================================== Markdown
def to_markdown(standard: Standard) -> str:
    """The standard as Markdown (GitHub flavour, `$$` math)."""
    parts = [_MD_BLOCKS[type(block)](block) for block in build(standard)]
    return "\n\n".join(part for part in parts if part) + "\n"


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&$])")
_MD_LEADING = re.compile(r"^(\s*)(>|(?:[-+=]|#{1,6}|\d{1,9}[.)])(?=\s|$))")  # would start a block


def _md_text(text: str) -> str:
    """Author text made inert: Markdown punctuation escaped, line breaks as <br>."""
    escaped = _MD_LEADING.sub(lambda m: m.group(1) + "\\" + m.group(2), _MD_SPECIAL.sub(r"\\\1", text))
    return "<br>".join(escaped.split("\n")).replace("\r", "")


def _md_code(text: str) -> str:
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    body = " ".join(text.split("\n"))
    pad = " " if body.startswith("`") or body.endswith("`") else ""
    return f"{fence}{pad}{body}{pad}{fence}"


def _md_inline(text: Text) -> str:
    return "".join(_MD_INLINE[type(piece)](piece) for piece in text)


_MD_INLINE: Mapping[type, Callable[[Any], str]] = {
    str: _md_text,
    Code: lambda piece: _md_code(piece.text),
    Provisional: lambda piece: MARK,
    Link: lambda piece: _md_text(piece.text),
}


def _md_table(table: Table) -> str:
    lines = ["| " + " | ".join(_md_text(h) for h in table.header) + " |",
             "|" + "---|" * len(table.header)]
    lines += ["| " + " | ".join(_md_inline(cell) for cell in row) + " |" for row in table.rows]
    return "\n".join(lines)


def _md_formula(block: Formula) -> str:
    return f"$$\n{latex(block.expr, block.inputs)}\n$$\n\nAs written: {_md_code(render(block.expr))}"


def _md_listing(block: Listing) -> str:
    fence = "`" * max(3, max((len(run) + 1 for run in re.findall(r"`+", block.text)), default=0))
    return f"{fence}scs\n{block.text.rstrip()}\n{fence}"


_MD_BLOCKS: Mapping[type, Callable[[Any], str]] = {
    Heading: lambda b: "#" * b.level + " " + _md_inline(b.text),
    Paragraph: lambda b: _md_inline(b.text),
    Fields: lambda b: "\n".join(f"- **{label}**: {_md_inline(value)}" for label, value in b.rows if value),
    Table: _md_table,
    Bullets: lambda b: "\n".join(f"- {_md_inline(item)}" for item in b.items),
    Formula: _md_formula,
    Listing: _md_listing,
}


# ====================================================================== HTML
@attrs.frozen
class Entry:
    """An entry of the HTML contents: a heading's text (links made plain: no <a> in <a>), and the
    entries of the headings inside it."""

    text: Text
    anchor: str
    children: list[Entry] = attrs.field(factory=list)


def to_html(standard: Standard) -> str:
    """The standard as one self-contained HTML file: inline CSS, MathML formulas, no scripts, no network.

    Written by the templates `document.html.j2` and `blocks.html.j2` (publish/templates), autoescaped."""
    blocks = build(standard)
    return templating.render(
        "document.html.j2", lang="zh", title=standard.title, blocks=blocks, contents=_contents(blocks), MARK=MARK,
        extra_style=templating.trusted([_pygments_css()]), as_written=render,
        mathml=lambda block: templating.trusted([mathml(block.expr, block.inputs)]),
        highlighted=lambda text: templating.trusted([highlight(text, StandardLexer(), HtmlFormatter(
            cssclass="highlight"))]))


def _contents(blocks: Sequence[Block]) -> list[Entry]:
    """A table of contents: every section (the groups, inputs, rating...), with the groups inside
    groups listed inside their parent's entry; a heading shallower than the list it follows closes it."""
    root: list[Entry] = []
    open_lists: list[tuple[int, list[Entry]]] = []  # the heading level of each open list, outermost first
    for heading in (b for b in blocks if isinstance(b, Heading) and (b.level == 2 or b.contents)):
        if not open_lists:
            open_lists.append((heading.level, root))
        elif heading.level > open_lists[-1][0]:
            open_lists.append((heading.level, open_lists[-1][1][-1].children))
        else:
            while len(open_lists) > 1 and heading.level < open_lists[-1][0]:
                open_lists.pop()
        text = tuple(piece.text if isinstance(piece, Link) else piece for piece in heading.text)
        open_lists[-1][1].append(Entry(text, heading.anchor))
    return root


def _pygments_css() -> str:
    return str(HtmlFormatter().get_style_defs(".highlight"))


WRITERS: Mapping[str, Callable[[Standard], str]] = {"markdown": to_markdown, "html": to_html}


def render_document(standard: Standard, format: str) -> str:
    """The document in `format`: "markdown" or "html" (the keys of WRITERS)."""
    writer = WRITERS.get(format)
    if writer is None:
        raise NotFound(f"no document format {format!r} (formats: {', '.join(WRITERS)})")
    return writer(standard)
