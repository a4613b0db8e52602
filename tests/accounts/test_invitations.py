import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Invitation, User
from apps.core.models import AuditEvent
from apps.tenants.models import Membership
from apps.tenants.roles import Role
from apps.tenants.scoping import user_has_client_perm
from tests.factories import ClientFactory, MembershipFactory, UserFactory


def _invite(web, lead, client, email, role, capture):
    with capture(execute=True):
        return web(lead).post(reverse("client_team", args=[client.slug]), {"email": email, "role": role})


def _link_from_mail() -> str:
    return re.search(r"http://\S+/invitations/(\S+)/", mail.outbox[-1].body).group(0)


@pytest.mark.django_db
def test_lead_invites_and_new_person_joins_with_the_role(
    web, client_a, account_lead, django_capture_on_commit_callbacks
):
    response = _invite(
        web, account_lead, client_a, "New.Person@Example.test", Role.RESPONDER, django_capture_on_commit_callbacks
    )
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["new.person@example.test"]
    path = _link_from_mail().removeprefix("http://localhost:8000")

    http = web()
    assert http.get(path).status_code == 200
    joined = http.post(
        path, {"full_name": "New Person", "password1": "a sturdy passphrase", "password2": "a sturdy passphrase"}
    )
    assert joined.status_code == 302
    person = User.objects.get(email="new.person@example.test")
    assert Membership.objects.get(user=person, client=client_a).role == Role.RESPONDER
    assert user_has_client_perm(person, client_a, "work_mentions")
    assert person.emailaddress_set.get().verified
    assert http.get(reverse("client_detail", args=[client_a.slug])).status_code == 200
    actions = list(AuditEvent.objects.filter(client=client_a).values_list("action", flat=True))
    assert {"invitation.sent", "membership.granted", "invitation.accepted"} <= set(actions)
    # The link works once.
    assert web().get(path).status_code == 410


@pytest.mark.django_db
def test_expired_and_revoked_links_do_not_work(web, client_a, account_lead, django_capture_on_commit_callbacks):
    _invite(web, account_lead, client_a, "late@example.test", Role.ANALYST, django_capture_on_commit_callbacks)
    path = _link_from_mail().removeprefix("http://localhost:8000")
    Invitation.objects.filter(email="late@example.test").update(expires_at=timezone.now())
    assert web().get(path).status_code == 410
    response = web().post(
        path, {"full_name": "L", "password1": "a sturdy passphrase", "password2": "a sturdy passphrase"}
    )
    assert response.status_code == 400
    assert not User.objects.filter(email="late@example.test").exists()


@pytest.mark.django_db
def test_invitation_can_be_revoked(web, client_a, account_lead, django_capture_on_commit_callbacks):
    _invite(web, account_lead, client_a, "maybe@example.test", Role.ANALYST, django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get(email="maybe@example.test")
    web(account_lead).post(reverse("invitation_revoke", args=[client_a.slug, invitation.pk]))
    invitation.refresh_from_db()
    assert invitation.status == "revoked"
    assert AuditEvent.objects.filter(action="invitation.revoked", actor=account_lead).exists()


@pytest.mark.django_db
def test_a_new_invitation_replaces_the_pending_one(web, client_a, account_lead, django_capture_on_commit_callbacks):
    for role in (Role.ANALYST, Role.RESPONDER):
        _invite(web, account_lead, client_a, "twice@example.test", role, django_capture_on_commit_callbacks)
    statuses = sorted(i.status for i in Invitation.objects.filter(email="twice@example.test"))
    assert statuses == ["pending", "revoked"]


@pytest.mark.django_db
def test_existing_account_accepts_after_signing_in(web, client_a, account_lead, django_capture_on_commit_callbacks):
    other_client = ClientFactory()
    person = UserFactory(email="known@example.test")
    MembershipFactory(user=person, client=other_client, role=Role.ANALYST)
    _invite(web, account_lead, client_a, person.email, Role.RESPONDER, django_capture_on_commit_callbacks)
    path = _link_from_mail().removeprefix("http://localhost:8000")
    anonymous = web().get(path)
    assert b"already have an account" in anonymous.content
    assert web(person).post(path).status_code == 302
    assert Membership.objects.get(user=person, client=client_a).role == Role.RESPONDER


@pytest.mark.django_db
def test_client_roles_are_for_one_client_only_and_this_is_decided_on_acceptance(
    web, api, client_a, account_lead, django_capture_on_commit_callbacks
):
    """The invitation's answer never tells the lead of A where an address works (it said "a client
    user of another client" before): the role is checked when the person accepts."""
    elsewhere = UserFactory(email="staff@example.test")
    MembershipFactory(user=elsewhere, client=ClientFactory(), role=Role.RESPONDER)
    invite_known = _invite(
        web, account_lead, client_a, elsewhere.email, Role.CLIENT_VIEWER, django_capture_on_commit_callbacks
    )
    invite_unknown = _invite(
        web, account_lead, client_a, "nobody@example.test", Role.CLIENT_VIEWER, django_capture_on_commit_callbacks
    )
    assert (invite_known.status_code, invite_known.url) == (invite_unknown.status_code, invite_unknown.url)
    by_api = [
        api(account_lead).post(
            f"/api/v1/clients/{client_a.pk}/invitations/", {"email": email, "role": Role.CLIENT_VIEWER}, format="json"
        )
        for email in (elsewhere.email, "other@example.test")
    ]
    assert [answer.status_code for answer in by_api] == [201, 201]
    assert set(by_api[0].json()) == set(by_api[1].json())

    with django_capture_on_commit_callbacks(execute=True):
        _invite(web, account_lead, client_a, elsewhere.email, Role.CLIENT_VIEWER, django_capture_on_commit_callbacks)
    refused = web(elsewhere).post(_link_from_mail().removeprefix("http://localhost:8000"))
    assert "Client roles are for people of this client only" in refused.content.decode()
    assert not Membership.objects.filter(user=elsewhere, client=client_a).exists()


@pytest.mark.django_db
def test_bad_invitation_input_answers_400_with_field_errors(web, client_a, account_lead):
    response = web(account_lead).post(
        reverse("client_team", args=[client_a.slug]), {"email": "not-an-address", "role": "emperor"}
    )
    assert response.status_code == 400
    form = response.context["invite_form"]
    assert set(form.errors) == {"email", "role"}


@pytest.mark.django_db
def test_responders_cannot_invite(web, client_a, responder):
    response = web(responder).post(
        reverse("client_team", args=[client_a.slug]), {"email": "x@example.test", "role": Role.RESPONDER}
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_invitation_is_void_when_inviter_lost_the_right(
    web, client_a, account_lead, agency_admin, django_capture_on_commit_callbacks
):
    _invite(web, account_lead, client_a, "orphan@example.test", Role.ANALYST, django_capture_on_commit_callbacks)
    path = _link_from_mail().removeprefix("http://localhost:8000")
    MembershipFactory(client=client_a, role=Role.ACCOUNT_LEAD)  # someone else leads now
    from apps.tenants.services import membership_revoke

    membership_revoke(actor=agency_admin, membership=Membership.objects.get(user=account_lead))
    response = web().post(
        path, {"full_name": "O", "password1": "a sturdy passphrase", "password2": "a sturdy passphrase"}
    )
    assert response.status_code == 403
    assert not User.objects.filter(email="orphan@example.test").exists()
