"""Writes on mentions: lifecycle moves, archive and purge, notes, topics, links, saved views, bulk actions.

Every one checks the actor's right at the mention's client, locks the row it changes
and writes its audit event; the lifecycle rules live in lifecycle.py.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from itertools import combinations

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.registry import Registry
from apps.notifications.models import NotificationEvent
from apps.notifications.services import notify
from apps.tenants.models import Client
from apps.tenants.roles import ClientPerm
from apps.tenants.scoping import user_has_client_perm
from apps.tenants.services import require_client_perm

from . import events
from .lifecycle import (
    FOLLOWS_THE_ANSWER,
    NEEDS_ANSWER_URL,
    NEEDS_PRIVATE_CHANNEL,
    NEEDS_REASON,
    allowed_from,
    manual_moves_from,
    path_to,
)
from .locks import mention_locked
from .models import Mention, MentionLink, MentionNote, MentionStatus, PrivateChannel, SavedView, Topic
from .selectors import workers_of

MAX_NOTE_CHARS = 5000
MAX_BULK = 500
MAX_LINKED_AT_ONCE = 50


@transaction.atomic
def mention_transition(
    *,
    actor: User,
    mention: Mention,
    status: str,
    reason: str = "",
    private_channel: str = "",
    answer_url: str = "",
    request: HttpRequest | None = None,
) -> Mention:
    """Move a mention to `status` by hand, if the lifecycle allows it from where it is now.

    "Awaiting approval" and "answered" follow the answer workflow and are refused here."""
    require_client_perm(actor=actor, client=mention.client, codename=ClientPerm.WORK_MENTIONS)
    mention = mention_locked(mention)
    allowed = manual_moves_from(mention.status)
    if status not in allowed and mention.status == MentionStatus.AWAITING_APPROVAL:
        _refuse(
            _(
                "Its answer is waiting for approval: the approvers' decision moves it on, or withdraw "
                "the answer to change it."
            ),
            allowed,
        )
    if status not in allowed and status in FOLLOWS_THE_ANSWER:
        _refuse(
            _(
                "“Awaiting approval” and “answered” follow the mention's answer: submit an answer for "
                "approval, publish it, or record that it was sent by hand. If someone answered outside "
                "the app, choose “answered elsewhere” and give the answer's address."
            ),
            allowed,
        )
    return _transition(
        actor=actor,
        mention=mention,
        status=status,
        reason=reason,
        private_channel=private_channel,
        answer_url=answer_url,
        allowed=allowed,
        request=request,
    )


@transaction.atomic
def mention_move(
    *, actor: User, mention: Mention, status: str, private_channel: str = "", request: HttpRequest | None = None
) -> Mention:
    """Move a mention to `status` along the lifecycle's shortest path, each step audited.

    For the answer workflow, which checked its own right: a client approver who sends an answer
    back for changes moves the mention back to "in progress" without the right to work mentions.
    A mention already there, or with no way there, stays as it is. `private_channel` goes with
    "taken private".
    """
    mention = mention_locked(mention)
    for step in path_to(mention.status, status):
        channel = private_channel if step == status else ""
        mention = _transition(actor=actor, mention=mention, status=step, private_channel=channel, request=request)
    return mention


def _refuse(message: str, allowed: list[str]):
    # The allowed statuses ride on the field's error (error_dict["status"][0].params["allowed"]):
    # Django keeps no params of a ValidationError made from a dict.
    raise ValidationError(
        {
            "status": ValidationError(
                "%(message)s", code="transition_not_allowed", params={"message": message, "allowed": allowed}
            )
        }
    )


def _transition(
    *,
    actor: User,
    mention: Mention,
    status: str,
    reason: str = "",
    private_channel: str = "",
    answer_url: str = "",
    allowed: list[str] | None = None,
    request: HttpRequest | None = None,
):
    reason, answer_url = (reason or "").strip(), (answer_url or "").strip()
    allowed = allowed_from(mention.status) if allowed is None else allowed
    if status not in allowed:
        names = ", ".join(str(MentionStatus(value).label).lower() for value in allowed) or _("nothing")
        _refuse(
            _("A mention that is %(current)s can move to: %(names)s.")
            % {"current": mention.get_status_display().lower(), "names": names},
            allowed,
        )
    if status in NEEDS_REASON and not reason:
        if status == MentionStatus.ANSWERED_ELSEWHERE:
            raise ValidationError({"reason": [_("Say who answered it, and how.")]})
        raise ValidationError({"reason": [_("Say why this mention needs no response.")]})
    if status in NEEDS_ANSWER_URL:
        try:
            URLValidator(schemes=["http", "https"])(answer_url)
        except ValidationError:
            raise ValidationError({"answer_url": [_("Give the web address of the answer (https://…).")]}) from None
    if status in NEEDS_PRIVATE_CHANNEL and private_channel not in PrivateChannel.values:
        raise ValidationError({"private_channel": [_("Choose where the conversation went: DM, e-mail or phone.")]})

    before = {
        "status": mention.status,
        "reason": mention.status_reason,
        "private_channel": mention.private_channel,
        "answer_url": mention.answered_elsewhere_url,
    }
    now = timezone.now()
    mention.status, mention.status_changed_at, mention.status_reason = status, now, reason[:1000]
    if status in NEEDS_PRIVATE_CHANNEL:
        mention.private_channel = private_channel
    if status in NEEDS_ANSWER_URL:
        mention.answered_elsewhere_url = answer_url
    mention.save(
        update_fields=["status", "status_changed_at", "status_reason", "private_channel", "answered_elsewhere_url"]
    )
    events.mention_status_changed_event(
        actor=actor,
        mention=mention,
        before=before,
        after={
            "status": status,
            "reason": mention.status_reason,
            "private_channel": mention.private_channel,
            "answer_url": mention.answered_elsewhere_url,
        },
        request=request,
    )
    return mention


@transaction.atomic
def sla_stop(*, actor: User, mention: Mention, at: datetime | None = None, request: HttpRequest | None = None) -> bool:
    """Record the first response to a mention: its SLA clock stops. False if it had stopped already.

    Called by the responses workflow when an answer is published or recorded.
    """
    at = at or timezone.now()
    stopped = Mention.objects.unscoped().filter(pk=mention.pk, first_response_at=None).update(first_response_at=at)
    if stopped:
        mention.first_response_at = at
        events.mention_first_response_event(actor=actor, mention=mention, request=request)
    return bool(stopped)


@transaction.atomic
def mention_archive(
    *, actor: User, mention: Mention, archived: bool = True, request: HttpRequest | None = None
) -> Mention:
    """Take a mention out of the inbox (or bring it back). Staff archive; nobody deletes."""
    require_client_perm(actor=actor, client=mention.client, codename=ClientPerm.WORK_MENTIONS)
    mention = mention_locked(mention)
    if (mention.archived_at is not None) == archived:
        return mention
    mention.archived_at = timezone.now() if archived else None
    mention.save(update_fields=["archived_at"])
    events.mention_archived_event(actor=actor, mention=mention, archived=archived, request=request)
    return mention


@transaction.atomic
def mention_purge(*, actor: User, mention: Mention, reason: str, request: HttpRequest | None = None) -> None:
    """Delete a mention for a legal reason (a court order, a GDPR erasure). Agency admins only."""
    if not getattr(actor, "is_agency_admin", False):
        raise PermissionDenied(_("Only agency admins purge mentions."))
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Give the legal reason for the purge.")]})
    mention = mention_locked(mention)
    events.mention_purged_event(actor=actor, mention=mention, reason=reason.strip()[:1000], request=request)
    mention.delete()


# "@anna@agency.dk" or "@anna" (the part of an address before the @, when only one person has it).
_AT_NAME = re.compile(r"(?<![\w@])@([\w.+-]+(?:@[\w-]+(?:\.[\w-]+)+)?)")


def mentioned_people(*, text: str, client: Client) -> list:
    """The people a note @mentions, among those who work this client's mentions."""
    names = {name.lower().rstrip(".") for name in _AT_NAME.findall(text)}
    if not names:
        return []
    workers = list(workers_of(client=client))
    local_part = {person.pk: person.email.split("@")[0].lower() for person in workers}
    holders = Counter(local_part.values())
    return [
        person
        for person in workers
        if person.email.lower() in names or (local_part[person.pk] in names and holders[local_part[person.pk]] == 1)
    ]


