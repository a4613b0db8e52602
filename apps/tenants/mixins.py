"""The one base for every client-scoped page and API resource.

The client comes from the URL. A client the user may not see answers 404,
exactly like one that does not exist; a client they may see but not act on
answers 403. Reading needs `read_permission`, unsafe methods need
`write_permission`; a view that sets neither for writes refuses them.
"""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from rest_framework import exceptions, viewsets

from .roles import ClientPerm
from .scoping import get_client_or_404, user_has_client_perm

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# What a scoped view or viewset may not redefine: the base reads rows through the scoping rule.
SEALED = ("get_queryset", "get_object")


def _refuse_overrides(cls) -> None:
    """Raised when a subclass is created, so an unscoped read cannot even be imported."""
    for name in SEALED:
        if name in cls.__dict__:
            raise ImproperlyConfigured(
                f"{cls.__qualname__} overrides {name}(): implement scoped_queryset() instead, which the base "
                "filters by the user's rights and the client in the URL"
            )


def required_perm(view, method: str) -> str | tuple[str, ...] | None:
    return view.read_permission if method in SAFE_METHODS else view.write_permission


def holds(user, client, codename: str | tuple[str, ...] | None) -> bool:
    """Whether the user holds the right at the client; a tuple of rights: any one of them."""
    if codename is None:
        return False
    codenames = codename if isinstance(codename, tuple) else (codename,)
    return any(user_has_client_perm(user, client, name) for name in codenames)


class ClientScopedMixin:
    """For Django views under /c/<client_slug>/. Objects come from `get_scoped_object`."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _refuse_overrides(cls)

    # A right, or a tuple of rights of which any one will do.
    read_permission: str | tuple[str, ...] = ClientPerm.VIEW
    write_permission: str | tuple[str, ...] | None = None
    client_url_kwarg = "client_slug"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        self.client = get_client_or_404(request.user, slug=kwargs[self.client_url_kwarg])
        if not holds(request.user, self.client, required_perm(self, request.method)):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def can(self, codename: str) -> bool:
        return user_has_client_perm(self.request.user, self.client, codename)

    def get_scoped_object(self, queryset, **lookup):
        """An object of this client visible to the user, or 404."""
        return get_object_or_404(queryset.visible_to(self.request.user).filter(client=self.client), **lookup)

    def client_context(self) -> dict:
        """The client and what the user may do there (the client menu shows only that)."""
        codenames = (
            ClientPerm.MANAGE,
            ClientPerm.MANAGE_MEMBERS,
            ClientPerm.VIEW_AUDIT,
            ClientPerm.READ_WORK,
            ClientPerm.WORK_MENTIONS,
            ClientPerm.APPROVE_RESPONSES,
        )
        return {"client": self.client, "perms_here": {codename: self.can(codename) for codename in codenames}}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.client_context())
        return context


class ClientScopedViewSet(viewsets.GenericViewSet):
    """For API resources under /api/v1/clients/<client_pk>/.

    Subclasses say which rows they serve with `scoped_queryset()` (the model's rows by default;
    a selector, select_related, an order); the base then keeps only those the user may see, of
    the client in the URL (and, with `include_agency_wide`, the agency's own rows without a
    client). `get_queryset` and `get_object` cannot be overridden. `action_permissions`
    overrides the permission of named extra actions (a right, or {"read": ..., "write": ...}).
    """

    read_permission: str | tuple[str, ...] = ClientPerm.VIEW
    write_permission: str | tuple[str, ...] | None = None
    action_permissions: dict[str, str | dict[str, str]] = {}
    client_url_kwarg = "client_pk"
    model = None
    include_agency_wide = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _refuse_overrides(cls)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.client = get_client_or_404(request.user, pk=int(self.kwargs[self.client_url_kwarg]))
        codename = self.action_permissions.get(self.action)
        if isinstance(codename, dict):  # {"read": ..., "write": ...}: by the method
            codename = codename["read" if request.method in SAFE_METHODS else "write"]
        codename = codename or required_perm(self, request.method)
        if not holds(request.user, self.client, codename):
            raise exceptions.PermissionDenied()

    def scoped_queryset(self):
        """The rows this resource serves, before the base's scoping; override to narrow or join."""
        return self.model.objects.all()

    def get_object(self):
        # One-per-client resources (policies, business hours) name no object in their URL; DRF's
        # OPTIONS asks for one to check object rights, and asserted (a 500) before.
        if (self.lookup_url_kwarg or self.lookup_field) not in self.kwargs:
            raise Http404
        return super().get_object()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no client
            return self.model.objects.none()
        of_client = Q(client=self.client) | Q(client=None) if self.include_agency_wide else Q(client=self.client)
        return self.scoped_queryset().visible_to(self.request.user).filter(of_client)


class StaffOnlyFieldsMixin:
    """For serializers of client-owned rows that client people may read too: the fields named in
    `staff_only_fields` go only to people who read the agency's work (ClientPerm.READ_WORK) at
    the client of the view. Client people get the rest, never internal notes of the agency."""

    staff_only_fields: tuple[str, ...] = ()

    def reads_work(self) -> bool:
        context = self.context
        if "reads_work" not in context:  # once per response: a list shares its context
            request, view = context.get("request"), context.get("view")
            client = getattr(view, "client", None)
            context["reads_work"] = bool(
                request is not None and client is not None and holds(request.user, client, ClientPerm.READ_WORK)
            )
        return context["reads_work"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if self.staff_only_fields and not self.reads_work():
            for name in self.staff_only_fields:
                data.pop(name, None)
        return data
