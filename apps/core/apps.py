from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"

    def ready(self) -> None:
        """Fills the dead-letter registry for core's own tasks: a set-aside e-mail keeps no
        arguments (its body may hold a sign-in or reset link)."""
        from .dead_letters import Owner, dead_letter_owners
        from .tasks import send_email_task

        dead_letter_owners.register(send_email_task.name, Owner(keep_arguments=False))
