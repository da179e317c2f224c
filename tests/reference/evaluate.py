"""Scoring a cohort, exactly and slowly, from docs/language.md §5-§12.

A result is one plain dict per entity:

- `"indicators"`: code -> (value, stars, points) for every leaf at any depth, in the order the file
  writes them: each indicator with a `value`, and each item; an indicator made of items has no
  value, stars or points of its own, and its score is in `"nodes"` only; a code is a number for an
  all-digit code, else the text as written (`model.code_key`);
- `"groups"`: name -> score (rounded, after its cap and weight) for every group at every level;
- `"total"`, `"rating"` (a level's rank, 0 unrated, `None` without a rating) and `"rating_name"`
  (the level's name, which tells sub-tiers of one rank apart; `None` when unrated);
- `"nodes"`: every node's `NodeScore` (kind, code, name, rounded and unrounded score, maximum),
  keyed by code for indicators and items, by name for groups, and by `None` for the standard
  itself (the root, whose score is the total); in the file's order, the root first;
- `"missing"`: a `Missing` (input, policy, codes of the leaves reading it, value filled in) for
  every input the entity did not report that was filled in or made not applicable (§3), by its
  own policy or its readers' nodes', in the order the standard declares them; `"missing_share"`:
  the share of the total's maximum those leaves carry (§10).

Readings where the docs are silent or ambiguous (reported with the tests):

- `rank(e)`, `share(e)` and the other cohort functions (§5) when `e` has a zero denominator for
  some entity: that entity's indicator meets the zero denominator (its policy decides), and the
  others are compared among the entities whose `e` is defined (§5 says so since the cohort
  functions grew); `n` in `percentile` and the count of `cohort_mean` and `cohort_median` are
  the number of those entities, the entity's own included;
- `ratio(part, whole)` checks "a part above its whole" before the zero denominator: bad data is
  not hidden by a policy (only matters when `part` is a formula, not a declared part);
- a deduction never adds points, capped or not (§8: "`v < 0` deducts 0"): `−min(max(D × v, 0), C)`,
  and `−max(D × v, 0)` without a cap;
- a bonus group's points are `min(sum, cap)` with no floor at 0 (§9 says only "capped");
- half-up rounding rounds halves away from zero (`−2.345 → −2.35`, §12); half even rounds a
  half to the even last digit whatever the sign (`−2.345 → −2.34`); truncate goes towards zero;
- `every leading` includes leading indicators at every level and in bonus groups (a leading
  indicator made of items has no stars and is skipped, as an N/A one); an `indicator N`
  requirement on a deduction's stars never holds (a deduction has none);
- node scores (§9, *Node scores*): a weighted leaf's weight is applied once, in step 1
  (`W × T × clamp(v, 0, 1)`), not again in step 4; step 4 is for weighted groups and indicators
  made of items. A capped bonus group is rounded after its cap, so with a cap of more decimals
  than its rounding it may score a little above the cap (`at most 4.125`, 2 decimals: 4.13);
- `T` in a weight is the `total` of the standard being evaluated, also for an indicator taken
  from another standard with `from`; an indicator taken with `from` brings its own `weight`,
  `rounding` and items, and a reuse block's `weight`, `rounding` or items replace them (items
  all together); the base file's header `rounding` does not come along;
- an item that meets a zero denominator or a part above its whole is named by the item's own
  code in the refusal (`RefDataError.indicator`), not its indicator's;
- an N/A leaf (indicator or item) satisfies no `indicator CODE` requirement, `points` included,
  though it scores 0; an indicator made of items is N/A when every item with a maximum (every
  one but the deductions) is, and then satisfies none either (§9, *Not applicable members*;
  with no such item it is not N/A); having no value or stars of its own, its value and star
  requirements never hold; a `group` requirement compares the group's score, N/A or not;
- an indicator made of items is not among `"indicators"`, which hold a value, stars and points:
  it has none of those; it may say a plain `points N` (§9, *Items*, allows it though E0257
  lists `points`), which only declares its maximum;
- maxima (`NodeScore.maximum`, never rounded): a leaf's `points P` is P, a weighted node's W × T,
  a group's or item-indicator's `points N` is N, a capped bonus group's is its cap, and any other
  inner node's the sum of its non-bonus members' maxima; a deduction's is `None` (as the
  library's `IndicatorInfo.max_points`) and counts 0 in a sum; the root's is the header's `total`,
  or without one the sum of the scored top-level groups' maxima;
- an all-digit code is a number (`012` is indicator 12, the code `indicator(12)` finds);
- group codes are kept as written; nodes are keyed by code or name in one mapping, so a group
  whose name equals an indicator's or item's code is refused (`RefSyntaxError`), a limit of the
  reference, not of the language.

Readings for missing values, aggregation, point tables, overrides and powers (§3, §5, §8-§10):

- what is filled in: only a value the standard needs this period (one a formula reads, or the
  whole of one it reads, as for `error`); a missing value no formula needs is left alone and not
  listed; a whole filled in that no leaf reads itself is listed with no leaves (and carries 0);
- "the values the *other* entities report": a value another entity did not report (filled in
  itself, or not applicable) takes no part in the cohort mean, median or least; the median of
  an even count is the mean of the two middle values, as `cohort_median` (§5); a count's or
  rank's mean or median is rounded half up to a whole number (the values are never negative);
- `previous` takes `NAME@previous` as this period's value, checked against the input's own
  domain; when that is missing or bad the refusal names the input, `NAME` (it is `NAME`'s value
  that is missing or outside its domain), not `NAME@previous`;
- a value filled in outside its input's domain (`zero` for a rank, or for a score whose range
  leaves out 0) is refused as an invalid value of that input; a part filled in above its whole,
  or a whole filled in below its part, is refused as the part's (`part of` after imputing);
- an input made not applicable is no whole to check a part against, and no part to check;
- a part no formula needs is still checked when given (docs/api.md), against "its whole when
  that is given too": not against a whole filled in (the check after imputing is for a part
  the standard needs);
- "every indicator and item that reads the input" is every leaf whose formula reads it this
  period: a leaf reading only `previous(x)` (`x@previous`) is not made not applicable by a
  missing `x`, nor carries it in the missing share; a leaf that reads it is not applicable
  whatever else its formula meets, so a zero denominator in it is no refusal even under `error`;
- a cohort function leaves out an entity whose argument reads an input made not applicable,
  as it leaves out one whose argument meets a zero denominator (§5);
- the missing share: a leaf carries its maximum (a weighted leaf's W × T already holds its own
  weight) times the weights of the weighted groups and indicators made of items above it, over
  the sum of the top-level scored groups' maxima (a share of 0 when that sum is 0); a leaf with
  a bonus group anywhere above it, and a deduction, carry 0; redistribution changes nothing of
  what a leaf carries; `missing at most P` holds when the share is at most P;
- `when not applicable: redistribute` without an aggregation scales "its members' sum", all of
  it, deductions and bonus groups included, by M / A; with no applicable member with a maximum
  (A = 0) the node scores 0, its deductions and bonus groups included, and is not applicable;
- aggregation: `aggregate arithmetic` written out is the aggregation of §9's table, `M × Σ wᵢ·sᵢ`
  with deductions and bonus groups added after it (not scaled under `redistribute`), so it can
  differ from the default plain sum only under `redistribute` with a deduction or bonus group
  in the node; a member with a maximum of 0 has no normalised score and is added after, as a
  deduction is; `minimum` has no floor (a member below 0 makes it negative); geometric and
  harmonic are 0 when a member's normalised score is 0 or below; with no member to aggregate
  the aggregate is 0;
- a geometric node's mean is rounded at the rounding that covers the node (its own, else the
  innermost above it); its members added after, its cap and weight follow as for any node, so
  its unrounded score is the rounded mean plus those, before the node's own (idempotent)
  rounding step;
- a point table scores the row all of whose bounds hold; the leaf's unrounded score is that
  row's points as written, its score those rounded by the leaf's rounding; with `stars` it has
  a star level (for requirements), without it none;
- vetoes and caps are decided on the same results as the levels (rounded node scores, and an
  N/A indicator satisfying no `indicator CODE` requirement); a cap R lets a level through when
  its rank is at most R; `cap R` takes R as written (a whole number, as a level's rank);
- `x ^ 0` is 1, `0 ^ 0` included (the empty product).

Readings for a node's `when missing` (§3, *Missing values*, *Per indicator or node*):

- which policy: an input that writes `when missing` (even `error`) keeps its own; one that does
  not takes, in each leaf reading it this period, the innermost of the leaf's own clause, its
  indicator's (for an item) and its groups' settings, else `error`; a whole read by no leaf
  itself (needed only to hold a part to it) is read inside no node, so its `error` stands;
- an input missing for an entity is filled in with no value: each leaf reading it decides in its
  own formula, `zero` counting it as 0, `not applicable` making the leaf not applicable whatever
  else its formula meets (as an input's own `not applicable`), and `error` refusing it, one
  `MissingInput` for each such leaf, named by that leaf's code (in the file's order), also when
  the leaf is not applicable by another input (a missing value is refused when read, before
  anything is scored, as under an input's own `error`); the other leaves still meet it as they
  say, so a cohort column of a leaf under `not applicable` leaves the entity out, and a peer's
  zero denominator there is found too;
- (a) `"missing"` lists such an input once, in the declared order, with every leaf that reads it
  this period, in the file's order: `filled` is the policy they all have, or "as each indicator
  says" when they differ; `Missing.value` is 0 when that policy is `zero`, else `None`. For an
  input's own policy `value` is 0 under `zero`, the cohort's value under `cohort …`, and `None`
  under `previous` (the entity's own last-period value, not one the standard supplies) and
  `not applicable`;
- (b) the missing share counts every leaf reading such an input, whatever its policy (a leaf
  counting it as 0 rests on it as much as one made not applicable);
- (c) a node's `zero` is no value of the input: it is neither held to the input's domain (a rank
  counts as 0, so `1 / rank` meets a zero denominator) nor to `part of` (a part is not held to a
  whole missing so, nor such a part to its whole); nor is `ratio`'s own "part above its whole"
  check made when either argument reads an input missing so (the input, or a formula of it):
  `ratio(v, w)` with `w` missing under `zero` meets a zero denominator, and the leaf's `on zero
  denominator` decides;
- (d) a cohort function's column is taken per calling leaf: an entity's argument counts the
  missing input as 0 when that leaf's policy is `zero`, and leaves the entity out of the
  comparison when it is `not applicable` (as an input's own `not applicable`); under `error` the
  entity was refused already;
- an argument that reads an input made not applicable (the input's policy or the leaf's node's)
  is not applicable whatever else it would meet, a part above its whole included: the library's
  reading, found by the fuzzer (seed 2020659), and the one that does not hang on the order in
  which a formula's parts are computed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from math import floor, lcm
from typing import Any

from . import roots
from .errors import RefDataError, RefInvalid, RefPartAboveWhole, RefSyntaxError, RefZeroDenominator
from .model import (
    Bands,
    Binary,
    Call,
    Checklist,
    Code,
    Deduct,
    Expr,
    InputDecl,
    Level,
    Neg,
    Num,
    Override,
    Points,
    Power,
    Ref,
    Requirement,
    Rounding,
    Weighted,
    code_key,
)
from .reads import COHORT_FUNCTIONS, NOW, PREVIOUS, cohort_calls, reads, takes_root
from .records import SUFFIX, Entity, Needs, read_cohort

Result = dict[str, Any]
Outcome = tuple[Fraction | None, int | None, Fraction]  # (value, stars, points) of one indicator
NodeKey = Code | None  # an indicator's or item's code, a group's name, None for the root


@dataclass(frozen=True)
class Indicator:
    """One indicator or item as scored: a reused one already carries its overrides (§9).

    A leaf has a `value`; an indicator made of items has none, and its `items` instead."""

    code: Code
    name: str
    leading: bool
    value: Expr | None
    bands: Bands | None
    points: Points | None
    deduct: Deduct | None
    zero: str  # "error", "zero" or "not applicable"
    inputs: dict[str, InputDecl]  # what the formula's names are
    table: dict[str, InputDecl]  # where the wholes of those inputs are looked up
    weight: Fraction | None = None
    rounding: Rounding | None = None  # its own `rounding` clause
    items: tuple[Indicator, ...] = ()
    kind: str = "indicator"  # or "item"
    redistribute: bool = False  # made of items: `when not applicable: redistribute`
    aggregate: str | None = None  # made of items: `aggregate …`; None is the plain sum
    missing: str | None = None  # its own `when missing` clause (§3, *Per indicator or node*)

    @property
    def number(self) -> Code:
        return self.code

    @property
    def leaf(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class Group:
    name: str
    bonus: bool
    points: Fraction | None
    cap: Fraction | None
    members: tuple[Group | Indicator, ...]
    code: str | None = None
    weight: Fraction | None = None
    rounding: Rounding | None = None
    redistribute: bool = False
    aggregate: str | None = None
    missing: str | None = None  # its `when missing` setting (§3, *Per indicator or node*)

    @property
    def indicators(self) -> tuple[Indicator, ...]:
        """Its own indicators, not those of its sub-groups."""
        return tuple(m for m in self.members if isinstance(m, Indicator))


Node = Group | Indicator


@dataclass(frozen=True)
class NodeScore:
    """One node's score for one entity (§9, *Node scores*)."""

    kind: str  # "standard", "group", "indicator" or "item"
    code: Code | None  # an indicator's or item's code; a group's as written, or None; None for the root
    name: str
    points: Fraction  # rounded as the innermost `rounding` covering the node says
    unrounded: Fraction  # before the node's own rounding step, from its members' rounded scores
    maximum: Fraction | None


