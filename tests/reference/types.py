"""Entity types (docs/language.md §9, *Entity types*): one standard per type, each record
scored by the standard of its type among the records of that type.

Written from the docs:

- the header's `entity type by NAME` names a `choice of …` input; a record's value for it must
  be one of the choices, else the record is refused naming the entity and the input (a missing
  value, `null` or a blank text, is a missing input; anything else an invalid value);
- a cohort is split by type and each part scored as a cohort of its own, so rank, share and the
  other cohort functions compare an entity with those of its type only; results come back in
  the cohort's order and say the entity's type;
- the entity type input is no statistic: the standard of a type does not read it.

My readings where the docs are terse: an unnamed record keeps the name of its place in the whole
cohort (`#3`), not in its part; an entity named twice is refused across the types too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .errors import RefDataError, RefInvalid, RefMissing
from .evaluate import RefStandard, Result
from .records import entity_name, is_mapping


class RefTyped:
    def __init__(self, key: str, standards: dict[str, RefStandard]) -> None:
        self.key = key
        self.standards = standards

    def _route(self, records: Sequence[object]) -> tuple[dict[str, list[int]], list[object], list[RefDataError]]:
        """The places of each type's records, the records as their type's standard reads them,
        and the refusals routing finds."""
        parts: dict[str, list[int]] = {t: [] for t in self.standards}
        read: list[object] = []
        errors: list[RefDataError] = []
        names = [entity_name(record, place) for place, record in enumerate(records, start=1)]
        for place, (name, record) in enumerate(zip(names, records)):
            if not is_mapping(record):
                errors.append(RefDataError(None, None, None, "a record is a mapping"))
                read.append(record)
                continue
            assert isinstance(record, Mapping)
            value = record.get(self.key)
            if value is None or (isinstance(value, str) and not value.strip()):
                errors.append(RefMissing(name, None, self.key, "no entity type"))
            elif not isinstance(value, str) or value not in self.standards:
                errors.append(RefInvalid(name, None, self.key, f"entity type {value!r} is not a choice"))
            else:
                parts[value].append(place)
            read.append({**{k: v for k, v in record.items() if k != self.key}, "entity": name})
        for name in {n for n in names if names.count(n) > 1}:
            errors.append(RefDataError(name, None, None, f"entity {name!r} appears twice in the cohort"))
        return parts, read, errors

    def errors(self, records: Sequence[object]) -> list[RefDataError]:
        parts, read, errors = self._route(records)
        for entity_type, places in parts.items():
            errors += self.standards[entity_type].errors([read[p] for p in places])
        return errors

    def evaluate_cohort(self, records: Sequence[object]) -> list[Result]:
        parts, read, errors = self._route(records)
        if errors:
            raise errors[0]
        results: dict[int, Result] = {}
        for entity_type, places in parts.items():
            scored = self.standards[entity_type].evaluate_cohort([read[p] for p in places])
            for place, result in zip(places, scored):
                results[place] = {**result, "entity_type": entity_type}
        return [results[p] for p in range(len(records))]
