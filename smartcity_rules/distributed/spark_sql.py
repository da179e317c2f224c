"""Scoring a Spark DataFrame by the generated Spark SQL: `to_sql(plan, view, "spark")`, run by
Spark itself (no Python on the executors), its error columns named as score_frame names them.

The query is exact only in ANSI mode (Spark 4's default): a session without it is refused, and an
overflow becomes our InvalidValue (`collect_scores`; backends/sql/spark_session.py says why).
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from ..backends.sql.compile import Query
from ..backends.sql.query import where
from ..backends.sql.run import checked_columns, to_sql
from ..backends.sql.spark_session import refuse_without_ansi
from ..backends.sql.tree import alias, col, ident, or_, text
from ..language.check import ENTITY_KEY
from ..language.errors import UnsupportedConstruct

if TYPE_CHECKING:
    from ..standard import Standard

_VIEWS = itertools.count(1)


def score_sql(standard: Standard, frame: Any, *, spark: Any = None) -> Any:
    """The scores of every row of `frame` (a DataFrame, or the name of a table or view `spark`
    knows) by the generated Spark SQL, as a lazy Spark DataFrame: the columns of to_sql's query
    (exact numbers as DECIMAL(38, 0) pairs, every node, the total and the rating; docs/sql.md),
    and score_frame's error columns. The cohort is the whole frame."""
    from .spark import _pyspark

    _pyspark()
    session = spark if spark is not None else getattr(frame, "sparkSession", None)
    if session is None:
        raise UnsupportedConstruct("a table name needs its session: score_sql(standard, name, spark=session)")
    refuse_without_ansi(session)
    if standard.entity_types:
        raise UnsupportedConstruct("the standard differs by entity type: score each type's rows with "
                                   "standard.variant(type)")
    data = session.table(frame) if isinstance(frame, str) else frame
    columns = {field.name: field.dataType.simpleString().upper() for field in data.schema.fields}
    view = f"scr_spark_input_{next(_VIEWS)}"
    query = to_sql(standard.plan, view, "spark", checked_columns(standard.plan, columns))
    data.createOrReplaceTempView(view)
    try:  # analysed now, so the view can go: the DataFrame holds the plan it read
        compares = bool(standard.plan.cohort_sites or standard.plan.imputed)
        return session.sql(with_errors(query, compares).sql(dialect="spark", pretty=False))
    finally:
        session.catalog.dropTempView(view)