def node_key(node: Node) -> NodeKey:
    return node.name if isinstance(node, Group) else node.code


class _Zero(Exception):
    """A denominator is zero; the indicator's `on zero denominator` policy decides."""

    def __init__(self, input: str | None) -> None:
        super().__init__(input)
        self.input = input


class _Unavailable(Exception):
    """A value the formula needs could not be read (already reported as a data error)."""


class _NotApplicable(Exception):
    """The formula reads an input the entity did not report, under `when missing: not applicable`."""


@dataclass
class RefStandard:
    title: str
    rounding: Rounding | None
    inputs: dict[str, InputDecl]
    groups: list[Group]  # the top level
    levels: list[Level] | None
    bands: dict[str, Bands] = field(default_factory=dict)
    total: Fraction | None = None
    unrated_above: Fraction | None = None  # `unrated when missing more than P`
    overrides: tuple[Override, ...] = ()  # vetoes and caps, in the file's order

    def walk(self) -> Iterator[tuple[Node, Rounding | None]]:
        """Every group, indicator and item in the file's order (a parent before its members), each
        with the rounding that covers it: its own, else the innermost above it (§12, *Per level*)."""
        def below(node: Node, inherited: Rounding | None) -> Iterator[tuple[Node, Rounding | None]]:
            rounding = node.rounding or inherited
            yield node, rounding
            for member in node.members if isinstance(node, Group) else node.items:
                yield from below(member, rounding)
        for group in self.groups:
            yield from below(group, self.rounding)

    @property
    def indicators(self) -> list[Indicator]:
        """Every indicator and item, at any depth."""
        return [node for node, _ in self.walk() if isinstance(node, Indicator)]

    @property
    def leaves(self) -> list[Indicator]:
        """What is scored from a value: indicators with a `value`, and items."""
        return [i for i in self.indicators if i.leaf]

    def indicator(self, code: Code) -> Indicator:
        """An indicator (not an item) by code: `12`, `"12"` or `"L1P1"`."""
        key = code_key(code) if isinstance(code, str) else code
        for indicator in self.indicators:
            if indicator.code == key and indicator.kind == "indicator":
                return indicator
        raise RefSyntaxError(f"no indicator {code}")

    def covering(self) -> dict[Code, str]:
        """Each leaf's code -> the innermost `when missing` among the leaf, its indicator (for an
        item) and its groups; "error" where none says one (§3, *Per indicator or node*)."""
        found: dict[Code, str] = {}

        def below(node: Node, outer: str) -> None:
            policy = node.missing or outer
            if isinstance(node, Indicator) and node.leaf:
                found[node.code] = policy
                return
            for member in node.members if isinstance(node, Group) else node.items:
                below(member, policy)
        for group in self.groups:
            below(group, "error")
        return found

    def policy(self, code: Code, name: str) -> str:
        """What a missing `name` means in leaf `code`: the input's own `when missing` if it says
        one, else the innermost node's (an input's own wins over any node's)."""
        declaration = self.inputs[name]
        return declaration.missing if declaration.declared else self._covering[code]

    @cached_property
    def _covering(self) -> dict[Code, str]:
        return self.covering()

    def needs(self) -> Needs:
        first: dict[tuple[str, str], Code] = {}
        node_readers: dict[str, dict[Code, str]] = {}
        for indicator in self.leaves:
            assert indicator.value is not None
            for read in reads(indicator.value):
                first.setdefault(read, indicator.code)
            for name in now_reads(indicator):
                if not self.inputs[name].declared:
                    node_readers.setdefault(name, {})[indicator.code] = self.policy(indicator.code, name)
        now = self._with_wholes({name for name, period in first if period == NOW})
        return Needs(set(now), self._with_wholes({name for name, period in first if period == PREVIOUS}), first,
                     node_readers)

    def _with_wholes(self, needed: set[str]) -> list[str]:
        """The values read, and the wholes of those (docs/api.md: "an input that a formula needs, or
        the whole of one it needs, must be present"), so each bound is checked."""
        pending = list(needed)
        while pending:
            whole = self.inputs[pending.pop()].part_of
            if whole is not None and whole not in needed:
                needed.add(whole)
                pending.append(whole)
        return [name for name in self.inputs if name in needed]

    def errors(self, records: Sequence[object]) -> list[RefDataError]:
        """Every refusal the docs call for, in the order they are met (empty: all accepted)."""
        return self._run(records)[1]

    def evaluate_cohort(self, records: Sequence[object]) -> list[Result]:
        """One plain result per record, or the first `RefDataError` met."""
        results, errors = self._run(records)
        if errors:
            raise errors[0]
        return results

    def _run(self, records: Sequence[object]) -> tuple[list[Result], list[RefDataError]]:
        entities, errors = read_cohort(self.inputs, self.needs(), records)
        cohort = _Cohort(entities, self.policy)
        self._take_columns(cohort, errors)
        if any(e.filled or e.not_applicable for e in entities):
            self._check_imputable()
        leaves = [(node, rounding) for node, rounding in self.walk() if isinstance(node, Indicator) and node.leaf]
        scored: list[dict[Code, tuple[Outcome, Fraction]]] = [{} for _ in entities]
        for index in range(len(entities)):
            for indicator, rounding in leaves:
                outcome = _score(self, cohort, index, indicator, rounding, errors)
                if outcome is not None:
                    scored[index][indicator.code] = outcome
        if errors:
            return [], errors
        return [self._result(entity, found, {code: v for (row, code), v in cohort.exact.items() if row == index})
                for index, (entity, found) in enumerate(zip(entities, scored))], []

    def _take_columns(self, cohort: _Cohort, errors: list[RefDataError]) -> None:
        """Every cohort function's argument, for every entity, before anything is scored: a
        cohort function compares each entity with all, so each one's argument is computed
        (and its bad data found) whether or not the rest of its own formula gets that far.
        My reading: the docs do not say; it is also what the library does."""
        for indicator in self.leaves:
            assert indicator.value is not None
            for call, period in cohort_calls(indicator.value):
                column = cohort.column(call.args[0], period, indicator.code)
                for entity, found in zip(cohort.entities, column):
                    if isinstance(found, RefDataError):
                        _collect(errors, found)
                    elif self.not_applicable_reads(entity, indicator):
                        continue  # the entity's indicator is not applicable: no zero denominator to refuse
                    elif isinstance(found, _Zero) and indicator.zero == "error":  # its policy: refuse
                        _collect(errors, RefZeroDenominator(entity.name, indicator.code, found.input,
                                                            "the denominator is 0"))

    def _check_imputable(self) -> None:
        """Nothing the reference needs to hold: the checker refuses a cohort policy on a flag (E0264)."""
        for declaration in self.inputs.values():
            if declaration.kind == "flag" and declaration.missing.startswith("cohort"):
                raise RefSyntaxError(f"{declaration.name}: a flag cannot be filled in from the cohort (E0264)")

    def _result(self, entity: Entity, scored: dict[Code, tuple[Outcome, Fraction]], exact: dict[Code, Any]) -> Result:
        nodes = _node_scores(self, scored)
        indicators: dict[Code, Outcome] = {}
        groups: dict[str, Fraction] = {}
        for node, _ in self.walk():
            if isinstance(node, Group):
                groups[node.name] = nodes[node.name].points
            elif node.leaf:
                indicators[node.code] = scored[node.code][0]
        total = nodes[None].points
        missing = self._missing(entity)
        share = self._missing_share(entity)
        # §5, *Square roots*: requirements on a value are decided on the exact one
        decided = {code: (exact.get(code, outcome[0]), *outcome[1:]) for code, outcome in indicators.items()}
        rank, name = _rating(self, decided, nodes, total, share)
        return {
            "entity": entity.name,
            "indicators": indicators,
            "groups": groups,
            "total": total,
            "rating": rank,
            "rating_name": name,
            "nodes": nodes,
            "missing": missing,
            "missing_share": share,
        }

    def not_applicable_reads(self, entity: Entity, leaf: Indicator) -> set[str]:
        """The inputs the leaf reads this period that make it not applicable for the entity: made
        not applicable by the input's own policy, or missing under the leaf's node's (§3)."""
        read = now_reads(leaf)
        return (read & entity.not_applicable) | {
            name for name in read & entity.node_missing if self.policy(leaf.code, name) == "not applicable"}

    def _missing(self, entity: Entity) -> tuple[Missing, ...]:
        """§3: every input filled in or made not applicable, in the order the standard declares
        them, with how, and the codes of the leaves that read it (this period), in the file's order.
        One missing under the nodes' policies is listed once: by the policy its readers share,
        else as "as each indicator says" (see the module's readings)."""
        found = []
        for name in self.inputs:
            readers = tuple(leaf.code for leaf in self.leaves if name in now_reads(leaf))
            if name in entity.node_missing:
                policies = {self.policy(code, name) for code in readers}
                shared = policies.pop() if len(policies) == 1 else AS_EACH_SAYS
                found.append(Missing(name, shared, readers, Fraction(0) if shared == "zero" else None))
                continue
            policy = entity.filled.get(name) or ("not applicable" if name in entity.not_applicable else None)
            if policy is not None:
                value = entity.now.get(name) if policy == "zero" or policy.startswith("cohort") else None
                found.append(Missing(name, policy, readers, value))
        return tuple(found)

    def _missing_share(self, entity: Entity) -> Fraction:
        """§10, *Missing data*: what the leaves that read an unreported input carry of the total's
        maximum: each its maximum times the weight of every weighted node above it, over the sum
        of the top-level scored groups' maxima; leaves in bonus groups and deductions carry 0."""
        unreported = set(entity.filled) | entity.not_applicable | entity.node_missing
        if not unreported:
            return Fraction(0)
        top = sum((maximum(g, self.total) or Fraction(0) for g in self.groups if not g.bonus), Fraction(0))
        carried = sum((carries for leaf, carries in self._carries() if now_reads(leaf) & unreported), Fraction(0))
        return carried / top if top else Fraction(0)

    def _carries(self) -> Iterator[tuple[Indicator, Fraction]]:
        """Each leaf with what it carries before the division by the top-level maxima."""
        def below(node: Node, factor: Fraction, bonus: bool) -> Iterator[tuple[Indicator, Fraction]]:
            bonus = bonus or (isinstance(node, Group) and node.bonus)
            if isinstance(node, Indicator) and node.leaf:
                most = maximum(node, self.total)
                yield node, Fraction(0) if bonus or most is None else most * factor
                return
            inner = factor * node.weight if node.weight is not None else factor
            for member in node.members if isinstance(node, Group) else node.items:
                yield from below(member, inner, bonus)
        for group in self.groups:
            yield from below(group, Fraction(1), False)


