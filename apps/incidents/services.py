"""Writes of incidents: declaring one, its status and moments, its people, its timeline."""

from __future__ import annotations

import logging
import re
from collections import Counter
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Min
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.audit import changed_fields
from apps.core.numbers import as_utc, parse_id
from apps.core.services import model_update
from apps.detection.models import SpikeAlert
from apps.detection.selectors import alert_mentions
from apps.detection.services import alert_became_incident
from apps.listening.models import BrandQuery
from apps.mentions.models import Mention
from apps.notifications.models import NotificationEvent
from apps.notifications.services import notify
from apps.tenants.models import Brand, Client
from apps.tenants.roles import ClientPerm
from apps.tenants.scoping import user_has_client_perm
from apps.tenants.selectors import account_leads_of, client_people_of
from apps.tenants.services import require_client_perm

from . import events
from .counting import linking_sql
from .models import (
    CrisisType,
    Incident,
    IncidentMember,
    IncidentMention,
    IncidentRole,
    IncidentStatus,
    LinkReason,
    PlaybookItem,
    Severity,
    TimelineEntry,
)
from .playbooks import playbook_for

log = logging.getLogger(__name__)
TITLE_MAX = 200
OPEN = (IncidentStatus.ACTIVE, IncidentStatus.CONTAINED)
HASHTAG = re.compile(r"#\w{2,}")
NOTE_MAX = 4000
MENTIONS = Mention._meta.db_table


def _entry(incident: Incident, kind: str, text: str, *, actor: User | None, client_visible: bool = False, at=None):
    return TimelineEntry.objects.create(
        client_id=incident.client_id,
        incident=incident,
        at=at or timezone.now(),
        kind=kind,
        text=text,
        actor=actor,
        client_visible=client_visible,
    )


def incident_declare(
    *,
    actor: User,
    client: Client,
    title: str,
    crisis_type: CrisisType,
    severity: int,
    brands: list[Brand] | None = None,
    alert: SpikeAlert | None = None,
    mention_ids: list[int] | None = None,
    summary: str = "",
    private: bool = False,
    request: HttpRequest | None = None,
) -> Incident:
    """Declare an incident: from a spike alert (its mentions attached), from mentions (one, or an
    inbox selection) or from nothing. Declaring twice from one alert gives the first incident."""
    require_client_perm(actor=actor, client=client, codename=ClientPerm.WORK_MENTIONS)
    with transaction.atomic():
        if alert is not None:
            if alert.client_id != client.pk:
                raise PermissionDenied
            alert = SpikeAlert.objects.select_for_update(of=("self",)).select_related("brand").get(pk=alert.pk)
            existing = Incident.objects.filter(spike_alert=alert).first()
            if existing is not None:
                return existing
        brands = list(brands or [])
        mentions = Mention.objects.unscoped().filter(client=client, pk__in=mention_ids or [])
        _validate_declaration(client, title, crisis_type, severity, brands, mention_ids or [], mentions)
        if alert is not None and alert.brand not in brands:
            brands.append(alert.brand)
        brands += [brand for brand in Brand.objects.filter(mentions__in=mentions).distinct() if brand not in brands]
        now = timezone.now()
        incident = Incident.objects.create(
            client=client,
            title=title.strip(),
            summary=summary.strip(),
            crisis_type=crisis_type,
            severity=severity,
            private=private,
            spike_alert=alert,
            declared_by=actor,
            declared_at=now,
            detected_at=alert.detected_at if alert else None,
            next_update_at=now + timedelta(minutes=_cadence(severity)),
        )
        incident.brands.set(brands)
        if private or user_has_client_perm(actor, client, ClientPerm.MANAGE):
            # A private incident is its members' only: whoever declares it is one of them.
            IncidentMember.objects.create(
                client=client,
                incident=incident,
                role=IncidentRole.COMMANDER
                if user_has_client_perm(actor, client, ClientPerm.MANAGE)
                else IncidentRole.RESEARCH,
                user=actor,
            )
        linked = 0
        if alert is not None:
            linked += _link_all(incident, alert_mentions(alert=alert), LinkReason.ALERT, actor=None)
            incident.link_topics, incident.link_terms = _alert_rules(incident)
            incident.save(update_fields=["link_topics", "link_terms"])
            alert_became_incident(actor=actor, alert=alert, request=request)
        if mention_ids:
            linked += _link_all(incident, mentions, LinkReason.HAND, actor=actor)
        _instantiate_playbook(incident)
        first = Mention.objects.unscoped().filter(incident_links__incident=incident).aggregate(first=Min("posted_at"))
        incident.started_at = first["first"] or (alert.started_at if alert else None)
        incident.save(update_fields=["started_at"])
        text = _("Declared: %(title)s, severity %(severity)s, %(kind)s.") % {
            "title": incident.title,
            "severity": severity,
            "kind": crisis_type.name,
        }
        if linked:
            text += " " + _("%(n)s mentions linked.") % {"n": linked}
        _entry(incident, "declared", text, actor=actor, at=now)
        events.incident_declared_event(actor=actor, incident=incident, mentions=linked, request=request)
    return incident


