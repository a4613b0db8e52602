"""Audit events of the mention lifecycle, notes, links and topics."""

from django.utils.translation import gettext as _

from apps.core.audit import audit_event, record_audit_event

from .models import MentionStatus, PrivateChannel, RiskLevel


def mention_status_changed_event(*, actor, mention, before: dict, after: dict, request=None):
    return record_audit_event(
        actor=actor,
        action="mention.status_changed",
        client=mention.client,
        target=mention,
        before=before,
        after=after,
        request=request,
    )


def mention_archived_event(*, actor, mention, archived: bool, request=None):
    return record_audit_event(
        actor=actor,
        action="mention.archived" if archived else "mention.unarchived",
        client=mention.client,
        target=mention,
        request=request,
    )


def mention_purged_event(*, actor, mention, reason: str, request=None):
    # The text and the author go with the purge; the event keeps only what identifies the post.
    return record_audit_event(
        actor=actor,
        action="mention.purged",
        client=mention.client,
        target=mention,
        target_repr=f"{mention.platform}:{mention.external_id}",
        after={"platform": mention.platform, "external_id": mention.external_id, "reason": reason},
        request=request,
    )


def mention_note_added_event(*, actor, note, mentioned: list[int], request=None):
    return record_audit_event(
        actor=actor,
        action="mention.note_added",
        client=note.mention.client,
        target=note.mention,
        after={"note_id": note.pk, "mentioned_user_ids": mentioned},
        request=request,
    )


def mention_topics_changed_event(*, actor, mention, before: list, after: list, request=None):
    return record_audit_event(
        actor=actor,
        action="mention.topics_changed",
        client=mention.client,
        target=mention,
        before={"topics": before},
        after={"topics": after},
        request=request,
    )


def mentions_linked_event(*, actor, mention, linked_ids: list[int], request=None):
    return record_audit_event(
        actor=actor,
        action="mention.linked",
        client=mention.client,
        target=mention,
        after={"linked_to": linked_ids},
        request=request,
    )


def saved_view_created_event(*, actor, view, request=None):
    return record_audit_event(
        actor=actor,
        action="saved_view.created",
        client=view.client,
        target=view,
        after={"name": view.name, "shared": view.shared, "filters": view.filters},
        request=request,
    )


def saved_view_deleted_event(*, actor, view, request=None):
    return record_audit_event(
        actor=actor, action="saved_view.deleted", client=view.client, target=view, request=request
    )


def mention_first_response_event(*, actor, mention, request=None):
    return record_audit_event(
        actor=actor,
        action="mention.first_response",
        client=mention.client,
        target=mention,
        after={"first_response_at": mention.first_response_at.isoformat()},
        request=request,
    )


def mention_assigned_on_arrival(mention, assignee_id: int):
    """The assignment a mention arrived with, kept on the mention (routing.pipeline), as an unsaved event."""
    event = audit_event(
        actor=None,
        action="mention.assigned",
        client=mention.client,
        target=mention,
        before={"assignee_id": None},
        after={"assignee_id": assignee_id},
    )
    event.occurred_at = mention.ingested_at
    return event


def _status_changed(s) -> str:
    words = _("%(actor)s moved it from %(old)s to %(new)s") % {
        "actor": s.actor,
        "old": s.label(MentionStatus, s.before("status")),
        "new": s.label(MentionStatus, s.after("status")),
    }
    if s.after("reason"):
        words += _(", saying: %(reason)s") % {"reason": s.after("reason")}
    if s.after("answer_url"):
        words += _(" (the answer: %(url)s)") % {"url": s.after("answer_url")}
    return words + "."


# How each event of this app reads (core.sentences), registered in MentionsConfig.ready().
SENTENCES = {
    "mention.status_changed": _status_changed,
    "mention.archived": lambda s: _("%(actor)s archived it.") % {"actor": s.actor},
    "mention.unarchived": lambda s: _("%(actor)s brought it back to the inbox.") % {"actor": s.actor},
    "mention.purged": lambda s: (
        _("%(actor)s purged %(target)s for good: %(reason)s.")
        % {"actor": s.actor, "target": s.target, "reason": s.after("reason", "")}
    ),
    "mention.note_added": lambda s: (
        _("%(actor)s added an internal note for %(people)s.")
        % {"actor": s.actor, "people": s.people(s.after("mentioned_user_ids"))}
        if s.after("mentioned_user_ids")
        else _("%(actor)s added an internal note.") % {"actor": s.actor}
    ),
    "mention.topics_changed": lambda s: (
        _("%(actor)s set its topics to %(topics)s.")
        % {"actor": s.actor, "topics": ", ".join(s.after("topics") or []) or _("none")}
    ),
    "mention.linked": lambda s: _("%(actor)s linked it to another mention.") % {"actor": s.actor},
    "mention.first_response": lambda s: (
        _("First answered at %(at)s; its answer time stopped.") % {"at": s.when(s.after("first_response_at"))}
    ),
    "mention.assigned": lambda s: (
        (
            _("%(actor)s gave it to %(person)s") % {"actor": s.actor, "person": s.person(s.after("assignee_id"))}
            if s.after("assignee_id")
            else _("%(actor)s took it from %(person)s")
            % {"actor": s.actor, "person": s.person(s.before("assignee_id"))}
        )
        + (_(" (%(reason)s)") % {"reason": s.after("reason")} if s.after("reason") else "")
        + "."
    ),
    "saved_view.created": lambda s: _("%(actor)s saved the view %(target)s.") % {"actor": s.actor, "target": s.target},
    "saved_view.deleted": lambda s: (
        _("%(actor)s removed the view %(target)s.") % {"actor": s.actor, "target": s.target}
    ),
}


# The choices the values of its events' fields come from, so that changes read in words.
VALUE_CHOICES = {
    "status": MentionStatus,
    "private_channel": PrivateChannel,
    "risk_level": RiskLevel,
    "level": RiskLevel,
}
