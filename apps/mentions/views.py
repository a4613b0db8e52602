"""The inbox (one client's, and "my work" across clients) and the mention page with its actions."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.generic import View

from apps.core.forms import apply_service_errors
from apps.core.numbers import parse_id, parse_ids
from apps.core.registry import Registry
from apps.core.sentences import with_sentences
from apps.core.sessions import background_poll
from apps.core.views import redirect_back, run_and_report
from apps.mentions.models import RiskLevel
from apps.tenants.mixins import ClientScopedMixin
from apps.tenants.models import Client
from apps.tenants.roles import ClientPerm
from apps.tenants.scoping import client_ids_with_perm

from . import presence, selectors, services
from .forms import InboxFilterForm, NoteForm, SavedViewForm, TransitionForm
from .lifecycle import (
    FOLLOWS_THE_ANSWER,
    NEEDS_ANSWER_URL,
    NEEDS_PRIVATE_CHANNEL,
    NEEDS_REASON,
    NO_CLOCK,
    manual_moves_from,
)
from .models import Mention, MentionStatus, PrivateChannel

# --- The inbox -------------------------------------------------------------------------------


def _filter_form(data) -> InboxFilterForm:
    form = InboxFilterForm(data)
    form.is_valid()
    return form


def _page_or_error(request, form, clients):
    """(page, None) or (None, 400 response text) for the form's filters."""
    if not form.is_valid():
        return None
    try:
        return selectors.inbox_page(
            user=request.user,
            filters=form.cleaned_data,
            clients=clients,
            after=form.cleaned_data.get("after") or "",
            size=form.cleaned_data.get("size") or selectors.PAGE_SIZE,
        )
    except selectors.BadCursor as error:
        form.add_error("after", str(error.message))
        return None


def _query_without(request, *names) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


MULTI_FILTERS = ("status", "risk", "channel", "language", "sentiment", "kind")
SINGLE_FILTERS = ("q", "topic", "assignee", "brand", "since", "until", "archived")
# Statuses the bulk bar may set: none that follows an answer, none that needs an answer's address.
BULK_STATUSES = [(v, label) for v, label in MentionStatus.choices if v not in FOLLOWS_THE_ANSWER | NEEDS_ANSWER_URL]
# The menus' options, read once: asking the bound form for each option's state costs a page dearly.
FILTER_CHOICES = {name: InboxFilterForm.base_fields[name].choices for name in MULTI_FILTERS}


def _for_display(mentions: list) -> list:
    """Labels and links for inbox rows, worked out once per page rather than once per row and field."""
    labels = {
        name: {value: str(label) for value, label in Mention._meta.get_field(name).flatchoices}
        for name in ("status", "sentiment", "kind", "risk_level")
    }
    prefixes: dict[int, str] = {}
    for mention in mentions:
        if mention.client_id not in prefixes:
            prefixes[mention.client_id] = reverse("mention_detail", args=[mention.client_slug, 0])[: -len("0/")]
        mention.url = f"{prefixes[mention.client_id]}{mention.pk}/"
        mention.status_label = labels["status"].get(mention.status, mention.status)
        mention.sentiment_label = labels["sentiment"].get(mention.sentiment, "")
        mention.kind_label = labels["kind"].get(mention.kind, "")
        mention.risk_label = labels["risk_level"].get(mention.risk_level, "")
    return mentions


def _chosen(data) -> dict:
    """What the filter menus show as chosen, straight from the query."""
    return {
        **{name: data.getlist(name) for name in MULTI_FILTERS},
        **{name: data.get(name, "") for name in SINGLE_FILTERS},
    }


class InboxMixin:
    """What the client inbox and "my work" share: filters, the page, the live poll."""

    template_name = "mentions/inbox.html"
    fixed_filters: dict = {}  # what the person cannot change here

    def render_inbox(self, request, clients: list[Client], extra: dict):
        data = request.GET.copy()
        for key, value in self.fixed_filters.items():
            data[key] = value  # replaces; QueryDict.update would add a second value
        form = _filter_form(data)
        page = _page_or_error(request, form, clients)
        status = 200 if page is not None else 400
        context = {
            "form": form,
            "page": page,
            "mentions": _for_display(page.mentions) if page else [],
            "filter_query": _query_without(request, "after"),
            "newest_id": max((m.pk for m in page.mentions), default=0) if page else 0,
            "now": timezone.now(),
            "levels": RiskLevel.choices,
            "private_channels": PrivateChannel.choices,
            "bulk_statuses": BULK_STATUSES,
            "chosen": _chosen(data),
            "choices": FILTER_CHOICES,
            **extra,
        }
        if request.htmx and request.GET.get("after"):
            return render(request, "mentions/_inbox_rows.html", context, status=status)
        return render(request, self.template_name, context, status=status)


