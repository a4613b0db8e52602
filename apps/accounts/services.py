"""Writes for people: invitations, API tokens, access. Rights first, then state."""

from __future__ import annotations

import secrets
from datetime import datetime

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.mail import queue_email
from apps.tenants.models import Client, Membership
from apps.tenants.roles import ROLE_PERMISSIONS, ClientPerm
from apps.tenants.services import membership_grant, require_client_perm

from . import events
from .authentication import TOKEN_PREFIX
from .models import ApiToken, Invitation, User, hash_secret


def _send_invitation_email(invitation: Invitation, key: str) -> None:
    context = {
        "invitation": invitation,
        "accept_url": settings.SITE_URL + reverse("invitation_accept", kwargs={"key": key}),
        "agency_name": settings.AGENCY_NAME,
    }
    subject = render_to_string("accounts/email/invitation_subject.txt", context).strip()
    body = render_to_string("accounts/email/invitation_message.txt", context)
    queue_email(subject=subject, body=body, to=[invitation.email])


@transaction.atomic
def invitation_create(
    *, actor: User, client: Client, email: str, role: str, request: HttpRequest | None = None
) -> tuple[Invitation, str]:
    """Invite `email` to `client` as `role`; returns the invitation and its one-time key."""
    require_client_perm(actor=actor, client=client, codename=ClientPerm.MANAGE_MEMBERS)
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": _("Enter a valid e-mail address.")}) from None
    if role not in ROLE_PERMISSIONS:
        raise ValidationError({"role": _("Choose one of the roles.")})
    # Only this client's own people are looked at: whether the address belongs to someone at
    # another client must not show in the answer. Whether the role fits is decided on acceptance.
    if Membership.objects.unscoped().filter(user__email__iexact=email, client=client).exists():
        raise ValidationError({"email": _("This person already has access to this client.")})
    # A new invitation replaces any pending one for the same person and client.
    now = timezone.now()
    for old in Invitation.objects.select_for_update().filter(
        client=client, email=email, accepted_at__isnull=True, revoked_at__isnull=True
    ):
        old.revoked_at = now
        old.save(update_fields=["revoked_at", "updated_at"])
        events.invitation_revoked_event(actor=actor, invitation=old, request=request)
    key = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        client=client,
        email=email,
        role=role,
        invited_by=actor,
        key_hash=hash_secret(key),
        expires_at=now + settings.INVITATION_MAX_AGE,
    )
    events.invitation_sent_event(actor=actor, invitation=invitation, request=request)
    _send_invitation_email(invitation, key)  # queued, sent after this commits
    return invitation, key


def invitation_by_key(*, key: str) -> Invitation | None:
    """The invitation a link's key opens, whatever its state (the caller tells expired from used)."""
    return (
        Invitation.objects.unscoped()
        .select_related("client", "invited_by")
        .filter(key_hash=hash_secret(key or ""))
        .first()
    )


@transaction.atomic
def invitation_accept(
    *, key: str, user: User | None = None, full_name: str = "", password: str = "", request: HttpRequest | None = None
) -> User:
    """Accept an invitation as `user` (signed in already) or as a new account.

    The invitation is authorised by the person who sent it: if they have lost
    the right to manage this client's people since, the invitation is void.
    """
    found = invitation_by_key(key=key)
    invitation = Invitation.objects.unscoped().select_for_update().filter(pk=found.pk).first() if found else None
    if invitation is None or not invitation.is_pending:
        raise ValidationError(_("This invitation is no longer valid. Ask for a new one."))
    if user is None:
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise ValidationError(_("An account with this e-mail address exists: sign in first, then open the link."))
        new_user = User(email=invitation.email, full_name=full_name.strip())
        try:
            validate_password(password, new_user)
        except ValidationError as exc:
            raise ValidationError({"password1": exc.messages}) from None
        new_user.set_password(password)
        new_user.save()
        user = new_user
    elif user.email.lower() != invitation.email:
        raise ValidationError(_("This invitation was sent to another e-mail address."))
    # The link arrived by e-mail, so following it proves the address.
    EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    try:
        membership_grant(
            actor=invitation.invited_by, client=invitation.client, user=user, role=invitation.role, request=request
        )
    except ValidationError as refusal:  # e.g. a client role for someone who works elsewhere too
        raise ValidationError(
            _("This invitation cannot be accepted with this account: %(why)s Ask %(inviter)s for another role.")
            % {"why": " ".join(refusal.messages), "inviter": invitation.invited_by}
        ) from None
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    events.invitation_accepted_event(user=user, invitation=invitation, request=request)
    return user


@transaction.atomic
def invitation_revoke(*, actor: User, invitation: Invitation, request: HttpRequest | None = None) -> Invitation:
    require_client_perm(actor=actor, client=invitation.client, codename=ClientPerm.MANAGE_MEMBERS)
    invitation = Invitation.objects.unscoped().select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending:
        raise ValidationError(_("Only pending invitations can be revoked."))
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at", "updated_at"])
    events.invitation_revoked_event(actor=actor, invitation=invitation, request=request)
    return invitation


def _require_self_or_admin(actor: User, user: User) -> None:
    if actor.pk != user.pk and not actor.is_agency_admin:
        raise PermissionDenied(_("Only the person or an agency admin may manage these tokens."))


@transaction.atomic
def api_token_create(
    *, actor: User, user: User, name: str, expires_at: datetime | None = None, request: HttpRequest | None = None
) -> tuple[ApiToken, str]:
    """Create a token; the returned secret is shown once and never stored."""
    _require_self_or_admin(actor, user)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name so you can recognise it later.")})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("The expiry must be in the future.")})
    prefix = secrets.token_hex(4)
    raw = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        prefix=prefix,
        key_hash=hash_secret(raw),
        created_by=actor,
        expires_at=expires_at,
    )
    events.api_token_created_event(actor=actor, token=token, request=request)
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken, request: HttpRequest | None = None) -> ApiToken:
    _require_self_or_admin(actor, token.user)
    token = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
        events.api_token_revoked_event(actor=actor, token=token, request=request)
    return token


@transaction.atomic
def user_set_active(*, actor: User, user: User, active: bool, request: HttpRequest | None = None) -> User:
    """Switch a person's access to the whole workspace off or on (agency admins only)."""
    if not actor.is_agency_admin:
        raise PermissionDenied(_("Only agency admins may switch a person's access."))
    if user.pk == actor.pk:
        raise ValidationError(_("You cannot switch off your own access."))
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active == active:
        return user
    user.is_active = active
    user.save(update_fields=["is_active"])
    events.user_access_changed_event(actor=actor, user=user, active=active, request=request)
    return user
