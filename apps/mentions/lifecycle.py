"""The mention lifecycle: which status may follow which, and what each move requires.

new -> triaged -> in progress -> awaiting approval -> answered -> resolved, with
"no response needed" (a reason) and "taken private" (the private channel) as ways
out, and reopening for a follow-up. The services enforce it for UI, API and tasks.
"""

from __future__ import annotations

from .models import MentionStatus as S

ALLOWED: dict[str, frozenset[str]] = {
    S.NEW: frozenset({S.TRIAGED, S.IN_PROGRESS, S.ANSWERED, S.NO_RESPONSE_NEEDED, S.TAKEN_PRIVATE}),
    S.TRIAGED: frozenset({S.IN_PROGRESS, S.ANSWERED, S.NO_RESPONSE_NEEDED, S.TAKEN_PRIVATE}),
    S.IN_PROGRESS: frozenset({S.TRIAGED, S.AWAITING_APPROVAL, S.ANSWERED, S.NO_RESPONSE_NEEDED, S.TAKEN_PRIVATE}),
    S.AWAITING_APPROVAL: frozenset({S.IN_PROGRESS, S.ANSWERED}),
    S.ANSWERED: frozenset({S.RESOLVED, S.IN_PROGRESS}),
    S.TAKEN_PRIVATE: frozenset({S.RESOLVED, S.IN_PROGRESS}),
    S.RESOLVED: frozenset({S.IN_PROGRESS}),  # reopened for a follow-up
    S.NO_RESPONSE_NEEDED: frozenset({S.TRIAGED}),  # someone thinks again
}
# A first answer was given: the SLA clock stops (a private channel counts as an answer).
STOPS_THE_CLOCK = frozenset({S.ANSWERED, S.TAKEN_PRIVATE})
NEEDS_REASON = frozenset({S.NO_RESPONSE_NEEDED})
NEEDS_PRIVATE_CHANNEL = frozenset({S.TAKEN_PRIVATE})


def allowed_from(status: str) -> list[str]:
    """The statuses a mention may move to, in lifecycle order."""
    return [value for value in S.values if value in ALLOWED.get(status, frozenset())]


def path_to(current: str, target: str) -> list[str]:
    """The statuses to pass through, in order, to get from `current` to `target` by allowed moves
    (fewest first; empty when already there or when no moves lead there). No step needs a reason,
    and only the target may need a private channel (the caller names it)."""
    if current == target:
        return []
    came_from: dict[str, str] = {current: ""}
    frontier = [current]
    while frontier:
        following = []
        for status in frontier:
            for step in allowed_from(status):
                if step in came_from or step in NEEDS_REASON or (step in NEEDS_PRIVATE_CHANNEL and step != target):
                    continue
                came_from[step] = status
                if step == target:
                    path = [step]
                    while came_from[path[-1]] != current:
                        path.append(came_from[path[-1]])
                    return path[::-1]
                following.append(step)
        frontier = following
    return []