AS_EACH_SAYS = "as each indicator says"  # `Missing.filled` when the readers' node policies differ


@dataclass(frozen=True)
class Missing:
    """One input an entity did not report, as `Evaluation.missing` lists it."""

    input: str
    filled: str  # its policy: "zero", "previous", "cohort median", "not applicable", …, AS_EACH_SAYS
    indicators: tuple[Code, ...]  # the leaves that read it
    value: Fraction | None = None  # what it was filled in with: 0 under `zero`, the cohort's value


def now_reads(indicator: Indicator) -> set[str]:
    """The inputs a leaf's formula reads this period (not through `previous`)."""
    assert indicator.value is not None
    return {name for name, period in reads(indicator.value) if period == NOW}


# ---------------------------------------------------------------- formulas (§5, §6)


class _Cohort:
    """The entities scored together; `rank`, `share` and the other cohort functions read a whole
    column of them."""

    def __init__(self, entities: list[Entity], policy: Callable[[Code, str], str]) -> None:
        self.entities = entities
        self.policy = policy  # (leaf code, input) -> what a missing value of it means there
        self.columns: dict[tuple[Expr, str, Code], list[Fraction | Exception]] = {}
        # (entity index, leaf code) -> the exact value of a leaf whose shown value is rounded from it
        self.exact: dict[tuple[int, Code], Any] = {}

    def column(self, expr: Expr, period: str, number: Code) -> list[Fraction | Exception]:
        key = (expr, period, number)
        if key not in self.columns:
            self.columns[key] = [self._try(expr, index, period, number) for index in range(len(self.entities))]
        return self.columns[key]

    def _try(self, expr: Expr, index: int, period: str, number: Code) -> Fraction | Exception:
        entity = self.entities[index]
        for name, read in reads(expr, period):  # §3: not applicable, whatever else the argument meets
            if read == NOW and (name in entity.not_applicable or (
                    name in entity.node_missing and self.policy(number, name) == "not applicable")):
                return _NotApplicable(name)
        try:
            return self.value(expr, index, period, number)
        except (_Zero, _Unavailable, _NotApplicable, RefDataError) as error:
            return error

    def value(self, expr: Expr, index: int, period: str, number: Code) -> Fraction:
        """The exact value of `expr` for entity `index`; `number` is the indicator computed. With a
        square root in it, a sympy number in the canonical form of roots.py."""
        found = self._value(expr, index, period, number)
        return roots.canon(found) if roots.is_root(found) else found

    def _value(self, expr: Expr, index: int, period: str, number: Code) -> Fraction:
        if isinstance(expr, Num):
            return expr.value
        if isinstance(expr, Ref):
            return self._input(expr.name, index, period, number)
        if isinstance(expr, Neg):
            return -self.value(expr.operand, index, period, number)
        if isinstance(expr, Binary):
            return self._binary(expr, index, period, number)
        if isinstance(expr, Power):  # exact; 0 ^ 0 is 1, as the empty product
            return self.value(expr.base, index, period, number) ** expr.exponent
        if isinstance(expr, Weighted):
            return sum((w * self.value(e, index, period, number) for w, e in expr.parts), Fraction(0))
        if isinstance(expr, Checklist):
            return sum((p * self._input(f, index, period, number) for f, p in expr.items), Fraction(0))
        return self._call(expr, index, period, number)

    def _input(self, name: str, index: int, period: str, number: Code) -> Fraction:
        entity = self.entities[index]
        if period == NOW and name in entity.not_applicable:
            raise _NotApplicable(name)
        if period == NOW and name in entity.node_missing:  # as the leaf computed, `number`, says
            policy = self.policy(number, name)
            if policy == "not applicable":
                raise _NotApplicable(name)
            if policy == "error":
                raise _Unavailable(name)  # refused when read, by this leaf's code
            return Fraction(0)
        values = entity.values(period)
        if (name, period) in entity.bad or name not in values:
            raise _Unavailable(name)
        return values[name]

    def _binary(self, expr: Binary, index: int, period: str, number: Code) -> Fraction:
        left = self.value(expr.left, index, period, number)
        right = self.value(expr.right, index, period, number)
        if expr.op == "+":
            return left + right
        if expr.op == "-":
            return left - right
        if expr.op == "*":
            return left * right
        if right == 0:  # canonical: a value with a root is never 0
            raise _Zero(_named(expr.right))
        return roots.canon(left / right) if roots.is_root(left) or roots.is_root(right) else left / right

    def _call(self, call: Call, index: int, period: str, number: Code) -> Fraction:
        function, args = call.function, call.args
        if function in COHORT_FUNCTIONS:
            own, peers = self._defined(args[0], index, period, number)
            return _cohort_function(function, args[0], own, peers)
        if function == "growth":
            return self._growth(args[0], index, period, number)
        if function == "sqrt":
            return self._root(args[0], index, period, number)
        if function == "previous":
            if period == PREVIOUS or not isinstance(args[0], Ref):
                raise RefSyntaxError("previous() of last period, or of a formula")
            return self._input(args[0].name, index, PREVIOUS, number)
        values = [self.value(a, index, period, number) for a in args]
        if function == "ratio":
            # (c): a side that reads an input missing under a node's policy (the input itself, or a
            # formula of it) has no reported value to hold the other to.
            unheld = any(name in self.entities[index].node_missing
                         for a in args for name, read in reads(a, period) if read == NOW)
            return _ratio(self.entities[index].name, number, args, values, not unheld)
        if function == "min":
            return _least(values)
        if function == "max":
            return _most(values)
        if function == "clamp":
            return _least([_most(values[:2]), values[2]])
        raise RefSyntaxError(f"unknown function {function}")

    def _root(self, expr: Expr, index: int, period: str, number: Code) -> Fraction:
        """§5: √e; e below 0 is bad data, named by the first input e reads."""
        value = self.value(expr, index, period, number)
        if roots.is_root(value):
            raise RefSyntaxError("a square root of a square root (E0275)")
        if value < 0:
            names = [name for name, _ in reads(expr, period)]
            raise RefInvalid(self.entities[index].name, number, names[0] if names else None,
                             f"sqrt of the negative value {value}")
        return roots.root(value)  # type: ignore[no-any-return]

    def _growth(self, expr: Expr, index: int, period: str, number: Code) -> Fraction:
        if period == PREVIOUS:
            raise RefSyntaxError("growth() inside growth()")
        now = self.value(expr, index, NOW, number)
        before = self.value(expr, index, PREVIOUS, number)
        if before == 0:
            raise _Zero(_named(expr, SUFFIX))
        return roots.canon((now - before) / before) if roots.is_root(before) or roots.is_root(now) \
            else (now - before) / before

    def _defined(self, expr: Expr, index: int, period: str, number: Code) -> tuple[Fraction, list[Fraction]]:
        """This entity's value of `expr` and the values of every entity for which it is defined
    (not those meeting a zero denominator, nor those reading an input made not applicable)."""
        column = self.column(expr, period, number)
        own = column[index]
        if isinstance(own, Exception):
            raise own
        if any(isinstance(v, (_Unavailable, RefDataError)) for v in column):
            raise _Unavailable("a peer's statistics")
        return own, [v for v in column if isinstance(v, Fraction)]



