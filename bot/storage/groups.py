"""Group meetings, memberships, the waitlist, reminder switches, reminders sent, notices,
members' answers for each meeting, and the counts kept once a meeting has started."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.domain.groups import Attendance, Group, MeetingCount, Schedule
from bot.storage.base import StorageBase, personal_table, returned_id
from bot.storage.core import epoch, from_epoch

__all__ = ["Answers", "GroupPrefs", "GroupsStore", "JoinResult", "Membership", "Notice"]

personal_table("group_members", "user_id")
personal_table("group_prefs", "user_id")
personal_table("group_deliveries", "user_id")
personal_table("group_rsvps", "user_id")

_EDITABLE = (
    "name",
    "description",
    "place",
    "minutes",
    "duration",
    "facilitator",
    "capacity",
    "members_visible",
)


@dataclass(frozen=True, slots=True)
class Membership:
    """One person's place in one group: 'member' or 'waiting' (with their place in line)."""

    group_id: int
    user_id: int
    status: str
    position: int = 0  # 1-based place on the waitlist; 0 for members


@dataclass(frozen=True, slots=True)
class JoinResult:
    """What joining gave: 'member', 'waiting' (with position) or 'already'."""

    status: str
    position: int = 0


@dataclass(frozen=True, slots=True)
class GroupPrefs:
    """A person's reminder switches."""

    remind_day: bool = True
    remind_hour: bool = True


@dataclass(frozen=True, slots=True)
class Notice:
    """A notice waiting to be sent to USER_ID about GROUP_ID (CREATED_AT, epoch seconds,
    tells one promotion from a later one)."""

    group_id: int
    user_id: int
    occurrence: str
    kind: str
    created_at: int = 0


@dataclass(frozen=True, slots=True)
class Answers:
    """Members' answers for one meeting: how many said yes and no, and the chosen names of
    those who said yes (None for someone who chose no name), oldest answer first."""

    said_yes: int = 0
    said_no: int = 0
    names: tuple[str | None, ...] = ()


def _group(row: Any, cancelled: frozenset[str]) -> Group:
    dates = tuple(date.fromisoformat(d) for d in json.loads(row["dates"]))
    schedule = Schedule(
        kind=row["kind"],
        first=date.fromisoformat(row["first_date"]),
        minutes=row["minutes"],
        duration=row["duration"],
        dates=dates,
    )
    return Group(
        group_id=row["id"],
        name=row["name"],
        description=row["description"],
        audience=row["audience"],
        format=row["format"],
        place=row["place"],
        schedule=schedule,
        facilitator=row["facilitator"],
        capacity=row["capacity"],
        active=bool(row["active"]),
        cancelled=cancelled,
        members_visible=bool(row["members_visible"]),
    )


