from django.apps import AppConfig


class PostsConfig(AppConfig):
    name = "apps.posts"
    label = "posts"

    def ready(self) -> None:
        """Posts' parts in the lower apps' registries: the answer listener that moves a post on
        as its text is approved or edited, the incident page's crisis-mode panel, the guard
        that lets only an incident's publishing person publish from a locked account, and its
        audit events' sentences."""
        from apps.core.sentences import register_sentences
        from apps.incidents.views import incident_panels
        from apps.responses.events import answer_listeners
        from apps.responses.sending import publish_guards

        from . import events
        from .services import follow_post_answer, locked_out
        from .views import hold_panel

        answer_listeners.register("posts", follow_post_answer)
        incident_panels.register("posts", hold_panel)
        publish_guards.register("posts", locked_out)
        register_sentences(events.SENTENCES)
