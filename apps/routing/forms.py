from django import forms
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import Availability


class ShiftForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Who"), queryset=None)
    starts_at = forms.DateTimeField(label=_("Starts"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    ends_at = forms.DateTimeField(label=_("Ends"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    agency_wide = forms.BooleanField(label=_("On call for every client"), required=False)

    def __init__(self, *args, workers, may_plan_agency_wide: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = workers
        if not may_plan_agency_wide:
            del self.fields["agency_wide"]


class HandoverForm(forms.Form):
    note = forms.CharField(label=_("Handover note"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class AvailabilityForm(forms.Form):
    availability = forms.ChoiceField(label=_("My availability"), choices=Availability.choices)


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("Assignee"), queryset=None, required=False, empty_label=_("Nobody"))

    def __init__(self, *args, workers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = workers
