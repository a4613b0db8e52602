from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.forms import LinesField
from apps.tenants.models import BRAND_LANGUAGES, Brand
from apps.tenants.selectors import brands_of

from .mapping import FIELDS, REQUIRED
from .models import Source, SourceKind

# Which settings and credentials each kind of source asks for.
KIND_FIELDS = {
    SourceKind.RSS: ["url"],
    SourceKind.MASTODON: ["base_url", "mode", "hashtag", "query", "access_token"],
    SourceKind.BLUESKY: ["base_url", "query", "lang", "pds_url", "identifier", "app_password"],
    SourceKind.REDDIT: [
        "mode",
        "query",
        "subreddit",
        "include_comments",
        "base_url",
        "auth_url",
        "client_id",
        "client_secret",
    ],
    SourceKind.YOUTUBE: ["base_url", "channel_id", "video_id", "api_key"],
    SourceKind.WEBHOOK: ["platform"],
    SourceKind.REPLAY: ["rate_per_minute", "languages", "spike_at_minute", "spike_minutes", "spike_multiplier", "seed"],
}
CREDENTIAL_FIELDS = ("access_token", "identifier", "app_password", "client_id", "client_secret", "api_key")
CONFIG_FIELDS = sorted({f for fields in KIND_FIELDS.values() for f in fields} - set(CREDENTIAL_FIELDS))
CREATABLE_KINDS = [(k, label) for k, label in SourceKind.choices if k != SourceKind.FILE_IMPORT]


class SourceForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    brand = forms.ModelChoiceField(label=_("Brand"), queryset=Brand.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=CREATABLE_KINDS)
    poll_interval = forms.IntegerField(label=_("Poll every (seconds)"), min_value=30, max_value=86400, initial=300)
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)
    require_match = forms.BooleanField(
        label=_("Keep only mentions that match the brand's query"),
        required=False,
        initial=True,
        help_text=_("Switch off for a channel that is entirely about the brand, e.g. its own page."),
    )
    own_channel = forms.BooleanField(
        label=_("The brand's own channel"),
        required=False,
        help_text=_("Its page, account or comments: a mention there weighs more in the risk rating."),
    )
    # Settings of the different kinds; each kind uses some (KIND_FIELDS).
    url = forms.URLField(label=_("Feed address"), required=False, assume_scheme="https")
    base_url = forms.URLField(
        label=_("Server address"),
        required=False,
        assume_scheme="https",
        help_text=_("Leave empty for the platform's usual address."),
    )
    mode = forms.ChoiceField(
        label=_("What to follow"),
        required=False,
        choices=[("", "—"), ("hashtag", _("Hashtag timeline")), ("search", _("Search")), ("subreddit", _("Subreddit"))],
    )
    hashtag = forms.CharField(label=_("Hashtag"), required=False, max_length=120)
    query = forms.CharField(label=_("Search words"), required=False, max_length=500)
    subreddit = forms.CharField(label=_("Subreddit"), required=False, max_length=100)
    include_comments = forms.BooleanField(label=_("Also comments"), required=False)
    lang = forms.CharField(label=_("Only this language (code)"), required=False, max_length=8)
    pds_url = forms.URLField(label=_("Account server (PDS)"), required=False, assume_scheme="https")
    auth_url = forms.URLField(
        label=_("OAuth token address"),
        required=False,
        assume_scheme="https",
        help_text=_("Leave empty for Reddit's own."),
    )
    channel_id = forms.CharField(label=_("Channel id"), required=False, max_length=100)
    video_id = forms.CharField(label=_("Video id"), required=False, max_length=100)
    platform = forms.CharField(
        label=_("Platform name"),
        required=False,
        max_length=32,
        help_text=_("Where the pushed mentions come from, e.g. facebook."),
    )
    rate_per_minute = forms.FloatField(label=_("Mentions per minute"), required=False, initial=6)
    languages = forms.MultipleChoiceField(
        label=_("Languages"), required=False, choices=BRAND_LANGUAGES, widget=forms.CheckboxSelectMultiple
    )
    spike_at_minute = forms.FloatField(label=_("Spike after (minutes)"), required=False)
    spike_minutes = forms.FloatField(label=_("Spike lasts (minutes)"), required=False)
    spike_multiplier = forms.FloatField(label=_("Spike multiplies the rate by"), required=False)
    seed = forms.IntegerField(label=_("Seed"), required=False, min_value=0)
    # Credentials: written, never shown back.
    access_token = forms.CharField(label=_("Access token"), required=False, widget=forms.PasswordInput)
    identifier = forms.CharField(label=_("Handle or e-mail"), required=False)
    app_password = forms.CharField(label=_("App password"), required=False, widget=forms.PasswordInput)
    client_id = forms.CharField(label=_("OAuth client id"), required=False)
    client_secret = forms.CharField(label=_("OAuth client secret"), required=False, widget=forms.PasswordInput)
    api_key = forms.CharField(label=_("API key"), required=False, widget=forms.PasswordInput)

    def __init__(self, *args, user, client, source: Source | None = None, **kwargs):
        if source is not None:
            kwargs["initial"] = {
                "name": source.name,
                "brand": source.brand_id,
                "kind": source.kind,
                "poll_interval": source.poll_interval,
                "enabled": source.enabled,
                "require_match": source.require_match,
                "own_channel": source.own_channel,
                **source.config,
            }
        super().__init__(*args, **kwargs)
        self.fields["brand"].queryset = brands_of(user=user, client=client)
        if source is not None:
            self.fields["kind"].disabled = True
            self.fields["kind"].choices = SourceKind.choices
            self.fields["brand"].disabled = source.kind == SourceKind.FILE_IMPORT

    def kind_value(self) -> str:
        return self.cleaned_data.get("kind") or self.initial.get("kind", "")

    def config(self) -> dict:
        kind = self.kind_value()
        chosen = {f: self.cleaned_data.get(f) for f in KIND_FIELDS.get(kind, []) if f not in CREDENTIAL_FIELDS}
        config = {k: v for k, v in chosen.items() if v not in (None, "", [])}
        config["require_match"] = self.cleaned_data.get("require_match", True)
        return config

    def credentials(self) -> dict:
        kind = self.kind_value()
        return {
            f: self.cleaned_data[f]
            for f in KIND_FIELDS.get(kind, [])
            if f in CREDENTIAL_FIELDS and self.cleaned_data.get(f)
        }

    def grouped_kind_fields(self):
        """(field, kinds that use it) for the template, which shows only the chosen kind's fields."""
        for name in [*CONFIG_FIELDS, *CREDENTIAL_FIELDS]:
            kinds = " ".join(k for k, fields in KIND_FIELDS.items() if name in fields)
            yield self[name], kinds


