"""Notes (study Table 2): /note for peer workers, the person's choice per note, and /notes for
clinicians in the integrated model. State: flows/relay/notes/notes.mmd"""

from __future__ import annotations

from bot.domain.roles import PEER_ROLES, PEOPLE_ROLES
from bot.routing import ANY_ROLE, Button, Command, Route, Step
from flows.relay.notes.callbacks import (
    NoteCancel,
    NoteChoice,
    NoteFor,
    NoteKeepFlagged,
    SharedPeople,
    SharedRead,
)
from flows.relay.notes.handlers import PICK, WRITE, Handlers, exporter

__all__ = ["exporter", "routes"]

PEERS, PEOPLE = frozenset(PEER_ROLES), frozenset(PEOPLE_ROLES)
CLINICIANS = frozenset({"clinician"})


def routes() -> list[Route]:
    """Notes' part of the relay's route table."""
    h = Handlers()
    return [
        Command("note", h.note, roles=PEERS, menu="commands.note"),
        Step(PICK, ask=h.ask_who, on_text=h.typed_before_choosing),
        Button(NoteFor, h.on_for, roles=PEERS),
        Button(NoteCancel, h.on_cancel, roles=PEERS),
        Step(WRITE, ask=h.ask_note, on_text=h.on_text, on_other=h.not_text, on_flagged=h.flagged),
        Button(NoteKeepFlagged, h.on_keep_flagged, roles=PEERS),
        Button(NoteChoice, h.on_choice, roles=PEOPLE),
        Command("notes", h.notes, roles=ANY_ROLE, menu="commands.notes", listed=CLINICIANS),
        Button(SharedPeople, h.on_people, roles=CLINICIANS),
        Button(SharedRead, h.on_read, roles=CLINICIANS),
    ]
