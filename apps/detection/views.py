"""Pages of crisis detection: the alert lists, the alert page, a brand's detection settings."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.generic import TemplateView, View

from apps.core.charts import svg
from apps.core.forms import apply_service_errors
from apps.core.numbers import parse_id
from apps.core.views import query_without_page
from apps.tenants.mixins import ClientScopedMixin
from apps.tenants.models import Brand
from apps.tenants.roles import ClientPerm

from . import selectors, services
from .forms import AlertFilterForm, DetectionSettingsForm, KnownEventForm
from .models import AlertStatus, KnownEvent, Metric, SpikeAlert


class AlertListView(ClientScopedMixin, TemplateView):
    """The client's spike alerts, or one brand's (with its warm-up and a link to its settings)."""

    template_name = "detection/alert_list.html"
    read_permission = ClientPerm.READ_WORK

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        brands = Brand.objects.visible_to(self.request.user).filter(client=self.client).order_by("name")
        brand = self.get_scoped_object(Brand.objects, pk=self.kwargs["brand_pk"]) if "brand_pk" in self.kwargs else None
        form = self.form = AlertFilterForm(self.request.GET or None, brands=brands)
        chosen = form.cleaned_data if form.is_valid() else {}
        alerts = selectors.alerts_of(
            user=self.request.user,
            client=self.client,
            status=chosen.get("status", ""),
            metric=chosen.get("metric", ""),
            brand=brand or chosen.get("brand"),
        )
        context.update(
            brand=brand,
            form=form,
            page=Paginator(alerts, 50).get_page(self.request.GET.get("page")),
            query=query_without_page(self.request),
            warm_up=selectors.warm_up_of(brand=brand) if brand else None,
            can_manage=self.can(ClientPerm.MANAGE),
        )
        return context

    def get(self, request, *args, **kwargs):
        context = self.get_context_data(**kwargs)  # a filter that makes no sense: 400, as on the audit page
        return self.render_to_response(context, status=400 if self.form.errors else 200)


class AlertDetailView(ClientScopedMixin, TemplateView):
    """What an alert saw, explained: the curve against the usual level, what grew, copies, samples."""

    template_name = "detection/alert_detail.html"
    read_permission = ClientPerm.READ_WORK

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        alert = self.get_scoped_object(SpikeAlert.objects.select_related("brand"), pk=self.kwargs["alert_pk"])
        context.update(
            alert=alert,
            chart=svg(curve_spec(alert, selectors.alert_curve(alert=alert))),
            lifts=selectors.alert_lift(alert=alert),
            clusters=selectors.alert_clusters(alert=alert),
            samples=selectors.alert_samples(alert=alert),
            counted=selectors.alert_mentions(alert=alert).count(),
            late=selectors.late_mentions(alert=alert),
            mentions_url=services.alert_mentions_url(alert=alert),
            can_work=self.can(ClientPerm.WORK_MENTIONS)
            and alert.status in (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED),
        )
        return context


CURVE_TITLES = {Metric.VOLUME: _lazy("Mentions"), Metric.ASKING: _lazy("Mentions asking for an answer")}


def curve_spec(alert: SpikeAlert, points: list[dict]) -> dict:
    """The curve by arrival, the usual level dashed, a rule where the detector alerted."""
    local = [{**point, "at": timezone.localtime(point["at"]).strftime("%Y-%m-%dT%H:%M:%S")} for point in points]
    x = {
        "field": "at",
        "type": "temporal",
        "title": _("Arrived (per 5 minutes)"),
        "axis": {"format": "%H:%M", "labelAngle": 0, "tickCount": 8},
    }
    seen_title = CURVE_TITLES.get(alert.metric, _("Negative mentions"))
    layers = [
        {
            "mark": {"type": "line", "interpolate": "step-after", "strokeWidth": 2},
            "encoding": {"x": x, "y": {"field": "seen", "type": "quantitative", "title": seen_title}},
        },
        {
            "mark": {"type": "rule", "color": "#b00020", "strokeWidth": 2},
            "data": {"values": [{"at": timezone.localtime(alert.detected_at).strftime("%Y-%m-%dT%H:%M:%S")}]},
            "encoding": {"x": {"field": "at", "type": "temporal"}},
        },
    ]
    if alert.metric != Metric.NEGATIVE_SHARE:
        layers.insert(
            1,
            {
                "mark": {"type": "line", "strokeDash": [6, 4], "color": "#888"},
                "encoding": {"x": x, "y": {"field": "usual", "type": "quantitative"}},
            },
        )
    return {"width": 720, "height": 260, "data": {"values": local}, "layer": layers}


class AlertStatusView(ClientScopedMixin, View):
    """Acknowledge an alert, or dismiss it as noise."""

    read_permission = ClientPerm.READ_WORK
    write_permission = ClientPerm.WORK_MENTIONS

    def post(self, request, client_slug, alert_pk):
        alert = self.get_scoped_object(SpikeAlert.objects, pk=alert_pk)
        try:
            alert = services.set_alert_status(
                actor=request.user, alert=alert, status=request.POST.get("status", ""), request=request
            )
            messages.success(request, _("The alert is now %(status)s.") % {"status": alert.get_status_display()})
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        return redirect("alert_detail", client_slug=client_slug, alert_pk=alert.pk)


class DetectionSettingsView(ClientScopedMixin, TemplateView):
    """A brand's detection settings and its known events; each form posts with its own `section`."""

    template_name = "detection/detection_settings.html"
    read_permission = ClientPerm.READ_WORK
    write_permission = ClientPerm.MANAGE

    def brand(self) -> Brand:
        return self.get_scoped_object(Brand.objects, pk=self.kwargs["brand_pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        brand = self.brand()
        own = selectors.settings_of(brand=brand)
        context.setdefault("settings_form", DetectionSettingsForm(initial=DetectionSettingsForm.initial_from(own)))
        if not self.can(ClientPerm.MANAGE):  # read-only for those who may not change it
            for field in context["settings_form"].fields.values():
                field.disabled = True
        context.setdefault("event_form", KnownEventForm())
        context.update(
            brand=brand,
            uses_defaults=own.pk is None,
            events=selectors.known_events_of(brand=brand),
            warm_up=selectors.warm_up_of(brand=brand),
            can_manage=self.can(ClientPerm.MANAGE),
        )
        return context

    def post(self, request, client_slug, brand_pk):
        brand, section = self.brand(), request.POST.get("section")
        if section == "remove_event":
            event = get_object_or_404(KnownEvent, brand=brand, pk=parse_id(request.POST.get("event")) or 0)
            services.known_event_remove(actor=request.user, event=event, request=request)
            messages.success(request, _("Removed %(name)s.") % {"name": event.name})
            return redirect("detection_settings", client_slug=client_slug, brand_pk=brand.pk)
        form_class = {"settings": DetectionSettingsForm, "event": KnownEventForm}.get(section)
        if form_class is None:
            return redirect("detection_settings", client_slug=client_slug, brand_pk=brand.pk)
        form = form_class(request.POST)
        if form.is_valid():
            try:
                if section == "settings":
                    services.detection_settings_save(
                        actor=request.user, brand=brand, data=form.cleaned_data, request=request
                    )
                else:
                    services.known_event_add(actor=request.user, brand=brand, request=request, **form.cleaned_data)
                messages.success(request, _("Saved."))
                return redirect("detection_settings", client_slug=client_slug, brand_pk=brand.pk)
            except ValidationError as error:
                apply_service_errors(form, error)
        return self.render_to_response(self.get_context_data(**{f"{section}_form": form}), status=400)
