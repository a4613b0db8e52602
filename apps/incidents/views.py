"""Pages of incidents: the list, declaring one (from an alert, a mention, a selection or
nothing) and the incident's page with its people, moments, mentions and timeline."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from apps.core.charts import svg
from apps.core.forms import apply_service_errors
from apps.core.numbers import parse_id, parse_ids
from apps.core.registry import Registry
from apps.core.views import AgencyAdminRequiredMixin
from apps.detection.models import SpikeAlert
from apps.mentions.models import Mention
from apps.responses.selectors import describe
from apps.tenants.mixins import ClientScopedMixin
from apps.tenants.models import Brand
from apps.tenants.roles import ClientPerm

from . import charts, selectors, services, statements
from .forms import (
    CrisisTypeForm,
    DeclareForm,
    LibraryApprovalForm,
    LibraryStatementForm,
    NoteForm,
    RoleForm,
    RulesForm,
    SeverityForm,
    StatementEditForm,
    StatementForm,
    StatementSentForm,
    StatusForm,
    UpdateForm,
)
from .models import CrisisType, Incident, IncidentRole, IncidentStatus, LibraryStatement, Severity

MOST_MENTIONS_AT_ONCE = 500  # an inbox selection
# The incident page's sections from higher apps (posts: crisis mode): each panel(view=,
# incident=) returns its part of the page's context. Filled in their AppConfig.ready().
incident_panels = Registry("incident page panels")


class BadOrigin(Exception):
    """What a declaration was asked to start from is no alert or mention id: a 400."""


def incident_panel(*, view, mention, forms) -> dict:
    """The mention page's incidents: those it is linked to (that this person may see), and
    declaring one from it."""
    return {
        "incident_panel": {
            "linked": selectors.incidents_linking(user=view.request.user, mention=mention),
            "can_declare": view.can(ClientPerm.WORK_MENTIONS),
        }
    }


class IncidentListView(ClientScopedMixin, TemplateView):
    template_name = "incidents/incident_list.html"
    read_permission = ClientPerm.READ_WORK

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        status = self.request.GET.get("status", "open")
        if status not in ("open", "", *IncidentStatus.values):
            status = "open"
        context.update(
            incidents=selectors.incidents_of(user=self.request.user, client=self.client, status=status)[:200],
            status=status,
            statuses=IncidentStatus.choices,
            can_declare=self.can(ClientPerm.WORK_MENTIONS),
        )
        return context


class IncidentDeclareView(ClientScopedMixin, TemplateView):
    """?alert=<id>, ?mention=<id> (repeatable: an inbox selection), or nothing."""

    template_name = "incidents/incident_declare.html"
    read_permission = ClientPerm.WORK_MENTIONS
    write_permission = ClientPerm.WORK_MENTIONS

    def origin(self, data):
        """(alert, mention ids) the declaration starts from; BadOrigin for what is no id."""
        alert = None
        if data.get("alert"):
            alert_id = parse_id(data.get("alert"))
            if alert_id is None:
                raise BadOrigin(_("That is not a spike alert."))
            alert = self.get_scoped_object(SpikeAlert.objects.select_related("brand"), pk=alert_id)
        given = data.getlist("mention") or data.getlist("ids")  # ids: the inbox's selection
        if len(given) > MOST_MENTIONS_AT_ONCE:
            raise BadOrigin(_("At most %(n)s mentions at once.") % {"n": MOST_MENTIONS_AT_ONCE})
        mention_ids = parse_ids(given, limit=MOST_MENTIONS_AT_ONCE)
        if mention_ids is None:
            raise BadOrigin(_("Those are not mentions."))
        return alert, mention_ids

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except BadOrigin as refused:
            return HttpResponseBadRequest(str(refused))

    def declared_already(self, alert):
        """The incident the alert became; a private one this user is not in is a 400."""
        incident = getattr(alert, "incident", None) if alert is not None else None
        if incident is not None and not Incident.objects.visible_to(self.request.user).filter(pk=incident.pk).exists():
            raise BadOrigin(_("This alert became a private incident; its members have it."))
        return incident

    def form(self, data=None, alert=None, mention_ids=()):
        brands = Brand.objects.visible_to(self.request.user).filter(client=self.client).order_by("name")
        initial = {}
        if alert is not None:
            initial = {"title": alert.summary[:200], "brands": [alert.brand_id], "severity": 2}
        elif mention_ids:  # the selection's brands, ticked
            initial = {
                "brands": list(brands.filter(mentions__pk__in=mention_ids).values_list("pk", flat=True).distinct())
            }
        return DeclareForm(data, initial=initial, crisis_types=selectors.crisis_types(), brands=brands)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        alert, mention_ids = self.origin(self.request.GET if self.request.method == "GET" else self.request.POST)
        context.setdefault("form", self.form(alert=alert, mention_ids=mention_ids))
        mentions = Mention.objects.visible_to(self.request.user).filter(client=self.client, pk__in=mention_ids)
        context.update(
            alert=alert, mention_ids=list(mentions.values_list("pk", flat=True)), severities=selectors.severities()
        )
        return context

    def get(self, request, *args, **kwargs):
        alert, _ids = self.origin(request.GET)
        incident = self.declared_already(alert)
        if incident is not None:
            return redirect(incident.get_absolute_url())  # declared already: that incident
        return super().get(request, *args, **kwargs)

    def post(self, request, client_slug):
        alert, mention_ids = self.origin(request.POST)
        if "title" not in request.POST:  # from the inbox's selection: the form, with the mentions
            return self.render_to_response(self.get_context_data())
        if (incident := self.declared_already(alert)) is not None:
            return redirect(incident.get_absolute_url())
        form = self.form(request.POST, alert=alert)
        if form.is_valid():
            try:
                incident = services.incident_declare(
                    actor=request.user,
                    client=self.client,
                    alert=alert,
                    mention_ids=mention_ids,
                    title=form.cleaned_data["title"],
                    crisis_type=form.cleaned_data["crisis_type"],
                    severity=form.cleaned_data["severity"],
                    brands=list(form.cleaned_data["brands"]),
                    summary=form.cleaned_data["summary"],
                    private=form.cleaned_data["private"],
                    request=request,
                )
                return redirect(incident.get_absolute_url())
            except ValidationError as error:
                apply_service_errors(form, error)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class IncidentDetailView(ClientScopedMixin, TemplateView):
    """The incident: moments, people, mentions by channel, timeline; forms post a `section`."""

    template_name = "incidents/incident_detail.html"
    read_permission = ClientPerm.READ_WORK
    write_permission = ClientPerm.WORK_MENTIONS

    def incident(self) -> Incident:
        return self.get_scoped_object(
            Incident.objects.select_related("client", "crisis_type", "spike_alert"), pk=self.kwargs["incident_pk"]
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        incident = kwargs.get("incident") or self.incident()
        people = selectors.people_for_roles(client=self.client)
        context.setdefault("status_form", StatusForm(moves=services.MOVES.get(incident.status, set())))
        context.setdefault("role_form", RoleForm(people=people))
        context.setdefault("note_form", NoteForm(auto_id="note_%s"))
        context.setdefault(
            "update_form", UpdateForm(initial={"client_visible": not incident.private}, auto_id="update_%s")
        )
        if incident.private:
            del context["update_form"].fields["client_visible"]
        context.setdefault(
            "rules_form",
            RulesForm(
                initial={
                    "terms": ", ".join(incident.link_terms),
                    "authors": ", ".join(incident.link_authors),
                    "topics": incident.link_topics,
                },
                topics=selectors.topic_names(client=self.client),
            ),
        )
        timeline = list(selectors.timeline_of(user=self.request.user, incident=incident)[:200])
        library = selectors.library_for(user=self.request.user, incident=incident)
        conversation = selectors.conversation_of(incident=incident)
        languages = [language for brand in incident.brands.all() for language in brand.languages]
        context.setdefault(
            "statement_form",
            StatementForm(library=library, initial={"language": (languages or [""])[0]}, auto_id="statement_%s"),
        )
        context.update(
            statements=[
                (statement, describe(user=self.request.user, answer=statement.answer))
                for statement in selectors.statements_of(user=self.request.user, incident=incident)
            ],
            library=list(library),
            today=timezone.localdate(),
            statement_errors=[
                context[key]
                for key in ("statement_edit_form", "statement_send_form", "statement_sent_form")
                if key in context
            ],
        )
        for panel in incident_panels:
            context.update(panel(view=self, incident=incident))
        context.update(
            incident=incident,
            brands=list(incident.brands.all()),
            members=selectors.members_of(incident=incident),
            conversation=conversation,
            lanes_chart=svg(charts.lanes_spec(conversation)) if conversation.counts else None,
            tone_chart=svg(charts.tone_spec(conversation)) if conversation.counts else None,
            unanswered=selectors.unanswered_of(incident=incident),
            playbook=selectors.playbook_of(incident=incident),
            updates=[entry for entry in timeline if entry.kind == "update"][:5],
            now=timezone.now(),
            timeline=timeline,
            severity=selectors.severities().get(incident.severity),
            moves=services.MOVES.get(incident.status, set()),
            can_work=self.can(ClientPerm.WORK_MENTIONS),
        )
        return context

    def post(self, request, client_slug, incident_pk):
        incident = self.incident()
        section = request.POST.get("section")
        if section == "tick":
            item = selectors.step_of(incident=incident, item_id=parse_id(request.POST.get("item")))
            if item is None:
                return HttpResponseBadRequest(_("That is not a step of this incident."))
            services.playbook_item_tick(
                actor=request.user, item=item, done=request.POST.get("done") != "0", request=request
            )
            messages.success(request, _("Saved."))
            return redirect(incident.get_absolute_url())
        if section == "unlink":
            mention = (
                Mention.objects.unscoped()
                .filter(client=self.client, pk=parse_id(request.POST.get("mention")) or 0)
                .first()
            )
            if mention is None:
                return HttpResponseBadRequest(_("That is not one of the client's mentions."))
            services.incident_unlink_mention(actor=request.user, incident=incident, mention=mention, request=request)
            messages.success(request, _("Unlinked."))
            return redirect(incident.get_absolute_url())
        forms = {
            "status": lambda: StatusForm(request.POST, moves=services.MOVES.get(incident.status, set())),
            "role": lambda: RoleForm(request.POST, people=selectors.people_for_roles(client=self.client)),
            "note": lambda: NoteForm(request.POST, auto_id="note_%s"),
            "rules": lambda: RulesForm(request.POST, topics=selectors.topic_names(client=self.client)),
            "update": lambda: UpdateForm(request.POST, auto_id="update_%s"),
            "statement": lambda: StatementForm(
                request.POST,
                library=selectors.library_for(user=request.user, incident=incident),
                auto_id="statement_%s",
            ),
            "statement_edit": lambda: StatementEditForm(request.POST),
            "statement_send": lambda: StatementSentForm(request.POST),
            "statement_sent": lambda: StatementSentForm(request.POST),
        }
        if section not in forms:
            return redirect(incident.get_absolute_url())
        form = forms[section]()
        if form.is_valid():
            try:
                self.save(section, incident, form.cleaned_data)
                messages.success(request, _("Saved."))
                return redirect(incident.get_absolute_url())
            except ValidationError as error:
                apply_service_errors(form, error)
        context = self.get_context_data(incident=incident, **{f"{section}_form": form})
        return self.render_to_response(context, status=400)

    def save(self, section: str, incident: Incident, data: dict) -> None:
        actor, request = self.request.user, self.request
        if section.startswith("statement"):
            return self.save_statement(section, incident, data)
        if section == "status":
            services.incident_set_status(
                actor=actor,
                incident=incident,
                status=data["status"],
                at=data["at"],
                reason=data["reason"],
                request=request,
            )
        elif section == "update":
            services.incident_post_update(
                actor=actor,
                incident=incident,
                text=data["text"],
                client_visible=data["client_visible"],
                request=request,
            )
        elif section == "rules":
            services.incident_set_rules(actor=actor, incident=incident, request=request, **RulesForm.values_of(data))
        elif section == "role":
            services.incident_assign_role(
                actor=actor, incident=incident, role=data["role"], user=data["user"], request=request
            )
        else:
            services.incident_note(
                actor=actor,
                incident=incident,
                text=data["text"],
                client_visible=data["client_visible"],
                request=request,
            )

    def save_statement(self, section: str, incident: Incident, data: dict) -> None:
        actor, request = self.request.user, self.request
        if section == "statement":
            statement = statements.statement_draft(actor=actor, incident=incident, request=request, **data)
            why = statements.not_in_advance(statement=statement)
            if why:
                messages.info(request, why)
            return
        statement = selectors.statement_of(user=actor, incident=incident, statement_id=data["statement"])
        if statement is None:
            raise ValidationError(_("That is not a statement of this incident."))
        if section == "statement_edit":
            edit = statements.statement_submit if data["submit"] else statements.statement_save
            extra = {"comment": data["comment"]} if data["submit"] else {}
            edit(
                actor=actor,
                statement=statement,
                text=data["text"],
                base_version=data["base_version"],
                request=request,
                **extra,
            )
        elif section == "statement_send":
            statements.statement_send(actor=actor, statement=statement, request=request)
        else:
            statements.statement_mark_sent(
                actor=actor, statement=statement, url=data["url"], sent_at=data["sent_at"], request=request
            )


class LibraryListView(ClientScopedMixin, TemplateView):
    """The client's holding-statement library: texts prepared before a crisis, approved in advance."""

    template_name = "incidents/library.html"
    read_permission = (ClientPerm.WORK_MENTIONS, ClientPerm.APPROVE_RESPONSES)
    write_permission = ClientPerm.WORK_MENTIONS

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault(
            "form",
            LibraryStatementForm(crisis_types=selectors.crisis_types()),
        )
        context.update(
            library=selectors.library_of(user=self.request.user, client=self.client),
            today=timezone.localdate(),
            can_work=self.can(ClientPerm.WORK_MENTIONS),
        )
        return context

    def post(self, request, client_slug):
        form = LibraryStatementForm(request.POST, crisis_types=selectors.crisis_types())
        if form.is_valid():
            try:
                statements.library_statement_save(
                    actor=request.user, client=self.client, request=request, **form.cleaned_data
                )
                messages.success(request, _("Added to the library."))
                return redirect("statement_library", client_slug=self.client.slug)
            except ValidationError as error:
                apply_service_errors(form, error)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class LibraryStatementView(ClientScopedMixin, TemplateView):
    """One library text: the team edits or removes it, the client's approver approves it until a date."""

    template_name = "incidents/library_statement.html"
    read_permission = (ClientPerm.WORK_MENTIONS, ClientPerm.APPROVE_RESPONSES)
    write_permission = (ClientPerm.WORK_MENTIONS, ClientPerm.APPROVE_RESPONSES)

    def statement(self) -> LibraryStatement:
        return self.get_scoped_object(
            LibraryStatement.objects.select_related("approved_by"), pk=self.kwargs["statement_pk"]
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        statement = kwargs.get("statement") or self.statement()
        context.setdefault(
            "form",
            LibraryStatementForm(
                crisis_types=selectors.crisis_types(),
                initial={
                    "name": statement.name,
                    "crisis_type": statement.crisis_type_id,
                    "language": statement.language,
                    "channel": statement.channel,
                    "text": statement.text,
                },
            ),
        )
        context.setdefault(
            "approval_form",
            LibraryApprovalForm(
                initial={"until": statement.approved_until, "seen": statements.text_seal(text=statement.text)}
            ),
        )
        context.update(
            statement=statement,
            today=timezone.localdate(),
            can_work=self.can(ClientPerm.WORK_MENTIONS),
            can_approve_in_advance=statements.approves_in_advance(user=self.request.user, client=self.client),
        )
        return context

    def post(self, request, client_slug, statement_pk):
        statement, section = self.statement(), request.POST.get("section")
        # The client's approver approves; only the team edits or removes.
        if not self.can(ClientPerm.APPROVE_RESPONSES if section == "approve" else ClientPerm.WORK_MENTIONS):
            raise PermissionDenied
        if section == "delete":
            statements.library_statement_delete(actor=request.user, statement=statement, request=request)
            messages.success(request, _("Removed from the library."))
            return redirect("statement_library", client_slug=self.client.slug)
        if section == "approve":
            form, key = LibraryApprovalForm(request.POST), "approval_form"
        else:
            form, key = LibraryStatementForm(request.POST, crisis_types=selectors.crisis_types()), "form"
        if form.is_valid():
            try:
                if section == "approve":
                    statements.library_statement_approve(
                        actor=request.user,
                        statement=statement,
                        until=form.cleaned_data["until"],
                        seen=form.cleaned_data["seen"],
                        request=request,
                    )
                else:
                    statements.library_statement_save(
                        actor=request.user,
                        client=self.client,
                        statement=statement,
                        request=request,
                        **form.cleaned_data,
                    )
                messages.success(request, _("Saved."))
                return redirect("statement_library_item", client_slug=self.client.slug, statement_pk=statement.pk)
            except ValidationError as error:
                apply_service_errors(form, error)
        return self.render_to_response(self.get_context_data(statement=statement, **{key: form}), status=400)


class IncidentSettingsView(AgencyAdminRequiredMixin, TemplateView):
    """The agency's kinds of crisis and what its severities mean: agency admins only."""

    template_name = "incidents/settings.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        kinds = list(CrisisType.objects.order_by("position", "name"))
        severities = list(Severity.objects.order_by("level"))
        context.setdefault("new_kind_form", CrisisTypeForm(prefix="new"))
        refused = kwargs.get("refused")  # (section, pk, form): shown again with its errors

        def kind_form(kind):
            initial = {"name": kind.name, "position": kind.position, "active": kind.active}
            return self.refused_or(refused, "kind", kind.pk) or CrisisTypeForm(
                prefix=f"kind-{kind.pk}", initial=initial
            )

        def severity_form(severity):
            initial = {
                "name": severity.name,
                "meaning": severity.meaning,
                "update_every_minutes": severity.update_every_minutes,
            }
            return self.refused_or(refused, "severity", severity.pk) or SeverityForm(
                prefix=f"severity-{severity.pk}", initial=initial
            )

        context["kinds"] = [(kind, kind_form(kind)) for kind in kinds]
        context["severities"] = [(severity, severity_form(severity)) for severity in severities]
        return context

    @staticmethod
    def refused_or(refused, section: str, pk: int):
        return refused[2] if refused and refused[0] == section and refused[1] == pk else None

    def post(self, request):
        section, pk = request.POST.get("section"), parse_id(request.POST.get("pk"))
        if section == "severity":
            target = Severity.objects.filter(pk=pk or 0).first()
            form = SeverityForm(request.POST, prefix=f"severity-{pk}")
        elif section == "kind":
            target = CrisisType.objects.filter(pk=pk).first() if pk else None
            form = CrisisTypeForm(request.POST, prefix=f"kind-{pk}" if pk else "new")
        else:
            return HttpResponseBadRequest(_("Choose what to change."))
        if target is None and (pk or section == "severity"):
            return HttpResponseBadRequest(_("That is not on the agency's lists."))
        if form.is_valid():
            try:
                if section == "severity":
                    services.severity_save(actor=request.user, severity=target, request=request, **form.cleaned_data)
                else:
                    services.crisis_type_save(
                        actor=request.user, crisis_type=target, request=request, **form.cleaned_data
                    )
                messages.success(request, _("Saved."))
                return redirect("incident_settings")
            except ValidationError as error:
                apply_service_errors(form, error)
        if target is None:
            return self.render_to_response(self.get_context_data(new_kind_form=form), status=400)
        return self.render_to_response(self.get_context_data(refused=(section, target.pk, form)), status=400)


# --- The client's view: read-only, the client-visible part, live -------------------------------


class CrisisListView(ClientScopedMixin, TemplateView):
    """The client's incidents as the client's people see them (private ones are their members')."""

    template_name = "incidents/crisis_list.html"
    read_permission = ClientPerm.VIEW

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["incidents"] = selectors.incidents_of(user=self.request.user, client=self.client, status="")[:100]
        return context


class CrisisDetailView(ClientScopedMixin, TemplateView):
    """One incident for the client's people: its state, public moments, who leads it, the
    client-visible timeline; the timeline part refreshes itself (htmx, every 30 s)."""

    template_name = "incidents/crisis_detail.html"
    read_permission = ClientPerm.VIEW

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        incident = self.get_scoped_object(Incident.objects.select_related("crisis_type"), pk=self.kwargs["incident_pk"])
        entries = selectors.shared_timeline_of(incident=incident)[:200]
        leads = [
            member
            for member in selectors.members_of(incident=incident)
            if member.role in (IncidentRole.COMMANDER, IncidentRole.CLIENT_LIAISON)
        ]
        context.update(incident=incident, entries=entries, leads=leads, brands=list(incident.brands.all()))
        return context

    def get(self, request, *args, **kwargs):
        context = self.get_context_data(**kwargs)
        if request.htmx and request.GET.get("part") == "timeline":
            return render(request, "incidents/_crisis_timeline.html", context)
        return self.render_to_response(context)
