"""Risk levels, lowest first. Kept apart from the models so Mention can use them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


LEVEL_ORDER = {level: rank for rank, level in enumerate(RiskLevel.values)}
