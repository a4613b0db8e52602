from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "apps.tenants"
    label = "tenants"

    def ready(self) -> None:
        """Tenants' part in core's registry: who may read which clients' audit trail."""
        from apps.core.models import audit_readable_clients

        from .scoping import audit_readable_client_ids

        audit_readable_clients.provide(audit_readable_client_ids)
        from apps.core.sentences import register_sentences

        from . import events as app_events

        register_sentences(app_events.SENTENCES, app_events.VALUE_CHOICES)
