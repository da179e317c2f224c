"""The standards the server knows: the editor's open buffers, the files they `use`, and the
`.scs` files of the workspace folders the editor names (read for references and rename).

A buffer wins over the file on disk: a base standard being edited is linked as typed. Files
are read as the library reads them (`language/files.py`): regular files only, of bounded size,
and a `use` only inside the root (by default the folder of the standard that names it), so the
server reads nothing `check` would not."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlparse

import attrs

from ...language import files
from ...language import syntax as s
from ...language.diagnostics import Diagnostic
from ...language.errors import InvalidStandard
from ...language.link import link
from ...language.parse import parse, parse_file, parse_recovered
from ...language.source import Source
from ...standard import diagnose_tree
from . import symbols
from .positions import UTF16, Lines

MAX_SCANNED = 500  # workspace files read for references: a folder of standards holds a few dozen
SUFFIX = ".scs"


def uri_path(uri: str) -> Path | None:
    """The file a `file:` URI names; None for an unsaved buffer (`untitled:`) and other schemes."""
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    path = unquote(parsed.path)
    if os.name == "nt" and path[:1] == "/" and path[2:3] == ":":  # file:///C:/... names C:/...
        path = path[1:]
    return Path(path)


def path_uri(path: Path) -> str:
    return Path(os.path.abspath(path)).as_uri()


def normalised(text: str) -> str:
    """A buffer's text as a standard file is read: line breaks made `\\n` (files.read_text)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


@attrs.frozen(eq=False)
class Sheet:
    """One standard as the server sees it: its text, what of it parses, and where it lives."""

    uri: str
    path: Path | None  # resolved; None for a buffer that is not a file
    text: str = attrs.field(repr=False)
    tree: s.StandardFile | None = attrs.field(repr=False)  # items with syntax errors left out
    names: symbols.Index = attrs.field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "names", symbols.index(self.tree))

    @property
    def name(self) -> str:
        """The name its spans carry: the path, as the linker and `check` name it."""
        return str(self.path) if self.path is not None else self.uri


@functools.lru_cache(maxsize=64)
def lines_of(text: str, encoding: str = UTF16) -> Lines:
    return Lines(text, encoding)


def _refuse_unsaved(path: Path) -> s.StandardFile:
    """The reader of an unsaved buffer's `use` lines: such a buffer has no folder to read from."""
    raise InvalidStandard([Diagnostic("E0100", "cannot read standard: an unsaved standard cannot `use` others; "
                                      "save it first", Source(str(path), "").span(0, 0))])