def _instantiate_playbook(incident: Incident) -> None:
    """The checklist from the playbook of the incident's kind, each step due after the declaration."""
    PlaybookItem.objects.bulk_create(
        PlaybookItem(
            client_id=incident.client_id,
            incident=incident,
            position=position,
            title=str(title),
            owner_role=role,
            due_at=incident.declared_at + due if due else None,
            self_check=check,
        )
        for position, (title, role, due, check) in enumerate(playbook_for(incident.crisis_type.key))
    )


def playbook_item_tick(
    *, actor: User, item: PlaybookItem, done: bool = True, request: HttpRequest | None = None
) -> PlaybookItem:
    """Tick a step of the checklist done, or untick it."""
    require_client_perm(actor=actor, client=item.incident.client, codename=ClientPerm.WORK_MENTIONS)
    with transaction.atomic():
        item = PlaybookItem.objects.select_for_update(of=("self",)).select_related("incident__client").get(pk=item.pk)
        if (item.done_at is not None) == done:
            return item
        item.done_at, item.done_by = (timezone.now(), actor) if done else (None, None)
        item.save(update_fields=["done_at", "done_by"])
        words = _("Done: %(step)s.") if done else _("Not done after all: %(step)s.")
        _entry(item.incident, "step", words % {"step": item.title}, actor=actor)
        events.playbook_item_event(actor=actor, item=item, request=request)
    return item


def tick_self_checks(*, incident: Incident, check: str, actor: User | None = None) -> int:
    """What a step asks for happened (a holding statement out, posts held): its steps tick."""
    now = timezone.now()
    with transaction.atomic():
        items = list(
            PlaybookItem.objects.select_for_update(of=("self",)).filter(
                incident=incident, self_check=check, done_at__isnull=True
            )
        )
        for item in items:
            item.done_at, item.done_by = now, actor
            item.save(update_fields=["done_at", "done_by"])
            _entry(incident, "step", _("Done by itself: %(step)s.") % {"step": item.title}, actor=actor)
            events.playbook_item_event(actor=actor, item=item)
    return len(items)


CADENCE = {1: 30, 2: 60, 3: 240}  # minutes between updates, where the agency's severities say nothing


def _cadence(level: int) -> int:
    """Minutes between the commander's updates at this severity (the agency's, or the default)."""
    severity = Severity.objects.filter(level=level).first()
    return severity.update_every_minutes if severity else CADENCE.get(level, 60)


def incident_post_update(
    *, actor: User, incident: Incident, text: str, client_visible: bool = False, request: HttpRequest | None = None
) -> TimelineEntry:
    """The commander's status update: on the timeline, to the incident's team and, marked so, to
    the client's people (in the app and by e-mail); the next one is due at the severity's cadence."""
    require_client_perm(actor=actor, client=incident.client, codename=ClientPerm.WORK_MENTIONS)
    if not text.strip():
        raise ValidationError({"text": _("Write the update.")})
    if client_visible and incident.private:
        raise ValidationError(
            {"client_visible": _("A private incident is its members' only: updates stay with the team.")}
        )
    if len(text) > NOTE_MAX:
        raise ValidationError({"text": _("At most %(n)s characters.") % {"n": NOTE_MAX}})
    with transaction.atomic():
        incident = Incident.objects.select_for_update(of=("self",)).select_related("client").get(pk=incident.pk)
        now = timezone.now()
        incident.next_update_at = now + timedelta(minutes=_cadence(incident.severity))
        incident.update_reminded_at = None
        incident.save(update_fields=["next_update_at", "update_reminded_at", "updated_at"])
        entry = _entry(incident, "update", text.strip(), actor=actor, client_visible=client_visible, at=now)
        events.incident_update_event(actor=actor, incident=incident, client_visible=client_visible, request=request)
    team = {member.user for member in IncidentMember.objects.filter(incident=incident).select_related("user")}
    recipients = (team | set(client_people_of(client=incident.client))) if client_visible else team
    named = _("a private incident") if incident.private else incident.title
    notify(
        event=NotificationEvent.INCIDENT_UPDATE,
        client=incident.client,
        recipients=recipients - {actor},
        title=_("Update on %(incident)s") % {"incident": named},
        body=text.strip()[:1000],
        url=reverse("crisis_detail", kwargs={"client_slug": incident.client.slug, "incident_pk": incident.pk})
        if client_visible
        else incident.get_absolute_url(),
        webhooks=client_visible,  # the client's endpoints hear only what is meant for the client
    )
    return entry


