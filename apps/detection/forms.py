from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AlertStatus, Metric, Sensitivity

WHEN = {"type": "datetime-local"}


class AlertFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any status")), *AlertStatus.choices])
    metric = forms.ChoiceField(label=_("Metric"), required=False, choices=[("", _("Any metric")), *Metric.choices])
    brand = forms.ModelChoiceField(label=_("Brand"), required=False, queryset=None, empty_label=_("Every brand"))

    def __init__(self, *args, brands, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["brand"].queryset = brands


class DetectionSettingsForm(forms.Form):
    sensitivity = forms.ChoiceField(
        label=_("Sensitivity"),
        choices=Sensitivity.choices,
        help_text=_("Sensitive alerts on smaller rises and cries wolf more often; strict only on the largest."),
    )
    minimum_volume = forms.IntegerField(
        label=_("Fewest mentions in 15 minutes to alert"), min_value=1, max_value=100_000
    )
    cooldown_minutes = forms.IntegerField(
        label=_("Quiet time after an alert (minutes)"),
        min_value=15,
        max_value=7 * 24 * 60,
        help_text=_("A plateau that lasts is one alert anyway; this is the wait before the next event."),
    )
    metrics = forms.MultipleChoiceField(
        label=_("Metrics watched"),
        choices=Metric.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick at least one metric; to stop alerts for a while, mute the brand.")},
    )
    muted_until = forms.DateTimeField(
        label=_("Muted until"),
        required=False,
        widget=forms.DateTimeInput(attrs=WHEN, format="%Y-%m-%dT%H:%M"),
        help_text=_("No alerts until then; the detector still learns the brand's usual level."),
    )

    @staticmethod
    def initial_from(settings) -> dict:
        return {
            "sensitivity": settings.sensitivity,
            "minimum_volume": settings.minimum_volume,
            "cooldown_minutes": settings.cooldown_minutes,
            "metrics": settings.metrics or Metric.values,
            "muted_until": settings.muted_until,
        }


class KnownEventForm(forms.Form):
    name = forms.CharField(label=_("Event"), max_length=120, help_text=_("A launch, campaign or match day."))
    starts_at = forms.DateTimeField(label=_("Starts"), widget=forms.DateTimeInput(attrs=WHEN))
    ends_at = forms.DateTimeField(label=_("Ends"), widget=forms.DateTimeInput(attrs=WHEN))
    expected_factor = forms.FloatField(
        label=_("Times the usual mentions expected"), min_value=1.0, max_value=100.0, initial=3.0
    )
