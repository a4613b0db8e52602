import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from apps.accounts.totp import totp_code
from apps.core.models import AuditEvent
from apps.tenants.roles import Role
from tests.factories import TEST_TOTP_SECRET, MembershipFactory, UserFactory

PASSWORD = "correct horse battery"


def signed_in_with_password(web, person):
    http = web()
    response = http.post(reverse("account_login"), {"login": person.email, "password": PASSWORD})
    assert response.status_code == 302
    # allauth asks for the password again before any two-factor change.
    reauth = http.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert reauth.status_code == 302
    return http


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["agency_admin", "account_lead"])
def test_admins_and_leads_must_enrol_before_working(kind, web, api, client_a):
    if kind == "agency_admin":
        person = UserFactory(is_agency_admin=True)
    else:
        person = UserFactory()
        MembershipFactory(user=person, client=client_a, role=Role.ACCOUNT_LEAD)
    response = web(person).get(reverse("client_detail", args=[client_a.slug]))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    api_response = api(person).get(reverse("api:client-list"))
    assert api_response.status_code == 403
    assert api_response.json()["code"] in ("mfa_required", "permission_denied")
    # Signing in lands on enrolment, which stays reachable.
    http = signed_in_with_password(web, person)
    assert http.get(reverse("home")).status_code == 302
    assert http.get(reverse("mfa_activate_totp")).status_code == 200


@pytest.mark.django_db
def test_other_roles_work_without_mfa(web, client_a, responder, client_viewer):
    for person in (responder, client_viewer):
        assert web(person).get(reverse("client_detail", args=[client_a.slug])).status_code == 200


@pytest.mark.django_db
def test_enrolling_totp_unlocks_work_and_is_audited(web, client_a, django_capture_on_commit_callbacks):
    lead = UserFactory()
    MembershipFactory(user=lead, client=client_a, role=Role.ACCOUNT_LEAD)
    http = signed_in_with_password(web, lead)
    page = http.get(reverse("mfa_activate_totp"))
    secret = page.context["form"].secret
    with django_capture_on_commit_callbacks(execute=True):
        response = http.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=lead, type=Authenticator.Type.TOTP).exists()
    assert AuditEvent.objects.filter(action="mfa.added", actor=lead).exists()
    assert http.get(reverse("client_detail", args=[client_a.slug])).status_code == 200


@pytest.mark.django_db
def test_sign_in_asks_for_the_code_and_rejects_a_wrong_one(web, account_lead, client_a):
    http = web()
    response = http.post(reverse("account_login"), {"login": account_lead.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
    # Issue 16, point 9: the page looks like the sign-in page, and Cancel is no primary button.
    page = http.get(reverse("mfa_authenticate")).content.decode()
    assert '<div class="card">' in page and "Two-factor sign-in" in page
    assert 'form="logout-from-stage" type="submit" class="linklike">Cancel</button>' in page
    wrong = http.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200
    assert not AuditEvent.objects.filter(action="auth.login").exists()
    right = http.post(reverse("mfa_authenticate"), {"code": totp_code(TEST_TOTP_SECRET)})
    assert right.status_code == 302
    assert http.get(reverse("client_detail", args=[client_a.slug])).status_code == 200
    assert AuditEvent.objects.filter(action="auth.login", actor=account_lead).exists()


@pytest.mark.django_db
def test_promotion_to_lead_requires_enrolment_from_the_next_request(web, client_a, responder, agency_admin):
    from apps.tenants.models import Membership
    from apps.tenants.services import membership_change_role

    http = web(responder)
    assert http.get(reverse("client_detail", args=[client_a.slug])).status_code == 200
    membership = Membership.objects.get(user=responder, client=client_a)
    membership_change_role(actor=agency_admin, membership=membership, role=Role.ACCOUNT_LEAD)
    assert http.get(reverse("client_detail", args=[client_a.slug])).status_code == 302