def remind_overdue_updates(*, now: datetime | None = None) -> int:
    """The beat: an open incident past its "next update at" tells its commander (or the account
    leads), once until the next update is posted."""
    now = now or timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Incident._meta.db_table} SET update_reminded_at = %s WHERE status = ANY(%s) "
            "AND next_update_at < %s AND update_reminded_at IS NULL RETURNING id",
            [now, list(OPEN), now],
        )
        ids = [row[0] for row in cursor.fetchall()]
    for incident in Incident.objects.unscoped().filter(pk__in=ids).select_related("client"):
        commander = IncidentMember.objects.filter(incident=incident, role=IncidentRole.COMMANDER).first()
        named = _("a private incident") if incident.private else incident.title
        notify(
            event=NotificationEvent.INCIDENT_UPDATE_DUE,
            client=incident.client,
            recipients=[commander.user] if commander else account_leads_of(client=incident.client),
            title=_("The next update on %(incident)s is due") % {"incident": named},
            url=incident.get_absolute_url(),
            webhooks=False,
        )
    return len(ids)


ESCALATE_AFTER = timedelta(minutes=30)  # past due this long, the commander and the leads hear of it


def remind_late_steps(*, now: datetime | None = None) -> tuple[int, int]:
    """The beat's pass: a step past due tells whoever has its role (the commander if nobody),
    once; half an hour later the commander and the client's account leads, once. Each row is
    claimed by one UPDATE, so two beats at once tell once. Returns (reminded, escalated)."""
    now = now or timezone.now()
    open_items = PlaybookItem.objects.filter(done_at__isnull=True, due_at__isnull=False, incident__status__in=OPEN)
    reminded = _claim(open_items.filter(due_at__lt=now, reminded_at__isnull=True), "reminded_at", now)
    escalated = _claim(
        open_items.filter(due_at__lt=now - ESCALATE_AFTER, escalated_at__isnull=True), "escalated_at", now
    )
    for item in reminded:
        _tell(item, escalate=False)
    for item in escalated:
        _tell(item, escalate=True)
    return len(reminded), len(escalated)


def _claim(items, field: str, now: datetime) -> list[PlaybookItem]:
    """Set ``field`` on the rows still without it; the rows this call set (a second beat gets none)."""
    with transaction.atomic(), connection.cursor() as cursor:
        ids = list(items.values_list("pk", flat=True)[:500])
        if not ids:
            return []
        table = PlaybookItem._meta.db_table
        cursor.execute(
            f"UPDATE {table} SET {field} = %s WHERE id = ANY(%s) AND {field} IS NULL RETURNING id", [now, ids]
        )
        claimed = [row[0] for row in cursor.fetchall()]
    return list(PlaybookItem.objects.filter(pk__in=claimed).select_related("incident__client"))


