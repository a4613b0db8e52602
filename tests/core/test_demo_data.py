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


@pytest.mark.django_db
def test_the_demo_shows_a_spike_alert_the_detector_raised_itself(web, django_capture_on_commit_callbacks):
    from django.urls import reverse

    from apps.core.models import AuditEvent
    from apps.detection.models import SpikeAlert
    from apps.notifications.models import Notification, NotificationEvent

    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo")
    call_command("seed_demo")
    (alert,) = SpikeAlert.objects.all()
    assert (alert.brand.slug, alert.metric, alert.status) == ("havbris-pilsner", "volume", "incident")
    incident = alert.incident  # a brand in a live incident, staffed
    assert incident.status == "active" and incident.links.count() == 120
    assert set(incident.members.values_list("role", flat=True)) == {"commander", "engagement", "research"}
    # its holding statement, approved by the lead, waits for the client's approver
    approver = User.objects.get(email="approver@havbris.demo")
    waiting = web(approver).get(reverse("approvals", args=["havbris"])).content.decode()
    assert "Holding statement: Havbris Pilsner cans leaking" in waiting
    assert AuditEvent.objects.filter(action="spike_alert.raised").count() == 1
    lead = User.objects.get(email="lead@varde.demo")
    assert Notification.objects.filter(user=lead, event=NotificationEvent.SPIKE_ALERT).exists()
    from apps.posts.models import PostState, ScheduledPost

    held = ScheduledPost.objects.filter(state=PostState.HELD)  # a held scheduled post, by the incident's hold
    assert held.count() == 3 and all(post.held_by.incident == incident for post in held)
    assert "Fredagsbar" in web(lead).get(reverse("held_posts", args=["havbris"])).content.decode()
    assert incident.playbook.get(self_check="posts_paused").done_at is not None
    library = web(lead).get(reverse("statement_library", args=["havbris"])).content.decode()
    assert library.count("Product problem") == 2 and "until" in library
    page = web(lead).get(reverse("alert_detail", args=["havbris", alert.pk]))
    assert page.status_code == 200
    assert page.context["clusters"][0].copies == 80  # the copied complaint
    assert (
        "Watching: the usual level is known"
        in web(lead).get(reverse("client_detail", args=["havbris"])).content.decode()
    )
