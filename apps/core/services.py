"""Write helpers every app's services share."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from django.db import models

from .audit import changed_fields


@dataclass(frozen=True)
class Changes:
    """What an update changed, as its audit event records it: before None for a new row."""

    before: dict[str, Any] | None
    after: dict[str, Any]

    def __bool__(self) -> bool:
        return bool(self.after)


def model_update(*, instance: models.Model, fields: list[str], data: dict[str, Any], clean: bool = True) -> Changes:
    """Set `data` on `instance`, validate and save it; the changes among `fields` (the audited ones).

    A new row is saved whole and its `before` is None. A stored row saves only the fields that
    changed (and its updated_at): a save that changes nothing writes nothing.
    """
    created = instance._state.adding
    watched = list(dict.fromkeys([*fields, *data]))
    # Compared as values (a related row by its key), reported as JSON-safe snapshots.
    raw = {
        name: copy.deepcopy(value) if isinstance(value, list | dict) else value
        for name in watched
        for value in [getattr(instance, name)]
    }
    before = changed_fields(instance, watched)
    for name, value in data.items():
        setattr(instance, name, value)
    if clean:
        instance.full_clean()
    after = changed_fields(instance, watched)
    if created:
        instance.save()
        return Changes(before=None, after={name: after[name] for name in fields})
    changed = [name for name in watched if getattr(instance, name) != raw[name]]
    if changed:
        stamp = [field.name for field in instance._meta.concrete_fields if field.name == "updated_at"]
        instance.save(update_fields=[*changed, *stamp])
    audited = [name for name in changed if name in fields]
    return Changes(before={name: before[name] for name in audited}, after={name: after[name] for name in audited})
