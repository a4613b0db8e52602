from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "apps.tenants"
    label = "tenants"

    def ready(self) -> None:
        """Tenants' part in core's registry: who may read which clients' audit trail."""
        from apps.core.models import audit_readable_clients

        from .roles import ClientPerm
        from .scoping import client_ids_with_perm

        audit_readable_clients.provide(lambda user: client_ids_with_perm(user, ClientPerm.VIEW_AUDIT))
