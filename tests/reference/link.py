"""From parsed files to one standard: `use`, `indicator N from alias M`, named bands, inputs.

Written from docs/language.md §9, "Building on another standard":

- each clause of a reuse block replaces the base's clause of the same kind; notes are added;
  a new name replaces the base's; ★ adds to the base's mark and never takes it away;
- the inputs a reused formula reads, and the wholes they are `part of`, come from the base,
  unless this file declares an input of that name: then this file's declaration is used;
- named bands the base indicator uses are looked up in the base file.

Where the docs are silent, the readings taken here (and reported):

- an override's own `value` or `stars NAME` is this file's text, so its names are looked up in
  this file first, then in the base (the docs only speak of the *reused* formula);
- the wholes come along transitively: a whole that is itself `part of` another brings that one
  too, since the whole's own bound cannot be checked without it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from .errors import RefSyntaxError
from .evaluate import Group, Indicator, RefStandard
from .model import Bands, Clauses, Expr, FileTree, InputDecl, RawGroup, RawIndicator
from .parse import parse
from .reads import input_names, last_period_undefined


@dataclass
class _Scope:
    """What names mean in one file: its inputs and bands, and the standards it builds on."""

    inputs: dict[str, InputDecl]
    bands: dict[str, Bands]
    bases: dict[str, RefStandard]


def load(path: str | Path) -> RefStandard:
    """Read a `.scs` file (UTF-8, a byte-order mark allowed, §1) and everything it builds on."""
    return _load(Path(path).resolve(), ())


def loads(text: str, base_dir: str | Path) -> RefStandard:
    """Read standard text; `use` paths are relative to `base_dir`."""
    return _link(parse(text), Path(base_dir).resolve(), ())


def _load(path: Path, stack: tuple[Path, ...]) -> RefStandard:
    if path in stack:
        raise RefSyntaxError(f"{path} builds on itself")
    text = path.read_text(encoding="utf-8-sig")
    return _link(parse(text), path.parent, (*stack, path))


def _link(tree: FileTree, folder: Path, stack: tuple[Path, ...]) -> RefStandard:
    bases = {alias: _load((folder / file).resolve(), stack) for file, alias in tree.uses}
    scope = _Scope({i.name: i for i in tree.inputs}, dict(tree.bands), bases)
    groups = [_group(raw, scope) for raw in tree.groups]
    inputs = dict(scope.inputs)
    for group in groups:
        for indicator in group.indicators:
            _bring_inputs(indicator, inputs, scope)
    rounding = tree.header.get("rounding")
    return RefStandard(
        title=tree.title or "",
        rounding=int(rounding) if isinstance(rounding, int) else None,
        inputs=inputs,
        groups=groups,
        levels=tree.levels,
        bands=dict(tree.bands),
    )


def _group(raw: RawGroup, scope: _Scope) -> Group:
    indicators = tuple(_indicator(i, scope) for i in raw.indicators)
    return Group(raw.name, raw.bonus, raw.points, raw.cap, indicators)


def _indicator(raw: RawIndicator, scope: _Scope) -> Indicator:
    if raw.reuse is None:
        return _own(raw, scope)
    alias, number = raw.reuse
    base = scope.bases[alias]
    return _override(base.indicator(number), base, raw, scope)


def _own(raw: RawIndicator, scope: _Scope) -> Indicator:
    c = raw.clauses
    if c.value is None:
        raise RefSyntaxError(f"indicator {raw.number} has no value")
    return Indicator(
        number=raw.number,
        name=raw.name or "",
        leading=raw.leading,
        value=c.value,
        bands=_bands(c.stars, scope),
        points=c.points,
        deduct=c.deduct,
        zero=c.zero or "error",
        inputs=_declarations(c.value, scope, None),
        table=scope.inputs,
    )


def _override(taken: Indicator, base: RefStandard, raw: RawIndicator, scope: _Scope) -> Indicator:
    c: Clauses = raw.clauses
    taken = replace(taken, number=raw.number, leading=taken.leading or raw.leading)
    if raw.name is not None:
        taken = replace(taken, name=raw.name)
    if c.value is not None:
        # This file's own formula: its names are this file's, the base's inputs a fallback.
        taken = replace(taken, value=c.value, inputs=_declarations(c.value, scope, base.inputs),
                        table={**base.inputs, **scope.inputs})
    else:
        # The base's formula reads what the base declares, unless this file declares the name.
        taken = replace(taken, inputs={n: scope.inputs.get(n, d) for n, d in taken.inputs.items()})
    if c.stars is not None:
        taken = replace(taken, bands=_bands(c.stars, scope))
    if c.points is not None:
        taken = replace(taken, points=c.points)
    if c.deduct is not None:
        taken = replace(taken, deduct=c.deduct)
    if c.zero is not None:
        taken = replace(taken, zero=c.zero)
    return taken


def _bands(stars: Bands | str | None, scope: _Scope) -> Bands | None:
    if stars is None or isinstance(stars, Bands):
        return stars
    if stars in scope.bands:  # an override's `stars NAME` is this file's text: this file's bands
        return scope.bands[stars]
    raise RefSyntaxError(f"no bands named {stars}")


def _declarations(value: Expr, scope: _Scope, fallback: dict[str, InputDecl] | None) -> dict[str, InputDecl]:
    undefined = last_period_undefined(value)
    if undefined is not None:
        raise RefSyntaxError(f"{undefined}: the docs give last period's value of it no meaning")
    found: dict[str, InputDecl] = {}
    for name in input_names(value):
        if name in scope.inputs:
            found[name] = scope.inputs[name]
        elif fallback is not None and name in fallback:
            found[name] = fallback[name]
        else:
            raise RefSyntaxError(f"unknown input {name}")
    return found


def _bring_inputs(indicator: Indicator, inputs: dict[str, InputDecl], scope: _Scope) -> None:
    """Add the inputs a reused formula reads, with the wholes they are part of (from the base)."""
    pending = [d for d in indicator.inputs.values() if d.name not in inputs]
    while pending:
        declaration = pending.pop()
        if declaration.name in inputs:
            continue
        inputs[declaration.name] = declaration
        whole = declaration.part_of
        if whole is not None and whole not in inputs:
            pending.append(scope.inputs.get(whole) or indicator.table[whole])

