"""What a coordinator's home and staff governance read across areas: open requests, every
peer worker's profile and leave, people left without a peer worker, and invites. Reads only,
besides revoking an unused invite; no new tables (the invites' own rowid names one)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.matching import Match, PeerProfile
from bot.storage.base import StorageBase
from bot.storage.core import epoch, from_epoch
from bot.storage.matching import _match, _profile

__all__ = ["CoordinationStore", "InviteRow", "LeftWithout"]


@dataclass(frozen=True, slots=True)
class InviteRow:
    """An unused invite that still works: its row number (the button's), role, who made it
    (None: the command line) and when it expires."""

    invite_id: int
    role: str
    created_by: int | None
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class LeftWithout:
    """Someone whose match a peer worker's side ended, with no request or match since: when
    it ended, and the name they chose (None: none)."""

    person_id: int
    alias: str | None
    ended_at: datetime


class CoordinationStore(StorageBase):
    """Cross-area reads for coordinators."""

    async def open_requests(self) -> list[Match]:
        """Every request waiting for a peer worker's answer, closing soonest first."""
        rows = await self.fetchall(
            "SELECT * FROM matches WHERE status = 'requested' "
            "ORDER BY COALESCE(respond_by, requested_at), id"
        )
        return [_match(r) for r in rows]

    async def peer_profiles(self) -> list[PeerProfile]:
        """Every peer worker still with the service (an active profile and a peer role), by
        name."""
        rows = await self.fetchall(
            "SELECT p.* FROM peer_profiles p JOIN users u ON u.user_id = p.user_id "
            "WHERE p.active = 1 AND u.role IN ('consumer_peer', 'carer_peer') "
            "ORDER BY lower(p.display_name), p.user_id"
        )
        return [_profile(r) for r in rows]

    async def departure_kinds(self) -> dict[int, str]:
        """{peer worker: 'leave' or 'leaving'} for everyone away or going."""
        rows = await self.fetchall("SELECT peer_id, kind FROM departures")
        return {int(r[0]): str(r[1]) for r in rows}

    async def left_without_list(self, since: datetime) -> list[LeftWithout]:
        """People whose match a peer worker's side (or a coordinator) ended since SINCE and
        who have no request or match now, longest without first."""
        rows = await self.fetchall(
            "SELECT m.person_id, u.alias, MAX(m.ended_at) FROM matches m "
            "JOIN users u ON u.user_id = m.person_id "
            "WHERE m.status = 'ended' AND m.ended_at >= ? "
            "AND m.ended_by IN ('peer', 'coordinator') AND NOT EXISTS "
            "(SELECT 1 FROM matches l WHERE l.person_id = m.person_id "
            "AND l.status IN ('requested', 'active')) "
            "GROUP BY m.person_id, u.alias ORDER BY MAX(m.ended_at), m.person_id",
            (epoch(since),),
        )
        return [LeftWithout(int(r[0]), r[1], from_epoch(int(r[2]))) for r in rows]

    async def usable_invites(self, now: datetime) -> list[InviteRow]:
        """Invites nobody has used that still work at NOW, expiring soonest first."""
        rows = await self.fetchall(
            "SELECT rowid, role, created_by, created_at, expires_at FROM invites "
            "WHERE used_by IS NULL AND used_at IS NULL AND expires_at > ? "
            "ORDER BY expires_at, rowid",
            (epoch(now),),
        )
        return [
            InviteRow(int(r[0]), str(r[1]), r[2], from_epoch(int(r[3])), from_epoch(int(r[4])))
            for r in rows
        ]

    async def revoke_invite(self, invite_id: int, now: datetime) -> bool:
        """Make an unused invite stop working now; False if it was used or had expired."""
        return (
            await self.execute(
                "UPDATE invites SET expires_at = ? WHERE rowid = ? AND used_by IS NULL "
                "AND used_at IS NULL AND expires_at > ?",
                (epoch(now), invite_id, epoch(now)),
            )
            > 0
        )
