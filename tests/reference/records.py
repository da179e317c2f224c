"""A cohort's records checked and read, as docs/api.md says, before anything is scored.

Every refusal is collected rather than the first raised, so that `compare` can accept whichever
refusal the library happens to meet first. The order still follows docs/api.md: record shapes,
unknown keys and duplicate names for the whole cohort first ("before anything is scored"), then
each entity's values in the order the standard declares its inputs.

Missing values (docs/language.md §3, *Missing values*) are filled in once every entity's reported
values are read, since `cohort mean`, `cohort median` and `cohort min` take the values the
*other* entities report; only then is each part held to its whole ("a part is still checked
against its whole (`part of`) after imputing"). The readings taken where the docs are silent
are listed in evaluate.py's docstring.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from .data import BadValue, is_mapping, is_missing, read_value
from .errors import RefDataError, RefInvalid, RefMissing, RefUnknown
from .model import Code, InputDecl
from .reads import NOW, PREVIOUS

SUFFIX = "@previous"


@dataclass
class Entity:
    """One entity's exact statistics; `bad` holds (name, period) that could not be read."""

    name: str
    now: dict[str, Fraction] = field(default_factory=dict)
    previous: dict[str, Fraction] = field(default_factory=dict)
    bad: set[tuple[str, str]] = field(default_factory=set)
    filled: dict[str, str] = field(default_factory=dict)  # input -> its policy, for each value filled in
    not_applicable: set[str] = field(default_factory=set)  # inputs missing under `not applicable`
    # Inputs missing that declare no `when missing` of their own and that some leaf reads (§3, *Per
    # indicator or node*): no value, each leaf decides (one under `error` was refused).
    node_missing: set[str] = field(default_factory=set)

    def values(self, period: str) -> dict[str, Fraction]:
        return self.now if period == NOW else self.previous


@dataclass
class Needs:
    """What the standard's formulas read: which values must be present, and who reads them first."""

    now: set[str]  # this period's inputs: read by a formula, or the whole of another input
    previous: list[str]  # inputs whose `@previous` value growth/previous reads, in table order
    first_reader: dict[tuple[str, str], Code]  # (name, period) -> the first indicator reading it
    # For each input that declares no `when missing`: every leaf reading it this period, in the
    # file's order, with the innermost node's `when missing` covering that leaf ("error" if none).
    node_readers: dict[str, dict[Code, str]] = field(default_factory=dict)


def entity_name(record: object, position: int) -> str:
    """`str()` of the `entity` key (of `None` too: it is given), else `#1`, `#2`, …"""
    if is_mapping(record):
        assert isinstance(record, Mapping)
        if "entity" in record:
            return str(record["entity"])
    return f"#{position}"


def read_cohort(inputs: dict[str, InputDecl], needs: Needs,
                records: Sequence[object]) -> tuple[list[Entity], list[RefDataError]]:
    errors: list[RefDataError] = []
    names = [entity_name(record, position) for position, record in enumerate(records, start=1)]
    for name, record in zip(names, records):
        errors.extend(_shape_errors(name, record, inputs))
    seen: set[str] = set()
    for name in names:
        if name in seen:
            errors.append(RefDataError(name, None, None, f"entity {name!r} appears twice in the cohort"))
        seen.add(name)
    entities = []
    mappings: list[Mapping[object, object]] = []
    for name, record in zip(names, records):
        entity = Entity(name)
        mapping: Mapping[object, object] = record if isinstance(record, Mapping) else {}
        if is_mapping(record):
            errors.extend(_read_now(entity, mapping, inputs, needs))
        entities.append(entity)
        mappings.append(mapping)
    for index, (entity, mapping) in enumerate(zip(entities, mappings)):
        if is_mapping(records[index]):
            errors.extend(_fill_in(entities, index, mapping, inputs, needs))
            errors.extend(_read_rest(entity, mapping, inputs, needs))
    return entities, errors


def _shape_errors(name: str, record: object, inputs: dict[str, InputDecl]) -> list[RefDataError]:
    if not is_mapping(record):
        # Something that is no mapping has no `entity` key, so no name (my reading: not even `#n`).
        return [RefDataError(None, None, None, f"a record is a mapping, not {type(record).__name__}")]
    assert isinstance(record, Mapping)
    errors: list[RefDataError] = []
    for key in record:
        if not isinstance(key, str):
            # docs/api.md: `input` is "the key (e.g. "fibre")"; a key that is no string is no name.
            errors.append(RefUnknown(name, None, None, f"key {key!r} is not a string"))
        elif key != "entity" and key.removesuffix(SUFFIX) not in inputs:
            errors.append(RefUnknown(name, None, key, f"the standard declares no input {key!r}"))
    return errors


def _read_now(entity: Entity, record: Mapping[object, object], inputs: dict[str, InputDecl],
              needs: Needs) -> list[RefDataError]:
    """This period's values as reported; a needed value missing under a policy other than
    `error` is left for `_fill_in`."""
    errors = []
    for declaration in inputs.values():
        errors.extend(_read_one(entity, record, declaration, NOW, declaration.name in needs.now, needs))
    return errors


def _read_rest(entity: Entity, record: Mapping[object, object], inputs: dict[str, InputDecl],
               needs: Needs) -> list[RefDataError]:
    """Once filled in: parts within wholes, then last period's values."""
    errors = _parts_within_wholes(entity, inputs, NOW, needs)
    for name in needs.previous:
        errors.extend(_read_one(entity, record, inputs[name], PREVIOUS, True, needs))
    errors.extend(_parts_within_wholes(entity, inputs, PREVIOUS, needs))
    return errors


