from django import template

from ..selectors import bell_context

register = template.Library()


@register.inclusion_tag("notifications/_bell.html", takes_context=True)
def notification_bell(context) -> dict:
    """The bell with the unread count; the query runs only where a page shows the bell."""
    request = context.get("request")
    return bell_context(user=getattr(request, "user", None))
