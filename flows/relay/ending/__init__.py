"""Ending a match (/end): either side, after a yes. The ending itself, and what follows it,
is the same whoever ends a match and why (bot/services/matches.py, bot/app.py)."""

from __future__ import annotations

from bot.domain.roles import PEER_ROLES, PEOPLE_ROLES
from bot.routing import Button, Command, Route
from flows.relay.ending.callbacks import EndKeep, EndWhich, EndYes
from flows.relay.ending.handlers import Handlers

__all__ = ["routes"]

SIDES = frozenset((*PEOPLE_ROLES, *PEER_ROLES))


def routes() -> list[Route]:
    """/end's part of the relay's route table."""
    h = Handlers()
    return [
        Command("end", h.end, roles=SIDES, menu="commands.end"),
        Button(EndWhich, h.on_which, roles=frozenset(PEER_ROLES)),
        Button(EndYes, h.on_yes, roles=SIDES),
        Button(EndKeep, h.on_keep, roles=SIDES),
    ]
