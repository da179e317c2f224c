"""The SQL back-end on a SparkSession: a batch's query run by Spark, in ANSI mode only.

Spark's exact numbers are exact only in ANSI mode (Spark 4's default): there a decimal that
overflows raises, where a non-ANSI session returns NULL in silence, which would read as "not
applicable". So a session without ANSI mode is refused, and an overflow becomes our InvalidValue.
Here, not in distributed/, because SqlBackend runs on a session too (imports flow one way).
"""

from __future__ import annotations

from typing import Any

from ...language.errors import InvalidValue, NotCompilable

# Spark's conditions for an exact number out of its type's range (SQLSTATE 22003 and kin).
_OVERFLOWS = ("NUMERIC_VALUE_OUT_OF_RANGE", "ARITHMETIC_OVERFLOW", "CAST_OVERFLOW", "NUMERIC_OUT_OF_SUPPORTED_RANGE",
              "DECIMAL_PRECISION_EXCEEDS_MAX_PRECISION")


def refuse_without_ansi(session: Any) -> None:
    if str(session.conf.get("spark.sql.ansi.enabled")).lower() != "true":
        raise NotCompilable("the Spark session has spark.sql.ansi.enabled=false: there a decimal overflow gives "
                            "NULL in silence, which would score as not applicable. Set it to true (Spark 4's "
                            "default) to score with Spark SQL, or use score_frame")


def overflow(error: Exception) -> Exception:
    """Spark's error for an exact number out of DECIMAL(38, 0)'s range as our InvalidValue; any
    other error as it is."""
    condition = str(getattr(error, "getCondition", lambda: None)() or "")
    if condition.startswith(_OVERFLOWS) or any(name in str(error) for name in _OVERFLOWS):
        return InvalidValue(f"a value needs more digits than Spark's exact integers hold, DECIMAL(38, 0) "
                            f"(a quotient, 32): {condition or error}")
    return error


def run_query(spark: Any, frame: Any, view: str, text: str) -> list[tuple[Any, ...]]:
    """The SQL back-end's batch on Spark: the rows of `text` run over `frame` as the view `view`."""
    from pyspark.errors import ArithmeticException

    refuse_without_ansi(spark)
    frame.createOrReplaceTempView(view)
    try:
        return [tuple(row) for row in spark.sql(text).collect()]
    except ArithmeticException as error:
        raise overflow(error) from None
    finally:
        spark.catalog.dropTempView(view)