def _tell(item: PlaybookItem, *, escalate: bool) -> None:
    incident = item.incident
    holders = {
        member.role: member.user for member in IncidentMember.objects.filter(incident=incident).select_related("user")
    }
    if escalate:
        recipients = {holders.get(IncidentRole.COMMANDER), *account_leads_of(client=incident.client)} - {None}
        event, title = NotificationEvent.INCIDENT_STEP_ESCALATED, _("Well past due: %(step)s")
    else:
        recipients = {holders.get(item.owner_role) or holders.get(IncidentRole.COMMANDER)} - {None}
        event, title = NotificationEvent.INCIDENT_STEP_LATE, _("Late: %(step)s")
    if not recipients:  # nobody in the incident yet: its account leads
        recipients = set(account_leads_of(client=incident.client))
    if not recipients:
        log.warning("late step %s of incident %s: nobody to tell", item.pk, incident.pk)
    named = _("a private incident") if incident.private else incident.title
    notify(
        event=event,
        client=incident.client,
        recipients=recipients,
        title=title % {"step": item.title},
        body=_("In %(incident)s, due %(due)s.")
        % {"incident": named, "due": timezone.localtime(item.due_at).strftime("%Y-%m-%d %H:%M")},
        url=incident.get_absolute_url(),
        critical=escalate,
        webhooks=False,
    )


def _alert_rules(incident: Incident) -> tuple[list[str], list[str]]:
    """The rules an alert's incident starts with: the topics and hashtags that a fifth or more
    of its mentions carry (people add terms and authors on the incident's page)."""
    rows = list(
        Mention.objects.unscoped().filter(incident_links__incident=incident).values_list("topics", "text")[:5000]
    )
    if not rows:
        return [], []
    topics, hashtags = Counter(), Counter()
    # The brand's own names and the hashtags its query follows are in every mention: no rule.
    brands = list(incident.brands.all())
    own = {tag.casefold() for brand in brands for tag in (*brand.aliases, *brand.handles)}
    own |= {f"#{brand.name.replace(' ', '').casefold()}" for brand in brands}
    own |= {
        f"#{tag.casefold().lstrip('#')}"
        for tags in BrandQuery.objects.unscoped().filter(brand__in=brands).values_list("hashtags", flat=True)
        for tag in tags or ()
    }
    for mention_topics, text in rows:
        topics.update(set(mention_topics or ()))
        hashtags.update({tag.casefold() for tag in HASHTAG.findall(text)})
    enough = max(2, len(rows) / 5)
    return (
        sorted(topic for topic, n in topics.items() if n >= enough),
        sorted(tag for tag, n in hashtags.items() if n >= enough and tag not in own)[:10],
    )


RULES_MAX = 50


def incident_set_rules(
    *,
    actor: User,
    incident: Incident,
    terms: list[str],
    authors: list[str],
    topics: list[str],
    request: HttpRequest | None = None,
) -> Incident:
    """What new mentions of its brands are linked by while it is active (and rated high)."""
    require_client_perm(actor=actor, client=incident.client, codename=ClientPerm.WORK_MENTIONS)
    cleaned = {
        "link_terms": sorted({term.strip() for term in terms if term.strip()}),
        "link_authors": sorted({author.strip().lstrip("@").casefold() for author in authors if author.strip()}),
        "link_topics": sorted({topic.strip() for topic in topics if topic.strip()}),
    }
    errors = {}
    for name, values in cleaned.items():
        if len(values) > RULES_MAX:
            errors[name.removeprefix("link_")] = _("At most %(n)s.") % {"n": RULES_MAX}
        elif any(len(value) > 100 for value in values):
            errors[name.removeprefix("link_")] = _("Each at most 100 characters.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        incident = Incident.objects.select_for_update(of=("self",)).select_related("client").get(pk=incident.pk)
        changes = model_update(instance=incident, fields=list(cleaned), data=cleaned, clean=False)
        if changes:
            _entry(incident, "rules", _("Linking rules changed."), actor=actor)
            events.incident_rules_event(
                actor=actor, incident=incident, before=changes.before, after=changes.after, request=request
            )
    return incident


def _validate_declaration(client, title, crisis_type, severity, brands, mention_ids, mentions) -> None:
    errors = {}
    if not title.strip():
        errors["title"] = _("Give the incident a title people will recognise.")
    elif len(title.strip()) > TITLE_MAX:
        errors["title"] = _("At most %(n)s characters.") % {"n": TITLE_MAX}
    if crisis_type is None or not crisis_type.active:
        errors["crisis_type"] = _("Choose a kind of crisis from the agency's list.")
    if severity not in (1, 2, 3):
        errors["severity"] = _("Severity is 1, 2 or 3.")
    if any(brand.client_id != client.pk for brand in brands):
        errors["brands"] = _("Choose the client's own brands.")
    if mention_ids and mentions.count() != len(set(mention_ids)):
        errors["mentions"] = _("Some of these mentions are not the client's.")
    if errors:
        raise ValidationError(errors)


def _link_all(incident: Incident, mentions, reason: str, *, actor: User | None) -> int:
    """Link every mention of the queryset in one statement (an alert may hold thousands), counted
    into the conversation as they are linked."""
    sql, params = mentions.values("id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            linking_sql(
                "SELECT %s, %s, m.id, %s, %s, now(), m.platform, m.posted_at, m.sentiment "
                f"FROM {MENTIONS} AS m WHERE m.id IN ({sql})"
            ),
            [incident.client_id, incident.pk, reason, actor.pk if actor else None, *params],
        )
        return cursor.fetchone()[0]


