"""Roles and what each may do at a client.

Rights are django-guardian permissions on the Client object. A role is a set
of those permissions; granting a membership assigns them, revoking removes
them. Agency admins are superusers and hold every right at every client.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ACCOUNT_LEAD = "account_lead", _("Account lead")
    RESPONDER = "responder", _("Responder")
    ANALYST = "analyst", _("Analyst")
    CLIENT_VIEWER = "client_viewer", _("Client viewer")
    CLIENT_APPROVER = "client_approver", _("Client approver")


AGENCY_ROLES = frozenset({Role.ACCOUNT_LEAD, Role.RESPONDER, Role.ANALYST})
# Client people belong to exactly one client and never hold an agency role.
CLIENT_ROLES = frozenset({Role.CLIENT_VIEWER, Role.CLIENT_APPROVER})
# Roles whose holders must enrol two-factor authentication before working.
MFA_REQUIRED_ROLES = frozenset({Role.ACCOUNT_LEAD})


class ClientPerm:
    """Codenames of the permissions declared on Client (tenants.<codename>)."""

    VIEW = "view_client"
    MANAGE = "manage_client"  # client settings and brands
    MANAGE_MEMBERS = "manage_members"  # invitations, roles, revoking access
    VIEW_AUDIT = "view_audit"
    # The agency's work at the client, read: mentions with their notes, status reasons and
    # assignments, answers, sources, rules and the rota. Every agency role reads it; client
    # people never do (they read reports, and approvers the answers waiting for them).
    READ_WORK = "read_work"
    WORK_MENTIONS = "work_mentions"  # triage, assign, answer mentions
    ANALYSE = "analyse"  # evaluations and reports
    VIEW_REPORTS = "view_reports"
    APPROVE_RESPONSES = "approve_responses"


ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.ACCOUNT_LEAD: frozenset(
        {
            ClientPerm.VIEW,
            ClientPerm.MANAGE,
            ClientPerm.MANAGE_MEMBERS,
            ClientPerm.VIEW_AUDIT,
            ClientPerm.READ_WORK,
            ClientPerm.WORK_MENTIONS,
            ClientPerm.ANALYSE,
            ClientPerm.VIEW_REPORTS,
            ClientPerm.APPROVE_RESPONSES,
        }
    ),
    Role.RESPONDER: frozenset(
        {
            ClientPerm.VIEW,
            ClientPerm.READ_WORK,
            ClientPerm.VIEW_AUDIT,
            ClientPerm.WORK_MENTIONS,
            ClientPerm.VIEW_REPORTS,
        }
    ),
    # Reads everything the analysis needs and changes nothing.
    Role.ANALYST: frozenset(
        {ClientPerm.VIEW, ClientPerm.READ_WORK, ClientPerm.VIEW_AUDIT, ClientPerm.ANALYSE, ClientPerm.VIEW_REPORTS}
    ),
    Role.CLIENT_VIEWER: frozenset({ClientPerm.VIEW, ClientPerm.VIEW_REPORTS}),
    Role.CLIENT_APPROVER: frozenset({ClientPerm.VIEW, ClientPerm.VIEW_REPORTS, ClientPerm.APPROVE_RESPONSES}),
}

ALL_CLIENT_PERMS = frozenset().union(*ROLE_PERMISSIONS.values())
