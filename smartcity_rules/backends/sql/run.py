"""Runs the compiled query on DuckDB (embedded) or PostgreSQL (psycopg) and reads result columns.

`SqlBackend` is a back-end like the python one: `prepare(plan)` compiles the plan once; `run`
loads a batch into a temporary table of text columns (each value as the text semantics.exact
reads: a float by its shortest repr), runs the query and hands back ResultColumns, so node
scores and the rating follow by the one rule of results/. A refused row raises the DataError
the python back-end raises there.
"""

from __future__ import annotations

import decimal
import itertools
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from sqlglot import exp

from ...language.check import ENTITY_KEY
from ...language.errors import DataError, InvalidValue, NotCompilable, UnsupportedConstruct
from ...language.syntax import MissingPolicy
from ...plan.lower import PREVIOUS_SUFFIX
from ...plan.scoring import ScoringPlan
from ...plan.semantics import NOTHING_TO_IMPUTE
from ..protocol import Batch, ResultColumns
from .compile import Query
from .query import compile_plan, where
from .tree import alias, concat, ident, one_of

DIALECTS = ("duckdb", "postgres")
_TABLES = itertools.count(1)


def require(module: str, extra: str) -> Any:
    """Import an optional dependency, or say which extra provides it."""
    try:
        return __import__(module)
    except ImportError:
        raise NotCompilable(f"{module} is not installed: pip install 'smartcity_rules[{extra}]'") from None


# The dialects whose results the tests hold bit for bit to the reference evaluator (Spark's in
# tests/test_spark_sql.py, its exact spellings in sql/spark.py).
EXACT_DIALECTS = ("duckdb", "postgres", "spark")


def _exact(dialect: str) -> None:
    if dialect not in EXACT_DIALECTS:  # sqlglot would write it, but no test has held it to the reference
        raise NotCompilable(f"the scoring query is held to the Python back-ends on {' and '.join(EXACT_DIALECTS)} "
                            f"only; in {dialect!r} it is not known to be exact (on Spark, score with "
                            "smartcity_rules.spark: docs/sql.md)")


def to_sql(plan: ScoringPlan, table: str | exp.Table, dialect: str = "duckdb",
           columns: Mapping[str, str] | None = None, nodes: bool = True) -> Query:
    """The scoring query over `table` (a name, dotted for a schema, quoted as identifiers)."""
    require("sqlglot", "sql")
    _exact(dialect)
    source = table if isinstance(table, exp.Table) else _table(table)
    try:
        return compile_plan(plan, source, dialect, columns, nodes)
    except KeyError as missing:  # a dialect sqlglot knows no type for
        raise NotCompilable(f"no exact integer type for the dialect {dialect!r}") from missing


def to_sql_by_type(plans: Mapping[str, ScoringPlan], type_key: str, table: str, dialect: str = "duckdb",
                   nodes: bool = True) -> exp.Expression:
    """One query for a standard typed by entity (`entity type by`): the rows of each type scored
    by that type's query, as TypedStandard.evaluate_cohort scores each type as a cohort of its
    own (cohort functions compare an entity with those of its type), the results stacked with
    an `entity_type` column and every type's columns (NULL where a type has no such column).
    A row whose type is missing or none of the types gets only its `error`. The error_event
    columns index each type's own events."""
    require("sqlglot", "sql")
    _exact(dialect)
    if dialect == "spark":  # its Spark SQL would plan for minutes in the tests: written, never held
        raise NotCompilable("a standard typed by entity (`entity type by`) is not held to the reference in Spark "
                            "SQL: score each type's rows with standard.variant(type), or use DuckDB or PostgreSQL")
    kind = exp.column(ident(type_key))
    numbered = exp.select("*", alias(exp.Window(this=exp.RowNumber()), ident("_row"))).from_(_table(table))
    ctes = [exp.CTE(this=numbered, alias=exp.TableAlias(this=ident("scr_rows")))]
    queries: list[tuple[str, exp.Select]] = []
    for k, (name, plan) in enumerate(plans.items()):
        rows = exp.select("*").from_(table_of("scr_rows")).where(exp.EQ(this=exp.cast(kind, "VARCHAR"),
                                                                        expression=exp.Literal.string(name)))
        ctes.append(exp.CTE(this=rows, alias=exp.TableAlias(this=ident(f"scr_type_{k}"))))
        queries.append((name, compile_plan(plan, table_of(f"scr_type_{k}"), dialect, None, nodes, numbered=True).tree))
    names = list(dict.fromkeys(e.alias_or_name for _, query in queries for e in query.expressions))
    branches = [_aligned(names, query, exp.Literal.string(name)) for name, query in queries]
    branches.append(_untyped(names, kind, list(plans), type_key))
    union: exp.Expression = branches[0]
    for branch in branches[1:]:
        union = exp.union(union, branch, distinct=False)
    outer = exp.select("*").from_(exp.Subquery(this=union, alias=exp.TableAlias(this=ident("scored"))))
    outer.set("with_", exp.With(expressions=ctes))
    return outer


