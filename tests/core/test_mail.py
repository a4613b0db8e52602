"""Mail leaves through a task: an unreachable mail server never fails the request (issue 15, case 11)."""

import socket

import pytest
from django.core import mail
from django.urls import reverse

from apps.core.tasks import send_email_task
from config.celery import app as celery_app


@pytest.fixture
def unreachable_mail_server(settings):
    """SMTP to a local port nobody listens on: every connection is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    settings.EMAIL_MAX_ATTEMPTS = 3
    return port


@pytest.mark.django_db
def test_password_reset_answers_even_when_the_mail_server_is_down(
    web, responder, unreachable_mail_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        response = web().post(reverse("account_reset_password"), {"email": responder.email})
    assert response.status_code == 302  # was 500: the mail was sent inside the request
    assert len(queued) == 1  # the mail waits for the worker


@pytest.fixture
def eager_errors_kept():
    """Eager tasks keep their errors in the result, as a worker would, instead of raising them here
    (an eager retry runs again at once, with the app's propagation setting)."""
    kept = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False
    yield
    celery_app.conf.task_eager_propagates = kept


@pytest.mark.django_db
def test_the_mail_task_retries_while_the_server_refuses_then_gives_up(unreachable_mail_server, eager_errors_kept):
    result = send_email_task.apply(kwargs={"subject": "Hi", "body": "Text", "to": ["a@example.test"]})
    assert result.state == "FAILURE" and isinstance(result.result, ConnectionRefusedError)


@pytest.mark.django_db
def test_the_mail_task_sends_text_and_html(settings):
    send_email_task.apply(kwargs={"subject": "Hi", "body": "Text", "to": ["a@example.test"], "html": "<p>Text</p>"})
    [sent] = mail.outbox
    assert (sent.subject, sent.body, sent.to, sent.alternatives[0][1]) == (
        "Hi",
        "Text",
        ["a@example.test"],
        "text/html",
    )
