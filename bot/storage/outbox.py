"""The outbox table: sends that matter, until Telegram has them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.storage.base import StorageBase, personal_table
from bot.storage.core import epoch
from bot.storage.encrypted import encrypted_column

__all__ = ["OutboxRow", "OutboxStore"]

personal_table("outbox", "chat_id", export=False)
encrypted_column("outbox", "payload")


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """One send in the outbox."""

    id: int
    key: str
    chat_id: int
    kind: str
    priority: int
    payload: bytes
    attempts: int
    created_at: datetime


def _ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


class OutboxStore(StorageBase):
    """Claiming, finishing and retrying sends."""

    async def outbox_add(
        self,
        key: str,
        chat_id: int,
        kind: str,
        priority: int,
        payload: bytes,
        now: datetime,
        *,
        due: datetime | None = None,
    ) -> bool:
        """Keep a send (inside the caller's transaction, if any); False if KEY is known."""
        return (
            await self.execute(
                "INSERT INTO outbox "
                "(key, chat_id, kind, priority, payload, next_at_ms, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
                (key, chat_id, kind, priority, payload, _ms(due or now), epoch(now)),
            )
            == 1
        )

    async def outbox_add_taken(
        self,
        key: str,
        chat_id: int,
        kind: str,
        priority: int,
        payload: bytes,
        now: datetime,
        lease_s: int,
    ) -> OutboxRow | None:
        """Keep a send already taken for LEASE_S seconds by the caller, who sends it straight
        after the commit (the worker takes it only if that lease runs out); None if KEY is
        known. One statement: what `outbox_add` and then `outbox_claim` of its key do."""
        rows = await self.write_returning(
            "INSERT INTO outbox "
            "(key, chat_id, kind, priority, payload, next_at_ms, created_at, claimed_until, "
            "attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1) ON CONFLICT (key) DO NOTHING "
            "RETURNING id",
            (
                key,
                chat_id,
                kind,
                priority,
                payload,
                _ms(now),
                epoch(now),
                _ms(now) + lease_s * 1000,
            ),
        )
        if not rows:
            return None
        created = datetime.fromtimestamp(epoch(now), now.tzinfo)
        return OutboxRow(rows[0][0], key, chat_id, kind, priority, payload, 1, created)

    async def outbox_free_leases(self) -> int:
        """At start-up on SQLite, where one process holds the database: free the leases a
        process that died had taken, so what it had in hand goes at the worker's next tick
        rather than when each lease runs out; how many. On PostgreSQL another replica may be
        sending those rows this moment: its leases run out instead."""
        if self.dialect != "sqlite":
            return 0
        return await self.execute(
            "UPDATE outbox SET claimed_until = NULL "
            "WHERE status = 'pending' AND claimed_until IS NOT NULL"
        )

    async def outbox_claim(
        self, now: datetime, lease_s: int, limit: int, keys: tuple[str, ...] = ()
    ) -> list[OutboxRow]:
        """Take due sends (or just KEYS) for LEASE_S seconds, most urgent first."""
        now_ms = _ms(now)
        where = "status = 'pending' AND (claimed_until IS NULL OR claimed_until < ?)"
        params: list[object] = [now_ms]
        if keys:
            where += f" AND key IN ({','.join('?' for _ in keys)})"
            params.extend(keys)
        else:
            where += " AND next_at_ms <= ?"
            params.append(now_ms)
        # One statement (its own transaction): take the rows and say what they were.
        rows = await self.write_returning(
            f"UPDATE outbox SET claimed_until = ?, attempts = attempts + 1 "  # noqa: S608
            f"WHERE id IN (SELECT id FROM outbox WHERE {where} "
            f"ORDER BY priority, next_at_ms, id LIMIT ?) "
            f"RETURNING id, key, chat_id, kind, priority, payload, attempts, created_at, "
            f"next_at_ms",
            (now_ms + lease_s * 1000, *params, limit),
        )
        rows.sort(key=lambda r: (r[4], r[8], r[0]))  # RETURNING keeps no order
        return [
            OutboxRow(
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                bytes(r[5]),
                r[6],
                datetime.fromtimestamp(r[7], now.tzinfo),
            )
            for r in rows
        ]

    async def outbox_done(
        self,
        row_id: int,
        now: datetime,
        *,
        sent: bool,
        message_id: int | None = None,
        error: str | None = None,
    ) -> None:
        """Finish a send: sent, or dropped for good; its content goes either way."""
        await self.execute(
            "UPDATE outbox SET status = ?, payload = NULL, claimed_until = NULL, done_at = ?, "
            "message_id = ?, error = ? WHERE id = ?",
            ("sent" if sent else "dropped", epoch(now), message_id, error, row_id),
        )

    async def outbox_retry(self, row_id: int, due: datetime) -> None:
        """Try a send again at DUE."""
        await self.execute(
            "UPDATE outbox SET next_at_ms = ?, claimed_until = NULL WHERE id = ?",
            (_ms(due), row_id),
        )

    async def outbox_status(self, key: str) -> str | None:
        """'pending', 'sent' or 'dropped' for KEY (None: never kept)."""
        value = await self.fetchval("SELECT status FROM outbox WHERE key = ?", (key,))
        return None if value is None else str(value)

    async def outbox_prune(self, before: datetime, cards_before: datetime | None = None) -> int:
        """Forget finished sends older than BEFORE, and finished crisis cards (which may be
        all that names someone who never said yes) older than CARDS_BEFORE."""
        cards = epoch(cards_before if cards_before is not None else before)
        return await self.execute(
            "DELETE FROM outbox WHERE status != 'pending' AND (done_at < ? OR "
            "(kind = 'card' AND done_at < ?))",
            (epoch(before), cards),
        )
