"""Evaluation.to_dict()'s writer, generated once per standard from its checked plan.

A community's dict is some 70 small dicts and lists; written by loops over the entries, the
loops' own steps (unpacking each entry's columns, calling, appending) cost about as much as the
dicts. The generated writer is the same steps unrolled: each entry a copy of its fixed part with
the row's figures set, each rating requirement one test, nothing looked up twice.

Hygiene, as the Python back-end's codegen.py: author text never reaches the generated source.
Every figure a standard fixes (names, codes, texts, the entries' fixed parts) is a constant
passed through the namespace as `_K0`, `_K1`...; every other name is made from an int (`V3`,
`H0_2`); the only string literals are the library's own keys. The code runs in a fresh
namespace holding only those constants, and no builtins.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

import attrs

from ..language.numbers import fmt
from ..plan import scoring as p
from .evaluation import Status

_NAMES = itertools.count(1)
# What bind() takes, per batch: the row's figures are read from these (RowDicts.writer).
PARAMETERS = ("E", "V", "S", "P", "NT", "NU", "H", "A", "MC", "MISSING", "SHARE", "SHORT", "COHORT", "EXACT")
Writer = Callable[[int], dict[str, Any]]
STARS = (None, 0, 1, 2, 3, 4, 5)


def star_leaves(plan: p.ScoringPlan) -> frozenset[int]:
    """The leaves whose points, and their nodes' points and unrounded points, follow from their
    stars alone: star points held as scaled ints, which every back-end reads off the table by
    the stars (codegen: `table[stars]`; 0 where not applicable, with no stars). Their entries are
    copies of a template per star count, with no text column for the writer to read."""
    return frozenset(k for k, item in enumerate(plan.indicators)
                     if isinstance(item.points, p.StarPoints) and item.scaled)


def column_nodes(plan: p.ScoringPlan) -> tuple[int, ...]:
    """The nodes whose points and unrounded points the writer reads from text columns: every
    node but those of star_leaves."""
    star = star_leaves(plan)
    return tuple(n for n, node in enumerate(plan.nodes) if node.leaf not in star)


def column_leaves(plan: p.ScoringPlan) -> tuple[int, ...]:
    """The leaves whose points the writer reads from a text column: those not in star_leaves."""
    star = star_leaves(plan)
    return tuple(k for k in range(len(plan.indicators)) if k not in star)


def _star_points(plan: p.ScoringPlan, k: int, stars: int | None) -> str:
    """A star leaf's points as to_dict writes them (dicts.ScaledTexts of its scaled int)."""
    points = plan.indicators[k].points
    assert isinstance(points, p.StarPoints)
    scaled = 0 if stars is None else int(points.table[stars] * plan.points_scale)
    return fmt(Fraction(scaled, plan.points_scale))


def _star_unrounded(plan: p.ScoringPlan, k: int, stars: int | None) -> str:
    """A star leaf's node's unrounded points as to_dict writes them (dicts.RowDicts.unrounded_texts:
    its points when it has no rounding, else its stars' share of its maximum, "0" for none)."""
    item = plan.indicators[k]
    if item.rounding is None:
        return _star_points(plan, k, stars)
    return fmt(0) if stars is None else fmt(item.points.unrounded(0, 1, stars))


@attrs.frozen
class LevelShape:
    """What a rating level fixes about its part of to_dict(): rank, name, its own requirements'
    texts, and its implicit ones (rating.extra_requirements: None or an override's index) with
    their texts."""

    rank: int
    name: str
    texts: tuple[str, ...]
    extras: tuple[tuple[int | None, str], ...]


