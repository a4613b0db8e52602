from django.core.paginator import Paginator
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .forms import AuditFilterForm
from .health import health_report
from .selectors import audit_events_for

AUDIT_PAGE_SIZE = 50


@never_cache
@require_GET
def healthz(request):
    healthy, report = health_report()
    return JsonResponse(report, status=200 if healthy else 503)


def render_audit_page(view, request, client=None):
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = audit_events_for(request.user, client=client, filters=filters)
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    status = 400 if form.is_bound and not form.is_valid() else 200
    return view.render_to_response(
        view.get_context_data(form=form, page=page, events=page.object_list, query=query.urlencode()), status=status
    )