@transaction.atomic
def note_add(*, actor: User, mention: Mention, text: str, request: HttpRequest | None = None) -> MentionNote:
    """An internal note; the people it @mentions are told."""
    require_client_perm(actor=actor, client=mention.client, codename=ClientPerm.WORK_MENTIONS)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": [_("Write the note first.")]})
    if len(text) > MAX_NOTE_CHARS:
        raise ValidationError({"text": [_("Keep a note under %(max)d characters.") % {"max": MAX_NOTE_CHARS}]})
    note = MentionNote.objects.create(client=mention.client, mention=mention, author=actor, text=text)
    mentioned = [person for person in mentioned_people(text=text, client=mention.client) if person != actor]
    events.mention_note_added_event(actor=actor, note=note, mentioned=[p.pk for p in mentioned], request=request)
    if mentioned:
        notify(
            event=NotificationEvent.NOTE_MENTIONED,
            client=mention.client,
            recipients=mentioned,
            title=_("%(name)s mentioned you in a note") % {"name": actor.display_name},
            body=text[:500],
            url=mention.get_absolute_url(),
            mention=mention,
        )
    return note


@transaction.atomic
def mention_add_topic(*, actor: User, mention: Mention, topic: str, request: HttpRequest | None = None) -> Mention:
    """Tag a mention with one of its brand's (or the client's) topics."""
    require_client_perm(actor=actor, client=mention.client, codename=ClientPerm.WORK_MENTIONS)
    mention = mention_locked(mention)
    known = Topic.objects.unscoped().filter(
        Q(brand=None) | Q(brand=mention.brand_id), client=mention.client, name=topic
    )
    if not known.exists():
        raise ValidationError({"topic": [_("Choose one of this client's topics.")]})
    if topic in mention.topics:
        return mention
    before = list(mention.topics)
    mention.topics = [*before, topic]
    mention.save(update_fields=["topics"])
    events.mention_topics_changed_event(
        actor=actor, mention=mention, before=before, after=mention.topics, request=request
    )
    return mention


