"""Coordinator broadcasts and their outbox: one row per recipient, written before sending.

A broadcast is the service's, not its author's: erasing the coordinator who wrote it (or
stopped it) leaves it going, with that id set to NULL by the database (migration 0016), so
`broadcasts` is not one of the tables /delete empties. /mydata shows a coordinator the
broadcasts they wrote through the broadcast flow's own export.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.storage.base import StorageBase, personal_table, returned_id
from bot.storage.core import epoch
from bot.storage.retention import delete_in_chunks

__all__ = ["Broadcast", "BroadcastStore"]

personal_table("broadcast_outbox", "user_id")

OUTCOMES = ("delivered", "blocked", "failed", "not_sent")


@dataclass(frozen=True, slots=True)
class Broadcast:
    """One announcement and where it has got to."""

    broadcast_id: int
    created_by: int | None  # None once its author has erased their data
    audience: str
    group_id: int | None
    text: str
    photo: str | None
    status: str  # sending, cancelled, done
    total: int
    progress_message_id: int | None
    progress_at: int
    created_at: int
    finished_at: int | None
    stopped_by: int | None = None  # the coordinator who stopped it (None: nobody, or erased)
    stopped_at: int | None = None

    @property
    def finished(self) -> bool:
        """Whether sending has ended and the report was given."""
        return self.finished_at is not None


def _broadcast(row: Any) -> Broadcast:
    return Broadcast(
        broadcast_id=row["id"],
        created_by=row["created_by"],
        audience=row["audience"],
        group_id=row["group_id"],
        text=row["text"],
        photo=row["photo"],
        status=row["status"],
        total=row["total"],
        progress_message_id=row["progress_message_id"],
        progress_at=row["progress_at"],
        created_at=row["created_at"],
        finished_at=row["finished_at"],
        stopped_by=row["stopped_by"],
        stopped_at=row["stopped_at"],
    )


class BroadcastStore(StorageBase):
    """Broadcasts and their outbox."""

    async def create_broadcast(
        self,
        created_by: int,
        audience: str,
        group_id: int | None,
        text: str,
        photo: str | None,
        recipients: Sequence[int],
        now: datetime,
    ) -> int:
        """Store a broadcast and one pending outbox row per recipient, all at once."""
        ts = epoch(now)
        unique = list(dict.fromkeys(recipients))
        async with self.transaction() as db:
            cur = await db.execute(
                "INSERT INTO broadcasts (created_by, audience, group_id, text, photo, status, "
                "total, created_at) VALUES (?, ?, ?, ?, ?, 'sending', ?, ?) RETURNING id",
                (created_by, audience, group_id, text, photo, len(unique), ts),
            )
            broadcast_id = await returned_id(cur)
            await cur.close()
            await db.executemany(
                "INSERT INTO broadcast_outbox (broadcast_id, user_id, seq, updated_at) "
                "VALUES (?, ?, ?, ?)",
                [(broadcast_id, uid, seq, ts) for seq, uid in enumerate(unique)],
            )
        assert broadcast_id is not None
        return int(broadcast_id)

    async def get_broadcast(self, broadcast_id: int) -> Broadcast | None:
        """One broadcast."""
        row = await self.fetchone("SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,))
        return None if row is None else _broadcast(row)

    async def broadcasts_sending(self) -> list[Broadcast]:
        """Broadcasts still being sent, oldest first."""
        rows = await self.fetchall("SELECT * FROM broadcasts WHERE status = 'sending' ORDER BY id")
        return [_broadcast(r) for r in rows]

    async def broadcasts_to_report(self) -> list[Broadcast]:
        """Cancelled broadcasts whose report has not been given yet."""
        rows = await self.fetchall(
            "SELECT * FROM broadcasts WHERE status = 'cancelled' AND finished_at IS NULL "
            "ORDER BY id"
        )
        return [_broadcast(r) for r in rows]

    async def set_progress(self, broadcast_id: int, message_id: int | None, at: datetime) -> None:
        """Remember the progress message and when it was last edited."""
        await self.execute(
            "UPDATE broadcasts SET progress_message_id = COALESCE(?, progress_message_id), "
            "progress_at = ? WHERE id = ?",
            (message_id, epoch(at), broadcast_id),
        )

    async def requeue_unconfirmed(self) -> int:
        """Put rows left 'sending' by a crash back to pending; returns how many.

        Only a hard crash leaves them: a graceful stop waits for sends in flight and records
        them. Telegram has no idempotency key, so a row whose send was in flight at the crash
        is sent again (at most the sends in flight plus one unwritten batch): a duplicate
        announcement is kinder than a missed one.
        """
        return await self.execute(
            "UPDATE broadcast_outbox SET status = 'pending' WHERE status = 'sending'"
        )

    async def claim_outbox(
        self, broadcast_id: int, limit: int, now: datetime
    ) -> list[tuple[int, int]]:
        """Take up to LIMIT pending recipients, in order, marking them 'sending'.

        Returns (user id, attempts including this one) for each.
        """
        async with self.transaction() as db:
            async with db.execute(
                "SELECT user_id, attempts FROM broadcast_outbox WHERE broadcast_id = ? AND "
                "status = 'pending' ORDER BY seq LIMIT ?",
                (broadcast_id, limit),
            ) as cur:
                rows = [(r[0], r[1] + 1) for r in await cur.fetchall()]
            ids = [uid for uid, _ in rows]
            if ids:
                marks = ",".join("?" for _ in ids)
                sql = (
                    "UPDATE broadcast_outbox SET status = 'sending', attempts = attempts + 1, "  # noqa: S608
                    "updated_at = ? WHERE broadcast_id = ? AND user_id IN (" + marks + ")"
                )
                await db.execute(sql, (epoch(now), broadcast_id, *ids))
        return rows

    async def record_outcomes(
        self, broadcast_id: int, outcomes: Sequence[tuple[int, str]], now: datetime
    ) -> None:
        """Store each (user id, outcome): delivered, blocked, failed, or pending (try again).

        Blocked people are marked inactive in the same transaction, so later broadcasts and
        reminders skip them.
        """
        if not outcomes:
            return
        ts = epoch(now)
        async with self.transaction() as db:
            await db.executemany(
                "UPDATE broadcast_outbox SET status = ?, updated_at = ? "
                "WHERE broadcast_id = ? AND user_id = ? AND status = 'sending'",
                [(status, ts, broadcast_id, uid) for uid, status in outcomes],
            )
            # A row put back for another try after the coordinator stopped the broadcast
            # is not sent after all.
            await db.execute(
                "UPDATE broadcast_outbox SET status = 'not_sent' WHERE broadcast_id = ? AND "
                "status = 'pending' AND EXISTS (SELECT 1 FROM broadcasts WHERE id = ? AND "
                "status = 'cancelled')",
                (broadcast_id, broadcast_id),
            )
            blocked = [(uid,) for uid, status in outcomes if status == "blocked"]
            if blocked:
                await db.executemany("UPDATE users SET active = 0 WHERE user_id = ?", blocked)

    async def outbox_attempts(self, broadcast_id: int, user_id: int) -> int:
        """How many times USER_ID's row has been claimed."""
        value = await self.fetchval(
            "SELECT attempts FROM broadcast_outbox WHERE broadcast_id = ? AND user_id = ?",
            (broadcast_id, user_id),
        )
        return int(value or 0)

    async def outbox_counts(self, broadcast_id: int) -> dict[str, int]:
        """{status: count} of BROADCAST_ID's outbox."""
        rows = await self.fetchall(
            "SELECT status, COUNT(*) FROM broadcast_outbox WHERE broadcast_id = ? GROUP BY status",
            (broadcast_id,),
        )
        return {r[0]: int(r[1]) for r in rows}

    async def cancel_broadcast(
        self, broadcast_id: int, now: datetime, by: int | None = None
    ) -> bool:
        """Stop a broadcast (BY: the coordinator who stopped it): recipients not reached yet
        are marked not_sent."""
        async with self.transaction() as db:
            cur = await db.execute(
                "UPDATE broadcasts SET status = 'cancelled', stopped_by = ?, stopped_at = ? "
                "WHERE id = ? AND status = 'sending'",
                (by, epoch(now), broadcast_id),
            )
            changed = cur.rowcount > 0
            await cur.close()
            if changed:
                await db.execute(
                    "UPDATE broadcast_outbox SET status = 'not_sent', updated_at = ? "
                    "WHERE broadcast_id = ? AND status = 'pending'",
                    (epoch(now), broadcast_id),
                )
        return changed

    async def broadcasts_by(self, user_id: int) -> list[Broadcast]:
        """Broadcasts USER_ID wrote, oldest first (for their /mydata)."""
        rows = await self.fetchall(
            "SELECT * FROM broadcasts WHERE created_by = ? ORDER BY id", (user_id,)
        )
        return [_broadcast(r) for r in rows]

    async def finish_broadcast(self, broadcast_id: int, now: datetime) -> bool:
        """Mark a broadcast done (or a cancelled one reported); False if it already was."""
        count = await self.execute(
            "UPDATE broadcasts SET status = CASE status WHEN 'sending' THEN 'done' "
            "ELSE status END, finished_at = ? WHERE id = ? AND finished_at IS NULL AND "
            "NOT EXISTS (SELECT 1 FROM broadcast_outbox WHERE broadcast_id = ? AND "
            "status IN ('pending', 'sending'))",
            (epoch(now), broadcast_id, broadcast_id),
        )
        return count > 0

    async def prune_broadcast_outbox(self, before: datetime) -> int:
        """Forget the per-recipient rows of broadcasts that finished (or were stopped and
        reported) before BEFORE, first keeping their counts on the broadcast's own row for the
        service's report; returns how many rows went."""
        rows = await self.fetchall(
            "SELECT id FROM broadcasts WHERE finished_at < ? AND status != 'sending' "
            "AND (tried IS NULL OR EXISTS (SELECT 1 FROM broadcast_outbox o "
            "WHERE o.broadcast_id = broadcasts.id)) ORDER BY id",
            (epoch(before),),
        )
        removed = 0
        for broadcast_id in (int(r[0]) for r in rows):
            await self.execute(
                "UPDATE broadcasts SET tried = (SELECT COUNT(*) FROM broadcast_outbox "
                "WHERE broadcast_id = ? AND status IN ('delivered', 'blocked', 'failed')), "
                "delivered = (SELECT COUNT(*) FROM broadcast_outbox WHERE broadcast_id = ? "
                "AND status = 'delivered') WHERE id = ? AND tried IS NULL",
                (broadcast_id, broadcast_id, broadcast_id),
            )
            removed += await delete_in_chunks(
                self, "broadcast_outbox", "broadcast_id = ?", (broadcast_id,)
            )
        return removed
