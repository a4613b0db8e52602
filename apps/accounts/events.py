"""Audit events of accounts: sign-in, invitations, MFA, tokens, access."""

from django.utils.translation import gettext as _

from apps.core.audit import record_audit_event


def user_logged_in_event(*, user, request=None):
    return record_audit_event(actor=user, action="auth.login", target=user, target_repr=user.email, request=request)


def user_logged_out_event(*, user, request=None):
    return record_audit_event(actor=user, action="auth.logout", target=user, target_repr=user.email, request=request)


def login_failed_event(*, email: str, request=None):
    return record_audit_event(
        actor=None,
        action="auth.login_failed",
        target_repr=email[:255],
        after={"email": email[:254]},
        request=request,
    )


def password_changed_event(*, user, how: str, request=None):
    return record_audit_event(
        actor=user, action=f"auth.password_{how}", target=user, target_repr=user.email, request=request
    )


def mfa_changed_event(*, user, change: str, authenticator_type: str, request=None):
    return record_audit_event(
        actor=user,
        action=f"mfa.{change}",
        target=user,
        target_repr=user.email,
        after={"type": authenticator_type},
        request=request,
    )


def invitation_sent_event(*, actor, invitation, request=None):
    return record_audit_event(
        actor=actor,
        action="invitation.sent",
        client=invitation.client,
        target=invitation,
        target_repr=invitation.email,
        after={"email": invitation.email, "role": invitation.role},
        request=request,
    )


def invitation_accepted_event(*, user, invitation, request=None):
    return record_audit_event(
        actor=user,
        action="invitation.accepted",
        client=invitation.client,
        target=invitation,
        target_repr=invitation.email,
        after={"role": invitation.role},
        request=request,
    )


def invitation_revoked_event(*, actor, invitation, request=None):
    return record_audit_event(
        actor=actor,
        action="invitation.revoked",
        client=invitation.client,
        target=invitation,
        target_repr=invitation.email,
        request=request,
    )


def api_token_created_event(*, actor, token, request=None):
    return record_audit_event(
        actor=actor,
        action="api_token.created",
        target=token,
        target_repr=f"{token.user.email}: {token.name}",
        request=request,
    )


def api_token_revoked_event(*, actor, token, request=None):
    return record_audit_event(
        actor=actor,
        action="api_token.revoked",
        target=token,
        target_repr=f"{token.user.email}: {token.name}",
        request=request,
    )


def user_access_changed_event(*, actor, user, active: bool, request=None):
    return record_audit_event(
        actor=actor,
        action="user.reactivated" if active else "user.deactivated",
        target=user,
        target_repr=user.email,
        before={"is_active": not active},
        after={"is_active": active},
        request=request,
    )


# How each event of this app reads (core.sentences), registered in AccountsConfig.ready().
SENTENCES = {
    "auth.login": lambda s: _("%(actor)s signed in.") % {"actor": s.actor},
    "auth.logout": lambda s: _("%(actor)s signed out.") % {"actor": s.actor},
    "auth.login_failed": lambda s: _("A sign-in as %(email)s failed.") % {"email": s.after("email", "")},
    "auth.password_changed": lambda s: _("%(actor)s changed their password.") % {"actor": s.actor},
    "auth.password_reset": lambda s: _("%(actor)s set a new password by a reset link.") % {"actor": s.actor},
    "auth.password_set": lambda s: _("%(actor)s set their password.") % {"actor": s.actor},
    "mfa.added": lambda s: _("%(actor)s turned on two-factor sign-in.") % {"actor": s.actor},
    "mfa.removed": lambda s: _("%(actor)s turned off two-factor sign-in.") % {"actor": s.actor},
    "mfa.activated": lambda s: _("%(actor)s turned on two-factor sign-in.") % {"actor": s.actor},
    "mfa.deactivated": lambda s: _("%(actor)s turned off two-factor sign-in.") % {"actor": s.actor},
    "mfa.recovery_codes_generated": lambda s: _("%(actor)s made new recovery codes.") % {"actor": s.actor},
    "invitation.sent": lambda s: _("%(actor)s invited %(email)s.") % {"actor": s.actor, "email": s.after("email", "")},
    "invitation.accepted": lambda s: _("%(actor)s accepted the invitation.") % {"actor": s.actor},
    "invitation.revoked": lambda s: s.did(_("withdrew the invitation of")),
    "api_token.created": lambda s: s.did(_("created the API token")),
    "api_token.revoked": lambda s: s.did(_("revoked the API token")),
    "user.reactivated": lambda s: s.did(_("switched on the access of")),
    "user.deactivated": lambda s: s.did(_("switched off the access of")),
}
