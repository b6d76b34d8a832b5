"""Referral sources and who arrived through them (as counts and a name, never more)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.storage.base import StorageBase
from bot.storage.core import epoch

__all__ = ["ReferralSource", "ReferralStore"]


@dataclass(frozen=True, slots=True)
class ReferralSource:
    """One referral link's source."""

    code: str
    name: str
    created_at: int


class ReferralStore(StorageBase):
    """Referral links, and counts of who came through them."""

    async def create_referral(
        self, code: str, name: str, created_by: int | None, now: datetime
    ) -> None:
        """Store a new source."""
        await self.execute(
            "INSERT INTO referral_sources (code, name, created_by, created_at) VALUES (?, ?, ?, ?)",
            (code, name, created_by, epoch(now)),
        )

    async def referral(self, code: str) -> ReferralSource | None:
        """The source with CODE, if there is one."""
        row = await self.fetchone(
            "SELECT code, name, created_at FROM referral_sources WHERE code = ?", (code,)
        )
        return None if row is None else ReferralSource(row[0], row[1], row[2])

    async def referral_by_name(self, name: str) -> ReferralSource | None:
        """The source called NAME (names are unique, ignoring case)."""
        row = await self.fetchone(
            "SELECT code, name, created_at FROM referral_sources WHERE lower(name) = lower(?)",
            (name,),
        )
        return None if row is None else ReferralSource(row[0], row[1], row[2])

    async def referrals(self) -> list[ReferralSource]:
        """Every source, newest first."""
        rows = await self.fetchall(
            "SELECT code, name, created_at FROM referral_sources ORDER BY created_at DESC, name"
        )
        return [ReferralSource(r[0], r[1], r[2]) for r in rows]

    async def set_referral_source(self, user_id: int, name: str) -> None:
        """Keep the source's name (only) on the person's record, if they have none yet."""
        await self.execute(
            "UPDATE users SET referral_source = ? WHERE user_id = ? AND referral_source IS NULL",
            (name, user_id),
        )

    async def people_by_referral(self) -> dict[str, int]:
        """How many people (who agreed to the privacy notice) came through each source."""
        rows = await self.fetchall(
            "SELECT referral_source, COUNT(*) FROM users WHERE referral_source IS NOT NULL "
            "AND consent = 'given' GROUP BY referral_source"
        )
        return {r[0]: r[1] for r in rows}
