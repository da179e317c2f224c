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
_SHOWN_PLACES = 37  # a message's decimals: 10^37 fits every dialect's exact integers
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


def mod(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    """a mod b, for a >= 0 and b > 0 (where engines agree)."""
    return exp.Mod(this=paren(a), expression=paren(b))


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


def one_of(value: exp.Expression, options: list[exp.Expression]) -> exp.Expression:
    """`value` is one of the constants `options`, as equalities joined by OR, never IN: DuckDB
    2.0 plans an IN list of five or more constants as a join, and a query aggregating over ours
    (`SELECT rating, count(*) FROM (...) GROUP BY rating`) then had every stage above that join
    inlined into its aggregate by the partial aggregate pushdown, which ran out of memory."""
    return or_(*(exp.EQ(this=paren(value), expression=option) for option in options))


def pick(dialect: str, texts: list[str], index: exp.Expression) -> exp.Expression:
    """The index-th (from 1) of constant texts: an element of an array literal."""
    array = exp.Array(expressions=[text(t) for t in texts])
    if dialect == "spark":  # its [i] counts from 0; element_at from 1
        return func("element_at", array, index)
    return exp.Bracket(this=array, expressions=[index])


def concat(*texts: exp.Expression) -> exp.Expression:
    joined = texts[0]
    for more in texts[1:]:
        joined = exp.DPipe(this=joined, expression=more)
    return joined


def shown_exactly(value: Pair, big: exp.DataType, reduce: bool = True) -> exp.Expression:
    """numbers.fmt of a pair, for a message: whole, a terminating decimal written out, or a/b in
    lowest terms. A decimal's digits are the remainder's share of 10^37 (below 10^37 where the
    denominator divides it: every dialect's exact integers hold it), its zeros trimmed; a
    denominator that does not divide 10^37 (more than 37 factors of 2 or 5) shows as a/b.
    Without `reduce` (Spark, whose gcd is a loop of 190 steps in SQL) the pair is not put in
    lowest terms: a decimal's value shows as fmt's, a/b as the pair's."""
    num, den = value.num, value.den
    if reduce:
        g = func("gcd", exp.Abs(this=num), den)
        num, den = div(num, g), div(den, g)
    whole, rest = div(exp.Abs(this=num), den), mod(exp.Abs(this=num), den)
    power = exp.cast(exp.Literal.number(10**_SHOWN_PLACES), big)
    digits = exp.Pad(this=exp.cast(mul(rest, div(power, den)), "VARCHAR"),
                     expression=exp.Literal.number(_SHOWN_PLACES), fill_pattern=text("0"), is_left=True)
    integer = concat(case((cmp(exp.LT, num, exp.Literal.number(0)), text("-")), default=text("")),
                     exp.cast(whole, "VARCHAR"))
    decimal = concat(integer, text("."), exp.Trim(this=digits, expression=text("0"), position="TRAILING"))
    return case((exp.EQ(this=rest, expression=exp.Literal.number(0)), integer),
                (exp.EQ(this=mod(power, den), expression=exp.Literal.number(0)), decimal),
                default=concat(exp.cast(num, "VARCHAR"), text("/"), exp.cast(den, "VARCHAR")))


def any_of(conditions: list[exp.Expression]) -> exp.Expression | None:
    return or_(*conditions) if conditions else None


def constant(e: exp.Expression) -> int | None:
    """The non-negative integer a literal (or a cast of one) is; None for anything else."""
    inner = e.this if isinstance(e, exp.Cast) else e
    return int(inner.this) if isinstance(inner, exp.Literal) and inner.is_int else None


def _is_one(e: exp.Expression) -> bool:
    return constant(e) == 1


class Stages:
    """Named columns over a chain of stages: stage n is `SELECT <what later stages read>, <its
    columns> FROM stage n-1`, each column one stage after the deepest column it reads.

    `bind` names an expression; when the query is assembled, a name read once is put back in
    place of its one reader (it is computed once either way), so only values read twice or
    more, and window functions, become columns. Fewer columns make fewer, narrower stages:
    the text stays small and the engine plans it quickly. Stages are plain CTEs (on DuckDB,
    where a rank joins, the source stage materialized and those above it up to the join not),
    each fenced by OFFSET 0 where the dialect would otherwise fold a stage into the next and
    copy its expressions into every reader (PostgreSQL did, until it ran out of memory).
    A stage's CASE branches run only for the rows that take them, so work put behind a CASE
    (reading a value's text when its cheap reading failed) costs nothing for other rows."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        self.big = exp.DataType.build(BIG_TYPES.get(dialect, "DECIMAL(38, 0)"))
        self.defs: dict[str, exp.Expression] = {}  # name -> its expression, in the order bound
        self.after: dict[str, list[exp.CTE]] = {}  # name -> helper CTEs the bound column reads
        self.helpers: list[exp.CTE] = []
        self.followers: dict[int, list[exp.CTE]] = {}  # helper -> CTEs right after it, reading it
        self.count = 0
        self.pinned: set[str] = set()  # names kept as columns whatever their readers
        self.limits: dict[str, int] = {}  # a source column's name -> a bound on its magnitude
        self._bounds: dict[str, int | None] = {}
        self.joins: dict[str, tuple[str, str]] = {}  # a joined helper CTE -> the stage's key, the helper's

    def number(self, value: int) -> exp.Expression:
        return exp.cast(exp.Literal.number(value), self.big) if value < 0 or value > 1 else exp.Literal.number(value)

    def big_number(self, value: int) -> exp.Expression:
        return exp.cast(exp.Literal.number(value), self.big)

    def fraction(self, value: Fraction) -> Pair:
        return Pair(self.big_number(value.numerator), self.big_number(value.denominator), value.denominator == 1)

    def bind(self, e: exp.Expression, hint: str = "t", reads: list[exp.CTE] | None = None,
             keep: bool = False) -> exp.Column:
        """A named column holding `e` (`reads`: the helper CTEs `e` reads, placed before it;
        `keep`: a column even when read only once)."""
        if isinstance(e, (exp.Column, exp.Literal)) or (isinstance(e, exp.Cast) and isinstance(e.this, exp.Literal)):
            return e  # type: ignore[return-value]
        return self._column(e, hint, reads, keep)

    def _column(self, e: exp.Expression, hint: str, reads: list[exp.CTE] | None, keep: bool) -> exp.Column:
        self.count += 1
        name = f"{hint}{self.count}"
        self.defs[name] = e
        if keep:
            self.pinned.add(name)
        if reads:
            self.after[name] = reads
        return col(name)

    def bound(self, e: exp.Expression) -> int | None:
        """A bound on |e| in every row (None: none known), from the source columns' types and
        the expressions bound: what lets a test for an overflow be left out where none can be."""
        if isinstance(e, exp.Column):
            if e.name in self.limits:
                return self.limits[e.name]
            if e.name not in self._bounds and e.name in self.defs:
                self._bounds[e.name] = self.bound(self.defs[e.name])
            return self._bounds.get(e.name)
        if isinstance(e, exp.Literal):
            return abs(int(e.this)) if e.is_int else None
        if isinstance(e, (exp.Cast, exp.Paren, exp.Neg, exp.Abs, exp.Nullif, exp.IntDiv)):
            return self.bound(e.this)  # |a div b| <= |a| for a whole b, never 0 (NULLIF)
        if isinstance(e, (exp.Mul, exp.Add, exp.Sub)):
            a, b = self.bound(e.this), self.bound(e.expression)
            if a is None or b is None:
                return None
            return a * b if isinstance(e, exp.Mul) else a + b
        if isinstance(e, (exp.Case, exp.Coalesce)):
            if isinstance(e, exp.Case):
                branches = [w.args["true"] for w in e.args["ifs"]] + [d for d in [e.args.get("default")] if d]
            else:
                branches = [e.this, *e.expressions]
            found = [self.bound(b) for b in branches]
            return None if any(f is None for f in found) else max(found, default=0)  # type: ignore[type-var]
        return None

    def pair(self, num: exp.Expression, den: exp.Expression, den_one: bool = False) -> Pair:
        return Pair(self.bind(num, "n"), self.bind(den, "d"), den_one)

    def helper(self, cte: exp.CTE, followers: list[exp.CTE]) -> exp.CTE:
        """A CTE reading the stage that holds every column it reads (its one table is that
        stage, named when the query is assembled), and CTEs placed right after it."""
        self.helpers.append(cte)
        self.followers[id(cte)] = followers
        return cte

    def descending_rank(self, key: exp.Expression, name: str) -> exp.Column:
        """RANK() OVER (ORDER BY key DESC), NULL where the key is, by a join rather than a window:
        each distinct key with the count of the rows above it (a GROUP BY and a window over the
        distinct keys only), joined back on the key. A window sorts every column of its stage
        with its key: for the city's rank, half of the query's time at 1M rows."""
        if isinstance(key, exp.Column) and key.name in self.defs:
            self.pinned.add(key.name)  # the join reads it from the stage before
        else:
            key = self._column(key, "k", None, keep=True)  # a column, even a source's or a constant
        counts, ranks, k, r = f"{name}_keys", f"{name}_ranks", f"{name}_k", f"{name}_r"
        grouped = exp.select(alias(key.copy(), ident(k)), alias(exp.Count(this=exp.Star()), ident("c"))).from_(
            table("stage")).where(not_(exp.Is(this=key.copy(), expression=exp.Null()))).group_by(key.copy())
        above = exp.Window(this=exp.Sum(this=col("c")), order=exp.Order(expressions=[exp.Ordered(this=col(k),
                                                                                              desc=True)]))
        rank = exp.cast(add(sub(above, col("c")), exp.Literal.number(1)), "BIGINT")
        ranked = exp.select(col(k), alias(rank, ident(r))).from_(table(counts))
        helper = self.helper(exp.CTE(this=grouped, alias=exp.TableAlias(this=ident(counts))),
                             [exp.CTE(this=ranked, alias=exp.TableAlias(this=ident(ranks)))])
        self.joins[ranks] = (key.name, k)
        return self._column(exp.column(ident(r), table=ident(ranks)), "n", [helper], keep=True)

    # ------------------------------------------------------------ assembling
    def _inline(self, final: list[exp.Expression]) -> set[str]:
        """Put each name read once back in place of its reader; the names that stay columns."""
        uses: dict[str, int] = dict.fromkeys(self.defs, 0)
        for tree in [*self.defs.values(), *self.helpers, *final]:
            for name in _names(tree):
                if name in uses:
                    uses[name] += 1
        kept = {name for name, e in self.defs.items() if uses[name] > 1 or name in self.pinned or (
            uses[name] == 1 and (name in self.after or e.find(exp.Window, exp.Subquery) is not None))}
        for name, e in self.defs.items():
            self.defs[name] = _substitute(e, self.defs, kept)
        for cte in self.helpers:
            _substitute(cte, self.defs, kept)
        for k, e in enumerate(final):
            final[k] = _substitute(e, self.defs, kept)
        return kept

    def query(self, source: exp.Select, final: list[exp.Expression]) -> exp.Select:
        final = list(final)
        kept = self._inline(final)
        level: dict[str, int] = {}
        helper_level: dict[int, int] = {}

        def depth(tree: exp.Expression) -> int:
            return max((level.get(name, 0) for name in _names(tree)), default=0)
        columns: list[list[exp.Expression]] = [[]]
        feeding = self._feeding(kept)
        barrier = 0  # the deepest window's (or helper's) level, once every feeding name is placed
        for name in [*(n for n in self.defs if n in feeding), *(n for n in self.defs if n in kept - feeding)]:
            e = self.defs[name]
            floor = 0 if name in feeding else barrier
            for cte in self.after.get(name, []):
                if id(cte) not in helper_level:
                    helper_level[id(cte)] = depth(cte)
                floor = max(floor, helper_level[id(cte)])
            level[name] = max(depth(e), floor) + 1
            if name in feeding:
                barrier = max(barrier, level[name])
            while len(columns) <= level[name]:
                columns.append([])
            columns[level[name]].append(alias(e, ident(name)))
        joined = [{c.table for e in level_columns for c in e.find_all(exp.Column) if c.table in self.joins}
                  for level_columns in columns]  # each stage's joined helpers
        needed = _needed(source, columns, self.helpers, helper_level, final,
                         [{self.joins[name][0] for name in names} for names in joined])
        # A stage a joined helper reads is read twice; DuckDB would materialize it, copying each
        # column: the stages above the source are computed twice instead, the helper's copy
        # only what its key needs. The source stage is materialized: over any source but a
        # DuckDB table its row numbering is a streaming window, which keeps its pipeline on one
        # thread, and this ends that pipeline after the numbering rather than after the query.
        deepest = max((n for n, names in enumerate(joined) if names), default=0) if self.dialect == "duckdb" else 0
        ctes: list[exp.CTE] = [_cte("s0", source, None, True if deepest else None)]
        by_level: dict[int, list[exp.CTE]] = {}
        for cte in self.helpers:
            at = helper_level.get(id(cte), depth(cte))
            cte.this.find(exp.Table).set("this", ident(f"s{at}"))
            by_level.setdefault(at, []).extend([cte, *self.followers[id(cte)]])
        ctes += by_level.get(0, [])
        fence = exp.Offset(expression=exp.Literal.number(0)) if self.dialect == "postgres" else None
        for n in range(1, len(columns)):
            ctes += self._stage(n, needed[n - 1], columns[n], fence, sorted(joined[n]), n < deepest)
            ctes += by_level.get(n, [])
        select = exp.Select(expressions=final)
        select.set("from_", exp.From(this=table(f"s{len(columns) - 1}")))
        recursive = any(cte.args.get("recursive") for cte in ctes)
        for cte in ctes:
            cte.set("recursive", None)
        select.set("with_", exp.With(expressions=ctes, recursive=recursive))
        if self.dialect == "spark":
            from .spark import rewrite
            rewrite(select, self.big)
        return select

    def _feeding(self, kept: set[str]) -> set[str]:
        """The window columns, the columns reading a helper CTE, and every column they (or the
        helpers) read, transitively. These are placed first and as early as they can be, the
        others only after the deepest of them: a window sorts every column of its stage along
        with its key, and the city's rank, over a stage carrying some 350 columns of checks and
        scores, took half the query's time; over the table's own columns, what a hand-written
        query ranks, a fraction of it."""
        pending = [name for name in kept
                   if name in self.after or self.defs[name].find(exp.Window, exp.Subquery) is not None]
        for cte in self.helpers:
            pending += _names(cte)
        found: set[str] = set()
        while pending:
            name = pending.pop()
            if name in kept and name not in found:
                found.add(name)
                pending += _names(self.defs[name])
        return found

    def _stage(self, n: int, kept: list[str], columns: list[exp.Expression], fence: exp.Offset | None,
               joins: list[str], below_a_join: bool) -> list[exp.CTE]:
        """Stage n: what later stages read of the stages before it, its own columns, and the
        helpers it joins on their keys. (Other window functions stay here, not in a narrow CTE
        joined back by row number: DuckDB 2.0's projection placement took seconds to plan the
        join. `_feeding` keeps their stages narrow instead.)"""
        body = exp.Select(expressions=[*(col(name) for name in kept), *columns])
        body.set("from_", exp.From(this=table(f"s{n - 1}")))
        for name in joins:
            ours, theirs = self.joins[name]
            on = exp.EQ(this=exp.column(ident(ours), table=ident(f"s{n - 1}")),
                        expression=exp.column(ident(theirs), table=ident(name)))
            body = body.join(table(name), on=on, join_type="left")
        if joins and self.dialect == "duckdb":
            # DuckDB 2.0's partial aggregate pushdown inlines every projection between an
            # aggregate and a join below it into the aggregate, unless one is volatile: over
            # our stages that is exponential (a GROUP BY over the query ran out of memory).
            # A filter that holds for every row and that no optimizer may move or drop fences it.
            body = body.where(exp.GTE(this=exp.Rand(), expression=exp.Literal.number(0)))
        return [_cte(f"s{n}", body, fence, False if below_a_join else None)]


def _cte(name: str, body: exp.Select, offset: exp.Offset | None, materialized: bool | None) -> exp.CTE:
    if offset is not None:
        body.set("offset", offset)
    return exp.CTE(this=body, alias=exp.TableAlias(this=ident(name)), materialized=materialized)


def _names(tree: exp.Expression) -> list[str]:
    return [c.name for c in tree.find_all(exp.Column)]


def _substitute(e: exp.Expression, defs: dict[str, exp.Expression], kept: set[str]) -> exp.Expression:
    """`e` with each column named in `defs` but not `kept` replaced by its (already
    substituted) expression. Trees share nodes, so this walks args, not parent links."""
    if isinstance(e, exp.Column) and e.name in defs and e.name not in kept:
        return paren(defs[e.name])
    for key, value in e.args.items():
        if isinstance(value, exp.Expression):
            e.args[key] = _substitute(value, defs, kept)
        elif isinstance(value, list):
            e.args[key] = [_substitute(v, defs, kept) if isinstance(v, exp.Expression) else v for v in value]
    return e


def _needed(source: exp.Select, columns: list[list[exp.Expression]], helpers: list[exp.CTE],
            helper_level: dict[int, int], final: list[exp.Expression], keys: list[set[str]]) -> list[list[str]]:
    """For each stage n, the columns of stages up to n that later stages read (`keys`: what
    each stage's joins read): the ones it passes on (a stage carrying every column makes the
    text long and planning slow)."""
    defined = [[e.alias for e in source.expressions]] + [[e.alias for e in level] for level in columns[1:]]
    reads: list[set[str]] = [set() for _ in range(len(columns) + 1)]
    for n, expressions in enumerate(columns):
        reads[n].update(keys[n])
        for e in expressions:
            reads[n].update(_names(e))
    for cte in helpers:
        reads[helper_level.get(id(cte), 0) + 1].update(_names(cte))
    for e in final:
        reads[-1].update(_names(e))
    reads[-1].add("_row")
    later: set[str] = set()
    needed: list[list[str]] = [[] for _ in columns]
    for n in reversed(range(len(columns))):
        later |= reads[n + 1]
        upto = [name for names in defined[: n + 1] for name in names]
        needed[n] = [name for name in upto if name in later]
    return needed


def lowest_common_denominator(stages: Stages, den: exp.Expression, present: exp.Expression, name: str) -> exp.Column:
    """The least common multiple of a column's denominators over the rows where `present`:
    a recursive CTE over the distinct denominators (few, for decimal data), as a column. (Spark
    has neither lcm nor, before 4.1, WITH RECURSIVE: there, one fold over the distinct
    denominators, sql/spark.py.)"""
    if stages.dialect == "spark":
        return _spark_lcm(stages, den, present, name)
    dens, lcm = f"{name}_dens", f"{name}_lcm"
    distinct = exp.select(alias(den, ident("d"))).distinct().from_(table("stage")).where(present)
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
    recursive = exp.CTE(this=exp.union(anchor, step, distinct=False),
                        alias=exp.TableAlias(this=ident(lcm), columns=[ident("i"), ident("m")]))
    recursive.set("recursive", True)
    helper = stages.helper(exp.CTE(this=numbered, alias=exp.TableAlias(this=ident(dens))), [recursive])
    largest = exp.select(exp.Max(this=col("m"))).from_(table(f'{lcm}')).subquery()
    return stages.bind(largest, "l", reads=[helper])


def _spark_lcm(stages: Stages, den: exp.Expression, present: exp.Expression, name: str) -> exp.Column:
    from .spark import lcm_of

    folded = exp.select(alias(lcm_of(exp.ArrayUniqueAgg(this=den), stages.big), ident("m"))).from_(
        table("stage")).where(present)
    helper = stages.helper(exp.CTE(this=folded, alias=exp.TableAlias(this=ident(f"{name}_lcm"))), [])
    return stages.bind(exp.select(col("m")).from_(table(f"{name}_lcm")).subquery(), "l", reads=[helper])
