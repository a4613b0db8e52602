"""Writes that send an answer out: publishing through the platform, or recording it as sent by hand.

Both go through `is_cleared_to_publish`: nothing leaves without the approvals its policy asks
for, whether the UI, the API or a task asks. Publishing is a task of its own, which claims the
draft with a conditional UPDATE (a lease), so a duplicated task or the sweeper never posts
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
from apps.mentions.models import MentionStatus, PrivateChannel
from apps.mentions.services import mention_move, sla_stop
from apps.notifications.models import NotificationEvent
from apps.notifications.services import notify
from apps.tenants.roles import ClientPerm
from apps.tenants.services import require_client_perm

from . import events, publishing
from .models import Draft, DraftState, ReplyType
from .notices import answer_url
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
RETRY_MAX_SECONDS = 60 * 60


def _require_cleared(draft: Draft) -> None:
    if not is_cleared_to_publish(draft):
        raise ValidationError(
            _("Only an approved answer goes out; this one is %(state)s.") % {"state": _state(draft)}
            if draft.state != DraftState.APPROVED
            else _("The text changed after it was approved: it needs approval again.")
        )
    if not approval_still_holds(draft):
        raise ValidationError(
            _("The mention is rated %(level)s now and its policy asks for more approval: submit the answer again.")
            % {"level": draft.mention.get_risk_level_display().lower() or "?"}
        )


@transaction.atomic
def draft_publish(*, actor, draft: Draft, request=None) -> Draft:
    """Post the approved answer on the mention's platform: a task does it after this commits."""
    require_client_perm(actor, draft.client, ClientPerm.WORK_MENTIONS)
    draft = _locked(draft)
    _require_cleared(draft)
    reason = publishing.publish_unavailable(draft)
    if reason:
        raise ValidationError(reason)
    before = {"state": draft.state}
    draft.state, draft.published_by = DraftState.PUBLISHING, actor
    draft.publish_attempts, draft.publish_error = 0, ""
    draft.publish_next_at, draft.publish_claimed_until = timezone.now(), None
    draft.save()
    events.draft_event(
        actor=actor,
        draft=draft,
        action="publishing",
        before=before,
        after={"state": draft.state, "version": draft.current_version.number, "platform": draft.mention.platform},
        request=request,
    )
    from .tasks import publish_answer_task

    transaction.on_commit(lambda: publish_answer_task.delay(draft.pk))
    return draft


def _publishing():
    return Draft.objects.unscoped().filter(state=DraftState.PUBLISHING)


def deliver_answer(draft_id: int, *, http: SafeHttpClient | None = None) -> Draft | None:
    """One attempt at posting a draft that waits to be published; None when it is not due or
    another worker holds it."""
    if not PUBLISH_LEASE.claim(_publishing(), draft_id, timezone.now()):
        return None
    draft = (
        Draft.objects.unscoped()
        .select_related("client", "mention__source", "current_version", "approved_version", "published_by")
        .get(pk=draft_id)
    )
    if not draft.approved_version_id or draft.approved_version_id != draft.current_version_id:
        # Cannot happen through the services (an approved text cannot change); never post then.
        return _failed(draft, _("The answer is no longer approved."))
    if draft.publish_attempts > settings.PUBLISH_MAX_ATTEMPTS:  # lost attempts, picked up by the sweeper
        return _failed(draft, draft.publish_error or _("No attempt reached the platform."))
    reason = publishing.publish_unavailable(draft)  # the source or its credentials may be gone since
    if reason:
        return _failed(draft, reason)
    own_http = http is None
    http = http or SafeHttpClient()
    try:
        published = publishing.publish(draft, draft.approved_version, http=http)
    except publishing.PublishRefused as refusal:
        return _failed(draft, str(refusal))
    except FetchError as error:
        message = _("The platform answered: %(error)s") % {"error": str(error)[:400]}
        if publishing.is_retryable(error) and draft.publish_attempts < settings.PUBLISH_MAX_ATTEMPTS:
            return _retry_later(draft, message, error.retry_after)
        return _failed(draft, message)
    except Exception:  # a bug or a time limit must not leave the answer "publishing" for good
        log.exception("publishing draft %s failed", draft.pk)
        return _failed(draft, _("Publishing stopped on an unexpected error; try again or send it by hand."))
    finally:
        if own_http:
            http.close()
    return _published(draft, published)


def _retry_later(draft: Draft, message: str, retry_after: float | None) -> Draft:
    # A platform's Retry-After is honoured up to the longest wait, not for a day.
    asked = min(retry_after, RETRY_MAX_SECONDS) if retry_after else None
    delay = backoff_seconds(
        draft.publish_attempts, base=settings.PUBLISH_BACKOFF_BASE, cap=RETRY_MAX_SECONDS, retry_after=asked
    )
    with transaction.atomic():
        Draft.objects.unscoped().filter(pk=draft.pk, state=DraftState.PUBLISHING).update(
            publish_next_at=timezone.now() + timedelta(seconds=delay),
            publish_claimed_until=None,
            publish_error=message[:1000],
        )
        if delay <= COUNTDOWN_MAX:
            from .tasks import publish_answer_task

            transaction.on_commit(lambda: publish_answer_task.apply_async((draft.pk,), countdown=delay))
    draft.refresh_from_db()
    return draft


