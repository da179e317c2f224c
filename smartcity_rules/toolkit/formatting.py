"""The canonical layout of a standard file: `smartcity-rules fmt` and the language server's formatting.

Works on the concrete tree (language/concrete.py), every token as written, so that nothing the
author wrote changes but the spaces, line breaks and indentation between tokens: the syntax tree,
and so every result, stays the same. docs/formatting.md gives the rules; in short:

- one top-level item, header entry, member, clause, table row or rating rule a line, indented four
  spaces a level; a blank line between two lines where the author left one or more, none after
  `{` or before `}`;
- one space between tokens, none before `,` `:` `%` `)`, after `(` or a sign, inside `1/2`;
- `weighted {...}` and `checklist {...}` one part a line when the last part ends in a comma, else
  on one line;
- a formula or a rating rule too long for WIDTH columns breaks before a top-level `+`, `-` or
  `and`, its later lines indented one more level;
- comments kept where they stand: a comment on a line of its own stays above what follows it,
  indented with it; a comment after code stays after it, and the comments after code on
  neighbouring lines (no blank line or comment line between) line up, COMMENT_GAP spaces past
  the longest of those lines. A comment after code inside what becomes one line moves to the
  end of that line, or above it when another comment takes the end.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import attrs

from ..language.concrete import Phrase, Word
from ..language.parse import parse_concrete, read_standard

INDENT = "    "
WIDTH = 100  # columns of a formula's or a rating rule's line before it breaks
COMMENT_GAP = 4  # spaces between the longest code of a run of lines and the comments after them
# Blocks whose contents stand one a line, always.
_BLOCKS = frozenset({"header", "group", "indicator", "item", "overrides", "rating", "points_table"})
# Formula blocks: one part a line when the author ended the last part with a comma.
_PARTS = frozenset({"weighted", "checklist"})
_TIGHT_BEFORE = frozenset({",", ":", "%", ")"})
_COMMENT = re.compile(r"#[^\n]*")
_BLANK_LINE = re.compile(r"\n[^\S\n]*\n")


def format_source(text: str, *, path: str = "<text>") -> str:
    """The standard's text in the canonical layout; raises InvalidStandard (rendered with the
    diagnostics `check` gives, under `path`) when it does not parse."""
    tree = parse_concrete(text, path)
    layout = _Layout()
    layout.start(tree)
    return _Printer(text, layout.rows).render()


def format_file(path: str | Path) -> tuple[str, str]:
    """A standard file's text, read as `load` reads it, and that text formatted; raises
    InvalidStandard for a file it cannot read (E0100, E0109) or parse."""
    text = read_standard(path)
    return text, format_source(text, path=str(path))


# ------------------------------------------------------------------ code rows
@attrs.frozen(slots=True)
class _Piece:
    """A token to print: its text, where it was written, how it joins its neighbours."""

    text: str
    start: int
    end: int
    tight_before: bool = False
    tight_after: bool = False
    breaks: bool = False  # a long line may break before it


@attrs.define(slots=True)
class _Row:
    """One line of code as the layout puts it, before comments and breaking."""

    depth: int
    pieces: list[_Piece]
    comment: _Comment | None = None  # the comment after it
    above: list[_Comment] = attrs.Factory(list)  # the comments to print above it

    @property
    def closes(self) -> bool:
        return self.pieces[0].text == "}"


# What the layout does next: lay out a node (a formula's outermost sum or not), start a row with
# a node, print a piece, or end the row and go a level deeper (+1) or back (-1).
_Step = tuple[Literal["node"], Phrase | Word, bool] | tuple[Literal["row"], Phrase] \
    | tuple[Literal["piece"], _Piece] | tuple[Literal["depth"], int]


class _Layout:
    """Walks the concrete tree into rows: which tokens share a line and how deep it stands.

    With a stack of steps rather than recursion: parentheses nest without a limit of the parser's
    (they add no level to the syntax tree), and a thousand of them overflowed Python's stack."""

    def __init__(self) -> None:
        self.rows: list[_Row] = []
        self.depth = 0
        self.current: list[_Piece] = []

    def start(self, tree: Phrase) -> None:
        steps: list[_Step] = [("row", item) for item in reversed(tree.children) if isinstance(item, Phrase)]
        while steps:
            step = steps.pop()
            if step[0] == "node":
                steps.extend(reversed(self._node(step[1], step[2])))
            elif step[0] == "row":
                self._end_row()
                steps.append(("node", step[1], False))
            elif step[0] == "piece":
                self.current.append(step[1])
            else:
                self._end_row()
                self.depth += step[1]
        self._end_row()

    def _end_row(self) -> None:
        if self.current:
            self.rows.append(_Row(self.depth, self.current))
            self.current = []

    @staticmethod
    def _node(node: Phrase | Word, top: bool) -> list[_Step]:
        """`top`: a formula's outermost sum, whose operators a long line breaks before."""
        if isinstance(node, Word):
            return [("piece", _Piece(node.text, node.start, node.end, node.text in _TIGHT_BEFORE))]
        if node.rule in _BLOCKS or (node.rule in _PARTS and _ends_in_comma(node)):
            return _block(node)
        if node.rule in ("add", "sub"):
            left, operator, right = node.children
            assert isinstance(operator, Word)
            return [("node", left, top), ("piece", _Piece(operator.text, operator.start, operator.end, breaks=top)),
                    ("node", right, False)]
        return _phrase(node.rule, node.children)