class InboxView(ClientScopedMixin, InboxMixin, View):
    read_permission = ClientPerm.READ_WORK

    def get(self, request, client_slug):
        if request.htmx and request.GET.get("after"):
            return self.render_inbox(request, [self.client], {})  # "More": only rows, none of the page
        views = list(selectors.saved_views_of(user=request.user, client=self.client))
        context = {
            **self.client_context(),
            **selectors.inbox_choices(client=self.client),
            "saved_views": views,
            "view_form": SavedViewForm(),
            "poll_url": request.path + "poll/",
            # what the higher apps' bulk actions choose from (incidents: the open ones)
            "bulk_choices": {
                key: choices(user=request.user, client=self.client) for key, choices in bulk_choices.items()
            },
        }
        return self.render_inbox(request, [self.client], context)


class MyWorkView(LoginRequiredMixin, InboxMixin, View):
    """Everything assigned to me, across every client I work for."""

    def inbox_clients(self):
        user = self.request.user
        clients = Client.objects.visible_to(user).filter(is_active=True)
        if not user.is_agency_admin:
            clients = clients.filter(pk__in=client_ids_with_perm(user, ClientPerm.READ_WORK))
        return list(clients)

    fixed_filters = {"assignee": "me"}

    def get(self, request):
        clients = self.inbox_clients()
        if not clients:
            raise PermissionDenied
        return self.render_inbox(request, clients, {"my_work": True, "poll_url": request.path + "poll/"})


class InboxPollMixin:
    """The live part: how many new mentions wait above the list, and fresh copies of changed rows.

    New mentions never move the list: they are counted in a marker the person clicks. Rows
    on screen that someone changed are swapped in place (out of band), so the row under the
    cursor stays where it is.
    """

    shows_client = False  # rows name their client where the list spans several
    fixed_filters: dict = {}

    def poll(self, request, clients):
        form = _filter_form(request.GET)
        if not form.is_valid():
            return HttpResponseBadRequest(_("The filters are not valid."))
        newest_id = parse_id(request.GET.get("newest") or "0", allow_zero=True)
        shown = parse_ids(request.GET.getlist("shown"), limit=200)
        try:
            since = datetime.fromisoformat(request.GET.get("seen_at") or "")
        except ValueError:
            since = None
        if newest_id is None or shown is None or since is None or since.tzinfo is None:
            return HttpResponseBadRequest(_("The poll needs newest, seen_at and shown."))
        filters = {**form.cleaned_data, **self.fixed_filters}
        checked_at = timezone.now()  # before reading: a change made meanwhile comes with the next poll
        new_count = selectors.new_since(user=request.user, filters=filters, clients=clients, newest_id=newest_id)
        changed_ids = selectors.changed_since(user=request.user, clients=clients, mention_ids=shown, since=since)
        rows = _for_display(selectors.inbox_rows(user=request.user, clients=clients, ids=changed_ids))
        return render(
            request,
            "mentions/_inbox_poll.html",
            {"new_count": new_count, "changed": rows, "now": checked_at, "with_client": self.shows_client},
        )


@method_decorator(background_poll, name="dispatch")
class InboxPollView(ClientScopedMixin, InboxPollMixin, View):
    read_permission = ClientPerm.READ_WORK

    def get(self, request, client_slug):
        return self.poll(request, [self.client])


@method_decorator(background_poll, name="dispatch")
class MyWorkPollView(MyWorkView, InboxPollMixin):
    shows_client = True

    def get(self, request):
        clients = self.inbox_clients()
        if not clients:
            raise PermissionDenied
        return self.poll(request, clients)


@method_decorator(background_poll, name="dispatch")
class SavedViewCountsView(ClientScopedMixin, View):
    read_permission = ClientPerm.READ_WORK

    def get(self, request, client_slug):
        views = list(selectors.saved_views_of(user=request.user, client=self.client))
        counts = selectors.saved_view_counts(user=request.user, client=self.client, views=views)
        return render(request, "mentions/_saved_view_counts.html", {"counts": counts, "views": views})