def incident_link_mentions(
    *, actor: User, incident: Incident, mentions: list[Mention], request: HttpRequest | None = None
) -> int:
    """Link mentions by hand (the inbox's selection); returns how many were new to it."""
    require_client_perm(actor=actor, client=incident.client, codename=ClientPerm.WORK_MENTIONS)
    ids = [mention.pk for mention in mentions if mention.client_id == incident.client_id]
    with transaction.atomic():
        linked = _link_all(incident, Mention.objects.unscoped().filter(pk__in=ids), LinkReason.HAND, actor=actor)
        if linked:
            _entry(incident, "linked", _("%(n)s mentions linked by hand.") % {"n": linked}, actor=actor)
            events.incident_linked_event(actor=actor, incident=incident, count=linked, request=request)
    return linked


def incident_unlink_mention(
    *, actor: User, incident: Incident, mention: Mention, request: HttpRequest | None = None
) -> None:
    """Take a mention out of the incident (it was not about it); the rules link it no more."""
    require_client_perm(actor=actor, client=incident.client, codename=ClientPerm.WORK_MENTIONS)
    with transaction.atomic():
        link = IncidentMention.objects.filter(incident=incident, mention=mention).first()
        if link is not None:
            link.delete()  # its count goes with it (counting.uncount)
            _entry(incident, "unlinked", _("A mention was unlinked by hand."), actor=actor)
            events.incident_linked_event(actor=actor, incident=incident, count=-1, request=request)


def bulk_link_to_incident(
    *, actor: User, client: Client, mentions: list[Mention], params: dict, request: HttpRequest | None = None
) -> int:
    """The inbox's bulk action: the selection into one of the client's open incidents."""
    incident_id = parse_id(str(params.get("incident", "")))
    incident = (
        Incident.objects.visible_to(actor).filter(client=client, pk=incident_id, status__in=OPEN).first()
        if incident_id
        else None
    )
    if incident is None:
        raise ValidationError({"incident": _("Choose one of the client's open incidents.")})
    return incident_link_mentions(actor=actor, incident=incident, mentions=mentions, request=request)


# Where an incident may go from where it is, and the moment each move sets.
MOVES = {
    IncidentStatus.ACTIVE: {IncidentStatus.CONTAINED, IncidentStatus.RESOLVED, IncidentStatus.CANCELLED},
    IncidentStatus.CONTAINED: {IncidentStatus.ACTIVE, IncidentStatus.RESOLVED, IncidentStatus.CANCELLED},
    IncidentStatus.RESOLVED: {IncidentStatus.ACTIVE, IncidentStatus.CLOSED},
    IncidentStatus.CLOSED: set(),
    IncidentStatus.CANCELLED: set(),
}
MOMENTS = {
    IncidentStatus.CONTAINED: "contained_at",
    IncidentStatus.RESOLVED: "resolved_at",
    IncidentStatus.CLOSED: "closed_at",
}
ORDER = ["declared_at", "contained_at", "resolved_at", "closed_at"]


