"""Columns that hold ciphertext, the key check, and re-encrypting everything with a new key."""

from __future__ import annotations

from collections.abc import Callable

from bot.storage.base import StorageBase

__all__ = ["ENCRYPTED_COLUMNS", "KeyStore", "encrypted_column"]

#: (table, column) pairs that hold Fernet ciphertext (or NULL); every store registers its own.
ENCRYPTED_COLUMNS: list[tuple[str, str]] = []


def encrypted_column(table: str, column: str) -> None:
    """Register TABLE.COLUMN as ciphertext, so a key rotation re-encrypts it."""
    if (table, column) not in ENCRYPTED_COLUMNS:
        ENCRYPTED_COLUMNS.append((table, column))


for _table, _column in (
    ("notes", "body"),
    ("supervision_requests", "note"),
    ("checkins", "note"),
    ("sessions", "draft"),
    ("update_inbox", "body"),
):
    encrypted_column(_table, _column)

_KEY_CHECK = "key_check"


class KeyStore(StorageBase):
    """The key check and key rotation."""

    async def key_check(self) -> bytes | None:
        """The stored key check, if one was written."""
        value = await self.fetchval("SELECT value FROM meta WHERE name = ?", (_KEY_CHECK,))
        return None if value is None else bytes(value)

    async def set_key_check(self, value: bytes) -> None:
        """Store the key check."""
        await self.execute(
            "INSERT INTO meta (name, value) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            (_KEY_CHECK, value),
        )

    async def any_ciphertext(self) -> bytes | None:
        """One stored ciphertext, from any encrypted column (to test a key against)."""
        for table, column in ENCRYPTED_COLUMNS:
            query = f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL LIMIT 1"  # noqa: S608
            value = await self.fetchval(query)
            if value is not None:
                return bytes(value)
        return None

    async def reencrypt_all(self, convert: Callable[[bytes], bytes], new_check: bytes) -> int:
        """Rewrite every encrypted value with CONVERT and the key check, in one transaction;
        returns how many values were rewritten (all or none)."""
        count = 0
        async with self.transaction() as db:
            for table, column in ENCRYPTED_COLUMNS:
                rows = list(
                    await db.execute_fetchall(
                        f"SELECT rowid, {column} FROM {table} "  # noqa: S608 - registered names
                        f"WHERE {column} IS NOT NULL"
                    )
                )
                await db.executemany(
                    f"UPDATE {table} SET {column} = ? WHERE rowid = ?",  # noqa: S608
                    [(convert(bytes(value)), rowid) for rowid, value in rows],
                )
                count += len(rows)
            await db.execute(
                "INSERT INTO meta (name, value) VALUES (?, ?) "
                "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                (_KEY_CHECK, new_check),
            )
        return count
