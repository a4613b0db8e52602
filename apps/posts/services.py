"""Writes of scheduled posts and crisis mode.

The one rule: while a hold covers a post, it does not go out. The beat claims due posts in
one transaction per client that first shares the client's PublishingGate row lock and then
reads the holds; setting a hold takes that lock alone. So a claim either committed before the
hold (and the post was due before it), or it sees the hold. A post is claimed SETTLE after its
time, so a hold set in the same second as a post is due always comes first. Just before a
post is sent, its holds are read again; a retry goes through the same check, so a failing
platform is never retried into a hold. What a hold stopped, and a post overdue for longer
than OVERDUE, waits as held until a person releases it: nothing late goes out on its own.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from apps.accounts.models import User
from apps.core.backoff import backoff_seconds
from apps.core.http import FetchError, SafeHttpClient
from apps.incidents.models import Incident, IncidentRole, SelfCheck
from apps.incidents.services import tick_self_checks
from apps.listening.models import Source
from apps.notifications.models import NotificationEvent
from apps.notifications.services import notify
from apps.responses import publishing
from apps.responses import services as answers
from apps.responses.models import Answer, AnswerState, ReplyType
from apps.tenants.models import Brand, Client
from apps.tenants.roles import ClientPerm
from apps.tenants.scoping import user_has_client_perm
from apps.tenants.selectors import account_leads_of
from apps.tenants.services import require_client_perm

from . import events
from .models import (
    NOT_OUT,
    CredentialRotation,
    Hold,
    PostChannel,
    PostState,
    PublishingGate,
    PublishingLock,
    ScheduledPost,
)

log = logging.getLogger(__name__)
SETTLE = timedelta(seconds=2)  # a post due at S is claimed from S + 2 s: a hold set within S wins
OVERDUE = timedelta(minutes=15)  # later than this, a post waits for a person instead of going out
# As long as one attempt may take (every channel: sign-in, lookup, post): no second worker meanwhile.
LEASE = timedelta(seconds=int(settings.FETCH_TOTAL_TIMEOUT) * 3 * 10 + 60)
REQUEUE_AFTER = timedelta(seconds=60)  # a claimed post's task has this long to start before the beat sends another
MOST_CHANNELS = 10
FURTHEST = timedelta(days=2 * 366)  # a post, a hold's end or a release is planned at most this far ahead
MOST_MEDIA = 4
# What each platform takes (the adapters refuse more; the composer says so first).
TEXT_LIMITS = {"mastodon": 500, "bluesky": publishing.BLUESKY_MAX_GRAPHEMES}
MAX_ATTEMPTS = 5
LOCKED = _lazy("publishing from its account is locked for an incident")


def postable_sources(*, brand: Brand) -> list[Source]:
    """The brand's channels the app can publish on (Mastodon, Bluesky with credentials)."""
    sources = Source.objects.unscoped().filter(brand=brand).order_by("-own_channel", "name")
    return [source for source in sources if publishing.can_post_from(source)]


def holds_on(*, client: Client, at: datetime) -> list[Hold]:
    """The client's holds that are on at `at`."""
    holds = Hold.objects.unscoped().filter(client=client, lifted_at__isnull=True, starts_at__lte=at)
    return [hold for hold in holds if hold.is_on(at)]


def covering(*, holds: list[Hold], brand_id: int, source_ids) -> Hold | None:
    return next((hold for hold in holds if hold.covers(brand_id=brand_id, source_ids=source_ids)), None)


def _gate(client_id: int, *, alone: bool) -> None:
    """Lock the client's gate row: shared by claims, alone by a hold being set."""
    PublishingGate.objects.unscoped().get_or_create(client_id=client_id)
    mode = "UPDATE" if alone else "SHARE"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM posts_publishinggate WHERE client_id = %s FOR {mode}", [client_id])  # noqa: S608


def _subject(brand: Brand, due_at: datetime, sources: list[Source]) -> str:
    when = formats.date_format(timezone.localtime(due_at), "SHORT_DATETIME_FORMAT")
    return f"{brand.name}, {when}: {', '.join(source.get_kind_display() for source in sources)}"


