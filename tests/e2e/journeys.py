"""Steps several journeys share, done the way a person does them: by reading and tapping.

Labels come from content/copy/*.yaml; each helper waits for the bot's answer before the
next tap, with a deadline, never a fixed sleep.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from tests.e2e.emulator import Person

__all__ = [
    "AGREE",
    "HELP_HEADERS",
    "RELATIONSHIP_LABELS",
    "BotBug",
    "always_open",
    "barrier",
    "choose_peer",
    "closed_now",
    "expect",
    "invite",
    "invite_code",
    "is_help",
    "join_with_invite",
    "onboard",
    "onboard_coordinator",
    "onboard_many",
    "plain_of",
    "set_up_profile",
    "tables_holding",
]

AGREE = "That's OK with me"


class BotBug(AssertionError):
    """What a strict xfail test expects to fail with: the bug it documents, not a broken set-up
    (a bot that didn't start fails that test like any other)."""


def expect(condition: object, message: str) -> None:
    """Assert CONDITION in a test marked xfail(raises=BotBug)."""
    if not condition:
        raise BotBug(message)


RELATIONSHIP_LABELS = {
    "parent": "I'm a parent",
    "partner": "My partner",
    "sibling": "brother or sister",
    "child": "I'm their child",
    "friend": "A friend",
    "other": "Someone else",
}
_COPY = Path(__file__).resolve().parents[2] / "content" / "copy"
HELP_HEADERS = tuple(
    text
    for key, text in yaml.safe_load((_COPY / "help.yaml").read_text("utf-8")).items()
    if key != "line"
)
_LINK = re.compile(r"https://t\.me/(?P<bot>[A-Za-z0-9_]+)\?start=(?P<code>[A-Za-z0-9_-]+)")


def plain_of(message: dict[str, Any]) -> str:
    """The text or caption of a message."""
    return str(message.get("text") or message.get("caption") or "")


def is_help(message: dict[str, Any]) -> bool:
    """Whether MESSAGE is a /help answer (its first line is one of the role intros)."""
    return plain_of(message).startswith(HELP_HEADERS)


def barrier(person: Person) -> None:
    """Send /help and wait for its answer: every update before it has been handled.

    /help is the one command that steps out of no conversation, so it disturbs nothing.
    """
    person.send("/help")
    person.wait_for(is_help)


def onboard(
    person: Person,
    role: str = "consumer",
    *,
    relationship: str = "parent",
    alias: str | None = None,
) -> None:
    """/start, consent and role, as a consumer or carer."""
    person.send("/start")
    person.wait_for("Is that OK with you?")
    person.click(AGREE)
    person.wait_for("Which of these fits you best?")
    if role == "consumer":
        person.click("I live with BPD")
    else:
        person.click("I support someone with BPD")
        person.wait_for("Who do you support?")
        person.click(RELATIONSHIP_LABELS[relationship])
    _name(person, alias)


def _name(person: Person, alias: str | None) -> None:
    person.wait_for("What would you like to be called here?")
    if alias is None:
        person.click("Skip")
        person.wait_for("You're all set.")
    else:
        person.send(alias)
        person.wait_for(f"You're all set, {alias}.")


def onboard_many(people: list[Person], *, alias_prefix: str = "Reader") -> None:
    """Onboard many consumers at once, a step for all of them at a time (like a busy day)."""
    for person in people:
        person.send("/start")
    for person in people:
        person.wait_for("Is that OK with you?")
        person.click(AGREE)
    for person in people:
        person.wait_for("Which of these fits you best?")
        person.click("I live with BPD")
    for n, person in enumerate(people):
        person.wait_for("What would you like to be called here?")
        person.send(f"{alias_prefix}{n}")
    for n, person in enumerate(people):
        person.wait_for(f"You're all set, {alias_prefix}{n}.")


def onboard_coordinator(person: Person, alias: str | None = None) -> None:
    """/start for someone listed under `coordinators` in the settings."""
    person.send("/start")
    person.wait_for("Is that OK with you?")
    person.click(AGREE)
    person.wait_for("You've joined as a coordinator")
    _name(person, alias)


def invite_code(text: str, bot_username: str) -> str:
    """The code of the t.me invite link in TEXT, checking the link names this bot."""
    found = _LINK.search(text)
    assert found, f"no invite link in {text!r}"
    assert found["bot"] == bot_username, found.group(0)
    return found["code"]


def invite(coordinator: Person, role_label: str, bot_username: str) -> str:
    """A coordinator's /invite: the code of the single-use link the bot gives them."""
    coordinator.send("/invite")
    coordinator.wait_for("Who would you like to invite?")
    coordinator.click(role_label)
    link = coordinator.wait_for("Here is a single-use invite")
    return invite_code(plain_of(link), bot_username)


def join_with_invite(
    person: Person, code: str, role_name: str, *, alias: str | None = None
) -> None:
    """Open the invite link (/start CODE), consent, and choose a name."""
    person.send(f"/start {code}")
    person.wait_for("Is that OK with you?")
    person.click(AGREE)
    person.wait_for(f"You've joined as a {role_name}.")
    _name(person, alias)


def always_open() -> str:
    """Nominated hours that include every moment of the week."""
    return "Mon-Sun 00:00-24:00"


def closed_now(timezone: str) -> str:
    """Nominated hours one hour long, two days from now, so they don't include now."""
    day = datetime.now(ZoneInfo(timezone)) + timedelta(days=2)
    return f"{day:%a} 10:00-11:00"


def far_hour(timezone: str) -> str:
    """A check-in time offered as a button (07:00-22:00) at least seven hours from now, so a
    daily check-in set in a test never falls due, nor is just missed, while the test runs."""
    now = datetime.now(ZoneInfo(timezone)).hour
    hour = max(range(7, 23), key=lambda h: min((h - now) % 24, (now - h) % 24))
    return f"{hour:02d}:00"


def set_up_profile(
    peer: Person, name: str, hours: str, bio: str = "I like walking, music and a good chat."
) -> None:
    """/profile the first time: a name, a few words, the nominated hours."""
    peer.send("/profile")
    peer.wait_for("What name would you like people to see?")
    peer.send(name)
    peer.wait_for("what would you like people to know about you?")
    peer.send(bio)
    peer.wait_for("When can people reach you?")
    peer.send(hours)
    peer.wait_for("Your profile is ready")


def choose_peer(person: Person, name: str) -> None:
    """On the shortlist, choose NAME (paging with "See others" while they aren't shown)."""
    for _ in range(20):
        try:
            person.find_button(f"Choose {name}", exact=True)
        except AssertionError:
            person.click("See others")
            person.wait_for("Peer workers you could choose")
            continue
        person.click(f"Choose {name}", exact=True)
        person.wait_for(f"We've sent your request to {name}")
        return
    raise AssertionError(f"{name} was never on {person}'s shortlist")


def tables_holding(connection: sqlite3.Connection, value: int) -> dict[str, list[str]]:
    """Every table and column whose value is VALUE or whose text contains it."""
    found: dict[str, list[str]] = {}
    tables = [
        r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    ]
    for table in tables:
        for column in [r[1] for r in connection.execute(f"PRAGMA table_info('{table}')")]:
            hits = connection.execute(
                f'SELECT COUNT(*) FROM "{table}" WHERE "{column}" = ? '
                f'OR CAST("{column}" AS TEXT) LIKE ?',
                (value, f"%{value}%"),
            ).fetchone()[0]
            if hits:
                found.setdefault(table, []).append(column)
    return found