class GroupsStore(StorageBase):
    """Groups and everything hanging off them."""

    # -- groups -----------------------------------------------------------------------------

    async def create_group(self, group: Group, now: datetime) -> int:
        """Store a new group and return its id."""
        s = group.schedule
        async with self.transaction() as db:
            cur = await db.execute(
                "INSERT INTO meeting_groups (name, description, audience, format, place, kind, "
                "first_date, dates, minutes, duration, facilitator, capacity, members_visible, "
                "active, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id",
                (
                    group.name,
                    group.description,
                    group.audience,
                    group.format,
                    group.place,
                    s.kind,
                    s.first.isoformat(),
                    json.dumps([d.isoformat() for d in s.dates]),
                    s.minutes,
                    s.duration,
                    group.facilitator,
                    group.capacity,
                    int(group.members_visible),
                    epoch(now),
                    epoch(now),
                ),
            )
            group_id = await returned_id(cur)
            await cur.close()
        assert group_id is not None
        return int(group_id)

    async def update_group(self, group_id: int, now: datetime, **fields: Any) -> None:
        """Change some of name, description, place, minutes, duration, facilitator, capacity
        and members_visible."""
        if "members_visible" in fields:
            fields = {**fields, "members_visible": int(bool(fields["members_visible"]))}
        await self.update_columns("meeting_groups", "id", group_id, _EDITABLE, epoch(now), fields)

    async def retire_group(self, group_id: int, now: datetime) -> list[int]:
        """Retire a group; queue a notice for each member and waiting person; return them."""
        ts = epoch(now)
        async with self.transaction() as db:
            await db.execute(
                "UPDATE meeting_groups SET active = 0, updated_at = ? WHERE id = ?", (ts, group_id)
            )
            async with db.execute(
                "SELECT user_id FROM group_members WHERE group_id = ?", (group_id,)
            ) as cur:
                people = [r[0] for r in await cur.fetchall()]
            await db.executemany(
                "INSERT INTO group_deliveries (group_id, user_id, occurrence, kind, "
                "created_at) VALUES (?, ?, '', 'retired', ?) ON CONFLICT DO NOTHING",
                [(group_id, uid, ts) for uid in people],
            )
            await db.execute("DELETE FROM group_members WHERE group_id = ?", (group_id,))
            await db.execute("DELETE FROM group_rsvps WHERE group_id = ?", (group_id,))
        return people

    async def get_group(self, group_id: int) -> Group | None:
        """One group (active or retired), with its cancelled meetings."""
        row = await self.fetchone("SELECT * FROM meeting_groups WHERE id = ?", (group_id,))
        if row is None:
            return None
        cancelled = await self.fetchall(
            "SELECT occurrence FROM group_cancellations WHERE group_id = ?", (group_id,)
        )
        return _group(row, frozenset(r[0] for r in cancelled))

    async def list_groups(self, audiences: tuple[str, ...] | None = None) -> list[Group]:
        """Active groups (for AUDIENCES, if given), by name."""
        sql = "SELECT * FROM meeting_groups WHERE active = 1"
        params: tuple[Any, ...] = ()
        if audiences is not None:
            if not audiences:
                return []
            sql += f" AND audience IN ({','.join('?' for _ in audiences)})"
            params = audiences
        rows = await self.fetchall(sql + " ORDER BY lower(name), id", params)
        cancelled: dict[int, set[str]] = {}
        for r in await self.fetchall(
            "SELECT c.group_id, c.occurrence FROM group_cancellations c "
            "JOIN meeting_groups g ON g.id = c.group_id WHERE g.active = 1"
        ):
            cancelled.setdefault(r[0], set()).add(r[1])
        return [_group(r, frozenset(cancelled.get(r["id"], ()))) for r in rows]

    async def cancel_meeting(self, group_id: int, occurrence: str, now: datetime) -> list[int]:
        """Cancel one meeting and queue a notice for each member; return the members told.

        Cancelling the same meeting twice tells nobody twice.
        """
        ts = epoch(now)
        async with self.transaction() as db:
            cur = await db.execute(
                "INSERT INTO group_cancellations (group_id, occurrence, created_at) "
                "VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                (group_id, occurrence, ts),
            )
            fresh = cur.rowcount > 0
            await cur.close()
            if not fresh:
                return []
            async with db.execute(
                "SELECT user_id FROM group_members WHERE group_id = ? AND status = 'member'",
                (group_id,),
            ) as rows:
                members = [r[0] for r in await rows.fetchall()]
            await db.executemany(
                "INSERT INTO group_deliveries (group_id, user_id, occurrence, kind, "
                "created_at) VALUES (?, ?, ?, 'cancelled', ?) ON CONFLICT DO NOTHING",
                [(group_id, uid, occurrence, ts) for uid in members],
            )
            await db.execute(
                "DELETE FROM group_rsvps WHERE group_id = ? AND occurrence = ?",
                (group_id, occurrence),
            )
        return members

    # -- members and the waitlist ---------------------------------------------------------

    async def member_counts(self) -> dict[int, tuple[int, int]]:
        """{group id: (members, waiting)} for active groups."""
        rows = await self.fetchall(
            "SELECT group_id, COUNT(CASE WHEN status = 'member' THEN 1 END), "
            "COUNT(CASE WHEN status = 'waiting' THEN 1 END) "
            "FROM group_members GROUP BY group_id"
        )
        return {r[0]: (int(r[1] or 0), int(r[2] or 0)) for r in rows}

    async def membership(self, group_id: int, user_id: int) -> Membership | None:
        """USER_ID's place in GROUP_ID, if any."""
        row = await self.fetchone(
            "SELECT id, status FROM group_members WHERE group_id = ? AND user_id = ?",
            (group_id, user_id),
        )
        if row is None:
            return None
        position = 0
        if row["status"] == "waiting":
            position = int(
                await self.fetchval(
                    "SELECT COUNT(*) FROM group_members WHERE group_id = ? AND status = 'waiting' "
                    "AND id <= ?",
                    (group_id, row["id"]),
                )
            )
        return Membership(group_id, user_id, row["status"], position)

    async def memberships_of(self, user_id: int) -> dict[int, str]:
        """{group id: status} for USER_ID."""
        rows = await self.fetchall(
            "SELECT group_id, status FROM group_members WHERE user_id = ?", (user_id,)
        )
        return {r[0]: r[1] for r in rows}

    async def group_member_ids(self, group_id: int, *, active_only: bool = True) -> list[int]:
        """Members (not the waitlist) of GROUP_ID, oldest first."""
        sql = (
            "SELECT m.user_id FROM group_members m JOIN users u ON u.user_id = m.user_id "
            "WHERE m.group_id = ? AND m.status = 'member'"
        )
        if active_only:
            sql += " AND u.active = 1"
        rows = await self.fetchall(sql + " ORDER BY m.id", (group_id,))
        return [r[0] for r in rows]

    async def join_group(self, group_id: int, user_id: int, now: datetime) -> JoinResult:
        """Join GROUP_ID, or its waitlist when it is full (checked in the same transaction)."""
        async with self.transaction() as db:
            async with db.execute(
                "SELECT status FROM group_members WHERE group_id = ? AND user_id = ?",
                (group_id, user_id),
            ) as cur:
                existing = await cur.fetchone()
            if existing is not None:
                return JoinResult("already")
            async with db.execute(
                "SELECT capacity, (SELECT COUNT(*) FROM group_members WHERE group_id = g.id "
                "AND status = 'member') FROM meeting_groups g WHERE id = ? AND active = 1",
                (group_id,),
            ) as cur:
                row = await cur.fetchone()
            if row is None:
                return JoinResult("gone")
            capacity, members = row[0], row[1]
            status = "waiting" if capacity is not None and members >= capacity else "member"
            await db.execute(
                "INSERT INTO group_members (group_id, user_id, status, joined_at) "
                "VALUES (?, ?, ?, ?)",
                (group_id, user_id, status, epoch(now)),
            )
            position = 0
            if status == "waiting":
                async with db.execute(
                    "SELECT COUNT(*) FROM group_members WHERE group_id = ? AND status = 'waiting'",
                    (group_id,),
                ) as cur:
                    count = await cur.fetchone()
                position = int(count[0]) if count else 1
        return JoinResult(status, position)

    async def leave_group(self, group_id: int, user_id: int, now: datetime) -> list[int]:
        """Leave GROUP_ID (or its waitlist); fill freed places from the waitlist in order.

        Returns who was promoted; a 'promoted' notice is queued for each of them.
        """
        async with self.transaction() as db:
            await db.execute(
                "DELETE FROM group_members WHERE group_id = ? AND user_id = ?", (group_id, user_id)
            )
            await db.execute(
                "DELETE FROM group_rsvps WHERE group_id = ? AND user_id = ?", (group_id, user_id)
            )
            return await self._promote(db, group_id, now)

    async def fill_places(self, group_id: int, now: datetime) -> list[int]:
        """Promote waiting people into free places (after capacity grows); returns them."""
        async with self.transaction() as db:
            return await self._promote(db, group_id, now)

    async def _promote(self, db: Any, group_id: int, now: datetime) -> list[int]:
        async with db.execute(
            "SELECT capacity, active, (SELECT COUNT(*) FROM group_members WHERE "
            "group_id = g.id AND status = 'member') FROM meeting_groups g WHERE id = ?",
            (group_id,),
        ) as cur:
            row = await cur.fetchone()
        if row is None or not row[1]:
            return []
        capacity, members = row[0], row[2]
        free = None if capacity is None else max(capacity - members, 0)
        sql = (
            "SELECT id, user_id FROM group_members WHERE group_id = ? AND status = 'waiting' "
            "ORDER BY id"
        )
        if free is not None:
            sql += f" LIMIT {int(free)}"
        async with db.execute(sql, (group_id,)) as cur:
            rows = list(await cur.fetchall())
        ts = epoch(now)
        for r in rows:
            await db.execute("UPDATE group_members SET status = 'member' WHERE id = ?", (r[0],))
            await db.execute(
                "INSERT INTO group_deliveries (group_id, user_id, occurrence, kind, "
                "created_at, sent_at) VALUES (?, ?, '', 'promoted', ?, NULL) "
                "ON CONFLICT (group_id, user_id, occurrence, kind) DO UPDATE SET "
                "created_at = excluded.created_at, sent_at = NULL",
                (group_id, r[1], ts),
            )
        return [r[1] for r in rows]

    # -- reminder switches ----------------------------------------------------------------

    async def group_prefs(self, user_id: int) -> GroupPrefs:
        """USER_ID's reminder switches (both on unless they turned one off)."""
        row = await self.fetchone(
            "SELECT remind_day, remind_hour FROM group_prefs WHERE user_id = ?", (user_id,)
        )
        return GroupPrefs() if row is None else GroupPrefs(bool(row[0]), bool(row[1]))

    async def set_group_pref(self, user_id: int, kind: str, on: bool) -> None:
        """Switch reminder KIND ('day' or 'hour') on or off for USER_ID."""
        column = {"day": "remind_day", "hour": "remind_hour"}[kind]
        await self.execute(
            f"INSERT INTO group_prefs (user_id, {column}) VALUES (?, ?) "  # noqa: S608
            f"ON CONFLICT (user_id) DO UPDATE SET {column} = excluded.{column}",
            (user_id, int(on)),
        )

    async def reminder_recipients(self, group_id: int, kind: str) -> list[int]:
        """Active members of GROUP_ID who want reminder KIND."""
        column = {"day": "remind_day", "hour": "remind_hour"}[kind]
        sql = (
            "SELECT m.user_id FROM group_members m JOIN users u ON u.user_id = m.user_id "  # noqa: S608
            "LEFT JOIN group_prefs p ON p.user_id = m.user_id "
            "WHERE m.group_id = ? AND m.status = 'member' AND u.active = 1 "
            "AND COALESCE(p." + column + ", 1) = 1 ORDER BY m.id"
        )
        rows = await self.fetchall(sql, (group_id,))
        return [r[0] for r in rows]

    # -- deliveries -------------------------------------------------------------------------

    async def claim_reminder(
        self, group_id: int, user_id: int, occurrence: str, kind: str, now: datetime
    ) -> bool:
        """Record reminder KIND for this meeting as sent to USER_ID; False if it already was.

        Recorded before sending, so a crash can lose one reminder but never double it.
        """
        ts = epoch(now)
        count = await self.execute(
            "INSERT INTO group_deliveries (group_id, user_id, occurrence, kind, "
            "created_at, sent_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (group_id, user_id, occurrence, kind, ts, ts),
        )
        return count > 0

    async def pending_notices(self, limit: int = 200) -> list[Notice]:
        """Notices (cancelled, retired, promoted) not sent yet, oldest first."""
        rows = await self.fetchall(
            "SELECT group_id, user_id, occurrence, kind, created_at FROM group_deliveries "
            "WHERE sent_at IS NULL ORDER BY created_at LIMIT ?",
            (limit,),
        )
        return [Notice(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    async def claim_notice(self, notice: Notice, now: datetime) -> bool:
        """Mark NOTICE as handed on (to the outbox); False if another run already did."""
        count = await self.execute(
            "UPDATE group_deliveries SET sent_at = ? WHERE group_id = ? AND user_id = ? AND "
            "occurrence = ? AND kind = ? AND sent_at IS NULL",
            (epoch(now), notice.group_id, notice.user_id, notice.occurrence, notice.kind),
        )
        return count > 0

    async def forget_old_deliveries(self, before: datetime) -> int:
        """Drop records of deliveries sent before BEFORE (they can no longer be due)."""
        return await self.execute(
            "DELETE FROM group_deliveries WHERE sent_at IS NOT NULL AND sent_at < ?",
            (epoch(before),),
        )

    # -- answers for each meeting, and the counts kept -----------------------------------

    async def set_answer(
        self, group_id: int, occurrence: str, user_id: int, answer: str, now: datetime
    ) -> bool:
        """Record USER_ID's answer ('yes' or 'no') for one meeting; False if it was already
        that answer (so pressing twice records once)."""
        return (
            await self.execute(
                "INSERT INTO group_rsvps (group_id, occurrence, user_id, answer, answered_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (group_id, occurrence, user_id) DO UPDATE "
                "SET answer = excluded.answer, answered_at = excluded.answered_at "
                "WHERE group_rsvps.answer != excluded.answer",
                (group_id, occurrence, user_id, answer, epoch(now)),
            )
            > 0
        )

    async def answer_of(self, group_id: int, occurrence: str, user_id: int) -> str | None:
        """USER_ID's answer for one meeting, if they gave one."""
        value = await self.fetchval(
            "SELECT answer FROM group_rsvps WHERE group_id = ? AND occurrence = ? AND user_id = ?",
            (group_id, occurrence, user_id),
        )
        return None if value is None else str(value)

    async def answers_for(self, group_id: int, occurrences: tuple[str, ...]) -> dict[str, Answers]:
        """Current members' answers for each of OCCURRENCES (meetings with none are left
        out)."""
        if not occurrences:
            return {}
        marks = ",".join("?" for _ in occurrences)
        rows = await self.fetchall(
            "SELECT r.occurrence, r.answer, u.alias FROM group_rsvps r "  # noqa: S608
            "JOIN group_members m ON m.group_id = r.group_id AND m.user_id = r.user_id "
            "AND m.status = 'member' JOIN users u ON u.user_id = r.user_id "
            f"WHERE r.group_id = ? AND r.occurrence IN ({marks}) "
            "ORDER BY r.answered_at, r.user_id",
            (group_id, *occurrences),
        )
        found: dict[str, tuple[int, int, list[str | None]]] = {}
        for occurrence, answer, alias in rows:
            yes, no, names = found.get(occurrence, (0, 0, []))
            if answer == "yes":
                names.append(alias)
                found[occurrence] = (yes + 1, no, names)
            else:
                found[occurrence] = (yes, no + 1, names)
        return {o: Answers(yes, no, tuple(names)) for o, (yes, no, names) in found.items()}

    async def record_held(
        self, group_id: int, occurrence: str, starts_at: datetime, now: datetime
    ) -> bool:
        """Count a meeting that has started (members, yes, no) and forget its answers, in
        one transaction; False if it was counted before."""
        async with self.transaction() as db:
            cur = await db.execute(
                "INSERT INTO group_attendance (group_id, occurrence, starts_at, "
                "members, said_yes, said_no, recorded_at) SELECT ?, ?, ?, "
                "(SELECT COUNT(*) FROM group_members WHERE group_id = ? AND status = 'member'), "
                "COUNT(CASE WHEN r.answer = 'yes' THEN 1 END), "
                "COUNT(CASE WHEN r.answer = 'no' THEN 1 END), ? "
                "FROM group_rsvps r JOIN group_members m ON m.group_id = r.group_id "
                "AND m.user_id = r.user_id AND m.status = 'member' "
                "WHERE r.group_id = ? AND r.occurrence = ? ON CONFLICT DO NOTHING",
                (
                    group_id,
                    occurrence,
                    epoch(starts_at),
                    group_id,
                    epoch(now),
                    group_id,
                    occurrence,
                ),
            )
            fresh = cur.rowcount > 0
            await cur.close()
            await db.execute(
                "DELETE FROM group_rsvps WHERE group_id = ? AND occurrence = ?",
                (group_id, occurrence),
            )
        return fresh

    async def meeting_attendance(self, since: datetime, until: datetime) -> Attendance:
        """Meetings that went ahead starting in [SINCE, UNTIL), per group and meeting date,
        as counts (members, said yes, said no); `meetings_held` counts them."""
        rows = await self.fetchall(
            "SELECT group_id, occurrence, starts_at, members, said_yes, said_no "
            "FROM group_attendance WHERE starts_at >= ? AND starts_at < ? "
            "ORDER BY starts_at, group_id",
            (epoch(since), epoch(until)),
        )
        return Attendance(
            tuple(MeetingCount(r[0], r[1], from_epoch(r[2]), r[3], r[4], r[5]) for r in rows)
        )

    async def last_held(self, group_id: int) -> MeetingCount | None:
        """GROUP_ID's most recent meeting that went ahead, as counts."""
        row = await self.fetchone(
            "SELECT group_id, occurrence, starts_at, members, said_yes, said_no "
            "FROM group_attendance WHERE group_id = ? ORDER BY starts_at DESC LIMIT 1",
            (group_id,),
        )
        return (
            None
            if row is None
            else MeetingCount(row[0], row[1], from_epoch(row[2]), row[3], row[4], row[5])
        )
