"""Pages of scheduled posts: the list, the composer, a post, the calendar, the holds and the
queue of held posts to release."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from apps.core.forms import apply_service_errors
from apps.core.numbers import parse_id
from apps.incidents.models import Incident
from apps.listening.models import Source
from apps.responses.selectors import describe
from apps.tenants.mixins import ClientScopedMixin
from apps.tenants.models import Brand
from apps.tenants.roles import ClientPerm

from . import selectors, services
from .forms import HoldForm, PostForm, ReleaseForm
from .models import NOT_OUT, Hold, PostState, PublishingLock


def hold_panel(*, view, incident) -> dict:
    """The incident page's crisis mode: the holds it set, or (severity 1 or 2, none yet) the
    proposal to hold its brands' scheduled posts, for the commander to confirm."""
    holds = selectors.holds_for_incident(incident=incident)
    brands = list(incident.brands.all())
    return {
        "hold_panel": {
            "holds": holds,
            "propose": not holds and incident.severity <= 2 and incident.status in ("active", "contained"),
            "brand": brands[0] if len(brands) == 1 else None,
            "can_hold": view.can(ClientPerm.WORK_MENTIONS),
        }
    }


class ClientTimeMixin:
    """After ClientScopedMixin (which finds the client): the page's times are the client's, so
    a post goes out at its hour in its time zone."""

    def dispatch(self, request, *args, **kwargs):
        with timezone.override(client_zone(self.client)):
            return super().dispatch(request, *args, **kwargs)


class PostsMixin(ClientScopedMixin, ClientTimeMixin):
    read_permission = ClientPerm.READ_WORK
    write_permission = ClientPerm.WORK_MENTIONS

    def brands(self):
        return Brand.objects.visible_to(self.request.user).filter(client=self.client).order_by("name")

    def sources(self) -> list[Source]:
        return [source for brand in self.brands() for source in services.postable_sources(brand=brand)]

    def post_form(self, data=None, **kwargs) -> PostForm:
        return PostForm(data, brands=self.brands(), sources=self.sources(), **kwargs)

    def load_post(self, pk):
        post = selectors.post_of(user=self.request.user, client=self.client, pk=pk)
        if post is None:
            raise Http404
        return post


class PostListView(PostsMixin, TemplateView):
    template_name = "posts/post_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        state = self.request.GET.get("state", "")
        state = state if state in PostState.values else ""
        posts = selectors.posts_of(user=self.request.user, client=self.client, state=state)
        context.update(
            posts=list(posts.exclude(state=PostState.CANCELLED).order_by("due_at")[:300] if not state else posts[:300]),
            state=state,
            states=PostState.choices,
            holds=selectors.holds_of(user=self.request.user, client=self.client),
            can_work=self.can(ClientPerm.WORK_MENTIONS),
        )
        return context


class PostComposeView(PostsMixin, TemplateView):
    template_name = "posts/post_form.html"
    read_permission = ClientPerm.WORK_MENTIONS

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        soon = timezone.localtime() + timedelta(hours=1)
        context.setdefault("form", self.post_form(initial={"due_at": soon.replace(minute=0, second=0, microsecond=0)}))
        context["holds"] = selectors.holds_of(user=self.request.user, client=self.client)
        return context

    def post(self, request, client_slug):
        form = self.post_form(request.POST)
        if form.is_valid():
            try:
                post = services.post_compose(
                    actor=request.user,
                    brand=form.cleaned_data["brand"],
                    language=form.cleaned_data["language"],
                    request=request,
                    **form.values(),
                )
                if "submit" in request.POST:
                    services.post_submit(actor=request.user, post=post, request=request)
                messages.success(request, _("Saved."))
                return redirect(services.post_url(post=post))
            except ValidationError as error:
                apply_service_errors(form, error)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class PostDetailView(PostsMixin, TemplateView):
    """A post: its text and versions, state, channels; edit, send for approval or cancel it."""

    template_name = "posts/post_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        post = kwargs.get("post") or self.load_post(self.kwargs["post_pk"])
        version = post.answer.current_version
        context.setdefault(
            "form",
            self.post_form(
                initial={
                    "brand": post.brand_id,
                    "channels": [channel.source_id for channel in post.channels.all()],
                    "text": version.text,
                    "language": version.language,
                    "media_links": "\n".join(post.media_links),
                    "due_at": timezone.localtime(post.due_at),
                }
            ),
        )
        context.update(
            post=post,
            card=describe(user=self.request.user, answer=post.answer),
            editable=post.state in NOT_OUT,
            holds=selectors.holds_of(user=self.request.user, client=self.client),
            can_work=self.can(ClientPerm.WORK_MENTIONS),
        )
        return context

    def post(self, request, client_slug, post_pk):
        post = self.load_post(post_pk)
        section = request.POST.get("section")
        try:
            if section == "cancel":
                services.post_cancel(actor=request.user, post=post, request=request)
                messages.success(request, _("Cancelled: it will not go out."))
                return redirect("post_list", client_slug=self.client.slug)
            if section == "submit":
                services.post_submit(actor=request.user, post=post, request=request)
                messages.success(request, _("Sent for approval."))
                return redirect(services.post_url(post=post))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return self.render_to_response(self.get_context_data(post=post), status=400)
        form = self.post_form(request.POST)
        if form.is_valid():
            try:
                services.post_edit(
                    actor=request.user,
                    post=post,
                    base_version=parse_id(request.POST.get("base_version")) or 0,
                    request=request,
                    **form.values(),
                )
                messages.success(request, _("Saved: send it for approval again."))
                return redirect(services.post_url(post=post))
            except ValidationError as error:
                apply_service_errors(form, error)
        return self.render_to_response(self.get_context_data(post=post, form=form), status=400)


