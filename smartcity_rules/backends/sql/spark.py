"""Spark SQL's exact spellings of what DuckDB and PostgreSQL have built in, for the spark dialect only.

Spark 4 has no `gcd` or `lcm`, and its `DIV` on decimals casts the quotient to a 64-bit long,
wrapping silently past 2^63 even in ANSI mode: `99999999999999999999999999999999999 DIV 3` is
1045544630694008149. So, on DECIMAL(38, 0) only:

- integer division is `(a - a % b) / b`, an exact decimal division (its quotient is whole), cast
  back to DECIMAL(38, 0). Spark types a decimal quotient DECIMAL(38, 6), so a quotient of more than
  32 digits overflows: an error under ANSI mode (the runner's InvalidValue), never a wrong number;
- gcd is Euclid's algorithm as a bounded loop, `aggregate(sequence(1, 190), ...)`: numbers below
  10^38 need fewer than 185 steps (the worst case is consecutive Fibonacci numbers);
- the least common multiple of a column is one aggregate over its distinct values, folded by
  lcm(m, d) = m / gcd(m, d) x d, in a helper CTE of one row (no `WITH RECURSIVE`).

`rewrite` turns the dialect-neutral tree (IntDiv, GCD) into these, so the other dialects' text is
untouched.
"""

from __future__ import annotations

from sqlglot import exp

EUCLID_STEPS = 190  # > log_phi(10^38) ~ 182: enough steps for any two 38-digit numbers


def _var(name: str) -> exp.Identifier:
    # Lambda variables: names no input column has (ours are i1, t2, ...; a table's never reach a lambda).
    return exp.to_identifier(f"scr_{name}", quoted=True)


def _field(struct: str, name: str) -> exp.Dot:
    return exp.Dot(this=_var(struct), expression=exp.to_identifier(name, quoted=True))


def _pair(a: exp.Expression, b: exp.Expression) -> exp.Struct:
    return exp.Struct(expressions=[exp.PropertyEQ(this=exp.to_identifier("a", quoted=True), expression=a),
                                   exp.PropertyEQ(this=exp.to_identifier("b", quoted=True), expression=b)])


def exact_div(a: exp.Expression, b: exp.Expression, big: exp.DataType) -> exp.Expression:
    """a DIV b, truncating, for b not 0 (a NULL b gives NULL), exactly or an overflow error."""
    rest = exp.Mod(this=exp.Paren(this=a), expression=exp.Paren(this=b))
    whole = exp.Sub(this=exp.Paren(this=a), expression=rest)
    return exp.cast(exp.Div(this=exp.Paren(this=whole), expression=exp.Paren(this=b)), big)


def gcd(a: exp.Expression, b: exp.Expression, big: exp.DataType) -> exp.Expression:
    """gcd(|a|, |b|) (gcd(0, 0) = 0), as DuckDB's gcd gives it."""
    start = _pair(exp.cast(exp.Abs(this=a), big), exp.cast(exp.Abs(this=b), big))
    done = exp.EQ(this=_field("g", "b"), expression=exp.Literal.number(0))
    step = exp.If(this=done, true=exp.column(_var("g")),
                  false=_pair(_field("g", "b"), exp.Mod(this=_field("g", "a"), expression=_field("g", "b"))))
    return exp.Reduce(this=exp.GenerateSeries(start=exp.Literal.number(1), end=exp.Literal.number(EUCLID_STEPS)),
                      initial=start, merge=exp.Lambda(this=step, expressions=[_var("g"), _var("i")]),
                      finish=exp.Lambda(this=_field("g", "a"), expressions=[_var("g")]))


def lcm_of(values: exp.Expression, big: exp.DataType) -> exp.Expression:
    """The least common multiple of an array of positive integers (1 for none)."""
    m, d = exp.column(_var("m")), exp.column(_var("d"))
    step = exp.cast(exp.Mul(this=exact_div(m, gcd(m, d, big), big), expression=d), big)
    return exp.Reduce(this=values, initial=exp.cast(exp.Literal.number(1), big),
                      merge=exp.Lambda(this=step, expressions=[_var("m"), _var("d")]))


def rewrite(tree: exp.Expression, big: exp.DataType) -> exp.Expression:
    """The tree with every IntDiv and GCD in Spark's exact spelling. Trees share nodes: each is
    rewritten once (by id), its args in place, children first."""
    done: dict[int, exp.Expression] = {}

    def visit(e: exp.Expression) -> exp.Expression:
        if id(e) in done:
            return done[id(e)]
        for key, value in e.args.items():
            if isinstance(value, exp.Expression):
                e.args[key] = visit(value)
            elif isinstance(value, list):
                e.args[key] = [visit(v) if isinstance(v, exp.Expression) else v for v in value]
        new = e
        if isinstance(e, exp.IntDiv):
            new = exact_div(e.this, e.expression, big)
        elif isinstance(e, exp.Anonymous) and str(e.this).upper() == "GCD":
            new = gcd(e.expressions[0], e.expressions[1], big)
        done[id(e)] = new
        return new
    return visit(tree)
