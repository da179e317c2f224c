"""Assembles the whole query from the Compiler's pieces: inputs, cohort sites, leaves, errors,
and (sql/nodes.py) every node's score and the rating."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sqlglot import exp

from ...language.check import ENTITY_KEY
from ...language.errors import InvalidValue, MissingInput, NotCompilable
from ...language.syntax import MissingPolicy, ZeroPolicy
from ...plan import scoring as p
from ...plan.scoring import reads_of as _loads
from .compile import Compiler, Event, Phase, Query, paren_
from .nodes import node_columns, rating_columns, refuse_irrational
from .tree import Pair, alias, and_, case, cmp, col, concat, ident, mul, not_, one_of, or_, pick, text


# ------------------------------------------------------------------ the query
def compile_plan(plan: p.ScoringPlan, source: exp.Table, dialect: str = "duckdb",
                 columns: Mapping[str, str] | None = None, nodes: bool = True, numbered: bool = False) -> Query:
    """One query scoring every row of `source` (a table with an `entity` column and one column
    per input; `columns`, when given, names the columns present and their SQL types). With
    `nodes`, every node's score, the total and the rating too (sql/nodes.py)."""
    if nodes:
        refuse_irrational(plan)
    for item in plan.indicators:
        if item.irrational:
            raise NotCompilable(f"indicator {item.code} takes a square root (sqrt, zscore): its value is "
                                f"irrational, which SQL cannot compute exactly; score it with the python back-end")
    c = Compiler(plan, source, dialect, columns)
    c.numbered = numbered
    for k in (*plan.main_reads, *plan.cohort_reads):
        c.read(k)
    _parts(c, plan.cohort_reads, 1)
    for index, site in enumerate(plan.cohort_sites):
        _cohort_site(c, index, site)
    _parts(c, plan.main_reads, 2)
    _unread(c)
    leaves = [_leaf(c, item) for item in plan.indicators]
    final: list[exp.Expression] = [col(ENTITY_KEY), col("_row")]
    for item, (value, stars, points) in zip(plan.indicators, leaves):
        final += [alias(value.num, ident(f"{item.code}.value_num")),
                  alias(value.den, ident(f"{item.code}.value_den")),
                  alias(stars, ident(f"{item.code}.stars")),
                  alias(points.num, ident(f"{item.code}.points_num")),
                  alias(points.den, ident(f"{item.code}.points_den"))]
    for k in plan.main_reads:
        slot, read = plan.slots[k], c.slots[k]
        if slot.missing is not MissingPolicy.ERROR or slot.tolerant:
            final.append(alias(read.absent, ident(f"{slot.key}.missing")))
    for k in plan.imputed:
        value, nothing = c.imputed[k] if k in c.imputed else c._impute(k)
        key = plan.slots[k].key
        final += [alias(value.num, ident(f"{key}.imputed_num")), alias(value.den, ident(f"{key}.imputed_den")),
                  alias(nothing, ident(f"{key}.nothing_to_impute"))]
    final += _errors(c)
    if nodes:
        scores = node_columns(c, leaves)
        for n, (node, score) in enumerate(zip(plan.nodes, scores)):
            label = "total" if n == 0 else f"node {n} {node.code or node.name}"
            final += [alias(score.rounded.num, ident(f"{label}.num")), alias(score.rounded.den, ident(f"{label}.den")),
                      alias(score.unrounded.num, ident(f"{label}.unrounded_num")),
                      alias(score.unrounded.den, ident(f"{label}.unrounded_den"))]
        final += rating_columns(c, leaves, scores)
    return Query(c.st.query(c.source_select(), final), tuple(c.events), dialect)


def _parts(c: Compiler, reads: tuple[int, ...], phase: Phase) -> None:
    """A part above its whole is bad data (codegen._check_part)."""
    for k in reads:
        slot = c.plan.slots[k]
        if slot.whole is None or slot.whole not in reads:
            continue
        part, whole = c.slots[k], c.slots[slot.whole]
        assert part.value is not None and whole.value is not None
        guards = [not_(paren_(g)) for g in (part.na, whole.na, part.flag, whole.flag) if g is not None]
        above = cmp(exp.GT, mul(part.value.num, whole.value.den), mul(whole.value.num, part.value.den))
        event = c.event(InvalidValue, slot.key, slot.first_user, phase, "",
                        _above_its_whole(c, (k, part.value), (slot.whole, whole.value)), quoted=False)
        c.refuse(and_(*guards, above) if guards else above, event, phase)