def _cohort_function(function: str, expr: Expr, own: Fraction, peers: list[Fraction]) -> Fraction:
    """§5's cohort functions of this entity's `own` value among `peers`, the values of every entity
    whose argument is defined, its own included; §6 says which denominators may be zero."""
    if function == "rank":  # competition ranking, largest first: 9, 7, 7, 3 rank 1, 2, 2, 4
        return Fraction(1 + sum(1 for v in peers if v > own))
    if function in ("share", "to_best", "minmax"):
        low = min(peers) if function == "minmax" else Fraction(0)
        whole = {"share": sum(peers, Fraction(0)), "to_best": max(peers), "minmax": max(peers) - low}[function]
        if whole == 0:
            raise _Zero(_named(expr))
        return (own - low) / whole
    if function == "percentile":  # the share of the *other* entities whose value is smaller
        if len(peers) == 1:
            raise _Zero(None)
        return Fraction(sum(1 for v in peers if v < own), len(peers) - 1)
    if function == "zscore":  # §5: over the sample standard deviation, n − 1
        found = roots.zscore(own, peers)
        if found is None:
            raise _Zero(_named(expr))
        return found  # type: ignore[no-any-return]
    if function == "cohort_mean":
        return sum(peers, Fraction(0)) / len(peers)
    if function == "cohort_median":
        ordered = sorted(peers)
        middle = len(ordered) // 2
        return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    return min(peers) if function == "cohort_min" else max(peers)


