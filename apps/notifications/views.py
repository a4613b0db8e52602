from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from apps.core.forms import apply_service_errors
from apps.core.sessions import background_poll
from apps.core.views import run_and_report
from apps.tenants.mixins import ClientScopedMixin
from apps.tenants.roles import ClientPerm

from . import services
from .forms import NotificationSettingsForm, WebhookEndpointForm
from .models import DeliveryStatus, WebhookEndpoint, is_relative_link
from .selectors import (
    bell_context,
    notification_settings_of,
    notifications_for,
    unread_count,
    webhook_deliveries_of,
    webhook_endpoints_of,
)

NOTIFICATIONS_PER_PAGE = 25
DELIVERY_LOG_LENGTH = 50
SHOWN_ONCE_SESSION_KEY = "webhook_endpoint_shown_once"


@never_cache
@require_GET
@background_poll
def notification_badge(request):
    """The bell alone, polled by htmx every 30 s. Signed out: 204, so htmx leaves the page as it is.

    Rendered without the request: the page-wide context (the client switcher) is not needed here.
    """
    context = bell_context(user=request.user)
    if not context["show_bell"]:
        return HttpResponse(status=204)
    return HttpResponse(render_to_string("notifications/_bell.html", context))


class NotificationListView(LoginRequiredMixin, TemplateView):
    """The person's notifications, newest first, unread ones highlighted."""

    template_name = "notifications/notification_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = Paginator(notifications_for(user=self.request.user), NOTIFICATIONS_PER_PAGE).get_page(
            self.request.GET.get("page")
        )
        context.update(page=page, notifications=page.object_list, unread=unread_count(user=self.request.user))
        return context


class NotificationOpenView(LoginRequiredMixin, View):
    """Mark one notification read and go where it points."""

    def post(self, request, notification_pk):
        notification = get_object_or_404(notifications_for(user=request.user), pk=notification_pk)
        services.notification_mark_read(actor=request.user, notification=notification)
        if notification.url and is_relative_link(notification.url):
            return redirect(notification.url)
        return redirect("notification_list")


class NotificationReadAllView(LoginRequiredMixin, View):
    def post(self, request):
        count = services.notifications_mark_all_read(actor=request.user)
        messages.success(
            request,
            ngettext("%(n)d notification marked read.", "%(n)d notifications marked read.", count) % {"n": count},
        )
        return redirect("notification_list")


class NotificationSettingsView(LoginRequiredMixin, TemplateView):
    """The person's channels per event, quiet hours and e-mail rhythm."""

    template_name = "notifications/settings.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault(
            "form", NotificationSettingsForm(preferences=notification_settings_of(user=self.request.user))
        )
        return context

    def post(self, request, *args, **kwargs):
        form = NotificationSettingsForm(request.POST, preferences=notification_settings_of(user=request.user))
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.notification_settings_update(
                    actor=request.user,
                    channels=form.channels(),
                    quiet_hours_start=data["quiet_hours_start"],
                    quiet_hours_end=data["quiet_hours_end"],
                    time_zone=data["time_zone"],
                    digest_minutes=data["digest_minutes"],
                    request=request,
                )
                messages.success(request, _("Notification settings saved."))
                return redirect("notification_settings")
            except ValidationError as exc:
                apply_service_errors(form, exc)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class WebhookListView(ClientScopedMixin, TemplateView):
    """The client's outgoing webhooks and how they are doing."""

    template_name = "notifications/webhook_list.html"
    read_permission = ClientPerm.READ_WORK

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["endpoints"] = webhook_endpoints_of(user=self.request.user, client=self.client)
        context["can_manage"] = self.can(ClientPerm.MANAGE)
        return context


class WebhookEndpointMixin(ClientScopedMixin):
    def get_endpoint(self) -> WebhookEndpoint:
        """The endpoint named in the URL, of this client and not deleted, or 404."""
        return self.get_scoped_object(
            WebhookEndpoint.objects.filter(deleted_at__isnull=True), pk=self.kwargs["endpoint_pk"]
        )


class WebhookCreateView(ClientScopedMixin, TemplateView):
    template_name = "notifications/webhook_form.html"
    read_permission = ClientPerm.MANAGE
    write_permission = ClientPerm.MANAGE

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", WebhookEndpointForm())
        return context

    def post(self, request, *args, **kwargs):
        form = WebhookEndpointForm(request.POST)
        if form.is_valid():
            try:
                endpoint, secret = services.webhook_endpoint_create(
                    actor=request.user, client=self.client, request=request, **form.cleaned_data
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                # Shown once on the next page: only its encrypted form is kept.
                request.session[SHOWN_ONCE_SESSION_KEY] = {"endpoint": endpoint.pk, "secret": secret}
                messages.success(request, _("Webhook created."))
                return redirect("webhook_detail", client_slug=self.client.slug, endpoint_pk=endpoint.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class WebhookDetailView(WebhookEndpointMixin, TemplateView):
    """One endpoint: health, settings (leads) and the delivery log, which refreshes while sends are under way."""

    template_name = "notifications/webhook_detail.html"
    read_permission = ClientPerm.READ_WORK
    write_permission = ClientPerm.MANAGE

    def get_template_names(self):
        return ["notifications/_delivery_log.html"] if self.request.htmx else [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        endpoint = context.setdefault("endpoint", self.get_endpoint())
        deliveries = list(
            webhook_deliveries_of(user=self.request.user, client=self.client, endpoint=endpoint)[:DELIVERY_LOG_LENGTH]
        )
        context["deliveries"] = deliveries
        context["sending"] = any(d.status == DeliveryStatus.PENDING for d in deliveries)
        context["can_manage"] = self.can(ClientPerm.MANAGE)
        if context["can_manage"]:
            context.setdefault("form", WebhookEndpointForm(endpoint=endpoint))
            once = self.request.session.pop(SHOWN_ONCE_SESSION_KEY, None)
            if once and once.get("endpoint") == endpoint.pk:
                context["secret"] = once["secret"]
        return context

    def post(self, request, *args, **kwargs):
        endpoint = self.get_endpoint()
        form = WebhookEndpointForm(request.POST, endpoint=endpoint)
        if form.is_valid():
            try:
                services.webhook_endpoint_update(
                    actor=request.user, endpoint=endpoint, request=request, **form.cleaned_data
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("Webhook saved."))
                return redirect(request.path)
        return self.render_to_response(self.get_context_data(form=form, endpoint=endpoint), status=400)


class WebhookTestView(WebhookEndpointMixin, View):
    read_permission = ClientPerm.MANAGE
    write_permission = ClientPerm.MANAGE

    def post(self, request, client_slug, endpoint_pk):
        endpoint = self.get_endpoint()
        run_and_report(
            request,
            lambda: services.webhook_endpoint_send_test(actor=request.user, endpoint=endpoint, request=request),
            _("Test event sent to %(name)s; its answer appears in the log.") % {"name": endpoint.name},
        )
        return redirect("webhook_detail", client_slug=client_slug, endpoint_pk=endpoint.pk)


class WebhookDeleteView(WebhookEndpointMixin, View):
    read_permission = ClientPerm.MANAGE
    write_permission = ClientPerm.MANAGE

    def post(self, request, client_slug, endpoint_pk):
        endpoint = self.get_endpoint()
        services.webhook_endpoint_delete(actor=request.user, endpoint=endpoint, request=request)
        messages.success(request, _("Webhook %(name)s deleted.") % {"name": endpoint.name})
        return redirect("webhook_list", client_slug=client_slug)