@transaction.atomic
def mentions_link(*, actor: User, client: Client, mentions: list[Mention], request: HttpRequest | None = None) -> int:
    """Link the given mentions to each other (one story); returns the number of new links."""
    require_client_perm(actor=actor, client=client, codename=ClientPerm.WORK_MENTIONS)
    ids = sorted({mention.pk for mention in mentions if mention.client_id == client.pk})
    if len(ids) < 2:
        raise ValidationError({"mentions": [_("Choose at least two mentions to link.")]})
    if len(ids) > MAX_LINKED_AT_ONCE:
        raise ValidationError({"mentions": [_("Link at most %(max)d at once.") % {"max": MAX_LINKED_AT_ONCE}]})
    known = set(
        MentionLink.objects.unscoped()
        .filter(client=client, first_id__in=ids, second_id__in=ids)
        .values_list("first_id", "second_id")
    )
    new = [pair for pair in combinations(ids, 2) if pair not in known]
    MentionLink.objects.bulk_create(
        [MentionLink(client=client, first_id=a, second_id=b, created_by=actor) for a, b in new],
        ignore_conflicts=True,  # linked by someone else at the same moment: theirs stands
    )
    # Only mentions that gained a link have something to record.
    gained: dict[int, list[int]] = {}
    for a, b in new:
        gained.setdefault(a, []).append(b)
        gained.setdefault(b, []).append(a)
    for mention in mentions:
        if mention.pk in gained:
            others = sorted(gained[mention.pk])
            events.mentions_linked_event(actor=actor, mention=mention, linked_ids=others, request=request)
    return len(new)


def _check_view_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("Name the view.")]})
    return name[:80]


@transaction.atomic
def saved_view_create(
    *, actor: User, client: Client, name: str, filters: dict, shared: bool, request: HttpRequest | None = None
) -> SavedView:
    """Save the inbox's filters under a name; a shared view is seen by the whole client team."""
    require_client_perm(actor=actor, client=client, codename=ClientPerm.WORK_MENTIONS)
    name = _check_view_name(name)
    if SavedView.objects.unscoped().filter(client=client, owner=actor, name=name).exists():
        raise ValidationError({"name": [_("You have a view with this name already.")]})
    view = SavedView.objects.create(client=client, owner=actor, name=name, filters=filters, shared=bool(shared))
    events.saved_view_created_event(actor=actor, view=view, request=request)
    return view