def table_of(name: str) -> exp.Table:
    return exp.Table(this=ident(name))


def _aligned(names: list[str], query: exp.Select, entity_type: exp.Expression) -> exp.Select:
    """A type's rows with every type's columns, in one order."""
    present = {e.alias_or_name for e in query.expressions}
    picked = [exp.column(ident(n)) if n in present else alias(exp.Null(), ident(n)) for n in names]
    return exp.select(alias(entity_type, ident("entity_type")), *picked).from_(
        exp.Subquery(this=query, alias=exp.TableAlias(this=ident("q"))))


def _untyped(names: list[str], kind: exp.Expression, types: list[str], type_key: str) -> exp.Select:
    """Rows of no type: the error TypedStandard raises for them, nothing else."""
    blank = exp.or_(exp.Is(this=kind, expression=exp.Null()),
                    exp.RegexpLike(this=exp.cast(kind, "VARCHAR"), expression=exp.Literal.string(r"^\s*$")))
    listed = ", ".join(types)
    message = exp.Case().when(blank, exp.Literal.string(f"input `{type_key}`: the entity type is not given "
                                                        f"(one of {listed})")).else_(concat(
        exp.Literal.string(f"input `{type_key}`: entity type '"), exp.cast(kind, "VARCHAR"),
        exp.Literal.string(f"' is not one of {listed}")))
    shown = {ENTITY_KEY: exp.cast(exp.column(ident(ENTITY_KEY)), "VARCHAR"), "_row": exp.column(ident("_row")),
             "error": message}
    picked = [alias(shown.get(n, exp.Null()), ident(n)) for n in names]
    typed = one_of(exp.cast(kind, "VARCHAR"), [exp.Literal.string(t) for t in types])
    return exp.select(alias(exp.Null(), ident("entity_type")), *picked).from_(table_of("scr_rows")).where(
        exp.not_(exp.func("COALESCE", typed, exp.false())))


def _table(name: str) -> exp.Table:
    *qualifiers, last = name.split(".")
    return exp.Table(this=ident(last), db=ident(qualifiers[-1]) if qualifiers else None,
                     catalog=ident(qualifiers[-2]) if len(qualifiers) > 1 else None)


