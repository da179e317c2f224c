"""The reference evaluator's own exceptions: nothing here is the library's."""

from __future__ import annotations


class RefSyntaxError(Exception):
    """A standard the reference cannot read: it only promises to read what the library accepts."""


class RefFileError(Exception):
    """A statistics file that is not what docs/api.md says `read_records` reads."""


class RefDataError(Exception):
    """Statistics the docs refuse: who (entity), where (the code of the indicator or item) and which key (input)."""

    def __init__(self, entity: str | None, indicator: int | str | None, input: str | None, message: str) -> None:
        self.entity = entity
        self.indicator = indicator
        self.input = input
        self.message = message
        super().__init__(f"entity {entity!r}, indicator {indicator}, input {input!r}: {message}")

    @property
    def kind(self) -> str:
        """What sort of refusal, in the words of docs/api.md's error table."""
        return "data"


class RefMissing(RefDataError):
    """A needed statistic is absent, `None` or an empty string."""

    @property
    def kind(self) -> str:
        return "missing"


class RefUnknown(RefDataError):
    """A key the standard does not declare (or a key that is not a string)."""

    @property
    def kind(self) -> str:
        return "unknown"


class RefInvalid(RefDataError):
    """A value of the wrong type or outside its kind's domain, or a part above its whole."""

    @property
    def kind(self) -> str:
        return "invalid"


class RefPartAboveWhole(RefInvalid):
    """`ratio(part, whole)` met a part above its whole while scoring (the part may be a formula)."""


class RefZeroDenominator(RefDataError):
    """A denominator is zero and the indicator's policy is `error` (the default)."""

    @property
    def kind(self) -> str:
        return "zero denominator"