class CalendarView(PostsMixin, TemplateView):
    """?month=2026-12 (a month grid) or ?week=2026-12-07 (the week of that day)."""

    template_name = "posts/calendar.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        week = _day(self.request.GET.get("week"))
        if week is not None:
            first = week - timedelta(days=week.weekday())
            last, view, month = first + timedelta(days=6), "week", first.replace(day=1)
            previous, following = f"?week={first - timedelta(days=7)}", f"?week={first + timedelta(days=7)}"
        else:
            month = _month(self.request.GET.get("month")) or today.replace(day=1)
            first, last = selectors.month_days(year=month.year, month=month.month)
            view = "month"
            previous = f"?month={(month - timedelta(days=1)).strftime('%Y-%m')}"
            following = f"?month={(month + timedelta(days=32)).strftime('%Y-%m')}"
        grid = selectors.calendar_of(user=self.request.user, client=self.client, first=first, last=last)
        for day in grid["days"]:
            day.in_month = view == "week" or day.day.month == month.month
        context.update(
            view=view,
            month=month,
            first=first,
            last=last,
            today=today,
            previous=previous,
            following=following,
            post_base=reverse("post_list", kwargs={"client_slug": self.client.slug}),  # + pk: a post's page
            **grid,
        )
        return context


def _day(value) -> date | None:
    """A day of the years the calendar shows (2000 to 2100), else None."""
    try:
        day = date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None
    return day if day and 2000 <= day.year <= 2100 else None


def _month(value) -> date | None:
    return _day(f"{value}-01") if value else None


