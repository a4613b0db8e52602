"""Who hears about an answer's approval, and the links they follow."""

from __future__ import annotations

from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from apps.notifications.models import NotificationEvent
from apps.notifications.services import notifications_settle, notify

from .models import Answer


def approval_url(answer: Answer) -> str:
    """The approver's page of one answer: the mention, the proposed text and the agency's comment."""
    return reverse("approval_detail", kwargs={"client_slug": answer.client.slug, "answer_pk": answer.pk})


def answer_url(answer: Answer) -> str:
    """The answer's place on its mention's page, where the team writes and publishes it."""
    return (
        reverse("mention_detail", kwargs={"client_slug": answer.client.slug, "mention_pk": answer.mention_id})
        + "#answer"
    )


def _who(answer: Answer) -> str:
    return answer.mention.author_name or answer.mention.author_handle or _("an author")


# What asks an approver to act: settled (read) once they or their step decided.
APPROVAL_ASKS = [
    NotificationEvent.APPROVAL_REQUESTED,
    NotificationEvent.APPROVAL_REMINDER,
    NotificationEvent.APPROVAL_ESCALATED,
]


def settle_requests(answer: Answer, *, user_ids: list[int] | None = None) -> None:
    notifications_settle(url=approval_url(answer), events=APPROVAL_ASKS, user_ids=user_ids)


def tell_approvers(answer: Answer, approver_ids, *, event: str = NotificationEvent.APPROVAL_REQUESTED) -> None:
    titles = {
        NotificationEvent.APPROVAL_REQUESTED: _("Approve an answer to %(who)s"),
        NotificationEvent.APPROVAL_REMINDER: _("Still waiting for your approval: the answer to %(who)s"),
    }
    notify(
        event=event,
        client=answer.client,
        recipients=approver_ids,
        title=titles[event] % {"who": _who(answer)},
        body=Truncator(answer.current_version.text).chars(500),
        url=approval_url(answer),
        mention=answer.mention,
    )


def tell_author(answer: Answer, title: str, body: str = "") -> None:
    notify(
        event=NotificationEvent.APPROVAL_DECIDED,
        client=answer.client,
        recipients=[answer.author_id],
        title=title % {"who": _who(answer)},
        body=body,
        url=answer_url(answer),
        mention=answer.mention,
    )


def tell_leads_at_risk(answer: Answer, lead_ids, *, critical: bool) -> None:
    notify(
        event=NotificationEvent.APPROVAL_ESCALATED,
        client=answer.client,
        recipients=lead_ids,
        title=_("The answer to %(who)s still waits for approval and its deadline is near") % {"who": _who(answer)},
        body=Truncator(answer.current_version.text).chars(500),
        url=approval_url(answer),
        mention=answer.mention,
        critical=critical,
    )
