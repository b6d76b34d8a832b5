"""The connection, transactions, migrations and the registry of tables holding personal data."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

__all__ = ["PERSONAL_TABLES", "PersonalTable", "StorageBase", "StorageError", "personal_table"]

_LOG = logging.getLogger(__name__)
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class StorageError(RuntimeError):
    """The database can't be opened or used; the message says why and what to do, in plain
    words for the person running the service."""


@dataclass(frozen=True, slots=True)
class PersonalTable:
    """A table with rows about one person, found by COLUMN; used by /mydata and /delete."""

    table: str
    column: str
    export: bool = True
    exclude: tuple[str, ...] = ()  # columns left out of /mydata (ciphertext, hashes)


PERSONAL_TABLES: list[PersonalTable] = []


def personal_table(table: str, column: str, *, export: bool = True,
                   exclude: Sequence[str] = ()) -> None:
    """Register a table so /mydata exports it and /delete erases it."""
    entry = PersonalTable(table, column, export, tuple(exclude))
    if entry not in PERSONAL_TABLES:
        PERSONAL_TABLES.append(entry)


class StorageBase:
    """One aiosqlite connection with WAL, foreign keys and numbered migrations."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._db: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()

    @property
    def db(self) -> aiosqlite.Connection:
        """The open connection."""
        if self._db is None:
            raise RuntimeError("Storage is not connected; call connect() first")
        return self._db

    async def connect(self) -> None:
        """Open the database (owner-only permissions), switch on WAL and apply migrations.

        Raises StorageError, with what to do, when the folder can't be written, the file is
        not a database, another program holds it locked, or a newer bot wrote it.
        """
        if self._db is not None:
            return
        if str(self.path) != ":memory:":
            self._prepare_file()
        try:
            db = await aiosqlite.connect(self.path, isolation_level=None)
        except sqlite3.Error as exc:
            raise self._explain(exc) from None
        try:
            db.row_factory = aiosqlite.Row
            await db.execute("PRAGMA busy_timeout = 5000")
            await db.execute("PRAGMA journal_mode = WAL")
            await db.execute("PRAGMA foreign_keys = ON")
            await db.execute("PRAGMA synchronous = NORMAL")
            self._db = db
            await self._migrate()
            # A write lock held elsewhere shows now, not on someone's first message.
            await db.execute("BEGIN IMMEDIATE")
            await db.execute("ROLLBACK")
        except BaseException as exc:
            # Close the connection's thread, or the process would never exit.
            self._db = None
            await db.close()
            if isinstance(exc, sqlite3.Error):
                raise self._explain(exc) from None
            raise

    def _prepare_file(self) -> None:
        folder = self.path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600)
            os.close(fd)
            os.chmod(self.path, 0o600)
            probe = folder / f".write-check-{os.getpid()}"
            probe.touch()
            probe.unlink()
        except OSError as exc:
            raise StorageError(
                f"The bot can't write to its data folder {folder} ({exc.strerror or exc}). "
                "It keeps its database there, so it must be a folder this user can write to. "
                "Fix the folder's owner or permissions, or point data_dir in the settings (or "
                "BOT_DATA_DIR) at a folder that is writable."
            ) from None

    def _explain(self, exc: sqlite3.Error) -> StorageError:
        text = str(exc).lower()
        if "locked" in text or "busy" in text:
            return StorageError(
                f"The database {self.path} is locked by another program. Is another copy of "
                "the bot, or a database tool, using it? Close that program and start again."
            )
        if "not a database" in text or "malformed" in text or "corrupt" in text:
            return StorageError(
                f"The file {self.path} is not a readable database: it looks damaged or is not "
                "the bot's database. Restore it from a backup, or move it aside to start with "
                "an empty database (everyone would need to start again)."
            )
        if "readonly" in text or "read-only" in text or "unable to open" in text:
            return StorageError(
                f"The bot can't open the database {self.path} for writing ({exc}). Check the "
                "file and its folder belong to the user the bot runs as."
            )
        return StorageError(f"The database {self.path} could not be opened: {exc}.")

    async def close(self) -> None:
        """Close the connection."""
        if self._db is not None:
            await self._db.close()
            self._db = None

    async def _migrate(self) -> None:
        files = sorted(
            (int(m.group(1)), entry.name, entry.read_text(encoding="utf-8"))
            for entry in resources.files("bot.storage").joinpath("migrations").iterdir()
            if (m := _MIGRATION_NAME.match(entry.name))
        )
        numbers = [n for n, _, _ in files]
        if len(set(numbers)) != len(numbers):
            raise RuntimeError(f"Two migration files share a number: {numbers}")
        async with self.db.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        current = int(row[0]) if row else 0
        latest = max(numbers, default=0)
        if current > latest:
            raise StorageError(
                f"The database {self.path} was written by a newer version of the bot (schema "
                f"{current}; this version knows up to {latest}). Run the newer version, or "
                "restore a backup made with this version."
            )
        for number, name, sql in files:
            if number <= current:
                continue
            _LOG.info("Applying migration %s", name)
            async with self._write_lock:
                await self.db.executescript(
                    f"BEGIN;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;"
                )

    # Each helper below is one round trip to aiosqlite's worker thread (execute_fetchall),
    # which is what makes a query cost tens of microseconds rather than hundreds.

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run several writes as one: all or nothing, and no other write in between."""
        async with self._write_lock:
            await self.db.execute_fetchall("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                await self.db.execute_fetchall("ROLLBACK")
                raise
            else:
                await self.db.execute_fetchall("COMMIT")

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one write statement and return the number of rows it changed."""
        async with self._write_lock:
            before = self.db.total_changes
            await self.db.execute_fetchall(sql, params)
            return self.db.total_changes - before

    async def update_columns(self, table: str, key_column: str, key: Any,
                             allowed: Iterable[str], updated_at: int,
                             fields: dict[str, Any]) -> None:
        """Set some of a row's ALLOWED columns (names checked here, values as parameters)."""
        unknown = set(fields) - set(allowed)
        if unknown:
            raise ValueError(f"not editable in {table}: {sorted(unknown)}")
        if not fields:
            return
        assignments = ", ".join(f"{name} = ?" for name in fields)
        await self.execute(
            f"UPDATE {table} SET {assignments}, updated_at = ? "  # noqa: S608 - names checked
            f"WHERE {key_column} = ?",
            (*fields.values(), updated_at, key),
        )

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one write statement for many rows, in one transaction."""
        async with self.transaction() as db:
            await db.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
        """Run a query and return its first row, if any."""
        rows = await self.db.execute_fetchall(sql, params)
        return next(iter(rows), None)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        """Run a query and return all its rows."""
        return list(await self.db.execute_fetchall(sql, params))

    async def fetchval(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Run a query and return the first column of its first row, or None."""
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    async def table_names(self) -> list[str]:
        """All tables in the schema (used by privacy tests and checks)."""
        rows = await self.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        return [r[0] for r in rows]
