from django.apps import AppConfig


class ListeningConfig(AppConfig):
    name = "apps.listening"
    label = "listening"

    def ready(self) -> None:
        """Fills the dead-letter registry: for each task on a source, push or import, how
        its object is marked failed when the task is set aside as a poison message."""
        from apps.core.dead_letters import dead_letter_owners

        from . import tasks

        for task, owner in tasks.SET_ASIDE_OWNERS.items():
            dead_letter_owners.register(task.name, owner)
        from apps.core.sentences import register_sentences

        from . import events as app_events

        register_sentences(app_events.SENTENCES)
