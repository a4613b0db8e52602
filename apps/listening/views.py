from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from apps.core.forms import apply_service_errors
from apps.core.http import FetchError
from apps.core.views import run_and_report
from apps.tenants.mixins import ClientScopedMixin
from apps.tenants.models import Brand
from apps.tenants.roles import ClientPerm

from . import selectors, services
from .forms import BrandQueryForm, ImportForm, SourceForm, TopicForm
from .imports import import_start
from .models import ImportJob, Source, SourceKind


class SourceListView(ClientScopedMixin, TemplateView):
    """Every source of the client with its health: what is listened to, and is it working."""

    template_name = "listening/source_list.html"
    read_permission = ClientPerm.READ_WORK

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sources"] = selectors.sources_of(user=self.request.user, client=self.client)
        return context


class SourceFormView(ClientScopedMixin, TemplateView):
    template_name = "listening/source_form.html"
    read_permission = ClientPerm.MANAGE
    write_permission = ClientPerm.MANAGE

    def dispatch(self, request, *args, **kwargs):
        self.source = None
        return super().dispatch(request, *args, **kwargs)

    def load_source(self):
        if "source_pk" in self.kwargs and self.source is None:
            self.source = self.get_scoped_object(Source.objects.select_related("brand"), pk=self.kwargs["source_pk"])
        return self.source

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        source = self.load_source()
        initial = {"kind": self.request.GET.get("kind", SourceKind.RSS)} if source is None else None
        context.setdefault(
            "form", SourceForm(user=self.request.user, client=self.client, source=source, initial=initial)
        )
        context["source"] = source
        if source is not None and source.kind == SourceKind.WEBHOOK:
            context["webhook_url"] = self.request.build_absolute_uri(
                reverse("webhook_receive", args=[source.webhook_token])
            )
        return context

    def post(self, request, *args, **kwargs):
        source = self.load_source()
        form = SourceForm(request.POST, user=request.user, client=self.client, source=source)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if source is None:
                    source, secret = services.source_create(
                        actor=request.user,
                        client=self.client,
                        brand=data["brand"],
                        kind=data["kind"],
                        name=data["name"],
                        config=form.config(),
                        credentials=form.credentials(),
                        poll_interval=data["poll_interval"],
                        enabled=data["enabled"],
                        own_channel=data["own_channel"],
                        request=request,
                    )
                    if secret:
                        # Shown once: only its encrypted form is kept.
                        request.session["webhook_secret_once"] = {"source": source.pk, "secret": secret}
                    messages.success(request, _("Source created."))
                else:
                    services.source_update(
                        actor=request.user,
                        source=source,
                        name=data["name"],
                        brand=data.get("brand"),
                        config=form.config(),
                        credentials=form.credentials(),
                        poll_interval=data["poll_interval"],
                        enabled=data["enabled"],
                        own_channel=data["own_channel"],
                        request=request,
                    )
                    messages.success(request, _("Source saved."))
                return redirect("source_detail", client_slug=self.client.slug, source_pk=source.pk)
            except ValidationError as exc:
                apply_service_errors(form, exc)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class SourceDetailView(SourceFormView):
    template_name = "listening/source_detail.html"
    read_permission = ClientPerm.READ_WORK

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        once = self.request.session.pop("webhook_secret_once", None)
        if once and once.get("source") == self.source.pk:
            context["webhook_secret"] = once["secret"]
        context["can_manage"] = self.can(ClientPerm.MANAGE)
        context["recent_imports"] = selectors.imports_of(user=self.request.user, client=self.client).filter(
            source=self.source
        )[:10]
        return context


class SourcePollNowView(ClientScopedMixin, View):
    read_permission = ClientPerm.WORK_MENTIONS
    write_permission = ClientPerm.WORK_MENTIONS

    def post(self, request, client_slug, source_pk):
        source = self.get_scoped_object(Source.objects, pk=source_pk)
        run_and_report(
            request,
            lambda: services.source_poll_now(actor=request.user, source=source, request=request),
            _("Polling %(name)s now.") % {"name": source.name},
        )
        return redirect("source_detail", client_slug=client_slug, source_pk=source.pk)


