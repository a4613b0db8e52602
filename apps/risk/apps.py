from django.apps import AppConfig


class RiskConfig(AppConfig):
    name = "apps.risk"
    label = "risk"

    def ready(self) -> None:
        """Risk's parts in the lower apps' registries: the pipeline step, the bulk action, the page panel."""
        from apps.listening import pipeline
        from apps.mentions.services import BulkAction, bulk_actions
        from apps.mentions.views import mention_panels

        from . import services
        from .pipeline import rate_new_mentions
        from .views import rating_panel

        pipeline.ingest_steps.register("risk", rate_new_mentions, rank=10)
        pipeline.on_growth.register("risk", services.rerate_grown_mentions)
        bulk_actions.register("risk", BulkAction(needs=("level", "reason"), run=services.bulk_override_risk), rank=50)
        mention_panels.register("rating", rating_panel, rank=10)
        from apps.core.sentences import register_sentences

        from . import events as app_events

        register_sentences(app_events.SENTENCES)
