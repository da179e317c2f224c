"""Which statistics a formula reads, and in which period (docs/language.md §3, §5)."""

from __future__ import annotations

from .model import Binary, Call, Checklist, Expr, Neg, Power, Ref, Weighted

NOW = "now"
PREVIOUS = "previous"  # the `name@previous` values
# §5: the functions that compare an entity with the whole cohort evaluated together.
COHORT_FUNCTIONS = frozenset({"rank", "share", "minmax", "percentile", "to_best",
                              "cohort_mean", "cohort_median", "cohort_min", "cohort_max", "zscore"})
ROOTS = frozenset({"sqrt", "zscore"})  # §5, *Square roots*: their values are irrational in general


def children(expr: Expr) -> tuple[Expr, ...]:
    if isinstance(expr, Neg):
        return (expr.operand,)
    if isinstance(expr, Power):
        return (expr.base,)
    if isinstance(expr, Binary):
        return (expr.left, expr.right)
    if isinstance(expr, Call):
        return expr.args
    if isinstance(expr, Weighted):
        return tuple(part for _, part in expr.parts)
    return ()


def input_names(expr: Expr) -> list[str]:
    """Every input name the formula mentions, in reading order, once each."""
    names: dict[str, None] = {}
    _collect_names(expr, names)
    return list(names)


def _collect_names(expr: Expr, names: dict[str, None]) -> None:
    if isinstance(expr, Ref):
        names[expr.name] = None
    elif isinstance(expr, Checklist):
        for flag, _ in expr.items:
            names[flag] = None
    for child in children(expr):
        _collect_names(child, names)


def reads(expr: Expr, period: str = NOW) -> list[tuple[str, str]]:
    """(name, period) for each value the formula needs, in reading order, once each.

    `growth(e)` reads `e` in both periods; `previous(x)` reads only `x@previous`. My reading:
    `previous(x)` alone does not need this period's `x` (§5 says it is "last period's value").
    """
    found: dict[tuple[str, str], None] = {}
    _collect_reads(expr, period, found)
    return list(found)


def _collect_reads(expr: Expr, period: str, found: dict[tuple[str, str], None]) -> None:
    if isinstance(expr, Ref):
        found[(expr.name, period)] = None
        return
    if isinstance(expr, Checklist):
        for flag, _ in expr.items:
            found[(flag, period)] = None
        return
    if isinstance(expr, Call) and expr.function == "growth":
        _collect_reads(expr.args[0], period, found)
        _collect_reads(expr.args[0], PREVIOUS, found)
        return
    if isinstance(expr, Call) and expr.function == "previous":
        _collect_reads(expr.args[0], PREVIOUS, found)
        return
    for child in children(expr):
        _collect_reads(child, period, found)


def last_period_undefined(expr: Expr, inside_growth: bool = False) -> str | None:
    """A `growth` or `previous` inside `growth`, which the docs give no value.

    §5: "`e previous` is `e` computed from the `name@previous` values"; last period's
    `growth(x)` or `previous(x)` would need the period before that, which no record can carry
    (only `name@previous` keys exist). The reference refuses such a formula rather than guess.
    """
    if isinstance(expr, Call) and expr.function in ("growth", "previous") and inside_growth:
        return f"{expr.function}() inside growth()"
    nested = inside_growth or (isinstance(expr, Call) and expr.function == "growth")
    for child in children(expr):
        found = last_period_undefined(child, nested)
        if found is not None:
            return found
    return None


def cohort_calls(expr: Expr, period: str = NOW) -> list[tuple[Call, str]]:
    """Each cohort function's call (rank(), share(), minmax(), …) with the period its column is
    taken in: inside growth(), in both periods; inside previous(), last period's."""
    if isinstance(expr, Call) and expr.function in COHORT_FUNCTIONS:
        return [(expr, period)]
    if isinstance(expr, Call) and expr.function == "growth":
        return cohort_calls(expr.args[0], period) + cohort_calls(expr.args[0], PREVIOUS)
    if isinstance(expr, Call) and expr.function == "previous":
        return cohort_calls(expr.args[0], PREVIOUS)
    return [found for child in children(expr) for found in cohort_calls(child, period)]


def takes_root(expr: Expr) -> bool:
    """Whether a formula calls `sqrt` or `zscore` anywhere."""
    if isinstance(expr, Call) and expr.function in ROOTS:
        return True
    return any(takes_root(child) for child in children(expr))
