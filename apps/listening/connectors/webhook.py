"""Webhook sources are pushed to, not polled: only their settings are checked here."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class WebhookConnector:
    kind = "webhook"

    def validate_config(self, config: dict, credentials: dict) -> dict:
        platform = str(config.get("platform") or "webhook").strip().lower()
        if not platform.replace("_", "").replace("-", "").isalnum() or len(platform) > 32:
            raise ValidationError({"platform": _("Use letters, digits, - and _ only (at most 32).")})
        return {"platform": platform}

    def fetch(self, *, config, credentials, cursor, http):
        raise NotImplementedError("webhook sources are pushed to")


connector = WebhookConnector()