class SavedViewCreateView(ClientScopedMixin, View):
    write_permission = ClientPerm.WORK_MENTIONS

    def post(self, request, client_slug):
        form = SavedViewForm(request.POST)
        filters_form = _filter_form(QueryDict(request.POST.get("query", "")))
        if form.is_valid() and filters_form.is_valid():
            run_and_report(
                request,
                lambda: services.saved_view_create(
                    actor=request.user,
                    client=self.client,
                    filters=filters_form.filters(),
                    request=request,
                    **form.cleaned_data,
                ),
                _("View saved."),
            )
        else:
            messages.error(request, _("Name the view; the filters must be valid."))
        return redirect("inbox", client_slug=client_slug)


class SavedViewDeleteView(ClientScopedMixin, View):
    write_permission = ClientPerm.WORK_MENTIONS

    def post(self, request, client_slug, view_pk):
        view = get_object_or_404(selectors.saved_views_of(user=request.user, client=self.client), pk=view_pk)
        services.saved_view_delete(actor=request.user, view=view, request=request)
        return redirect("inbox", client_slug=client_slug)


class BulkView(ClientScopedMixin, View):
    """One action on the selected rows; refusals for single mentions are listed, the rest goes ahead."""

    write_permission = ClientPerm.WORK_MENTIONS

    def post(self, request, client_slug):
        ids = parse_ids(request.POST.getlist("ids"), limit=services.MAX_BULK + 1)
        if ids is None:
            return _answer(request, _("Choose mentions from the list."), status=400)
        mentions = selectors.mentions_of(user=request.user, client=self.client, ids=ids)
        action = request.POST.get("action", "")
        keys = ("status", "reason", "private_channel", "topic", "level", "incident")
        params = {key: request.POST.get(key, "") for key in keys}
        if action == "assign":
            assignee_id = request.POST.get("assignee", "")
            if assignee_id and parse_id(assignee_id) is None:
                return _answer(request, _("Choose a person to assign."), status=400)
            params["assignee"] = (
                get_object_or_404(selectors.workers_of(client=self.client), pk=assignee_id) if assignee_id else None
            )
        try:
            outcome = services.mentions_bulk(
                actor=request.user, client=self.client, mentions=mentions, action=action, params=params, request=request
            )
        except ValidationError as error:
            return _answer(request, " ".join(error.messages), status=400)
        message = _("%(done)d done.") % {"done": len(outcome.done)}
        if outcome.failed:
            message += " " + _("Not done: %(why)s") % {
                "why": "; ".join(f"#{pk}: {why}" for pk, why in outcome.failed.items())
            }
        return _answer(request, message, status=200 if outcome.done or not outcome.failed else 400)


def _answer(request, message: str, *, status: int):
    """For scripts a short text; for plain forms a message and back to where they came from."""
    if request.htmx or request.headers.get("Accept", "").startswith("text/plain"):
        return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    (messages.success if status < 400 else messages.error)(request, message)
    return redirect_back(request, "home")


# --- One mention -----------------------------------------------------------------------------


# The mention page's sections from higher apps (the rating, the assignee, the answers): each
# panel(view=, mention=, forms=) returns its part of the page's context. Filled in their
# AppConfig.ready(); a section's form views subclass MentionScopedMixin and call render_detail.
mention_panels = Registry("mention page panels")
# {key: (user=, client=) -> [(value, label)]}: the choices of a higher app's bulk action in the
# inbox's bulk bar (incidents: the client's open incidents to link a selection to).
bulk_choices = Registry("inbox bulk choices")


class MentionScopedMixin(ClientScopedMixin):
    read_permission = ClientPerm.READ_WORK
    write_permission = ClientPerm.WORK_MENTIONS

    def load_mention(self, mention_pk):
        mention = selectors.mention_of(user=self.request.user, client=self.client, pk=mention_pk)
        if mention is None:
            raise Http404
        return mention

    def render_detail(self, mention, *, status=200, **forms):
        """The mention page; `forms` are refused forms shown again with their errors, by name."""
        parent, replies = selectors.conversation_of(user=self.request.user, mention=mention)
        context = {
            **self.client_context(),
            "mention": mention,
            "transition_form": forms.get("transition_form") or TransitionForm(),
            "note_form": forms.get("note_form") or NoteForm(),
            "allowed": manual_moves_from(mention.status),
            "no_clock": mention.status in NO_CLOCK,
            "needs_reason": " ".join(NEEDS_REASON),
            "needs_answer_url": " ".join(NEEDS_ANSWER_URL),
            "needs_private_channel": " ".join(NEEDS_PRIVATE_CHANNEL),
            "private_channels": PrivateChannel.choices,
            "parent": parent,
            "replies": replies,
            "related": selectors.related_of(user=self.request.user, mention=mention),
            "notes": list(selectors.notes_of(mention=mention)),
            "timeline": with_sentences(selectors.timeline_of(mention=mention)),
            "present": presence.present_on(mention.pk, exclude_user_id=self.request.user.pk),
            "presence_renew": presence.PRESENCE_RENEW,
        }
        for panel in mention_panels:
            context.update(panel(view=self, mention=mention, forms=forms))
        return render(self.request, "mentions/mention_detail.html", context, status=status)