def incident_set_status(
    *,
    actor: User,
    incident: Incident,
    status: str,
    at: datetime | None = None,
    reason: str = "",
    request: HttpRequest | None = None,
) -> Incident:
    """Move an incident on (contained, resolved, closed), back to active, or cancel it; the
    moment is now or the time given, never before the moments that come earlier."""
    require_client_perm(actor=actor, client=incident.client, codename=ClientPerm.WORK_MENTIONS)
    with transaction.atomic():
        incident = Incident.objects.select_for_update(of=("self",)).select_related("client").get(pk=incident.pk)
        if status == IncidentStatus.CLOSED and not reason.strip():
            left = PlaybookItem.objects.filter(incident=incident, done_at__isnull=True).count()
            if left:
                raise ValidationError(
                    {"reason": _("%(n)s steps of the checklist are not done: say why it closes anyway.") % {"n": left}}
                )
        if status not in MOVES.get(incident.status, set()):
            raise ValidationError(
                {
                    "status": _("An incident that is %(now)s cannot become %(then)s.")
                    % {
                        "now": incident.get_status_display(),
                        "then": IncidentStatus(status).label if status in IncidentStatus.values else status,
                    }
                }
            )
        at = as_utc(at) or timezone.now()
        if at > timezone.now():
            raise ValidationError({"at": _("That time has not come yet.")})
        if at < incident.declared_at:
            raise ValidationError({"at": _("That is before the incident was declared.")})
        field = MOMENTS.get(status)
        if field:
            earlier = [name for name in ORDER[: ORDER.index(field)] if getattr(incident, name)]
            for name in earlier:
                if at < getattr(incident, name):
                    raise ValidationError(
                        {
                            "at": _("It cannot be %(status)s before it was %(moment)s (%(when)s).")
                            % {
                                "status": IncidentStatus(status).label,
                                "moment": Incident._meta.get_field(name).verbose_name,
                                "when": timezone.localtime(getattr(incident, name)).strftime("%Y-%m-%d %H:%M"),
                            }
                        }
                    )
            setattr(incident, field, at)
        if status == IncidentStatus.ACTIVE:  # reopened: the later moments no longer hold
            incident.resolved_at = incident.closed_at = None
        before, incident.status = incident.status, status
        incident.save()
        # The move is the client's to see; the reason stays with the agency's team.
        _entry(
            incident,
            "status",
            _("Now %(status)s.") % {"status": incident.get_status_display()},
            actor=actor,
            client_visible=True,
            at=at,
        )
        if reason.strip():
            why = _("Why %(status)s: %(reason)s") % {"status": incident.get_status_display(), "reason": reason.strip()}
            _entry(incident, "note", why[:NOTE_MAX], actor=actor, at=at)
        events.incident_status_event(actor=actor, incident=incident, before=before, request=request)
    return incident


def incident_assign_role(
    *, actor: User, incident: Incident, role: str, user: User, request: HttpRequest | None = None
) -> IncidentMember:
    """Give a role to a person of the agency's team at the client; the commander is an account
    lead. Replacing someone is a handover, on the timeline."""
    require_client_perm(actor=actor, client=incident.client, codename=ClientPerm.WORK_MENTIONS)
    if role not in IncidentRole.values:
        raise ValidationError({"role": _("Choose a role of the incident.")})
    needed = ClientPerm.MANAGE if role == IncidentRole.COMMANDER else ClientPerm.READ_WORK
    if not user.is_active or not user_has_client_perm(user, incident.client, needed):
        message = (
            _("The commander is one of the client's account leads.")
            if role == IncidentRole.COMMANDER
            else _("%(name)s is not on the agency's team at this client.") % {"name": user.display_name}
        )
        raise ValidationError({"user": message})
    with transaction.atomic():
        # the incident's row, so two first holders of one role cannot both be written
        Incident.objects.select_for_update(of=("self",)).filter(pk=incident.pk).first()
        member = IncidentMember.objects.filter(incident=incident, role=role).first()
        before = member.user if member else None
        if before == user:
            return member
        if member is None:
            member = IncidentMember(client_id=incident.client_id, incident=incident, role=role)
        member.user, member.since = user, timezone.now()
        member.save()
        name = user.display_name
        label = IncidentRole(role).label
        if before is None:
            text = _("%(name)s is %(role)s.") % {"name": name, "role": label}
        else:
            text = _("Handover: %(role)s from %(before)s to %(name)s.") % {
                "role": label,
                "before": before.display_name,
                "name": name,
            }
        _entry(
            incident,
            "role",
            text,
            actor=actor,
            client_visible=role in (IncidentRole.COMMANDER, IncidentRole.CLIENT_LIAISON),
        )
        events.incident_role_event(
            actor=actor, incident=incident, role=role, user=user, before_user=before, request=request
        )
    return member


