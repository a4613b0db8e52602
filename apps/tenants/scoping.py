"""The one way tenant-owned data is read.

Every query for client-owned rows goes through `.visible_to(user)`; code that
truly spans clients (beat tasks, agency-wide reports) says so with
`.unscoped()`, which is easy to grep for. The client comes from the URL and is
resolved with `get_client_or_404`, so foreign and missing clients look alike.
"""

from __future__ import annotations

from django.db import models
from django.http import Http404

_CACHE_ATTR = "_varde_client_perms"


def client_permissions(user) -> dict[int, frozenset[str]]:
    """{client_id: permission codenames} for a user, read once per request.

    Agency admins are not listed: they hold every permission everywhere.
    """
    if not user.is_authenticated or not user.is_active:
        return {}
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        from .models import ClientUserObjectPermission

        rows = ClientUserObjectPermission.objects.filter(user=user, content_object__is_active=True).values_list(
            "content_object_id", "permission__codename"
        )
        perms: dict[int, set[str]] = {}
        for client_id, codename in rows:
            perms.setdefault(client_id, set()).add(codename)
        cached = {client_id: frozenset(codenames) for client_id, codenames in perms.items()}
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_client_permissions(user) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def client_ids_with_perm(user, codename: str) -> list[int]:
    return [client_id for client_id, perms in client_permissions(user).items() if codename in perms]


def audit_readable_client_ids(user) -> list[int]:
    """The clients whose audit trail the person may read (core's AuditEvent scoping asks this)."""
    return client_ids_with_perm(user, "view_audit")


def user_has_client_perm(user, client, codename: str) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_agency_admin:
        return True
    return codename in client_permissions(user).get(client.pk, frozenset())


def is_agency_staff(user) -> bool:
    """Agency admins and anyone who reads the agency's work somewhere (client people never do)."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_agency_admin or bool(client_ids_with_perm(user, "read_work"))


def works_mentions_somewhere(user) -> bool:
    """Agency admins and anyone who works mentions at some client: who can be on call, has "My work"."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_agency_admin or bool(client_ids_with_perm(user, "work_mentions"))


def users_with_client_perm(client, codename: str):
    """Active people who hold `codename` at the client: `user_has_client_perm` as one query.

    Agency admins hold every right; others through a grant at an active client.
    """
    from django.contrib.auth import get_user_model

    from .models import ClientUserObjectPermission

    granted = ClientUserObjectPermission.objects.filter(
        content_object=client, content_object__is_active=True, permission__codename=codename
    ).values("user_id")
    return get_user_model().objects.filter(models.Q(is_agency_admin=True) | models.Q(pk__in=granted), is_active=True)


def get_client_or_404(user, **lookup):
    """The client named in the URL, if the user may see it; 404 otherwise."""
    from .models import Client

    client = Client.objects.visible_to(user).filter(**lookup).first()
    if client is None:
        raise Http404
    return client


class ClientQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_agency_admin:
            return self
        return self.filter(pk__in=client_ids_with_perm(user, "view_client"), is_active=True)

    def unscoped(self):
        return self.all()


class ClientOwnedQuerySet(models.QuerySet):
    """For every model with a non-null, indexed `client` foreign key."""

    def visible_to(self, user):
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_agency_admin:
            return self
        return self.filter(client_id__in=client_ids_with_perm(user, "view_client"))

    def unscoped(self):
        return self.all()