def _clean(
    *, brand: Brand, text: str, due_at: datetime | None, source_ids, media_links, now: datetime
) -> tuple[list[Source], list[str], dict]:
    errors: dict[str, list[str]] = {}
    wanted = {int(pk) for pk in source_ids or []}
    sources = [source for source in postable_sources(brand=brand) if source.pk in wanted]
    if not wanted or len(sources) != len(wanted) or len(sources) > MOST_CHANNELS:
        errors["channels"] = [_("Choose one or more of the brand's channels that can publish.")]
    if due_at is None or due_at <= now + timedelta(minutes=1):
        errors["due_at"] = [_("Choose a time in the future.")]
    elif due_at > now + FURTHEST:
        errors["due_at"] = [_("Choose a time within two years.")]
    text = (text or "").strip()
    if not text:
        errors["text"] = [_("Write the post.")]
    for source in sources:
        limit = TEXT_LIMITS.get(source.kind)
        # As the platform counts: Bluesky in graphemes (an emoji with its modifiers is one).
        length = publishing.graphemes(text) if source.kind == "bluesky" else len(text)
        if limit and length > limit:
            errors["text"] = [
                _("%(platform)s takes at most %(max)d characters; this post has %(n)d.")
                % {"platform": source.get_kind_display(), "max": limit, "n": length}
            ]
    links = [str(link).strip() for link in media_links or [] if str(link).strip()]
    if len(links) > MOST_MEDIA or any(not link.startswith(("https://", "http://")) for link in links):
        errors["media_links"] = [_("Up to %(n)d links to media, each starting with https://.") % {"n": MOST_MEDIA}]
    return sources, links, errors


def _hold_over(client, brand_id: int, source_ids, due_at: datetime) -> Hold | None:
    """The hold that covers a post of this brand and channels, now or at its time."""
    for at in (timezone.now(), due_at):
        hold = covering(holds=holds_on(client=client, at=at), brand_id=brand_id, source_ids=source_ids)
        if hold is not None:
            return hold
    return None


def _into_hold(*, client, brand, sources, due_at, confirm_hold: bool, errors) -> Hold | None:
    """A post scheduled into a scope on hold: refused unless confirmed (and then recorded)."""
    hold = _hold_over(client, brand.pk, [source.pk for source in sources], due_at)
    if hold is not None and not confirm_hold:
        errors["confirm_hold"] = [
            _("%(scope)s is on hold (%(reason)s): confirm to schedule it all the same; it will wait as held.")
            % {"scope": brand.name, "reason": hold.reason}
        ]
    return hold


@transaction.atomic
def post_compose(
    *,
    actor: User,
    brand: Brand,
    text: str,
    due_at: datetime | None,
    source_ids: list[int],
    language: str = "",
    media_links: list[str] | None = None,
    confirm_hold: bool = False,
    request: HttpRequest | None = None,
) -> ScheduledPost:
    """A new post of the brand, as version 1 of its text: it goes for approval when submitted."""
    require_client_perm(actor=actor, client=brand.client, codename=ClientPerm.WORK_MENTIONS)
    now = timezone.now()
    sources, links, errors = _clean(
        brand=brand, text=text, due_at=due_at, source_ids=source_ids, media_links=media_links, now=now
    )
    hold = None
    if not errors:
        hold = _into_hold(
            client=brand.client,
            brand=brand,
            sources=sources,
            due_at=due_at,
            confirm_hold=confirm_hold,
            errors=errors,
        )
    if errors:
        raise ValidationError(errors)
    PublishingGate.objects.unscoped().get_or_create(client=brand.client)
    answer = answers.statement_start(
        actor=actor,
        client=brand.client,
        subject=_subject(brand, due_at, sources),
        subject_url="",
        text=text,
        language=language or (brand.languages or [""])[0],
        reply_type=ReplyType.POST,
        request=request,
    )
    post = ScheduledPost.objects.create(
        client=brand.client, brand=brand, answer=answer, due_at=due_at, media_links=links, created_by=actor
    )
    if hold is not None:
        post.into_hold_confirmed_by, post.into_hold_confirmed_at = actor, now
        post.save(update_fields=["into_hold_confirmed_by", "into_hold_confirmed_at"])
    PostChannel.objects.bulk_create(PostChannel(client=brand.client, post=post, source=s) for s in sources)
    Answer.objects.unscoped().filter(pk=answer.pk).update(subject_url=post_url(post=post))
    events.post_event(actor=actor, post=post, action="created", after=_snapshot(post), request=request)
    if hold is not None:
        events.post_event(
            actor=actor, post=post, action="into_hold", after={"hold": hold.pk, "reason": hold.reason}, request=request
        )
    return post


def post_url(*, post: ScheduledPost) -> str:
    return reverse("post_detail", kwargs={"client_slug": post.client.slug, "post_pk": post.pk})


def _snapshot(post: ScheduledPost) -> dict:
    return {
        "brand": post.brand_id,
        "due_at": post.due_at.isoformat(),
        "channels": sorted(post.channels.values_list("source_id", flat=True)),
        "state": post.state,
    }


