"""Writes that send an answer out: publishing through the platform, or recording it as sent by hand.

Both go through `is_cleared_to_publish`: nothing leaves without the approvals its policy asks
for, whether the UI, the API or a task asks. Publishing is a task of its own, which claims the
answer with a conditional UPDATE (a lease), so a duplicated task or the sweeper never posts
twice at once; a platform that is down is asked again with backoff, and an answer the platform
refuses, or that still fails after PUBLISH_MAX_ATTEMPTS, shows as failed with the reason.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.backoff import backoff_seconds
from apps.core.http import FetchError, SafeHttpClient
from apps.core.leases import Lease
from apps.core.registry import Registry
from apps.mentions.models import MentionStatus, PrivateChannel
from apps.mentions.services import mention_move, sla_stop
from apps.notifications.models import NotificationEvent
from apps.notifications.services import notify
from apps.tenants.roles import ClientPerm
from apps.tenants.services import require_client_perm

from . import events, publishing
from .models import Answer, AnswerState, ReplyType
from .notices import answer_url, to_webhooks
from .services import _locked, _state, approval_still_holds, is_cleared_to_publish

log = logging.getLogger(__name__)

# Longer than one attempt can take: sign-in, a lookup and the post, each within FETCH_TOTAL_TIMEOUT.
PUBLISH_LEASE = Lease(
    claimed_field="publish_claimed_until",
    due_field="publish_next_at",
    length=timedelta(minutes=5),
    counter="publish_attempts",
)
COUNTDOWN_MAX = 10 * 60
# (actor=, source=) -> why this person may not publish from this account now ("" when they
# may): an incident's publishing lock. Filled by higher apps in AppConfig.ready().
publish_guards = Registry("who may publish from an account")
RETRY_MAX_SECONDS = 60 * 60


def _require_cleared(answer: Answer) -> None:
    if not is_cleared_to_publish(answer=answer):
        raise ValidationError(
            _("Only an approved answer goes out; this one is %(state)s.") % {"state": _state(answer)}
            if answer.state != AnswerState.APPROVED
            else _("The text changed after it was approved: it needs approval again.")
        )
    if not approval_still_holds(answer=answer):
        raise ValidationError(
            _("The mention is rated %(level)s now and its policy asks for more approval: submit the answer again.")
            % {"level": answer.mention.get_risk_level_display().lower() or "?"}
        )


@transaction.atomic
def answer_publish(*, actor, answer: Answer, request=None) -> Answer:
    """Post the approved answer on the mention's platform: a task does it after this commits."""
    require_client_perm(actor=actor, client=answer.client, codename=ClientPerm.WORK_MENTIONS)
    answer = _locked(answer)
    _require_cleared(answer)
    reason = publishing.publish_unavailable(answer)
    if reason:
        raise ValidationError(reason)
    source = publishing.source_of(answer)
    for guard in publish_guards:
        refused = guard(actor=actor, source=source)
        if refused:
            raise ValidationError(refused)
    before = {"state": answer.state}
    answer.state, answer.published_by = AnswerState.PUBLISHING, actor
    answer.publish_attempts, answer.publish_error = 0, ""
    answer.publish_next_at, answer.publish_claimed_until = timezone.now(), None
    answer.save()
    events.answer_event(
        actor=actor,
        answer=answer,
        action="publishing",
        before=before,
        after={
            "state": answer.state,
            "version": answer.current_version.number,
            "platform": publishing.source_of(answer).kind,
        },
        request=request,
    )
    from .tasks import publish_answer_task

    transaction.on_commit(lambda: publish_answer_task.delay(answer.pk))
    return answer


def _publishing():
    return Answer.objects.unscoped().filter(state=AnswerState.PUBLISHING)


