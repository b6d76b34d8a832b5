"""Notes (study Table 2): a peer worker writes one about a person they support; the person sees
every note about them and, in the integrated model, chooses per note whether the clinical
team may read it. Text is encrypted before it is stored and never kept anywhere else.

A note is stored once per message (or press) that saves it, with the copy the person gets
kept in the outbox in the same transaction (WITHIN): a save that fails and is tried again
never stores it twice, and the person's copy is never lost between the two."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bot.domain.matching import Match
from bot.domain.relay import (
    NOTE_MAX_CHARS,
    Note,
    clean_note,
    clinicians_exist,
    may_read_note,
    may_share_notes,
    visible_notes,
)
from bot.services.events import DomainError

__all__ = [
    "NoteInvalid",
    "NoteMatchEnded",
    "NoteStore",
    "NotesNotShared",
    "Reading",
    "Sealer",
    "SharedBy",
    "check",
    "choose",
    "people_sharing",
    "reading",
    "write",
]


class NoteStore(Protocol):
    """The storage notes need (the relay area's)."""

    def transaction(self) -> AbstractAsyncContextManager[Any]:
        """Several writes as one (a nested one joins it)."""
        ...

    async def get_match(self, match_id: int) -> Match | None:
        """One match."""
        ...

    async def add_note(
        self,
        *,
        person_id: int,
        author_id: int,
        match_id: int | None,
        body: bytes,
        now: datetime,
        source: str | None = None,
    ) -> tuple[Note, bool]:
        """Store a note (BODY is ciphertext) once per SOURCE; whether it is new."""
        ...

    async def get_note(self, note_id: int) -> Note | None:
        """One note."""
        ...

    async def notes_about(self, person_id: int) -> list[Note]:
        """Every note about PERSON_ID, oldest first."""
        ...

    async def set_note_shared(
        self, note_id: int, person_id: int, shared: bool, now: datetime
    ) -> Note | None:
        """The person's choice for one of their notes; None if it isn't theirs."""
        ...

    async def people_with_shared_notes(self) -> list[tuple[int, int, int]]:
        """(person, shared notes, first shared note) for everyone sharing any."""
        ...

    async def bump_counter(self, name: str, day: str, region: str = "", by: int = 1) -> None:
        """Add to a daily count."""
        ...

    async def care_team_people(self, clinician_id: int) -> set[int]:
        """The people whose care team CLINICIAN_ID is on."""
        ...

    async def on_care_team(self, person_id: int, clinician_id: int) -> bool:
        """Whether CLINICIAN_ID is on PERSON_ID's care team now."""
        ...

    async def log_note_read(
        self,
        *,
        person_id: int,
        reader_id: int,
        reader_role: str,
        reader_name: str,
        notes: int,
        now: datetime,
    ) -> None:
        """Keep one staff read of PERSON_ID's notes in their access log."""
        ...


class Sealer(Protocol):
    """Encryption for text at rest."""

    def encrypt(self, text: str) -> bytes:
        """TEXT as ciphertext."""
        ...


class NoteInvalid(DomainError):
    """Empty, or longer than a note may be."""

    def __init__(self) -> None:
        super().__init__("relay.note_invalid", limit=NOTE_MAX_CHARS)


class NoteMatchEnded(DomainError):
    """The match the note was for has ended (or isn't the writer's)."""

    def __init__(self) -> None:
        super().__init__("relay.note_ended")


class NotesNotShared(DomainError):
    """The complementary model: notes are never shared, and there are no clinicians."""

    def __init__(self) -> None:
        super().__init__("relay.notes_complementary")


def check(text: str) -> str:
    """TEXT tidied as a note, or NoteInvalid."""
    cleaned = clean_note(text)
    if cleaned is None:
        raise NoteInvalid
    return cleaned


async def write(
    store: NoteStore,
    cipher: Sealer,
    *,
    match_id: int,
    author_id: int,
    text: str,
    now: datetime,
    day: str,
    source: str | None = None,
    within: Callable[[Match, Note], Awaitable[None]] | None = None,
) -> tuple[Match, Note]:
    """Store AUTHOR_ID's note (already checked) about the person of their active match
    MATCH_ID, encrypted, private until the person decides otherwise; once per SOURCE (the
    message or press that saves it), with WITHIN (the person's copy kept to send) in the
    same transaction."""
    match = await store.get_match(match_id)
    if match is None or match.peer_id != author_id or match.status != "active":
        raise NoteMatchEnded
    async with store.transaction():
        note, new = await store.add_note(
            person_id=match.person_id,
            author_id=author_id,
            match_id=match.id,
            body=cipher.encrypt(text),
            now=now,
            source=source,
        )
        if new:
            await store.bump_counter("note_written", day)
            if within is not None:
                await within(match, note)
    return match, note


async def choose(
    store: NoteStore,
    *,
    note_id: int,
    person_id: int,
    share: bool,
    model: str,
    now: datetime,
    day: str,
) -> Note | None:
    """The person's choice for one note about them; None if it isn't theirs, or sharing
    isn't part of MODEL."""
    if share and not may_share_notes(model):
        return None
    note = await store.set_note_shared(note_id, person_id, share, now)
    if note is not None and share:
        await store.bump_counter("note_shared", day)
    return note


@dataclass(frozen=True)
class SharedBy:
    """Someone who shared notes: how many, and their first shared note (which names them in
    buttons, never their Telegram id)."""

    person_id: int
    count: int
    first_note: int


async def people_sharing(store: NoteStore, model: str, viewer_id: int) -> list[SharedBy]:
    """Everyone sharing at least one note whose care team clinician VIEWER_ID is on, latest
    first."""
    if not clinicians_exist(model):
        raise NotesNotShared
    team = await store.care_team_people(viewer_id)
    return [SharedBy(*row) for row in await store.people_with_shared_notes() if row[0] in team]


@dataclass(frozen=True)
class Reading:
    """The notes a clinician may read about one person, oldest first."""

    person_id: int
    notes: Sequence[Note]


async def reading(
    store: NoteStore, *, anchor: int, viewer_id: int, viewer_name: str, model: str, now: datetime
) -> Reading | None:
    """The shared notes about the person whose note ANCHOR is, as clinician VIEWER_ID may
    read them, kept in that person's access log before they are shown; None if VIEWER_ID
    may not read ANCHOR itself, or isn't on the person's care team (so a refusal looks like
    a missing note, and no name is revealed)."""
    if not clinicians_exist(model):
        raise NotesNotShared
    note = await store.get_note(anchor)
    if (
        note is None
        or not note.shared
        or not may_read_note(note, viewer_id, "clinician", model)
        or not await store.on_care_team(note.person_id, viewer_id)
    ):
        return None
    notes = visible_notes(await store.notes_about(note.person_id), viewer_id, "clinician", model)
    await store.log_note_read(
        person_id=note.person_id,
        reader_id=viewer_id,
        reader_role="clinician",
        reader_name=viewer_name,
        notes=len(notes),
        now=now,
    )
    return Reading(note.person_id, notes)