def _named(expr: Expr, suffix: str = "") -> str | None:
    """The input a zero denominator is about, when the denominator is one input."""
    return expr.name + suffix if isinstance(expr, Ref) else None


def _least(values: list[Fraction]) -> Fraction:
    best = values[0]
    for value in values[1:]:
        best = value if _compare(value, "<", best) else best
    return best


def _most(values: list[Fraction]) -> Fraction:
    best = values[0]
    for value in values[1:]:
        best = value if _compare(value, ">", best) else best
    return best


def _ratio(entity: str, number: Code, args: tuple[Expr, ...], values: list[Fraction], held: bool = True) -> Fraction:
    part, whole = values
    if roots.is_root(part) or roots.is_root(whole):
        if held and _compare(part, ">", whole):
            raise RefPartAboveWhole(entity, number, _named(args[0]), f"the part {part} is above its whole {whole}")
        if whole == 0:
            raise _Zero(_named(args[1]))
        return roots.canon(part / whole)  # type: ignore[no-any-return]
    if held and part > whole:
        raise RefPartAboveWhole(entity, number, _named(args[0]), f"the part {part} is above its whole {whole}")
    if whole == 0:
        raise _Zero(_named(args[1]))
    return part / whole


# ---------------------------------------------------------------- stars and points (§7, §8)


