"""What notes show: pure functions from copy and data to text and keyboards."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from telegram import InlineKeyboardMarkup

from bot.content import Content, Raw
from bot.domain.relay import NOTE_MAX_CHARS, may_share_notes
from bot.keyboards import Choice, pager, rows
from bot.links import menu_row
from flows.relay.notes.callbacks import (
    NoteCancel,
    NoteChoice,
    NoteFor,
    NoteKeepFlagged,
    SharedPeople,
    SharedRead,
)

__all__ = ["Entry", "Sharer", "ask_text", "for_person", "keep_flagged", "page", "people", "which"]

View = tuple[str, InlineKeyboardMarkup | None]


def which(copy: Content, names: Mapping[int, str]) -> View:
    """Who is this note about? One button per person (by match), and Cancel."""
    lines: list[list[Choice]] = [
        [(copy.button("relay.note_for_button", name=name), NoteFor(match))]
        for match, name in names.items()
    ]
    lines.append([(copy.button("relay.note_cancel_button"), NoteCancel())])
    return copy.text("relay.note_which"), rows(*lines)


def ask_text(copy: Content, person: str, model: str) -> str:
    """Write the note: who will see it, and (by MODEL) whether it may be shared."""
    key = "relay.note_ask_integrated" if may_share_notes(model) else "relay.note_ask_complementary"
    return copy.text(key, person=person, limit=NOTE_MAX_CHARS)


def keep_flagged(copy: Content) -> View:
    """The note mentions risk (the crisis card is above it): save it as the note?"""
    return copy.text("relay.note_keep_flagged"), rows(
        [(copy.button("relay.note_keep_flagged_yes"), NoteKeepFlagged(True))],
        [(copy.button("relay.note_keep_flagged_no"), NoteKeepFlagged(False))],
    )


def for_person(
    copy: Content,
    *,
    note_id: int,
    peer: str,
    text: str,
    shared: bool,
    model: str,
    team: bool = True,
) -> View:
    """The note as its person sees it, with their sharing choice where MODEL has one (TEAM:
    someone is on their care team; if not, they hear that nobody reads a shared note yet)."""
    markup = None
    if not may_share_notes(model):
        status = copy.text("relay.note_status_complementary", peer=peer)
    elif shared:
        status = copy.text(
            "relay.note_status_shared" if team else "relay.note_status_shared_no_team"
        )
        markup = rows([(copy.button("relay.note_unshare_button"), NoteChoice(note_id, False))])
    else:
        status = copy.text(
            "relay.note_status_private" if team else "relay.note_status_private_no_team"
        )
        markup = rows(
            [(copy.button("relay.note_share_button"), NoteChoice(note_id, True))],
            [(copy.button("relay.note_keep_button"), NoteChoice(note_id, False))],
        )
    return copy.text("relay.note_to_person", peer=peer, text=text, status=Raw(status)), markup


@dataclass(frozen=True)
class Sharer:
    """Someone who shared notes, as a clinician's list names them."""

    name: str
    count: int
    first_note: int


def people(copy: Content, sharers: Sequence[Sharer], at: int, pages: int) -> View:
    """Whose shared notes to read: one button per person on page AT, and paging."""
    lines = [
        [
            (
                copy.button("relay.notes_person_button", person=s.name, count=s.count),
                SharedRead(s.first_note, 0),
            )
        ]
        for s in sharers
    ]
    lines.append(pager(copy, at, pages, SharedPeople))
    lines.append(menu_row(copy))
    return copy.text("relay.notes_pick_person", page=at + 1, pages=pages), rows(*lines)


@dataclass(frozen=True)
class Entry:
    """One shared note as a clinician reads it (WRITTEN in the reader's time zone)."""

    author: str
    written: datetime
    text: str


def page(
    copy: Content, *, person: str, entries: Sequence[Entry], anchor: int, at: int, pages: int
) -> View:
    """A page of PERSON's shared notes, newest first, with paging and Back to the list."""
    parts = [copy.text("relay.notes_header", person=person, page=at + 1, pages=pages)]
    parts += [
        copy.text(
            "relay.notes_entry", author=e.author, text=e.text, date=copy.day(e.written, year=True)
        )
        for e in entries
    ]
    return "\n\n".join(parts), rows(
        pager(copy, at, pages, lambda p: SharedRead(anchor, p)),
        [(copy.button("relay.people_button"), SharedPeople(0))],
    )