def _locked(post: ScheduledPost) -> ScheduledPost:
    return (
        ScheduledPost.objects.unscoped()
        .select_for_update(of=("self",))
        .select_related("client", "brand", "answer__current_version")
        .get(pk=post.pk)
    )


@transaction.atomic
def post_submit(
    *, actor: User, post: ScheduledPost, comment: str = "", request: HttpRequest | None = None
) -> ScheduledPost:
    """Send the post's text for approval (the client's rules for posts, or one account lead)."""
    post = _locked(post)
    if post.state not in (PostState.DRAFT, PostState.HELD, PostState.FAILED):
        raise ValidationError(_("This post is %(state)s: it waits for nothing.") % {"state": post.get_state_display()})
    if post.due_at <= timezone.now():
        raise ValidationError({"due_at": [_("Its time has passed: give it a new time first.")]})
    answers.answer_submit(actor=actor, answer=post.answer, comment=comment, request=request)
    post.refresh_from_db()
    return post


@transaction.atomic
def post_edit(
    *,
    actor: User,
    post: ScheduledPost,
    text: str,
    due_at: datetime | None,
    source_ids: list[int],
    base_version: int,
    media_links: list[str] | None = None,
    confirm_hold: bool = False,
    request: HttpRequest | None = None,
) -> ScheduledPost:
    """Change a post not yet out: its text, time, channels or media. It needs approval again."""
    require_client_perm(actor=actor, client=post.client, codename=ClientPerm.WORK_MENTIONS)
    post = _locked(post)
    if post.state not in NOT_OUT:
        raise ValidationError(_("A %(state)s post cannot change.") % {"state": post.get_state_display().lower()})
    now = timezone.now()
    sources, links, errors = _clean(
        brand=post.brand, text=text, due_at=due_at, source_ids=source_ids, media_links=media_links, now=now
    )
    if not errors:
        _into_hold(
            client=post.client,
            brand=post.brand,
            sources=sources,
            due_at=due_at,
            confirm_hold=confirm_hold,
            errors=errors,
        )
    if errors:
        raise ValidationError(errors)
    before = _snapshot(post)
    answers.answer_save(actor=actor, answer=post.answer, text=text, base_version=base_version, request=request)
    post.due_at, post.media_links, post.state = due_at, links, PostState.DRAFT
    post.held_by, post.held_at, post.held_reason, post.error = None, None, "", ""
    if confirm_hold:
        post.into_hold_confirmed_by, post.into_hold_confirmed_at = actor, now
    post.save()
    post.channels.exclude(source__in=sources).delete()
    have = set(post.channels.values_list("source_id", flat=True))
    PostChannel.objects.bulk_create(
        PostChannel(client=post.client, post=post, source=s) for s in sources if s.pk not in have
    )
    Answer.objects.unscoped().filter(pk=post.answer_id).update(subject=_subject(post.brand, due_at, sources))
    events.post_event(actor=actor, post=post, action="edited", before=before, after=_snapshot(post), request=request)
    return post


@transaction.atomic
def post_cancel(*, actor: User, post: ScheduledPost, request: HttpRequest | None = None) -> ScheduledPost:
    """Drop a post not yet out: it never goes."""
    require_client_perm(actor=actor, client=post.client, codename=ClientPerm.WORK_MENTIONS)
    post = _locked(post)
    if post.state not in NOT_OUT:
        raise ValidationError(_("A %(state)s post cannot be cancelled.") % {"state": post.get_state_display().lower()})
    before = post.state
    post.state = PostState.CANCELLED
    post.save(update_fields=["state", "updated_at"])
    events.post_event(
        actor=actor,
        post=post,
        action="cancelled",
        before={"state": before},
        after={"state": post.state},
        request=request,
    )
    return post


def follow_post_answer(*, actor: User | None, answer: Answer, action: str, after: dict) -> None:
    """An answer event (responses.events.answer_listeners): a post's text approved goes on the
    schedule (or waits held, if a hold covers it now or its time has passed); edited, it waits
    for approval again."""
    if answer.reply_type != ReplyType.POST:
        return
    post = ScheduledPost.objects.unscoped().filter(answer_id=answer.pk).first()
    if post is None or post.state not in NOT_OUT:
        return
    approved = action == "approved" or (action == "decided" and after.get("state") == AnswerState.APPROVED)
    if approved:
        _schedule(post, actor=actor)
    elif action in ("edited", "submitted") and post.state != PostState.DRAFT:
        ScheduledPost.objects.unscoped().filter(pk=post.pk).update(state=PostState.DRAFT)


