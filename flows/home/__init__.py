"""The home: the main actions for a role, as buttons (/menu, and after /start and under /help,
which bot/menus.py builds); the screens only the home opens ("My peer worker", "My people");
buttons that do what a command does; and the last-resort reply (fallback.py, which bot/app.py
calls after every flow).

State diagram: flows/home/home.mmd
"""

from __future__ import annotations

from bot.deps import Deps
from bot.domain.roles import PEER_ROLES, PEOPLE_ROLES
from bot.flowkit import Flow
from bot.links import OpenHome, OpenMyPeerWorker, OpenMyPeople, RunCommand, ShowNumbers
from bot.routing import ANY_ROLE, EVERYONE, Button, Command
from flows.home.handlers import Handlers

__all__ = ["build"]

PEOPLE, PEERS = frozenset(PEOPLE_ROLES), frozenset(PEER_ROLES)


def build(deps: Deps) -> Flow:
    """The home's route table. RunCommand and the numbers are open to everyone: "Start" and
    "Start again" are buttons too, and the command's own roles are checked when pressed."""
    h = Handlers()
    return Flow(
        name="home",
        routes=[
            Command("menu", h.menu, roles=ANY_ROLE, menu="home.menu_command"),
            Button(OpenHome, h.on_home, roles=ANY_ROLE),
            Button(RunCommand, h.on_run, roles=EVERYONE),
            Button(OpenMyPeerWorker, h.on_my_peer, roles=PEOPLE),
            Button(OpenMyPeople, h.on_my_people, roles=PEERS),
            Button(ShowNumbers, h.on_numbers, roles=EVERYONE),
        ],
    )
