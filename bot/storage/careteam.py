"""Care teams (integrated model): clinicians' single-use links, who is on whose care team,
and the access log of staff reads of a person's notes (migration 0021)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.storage.base import StorageBase, personal_table
from bot.storage.core import epoch

__all__ = ["CareTeamLink", "CareTeamMember", "CareTeamStore", "NoteRead"]

# The person's own: their care team, the links they opened, who read their notes. A
# clinician's /delete takes them off every care team and drops their unused links; the
# person's log keeps the name and role it recorded (reader_id goes to NULL).
personal_table("care_team", "person_id", exclude=("clinician_id",))
personal_table("care_team", "clinician_id", export=False)
personal_table("care_team_links", "opened_by", exclude=("code_hash", "clinician_id"))
personal_table("care_team_links", "clinician_id", export=False)
personal_table("note_reads", "person_id", exclude=("reader_id",))


@dataclass(frozen=True, slots=True)
class CareTeamLink:
    """A clinician's care-team link (its code is never stored)."""

    id: int
    clinician_id: int
    expires_at: int
    opened_by: int | None
    answer: str | None


@dataclass(frozen=True, slots=True)
class CareTeamMember:
    """One clinician on one person's care team (ID names the row in buttons)."""

    id: int
    person_id: int
    clinician_id: int
    added_at: int


@dataclass(frozen=True, slots=True)
class NoteRead:
    """One staff read of a person's notes, as the log keeps it."""

    reader_role: str
    reader_name: str
    notes: int
    read_at: int


def _link(row: Any) -> CareTeamLink:
    return CareTeamLink(
        row["id"], row["clinician_id"], row["expires_at"], row["opened_by"], row["answer"]
    )


def _member(row: Any) -> CareTeamMember:
    return CareTeamMember(row["id"], row["person_id"], row["clinician_id"], row["added_at"])


class CareTeamStore(StorageBase):
    """Care-team links, care teams and the notes access log."""

    async def create_care_team_link(
        self, code_hash: str, clinician_id: int, now: datetime, expires: datetime
    ) -> None:
        """Store a new link (only the hash of its code)."""
        column, value = self._fresh_id("care_team_links")
        await self.execute(
            f"INSERT INTO care_team_links ({column}code_hash, clinician_id, created_at, "  # noqa: S608
            f"expires_at) VALUES ({value}?, ?, ?, ?)",
            (code_hash, clinician_id, epoch(now), epoch(expires)),
        )

    async def open_care_team_link(
        self, code_hash: str, person_id: int, now: datetime
    ) -> tuple[CareTeamLink | None, str | None]:
        """Claim the link for PERSON_ID (the first person to open it, unanswered and not
        expired); (the link, None) or (None, why: "unknown", "used" or "expired")."""
        async with self.transaction() as db:
            rows = list(
                await db.execute_fetchall(
                    "SELECT * FROM care_team_links WHERE code_hash = ?", (code_hash,)
                )
            )
            if not rows:
                return None, "unknown"
            link = _link(rows[0])
            if link.answer is not None or link.opened_by not in (None, person_id):
                return None, "used"
            if link.expires_at <= epoch(now):
                return None, "expired"
            if link.opened_by is None:
                cursor = await db.execute(
                    "UPDATE care_team_links SET opened_by = ?, opened_at = ? WHERE id = ?",
                    (person_id, epoch(now), link.id),
                )
                await cursor.close()
        return CareTeamLink(link.id, link.clinician_id, link.expires_at, person_id, None), None

    async def answer_care_team_link(
        self, link_id: int, person_id: int, accept: bool, now: datetime
    ) -> CareTeamLink | None:
        """PERSON_ID's answer to the link they opened (once, before it expires); on a yes
        the clinician joins their care team in the same transaction. None if the link isn't
        theirs to answer (any more)."""
        async with self.transaction() as db:
            cursor = await db.execute(
                "UPDATE care_team_links SET answer = ?, answered_at = ? WHERE id = ? "
                "AND opened_by = ? AND answer IS NULL AND expires_at > ?",
                ("accepted" if accept else "declined", epoch(now), link_id, person_id, epoch(now)),
            )
            changed = cursor.rowcount
            await cursor.close()
            if changed != 1:
                return None
            rows = list(
                await db.execute_fetchall("SELECT * FROM care_team_links WHERE id = ?", (link_id,))
            )
            link = _link(rows[0])
            if accept and link.clinician_id != person_id:
                cursor = await db.execute(
                    "INSERT INTO care_team (person_id, clinician_id, added_at) "
                    "VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                    (person_id, link.clinician_id, epoch(now)),
                )
                await cursor.close()
        return link

    async def care_team(self, person_id: int) -> list[CareTeamMember]:
        """PERSON_ID's care team, longest-standing first."""
        rows = await self.fetchall(
            "SELECT * FROM care_team WHERE person_id = ? ORDER BY added_at, id", (person_id,)
        )
        return [_member(r) for r in rows]

    async def care_team_member(self, member_id: int) -> CareTeamMember | None:
        """One care-team row."""
        row = await self.fetchone("SELECT * FROM care_team WHERE id = ?", (member_id,))
        return None if row is None else _member(row)

    async def remove_care_team_member(self, member_id: int, person_id: int) -> bool:
        """Take one clinician off PERSON_ID's care team; False if the row isn't theirs."""
        return (
            await self.execute(
                "DELETE FROM care_team WHERE id = ? AND person_id = ?", (member_id, person_id)
            )
            == 1
        )

    async def care_team_people(self, clinician_id: int) -> set[int]:
        """The people whose care team CLINICIAN_ID is on."""
        rows = await self.fetchall(
            "SELECT person_id FROM care_team WHERE clinician_id = ?", (clinician_id,)
        )
        return {r[0] for r in rows}

    async def leave_care_teams(self, clinician_id: int) -> int:
        """Take CLINICIAN_ID off every care team (they have left the service); how many."""
        return await self.execute("DELETE FROM care_team WHERE clinician_id = ?", (clinician_id,))

    async def on_care_team(self, person_id: int, clinician_id: int) -> bool:
        """Whether CLINICIAN_ID is on PERSON_ID's care team now."""
        return (
            await self.fetchval(
                "SELECT 1 FROM care_team WHERE person_id = ? AND clinician_id = ?",
                (person_id, clinician_id),
            )
            is not None
        )

    async def log_note_read(
        self,
        *,
        person_id: int,
        reader_id: int,
        reader_role: str,
        reader_name: str,
        notes: int,
        now: datetime,
    ) -> None:
        """Keep one staff read of PERSON_ID's notes in their access log."""
        await self.execute(
            "INSERT INTO note_reads (person_id, reader_id, reader_role, reader_name, notes, "
            "read_at) VALUES (?, ?, ?, ?, ?, ?)",
            (person_id, reader_id, reader_role, reader_name, notes, epoch(now)),
        )

    async def note_reads(self, person_id: int) -> list[NoteRead]:
        """PERSON_ID's access log, newest first."""
        rows = await self.fetchall(
            "SELECT reader_role, reader_name, notes, read_at FROM note_reads "
            "WHERE person_id = ? ORDER BY read_at DESC, id DESC",
            (person_id,),
        )
        return [NoteRead(r[0], r[1], r[2], r[3]) for r in rows]