def stars(bands: Bands, value: Fraction) -> int:
    """The largest k whose threshold the value reaches; a value at a threshold reaches it."""
    reached = [k for k, t in enumerate(bands.thresholds, start=1)
               if _compare(value, ">=" if bands.rule == "least" else "<=", t)]
    return max(reached, default=0)


def _clamp01(value: Fraction) -> Fraction:
    return min(max(value, Fraction(0)), Fraction(1))


def _points(indicator: Indicator, value: Fraction, star_level: int | None, total: Fraction | None,
            exact: Fraction | None = None) -> Fraction:
    """A leaf's points before rounding (§8; §9, *Weights*), from the value shown; a point table's
    row is found by the `exact` value where it differs (§5, *Square roots*)."""
    if indicator.weight is not None:
        assert total is not None  # checked when linked (E0259)
        return indicator.weight * total * _clamp01(value)
    if indicator.deduct is not None:
        each, cap = indicator.deduct.each, indicator.deduct.cap
        deducted = max(each * value, Fraction(0))  # a negative value deducts 0
        return -(deducted if cap is None else min(deducted, cap))
    assert indicator.points is not None
    if indicator.points.table is not None:  # §8, *Point tables*: the one row the value satisfies
        for row in indicator.points.table:
            if all(_compare(value if exact is None else exact, op, bound) for op, bound in row.bounds):
                return row.points
        raise RefSyntaxError(f"no row of indicator {indicator.code}'s table holds {value} (E0270)")
    maximum, linear = indicator.points.maximum, indicator.points.linear
    if linear is None:
        assert star_level is not None  # `points P` scores stars (E0223); a linear scale needs none
        return maximum * star_level / 5
    low, high = linear
    return maximum * _clamp01((value - low) / (high - low))


def round_score(value: Fraction, rounding: Rounding | None) -> Fraction:
    """§12's three modes, on the magnitude so that the sign never matters; `None`: exact."""
    if rounding is None:
        return value
    scale = 10 ** rounding.decimals
    scaled = abs(value) * scale
    whole = floor(scaled)
    rest = scaled - whole
    if rounding.mode == "truncate":
        magnitude = whole
    elif rest > Fraction(1, 2) or (rest == Fraction(1, 2) and (rounding.mode == "half up" or whole % 2 == 1)):
        magnitude = whole + 1
    else:
        magnitude = whole
    return Fraction(magnitude if value >= 0 else -magnitude, scale)


def round_half_up(value: Fraction, decimals: int | None) -> Fraction:
    """Half-up to `decimals` places, halves away from zero (§12); `None`: exact."""
    return value if decimals is None else round_score(value, Rounding(decimals, "half up"))