def _schedule(post: ScheduledPost, *, actor: User | None) -> None:
    now = timezone.now()
    hold = _hold_over(post.client, post.brand_id, list(post.channels.values_list("source_id", flat=True)), post.due_at)
    if hold is not None:
        _hold_post(post, hold=hold, reason=hold.reason, actor=actor, at=now)
    elif post.due_at < now - OVERDUE:
        _hold_post(post, hold=None, reason=_("its time passed before it was approved"), actor=actor, at=now)
    else:
        moved = (
            ScheduledPost.objects.unscoped()
            .filter(pk=post.pk, state__in=NOT_OUT)
            .update(state=PostState.SCHEDULED, error="")
        )
        if not moved:  # cancelled meanwhile: it stays so
            return
        events.post_event(actor=actor, post=post, action="scheduled", after={"due_at": post.due_at.isoformat()})


def _hold_post(post: ScheduledPost, *, hold: Hold | None, reason: str, actor: User | None, at: datetime) -> None:
    ScheduledPost.objects.unscoped().filter(pk=post.pk, state__in=(*NOT_OUT, PostState.PUBLISHING)).update(
        state=PostState.HELD, held_by=hold, held_at=at, held_reason=reason[:200], claimed_until=None
    )
    events.post_event(
        actor=actor, post=post, action="held", after={"hold": hold.pk if hold else None, "reason": reason[:200]}
    )


# --- Crisis mode ---------------------------------------------------------------------------


@transaction.atomic
def hold_set(
    *,
    actor: User,
    client: Client,
    reason: str,
    brand: Brand | None = None,
    source_ids: list[int] | None = None,
    incident: Incident | None = None,
    ends_at: datetime | None = None,
    request: HttpRequest | None = None,
) -> Hold:
    """Put a scope on hold: from now, nothing in it goes out; what is scheduled in it waits as held."""
    require_client_perm(actor=actor, client=client, codename=ClientPerm.WORK_MENTIONS)
    now = timezone.now()
    errors: dict[str, list[str]] = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("Say why: the people who find their posts held will read it.")]
    if brand is not None and brand.client_id != client.pk:
        errors["brand"] = [_("Choose one of the client's brands.")]
    wanted = sorted({int(pk) for pk in source_ids or []})
    if wanted and brand is None:
        errors["source_ids"] = [_("Choose the brand whose channels to hold.")]
    elif wanted and set(wanted) - set(Source.objects.unscoped().filter(brand=brand).values_list("pk", flat=True)):
        errors["source_ids"] = [_("Choose channels of the brand.")]
    if ends_at is not None and ends_at <= now:
        errors["ends_at"] = [_("The hold cannot end before it starts.")]
    elif ends_at is not None and ends_at > now + FURTHEST:
        errors["ends_at"] = [_("Choose an end within two years, or none.")]
    if incident is not None and incident.client_id != client.pk:
        errors["incident"] = [_("Choose one of the client's incidents.")]
    if errors:
        raise ValidationError(errors)
    _gate(client.pk, alone=True)  # no claim passes this hold: claims in flight commit first, later ones see it
    hold = Hold.objects.create(
        client=client,
        brand=brand,
        source_ids=wanted,
        reason=reason[:500],
        incident=incident,
        set_by=actor,
        starts_at=now,
        ends_at=ends_at,
    )
    held = 0
    waiting = ScheduledPost.objects.unscoped().filter(
        client=client, state__in=(PostState.SCHEDULED, PostState.PUBLISHING)
    )
    if brand is not None:
        waiting = waiting.filter(brand=brand)
    if ends_at is not None:
        waiting = waiting.filter(due_at__lt=ends_at)
    for post in waiting.prefetch_related("channels"):
        if hold.covers(brand_id=post.brand_id, source_ids=[c.source_id for c in post.channels.all()]):
            _hold_post(post, hold=hold, reason=hold.reason, actor=actor, at=now)
            held += 1
    events.hold_event(
        actor=actor, hold=hold, action="set", after={**_hold_snapshot(hold), "held": held}, request=request
    )
    if incident is not None and _covers_incident(hold, incident):
        tick_self_checks(incident=incident, check=SelfCheck.POSTS_PAUSED, actor=actor)
    return hold


def _covers_incident(hold: Hold, incident: Incident) -> bool:
    """The hold covers every channel of the incident's brands (the client's, or the one brand)."""
    brands = set(incident.brands.values_list("pk", flat=True))
    return hold.brand_id is None or (not hold.source_ids and brands <= {hold.brand_id})


def _hold_snapshot(hold: Hold) -> dict:
    return {
        "brand": hold.brand_id,
        "source_ids": list(hold.source_ids),
        "reason": hold.reason,
        "incident": hold.incident_id,
        "ends_at": hold.ends_at.isoformat() if hold.ends_at else None,
    }


