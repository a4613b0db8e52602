"""Setting up answers for a client: the approval policy with its rules, and saved replies.

The team reads the policy; only managers change it. Saved replies belong to everyone who
works the client's mentions. A refused form comes back with the service's reasons (400).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View

from apps.core.forms import apply_service_errors
from apps.mentions.models import MentionKind, RiskLevel
from apps.tenants.mixins import ClientScopedMixin
from apps.tenants.roles import ClientPerm

from .forms import ApprovalPolicyForm, ApprovalRuleForm, SavedReplyForm
from .models import ApprovalRule, ApproverRole, ReplyType, SavedReply, StepMode
from .policy import approval_policy_of, rule_steps, staffing_warnings
from .selectors import approval_rules_of
from .services import (
    approval_policy_save,
    approval_rule_delete,
    approval_rule_save,
    saved_reply_delete,
    saved_reply_save,
)

STEP_WORDS = {
    (ApproverRole.ACCOUNT_LEAD, StepMode.ANY): gettext_lazy("any account lead"),
    (ApproverRole.ACCOUNT_LEAD, StepMode.ALL): gettext_lazy("all account leads"),
    (ApproverRole.CLIENT_APPROVER, StepMode.ANY): gettext_lazy("any client approver"),
    (ApproverRole.CLIENT_APPROVER, StepMode.ALL): gettext_lazy("all client approvers"),
    (ApproverRole.PEOPLE, StepMode.ANY): gettext_lazy("any one of %(people)s"),
    (ApproverRole.PEOPLE, StepMode.ALL): gettext_lazy("all of %(people)s"),
}


def describe_step(number: int, step) -> str:
    """A step in words, e.g. "Step 1: any account lead". Plain text: templates escape the names."""
    words = str(STEP_WORDS.get((step.approver_role, step.mode), step.approver_role))
    if step.approver_role == ApproverRole.PEOPLE:
        words = words % {"people": ", ".join(person.display_name for person in step.people.all())}
    return _("Step %(n)d: %(who)s") % {"n": number, "who": words}


def describe_conditions(rule) -> list[tuple[str, str]]:
    """Each condition of a rule as (label, chosen values), "any" where it is empty."""
    conditions = (
        (_("Risk levels"), rule.risk_levels, dict(RiskLevel.choices)),
        (_("Kinds"), rule.kinds, dict(MentionKind.choices)),
        (_("Channels"), rule.channels, {}),
        (_("Reply types"), rule.reply_types, dict(ReplyType.choices)),
    )
    return [
        (label, ", ".join(str(names.get(value, value)) for value in values) if values else _("any"))
        for label, values, names in conditions
    ]


class ApprovalPolicyView(ClientScopedMixin, TemplateView):
    """The client's approval settings and its rules in the order they are checked."""

    template_name = "responses/approval_policy.html"
    read_permission = ClientPerm.READ_WORK
    write_permission = ClientPerm.MANAGE

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Until one is saved, the model's defaults apply.
        policy = approval_policy_of(self.client)
        form = context.setdefault("form", ApprovalPolicyForm(initial=ApprovalPolicyForm.initial_from(policy)))
        rules = approval_rules_of(user=self.request.user, client=self.client)
        context["rules"] = [
            {
                "rule": rule,
                "conditions": describe_conditions(rule),
                "steps": [describe_step(n, step) for n, step in enumerate(rule.steps.all(), start=1)],
                "warnings": staffing_warnings(self.client, policy, rule_steps(rule)) if rule.needs_approval else [],
            }
            for rule in rules
        ]
        context["default_warnings"] = staffing_warnings(self.client, policy, ())
        context["can_manage"] = self.can(ClientPerm.MANAGE)
        if not context["can_manage"]:
            for field in form.fields.values():
                field.disabled = True
        return context

    def post(self, request, client_slug):
        form = ApprovalPolicyForm(request.POST)
        if form.is_valid():
            try:
                approval_policy_save(actor=request.user, client=self.client, request=request, **form.cleaned_data)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("Approval settings saved."))
                return redirect("approval_policy", client_slug=client_slug)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ApprovalRuleFormView(ClientScopedMixin, TemplateView):
    """A new rule (no rule_pk in the URL) or an existing one."""

    template_name = "responses/approval_rule_form.html"
    read_permission = ClientPerm.MANAGE
    write_permission = ClientPerm.MANAGE

    def load_rule(self):
        if "rule_pk" not in self.kwargs:
            return None
        return self.get_scoped_object(ApprovalRule.objects.prefetch_related("steps__people"), pk=self.kwargs["rule_pk"])

    def rule_form(self, rule, data=None) -> ApprovalRuleForm:
        return ApprovalRuleForm(
            data,
            client=self.client,
            initial=ApprovalRuleForm.initial_from(rule),
            step_rows=len(rule.steps.all()) if rule else 0,
        )

    def get(self, request, *args, **kwargs):
        rule = self.load_rule()
        return self.render_to_response(self.get_context_data(rule=rule, form=self.rule_form(rule)))

    def post(self, request, *args, **kwargs):
        rule = self.load_rule()
        form = self.rule_form(rule, request.POST)
        if form.is_valid():
            try:
                approval_rule_save(
                    actor=request.user, client=self.client, rule=rule, request=request, **form.rule_data()
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("Rule saved."))
                return redirect("approval_policy", client_slug=self.client.slug)
        return self.render_to_response(self.get_context_data(rule=rule, form=form), status=400)


