"""Buttons that open another flow's screen, for flows that must not import each other.

Whoever moves the target flow onto typed callbacks changes the data here, once. A screen whose
flow has no link of its own yet is opened with `RunCommand`: the button does what typing the
command does (flows/home answers it through the command's own route).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from bot.callbacks import callback, pack
from bot.content import Content
from bot.keyboards import Choice

__all__ = [
    "CARE_TEAM_COMMAND",
    "OpenCareTeam",
    "OpenCareTeamLink",
    "OpenCoordinatorHome",
    "OpenHome",
    "OpenMyPeerWorker",
    "OpenMyPeople",
    "OpenResources",
    "OpenTopic",
    "RunCommand",
    "ShowNumbers",
    "StartDeparture",
    "command_handler",
    "coordinator_home_row",
    "departure",
    "find_peer_worker",
    "menu_row",
    "resources_home",
    "resources_topic",
    "take_supervision",
]


@callback("res")
@dataclass(frozen=True, slots=True)
class OpenResources:
    """Open the resources topic list for the person's role, in a new message. Packed as
    `res:home`, the data crisis cards already in people's chats carry, so those still work."""

    screen: Literal["home"] = "home"


@callback("res.open")
@dataclass(frozen=True, slots=True)
class OpenTopic:
    """Open one resources topic (by its id) at its first page, in a new message."""

    topic: str


def resources_home() -> str:
    """Callback data for a button that opens the resources topic list in a new message
    (answered by flows/resources; the crisis card in bot/safety.py opens the same)."""
    return pack(OpenResources())


def resources_topic(topic_id: str) -> str:
    """Callback data for a button that opens one resources topic in a new message."""
    return pack(OpenTopic(topic_id))


# -- the home of buttons (bot/menus.py builds it; flows/home answers these) ---------------------


@callback("home")
@dataclass(frozen=True, slots=True)
class OpenHome:
    """Show the person's home: the main actions for their role, as buttons."""


def menu_row(copy: Content) -> list[Choice]:
    """ "‹ Menu": back to the home, from any flow's screen (flows/home answers it)."""
    return [(copy.button("home.menu_button"), OpenHome())]


@callback("home.go")
@dataclass(frozen=True, slots=True)
class RunCommand:
    """Do what typing /COMMAND does, below the message the button sits on (for a screen whose
    flow has no link of its own). A command the person may not use is a stale press."""

    command: str


@callback("home.peer")
@dataclass(frozen=True, slots=True)
class OpenMyPeerWorker:
    """A matched person's peer worker: who they are, their hours, how to write to them."""


@callback("home.people")
@dataclass(frozen=True, slots=True)
class OpenMyPeople:
    """A peer worker's people: who they support and who is waiting for an answer."""


@callback("home.sos")
@dataclass(frozen=True, slots=True)
class ShowNumbers:
    """The crisis card (the same one /crisis shows), in a new message."""


@callback("coord.home")
@dataclass(frozen=True, slots=True)
class OpenCoordinatorHome:
    """The coordinator home (/coord). Its flow routes this once it exists; until then the home
    shows a coordinator their commands as buttons instead (bot/menus.py checks which)."""


def coordinator_home_row(copy: Content) -> list[Choice]:
    """ "‹ Coordinator home", from a coordinator's screen in another flow (groups, say)."""
    return [(copy.button("coordinator.home_button"), OpenCoordinatorHome())]


def take_supervision(request_id: int) -> str:
    """Callback data for "I'll pick this up" on a peer worker's supervision request REQUEST_ID
    (a row id): flows/supervision answers it (`sup.take`), the same press its own notice to
    coordinators carries, so the coordinator home acknowledges through the one path."""
    return f"sup.take:{int(request_id)}"


#: "Find a peer worker": the shortlist of who is free now, best fit first, with "Change my
#: preferences" and the waitlist (flows/matching's "choose again" button, which it routes).
_FIND_PEER_WORKER = "mt.again"


def find_peer_worker() -> str:
    """Callback data for "Find a peer worker" (answered by flows/matching, in place)."""
    return _FIND_PEER_WORKER


# -- a peer worker going on leave, or leaving (answered by flows/relay/departure) ------------


@callback("dep")
@dataclass(frozen=True, slots=True)
class StartDeparture:
    """A peer worker's "I'm going on leave or leaving": what happens for each person they
    support (or, on leave, "I'm back"). /end shows it; /profile's menu may too."""


def departure() -> str:
    """Callback data for the "I'm going on leave or leaving" button."""
    return pack(StartDeparture())


# -- care teams, integrated model (answered by flows/careteam) --------------------------------


@callback("ct.open")
@dataclass(frozen=True, slots=True)
class OpenCareTeam:
    """A person's care team and who has read their notes (what /careteam shows), in place:
    /settings' "My care team" line."""


@callback("ct.link")
@dataclass(frozen=True, slots=True)
class OpenCareTeamLink:
    """A clinician's care-team link opened before setting up (CODE, from /start ct-CODE),
    carried through the setup questions: the question it asks, once they are set up."""

    code: str


#: The command that answers a care-team link (/start ct-CODE, passed on by /start) and shows
#: a person their care team and access log (passed on by /notes).
CARE_TEAM_COMMAND = "careteam"


def command_handler(flows: Sequence[Any], name: str) -> Any:
    """The handler of /NAME in FLOWS' route tables, or None: for a flow that passes an update
    on to another flow's command (as if it had been typed) without importing that flow."""
    for flow in flows:
        for route in getattr(flow, "routes", ()):
            if getattr(route, "name", None) == name and hasattr(route, "listed_for"):
                return route.handler
    return None
