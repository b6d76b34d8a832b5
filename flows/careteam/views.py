"""What care teams show: pure functions from copy and data to text and keyboards."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from telegram import InlineKeyboardMarkup

from bot.content import Content
from bot.keyboards import Choice, rows
from bot.links import RunCommand
from flows.careteam.callbacks import CareTeamAnswer, CareTeamRemove, CareTeamRemoveSure

__all__ = ["LOG_SHOWN", "Member", "Read", "ask", "link_made", "remove_question", "team"]

View = tuple[str, InlineKeyboardMarkup | None]
#: Reads shown on the care-team screen; /mydata has them all.
LOG_SHOWN = 10


def link_made(copy: Content, *, link: str, expires: datetime, on_teams: int) -> str:
    """The clinician's new link, what it does, until when it works (their local time)."""
    text = copy.text("careteam.link_made", link=link, expires=copy.when(expires))
    if on_teams:
        text += "\n\n" + copy.count("careteam.on_teams", on_teams)
    return text


def ask(copy: Content, *, link: int, name: str) -> View:
    """Add NAME to your care team? What they will read, and that it can be undone."""
    return copy.text("careteam.ask", name=name), rows(
        [(copy.button("careteam.accept_button", name=name), CareTeamAnswer(link, True))],
        [(copy.button("careteam.decline_button"), CareTeamAnswer(link, False))],
    )


@dataclass(frozen=True)
class Member:
    """A clinician on the person's care team (SINCE in the person's time zone)."""

    id: int
    name: str
    since: datetime


@dataclass(frozen=True)
class Read:
    """One read of the person's notes (WHEN in the person's time zone)."""

    name: str
    role: str
    when: datetime
    notes: int


def team(
    copy: Content, members: Sequence[Member], reads: Sequence[Read], *, first: str | None = None
) -> View:
    """The person's care team, who read their notes and when (newest first, LOG_SHOWN of
    them), a Remove button per clinician and Back to settings (FIRST: a line above it all)."""
    parts = [first] if first else []
    parts.append(copy.text("careteam.team_title"))
    if members:
        parts.append(copy.text("careteam.team_intro"))
        parts.append(
            "\n".join(
                copy.text("careteam.team_member", name=m.name, day=copy.day(m.since, year=True))
                for m in members
            )
        )
    else:
        parts.append(copy.text("careteam.team_none"))
    parts.append(copy.text("careteam.reads_title"))
    if reads:
        lines = [
            copy.text(
                "careteam.read_entry",
                name=r.name,
                role=copy.button(f"careteam.role.{r.role}")
                if copy.has(f"careteam.role.{r.role}")
                else r.role,
                when=copy.when(r.when),
                notes=copy.count("careteam.read_notes", r.notes),
            )
            for r in reads[:LOG_SHOWN]
        ]
        if len(reads) > LOG_SHOWN:
            lines.append(copy.text("careteam.reads_more", count=len(reads) - LOG_SHOWN))
        parts.append("\n".join(lines))
    else:
        parts.append(copy.text("careteam.reads_none"))
    buttons: list[list[Choice]] = [
        [(copy.button("careteam.remove_button", name=m.name), CareTeamRemove(m.id))]
        for m in members
    ]
    buttons.append([(copy.button("careteam.back_to_settings"), RunCommand("settings"))])
    return "\n\n".join(parts), rows(*buttons)


def remove_question(copy: Content, *, member: int, name: str) -> View:
    """Remove NAME? They read nothing more from now on; they aren't told."""
    return copy.text("careteam.remove_ask", name=name), rows(
        [(copy.button("careteam.remove_yes", name=name), CareTeamRemoveSure(member, True))],
        [(copy.button("careteam.remove_no"), CareTeamRemoveSure(member, False))],
    )
