"""Safety plans: one per person, stored encrypted."""

from __future__ import annotations

from datetime import datetime

from bot.storage.base import StorageBase, personal_table
from bot.storage.core import epoch
from bot.storage.encrypted import encrypted_column

__all__ = ["SafetyPlanStore"]

personal_table("safety_plans", "user_id", exclude=("sections",))  # exported decrypted
encrypted_column("safety_plans", "sections")


class SafetyPlanStore(StorageBase):
    """Read and write a person's safety plan (ciphertext in, ciphertext out)."""

    async def safety_plan(self, user_id: int) -> bytes | None:
        """The person's encrypted plan, if they wrote one."""
        value = await self.fetchval(
            "SELECT sections FROM safety_plans WHERE user_id = ?", (user_id,)
        )
        return None if value is None else bytes(value)

    async def has_safety_plan(self, user_id: int) -> bool:
        """Whether the person has a plan (for the crisis card's first button)."""
        return (
            await self.fetchval("SELECT 1 FROM safety_plans WHERE user_id = ?", (user_id,))
            is not None
        )

    async def save_safety_plan(self, user_id: int, sections: bytes | None, now: datetime) -> None:
        """Store the encrypted plan, or remove it when SECTIONS is None (nothing left)."""
        if sections is None:
            await self.execute("DELETE FROM safety_plans WHERE user_id = ?", (user_id,))
            return
        await self.execute(
            "INSERT INTO safety_plans (user_id, sections, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET sections = excluded.sections, "
            "updated_at = excluded.updated_at",
            (user_id, sections, epoch(now)),
        )

    async def mark_safety_plan_shared(self, user_id: int, now: datetime) -> None:
        """Remember when the person last sent the plan to their peer worker."""
        await self.execute(
            "UPDATE safety_plans SET shared_at = ? WHERE user_id = ?", (epoch(now), user_id)
        )
