import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from apps.core.models import AuditEvent
from apps.tenants import services
from apps.tenants.models import Membership
from apps.tenants.roles import ROLE_PERMISSIONS, ClientPerm, Role
from apps.tenants.scoping import client_permissions, user_has_client_perm
from tests.factories import ClientFactory, MembershipFactory, UserFactory


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_granting_a_role_gives_exactly_its_permissions(role, client_a, agency_admin):
    person = UserFactory()
    services.membership_grant(actor=agency_admin, client=client_a, user=person, role=role)
    assert client_permissions(person)[client_a.pk] == ROLE_PERMISSIONS[role]
    event = AuditEvent.objects.get(action="membership.granted")
    assert (
        event.actor == agency_admin and event.client == client_a and event.after == {"role": role, "user_id": person.pk}
    )


@pytest.mark.django_db
def test_changing_a_role_swaps_permissions_and_records_before_and_after(client_a, account_lead, responder):
    membership = Membership.objects.get(user=responder)
    services.membership_change_role(actor=account_lead, membership=membership, role=Role.ANALYST)
    responder.refresh_from_db()
    assert not user_has_client_perm(responder, client_a, ClientPerm.WORK_MENTIONS)
    assert user_has_client_perm(responder, client_a, ClientPerm.ANALYSE)
    event = AuditEvent.objects.get(action="membership.role_changed")
    assert (event.before["role"], event.after["role"], event.actor) == ("responder", "analyst", account_lead)


@pytest.mark.django_db
def test_revoking_access_removes_every_permission(web, client_a, account_lead, responder):
    services.membership_revoke(actor=account_lead, membership=Membership.objects.get(user=responder))
    responder.refresh_from_db()
    assert client_permissions(responder) == {}
    assert web(responder).get(reverse("client_detail", args=[client_a.slug])).status_code == 404
    assert AuditEvent.objects.filter(action="membership.revoked", before__role="responder").exists()


@pytest.mark.django_db
def test_the_last_account_lead_cannot_be_removed(client_a, account_lead, agency_admin):
    membership = Membership.objects.get(user=account_lead)
    with pytest.raises(ValidationError):
        services.membership_revoke(actor=agency_admin, membership=membership)
    with pytest.raises(ValidationError):
        services.membership_change_role(actor=agency_admin, membership=membership, role=Role.RESPONDER)
    assert Membership.objects.get(user=account_lead).role == Role.ACCOUNT_LEAD


@pytest.mark.django_db
def test_client_people_stay_bound_to_their_one_client(client_a, client_viewer, agency_admin):
    with pytest.raises(ValidationError):
        services.membership_grant(
            actor=agency_admin, client=ClientFactory(), user=client_viewer, role=Role.CLIENT_VIEWER
        )
    with pytest.raises(ValidationError):
        services.membership_grant(actor=agency_admin, client=ClientFactory(), user=client_viewer, role=Role.RESPONDER)
    with pytest.raises(ValidationError):
        services.membership_grant(actor=agency_admin, client=client_a, user=agency_admin, role=Role.CLIENT_VIEWER)


@pytest.mark.django_db
def test_only_those_who_manage_members_may_grant(client_a, client_b, responder, account_lead):
    with pytest.raises(PermissionDenied):
        services.membership_grant(actor=responder, client=client_a, user=UserFactory(), role=Role.ANALYST)
    with pytest.raises(PermissionDenied):
        services.membership_grant(actor=account_lead, client=client_b, user=UserFactory(), role=Role.ANALYST)


@pytest.mark.django_db
def test_team_page_shows_roles_and_mfa_and_changes_roles(web, client_a, account_lead, responder):
    http = web(account_lead)
    page = http.get(reverse("client_team", args=[client_a.slug]))
    assert page.status_code == 200
    rows = {m.user.email: m.user_has_mfa for m in page.context["members"]}
    assert rows == {"lead@example.test": True, "responder@example.test": False}
    membership = Membership.objects.get(user=responder)
    http.post(reverse("membership_role", args=[client_a.slug, membership.pk]), {"role": Role.ANALYST})
    assert Membership.objects.get(pk=membership.pk).role == Role.ANALYST
    http.post(reverse("membership_revoke", args=[client_a.slug, membership.pk]))
    assert not Membership.objects.filter(pk=membership.pk).exists()


@pytest.mark.django_db
def test_team_page_refuses_to_remove_the_last_lead_with_a_message(web, client_a, account_lead):
    membership = Membership.objects.get(user=account_lead)
    response = web(account_lead).post(reverse("membership_revoke", args=[client_a.slug, membership.pk]), follow=True)
    assert b"at least one account lead" in response.content
    assert Membership.objects.filter(pk=membership.pk).exists()


@pytest.mark.django_db
def test_membership_factory_matches_the_service(client_a, agency_admin):
    via_factory = MembershipFactory(client=client_a, role=Role.ANALYST).user
    via_service = UserFactory()
    services.membership_grant(actor=agency_admin, client=client_a, user=via_service, role=Role.ANALYST)
    assert client_permissions(via_factory) == client_permissions(via_service)
