"""The agency's default playbook per kind of crisis, until the client's crisis plan (the
preparedness issue) gives its own: the steps of handling a crisis, in order, each with whose it
is and when it is due after the declaration."""

from __future__ import annotations

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from .models import IncidentRole, SelfCheck

# (step, whose, due after declaration or None, ticks itself)
DEFAULT = [
    (
        _("Secure the accounts: who can publish, change passwords if any were taken"),
        IncidentRole.PUBLISHING,
        timedelta(minutes=15),
        SelfCheck.ACCOUNTS_LOCKED,
    ),
    (_("Pause the brand's scheduled posts"), IncidentRole.PUBLISHING, timedelta(minutes=15), SelfCheck.POSTS_PAUSED),
    (
        _("Brief the team: research, publishing and engagement"),
        IncidentRole.COMMANDER,
        timedelta(minutes=30),
        SelfCheck.NONE,
    ),
    (_("Inform the client"), IncidentRole.CLIENT_LIAISON, timedelta(minutes=30), SelfCheck.NONE),
    (_("Publish a short holding statement"), IncidentRole.PUBLISHING, timedelta(hours=1), SelfCheck.HOLDING_STATEMENT),
    (
        _("Answer the people affected, publicly where it helps others, privately where needed"),
        IncidentRole.ENGAGEMENT,
        timedelta(hours=2),
        SelfCheck.NONE,
    ),
    (_("Publish the formal statement"), IncidentRole.PUBLISHING, timedelta(hours=24), SelfCheck.NONE),
    (_("Stand down: tell the team and the client, plan the evaluation"), IncidentRole.COMMANDER, None, SelfCheck.NONE),
]

# Steps a built-in kind of crisis adds (by its key: the agency may rename it).
EXTRA = {
    "data_breach": [
        (
            _("Check with the client whether the data protection authority must be told (72 hours)"),
            IncidentRole.CLIENT_LIAISON,
            timedelta(hours=4),
            SelfCheck.NONE,
        ),
    ],
    "product_failure": [
        (
            _("Ask the client for batch numbers and whether a recall is coming"),
            IncidentRole.RESEARCH,
            timedelta(hours=1),
            SelfCheck.NONE,
        ),
    ],
}


def playbook_for(crisis_type_key: str) -> list[tuple]:
    """The default steps and the kind's own, the kind's before the stand-down."""
    return [*DEFAULT[:-1], *EXTRA.get(crisis_type_key, []), DEFAULT[-1]]
