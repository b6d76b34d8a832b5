"""The update inbox: every update is stored when it arrives and marked done once handled."""

from __future__ import annotations

from datetime import datetime

from bot.storage.base import StorageBase, personal_table
from bot.storage.core import epoch

__all__ = ["InboxStore"]

personal_table("update_inbox", "user_id", export=False)


class InboxStore(StorageBase):
    """Durable receipt of updates."""

    async def inbox_add(
        self, update_id: int, user_id: int | None, body: bytes, now: datetime
    ) -> bool:
        """Store an arriving update; False if it was already received (a repeat)."""
        return (
            await self.execute(
                "INSERT INTO update_inbox (update_id, user_id, body, received_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (update_id) DO NOTHING",
                (update_id, user_id, body, epoch(now)),
            )
            == 1
        )

    async def inbox_done(self, update_id: int, now: datetime) -> None:
        """Mark an update handled and drop its content and whose it was (with the update's
        other end-of-update writes, when it is being processed): only the id stays, for two
        days, so a delivery Telegram repeats is answered once."""
        await self.defer(
            "UPDATE update_inbox SET body = NULL, user_id = NULL, done_at = ? "
            "WHERE update_id = ? AND done_at IS NULL",
            (epoch(now), update_id),
        )

    async def inbox_pending(self) -> list[tuple[int, bytes, int]]:
        """Updates received but not handled, oldest first, counting this attempt."""
        async with self.transaction() as db:
            await db.execute(
                "UPDATE update_inbox SET attempts = attempts + 1 WHERE done_at IS NULL"
            )
            rows = await db.execute_fetchall(
                "SELECT update_id, body, attempts FROM update_inbox WHERE done_at IS NULL "
                "ORDER BY update_id"
            )
        return [(r[0], r[1], r[2]) for r in rows]

    async def inbox_prune(self, before: datetime) -> int:
        """Forget handled updates received before BEFORE."""
        return await self.execute(
            "DELETE FROM update_inbox WHERE done_at IS NOT NULL AND received_at < ?",
            (epoch(before),),
        )
