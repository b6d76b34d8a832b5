"""What the home's own screens and the last-resort reply show: pure functions from copy and
data to text and keyboards."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardMarkup

from bot.content import Content, Raw
from bot.keyboards import Choice, rows
from bot.links import (
    OpenMyPeerWorker,
    OpenMyPeople,
    RunCommand,
    ShowNumbers,
    find_peer_worker,
    menu_row,
    resources_home,
)
from bot.nominated_hours import zone_name

__all__ = [
    "Inline",
    "Request",
    "hard_time_buttons",
    "menu_row",
    "my_peer_worker",
    "my_people",
    "no_peer_worker",
    "paragraphs",
    "people_button",
    "profile_button",
    "start_button",
    "support_button",
]

Inline = tuple[str, InlineKeyboardMarkup]
#: A request waiting for a peer worker: the person's chosen name (if any), and its deadline.
Request = tuple[str | None, str]


def my_peer_worker(copy: Content, *, name: str, hours: str, tz: str, when: str) -> Inline:
    """A matched person's peer worker: their hours, when they're next available, and how to
    write to them."""
    return (
        copy.text("home.my_peer_worker", name=name, hours=hours, tz=zone_name(copy, tz), when=when),
        rows(menu_row(copy)),
    )


def no_peer_worker(copy: Content) -> Inline:
    """ "My peer worker" pressed once the match is over: a new choice, when they're ready."""
    return copy.text("home.no_peer_worker"), rows(
        [(copy.button("home.find"), find_peer_worker())], menu_row(copy)
    )


def my_people(copy: Content, people: Sequence[str], requests: Sequence[Request]) -> Inline:
    """A peer worker's people (by the names they chose) and the requests waiting for an
    answer (each answered on its own message, with Accept and Decline)."""
    fallback = copy.button("home.person_fallback")
    parts: list[str] = []
    if people:
        parts.append("\n".join(copy.text("home.person_line", name=name) for name in people))
    if requests:
        parts.append(
            copy.text("home.my_people_requests")
            + "\n"
            + "\n".join(
                copy.text("home.request_line", name=alias or fallback, respond_by=when)
                for alias, when in requests
            )
        )
    if not parts:
        parts.append(copy.text("home.my_people_none"))
    elif people:
        parts.append(copy.text("home.my_people_how"))
    return copy.text("home.my_people", people=Raw("\n\n".join(parts))), rows(menu_row(copy))


def paragraphs(lines: Sequence[str], buttons: Sequence[Sequence[Choice]]) -> Inline:
    """LINES (HTML already) as paragraphs, with BUTTONS: the last-resort reply."""
    return "\n\n".join(line for line in lines if line), rows(*buttons)


def support_button(copy: Content, support: str) -> Choice:
    """A person's first button: their peer worker, their request, or finding one."""
    if support == "matched":
        return copy.button("home.my_peer"), OpenMyPeerWorker()
    if support == "requested":
        return copy.button("home.my_request"), find_peer_worker()
    return copy.button("home.find"), find_peer_worker()


def hard_time_buttons(copy: Content, support: str) -> list[list[Choice]]:
    """For someone having a hard time: their peer worker (or finding one), things to read,
    and the numbers."""
    return [
        [support_button(copy, support)],
        [(copy.button("home.read"), resources_home())],
        [(copy.button("home.numbers"), ShowNumbers())],
    ]


def start_button(copy: Content, key: str) -> list[Choice]:
    """Start, start again, or carry on setting up: what /start does."""
    return [(copy.button(key), RunCommand("start"))]


def people_button(copy: Content) -> list[Choice]:
    """ "My people"."""
    return [(copy.button("home.people"), OpenMyPeople())]


def profile_button(copy: Content) -> list[Choice]:
    """ "Set up your profile"."""
    return [(copy.button("home.set_up_profile"), RunCommand("profile"))]