def with_errors(query: Query, compares: bool) -> exp.Select:
    """The query's columns, its `error_event_*` and `error` turned into score_frame's `error`
    (the reason), `error_kind`, `error_entity`, `error_indicator` and `error_input`. A refusal of
    the cohort (filling in, a cohort function's argument: phases 0 and 1), or an entity named twice
    where entities are compared, is every row's: evaluate_cohort refuses the whole cohort for it,
    and the other rows' figures, compared without the refused row, would be wrong. A refused row's
    figures are NULL."""
    tree = query.tree.copy()
    ctes = tree.args.pop("with_")
    events = query.events
    kept = [e.alias_or_name for e in tree.expressions if e.alias_or_name not in _QUERY_ERRORS]
    twice, nameless = len(events) + 1, len(events) + 2  # the runner's own events, after the query's
    first = exp.Coalesce(this=col("error_event_0"), expressions=[col("error_event_1"), col("error_event_2")])
    named = exp.Window(this=exp.Count(this=exp.Star()), partition_by=[col(ENTITY_KEY)])
    own = exp.Case().when(exp.Is(this=col(ENTITY_KEY), expression=exp.Null()), exp.Literal.number(nameless)).when(
        exp.GT(this=named, expression=exp.Literal.number(1)), exp.Literal.number(twice)).else_(first)
    inner = exp.select(*(col(n) for n in kept), alias(own, ident("scr_event")), col("error")).from_(
        exp.Subquery(this=tree, alias=exp.TableAlias(this=ident("scored"))))
    chosen: exp.Expression = col("scr_event")
    culprit: exp.Expression = col(ENTITY_KEY)
    message: exp.Expression = col("error")
    refused = _present(col("scr_event"))
    if compares or any(e.phase < 2 for e in events):
        # A stage of its own: Spark reads no alias of the same SELECT in a window.
        inner = exp.select("*", alias(_first_refusal(query), ident("scr_cohort"))).from_(
            exp.Subquery(this=inner, alias=exp.TableAlias(this=ident("events"))))
        cohort = col("scr_cohort")

        def either(field: str, otherwise: exp.Expression) -> exp.Expression:
            return exp.Case().when(_present(cohort), exp.Dot(this=cohort, expression=ident(field))).else_(otherwise)
        chosen, culprit, message = either("e", chosen), either("n", culprit), either("m", message)
        refused = or_(refused, _present(cohort))
    kinds = [e.kind.__name__ for e in events] + ["DataError", "MissingInput"]
    prefixes = [len(where(e)) for e in events] + [0, 0]

    def lookup(values: list[Any]) -> exp.Expression:
        # elt, not element_at: Spark 4.3's element_at(array, NULL) claims a non-NULL result and
        # hands back another row's cell (or fails planning), where elt gives NULL.
        cells = [exp.Null() if v is None else text(str(v)) for v in values]
        return exp.Anonymous(this="ELT", expressions=[chosen, *cells])
    duplicate = exp.DPipe(this=text("entity '"), expression=exp.DPipe(this=culprit, expression=text(
        "' appears twice in the cohort")))
    reason = exp.Case().when(exp.EQ(this=chosen, expression=exp.Literal.number(twice)), duplicate).when(
        exp.EQ(this=chosen, expression=exp.Literal.number(nameless)),
        text("a row has no entity name; every row scored together needs one")).else_(
        exp.Substring(this=message, start=exp.Add(this=exp.cast(lookup(prefixes), "INT"),
                                                  expression=exp.Literal.number(1))))
    shown = [col(ENTITY_KEY), col("_row"), *(alias(exp.Case().when(refused, exp.Null()).else_(col(n)), ident(n))
                                             for n in kept if n not in (ENTITY_KEY, "_row"))]
    errors = [alias(reason, ident("error")), alias(lookup(kinds), ident("error_kind")),
              alias(exp.Case().when(refused, culprit), ident("error_entity")),
              alias(lookup([e.indicator for e in events] + [None, None]), ident("error_indicator")),
              alias(lookup([e.input for e in events] + [None, ENTITY_KEY]), ident("error_input"))]
    outer = exp.select(*shown, *errors).from_(exp.Subquery(this=inner, alias=exp.TableAlias(this=ident("checked"))))
    outer.set("with_", ctes)
    return outer


_QUERY_ERRORS = ("error", "error_event_0", "error_event_1", "error_event_2")


def _first_refusal(query: Query) -> exp.Expression:
    """The cohort's first refusal, as python's back-end meets it: an entity named twice or not at
    all, then phase 0 (filling in), then phase 1 (cohort arguments), each in table order; as a
    struct (p: that order, r: the row, e: the event, n: the entity, m: the message), every row's."""
    events = query.events
    phase = exp.Case().when(exp.GT(this=col("scr_event"), expression=exp.Literal.number(len(events))),
                            exp.Literal.number(0))
    for k, event in enumerate(events, start=1):
        if event.phase < 2:
            phase = phase.when(exp.EQ(this=col("scr_event"), expression=exp.Literal.number(k)),
                               exp.Literal.number(event.phase + 1))
    key = _struct({"p": phase, "r": col("_row"), "e": col("scr_event"), "n": col(ENTITY_KEY), "m": col("error")})
    return exp.Window(this=exp.Min(this=exp.Case().when(_present(phase), key)))


def _present(e: exp.Expression) -> exp.Expression:
    return exp.Not(this=exp.Is(this=e, expression=exp.Null()))


def _struct(fields: dict[str, exp.Expression]) -> exp.Struct:
    return exp.Struct(expressions=[exp.PropertyEQ(this=ident(name), expression=value)
                                   for name, value in fields.items()])