def deliver_answer(answer_id: int, *, http: SafeHttpClient | None = None) -> Answer | None:
    """One attempt at posting a answer that waits to be published; None when it is not due or
    another worker holds it."""
    if not PUBLISH_LEASE.claim(_publishing(), answer_id, timezone.now()):
        return None
    answer = (
        Answer.objects.unscoped()
        .select_related("client", "mention__source", "source", "current_version", "approved_version", "published_by")
        .get(pk=answer_id)
    )
    if not answer.approved_version_id or answer.approved_version_id != answer.current_version_id:
        # Cannot happen through the services (an approved text cannot change); never post then.
        return _failed(answer, _("The answer is no longer approved."))
    if answer.publish_attempts > settings.PUBLISH_MAX_ATTEMPTS:  # lost attempts, picked up by the sweeper
        return _failed(answer, answer.publish_error or _("No attempt reached the platform."))
    reason = publishing.publish_unavailable(answer)  # the source or its credentials may be gone since
    if reason:
        return _failed(answer, reason)
    for guard in publish_guards:  # a lock set since it was sent on its way
        refused = guard(actor=answer.published_by, source=publishing.source_of(answer))
        if refused:
            return _failed(answer, refused)
    own_http = http is None
    http = http or SafeHttpClient()
    try:
        published = publishing.publish(answer, answer.approved_version, http=http)
    except publishing.PublishRefused as refusal:
        return _failed(answer, str(refusal))
    except FetchError as error:
        message = _("The platform answered: %(error)s") % {"error": str(error)[:400]}
        if publishing.is_retryable(error) and answer.publish_attempts < settings.PUBLISH_MAX_ATTEMPTS:
            return _retry_later(answer, message, error.retry_after)
        return _failed(answer, message)
    except Exception:  # a bug or a time limit must not leave the answer "publishing" for good
        log.exception("publishing answer %s failed", answer.pk)
        return _failed(answer, _("Publishing stopped on an unexpected error; try again or send it by hand."))
    finally:
        if own_http:
            http.close()
    return _published(answer, published)


def _retry_later(answer: Answer, message: str, retry_after: float | None) -> Answer:
    # A platform's Retry-After is honoured up to the longest wait, not for a day.
    asked = min(retry_after, RETRY_MAX_SECONDS) if retry_after else None
    delay = backoff_seconds(
        answer.publish_attempts, base=settings.PUBLISH_BACKOFF_BASE, cap=RETRY_MAX_SECONDS, retry_after=asked
    )
    with transaction.atomic():
        Answer.objects.unscoped().filter(pk=answer.pk, state=AnswerState.PUBLISHING).update(
            publish_next_at=timezone.now() + timedelta(seconds=delay),
            publish_claimed_until=None,
            publish_error=message[:1000],
        )
        if delay <= COUNTDOWN_MAX:
            from .tasks import publish_answer_task

            transaction.on_commit(lambda: publish_answer_task.apply_async((answer.pk,), countdown=delay))
    answer.refresh_from_db()
    return answer


@transaction.atomic
def _failed(answer: Answer, message: str) -> Answer:
    answer = _locked(answer)
    if answer.state != AnswerState.PUBLISHING:
        # This worker overran its lease and the answer moved on (published, edited, sent by hand):
        # its failure is stale news and must not undo what happened since.
        log.warning("answer %s was %s when its attempt failed: %s", answer.pk, answer.state, message[:200])
        return answer
    before = {"state": answer.state}
    answer.state, answer.publish_error = AnswerState.FAILED, message[:1000]
    answer.publish_next_at = answer.publish_claimed_until = None
    answer.save()
    events.answer_event(
        actor=None,
        answer=answer,
        action="publish_failed",
        before=before,
        after={"state": answer.state, "attempts": answer.publish_attempts, "error": answer.publish_error},
    )
    notify(
        event=NotificationEvent.ANSWER_FAILED,
        client=answer.client,
        recipients=(answer.published_by_id, answer.author_id),  # ids; notify drops None and repeats
        title=_("The statement %(what)s could not be published") % {"what": answer.subject}
        if answer.is_statement
        else _("An answer to %(author)s could not be published") % {"author": answer.mention.author_name or "?"},
        body=answer.publish_error,
        url=answer_url(answer),
        mention=answer.mention,
        webhooks=to_webhooks(answer),
    )
    return answer


