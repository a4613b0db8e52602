"""What tenancy costs: scoped pages and API lists vs the same reads unscoped.

Workspace: 20 clients x 5 brands, 300 people with memberships. Figures are
server time in-process (Django test client), p95 over repeated requests.
"""

from common import count_queries, p95, report, setup_bench_database, timed

REPEAT = 200


def main() -> None:
    setup_bench_database()
    from django.test import Client as HttpClient
    from rest_framework.test import APIClient

    from apps.tenants.models import Brand
    from apps.tenants.roles import Role
    from tests.factories import BrandFactory, ClientFactory, MembershipFactory, UserFactory

    clients = [ClientFactory() for _ in range(20)]
    for client in clients:
        for _ in range(5):
            BrandFactory(client=client)
    roles = list(Role)
    for i in range(300):
        MembershipFactory(user=UserFactory(), client=clients[i % 20], role=roles[i % len(roles)])
    responder = UserFactory()
    for client in clients[:5]:
        MembershipFactory(user=responder, client=client, role=Role.RESPONDER)
    target = clients[0]

    web = HttpClient()
    web.force_login(responder)
    api = APIClient()
    api.force_authenticate(responder)
    page_url = f"/c/{target.slug}/"
    api_url = f"/api/v1/clients/{target.pk}/brands/"

    def unscoped_read():
        list(Brand.objects.unscoped().filter(client=target).order_by("name"))

    def scoped_read():
        list(Brand.objects.visible_to(responder).filter(client=target).order_by("name"))
        responder.__dict__.pop("_varde_client_perms", None)  # as on a fresh request

    raw = p95(timed(unscoped_read, REPEAT))
    report("brand_read_scoped_p95", p95(timed(scoped_read, REPEAT)), "ms", "same read unscoped", raw)

    assert web.get(page_url).status_code == 200
    assert api.get(api_url).status_code == 200
    report(
        "client_page_p95",
        p95(timed(lambda: web.get(page_url), REPEAT)),
        "ms",
        queries=count_queries(lambda: web.get(page_url)),
    )
    report(
        "api_brand_list_p95",
        p95(timed(lambda: api.get(api_url), REPEAT)),
        "ms",
        queries=count_queries(lambda: api.get(api_url)),
    )
    foreign = f"/api/v1/clients/{clients[10].pk}/brands/"
    assert api.get(foreign).status_code == 404
    report("api_foreign_client_404_p95", p95(timed(lambda: api.get(foreign), REPEAT)), "ms")


if __name__ == "__main__":
    main()
