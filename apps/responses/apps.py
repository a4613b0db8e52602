from django.apps import AppConfig


class ResponsesConfig(AppConfig):
    name = "apps.responses"
    label = "responses"

    def ready(self) -> None:
        """Responses' part in the lower apps' registries: the answers on the mention page."""
        from apps.mentions.views import mention_panels

        from .views import answers_panel

        mention_panels.register("answers", answers_panel, rank=30)
        from apps.core.sentences import register_sentences

        from . import events as app_events

        register_sentences(app_events.SENTENCES, app_events.VALUE_CHOICES)