class _Source:
    """The lines of the generated module and the constants they read."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.constants: dict[str, Any] = {}
        self.columns: list[str] = []  # the locals unpacked from the batch's columns

    def constant(self, value: Any) -> str:
        name = f"_K{len(self.constants)}"
        self.constants[name] = value
        return name

    def line(self, depth: int, text: str) -> None:
        self.lines.append("    " * depth + text)

    def unpack(self, names: Sequence[str], source: str) -> None:
        """`a, b, = source`: a batch's columns as locals the writer closes over."""
        if names:
            self.line(1, f"{', '.join(names)}, = {source}")
            self.columns.extend(names)

    def entry(self, local: str, template: Any, figures: Sequence[tuple[str, str]]) -> None:
        """`local = <template>.copy()`, then each (key, expression) of the row's figures set."""
        self.line(2, f"{local} = {self.constant(template)}.copy()")
        for key, value in figures:
            self.line(2, f"{local}[{key!r}] = {value}")

    def listed(self, items: Sequence[Any]) -> str:
        """A fresh list of the fixed items, per row: callers may change the lists they get."""
        return f"[*{self.constant(tuple(items))}]" if items else "[]"


def generate(shape: Any) -> tuple[str, dict[str, Any]]:
    """The source of `bind(E, V, ...)`, which returns the writer of any row of one batch, and
    its constants. `shape` is an evaluate._Shape (typed Any: evaluate imports this module)."""
    src = _Source()
    plan = shape.plan
    leaves = range(len(plan.indicators))
    levels = shape.levels if shape.rated else ()
    src.line(0, f"def bind({', '.join(PARAMETERS)}):")
    for prefix, count in (("V", leaves), ("S", leaves), ("P", column_leaves(plan)), ("NT", column_nodes(plan)),
                          ("NU", column_nodes(plan))):
        src.unpack([f"{prefix}{k}" for k in count], prefix)
    src.unpack([f"H{i}" for i in range(len(levels))], "H")
    src.unpack([f"A{i}" for i in range(len(levels))], "A")
    for i, level in enumerate(levels):
        src.unpack([f"H{i}_{j}" for j in range(len(level.texts) + len(level.extras))], f"H{i}")
        src.unpack([f"A{i}_{j}" for j in range(len(level.texts))], f"A{i}")
    # The columns as defaults of write: fast locals, where names it closed over were each a
    # cell to load, some 150 a row (2-3% of the writer's time; keyword-only defaults cost more).
    src.line(1, f"def write(row, {', '.join(f'{c}={c}' for c in src.columns)}):")
    rating = _rating(src, shape, levels)
    groups = _groups(src, shape)
    _indicators(src, shape)
    node_names = _nodes(src, shape)
    _result(src, shape, rating, groups, node_names)
    src.line(1, "return write")
    return "\n".join(src.lines) + "\n", src.constants


def _rating(src: _Source, shape: Any, levels: Sequence[Any]) -> str:
    """Each level's failed requirements, its own first; the expression of the rating's dict."""
    if not shape.rated:
        return "None"
    for i, level in enumerate(levels):
        src.line(2, f"f{i} = []")
        for j, text in enumerate(level.texts):
            src.line(2, f"if not H{i}_{j}[row]:")
            src.line(3, f"f{i}.append({{'requirement': {src.constant(text)}, 'actual': A{i}_{j}[row]}})")
        for j, (which, text) in enumerate(level.extras, start=len(level.texts)):
            # An override fails as "applies"; enough data shows what the row missed.
            actual = "SHORT(row)" if which is None else src.constant("applies")
            src.line(2, f"if not H{i}_{j}[row]:")
            src.line(3, f"f{i}.append({{'requirement': {src.constant(text)}, 'actual': {actual}}})")
    heads = [(src.constant(level.rank), src.constant(level.name)) for level in levels]
    for i, (rank, name) in enumerate(heads):  # the first level listed that is reached
        src.line(2, f"{'if' if i == 0 else 'elif'} not f{i}:")
        src.line(3, f"rank, name = {rank}, {name}")
    src.line(2, "else:" if heads else "if True:")
    src.line(3, f"rank, name = {src.constant(0)}, None")
    listed = ", ".join(f"{{'rank': {rank}, 'name': {name}, 'reached': not f{i}, 'failed': f{i}}}"
                       for i, (rank, name) in enumerate(heads))
    provisional = src.constant(shape.rating_provisional)
    return f"{{'rank': rank, 'name': name, 'provisional': {provisional}, 'levels': [{listed}]}}"