def _score(standard: RefStandard, cohort: _Cohort, index: int, indicator: Indicator, rounding: Rounding | None,
           errors: list[RefDataError]) -> tuple[Outcome, Fraction] | None:
    """One leaf for one entity, with its points before rounding; `None` when it cannot be scored
    (the error is collected)."""
    assert indicator.value is not None
    entity = cohort.entities[index].name
    if standard.not_applicable_reads(cohort.entities[index], indicator):  # §3: not applicable, whatever else
        return (None, None, Fraction(0)), Fraction(0)
    try:
        value = cohort.value(indicator.value, index, NOW, indicator.code)
    except _NotApplicable:  # not met: the leaf reads the input, so it is not applicable above
        return (None, None, Fraction(0)), Fraction(0)
    except _Unavailable:
        return None
    except RefDataError as error:
        _collect(errors, error)
        return None
    except _Zero as zero:
        if indicator.zero == "not applicable":
            return (None, None, Fraction(0)), Fraction(0)
        if indicator.zero == "error":
            _collect(errors, RefZeroDenominator(entity, indicator.code, zero.input, "the denominator is 0"))
            return None
        value = Fraction(0)
    star_level = stars(indicator.bands, value) if indicator.deduct is None and indicator.bands else None
    exact, value = value, _shown(indicator, value, rounding)
    if takes_root(indicator.value):
        cohort.exact[index, indicator.code] = exact
    points = _points(indicator, value, star_level, standard.total, exact)
    return (value, star_level, round_score(points, rounding)), points


def _shown(indicator: Indicator, value: Fraction, rounding: Rounding | None) -> Fraction:
    """§5, *Square roots*: a leaf taking a square root shows its exact value rounded to the
    precision that covers it; others show their value as it is."""
    assert indicator.value is not None
    if not takes_root(indicator.value):
        return value
    if rounding is None:
        raise RefSyntaxError(f"{indicator.code}: a square root needs a rounding that covers it (E0277)")
    return roots.shown(value, rounding.decimals, rounding.mode)


def _collect(errors: list[RefDataError], error: RefDataError) -> None:
    """A peer's bad part may be met again through a `rank` column: report it once."""
    if not any(e.entity == error.entity and e.indicator == error.indicator and e.input == error.input
               and type(e) is type(error) for e in errors):
        errors.append(error)


# ---------------------------------------------------------------- nodes (§9, *Node scores*; §12)


def maximum(node: Node, total: Fraction | None) -> Fraction | None:
    """A node's most points, exact (see the module's readings); `None` for a deduction."""
    if node.weight is not None:
        assert total is not None
        return node.weight * total
    if isinstance(node, Indicator) and node.leaf:
        if node.deduct is not None:
            return None
        assert node.points is not None
        return node.points.maximum
    if isinstance(node, Indicator) and node.points is not None:  # made of items: `points N`
        return node.points.maximum
    if isinstance(node, Group) and node.points is not None:
        return node.points
    if isinstance(node, Group) and node.bonus and node.cap is not None:
        return node.cap
    members: Sequence[Node] = node.members if isinstance(node, Group) else node.items
    return sum((maximum(m, total) or Fraction(0) for m in members if not (isinstance(m, Group) and m.bonus)),
               Fraction(0))


def _node_scores(standard: RefStandard, scored: dict[Code, tuple[Outcome, Fraction]]) -> dict[NodeKey, NodeScore]:
    """Bottom-up, in §9's order: leaf points; the sum of the members' (rounded) scores, or their
    aggregate; the redistribution of not-applicable weight; a bonus group's cap; the weight; the
    rounding. Keyed in the file's order, the root first."""
    nodes: dict[NodeKey, NodeScore] = {}

    def score(node: Node, inherited: Rounding | None) -> tuple[Fraction, bool]:
        """The node's rounded score, and whether it is applicable (§9, *Not applicable members*)."""
        rounding = node.rounding or inherited
        if isinstance(node, Indicator) and node.leaf:
            (value, _, points), unrounded = scored[node.code]
            applicable = value is not None
        else:
            members: Sequence[Node] = node.members if isinstance(node, Group) else node.items
            unrounded, applicable = _inner(node, [(m, *score(m, rounding)) for m in members], rounding,
                                           standard.total)
            if isinstance(node, Group) and node.bonus and node.cap is not None:
                unrounded = min(unrounded, node.cap)
            if node.weight is not None:
                unrounded *= node.weight
            points = round_score(unrounded, rounding)
        kind = "group" if isinstance(node, Group) else node.kind
        nodes[node_key(node)] = NodeScore(kind, node.code, node.name, points, unrounded, maximum(node, standard.total))
        return points, applicable

    unrounded = sum((score(g, standard.rounding)[0] for g in standard.groups), Fraction(0))
    if standard.total is not None:
        top = standard.total
    else:
        top = sum((maximum(g, None) or Fraction(0) for g in standard.groups if not g.bonus), Fraction(0))
    nodes[None] = NodeScore("standard", None, standard.title, round_score(unrounded, standard.rounding), unrounded, top)
    return {key: nodes[key] for key in [None, *(node_key(n) for n, _ in standard.walk())]}


def _weighed(member: Node, total: Fraction | None) -> bool:
    """A member that takes part by its maximum: not a bonus group, not a deduction, not one whose
    maximum is 0 (§9, *Aggregation*: they are added after, and take no part in redistribution)."""
    return not (isinstance(member, Group) and member.bonus) and maximum(member, total) not in (None, 0)


def _inner(node: Group | Indicator, members: list[tuple[Node, Fraction, bool]], rounding: Rounding | None,
           total: Fraction | None) -> tuple[Fraction, bool]:
    """Steps 2 and 2½ for a group or an indicator made of items: its members' sum, or their
    aggregate, with the weight of not-applicable members redistributed if it says so; and
    whether it is applicable (it is not when all its members with a maximum are not)."""
    weighed = [(maximum(m, total) or Fraction(0), points, ok) for m, points, ok in members if _weighed(m, total)]
    others = [points for m, points, _ in members if not _weighed(m, total)]
    applicable = not weighed or any(ok for _, _, ok in weighed)
    whole = sum((most for most, _, _ in weighed), Fraction(0))  # M
    held = sum((most for most, _, ok in weighed if ok), Fraction(0))  # A
    if node.redistribute and weighed and held == 0:
        return Fraction(0), applicable  # nothing applicable (with a maximum): it scores 0
    if node.aggregate is None:
        plain = sum((points for _, points, _ in members), Fraction(0))
        return (plain * whole / held if node.redistribute and held else plain), applicable
    used = [(most, points) for most, points, ok in weighed if ok or not node.redistribute]
    # A member whose maximum is 0 has no normalised score: it is added after, as a deduction is.
    others += [points for most, points in used if most == 0]
    used = [(most, points) for most, points in used if most != 0]
    mean = _aggregate(node.aggregate, used, whole, rounding)
    return mean + sum(others, Fraction(0)), applicable