def _above_its_whole(c: Compiler, part: tuple[int, Pair], whole: tuple[int, Pair]) -> exp.Expression:
    """semantics.part_above_whole's message: both values, the whole named."""
    return concat(c.shown(*part), text(f" is above its whole `{c.plan.slots[whole[0]].key}` = "), c.shown(*whole))


def _unread(c: Compiler) -> None:
    """Inputs no formula reads are still checked when given (semantics.check_unread)."""
    for k in c.plan.unread:
        slot = c.plan.slots[k]
        raw = c.text_of(slot.key)
        given = not_(c.absent_of(slot.key, raw))
        value = c.parse(slot, slot.key, raw, given, None, (2,), own=True)
        if slot.whole is None:
            continue
        whole_slot = c.plan.slots[slot.whole]
        whole_raw = c.text_of(whole_slot.key)
        whole_given = not_(c.absent_of(whole_slot.key, whole_raw))
        both = and_(given, whole_given)
        whole = c.parse(whole_slot, whole_slot.key, whole_raw, both, None, (2,))
        above = cmp(exp.GT, mul(value.num, whole.den), mul(whole.num, value.den))
        event = c.event(InvalidValue, slot.key, None, 2, "", _above_its_whole(c, (k, value), (slot.whole, whole)),
                        quoted=False)
        c.refuse(and_(both, above), event, 2)


def _stops(c: Compiler, item: p.IndicatorPlan, slots: tuple[int, ...], phase: Phase) -> tuple[
        list[tuple[exp.Expression, exp.Expression]], list[exp.Expression]]:
    """codegen.missing: a tolerant slot read under `error` refuses; one read under `not
    applicable`, or a slot declared so, makes the reader not applicable."""
    policies = dict(item.defaults)
    errors: list[tuple[exp.Expression, exp.Expression]] = []
    na: list[exp.Expression] = []
    for k in slots:
        read = c.slots[k]
        if read.flag is not None and policies.get(k, MissingPolicy.ERROR) is MissingPolicy.ERROR:
            event = c.event(MissingInput, c.plan.slots[k].key, item.code, phase, "no value given")
            errors.append((read.flag, exp.Literal.number(event)))
    for k in slots:
        read = c.slots[k]
        if read.na is not None:
            na.append(read.na)
    for k in slots:
        read = c.slots[k]
        if read.flag is not None and policies.get(k) is MissingPolicy.NOT_APPLICABLE:
            na.append(read.flag)
    return errors, na


_NONE, _ZERO = exp.Literal.number(0), exp.Literal.number(-1)
OnZero = Callable[[int], exp.Expression]


def _state(c: Compiler, errors: list[tuple[exp.Expression, exp.Expression]], na: list[exp.Expression],
           signals: list[tuple[exp.Expression, int]], on_zero: OnZero) -> exp.Column | None:
    """What stops a formula, first met first: NULL (nothing), 0 (not applicable, or None for a
    cohort argument), -1 (a zero denominator scored as 0), or the index of the event refusing
    the row. A signal's negative event is a zero denominator's, which `on_zero` decides."""
    whens: list[tuple[exp.Expression, exp.Expression]] = list(errors)
    if na:
        whens.append((or_(*na), _NONE))
    for condition, event in signals:
        whens.append((condition, exp.Literal.number(event) if event > 0 else on_zero(-event)))
    return c.st.bind(case(*whens), "z") if whens else None


def _cohort_site(c: Compiler, index: int, site: p.CohortSite) -> None:
    """The argument per row (codegen._cohort_function), then the function across the rows."""
    caller = next(item for item in c.plan.indicators if item.code == site.indicator)
    reads = _loads(site.formula)
    errors, na = _stops(c, caller, reads, 1)
    _, others = _stops(c, caller, tuple(k for k in caller.reads if k not in reads), 1)
    signals: list[tuple[exp.Expression, int]] = []
    value = c.formula(site.formula, signals, {}, site.indicator, 1)

    def on_zero(event: int) -> exp.Expression:
        if site.zero_policy is not ZeroPolicy.ERROR:
            return _NONE  # left out of the comparison
        # A caller not applicable for an input its argument does not read meets no zero.
        return case((or_(*others), _NONE), default=exp.Literal.number(event)) if others else \
            exp.Literal.number(event)
    state = _state(c, errors, na, signals, on_zero)
    none: exp.Expression = exp.false()
    if state is not None:
        c.refuse(cmp(exp.GT, state, exp.Literal.number(0)), state, 1)
        none = c.st.bind(not_(exp.Is(this=state, expression=exp.Null())), "u")
    c.cohort[index] = c.statistic(site.function, value, none, f"c{index}")


