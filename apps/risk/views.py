"""A client's response rules on one page: risk policy, opening hours, routing."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View

from apps.core.forms import apply_service_errors
from apps.mentions.ratings import explain
from apps.mentions.views import MentionScopedMixin
from apps.routing.selectors import routing_policy_of
from apps.routing.services import responder_capacities_set, routing_policy_save
from apps.tenants.mixins import ClientScopedMixin
from apps.tenants.models import BusinessHoursBlock, Holiday, Membership
from apps.tenants.roles import ClientPerm, Role
from apps.tenants.services import business_hours_save

from .forms import BusinessHoursForm, CapacityForm, RiskOverrideForm, RiskPolicyForm, RoutingPolicyForm
from .models import RiskPolicy
from .selectors import ratings_of
from .services import mention_override_risk, risk_policy_save


class ResponseRulesView(ClientScopedMixin, TemplateView):
    """Each form posts with its own `section`; a refused one comes back with its errors, the others as stored."""

    template_name = "risk/response_rules.html"
    read_permission = ClientPerm.READ_WORK
    write_permission = ClientPerm.MANAGE

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        policy = RiskPolicy.objects.visible_to(user).filter(client=self.client, brand=None).first()
        context.setdefault("policy_form", RiskPolicyForm(initial=RiskPolicyForm.initial_from(policy)))
        blocks = BusinessHoursBlock.objects.visible_to(user).filter(client=self.client)
        holidays = Holiday.objects.visible_to(user).filter(client=self.client)
        context["has_hours"] = blocks.exists()
        context.setdefault(
            "hours_form", BusinessHoursForm(initial=BusinessHoursForm.initial_from(self.client, blocks, holidays))
        )
        routing = routing_policy_of(client=self.client)
        context.setdefault(
            "routing_form",
            RoutingPolicyForm(
                initial={
                    "mode": routing.mode,
                    "default_capacity": routing.default_capacity,
                    "high_risk_reserve": routing.high_risk_reserve,
                    "reassign_after_minutes": routing.reassign_after_minutes,
                }
            ),
        )
        context.setdefault("capacity_form", CapacityForm(memberships=self.workers()))
        context["uses_defaults"] = policy is None
        context["can_manage"] = self.can(ClientPerm.MANAGE)
        return context

    def post(self, request, client_slug):
        section = request.POST.get("section")
        forms = {"policy": RiskPolicyForm, "hours": BusinessHoursForm, "routing": RoutingPolicyForm}
        if section == "capacity":
            form = CapacityForm(request.POST, memberships=self.workers())
        elif section in forms:
            form = forms[section](request.POST)
        else:
            return redirect("response_rules", client_slug=client_slug)
        if form.is_valid():
            try:
                self.save(section, form)
                messages.success(request, _("Saved."))
                return redirect("response_rules", client_slug=client_slug)
            except ValidationError as error:
                apply_service_errors(form, error)
        return self.render_to_response(self.get_context_data(**{f"{section}_form": form}), status=400)

    def save(self, section: str, form) -> None:
        actor, data = self.request.user, form.cleaned_data
        if section == "policy":
            risk_policy_save(actor=actor, client=self.client, data=form.policy_data(), request=self.request)
        elif section == "hours":
            business_hours_save(
                actor=actor,
                client=self.client,
                timezone_name=data["timezone"],
                blocks=data["blocks"],
                holidays=data["holidays"],
                request=self.request,
            )
        elif section == "capacity":
            responder_capacities_set(
                actor=actor, client=self.client, capacities=form.capacities(), request=self.request
            )
        else:
            routing_policy_save(actor=actor, client=self.client, request=self.request, **data)

    def workers(self):
        """Memberships at this client that routing gives mentions to (on_duty_responders: responders)."""
        return (
            Membership.objects.visible_to(self.request.user)
            .filter(client=self.client, role=Role.RESPONDER, user__is_active=True)
            .select_related("user", "client")
            .order_by("user__email")
        )


# --- The rating on the mention page ----------------------------------------------------------


def rating_panel(*, view, mention, forms) -> dict:
    """The mention page's rating: the sentence, the history and the override form."""
    ratings = ratings_of(mention=mention)
    return {
        "explanation": explain(mention.risk_level, mention.risk_score, mention.risk_factors)
        if mention.risk_level
        else "",
        "ratings": [(rating, explain(rating.level, rating.score, rating.factors)) for rating in ratings],
        "override_form": forms.get("override_form") or RiskOverrideForm(initial={"level": mention.risk_level}),
    }


class MentionRiskView(MentionScopedMixin, View):
    def post(self, request, client_slug, mention_pk):
        mention = self.load_mention(mention_pk)
        form = RiskOverrideForm(request.POST)
        if form.is_valid():
            try:
                mention_override_risk(actor=request.user, mention=mention, request=request, **form.cleaned_data)
                return redirect("mention_detail", client_slug=client_slug, mention_pk=mention.pk)
            except ValidationError as error:
                apply_service_errors(form, error)
        return self.render_detail(mention, override_form=form, status=400)
