"""Referral links (/referral, coordinators): one t.me deep link per source (a clinic, a team,
a flyer), with a printable QR code. People who start through a link are counted by source,
and a person's own record keeps only the source's name (study Table 3, item 8)."""

from __future__ import annotations

from bot.deps import Deps
from bot.flowkit import Flow
from bot.routing import Button, Command, Step
from flows.referral.callbacks import NewReferral, ReferralQr
from flows.referral.handlers import STEP, Handlers

__all__ = ["build"]

COORDINATORS = frozenset({"coordinator"})


def build(deps: Deps) -> Flow:
    """The referral links' route table."""
    h = Handlers()
    return Flow(
        name="referral",
        routes=[
            Command("referral", h.command, roles=COORDINATORS, menu="commands.referral"),
            Button(NewReferral, h.new, roles=COORDINATORS),
            Button(ReferralQr, h.qr, roles=COORDINATORS),
            Step(STEP, ask=h.ask, on_text=h.name),
        ],
    )
