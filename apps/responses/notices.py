"""Who hears about an answer's approval, and the links they follow."""

from __future__ import annotations

from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from apps.notifications.models import NotificationEvent
from apps.notifications.services import notify

from .models import Draft


def approval_url(draft: Draft) -> str:
    """The approver's page of one answer: the mention, the proposed text and the agency's comment."""
    return reverse("approval_detail", kwargs={"client_slug": draft.client.slug, "draft_pk": draft.pk})


def answer_url(draft: Draft) -> str:
    """The answer's place on its mention's page, where the team writes and publishes it."""
    return (
        reverse("mention_detail", kwargs={"client_slug": draft.client.slug, "mention_pk": draft.mention_id}) + "#answer"
    )


def _who(draft: Draft) -> str:
    return draft.mention.author_name or draft.mention.author_handle or _("an author")


def tell_approvers(draft: Draft, approver_ids, *, event: str = NotificationEvent.APPROVAL_REQUESTED) -> None:
    titles = {
        NotificationEvent.APPROVAL_REQUESTED: _("Approve an answer to %(who)s"),
        NotificationEvent.APPROVAL_REMINDER: _("Still waiting for your approval: the answer to %(who)s"),
    }
    notify(
        event=event,
        client=draft.client,
        recipients=approver_ids,
        title=titles[event] % {"who": _who(draft)},
        body=Truncator(draft.current_version.text).chars(500),
        url=approval_url(draft),
        mention=draft.mention,
    )


def tell_author(draft: Draft, title: str, body: str = "") -> None:
    notify(
        event=NotificationEvent.APPROVAL_DECIDED,
        client=draft.client,
        recipients=[draft.author_id],
        title=title % {"who": _who(draft)},
        body=body,
        url=answer_url(draft),
        mention=draft.mention,
    )


def tell_leads_at_risk(draft: Draft, lead_ids, *, critical: bool) -> None:
    notify(
        event=NotificationEvent.APPROVAL_ESCALATED,
        client=draft.client,
        recipients=lead_ids,
        title=_("The answer to %(who)s still waits for approval and its deadline is near") % {"who": _who(draft)},
        body=Truncator(draft.current_version.text).chars(500),
        url=approval_url(draft),
        mention=draft.mention,
        critical=critical,
    )
