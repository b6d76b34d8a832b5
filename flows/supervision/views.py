"""What the supervision flow shows: pure functions from copy and data to text and keyboards."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot.content import Content
from bot.domain.supervision import URGENCIES
from bot.keyboards import choose_one
from flows.supervision.callbacks import SkipNote, TakeRequest, UrgencyChoice

__all__ = ["ask_note", "ask_urgency", "for_coordinator", "peer_told", "sent", "taken",
           "urgency_again"]


def _urgencies(copy: Content) -> InlineKeyboardMarkup:
    return choose_one([(copy.button(f"supervision.urgency_{u}"), UrgencyChoice(u))
                       for u in URGENCIES])


def ask_urgency(copy: Content) -> tuple[str, InlineKeyboardMarkup]:
    """What supervision is, and "How soon would you like to talk?" with three answers."""
    return copy.text("supervision.ask_urgency"), _urgencies(copy)


def urgency_again(copy: Content) -> tuple[str, InlineKeyboardMarkup]:
    """The same three answers, after something was typed instead of tapped."""
    return copy.text("supervision.tap_urgency"), _urgencies(copy)


def ask_note(copy: Content) -> tuple[str, InlineKeyboardMarkup]:
    """"What would you like to talk about?", with Skip."""
    return copy.text("supervision.ask_note"), choose_one(
        [(copy.button("common.skip_button"), SkipNote())])


def sent(copy: Content, reached: int) -> str:
    """The peer worker hears how many coordinators the request reached."""
    if reached:
        return copy.text("supervision.sent", count=reached)
    return copy.text("supervision.no_coordinators")


def _name(copy: Content, name: str | None) -> str:
    return name or copy.button("supervision.someone")


def for_coordinator(copy: Content, request_id: int, *, name: str | None, role: str,
                    urgency: str, note: str | None) -> tuple[str, InlineKeyboardMarkup]:
    """The request as a coordinator reads it, with the button that picks it up."""
    text = copy.text("supervision.to_coordinator", name=_name(copy, name),
                     role=copy.button(f"onboarding.role_name_{role}"),
                     urgency=copy.button(f"supervision.urgency_{urgency}"),
                     note=note or copy.button("supervision.no_note"))
    return text, choose_one([(copy.button("supervision.take_button"), TakeRequest(request_id))])


def taken(copy: Content, name: str | None) -> str:
    """The coordinator who picked it up hears that the peer worker is being told."""
    return copy.text("supervision.taken", name=_name(copy, name))


def peer_told(copy: Content, coordinator: str | None) -> str:
    """The peer worker hears who picked their request up."""
    return copy.text("supervision.peer_told", coordinator=_name(copy, coordinator))
