from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    label = "notifications"

    def ready(self) -> None:
        """Fills core's sentence registry: how its audit events read."""
        from apps.core.sentences import register_sentences

        from . import events

        register_sentences(events.SENTENCES)
