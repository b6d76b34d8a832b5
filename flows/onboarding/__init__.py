"""Onboarding: what the bot is, consent, role, region, time zone and name; invites and
referral links; /help (the command menu, with the home's buttons).

State diagram: flows/onboarding/onboarding.mmd
"""

from __future__ import annotations

from bot.deps import Deps
from bot.flowkit import Flow
from bot.routing import ANY_ROLE, EVERYONE, Button, Command, Step
from flows.onboarding import callbacks as cb
from flows.onboarding.handlers import CODE, NAME, REGION, RELATIONSHIP, ROLE, TIMEZONE, Handlers

__all__ = ["build"]

# /crisis is answered by the safety net before any flow (bot/safety.py); it is listed here,
# after /start and /help, so every menu and /help show it near the top.
_CRISIS = [("crisis", "commands.crisis")]


def build(deps: Deps) -> Flow:
    """The onboarding flow's route table. Open to everyone: /start is how people arrive."""
    h = Handlers()
    return Flow(
        name="onboarding",
        commands={"none": _CRISIS, "*": _CRISIS},
        routes=[
            Command("start", h.start, roles=EVERYONE, menu="commands.start"),
            Command("help", h.help, roles=EVERYONE, menu="commands.help"),
            Button(cb.Consent, h.on_consent, roles=EVERYONE),
            Button(cb.ConsentWithCode, h.on_consent, roles=EVERYONE),
            Button(cb.ConsentWithSource, h.on_consent, roles=EVERYONE),
            Button(cb.ConsentWithCareLink, h.on_consent, roles=EVERYONE),
            Button(cb.StaffInvite, h.on_staff_invite, roles=ANY_ROLE),
            Button(cb.RoleChoice, h.on_role, roles=EVERYONE),
            Button(cb.RelationshipChoice, h.on_relationship, roles=EVERYONE),
            Button(cb.BackToRoles, h.on_back, roles=EVERYONE),
            Button(cb.RegionChoice, h.on_region, roles=EVERYONE),
            Button(cb.ZoneChoice, h.on_zone, roles=EVERYONE),
            Button(cb.SkipName, h.on_skip, roles=EVERYONE),
            # Where buttons answer, a sticker or a photo brings the question back (with its
            # buttons).
            Step(ROLE, ask=h.ask_role, on_text=h.buttons_only, on_other=h.ask_again),
            Step(
                RELATIONSHIP, ask=h.ask_relationship, on_text=h.buttons_only, on_other=h.ask_again
            ),
            Step(CODE, ask=h.ask_code, on_text=h.code),
            Step(REGION, ask=h.ask_region, on_text=h.buttons_only, on_other=h.ask_again),
            Step(TIMEZONE, ask=h.ask_timezone, on_text=h.buttons_only, on_other=h.ask_again),
            Step(NAME, ask=h.ask_name, on_text=h.name),
        ],
    )
