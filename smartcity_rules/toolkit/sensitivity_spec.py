"""The sensitivity spec (`spec.toml`): which of a standard's choices are uncertain, and how.

A spec is data the author wrote, read with tomllib and checked against the standard's plan
before anything is sampled: an unknown key or target is an error with its place in the file
(`spec.toml:line:col`) and a did-you-mean, raised as InvalidSpec with codes E0410-E0429
(docs/errors.md). Every varied choice becomes a `Parameter` with a finite list of values: a
continuous draw is rounded to the parameter's declared `step` (a grid), so every value a run
uses is an exact rational and a value at a threshold is decided exactly, as the standard's
own numbers are.
"""

from __future__ import annotations

import difflib
import math
import re
import sys
from collections.abc import Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import attrs

from ..language.diagnostics import Diagnostic
from ..language.errors import InvalidSpec
from ..language.numbers import fmt
from ..language.source import Source, Span
from ..language.syntax import Aggregation, Compare
from ..plan import scoring as p

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10: the tomli backport, a dependency there only
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

KINDS = ("weight", "threshold", "method")
_TOP_KEYS = frozenset({*KINDS, "samples", "seed"})
_COMMON = frozenset({"of", "distribution", "low", "high", "mode", "mean", "sd", "values", "step"})
_KEYS = {"weight": _COMMON, "threshold": _COMMON, "method": frozenset({"of", "aggregation"})}
DISTRIBUTIONS = ("uniform", "triangular", "normal", "choice")
MAX_GRID = 100_000  # values of one parameter's grid: beyond, the step is finer than any standard writes
DEFAULT_STEP = {"weight": Fraction(1, 100), "threshold": Fraction(1, 1000)}
# `sum` is the default node rule (members added); the others are `aggregate ...` (docs/language.md §9).
AGGREGATIONS: dict[str, Aggregation | None] = {"sum": None, **{a.value: a for a in Aggregation}}
_GROUP = re.compile(r'group\s+"(.*)"\Z', re.DOTALL)
_TOML_PLACE = re.compile(r"\(at line (\d+), column (\d+)\)")


@attrs.frozen
class Distribution:
    """How a parameter is drawn: uniform, triangular or truncated normal over [low, high], each
    draw rounded to the grid `low + k * step`; or a choice among listed values, equally likely."""

    kind: str
    low: Fraction
    high: Fraction
    mode: Fraction | None = None
    mean: Fraction | None = None
    sd: Fraction | None = None


@attrs.frozen
class Parameter:
    """One uncertain choice: what it varies, and the finite list of values a draw picks from.

    `kind` is weight (a leaf's points, or a group's points scaling its members), threshold
    (a shift of a leaf's star thresholds, or a rating level's `total >=` bar) or method (a
    node's aggregation). `target` is a node index (weight, method, leaf threshold) or a level
    index (level threshold); `values` are Fractions, or aggregation choices for a method."""

    name: str  # as the spec writes its target: `indicator 12`, `group "基础设施"`, `level 5`
    kind: str
    target: int
    level: bool  # a rating level's bar, not a leaf's thresholds
    distribution: Distribution
    values: tuple[Any, ...]
    position: int = 0  # its place among the spec's tables, [[weight]] first, then [[threshold]], [[method]]


@attrs.frozen
class Spec:
    parameters: tuple[Parameter, ...]
    samples: int | None = None
    seed: int | None = None
    source: str = "<spec>"


