from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.timezones import time_zone_names

from .models import Channel, NotificationEvent, NotificationSettings, WebhookEndpoint
from .services import DIGEST_MINUTES_RANGE


def _channel_field_name(event: str, channel: str) -> str:
    return f"{event.replace('.', '_')}__{channel}"


class NotificationSettingsForm(forms.Form):
    quiet_hours_start = forms.TimeField(
        label=_("Quiet hours from"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    quiet_hours_end = forms.TimeField(
        label=_("Quiet hours until"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("Non-critical e-mails wait until quiet hours end. Critical ones always come at once."),
    )
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=())
    digest_minutes = forms.IntegerField(
        label=_("At most one e-mail every (minutes)"),
        min_value=DIGEST_MINUTES_RANGE[0],
        max_value=DIGEST_MINUTES_RANGE[1],
        help_text=_("What happens in between comes together in one e-mail. Critical ones always come at once."),
    )

    def __init__(self, *args, preferences: NotificationSettings, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "quiet_hours_start": preferences.quiet_hours_start,
                "quiet_hours_end": preferences.quiet_hours_end,
                "time_zone": preferences.time_zone,
                "digest_minutes": preferences.digest_minutes,
                **{
                    _channel_field_name(event, channel): channel in preferences.channels_for(event)
                    for event in NotificationEvent.values
                    for channel in Channel.values
                },
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [(name, name) for name in sorted(time_zone_names())]
        for event, label in NotificationEvent.choices:
            for channel, channel_label in Channel.choices:
                self.fields[_channel_field_name(event, channel)] = forms.BooleanField(
                    label=f"{label}: {channel_label}", required=False
                )

    def event_rows(self):
        """(event label, [bound field per channel]) for the table in the template."""
        for event, label in NotificationEvent.choices:
            yield label, [self[_channel_field_name(event, channel)] for channel in Channel.values]

    def channels(self) -> dict[str, list[str]]:
        return {
            event: [channel for channel in Channel.values if self.cleaned_data.get(_channel_field_name(event, channel))]
            for event in NotificationEvent.values
        }


class WebhookEndpointForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    url = forms.URLField(
        label=_("Address"),
        max_length=2000,
        assume_scheme="https",
        help_text=_("Where events are POSTed as JSON, e.g. a Slack or Teams incoming webhook."),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        required=False,
        choices=NotificationEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: every event."),
    )
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)

    def __init__(self, *args, endpoint: WebhookEndpoint | None = None, **kwargs):
        if endpoint is not None:
            kwargs.setdefault(
                "initial",
                {"name": endpoint.name, "url": endpoint.url, "events": endpoint.events, "enabled": endpoint.enabled},
            )
        super().__init__(*args, **kwargs)
