from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "apps.incidents"
    label = "incidents"

    def ready(self) -> None:
        """The incidents' audit events as sentences, in core's registry of them."""
        from apps.core.sentences import register_sentences

        from . import events

        register_sentences(events.SENTENCES)
