"""Notes' buttons: whom a note is about, the person's sharing choice, clinicians reading.
People are named by a note or match id, never by their Telegram id."""

from __future__ import annotations

from dataclasses import dataclass

from bot.callbacks import callback

__all__ = ["NoteCancel", "NoteChoice", "NoteFor", "NoteKeepFlagged", "SharedPeople", "SharedRead"]


@callback("nt.for")
@dataclass(frozen=True, slots=True)
class NoteFor:
    """The note is about the person of MATCH."""

    match: int


@callback("nt.cancel")
@dataclass(frozen=True, slots=True)
class NoteCancel:
    """Write no note after all."""


@callback("nt.flag")
@dataclass(frozen=True, slots=True)
class NoteKeepFlagged:
    """Whether to save, as the note, words the safety net flagged."""

    keep: bool


@callback("nt.share")
@dataclass(frozen=True, slots=True)
class NoteChoice:
    """The person shares NOTE with their clinical team (or keeps it private)."""

    note: int
    share: bool


@callback("nt.people")
@dataclass(frozen=True, slots=True)
class SharedPeople:
    """A clinician's list of people who shared notes, page PAGE."""

    page: int


@callback("nt.read")
@dataclass(frozen=True, slots=True)
class SharedRead:
    """A clinician reads the shared notes of the person whose note ANCHOR is, page PAGE."""

    anchor: int
    page: int