def _reported(entity: Entity, name: str) -> Fraction | None:
    """The value the entity reported for this period, if it did (not filled in, not bad)."""
    if name in entity.filled or name in entity.not_applicable or (name, NOW) in entity.bad:
        return None
    return entity.now.get(name)


def _fill_in(entities: list[Entity], index: int, record: Mapping[object, object], inputs: dict[str, InputDecl],
             needs: Needs) -> list[RefDataError]:
    """Each missing value as its input's `when missing` policy says (§3, *Missing values*)."""
    entity = entities[index]
    errors: list[RefDataError] = []
    for name in list(entity.filled):
        declaration = inputs[name]
        policy = entity.filled[name]
        reader = needs.first_reader.get((name, NOW))
        value: Fraction
        if policy == "zero":
            value = Fraction(0)
        elif policy == "previous":
            raw = record.get(_key(name, PREVIOUS))
            if is_missing(raw):
                entity.bad.add((name, NOW))
                errors.append(RefMissing(entity.name, reader, name, "no value given, nor last period's"))
                continue
            try:
                entity.now[name] = read_value(declaration.kind, raw, declaration.low, declaration.high)
            except BadValue as error:
                entity.bad.add((name, NOW))
                errors.append(RefInvalid(entity.name, reader, name, f"last period's value: {error}"))
            continue
        else:
            others = [v for k, other in enumerate(entities) if k != index
                      for v in [_reported(other, name)] if v is not None]
            if not others:
                entity.bad.add((name, NOW))
                errors.append(RefMissing(entity.name, reader, name, "no value given, and no other entity reports one"))
                continue
            value = _cohort_value(policy, others)
            if declaration.kind in ("count", "rank"):
                value = Fraction(_half_up_whole(value))
        if declaration.kind == "flag":  # `zero` is no (E0264 keeps the cohort's away from flags)
            entity.now[name] = value
            continue
        try:
            value = read_value(declaration.kind, value, declaration.low, declaration.high)
        except BadValue as error:
            entity.bad.add((name, NOW))
            errors.append(RefInvalid(entity.name, reader, name, f"filled in ({policy}): {error}"))
            continue
        entity.now[name] = value
    return errors


def _cohort_value(policy: str, values: list[Fraction]) -> Fraction:
    if policy == "cohort mean":
        return sum(values, Fraction(0)) / len(values)
    if policy == "cohort min":
        return min(values)
    assert policy == "cohort median", policy
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _half_up_whole(value: Fraction) -> int:
    """Half up to a whole number; the values are never negative (counts and ranks)."""
    whole = value.numerator // value.denominator
    return whole + (1 if value - whole >= Fraction(1, 2) else 0)


def _key(name: str, period: str) -> str:
    return name if period == NOW else name + SUFFIX


def _read_one(entity: Entity, record: Mapping[object, object], declaration: InputDecl, period: str,
              needed: bool, needs: Needs) -> list[RefDataError]:
    """One value. A given value is checked even when no formula reads it: bad data is bad data.

    `@previous` values are only read when needed (docs/api.md: "It is not checked otherwise").
    """
    key = _key(declaration.name, period)
    reader = needs.first_reader.get((declaration.name, period))
    raw = record.get(key)
    if is_missing(raw):
        if not needed:
            return []
        if period == NOW and declaration.missing == "not applicable":
            entity.not_applicable.add(declaration.name)
            return []
        if period == NOW and declaration.missing != "error":
            entity.filled[declaration.name] = declaration.missing  # filled in once the cohort is read
            return []
        if period == NOW and not declaration.declared:
            # §3, *Per indicator or node*: each leaf reading it as its innermost node says; an
            # error for every leaf under `error`, named by that leaf. A whole no leaf reads
            # itself is read inside no node: its default, `error`, stands.
            # Each leaf meets it as its own policy says, also beside one that refuses it, so that a
            # cohort column of a leaf under `not applicable` still leaves the entity out.
            readers = needs.node_readers.get(declaration.name, {})
            if readers:
                entity.node_missing.add(declaration.name)
                return [RefMissing(entity.name, code, key, "no value given")
                        for code, policy in readers.items() if policy == "error"]
        entity.bad.add((declaration.name, period))
        return [RefMissing(entity.name, reader, key, "no value given")]
    try:
        value = read_value(declaration.kind, raw, declaration.low, declaration.high)
    except BadValue as error:
        entity.bad.add((declaration.name, period))
        return [RefInvalid(entity.name, reader, key, f"{error} (a {declaration.kind})")]
    entity.values(period)[declaration.name] = value
    return []


def _parts_within_wholes(entity: Entity, inputs: dict[str, InputDecl], period: str, needs: Needs) -> list[RefDataError]:
    """`part of X`: never above X (§3), in this period and, for the `@previous` values read, in
    the last one (whose wholes are read too, see `RefStandard.needs`)."""
    errors: list[RefDataError] = []
    values = entity.values(period)
    for declaration in inputs.values():
        whole = declaration.part_of
        if whole is None or declaration.name not in values:
            continue
        if period == NOW and whole in entity.filled and declaration.name not in needs.now:
            # docs/api.md: a value no formula needs is checked against "its whole when that is
            # given too"; a whole filled in was not given (§3's check after imputing is for a
            # part the standard needs).
            continue
        bound = values.get(whole)
        if bound is not None and values[declaration.name] > bound:
            entity.bad.add((declaration.name, period))
            key = _key(declaration.name, period)
            reader = needs.first_reader.get((declaration.name, period))
            errors.append(RefInvalid(entity.name, reader, key,
                                     f"{values[declaration.name]} is above its whole `{whole}` = {bound}"))
    return errors