class Standards:
    """The workspace: buffers by URI, files by resolved path, workspace folders."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = None if root is None else files.resolved(root)
        self.buffers: dict[str, str] = {}  # uri -> normalised text
        self.folders: list[Path] = []
        self._sheets: dict[str, tuple[str, Sheet]] = {}  # uri -> (text, sheet)
        self._open: dict[Path, str] = {}  # resolved path -> the uri of its buffer
        self._files: dict[Path, tuple[tuple[int, int], str]] = {}  # path -> ((mtime, size), text)

    # ------------------------------------------------------------ buffers and files
    def put(self, uri: str, text: str) -> None:
        self.buffers[uri] = normalised(text)
        path = uri_path(uri)
        if path is not None:
            self._open[_resolved(path)] = uri

    def drop(self, uri: str) -> None:
        self.buffers.pop(uri, None)
        self._open = {path: u for path, u in self._open.items() if u != uri}

    def sheet(self, uri: str) -> Sheet | None:
        """The open buffer, or the file the URI names; None when neither can be read."""
        path = uri_path(uri)
        text = self.buffers.get(uri)
        if text is None and path is not None:
            text = self._disk(path)
        if text is None:
            return None
        cached = self._sheets.get(uri)
        if cached is not None and cached[0] == text:
            return cached[1]
        resolved = None if path is None else _resolved(path)
        sheet = Sheet(uri, resolved, text, parse_recovered(text, str(resolved) if resolved else uri)[0])
        self._sheets[uri] = (text, sheet)
        return sheet

    def at(self, path: Path) -> Sheet | None:
        """The standard at a resolved path: its buffer when open, else the file."""
        return self.sheet(self._open.get(path) or path_uri(path))

    def uri_for(self, name: str) -> str:
        """The URI of a file spans name: its buffer's own where it is open (the client's spelling)."""
        if name in self.buffers:
            return name
        return self._open.get(Path(name)) or path_uri(Path(name))

    def read(self, path: Path) -> s.StandardFile:
        """The linker's reader: a buffer being edited is linked as typed."""
        uri = self._open.get(path)
        if uri is None:
            return parse_file(path)
        return parse(self.buffers[uri], str(path))

    def _disk(self, path: Path) -> str | None:
        """A file's text, read again only when it changed (the workspace is scanned often)."""
        try:
            stamp = os.stat(path)
        except (OSError, ValueError):
            return None
        key = (stamp.st_mtime_ns, stamp.st_size)
        cached = self._files.get(path)
        if cached is not None and cached[0] == key:
            return cached[1]
        text = _read(path)
        if text is not None:
            self._files[path] = (key, text)
        return text

    # ------------------------------------------------------------ what `check` says
    def diagnose(self, sheet: Sheet) -> tuple[Diagnostic, ...]:
        """Every diagnostic `smartcity-rules check` gives for the standard, buffers as typed."""
        read = self.read if sheet.path is not None else _refuse_unsaved
        try:
            return diagnose_tree(link(parse(sheet.text, sheet.name), read=read, root=self.root))
        except InvalidStandard as error:
            return error.diagnostics

    def linked(self, sheet: Sheet) -> s.StandardFile | None:
        """The standard with its reused indicators taken from their bases; None when it cannot be linked."""
        if sheet.tree is None:
            return None
        read = self.read if sheet.path is not None else _refuse_unsaved
        try:
            return link(sheet.tree, read=read, root=self.root)
        except InvalidStandard:
            return None

    # ------------------------------------------------------------ `use` lines
    def bases(self, sheet: Sheet) -> dict[str, Sheet]:
        """The standards its `use` lines name, by alias, where they may be read."""
        if sheet.tree is None or sheet.path is None:
            return {}
        root = self.root if self.root is not None else sheet.path.parent
        found: dict[str, Sheet] = {}
        for use in sheet.tree.uses:
            target = self.use_target(sheet, use, root)
            base = None if target is None else self.at(target)
            if base is not None and use.alias not in found:
                found[use.alias] = base
        return found

    @staticmethod
    def use_target(sheet: Sheet, use: s.Use, root: Path | None = None) -> Path | None:
        """Where a `use` leads, resolved, when the linker would read it there."""
        if sheet.path is None or Path(use.path).is_absolute():
            return None
        try:
            target = files.resolved(sheet.path.parent / use.path)
        except OSError:
            return None
        allowed = files.inside(target, root if root is not None else sheet.path.parent)
        return target if allowed and not files.special(target) else None

    def family(self, sheet: Sheet) -> list[Sheet]:
        """The standards joined to this one by `use` lines, either way, itself first: those
        that may read its inputs and take its indicators, and those it takes from."""
        known = self._known()
        edges: dict[int, set[int]] = {}
        sheets: dict[int, Sheet] = {id(sheet): sheet}
        for other in [sheet, *known]:
            sheets.setdefault(id(other), other)
            for base in self.bases(other).values():
                sheets.setdefault(id(base), base)
                edges.setdefault(id(other), set()).add(id(base))
                edges.setdefault(id(base), set()).add(id(other))
        seen, stack = [id(sheet)], [id(sheet)]
        while stack:
            for nxt in edges.get(stack.pop(), ()):
                if nxt not in seen:
                    seen.append(nxt)
                    stack.append(nxt)
        return [sheets[key] for key in seen]

    def _known(self) -> Iterator[Sheet]:
        """The open buffers, then the workspace folders' standards."""
        uris = dict.fromkeys([*self.buffers, *(path_uri(p) for p in self._scanned())])
        for uri in uris:
            sheet = self.sheet(uri)
            if sheet is not None:
                yield sheet

    def _scanned(self) -> list[Path]:
        found: list[Path] = []
        for folder in self.folders:
            for directory, subdirectories, names in os.walk(folder):  # symlinks are not followed
                subdirectories[:] = sorted(d for d in subdirectories if not d.startswith("."))
                found += [_resolved(Path(directory) / n) for n in sorted(names) if n.endswith(SUFFIX)]
                if len(found) >= MAX_SCANNED:
                    return found[:MAX_SCANNED]
        return found


def _resolved(path: Path) -> Path:
    try:
        return files.resolved(path)
    except OSError:
        return Path(os.path.abspath(path))


def _read(path: Path) -> str | None:
    try:
        return files.read_text(path)
    except (files.FileRefused, OSError, UnicodeDecodeError, ValueError):
        return None