def _phrase(rule: str, children: tuple[Phrase | Word, ...]) -> list[_Step]:
    tight = _tight_words(rule, children)
    return [("piece", _word(child, rule, tight)) if isinstance(child, Word) else ("node", child, rule == "value")
            for child in children]


def _block(node: Phrase) -> list[_Step]:
    """Words before `{` continue the line; each phrase inside starts a line one level deeper;
    `}` starts a line at this level, and what follows it continues that line."""
    opening = next(i for i, c in enumerate(node.children) if isinstance(c, Word) and c.text == "{")
    closing = max(i for i, c in enumerate(node.children) if isinstance(c, Word) and c.text == "}")
    inside = node.children[opening + 1 : closing]
    head = _phrase(node.rule, node.children[: opening + 1])
    if not any(isinstance(child, Phrase) for child in inside):  # an empty block: `{}`
        brace = node.children[closing]
        assert isinstance(brace, Word)
        return [*head, ("piece", _Piece("}", brace.start, brace.end, tight_before=True)),
                *_phrase(node.rule, node.children[closing + 1 :])]
    # A comma between parts stays on its part's line.
    body: list[_Step] = [("row", child) if isinstance(child, Phrase) else ("node", child, False) for child in inside]
    return [*head, ("depth", 1), *body, ("depth", -1), *_phrase(node.rule, node.children[closing:])]


def _ends_in_comma(node: Phrase) -> bool:
    before_brace = node.children[-2]
    return isinstance(before_brace, Word) and before_brace.text == ","


def _tight_words(rule: str, children: tuple[Phrase | Word, ...]) -> bool:
    """Whether a phrase is written without spaces: a fraction `1/3`, in a formula too."""
    if rule == "fraction":
        return True
    return rule == "div" and all(isinstance(c, Phrase) and c.rule == "decimal" for c in (children[0], children[2]))


def _word(word: Word, rule: str, tight: bool) -> _Piece:
    text = " ".join(word.text.split()) if word.kind == "ROUND_MODE" else word.text
    fraction = tight and text == "/"
    before = fraction or text in _TIGHT_BEFORE or (text == "(" and rule == "call")
    after = fraction or text == "(" or (text == "-" and rule in ("neg", "negative"))
    breaks = text == "and" and rule in ("level", "veto", "cap")
    return _Piece(text, word.start, word.end, before, after, breaks)


# ------------------------------------------------------------------ printing
@attrs.frozen(slots=True)
class _Line:
    """A printed line: its text, its code's width in columns, where its source begins and ends."""

    text: str
    width: int
    first: int
    last: int
    comment: str | None = None  # the comment after its code
    is_code: bool = True
    continues: bool = False  # a later line of a row broken for its length