@transaction.atomic
def hold_lift(*, actor: User, hold: Hold, request: HttpRequest | None = None) -> Hold:
    """End a hold. What it held stays held, to be released one by one or together (never a flood).
    Whoever set it may lift it; anyone else needs the right to manage the client."""
    require_client_perm(actor=actor, client=hold.client, codename=ClientPerm.WORK_MENTIONS)
    hold = Hold.objects.unscoped().select_for_update().get(pk=hold.pk)
    if hold.lifted_at is not None:
        raise ValidationError(_("This hold was lifted already."))
    if hold.set_by_id != actor.pk and not user_has_client_perm(actor, hold.client, ClientPerm.MANAGE):
        raise ValidationError({"hold": [_("Someone else set this hold: an account lead of the client lifts it.")]})
    hold.lifted_at, hold.lifted_by = timezone.now(), actor
    hold.save(update_fields=["lifted_at", "lifted_by", "updated_at"])
    events.hold_event(
        actor=actor,
        hold=hold,
        action="lifted",
        after={"held": hold.held_posts.filter(state=PostState.HELD).count()},
        request=request,
    )
    return hold


# --- Releasing what was held ---------------------------------------------------------------


@transaction.atomic
def posts_release(
    *,
    actor: User,
    client: Client,
    post_ids: list[int],
    start_at: datetime | None = None,
    every_minutes: int = 0,
    request: HttpRequest | None = None,
) -> int:
    """Put held posts back on the schedule, each through approval again. A post whose time is
    before `start_at` (default: in ten minutes) gets `start_at`, the next one `every_minutes`
    later, and so on, the longest held first: a release is a queue, never a flood."""
    require_client_perm(actor=actor, client=client, codename=ClientPerm.WORK_MENTIONS)
    now = timezone.now()
    start_at = start_at or now + timedelta(minutes=10)
    errors = {}
    if start_at <= now or start_at > now + FURTHEST:
        errors["start_at"] = [_("Choose a time in the future, within two years.")]
    if not isinstance(every_minutes, int) or not 0 <= every_minutes <= 24 * 60:
        errors["every_minutes"] = [_("Between 0 and 1440 minutes.")]
    if errors:
        raise ValidationError(errors)
    posts = list(
        ScheduledPost.objects.unscoped()
        .select_for_update()
        .filter(client=client, pk__in=post_ids, state=PostState.HELD)
        .order_by("due_at", "pk")
    )
    holds = holds_on(client=client, at=now)
    slot = start_at
    for post in posts:
        sources = list(post.channels.values_list("source_id", flat=True))
        if covering(holds=holds, brand_id=post.brand_id, source_ids=sources):
            raise ValidationError(_("A hold still covers %(brand)s: lift it first.") % {"brand": post.brand.name})
        before = post.due_at
        if post.due_at < slot:
            post.due_at = slot
            slot += timedelta(minutes=every_minutes)
        post.state, post.held_by, post.held_at, post.held_reason = PostState.DRAFT, None, None, ""
        post.save(update_fields=["due_at", "state", "held_by", "held_at", "held_reason", "updated_at"])
        sources = [channel.source for channel in post.channels.select_related("source")]
        Answer.objects.unscoped().filter(pk=post.answer_id).update(subject=_subject(post.brand, post.due_at, sources))
        events.post_event(
            actor=actor,
            post=post,
            action="released",
            before={"due_at": before.isoformat()},
            after={"due_at": post.due_at.isoformat()},
            request=request,
        )
        answers.answer_submit(actor=actor, answer=post.answer, request=request)
    return len(posts)


@transaction.atomic
def posts_drop(*, actor: User, client: Client, post_ids: list[int], request: HttpRequest | None = None) -> int:
    """Cancel held (or other not yet out) posts together."""
    posts = ScheduledPost.objects.unscoped().filter(client=client, pk__in=post_ids, state__in=NOT_OUT)
    for post in posts:
        post_cancel(actor=actor, post=post, request=request)
    return len(posts)


# --- Publishing ----------------------------------------------------------------------------


