"""Go to definition, find references and rename, across `use`d standards.

What a name means follows the linker (language/link.py): an input is one statistic across
standards joined by `use` (a standard that builds on another reads its inputs by name, and may
declare them again to relabel them), so its references and its rename span the whole family;
an indicator's code is its own file's, and other files name it as `from ALIAS CODE`; bands,
groups and aliases are names within one file."""

from __future__ import annotations

import re
from collections.abc import Iterator

import attrs

from ...language.check import MAX_CODE_LENGTH
from ...language.errors import InvalidStandard
from ...language.parse import keywords, parse
from ...language.syntax import Function
from .symbols import Kind, Occurrence, declaration
from .workspace import Sheet, Standards

Place = tuple[Sheet, Occurrence]


class RenameRefused(ValueError):
    """A rename that would break the standards, and why, in words for the editor to show."""


def definition(ws: Standards, sheet: Sheet, occurrence: Occurrence) -> Place | None:
    """Where the name under the cursor is declared: in this file or in a base standard."""
    if occurrence.alias is not None:
        base = ws.bases(sheet).get(occurrence.alias)
        found = None if base is None else declaration(base.names, Kind.INDICATOR, occurrence.name)
        return None if base is None or found is None else (base, found)
    if occurrence.kind is Kind.INPUT:
        return _input(ws, sheet, occurrence.name, [])
    if occurrence.kind is Kind.FILE:
        return _file(ws, sheet, occurrence.name)
    found = declaration(sheet.names, occurrence.kind, occurrence.name)
    return None if found is None else (sheet, found)


def _file(ws: Standards, sheet: Sheet, alias: str) -> Place | None:
    """The start of the standard a `use` line reads: its header, else its first character."""
    base = ws.bases(sheet).get(alias)
    if base is None:
        return None
    header = None if base.tree is None else base.tree.header
    start, end = (0, 0) if header is None else (header.span.start, header.span.start + len("standard"))
    return base, Occurrence(Kind.FILE, alias, start, end, declares=True)


def _input(ws: Standards, sheet: Sheet, name: str, seen: list[Sheet]) -> Place | None:
    """This file's declaration of an input, else the first of its bases' (depth first, as linked)."""
    found = declaration(sheet.names, Kind.INPUT, name)
    if found is not None:
        return sheet, found
    seen.append(sheet)
    for base in ws.bases(sheet).values():
        if base not in seen and (place := _input(ws, base, name, seen)) is not None:
            return place
    return None


def references(ws: Standards, sheet: Sheet, occurrence: Occurrence) -> list[Place]:
    """Every occurrence of the same thing, its declarations included, in every standard of the family."""
    if occurrence.kind is Kind.FILE:
        return []  # a file is not a name the standard declares
    target = definition(ws, sheet, occurrence)
    if occurrence.kind is Kind.INPUT:
        family = ws.family(target[0] if target is not None else sheet)
        return [(other, o) for other in family for o in other.names
                if o.kind is Kind.INPUT and o.name == occurrence.name]
    if target is None:
        return []
    home, declared = target
    found = [(home, o) for o in home.names
             if o.kind is declared.kind and o.name == declared.name and o.alias is None]
    if declared.kind is Kind.INDICATOR:
        found += [(other, o) for other in ws.family(home) if other is not home
                  for o in _taken(ws, other, home, declared)]
    return found


def _taken(ws: Standards, other: Sheet, home: Sheet, declared: Occurrence) -> Iterator[Occurrence]:
    """The `from ALIAS CODE` of another standard that take the indicator from its home."""
    aliases = {alias for alias, base in ws.bases(other).items() if base is home}
    return (o for o in other.names if o.alias in aliases and o.name == declared.name)


# ------------------------------------------------------------------ rename
@attrs.frozen
class Edit:
    sheet: Sheet
    start: int
    end: int
    text: str


NAME = re.compile(r"(?!\d)\w+")
CODE = re.compile(r"[A-Za-z0-9]+(?:[.\-][A-Za-z0-9]+)*")
_RESERVED = frozenset(keywords()) | {f.value for f in Function}


def rename(ws: Standards, sheet: Sheet, occurrence: Occurrence, new: str) -> list[Edit]:
    """The edits that rename what is under the cursor everywhere it is named; raises
    RenameRefused for a name the grammar would not read there, one already taken, or a rename
    after which a standard no longer parses."""
    if occurrence.kind is Kind.FILE:
        raise RenameRefused("a `use` line's path names a file: rename the file, then the path")
    places = references(ws, sheet, occurrence)
    if not places:
        raise RenameRefused(f"no declaration of {occurrence.kind.value} `{occurrence.name}` is known")
    _valid(occurrence.kind, new)
    _untaken(ws, places, occurrence, new)
    text = f'"{new}"' if occurrence.kind is Kind.GROUP else new
    edits = [Edit(where, o.start, o.end, text) for where, o in places]
    _still_parses(edits)
    return edits


def _valid(kind: Kind, new: str) -> None:
    if kind is Kind.GROUP:
        if not new.strip() or any(ch in new for ch in '"\\') or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in new):
            raise RenameRefused(f"{new!r} cannot be a group's name: write it without quotes, backslashes or "
                                "control characters")
        return
    if kind is Kind.INDICATOR:
        if not (CODE.fullmatch(new) and new.isascii()) or len(new) > MAX_CODE_LENGTH:
            raise RenameRefused(f"{new!r} is not an indicator code: runs of ASCII letters and digits joined by "
                                f"`.` or `-`, at most {MAX_CODE_LENGTH} characters (12, L1P1-A1, 2.3.1)")
        return
    if not NAME.fullmatch(new):
        raise RenameRefused(f"{new!r} is not a name: letters, digits and `_`, not starting with a digit")
    if new in _RESERVED:
        raise RenameRefused(f"`{new}` is a keyword or a function of the language: choose another name")


def _untaken(ws: Standards, places: list[Place], occurrence: Occurrence, new: str) -> None:
    """A name may not become one its scope already declares (the files the rename touches)."""
    for sheet in dict.fromkeys(where for where, _ in places):
        if occurrence.kind is Kind.INDICATOR and any(o.alias is not None for w, o in places if w is sheet):
            continue  # this file only takes the indicator: its own codes are another scope
        if declaration(sheet.names, occurrence.kind, new) is not None:
            raise RenameRefused(f"{sheet.name} already declares {occurrence.kind.value} `{new}`")


def _still_parses(edits: list[Edit]) -> None:
    for sheet in dict.fromkeys(edit.sheet for edit in edits):
        text = sheet.text
        for edit in sorted((e for e in edits if e.sheet is sheet), key=lambda e: e.start, reverse=True):
            text = text[:edit.start] + edit.text + text[edit.end:]
        if _parses(sheet.text, sheet.name) and not _parses(text, sheet.name):
            raise RenameRefused(f"after the rename {sheet.name} would no longer parse")


def _parses(text: str, name: str) -> bool:
    try:
        parse(text, name)
    except InvalidStandard:
        return False
    return True
