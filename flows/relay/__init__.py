"""Chat between a person and their peer worker, through the bot, and what hangs off a match:
/end (ending/), /handover (handover/), going on leave or leaving (departure/) and notes
(notes/). The relay itself is the catch-all (handlers.py, delivery.py, edits.py): a plain
message nothing else wanted goes to the other side, so this flow is registered last and
nothing after it takes plain text (tests/test_relay_flow.py checks). Every copy goes through
the outbox (bot/outbox.py); consequences.py tells a sender what never arrived.
State: flows/relay/relay.mmd
"""

from __future__ import annotations

from bot.deps import Deps
from bot.domain.roles import PEER_ROLES
from bot.flowkit import Flow
from bot.routing import Button, Job
from flows.relay import delivery, departure, ending, export, handover, notes
from flows.relay.callbacks import DontSend, RiskyChange, RiskySend, WriteTo
from flows.relay.handlers import Handlers

__all__ = ["build"]

PEERS = frozenset(PEER_ROLES)


def build(deps: Deps) -> Flow:
    """The relay's route table (with /end's, /handover's, going away's and notes'), its job
    and hooks."""
    h = Handlers()
    return Flow(
        name="relay",
        routes=[
            Button(WriteTo, h.on_write_to, roles=PEERS),
            Button(DontSend, h.on_dont_send, roles=PEERS),
            Button(RiskySend, h.on_risky_send, roles=PEERS),
            Button(RiskyChange, h.on_risky_change, roles=PEERS),
            *ending.routes(),
            *handover.routes(),
            *departure.routes(),
            *notes.routes(),
        ],
        catch_all=h.catch_all,
        export=export.exporter(deps),
        jobs=[Job("tick:relay", delivery.tick, delivery.TICK_SECONDS)],
    )
