from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"

    def ready(self) -> None:
        """Connects the sign-in receivers and the API schema; fills core's sentence registry."""
        from apps.core.sentences import register_sentences

        from . import events as app_events
        from . import receivers, schema  # noqa: F401

        register_sentences(app_events.SENTENCES)
