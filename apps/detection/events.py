"""Audit events of crisis detection."""

from django.utils.translation import gettext as _

from apps.core.audit import record_audit_event

from .models import alert_summary


def spike_alert_raised_event(*, alert):
    return record_audit_event(
        actor=None,
        action="spike_alert.raised",
        client=alert.client,
        target=alert,
        after={
            "brand": alert.brand.name,
            "metric": alert.metric,
            "observed": alert.observed,
            "baseline": alert.baseline,
            "score": alert.score,
        },
    )


def spike_alert_status_event(*, actor, alert, before: str, request=None):
    return record_audit_event(
        actor=actor,
        action=f"spike_alert.{alert.status}",
        client=alert.client,
        target=alert,
        before={"status": before},
        after={"status": alert.status, "brand": alert.brand.name, "detected_at": alert.detected_at.isoformat()},
        request=request,
    )


SENTENCES = {
    "spike_alert.raised": lambda s: (
        _("The detector raised a spike alert for %(brand)s: %(summary)s.")
        % {
            "brand": s.after("brand"),
            "summary": alert_summary(s.after("metric"), s.after("observed") or 0, s.after("baseline") or 0),
        }
    ),
    "spike_alert.acknowledged": lambda s: (
        _("%(actor)s acknowledged the spike alert for %(brand)s.") % {"actor": s.actor, "brand": s.after("brand")}
    ),
    "spike_alert.dismissed": lambda s: (
        _("%(actor)s dismissed the spike alert for %(brand)s as noise.") % {"actor": s.actor, "brand": s.after("brand")}
    ),
}
