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
    "spike_alert.incident": lambda s: (
        _("%(actor)s declared an incident from the spike alert for %(brand)s.")
        % {"actor": s.actor, "brand": s.after("brand")}
    ),
    "spike_alert.dismissed": lambda s: (
        _("%(actor)s dismissed the spike alert for %(brand)s as noise.") % {"actor": s.actor, "brand": s.after("brand")}
    ),
}


def detection_settings_saved_event(*, actor, settings, before, after, request=None):
    return record_audit_event(
        actor=actor,
        action="detection_settings.saved",
        client=settings.brand.client,
        target=settings,
        before=before,
        after=after,
        request=request,
    )


def known_event_event(*, actor, event, verb: str, request=None):
    snapshot = {
        "brand": event.brand.name,
        "name": event.name,
        "starts_at": event.starts_at.isoformat(),
        "ends_at": event.ends_at.isoformat(),
        "expected_factor": event.expected_factor,
    }
    return record_audit_event(
        actor=actor,
        action=f"known_event.{verb}",
        client=event.brand.client,
        target=event,
        before=snapshot if verb == "removed" else None,
        after=snapshot if verb == "added" else None,
        request=request,
    )


SENTENCES.update(
    {
        "detection_settings.saved": lambda s: s.did(_("changed the")),
        "known_event.added": lambda s: (
            _("%(actor)s added the known event %(name)s for %(brand)s (%(start)s to %(end)s).")
            % {
                "actor": s.actor,
                "name": s.after("name"),
                "brand": s.after("brand"),
                "start": s.when(s.after("starts_at")),
                "end": s.when(s.after("ends_at")),
            }
        ),
        "known_event.removed": lambda s: (
            _("%(actor)s removed the known event %(name)s of %(brand)s.")
            % {"actor": s.actor, "name": s.before("name"), "brand": s.before("brand")}
        ),
    }
)