def _groups(src: _Source, shape: Any) -> list[str]:
    names = []
    for i, (g, template, (indicators, groups)) in enumerate(zip(shape.plan.groups, shape.group_templates,
                                                                shape.group_members)):
        src.entry(f"g{i}", template, [("points", f"NT{g}[row]"), ("indicators", src.listed(indicators)),
                                      ("groups", src.listed(groups))])
        names.append(f"g{i}")
    return names


def _indicators(src: _Source, shape: Any) -> None:
    """The local `indicators`: each leaf's entry, the status it has when applicable in its template."""
    absent = src.constant(Status.NOT_APPLICABLE.value)
    plan = shape.plan
    star = star_leaves(plan)
    for k, (template, provisional) in enumerate(zip(shape.indicator_dicts, shape.leaf_provisional)):
        if k in star:  # stars and points set in the template of the row's stars
            by_stars = {stars: {**template, "stars": stars, "points": _star_points(plan, k, stars)} for stars in STARS}
            src.line(2, f"i{k} = {src.constant(by_stars)}[S{k}[row]].copy()")
        else:
            src.line(2, f"i{k} = {src.constant(template)}.copy()")
        src.line(2, f"v = V{k}[row]")
        src.line(2, "if v is None:")
        src.line(3, f"i{k}['status'] = {absent}")
        src.line(2, "else:")
        src.line(3, f"i{k}['value'] = v")
        if k not in star:
            src.line(2, f"i{k}['stars'] = S{k}[row]")
            src.line(2, f"i{k}['points'] = P{k}[row]")
        src.line(2, f"i{k}['provisional'] = {src.listed(provisional)}")
    src.line(2, f"indicators = [{', '.join(f'i{k}' for k in range(len(shape.indicator_dicts)))}]")
    src.line(2, "for k, exact in EXACT:  # an irrational value, as IndicatorResult.to_dict writes it")
    src.line(3, "if exact[row] is not None:")
    src.line(4, f"indicators[k]['exact'] = {src.constant(str)}(exact[row])")


def _nodes(src: _Source, shape: Any) -> list[str]:
    plan = shape.plan
    star = star_leaves(plan)
    names = []
    for n, (template, members) in enumerate(zip(shape.node_templates, shape.node_members)):
        k = plan.nodes[n].leaf
        if k in star:  # points and unrounded set in the template of its leaf's stars
            by_stars = {stars: {**template, "points": _star_points(plan, k, stars),
                                "unrounded": _star_unrounded(plan, k, stars)} for stars in STARS}
            src.line(2, f"n{n} = {src.constant(by_stars)}[S{k}[row]].copy()")
            src.line(2, f"n{n}['members'] = {src.listed(members)}")
        else:
            src.entry(f"n{n}", template, [("points", f"NT{n}[row]"), ("unrounded", f"NU{n}[row]"),
                                          ("members", src.listed(members))])
        names.append(f"n{n}")
    return names


def _result(src: _Source, shape: Any, rating: str, groups: list[str], nodes: list[str]) -> None:
    """The evaluation's dict, in to_dict()'s order of keys."""
    typed = "" if shape.entity_type is None else f"'entity_type': {src.constant(shape.entity_type)}, "
    cohort = "COHORT()" if shape.plan.needs_cohort else "None"
    src.line(2, "m = MC[row]")
    src.line(2, f"return {{'entity': E[row], {typed}'standard': {src.constant(shape.title)}, "
                f"'edition': {src.constant(shape.edition)}, 'total': NT0[row], 'rating': {rating}, "
                f"'groups': [{', '.join(groups)}], 'indicators': indicators, 'nodes': [{', '.join(nodes)}], "
                f"'cohort': {cohort}, 'missing': MISSING(row) if m else [], "
                f"'missing_share': SHARE(row) if m else {src.constant(fmt(0))}, "
                f"'provisional': {src.listed(shape.provisional)}}}")


def build(shape: Any) -> Callable[..., Writer]:
    """`bind`, compiled and run in a fresh namespace: the generated source only, from the checked plan."""
    source, constants = generate(shape)
    namespace: dict[str, Any] = {"__builtins__": {}, **constants}
    exec(compile(source, f"<generated result writer {next(_NAMES)}>", "exec"), namespace)  # see the docstring
    bind: Callable[..., Writer] = namespace["bind"]
    return bind