class BrandQueryForm(forms.Form):
    keywords = LinesField(label=_("Keywords"), required=False, help_text=_("One per line. End with * for any ending."))
    hashtags = LinesField(label=_("Hashtags"), required=False)
    excluded_words = LinesField(
        label=_("Excluded words"), required=False, help_text=_("A mention with any of these is not kept.")
    )
    expression = forms.CharField(
        label=_("Advanced query"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            'Optional. AND, OR, NOT, parentheses and "quoted phrases", e.g. '
            '(havbris OR "havbris pilsner") AND NOT reklame. When set, it alone decides.'
        ),
    )


class TopicForm(forms.Form):
    name = forms.CharField(label=_("Topic"), max_length=80)
    keywords = LinesField(label=_("Keywords"))
    sensitive = forms.BooleanField(label=_("Sensitive"), required=False)
    all_brands = forms.BooleanField(label=_("For every brand of the client"), required=False)


class ImportForm(forms.Form):
    brand = forms.ModelChoiceField(label=_("Brand"), queryset=Brand.objects.none())
    file = forms.FileField(label=_("File (.csv, .tsv, .jsonl, .json)"))
    platform = forms.CharField(label=_("Platform, when the file has no column for it"), max_length=32, initial="import")

    def __init__(self, *args, user, client, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["brand"].queryset = brands_of(user=user, client=client)
        for field, meaning in FIELDS.items():
            self.fields[f"col_{field}"] = forms.CharField(
                label=field, required=field in REQUIRED, initial=field, max_length=120, help_text=meaning
            )

    def mapping(self) -> dict:
        return {field: self.cleaned_data.get(f"col_{field}", "") for field in FIELDS}

    def column_fields(self):
        return [self[f"col_{field}"] for field in FIELDS]
