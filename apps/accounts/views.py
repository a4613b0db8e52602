from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from apps.core.forms import apply_service_errors
from apps.core.views import AgencyAdminRequiredMixin, redirect_back, render_audit_page, run_and_report
from apps.tenants.forms import RoleForm
from apps.tenants.mixins import ClientScopedMixin
from apps.tenants.models import Membership
from apps.tenants.roles import ClientPerm

from . import services
from .forms import AcceptInvitationForm, ApiTokenForm, InviteForm
from .mfa_policy import has_mfa_annotation
from .models import ApiToken, Invitation, User
from .selectors import members_of


class InvitationAcceptView(TemplateView):
    """Open an invitation link: sign up with the invited address, or accept while signed in."""

    template_name = "accounts/invitation_accept.html"

    def dispatch(self, request, *args, **kwargs):
        self.invitation = services.invitation_by_key(key=kwargs["key"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["invitation"] = self.invitation
        context["valid"] = self.invitation is not None and self.invitation.is_pending
        context["account_exists"] = bool(
            self.invitation and User.objects.filter(email__iexact=self.invitation.email).exists()
        )
        context.setdefault("form", AcceptInvitationForm())
        return context

    def get(self, request, *args, **kwargs):
        status = 200 if self.invitation is not None and self.invitation.is_pending else 410
        return self.render_to_response(self.get_context_data(), status=status)

    def post(self, request, *args, **kwargs):
        form = AcceptInvitationForm(request.POST) if not request.user.is_authenticated else None
        if form is not None and not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        try:
            if request.user.is_authenticated:
                user = services.invitation_accept(key=kwargs["key"], user=request.user, request=request)
            else:
                user = services.invitation_accept(
                    key=kwargs["key"],
                    full_name=form.cleaned_data["full_name"],
                    password=form.cleaned_data["password1"],
                    request=request,
                )
                login(request, user, backend="allauth.account.auth_backends.AuthenticationBackend")
        except ValidationError as exc:
            form = form or AcceptInvitationForm()
            apply_service_errors(form, exc)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(
            request, _("Welcome! You now have access to %(client)s.") % {"client": self.invitation.client.name}
        )
        return redirect("client_detail", client_slug=self.invitation.client.slug)


class ApiTokensView(LoginRequiredMixin, TemplateView):
    """A person's own API tokens: create (secret shown once) and revoke."""

    template_name = "accounts/tokens.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["tokens"] = ApiToken.objects.filter(user=self.request.user)
        context.setdefault("form", ApiTokenForm())
        return context

    def post(self, request):
        form = ApiTokenForm(request.POST)
        if form.is_valid():
            try:
                token, raw = services.api_token_create(
                    actor=request.user, user=request.user, request=request, **form.cleaned_data
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                return self.render_to_response(self.get_context_data(new_token=raw, new_token_obj=token))
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ApiTokenRevokeView(LoginRequiredMixin, View):
    def post(self, request, token_pk):
        tokens = ApiToken.objects.all() if request.user.is_agency_admin else ApiToken.objects.filter(user=request.user)
        token = get_object_or_404(tokens, pk=token_pk)
        services.api_token_revoke(actor=request.user, token=token, request=request)
        messages.success(request, _("Token revoked."))
        return redirect_back(request, "api_tokens")


class PeopleView(AgencyAdminRequiredMixin, TemplateView):
    """Everyone in the workspace: memberships, MFA, tokens, access (agency admins)."""

    template_name = "accounts/people.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["people"] = (
            User.objects.order_by("email")
            .annotate(has_mfa=has_mfa_annotation("pk"))
            .prefetch_related(
                Prefetch("memberships", queryset=Membership.objects.unscoped().select_related("client")),
                Prefetch("api_tokens", queryset=ApiToken.objects.filter(revoked_at__isnull=True)),
            )
        )
        return context


class UserAccessView(AgencyAdminRequiredMixin, View):
    def post(self, request, user_pk):
        person = get_object_or_404(User, pk=user_pk)
        active = request.POST.get("active") == "1"
        run_and_report(
            request,
            lambda: services.user_set_active(actor=request.user, user=person, active=active, request=request),
            _("Access updated for %(email)s.") % {"email": person.email},
        )
        return redirect("people")


class AgencyAuditView(AgencyAdminRequiredMixin, TemplateView):
    """The whole audit trail, sign-ins included (agency admins)."""

    template_name = "core/audit_list.html"

    def get(self, request, *args, **kwargs):
        return render_audit_page(self, request)


# --- A client's team: people, roles and invitations -------------------------------------------


class TeamView(ClientScopedMixin, TemplateView):
    """People with access to this client, their roles and MFA, and invitations."""

    template_name = "accounts/team.html"
    read_permission = ClientPerm.MANAGE_MEMBERS
    write_permission = ClientPerm.MANAGE_MEMBERS

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("invite_form", InviteForm())
        context["members"] = members_of(user=self.request.user, client=self.client)
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
                services.invitation_create(actor=request.user, client=self.client, request=request, **form.cleaned_data)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("Invitation sent to %(email)s.") % form.cleaned_data)
                return redirect("client_team", client_slug=self.client.slug)
        return self.render_to_response(self.get_context_data(invite_form=form), status=400)


class InvitationRevokeView(ClientScopedMixin, View):
    read_permission = ClientPerm.MANAGE_MEMBERS
    write_permission = ClientPerm.MANAGE_MEMBERS

    def post(self, request, client_slug, invitation_pk):
        invitation = self.get_scoped_object(Invitation.objects, pk=invitation_pk)
        run_and_report(
            request,
            lambda: services.invitation_revoke(actor=request.user, invitation=invitation, request=request),
            _("Invitation revoked."),
        )
        return redirect("client_team", client_slug=client_slug)