@transaction.atomic
def saved_view_delete(*, actor: User, view: SavedView, request: HttpRequest | None = None) -> None:
    require_client_perm(actor=actor, client=view.client, codename=ClientPerm.WORK_MENTIONS)
    if view.owner_id != actor.pk and not user_has_client_perm(actor, view.client, ClientPerm.MANAGE_MEMBERS):
        raise PermissionDenied(_("Only the person who made a view, or the account lead, removes it."))
    events.saved_view_deleted_event(actor=actor, view=view, request=request)
    view.delete()


@dataclass
class BulkOutcome:
    done: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)  # mention id -> why


@dataclass(frozen=True)
class BulkAction:
    """What a bulk action cannot do without (the assignee may be None, but must be named), and its
    service: for one mention at a time run(actor=, mention=, params=, request=), or with `together`
    for all of them at once run(actor=, client=, mentions=, params=, request=)."""

    needs: tuple[str, ...]
    run: Callable
    together: bool = False


# The bulk actions of the inbox's form and POST .../mentions/bulk/, in order. Risk ("risk") and
# routing ("assign") add theirs in their AppConfig.ready().
bulk_actions = Registry("inbox bulk actions")


def mentions_bulk(
    *,
    actor: User,
    client: Client,
    mentions: list[Mention],
    action: str,
    params: dict,
    request: HttpRequest | None = None,
) -> BulkOutcome:
    """One action on many mentions. Each mention is its own transaction: one refusal stops no other."""
    require_client_perm(actor=actor, client=client, codename=ClientPerm.WORK_MENTIONS)
    if action not in bulk_actions:
        raise ValidationError(
            {"action": [_("Choose one of: %(actions)s.") % {"actions": ", ".join(bulk_actions.keys())}]}
        )
    # Checked once here, not refused mention by mention (each one locked first).
    missing = {
        name: [_("This field is required for this action.")]
        for name in bulk_actions[action].needs
        if name not in params or (name != "assignee" and params[name] in ("", None))
    }
    if missing:
        raise ValidationError(missing)
    mentions = [mention for mention in mentions if mention.client_id == client.pk]
    if not mentions:
        raise ValidationError({"mentions": [_("Choose the mentions first.")]})
    if len(mentions) > MAX_BULK:
        raise ValidationError({"mentions": [_("Choose at most %(max)d mentions at once.") % {"max": MAX_BULK}]})
    outcome = BulkOutcome()
    chosen = bulk_actions[action]
    if chosen.together:
        chosen.run(actor=actor, client=client, mentions=mentions, params=params, request=request)
        outcome.done = [mention.pk for mention in mentions]
        return outcome
    run = chosen.run
    for mention in mentions:
        try:
            run(actor=actor, mention=mention, params=params, request=request)
            outcome.done.append(mention.pk)
        except ValidationError as error:
            outcome.failed[mention.pk] = " ".join(error.messages)
    return outcome


def _bulk_status(*, actor: User, mention: Mention, params, request: HttpRequest):
    keys = ("status", "reason", "private_channel", "answer_url")
    return mention_transition(
        actor=actor, mention=mention, request=request, **{key: params.get(key, "") for key in keys}
    )


def _bulk_add_topic(*, actor: User, mention: Mention, params, request: HttpRequest):
    return mention_add_topic(actor=actor, mention=mention, topic=params.get("topic", ""), request=request)


def _bulk_archive(*, actor: User, mention: Mention, params, request: HttpRequest):
    return mention_archive(actor=actor, mention=mention, request=request)


bulk_actions.register("status", BulkAction(needs=("status",), run=_bulk_status), rank=20)
bulk_actions.register("add_topic", BulkAction(needs=("topic",), run=_bulk_add_topic), rank=30)


def _bulk_link(*, actor: User, client: Client, mentions: list[Mention], params, request: HttpRequest):
    return mentions_link(actor=actor, client=client, mentions=mentions, request=request)


bulk_actions.register("link", BulkAction(needs=(), run=_bulk_link, together=True), rank=40)
bulk_actions.register("archive", BulkAction(needs=(), run=_bulk_archive), rank=60)
