import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from apps.core.models import AuditEvent
from tests.factories import UserFactory

PASSWORD = "correct horse battery"


def _login(web, email, password):
    return web().post(reverse("account_login"), {"login": email, "password": password})


@pytest.mark.django_db
def test_right_password_signs_in_and_is_audited(web, responder):
    http = web()
    response = http.post(reverse("account_login"), {"login": "RESPONDER@example.test", "password": PASSWORD})
    assert response.status_code == 302
    assert http.get(reverse("home")).status_code in (200, 302)
    event = AuditEvent.objects.get(action="auth.login")
    assert event.actor == responder and event.ip_address == "127.0.0.1"


@pytest.mark.django_db
def test_wrong_password_gets_a_clear_message_and_an_audit_event(web, responder):
    response = _login(web, responder.email, "not the password")
    assert response.status_code == 200
    assert b"not correct" in response.content
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.actor is None
    assert event.after == {"email": responder.email}


@pytest.mark.django_db
def test_repeated_failures_are_throttled_even_for_the_right_password(web, responder):
    for _ in range(5):
        _login(web, responder.email, "wrong")
    response = _login(web, responder.email, PASSWORD)
    assert response.status_code == 200
    assert b"Too many failed login attempts" in response.content
    assert AuditEvent.objects.filter(action="auth.login").count() == 0


@pytest.mark.django_db
def test_unverified_address_must_be_confirmed_before_working(web, django_capture_on_commit_callbacks):
    user = UserFactory(email="new@example.test", verified=False)
    user.emailaddress_set.all().delete()
    with django_capture_on_commit_callbacks(execute=True):  # mail leaves once the request commits
        response = _login(web, user.email, PASSWORD)
    assert response.status_code == 302
    assert "confirm-email" in response["Location"] or "verification" in response["Location"]
    assert any("new@example.test" in m.to for m in mail.outbox)


@pytest.mark.django_db
def test_there_is_no_public_sign_up(web):
    response = web().post(
        reverse("account_signup"),
        {"email": "stranger@example.test", "password1": "a long password 1", "password2": "a long password 1"},
    )
    assert b"Sign Up Closed" in response.content or response.status_code in (403, 404)
    from apps.accounts.models import User

    assert not User.objects.filter(email="stranger@example.test").exists()


@pytest.mark.django_db
def test_password_reset_mails_a_link(web, responder, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        web().post(reverse("account_reset_password"), {"email": responder.email})
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


@pytest.mark.django_db
def test_sessions_expire(web, responder):
    http = web(responder)
    http.get(reverse("home"))
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert 0 < http.session.get_expiry_age() <= 12 * 60 * 60


@pytest.mark.django_db
def test_deactivated_person_is_signed_out_at_once(web, responder, client_a):
    http = web(responder)
    assert http.get(reverse("client_detail", args=[client_a.slug])).status_code == 200
    responder.is_active = False
    responder.save()
    response = http.get(reverse("client_detail", args=[client_a.slug]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_password_change_is_audited(web, responder):
    http = web()
    http.post(reverse("account_login"), {"login": responder.email, "password": PASSWORD})
    response = http.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "an entirely new passphrase", "password2": "an entirely new passphrase"},
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="auth.password_changed", actor=responder).exists()


@pytest.mark.django_db
def test_password_reset_by_mail_is_audited(web, responder, django_capture_on_commit_callbacks):
    import re

    with django_capture_on_commit_callbacks(execute=True):
        web().post(reverse("account_reset_password"), {"email": responder.email})
    link = re.search(r"http://\S+(/accounts/password/reset/key/\S+/)", mail.outbox[0].body).group(1)
    http = web()
    form_page = http.get(link, follow=True)
    response = http.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link,
        {"password1": "a brand new passphrase", "password2": "a brand new passphrase"},
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="auth.password_reset", actor=responder).exists()


@pytest.mark.django_db
def test_failures_from_one_address_do_not_lock_the_owner_out_elsewhere(web, responder):
    for _ in range(5):
        web().post(reverse("account_login"), {"login": responder.email, "password": "wrong"}, REMOTE_ADDR="203.0.113.9")
    locked = web().post(
        reverse("account_login"), {"login": responder.email, "password": PASSWORD}, REMOTE_ADDR="203.0.113.9"
    )
    assert b"Too many failed login attempts" in locked.content
    owner = web().post(
        reverse("account_login"), {"login": responder.email, "password": PASSWORD}, REMOTE_ADDR="198.51.100.7"
    )
    assert owner.status_code == 302
    assert AuditEvent.objects.filter(action="auth.login", actor=responder).count() == 1


@pytest.mark.django_db
def test_the_owner_can_always_ask_for_a_sign_in_code_by_mail(web, responder, django_capture_on_commit_callbacks):
    assert reverse("account_request_login_code") in web().get(reverse("account_login")).content.decode()
    for _ in range(5):
        _login(web, responder.email, "wrong")
    with django_capture_on_commit_callbacks(execute=True):
        asked = web().post(reverse("account_request_login_code"), {"email": responder.email})
    assert asked.status_code == 302
    assert mail.outbox[-1].to == [responder.email]


@pytest.mark.django_db
def test_guessing_from_many_addresses_meets_a_cap_for_the_account(web, responder, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed_account": "12/3600s/key"}
    for n in range(12):  # 4 addresses x 3 failures: no address reaches its own limit
        web().post(
            reverse("account_login"), {"login": responder.email, "password": "x"}, REMOTE_ADDR=f"203.0.113.{n % 4}"
        )
    refused = web().post(
        reverse("account_login"), {"login": responder.email, "password": PASSWORD}, REMOTE_ADDR="198.51.100.9"
    )
    assert b"Too many failed login attempts" in refused.content
