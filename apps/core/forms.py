from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class LinesField(forms.CharField):
    """A list of short strings, typed one per line (commas also separate)."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        if isinstance(value, (list, tuple)):
            return "\n".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        items = [part.strip() for line in text.splitlines() for part in line.split(",")]
        seen: list[str] = []
        for item in items:
            if item and item not in seen:
                seen.append(item)
        for item in seen:
            if len(item) > 120:
                raise ValidationError(_("Each entry may have at most 120 characters."))
        return seen


def apply_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form, by field where the form has it."""
    if not hasattr(form, "cleaned_data"):  # a form the view never validated (a button alone)
        form.cleaned_data = {}
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class AuditFilterForm(forms.Form):
    action = forms.CharField(label=_("Action"), required=False)
    actor = forms.CharField(label=_("Actor e-mail"), required=False)
    target = forms.CharField(label=_("Object"), required=False)
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", _("The end date is before the start date."))
        return data
