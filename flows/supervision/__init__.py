"""Supervision: peer workers ask (/supervision); every coordinator hears, through the outbox;
one picks it up (DESIGN rule 6). One request waits at a time: asking again adds to it. A
peer worker's own notes are in their /mydata. State diagram: flows/supervision/supervision.mmd"""

from __future__ import annotations

from bot.deps import Deps
from bot.domain.roles import PEER_ROLES
from bot.flowkit import Flow
from bot.routing import Button, Command, Step
from flows.supervision.callbacks import (
    AddToRequest,
    SendFlagged,
    SkipNote,
    TakeRequest,
    UrgencyChoice,
)
from flows.supervision.handlers import URGENCY, WHAT, Handlers, exporter

__all__ = ["build"]

PEERS = frozenset(PEER_ROLES)
COORDINATORS = frozenset({"coordinator"})


def build(deps: Deps) -> Flow:
    """The supervision flow's route table."""
    h = Handlers()
    return Flow(
        name="supervision",
        routes=[
            Command("supervision", h.start, roles=PEERS, menu="commands.supervision"),
            Step(URGENCY, ask=h.ask_urgency, on_text=h.urgency_typed),
            Button(UrgencyChoice, h.on_urgency, roles=PEERS),
            # Supervision is where hard conversations go: words the safety net flagged wait
            # (encrypted, in the draft) for the peer worker to say whether to send them.
            Step(WHAT, ask=h.ask_note, on_text=h.on_note, on_flagged=h.flagged),
            Button(SkipNote, h.on_skip, roles=PEERS),
            Button(SendFlagged, h.on_send_flagged, roles=PEERS),
            Button(AddToRequest, h.on_add, roles=PEERS),
            Button(TakeRequest, h.on_take, roles=COORDINATORS),
        ],
        export=exporter(deps),
    )
