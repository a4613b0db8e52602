"""Audit events of listening."""

from django.utils.translation import gettext as _

from apps.core.audit import record_audit_event

SOURCE_FIELDS = ["name", "kind", "brand_id", "config", "poll_interval", "enabled", "own_channel"]


def source_created_event(*, actor, source, request=None):
    return record_audit_event(
        actor=actor,
        action="source.created",
        client=source.client,
        target=source,
        after={"name": source.name, "kind": source.kind},
        request=request,
    )


def source_updated_event(*, actor, source, before, after, request=None):
    return record_audit_event(
        actor=actor,
        action="source.updated",
        client=source.client,
        target=source,
        before=before,
        after=after,
        request=request,
    )


def source_disabled_event(*, actor, source, reason: str):
    return record_audit_event(
        actor=actor,
        action="source.disabled",
        client=source.client,
        target=source,
        before={"enabled": True},
        after={"enabled": False, "reason": reason},
    )


def source_poll_requested_event(*, actor, source, request=None):
    return record_audit_event(
        actor=actor, action="source.poll_requested", client=source.client, target=source, request=request
    )


def brand_query_updated_event(*, actor, query, before, after, request=None):
    return record_audit_event(
        actor=actor,
        action="brand_query.updated",
        client=query.client,
        target=query,
        target_repr=str(query.brand),
        before=before,
        after=after,
        request=request,
    )


def topic_created_event(*, actor, topic, request=None):
    return record_audit_event(
        actor=actor,
        action="topic.created",
        client=topic.client,
        target=topic,
        after={"name": topic.name, "keywords": topic.keywords, "sensitive": topic.sensitive},
        request=request,
    )


def import_finished_event(*, job):
    """By the worker, for the system: how the import ended."""
    return record_audit_event(
        actor=None,
        action="import.finished",
        client=job.client,
        target=job,
        after={"status": job.status, "rows": job.rows_done, "created": job.rows_created, "bad": job.rows_bad},
    )


def import_started_event(*, actor, job, request=None):
    return record_audit_event(
        actor=actor,
        action="import.started",
        client=job.client,
        target=job,
        after={"file": job.file_name},
        request=request,
    )


# How each event of this app reads (core.sentences), registered in ListeningConfig.ready().
SENTENCES = {
    "source.created": lambda s: s.did(_("added the source")),
    "source.updated": lambda s: s.did(_("changed the source")),
    "source.disabled": lambda s: (
        _("%(target)s was switched off: %(reason)s") % {"target": s.target, "reason": s.after("reason", "")}
    ),
    "source.poll_requested": lambda s: s.did(_("asked for a poll of")),
    "brand_query.updated": lambda s: s.did(_("changed what is listened for about")),
    "topic.created": lambda s: s.did(_("created the topic")),
    "import.started": lambda s: (
        _("%(actor)s started importing %(file)s.") % {"actor": s.actor, "file": s.after("file")}
    ),
    "import.finished": lambda s: (
        _("The import of %(target)s ended: %(rows)s rows read, %(created)s new, %(bad)s refused.")
        % {"target": s.target, "rows": s.after("rows"), "created": s.after("created"), "bad": s.after("bad")}
    ),
}