def _aggregate(how: str, members: list[tuple[Fraction, Fraction]], whole: Fraction,
               rounding: Rounding | None) -> Fraction:
    """`whole × A(s)` over the members' (maximum, score): sᵢ = scoreᵢ / maxᵢ, wᵢ = maxᵢ / Σ max
    (§9, *Aggregation*); geometric and harmonic are 0 when a member scores 0 or less."""
    if not members:
        return Fraction(0)
    mass = sum((most for most, _ in members), Fraction(0))
    normal = [points / most for most, points in members]
    weights = [most / mass for most, _ in members]
    if how == "arithmetic":
        return whole * sum((w * v for w, v in zip(weights, normal)), Fraction(0))
    if how == "minimum":
        return whole * min(normal)
    if min(normal) <= 0:
        return Fraction(0)
    if how == "harmonic":
        return whole / sum((w / v for w, v in zip(weights, normal)), Fraction(0))
    assert how == "geometric", how
    if rounding is None:
        raise RefSyntaxError("a geometric mean needs a rounding that covers it (E0267)")
    return geometric(normal, weights, whole, rounding)


def geometric(values: Sequence[Fraction], weights: Sequence[Fraction], whole: Fraction,
              rounding: Rounding) -> Fraction:
    """`whole × Π vᵢ^wᵢ` (values > 0, weights adding up to 1), rounded as `rounding` says,
    decided exactly: with L the weights' common denominator, (G × 10^N)^L is the rational
    R = whole^L × Π vᵢ^(wᵢ·L) × 10^(N·L), so ⌊G × 10^N⌋ is the largest k with k^L ≤ R, and
    G × 10^N is above, at or below the half k + ½ as R is to (k + ½)^L. No float anywhere."""
    common = lcm(*(w.denominator for w in weights))
    power = whole ** common * 10 ** (rounding.decimals * common)
    for value, weight in zip(values, weights):
        exponent = weight * common
        assert exponent.denominator == 1
        power *= value ** int(exponent)
    low = integer_root(power.numerator // power.denominator, common)  # k^L ≤ ⌊R⌋ exactly when k^L ≤ R
    if rounding.mode != "truncate":
        half = Fraction(2 * low + 1, 2) ** common
        if power > half or (power == half and (rounding.mode == "half up" or low % 2 == 1)):
            low += 1
    return Fraction(low, 10 ** rounding.decimals)


def integer_root(value: int, degree: int) -> int:
    """The largest k ≥ 0 with k^degree ≤ value (value ≥ 0): Newton's method from above, on ints."""
    if value < 2 or degree == 1:
        return value
    guess = 1 << -(-value.bit_length() // degree)  # 2^⌈bits/degree⌉ > the root
    while True:
        better = ((degree - 1) * guess + value // guess ** (degree - 1)) // degree
        if better >= guess:
            break
        guess = better
    while guess ** degree > value:
        guess -= 1
    while (guess + 1) ** degree <= value:
        guess += 1
    return guess


# ---------------------------------------------------------------- the rating (§10)


def _compare(actual: Fraction | int, op: str, target: Fraction) -> bool:
    if roots.is_root(actual) or roots.is_root(target):  # §5: decided on the exact value
        return roots.compare(actual, op, target)
    return {">=": actual >= target, ">": actual > target, "<=": actual <= target, "<": actual < target}[op]


def _holds(standard: RefStandard, requirement: Requirement, indicators: dict[Code, Outcome],
           nodes: dict[NodeKey, NodeScore], total: Fraction) -> bool:
    r = requirement
    if r.subject == "total":
        return _compare(total, r.op, r.target)
    if r.subject == "group":
        assert r.group is not None
        return _compare(nodes[r.group].points, r.op, r.target)
    if r.subject == "leading":
        levels = [indicators[i.code][1] for i in standard.leaves if i.leading]
        return all(_compare(s, r.op, r.target) for s in levels if s is not None)  # N/A skipped
    assert r.code is not None
    value, star_level, _ = indicators.get(r.code, (None, None, Fraction(0)))  # made of items: neither
    if r.points:
        (node,) = [i for i in standard.indicators if i.code == r.code]
        if _not_applicable(node, indicators):  # N/A never satisfies
            return False
        return _compare(nodes[r.code].points, r.op, r.target)
    actual = star_level if r.stars else value
    return actual is not None and _compare(actual, r.op, r.target)  # N/A never satisfies


def _not_applicable(node: Indicator, indicators: dict[Code, Outcome]) -> bool:
    """A leaf without a value; an indicator made of items when every item with a maximum is."""
    if node.leaf:
        return indicators[node.code][0] is None
    counted = [i for i in node.items if i.deduct is None]
    return bool(counted) and all(_not_applicable(i, indicators) for i in counted)


def _rating(standard: RefStandard, indicators: dict[Code, Outcome], nodes: dict[NodeKey, NodeScore],
            total: Fraction, missing_share: Fraction) -> tuple[int | None, str | None]:
    """Levels are tried from the top; the first whose requirements all hold, its rank and name;
    rank 0 (and no name) if none; `None` without a rating.

    §10: a level's requirements are its own, then `missing at most P` (with `unrated when
    missing more than P`), `not vetoed: reason` for every veto and `not capped below R: reason`
    for every cap with R below the level's rank."""
    if standard.levels is None:
        return None, None

    def fires(override: Override) -> bool:
        return all(_holds(standard, r, indicators, nodes, total) for r in override.requirements)

    enough = standard.unrated_above is None or missing_share <= standard.unrated_above
    vetoed = any(fires(o) for o in standard.overrides if o.cap is None)
    caps = [o.cap for o in standard.overrides if o.cap is not None and fires(o)]
    for level in standard.levels:
        if (all(_holds(standard, r, indicators, nodes, total) for r in level.requirements)
                and enough and not vetoed and all(level.rank <= cap for cap in caps)):
            return level.rank, level.name
    return 0, None
