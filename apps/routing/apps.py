from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "apps.routing"
    label = "routing"

    def ready(self) -> None:
        """Routing's parts in the lower apps' registries: pipeline steps, the bulk action, the page panel."""
        from apps.listening import pipeline
        from apps.mentions.services import BulkAction, bulk_actions
        from apps.mentions.views import mention_panels

        from . import services
        from .pipeline import announce_new_mentions, assign_new_mentions
        from .views import assignee_panel

        # After risk (rank 10): who gets a mention depends on its rating.
        pipeline.ingest_steps.register("routing", assign_new_mentions, rank=20)
        pipeline.after_insert.register("routing", announce_new_mentions)
        bulk_actions.register("assign", BulkAction(needs=("assignee",), run=services.bulk_assign), rank=10)
        mention_panels.register("assignee", assignee_panel, rank=20)
        from apps.core.sentences import register_sentences

        from . import events as app_events

        register_sentences(app_events.SENTENCES, app_events.VALUE_CHOICES)
