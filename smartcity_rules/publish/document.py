"""Writes a checked standard as a publishable document, in Markdown or as one self-contained HTML file.

The document is generated, never hand-kept. `build` turns a Standard into a small
document tree (headings, fields, tables, formulas, lists; inline pieces of text, code
and provisional marks) and one renderer per format writes that tree out. Every piece
of author text stays a plain string in the tree, so each renderer escapes all of it in
one place: `_md_text` for Markdown, `_html_text` for HTML.

Formulas come from `formulas`, which renders them from the syntax tree as written (no
sympy, so nothing is reordered): LaTeX in `$$ … $$` for Markdown (GitHub renders it),
presentation MathML for HTML (browsers render it natively, so the file needs no script
and no network); the formula in the standard's own syntax stays beside it as plain text.
`formulas` escapes the labels it puts into LaTeX and MathML itself, and breaks a long
formula into rows so that it fits the page.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs
from pygments import highlight
from pygments.formatters import HtmlFormatter

from ..analysis.ranges import divides
from ..language import syntax as s
from ..language.check import STAR_LEVELS, ScoredIndicator
from ..language.errors import NotFound
from ..language.formula import render
from ..standard import Standard
from . import formulas
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


Inline = str | Code | Provisional
Text = tuple[Inline, ...]


@attrs.frozen
class Heading:
    level: int
    text: Text
    anchor: str


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
    return (*_front(standard), *_provisional_legend(standard), *_groups(standard),
            *_inputs(standard), *_rating(standard), *_appendix(standard))


def _mark(what: str, provisional: bool) -> Text:
    return (" ", Provisional(what)) if provisional else ()


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# ---------------------------------------------------------------------- front matter
def _front(standard: Standard) -> list[Block]:
    header = standard.checked.header
    blocks: list[Block] = [Heading(1, (header.title,), "top"), Fields(_header_rows(header))]
    if header.notes:
        blocks += [Heading(2, ("Notes",), "notes"), Bullets(tuple((note,) for note in header.notes))]
    return blocks


def _header_rows(header: s.Header) -> tuple[tuple[str, Text], ...]:
    total: Text = ()
    if header.total is not None:
        total = (header.total.text, " points", *_mark("the total", header.total_provisional))
    rounding = "exact" if header.rounding is None else \
        f"every score rounded {header.rounding.mode.value} to {_count(header.rounding.decimals, 'decimal')}"
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


# ---------------------------------------------------------------------- groups and indicators
def _groups(standard: Standard) -> list[Block]:
    groups = standard.syntax.groups
    members = {g.name: [i for i in standard.checked.indicators if i.group.name == g.name] for g in groups}
    rows = tuple(_group_row(g, members[g.name]) for g in groups)
    blocks: list[Block] = [Heading(2, ("Groups",), "groups"),
                           Table(("Group", "Kind", "Points", "Indicators"), rows)]
    for number, group in enumerate(groups, start=1):
        blocks.append(Heading(2, (group.name, " — ", *_group_points(group)), f"group-{number}"))
        for item in members[group.name]:
            blocks += _indicator(item, standard.checked.inputs)
    return blocks


def _group_points(group: s.Group) -> Text:
    what = f'group "{group.name}" points'
    if group.bonus:
        cap = group.cap.text if group.cap is not None else "?"
        return (f"bonus, at most {cap} points", *_mark(what, group.provisional))
    points = group.points.text if group.points is not None else "?"
    return (f"{points} points", *_mark(what, group.provisional))


def _group_row(group: s.Group, members: Sequence[ScoredIndicator]) -> tuple[Text, ...]:
    numbers = ", ".join(i.code for i in members)
    return (group.name,), ("bonus" if group.bonus else "scored",), _group_points(group), (numbers,)


def _indicator(item: ScoredIndicator, inputs: Mapping[str, s.InputDecl]) -> list[Block]:
    ind = item.syntax
    title: Text = (f"{ind.code} ", *(("★ ",) if ind.leading else ()), ind.name,
                   *_mark(f"indicator {ind.code} formula", ind.provisional))
    blocks: list[Block] = [Heading(3, title, f"indicator-{ind.code}"), Fields(_about(item, inputs))]
    if ind.value is not None:
        blocks.append(Formula(ind.value, inputs))
    if item.bands is not None:
        blocks.append(_bands(item, item.bands))
    blocks.append(Fields(_scoring(item)))
    return blocks


def _about(item: ScoredIndicator, inputs: Mapping[str, s.InputDecl]) -> tuple[tuple[str, Text], ...]:
    ind = item.syntax
    notes: list[Inline] = []
    for k, note in enumerate(ind.notes):  # one per line
        notes += [*(("\n",) if k else ()), note]
    used = dict.fromkeys(s.input_names(ind.value)) if ind.value is not None else {}
    reads: list[Inline] = []
    for k, name in enumerate(used):
        reads += [*(("; ",) if k else ()), Code(name), " ", _label(inputs[name])]
    leading = ("yes (★): held to star levels by the rating",) if ind.leading else ()
    return (("指标说明 (description)", (ind.description,) if ind.description else ()),
            ("备注 (notes)", tuple(notes)), ("Leading", leading), ("Inputs", tuple(reads)),
            ("Taken from", _origin(ind)))


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
                  *_mark(f"indicator {item.code} star thresholds", bands.provisional))
    cells = tuple((f"{_COMPARE[bands.rule]} {t.text}",) for t in bands.thresholds)
    header = ("Star bands", *("★" * n for n in range(1, STAR_LEVELS + 1)))
    return Table(header, ((rule, *cells),))


def _scoring(item: ScoredIndicator) -> tuple[tuple[str, Text], ...]:
    ind = item.syntax
    return (("Points", _points(ind)), ("Deduction", _deduction(ind)),
            ("Zero denominator", _zero_policy(ind)), ("Direction", _direction(item)))


def _points(ind: s.Indicator) -> Text:
    points = ind.points
    if points is None:
        return ()
    mark = _mark(f"indicator {ind.code} points", points.provisional)
    top = points.maximum.text
    if isinstance(points.scoring, s.Linear):
        low, high = points.scoring.low.text, points.scoring.high.text
        return (f"{top} × (value − {low}) / ({high} − {low}), capped to 0 … {top}: "
                f"in proportion to where the value lies from {low} to {high}", *mark)
    return (f"{top} × stars / 5: {top} points at five stars", *mark)


def _deduction(ind: s.Indicator) -> Text:
    found = ind.deduction
    if found is None:
        return ()
    cap = "" if found.cap is None else f", at most −{found.cap.text}"
    return (f"−{found.each.text} per unit of the value (per incident){cap}; "
            "taken off the group's score", *_mark(f"indicator {ind.code} deduction", found.provisional))


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
    rows = tuple(_input_row(decl) for decl in standard.checked.inputs.values())
    return [Heading(2, ("Inputs",), "inputs"),
            Paragraph(("The statistics an entity reports; formulas read them by name.",)),
            Table(("Name", "Label", "Kind", "Unit", "Part of"), rows)]


def _input_row(decl: s.InputDecl) -> tuple[Text, ...]:
    kind = decl.kind.value
    if decl.score_range is not None:
        kind = f"score {decl.score_range[0].text} to {decl.score_range[1].text}"
    part: Text = (Code(decl.part_of),) if decl.part_of else ()
    return (Code(decl.name),), (decl.label,), (kind,), (decl.unit,) if decl.unit else (), part


_OPS = {s.Compare.GE: "≥", s.Compare.GT: ">", s.Compare.LE: "≤", s.Compare.LT: "<"}
_REQUIREMENTS: Mapping[type, Callable[[Any], str]] = {
    s.TotalRequirement: lambda r: f"total {_OPS[r.compare]} {r.threshold.text}",
    s.LeadingRequirement: lambda r: f"every leading (★) indicator {_OPS[r.compare]} {r.stars.text} stars",
    s.IndicatorRequirement: lambda r: f"indicator {r.code} {_OPS[r.compare]} {r.threshold.text}"
                                      + ("" if r.measure is s.Measure.VALUE else f" {r.measure.value}"),
    s.GroupRequirement: lambda r: f'group "{r.group}" {_OPS[r.compare]} {r.points.text} points',
}


def _rating(standard: Standard) -> list[Block]:
    rating = standard.syntax.rating
    if rating is None:
        return [Heading(2, ("Rating",), "rating"), Paragraph(("This standard has no rating rule.",))]
    intro = ("Levels are tried from the top; the first whose requirements all hold is the rating. "
             "The total includes deductions and the capped bonus.",)
    rows = tuple(((level.rank.text,), (level.name,),
                  (" and ".join(_REQUIREMENTS[type(r)](r) for r in level.requirements),)) for level in rating.levels)
    heading = Heading(2, ("Rating", *_mark("the rating rule", rating.provisional)), "rating")
    return [heading, Paragraph(intro), Table(("Level", "Name", "Requirements"), rows)]


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
def to_html(standard: Standard) -> str:
    """The standard as one self-contained HTML file: inline CSS, MathML formulas, no scripts, no network."""
    blocks = build(standard)
    parts = [_HTML_BLOCKS[type(block)](block) for block in blocks]
    body = "\n".join([*parts[:1], _html_contents(blocks), *parts[1:]])  # contents under the title
    title = _html_text(standard.title)
    return (f'<!DOCTYPE html>\n<html lang="zh">\n<head>\n<meta charset="utf-8"/>\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"/>\n'
            f"<title>{title}</title>\n<style>\n{_CSS}{_pygments_css()}</style>\n</head>\n"
            f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n")


def _html_contents(blocks: Sequence[Block]) -> str:
    """A table of contents: a link to each section (the groups, inputs, rating...)."""
    entries = "".join(f'<li><a href="#{_html_attribute(block.anchor)}">{_html_inline(block.text)}</a></li>'
                      for block in blocks if isinstance(block, Heading) and block.level == 2)
    return f'<nav aria-label="contents"><ol>{entries}</ol></nav>' if entries else ""


def _html_text(text: str) -> str:
    """Author text made inert: every <, >, &, and quote escaped; line breaks as <br/>."""
    return "<br/>".join(html.escape(line, quote=True) for line in text.replace("\r", "").split("\n"))


def _html_attribute(text: str) -> str:
    return html.escape(" ".join(text.split()), quote=True)


def _html_inline(text: Text) -> str:
    return "".join(_HTML_INLINE[type(piece)](piece) for piece in text)


def _html_mark(piece: Provisional) -> str:
    if piece.what is None:
        return f'<span class="provisional">{MARK}</span>'
    what = _html_attribute(piece.what)
    return f'<span class="provisional" title="provisional: {what}" data-provisional="{what}">{MARK}</span>'


_HTML_INLINE: Mapping[type, Callable[[Any], str]] = {
    str: _html_text,
    Code: lambda piece: f"<code>{_html_text(piece.text)}</code>",
    Provisional: _html_mark,
}


def _html_heading(block: Heading) -> str:
    return f'<h{block.level} id="{_html_attribute(block.anchor)}">{_html_inline(block.text)}</h{block.level}>'


def _html_fields(block: Fields) -> str:
    rows = "".join(f"<dt>{_html_text(label)}</dt><dd>{_html_inline(value)}</dd>"
                   for label, value in block.rows if value)
    return f"<dl>{rows}</dl>" if rows else ""


def _html_table(table: Table) -> str:
    head = "".join(f"<th>{_html_text(h)}</th>" for h in table.header)
    body = "".join("<tr>" + "".join(f"<td>{_html_inline(cell)}</td>" for cell in row) + "</tr>"
                   for row in table.rows)
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>{body}</tbody>\n</table>"


def _html_formula(block: Formula) -> str:
    plain = render(block.expr)
    return (f'<div class="formula" title="{_html_attribute(plain)}">'
            f'<math display="block" alttext="{_html_attribute(plain)}">{mathml(block.expr, block.inputs)}</math>'
            f'<p class="as-written">As written: <code>{_html_text(plain)}</code></p></div>')


def _html_listing(block: Listing) -> str:
    return str(highlight(block.text, StandardLexer(), HtmlFormatter(cssclass="highlight")))


def _html_bullets(block: Bullets) -> str:
    return "<ul>" + "".join(f"<li>{_html_inline(item)}</li>" for item in block.items) + "</ul>"


_HTML_BLOCKS: Mapping[type, Callable[[Any], str]] = {
    Heading: _html_heading,
    Paragraph: lambda b: f"<p>{_html_inline(b.text)}</p>",
    Fields: _html_fields,
    Table: _html_table,
    Bullets: _html_bullets,
    Formula: _html_formula,
    Listing: _html_listing,
}


def _pygments_css() -> str:
    return str(HtmlFormatter().get_style_defs(".highlight")) + "\n"


_CSS = """\
body { font-family: system-ui, "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif;
       line-height: 1.5; color: #1b1f24; background: #fff; margin: 0; }
main { max-width: 60rem; margin: 0 auto; padding: 1rem 1.5rem 4rem; }
h1 { font-size: 1.7rem; } h2 { border-bottom: 1px solid #d0d7de; padding-bottom: .2rem; margin-top: 2.5rem; }
h3 { margin-top: 2rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: .5rem 0; }
dt { font-weight: 600; color: #57606a; } dd { margin: 0; }
table { border-collapse: collapse; margin: .75rem 0; }
th, td { border: 1px solid #d0d7de; padding: .25rem .6rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: .9em;
       background: #f6f8fa; padding: 0 .2em; border-radius: 3px; }
.formula { margin: .75rem 0; padding: .5rem 1rem; background: #fbfcfd; border-left: 3px solid #0969da;
           overflow-x: auto; }  /* formulas.py breaks long formulas; one that still overflows scrolls here */
.formula math { font-size: 1.15em; }
.formula mtd { text-align: left; }  /* the rows of a long formula; Chromium ignores MathML's columnalign */
.as-written { margin: .25rem 0 0; color: #57606a; font-size: .9em; }
.provisional { color: #bc4c00; font-weight: 700; cursor: help; }
.highlight pre { padding: 1rem; overflow-x: auto; font-size: .85em; }
@media print { .highlight pre { white-space: pre-wrap; } }
"""


WRITERS: Mapping[str, Callable[[Standard], str]] = {"markdown": to_markdown, "html": to_html}


def render_document(standard: Standard, format: str) -> str:
    """The document in `format`: "markdown" or "html" (the keys of WRITERS)."""
    writer = WRITERS.get(format)
    if writer is None:
        raise NotFound(f"no document format {format!r} (formats: {', '.join(WRITERS)})")
    return writer(standard)
