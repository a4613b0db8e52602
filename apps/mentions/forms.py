import re

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.numbers import parse_id
from apps.mentions.models import RiskLevel

from .models import MentionKind, MentionStatus, PrivateChannel, Sentiment

PLATFORM_NAME = re.compile(r"^[a-z0-9_.-]{1,32}$")
# Offered in the channel filter; imports and pushes may bring others, which still filter by name.
KNOWN_CHANNELS = (
    "web",
    "mastodon",
    "bluesky",
    "reddit",
    "youtube",
    "facebook",
    "instagram",
    "x",
    "tiktok",
    "linkedin",
    "trustpilot",
)
INBOX_LANGUAGES = (
    ("da", _("Danish")),
    ("nb", _("Norwegian")),
    ("pl", _("Polish")),
    ("de", _("German")),
    ("en", _("English")),
    ("other", _("Other languages")),
    ("unknown", _("Unknown")),
)
STATUS_CHOICES = (("open", _("Open")), ("all", _("All")), *MentionStatus.choices)
SORT_CHOICES = (
    ("risk", _("Risk")),
    ("due", _("SLA due")),
    ("newest", _("Newest")),
    ("relevance", _("Relevance")),
)


class ChannelsField(forms.MultipleChoiceField):
    """Channel names: the known ones are offered, any well-formed name is accepted."""

    def valid_value(self, value):
        return bool(PLATFORM_NAME.fullmatch(str(value)))


MULTIPLE = ("status", "risk", "channel", "language", "sentiment", "kind")


class InboxFilterForm(forms.Form):
    """What the inbox (page and API) is asked to show. Every field is optional."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    sort = forms.ChoiceField(label=_("Sort"), choices=SORT_CHOICES, required=False)
    status = forms.MultipleChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)
    risk = forms.MultipleChoiceField(label=_("Risk"), choices=RiskLevel.choices, required=False)
    channel = ChannelsField(label=_("Channel"), choices=[(c, c) for c in KNOWN_CHANNELS], required=False)
    language = forms.MultipleChoiceField(label=_("Language"), choices=INBOX_LANGUAGES, required=False)
    sentiment = forms.MultipleChoiceField(label=_("Sentiment"), choices=Sentiment.choices, required=False)
    kind = forms.MultipleChoiceField(label=_("Kind"), choices=MentionKind.choices, required=False)
    topic = forms.CharField(label=_("Topic"), required=False, max_length=80)
    assignee = forms.CharField(label=_("Assignee"), required=False, max_length=12)
    brand = forms.IntegerField(label=_("Brand"), required=False, min_value=1)
    since = forms.DateField(label=_("From"), required=False)
    until = forms.DateField(label=_("To"), required=False)
    # Arrival, not posting: what a spike alert counted (its link to its mentions sets these).
    arrived_from = forms.DateTimeField(label=_("Arrived from"), required=False, widget=forms.HiddenInput)
    arrived_to = forms.DateTimeField(label=_("Arrived before"), required=False, widget=forms.HiddenInput)
    archived = forms.BooleanField(label=_("Archived too"), required=False)
    after = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    size = forms.IntegerField(required=False, min_value=1, max_value=200, widget=forms.HiddenInput)

    def __init__(self, data=None, *args, **kwargs):
        # A menu left at "Any" sends an empty value: no filter, not an invalid choice.
        if data is not None:
            data = data.copy()
            for name in MULTIPLE:
                values = data.getlist(name) if hasattr(data, "getlist") else data.get(name)
                if isinstance(values, list) and "" in values:
                    kept = [value for value in values if value != ""]
                    if hasattr(data, "setlist"):
                        data.setlist(name, kept)
                    else:
                        data[name] = kept
        super().__init__(data, *args, **kwargs)

    def clean_assignee(self):
        value = self.cleaned_data["assignee"].strip()
        if value and value not in ("me", "none") and parse_id(value) is None:
            raise forms.ValidationError(_("Choose a person, “me” or “none”."))
        return value

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end comes before the start."))
        arrived_from, arrived_to = cleaned.get("arrived_from"), cleaned.get("arrived_to")
        if arrived_from and arrived_to and arrived_from > arrived_to:
            self.add_error("arrived_to", _("The end comes before the start."))
        if cleaned.get("sort") == "relevance" and not cleaned.get("q"):
            cleaned["sort"] = ""
        return cleaned

    def filters(self) -> dict:
        """The cleaned filters as plain JSON values (what a saved view stores), without paging."""
        data = {key: value for key, value in self.cleaned_data.items() if value not in (None, "", [], False)}
        data.pop("after", None)
        data.pop("size", None)
        for key in ("since", "until", "arrived_from", "arrived_to"):
            if key in data:
                data[key] = data[key].isoformat()
        return data


class TransitionForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=MentionStatus.choices)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=1000)
    private_channel = forms.ChoiceField(
        label=_("Private channel"), choices=[("", "—"), *PrivateChannel.choices], required=False
    )
    answer_url = forms.CharField(label=_("Address of the answer"), required=False, max_length=2000)


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Internal note"),
        max_length=5000,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": _("Only the agency sees notes. @name tells a colleague.")}
        ),
    )


class SavedViewForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    shared = forms.BooleanField(label=_("Share with the client team"), required=False)
