"""Evaluation facts for coordinators (DESIGN rule 9): what happened in a period, and where the
service stands now, as times and counts only, never a person, a name or a message.

bot/services/evaluation.py counts these, suppresses small numbers and publishes them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.storage.base import StorageBase
from bot.storage.core import epoch, from_epoch

__all__ = ["ReportStore", "ServiceReport"]

#: A match started by a coordinator's handover: never requested or accepted, so it has no
#: `accepted_at` (bot/storage/matching.py `hand_over`). A request never becomes 'ended'
#: without being accepted (it is withdrawn), so this tells every handover apart.
_HANDOVER = "accepted_at IS NULL AND status IN ('active', 'ended')"


@dataclass(frozen=True, slots=True)
class ServiceReport:
    """What happened in [since, until), and the waitlist and groups now, as plain facts."""

    joined: tuple[tuple[datetime, str | None, str | None], ...]  # (when, role, source name)
    requests: int  # requests for a peer worker made (handovers are not requests)
    matched: tuple[tuple[datetime, float], ...]  # (accepted at, days from the request)
    handovers: int  # matches a coordinator's handover started
    endings: dict[str, int]  # matches ended, by who: person, peer, coordinator, handover
    waiting_since: tuple[datetime, ...]  # when each person on the waitlist now joined it
    group_members: int  # people who are a member of a group now
    checkins: tuple[tuple[datetime, bool], ...]  # scheduled ones: (sent at, answered)
    broadcasts: int  # announcements started
    broadcast_messages: int  # their messages that were tried (not stopped before sending)
    broadcast_delivered: int
    supervision: tuple[tuple[datetime, float | None], ...]  # (asked at, hours to pick up)


class ReportStore(StorageBase):
    """Facts across areas for /report and `python -m bot report`."""

    async def service_report(self, since: datetime, until: datetime) -> ServiceReport:
        """Facts for what happened from SINCE up to (not including) UNTIL; the waitlist and
        group membership as they are now."""
        span = (epoch(since), epoch(until))

        async def count(sql: str, *params: object) -> int:
            return int(await self.fetchval(sql, params) or 0)

        joined = tuple(
            (from_epoch(r[0]), r[1], r[2])
            for r in await self.fetchall(
                "SELECT created_at, role, referral_source FROM users WHERE consent = 'given' "
                "AND created_at >= ? AND created_at < ? ORDER BY created_at",
                span,
            )
        )
        matched = tuple(
            (from_epoch(r[0]), max(0, r[0] - r[1]) / 86400)
            for r in await self.fetchall(
                "SELECT accepted_at, requested_at FROM matches WHERE "
                "accepted_at >= ? AND accepted_at < ? ORDER BY accepted_at",
                span,
            )
        )
        endings: dict[str, int] = {}
        for by, handed, n in await self.fetchall(
            "SELECT m.ended_by, EXISTS (SELECT 1 FROM matches h WHERE "  # noqa: S608
            f"h.person_id = m.person_id AND h.id > m.id AND h.{_HANDOVER} "
            "AND h.requested_at = m.ended_at), COUNT(*) FROM matches m "
            "WHERE m.status = 'ended' AND m.ended_at >= ? AND m.ended_at < ? "
            "GROUP BY 1, 2",
            span,
        ):
            key = "handover" if handed else (by or "system")
            endings[key] = endings.get(key, 0) + n
        # A broadcast whose recipients' rows retention removed keeps its counts on its row.
        delivered = await self.fetchone(
            "SELECT COALESCE(SUM(COALESCE(b.tried, (SELECT COUNT(*) FROM broadcast_outbox o "
            "WHERE o.broadcast_id = b.id AND o.status IN ('delivered', 'blocked', 'failed')))), "
            "0), COALESCE(SUM(COALESCE(b.delivered, (SELECT COUNT(*) FROM broadcast_outbox o "
            "WHERE o.broadcast_id = b.id AND o.status = 'delivered'))), 0) "
            "FROM broadcasts b WHERE b.created_at >= ? AND b.created_at < ?",
            span,
        )
        return ServiceReport(
            joined=joined,
            requests=await count(
                "SELECT COUNT(*) FROM matches WHERE requested_at >= ? AND requested_at < ? "  # noqa: S608
                f"AND NOT ({_HANDOVER})",
                *span,
            ),
            matched=matched,
            handovers=await count(
                f"SELECT COUNT(*) FROM matches WHERE {_HANDOVER} "  # noqa: S608
                "AND requested_at >= ? AND requested_at < ?",
                *span,
            ),
            endings=endings,
            waiting_since=tuple(
                from_epoch(r[0])
                for r in await self.fetchall(
                    "SELECT joined_at FROM match_waitlist ORDER BY joined_at"
                )
            ),
            group_members=await count(
                "SELECT COUNT(DISTINCT user_id) FROM group_members WHERE status = 'member'"
            ),
            checkins=tuple(
                (from_epoch(r[0]), bool(r[1]))
                for r in await self.fetchall(
                    "SELECT sent_at, status = 'answered' FROM checkins WHERE kind = 'scheduled' "
                    "AND sent_at >= ? AND sent_at < ? ORDER BY sent_at",
                    span,
                )
            ),
            broadcasts=await count(
                "SELECT COUNT(*) FROM broadcasts WHERE created_at >= ? AND created_at < ?", *span
            ),
            broadcast_messages=int(delivered[0]) if delivered else 0,
            broadcast_delivered=int(delivered[1]) if delivered else 0,
            supervision=tuple(
                (from_epoch(r[0]), None if r[1] is None else max(0, r[1] - r[0]) / 3600)
                for r in await self.fetchall(
                    "SELECT created_at, taken_at FROM supervision_requests "
                    "WHERE created_at >= ? AND created_at < ? ORDER BY created_at",
                    span,
                )
            ),
        )
