"""Choosing a responder: round robin or least open work, within each one's capacity.

High and critical work may fill a responder's whole capacity; lesser work stops `reserve`
below it (but always has one place), so that urgent work finds room
(RoutingPolicy.high_risk_reserve)."""

from __future__ import annotations

from bisect import bisect_right

from .models import RoutingMode
from .selectors import Responder


class Roster:
    """The on-duty responders of one client and their open work, for a run of choices."""

    def __init__(
        self,
        responders: list[Responder],
        open_counts: dict[int, int],
        mode: str,
        last_id: int | None,
        reserve: int = 0,
    ):
        self.responders = responders
        self.reserve = reserve
        self.no_room = False  # set when urgent work found no room even by handing work back
        self._ids = [r.user_id for r in responders]
        self.open = {r.user_id: open_counts.get(r.user_id, 0) for r in responders}
        self.mode = mode
        self.last_id = last_id

    def _in_turn(self) -> list[Responder]:
        """Responders (ordered by id) in turn, starting after the last one given work."""
        start = 0 if self.last_id is None else bisect_right(self._ids, self.last_id)
        return self.responders[start:] + self.responders[:start]

    def choose(self, exclude: int | None = None, urgent: bool = False) -> int | None:
        """The next responder with room, or None; counts the new work against them.

        One pass per choice (it runs for every new mention): round robin takes the first
        in turn with room, least open work the first in turn of those with the least.
        Urgent (high or critical) work may use the room kept for it.
        """
        least_open = self.mode == RoutingMode.LEAST_OPEN
        open_work, chosen, fewest = self.open, None, None
        for responder in self._in_turn():
            count = open_work[responder.user_id]
            # The room kept never takes a responder's last place for lesser work.
            kept = 0 if urgent else min(self.reserve, responder.capacity - 1)
            if responder.user_id == exclude or count >= responder.capacity - kept:
                continue
            if not least_open:
                chosen = responder
                break
            if fewest is None or count < fewest:
                chosen, fewest = responder, count
        if chosen is None:
            return None
        open_work[chosen.user_id] += 1
        self.last_id = chosen.user_id
        return chosen.user_id
