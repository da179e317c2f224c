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
  too, since the whole's own bound cannot be checked without it;
- `indicator N from alias M` takes an indicator, not an item, of the base (at any depth of its
  groups), with its items; the items keep their codes and their formulas read the base's inputs,
  unless this file declares the name, as for the indicator's own formula;
- a node's `when missing` (§3, *Per indicator or node*): a reused indicator brings its own and its
  items' (a reuse block's replaces the indicator's), not those of the base's groups; in this file
  it sits in this file's groups, whose `when missing` covers it as any member's.

What the reference refuses when linking (`RefSyntaxError`), beyond what it cannot find: a
`weight` without the header's `total` (E0259), an indicator with items and a `value`, `stars`,
`deduct` or a linear `points` of its own (E0257; a plain `points N` is allowed, as §9 says, and
is its maximum), a leaf without a `value`, a code given twice across indicators and items
(E0228), a group name given twice (E0227), and (its own limit) a group named like an
indicator's or item's code, since results key nodes by code or name.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

from .errors import RefSyntaxError
from .evaluate import Group, Indicator, RefStandard
from .model import Bands, Clauses, Expr, FileTree, InputDecl, RawGroup, RawIndicator, RawItem, Rounding
from .parse import parse
from .reads import input_names, last_period_undefined, takes_root
from .types import RefTyped


@dataclass
class _Scope:
    """What names mean in one file: its inputs and bands, and the standards it builds on."""

    inputs: dict[str, InputDecl]
    bands: dict[str, Bands]
    bases: dict[str, RefStandard]


def load(path: str | Path) -> RefStandard | RefTyped:
    """Read a `.scs` file (UTF-8, a byte-order mark allowed, §1) and everything it builds on."""
    path = Path(path).resolve()
    return _typed(path.read_text(encoding="utf-8-sig"), path.parent, (path,))


def loads(text: str, base_dir: str | Path) -> RefStandard | RefTyped:
    """Read standard text; `use` paths are relative to `base_dir`."""
    return _typed(text, Path(base_dir).resolve(), ())


def _typed(text: str, folder: Path, stack: tuple[Path, ...]) -> RefStandard | RefTyped:
    """One standard, or (§9, *Entity types*) one for each type the header's `entity type by`
    input lists, each read as entities of that type see the file."""
    tree = parse(text)
    key = tree.header.get("entity")
    if key is None:
        return _link(tree, folder, stack)
    choices = [i.choices for i in tree.inputs if i.name == key and i.kind == "choice"]
    if not choices:
        raise RefSyntaxError(f"`entity type by {key}`: no choice input {key}")
    return RefTyped(str(key), {t: _link(parse(text, t), folder, stack) for t in dict.fromkeys(choices[0])})


def _load(path: Path, stack: tuple[Path, ...]) -> RefStandard:
    if path in stack:
        raise RefSyntaxError(f"{path} builds on itself")
    text = path.read_text(encoding="utf-8-sig")
    tree = parse(text)
    if "entity" in tree.header:  # my reading: the docs do not say what taking from one means
        raise RefSyntaxError(f"{path}: a standard with entity types is not a base")
    return _link(tree, path.parent, (*stack, path))


def _link(tree: FileTree, folder: Path, stack: tuple[Path, ...]) -> RefStandard:
    bases = {alias: _load((folder / file).resolve(), stack) for file, alias in tree.uses}
    # The entity type input chooses what is read; no formula reads it (§9, *Entity types*).
    scope = _Scope({i.name: i for i in tree.inputs if i.kind != "choice"}, dict(tree.bands), bases)
    groups = [_group(raw, scope) for raw in tree.groups]
    inputs = dict(scope.inputs)
    rounding = tree.header.get("rounding")
    total = tree.header.get("total")
    standard = RefStandard(
        title=tree.title or "",
        rounding=rounding if isinstance(rounding, Rounding) else None,
        inputs=inputs,
        groups=groups,
        levels=tree.levels,
        bands=dict(tree.bands),
        total=total if isinstance(total, Fraction) else None,
        unrated_above=tree.unrated_above,
        overrides=tuple(tree.overrides),
    )
    for indicator in standard.leaves:
        _bring_inputs(indicator, inputs, scope)
    _check(standard)
    return standard