@transaction.atomic
def _failed(draft: Draft, message: str) -> Draft:
    draft = _locked(draft)
    if draft.state != DraftState.PUBLISHING:
        # This worker overran its lease and the answer moved on (published, edited, sent by hand):
        # its failure is stale news and must not undo what happened since.
        log.warning("draft %s was %s when its attempt failed: %s", draft.pk, draft.state, message[:200])
        return draft
    before = {"state": draft.state}
    draft.state, draft.publish_error = DraftState.FAILED, message[:1000]
    draft.publish_next_at = draft.publish_claimed_until = None
    draft.save()
    events.draft_event(
        actor=None,
        draft=draft,
        action="publish_failed",
        before=before,
        after={"state": draft.state, "attempts": draft.publish_attempts, "error": draft.publish_error},
    )
    notify(
        event=NotificationEvent.ANSWER_FAILED,
        client=draft.client,
        recipients=(draft.published_by_id, draft.author_id),  # ids; notify drops None and repeats
        title=_("An answer to %(author)s could not be published") % {"author": draft.mention.author_name or "?"},
        body=draft.publish_error,
        url=answer_url(draft),
        mention=draft.mention,
    )
    return draft


@transaction.atomic
def _published(draft: Draft, published: publishing.Published) -> Draft:
    draft = _locked(draft)
    if draft.state != DraftState.PUBLISHING:
        # This worker overran its lease and the answer moved on (failed, edited, sent again): the
        # post is live all the same. Say where, and leave the draft as it is now.
        log.warning("draft %s was %s when its post landed at %s", draft.pk, draft.state, published.external_id)
        events.draft_event(
            actor=None,
            draft=draft,
            action="published_late",
            after={"state": draft.state, "external_id": published.external_id, "url": published.url},
        )
        return draft
    _record_sent(
        draft,
        actor=draft.published_by,
        url=published.url,
        external_id=published.external_id,
        at=timezone.now(),
        by_hand=False,
    )
    return draft


@transaction.atomic
def draft_mark_sent(*, actor, draft: Draft, url: str = "", sent_at: datetime | None = None, request=None) -> Draft:
    """Record that the approved answer was posted by hand, where and when."""
    require_client_perm(actor, draft.client, ClientPerm.WORK_MENTIONS)
    draft = _locked(draft)
    if draft.state == DraftState.PUBLISHING:
        raise ValidationError(_("The app is publishing this answer right now."))
    _require_cleared(draft)
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
    elif draft.mention.posted_at and sent_at < draft.mention.posted_at:
        errors["sent_at"] = [_("The answer cannot have been sent before the mention was posted.")]
    elif sent_at < draft.current_version.created_at:
        errors["sent_at"] = [_("The answer cannot have been sent before this text was written.")]
    if errors:
        raise ValidationError(errors)
    _record_sent(draft, actor=actor, url=url, external_id="", at=sent_at, by_hand=True, request=request)
    return draft


def _record_sent(draft: Draft, *, actor, url: str, external_id: str, at, by_hand: bool, request=None) -> None:
    before = {"state": draft.state}
    draft.state, draft.published_at, draft.published_by = DraftState.PUBLISHED, at, actor or draft.published_by
    draft.published_url, draft.published_external_id, draft.sent_by_hand = url[:2000], external_id[:500], by_hand
    draft.publish_error, draft.publish_next_at, draft.publish_claimed_until = "", None, None
    draft.save()
    events.draft_event(
        actor=actor,
        draft=draft,
        action="sent_by_hand" if by_hand else "published",
        before=before,
        after={"state": draft.state, "version": draft.current_version.number, "url": draft.published_url},
        request=request,
    )
    # The first answer's time is when it went out, also when it is recorded later.
    sla_stop(actor=actor, mention=draft.mention, at=at, request=request)
    if draft.reply_type == ReplyType.PRIVATE:
        mention_move(
            actor=actor,
            mention=draft.mention,
            status=MentionStatus.TAKEN_PRIVATE,
            private_channel=PrivateChannel.DM,
            request=request,
        )
    else:
        mention_move(actor=actor, mention=draft.mention, status=MentionStatus.ANSWERED, request=request)


def lost_answers(*, now=None, limit: int = 200) -> list[int]:
    """Answers due to be published with no worker on them: their task was lost or never scheduled."""
    return PUBLISH_LEASE.lost(_publishing(), now or timezone.now(), limit=limit)