def claim_due_posts(*, now: datetime | None = None, limit: int = 200) -> list[int]:
    """The beat's claim: due posts (SETTLE after their time) go to publishing, unless a hold
    covers them or they are overdue (then they wait as held). One transaction per client,
    sharing its gate's lock, so no hold is set between reading the holds and claiming."""
    now = now or timezone.now()
    due = ScheduledPost.objects.unscoped().filter(state=PostState.SCHEDULED, due_at__lte=now - SETTLE)
    claimed: list[int] = []
    for client_id in list(due.order_by().values_list("client_id", flat=True).distinct()[:100]):
        with transaction.atomic():
            _gate(client_id, alone=False)
            holds = holds_on(client=Client(pk=client_id), at=now)
            locked = {lock.source_id for lock in active_locks(client=Client(pk=client_id))}
            posts = list(
                due.filter(client_id=client_id)
                .select_for_update(skip_locked=True, of=("self",))
                .prefetch_related("channels")
                .order_by("due_at")[:limit]
            )
            for post in posts:
                channels = [c.source_id for c in post.channels.all()]
                hold = covering(holds=holds, brand_id=post.brand_id, source_ids=channels)
                if hold is not None:
                    _hold_post(post, hold=hold, reason=hold.reason, actor=None, at=now)
                elif locked & set(channels):
                    _hold_post(post, hold=None, reason=str(LOCKED), actor=None, at=now)
                elif post.due_at < now - OVERDUE:
                    _hold_post(
                        post, hold=None, reason=_("it was overdue: not sent late on its own"), actor=None, at=now
                    )
                else:
                    claimed.append(post.pk)
            ScheduledPost.objects.unscoped().filter(pk__in=claimed).update(
                state=PostState.PUBLISHING, next_attempt_at=now, claimed_until=None, attempts=0
            )
    return claimed


def deliver_post(*, post_id: int, http: SafeHttpClient | None = None) -> ScheduledPost | None:
    """One attempt at a claimed post: its holds read again (the gate shared), then each channel
    not yet published; None when another worker holds it or it is not due."""
    now = timezone.now()
    client_id = ScheduledPost.objects.unscoped().filter(pk=post_id).values_list("client_id", flat=True).first()
    if client_id is None:
        return None
    with transaction.atomic():
        _gate(client_id, alone=False)  # the gate before the post, as a hold takes them
        post = (
            ScheduledPost.objects.unscoped()
            .select_for_update(skip_locked=True, of=("self",))
            .filter(pk=post_id, state=PostState.PUBLISHING, next_attempt_at__lte=now)
            .exclude(claimed_until__gt=now)
            .select_related("client", "brand", "answer__approved_version", "answer__current_version")
            .first()
        )
        if post is None:
            return None
        channels = list(post.channels.select_related("source"))
        hold = covering(
            holds=holds_on(client=post.client, at=now),
            brand_id=post.brand_id,
            source_ids=[c.source_id for c in channels],
        )
        if hold is not None:  # set since the claim, or a retry: it waits, never retried into a hold
            _hold_post(post, hold=hold, reason=hold.reason, actor=None, at=now)
            post.refresh_from_db()
            return post
        locked = {lock.source_id for lock in active_locks(client=post.client)}
        if locked & {c.source_id for c in channels}:
            _hold_post(post, hold=None, reason=str(LOCKED), actor=None, at=now)
            post.refresh_from_db()
            return post
        if post.due_at < now - OVERDUE and not any(c.published_at for c in channels):
            # a retry or a lost task this late: it waits for a person rather than go out late
            _hold_post(post, hold=None, reason=_("it was overdue: not sent late on its own"), actor=None, at=now)
            post.refresh_from_db()
            return post
        if post.attempts >= MAX_ATTEMPTS:  # attempts lost without an answer (a crash, a time limit)
            return _failed(post, post.error or _("No attempt reached the platform."))
        answer = post.answer
        if answer.approved_version_id is None or answer.approved_version_id != answer.current_version_id:
            return _failed(post, _("Its text is no longer approved."))
        ScheduledPost.objects.unscoped().filter(pk=post.pk).update(
            claimed_until=now + LEASE, attempts=post.attempts + 1
        )
    own_http = http is None
    http = http or SafeHttpClient()
    retry_after, refused = None, []
    try:
        for channel in channels:
            if channel.published_at:
                continue
            if not ScheduledPost.objects.unscoped().filter(pk=post.pk, state=PostState.PUBLISHING).exists():
                break  # a hold or a lock took it meanwhile: no further channel
            try:
                published = publishing.publish(answer, answer.approved_version, http=http, source=channel.source)
            except publishing.PublishRefused as refusal:
                refused.append((channel, str(refusal)))
            except FetchError as error:
                message = _("The platform answered: %(error)s") % {"error": str(error)[:400]}
                if publishing.is_retryable(error) and post.attempts + 1 < MAX_ATTEMPTS:
                    retry_after = error.retry_after or 0
                    PostChannel.objects.filter(pk=channel.pk).update(error=message[:1000])
                else:
                    refused.append((channel, message))
            except Exception:  # a bug must not leave the post "publishing" for good
                log.exception("publishing post %s failed", post.pk)
                refused.append((channel, _("Publishing stopped on an unexpected error.")))
            else:
                PostChannel.objects.filter(pk=channel.pk).update(
                    published_at=timezone.now(), external_id=published.external_id[:500], url=published.url, error=""
                )
    finally:
        if own_http:
            http.close()
    for channel, message in refused:
        PostChannel.objects.filter(pk=channel.pk).update(error=message[:1000])
    publishing_now = ScheduledPost.objects.unscoped().filter(pk=post.pk, state=PostState.PUBLISHING)
    if not publishing_now.exists():  # held meanwhile: what went out is recorded on its channels
        post.refresh_from_db()
        return post
    if retry_after is not None:
        delay = backoff_seconds(
            post.attempts + 1, base=settings.PUBLISH_BACKOFF_BASE, cap=3600, retry_after=retry_after or None
        )
        publishing_now.update(next_attempt_at=timezone.now() + timedelta(seconds=delay), claimed_until=None)
        return post
    if refused:
        return _failed(post, "; ".join(f"{channel.source.name}: {message}" for channel, message in refused))
    with transaction.atomic():
        publishing_now.update(state=PostState.PUBLISHED, published_at=timezone.now(), claimed_until=None, error="")
        events.post_event(actor=None, post=post, action="published", after={"channels": len(channels)})
    post.refresh_from_db()
    return post


