"""The on-call rota of a client: who is on call now, the next two weeks, planning and handover."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View

from apps.core.forms import apply_service_errors
from apps.core.views import run_and_report
from apps.mentions.selectors import workers_of
from apps.mentions.views import MentionScopedMixin
from apps.tenants.mixins import ClientScopedMixin
from apps.tenants.roles import ClientPerm

from .forms import AssignForm, AvailabilityForm, HandoverForm, ShiftForm
from .models import OnCallShift
from .selectors import on_call_now
from .services import availability_set, mention_assign, shift_delete, shift_hand_over, shift_save

ROTA_DAYS = 14


class RotaView(ClientScopedMixin, TemplateView):
    template_name = "routing/rota.html"
    read_permission = ClientPerm.READ_WORK
    write_permission = ClientPerm.MANAGE

    def shift_form(self, data=None) -> ShiftForm:
        return ShiftForm(
            data, workers=workers_of(client=self.client), may_plan_agency_wide=self.request.user.is_agency_admin
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        shifts = (
            OnCallShift.objects.visible_to(self.request.user)
            .filter(
                Q(client=self.client) | Q(client=None), ends_at__gt=now, starts_at__lt=now + timedelta(days=ROTA_DAYS)
            )
            .select_related("user", "client")
            .order_by("starts_at")
        )
        days: dict = {}
        for shift in shifts:
            days.setdefault(timezone.localtime(shift.starts_at).date(), []).append(shift)
        context["days"] = sorted(days.items())
        context["on_call"] = on_call_now(client=self.client, at=now)
        context["mine_now"] = next(
            (s for s in shifts if s.user_id == self.request.user.pk and s.starts_at <= now), None
        )
        context.setdefault("form", self.shift_form())
        context["handover_form"] = HandoverForm()
        context["availability_form"] = AvailabilityForm(initial={"availability": self.request.user.availability})
        context["can_manage"] = self.can(ClientPerm.MANAGE)
        return context

    def post(self, request, client_slug):
        form = self.shift_form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                shift_save(
                    actor=request.user,
                    client=None if data.get("agency_wide") else self.client,
                    user=data["user"],
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    request=request,
                )
                messages.success(request, _("Shift planned."))
                return redirect("on_call", client_slug=client_slug)
            except ValidationError as error:
                apply_service_errors(form, error)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ShiftActionView(ClientScopedMixin, View):
    """Delete a shift (planners) or hand over from it (its person, or planners)."""

    read_permission = ClientPerm.WORK_MENTIONS
    write_permission = ClientPerm.WORK_MENTIONS

    def post(self, request, client_slug, shift_pk, action):
        if action not in ("delete", "handover"):
            raise Http404
        shift = get_object_or_404(
            OnCallShift.objects.visible_to(request.user).filter(Q(client=self.client) | Q(client=None)), pk=shift_pk
        )
        if action == "delete":
            run_and_report(
                request, lambda: shift_delete(actor=request.user, shift=shift, request=request), _("Shift removed.")
            )
        else:
            note = request.POST.get("note", "")
            run_and_report(
                request,
                lambda: shift_hand_over(actor=request.user, shift=shift, note=note, request=request),
                _("Handed over."),
            )
        return redirect("on_call", client_slug=client_slug)


class AvailabilityView(ClientScopedMixin, View):
    read_permission = ClientPerm.WORK_MENTIONS
    write_permission = ClientPerm.WORK_MENTIONS

    def post(self, request, client_slug):
        status = request.POST.get("availability", "")
        run_and_report(
            request, lambda: availability_set(actor=request.user, status=status, request=request), _("Saved.")
        )
        return redirect("on_call", client_slug=client_slug)


# --- The assignee on the mention page --------------------------------------------------------


def assignee_panel(*, view, mention, forms) -> dict:
    return {
        "assign_form": forms.get("assign_form")
        or AssignForm(workers=workers_of(client=view.client), initial={"assignee": mention.assignee_id})
    }


class MentionAssignView(MentionScopedMixin, View):
    def post(self, request, client_slug, mention_pk):
        mention = self.load_mention(mention_pk)
        form = AssignForm(request.POST, workers=workers_of(client=self.client))
        if not form.is_valid():
            return self.render_detail(mention, assign_form=form, status=400)
        assignee = form.cleaned_data["assignee"]
        run_and_report(
            request,
            lambda: mention_assign(actor=request.user, mention=mention, assignee=assignee, request=request),
            _("Assigned to %(name)s.") % {"name": assignee} if assignee else _("Nobody is assigned now."),
        )
        return redirect("mention_detail", client_slug=client_slug, mention_pk=mention.pk)
