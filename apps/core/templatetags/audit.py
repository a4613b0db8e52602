import re

from django import template
from django.utils.translation import gettext as _

from apps.core.sentences import Said

ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")

register = template.Library()


def _plain(value) -> str:
    """A stored value as people read it: lists and objects as words, ISO times in local time."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, (list, tuple)):
        return ", ".join(_plain(item) for item in value) or "—"
    if isinstance(value, dict):
        return "; ".join(f"{key.replace('_', ' ')}: {_plain(item)}" for key, item in value.items()) or "—"
    if isinstance(value, str) and ISO_TIME.match(value):
        return Said.when(value)
    return str(value)


@register.filter
def audit_changes(event) -> list[tuple[str, str | None, str]]:
    """(field, before, after) for each field an event changed; before is None for new values."""
    before, after = event.before or {}, event.after or {}
    rows = []
    for field in dict.fromkeys([*before, *after]):
        if field in before and field in after and before[field] == after[field]:
            continue
        label = field.removesuffix("_id").replace("_", " ")
        rows.append((label, _plain(before[field]) if field in before else None, _plain(after.get(field))))
    return rows
