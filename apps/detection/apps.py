from django.apps import AppConfig


class DetectionConfig(AppConfig):
    name = "apps.detection"
    label = "detection"

    def ready(self) -> None:
        """Detection's part in the pipeline's registry: counting each batch into the rollups."""
        from apps.listening import pipeline

        from .rollups import count_new_mentions

        pipeline.after_insert.register("detection", count_new_mentions, rank=10)
