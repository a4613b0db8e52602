"""The mention lifecycle: which status may follow which, and what each move requires.

new -> triaged -> in progress -> awaiting approval -> answered -> resolved, with
"no response needed" (a reason), "taken private" (the private channel) and "answered
elsewhere" (a reason and the answer's address) as ways out, and reopening for a follow-up.
The services enforce it for UI, API and tasks.

"Awaiting approval" and "answered" follow the mention's answer (submitted, approved,
published or sent by hand): nobody sets them by hand, or approvals could be skipped and
the SLA clock stopped with no answer given. Moves by hand are `manual_moves_from`.
"""

from __future__ import annotations

from .models import MentionStatus as S

_WAYS_OUT = {S.NO_RESPONSE_NEEDED, S.TAKEN_PRIVATE, S.ANSWERED_ELSEWHERE}
ALLOWED: dict[str, frozenset[str]] = {
    S.NEW: frozenset({S.TRIAGED, S.IN_PROGRESS, S.ANSWERED, *_WAYS_OUT}),
    S.TRIAGED: frozenset({S.IN_PROGRESS, S.ANSWERED, *_WAYS_OUT}),
    S.IN_PROGRESS: frozenset({S.TRIAGED, S.AWAITING_APPROVAL, S.ANSWERED, *_WAYS_OUT}),
    S.AWAITING_APPROVAL: frozenset({S.IN_PROGRESS, S.ANSWERED}),
    S.ANSWERED: frozenset({S.RESOLVED, S.IN_PROGRESS}),
    S.TAKEN_PRIVATE: frozenset({S.RESOLVED, S.IN_PROGRESS}),
    S.ANSWERED_ELSEWHERE: frozenset({S.RESOLVED, S.IN_PROGRESS}),
    S.RESOLVED: frozenset({S.IN_PROGRESS}),  # reopened for a follow-up
    S.NO_RESPONSE_NEEDED: frozenset({S.TRIAGED}),  # someone thinks again
}
# Set only by the answer workflow; and while an answer waits for approval, only it moves on.
FOLLOWS_THE_ANSWER = frozenset({S.AWAITING_APPROVAL, S.ANSWERED})
# No move stops the answer clock by itself: the answer workflow records the first response when
# an answer goes out (responses.sending). A move by hand to "taken private" or "answered
# elsewhere" is no answer that went through approval: the mention stops waiting
# (models.UNANSWERED) but records no first response, so it is counted apart.
NEEDS_REASON = frozenset({S.NO_RESPONSE_NEEDED, S.ANSWERED_ELSEWHERE})
# Statuses that wait for no answer of ours: no answer clock shows for them.
NO_CLOCK = frozenset({S.NO_RESPONSE_NEEDED, S.ANSWERED_ELSEWHERE, S.TAKEN_PRIVATE})
NEEDS_PRIVATE_CHANNEL = frozenset({S.TAKEN_PRIVATE})
NEEDS_ANSWER_URL = frozenset({S.ANSWERED_ELSEWHERE})


def allowed_from(status: str) -> list[str]:
    """The statuses a mention may move to, in lifecycle order."""
    return [value for value in S.values if value in ALLOWED.get(status, frozenset())]


def manual_moves_from(status: str) -> list[str]:
    """The statuses a person may move a mention to by hand (the answer workflow moves the rest)."""
    if status in FOLLOWS_THE_ANSWER - {S.ANSWERED}:
        return []
    return [value for value in allowed_from(status) if value not in FOLLOWS_THE_ANSWER]


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
                needs_more = step in NEEDS_REASON or step in NEEDS_ANSWER_URL
                if step in came_from or needs_more or (step in NEEDS_PRIVATE_CHANNEL and step != target):
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
