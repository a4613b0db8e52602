from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    """The pages that compose several apps (home, the client overview) and the demo data: the top layer."""

    name = "apps.workspace"
    label = "workspace"
