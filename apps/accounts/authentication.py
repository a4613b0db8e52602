"""Personal API tokens: `Authorization: Bearer vrd_<prefix>_<secret>`."""

from __future__ import annotations

import hmac
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions, permissions

from .mfa_policy import mfa_missing
from .models import ApiToken, hash_secret

TOKEN_PREFIX = "vrd"  # noqa: S105 (a label, not a secret)
# last_used_at is written at most this often, so busy tokens do not write on every call.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def split_token(raw: str) -> tuple[str, str] | None:
    parts = raw.split("_", 2)  # the secret itself may contain "_"
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Malformed authorization header."))
        parsed = split_token(header[1])
        if parsed is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        prefix, _secret = parsed
        token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
        if (
            token is None
            or not hmac.compare_digest(token.key_hash, hash_secret(header[1]))
            or not token.is_usable
            or not token.user.is_active
        ):
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class IsAuthenticatedWithMFA(permissions.IsAuthenticated):
    """Authenticated, and enrolled in MFA where the role requires it."""

    message = _("Your role requires two-factor authentication. Enrol it in the web app first.")

    def has_permission(self, request, view):
        return super().has_permission(request, view) and not mfa_missing(request.user)
