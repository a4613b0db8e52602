from django import forms
from django.utils.translation import gettext_lazy as _

DATETIME = {"widget": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")}
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class PostForm(forms.Form):
    """A post: its brand and channels (among those that can publish), text, media and time."""

    brand = forms.ModelChoiceField(label=_("Brand"), queryset=None)
    channels = forms.TypedMultipleChoiceField(
        label=_("Channels"), coerce=int, widget=forms.CheckboxSelectMultiple, required=False
    )
    text = forms.CharField(label=_("Text"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}), required=False)
    language = forms.CharField(label=_("Language"), max_length=8, required=False, help_text=_("da, nb, pl, de, en"))
    media_links = forms.CharField(
        label=_("Links to media"),
        required=False,
        max_length=9000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line, up to four."),
    )
    due_at = forms.DateTimeField(label=_("Goes out at"), input_formats=DATETIME_FORMATS, required=False, **DATETIME)
    confirm_hold = forms.BooleanField(label=_("Schedule it although its scope is on hold"), required=False)

    def __init__(self, *args, brands, sources, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["brand"].queryset = brands
        self.fields["channels"].choices = [
            (source.pk, f"{source.brand.name} · {source.name} ({source.get_kind_display()})") for source in sources
        ]

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "text": data["text"],
            "due_at": data["due_at"],
            "source_ids": data["channels"],
            "media_links": [line.strip() for line in data["media_links"].splitlines() if line.strip()],
            "confirm_hold": data["confirm_hold"],
        }


class HoldForm(forms.Form):
    brand = forms.ModelChoiceField(
        label=_("Brand"), queryset=None, required=False, empty_label=_("All of the client's brands")
    )
    channels = forms.TypedMultipleChoiceField(
        label=_("Only these channels"), coerce=int, widget=forms.CheckboxSelectMultiple, required=False
    )
    reason = forms.CharField(label=_("Why"), max_length=500)
    ends_at = forms.DateTimeField(
        label=_("Until (empty: until lifted)"), input_formats=DATETIME_FORMATS, required=False, **DATETIME
    )
    incident = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1, max_value=2**63 - 1)

    def __init__(self, *args, brands, sources, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["brand"].queryset = brands
        self.fields["channels"].choices = [
            (s.pk, f"{s.brand.name} · {s.name} ({s.get_kind_display()})") for s in sources
        ]


class ReleaseForm(forms.Form):
    posts = forms.TypedMultipleChoiceField(coerce=int, choices=(), required=True)
    action = forms.ChoiceField(choices=[("release", _("Release")), ("drop", _("Drop"))])
    start_at = forms.DateTimeField(
        label=_("From"),
        input_formats=DATETIME_FORMATS,
        required=False,
        help_text=_("Empty: in ten minutes."),
        **DATETIME,
    )
    every_minutes = forms.IntegerField(
        label=_("One every (minutes)"), min_value=0, max_value=1440, initial=15, required=False
    )

    def __init__(self, *args, held=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["posts"].choices = [(post.pk, str(post.pk)) for post in held]
