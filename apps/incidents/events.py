"""Audit events of incidents."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from apps.core.audit import record_audit_event


def _title(s) -> str:
    return s.after("title") or _("a private incident")


def _record(action: str, *, actor, incident, after: dict, before: dict | None = None, request=None):
    """One event of the incident; a private one's title stays out of the trail, which is
    scoped by client and not by the incident's members."""
    named = {"title": None, "private": True} if incident.private else {"title": incident.title}
    return record_audit_event(
        actor=actor,
        action=action,
        client=incident.client,
        target=incident,
        target_repr=_("a private incident") if incident.private else incident.title,
        before=before,
        after={**after, **named},
        request=request,
    )


def incident_declared_event(*, actor, incident, mentions: int = 0, request=None):
    after = {
        "severity": incident.severity,
        "crisis_type": incident.crisis_type.name,
        "spike_alert": incident.spike_alert_id,
        "mentions": mentions,
    }
    return _record("incident.declared", actor=actor, incident=incident, after=after, request=request)


def incident_status_event(*, actor, incident, before: str, request=None):
    return _record(
        "incident.status_changed",
        actor=actor,
        incident=incident,
        before={"status": before},
        after={"status": incident.status},
        request=request,
    )


def incident_acknowledged_event(*, actor, incident, request=None):
    """The first holding statement is out: the incident is acknowledged publicly."""
    after = {"acknowledged_at": incident.acknowledged_at.isoformat()}
    return _record("incident.acknowledged", actor=actor, incident=incident, after=after, request=request)


def incident_role_event(*, actor, incident, role: str, user, before_user=None, request=None):
    return _record(
        "incident.role_assigned",
        actor=actor,
        incident=incident,
        before={"role": role, "user": before_user.pk} if before_user else None,
        after={"role": role, "user": user.pk},
        request=request,
    )


def incident_noted_event(*, actor, incident, client_visible: bool, request=None):
    after = {"client_visible": client_visible}
    return _record("incident.noted", actor=actor, incident=incident, after=after, request=request)


def incident_linked_event(*, actor, incident, count: int, request=None):
    """count > 0: mentions linked by hand; -1: one unlinked."""
    return _record("incident.linked", actor=actor, incident=incident, after={"count": count}, request=request)


def playbook_item_event(*, actor, item, request=None):
    after = {"step": item.title, "done": item.done_at is not None}
    return _record("incident.step_ticked", actor=actor, incident=item.incident, after=after, request=request)


def incident_update_event(*, actor, incident, client_visible: bool, request=None):
    after = {"client_visible": client_visible}
    return _record("incident.updated", actor=actor, incident=incident, after=after, request=request)


def incident_rules_event(*, actor, incident, before, after, request=None):
    if incident.private:  # its rules name what it is about: which of them changed, no more
        before, after = None, {"changed": sorted(after)}
    return _record(
        "incident.rules_changed", actor=actor, incident=incident, before=before, after=after, request=request
    )


def _role_label(role: str) -> str:
    from .models import IncidentRole

    return IncidentRole(role).label if role in IncidentRole.values else role


def _status_label(status: str) -> str:
    from .models import IncidentStatus

    return IncidentStatus(status).label if status in IncidentStatus.values else status


def library_statement_event(*, actor, statement, action: str, before=None, after=None, request=None):
    return record_audit_event(
        actor=actor,
        action=f"library_statement.{action}",
        client=statement.client,
        target=statement,
        before=before,
        after=after,
        request=request,
    )


def agency_list_event(*, actor, action: str, target, before=None, after=None, request=None):
    """A change to the agency's own lists (kinds of crisis, severities): no client's."""
    return record_audit_event(
        actor=actor, action=action, client=None, target=target, before=before, after=after, request=request
    )


_LIBRARY = {
    "created": _lazy("%(actor)s added %(name)s to the holding-statement library."),
    "changed": _lazy("%(actor)s changed %(name)s in the holding-statement library."),
    "deleted": _lazy("%(actor)s removed %(name)s from the holding-statement library."),
    "approved": _lazy("%(actor)s approved the holding statement %(name)s in advance until %(until)s."),
    "withdrawn": _lazy("%(actor)s withdrew the advance approval of the holding statement %(name)s."),
}


def _library(action: str):
    def sentence(s) -> str:
        name = s.after("name") or s.before("name") or s.target
        return str(_LIBRARY[action]) % {"actor": s.actor, "name": name, "until": s.after("approved_until")}

    return sentence


SENTENCES = {
    "incident_kind.created": lambda s: (
        _("%(actor)s added the kind of crisis %(name)s.") % {"actor": s.actor, "name": s.after("name")}
    ),
    "incident_kind.changed": lambda s: (
        _("%(actor)s changed the kind of crisis %(name)s.") % {"actor": s.actor, "name": s.after("name")}
    ),
    "incident_severity.changed": lambda s: (
        _("%(actor)s changed what severity %(level)s means.") % {"actor": s.actor, "level": s.after("level")}
    ),
    **{f"library_statement.{action}": _library(action) for action in _LIBRARY},
    "incident.declared": lambda s: (
        _("%(actor)s declared the incident %(title)s (severity %(severity)s).")
        % {"actor": s.actor, "title": _title(s), "severity": s.after("severity")}
    ),
    "incident.acknowledged": lambda s: (
        _("The incident %(title)s was acknowledged publicly: its first holding statement is out.")
        % {"title": _title(s)}
    ),
    "incident.status_changed": lambda s: (
        _("%(actor)s set the incident %(title)s from %(before)s to %(after)s.")
        % {
            "actor": s.actor,
            "title": _title(s),
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
            "title": _title(s),
        }
    ),
    "incident.rules_changed": lambda s: (
        _("%(actor)s changed what is linked to the incident %(title)s.") % {"actor": s.actor, "title": _title(s)}
    ),
    "incident.linked": lambda s: (
        _("%(actor)s linked %(n)s mentions to the incident %(title)s.")
        % {"actor": s.actor, "n": s.after("count"), "title": _title(s)}
        if (s.after("count") or 0) > 0
        else _("%(actor)s unlinked a mention from the incident %(title)s.") % {"actor": s.actor, "title": _title(s)}
    ),
    "incident.step_ticked": lambda s: (
        (
            _("%(actor)s ticked “%(step)s” done in %(title)s.")
            if s.after("done")
            else _("%(actor)s unticked “%(step)s” in %(title)s.")
        )
        % {"actor": s.actor, "step": s.after("step"), "title": _title(s)}
    ),
    "incident.updated": lambda s: (
        (
            _("%(actor)s posted an update on %(title)s for the team and the client.")
            if s.after("client_visible")
            else _("%(actor)s posted an update on %(title)s for the team.")
        )
        % {"actor": s.actor, "title": _title(s)}
    ),
    "incident.noted": lambda s: (
        _("%(actor)s added a note to the timeline of %(title)s.") % {"actor": s.actor, "title": _title(s)}
    ),
}
