"""Who must use two-factor authentication before working."""

from allauth.mfa.models import Authenticator
from django.db.models import Exists, OuterRef

from apps.tenants.models import Membership
from apps.tenants.roles import MFA_REQUIRED_ROLES


def mfa_required(user) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_agency_admin:
        return True
    return Membership.objects.unscoped().filter(user=user, role__in=MFA_REQUIRED_ROLES).exists()


def _totp_of(user_ref):
    return Authenticator.objects.filter(user=user_ref, type=Authenticator.Type.TOTP)


def has_mfa(user) -> bool:
    return _totp_of(user).exists()


def has_mfa_annotation(user_field: str) -> Exists:
    """For querysets: whether the user in `user_field` has enrolled TOTP, in the same query."""
    return Exists(_totp_of(OuterRef(user_field)))


def mfa_missing(user) -> bool:
    """True when the user's role needs MFA and they have not enrolled yet."""
    cached = getattr(user, "_varde_mfa_missing", None)
    if cached is None:
        cached = mfa_required(user) and not has_mfa(user)
        user._varde_mfa_missing = cached
    return cached