def cell(raw: Any) -> str | None:
    """A record's value as the text the query reads, exactly what semantics.exact reads."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, float):
        return repr(raw)
    if isinstance(raw, Fraction):
        return f"{raw.numerator}/{raw.denominator}"
    if isinstance(raw, (int, str, decimal.Decimal)):
        return str(raw)
    return f"<{type(raw).__name__}>"  # no number: refused as one


class SqlBackend:
    """Scores batches in a database: an embedded DuckDB by default, or a given connection
    (DuckDB, psycopg to PostgreSQL, or a SparkSession: each batch a temporary view, the query
    run by Spark SQL, spark_session.py)."""

    name = "sql"

    def __init__(self, connection: Any = None, dialect: str | None = None) -> None:
        self.connection = connection
        self.dialect = dialect or _dialect_of(connection)

    def prepare(self, plan: ScoringPlan) -> SqlExecutor:
        return SqlExecutor(plan, self.connection, self.dialect)


def _dialect_of(connection: Any) -> str:
    if connection is None:
        return "duckdb"
    module = type(connection).__module__
    if module.startswith("pyspark"):
        return "spark"
    return "postgres" if module.startswith("psycopg") else "duckdb"


class SqlExecutor:
    def __init__(self, plan: ScoringPlan, connection: Any, dialect: str) -> None:
        self.plan = plan
        self.dialect = dialect
        self.connection = connection
        self.keys = list(dict.fromkeys([*(slot.key for slot in plan.slots),
                                        *(slot.key + PREVIOUS_SUFFIX for slot in plan.slots)]))
        self.table = f"scr_batch_{next(_TABLES)}"
        columns = {key: "VARCHAR" for key in self.keys} | {"_row": "INTEGER", ENTITY_KEY: "VARCHAR"}
        # Node scores and the rating follow from the leaf columns in results/, as for every back-end.
        try:
            self.query = to_sql(plan, exp.Table(this=ident(self.table)), dialect, columns, nodes=False)
        except NotCompilable as refusal:  # as a back-end: the construct it cannot run, when it prepares
            raise UnsupportedConstruct(str(refusal)) from None
        self.text = self.query.sql(pretty=False)

    def run(self, batch: Batch) -> ResultColumns:
        rows = [(row, entity, *(cell(record.get(key)) for key in self.keys))
                for row, (record, entity) in enumerate(zip(batch.records, batch.entities), start=1)]
        result = self._execute(rows)
        return self._columns(result, batch)

    def _execute(self, rows: list[tuple[Any, ...]]) -> Columns:
        if self.dialect == "postgres":
            return self._postgres(rows)
        if self.dialect == "spark":
            return self._spark(rows)
        duckdb = require("duckdb", "sql")
        connection = self.connection if self.connection is not None else duckdb.connect()
        cursor = connection.cursor()
        try:
            self._create(cursor, rows, "VARCHAR", "INTEGER", "TEMP TABLE", "?")
            return duckdb_columns(cursor.sql(self.text))
        finally:
            cursor.execute(f"DROP TABLE IF EXISTS {self._name()}")
            cursor.close()

    def _postgres(self, rows: list[tuple[Any, ...]]) -> Columns:
        psycopg = require("psycopg", "postgres")
        with self.connection.cursor() as cursor:
            try:
                self._create(cursor, rows, "TEXT", "INTEGER", "TEMP TABLE", "%s")
                cursor.execute(self.text)
                found = row_columns(cursor.fetchall(), self.query)
            except psycopg.errors.NumericValueOutOfRange as error:
                self.connection.rollback()
                raise _overflow(error) from None
            cursor.execute(f"DROP TABLE IF EXISTS {self._name()}")
        self.connection.commit()
        return found

    def _spark(self, rows: list[tuple[Any, ...]]) -> Columns:
        from .spark_session import run_query

        frame = self.connection.createDataFrame(rows, self._schema("STRING", "INT"))
        return row_columns(run_query(self.connection, frame, self.table, self.text), self.query)

    def _schema(self, text: str, integer: str) -> str:
        """The batch table's columns: `_row`, the entity and every input as text, each name
        quoted by sqlglot."""
        names = ["_row", ENTITY_KEY, *self.keys]
        types = [integer, text, *([text] * len(self.keys))]
        return ", ".join(f"{exp.to_identifier(n, quoted=True).sql(self.dialect)} {t}" for n, t in zip(names, types))

    def _create(self, cursor: Any, rows: list[tuple[Any, ...]], text: str, integer: str, kind: str,
                marker: str) -> None:
        name = self._name()
        cursor.execute(f"CREATE {kind} {name} ({self._schema(text, integer)})")  # values bound, not written
        if rows:
            cursor.executemany(f"INSERT INTO {name} VALUES ({', '.join([marker] * (len(self.keys) + 2))})", rows)

    def _name(self) -> str:
        return exp.to_identifier(self.table, quoted=True).sql(self.dialect)

    def _columns(self, result: Columns, batch: Batch | None) -> ResultColumns:
        return result_columns(self.plan, self.query, result)


# The query's result, a list per column (ints as Python ints), its rows in table order (by `_row`).
Columns = Sequence[Sequence[Any]]


def duckdb_columns(relation: Any) -> Columns:
    """A DuckDB result as columns, through Arrow: DuckDB hands its vectors over without a copy, and
    a column of 128-bit integers becomes Python ints six times faster than through `fetchall`'s
    row tuples. Sorted by `_row` there: the query leaves rows in the order its engine finishes
    them, and sorting hundreds of columns in the database cost more than the scoring."""
    duckdb = require("duckdb", "sql")
    try:
        table = relation.to_arrow_table()
    except duckdb.OutOfRangeException as error:
        raise _overflow(error) from None
    return [_python_values(column) for column in table.sort_by("_row").columns]


def _python_values(column: Any) -> list[Any]:
    """An Arrow column's values; exact integers (DECIMAL(38, 0), as HUGEINT arrives) as ints,
    through int64 when every value fits it."""
    pyarrow = require("pyarrow", "sql")
    if not pyarrow.types.is_decimal(column.type):
        return column.to_pylist()  # type: ignore[no-any-return]
    try:
        return column.cast(pyarrow.int64()).to_pylist()  # type: ignore[no-any-return]
    except pyarrow.ArrowInvalid:  # a value beyond 64 bits: this column through Decimal, still exact
        return [None if value is None else int(value) for value in column.to_pylist()]


def row_columns(rows: Sequence[tuple[Any, ...]], query: Query) -> Columns:
    """A driver's rows (PostgreSQL's NUMERIC and Spark's DECIMAL as Decimal) as the query's
    columns, in table order."""
    if not rows:
        return [[] for _ in query.tree.expressions]
    ordered = sorted(rows, key=lambda row: row[1])
    return [[int(v) if isinstance(v, decimal.Decimal) else v for v in column] for column in zip(*ordered)]


def result_columns(plan: ScoringPlan, query: Query, result: Columns) -> ResultColumns:
    """The query's columns as the columns every consumer reads; raises the first refusal."""
    width = len(plan.indicators)
    tracked = [k for k in plan.main_reads if plan.slots[k].missing is not MissingPolicy.ERROR or plan.slots[k].tolerant]
    at = 2 + 5 * width + len(tracked)
    rows = len(result[0]) if result else 0
    _refuse(query, result, at + 3 * len(plan.imputed))
    values, stars, points = [], [], []
    for k, item in enumerate(plan.indicators):
        num, den, star, pnum, pden = result[2 + 5 * k: 7 + 5 * k]
        values.append([None if n is None else (n, d) for n, d in zip(num, den)])
        stars.append(list(star))
        points.append(_points(pnum, pden, plan.points_scale) if item.scaled else list(map(Fraction, pnum, pden)))
    flags = result[2 + 5 * width: at]
    missing = [tuple(k for k, flag in zip(tracked, row) if flag) for row in zip(*flags)] if flags else [()] * rows
    imputed = tuple(_imputed(plan, k, [column[0] for column in result[at + 3 * j: at + 3 * j + 3]]) if rows
                    else NOTHING_TO_IMPUTE for j, k in enumerate(plan.imputed))
    return ResultColumns(tuple(values), tuple(stars), tuple(points), rows,
                         missing if plan.tracks_missing else (), imputed)


