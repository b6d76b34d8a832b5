"""Relay storage: held messages, relayed copies, flood slots, name-label runs, notes.

No message text is stored: a held message is its id in the sender's own chat, copied when
due. Note text arrives here already encrypted and leaves encrypted.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.relay import Note
from bot.storage.base import StorageBase, personal_table
from bot.storage.core import epoch, from_epoch

__all__ = ["HeldMessage", "RelayStore"]

personal_table("relay_queue", "sender_id")
personal_table("relay_queue", "recipient_id")
personal_table("relay_copies", "chat_id", export=False)
personal_table("relay_copies", "sender_id", export=False)
personal_table("relay_flood", "sender_id", export=False)
# Exported decrypted by the relay flow's export hook; the raw row leaves the ciphertext out.
personal_table("notes", "person_id", exclude=("body",))


@dataclass(frozen=True, slots=True)
class HeldMessage:
    """A message waiting for its delivery slot (the recipient's hours, or the flood limit)."""

    id: int
    match_id: int
    sender_id: int
    recipient_id: int
    message_id: int
    reason: str  # 'hours' or 'flood'
    sent_at: datetime
    deliver_at: datetime


def _held(row: Any) -> HeldMessage:
    return HeldMessage(
        id=row["id"], match_id=row["match_id"], sender_id=row["sender_id"],
        recipient_id=row["recipient_id"], message_id=row["message_id"], reason=row["reason"],
        sent_at=from_epoch(row["sent_at"]), deliver_at=from_epoch(row["deliver_at"]),
    )


def _note(row: Any) -> Note:
    return Note(
        id=row["id"], person_id=row["person_id"], author_id=row["author_id"],
        match_id=row["match_id"], body=bytes(row["body"]), shared=bool(row["shared"]),
        decided_at=None if row["decided_at"] is None else from_epoch(row["decided_at"]),
        created_at=from_epoch(row["created_at"]),
    )


class RelayStore(StorageBase):
    """Held messages, relayed copies, flood slots, label runs and encrypted notes."""

    # -- held messages ----------------------------------------------------------------------

    async def hold_message(self, *, match_id: int, sender_id: int, recipient_id: int,
                           message_id: int, reason: str, sent_at: datetime,
                           deliver_at: datetime) -> int:
        """Keep a message (by its id in the sender's chat) until DELIVER_AT; returns its id."""
        async with self.transaction() as db:
            cur = await db.execute(
                "INSERT INTO relay_queue (match_id, sender_id, recipient_id, message_id, "
                "reason, sent_at, deliver_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (match_id, sender_id, recipient_id, message_id, reason, epoch(sent_at),
                 epoch(deliver_at)),
            )
            held_id = cur.lastrowid
            await cur.close()
        assert held_id is not None
        return held_id

    async def due_held(self, now: datetime, limit: int = 200,
                       match_id: int | None = None) -> list[HeldMessage]:
        """Held messages due by NOW, oldest slot first (optionally for one match)."""
        if match_id is None:
            rows = await self.fetchall(
                "SELECT * FROM relay_queue WHERE deliver_at <= ? ORDER BY deliver_at, id "
                "LIMIT ?", (epoch(now), limit))
        else:
            rows = await self.fetchall(
                "SELECT * FROM relay_queue WHERE match_id = ? AND deliver_at <= ? "
                "ORDER BY deliver_at, id LIMIT ?", (match_id, epoch(now), limit))
        return [_held(r) for r in rows]

    async def held_for_match(self, match_id: int, sender_id: int | None = None
                             ) -> list[HeldMessage]:
        """Everything still waiting on MATCH_ID (from SENDER_ID, if given), in order."""
        if sender_id is None:
            rows = await self.fetchall(
                "SELECT * FROM relay_queue WHERE match_id = ? ORDER BY deliver_at, id",
                (match_id,))
        else:
            rows = await self.fetchall(
                "SELECT * FROM relay_queue WHERE match_id = ? AND sender_id = ? "
                "ORDER BY deliver_at, id", (match_id, sender_id))
        return [_held(r) for r in rows]

    async def delete_held(self, held_id: int) -> bool:
        """Forget one held message once delivered (or undeliverable); False if already gone."""
        return await self.execute("DELETE FROM relay_queue WHERE id = ?", (held_id,)) > 0

    # -- flood slots ----------------------------------------------------------------------

    async def recent_slots(self, sender_id: int) -> list[datetime]:
        """The delivery slots kept for SENDER_ID's recent messages, oldest first."""
        value = await self.fetchval("SELECT slots FROM relay_flood WHERE sender_id = ?",
                                    (sender_id,))
        return [from_epoch(int(s)) for s in json.loads(value)] if value else []

    async def save_slots(self, sender_id: int, slots: Sequence[datetime]) -> None:
        """Replace SENDER_ID's kept slots (the caller keeps only what the window needs)."""
        await self.execute(
            "INSERT INTO relay_flood (sender_id, slots) VALUES (?, ?) "
            "ON CONFLICT (sender_id) DO UPDATE SET slots = excluded.slots",
            (sender_id, json.dumps(sorted(epoch(s) for s in slots))))

    # -- relayed copies -------------------------------------------------------------------

    async def remember_copies(self, chat_id: int, message_ids: Sequence[int], match_id: int,
                              sender_id: int, now: datetime) -> None:
        """Remember that MESSAGE_IDS in CHAT_ID (a copy and its label) were relayed from
        SENDER_ID for MATCH_ID, in one statement."""
        if not message_ids:
            return
        rows = ", ".join("(?, ?, ?, ?, ?)" for _ in message_ids)  # placeholders only
        params: list[int] = []
        for message_id in message_ids:
            params += [chat_id, message_id, match_id, sender_id, epoch(now)]
        sql = ("INSERT INTO relay_copies (chat_id, message_id, match_id, sender_id, "  # noqa: S608
               f"created_at) VALUES {rows} ON CONFLICT (chat_id, message_id) DO NOTHING")
        await self.execute(sql, params)

    async def match_for_copy(self, chat_id: int, message_id: int) -> int | None:
        """The match a relayed message in CHAT_ID belongs to, if it is one of ours."""
        value = await self.fetchval(
            "SELECT match_id FROM relay_copies WHERE chat_id = ? AND message_id = ?",
            (chat_id, message_id))
        return None if value is None else int(value)

    async def last_run(self, chat_id: int) -> tuple[int, datetime] | None:
        """(sender, when) of the newest message relayed into CHAT_ID."""
        row = await self.fetchone(
            "SELECT sender_id, created_at FROM relay_copies WHERE chat_id = ? "
            "ORDER BY message_id DESC LIMIT 1", (chat_id,))
        return None if row is None else (int(row[0]), from_epoch(row[1]))

    async def person_aliases_for_peer(self, peer_id: int) -> list[tuple[int, str | None]]:
        """(match, the person's chosen name) for each of PEER_ID's active matches."""
        rows = await self.fetchall(
            "SELECT m.id, u.alias FROM matches m JOIN users u ON u.user_id = m.person_id "
            "WHERE m.peer_id = ? AND m.status = 'active' ORDER BY m.id", (peer_id,))
        return [(int(r[0]), r[1]) for r in rows]

    # -- notes ----------------------------------------------------------------------------

    async def add_note(self, *, person_id: int, author_id: int, match_id: int | None,
                       body: bytes, now: datetime) -> Note:
        """Store a note (BODY is ciphertext); private until the person decides otherwise."""
        async with self.transaction() as db:
            cur = await db.execute(
                "INSERT INTO notes (person_id, author_id, match_id, body, created_at) "
                "VALUES (?, ?, ?, ?, ?)", (person_id, author_id, match_id, body, epoch(now)))
            note_id = cur.lastrowid
            await cur.close()
        note = await self.get_note(int(note_id or 0))
        assert note is not None
        return note

    async def get_note(self, note_id: int) -> Note | None:
        """One note, if it exists."""
        row = await self.fetchone("SELECT * FROM notes WHERE id = ?", (note_id,))
        return None if row is None else _note(row)

    async def notes_about(self, person_id: int) -> list[Note]:
        """Every note about PERSON_ID, oldest first."""
        rows = await self.fetchall(
            "SELECT * FROM notes WHERE person_id = ? ORDER BY created_at, id", (person_id,))
        return [_note(r) for r in rows]

    async def set_note_shared(self, note_id: int, person_id: int, shared: bool,
                              now: datetime) -> Note | None:
        """The person's choice for one of their notes; None if it isn't theirs."""
        changed = await self.execute(
            "UPDATE notes SET shared = ?, decided_at = ? WHERE id = ? AND person_id = ?",
            (int(shared), epoch(now), note_id, person_id))
        return await self.get_note(note_id) if changed else None

    async def people_with_shared_notes(self) -> list[tuple[int, int, int]]:
        """(person, how many shared notes, first shared note's id) for everyone with at
        least one shared note, most recently written first."""
        rows = await self.fetchall(
            "SELECT person_id, COUNT(*) AS n, MIN(id) AS first_id, MAX(created_at) AS latest "
            "FROM notes WHERE shared = 1 GROUP BY person_id ORDER BY latest DESC, person_id")
        return [(int(r["person_id"]), int(r["n"]), int(r["first_id"])) for r in rows]

    # -- matches, as the relay's coordinator views need them ----------------------------------

    async def active_pairs(self) -> list[tuple[int, int, int]]:
        """(match, person, peer) for every active match, oldest first."""
        rows = await self.fetchall(
            "SELECT id, person_id, peer_id FROM matches WHERE status = 'active' "
            "ORDER BY accepted_at, id")
        return [(int(r[0]), int(r[1]), int(r[2])) for r in rows]

