"""Sessions: the one open step (and its encrypted draft) per person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.storage.base import StorageBase, personal_table
from bot.storage.core import epoch

__all__ = ["SessionRow", "SessionStore"]

personal_table("sessions", "user_id", export=False)


@dataclass(frozen=True, slots=True)
class SessionRow:
    """A stored step: its name, the encrypted draft, and when it last moved."""

    step: str
    draft: bytes | None
    updated_at: int


class SessionStore(StorageBase):
    """Per-person steps for flows on route tables."""

    async def get_session(self, user_id: int) -> SessionRow | None:
        """The person's open step, if any."""
        row = await self.fetchone(
            "SELECT step, draft, updated_at FROM sessions WHERE user_id = ?", (user_id,)
        )
        return None if row is None else SessionRow(row[0], row[1], row[2])

    async def save_session(
        self, user_id: int, step: str | None, draft: bytes | None, now: datetime
    ) -> None:
        """Store the open step and draft, or forget them when STEP is None."""
        if step is None:
            await self.execute("DELETE FROM sessions WHERE user_id = ?", (user_id,))
            return
        await self.execute(
            "INSERT INTO sessions (user_id, step, draft, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET step = excluded.step, draft = excluded.draft, "
            "updated_at = excluded.updated_at",
            (user_id, step, draft, epoch(now)),
        )
