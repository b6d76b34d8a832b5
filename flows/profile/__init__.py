"""/profile for peer workers: display name, bio, nominated hours, caseload cap, optional
attributes, the kinds of support they offer, and pausing new matches; all changeable later
from a menu that shows the current values. State diagram: flows/profile/profile.mmd"""

from __future__ import annotations

from bot.deps import Deps
from bot.domain.roles import PEER_ROLES
from bot.flowkit import Flow
from bot.routing import ANY_ROLE, Button, Command, Step
from flows.profile.callbacks import (
    AskCap,
    AskMany,
    AskOne,
    Clear,
    Done,
    EditText,
    KeepBio,
    ManyDone,
    Menu,
    Pause,
    SetCap,
    SetOne,
    Toggle,
)
from flows.profile.handlers import BIO, EDIT, HOURS, NAME, Handlers

__all__ = ["build"]

PEERS = frozenset(PEER_ROLES)
LEFT = "profile.setup_left"  # said when a command steps out of setting up


def build(deps: Deps) -> Flow:
    """The profile flow's route table. /profile answers everyone who has finished /start (a
    person is pointed to /match), and is listed for peer workers."""
    h = Handlers()
    return Flow(
        name="profile",
        routes=[
            Command("profile", h.profile, roles=ANY_ROLE, menu="commands.profile", listed=PEERS),
            Step(NAME, ask=h.ask_name, on_text=h.on_name, left=LEFT),
            Step(BIO, ask=h.ask_bio, on_text=h.on_bio, on_flagged=h.bio_flagged, left=LEFT),
            Step(HOURS, ask=h.ask_hours, on_text=h.on_hours, left=LEFT),
            Step(EDIT, ask=h.ask_edit, on_text=h.on_edit_value, on_flagged=h.edit_flagged),
            Button(KeepBio, h.on_keep_bio, roles=PEERS),
            Button(Menu, h.on_menu, roles=PEERS),
            Button(Done, h.on_done, roles=PEERS),
            Button(Pause, h.on_pause, roles=PEERS),
            Button(AskCap, h.on_cap_question, roles=PEERS),
            Button(SetCap, h.on_cap, roles=PEERS),
            Button(EditText, h.on_edit_text, roles=PEERS),
            Button(AskOne, h.on_one_question, roles=PEERS),
            Button(SetOne, h.on_one, roles=PEERS),
            Button(AskMany, h.on_many_question, roles=PEERS),
            Button(Toggle, h.on_toggle, roles=PEERS),
            Button(ManyDone, h.on_many_done, roles=PEERS),
            Button(Clear, h.on_clear, roles=PEERS),
        ],
    )
