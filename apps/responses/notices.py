"""Who hears about an answer's approval, and the links they follow."""

from __future__ import annotations

from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from apps.core.registry import Registry
from apps.notifications.models import NotificationEvent
from apps.notifications.services import notifications_settle, notify

from .models import Answer

# (answer=) -> bool: an answer whose notices stay off the client's webhooks (a private
# incident's statement). Filled by higher apps in AppConfig.ready().
team_only_answers = Registry("answers kept off the client's webhooks")


def to_webhooks(answer: Answer) -> bool:
    return not any(team_only(answer=answer) for team_only in team_only_answers)


def approval_url(answer: Answer) -> str:
    """The approver's page of one answer: the mention, the proposed text and the agency's comment."""
    return reverse("approval_detail", kwargs={"client_slug": answer.client.slug, "answer_pk": answer.pk})


def answer_url(answer: Answer) -> str:
    """The answer's place on its mention's page (a statement's: where it is written), where the
    team writes and publishes it."""
    if answer.is_statement:
        return answer.subject_url
    return (
        reverse("mention_detail", kwargs={"client_slug": answer.client.slug, "mention_pk": answer.mention_id})
        + "#answer"
    )


def _who(answer: Answer) -> str:
    return answer.mention.author_name or answer.mention.author_handle or _("an author")


def _title(answer: Answer, of_answer: str, of_statement: str) -> str:
    """`of_answer` with the author answered, or for a statement `of_statement` with its subject."""
    if answer.is_statement:
        return of_statement % {"what": answer.subject}
    return of_answer % {"who": _who(answer)}


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
        NotificationEvent.APPROVAL_REQUESTED: (_("Approve an answer to %(who)s"), _("Approve a statement: %(what)s")),
        NotificationEvent.APPROVAL_REMINDER: (
            _("Still waiting for your approval: the answer to %(who)s"),
            _("Still waiting for your approval: the statement %(what)s"),
        ),
    }
    notify(
        event=event,
        client=answer.client,
        recipients=approver_ids,
        title=_title(answer, *titles[event]),
        body=Truncator(answer.current_version.text).chars(500),
        url=approval_url(answer),
        mention=answer.mention,
        webhooks=to_webhooks(answer),
    )


def tell_author(answer: Answer, titles: tuple[str, str], body: str = "") -> None:
    """`titles`: for an answer (naming its mention's author as %(who)s) and for a statement
    (naming its subject as %(what)s)."""
    notify(
        event=NotificationEvent.APPROVAL_DECIDED,
        client=answer.client,
        recipients=[answer.author_id],
        title=_title(answer, *titles),
        body=body,
        url=answer_url(answer),
        mention=answer.mention,
        webhooks=to_webhooks(answer),
    )


def tell_leads_at_risk(answer: Answer, lead_ids, *, critical: bool) -> None:
    notify(
        event=NotificationEvent.APPROVAL_ESCALATED,
        client=answer.client,
        recipients=lead_ids,
        title=_title(
            answer,
            _("The answer to %(who)s still waits for approval and its deadline is near"),
            _("The statement %(what)s still waits for approval"),
        ),
        body=Truncator(answer.current_version.text).chars(500),
        url=approval_url(answer),
        mention=answer.mention,
        critical=critical,
        webhooks=to_webhooks(answer),
    )
