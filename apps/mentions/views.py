"""One mention: what was said, its risk and why, its rating history, who answers it by when."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.generic import View

from apps.core.forms import apply_service_errors
from apps.core.views import run_and_report
from apps.risk.scoring import explain
from apps.risk.services import mention_override_risk
from apps.routing.services import mention_assign
from apps.tenants.mixins import ClientScopedMixin
from apps.tenants.roles import ClientPerm

from .forms import AssignForm, RiskOverrideForm
from .selectors import mention_of, ratings_of, workers_of


class MentionScopedMixin(ClientScopedMixin):
    read_permission = ClientPerm.WORK_MENTIONS
    write_permission = ClientPerm.WORK_MENTIONS

    def load_mention(self, mention_pk):
        mention = mention_of(self.request.user, self.client, mention_pk)
        if mention is None:
            raise Http404
        return mention

    def render_detail(self, mention, *, override_form=None, assign_form=None, status=200):
        ratings = list(ratings_of(mention))
        context = {
            "client": self.client,
            "mention": mention,
            "explanation": explain(mention.risk_level, mention.risk_score, mention.risk_factors)
            if mention.risk_level
            else "",
            "ratings": [(rating, explain(rating.level, rating.score, rating.factors)) for rating in ratings],
            "override_form": override_form or RiskOverrideForm(initial={"level": mention.risk_level}),
            "assign_form": assign_form
            or AssignForm(workers=workers_of(self.client), initial={"assignee": mention.assignee_id}),
        }
        return render(self.request, "mentions/mention_detail.html", context, status=status)


class MentionDetailView(MentionScopedMixin, View):
    def get(self, request, client_slug, mention_pk):
        return self.render_detail(self.load_mention(mention_pk))


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


class MentionAssignView(MentionScopedMixin, View):
    def post(self, request, client_slug, mention_pk):
        mention = self.load_mention(mention_pk)
        form = AssignForm(request.POST, workers=workers_of(self.client))
        if not form.is_valid():
            return self.render_detail(mention, assign_form=form, status=400)
        assignee = form.cleaned_data["assignee"]
        run_and_report(
            request,
            lambda: mention_assign(actor=request.user, mention=mention, assignee=assignee, request=request),
            _("Assigned to %(name)s.") % {"name": assignee} if assignee else _("Nobody is assigned now."),
        )
        return redirect("mention_detail", client_slug=client_slug, mention_pk=mention.pk)
