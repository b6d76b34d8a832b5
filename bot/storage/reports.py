"""Evaluation counts for coordinators (DESIGN rule 9): numbers only, never people or text."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime

from bot.storage.base import StorageBase
from bot.storage.core import epoch

__all__ = ["ReportStore", "ServiceReport"]


@dataclass(frozen=True, slots=True)
class ServiceReport:
    """How the service is going, as counts since a date."""

    active_pairs: int
    open_requests: int
    waitlist: int
    matches_made: int
    median_hours_to_match: float | None
    group_members: int
    group_waiting: int
    checkins_sent: int
    checkins_answered: int
    supervision_open: int


class ReportStore(StorageBase):
    """Counts across areas for /report."""

    async def service_report(self, since: datetime) -> ServiceReport:
        """Counts now, and for what happened since SINCE."""
        ts = epoch(since)

        async def count(sql: str, *params: object) -> int:
            return int(await self.fetchval(sql, params) or 0)

        waits = [row[0] for row in await self.fetchall(
            "SELECT accepted_at - requested_at FROM matches "
            "WHERE accepted_at IS NOT NULL AND accepted_at >= ?", (ts,))]
        return ServiceReport(
            active_pairs=await count("SELECT COUNT(*) FROM matches WHERE status = 'active'"),
            open_requests=await count(
                "SELECT COUNT(*) FROM matches WHERE status = 'requested'"),
            waitlist=await count("SELECT COUNT(*) FROM match_waitlist"),
            matches_made=len(waits),
            median_hours_to_match=(round(statistics.median(waits) / 3600, 1) if waits
                                   else None),
            group_members=await count(
                "SELECT COUNT(*) FROM group_members WHERE status = 'member'"),
            group_waiting=await count(
                "SELECT COUNT(*) FROM group_members WHERE status = 'waiting'"),
            checkins_sent=await count("SELECT COUNT(*) FROM checkins WHERE due_at >= ?", ts),
            checkins_answered=await count(
                "SELECT COUNT(*) FROM checkins WHERE due_at >= ? AND status = 'answered'", ts),
            supervision_open=await count(
                "SELECT COUNT(*) FROM supervision_requests WHERE taken_at IS NULL"),
        )