class _Printer:
    """Places the comments the layout left out, breaks long lines, keeps blank lines, aligns."""

    def __init__(self, text: str, rows: list[_Row]) -> None:
        self.text = text
        self.rows = rows
        self.tail: list[_Comment] = []  # comments after the last token
        pieces = [(piece, row) for row in rows for piece in row.pieces]
        starts = [piece.start for piece, _ in pieces]
        for comment in _comments(text, [piece for piece, _ in pieces]):
            at = bisect.bisect_left(starts, comment.start)
            self._place(comment, pieces[at - 1] if at else None, pieces[at] if at < len(pieces) else None)

    def _place(self, comment: _Comment, before: tuple[_Piece, _Row] | None,
               after: tuple[_Piece, _Row] | None) -> None:
        """A comment after code ends that code's line, even when the code no longer ends it; one on
        a line of its own goes above the line of the code after it. A line ends with one comment:
        when a later comment joins the line, the one at its end goes above it (comments come in
        the order written, so the order is kept)."""
        trailing = before is not None and "\n" not in self.text[before[0].end : comment.start]
        row = before[1] if trailing and before is not None else after[1] if after is not None else None
        if row is None:
            self.tail.append(comment)
            return
        if row.comment is not None:
            row.above.append(row.comment)
            row.comment = None
        if trailing:
            row.comment = comment
        else:
            row.above.append(comment)

    def render(self) -> str:
        lines: list[_Line | None] = []  # None: a blank line
        previous: _Line | None = None
        for line in self._lines():
            if previous is not None and self._blank_between(previous, line):
                lines.append(None)
            lines.append(line)
            previous = line
        return "".join(f"{text}\n" for text in _aligned(lines))

    def _lines(self) -> Iterator[_Line]:
        for row in self.rows:
            for comment in row.above:  # above a `}`: the last thing in its block, at the block's depth
                yield _comment_line(comment, row.depth + row.closes)
            yield from self._code_lines(row)
        for comment in self.tail:
            yield _comment_line(comment, 0)

    def _blank_between(self, previous: _Line, line: _Line) -> bool:
        """A blank line where the author left one, but never just inside a block's braces."""
        if line.continues or (previous.is_code and previous.text.endswith("{")):
            return False
        if line.is_code and line.text.lstrip().startswith("}"):
            return False
        return _BLANK_LINE.search(self.text, previous.last, max(previous.last, line.first)) is not None

    def _code_lines(self, row: _Row) -> list[_Line]:
        indent = INDENT * row.depth
        segments = _segments(row.pieces)
        broken: list[tuple[str, list[_Piece]]] = []
        text, held = indent + _joined(segments[0]), list(segments[0])
        for segment in segments[1:]:
            joined = _joined(segment)
            if _width(text) + 1 + _width(joined) > WIDTH:
                broken.append((text, held))
                text, held = indent + INDENT + joined, list(segment)
            else:
                text, held = text + " " + joined, held + segment
        broken.append((text, held))
        lines = [_Line(t, _width(t), p[0].start, p[-1].end, continues=k > 0) for k, (t, p) in enumerate(broken)]
        if row.comment is not None:
            lines[-1] = attrs.evolve(lines[-1], comment=row.comment.text, last=row.comment.end)
        return lines


@attrs.frozen(slots=True)
class _Comment:
    """A comment's text, trailing spaces dropped, and where it was written."""

    text: str
    start: int
    end: int


def _comment_line(comment: _Comment, depth: int) -> _Line:
    return _Line(INDENT * depth + comment.text, 0, comment.start, comment.end, is_code=False)


def _comments(text: str, pieces: list[_Piece]) -> Iterator[_Comment]:
    """Every comment: in the gaps between tokens, which hold nothing else but spaces."""
    end = 0
    for piece in [*pieces, _Piece("", len(text), len(text))]:
        for match in _COMMENT.finditer(text, end, piece.start):
            yield _Comment(match.group().rstrip(), match.start(), match.end())
        end = piece.end


def _segments(pieces: list[_Piece]) -> list[list[_Piece]]:
    segments: list[list[_Piece]] = [[]]
    for piece in pieces:
        if piece.breaks and segments[-1]:
            segments.append([])
        segments[-1].append(piece)
    return segments


def _joined(pieces: list[_Piece]) -> str:
    out: list[str] = []
    for k, piece in enumerate(pieces):
        if k and not (piece.tight_before or pieces[k - 1].tight_after):
            out.append(" ")
        out.append(piece.text)
    return "".join(out)


def _width(text: str) -> int:
    """Columns on a terminal: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _aligned(lines: list[_Line | None]) -> Iterator[str]:
    """The lines' texts, the comments after code on neighbouring lines in one column."""
    run: list[_Line] = []
    for line in lines:
        if line is not None and line.is_code:
            run.append(line)
            continue
        yield from _run(run)
        run = []
        yield "" if line is None else line.text
    yield from _run(run)


def _run(run: list[_Line]) -> Iterator[str]:
    column = max((line.width for line in run if line.comment is not None), default=0) + COMMENT_GAP
    for line in run:
        if line.comment is None:
            yield line.text
        else:
            yield line.text + " " * (column - line.width) + line.comment
