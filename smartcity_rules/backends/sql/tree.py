"""The SQL back-end's building blocks: exact pairs of integer expressions and staged columns.

Every value is a pair of integer expressions (numerator, denominator > 0) in the dialect's
widest exact integer type; arithmetic is the python back-end's, by cross-multiplication.
Intermediate results become columns of a chain of CTEs (`Stages`), each one level deeper
than what it reads, so an expression is computed once, never repeated in the text.
Only sqlglot's constructors make identifiers and literals: author text is never parsed as SQL.
"""

from __future__ import annotations

from fractions import Fraction
from typing import cast

import attrs
from sqlglot import exp

# The widest exact integer each dialect offers: DuckDB's 128-bit HUGEINT, PostgreSQL's
# NUMERIC (arbitrary precision; scale 0 stays integral under + - * and DIV).
BIG_TYPES = {"duckdb": "HUGEINT", "postgres": "NUMERIC", "spark": "DECIMAL(38, 0)"}
DIGITS = {"duckdb": 38, "spark": 38}  # the most decimal digits a dialect's exact integers hold; none: unbounded


@attrs.frozen
class Pair:
    num: exp.Expression
    den: exp.Expression
    den_one: bool = False  # the denominator is the literal 1


def ident(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def col(name: str) -> exp.Column:
    """A column of our own (t1n, ...) or of the table: always quoted, whatever the name."""
    return exp.column(ident(name))


def table(name: str) -> exp.Table:
    return exp.Table(this=ident(name))


def text(value: str) -> exp.Literal:
    return exp.Literal.string(value)


def paren(e: exp.Expression) -> exp.Expression:
    if isinstance(e, (exp.Binary, exp.Connector, exp.Not, exp.Neg, exp.Case, exp.Is)):
        return exp.Paren(this=e)
    if isinstance(e, (exp.Column, exp.Literal, exp.Paren, exp.Cast, exp.Func)):
        return e
    return exp.Paren(this=e)


def add(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    return exp.Add(this=paren(a), expression=paren(b))


def sub(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    return exp.Sub(this=paren(a), expression=paren(b))


def mul(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    if _is_one(a):
        return b
    if _is_one(b):
        return a
    return exp.Mul(this=paren(a), expression=paren(b))


def neg(a: exp.Expression) -> exp.Expression:
    return exp.Neg(this=paren(a))


def div(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    """Integer division of non-negative numbers (truncating and flooring agree there); a zero
    divisor gives NULL rather than an engine error, for rows an earlier error already refuses."""
    return exp.IntDiv(this=paren(a), expression=exp.Nullif(this=paren(b), expression=exp.Literal.number(0)))


def cmp(kind: type[exp.Binary], a: exp.Expression, b: exp.Expression) -> exp.Expression:
    return cast(exp.Expression, kind(this=paren(a), expression=paren(b)))


def and_(*conditions: exp.Expression) -> exp.Expression:
    return cast(exp.Expression, exp.and_(*conditions, copy=False))


def or_(*conditions: exp.Expression) -> exp.Expression:
    return cast(exp.Expression, exp.or_(*conditions, copy=False))


def func(name: str, *args: exp.Expression) -> exp.Expression:
    return cast(exp.Expression, exp.func(name, *args))


def not_(condition: exp.Expression) -> exp.Expression:
    return exp.Not(this=paren(condition))


def alias(e: exp.Expression, name: exp.Identifier) -> exp.Expression:
    return exp.Alias(this=e, alias=name)


def case(*whens: tuple[exp.Expression, exp.Expression], default: exp.Expression | None = None) -> exp.Case:
    built = exp.Case()
    for condition, value in whens:
        built = built.when(condition, value, copy=False)
    return built if default is None else built.else_(default, copy=False)


def any_of(conditions: list[exp.Expression]) -> exp.Expression | None:
    return or_(*conditions) if conditions else None


def _is_one(e: exp.Expression) -> bool:
    inner = e.this if isinstance(e, exp.Cast) else e
    return isinstance(inner, exp.Literal) and inner.is_int and int(inner.this) == 1


class Stages:
    """Columns defined level by level: stage n is `SELECT *, <its columns> FROM stage n-1`."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        self.big = exp.DataType.build(BIG_TYPES.get(dialect, "DECIMAL(38, 0)"))
        self.levels: dict[str, int] = {}
        self.columns: list[list[exp.Expression]] = [[]]
        self.helpers: dict[int, list[exp.CTE]] = {}  # after stage n: CTEs that read it
        self.count = 0
        # Spark SQL has no MATERIALIZED: it plans each CTE once and reuses what it shares.
        self.materialize: bool | None = None if dialect == "spark" else True

    def number(self, value: int) -> exp.Expression:
        return exp.cast(exp.Literal.number(value), self.big) if value < 0 or value > 1 else exp.Literal.number(value)

    def big_number(self, value: int) -> exp.Expression:
        return exp.cast(exp.Literal.number(value), self.big)

    def fraction(self, value: Fraction) -> Pair:
        return Pair(self.big_number(value.numerator), self.big_number(value.denominator), value.denominator == 1)

    def level(self, e: exp.Expression) -> int:
        return max((self.levels.get(c.name, 0) for c in e.find_all(exp.Column)), default=0)

    def bind(self, e: exp.Expression, hint: str = "t", at_least: int = 0) -> exp.Column:
        """A new column holding `e`, one stage after everything it reads."""
        if isinstance(e, (exp.Column, exp.Literal)) or (isinstance(e, exp.Cast) and isinstance(e.this, exp.Literal)):
            return e  # type: ignore[return-value]
        self.count += 1
        name = f"{hint}{self.count}"
        level = max(self.level(e), at_least) + 1
        self.levels[name] = level
        while len(self.columns) <= level:
            self.columns.append([])
        self.columns[level].append(alias(e, ident(name)))
        return col(name)

    def pair(self, num: exp.Expression, den: exp.Expression, den_one: bool = False) -> Pair:
        return Pair(self.bind(num, "n"), self.bind(den, "d"), den_one)

    def helper(self, after: exp.Expression, cte: exp.CTE) -> None:
        """A CTE reading the stage that holds `after`; what reads the CTE must sit below it."""
        self.helpers.setdefault(self.level(after), []).append(cte)

    def _needed(self, source: exp.Select, final: list[exp.Expression]) -> list[list[str]]:
        """For each stage n, the columns of stages up to n that stages after it read: the
        ones it passes on (a stage carrying every column makes planning slow)."""
        defined = [[e.alias for e in source.expressions]] + [[e.alias for e in level] for level in self.columns[1:]]
        reads: list[set[str]] = [set() for _ in range(len(self.columns) + 1)]
        for level, expressions in enumerate(self.columns):
            for e in expressions:
                reads[level].update(c.name for c in e.find_all(exp.Column))
        for helpers in self.helpers.values():
            for cte in helpers:
                reads[self.helper_level(cte)].update(c.name for c in cte.find_all(exp.Column))
        for e in final:
            reads[-1].update(c.name for c in e.find_all(exp.Column))
        reads[-1].add("_row")
        later: set[str] = set()
        needed: list[list[str]] = [[] for _ in self.columns]
        for level in reversed(range(len(self.columns))):
            later |= reads[level + 1]
            upto = [name for names in defined[: level + 1] for name in names]
            needed[level] = [name for name in upto if name in later]
        return needed

    def helper_level(self, cte: exp.CTE) -> int:
        for level, helpers in self.helpers.items():
            if any(h is cte for h in helpers):
                return level + 1
        raise AssertionError(cte)

    def query(self, source: exp.Select, final: list[exp.Expression]) -> exp.Select:
        ctes: list[exp.CTE] = [exp.CTE(this=source, alias=exp.TableAlias(this=ident("s0")))]
        ctes += self.helpers.get(0, [])
        needed = self._needed(source, final)
        for level in range(1, len(self.columns)):
            kept = [col(name) for name in needed[level - 1]]
            body = exp.select(*kept, *self.columns[level]).from_(table(f's{level - 1}'))
            ctes.append(exp.CTE(this=body, alias=exp.TableAlias(this=ident(f"s{level}"))))
            ctes += self.helpers.get(level, [])
        last = table(f's{len(self.columns) - 1}')
        select = exp.select(*final).from_(last).order_by(col("_row"))
        recursive = any(cte.args.get("recursive") for cte in ctes)
        for cte in ctes:
            cte.set("recursive", None)
            # Each stage computed once: inlined, the stages' expressions nest into each other
            # and planning them grows without bound (PostgreSQL ran out of memory).
            cte.set("materialized", self.materialize)
        select.set("with_", exp.With(expressions=ctes, recursive=recursive))
        return select


def lowest_common_denominator(stages: Stages, den: exp.Expression, present: exp.Expression, name: str) -> exp.Column:
    """The least common multiple of a column's denominators over the rows where `present`:
    a recursive CTE over the distinct denominators (few, for decimal data), as a column."""
    dens, lcm = f"{name}_dens", f"{name}_lcm"
    distinct = exp.select(alias(den, ident("d"))).distinct().from_(
        table(f"s{stages.level(and_(den, present))}")).where(present)
    numbered = exp.select(col("d"), alias(exp.Window(this=exp.RowNumber(), order=exp.Order(
        expressions=[exp.Ordered(this=col("d"))])), ident("i"))).from_(distinct.subquery(ident("u")))
    anchor = exp.select(alias(exp.Literal.number(0), ident("i")), alias(stages.big_number(1), ident("m")))
    step = exp.select(
        alias(add(exp.column(ident("i"), table=ident(lcm)), exp.Literal.number(1)), ident("i")),
        alias(func("lcm", exp.column(ident("m"), table=ident(lcm)), exp.column(ident("d"), table=ident(dens))),
                   ident("m"))).from_(table(f'{lcm}')).join(
        table(f'{dens}'), on=exp.EQ(this=exp.column(ident("i"), table=ident(dens)),
                                             expression=add(exp.column(ident("i"), table=ident(lcm)),
                                                            exp.Literal.number(1))))
    marker = and_(den, present)
    stages.helper(marker, exp.CTE(this=numbered, alias=exp.TableAlias(this=ident(dens))))
    recursive = exp.CTE(this=exp.union(anchor, step, distinct=False),
                        alias=exp.TableAlias(this=ident(lcm), columns=[ident("i"), ident("m")]))
    recursive.set("recursive", True)
    stages.helper(marker, recursive)
    largest = exp.select(exp.Max(this=col("m"))).from_(table(f'{lcm}')).subquery()
    return stages.bind(largest, "l", at_least=stages.level(marker))
