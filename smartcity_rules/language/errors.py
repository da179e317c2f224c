"""The library's exception types: every error it raises is one of these."""

from __future__ import annotations

from collections.abc import Sequence

from .diagnostics import Diagnostic, capped, render_all


class SmartCityRulesError(Exception):
    """Base of every error smartcity_rules raises."""


class InvalidStandard(SmartCityRulesError):
    """A standard file failed to parse or check; carries the diagnostics found, in order: the
    first 20 errors and the first 20 others, then a note (N0101) counting the rest."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics = capped(diagnostics)
        super().__init__(render_all(self.diagnostics))


class InvalidSpec(InvalidStandard):
    """A sensitivity spec (`spec.toml`) cannot be read or names what the standard does not
    have; carries diagnostics (E0410-E0429) placed in the spec file where the place is known."""


class DataError(SmartCityRulesError):
    """Statistics an entity reported cannot be scored.

    Names the entity, the indicator (where one is being computed) and the input.
    """

    def __init__(
        self,
        reason: str,
        *,
        entity: str | None = None,
        indicator: str | None = None,
        input: str | None = None,
    ) -> None:
        self.reason = reason
        self.entity = entity
        self.indicator = indicator
        self.input = input
        super().__init__(self._message())

    def _message(self) -> str:
        where = _where(entity=self.entity, indicator=self.indicator, input=self.input)
        return (where + ": " if where else "") + self.reason

    def at(self, *, entity: str | None = None, indicator: str | None = None) -> DataError:
        """The same error with the entity or indicator filled in where it was unknown."""
        return type(self)(
            self.reason,
            entity=self.entity if self.entity is not None else entity,
            indicator=self.indicator if self.indicator is not None else indicator,
            input=self.input,
        )


class MissingInput(DataError):
    """A statistic the standard needs was not given."""


class UnknownInput(DataError):
    """A statistic was given that the standard does not declare (likely a typo)."""


class InvalidValue(DataError):
    """A statistic has the wrong type, is NaN or infinite, or is outside its domain
    (a negative count, a part above its whole, a rate above 100%)."""


class NegativeRoot(InvalidValue):
    """`sqrt` of a negative value: its inputs are each valid, the formula makes them negative."""


class ZeroDenominator(DataError):
    """A ratio's whole is zero and the indicator declares no policy for it."""


class CohortRequired(DataError):
    """A rank or share indicator needs the cohort of entities evaluated together."""


class DataFileError(SmartCityRulesError):
    """A statistics file (JSON, CSV, Excel, Parquet) or a data frame cannot be read.

    Names what is known of where: the file, the row (as a spreadsheet numbers it, the header
    being row 1), the column as headed and the input it stands for. Without them the message
    is the reason alone, as the JSON and cases readers write it (`file:line: ...`)."""

    def __init__(self, reason: str, *, file: str | None = None, row: int | None = None,
                 column: str | None = None, input: str | None = None) -> None:
        self.reason = reason
        self.file = file
        self.row = row
        self.column = column
        self.input = input
        super().__init__(self._message())

    def _message(self) -> str:
        place = "" if self.file is None else self.file + ("" if self.row is None else f":{self.row}")
        parts = ([f"row {self.row}"] if self.file is None and self.row is not None else []) + (
            [f"column {self.column!r}"] if self.column is not None else []) + (
            [f"input {self.input!r}"] if self.input is not None and self.input != self.column else [])
        where = ", ".join(([place] if place else []) + parts)
        return (where + ": " if where else "") + self.reason


class CaseFileError(DataFileError):
    """A stored cases file (`NAME.cases.toml`) cannot be read, or says something that is not a
    test case.  The message starts with `file:line:` where the line is known."""


class MissingExtra(SmartCityRulesError, ImportError):
    """An optional dependency is not installed; the message names the extra that installs it
    (`pip install 'smartcity_rules[excel]'`), and so does `extra` where the raiser knows it
    as a name.  Also an ImportError."""

    def __init__(self, message: str, *, extra: str | None = None) -> None:
        self.extra = extra
        super().__init__(message)


class NotFound(SmartCityRulesError, LookupError):
    """An entity, indicator or group asked for by name or number does not exist."""


class InvariantError(SmartCityRulesError, AssertionError):
    """A standard broke one of the testing kit's invariants for some statistics.

    An AssertionError, so that pytest reports a failed test (not an error) and
    hypothesis shrinks the statistics that caused it.
    """

    def __init__(self, invariant: str, detail: str, *, entity: str | None = None,
                 indicator: str | None = None) -> None:
        self.invariant = invariant
        self.detail = detail
        self.entity = entity
        self.indicator = indicator
        where = _where(entity=entity, indicator=indicator)
        super().__init__(f"invariant `{invariant}` failed" + (f" ({where})" if where else "") + f": {detail}")


class UnsupportedConstruct(SmartCityRulesError, NotImplementedError):
    """A back-end cannot run a construct of the standard's plan; it says which, and which
    back-end can. Raised when the back-end prepares the plan, before any data is read."""


class MissingTestDependency(MissingExtra):
    """The testing kit needs hypothesis, which is installed with the `test` extra."""


class CannotGenerate(SmartCityRulesError, ValueError):
    """The testing kit was asked for statistics a standard does not allow, e.g. values
    at the thresholds of an indicator that has no star bands.  Also a ValueError."""


def _where(*, entity: str | None, indicator: str | None, input: str | None = None) -> str:
    """`entity 'A', indicator 1, input 'fibre'`: the parts that are known, or ''."""
    parts = (f"entity {entity!r}" if entity is not None else "",
             f"indicator {indicator}" if indicator is not None else "",
             f"input {input!r}" if input is not None else "")
    return ", ".join(part for part in parts if part)


class NotCompilable(SmartCityRulesError):
    """A standard uses a construct a back-end cannot compute exactly (docs/sql.md: a geometric
    mean in SQL), or a dialect it does not know."""
