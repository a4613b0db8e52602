from django import forms
from django.utils.translation import gettext_lazy as _

from apps.risk.levels import RiskLevel


class RiskOverrideForm(forms.Form):
    level = forms.ChoiceField(label=_("Risk"), choices=RiskLevel.choices)
    reason = forms.CharField(label=_("Why"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("Assignee"), queryset=None, required=False, empty_label=_("Nobody"))

    def __init__(self, *args, workers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = workers
