from django.conf import settings

from .scoping import works_mentions_somewhere
from .selectors import clients_for


def workspace(request):
    """The client switcher's list, the agency name and whether "My work" applies, for every page."""
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    return {
        "agency_name": settings.AGENCY_NAME,
        # Lazy: read only by pages that show the switcher, not by polls and partials.
        "switcher_clients": clients_for(user=user) if signed_in else [],
        "works_mentions": signed_in and works_mentions_somewhere(user),
    }
