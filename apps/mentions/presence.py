"""Who else has a mention open, and who is drafting a reply: short-lived entries in Redis.

One hash per mention, one field per person, holding their state and when it lapses. The
page renews its entry every PRESENCE_RENEW seconds; a closed tab simply lapses, and the
whole key expires when nobody renews it.
"""

from __future__ import annotations

import json
import time

from apps.core.redis_client import redis_client

PRESENCE_TTL = 30  # seconds an entry counts after its last renewal
PRESENCE_RENEW = 10
STATES = ("viewing", "drafting")


def _key(mention_id: int) -> str:
    return f"varde:presence:mention:{mention_id}"


def presence_touch(*, mention_id: int, user, state: str) -> None:
    state = state if state in STATES else "viewing"
    entry = json.dumps({"name": user.display_name, "state": state, "until": time.time() + PRESENCE_TTL})
    with redis_client().pipeline() as pipe:
        pipe.hset(_key(mention_id), str(user.pk), entry)
        pipe.expire(_key(mention_id), PRESENCE_TTL)
        pipe.execute()


def presence_leave(*, mention_id: int, user) -> None:
    redis_client().hdel(_key(mention_id), str(user.pk))


def present_on(mention_id: int, *, exclude_user_id: int | None = None) -> list[dict]:
    """[{"user_id", "name", "state"}] of people whose entry has not lapsed, drafting first."""
    now, present, lapsed = time.time(), [], []
    client = redis_client()
    for user_id, raw in client.hgetall(_key(mention_id)).items():
        try:
            entry = json.loads(raw)
            until, pk = float(entry["until"]), int(user_id)
        except (ValueError, KeyError, TypeError):
            lapsed.append(user_id)
            continue
        if until < now:
            lapsed.append(user_id)
        elif pk != exclude_user_id:
            present.append({"user_id": pk, "name": str(entry.get("name", "")), "state": entry.get("state")})
    if lapsed:
        client.hdel(_key(mention_id), *lapsed)
    return sorted(present, key=lambda entry: (entry["state"] != "drafting", entry["name"]))
