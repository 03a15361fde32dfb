"""The learner: finds out which value was chosen."""
from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable, Optional

from .messages import Accepted, Message, NodeId, is_majority


class Learner:
    """A value is chosen once a majority of acceptors have accepted it in one ballot.
    Votes of different ballots never add up: a majority split over two ballots has chosen
    nothing. A learner's knowledge can be rebuilt from the acceptors, so none of it is
    durable."""

    def __init__(self, node_id: NodeId, acceptors: Iterable[NodeId]):
        self.id = node_id
        self.acceptors = tuple(sorted(acceptors))
        self.restart()

    def restart(self) -> None:
        self.votes: dict[tuple[int, Any], set[NodeId]] = defaultdict(set)
        self.chosen: Optional[Any] = None

    def handle(self, msg: Message) -> list[Message]:
        if isinstance(msg, Accepted):
            voters = self.votes[(msg.ballot, msg.value)]
            voters.add(msg.src)
            if is_majority(voters, self.acceptors):
                self.chosen = msg.value
        return []

    def on_timeout(self) -> list[Message]:
        return []

    def __repr__(self) -> str:
        return f"Learner({self.id}, chosen={self.chosen!r})"
