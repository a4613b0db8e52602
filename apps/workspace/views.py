"""Pages that show what several apps hold: the home page and a client's overview."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect
from django.views import View
from django.views.generic import TemplateView

from apps.detection.selectors import warm_ups_of
from apps.responses.selectors import waiting_ids
from apps.tenants.mixins import ClientScopedMixin
from apps.tenants.roles import ClientPerm
from apps.tenants.selectors import brands_of, clients_for

from .selectors import clients_at_a_glance


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "workspace/home.html"

    def get(self, request, *args, **kwargs):
        clients = list(clients_for(user=request.user))
        # Client people have one client: take them straight to it.
        if len(clients) == 1 and not request.user.is_agency_admin:
            return redirect("client_detail", client_slug=clients[0].slug)
        glance = clients_at_a_glance(user=request.user, clients=clients)
        rows = [(client, glance.get(client.pk)) for client in clients]
        return self.render_to_response(self.get_context_data(clients=rows))


class ClientSwitchView(LoginRequiredMixin, View):
    """The client switcher submits here; the client then lives in the URL."""

    def get(self, request):
        slug = request.GET.get("client", "")
        if not slug:
            return redirect("home")
        return redirect("client_detail", client_slug=slug)


class ClientDetailView(ClientScopedMixin, TemplateView):
    template_name = "workspace/client_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["brands"] = brands = list(brands_of(user=self.request.user, client=self.client))
        if self.can(ClientPerm.READ_WORK):
            warm_ups = warm_ups_of(brands=brands)
            for brand in brands:
                brand.warm_up = warm_ups[brand.pk]
        if self.can(ClientPerm.APPROVE_RESPONSES):
            context["waiting_for_me"] = len(waiting_ids(user=self.request.user, client=self.client))
        return context
