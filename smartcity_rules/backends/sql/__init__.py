"""The SQL back-end: a scoring plan compiled to one exact query (sqlglot), run on DuckDB or PostgreSQL."""
