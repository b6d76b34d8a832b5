"""What the supervision flow shows: pure functions from copy and data to text and keyboards."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot.content import Content
from bot.domain.supervision import URGENCIES
from bot.keyboards import choose_one
from bot.links import menu_row
from flows.supervision.callbacks import (
    AddToRequest,
    SendFlagged,
    SkipNote,
    TakeRequest,
    UrgencyChoice,
)

__all__ = [
    "ask_addition",
    "ask_note",
    "ask_urgency",
    "for_coordinator",
    "peer_told",
    "sent",
    "taken",
    "taken_unreachable",
    "urgency_again",
    "waiting",
]


def _urgencies(copy: Content) -> InlineKeyboardMarkup:
    return choose_one(
        [(copy.button(f"supervision.urgency_{u}"), UrgencyChoice(u)) for u in URGENCIES],
        footer=[menu_row(copy)],  # back home, which closes the question as /menu does
    )


def ask_urgency(copy: Content) -> tuple[str, InlineKeyboardMarkup]:
    """What supervision is, and "How soon would you like to talk?" with three answers."""
    return copy.text("supervision.ask_urgency"), _urgencies(copy)


def urgency_again(copy: Content) -> tuple[str, InlineKeyboardMarkup]:
    """The same three answers, after something was typed instead of tapped."""
    return copy.text("supervision.tap_urgency"), _urgencies(copy)


def ask_note(copy: Content) -> tuple[str, InlineKeyboardMarkup]:
    """ "What would you like to talk about?", with Skip."""
    return copy.text("supervision.ask_note"), choose_one(
        [(copy.button("common.skip_button"), SkipNote())]
    )


def sent(
    copy: Content, reached: int, *, pending: int = 0, dropped: int = 0, added: bool = False
) -> str:
    """The peer worker hears the truth about their request (or what they ADDED to it): how
    many coordinators have it, that it is on its way, or that nobody could be reached."""
    prefix = "supervision.added_" if added else "supervision."
    if reached:
        return copy.count(f"{prefix}sent", reached)
    if pending:
        return copy.text(f"{prefix}on_its_way")
    if dropped:
        return copy.text("supervision.unreachable")
    return copy.text("supervision.no_coordinators")


def waiting(copy: Content, *, asked: str, urgency: str) -> tuple[str, InlineKeyboardMarkup]:
    """/supervision while a request is still waiting: it is with the coordinators already;
    the peer worker may add a few words to it rather than ask again."""
    return copy.text(
        "supervision.already_waiting",
        asked=asked,
        urgency=copy.button(f"supervision.urgency_{urgency}"),
    ), choose_one([(copy.button("supervision.add_button"), AddToRequest())])


def send_flagged(copy: Content) -> tuple[str, InlineKeyboardMarkup]:
    """The words mention risk (the crisis card is above them): send them to the coordinators
    as they are, or write them differently?"""
    return copy.text("supervision.send_flagged"), choose_one(
        [
            (copy.button("supervision.send_flagged_yes"), SendFlagged(True)),
            (copy.button("supervision.send_flagged_no"), SendFlagged(False)),
        ]
    )


def ask_addition(copy: Content) -> tuple[str, InlineKeyboardMarkup]:
    """ "What would you like to add?", with Leave it as it is."""
    return copy.text("supervision.ask_addition"), choose_one(
        [(copy.button("supervision.leave_button"), SkipNote())]
    )


def _sender(copy: Content, name: str | None, role: str) -> str:
    role_name = copy.button(f"onboarding.role_name_{role}")
    if name:
        return copy.button("supervision.sender_named", name=name, role=role_name)
    return copy.button("supervision.sender_unnamed", role=role_name)


def for_coordinator(
    copy: Content,
    request_id: int,
    *,
    name: str | None,
    role: str,
    urgency: str,
    note: str | None,
    asked: str,
    added: bool = False,
) -> tuple[str, InlineKeyboardMarkup]:
    """The request as a coordinator reads it (ADDED: the peer worker has added to it while it
    waits), with the button that picks it up."""
    key = "supervision.to_coordinator_added" if added else "supervision.to_coordinator"
    text = copy.text(
        key,
        sender=_sender(copy, name, role),
        asked=asked,
        urgency=copy.button(f"supervision.urgency_{urgency}"),
        note=note or copy.button("supervision.no_note"),
    )
    return text, choose_one([(copy.button("supervision.take_button"), TakeRequest(request_id))])


def _peer(copy: Content, name: str | None) -> str:
    return name or copy.button("supervision.the_peer_worker")


def taken(copy: Content, name: str | None, status: str | None = "sent") -> str:
    """The coordinator who picked it up hears that the peer worker has been told (STATUS
    'sent'), or that the news is on its way to them ('pending')."""
    key = "supervision.taken" if status == "sent" else "supervision.taken_on_its_way"
    return copy.text(key, name=_peer(copy, name))


def taken_unreachable(copy: Content, name: str | None) -> str:
    """The coordinator hears that the peer worker can't be reached in the bot."""
    return copy.text("supervision.taken_unreachable", name=_peer(copy, name))


def peer_told(copy: Content, coordinator: str | None) -> str:
    """The peer worker hears who picked their request up."""
    return copy.text(
        "supervision.peer_told", coordinator=coordinator or copy.button("supervision.someone")
    )
