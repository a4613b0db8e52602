from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView, View

from .dead_letters import dead_letter_run_again, dead_letters_for
from .forms import AuditFilterForm
from .health import health_report
from .selectors import audit_events_for
from .sentences import with_sentences

AUDIT_PAGE_SIZE = 50
DEAD_LETTER_PAGE_SIZE = 50


class AgencyAdminRequiredMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_agency_admin:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def redirect_back(request, fallback: str):
    """To the form's `next` when it stays on this site, else to `fallback` (no open redirect)."""
    back = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    return redirect(back if safe else fallback)


def run_and_report(request, action: Callable[[], object], success: str) -> bool:
    """Run a service call behind a button: success or the service's refusal becomes a message."""
    try:
        action()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return False
    messages.success(request, success)
    return True


@never_cache
@require_GET
def healthz(request):
    healthy, report = health_report()
    return JsonResponse(report, status=200 if healthy else 503)


def query_without_page(request) -> str:
    """The list's filters, for the pagination links to keep."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def render_audit_page(view, request, client=None):
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = audit_events_for(user=request.user, client=client, filters=filters)
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    status = 400 if form.is_bound and not form.is_valid() else 200
    said = with_sentences(page.object_list)
    return view.render_to_response(
        view.get_context_data(form=form, page=page, events=said, query=query_without_page(request)), status=status
    )


class DeadLettersView(AgencyAdminRequiredMixin, TemplateView):
    """Background work set aside as poison messages, with the reason and a way to run it again."""

    template_name = "core/dead_letters.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["page"] = Paginator(dead_letters_for(user=self.request.user), DEAD_LETTER_PAGE_SIZE).get_page(
            self.request.GET.get("page")
        )
        return context


class DeadLetterRunAgainView(AgencyAdminRequiredMixin, View):
    def post(self, request, pk):
        dead_letter = get_object_or_404(dead_letters_for(user=request.user), pk=pk)
        run_and_report(
            request,
            lambda: dead_letter_run_again(actor=request.user, dead_letter=dead_letter, request=request),
            _("The task was sent to the workers again."),
        )
        return redirect("dead_letters")
