"""Chat between a person and their peer worker, through the bot, and what hangs off a match:
/end (ending/), /handover (handover/) and notes (notes/). The relay itself is the catch-all
(handlers.py, delivery.py): a plain message nothing else wanted goes to the other side, so
this flow is registered last and nothing after it takes plain text (tests/test_relay_flow.py
checks). State: flows/relay/relay.mmd
"""

from __future__ import annotations

from bot.deps import Deps
from bot.domain.roles import PEER_ROLES
from bot.flowkit import Flow
from bot.routing import Button, Job
from flows.relay import delivery, ending, handover, notes
from flows.relay.callbacks import DontSend, WriteTo
from flows.relay.handlers import Handlers

__all__ = ["build"]

PEERS = frozenset(PEER_ROLES)


def build(deps: Deps) -> Flow:
    """The relay's route table (with /end's, /handover's and notes'), its job and hooks."""
    h = Handlers()
    return Flow(name="relay", routes=[
        Button(WriteTo, h.on_write_to, roles=PEERS),
        Button(DontSend, h.on_dont_send, roles=PEERS),
        *ending.routes(),
        *handover.routes(),
        *notes.routes(),
    ], catch_all=h.catch_all, export=notes.exporter(deps),
        jobs=[Job("tick:relay", delivery.tick, delivery.TICK_SECONDS)])
