"""People, invites, counters, and the privacy operations over all of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.storage.base import PERSONAL_TABLES, StorageBase, personal_table

__all__ = ["CoreStore", "RedeemResult", "User", "epoch", "from_epoch"]

personal_table("users", "user_id")
personal_table("invites", "used_by", exclude=("code_hash",))

_USER_FIELDS = ("role", "relationship", "region", "timezone", "alias", "active")


def epoch(when: datetime) -> int:
    """An aware datetime as UTC epoch seconds, the form every time is stored in."""
    return int(when.timestamp())


def from_epoch(seconds: int) -> datetime:
    """UTC epoch seconds back to an aware datetime."""
    from datetime import UTC

    return datetime.fromtimestamp(seconds, UTC)


@dataclass(frozen=True, slots=True)
class User:
    """A person who has met the bot; only `user_id` and `consent` exist for a refusal."""

    user_id: int
    consent: str
    role: str | None
    relationship: str | None
    region: str | None
    timezone: str | None
    alias: str | None
    active: bool
    created_at: int

    @property
    def consented(self) -> bool:
        """Whether they agreed to the privacy notice."""
        return self.consent == "given"


@dataclass(frozen=True, slots=True)
class RedeemResult:
    """What redeeming an invite code gave: a role, or the reason it could not."""

    role: str | None
    problem: str | None  # "unknown", "used", "expired"


def _user(row: Any) -> User:
    return User(
        user_id=row["user_id"],
        consent=row["consent"],
        role=row["role"],
        relationship=row["relationship"],
        region=row["region"],
        timezone=row["timezone"],
        alias=row["alias"],
        active=bool(row["active"]),
        created_at=row["created_at"],
    )


class CoreStore(StorageBase):
    """People, invites, counters and privacy."""

    # -- people ---------------------------------------------------------------------------

    async def get_user(self, user_id: int) -> User | None:
        """The stored person, or None if the bot has never stored them."""
        row = await self.fetchone("SELECT * FROM users WHERE user_id = ?", (user_id,))
        return None if row is None else _user(row)

    async def record_consent(self, user_id: int, now: datetime, *, given: bool) -> User:
        """Store a yes (start a profile) or a no (keep only the id, to remember the no)."""
        ts = epoch(now)
        consent = "given" if given else "refused"
        async with self.transaction() as db:
            await db.execute(
                "INSERT INTO users (user_id, consent, consent_at, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET consent = excluded.consent, "
                "consent_at = excluded.consent_at, updated_at = excluded.updated_at",
                (user_id, consent, ts, ts, ts),
            )
            if not given:
                # A refusal keeps nothing but the id and the refusal itself.
                await db.execute(
                    "UPDATE users SET role = NULL, relationship = NULL, region = NULL, "
                    "timezone = NULL, alias = NULL WHERE user_id = ?",
                    (user_id,),
                )
        user = await self.get_user(user_id)
        assert user is not None
        return user

    async def update_user(self, user_id: int, now: datetime, **fields: Any) -> None:
        """Change some of role, relationship, region, timezone, alias, active."""
        await self.update_columns("users", "user_id", user_id, _USER_FIELDS, epoch(now), fields)

    async def set_active(self, user_id: int, active: bool) -> None:
        """Mark someone inactive once they block the bot (and active again if they return)."""
        await self.execute("UPDATE users SET active = ? WHERE user_id = ?", (int(active), user_id))

    async def users_with_roles(
        self, roles: tuple[str, ...], *, active_only: bool = True
    ) -> list[User]:
        """Everyone holding one of ROLES, oldest first."""
        marks = ",".join("?" for _ in roles)
        sql = f"SELECT * FROM users WHERE consent = 'given' AND role IN ({marks})"  # noqa: S608
        if active_only:
            sql += " AND active = 1"
        rows = await self.fetchall(sql + " ORDER BY created_at, user_id", roles)
        return [_user(r) for r in rows]

    async def invited_role(self, user_id: int) -> str | None:
        """The role of the last invite USER_ID used, if any."""
        value = await self.fetchval(
            "SELECT role FROM invites WHERE used_by = ? ORDER BY used_at DESC LIMIT 1",
            (user_id,),
        )
        return None if value is None else str(value)

    async def user_ids_with_roles(self, roles: tuple[str, ...]) -> list[int]:
        """The ids of everyone active holding one of ROLES, oldest first (a broadcast's
        recipients: no User object per person)."""
        marks = ",".join("?" for _ in roles)
        rows = await self.fetchall(
            f"SELECT user_id FROM users WHERE consent = 'given' AND role IN ({marks}) "  # noqa: S608
            "AND active = 1 ORDER BY created_at, user_id",
            roles,
        )
        return [r[0] for r in rows]

    async def count_by_role(self) -> dict[str, int]:
        """How many active people hold each role (a count, for reports)."""
        rows = await self.fetchall(
            "SELECT role, COUNT(*) FROM users WHERE role IS NOT NULL AND active = 1 GROUP BY role"
        )
        return {r[0]: r[1] for r in rows}

    # -- invites --------------------------------------------------------------------------

    async def create_invite(
        self, code_hash: str, role: str, created_by: int | None, now: datetime, expires: datetime
    ) -> None:
        """Store a new single-use invite (only the hash of its code)."""
        await self.execute(
            "INSERT INTO invites (code_hash, role, created_by, created_at, expires_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (code_hash, role, created_by, epoch(now), epoch(expires)),
        )

    async def redeem_invite(self, code_hash: str, user_id: int, now: datetime) -> RedeemResult:
        """Use an invite once: give its role to USER_ID, or say why not."""
        ts = epoch(now)
        async with self.transaction() as db:
            async with db.execute(
                "SELECT role, expires_at, used_at FROM invites WHERE code_hash = ?", (code_hash,)
            ) as cur:
                row = await cur.fetchone()
            if row is None:
                return RedeemResult(None, "unknown")
            if row["used_at"] is not None:
                return RedeemResult(None, "used")
            if row["expires_at"] <= ts:
                return RedeemResult(None, "expired")
            await db.execute(
                "UPDATE invites SET used_by = ?, used_at = ? WHERE code_hash = ?",
                (user_id, ts, code_hash),
            )
            await db.execute(
                "UPDATE users SET role = ?, updated_at = ? WHERE user_id = ?",
                (row["role"], ts, user_id),
            )
            return RedeemResult(row["role"], None)

    # -- counters -------------------------------------------------------------------------

    async def bump_counter(self, name: str, day: str, region: str = "", by: int = 1) -> None:
        """Add BY to a daily count (never with a person or text attached), with the rest of
        the update's writes."""
        await self.defer(
            "INSERT INTO counters (day, name, region, value) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (day, name, region) DO UPDATE SET value = counters.value + excluded.value",
            (day, name, region, by),
        )

    async def counters(self, name: str | None = None) -> list[tuple[str, str, str, int]]:
        """Daily counts as (day, name, region, value), optionally for one NAME."""
        if name is None:
            rows = await self.fetchall(
                "SELECT day, name, region, value FROM counters ORDER BY day, name, region"
            )
        else:
            rows = await self.fetchall(
                "SELECT day, name, region, value FROM counters WHERE name = ? ORDER BY day, region",
                (name,),
            )
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    # -- privacy ----------------------------------------------------------------------------

    async def export_user(self, user_id: int) -> dict[str, list[dict[str, Any]]]:
        """Everything stored about USER_ID, table by table, for /mydata."""
        export: dict[str, list[dict[str, Any]]] = {}
        for entry in PERSONAL_TABLES:
            if not entry.export:
                continue
            rows = await self.fetchall(
                f"SELECT * FROM {entry.table} WHERE {entry.column} = ?",  # noqa: S608
                (user_id,),
            )
            if rows:
                export[entry.table] = [
                    {k: r[k] for k in r.keys() if k not in entry.exclude}  # noqa: SIM118
                    for r in rows
                ]
        return export

    async def delete_user(self, user_id: int) -> int:
        """Erase every row about USER_ID in one transaction; returns the rows removed."""
        removed = 0
        async with self.transaction() as db:
            # Children first, the users row last; ON DELETE CASCADE covers the rest.
            for entry in reversed(PERSONAL_TABLES):
                cur = await db.execute(
                    f"DELETE FROM {entry.table} WHERE {entry.column} = ?",  # noqa: S608
                    (user_id,),
                )
                removed += max(cur.rowcount, 0)
                await cur.close()
            cur = await db.execute(
                "UPDATE invites SET created_by = NULL WHERE created_by = ?", (user_id,)
            )
            await cur.close()
        await self.forget_erased()
        return removed

    async def forget_erased(self) -> None:
        """Copy the write-ahead log into the database and empty it, so rows just erased
        (overwritten there by secure_delete) are not left readable in the -wal file."""
        if self.dialect != "sqlite":  # PostgreSQL's own VACUUM and WAL recycling do this
            return
        if self._own_tx() is None:  # inside a caller's transaction the next erasure does it
            await self.execute("PRAGMA wal_checkpoint(TRUNCATE)")
