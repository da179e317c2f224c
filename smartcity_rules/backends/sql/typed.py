"""A standard typed by entity (`entity type by`) scored where its table lives: the table split by
type in the database, each type's rows a table of their own for that type's query, as
TypedStandard.evaluate_cohort scores each type as a cohort of its own. Every name and literal
goes through sqlglot; the type's values come from the standard, never from the table's text."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import attrs
from sqlglot import exp

from ...language.check import ENTITY_KEY
from ...language.errors import DataFileError
from .run import _dialect_of, _table, duckdb_relation, require
from .tree import col, ident

_VIEWS = itertools.count(1)


@attrs.frozen
class TypedParts:
    """The table's (entity, raw type value) pairs in table order, and per type what evaluate_sql
    scores: a DuckDB relation, or a PostgreSQL connection and a temporary view's name."""

    order: list[tuple[Any, Any]]
    parts: dict[str, tuple[Any, str | None]]


@contextmanager
def split_by_type(source: Any, table: str | None, key: str, types: Sequence[str]) -> Iterator[TypedParts]:
    """The table split by the column `key` into one part per type (views dropped afterwards)."""
    if _dialect_of(source) == "postgres":
        assert table is not None, "a PostgreSQL connection needs a table name"
        with _postgres_parts(source, _table(table), key, types) as parts:
            yield parts
        return
    relation = duckdb_relation(source, table)
    view = f"scr_typed_{next(_VIEWS)}"
    columns = relation.columns
    order = relation.query(view, _order(key, table=view, columns=columns).sql("duckdb")).fetchall()
    typed = key in columns  # else every row is refused for want of a type before any part is read
    yield TypedParts(order, {t: (relation.query(view, _part(columns, key, t, view).sql("duckdb")), None)
                             for t in types if typed})


def _order(key: str, *, table: str | exp.Table, columns: Sequence[str]) -> exp.Select:
    """Each row's entity and type, as written (a missing type column reads as no type)."""
    kind: exp.Expression = col(key) if key in columns else exp.Null()
    source = table if isinstance(table, exp.Table) else exp.Table(this=ident(table))
    return exp.select(col(ENTITY_KEY), kind).from_(source)


def _part(columns: Sequence[str], key: str, entity_type: str, table: str | exp.Table) -> exp.Select:
    """The rows of one type, without the type's column (no input of the type's standard)."""
    source = table if isinstance(table, exp.Table) else exp.Table(this=ident(table))
    kept = [col(name) for name in columns if name != key]
    same = exp.EQ(this=exp.cast(col(key), "VARCHAR"), expression=exp.Literal.string(entity_type))
    return exp.select(*kept).from_(source).where(same)


@contextmanager
def _postgres_parts(connection: Any, table: exp.Table, key: str, types: Sequence[str]) -> Iterator[TypedParts]:
    """On PostgreSQL each type's rows are a temporary view, which the scoring query reads as a table."""
    psycopg = require("psycopg", "postgres")
    views: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                           "ORDER BY ordinal_position", [table.name])
            columns = [name for (name,) in cursor.fetchall()]
            cursor.execute(_order(key, table=table, columns=columns).sql("postgres"))
            order = list(cursor.fetchall())
            if key in columns:  # else every row is refused for want of a type before any part is read
                views = {t: f"scr_typed_{next(_VIEWS)}" for t in types}
            for entity_type, view in views.items():
                cursor.execute(_view(view, _part(columns, key, entity_type, table)).sql("postgres"))
    except psycopg.Error as error:
        connection.rollback()
        raise DataFileError(f"{table.sql('postgres')}: {error}") from None
    try:
        yield TypedParts(order, {t: (connection, view) for t, view in views.items()})
    finally:
        with connection.cursor() as cursor:
            for view in views.values():
                cursor.execute(exp.Drop(tables=[exp.Table(this=ident(view))], kind="VIEW", exists=True).sql("postgres"))


def _view(name: str, query: exp.Select) -> exp.Create:
    return exp.Create(this=exp.Table(this=ident(name)), kind="VIEW", expression=query,
                      properties=exp.Properties(expressions=[exp.TemporaryProperty()]))
