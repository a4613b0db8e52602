"""Forms of answers: the editor and the approval page, and the setup pages (the approval
policy, its rules, and saved replies).

The services decide what is allowed; these forms only turn posted fields into their arguments.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.mentions.models import MentionKind, RiskLevel
from apps.tenants.roles import ClientPerm
from apps.tenants.scoping import users_with_client_perm

from .models import ApproverRole, Decision, ReplyType, StepMode
from .services import MAX_TEXT

# Rows for approval steps on the rule form; a rule saved with more steps (the API allows up
# to five) gets a row for each, so that saving the form never drops a step silently.
STEP_ROWS = 3


class ApprovalPolicyForm(forms.Form):
    allow_self_approval = forms.BooleanField(
        label=_("Authors may approve their own answers"),
        required=False,
        help_text=_("Off: someone other than the author must approve."),
    )
    remind_after_minutes = forms.IntegerField(
        label=_("Remind approvers after (minutes)"), help_text=_("0: never remind.")
    )
    expire_after_hours = forms.IntegerField(
        label=_("Approval requests expire after (hours)"), help_text=_("0: they never expire.")
    )

    @staticmethod
    def initial_from(policy) -> dict:
        """Field values from a policy (an unsaved one carries the defaults)."""
        return {
            "allow_self_approval": policy.allow_self_approval,
            "remind_after_minutes": policy.remind_after_minutes,
            "expire_after_hours": policy.expire_after_hours,
        }


class PersonChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user) -> str:
        return f"{user.full_name} ({user.email})" if user.full_name else user.email


class ApprovalRuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    position = forms.IntegerField(
        label=_("Order"),
        required=False,
        min_value=1,
        max_value=1000,
        help_text=_("Rules are checked from the lowest number up. Empty: a new rule goes last."),
    )
    risk_levels = forms.MultipleChoiceField(
        label=_("Risk levels"),
        choices=RiskLevel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: any level."),
    )
    kinds = forms.MultipleChoiceField(
        label=_("Kinds of mention"),
        choices=MentionKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: any kind."),
    )
    channels = forms.CharField(
        label=_("Channels"),
        required=False,
        max_length=500,
        help_text=_("Platform names separated by commas, e.g. mastodon, bluesky. Empty: any channel."),
    )
    reply_types = forms.MultipleChoiceField(
        label=_("Reply types"),
        choices=ReplyType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: public replies and private messages."),
    )
    needs_approval = forms.BooleanField(
        label=_("Matching answers need approval"),
        required=False,
        initial=True,
        help_text=_("Off: matching answers go out without approval, and the steps below are ignored."),
    )

    def __init__(self, *args, client, step_rows: int = STEP_ROWS, **kwargs):
        super().__init__(*args, **kwargs)
        approvers = users_with_client_perm(client, ClientPerm.APPROVE_RESPONSES).order_by("email")
        self.step_numbers = range(1, max(STEP_ROWS, step_rows) + 1)
        for n in self.step_numbers:
            self.fields[f"step_{n}_role"] = forms.ChoiceField(
                label=_("Step %(n)d: who approves") % {"n": n},
                choices=[("", _("(no step)")), *ApproverRole.choices],
                required=False,
            )
            self.fields[f"step_{n}_mode"] = forms.ChoiceField(
                label=_("Step %(n)d: needs") % {"n": n}, choices=StepMode.choices, initial=StepMode.ANY, required=False
            )
            self.fields[f"step_{n}_people"] = PersonChoiceField(
                label=_("Step %(n)d: named people") % {"n": n},
                queryset=approvers,
                required=False,
                help_text=_("Only for named people: who may approve at this client."),
            )

    def step_rows(self):
        """The fields of each step row, for the template: (number, role, mode, people)."""
        return [
            (n, self[f"step_{n}_role"], self[f"step_{n}_mode"], self[f"step_{n}_people"]) for n in self.step_numbers
        ]

    def clean_channels(self) -> list[str]:
        parts = (part.strip().lower() for part in self.cleaned_data["channels"].split(","))
        return list(dict.fromkeys(part for part in parts if part))

    def clean(self):
        data = super().clean()
        for n in self.step_numbers:
            if not data.get(f"step_{n}_role") and data.get(f"step_{n}_people"):
                self.add_error(f"step_{n}_role", _("Choose who approves in this step, or clear its people."))
        return data

    def steps(self) -> list[dict]:
        """The filled step rows, in order, as the service takes them; rows with no approvers are skipped."""
        data = self.cleaned_data
        return [
            {
                "role": data[f"step_{n}_role"],
                "mode": data[f"step_{n}_mode"] or StepMode.ANY,
                "people": [person.pk for person in data[f"step_{n}_people"]],
            }
            for n in self.step_numbers
            if data.get(f"step_{n}_role")
        ]

    def rule_data(self) -> dict:
        """Keyword arguments of approval_rule_save, apart from actor, client, rule and request."""
        data = self.cleaned_data
        position = data["position"]
        return {
            "name": data["name"],
            "position": None if position is None else position - 1,
            "risk_levels": data["risk_levels"],
            "kinds": data["kinds"],
            "channels": data["channels"],
            "reply_types": data["reply_types"],
            "needs_approval": data["needs_approval"],
            "steps": self.steps(),
        }

    @staticmethod
    def initial_from(rule) -> dict:
        if rule is None:
            return {"needs_approval": True}
        initial = {
            "name": rule.name,
            "position": rule.position + 1,
            "risk_levels": rule.risk_levels,
            "kinds": rule.kinds,
            "channels": ", ".join(rule.channels),
            "reply_types": rule.reply_types,
            "needs_approval": rule.needs_approval,
        }
        for n, step in enumerate(rule.steps.all(), start=1):
            initial[f"step_{n}_role"] = step.approver_role
            initial[f"step_{n}_mode"] = step.mode
            initial[f"step_{n}_people"] = [person.pk for person in step.people.all()]
        return initial


class SavedReplyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    language = forms.CharField(
        label=_("Language"),
        max_length=8,
        required=False,
        help_text=_("A language code such as en or nb. Empty: any language."),
    )
    kind = forms.ChoiceField(
        label=_("Kind of mention"),
        choices=[("", _("Any kind")), *MentionKind.choices],
        required=False,
    )
    text = forms.CharField(
        label=_("Text"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Placeholders filled in for each mention: {author} (who wrote it), {brand} (the brand's name) "
            "and {link} (the mention's address)."
        ),
    )

    @staticmethod
    def initial_from(reply) -> dict:
        if reply is None:
            return {}
        return {"name": reply.name, "language": reply.language, "kind": reply.kind, "text": reply.text}


# The answer editor and the approval page.


class AnswerForm(forms.Form):
    """A new answer, or a new version of one (`base_version`: the version the editor opened)."""

    text = forms.CharField(label=_("Answer"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 5}))
    reply_type = forms.ChoiceField(label=_("Send as"), choices=ReplyType.choices, initial=ReplyType.PUBLIC)
    language = forms.CharField(label=_("Language"), max_length=8, required=False)
    base_version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class SubmitForm(forms.Form):
    """Submitting from the editor sends its text too: it is saved as a new version first."""

    comment = forms.CharField(
        label=_("Comment for the approvers"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    text = forms.CharField(label=_("Answer"), max_length=MAX_TEXT, required=False)
    language = forms.CharField(label=_("Language"), max_length=8, required=False)
    base_version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def edits(self) -> dict:
        """The editor's text for answer_submit, when the form came from an editor."""
        if "text" not in self.data:
            return {}
        data = self.cleaned_data
        return {"text": data["text"], "language": data["language"] or None, "base_version": data["base_version"]}


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
    """Empty: the current version and the one before."""

    a = forms.IntegerField(min_value=1, required=False)
    b = forms.IntegerField(min_value=1, required=False)
