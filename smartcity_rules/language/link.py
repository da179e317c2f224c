"""Links a standard to the standards it builds on: a parsed tree with `use` lines ->
a tree in which every reused indicator is a whole indicator.

`indicator 5 from city 7 { ... }` takes indicator 7 of the standard `use`d as
`city`, numbers it 5, and replaces the clauses given. The inputs its formula
reads and the named bands it uses come with it, resolved in the base standard,
so a reused formula means exactly what it means there. Nodes taken from a base
keep their spans, so an error in them points into the base file.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import attrs

from . import files, variants
from . import syntax as s
from .diagnostics import Diagnostic, Label, sort_key
from .errors import InvalidStandard
from .parse import parse_file
from .source import Span

Reader = Callable[[Path], s.StandardFile]
MAX_USE_DEPTH = 8  # standards in one chain, this one included; the shipped ones make chains of 2
MAX_LINKED_FILES = 32  # standards linked to one, each read whole


def link(tree: s.StandardFile, *, read: Reader = parse_file, root: str | Path | None = None) -> s.StandardFile:
    """Resolve `use` lines and reused indicators; raise InvalidStandard listing every problem.

    Paths in `use` lines are relative to the file that names them (for text with no
    file, to the working directory), and must lead, once symlinks are resolved, to a
    regular file inside `root`: by default the folder of the standard linked.
    """
    origin = _origin_path(tree)
    linker = _Linker(read, origin.parent if root is None else _root(root))
    linked = linker.link(tree, origin, ())
    if linker.problems:
        raise InvalidStandard(sorted(linker.problems, key=sort_key))
    return linked


def _origin_path(tree: s.StandardFile) -> Path:
    name = Path(tree.span.source.name)
    try:
        return files.resolved(name)
    except OSError:  # a symlink loop: nothing can be read beside it anyway
        return Path(os.path.abspath(name))


def _root(root: str | Path) -> Path:
    try:
        return files.resolved(Path(root))
    except OSError:
        return Path(os.path.abspath(root))


@attrs.frozen
class _Base:
    """A standard `use`d under an alias, linked, with its indicators by code."""

    use: s.Use
    path: Path
    tree: s.StandardFile
    indicators: dict[str, s.Indicator]
    inputs: dict[str, s.InputDecl]


class _Linker:
    def __init__(self, read: Reader, root: Path) -> None:
        self.read = read
        self.root = root  # resolved: every standard linked lies inside it
        self.problems: list[Diagnostic] = []
        self.linked: dict[Path, s.StandardFile | None] = {}  # None: could not be read or linked

    def error(self, code: str, message: str, span: Span, label: str = "", help: str = "",
              labels: tuple[Label, ...] = ()) -> None:
        self.problems.append(Diagnostic(code, message, span, label=label, help=help, labels=labels))

    # ------------------------------------------------------------ files
    def link(self, tree: s.StandardFile, path: Path, chain: tuple[Path, ...]) -> s.StandardFile:
        if not tree.uses and not _reuses(tree):
            return tree
        bases = self._bases(tree, path, (*chain, path))
        groups = tuple(self._group(group, bases) for group in tree.groups)
        reused = [i for i in s.walk_indicators(groups) if i.origin]
        inputs = self._inputs(tree, reused, bases)
        return attrs.evolve(tree, groups=groups, inputs=inputs)

    def _bases(self, tree: s.StandardFile, path: Path, chain: tuple[Path, ...]) -> dict[str, _Base | None]:
        """Each alias's base standard; None where it could not be read or linked."""
        bases: dict[str, _Base | None] = {}
        for use in tree.uses:
            if use.alias in bases:
                first = next(u for u in tree.uses if u.alias == use.alias)
                self.error("E0246", f"`{use.alias}` names two standards", use.alias_span,
                           label="named again here", labels=(Label(first.alias_span, "first named here"),),
                           help="give each `use` its own name")
                continue
            bases[use.alias] = None
            base_path = self._allowed(use, path)
            if base_path is None:
                continue
            if base_path in chain:
                self.error("E0244", f"`{use.path}` builds on this standard in turn", use.span,
                           label="this `use` goes round in a cycle",
                           help="a standard cannot build on itself, directly or through others")
                continue
            if self._too_many(use, base_path, chain):
                continue
            base = self._load(use, base_path, chain)
            if base is not None and variants.is_typed(base):
                # Its numbers and nodes are one per entity type: no one indicator of it is taken as is.
                self.error("E0288", f"`{use.path}` has entity types, so it cannot be built on", use.span,
                           label="a standard with entity types is one standard per type",
                           help="build on a standard without `entity type by`, or write the indicators here")
                continue
            if base is not None:
                indicators = {i.code: i for i in base.all_indicators()}
                bases[use.alias] = _Base(use, base_path, base, indicators, {d.name: d for d in base.inputs})
        return bases

    def _allowed(self, use: s.Use, path: Path) -> Path | None:
        """Where the `use` leads, resolved; None, reported, when it may not be read there: an
        absolute path, a path out of the root (by `..` or a symlink), not a regular file.
        Nothing is read to decide, so a refused file's content is never shown."""
        if Path(use.path).is_absolute():
            self.error("E0250", f"`{use.path}` is an absolute path", use.span,
                       label="a `use` path is relative to this file",
                       help="write the path from this file's folder, e.g. `use \"city.scs\" as city`")
            return None
        try:
            target = files.resolved(path.parent / use.path)
        except OSError as error:
            self.error("E0243", f"cannot read `{use.path}`", use.span, label=str(error),
                       help="the path is relative to the file that names it")
            return None
        if not files.inside(target, self.root):
            self.error("E0251", f"`{use.path}` leads outside the folder standards are read from", use.span,
                       label="a `use` path stays inside the standard's folder, symlinks resolved",
                       help="move the file into the folder, or name a folder that holds both with "
                       "`root=` (`--root` on the command line)")
            return None
        kind = files.special(target)
        if kind:
            self.error("E0252", f"`{use.path}` is {kind}, not a standard file", use.span,
                       label="only regular files are read", help="name a `.scs` file")
            return None
        return target

    def _too_many(self, use: s.Use, path: Path, chain: tuple[Path, ...]) -> bool:
        """Report a `use` that makes the chain or the set of linked standards too long.

        Each link of a chain nests a parse and a link in Python's stack: 400 of them ran out
        of it; and every standard linked is read whole."""
        if len(chain) >= MAX_USE_DEPTH:
            self.error("E0253", f"`use` chain of more than {MAX_USE_DEPTH} standards", use.span,
                       label=f"standard {len(chain) + 1} of the chain",
                       help="build on the standard directly, not through a chain of others")
            return True
        if path not in self.linked and len(self.linked) >= MAX_LINKED_FILES:
            self.error("E0253", f"more than {MAX_LINKED_FILES} standards to link", use.span,
                       label=f"standard {MAX_LINKED_FILES + 1} to link",
                       help="a standard builds on a few others; take their indicators from fewer files")
            return True
        return False

    def _load(self, use: s.Use, path: Path, chain: tuple[Path, ...]) -> s.StandardFile | None:
        if path in self.linked:
            return self.linked[path]
        self.linked[path] = None
        try:
            tree = self.read(path)
        except InvalidStandard as error:
            unreadable = [d for d in error.diagnostics if d.code == "E0100"]
            if unreadable:
                self.error("E0243", f"cannot read `{use.path}`", use.span,
                           label=unreadable[0].message.removeprefix("cannot read standard: "),
                           help="the path is relative to the file that names it")
            else:  # its own errors, pointing into it
                self.problems.extend(error.diagnostics)
            return None
        linked = self.link(tree, path, chain)
        self.linked[path] = linked
        return linked

    # ------------------------------------------------------------ indicators
    def _group(self, group: s.Group, bases: dict[str, _Base | None]) -> s.Group:
        return attrs.evolve(group, members=tuple(self._members(group, bases)))

    def _members(self, group: s.Group,
                 bases: dict[str, _Base | None]) -> Iterable[s.Indicator | s.ReusedIndicator | s.Group]:
        for item in group.members:
            if isinstance(item, s.Group):
                yield self._group(item, bases)
            elif isinstance(item, s.Indicator):
                yield item
            else:
                resolved = self._reuse(item, bases)
                yield item if resolved is None else resolved

    def _reuse(self, item: s.ReusedIndicator, bases: dict[str, _Base | None]) -> s.Indicator | None:
        base = bases.get(item.standard)
        if base is None:
            if item.standard not in bases:  # else its file failed, and said so
                self._unknown_alias(item, bases)
            return None
        original = base.indicators.get(item.base_code)
        if original is None and _numbered(base.tree, item.base_code):
            return None  # a reuse there that failed, and said so
        if original is None:
            numbers = _some(sorted(base.indicators, key=s.code_order))
            self.error("E0242", f"`{item.standard}` has no indicator {item.base_code}", item.base_span,
                       label=f"not in {base.use.path}", help=f"its indicators: {numbers}")
            return None
        replaced: dict[str, Any] = dict(item.clauses)
        per_type = replaced.pop("per_type", ())  # numbers per entity type: this standard's own
        taken = attrs.evolve(
            original,
            code=item.code,
            name=item.name if item.name is not None else original.name,
            leading=original.leading or item.leading,
            provisional=original.provisional or item.provisional,
            notes=original.notes + item.notes,
            origin=s.Origin(base.use.path, item.standard, item.base_code, tuple(replaced)),
            types=item.types, per_type=per_type,
            span=item.span,
            code_span=item.code_span,
            **replaced,
        )
        if "stars" not in replaced and isinstance(original.stars, s.BandsRef):
            taken = attrs.evolve(taken, stars=self._named_bands(original.stars, base))
        return taken

    def _unknown_alias(self, item: s.ReusedIndicator, bases: dict[str, _Base | None]) -> None:
        names = _some([f"`{alias}`" for alias in bases])
        self.error("E0241", f"no standard is named `{item.standard}`", item.span,
                   label="not named by a `use` line",
                   help=f"standards named here: {names}" if names
                   else f'name it first: `use "file.scs" as {item.standard}`')

    def _named_bands(self, ref: s.BandsRef, base: _Base) -> s.StarBands | s.BandsRef:
        """Named bands are looked up where the indicator was written, not where it is reused."""
        for named in base.tree.bands:
            if named.name == ref.name:
                return named.bands
        return ref  # the base's own mistake: the checker reports it, in the base file

    # ------------------------------------------------------------ inputs
    def _inputs(self, tree: s.StandardFile, reused: list[s.Indicator],
                bases: dict[str, _Base | None]) -> tuple[s.InputDecl, ...]:
        """This file's inputs, then those its reused indicators read from their bases."""
        inputs = {decl.name: decl for decl in tree.inputs}
        imported: dict[str, s.InputDecl] = {}
        for indicator in reused:
            assert indicator.origin is not None
            base = bases[indicator.origin.alias]
            assert base is not None  # the indicator came from it
            names = [name for leaf in s.scored_leaves(indicator) if leaf.value is not None
                     for name in s.input_names(leaf.value)]
            while names:
                name = names.pop(0)
                decl = base.inputs.get(name)
                if decl is None:
                    continue  # declared here, or nowhere: the checker says which
                if name in inputs:
                    self._compare_inputs(inputs[name], decl, indicator)
                    continue
                if name in imported:
                    self._compare_inputs(imported[name], decl, indicator)
                    continue
                imported[name] = decl
                if decl.part_of is not None:
                    names.append(decl.part_of)
        return (*tree.inputs, *imported.values())

    def _compare_inputs(self, kept: s.InputDecl, other: s.InputDecl, indicator: s.Indicator) -> None:
        """A name may be declared again, to relabel it, but not to change what it measures."""
        if (kept.kind, kept.unit, kept.score_range) == (other.kind, other.unit, other.score_range):
            return
        what = _measures
        self.error("E0245", f"input `{kept.name}` is {what(kept)} here but {what(other)} where indicator "
                   f"{indicator.code} was written", kept.name_span,
                   label=f"declared as {what(kept)}",
                   labels=(Label(other.name_span, f"declared as {what(other)}"),),
                   help="a reused formula must read the same kind of statistic; rename one of them")


def _some(items: list[str], most: int = 12) -> str:
    """The items, or the first `most` of them and how many there are: one help line for each
    of a thousand mistakes must not list a thousand names."""
    if len(items) <= most:
        return ", ".join(items)
    return ", ".join(items[:most]) + f", … ({len(items):,} in all)"


def _measures(decl: s.InputDecl) -> str:
    return decl.kind.value + (f' "{decl.unit}"' if decl.unit else "")


def _numbered(tree: s.StandardFile, code: str) -> bool:
    return any(i.code == code for g in tree.all_groups() for i in g.indicators)


def _reuses(tree: s.StandardFile) -> bool:
    return any(isinstance(i, s.ReusedIndicator) for g in tree.all_groups() for i in g.indicators)

