"""Supervision requests from peer workers to coordinators (DESIGN rule 6), as data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["NOTE_LIMIT", "URGENCIES", "SupervisionRequest", "Urgency"]

Urgency = Literal["today", "week", "whenever"]
URGENCIES: tuple[Urgency, ...] = ("today", "week", "whenever")
#: A note longer than this waits for the conversation itself.
NOTE_LIMIT = 500


@dataclass(frozen=True, slots=True)
class SupervisionRequest:
    """One request: who asked, how soon, the encrypted note, and who took it."""

    id: int
    peer_id: int
    urgency: str
    note: bytes | None
    created_at: int
    taken_by: int | None
    taken_at: int | None