def _points(nums: Sequence[int], dens: Sequence[int], scale: int) -> list[int]:
    """Points scaled to whole numbers, int(Fraction(num, den) * scale): a division truncated
    toward zero (the plan scales only indicators whose points are then whole)."""
    if dens and min(dens) <= 0:
        return [int(Fraction(num * scale, den)) for num, den in zip(nums, dens)]
    return [num * scale // den if num >= 0 else -(-num * scale // den) for num, den in zip(nums, dens)]


def _imputed(plan: ScoringPlan, k: int, cells: Sequence[Any]) -> Any:
    """The value the cohort filled slot k in with, as semantics.imputed_values gives it."""
    num, den, nothing = cells
    if nothing:
        return NOTHING_TO_IMPUTE
    value = Fraction(int(num), int(den))
    return int(value) if plan.slots[k].domain.whole else value


def _refuse(query: Query, result: Columns, at: int) -> None:
    """The first refusal: the cohort's (imputation, then cohort arguments) in row order, then each
    row's own, as the python back-end meets them."""
    for phase in (0, 1, 2):
        row = next((row for row, event in enumerate(result[at + phase]) if event is not None), None) if result else None
        if row is not None:
            found = query.events[int(result[at + phase][row]) - 1]
            reason = (result[at + 3][row] or "bad data").removeprefix(where(found))
            raise found.kind(reason, entity=result[0][row], indicator=found.indicator, input=found.input)


def _overflow(error: Exception) -> DataError:
    return InvalidValue(f"a value needs more digits than the database's exact integers hold ({error})")


def score_table(plan: ScoringPlan, source: Any, table: str | None = None) -> tuple[ResultColumns, list[str]]:
    """Score every row of a table where it lives: a DuckDB connection or a psycopg connection and
    a table name, a DuckDB relation, or a pandas or Arrow table (registered with an embedded
    DuckDB). Returns the result columns and the entities, in entity order."""
    if _dialect_of(source) == "postgres":
        assert table is not None, "a PostgreSQL connection needs a table name"
        return _score_postgres(plan, source, table)
    relation = duckdb_relation(source, table)
    name = f"scr_input_{next(_TABLES)}"
    columns = dict(zip(relation.columns, map(str, relation.types)))
    query = to_sql(plan, exp.Table(this=ident(name)), "duckdb", checked_columns(plan, columns), nodes=False)
    return _finish(plan, query, duckdb_columns(relation.query(name, query.sql(pretty=False))))


def duckdb_relation(source: Any, table: str | None) -> Any:
    """What score_table reads on DuckDB, as a relation: a relation itself, a connection's table,
    or a pandas or Arrow table registered with an embedded DuckDB."""
    duckdb = require("duckdb", "sql")
    if isinstance(source, duckdb.DuckDBPyRelation):
        return source
    if not isinstance(source, duckdb.DuckDBPyConnection):
        connection = duckdb.connect()
        connection.register("scr_input", source)
        return connection.table("scr_input")
    assert table is not None, "a DuckDB connection needs a table name"
    return source.table(table) if "." not in table else source.sql(f"SELECT * FROM {_table(table).sql('duckdb')}")


def _score_postgres(plan: ScoringPlan, connection: Any, table: str) -> tuple[ResultColumns, list[str]]:
    psycopg = require("psycopg", "postgres")
    source = _table(table)
    with connection.cursor() as cursor:
        cursor.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s",
                       [source.name])
        columns = {name: kind.upper() for name, kind in cursor.fetchall()}
        query = to_sql(plan, source, "postgres", checked_columns(plan, columns), nodes=False)
        try:
            cursor.execute(query.sql(pretty=False))
            rows = row_columns(cursor.fetchall(), query)
        except psycopg.errors.NumericValueOutOfRange as error:
            connection.rollback()
            raise _overflow(error) from None
    return _finish(plan, query, rows)


def checked_columns(plan: ScoringPlan, columns: dict[str, str]) -> dict[str, str]:
    """The table's columns, refusing one the standard does not declare (a likely typo)."""
    from ...language.errors import UnknownInput

    declared = {slot.key for slot in plan.slots} | {slot.key + PREVIOUS_SUFFIX for slot in plan.slots}
    if ENTITY_KEY not in columns:
        raise UnknownInput(f"the table has no `{ENTITY_KEY}` column naming each entity")
    for name in columns:
        if name not in declared and name not in (ENTITY_KEY, "_row"):
            raise UnknownInput(f"the standard declares no input {name!r}", input=name)
    return columns


def _finish(plan: ScoringPlan, query: Query, rows: Columns) -> tuple[ResultColumns, list[str]]:
    entities = [str(entity) for entity in rows[0]] if rows else []
    seen: set[str] = set()
    for entity in entities:
        if entity in seen:
            raise DataError(f"entity {entity!r} appears twice in the cohort", entity=entity)
        seen.add(entity)
    return result_columns(plan, query, rows), entities
