"""Relay storage: held messages, relayed copies and sends, flood slots, name-label runs,
notes and departures.

No message text is stored: a held message is its id in the sender's own chat, copied when
due, and a send on its way is an outbox row (bot/outbox.py, encrypted) plus what it is here.
Note text arrives here already encrypted and leaves encrypted.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.relay import Departure, Note
from bot.storage.base import StorageBase, personal_table, returned_id
from bot.storage.core import epoch, from_epoch
from bot.storage.retention import delete_in_chunks

__all__ = ["HeldMessage", "RelaySend", "RelayStore"]

# /mydata names the other side by their chosen name only (the relay flow's export hook): a
# raw row never carries another person's Telegram id, nor a message id in their chat.
personal_table("relay_queue", "sender_id", exclude=("recipient_id",))
personal_table("relay_queue", "recipient_id", exclude=("sender_id", "message_id"))
personal_table("relay_copies", "chat_id", export=False)
personal_table("relay_copies", "sender_id", export=False)
personal_table("relay_sends", "sender_id", export=False)
personal_table("relay_sends", "chat_id", export=False)
personal_table("relay_flood", "sender_id", export=False)
# Exported decrypted by the relay flow's export hook; the raw row leaves the ciphertext, the
# writer's Telegram id and the idempotency key out.
personal_table("notes", "person_id", exclude=("body", "author_id", "source"))
personal_table("departures", "peer_id", exclude=("started_by",))
personal_table("departure_people", "peer_id")


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


@dataclass(frozen=True, slots=True)
class RelaySend:
    """A relayed send under outbox key KEY: a copy of SOURCE_ID (None: the name label above
    it) from SENDER_ID into CHAT_ID, for MATCH_ID, first kept at SENT_AT."""

    key: str
    match_id: int
    sender_id: int
    chat_id: int
    source_id: int | None
    sent_at: datetime


def _held(row: Any) -> HeldMessage:
    return HeldMessage(
        id=row["id"],
        match_id=row["match_id"],
        sender_id=row["sender_id"],
        recipient_id=row["recipient_id"],
        message_id=row["message_id"],
        reason=row["reason"],
        sent_at=from_epoch(row["sent_at"]),
        deliver_at=from_epoch(row["deliver_at"]),
    )


def _note(row: Any) -> Note:
    return Note(
        id=row["id"],
        person_id=row["person_id"],
        author_id=row["author_id"],
        match_id=row["match_id"],
        body=bytes(row["body"]),
        shared=bool(row["shared"]),
        decided_at=None if row["decided_at"] is None else from_epoch(row["decided_at"]),
        created_at=from_epoch(row["created_at"]),
    )


class RelayStore(StorageBase):
    """Held messages, relayed copies, flood slots, label runs and encrypted notes."""

    # -- held messages ----------------------------------------------------------------------

    async def hold_message(
        self,
        *,
        match_id: int,
        sender_id: int,
        recipient_id: int,
        message_id: int,
        reason: str,
        sent_at: datetime,
        deliver_at: datetime,
    ) -> int:
        """Keep a message (by its id in the sender's chat) until DELIVER_AT; returns its id."""
        async with self.transaction() as db:
            cur = await db.execute(
                "INSERT INTO relay_queue (match_id, sender_id, recipient_id, message_id, "
                "reason, sent_at, deliver_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    match_id,
                    sender_id,
                    recipient_id,
                    message_id,
                    reason,
                    epoch(sent_at),
                    epoch(deliver_at),
                ),
            )
            held_id = await returned_id(cur)
            await cur.close()
        assert held_id is not None
        return held_id

    async def due_held(
        self, now: datetime, limit: int = 200, match_id: int | None = None
    ) -> list[HeldMessage]:
        """Held messages due by NOW, oldest slot first (optionally for one match)."""
        if match_id is None:
            rows = await self.fetchall(
                "SELECT * FROM relay_queue WHERE deliver_at <= ? ORDER BY deliver_at, id LIMIT ?",
                (epoch(now), limit),
            )
        else:
            rows = await self.fetchall(
                "SELECT * FROM relay_queue WHERE match_id = ? AND deliver_at <= ? "
                "ORDER BY deliver_at, id LIMIT ?",
                (match_id, epoch(now), limit),
            )
        return [_held(r) for r in rows]

    async def held_for_match(
        self, match_id: int, sender_id: int | None = None
    ) -> list[HeldMessage]:
        """Everything still waiting on MATCH_ID (from SENDER_ID, if given), in order."""
        if sender_id is None:
            rows = await self.fetchall(
                "SELECT * FROM relay_queue WHERE match_id = ? ORDER BY deliver_at, id", (match_id,)
            )
        else:
            rows = await self.fetchall(
                "SELECT * FROM relay_queue WHERE match_id = ? AND sender_id = ? "
                "ORDER BY deliver_at, id",
                (match_id, sender_id),
            )
        return [_held(r) for r in rows]

    async def delete_held(self, held_id: int) -> bool:
        """Forget one held message once delivered (or undeliverable); False if already gone."""
        return await self.execute("DELETE FROM relay_queue WHERE id = ?", (held_id,)) > 0

    async def held_from(self, sender_id: int) -> list[HeldMessage]:
        """Everything SENDER_ID has waiting, on any match, in order."""
        rows = await self.fetchall(
            "SELECT * FROM relay_queue WHERE sender_id = ? ORDER BY deliver_at, id", (sender_id,)
        )
        return [_held(r) for r in rows]

    async def is_held(self, sender_id: int, message_id: int) -> bool:
        """Whether SENDER_ID's message MESSAGE_ID is still waiting to be passed on."""
        return (
            await self.fetchval(
                "SELECT 1 FROM relay_queue WHERE sender_id = ? AND message_id = ?",
                (sender_id, message_id),
            )
            is not None
        )

    async def release_held(self, match_ids: Sequence[int], at: datetime) -> int:
        """Let everything waiting on MATCH_IDS go at AT (a peer worker back from leave)."""
        if not match_ids:
            return 0
        marks = ",".join("?" for _ in match_ids)
        return await self.execute(
            f"UPDATE relay_queue SET deliver_at = ? WHERE match_id IN ({marks})",  # noqa: S608
            (epoch(at), *match_ids),
        )

    # -- flood slots ----------------------------------------------------------------------

    async def recent_slots(self, sender_id: int) -> list[datetime]:
        """The delivery slots kept for SENDER_ID's recent messages, oldest first."""
        value = await self.fetchval(
            "SELECT slots FROM relay_flood WHERE sender_id = ?", (sender_id,)
        )
        return [from_epoch(int(s)) for s in json.loads(value)] if value else []

    async def save_slots(self, sender_id: int, slots: Sequence[datetime]) -> None:
        """Replace SENDER_ID's kept slots (the caller keeps only what the window needs), at
        the end of the update being processed (the sender's next message comes after it)."""
        await self.defer(
            "INSERT INTO relay_flood (sender_id, slots) VALUES (?, ?) "
            "ON CONFLICT (sender_id) DO UPDATE SET slots = excluded.slots",
            (sender_id, json.dumps(sorted(epoch(s) for s in slots))),
        )

    async def cap_told_at(self, sender_id: int) -> datetime | None:
        """When SENDER_ID was last told their held messages reached the cap."""
        value = await self.fetchval(
            "SELECT cap_told_at FROM relay_flood WHERE sender_id = ?", (sender_id,)
        )
        return None if value is None else from_epoch(int(value))

    async def mark_cap_told(self, sender_id: int, now: datetime) -> None:
        """Remember that SENDER_ID has just been told about the cap."""
        await self.execute(
            "INSERT INTO relay_flood (sender_id, cap_told_at) VALUES (?, ?) "
            "ON CONFLICT (sender_id) DO UPDATE SET cap_told_at = excluded.cap_told_at",
            (sender_id, epoch(now)),
        )

    # -- relayed sends, through the outbox ------------------------------------------------

    async def keep_relay_sends(self, sends: Sequence[RelaySend]) -> None:
        """Say what the outbox rows SENDS are (inside the caller's transaction), in one
        statement."""
        if not sends:
            return
        rows = ", ".join("(?, ?, ?, ?, ?, ?)" for _ in sends)  # placeholders only
        params: list[Any] = []
        for send in sends:
            params += [
                send.key,
                send.match_id,
                send.sender_id,
                send.chat_id,
                send.source_id,
                epoch(send.sent_at),
            ]
        await self.execute(
            "INSERT INTO relay_sends (key, match_id, sender_id, chat_id, source_id, "  # noqa: S608
            f"sent_at) VALUES {rows} ON CONFLICT (key) DO NOTHING",
            params,
        )

    async def relay_send(self, key: str) -> RelaySend | None:
        """What the relayed send under KEY is, until it is settled."""
        row = await self.fetchone("SELECT * FROM relay_sends WHERE key = ?", (key,))
        if row is None:
            return None
        return RelaySend(
            row["key"],
            row["match_id"],
            row["sender_id"],
            row["chat_id"],
            row["source_id"],
            from_epoch(row["sent_at"]),
        )

    async def forget_relay_send(self, key: str) -> None:
        """Forget the relayed send under KEY (it was given up, and the sender told)."""
        await self.execute("DELETE FROM relay_sends WHERE key = ?", (key,))

    async def settle_relay_sends(
        self, keys: Sequence[str] = (), *, read: bool = True, now: datetime | None = None
    ) -> dict[str, str]:
        """Remember the copies Telegram has taken (of KEYS, or, at NOW, of every send on its
        way, forgetting those given up an hour ago, whose senders were told), so replies and
        edits find them, in one round trip; returns each of KEYS' outbox status ('pending',
        'sent', 'dropped'), unless the caller needn't READ them."""
        marks = ",".join("?" for _ in keys)
        only = f" AND s.key IN ({marks})" if keys else ""
        statements: list[tuple[str, Sequence[Any]]] = [
            (
                "INSERT INTO relay_copies (chat_id, message_id, match_id, "  # noqa: S608
                "sender_id, created_at, source_id) SELECT s.chat_id, o.message_id, s.match_id, "
                "s.sender_id, o.done_at, s.source_id FROM relay_sends s JOIN outbox o "
                f"ON o.key = s.key WHERE o.status = 'sent' AND o.message_id IS NOT NULL{only} "
                "ON CONFLICT DO NOTHING",
                tuple(keys),
            ),
            (
                "DELETE FROM relay_sends AS s WHERE EXISTS (SELECT 1 FROM outbox o "  # noqa: S608
                f"WHERE o.key = s.key AND o.status = 'sent'){only}",
                tuple(keys),
            ),
        ]
        if not keys and now is not None:
            # Sends the outbox gave up on (DeliveryFailed told the sender) or has forgotten.
            statements.append(
                (
                    "DELETE FROM relay_sends AS s WHERE NOT EXISTS (SELECT 1 FROM outbox o "
                    "WHERE o.key = s.key AND (o.status = 'pending' OR (o.status = 'dropped' "
                    "AND o.done_at > ?)))",
                    (epoch(now) - 3600,),
                )
            )
        if keys and not read:
            # The caller knows they went: noted with the rest of the update's writes (a
            # restart before then leaves them to tick:relay, which notes them the same way).
            await self.defer_all(statements)
            return {}
        await self.batch(statements)
        if not keys:
            return {}
        query = f"SELECT key, status FROM outbox WHERE key IN ({marks})"  # noqa: S608
        rows = await self.fetchall(query, tuple(keys))
        return {str(r[0]): str(r[1]) for r in rows}

    async def relay_on_its_way(self, sender_id: int, source_id: int) -> bool:
        """Whether a copy of SENDER_ID's message SOURCE_ID is still on its way."""
        return (
            await self.fetchval(
                "SELECT 1 FROM relay_sends WHERE sender_id = ? AND source_id = ?",
                (sender_id, source_id),
            )
            is not None
        )

    async def take_back(self, key: str, now: datetime) -> bool:
        """Take a kept send back before it goes (nobody is sending it this moment); False if
        it has gone, or is going. Its replacement is kept under a new key."""
        return (
            await self.execute(
                "DELETE FROM outbox WHERE key = ? AND status = 'pending' "
                "AND (claimed_until IS NULL OR claimed_until < ?)",
                (key, int(now.timestamp() * 1000)),
            )
            > 0
        )

    async def waiting_sends(self, chat_id: int, like: str) -> list[str]:
        """Keys (matching the LIKE pattern) of sends to CHAT_ID kept and not yet gone."""
        rows = await self.fetchall(
            "SELECT key FROM outbox WHERE chat_id = ? AND status = 'pending' AND key LIKE ? "
            "ORDER BY id",
            (chat_id, like),
        )
        return [str(r[0]) for r in rows]

    # -- relayed copies -------------------------------------------------------------------

    async def remember_copies(
        self,
        chat_id: int,
        message_ids: Sequence[int],
        match_id: int,
        sender_id: int,
        now: datetime,
        source_id: int | None = None,
    ) -> None:
        """Remember that MESSAGE_IDS in CHAT_ID (a label, then the copy of SENDER_ID's
        SOURCE_ID, last) were relayed for MATCH_ID, in one statement."""
        if not message_ids:
            return
        rows = ", ".join("(?, ?, ?, ?, ?, ?)" for _ in message_ids)  # placeholders only
        params: list[int | None] = []
        for n, message_id in enumerate(message_ids):
            source = source_id if n == len(message_ids) - 1 else None
            params += [chat_id, message_id, match_id, sender_id, epoch(now), source]
        sql = (
            "INSERT INTO relay_copies (chat_id, message_id, match_id, sender_id, "  # noqa: S608
            f"created_at, source_id) VALUES {rows} ON CONFLICT (chat_id, message_id) "
            "DO NOTHING"
        )
        await self.execute(sql, params)

    async def copies_of(self, sender_id: int, source_id: int) -> list[tuple[int, int, int]]:
        """(chat, message, match) of each copy of SENDER_ID's message SOURCE_ID."""
        rows = await self.fetchall(
            "SELECT chat_id, message_id, match_id FROM relay_copies "
            "WHERE sender_id = ? AND source_id = ? ORDER BY created_at",
            (sender_id, source_id),
        )
        return [(int(r[0]), int(r[1]), int(r[2])) for r in rows]

    async def match_for_copy(self, chat_id: int, message_id: int) -> int | None:
        """The match a relayed message in CHAT_ID belongs to, if it is one of ours."""
        value = await self.fetchval(
            "SELECT match_id FROM relay_copies WHERE chat_id = ? AND message_id = ?",
            (chat_id, message_id),
        )
        return None if value is None else int(value)

    async def last_run(self, chat_id: int) -> tuple[int, datetime] | None:
        """(sender, when) of the newest message relayed into CHAT_ID."""
        row = await self.fetchone(
            "SELECT sender_id, created_at FROM relay_copies WHERE chat_id = ? "
            "ORDER BY message_id DESC LIMIT 1",
            (chat_id,),
        )
        return None if row is None else (int(row[0]), from_epoch(row[1]))

    async def person_aliases_for_peer(self, peer_id: int) -> list[tuple[int, str | None]]:
        """(match, the person's chosen name) for each of PEER_ID's active matches."""
        rows = await self.fetchall(
            "SELECT m.id, u.alias FROM matches m JOIN users u ON u.user_id = m.person_id "
            "WHERE m.peer_id = ? AND m.status = 'active' ORDER BY m.id",
            (peer_id,),
        )
        return [(int(r[0]), r[1]) for r in rows]

    async def prune_relay(self, before: datetime) -> tuple[int, int]:
        """Forget relayed copies made before BEFORE (a reply to one is then not threaded, an
        edit of its message arrives as a new message), and sends kept then that are not
        still on their way; returns (copies, sends) removed."""
        copies = await delete_in_chunks(self, "relay_copies", "created_at < ?", (epoch(before),))
        sends = await delete_in_chunks(
            self,
            "relay_sends",
            "sent_at < ? AND NOT EXISTS (SELECT 1 FROM outbox o "
            "WHERE o.key = relay_sends.key AND o.status = 'pending')",
            (epoch(before),),
        )
        return copies, sends

    # -- notes ----------------------------------------------------------------------------

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
        """Store a note (BODY is ciphertext), private until the person decides otherwise;
        (the note, True), or (the note stored before under SOURCE, False): a save that is
        retried never stores it twice."""
        async with self.transaction() as db:
            if source is not None:
                async with db.execute("SELECT id FROM notes WHERE source = ?", (source,)) as cur:
                    row = await cur.fetchone()
                if row is not None:
                    note = await self.get_note(int(row[0]))
                    assert note is not None
                    return note, False
            column, value = self._fresh_id("notes")
            cur = await db.execute(
                f"INSERT INTO notes ({column}person_id, author_id, match_id, body, created_at, "  # noqa: S608
                f"source) VALUES ({value}?, ?, ?, ?, ?, ?) RETURNING id",
                (person_id, author_id, match_id, body, epoch(now), source),
            )
            note_id = await returned_id(cur)
            await cur.close()
            note = await self.get_note(int(note_id or 0))
        assert note is not None
        return note, True

    async def get_note(self, note_id: int) -> Note | None:
        """One note, if it exists."""
        row = await self.fetchone("SELECT * FROM notes WHERE id = ?", (note_id,))
        return None if row is None else _note(row)

    async def notes_about(self, person_id: int) -> list[Note]:
        """Every note about PERSON_ID, oldest first."""
        rows = await self.fetchall(
            "SELECT * FROM notes WHERE person_id = ? ORDER BY created_at, id", (person_id,)
        )
        return [_note(r) for r in rows]

    async def set_note_shared(
        self, note_id: int, person_id: int, shared: bool, now: datetime
    ) -> Note | None:
        """The person's choice for one of their notes; None if it isn't theirs."""
        changed = await self.execute(
            "UPDATE notes SET shared = ?, decided_at = ? WHERE id = ? AND person_id = ?",
            (int(shared), epoch(now), note_id, person_id),
        )
        return await self.get_note(note_id) if changed else None

    async def people_with_shared_notes(self) -> list[tuple[int, int, int]]:
        """(person, how many shared notes, first shared note's id) for everyone with at
        least one shared note, most recently written first."""
        rows = await self.fetchall(
            "SELECT person_id, COUNT(*) AS n, MIN(id) AS first_id, MAX(created_at) AS latest "
            "FROM notes WHERE shared = 1 GROUP BY person_id ORDER BY latest DESC, person_id"
        )
        return [(int(r["person_id"]), int(r["n"]), int(r["first_id"])) for r in rows]

    # -- departures ------------------------------------------------------------------------

    async def start_departure(
        self, peer_id: int, kind: str, by: int | None, now: datetime
    ) -> Departure:
        """Record that PEER_ID is going on leave or leaving (a later 'leaving' replaces a
        'leave', keeping what was chosen)."""
        await self.execute(
            "INSERT INTO departures (peer_id, kind, started_at, started_by) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (peer_id) DO UPDATE SET kind = excluded.kind",
            (peer_id, kind, epoch(now), by),
        )
        departure = await self.get_departure(peer_id)
        assert departure is not None
        return departure

    async def get_departure(self, peer_id: int) -> Departure | None:
        """PEER_ID's leave or leaving, with what was chosen for each person."""
        row = await self.fetchone("SELECT * FROM departures WHERE peer_id = ?", (peer_id,))
        if row is None:
            return None
        choices = await self.fetchall(
            "SELECT match_id, choice FROM departure_people WHERE peer_id = ?", (peer_id,)
        )
        return Departure(
            int(row["peer_id"]),
            str(row["kind"]),
            from_epoch(row["started_at"]),
            row["started_by"],
            {int(c[0]): str(c[1]) for c in choices},
        )

    async def choose_for(self, peer_id: int, match_id: int, choice: str, now: datetime) -> None:
        """While PEER_ID is away, CHOICE ('handover', 'pause') for the person of MATCH_ID."""
        await self.execute(
            "INSERT INTO departure_people (match_id, peer_id, choice, decided_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (match_id) DO UPDATE SET choice = excluded.choice, "
            "decided_at = excluded.decided_at",
            (match_id, peer_id, choice, epoch(now)),
        )

    async def paused_for_leave(self, match_id: int) -> bool:
        """Whether the person of MATCH_ID waits for their peer worker's return from leave."""
        return (
            await self.fetchval(
                "SELECT 1 FROM departure_people p JOIN departures d ON d.peer_id = p.peer_id "
                "WHERE p.match_id = ? AND p.choice = 'pause' AND d.kind = 'leave'",
                (match_id,),
            )
            is not None
        )

    async def end_departure(self, peer_id: int) -> bool:
        """PEER_ID is back, or has gone: forget their departure and its choices."""
        return await self.execute("DELETE FROM departures WHERE peer_id = ?", (peer_id,)) > 0

    async def people_left_without(self, since: datetime) -> int:
        """People whose match a peer worker's side ended since SINCE (they did not choose
        it) and who have no request or match now: a count, never who."""
        return int(
            await self.fetchval(
                "SELECT COUNT(DISTINCT m.person_id) FROM matches m WHERE m.status = 'ended' "
                "AND m.ended_at >= ? AND m.ended_by IN ('peer', 'coordinator') AND NOT EXISTS "
                "(SELECT 1 FROM matches l WHERE l.person_id = m.person_id "
                "AND l.status IN ('requested', 'active'))",
                (epoch(since),),
            )
            or 0
        )

    # -- matches, as the relay's coordinator views need them ----------------------------------

    async def active_pairs(self) -> list[tuple[int, int, int]]:
        """(match, person, peer) for every active match, oldest first."""
        rows = await self.fetchall(
            "SELECT id, person_id, peer_id FROM matches WHERE status = 'active' "
            "ORDER BY COALESCE(accepted_at, requested_at), id"
        )
        return [(int(r[0]), int(r[1]), int(r[2])) for r in rows]
