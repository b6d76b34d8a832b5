"""Supervision requests from peer workers to coordinators."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.storage.base import StorageBase, personal_table
from bot.storage.core import epoch

__all__ = ["SupervisionRequest", "SupervisionStore"]

personal_table("supervision_requests", "peer_id", exclude=("note",))


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


class SupervisionStore(StorageBase):
    """Supervision requests."""

    async def add_supervision_request(self, peer_id: int, urgency: str, note: bytes | None,
                                      now: datetime) -> int:
        """Store a new request and return its id."""
        async with self.transaction() as db:
            cursor = await db.execute(
                "INSERT INTO supervision_requests (peer_id, urgency, note, created_at) "
                "VALUES (?, ?, ?, ?)", (peer_id, urgency, note, epoch(now)))
            request_id = cursor.lastrowid
            await cursor.close()
        assert request_id is not None
        return request_id

    async def get_supervision_request(self, request_id: int) -> SupervisionRequest | None:
        """One request, if it exists."""
        row = await self.fetchone("SELECT * FROM supervision_requests WHERE id = ?",
                                  (request_id,))
        if row is None:
            return None
        return SupervisionRequest(row["id"], row["peer_id"], row["urgency"], row["note"],
                                  row["created_at"], row["taken_by"], row["taken_at"])

    async def take_supervision_request(self, request_id: int, coordinator_id: int,
                                       now: datetime) -> bool:
        """Mark a request as taken by COORDINATOR_ID; False if someone already took it."""
        return await self.execute(
            "UPDATE supervision_requests SET taken_by = ?, taken_at = ? "
            "WHERE id = ? AND taken_at IS NULL", (coordinator_id, epoch(now), request_id)) > 0
