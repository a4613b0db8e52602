"""Forms for a client's response rules: risk policy, opening hours, routing."""

from __future__ import annotations

import re
from datetime import date, time

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from apps.mentions.models import RiskLevel
from apps.mentions.ratings import FACTORS
from apps.routing.models import RoutingMode

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_BLOCK_LINE = re.compile(r"^(\w{3})\w*\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")


class RiskPolicyForm(forms.Form):
    medium_from = forms.IntegerField(label=_("Medium from score"))
    high_from = forms.IntegerField(label=_("High from score"))
    critical_from = forms.IntegerField(label=_("Critical from score"))
    critical_target_minutes = forms.IntegerField(label=_("Critical: answer within (minutes)"))
    high_target_minutes = forms.IntegerField(label=_("High: answer within (minutes)"))
    medium_target_minutes = forms.IntegerField(label=_("Medium: answer within (minutes)"))
    low_target_minutes = forms.IntegerField(label=_("Low: answer within (minutes)"))
    business_hours_levels = forms.MultipleChoiceField(
        label=_("Clock runs in business hours only for"),
        choices=RiskLevel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    warn_percent = forms.IntegerField(label=_("Warn the assignee at % of the target"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for factor in FACTORS:
            self.fields[f"weight_{factor}"] = forms.FloatField(
                label=_("Weight: %(factor)s") % {"factor": factor.replace("_", " ")}
            )

    @staticmethod
    def initial_from(policy) -> dict:
        """Field values from a policy, or from the agency defaults when there is none."""
        defaults = settings.RISK_DEFAULTS
        if policy is None:
            values = {
                "medium_from": defaults["medium_from"],
                "high_from": defaults["high_from"],
                "critical_from": defaults["critical_from"],
                "business_hours_levels": defaults["business_hours_levels"],
                "warn_percent": defaults["warn_percent"],
                **{f"{level}_target_minutes": m for level, m in defaults["target_minutes"].items()},
            }
            weights = defaults["weights"]
        else:
            values = {name: getattr(policy, name) for name in RiskPolicyForm.base_fields}
            weights = {**defaults["weights"], **policy.weights}
        return {**values, **{f"weight_{factor}": weights.get(factor, 0) for factor in FACTORS}}

    def policy_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.base_fields}
        data["weights"] = {factor: self.cleaned_data[f"weight_{factor}"] for factor in FACTORS}
        return data


class BusinessHoursForm(forms.Form):
    timezone = forms.CharField(label=_("Time zone"), max_length=64)
    blocks = forms.CharField(
        label=_("Opening hours"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 7}),
        help_text=_(
            'One block a line, e.g. "mon 09:00-17:00"; several lines per day allowed; 00:00 closes at midnight.'
        ),
    )
    holidays = forms.CharField(
        label=_("Holidays"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_('One a line: "2026-12-24 Christmas Eve".'),
    )

    def clean_blocks(self) -> list[tuple[int, time, time]]:
        blocks = []
        for number, line in enumerate(self.cleaned_data["blocks"].splitlines(), start=1):
            line = line.strip().lower()
            if not line:
                continue
            match = _BLOCK_LINE.match(line)
            try:
                day, h1, m1, h2, m2 = match.groups()
                blocks.append((WEEKDAYS.index(day[:3]), time(int(h1), int(m1)), time(int(h2) % 24, int(m2))))
            except (AttributeError, ValueError):
                raise forms.ValidationError(
                    _('Line %(number)s: write a day and a time span, e.g. "mon 09:00-17:00".') % {"number": number}
                ) from None
        return blocks

    def clean_holidays(self) -> list[tuple[date, str]]:
        holidays = []
        for number, line in enumerate(self.cleaned_data["holidays"].splitlines(), start=1):
            if not line.strip():
                continue
            day, _space, name = line.strip().partition(" ")
            try:
                holidays.append((date.fromisoformat(day), name.strip()[:120]))
            except ValueError:
                raise forms.ValidationError(
                    _('Line %(number)s: start with a date, e.g. "2026-12-24".') % {"number": number}
                ) from None
        return holidays

    @staticmethod
    def initial_from(client, blocks, holidays) -> dict:
        return {
            "timezone": client.timezone,
            "blocks": "\n".join(f"{WEEKDAYS[b.weekday]} {b.opens:%H:%M}-{b.closes:%H:%M}" for b in blocks),
            "holidays": "\n".join(f"{h.date.isoformat()} {h.name}".strip() for h in holidays),
        }


class RoutingPolicyForm(forms.Form):
    mode = forms.ChoiceField(label=_("Assignment"), choices=RoutingMode.choices)
    default_capacity = forms.IntegerField(label=_("Open mentions per responder"))
    high_risk_reserve = forms.IntegerField(
        label=_("Of these, kept free for high and critical"),
        required=False,
        help_text=_("Low and medium mentions fill a responder's capacity only up to this many below it."),
    )
    reassign_after_minutes = forms.IntegerField(label=_("Reassign unanswered after (minutes)"), required=False)


class CapacityForm(forms.Form):
    """Each responder's own limit of open mentions; empty follows the routing default."""

    def __init__(self, *args, memberships, **kwargs):
        super().__init__(*args, **kwargs)
        self.memberships = list(memberships)
        for membership in self.memberships:
            self.fields[f"capacity_{membership.pk}"] = forms.IntegerField(
                label=f"{membership.user.display_name} ({membership.get_role_display()})",
                required=False,
                min_value=1,
                max_value=32767,
                initial=membership.capacity,
            )

    def capacities(self) -> list[tuple]:
        return [(m, self.cleaned_data.get(f"capacity_{m.pk}")) for m in self.memberships]


class RiskOverrideForm(forms.Form):
    level = forms.ChoiceField(label=_("Risk"), choices=RiskLevel.choices)
    reason = forms.CharField(label=_("Why"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