def _failed(post: ScheduledPost, message: str) -> ScheduledPost:
    with transaction.atomic():
        ScheduledPost.objects.unscoped().filter(pk=post.pk, state=PostState.PUBLISHING).update(
            state=PostState.FAILED, error=message[:1000], claimed_until=None, next_attempt_at=None
        )
        events.post_event(actor=None, post=post, action="failed", after={"error": message[:1000]})
        notify(
            event=NotificationEvent.POST_FAILED,
            client=post.client,
            recipients=(post.created_by_id, post.answer.author_id),
            title=_("A scheduled post of %(brand)s could not be published") % {"brand": post.brand.name},
            body=message,
            url=post_url(post=post),
        )
    post.refresh_from_db()
    return post


def lost_posts(*, now: datetime | None = None, limit: int = 200) -> list[int]:
    """Posts publishing whose attempt is due and that no worker holds: their task was lost or is a retry."""
    now = now or timezone.now()
    rows = ScheduledPost.objects.unscoped().filter(state=PostState.PUBLISHING, next_attempt_at__lte=now - REQUEUE_AFTER)
    rows = rows.exclude(claimed_until__gt=now)
    return list(rows.order_by("next_attempt_at").values_list("pk", flat=True)[:limit])


# --- Securing the accounts -----------------------------------------------------------------

ROTATE_AFTER = timedelta(days=90)  # credentials older than this: the account leads are reminded, once


def active_locks(*, client: Client) -> list[PublishingLock]:
    return list(
        PublishingLock.objects.unscoped().filter(client=client, unlocked_at__isnull=True).select_related("incident")
    )


def _publishers(incident: Incident) -> set[int]:
    return set(incident.members.filter(role=IncidentRole.PUBLISHING).values_list("user_id", flat=True))


@transaction.atomic
def publishing_lock(
    *, actor: User, incident: Incident, source_ids: list[int] | None = None, request: HttpRequest | None = None
) -> list[PublishingLock]:
    """Lock publishing from the incident's brands' accounts (or those named): only the
    incident's publishing person publishes from them through the app, and their scheduled
    posts wait as held. Recorded, and undone by publishing_unlock."""
    require_client_perm(actor=actor, client=incident.client, codename=ClientPerm.WORK_MENTIONS)
    if incident.status not in ("active", "contained"):
        raise ValidationError(_("The incident is over: there is nothing to lock for."))
    if not _publishers(incident):
        raise ValidationError(
            {"incident": [_("Give someone the incident's publishing role first: they alone will publish.")]}
        )
    accounts = [s for brand in incident.brands.all() for s in postable_sources(brand=brand)]
    if source_ids:
        wanted = {int(pk) for pk in source_ids}
        if wanted - {s.pk for s in accounts}:
            raise ValidationError({"source_ids": [_("Choose accounts of the incident's brands.")]})
        accounts = [s for s in accounts if s.pk in wanted]
    if not accounts:
        raise ValidationError({"source_ids": [_("The incident's brands have no account the app publishes from.")]})
    _gate(incident.client_id, alone=True)  # as a hold: no claim passes the lock
    locked = {lock.source_id for lock in active_locks(client=incident.client)}
    made = [
        PublishingLock.objects.create(client=incident.client, source=s, incident=incident, locked_by=actor)
        for s in accounts
        if s.pk not in locked
    ]
    for lock in made:
        events.lock_event(actor=actor, lock=lock, action="locked", request=request)
    waiting = ScheduledPost.objects.unscoped().filter(
        client=incident.client,
        state__in=(PostState.SCHEDULED, PostState.PUBLISHING),
        channels__source__in=[lock.source for lock in made],
    )
    for post in waiting.distinct():
        _hold_post(post, hold=None, reason=str(LOCKED), actor=actor, at=timezone.now())
    everything = {s.pk for brand in incident.brands.all() for s in postable_sources(brand=brand)}
    if everything <= {
        lock.source_id for lock in active_locks(client=incident.client) if lock.incident_id == incident.pk
    }:
        tick_self_checks(incident=incident, check=SelfCheck.ACCOUNTS_LOCKED, actor=actor)
    return made


