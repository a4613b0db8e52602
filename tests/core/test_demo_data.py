import pytest
from django.core.management import call_command

from apps.accounts.models import User
from apps.accounts.totp import totp_code
from apps.responses.models import ApprovalRule, SavedReply
from apps.tenants.models import Brand, Client, Membership
from apps.tenants.roles import Role
from apps.tenants.scoping import client_permissions


@pytest.mark.django_db
def test_demo_data_is_complete_and_idempotent(web):
    call_command("seed_demo")

    def counts():
        models = (Client, Brand, User, Membership, ApprovalRule, SavedReply)
        return tuple(model.objects.count() for model in models)

    first = counts()
    call_command("seed_demo")
    assert counts() == first
    assert first[4] >= 3 and first[5] >= 3  # approval rules and saved replies for every client
    counts = first
    assert counts[0] == 3
    assert all(client.brands.count() == 2 for client in Client.objects.all())
    roles = set(Membership.objects.values_list("role", flat=True))
    assert roles == set(Role)
    assert User.objects.filter(is_agency_admin=True).count() == 1
    viewer = User.objects.get(email="viewer@havbris.demo")
    assert list(client_permissions(viewer)) == [Client.objects.get(slug="havbris").pk]


@pytest.mark.django_db
def test_demo_logins_work_including_two_factor(web):
    from django.urls import reverse

    from apps.workspace.management.commands.seed_demo import DEMO_PASSWORD, DEMO_TOTP_SECRET

    call_command("seed_demo")
    http = web()
    response = http.post(reverse("account_login"), {"login": "lead@varde.demo", "password": DEMO_PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    http.post(reverse("mfa_authenticate"), {"code": totp_code(DEMO_TOTP_SECRET)})
    assert http.get(reverse("client_team", args=["havbris"])).status_code == 200
