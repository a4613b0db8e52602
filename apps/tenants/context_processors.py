from django.conf import settings

from .selectors import clients_for


def workspace(request):
    """The client switcher's list and the agency name, for every page."""
    user = getattr(request, "user", None)
    clients = list(clients_for(user)) if user is not None and user.is_authenticated else []
    return {"agency_name": settings.AGENCY_NAME, "switcher_clients": clients}