class SourceTestView(ClientScopedMixin, View):
    """Fetch once and show what came back, storing nothing (an htmx fragment)."""

    read_permission = ClientPerm.MANAGE
    write_permission = ClientPerm.MANAGE

    def post(self, request, client_slug, source_pk):
        source = self.get_scoped_object(Source.objects, pk=source_pk)
        context = {"source": source}
        try:
            result = services.source_test_connection(actor=request.user, source=source)
            context["mentions"] = result.mentions[:5]
            context["count"] = len(result.mentions)
        except (FetchError, ValidationError) as exc:
            context["error"] = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        return render(request, "listening/_test_result.html", context)


class BrandListeningView(ClientScopedMixin, TemplateView):
    """What counts as a mention of a brand, and its topics."""

    template_name = "listening/brand_listening.html"
    read_permission = ClientPerm.MANAGE
    write_permission = ClientPerm.MANAGE

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.brand = None

    def get_brand(self) -> Brand:
        if self.brand is None:
            self.brand = self.get_scoped_object(Brand.objects, pk=self.kwargs["brand_pk"])
        return self.brand

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        brand = self.get_brand()
        query = selectors.brand_query_of(user=self.request.user, brand=brand)
        context["brand"] = brand
        context.setdefault(
            "query_form",
            BrandQueryForm(
                initial={
                    "keywords": query.keywords,
                    "hashtags": query.hashtags,
                    "excluded_words": query.excluded_words,
                    "expression": query.expression,
                }
                if query
                else None
            ),
        )
        context.setdefault("topic_form", TopicForm())
        context["topics"] = selectors.topics_of(user=self.request.user, brand=brand)
        return context

    def post(self, request, *args, **kwargs):
        brand = self.get_brand()
        if "save_topic" in request.POST:
            form = TopicForm(request.POST)
            if form.is_valid():
                try:
                    services.topic_save(
                        actor=request.user,
                        client=self.client,
                        name=form.cleaned_data["name"],
                        keywords=form.cleaned_data["keywords"],
                        sensitive=form.cleaned_data["sensitive"],
                        brand=None if form.cleaned_data["all_brands"] else brand,
                        request=request,
                    )
                    messages.success(request, _("Topic saved."))
                    return redirect(request.path)
                except ValidationError as exc:
                    apply_service_errors(form, exc)
            return self.render_to_response(self.get_context_data(topic_form=form), status=400)
        form = BrandQueryForm(request.POST)
        if form.is_valid():
            try:
                services.brand_query_save(actor=request.user, brand=brand, request=request, **form.cleaned_data)
                messages.success(request, _("Query saved."))
                return redirect(request.path)
            except ValidationError as exc:
                apply_service_errors(form, exc)
        return self.render_to_response(self.get_context_data(query_form=form), status=400)


class ImportListView(ClientScopedMixin, TemplateView):
    template_name = "listening/import_list.html"
    read_permission = ClientPerm.MANAGE
    write_permission = ClientPerm.MANAGE

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", ImportForm(user=self.request.user, client=self.client))
        context["jobs"] = selectors.imports_of(user=self.request.user, client=self.client)[:50]
        return context

    def post(self, request, *args, **kwargs):
        form = ImportForm(request.POST, request.FILES, user=request.user, client=self.client)
        if form.is_valid():
            try:
                job = import_start(
                    actor=request.user,
                    client=self.client,
                    brand=form.cleaned_data["brand"],
                    uploaded=form.cleaned_data["file"],
                    mapping=form.mapping(),
                    platform=form.cleaned_data["platform"],
                    request=request,
                )
                return redirect("import_detail", client_slug=self.client.slug, job_pk=job.pk)
            except ValidationError as exc:
                apply_service_errors(form, exc)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ImportDetailView(ClientScopedMixin, TemplateView):
    """Progress of one import; the bar refreshes itself with htmx until the job ends."""

    template_name = "listening/import_detail.html"
    read_permission = ClientPerm.MANAGE

    def get_template_names(self):
        return ["listening/_import_progress.html"] if self.request.htmx else [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["job"] = self.get_scoped_object(ImportJob.objects, pk=self.kwargs["job_pk"])
        return context