def _leaf(c: Compiler, item: p.IndicatorPlan) -> tuple[Pair, exp.Expression, Pair]:
    st = c.st
    errors, na = _stops(c, item, item.reads, 2)
    signals: list[tuple[exp.Expression, int]] = []
    value = c.formula(item.formula, signals, {}, item.code, 2)

    def on_zero(event: int) -> exp.Expression:
        return {ZeroPolicy.ERROR: exp.Literal.number(event), ZeroPolicy.NOT_APPLICABLE: _NONE,
                ZeroPolicy.ZERO: _ZERO}[item.zero_policy]
    state = _state(c, errors, na, signals, on_zero)
    # -1 (scored as 0) only where the policy says so and a denominator can be 0: elsewhere its
    # tests would be a CASE per value and per output, each row, for nothing.
    zeroes = item.zero_policy is ZeroPolicy.ZERO and any(event < 0 for _, event in signals)
    if state is not None:
        c.refuse(cmp(exp.GT, state, exp.Literal.number(0)), state, 2)
    if state is not None and zeroes:
        zeroed = exp.EQ(this=state, expression=_ZERO)
        value = st.pair(case((zeroed, st.big_number(0)), default=value.num),
                        case((zeroed, st.big_number(1)), default=value.den), value.den_one)
    stars = exp.Null() if item.banding is None else c.stars(value, item.banding)
    points = c.points(item, value, None if item.banding is None else stars)
    if state is None:
        return value, stars, points
    applicable: exp.Expression = exp.Is(this=state, expression=exp.Null())
    if zeroes:
        applicable = or_(applicable, exp.EQ(this=state, expression=_ZERO))
    shown = Pair(st.bind(case((applicable, value.num)), "n"), st.bind(case((applicable, value.den)), "d"))
    return (shown, st.bind(case((applicable, stars)), "s"),
            c.where(applicable, points))


_RUN = 8  # events per column of the first one met


def _errors(c: Compiler) -> list[exp.Expression]:
    """Per phase, the first event refusing the row; and the message, for readers of the SQL."""
    st = c.st
    columns: list[exp.Expression] = []
    events: list[exp.Expression] = []
    for phase in (0, 1, 2):
        whens = c.phase_events[phase]
        # In runs, each a column of its own as soon as its conditions are: the conditions' columns
        # are then not carried through every stage to one CASE at the end.
        runs = [st.bind(case(*whens[k:k + _RUN]), "ev", keep=True) for k in range(0, len(whens), _RUN)]
        event: exp.Expression = exp.cast(exp.Null(), "INTEGER")
        if runs:
            event = st.bind(exp.Coalesce(this=runs[0], expressions=runs[1:]) if len(runs) > 1 else runs[0], "ev")
        events.append(event)
        columns.append(alias(event, ident(f"error_event_{phase}")))
    first = st.bind(exp.Coalesce(this=events[0], expressions=events[1:]), "ev")
    columns.append(alias(_message(c, first), ident("error")))
    return columns


def _message(c: Compiler, first: exp.Expression) -> exp.Expression:
    """The first event's message: where, the value's text (quoted) where it has one, and its
    words. Where and words are picked by the event's number from lists of constants, the text
    by a CASE with a branch per input: a CASE with a branch per event, each its message's
    concatenation, took a fifth of DuckDB's planning of the city query. Behind a test of
    `first`: a row no event refuses, the common case, computes none of it."""
    if not c.events:
        return exp.cast(exp.Null(), "VARCHAR")
    quote = ["'" if value is not None and quoted else "" for _, value, quoted in c.messages]
    heads = [where(e) + q for e, q in zip(c.events, quote)]
    tails = [q + words for q, (words, _, _) in zip(quote, c.messages)]
    inputs: dict[str, tuple[exp.Expression, list[exp.Expression]]] = {}
    for k, (_, value, _) in enumerate(c.messages, 1):
        if value is not None:
            inputs.setdefault(value.sql(), (value, []))[1].append(exp.Literal.number(k))
    shown = case(*((one_of(first, numbers), value) for value, numbers in inputs.values()),
                 default=text("")) if inputs else text("")
    message = concat(pick(c.dialect, heads, first), shown, pick(c.dialect, tails, first))
    return case((not_(exp.Is(this=first, expression=exp.Null())), message))


def where(event: Event) -> str:
    parts = [f"indicator {event.indicator}" if event.indicator else "", f"input `{event.input}`" if event.input else ""]
    shown = ", ".join(part for part in parts if part)
    return shown + ": " if shown else ""
