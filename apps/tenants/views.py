from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from apps.accounts.models import Invitation
from apps.accounts.services import invitation_create, invitation_revoke
from apps.core.forms import apply_service_errors
from apps.core.views import render_audit_page, run_and_report

from . import selectors, services
from .forms import BrandForm, InviteForm, RoleForm
from .mixins import ClientScopedMixin
from .models import Brand, Membership
from .roles import ClientPerm


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "tenants/home.html"

    def get(self, request, *args, **kwargs):
        clients = list(selectors.clients_for(request.user))
        # Client people have one client: take them straight to it.
        if len(clients) == 1 and not request.user.is_agency_admin:
            return redirect("client_detail", client_slug=clients[0].slug)
        return self.render_to_response(self.get_context_data(clients=clients))


class ClientSwitchView(LoginRequiredMixin, View):
    """The client switcher submits here; the client then lives in the URL."""

    def get(self, request):
        slug = request.GET.get("client", "")
        if not slug:
            return redirect("home")
        return redirect("client_detail", client_slug=slug)


class ClientDetailView(ClientScopedMixin, TemplateView):
    template_name = "tenants/client_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["brands"] = selectors.brands_of(self.request.user, self.client)
        if self.can(ClientPerm.APPROVE_RESPONSES):
            from apps.responses.selectors import waiting_ids  # responses builds on tenants

            context["waiting_for_me"] = len(waiting_ids(self.request.user, self.client))
        return context


class BrandFormView(ClientScopedMixin, FormView):
    template_name = "tenants/brand_form.html"
    form_class = BrandForm
    read_permission = ClientPerm.MANAGE
    write_permission = ClientPerm.MANAGE
    brand = None

    def setup_brand(self):
        if "brand_pk" in self.kwargs and self.brand is None:
            self.brand = self.get_scoped_object(Brand.objects, pk=self.kwargs["brand_pk"])

    def get_form_kwargs(self):
        self.setup_brand()
        kwargs = super().get_form_kwargs()
        kwargs["client"] = self.client
        kwargs["instance"] = self.brand
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["brand"] = self.brand
        return context

    def form_valid(self, form):
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            if self.brand is None:
                services.brand_create(actor=self.request.user, client=self.client, request=self.request, **fields)
                messages.success(self.request, _("Brand created."))
            else:
                services.brand_update(actor=self.request.user, brand=self.brand, request=self.request, **fields)
                messages.success(self.request, _("Brand saved."))
        except ValidationError as exc:
            apply_service_errors(form, exc)
            return self.form_invalid(form)
        return redirect("client_detail", client_slug=self.client.slug)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class TeamView(ClientScopedMixin, TemplateView):
    """People with access to this client, their roles and MFA, and invitations."""

    template_name = "tenants/team.html"
    read_permission = ClientPerm.MANAGE_MEMBERS
    write_permission = ClientPerm.MANAGE_MEMBERS

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("invite_form", InviteForm())
        context["members"] = selectors.members_of(self.request.user, self.client)
        context["invitations"] = (
            Invitation.objects.visible_to(self.request.user)
            .filter(client=self.client, accepted_at__isnull=True, revoked_at__isnull=True)
            .select_related("invited_by")
        )
        context["role_choices"] = RoleForm.base_fields["role"].choices
        return context

    def post(self, request, *args, **kwargs):
        form = InviteForm(request.POST)
        if form.is_valid():
            try:
                invitation_create(actor=request.user, client=self.client, request=request, **form.cleaned_data)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("Invitation sent to %(email)s.") % form.cleaned_data)
                return redirect("client_team", client_slug=self.client.slug)
        return self.render_to_response(self.get_context_data(invite_form=form), status=400)


class MembershipRoleView(ClientScopedMixin, View):
    read_permission = ClientPerm.MANAGE_MEMBERS
    write_permission = ClientPerm.MANAGE_MEMBERS

    def post(self, request, client_slug, membership_pk):
        membership = self.get_scoped_object(Membership.objects, pk=membership_pk)
        form = RoleForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose one of the roles."))
            return redirect("client_team", client_slug=client_slug)
        run_and_report(
            request,
            lambda: services.membership_change_role(
                actor=request.user, membership=membership, request=request, role=form.cleaned_data["role"]
            ),
            _("Role changed for %(email)s.") % {"email": membership.user.email},
        )
        return redirect("client_team", client_slug=client_slug)


class MembershipRevokeView(ClientScopedMixin, View):
    read_permission = ClientPerm.MANAGE_MEMBERS
    write_permission = ClientPerm.MANAGE_MEMBERS

    def post(self, request, client_slug, membership_pk):
        membership = self.get_scoped_object(Membership.objects, pk=membership_pk)
        run_and_report(
            request,
            lambda: services.membership_revoke(actor=request.user, membership=membership, request=request),
            _("Access revoked for %(email)s.") % {"email": membership.user.email},
        )
        return redirect("client_team", client_slug=client_slug)


class InvitationRevokeView(ClientScopedMixin, View):
    read_permission = ClientPerm.MANAGE_MEMBERS
    write_permission = ClientPerm.MANAGE_MEMBERS

    def post(self, request, client_slug, invitation_pk):
        invitation = self.get_scoped_object(Invitation.objects, pk=invitation_pk)
        run_and_report(
            request,
            lambda: invitation_revoke(actor=request.user, invitation=invitation, request=request),
            _("Invitation revoked."),
        )
        return redirect("client_team", client_slug=client_slug)


class ClientAuditView(ClientScopedMixin, TemplateView):
    template_name = "core/audit_list.html"
    read_permission = ClientPerm.VIEW_AUDIT

    def get(self, request, *args, **kwargs):
        return render_audit_page(self, request, client=self.client)
