"""Ending a match (/end): either side, after a yes; a peer worker may add a few words for the
person. The ending itself, and what follows it, is the same whoever ends a match and why
(bot/services/matches.py, bot/app.py). State: flows/relay/ending/ending.mmd"""

from __future__ import annotations

from bot.domain.roles import PEER_ROLES, PEOPLE_ROLES
from bot.routing import Button, Command, Route, Step
from flows.relay.ending.callbacks import EndKeep, EndWhich, EndYes, GoodbyeFlagged, GoodbyeSkip
from flows.relay.ending.handlers import GOODBYE, Handlers

__all__ = ["routes"]

SIDES = frozenset((*PEOPLE_ROLES, *PEER_ROLES))
PEERS = frozenset(PEER_ROLES)


def routes() -> list[Route]:
    """/end's part of the relay's route table."""
    h = Handlers()
    return [
        Command("end", h.end, roles=SIDES, menu="commands.end"),
        Button(EndWhich, h.on_which, roles=PEERS),
        Button(EndYes, h.on_yes, roles=SIDES),
        Button(EndKeep, h.on_keep, roles=SIDES),
        Step(
            GOODBYE,
            ask=h.ask_goodbye,
            on_text=h.on_goodbye,
            on_other=h.goodbye_not_text,
            on_flagged=h.goodbye_flagged,
        ),
        Button(GoodbyeSkip, h.on_skip, roles=PEERS),
        Button(GoodbyeFlagged, h.on_goodbye_flagged, roles=PEERS),
    ]
