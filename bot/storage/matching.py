"""Peer worker profiles, match requests and matches, stated preferences and the waitlist."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.domain.hours import Window, windows_from_json, windows_to_json
from bot.domain.matching import Match, PeerProfile
from bot.storage.base import StorageBase, personal_table, returned_id
from bot.storage.core import epoch, from_epoch

__all__ = ["MatchingStore", "RequestResult", "WaitlistEntry"]

personal_table("peer_profiles", "user_id")
# Each side's export leaves out the other side's Telegram id.
personal_table("matches", "person_id", exclude=("peer_id",))
personal_table("matches", "peer_id", exclude=("person_id",))
personal_table("match_preferences", "person_id")
personal_table("match_waitlist", "person_id", exclude=("held_peer_id",))

_PROFILE_FIELDS = (
    "display_name",
    "bio",
    "attributes",
    "caseload_cap",
    "hours",
    "timezone",
    "paused",
    "active",
)


@dataclass(frozen=True, slots=True)
class RequestResult:
    """A new request, or why it could not be made ('live', 'unavailable', 'too_soon': the
    same person asked the same peer worker lately, and may ask again at RETRY_AT)."""

    match: Match | None
    problem: str | None
    retry_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class WaitlistEntry:
    """One person waiting for a free peer worker."""

    person_id: int
    joined_at: datetime
    offered_at: datetime | None
    held_peer_id: int | None
    held_until: datetime | None


def _profile(row: Any) -> PeerProfile:
    return PeerProfile(
        user_id=row["user_id"],
        kind=row["kind"],
        display_name=row["display_name"],
        bio=row["bio"],
        attributes=json.loads(row["attributes"]),
        caseload_cap=row["caseload_cap"],
        hours=windows_from_json(json.loads(row["hours"])),
        timezone=row["timezone"],
        paused=bool(row["paused"]),
        active=bool(row["active"]),
    )


def _opt(seconds: int | None) -> datetime | None:
    return None if seconds is None else from_epoch(seconds)


def _match(row: Any) -> Match:
    return Match(
        id=row["id"],
        person_id=row["person_id"],
        peer_id=row["peer_id"],
        status=row["status"],
        preferences=json.loads(row["preferences"]),
        requested_at=from_epoch(row["requested_at"]),
        respond_by=_opt(row["respond_by"]),
        accepted_at=_opt(row["accepted_at"]),
        ended_at=_opt(row["ended_at"]),
        ended_by=row["ended_by"],
    )


def _entry(row: Any) -> WaitlistEntry:
    return WaitlistEntry(
        row["person_id"],
        from_epoch(row["joined_at"]),
        _opt(row["offered_at"]),
        row["held_peer_id"],
        _opt(row["held_until"]),
    )


def _encode(field: str, value: Any) -> Any:
    if field == "attributes":
        return json.dumps(dict(value), sort_keys=True)
    if field == "hours":
        return json.dumps(windows_to_json(value))
    if field in ("paused", "active"):
        return int(bool(value))
    return value


async def _close(db: Any, match_id: int, ended_by: str, ts: int) -> int | None:
    """Inside a transaction: end MATCH_ID if live and drop what waits on it; how many held
    messages were dropped, or None if it was not live."""
    async with db.execute("SELECT status FROM matches WHERE id = ?", (match_id,)) as cur:
        row = await cur.fetchone()
    if row is None or row["status"] not in ("requested", "active"):
        return None
    status = "ended" if row["status"] == "active" else "withdrawn"
    await db.execute(
        "UPDATE matches SET status = ?, ended_at = ?, ended_by = ? WHERE id = ?",
        (status, ts, ended_by, match_id),
    )
    async with db.execute("DELETE FROM relay_queue WHERE match_id = ?", (match_id,)) as cur:
        dropped = int(cur.rowcount or 0)
    await db.execute("DELETE FROM relay_copies WHERE match_id = ?", (match_id,))
    return dropped


class MatchingStore(StorageBase):
    """Profiles, matches, preferences and the waitlist."""

    # -- profiles -------------------------------------------------------------------------

    async def get_profile(self, user_id: int) -> PeerProfile | None:
        """A peer worker's profile, or None if they have not set one up."""
        row = await self.fetchone("SELECT * FROM peer_profiles WHERE user_id = ?", (user_id,))
        return None if row is None else _profile(row)

    async def create_profile(
        self,
        user_id: int,
        kind: str,
        now: datetime,
        *,
        display_name: str,
        bio: str,
        hours: Sequence[Window],
        timezone: str,
        caseload_cap: int,
        attributes: Mapping[str, Any] | None = None,
    ) -> PeerProfile:
        """Store a new (or replace an unfinished) profile and return it."""
        ts = epoch(now)
        await self.execute(
            "INSERT INTO peer_profiles (user_id, kind, display_name, bio, attributes, "
            "caseload_cap, hours, timezone, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET kind = excluded.kind, "
            "display_name = excluded.display_name, bio = excluded.bio, "
            "attributes = excluded.attributes, caseload_cap = excluded.caseload_cap, "
            "hours = excluded.hours, timezone = excluded.timezone, "
            "updated_at = excluded.updated_at",
            (
                user_id,
                kind,
                display_name,
                bio,
                _encode("attributes", attributes or {}),
                caseload_cap,
                _encode("hours", hours),
                timezone,
                ts,
                ts,
            ),
        )
        profile = await self.get_profile(user_id)
        assert profile is not None
        return profile

    async def update_profile(
        self, user_id: int, now: datetime, **fields: Any
    ) -> PeerProfile | None:
        """Change some of a profile's fields; returns the profile as it is now."""
        unknown = set(fields) - set(_PROFILE_FIELDS)
        if unknown:
            raise ValueError(f"not profile fields: {sorted(unknown)}")
        if fields:
            sets = ", ".join(f"{name} = ?" for name in fields)
            await self.execute(
                f"UPDATE peer_profiles SET {sets}, updated_at = ? WHERE user_id = ?",  # noqa: S608
                (*(_encode(k, v) for k, v in fields.items()), epoch(now), user_id),
            )
        return await self.get_profile(user_id)

    async def offerable_profiles(self, kinds: Iterable[str]) -> list[PeerProfile]:
        """Active, unpaused profiles of KINDS (caps are checked against caseloads)."""
        kinds = tuple(kinds)
        if not kinds:
            return []
        marks = ", ".join("?" for _ in kinds)
        rows = await self.fetchall(
            "SELECT p.* FROM peer_profiles p JOIN users u ON u.user_id = p.user_id "  # noqa: S608
            f"WHERE p.kind IN ({marks}) AND p.active = 1 AND p.paused = 0 "
            "AND u.active = 1 ORDER BY p.user_id",
            kinds,
        )
        return [_profile(r) for r in rows]

    async def matching_versions(self) -> tuple[int, int]:
        """Change counters of (offerable profiles, matches), bumped by triggers in the same
        transaction as every write (migration 0007), so a process can tell with one read
        whether what it prepared from them is still current. Read them before the data."""
        row = await self.fetchone("SELECT profiles, matches FROM matching_version WHERE id = 1")
        return (0, 0) if row is None else (int(row[0]), int(row[1]))

    async def caseloads(self) -> dict[int, int]:
        """Requested and active matches per peer worker."""
        rows = await self.fetchall(
            "SELECT peer_id, COUNT(*) FROM matches WHERE status IN ('requested', 'active') "
            "GROUP BY peer_id"
        )
        return {r[0]: r[1] for r in rows}

    async def caseload(self, peer_id: int) -> int:
        """Requested and active matches of one peer worker."""
        return int(
            await self.fetchval(
                "SELECT COUNT(*) FROM matches "
                "WHERE peer_id = ? AND status IN ('requested', 'active')",
                (peer_id,),
            )
            or 0
        )

    # -- matches ----------------------------------------------------------------------------

    async def get_match(self, match_id: int) -> Match | None:
        """One match or request by id."""
        row = await self.fetchone("SELECT * FROM matches WHERE id = ?", (match_id,))
        return None if row is None else _match(row)

    async def active_match_for_person(self, person_id: int) -> Match | None:
        """The person's accepted, not yet ended match."""
        row = await self.fetchone(
            "SELECT * FROM matches WHERE person_id = ? AND status = 'active'", (person_id,)
        )
        return None if row is None else _match(row)

    async def live_match_for_person(self, person_id: int) -> Match | None:
        """The person's open request or active match (at most one exists)."""
        row = await self.fetchone(
            "SELECT * FROM matches WHERE person_id = ? AND status IN ('requested', 'active')",
            (person_id,),
        )
        return None if row is None else _match(row)

    async def active_matches_for_peer(self, peer_id: int) -> list[Match]:
        """A peer worker's accepted, not yet ended matches, oldest first."""
        rows = await self.fetchall(
            "SELECT * FROM matches WHERE peer_id = ? AND status = 'active' ORDER BY id", (peer_id,)
        )
        return [_match(r) for r in rows]

    async def live_matches_of(self, user_id: int) -> list[Match]:
        """Open requests and active matches USER_ID is part of, on either side."""
        rows = await self.fetchall(
            "SELECT * FROM matches WHERE (person_id = ? OR peer_id = ?) "
            "AND status IN ('requested', 'active') ORDER BY id",
            (user_id, user_id),
        )
        return [_match(r) for r in rows]

    async def recent_refusals(self, person_id: int, since: datetime) -> set[int]:
        """Peer workers who declined (or let lapse) this person's request since SINCE."""
        rows = await self.fetchall(
            "SELECT DISTINCT peer_id FROM matches WHERE person_id = ? "
            "AND status IN ('declined', 'expired') AND ended_at >= ?",
            (person_id, epoch(since)),
        )
        return {r[0] for r in rows}

    async def create_request(
        self,
        person_id: int,
        peer_id: int,
        preferences: Mapping[str, str],
        now: datetime,
        respond_by: datetime,
        *,
        every: timedelta | None = None,
    ) -> RequestResult:
        """Ask PEER_ID to support PERSON_ID, if the person has no live match, has not asked
        this peer worker within EVERY, and the peer worker is still active, unpaused and
        under their cap, counting the places held for other people on the waitlist (a held
        place is only the held person's to take). A place the person held is let go (the
        request takes it, or they chose someone else); their place in line is kept until a
        peer worker accepts."""
        ts = epoch(now)
        async with self.transaction() as db:
            async with db.execute(
                "SELECT 1 FROM matches WHERE person_id = ? AND status IN ('requested', 'active')",
                (person_id,),
            ) as cur:
                if await cur.fetchone() is not None:
                    return RequestResult(None, "live")
            if every is not None:
                async with db.execute(
                    "SELECT MAX(requested_at) FROM matches WHERE person_id = ? AND peer_id = ?",
                    (person_id, peer_id),
                ) as cur:
                    row = await cur.fetchone()
                last = None if row is None else row[0]
                gap = int(every.total_seconds())
                if last is not None and ts - last < gap:
                    return RequestResult(None, "too_soon", from_epoch(last + gap))
            async with db.execute(
                "SELECT p.caseload_cap, (SELECT COUNT(*) FROM matches m WHERE m.peer_id = ? "
                "AND m.status IN ('requested', 'active')) + (SELECT COUNT(*) FROM match_waitlist "
                "w WHERE w.held_peer_id = ? AND w.held_until > ? AND w.person_id != ?) AS load "
                "FROM peer_profiles p JOIN users u ON u.user_id = p.user_id "
                "WHERE p.user_id = ? AND p.active = 1 AND p.paused = 0 AND u.active = 1",
                (peer_id, peer_id, ts, person_id, peer_id),
            ) as cur:
                row = await cur.fetchone()
            if row is None or row["load"] >= row["caseload_cap"]:
                return RequestResult(None, "unavailable")
            column, value = self._fresh_id("matches")
            cur = await db.execute(
                f"INSERT INTO matches ({column}person_id, peer_id, status, preferences, "  # noqa: S608
                f"requested_at, respond_by) VALUES ({value}?, ?, 'requested', ?, ?, ?) "
                "RETURNING id",
                (
                    person_id,
                    peer_id,
                    json.dumps(dict(preferences), sort_keys=True),
                    ts,
                    epoch(respond_by),
                ),
            )
            match_id = await returned_id(cur)
            await cur.close()
            await db.execute(
                "UPDATE match_waitlist SET held_peer_id = NULL, held_until = NULL "
                "WHERE person_id = ?",
                (person_id,),
            )
        match = await self.get_match(int(match_id or 0))
        assert match is not None
        return RequestResult(match, None)

    async def answer_request(
        self, match_id: int, peer_id: int, *, accept: bool, now: datetime
    ) -> Match | None:
        """Accept or decline an open request addressed to PEER_ID; None if it is no longer
        open (answered, withdrawn or timed out) or not theirs. Accepted, the person leaves
        the waitlist (they kept their place while they waited for the answer)."""
        ts = epoch(now)
        if accept:
            sql = (
                "UPDATE matches SET status = 'active', accepted_at = ? "
                "WHERE id = ? AND peer_id = ? AND status = 'requested' AND respond_by > ?"
            )
        else:
            sql = (
                "UPDATE matches SET status = 'declined', ended_at = ?, ended_by = 'peer' "
                "WHERE id = ? AND peer_id = ? AND status = 'requested' AND respond_by > ?"
            )
        async with self.transaction():
            changed = await self.execute(sql, (ts, match_id, peer_id, ts))
            if changed and accept:
                await self.execute(
                    "DELETE FROM match_waitlist WHERE person_id = "
                    "(SELECT person_id FROM matches WHERE id = ?)",
                    (match_id,),
                )
        return await self.get_match(match_id) if changed else None

    async def withdraw_request(self, match_id: int, person_id: int, now: datetime) -> Match | None:
        """The person takes back their open request; None if it is no longer open."""
        changed = await self.execute(
            "UPDATE matches SET status = 'withdrawn', ended_at = ?, ended_by = 'person' "
            "WHERE id = ? AND person_id = ? AND status = 'requested'",
            (epoch(now), match_id, person_id),
        )
        return await self.get_match(match_id) if changed else None

    async def close_match(
        self, match_id: int, ended_by: str, now: datetime
    ) -> tuple[Match, int] | None:
        """End an active match (or withdraw an open request) and forget what was waiting on
        it (held messages, the reply map), in one transaction. Returns the closed match and
        how many held messages were dropped, or None if it was not live."""
        async with self.transaction() as db:
            dropped = await _close(db, match_id, ended_by, epoch(now))
        if dropped is None:
            return None
        match = await self.get_match(match_id)
        assert match is not None
        return match, dropped

    async def hand_over(
        self, match_id: int, new_peer_id: int, now: datetime
    ) -> tuple[Match, int] | None:
        """Close active match MATCH_ID (by a coordinator) as `close_match` does and start an
        active one between the same person and NEW_PEER_ID, in one transaction. Returns the
        new match and how many held messages were dropped, or None if MATCH_ID was not
        active. Nobody requested or accepted the new one, so it has no `accepted_at`: /report
        counts handovers apart from matches made (and their time to match)."""
        ts = epoch(now)
        async with self.transaction() as db:
            async with db.execute(
                "SELECT person_id, preferences FROM matches WHERE id = ? AND status = 'active'",
                (match_id,),
            ) as cur:
                row = await cur.fetchone()
            if row is None:
                return None
            dropped = await _close(db, match_id, "coordinator", ts)
            column, value = self._fresh_id("matches")
            cur2 = await db.execute(
                f"INSERT INTO matches ({column}person_id, peer_id, status, preferences, "  # noqa: S608
                f"requested_at) VALUES ({value}?, ?, 'active', ?, ?) RETURNING id",
                (row["person_id"], new_peer_id, row["preferences"], ts),
            )
            new_id = await returned_id(cur2)
            await cur2.close()
        new = await self.get_match(int(new_id or 0))
        assert new is not None and dropped is not None
        return new, dropped

    async def expire_requests(self, now: datetime) -> list[Match]:
        """Mark every open request past its respond-by time as expired; returns them."""
        ts = epoch(now)
        async with self.transaction() as db:
            async with db.execute(
                "SELECT id FROM matches WHERE status = 'requested' AND respond_by <= ? "
                "ORDER BY respond_by, id",
                (ts,),
            ) as cur:
                ids = [r[0] for r in await cur.fetchall()]
            if ids:
                marks = ", ".join("?" for _ in ids)
                await db.execute(
                    "UPDATE matches SET status = 'expired', ended_at = ?, ended_by = 'system' "  # noqa: S608
                    f"WHERE id IN ({marks})",
                    (ts, *ids),
                )
        return [m for i in ids if (m := await self.get_match(i)) is not None]

    async def open_requests_for_peer(self, peer_id: int) -> list[Match]:
        """Requests waiting for PEER_ID's answer, oldest first."""
        rows = await self.fetchall(
            "SELECT * FROM matches WHERE peer_id = ? AND status = 'requested' ORDER BY id",
            (peer_id,),
        )
        return [_match(r) for r in rows]

    async def requests_to_remind(self, now: datetime, ahead: timedelta) -> list[Match]:
        """Open requests whose time runs out within AHEAD and whose peer worker has not been
        reminded (only requests that were open longer than AHEAD: a shorter one's notice
        already says by when), soonest first."""
        ts, gap = epoch(now), int(ahead.total_seconds())
        rows = await self.fetchall(
            "SELECT * FROM matches WHERE status = 'requested' AND reminded_at IS NULL "
            "AND respond_by > ? AND respond_by <= ? AND requested_at < respond_by - ? "
            "ORDER BY respond_by, id",
            (ts, ts + gap, gap),
        )
        return [_match(r) for r in rows]

    async def mark_reminded(self, match_id: int, now: datetime) -> bool:
        """Record that MATCH_ID's peer worker was reminded; False if they were already, or
        the request is no longer open."""
        return (
            await self.execute(
                "UPDATE matches SET reminded_at = ? WHERE id = ? AND status = 'requested' "
                "AND reminded_at IS NULL",
                (epoch(now), match_id),
            )
            > 0
        )

    async def close_undelivered(self, match_id: int, now: datetime) -> Match | None:
        """Withdraw open request MATCH_ID because it could not reach the peer worker (ended
        by the system, not by either side); None if it is no longer open."""
        changed = await self.execute(
            "UPDATE matches SET status = 'withdrawn', ended_at = ?, ended_by = 'system' "
            "WHERE id = ? AND status = 'requested'",
            (epoch(now), match_id),
        )
        return await self.get_match(match_id) if changed else None

    async def last_ended_peer(self, person_id: int, since: datetime) -> int | None:
        """The peer worker of PERSON_ID's most recent match that ended since SINCE."""
        value = await self.fetchval(
            "SELECT peer_id FROM matches WHERE person_id = ? AND status = 'ended' "
            "AND ended_at >= ? ORDER BY ended_at DESC, id DESC LIMIT 1",
            (person_id, epoch(since)),
        )
        return None if value is None else int(value)

    async def drop_unsent(self, keys: Sequence[str], now: datetime) -> int:
        """Give up the outbox sends KEYS that have not gone yet (a request notice or reminder
        whose request has closed: a late one would only ask for an answer nobody can give);
        returns how many. Nothing is published: nobody needs telling."""
        if not keys:
            return 0
        marks = ", ".join("?" for _ in keys)
        return await self.execute(
            "UPDATE outbox SET status = 'dropped', payload = NULL, claimed_until = NULL, "  # noqa: S608
            f"done_at = ?, error = 'closed' WHERE status = 'pending' AND key IN ({marks})",
            (epoch(now), *keys),
        )

    # -- preferences --------------------------------------------------------------------------

    async def get_preferences(self, person_id: int) -> tuple[dict[str, str], dict[str, list[str]]]:
        """The person's stated preferences and the free-text options they were shown."""
        row = await self.fetchone(
            "SELECT preferences, options FROM match_preferences WHERE person_id = ?", (person_id,)
        )
        if row is None:
            return {}, {}
        return json.loads(row["preferences"]), json.loads(row["options"])

    async def save_preferences(
        self,
        person_id: int,
        now: datetime,
        preferences: Mapping[str, str],
        options: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        """Store the person's preferences (and, if given, the options they are shown)."""
        prefs_json = json.dumps(dict(preferences), sort_keys=True)
        if options is None:
            await self.execute(
                "INSERT INTO match_preferences (person_id, preferences, updated_at) "
                "VALUES (?, ?, ?) ON CONFLICT (person_id) DO UPDATE SET "
                "preferences = excluded.preferences, updated_at = excluded.updated_at",
                (person_id, prefs_json, epoch(now)),
            )
        else:
            await self.execute(
                "INSERT INTO match_preferences (person_id, preferences, options, updated_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (person_id) DO UPDATE SET "
                "preferences = excluded.preferences, options = excluded.options, "
                "updated_at = excluded.updated_at",
                (
                    person_id,
                    prefs_json,
                    json.dumps({k: list(v) for k, v in options.items()}),
                    epoch(now),
                ),
            )

    # -- waitlist -----------------------------------------------------------------------------

    async def join_waitlist(self, person_id: int, now: datetime) -> int:
        """Put the person on the waitlist (keeping their place if already there); returns
        their position, 1 for first."""
        await self.execute(
            "INSERT INTO match_waitlist (person_id, joined_at) VALUES (?, ?) "
            "ON CONFLICT (person_id) DO NOTHING",
            (person_id, epoch(now)),
        )
        return await self.waitlist_position(person_id) or 0

    async def leave_waitlist(self, person_id: int) -> bool:
        """Take the person off the waitlist; whether they were on it."""
        return (
            await self.execute("DELETE FROM match_waitlist WHERE person_id = ?", (person_id,)) > 0
        )

    async def waitlist_position(self, person_id: int) -> int | None:
        """The person's place in line (1 for first), or None if not waiting."""
        row = await self.fetchone(
            "SELECT joined_at FROM match_waitlist WHERE person_id = ?", (person_id,)
        )
        if row is None:
            return None
        ahead = await self.fetchval(
            "SELECT COUNT(*) FROM match_waitlist WHERE joined_at < ? "
            "OR (joined_at = ? AND person_id < ?)",
            (row[0], row[0], person_id),
        )
        return int(ahead) + 1

    async def waitlist(self) -> list[WaitlistEntry]:
        """Everyone waiting, in the order they joined."""
        rows = await self.fetchall("SELECT * FROM match_waitlist ORDER BY joined_at, person_id")
        return [_entry(r) for r in rows]

    async def hold_for(self, person_id: int, peer_id: int, now: datetime, until: datetime) -> None:
        """Record that PERSON_ID was offered a shortlist, holding a place with PEER_ID."""
        await self.execute(
            "UPDATE match_waitlist SET offered_at = ?, held_peer_id = ?, held_until = ? "
            "WHERE person_id = ?",
            (epoch(now), peer_id, epoch(until), person_id),
        )

    async def held_places(self, now: datetime, *, besides: int | None = None) -> dict[int, int]:
        """Places held now for people on the waitlist (other than BESIDES), per peer worker:
        only the person a place is held for may take it until the hold lapses."""
        rows = await self.fetchall(
            "SELECT held_peer_id, COUNT(*) FROM match_waitlist WHERE held_peer_id IS NOT NULL "
            "AND held_until > ? AND person_id IS DISTINCT FROM ? GROUP BY held_peer_id",
            (epoch(now), besides),
        )
        return {int(r[0]): int(r[1]) for r in rows}

    async def held_for(self, person_id: int, now: datetime) -> tuple[int, datetime] | None:
        """The peer worker whose place is held for PERSON_ID now, and until when."""
        row = await self.fetchone(
            "SELECT held_peer_id, held_until FROM match_waitlist WHERE person_id = ? "
            "AND held_peer_id IS NOT NULL AND held_until > ?",
            (person_id, epoch(now)),
        )
        return None if row is None else (int(row[0]), from_epoch(row[1]))

    async def release_lapsed_holds(self, now: datetime) -> int:
        """Let go of held places whose time has passed; returns how many."""
        return await self.execute(
            "UPDATE match_waitlist SET held_peer_id = NULL, held_until = NULL "
            "WHERE held_until IS NOT NULL AND held_until <= ?",
            (epoch(now),),
        )

    # -- notices ------------------------------------------------------------------------------

    async def claim_struggle_notice(self, match_id: int, now: datetime, every_s: int) -> bool:
        """Whether a "struggling" notice may go out for MATCH_ID now (at most one per
        EVERY_S seconds); records it if so."""
        ts = epoch(now)
        async with self.transaction() as db:
            async with db.execute(
                "SELECT last_struggle_at FROM match_notices WHERE match_id = ?", (match_id,)
            ) as cur:
                row = await cur.fetchone()
            if row is not None and ts - row[0] < every_s:
                return False
            await db.execute(
                "INSERT INTO match_notices (match_id, last_struggle_at) VALUES (?, ?) "
                "ON CONFLICT (match_id) DO UPDATE SET last_struggle_at = excluded.last_struggle_at",
                (match_id, ts),
            )
        return True