def incident_note(
    *, actor: User, incident: Incident, text: str, client_visible: bool = False, request: HttpRequest | None = None
) -> TimelineEntry:
    """A note on the timeline by hand: a decision, what was learnt, what the client was told."""
    require_client_perm(actor=actor, client=incident.client, codename=ClientPerm.WORK_MENTIONS)
    if not text.strip():
        raise ValidationError({"text": _("Write the note.")})
    if len(text) > NOTE_MAX:
        raise ValidationError({"text": _("At most %(n)s characters.") % {"n": NOTE_MAX}})
    with transaction.atomic():
        entry = _entry(incident, "note", text.strip(), actor=actor, client_visible=client_visible)
        events.incident_noted_event(actor=actor, incident=incident, client_visible=client_visible, request=request)
    return entry


# --- The agency's lists: kinds of crisis and what each severity means (agency admins) ---------

CRISIS_TYPE_NAME_MAX = CrisisType._meta.get_field("name").max_length
SEVERITY_NAME_MAX = Severity._meta.get_field("name").max_length
UPDATE_EVERY_MAX = 7 * 24 * 60


def _require_agency_admin(actor: User) -> None:
    if not actor.is_agency_admin:
        raise PermissionDenied(_("Only an agency admin changes the agency's lists."))


@transaction.atomic
def crisis_type_save(
    *,
    actor: User,
    name: str,
    active: bool = True,
    position: int = 0,
    crisis_type: CrisisType | None = None,
    request: HttpRequest | None = None,
) -> CrisisType:
    """Add a kind of crisis to the agency's list, or rename, reorder or stop offering one (an
    incident keeps its kind; a kind no longer offered is not chosen for new ones)."""
    _require_agency_admin(actor)
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = [_("Name the kind of crisis.")]
    elif len(name) > CRISIS_TYPE_NAME_MAX:
        errors["name"] = [_("At most %(n)s characters.") % {"n": CRISIS_TYPE_NAME_MAX}]
    elif CrisisType.objects.filter(name__iexact=name).exclude(pk=crisis_type.pk if crisis_type else None).exists():
        errors["name"] = [_("The list has this kind already.")]
    if not isinstance(position, int) or isinstance(position, bool) or not 0 <= position <= 1000:
        errors["position"] = [_("Between 0 and 1000.")]
    if errors:
        raise ValidationError(errors)
    before = None if crisis_type is None else changed_fields(crisis_type, ["name", "active", "position"])
    crisis_type = crisis_type or CrisisType()
    crisis_type.name, crisis_type.active, crisis_type.position = name, bool(active), position
    crisis_type.save()
    events.agency_list_event(
        actor=actor,
        action="incident_kind.created" if before is None else "incident_kind.changed",
        target=crisis_type,
        before=before,
        after=changed_fields(crisis_type, ["name", "active", "position"]),
        request=request,
    )
    return crisis_type


@transaction.atomic
def severity_save(
    *,
    actor: User,
    severity: Severity,
    name: str,
    meaning: str,
    update_every_minutes: int,
    request: HttpRequest | None = None,
) -> Severity:
    """What a severity is called and means at the agency, and how often its commander updates."""
    _require_agency_admin(actor)
    name, meaning = (name or "").strip(), (meaning or "").strip()
    errors = {}
    if not name or len(name) > SEVERITY_NAME_MAX:
        errors["name"] = [_("A name of at most %(n)s characters.") % {"n": SEVERITY_NAME_MAX}]
    if len(meaning) > 2000:
        errors["meaning"] = [_("At most %(n)s characters.") % {"n": 2000}]
    minutes = update_every_minutes
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 5 <= minutes <= UPDATE_EVERY_MAX:
        errors["update_every_minutes"] = [_("Between 5 and %(max)s minutes.") % {"max": UPDATE_EVERY_MAX}]
    if errors:
        raise ValidationError(errors)
    fields = ["name", "meaning", "update_every_minutes"]
    before = changed_fields(severity, fields)
    severity.name, severity.meaning, severity.update_every_minutes = name, meaning, minutes
    severity.save()
    events.agency_list_event(
        actor=actor,
        action="incident_severity.changed",
        target=severity,
        before=before,
        after=changed_fields(severity, ["level", *fields]),
        request=request,
    )
    return severity