class ApprovalRuleDeleteView(ClientScopedMixin, View):
    read_permission = ClientPerm.MANAGE
    write_permission = ClientPerm.MANAGE

    def post(self, request, client_slug, rule_pk):
        rule = self.get_scoped_object(ApprovalRule.objects, pk=rule_pk)
        approval_rule_delete(actor=request.user, rule=rule, request=request)
        messages.success(request, _("Rule %(name)s deleted.") % {"name": rule.name})
        return redirect("approval_policy", client_slug=client_slug)


class SavedReplyPageView(ClientScopedMixin, TemplateView):
    """Shared by the list (which adds a reply) and a reply's own page (which changes it)."""

    read_permission = ClientPerm.READ_WORK
    write_permission = ClientPerm.WORK_MENTIONS

    def load_reply(self):
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        reply = self.load_reply()
        form = SavedReplyForm(initial=SavedReplyForm.initial_from(reply))
        return self.render_to_response(self.get_context_data(reply=reply, form=form))

    def post(self, request, *args, **kwargs):
        reply = self.load_reply()
        form = SavedReplyForm(request.POST)
        if form.is_valid():
            try:
                saved_reply_save(
                    actor=request.user, client=self.client, reply=reply, request=request, **form.cleaned_data
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("Saved reply %(name)s saved.") % {"name": form.cleaned_data["name"]})
                return redirect("saved_replies", client_slug=self.client.slug)
        return self.render_to_response(self.get_context_data(reply=reply, form=form), status=400)


class SavedRepliesView(SavedReplyPageView):
    """The client's saved replies, with a form to add one."""

    template_name = "responses/saved_replies.html"

    def load_reply(self):
        return None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        kinds = dict(MentionKind.choices)
        replies = list(SavedReply.objects.visible_to(self.request.user).filter(client=self.client))
        for reply in replies:
            reply.kind_label = kinds.get(reply.kind, reply.kind)
        context["replies"] = replies
        return context


class SavedReplyFormView(SavedReplyPageView):
    """One saved reply, to change."""

    template_name = "responses/saved_reply_form.html"

    def load_reply(self):
        return self.get_scoped_object(SavedReply.objects, pk=self.kwargs["reply_pk"])


class SavedReplyDeleteView(ClientScopedMixin, View):
    read_permission = ClientPerm.WORK_MENTIONS
    write_permission = ClientPerm.WORK_MENTIONS

    def post(self, request, client_slug, reply_pk):
        reply = self.get_scoped_object(SavedReply.objects, pk=reply_pk)
        saved_reply_delete(actor=request.user, reply=reply, request=request)
        messages.success(request, _("Saved reply %(name)s deleted.") % {"name": reply.name})
        return redirect("saved_replies", client_slug=client_slug)
