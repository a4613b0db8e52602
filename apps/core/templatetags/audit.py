from django import template

register = template.Library()


def _plain(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value) or "—"
    return str(value)


@register.filter
def audit_changes(event) -> list[tuple[str, str | None, str]]:
    """(field, before, after) for each field an event changed; before is None for new values."""
    before, after = event.before or {}, event.after or {}
    rows = []
    for field in dict.fromkeys([*before, *after]):
        if field in before and field in after and before[field] == after[field]:
            continue
        rows.append((field, _plain(before[field]) if field in before else None, _plain(after.get(field))))
    return rows
