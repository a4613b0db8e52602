"""Row locks on mentions, taken one way everywhere (in the shape of Saleor's lock_objects.py).

Only the mention rows are locked (`of=("self",)`): the client and brand read along with them
stay unlocked, so work on two mentions of one client never waits on the client's row. Several
mentions are locked in id order, so two transactions locking the same set cannot deadlock.
"""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Mention


def mentions_for_update() -> QuerySet[Mention]:
    return Mention.objects.unscoped().select_for_update(of=("self",)).order_by("pk")


def mention_locked(mention: Mention) -> Mention:
    """The mention's row again, locked for this transaction: what a service writing a mention starts from."""
    return mentions_for_update().select_related("client", "brand").get(pk=mention.pk)
