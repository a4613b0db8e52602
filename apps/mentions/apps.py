from django.apps import AppConfig


class MentionsConfig(AppConfig):
    name = "apps.mentions"
    label = "mentions"

    def ready(self) -> None:
        """Fills core's sentence registry: how its audit events read."""
        from apps.core.sentences import register_sentences

        from . import events

        register_sentences(events.SENTENCES, events.VALUE_CHOICES)