@transaction.atomic
def _published(answer: Answer, published: publishing.Published) -> Answer:
    answer = _locked(answer)
    if answer.state != AnswerState.PUBLISHING:
        # This worker overran its lease and the answer moved on (failed, edited, sent again): the
        # post is live all the same. Say where, and leave the answer as it is now.
        log.warning("answer %s was %s when its post landed at %s", answer.pk, answer.state, published.external_id)
        events.answer_event(
            actor=None,
            answer=answer,
            action="published_late",
            after={"state": answer.state, "external_id": published.external_id, "url": published.url},
        )
        return answer
    _record_sent(
        answer,
        actor=answer.published_by,
        url=published.url,
        external_id=published.external_id,
        at=timezone.now(),
        by_hand=False,
    )
    return answer


@transaction.atomic
def answer_mark_sent(*, actor, answer: Answer, url: str = "", sent_at: datetime | None = None, request=None) -> Answer:
    """Record that the approved answer was posted by hand, where and when."""
    require_client_perm(actor=actor, client=answer.client, codename=ClientPerm.WORK_MENTIONS)
    answer = _locked(answer)
    if answer.state == AnswerState.PUBLISHING:
        raise ValidationError(_("The app is publishing this answer right now."))
    _require_cleared(answer)
    now = timezone.now()
    sent_at = sent_at or now
    if timezone.is_naive(sent_at):  # read in the person's time zone, as forms do
        sent_at = timezone.make_aware(sent_at)
    errors = {}
    url = (url or "").strip()
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            errors["url"] = [_("Enter the answer's web address (https://...), or leave it empty.")]
    if sent_at > now + timedelta(minutes=1):
        errors["sent_at"] = [_("The answer cannot have been sent in the future.")]
    elif answer.mention and answer.mention.posted_at and sent_at < answer.mention.posted_at:
        errors["sent_at"] = [_("The answer cannot have been sent before the mention was posted.")]
    elif sent_at < answer.current_version.created_at:
        errors["sent_at"] = [_("The answer cannot have been sent before this text was written.")]
    if errors:
        raise ValidationError(errors)
    _record_sent(answer, actor=actor, url=url, external_id="", at=sent_at, by_hand=True, request=request)
    return answer


def _record_sent(answer: Answer, *, actor, url: str, external_id: str, at, by_hand: bool, request=None) -> None:
    before = {"state": answer.state}
    answer.state, answer.published_at, answer.published_by = AnswerState.PUBLISHED, at, actor or answer.published_by
    answer.published_url, answer.published_external_id, answer.sent_by_hand = url[:2000], external_id[:500], by_hand
    answer.publish_error, answer.publish_next_at, answer.publish_claimed_until = "", None, None
    answer.save()
    events.answer_event(
        actor=actor,
        answer=answer,
        action="sent_by_hand" if by_hand else "published",
        before=before,
        after={"state": answer.state, "version": answer.current_version.number, "url": answer.published_url},
        request=request,
    )
    if answer.is_statement:
        return
    # The first answer's time is when it went out, also when it is recorded later.
    sla_stop(actor=actor, mention=answer.mention, at=at, request=request)
    if answer.reply_type == ReplyType.PRIVATE:
        mention_move(
            actor=actor,
            mention=answer.mention,
            status=MentionStatus.TAKEN_PRIVATE,
            private_channel=PrivateChannel.DM,
            request=request,
        )
    else:
        mention_move(actor=actor, mention=answer.mention, status=MentionStatus.ANSWERED, request=request)


def lost_answers(*, now=None, limit: int = 200) -> list[int]:
    """Answers due to be published with no worker on them: their task was lost or never scheduled."""
    return PUBLISH_LEASE.lost(_publishing(), now or timezone.now(), limit=limit)
