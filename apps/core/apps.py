from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"

    def ready(self) -> None:
        """Fills the dead-letter registry for core's own tasks (a set-aside e-mail keeps no
        arguments: its body may hold a sign-in or reset link) and registers how core's audit
        events read."""
        from . import dead_letters
        from .sentences import register_sentences
        from .tasks import send_email_task

        dead_letters.dead_letter_owners.register(send_email_task.name, dead_letters.Owner(keep_arguments=False))
        register_sentences(dead_letters.SENTENCES)
