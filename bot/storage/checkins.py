"""Check-in schedules (one row per person, with an indexed next due time) and answers.

The records it returns are the domain's (bot/domain/checkins.py), so the service layer can
name them without importing storage."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.domain.checkins import (
    ASKED_NOW,
    SCHEDULED,
    CheckinRow,
    CheckinSchedule,
    DueCheckin,
    DueShare,
    Plan,
)
from bot.storage.base import StorageBase, personal_table, returned_id
from bot.storage.core import epoch
from bot.storage.retention import delete_in_chunks

__all__ = ["CheckinRow", "CheckinSchedule", "CheckinsStore", "DueCheckin", "DueShare", "Plan"]

personal_table("checkin_schedules", "user_id")
# The note is ciphertext: /mydata gives it decrypted through the flow's export hook instead.
personal_table("checkins", "user_id", exclude=("note",))

_CHOICE_FIELDS = ("feelings", "skills")
_CHUNK = 250  # rows per statement: well inside SQLite's and PostgreSQL's parameter limits


def _chunks(items: Sequence[Plan], size: int) -> list[Sequence[Plan]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _schedule(row: Any) -> CheckinSchedule:
    return CheckinSchedule(
        user_id=row["user_id"],
        days=row["days"],
        minute=row["minute"],
        paused=bool(row["paused"]),
        next_due=row["next_due"],
        share_weekly=bool(row["share_weekly"]),
        share_due=row["share_due"],
        share_match=row["share_match"],
        share_ask=bool(row["share_ask"]),
    )


def _checkin(row: Any) -> CheckinRow:
    return CheckinRow(
        id=row["id"],
        user_id=row["user_id"],
        due_at=row["due_at"],
        sent_at=row["sent_at"],
        status=row["status"],
        rating=row["rating"],
        feelings=row["feelings"],
        skills=row["skills"],
        note=row["note"],
        answered_at=row["answered_at"],
        kind=ASKED_NOW if row["kind"] == ASKED_NOW else SCHEDULED,
    )


class CheckinsStore(StorageBase):
    """Check-in schedules and answers."""

    # -- schedules ------------------------------------------------------------------------

    async def get_checkin_schedule(self, user_id: int) -> CheckinSchedule | None:
        """USER_ID's schedule, if they have one."""
        row = await self.fetchone("SELECT * FROM checkin_schedules WHERE user_id = ?", (user_id,))
        return None if row is None else _schedule(row)

    async def save_checkin_schedule(
        self, user_id: int, days: int, minute: int, next_due: datetime, now: datetime
    ) -> None:
        """Start or change USER_ID's schedule; it runs (unpaused) from NEXT_DUE."""
        ts = epoch(now)
        await self.execute(
            "INSERT INTO checkin_schedules (user_id, days, minute, paused, next_due, "
            "created_at, updated_at) VALUES (?, ?, ?, 0, ?, ?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET days = excluded.days, "
            "minute = excluded.minute, paused = 0, next_due = excluded.next_due, "
            "updated_at = excluded.updated_at",
            (user_id, days, minute, epoch(next_due), ts, ts),
        )

    async def pause_checkins(self, user_id: int, now: datetime) -> bool:
        """Pause USER_ID's check-ins (nothing is due while paused)."""
        return (
            await self.execute(
                "UPDATE checkin_schedules SET paused = 1, next_due = NULL, updated_at = ? "
                "WHERE user_id = ?",
                (epoch(now), user_id),
            )
            > 0
        )

    async def resume_checkins(self, user_id: int, next_due: datetime, now: datetime) -> bool:
        """Resume USER_ID's check-ins from NEXT_DUE."""
        return (
            await self.execute(
                "UPDATE checkin_schedules SET paused = 0, next_due = ?, updated_at = ? "
                "WHERE user_id = ?",
                (epoch(next_due), epoch(now), user_id),
            )
            > 0
        )

    async def stop_checkins(self, user_id: int) -> bool:
        """Remove USER_ID's schedule (their past check-ins stay theirs until /delete)."""
        return await self.execute("DELETE FROM checkin_schedules WHERE user_id = ?", (user_id,)) > 0

    async def set_checkin_share(
        self, user_id: int, share_due: datetime | None, now: datetime, match_id: int | None = None
    ) -> bool:
        """Share weekly ratings with the peer worker of MATCH_ID from SHARE_DUE, or stop
        (None). Either way it is the person's own choice, so nothing is left to ask."""
        return (
            await self.execute(
                "UPDATE checkin_schedules SET share_weekly = ?, share_due = ?, share_match = ?, "
                "share_ask = 0, updated_at = ? WHERE user_id = ?",
                (
                    int(share_due is not None),
                    None if share_due is None else epoch(share_due),
                    None if share_due is None else match_id,
                    epoch(now),
                    user_id,
                ),
            )
            > 0
        )

    async def end_checkin_share(self, user_id: int, match_id: int, now: datetime) -> bool:
        """Stop sharing with the peer worker of MATCH_ID (the match ended): nothing goes to
        anyone until the person chooses again, and they will be asked. False if they were
        not sharing with that match."""
        return (
            await self.execute(
                "UPDATE checkin_schedules SET share_weekly = 0, share_due = NULL, "
                "share_match = NULL, share_ask = 1, updated_at = ? "
                "WHERE user_id = ? AND share_match = ?",
                (epoch(now), user_id, match_id),
            )
            > 0
        )

    async def move_share_due(self, user_id: int, due: int, share_due: datetime | None) -> None:
        """Set the next weekly summary (None: stop sharing), if it is still DUE."""
        await self.execute(
            "UPDATE checkin_schedules SET share_due = ?, share_weekly = ? "
            "WHERE user_id = ? AND share_due = ?",
            (
                None if share_due is None else epoch(share_due),
                int(share_due is not None),
                user_id,
                due,
            ),
        )

    # -- the dispatcher -------------------------------------------------------------------

    async def due_checkin_schedules(self, now: datetime, limit: int) -> list[DueCheckin]:
        """Up to LIMIT schedules due at NOW, oldest first (one range scan of the due index)."""
        rows = await self.fetchall(
            "SELECT s.user_id, s.days, s.minute, s.next_due, u.timezone, u.alias, "
            "u.active, u.consent FROM checkin_schedules AS s "
            "JOIN users AS u ON u.user_id = s.user_id "
            "WHERE s.next_due <= ? ORDER BY s.next_due LIMIT ?",
            (epoch(now), limit),
        )
        return [
            DueCheckin(r[0], r[1], r[2], r[3], r[4], r[5], reachable=bool(r[6]) and r[7] == "given")
            for r in rows
        ]

    async def dispatch_checkins(self, plans: Sequence[Plan], now: datetime) -> dict[int, int]:
        """Move each schedule on and record each check-in to send, in one transaction.

        A schedule moves only if its next_due is still what was read, so two bot processes
        sharing the database never send the same check-in twice. Returns {user_id: new
        check-in id} for those to send now.
        """
        ts = epoch(now)
        created: dict[int, int] = {}
        if not plans:
            return created
        async with self.transaction() as db:
            # Under the write lock nothing else can move these rows, so one read tells which
            # are still as this process saw them; then one statement each to write.
            current: dict[int, int | None] = {}
            for chunk in _chunks(plans, _CHUNK):
                marks = ",".join("?" for _ in chunk)
                async with db.execute(
                    f"SELECT user_id, next_due FROM checkin_schedules "  # noqa: S608
                    f"WHERE user_id IN ({marks})",
                    [p.user_id for p in chunk],
                ) as cur:
                    current.update((r[0], r[1]) for r in await cur.fetchall())
            live = [p for p in plans if current.get(p.user_id) == p.due]
            await db.executemany(
                "UPDATE checkin_schedules SET next_due = ? WHERE user_id = ?",
                [(p.next_due, p.user_id) for p in live],
            )
            for chunk in _chunks([p for p in live if p.send], _CHUNK):
                values = ",".join("(?, ?, ?)" for _ in chunk)
                params = [v for p in chunk for v in (p.user_id, p.due_at or p.due, ts)]
                async with db.execute(
                    f"INSERT INTO checkins (user_id, due_at, sent_at) VALUES {values} "  # noqa: S608
                    "RETURNING id, user_id",
                    params,
                ) as cur:
                    created.update((r[1], r[0]) for r in await cur.fetchall())
        return created

    async def discard_checkin(self, checkin_id: int) -> None:
        """Forget a check-in that could not be delivered."""
        await self.execute(
            "DELETE FROM checkins WHERE id = ? AND status = 'unanswered'", (checkin_id,)
        )

    async def due_checkin_shares(self, now: datetime, limit: int) -> list[DueShare]:
        """Up to LIMIT weekly summaries due at NOW."""
        rows = await self.fetchall(
            "SELECT s.user_id, s.minute, s.share_due, u.timezone, u.alias, s.share_match "
            "FROM checkin_schedules AS s JOIN users AS u ON u.user_id = s.user_id "
            "WHERE s.share_due <= ? ORDER BY s.share_due LIMIT ?",
            (epoch(now), limit),
        )
        return [DueShare(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows]

    # -- check-ins ------------------------------------------------------------------------

    async def open_checkin(self, user_id: int, now: datetime) -> int:
        """Record a check-in the person asked for now; returns its id."""
        ts = epoch(now)
        async with self.transaction() as db:
            cur = await db.execute(
                "INSERT INTO checkins (user_id, due_at, sent_at, kind) VALUES (?, ?, ?, ?) "
                "RETURNING id",
                (user_id, ts, ts, ASKED_NOW),
            )
            checkin_id = await returned_id(cur)
            await cur.close()
        return checkin_id

    async def get_checkin(self, checkin_id: int, user_id: int) -> CheckinRow | None:
        """Check-in CHECKIN_ID if it is USER_ID's."""
        row = await self.fetchone(
            "SELECT * FROM checkins WHERE id = ? AND user_id = ?", (checkin_id, user_id)
        )
        return None if row is None else _checkin(row)

    async def rate_checkin(self, checkin_id: int, user_id: int, rating: int, now: datetime) -> bool:
        """Record RATING on an unanswered check-in of USER_ID's; False if it wasn't one."""
        return (
            await self.execute(
                "UPDATE checkins SET rating = ?, status = 'answered', answered_at = ? "
                "WHERE id = ? AND user_id = ? AND status = 'unanswered'",
                (rating, epoch(now), checkin_id, user_id),
            )
            > 0
        )

    async def set_checkin_choices(
        self, checkin_id: int, user_id: int, field: str, value: str
    ) -> bool:
        """Store the chosen feelings or skills (comma-separated keys)."""
        if field not in _CHOICE_FIELDS:
            raise ValueError(f"not a choice field: {field}")
        return (
            await self.execute(
                f"UPDATE checkins SET {field} = ? WHERE id = ? AND user_id = ?",  # noqa: S608
                (value, checkin_id, user_id),
            )
            > 0
        )

    async def set_checkin_note(self, checkin_id: int, user_id: int, ciphertext: bytes) -> bool:
        """Store the encrypted note on one of USER_ID's check-ins."""
        return (
            await self.execute(
                "UPDATE checkins SET note = ? WHERE id = ? AND user_id = ?",
                (ciphertext, checkin_id, user_id),
            )
            > 0
        )

    async def checkin_answers(self, user_id: int, since: datetime) -> list[tuple[int, int, str]]:
        """(due_at, rating, skills) of USER_ID's answered check-ins due after SINCE."""
        rows = await self.fetchall(
            "SELECT due_at, rating, skills FROM checkins WHERE user_id = ? AND due_at > ? "
            "AND status = 'answered' ORDER BY due_at",
            (user_id, epoch(since)),
        )
        return [(r[0], r[1], r[2]) for r in rows]

    async def prune_checkins(self, before: datetime) -> int:
        """Forget check-ins sent before BEFORE, with their answers and notes (schedules, and
        so the check-ins still to come, are not touched); returns how many went."""
        return await delete_in_chunks(self, "checkins", "sent_at < ?", (epoch(before),))

    async def checkin_notes(self, user_id: int) -> list[tuple[int, int, bytes]]:
        """(id, due_at, ciphertext) of every note USER_ID wrote on a check-in."""
        rows = await self.fetchall(
            "SELECT id, due_at, note FROM checkins WHERE user_id = ? AND note IS NOT NULL "
            "ORDER BY due_at",
            (user_id,),
        )
        return [(r[0], r[1], bytes(r[2])) for r in rows]
