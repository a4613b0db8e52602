"""Audit sign-ins and MFA changes reported by Django and allauth."""

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from django.contrib.auth import signals as auth_signals
from django.dispatch import receiver

from . import events


@receiver(auth_signals.user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    events.user_logged_in_event(user=user, request=request)


@receiver(auth_signals.user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        events.user_logged_out_event(user=user, request=request)


@receiver(auth_signals.user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    email = credentials.get("email") or credentials.get("username") or ""
    events.login_failed_event(email=str(email), request=request)


@receiver(mfa_signals.authenticator_added)
def _mfa_added(sender, request, user, authenticator, **kwargs):
    events.mfa_changed_event(user=user, change="added", authenticator_type=authenticator.type, request=request)


@receiver(mfa_signals.authenticator_removed)
def _mfa_removed(sender, request, user, authenticator, **kwargs):
    events.mfa_changed_event(user=user, change="removed", authenticator_type=authenticator.type, request=request)


@receiver(mfa_signals.authenticator_reset)
def _mfa_reset(sender, request, user, authenticator, **kwargs):
    events.mfa_changed_event(user=user, change="reset", authenticator_type=authenticator.type, request=request)


@receiver(account_signals.password_changed)
def _password_changed(sender, request, user, **kwargs):
    events.password_changed_event(user=user, how="changed", request=request)


@receiver(account_signals.password_reset)
def _password_reset(sender, request, user, **kwargs):
    events.password_changed_event(user=user, how="reset", request=request)
