"""schemathesis over the OpenAPI schema: every operation, generated inputs, no answer of 500 (issue 15).

The inputs follow the schema and stray from it (schemathesis' negative cases), with a real
client's id in the path so requests reach past the 404 of a foreign client. The bounded
number of examples keeps `make test` within its budget; bench/bench_api_fuzz.py runs 30 each.
"""

import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from apps.accounts.services import api_token_create
from tests.factories import BrandFactory, ClientFactory, MentionFactory, UserFactory

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


@pytest.fixture
def wsgi_keeps_the_test_connection():
    """The WSGI handler closes the database connection after each request; Django's test client
    switches that off so a test's transaction survives, and so does this."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def agency_token(db, wsgi_keeps_the_test_connection):
    admin = UserFactory(email="fuzz-admin@example.test", is_agency_admin=True, with_totp=True)
    _token, secret = api_token_create(actor=admin, user=admin, name="fuzz")
    client = ClientFactory(slug="fuzz")
    MentionFactory(brand=BrandFactory(client=client))
    return secret, client


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_no_operation_answers_500(case, agency_token):
    secret, client = agency_token
    if "client_pk" in (case.path_parameters or {}):
        case.path_parameters["client_pk"] = client.pk
    response = case.call(headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code < 500, f"{case.method} {case.formatted_path} -> {response.status_code}"
