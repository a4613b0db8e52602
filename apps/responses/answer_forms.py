"""Forms of the answer editor and the approval page (setup forms are in forms.py)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Decision, ReplyType
from .services import MAX_TEXT


class AnswerForm(forms.Form):
    """A new answer, or a new version of one (`base_version`: the version the editor opened)."""

    text = forms.CharField(label=_("Answer"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 5}))
    reply_type = forms.ChoiceField(label=_("Send as"), choices=ReplyType.choices, initial=ReplyType.PUBLIC)
    language = forms.CharField(label=_("Language"), max_length=8, required=False)
    base_version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class SubmitForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment for the approvers"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class DecisionForm(forms.Form):
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices)
    comment = forms.CharField(
        label=_("Comment"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class MarkSentForm(forms.Form):
    url = forms.URLField(label=_("Where it was posted"), max_length=2000, required=False, assume_scheme="https")
    sent_at = forms.DateTimeField(
        label=_("When"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        help_text=_("Empty: now."),
    )


class DiffForm(forms.Form):
    a = forms.IntegerField(min_value=1)
    b = forms.IntegerField(min_value=1)
