from django import forms
from django.utils.translation import gettext_lazy as _

from apps.responses.forms import MarkSentForm

from .models import IncidentRole, IncidentStatus, StatementChannel, StatementKind

SEVERITY_CHOICES = [(1, _("1: critical")), (2, _("2: major")), (3, _("3: minor"))]


class DeclareForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    crisis_type = forms.ModelChoiceField(label=_("Kind of crisis"), queryset=None)
    severity = forms.TypedChoiceField(label=_("Severity"), choices=SEVERITY_CHOICES, coerce=int, initial=2)
    brands = forms.ModelMultipleChoiceField(
        label=_("Brands"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    summary = forms.CharField(label=_("What is happening"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    private = forms.BooleanField(label=_("Private: only the incident's members see it"), required=False)

    def __init__(self, *args, crisis_types, brands, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["crisis_type"].queryset = crisis_types
        self.fields["brands"].queryset = brands


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Now"), choices=IncidentStatus.choices)

    def __init__(self, *args, moves=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Nothing chosen at first: one click on the button must not move the incident.
        self.fields["status"].choices = [
            ("", "—"),
            *((value, label) for value, label in IncidentStatus.choices if value in moves),
        ]

    at = forms.DateTimeField(
        label=_("Since (empty: now)"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    reason = forms.CharField(label=_("Why"), required=False, max_length=4000)


class CrisisTypeForm(forms.Form):
    name = forms.CharField(label=_("Kind of crisis"), max_length=80)
    position = forms.IntegerField(label=_("Position"), min_value=0, max_value=1000, initial=0)
    active = forms.BooleanField(label=_("Offered"), required=False, initial=True)


class SeverityForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=40)
    meaning = forms.CharField(
        label=_("Meaning"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    update_every_minutes = forms.IntegerField(
        label=_("Status update every (minutes)"), min_value=5, max_value=7 * 24 * 60
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=IncidentRole.choices)
    user = forms.ModelChoiceField(label=_("Person"), queryset=None)

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = people


class RulesForm(forms.Form):
    terms = forms.CharField(
        label=_("Words, phrases, #hashtags"), required=False, help_text=_("Comma-separated."), max_length=6000
    )
    authors = forms.CharField(
        label=_("Authors (handles)"), required=False, help_text=_("Comma-separated."), max_length=14000
    )
    topics = forms.MultipleChoiceField(label=_("Topics"), required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, topics=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topics"].choices = [(topic, topic) for topic in topics]

    @staticmethod
    def values_of(data: dict) -> dict:
        """The service's lists from the cleaned fields."""
        return {
            "terms": [part for part in data["terms"].split(",") if part.strip()],
            "authors": [part for part in data["authors"].split(",") if part.strip()],
            "topics": data["topics"],
        }


class UpdateForm(forms.Form):
    text = forms.CharField(label=_("Status update"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    client_visible = forms.BooleanField(
        label=_("Also to the client's people (in the app and by e-mail)"), required=False
    )


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    client_visible = forms.BooleanField(label=_("The client's people see it"), required=False)


class StatementForm(forms.Form):
    """A new statement: from the library (filled in) or written here."""

    kind = forms.ChoiceField(label=_("Kind"), choices=StatementKind.choices)
    channel = forms.ChoiceField(
        label=_("Goes out on"),
        choices=[("", _("The library text's channel")), *StatementChannel.choices],
        required=False,
    )
    language = forms.CharField(
        label=_("Language"), max_length=8, required=False, help_text=_("da, nb, pl, de, en; empty: the library text's")
    )
    from_library = forms.ModelChoiceField(
        label=_("From the library"), queryset=None, required=False, empty_label=_("None: I write it")
    )
    text = forms.CharField(
        label=_("Text"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Empty: the library text, filled in."),
    )

    def __init__(self, *args, library, **kwargs):
        """`library`: the texts this person may use (selectors.library_for), as a queryset."""
        super().__init__(*args, **kwargs)
        self.fields["from_library"].queryset = library


class StatementEditForm(forms.Form):
    """Save the editor's text as a new version, or send it for approval."""

    statement = forms.IntegerField(widget=forms.HiddenInput)
    text = forms.CharField(label=_("Text"), max_length=10000, widget=forms.Textarea(attrs={"rows": 4}))
    base_version = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(label=_("For the approvers"), required=False, max_length=2000)
    submit = forms.BooleanField(required=False)


class StatementSentForm(MarkSentForm):
    statement = forms.IntegerField(widget=forms.HiddenInput)


class LibraryStatementForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    crisis_type = forms.ModelChoiceField(
        label=_("Kind of crisis"), queryset=None, required=False, empty_label=_("Any kind")
    )
    language = forms.CharField(label=_("Language"), max_length=8, help_text=_("da, nb, pl, de, en"))
    channel = forms.ChoiceField(label=_("Channel"), choices=StatementChannel.choices)
    text = forms.CharField(
        label=_("Text"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Variables: {brand}, {client}, {date}, {time}, {next_update}, filled in when it is used."),
    )

    def __init__(self, *args, crisis_types, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["crisis_type"].queryset = crisis_types


class LibraryApprovalForm(forms.Form):
    seen = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    until = forms.DateField(
        label=_("Approved until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: withdraw the approval."),
    )
