"""What going on leave or leaving shows: pure functions from copy and data to text and
keyboards."""

from __future__ import annotations

from collections.abc import Mapping

from telegram import InlineKeyboardMarkup

from bot.content import Content
from bot.keyboards import TICK, Choice, rows
from flows.relay.departure.callbacks import (
    DepartureEnd,
    DepartureKind,
    DepartureNotNow,
    ImBack,
    LeaveChoice,
    LeavingYes,
)
from flows.relay.handover.callbacks import HandoverWho

__all__ = ["ask_coordinator", "kinds", "leave", "leaving_confirm"]

View = tuple[str, InlineKeyboardMarkup]


def kinds(copy: Content) -> View:
    """Going on leave, or leaving the service? (Or not now.)"""
    return copy.text("relay.departure_kinds"), rows(
        [(copy.button("relay.departure_leave_button"), DepartureKind("leave"))],
        [(copy.button("relay.departure_leaving_button"), DepartureKind("leaving"))],
        [(copy.button("relay.departure_not_now_button"), DepartureNotNow())],
    )


def leaving_confirm(copy: Content, people: int) -> View:
    """What leaving means for the PEOPLE they support, and yes or back."""
    text = copy.text("relay.leaving_confirm" if people else "relay.leaving_confirm_nobody")
    return text, rows(
        [(copy.button("relay.leaving_yes_button"), LeavingYes())],
        [(copy.button("relay.departure_not_now_button"), DepartureNotNow())],
    )


def leave(copy: Content, names: Mapping[int, str], choices: Mapping[int, str]) -> View:
    """On leave: for each person (by match), a handover or a pause (ticked once chosen);
    then I'm back, or leaving instead."""
    lines: list[list[Choice]] = []
    for match, name in names.items():
        chosen = choices.get(match)
        lines.append(
            [
                (
                    (TICK if chosen == "handover" else "")
                    + copy.button("relay.leave_handover_button", name=name),
                    LeaveChoice(match, "handover"),
                ),
                (
                    (TICK if chosen == "pause" else "")
                    + copy.button("relay.leave_pause_button", name=name),
                    LeaveChoice(match, "pause"),
                ),
            ]
        )
    lines.append([(copy.button("relay.back_button"), ImBack())])
    lines.append([(copy.button("relay.leaving_instead_button"), DepartureKind("leaving"))])
    if not names:
        key = "relay.leave_nobody"
    elif all(match in choices for match in names):
        key = "relay.leave_all_chosen"
    else:
        key = "relay.leave_choose"
    return copy.text(key), rows(*lines)


def ask_coordinator(copy: Content, *, peer: str, person: str, match_id: int, leaving: bool) -> View:
    """A coordinator is asked to hand PERSON over (PEER is leaving, or on leave and asked
    for it); when PEER is leaving and nobody can take PERSON on, they may end it kindly."""
    key = "relay.departure_ask_leaving" if leaving else "relay.departure_ask_leave"
    lines: list[list[Choice]] = [
        [(copy.button("relay.departure_handover_button", person=person), HandoverWho(match_id))]
    ]
    if leaving:
        lines.append([(copy.button("relay.departure_end_button"), DepartureEnd(match_id))])
    return copy.text(key, peer=peer, person=person), rows(*lines)
