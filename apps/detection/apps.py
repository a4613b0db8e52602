from django.apps import AppConfig


class DetectionConfig(AppConfig):
    name = "apps.detection"
    label = "detection"

    def ready(self) -> None:
        """Detection's parts in the lower apps' registries: counting each batch into the rollups,
        its audit events' sentences."""
        from apps.core.sentences import register_sentences
        from apps.listening import pipeline

        from . import events
        from .rollups import count_new_mentions

        # Last: the brand's total row stays locked from its upsert to the batch's commit.
        pipeline.after_insert.register("detection", count_new_mentions, rank=200)
        register_sentences(events.SENTENCES)
