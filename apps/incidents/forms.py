from django import forms
from django.utils.translation import gettext_lazy as _

from .models import IncidentRole, IncidentStatus

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
        self.fields["status"].choices = [(value, label) for value, label in IncidentStatus.choices if value in moves]

    at = forms.DateTimeField(
        label=_("Since (empty: now)"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    reason = forms.CharField(label=_("Why"), required=False, max_length=4000)


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
