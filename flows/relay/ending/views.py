"""What /end shows: pure functions from copy and data to text and keyboards."""

from __future__ import annotations

from collections.abc import Mapping

from telegram import InlineKeyboardMarkup

from bot.content import Content
from bot.keyboards import Choice, rows
from flows.relay.ending.callbacks import EndKeep, EndWhich, EndYes
from flows.relay.views import unsent_line

__all__ = ["confirm", "ended", "which"]


def which(copy: Content, names: Mapping[int, str]) -> tuple[str, InlineKeyboardMarkup]:
    """A peer worker with several people: which match to end (or none)."""
    lines: list[list[Choice]] = [
        [(copy.button("relay.end_with_button", name=name), EndWhich(match))]
        for match, name in names.items()]
    lines.append([(copy.button("relay.end_no_button"), EndKeep())])
    return copy.text("relay.end_which"), rows(*lines)


def confirm(copy: Content, match_id: int, *, as_person: bool, other: str
            ) -> tuple[str, InlineKeyboardMarkup]:
    """Would you like to end your match with OTHER? Yes or no."""
    text = (copy.text("relay.end_confirm_person", peer=other) if as_person
            else copy.text("relay.end_confirm_peer", person=other))
    return text, rows([(copy.button("relay.end_yes_button"), EndYes(match_id))],
                      [(copy.button("relay.end_no_button"), EndKeep())])


def ended(copy: Content, *, as_person: bool, other: str, unsent: int) -> str:
    """What the one who ended it reads (a person also hears what wasn't passed on)."""
    if as_person:
        return (copy.text("relay.ended_by_you_person", peer=other)
                + unsent_line(copy, unsent, other))
    return copy.text("relay.ended_by_you_peer", person=other)
