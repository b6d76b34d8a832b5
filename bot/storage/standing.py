"""Where a person stands: reads the home and the last-resort reply need beyond each area's
own (the match that ended last). Reads only; each area keeps its own writes."""

from __future__ import annotations

from bot.domain.matching import Match
from bot.storage.base import StorageBase
from bot.storage.matching import _match

__all__ = ["StandingStore"]


class StandingStore(StorageBase):
    """Reads across areas for where a person stands."""

    async def latest_match_for_person(self, person_id: int) -> Match | None:
        """The person's most recent request or match, whatever became of it."""
        row = await self.fetchone(
            "SELECT * FROM matches WHERE person_id = ? ORDER BY id DESC LIMIT 1", (person_id,)
        )
        return None if row is None else _match(row)
