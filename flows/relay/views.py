"""What the relay shows: pure functions from copy and data to text and keyboards."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from bot.content import Content
from bot.domain.relay import day_word
from bot.keyboards import Choice, rows
from bot.links import resources_home
from flows.relay.callbacks import DontSend, RiskyChange, RiskySend, WriteTo

__all__ = [
    "chooser",
    "edited_line",
    "gone",
    "held",
    "held_for_leave",
    "label",
    "over_cap",
    "risky",
    "unsent_line",
    "when_text",
]


def label(copy: Content, name: str, *, held_since: datetime | None = None) -> str:
    """The name above a run of relayed messages (with when, for messages held for hours);
    HELD_SINCE is in the reader's time zone."""
    if held_since is None:
        return copy.text("relay.label", name=name)
    since = f"{copy.weekday(held_since.weekday())} {copy.clock(held_since)}"
    return copy.text("relay.label_held", name=name, since=since)


def when_text(copy: Content, at: datetime, zone: ZoneInfo, now: datetime) -> str:
    """When a held message will be passed on: 'today at 18:00', 'tomorrow at 07:00' or
    'on Thu 5 Mar at 18:00', in ZONE."""
    local = at.astimezone(zone)
    word = day_word(at, zone, now)
    if word == "later":
        return copy.button("relay.when_later", time=copy.clock(local), day=copy.day(local))
    return copy.button(f"relay.when_{word}", time=copy.clock(local))


def held(copy: Content, peer: str, when: str) -> tuple[str, InlineKeyboardMarkup]:
    """The peer worker's hours are closed: when the message will arrive, and resources."""
    return (
        copy.text("relay.held", peer=peer, when=when),
        rows([(copy.button("relay.held_resources_button"), resources_home())]),
    )


def held_for_leave(copy: Content, peer: str) -> tuple[str, InlineKeyboardMarkup]:
    """The peer worker is on leave and the match paused: the message waits for the return."""
    return (
        copy.text("relay.held_leave", peer=peer),
        rows([(copy.button("relay.held_resources_button"), resources_home())]),
    )


def over_cap(copy: Content, peer: str, cap: int) -> tuple[str, InlineKeyboardMarkup]:
    """As many messages as may wait for PEER are waiting: this one was not kept."""
    return (
        copy.text("relay.cap_reached", peer=peer, cap=cap),
        rows([(copy.button("relay.held_resources_button"), resources_home())]),
    )


def risky(
    copy: Content, name: str | None, match_id: int, message_id: int
) -> tuple[str, InlineKeyboardMarkup]:
    """A peer worker's message the safety net flagged: this may be hard for NAME (the person
    it is for; None while they have still to choose) to read. Send it, or change it."""
    text = (
        copy.text("relay.risky", name=name)
        if name is not None
        else copy.text("relay.risky_unnamed")
    )
    return text, rows(
        [
            (copy.button("relay.risky_send_button"), RiskySend(match_id, message_id)),
            (copy.button("relay.risky_change_button"), RiskyChange()),
        ]
    )


def edited_line(copy: Content, name: str, text: str | None) -> str:
    """A line, as a reply to the copy, when the copy itself can't be corrected."""
    if text:
        return copy.text("relay.edited_line", name=name, text=text)
    return copy.text("relay.edited_line_media", name=name)


def gone(copy: Content, sent_at: datetime, name: str) -> str:
    """A held message was deleted before it could be passed on (SENT_AT: sender's time)."""
    return copy.text("relay.gone", time=copy.clock(sent_at), name=name)


def unsent_line(copy: Content, count: int, peer: str) -> str:
    """The line added when messages waiting for PEER's hours were dropped (or nothing)."""
    if count <= 0:
        return ""
    key = "relay.unsent_waiting.one" if count == 1 else "relay.unsent_waiting.many"
    return "\n\n" + copy.text(key, count=count, peer=peer)


def chooser(
    copy: Content, names: Mapping[int, str], message_id: int
) -> tuple[str, InlineKeyboardMarkup]:
    """Who is this message for? One button per person (by match), and Don't send it."""
    lines: list[list[Choice]] = [
        [(copy.button("relay.write_to_button", name=name), WriteTo(match, message_id))]
        for match, name in names.items()
    ]
    lines.append([(copy.button("relay.dont_send_button"), DontSend())])
    return copy.text("relay.choose_recipient"), rows(*lines)
