"""Audit events of incidents."""

from django.utils.translation import gettext as _

from apps.core.audit import record_audit_event


def incident_declared_event(*, actor, incident, request=None):
    return record_audit_event(
        actor=actor,
        action="incident.declared",
        client=incident.client,
        target=incident,
        after={
            "title": incident.title,
            "severity": incident.severity,
            "crisis_type": incident.crisis_type.name,
            "spike_alert": incident.spike_alert_id,
        },
        request=request,
    )


def incident_status_event(*, actor, incident, before: str, reason: str = "", request=None):
    return record_audit_event(
        actor=actor,
        action="incident.status_changed",
        client=incident.client,
        target=incident,
        before={"status": before},
        after={"status": incident.status, "title": incident.title, "reason": reason},
        request=request,
    )


def incident_role_event(*, actor, incident, role: str, user, before_user=None, request=None):
    return record_audit_event(
        actor=actor,
        action="incident.role_assigned",
        client=incident.client,
        target=incident,
        before={"role": role, "user": before_user.pk} if before_user else None,
        after={"role": role, "user": user.pk, "title": incident.title},
        request=request,
    )


def incident_noted_event(*, actor, incident, client_visible: bool, request=None):
    return record_audit_event(
        actor=actor,
        action="incident.noted",
        client=incident.client,
        target=incident,
        after={"title": incident.title, "client_visible": client_visible},
        request=request,
    )


def _role_label(role: str) -> str:
    from .models import IncidentRole

    return IncidentRole(role).label if role in IncidentRole.values else role


def _status_label(status: str) -> str:
    from .models import IncidentStatus

    return IncidentStatus(status).label if status in IncidentStatus.values else status


SENTENCES = {
    "incident.declared": lambda s: (
        _("%(actor)s declared the incident %(title)s (severity %(severity)s).")
        % {"actor": s.actor, "title": s.after("title"), "severity": s.after("severity")}
    ),
    "incident.status_changed": lambda s: (
        _("%(actor)s set the incident %(title)s from %(before)s to %(after)s.")
        % {
            "actor": s.actor,
            "title": s.after("title"),
            "before": _status_label(s.before("status")),
            "after": _status_label(s.after("status")),
        }
    ),
    "incident.role_assigned": lambda s: (
        _("%(actor)s made %(person)s %(role)s of the incident %(title)s.")
        % {
            "actor": s.actor,
            "person": s.person(s.after("user")),
            "role": _role_label(s.after("role")),
            "title": s.after("title"),
        }
    ),
    "incident.noted": lambda s: (
        _("%(actor)s added a note to the timeline of %(title)s.") % {"actor": s.actor, "title": s.after("title")}
    ),
}