def load_spec(path: str | Path, plan: p.ScoringPlan) -> Spec:
    """The spec file at `path`, checked against the plan; InvalidSpec names file:line:col."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidSpec([Diagnostic("E0410", f"cannot read the spec: {error}", None)]) from None
    return loads_spec(text, plan, name)


def loads_spec(text: str, plan: p.ScoringPlan, name: str = "<spec>") -> Spec:
    """A spec from its text, checked against the plan."""
    return _read(_Reader(Source(name, text), plan), text)


def loads_typed_spec(text: str, plans: Mapping[str, p.ScoringPlan], name: str = "<spec>") -> dict[str, Spec]:
    """A spec of a standard with entity types, checked against each type's plan: a table may
    name what only some types have, and varies it in those (`Parameter.position` pairs them up);
    naming what no type has is an error."""
    names = {t: {*_targets(plan), *_level_names(plan)} for t, plan in plans.items()}
    return {t: _read(_Reader(Source(name, text), plan, set().union(*(n for u, n in names.items() if u != t))), text)
            for t, plan in plans.items()}


def _read(reader: _Reader, text: str) -> Spec:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise reader.toml_error(error) from None
    return reader.spec(data)


def _level_names(plan: p.ScoringPlan) -> list[str]:
    return [f"level {level.rank}" for level in plan.levels or ()]


class _Reader:
    def __init__(self, source: Source, plan: p.ScoringPlan, elsewhere: set[str] | None = None) -> None:
        self.source = source
        self.plan = plan
        self.targets = _targets(plan)
        self.elsewhere = elsewhere or set()  # what another entity type's plan has: skipped here, not an error

    # ------------------------------------------------------------ places
    def fail(self, code: str, message: str, where: tuple[str, int, str | None] | None, *,
             label: str = "", help: str = "", on_key: bool = False) -> InvalidSpec:
        span = None if where is None else self.place(*where, on_key=on_key)
        return InvalidSpec([Diagnostic(code, message, span, label=label, help=help)])

    def place(self, table: str, index: int, key: str | None, *, on_key: bool = False) -> Span | None:
        """The span of the value of `key = value` (of the key, `on_key`) in the index-th
        `[[table]]` (table "": at the top), else of the table's header, if found."""
        text = self.source.text
        headers = list(re.finditer(rf"^[ \t]*\[\[[ \t]*{re.escape(table)}[ \t]*\]\]", text, re.MULTILINE))
        if table and index >= len(headers):
            return None
        start, body = (headers[index].start(), headers[index].end()) if table else (0, 0)
        following = re.search(r"^[ \t]*\[", text[body:], re.MULTILINE)
        end = len(text) if following is None else body + following.start()
        if key is None:
            return self.source.span(start, headers[index].end()) if table else None
        found = re.search(rf"^[ \t]*(\"?{re.escape(key)}\"?)[ \t]*=[ \t]*(.*?)[ \t]*$", text[start:end], re.MULTILINE)
        if found is None:
            return self.source.span(start, headers[index].end()) if table else None
        group = 1 if on_key else 2
        return self.source.span(start + found.start(group), start + found.end(group))

    def toml_error(self, error: Exception) -> InvalidSpec:
        message = str(error)
        found = _TOML_PLACE.search(message)
        span = None
        if found:
            line, column = int(found.group(1)), int(found.group(2))
            offset = self.source.starts[min(line, len(self.source.starts)) - 1] + column - 1
            span = self.source.span(offset, min(offset + 1, len(self.source.text)))
            message = message[:found.start()].strip()
        return InvalidSpec([Diagnostic("E0410", f"the spec is not valid TOML: {message}", span)])

    # ------------------------------------------------------------ reading
    def spec(self, data: Mapping[str, Any]) -> Spec:
        for key in data:
            if key not in _TOP_KEYS:
                raise self.unknown_key(key, sorted(_TOP_KEYS), ("", 0, key), "at the top level")
        samples, seed = data.get("samples"), data.get("seed")
        for key, value in (("samples", samples), ("seed", seed)):
            if value is not None and (type(value) is not int or value < (1 if key == "samples" else 0)):
                least = " of at least 1" if key == "samples" else ""
                raise self.fail("E0418", f"`{key}` must be a whole number{least}", ("", 0, key))
        found: list[Parameter | None] = []
        for kind in KINDS:
            tables = data.get(kind, [])
            if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
                raise self.fail("E0418", f"`{kind}` must be a list of tables, each written `[[{kind}]]`",
                                ("", 0, kind))
            found += [self.parameter(kind, index, table) for index, table in enumerate(tables)]
        parameters = [attrs.evolve(q, position=k) for k, q in enumerate(found) if q is not None]
        if not found:
            raise self.fail("E0419", "the spec varies nothing", None,
                            help="add a `[[weight]]`, `[[threshold]]` or `[[method]]` table")
        self.no_overlap(parameters)
        return Spec(tuple(parameters), samples, seed, self.source.name)

    def unknown_key(self, key: str, known: Sequence[str], where: tuple[str, int, str | None],
                    context: str) -> InvalidSpec:
        close = difflib.get_close_matches(key, known, n=1)
        hint = f"did you mean `{close[0]}`?" if close else "expected one of " + ", ".join(f"`{k}`" for k in known)
        return self.fail("E0411", f"unknown key `{key}` {context}", where, help=hint, on_key=True)

    def parameter(self, kind: str, index: int, table: Mapping[str, Any]) -> Parameter | None:
        """The table's parameter, checked; None when it names what only another entity type has."""
        for key in table:
            if key not in _KEYS[kind]:
                raise self.unknown_key(key, sorted(_KEYS[kind]), (kind, index, key), f"in a `[[{kind}]]` table")
        of = table.get("of")
        if not isinstance(of, str):
            raise self.fail("E0418", f"a `[[{kind}]]` table needs `of`, the text naming what it varies",
                            (kind, index, "of" if "of" in table else None),
                            help='for example `of = "indicator 12"`, `of = \'group "基础设施"\'` or `of = "level 5"`')
        where = self.target(kind, index, " ".join(of.split()))
        if where is None:
            return None
        target, level = where
        if kind == "method":
            return self.method(index, of, target, table)
        distribution, values = self.distribution(kind, index, table)
        if kind == "weight":
            self.weights(index, target, values)
        return Parameter(" ".join(of.split()), kind, target, level, distribution, values)

    def weights(self, index: int, n: int, values: Sequence[Fraction]) -> None:
        """A `weight W` stays above 0 and at most 1 (as E0258 holds the standard to); points at least 0."""
        weighted = self.plan.nodes[n].weight is not None
        if weighted and not all(0 < v <= 1 for v in values):
            raise self.fail("E0413", "a weight's values must be above 0 and at most 1", ("weight", index, "low"),
                            help=f"`{self.plan.nodes[n].name}` says `weight W`: draw W, as 0.3 for 30%")
        if not weighted and min(values) < 0:
            raise self.fail("E0413", "points cannot be below 0", ("weight", index, "low"))

    def target(self, kind: str, index: int, of: str) -> tuple[int, bool] | None:
        """The node (or level) index `of` names, and whether it is a rating level; None for
        what only another entity type's plan has."""
        if of in self.targets:
            node = self.targets[of]
            self.can_vary(kind, index, node, of)
            return node, False
        level = re.fullmatch(r"level\s+(\d+)", of)
        ranks = [lv.rank for lv in self.plan.levels or ()]
        if kind == "threshold" and level and int(level.group(1)) in ranks:
            found = ranks.index(int(level.group(1)))
            if not any(isinstance(r, p.TotalAtLeast) and r.compare is Compare.GE
                       for r in (self.plan.levels or ())[found].requirements):
                raise self.fail("E0414", f"`{of}` has no `total >=` requirement to vary", (kind, index, "of"))
            return found, True
        if of in self.elsewhere:
            return None
        names = [*self.targets, *(f"level {r}" for r in ranks if kind == "threshold"), *sorted(self.elsewhere)]
        close = difflib.get_close_matches(of, names, n=1, cutoff=0.5)
        raise self.fail("E0412", f"the standard has no `{of}`", (kind, index, "of"),
                        help=f"did you mean `{close[0]}`?" if close else
                        'name an indicator or item by its code (`indicator 12`), a group by its name '
                        '(`group "基础设施"`) or, for a threshold, a rating level (`level 5`)')

    def can_vary(self, kind: str, index: int, n: int, of: str) -> None:
        node = self.plan.nodes[n]
        leaf = None if node.leaf is None else self.plan.indicators[node.leaf]
        if kind == "threshold" and (leaf is None or leaf.banding is None):
            raise self.fail("E0414", f"`{of}` has no star thresholds to vary", ("threshold", index, "of"),
                            help="thresholds are an indicator's or an item's `stars` bands, or a level's `total >=`")
        if kind == "weight" and leaf is not None and not isinstance(leaf.points, (p.StarPoints, p.LinearPoints)):
            what = "a deduction" if isinstance(leaf.points, p.DeductionPoints) else "scored by a points table"
            raise self.fail("E0414", f"`{of}` is {what}: it has no weight to vary", ("weight", index, "of"),
                            help="a weight is the points of an indicator scored by stars or linearly, or of a group")
        if kind == "weight" and leaf is None and (node.maximum is None or node.maximum == 0 or n == 0):
            raise self.fail("E0414", f"`{of}` has no points to vary", ("weight", index, "of"))
        if kind == "weight" and leaf is None and node.weight is None:
            self.scalable(index, n, of)
        if kind == "method" and node.leaf is not None:
            raise self.fail("E0414", f"`{of}` has no members to aggregate", ("method", index, "of"),
                            help="a method varies how a group, or an indicator made of items, combines its members")

    def scalable(self, index: int, n: int, of: str) -> None:
        """A group's weight scales every leaf inside it: each must be scored by stars or linearly
        (a deduction stays as it is), and no node inside may cap its members."""
        for m in [n, *_inside(self.plan, n)]:
            node = self.plan.nodes[m]
            leaf = None if node.leaf is None else self.plan.indicators[node.leaf]
            if node.cap is not None or (leaf is not None and isinstance(leaf.points, p.TablePoints)):
                what = f"`{node.name}` caps its members" if node.cap is not None else \
                    f"indicator {node.code} is scored by a points table"
                raise self.fail("E0414", f"`{of}` cannot be scaled: {what}", ("weight", index, "of"),
                                help="vary the weights of the indicators inside it one by one")

    def method(self, index: int, of: str, node: int, table: Mapping[str, Any]) -> Parameter:
        choices = table.get("aggregation")
        if not isinstance(choices, list) or len(choices) < 2 or not all(isinstance(c, str) for c in choices):
            raise self.fail("E0417", "`aggregation` must list at least two of " + ", ".join(AGGREGATIONS),
                            ("method", index, "aggregation" if "aggregation" in table else None))
        for choice in choices:
            if choice not in AGGREGATIONS:
                close = difflib.get_close_matches(choice, list(AGGREGATIONS), n=1)
                raise self.fail("E0417", f"no aggregation is called `{choice}`", ("method", index, "aggregation"),
                                help=f"did you mean `{close[0]}`?" if close else "expected " + ", ".join(AGGREGATIONS))
            if choice in ("geometric",) and self.plan.nodes[node].rounding is None:
                raise self.fail("E0417", f"`{of}` has no rounding, which a geometric mean needs",
                                ("method", index, "aggregation"),
                                help="a geometric mean is decided at its declared precision: give the group "
                                     "`rounding N decimals` in the standard")
        values = tuple(AGGREGATIONS[c] for c in choices)
        return Parameter(" ".join(of.split()), "method", node, False,
                         Distribution("choice", Fraction(0), Fraction(len(values) - 1)), values)

    def number(self, kind: str, index: int, table: Mapping[str, Any], key: str) -> Fraction | None:
        raw = table.get(key)
        if raw is None:
            return None
        if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
            raise self.fail("E0418", f"`{key}` must be a number", (kind, index, key))
        try:
            value = Fraction(repr(raw)) if isinstance(raw, float) else Fraction(raw)
        except (ValueError, ZeroDivisionError):
            raise self.fail("E0418", f"`{key}` must be a number, not {raw!r}", (kind, index, key)) from None
        if isinstance(raw, float) and not math.isfinite(raw):
            raise self.fail("E0418", f"`{key}` must be a finite number", (kind, index, key))
        return value

    def distribution(self, kind: str, index: int, table: Mapping[str, Any]) -> tuple[Distribution, tuple[Any, ...]]:
        name = table.get("distribution", "uniform")
        where = (kind, index, "distribution")
        if name not in DISTRIBUTIONS:
            close = difflib.get_close_matches(str(name), DISTRIBUTIONS, n=1)
            raise self.fail("E0413", f"no distribution is called `{name}`", where,
                            help=f"did you mean `{close[0]}`?" if close else "expected " + ", ".join(DISTRIBUTIONS))
        if name == "choice":
            return self.choice(kind, index, table)
        values = {k: self.number(kind, index, table, k) for k in ("low", "high", "mode", "mean", "sd", "step")}
        low, high = values["low"], values["high"]
        if low is None or high is None:
            raise self.fail("E0413", f"a {name} distribution needs `low` and `high`", where,
                            help="a normal distribution is truncated to [low, high]: give both")
        if low >= high:
            raise self.fail("E0413", "`low` must be below `high`", (kind, index, "low"))
        extra = self.shape(kind, index, name, low, high, values)
        step = values["step"] if values["step"] is not None else DEFAULT_STEP[kind]
        if step <= 0:
            raise self.fail("E0416", "`step` must be above 0", (kind, index, "step"))
        count = int((high - low) / step) + 1
        if count > MAX_GRID:
            raise self.fail("E0416", f"a step of {fmt(step)} makes {count:,} values, more than {MAX_GRID:,}",
                            (kind, index, "step"), help="give a coarser `step`")
        # The draws are made over [low, high] as declared, then rounded to the grid (the last
        # value of which may fall short of `high`, when `step` does not divide the range).
        return extra, tuple(low + k * step for k in range(count))

    def shape(self, kind: str, index: int, name: str, low: Fraction, high: Fraction,
              values: Mapping[str, Fraction | None]) -> Distribution:
        if name == "triangular":
            mode = values["mode"]
            if mode is None or not low <= mode <= high:
                raise self.fail("E0413", "a triangular distribution needs a `mode` from `low` to `high`",
                                (kind, index, "mode" if mode is not None else "distribution"))
            return Distribution(name, low, high, mode=mode)
        if name == "normal":
            mean, sd = values["mean"], values["sd"]
            if mean is None or sd is None or sd <= 0:
                raise self.fail("E0413", "a normal distribution needs a `mean` and an `sd` above 0",
                                (kind, index, "sd" if sd is not None else "distribution"))
            return Distribution(name, low, high, mean=mean, sd=sd)
        return Distribution(name, low, high)

    def choice(self, kind: str, index: int, table: Mapping[str, Any]) -> tuple[Distribution, tuple[Any, ...]]:
        raw = table.get("values")
        where = (kind, index, "values" if "values" in table else "distribution")
        if not isinstance(raw, list) or len(raw) < 2:
            raise self.fail("E0413", "a choice needs `values`, a list of at least two numbers", where)
        numbers = tuple(self.number(kind, index, {"values": v}, "values") for v in raw)
        values = tuple(v for v in numbers if v is not None)
        return Distribution("choice", Fraction(0), Fraction(len(values) - 1)), values

    def no_overlap(self, parameters: Sequence[Parameter]) -> None:
        """A node's weight, thresholds or method is varied by one parameter at most, and a leaf's
        points by one weight only: its own, or one group's above it."""
        seen: dict[tuple[str, bool, int], Parameter] = {}
        for index, parameter in enumerate(parameters):
            keys = [(parameter.kind, parameter.level, parameter.target)]
            node = None if parameter.level else self.plan.nodes[parameter.target]
            if parameter.kind == "weight" and node is not None and (node.weight is None or node.leaf is not None):
                keys = [("weight", False, n) for n in _leaves_under(self.plan, parameter.target)]
            for key in keys:
                if key in seen:
                    kind_index = [q for q in parameters[:index] if q.kind == parameter.kind]
                    raise self.fail("E0415", f"`{parameter.name}` is varied twice: its {parameter.kind} is also "
                                             f"varied by `{seen[key].name}`",
                                    (parameter.kind, len(kind_index), "of"),
                                    help="vary each choice once: a group's weight scales every leaf in it")
                seen[key] = parameter


def _targets(plan: p.ScoringPlan) -> dict[str, int]:
    """What a spec may name, and the node each names: `indicator CODE` for leaves and
    indicators made of items (items too: `indicator L1P1-A1`), `group "NAME"` for groups."""
    found: dict[str, int] = {}
    for n, node in enumerate(plan.nodes):
        if node.kind is p.NodeKind.GROUP:
            found[f'group "{node.name}"'] = n
        elif node.code is not None:
            found[f"indicator {node.code}"] = n
    return found


def _leaves_under(plan: p.ScoringPlan, n: int) -> list[int]:
    """The leaf nodes at or below node n, whose points a weight of n moves."""
    node = plan.nodes[n]
    if node.leaf is not None:
        return [n]
    return [leaf for m in node.members for leaf in _leaves_under(plan, m)]


def _inside(plan: p.ScoringPlan, n: int) -> list[int]:
    """Every node below node n."""
    return [k for m in plan.nodes[n].members for k in (m, *_inside(plan, m))]


def group_name(of: str) -> str | None:
    found = _GROUP.match(of)
    return None if found is None else found.group(1)
