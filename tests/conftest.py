"""Shared fixtures: one client (A) with a person in every role, and an outsider client (B)."""

import pytest
from django.core.cache import cache
from django.db.models.signals import post_save
from django.test import Client as HttpClient
from rest_framework.test import APIClient

from apps.core.models import AuditEvent
from apps.core.sentences import audit_sentences, changes_of, sentence_of
from apps.tenants.roles import Role
from tests.factories import BrandFactory, ClientFactory, MembershipFactory, UserFactory


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _every_audit_event_reads_as_a_sentence():
    """Issue 16, point 8: an event type without a sentence fails the test that writes it."""
    unsaid = set()

    def check(sender, instance, created, **kwargs):
        if created and instance.action not in audit_sentences:
            unsaid.add(instance.action)
        elif created:
            sentence_of(instance, {})  # and it reads without error, whatever the event holds
            changes_of(instance, {})

    post_save.connect(check, sender=AuditEvent, dispatch_uid="audit-sentences")
    yield
    post_save.disconnect(dispatch_uid="audit-sentences", sender=AuditEvent)
    assert not unsaid, f"audit events without a sentence (core.sentences): {sorted(unsaid)}"


@pytest.fixture
def client_a(db):
    return ClientFactory(name="Alpha Foods", slug="alpha")


@pytest.fixture
def client_b(db):
    """The outsider: nobody in the role fixtures may reach it."""
    return ClientFactory(name="Bravo Telecom", slug="bravo")


@pytest.fixture
def brand_a(client_a):
    return BrandFactory(client=client_a, name="Alpha Crisps", slug="alpha-crisps")


@pytest.fixture
def brand_b(client_b):
    return BrandFactory(client=client_b, name="Bravo Mobile", slug="bravo-mobile")


@pytest.fixture
def agency_admin(db):
    return UserFactory(email="admin@example.test", is_agency_admin=True, with_totp=True)


def _member(client, role, email, **user_kwargs):
    user = UserFactory(email=email, **user_kwargs)
    MembershipFactory(user=user, client=client, role=role)
    return user


@pytest.fixture
def account_lead(client_a):
    return _member(client_a, Role.ACCOUNT_LEAD, "lead@example.test", with_totp=True)


@pytest.fixture
def responder(client_a):
    return _member(client_a, Role.RESPONDER, "responder@example.test")


@pytest.fixture
def analyst(client_a):
    return _member(client_a, Role.ANALYST, "analyst@example.test")


@pytest.fixture
def client_viewer(client_a):
    return _member(client_a, Role.CLIENT_VIEWER, "viewer@alpha.test")


@pytest.fixture
def client_approver(client_a):
    return _member(client_a, Role.CLIENT_APPROVER, "approver@alpha.test")


@pytest.fixture
def outsider_lead(client_b):
    return _member(client_b, Role.ACCOUNT_LEAD, "lead@bravo.test", with_totp=True)


@pytest.fixture
def web():
    """Returns a browser-like test client signed in as the given user."""

    def sign_in(user=None) -> HttpClient:
        http = HttpClient()
        if user is not None:
            http.force_login(user)
        return http

    return sign_in


@pytest.fixture
def api():
    """Returns an API client authenticated as the given user (session), or anonymous."""

    def as_user(user=None) -> APIClient:
        http = APIClient()
        if user is not None:
            http.force_authenticate(user)
        return http

    return as_user