def _check(standard: RefStandard) -> None:
    """What the reference needs to hold before it can score (see the module's docstring)."""
    codes: set[object] = set()
    names: set[str] = set()
    for node, rounding in standard.walk():
        if node.weight is not None and standard.total is None:
            raise RefSyntaxError(f"{node.name}: a weight needs the header's `total` (E0259)")
        if node.aggregate == "geometric" and rounding is None:
            raise RefSyntaxError(f"{node.name}: a geometric mean needs a rounding that covers it (E0267)")
        if isinstance(node, Indicator) and node.value is not None and takes_root(node.value) and rounding is None:
            raise RefSyntaxError(f"{node.code}: a square root needs a rounding that covers it (E0277)")
        if isinstance(node, Group):
            if node.name in names:
                raise RefSyntaxError(f"group {node.name!r} twice (E0227)")
            names.add(node.name)
            continue
        if node.code in codes:
            raise RefSyntaxError(f"code {node.code} twice (E0228)")
        codes.add(node.code)
        # `points N` stays allowed, as the items' declared maximum (§9, *Items*: "With `points N`
        # (allowed on such an indicator) the items' maxima must add up to `N`").
        if node.items and (node.value is not None or node.bands or node.deduct
                           or (node.points is not None and (node.points.linear or node.points.table))):
            raise RefSyntaxError(f"indicator {node.code} has items and a formula of its own (E0257)")
        if not node.items and node.value is None:
            raise RefSyntaxError(f"{node.kind} {node.code} has no value")
        if not node.items and (node.redistribute or node.aggregate is not None):
            raise RefSyntaxError(f"{node.kind} {node.code}: only a group or an indicator made of items aggregates")
    clash = names & codes
    if clash:
        raise RefSyntaxError(f"{sorted(clash)}: a group named like a code (the reference keys nodes by both)")


def _group(raw: RawGroup, scope: _Scope) -> Group:
    members = tuple(_group(m, scope) if isinstance(m, RawGroup) else _indicator(m, scope) for m in raw.members)
    return Group(raw.name, raw.bonus, raw.points, raw.cap, members, raw.code, raw.weight, raw.rounding,
                 raw.redistribute, raw.aggregate, raw.missing)


def _indicator(raw: RawIndicator, scope: _Scope) -> Indicator:
    if raw.reuse is None:
        return _own(raw.code, raw.name or "", raw.leading, raw.clauses, scope, "indicator")
    alias, code = raw.reuse
    base = scope.bases[alias]
    return _override(base.indicator(code), base, raw, scope)


def _own(code: object, name: str, leading: bool, c: Clauses, scope: _Scope, kind: str) -> Indicator:
    assert isinstance(code, (int, str))
    return Indicator(
        code=code,
        name=name,
        leading=leading,
        value=c.value,
        bands=_bands(c.stars, scope),
        points=c.points,
        deduct=c.deduct,
        zero=c.zero or "error",
        inputs=_declarations(c.value, scope, None) if c.value is not None else {},
        table=scope.inputs,
        weight=c.weight,
        rounding=c.rounding,
        items=_items(c.items, scope),
        kind=kind,
        redistribute=bool(c.redistribute),
        aggregate=c.aggregate,
        missing=c.missing,
    )


def _items(items: list[RawItem], scope: _Scope) -> tuple[Indicator, ...]:
    return tuple(_own(i.code, i.name, False, i.clauses, scope, "item") for i in items)


def _from_base(taken: Indicator, scope: _Scope) -> Indicator:
    """The base's formula reads what the base declares, unless this file declares the name; so do
    the formulas of its items."""
    return replace(taken, inputs={n: scope.inputs.get(n, d) for n, d in taken.inputs.items()},
                   items=tuple(_from_base(i, scope) for i in taken.items))


def _override(taken: Indicator, base: RefStandard, raw: RawIndicator, scope: _Scope) -> Indicator:
    c: Clauses = raw.clauses
    taken = replace(taken, code=raw.code, leading=taken.leading or raw.leading)
    if raw.name is not None:
        taken = replace(taken, name=raw.name)
    if c.value is not None:
        # This file's own formula: its names are this file's, the base's inputs a fallback.
        taken = replace(taken, value=c.value, inputs=_declarations(c.value, scope, base.inputs),
                        table={**base.inputs, **scope.inputs},
                        items=tuple(_from_base(i, scope) for i in taken.items))
    else:
        taken = _from_base(taken, scope)
    if c.items:
        taken = replace(taken, items=_items(c.items, scope))
    for attribute in ("points", "deduct", "zero", "weight", "rounding", "redistribute", "aggregate", "missing"):
        if getattr(c, attribute) is not None:
            taken = replace(taken, **{attribute: getattr(c, attribute)})
    if c.stars is not None:
        taken = replace(taken, bands=_bands(c.stars, scope))
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

