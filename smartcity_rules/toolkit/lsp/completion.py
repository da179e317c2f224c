"""Completion: what the grammar accepts at the cursor, and the names that fit there.

The parser says what may follow the text before the cursor (`parse.expected_after`): its
keywords come from the grammar itself, and where it takes a name or a code the word before
says which: bands after `stars`, a base standard after `from`, its indicators after
`from ALIAS`, inputs in a formula. Where the text above the cursor does not parse, every
keyword and name is offered."""

from __future__ import annotations

import enum
import re

import attrs

from ...language import syntax as s
from ...language.check import FUNCTIONS
from ...language.parse import expected_after, keywords
from .symbols import Kind, names, tokens
from .workspace import Sheet, Standards


class Item(enum.Enum):
    """What a proposal is, for the editor's icon."""

    KEYWORD = "keyword"
    INPUT = "input"
    FUNCTION = "function"
    BANDS = "bands"
    INDICATOR = "indicator"
    GROUP = "group"
    STANDARD = "standard"
    VALUE = "value"  # one of a closed set: a kind, a level, a direction


@attrs.frozen
class Proposal:
    label: str
    item: Item
    detail: str = ""
    insert: str | None = None  # when it differs from the label (a group's name, quoted)


_WORD_BEFORE = re.compile(r"[\w.\-]*$")
# A closed set read as a name, by the word before it: enums of the syntax, not a second list.
_CLOSED: dict[str, tuple[str, ...]] = {
    "level": tuple(level.value for level in s.EntityLevel),
    "better": tuple(direction.value for direction in s.Direction),
    "aggregate": tuple(aggregation.value for aggregation in s.Aggregation),
    ":": tuple(kind.value for kind in s.Kind if kind is not s.Kind.SCORE),
}


_CODE_BEFORE = re.compile(r'(?:[^"#\n]|"(?:[^"\\\n]|\\.)*")*')  # a line's start outside strings and comments


def complete(ws: Standards, sheet: Sheet, offset: int) -> list[Proposal]:
    """The proposals for a cursor at a character offset of the sheet's text; none in a string
    or a comment, which are the author's words."""
    text = sheet.text
    if not _CODE_BEFORE.fullmatch(text, text.rfind("\n", 0, offset) + 1, offset):
        return []
    start = offset - len(_WORD_BEFORE.search(text, 0, offset).group())  # type: ignore[union-attr]
    expected = expected_after(text[:start])
    if expected is None:
        return [*_keywords(frozenset(keywords())), *_names(ws, sheet, "", frozenset({"NAME"}))]
    before = _previous_words(text, start)
    return [*_keywords(expected), *_names(ws, sheet, before, expected)]


def _previous_words(text: str, start: int) -> str:
    """The last two words before the cursor's word, `from city` or `stars`, joined by a space."""
    found = [word for _, _, word in tokens(text, max(0, start - 200), start)]
    return " ".join(found[-2:])


def _keywords(expected: frozenset[str]) -> list[Proposal]:
    words = [w for w in sorted(expected) if w.isidentifier() and not w.isupper()]
    if "ROUND_MODE" in expected:
        words += [mode.value for mode in s.RoundMode]
    return [Proposal(word, Item.KEYWORD) for word in words]


def _names(ws: Standards, sheet: Sheet, before: str, expected: frozenset[str]) -> list[Proposal]:
    last = before.split(" ")[-1] if before else ""
    found: list[Proposal] = []
    if "CODE" in expected:
        found += _codes(ws, sheet, before)
    if "STRING" in expected and last == "group" and _in_rating(before):
        found += [Proposal(name, Item.GROUP, insert=f'"{name}"') for name in names(sheet.names, Kind.GROUP)]
    if "NAME" not in expected:
        return found
    if last in _CLOSED:
        return found + [Proposal(value, Item.VALUE) for value in _CLOSED[last]]
    if last == "stars":
        return found + [Proposal(name, Item.BANDS) for name in names(sheet.names, Kind.BANDS)]
    if last == "from":
        return found + [Proposal(alias, Item.STANDARD, use) for alias, use in _aliases(sheet)]
    if last in ("input", "bands", "as"):
        return found  # a new name: nothing to propose
    return found + _inputs(ws, sheet) + [Proposal(name, Item.FUNCTION, _arity(name)) for name in FUNCTIONS]


def _codes(ws: Standards, sheet: Sheet, before: str) -> list[Proposal]:
    """Indicators of a base after `from ALIAS`, this standard's own after `indicator` in the rating."""
    words = before.split(" ")
    if len(words) == 2 and words[0] == "from":
        base = ws.bases(sheet).get(words[1])
        return [] if base is None else _indicators(base)
    return _indicators(sheet) if words[-1] == "indicator" and _in_rating(before) else []


def _indicators(sheet: Sheet) -> list[Proposal]:
    if sheet.tree is None:
        return []
    found: list[Proposal] = []
    for group in sheet.tree.all_groups():
        for member in group.indicators:
            if isinstance(member, s.ReusedIndicator):
                found.append(Proposal(member.code, Item.INDICATOR, member.name or f"from {member.standard}"))
                continue
            found.append(Proposal(member.code, Item.INDICATOR, member.name))
            found += [Proposal(i.code, Item.INDICATOR, i.name) for i in member.items]
    return found


def _in_rating(before: str) -> bool:
    """Whether `indicator` or `group` before the cursor is a rating requirement, not a
    declaration: it follows `when` or `and` there."""
    words = before.split(" ")
    return len(words) == 2 and words[0] in ("when", "and")


def _aliases(sheet: Sheet) -> list[tuple[str, str]]:
    return [] if sheet.tree is None else [(use.alias, use.path) for use in sheet.tree.uses]


def _inputs(ws: Standards, sheet: Sheet) -> list[Proposal]:
    """The inputs a formula here may read: this standard's, and those its reused indicators
    bring from their bases (the linker's list) once it links."""
    tree = ws.linked(sheet) or sheet.tree
    declared: list[s.InputDecl | s.ChoiceInput] = [] if tree is None else [*tree.inputs, *tree.choices]
    return [Proposal(name, Item.INPUT, decl.label) for name, decl in {d.name: d for d in declared}.items()]


def _arity(name: str) -> str:
    low, high = FUNCTIONS[name]
    return f"{name}: {low} argument{'s' if low > 1 else ''}" + ("" if high == low else " or more")
