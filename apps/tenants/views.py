from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from apps.core.forms import apply_service_errors
from apps.core.views import render_audit_page, run_and_report

from . import services
from .forms import BrandForm, RoleForm
from .mixins import ClientScopedMixin
from .models import Brand, Membership
from .roles import ClientPerm


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


class ClientAuditView(ClientScopedMixin, TemplateView):
    template_name = "core/audit_list.html"
    read_permission = ClientPerm.VIEW_AUDIT

    def get(self, request, *args, **kwargs):
        return render_audit_page(self, request, client=self.client)