@transaction.atomic
def publishing_unlock(*, actor: User, lock: PublishingLock, request: HttpRequest | None = None) -> PublishingLock:
    require_client_perm(actor=actor, client=lock.client, codename=ClientPerm.WORK_MENTIONS)
    lock = PublishingLock.objects.unscoped().select_for_update().select_related("incident").get(pk=lock.pk)
    if lock.unlocked_at is not None:
        raise ValidationError(_("It was unlocked already."))
    leads = set(
        lock.incident.members.filter(role__in=(IncidentRole.COMMANDER, IncidentRole.PUBLISHING)).values_list(
            "user_id", flat=True
        )
    )
    if actor.pk not in leads and not user_has_client_perm(actor, lock.client, ClientPerm.MANAGE):
        raise ValidationError(
            {"lock": [_("The incident's commander or publishing person, or an account lead, unlocks it.")]}
        )
    lock.unlocked_at, lock.unlocked_by = timezone.now(), actor
    lock.save(update_fields=["unlocked_at", "unlocked_by", "updated_at"])
    events.lock_event(actor=actor, lock=lock, action="unlocked", request=request)
    return lock


def locked_out(*, actor: User | None, source: Source | None) -> str:
    """responses.sending.publish_guards: why `actor` may not publish from `source` now."""
    if source is None:
        return ""
    lock = (
        PublishingLock.objects.unscoped()
        .filter(source=source, unlocked_at__isnull=True)
        .select_related("incident")
        .first()
    )
    if lock is None or (actor is not None and actor.pk in _publishers(lock.incident)):
        return ""
    return _("Publishing from %(account)s is locked for an incident: only its publishing person publishes now.") % {
        "account": source.name
    }


@transaction.atomic
def rotation_record(
    *, actor: User, source: Source, rotated_at: datetime | None = None, request: HttpRequest | None = None
) -> CredentialRotation:
    """Record that the account's platform credentials were changed (by hand, on the platform)."""
    require_client_perm(actor=actor, client=source.client, codename=ClientPerm.WORK_MENTIONS)
    now = timezone.now()
    rotated_at = rotated_at or now
    if rotated_at > now + timedelta(minutes=1):
        raise ValidationError({"rotated_at": [_("It cannot have been changed in the future.")]})
    rotation, _made = CredentialRotation.objects.unscoped().update_or_create(
        source=source,
        defaults={"client": source.client, "rotated_at": rotated_at, "rotated_by": actor, "reminded_at": None},
    )
    events.rotation_event(actor=actor, rotation=rotation, request=request)
    return rotation


def remind_rotations(*, now: datetime | None = None) -> int:
    """Beat: an account whose credentials were last changed (or, never recorded, added) more
    than ROTATE_AFTER ago: its client's account leads are told once for that date."""
    now = now or timezone.now()
    told = 0
    for source in Source.objects.unscoped().filter(kind__in=list(publishing.ADAPTERS)).select_related("client"):
        if not publishing.can_post_from(source):
            continue
        rotation, _made = CredentialRotation.objects.unscoped().get_or_create(
            source=source, defaults={"client": source.client, "rotated_at": source.created_at}
        )
        if rotation.rotated_at > now - ROTATE_AFTER:
            continue
        claimed = (
            CredentialRotation.objects.unscoped()
            .filter(pk=rotation.pk, reminded_at__isnull=True)
            .update(reminded_at=now)
        )
        if not claimed:
            continue
        notify(
            event=NotificationEvent.CREDENTIALS_OLD,
            client=source.client,
            recipients=[lead.pk for lead in account_leads_of(client=source.client)],
            title=_("Change the credentials of %(account)s") % {"account": source.name},
            body=_("Last changed %(date)s. Change them on the platform, then record it.")
            % {"date": formats.date_format(timezone.localtime(rotation.rotated_at), "DATE_FORMAT")},
            url=reverse("account_security", kwargs={"client_slug": source.client.slug}),
            webhooks=False,
        )
        told += 1
    return told