class HoldListView(PostsMixin, TemplateView):
    """The client's holds, and putting a scope on hold (crisis mode)."""

    template_name = "posts/holds.html"

    def hold_form(self, data=None, **kwargs) -> HoldForm:
        sources = Source.objects.visible_to(self.request.user).filter(client=self.client).select_related("brand")
        return HoldForm(data, brands=self.brands(), sources=list(sources.order_by("brand__name", "name")), **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        incident = self.incident(self.request.GET.get("incident"))
        initial = (
            {"incident": incident.pk, "reason": _("Incident: %(title)s") % {"title": incident.title}}
            if incident
            else {}
        )
        context.setdefault("form", self.hold_form(initial=initial))
        context.update(
            holds=selectors.holds_of(user=self.request.user, client=self.client, current=False)[:100],
            now=timezone.now(),
            incident=incident,
            held=len(selectors.held_queue(user=self.request.user, client=self.client)),
        )
        return context

    def incident(self, value) -> Incident | None:
        pk = parse_id(value)
        return Incident.objects.visible_to(self.request.user).filter(client=self.client, pk=pk).first() if pk else None

    def post(self, request, client_slug):
        form = self.hold_form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            incident = self.incident(str(data["incident"] or ""))
            if data["incident"] and incident is None:
                return HttpResponseBadRequest(_("That is not one of the client's incidents."))
            try:
                services.hold_set(
                    actor=request.user,
                    client=self.client,
                    brand=data["brand"],
                    source_ids=data["channels"],
                    reason=data["reason"],
                    ends_at=data["ends_at"],
                    incident=incident,
                    request=request,
                )
                messages.success(request, _("On hold: nothing in its scope goes out."))
                return (
                    redirect(incident.get_absolute_url())
                    if incident
                    else redirect("holds", client_slug=self.client.slug)
                )
            except ValidationError as error:
                apply_service_errors(form, error)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class HoldLiftView(PostsMixin, View):
    def post(self, request, client_slug, hold_pk):
        hold = self.get_scoped_object(Hold.objects, pk=hold_pk)
        try:
            services.hold_lift(actor=request.user, hold=hold, request=request)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("holds", client_slug=self.client.slug)
        messages.success(request, _("Lifted. Release what it held, one by one or together."))
        return redirect("held_posts", client_slug=self.client.slug)


class HeldPostsView(PostsMixin, TemplateView):
    """The queue of held posts: released (through approval again, staggered) or dropped."""

    template_name = "posts/held.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        held = selectors.held_queue(user=self.request.user, client=self.client)
        context.setdefault("form", ReleaseForm(held=held))
        context.update(
            held=held,
            now=timezone.now(),
            holds=selectors.holds_of(user=self.request.user, client=self.client),
        )
        return context

    def post(self, request, client_slug):
        held = selectors.held_queue(user=request.user, client=self.client)
        form = ReleaseForm(request.POST, held=held)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["action"] == "drop":
                    n = services.posts_drop(
                        actor=request.user, client=self.client, post_ids=data["posts"], request=request
                    )
                    messages.success(request, _("%(n)s posts dropped.") % {"n": n})
                else:
                    n = services.posts_release(
                        actor=request.user,
                        client=self.client,
                        post_ids=data["posts"],
                        start_at=data["start_at"],
                        every_minutes=data["every_minutes"] or 0,
                        request=request,
                    )
                    messages.success(request, _("%(n)s posts released: each goes out once approved again.") % {"n": n})
                return redirect("held_posts", client_slug=self.client.slug)
            except ValidationError as error:
                apply_service_errors(form, error)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class AccountSecurityView(PostsMixin, TemplateView):
    """Secure the accounts: who can publish from the brand accounts, when their credentials
    changed, and locking publishing to the incident's publishing person."""

    template_name = "posts/accounts.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        incidents = Incident.objects.visible_to(self.request.user).filter(
            client=self.client, status__in=("active", "contained")
        )
        context.update(
            **selectors.accounts_of(user=self.request.user, client=self.client),
            incidents=list(incidents.order_by("-declared_at")),
            chosen=parse_id(self.request.GET.get("incident")),
            rotate_after_days=services.ROTATE_AFTER.days,
            now=timezone.now(),
        )
        return context

    def post(self, request, client_slug):
        section = request.POST.get("section")
        try:
            if section == "lock":
                incident = (
                    Incident.objects.visible_to(request.user)
                    .filter(client=self.client, pk=parse_id(request.POST.get("incident")) or 0)
                    .first()
                )
                if incident is None:
                    return HttpResponseBadRequest(_("Choose one of the client's open incidents."))
                made = services.publishing_lock(actor=request.user, incident=incident, request=request)
                messages.success(request, _("%(n)s accounts locked.") % {"n": len(made)})
            elif section == "unlock":
                lock = self.get_scoped_object(PublishingLock.objects, pk=parse_id(request.POST.get("lock")) or 0)
                services.publishing_unlock(actor=request.user, lock=lock, request=request)
                messages.success(request, _("Unlocked."))
            elif section == "rotated":
                source = self.get_scoped_object(Source.objects, pk=parse_id(request.POST.get("source")) or 0)
                services.rotation_record(actor=request.user, source=source, request=request)
                messages.success(request, _("Recorded: its credentials were changed today."))
            else:
                return HttpResponseBadRequest(_("Choose what to do."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return self.render_to_response(self.get_context_data(), status=400)
        return redirect("account_security", client_slug=self.client.slug)


def client_zone(client) -> ZoneInfo | None:
    """The client's time zone (None: the site's), from its stored name."""
    try:
        return ZoneInfo(client.timezone) if client is not None and client.timezone else None
    except (ValueError, ZoneInfoNotFoundError):
        return None
