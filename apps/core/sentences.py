"""Audit events as sentences people read: names, not e-mails or ids; local times; labels, not codes.

Each app says how its events read: a dict of action -> function(Said) -> str in its events.py,
registered into `audit_sentences` in its AppConfig.ready(). An action nobody registered still
reads as words (its name, humanised), never as a code; tests require a sentence for every event
the suite writes. The event's data stays as it is, for the API and exports.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from .models import AuditEvent
from .registry import Registry

audit_sentences = Registry("audit_sentences")
# Stored field -> the choices (a TextChoices class) its values come from, so that a change reads
# "status: new → triaged" in words. Filled by the apps that own the choices, in ready().
audit_value_choices = Registry("audit_value_choices")

ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
# Keys of before/after that hold user ids (one, or a list).
USER_KEYS = ("assignee_id", "user_id", "user", "mentioned_user_ids", "approver_id", "approvers", "approved_by")


@dataclass(frozen=True)
class Said:
    """What a sentence function reads an event through."""

    event: AuditEvent
    names: dict[int, str]

    @property
    def actor(self) -> str:
        if self.event.actor_id is None:
            return _("The system") if self.event.actor_label == "system" else self.event.actor_label
        return self.names.get(self.event.actor_id, self.event.actor_label)

    @property
    def target(self) -> str:
        return self.event.target_repr or _("it")

    def after(self, key: str, default=None):
        return (self.event.after or {}).get(key, default)

    def before(self, key: str, default=None):
        return (self.event.before or {}).get(key, default)

    def person(self, user_id) -> str:
        if user_id is None:
            return _("nobody")
        return self.names.get(user_id, _("a former member"))

    def people(self, user_ids) -> str:
        return ", ".join(self.person(pk) for pk in user_ids or []) or _("nobody")

    def label(self, choices, value) -> str:
        """A stored choice in words (its label), or the value when the choices no longer have it."""
        if value in (None, ""):
            return _("none")
        try:
            return str(choices(value).label).lower()
        except ValueError:
            return str(value).replace("_", " ")

    def changed(self) -> str:
        """The names of the fields the event changed, in words ("mode, default capacity")."""
        before, after = self.event.before or {}, self.event.after or {}
        keys = [key for key in dict.fromkeys([*before, *after]) if before.get(key) != after.get(key)]
        return ", ".join(key.removesuffix("_id").replace("_", " ") for key in keys) or _("nothing")

    def did(self, words: str) -> str:
        """ "<actor> <words> <target>." with the changed fields when the event has them."""
        sentence = f"{self.actor} {words} {self.target}".strip()
        if self.event.before and self.event.after:
            sentence += _(" (%(fields)s)") % {"fields": self.changed()}
        return sentence + "."

    @staticmethod
    def when(value) -> str:
        """A stored time (ISO text or datetime) in local time, as the pages write times."""
        if not value:
            return "—"
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        return formats.date_format(timezone.localtime(moment), "Y-m-d H:i")


def register_sentences(
    sentences: dict[str, Callable[[Said], str]], value_choices: dict[str, type] | None = None
) -> None:
    for action, sentence in sentences.items():
        audit_sentences.register(action, sentence)
    for field, choices in (value_choices or {}).items():
        audit_value_choices.register(field, choices)


def changes_of(event: AuditEvent, names: dict[int, str]) -> list[tuple[str, str | None, str]]:
    """(field, before, after) in words for each field the event changed; before None when new."""
    said = Said(event, names)
    before, after = event.before or {}, event.after or {}
    rows = []
    for field in dict.fromkeys([*before, *after]):
        if field in before and field in after and before[field] == after[field]:
            continue
        label = field.removesuffix("_ids").removesuffix("_id").replace("_", " ")
        old = _words(said, field, before[field]) if field in before else None
        rows.append((label, old, _words(said, field, after.get(field))))
    return rows


def _words(said: Said, field: str, value) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if field in USER_KEYS:
        return said.people(value) if isinstance(value, list) else said.person(value)
    if field in audit_value_choices and isinstance(value, str):
        return said.label(audit_value_choices[field], value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(_words(said, field, item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{key.replace('_', ' ')}: {_words(said, key, item)}" for key, item in value.items())
    if isinstance(value, str) and ISO_TIME.match(value):
        return Said.when(value)
    return str(value)


def names_for(events: Iterable[AuditEvent]) -> dict[int, str]:
    """Display names of the actors and of the people the events' data names, in one query."""
    events = list(events)
    ids: set[int] = set()
    for event in events:
        if event.actor_id:
            ids.add(event.actor_id)
        ids.update(_user_ids(event.before or {}) | _user_ids(event.after or {}))
    users = get_user_model().objects.filter(pk__in=ids).only("pk", "email", "full_name")
    return {user.pk: user.display_name for user in users}


def _user_ids(data) -> set[int]:
    """The user ids under USER_KEYS anywhere in stored data (steps hold approvers, for one)."""
    found: set[int] = set()
    pending = [data]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if key in USER_KEYS:
                    items = item if isinstance(item, list) else [item]
                    found.update(v for v in items if isinstance(v, int) and not isinstance(v, bool))
                else:
                    pending.append(item)
        elif isinstance(value, list):
            pending.extend(value)
    return found


def sentence_of(event: AuditEvent, names: dict[int, str]) -> str:
    said = Said(event, names)
    if event.action in audit_sentences:
        return audit_sentences[event.action](said)
    what = event.action.replace(".", " ").replace("_", " ")
    return _("%(actor)s: %(what)s (%(target)s)") % {"actor": said.actor, "what": what, "target": said.target}


def with_sentences(events: Iterable[AuditEvent]) -> list[AuditEvent]:
    """The events, each with `.sentence`, `.actor_name` and `.changes` set, for a page to show."""
    events = list(events)
    names = names_for(events)
    for event in events:
        event.sentence = sentence_of(event, names)
        event.actor_name = Said(event, names).actor
        event.changes = changes_of(event, names)
    return events
