"""Supervision requests from peer workers to coordinators."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.domain.supervision import SupervisionRequest
from bot.storage.base import StorageBase, personal_table, returned_id
from bot.storage.core import epoch

__all__ = ["SupervisionRequest", "SupervisionStore"]

personal_table("supervision_requests", "peer_id", exclude=("note",))


def _request(row: Any) -> SupervisionRequest:
    return SupervisionRequest(
        row["id"],
        row["peer_id"],
        row["urgency"],
        row["note"],
        row["created_at"],
        row["taken_by"],
        row["taken_at"],
    )


class SupervisionStore(StorageBase):
    """Supervision requests."""

    async def add_supervision_request(
        self, peer_id: int, urgency: str, note: bytes | None, now: datetime
    ) -> int:
        """Store a new request and return its id."""
        async with self.transaction() as db:
            column, value = self._fresh_id("supervision_requests")
            cursor = await db.execute(
                f"INSERT INTO supervision_requests ({column}peer_id, urgency, note, "  # noqa: S608
                f"created_at) VALUES ({value}?, ?, ?, ?) RETURNING id",
                (peer_id, urgency, note, epoch(now)),
            )
            request_id = await returned_id(cursor)
            await cursor.close()
        assert request_id is not None
        return request_id

    async def get_supervision_request(self, request_id: int) -> SupervisionRequest | None:
        """One request, if it exists."""
        row = await self.fetchone("SELECT * FROM supervision_requests WHERE id = ?", (request_id,))
        return None if row is None else _request(row)

    async def untaken_supervision_requests(self) -> list[SupervisionRequest]:
        """Requests nobody has picked up yet, oldest first."""
        rows = await self.fetchall(
            "SELECT * FROM supervision_requests WHERE taken_at IS NULL ORDER BY created_at, id"
        )
        return [_request(row) for row in rows]

    async def open_supervision_request(self, peer_id: int) -> SupervisionRequest | None:
        """PEER_ID's request nobody has picked up yet, if there is one (the oldest)."""
        row = await self.fetchone(
            "SELECT * FROM supervision_requests WHERE peer_id = ? AND taken_at IS NULL "
            "ORDER BY created_at, id LIMIT 1",
            (peer_id,),
        )
        return None if row is None else _request(row)

    async def set_supervision_note(self, request_id: int, note: bytes) -> bool:
        """Replace the note of a request nobody has picked up yet; False once one has."""
        return (
            await self.execute(
                "UPDATE supervision_requests SET note = ? WHERE id = ? AND taken_at IS NULL",
                (note, request_id),
            )
            > 0
        )

    async def supervision_requests_of(self, peer_id: int) -> list[SupervisionRequest]:
        """Every request PEER_ID made, oldest first (for their /mydata)."""
        rows = await self.fetchall(
            "SELECT * FROM supervision_requests WHERE peer_id = ? ORDER BY created_at, id",
            (peer_id,),
        )
        return [_request(row) for row in rows]

    async def take_supervision_request(
        self, request_id: int, coordinator_id: int, now: datetime
    ) -> bool:
        """Mark a request as taken by COORDINATOR_ID; False if someone already took it."""
        return (
            await self.execute(
                "UPDATE supervision_requests SET taken_by = ?, taken_at = ? "
                "WHERE id = ? AND taken_at IS NULL",
                (coordinator_id, epoch(now), request_id),
            )
            > 0
        )