class MentionDetailView(MentionScopedMixin, View):
    def get(self, request, client_slug, mention_pk):
        mention = self.load_mention(mention_pk)
        presence.presence_touch(mention_id=mention.pk, user=request.user, state="viewing")
        return self.render_detail(mention)


class MentionTransitionView(MentionScopedMixin, View):
    """Move a mention along its lifecycle. From the inbox (htmx) the answer is the fresh row."""

    def post(self, request, client_slug, mention_pk):
        mention = self.load_mention(mention_pk)
        form = TransitionForm(request.POST)
        if form.is_valid():
            try:
                mention = services.mention_transition(
                    actor=request.user, mention=mention, request=request, **form.cleaned_data
                )
            except ValidationError as error:
                apply_service_errors(form, error)
        if form.errors:
            if request.htmx:
                refusals = [message for errors in form.errors.values() for message in errors]
                return HttpResponse(" ".join(refusals), status=400, content_type="text/plain; charset=utf-8")
            return self.render_detail(mention, transition_form=form, status=400)
        if request.htmx:
            row = _for_display(selectors.inbox_rows(user=request.user, clients=[self.client], ids=[mention.pk]))
            return render(
                request, "mentions/_inbox_row.html", {"mention": row[0], "now": timezone.now(), "with_client": False}
            )
        return redirect("mention_detail", client_slug=client_slug, mention_pk=mention.pk)


class MentionArchiveView(MentionScopedMixin, View):
    def post(self, request, client_slug, mention_pk):
        mention = self.load_mention(mention_pk)
        archived = request.POST.get("archived", "1") == "1"
        services.mention_archive(actor=request.user, mention=mention, archived=archived, request=request)
        return redirect("mention_detail", client_slug=client_slug, mention_pk=mention.pk)


class MentionPurgeView(MentionScopedMixin, View):
    def post(self, request, client_slug, mention_pk):
        mention = self.load_mention(mention_pk)
        ok = run_and_report(
            request,
            lambda: services.mention_purge(
                actor=request.user, mention=mention, reason=request.POST.get("reason", ""), request=request
            ),
            _("The mention was purged."),
        )
        if ok:
            return redirect("inbox", client_slug=client_slug)
        return redirect("mention_detail", client_slug=client_slug, mention_pk=mention.pk)


class MentionNoteView(MentionScopedMixin, View):
    def post(self, request, client_slug, mention_pk):
        mention = self.load_mention(mention_pk)
        form = NoteForm(request.POST)
        if form.is_valid():
            try:
                services.note_add(actor=request.user, mention=mention, text=form.cleaned_data["text"], request=request)
                return redirect(mention.get_absolute_url() + "#notes")
            except ValidationError as error:
                apply_service_errors(form, error)
        return self.render_detail(mention, note_form=form, status=400)


@method_decorator(background_poll, name="dispatch")
class MentionPresenceView(MentionScopedMixin, View):
    """Renewed by the page every few seconds: I am here (viewing or drafting); who else is?"""

    def post(self, request, client_slug, mention_pk):
        # Every 10 s per open tab: whether the mention is there for this person, not the whole row.
        if not selectors.mention_exists(user=request.user, client=self.client, pk=mention_pk):
            raise Http404
        if request.POST.get("state") == "gone":
            presence.presence_leave(mention_id=mention_pk, user=request.user)
        else:
            presence.presence_touch(mention_id=mention_pk, user=request.user, state=request.POST.get("state", ""))
        others = presence.present_on(mention_pk, exclude_user_id=request.user.pk)
        return render(request, "mentions/_presence.html", {"present": others})
