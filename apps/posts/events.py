"""Audit events of scheduled posts and holds."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from apps.core.audit import record_audit_event


def post_event(*, actor, post, action: str, before: dict | None = None, after: dict | None = None, request=None):
    return record_audit_event(
        actor=actor,
        action=f"post.{action}",
        client=post.client,
        target=post,
        before=before,
        after={"post": post.pk, **(after or {})},
        request=request,
    )


def hold_event(*, actor, hold, action: str, after: dict | None = None, request=None):
    return record_audit_event(
        actor=actor, action=f"hold.{action}", client=hold.client, target=hold, after=after, request=request
    )


def lock_event(*, actor, lock, action: str, request=None):
    return record_audit_event(
        actor=actor,
        action=f"publishing.{action}",
        client=lock.client,
        target=lock.source,
        after={"source": lock.source_id, "incident": lock.incident_id},
        request=request,
    )


def rotation_event(*, actor, rotation, request=None):
    return record_audit_event(
        actor=actor,
        action="publishing.credentials_changed",
        client=rotation.client,
        target=rotation.source,
        after={"rotated_at": rotation.rotated_at.isoformat()},
        request=request,
    )


_POST = {
    "created": _lazy("%(actor)s wrote a scheduled post."),
    "into_hold": _lazy("%(actor)s scheduled a post into a scope on hold, knowingly (%(reason)s)."),
    "edited": _lazy("%(actor)s changed a scheduled post: it needs approval again."),
    "scheduled": _lazy("A scheduled post was approved and waits for its time."),
    "held": _lazy("A scheduled post is held: %(reason)s."),
    "released": _lazy("%(actor)s released a held post, to go through approval again."),
    "cancelled": _lazy("%(actor)s cancelled a scheduled post."),
    "published": _lazy("A scheduled post was published."),
    "failed": _lazy("A scheduled post could not be published: %(error)s"),
}


def _post(action: str):
    def sentence(s) -> str:
        values = {"actor": s.actor, "reason": s.after("reason") or "", "error": s.after("error") or ""}
        return str(_POST[action]) % values

    return sentence


SENTENCES = {
    **{f"post.{action}": _post(action) for action in _POST},
    "hold.set": lambda s: (
        _("%(actor)s put scheduled posts on hold (%(reason)s); %(n)s held.")
        % {"actor": s.actor, "reason": s.after("reason"), "n": s.after("held", 0)}
    ),
    "publishing.locked": lambda s: (
        _("%(actor)s locked publishing from %(account)s: only the incident's publishing person publishes.")
        % {"actor": s.actor, "account": s.target}
    ),
    "publishing.unlocked": lambda s: (
        _("%(actor)s unlocked publishing from %(account)s.") % {"actor": s.actor, "account": s.target}
    ),
    "publishing.credentials_changed": lambda s: (
        _("%(actor)s recorded that the credentials of %(account)s were changed.")
        % {"actor": s.actor, "account": s.target}
    ),
    "hold.lifted": lambda s: (
        _("%(actor)s lifted a hold; %(n)s posts wait to be released.") % {"actor": s.actor, "n": s.after("held", 0)}
    ),
}
