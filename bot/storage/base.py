"""Connections, transactions, migrations and the registry of tables holding personal data.

Many updates run at once (bot/concurrency.py), so a transaction must be private to the task
that opened it. The database is opened as one writer connection and a few reader connections
(WAL lets readers run beside the writer and see only committed rows):

- `transaction()` takes the writer for its task alone (an asyncio lock), so no other task's
  statement can run inside it; the task's own reads inside it see its own writes.
  `transaction(short=True)`, for a few small statements by key (keeping a relayed message),
  runs on the loop's own writing connection instead: the same lock and privacy, no thread
  hop per statement.
- `execute()` outside a transaction takes the writer for one statement.
- `fetchone()`, `fetchall()`, `fetchval()` outside a transaction read committed rows only, so
  they never see another task's uncommitted rows, and never wait for a writer. They run on
  the event loop's own thread, on a read-only connection, when they finish within
  INLINE_BUDGET_S (a lookup by key takes 10-40 us); a read that runs longer is stopped there
  and done again on a reader connection's thread, so the loop is never held for longer.
- `defer()` queues a write for the end of the update being processed; bot/runtime.py writes
  everything queued, and the update's inbox mark, in one transaction with `batch()`.
- `batch()` outside a transaction also runs on the loop's thread (a connection that never
  checkpoints there, and the same budget), else on the writer's thread; writes are one at a
  time either way (the same asyncio lock).

Each statement on a connection's thread is a round trip (45-130 us of thread hops against
14-31 us in SQLite itself on a quiet machine; 0.5 ms and more on a busy one, measured in
benchmarks/bench_concurrency.py), so helpers here do their work in one hop where they can,
and short reads make none.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import math
import os
import re
import sqlite3
import threading
import time
from collections import deque
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Generator,
    Hashable,
    Iterable,
    Sequence,
)
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite
from aiosqlite.context import Result

__all__ = [
    "PERSONAL_TABLES",
    "PersonalTable",
    "StorageBase",
    "StorageError",
    "Transaction",
    "personal_table",
    "returned_id",
]

_LOG = logging.getLogger(__name__)
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
T = TypeVar("T")
Statement = tuple[str, Sequence[Any]]

#: Readers beside the one writer: enough for reads of many concurrent updates to overlap.
READERS = 3
#: Rows per step when a transaction writes many (executemany): each step is one hop to the
#: writer's thread, short enough that the event loop is never held up for long.
CHUNK_ROWS = 500
#: How long a read may run on the event loop's thread before it is stopped and handed to a
#: reader thread instead; checked every INLINE_CHECK_STEPS SQLite VM steps.
INLINE_BUDGET_S = 0.002
INLINE_CHECK_STEPS = 1000
#: Commits made on the loop's thread between two checkpoints on the writer's thread.
CHECKPOINT_EVERY = 200


#: The tables migration 0023 keeps ids of (see StorageBase._fresh_id).
_FRESH_ID_TABLES = frozenset(("matches", "notes", "supervision_requests", "care_team_links"))


async def returned_id(cursor: Any) -> int:
    """The id an `INSERT ... RETURNING id` gave (both backends; SQLite's lastrowid has no
    PostgreSQL counterpart)."""
    row = await cursor.fetchone()
    if row is None:
        raise RuntimeError("an INSERT ... RETURNING id returned no row")
    return int(row[0])


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


def personal_table(
    table: str, column: str, *, export: bool = True, exclude: Sequence[str] = ()
) -> None:
    """Register a table so /mydata exports it and /delete erases it."""
    entry = PersonalTable(table, column, export, tuple(exclude))
    if entry not in PERSONAL_TABLES:
        PERSONAL_TABLES.append(entry)


class Transaction:
    """The writer connection, for the task that opened `StorageBase.transaction()` only.

    It offers what aiosqlite's Connection offers to code inside a transaction (execute,
    execute_fetchall, executemany); executemany goes in chunks of CHUNK_ROWS so that a
    10,000-row insert never holds the event loop for more than a few milliseconds at a time.

    A short transaction (`transaction(short=True)`) runs on the event loop's own writing
    connection (INLINE): each statement is a plain call, no thread hop.
    """

    __slots__ = ("_db", "inline", "owner")

    def __init__(
        self,
        db: aiosqlite.Connection,
        owner: asyncio.Task[Any] | None,
        inline: sqlite3.Connection | None = None,
    ) -> None:
        self._db = db
        self.owner = owner
        self.inline = inline

    def execute(
        self, sql: str, parameters: Sequence[Any] = ()
    ) -> Result[aiosqlite.Cursor] | _InlineResult:
        """Run one statement (await it, or use it as `async with ... as cursor`)."""
        if self.inline is not None:
            return _InlineResult(self.inline.execute(sql, parameters))
        return self._db.execute(sql, parameters)

    async def execute_fetchall(
        self, sql: str, parameters: Sequence[Any] = ()
    ) -> Iterable[sqlite3.Row]:
        """Run one statement and return its rows, in one round trip."""
        if self.inline is not None:
            return self.inline.execute(sql, parameters).fetchall()
        return await self._db.execute_fetchall(sql, parameters)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run SQL for every row, CHUNK_ROWS rows per round trip."""
        chunk: list[Sequence[Any]] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= CHUNK_ROWS:
                await self._executemany(sql, chunk)
                chunk = []
        if chunk:
            await self._executemany(sql, chunk)

    async def _executemany(self, sql: str, chunk: list[Sequence[Any]]) -> None:
        if self.inline is not None:
            self.inline.executemany(sql, chunk)
            await asyncio.sleep(0)  # a turn for the loop between chunks
        else:
            await _run(self._db, _executemany, sql, chunk)


class _InlineCursor:
    """A sqlite3 cursor with aiosqlite's awaitable methods (for code in a short
    transaction that was written for aiosqlite's)."""

    __slots__ = ("_cursor",)

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    async def fetchone(self) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self._cursor.fetchone()
        return row

    async def fetchall(self) -> list[sqlite3.Row]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class _InlineResult:
    """A statement already run inline: awaitable, or `async with`, like aiosqlite's Result."""

    __slots__ = ("_cursor",)

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = _InlineCursor(cursor)

    def __await__(self) -> Generator[Any, None, _InlineCursor]:
        yield from ()
        return self._cursor

    async def __aenter__(self) -> _InlineCursor:
        return self._cursor

    async def __aexit__(self, *exc: object) -> None:
        await self._cursor.close()


# Work done on a connection's own thread, in one hop (sqlite3 is used there directly).


async def _run(db: aiosqlite.Connection, fn: Callable[..., T], *args: Any) -> T:
    # aiosqlite's one way to run a function on its thread (every public method uses it);
    # it has no annotations, so what it returns is stated here: what FN returns.
    execute: Callable[..., Awaitable[T]] = db._execute
    return await execute(fn, db._conn, *args)


def _executemany(conn: sqlite3.Connection, sql: str, rows: list[Sequence[Any]]) -> None:
    conn.executemany(sql, rows)


def _write(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> int:
    return conn.execute(sql, params).rowcount


def _batch(conn: sqlite3.Connection, statements: Sequence[Statement]) -> list[int]:
    counts = []
    conn.execute("BEGIN IMMEDIATE")
    try:
        for sql, params in statements:
            counts.append(conn.execute(sql, params).rowcount)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return counts


def _returning(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> list[sqlite3.Row]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        rows = conn.execute(sql, params).fetchall()
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return rows


def _checkpoint(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()


def _begin(conn: sqlite3.Connection) -> None:
    conn.execute("BEGIN IMMEDIATE")


def _end(conn: sqlite3.Connection, commit: bool) -> None:
    if not conn.in_transaction:  # SQLite rolled back by itself (a failed COMMIT, a full disk)
        return
    conn.execute("COMMIT" if commit else "ROLLBACK")


def _fetchall(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> list[sqlite3.Row]:
    return conn.execute(sql, params).fetchall()


def _fetchone(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute(sql, params).fetchone()
    return row


def migration_files(dialect: str = "sqlite") -> list[tuple[int, str, str]]:
    """(number, file name, SQL) of every migration for DIALECT, in order.

    SQLite's are in bot/storage/migrations/, PostgreSQL's in its postgres/ folder, numbered
    alike so that one number means one schema on either.
    """
    folder = resources.files("bot.storage").joinpath("migrations")
    if dialect != "sqlite":
        folder = folder.joinpath(dialect)
    files = sorted(
        (int(m.group(1)), entry.name, entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if (m := _MIGRATION_NAME.match(entry.name))
    )
    numbers = [n for n, _, _ in files]
    if len(set(numbers)) != len(numbers):
        raise RuntimeError(f"Two migration files share a number: {numbers}")
    return files


class StorageBase:
    """One writer and READERS reader aiosqlite connections, with WAL, foreign keys and
    numbered migrations; transactions private to the task that opens them."""

    #: Which SQL the database speaks where the stores must differ: "sqlite" or "postgres".
    dialect = "sqlite"

    def __init__(self, path: Path | str, *, readers: int = READERS) -> None:
        self.path = Path(path)
        self._db: aiosqlite.Connection | None = None
        self._readers: list[aiosqlite.Connection] = []
        self._idle: list[aiosqlite.Connection] = []
        self._reader_waiters: deque[asyncio.Future[aiosqlite.Connection]] = deque()
        self._reader_count = readers
        self._inline: sqlite3.Connection | None = None
        self._inline_writer: sqlite3.Connection | None = None
        self._inline_thread = 0
        self._inline_deadline = 0.0  # the loop's read-only connection's budget
        self._inline_write_deadline = 0.0  # the loop's writing connection's (its own, so a
        # read by another task in the middle of a short transaction never sets it)
        self._inline_commits = 0
        self._checkpoint: asyncio.Task[Any] | None = None
        self._write_lock = asyncio.Lock()
        self._tx: contextvars.ContextVar[Transaction | None] = contextvars.ContextVar(
            f"storage_tx_{id(self)}", default=None
        )
        self._deferred: contextvars.ContextVar[_Pending | None] = contextvars.ContextVar(
            f"storage_deferred_{id(self)}", default=None
        )

    @property
    def db(self) -> aiosqlite.Connection:
        """The writer connection (take `transaction()` before writing with it)."""
        if self._db is None:
            raise RuntimeError("Storage is not connected; call connect() first")
        return self._db

    @property
    def _memory(self) -> bool:
        return str(self.path) == ":memory:"

    async def _open(self) -> aiosqlite.Connection:
        try:
            db = await aiosqlite.connect(self.path, isolation_level=None)
        except sqlite3.Error as exc:
            raise self._explain(exc) from None
        try:
            db.row_factory = aiosqlite.Row
            # secure_delete: an erased row's bytes are overwritten, not left in free space.
            await db.executescript(
                "PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; "
                "PRAGMA synchronous = NORMAL; PRAGMA secure_delete = ON;"
            )
        except BaseException:
            await db.close()
            raise
        return db

    async def connect(self) -> None:
        """Open the database (owner-only permissions), switch on WAL and apply migrations.

        Raises StorageError, with what to do, when the folder can't be written, the file is
        not a database, another program holds it locked, or a newer bot wrote it.
        """
        if self._db is not None:
            return
        if not self._memory:
            self._prepare_file()
        try:
            db = await self._open()
            self._db = db
            await db.execute_fetchall("PRAGMA journal_mode = WAL")
            await self._migrate()
            # A write lock held elsewhere shows now, not on someone's first message.
            await db.execute_fetchall("BEGIN IMMEDIATE")
            await db.execute_fetchall("ROLLBACK")
            # ":memory:" is one database per connection: there the writer also reads, and
            # a transaction's privacy comes from reads waiting for the write lock.
            for _ in range(0 if self._memory else self._reader_count):
                self._readers.append(await self._open())
            self._idle = list(self._readers)
            if not self._memory:
                self._inline = self._open_inline(query_only=True)
                self._inline_writer = self._open_inline(query_only=False)
                self._inline_thread = threading.get_ident()
        except BaseException as exc:
            # Close the connections' threads, or the process would never exit.
            await self.close()
            if isinstance(exc, sqlite3.Error):
                raise self._explain(exc) from None
            raise

    def _open_inline(self, *, query_only: bool) -> sqlite3.Connection:
        """A connection used on the event loop's thread: no busy wait (a busy database sends
        the work to a connection's thread), a budget on every statement, and no checkpoint
        (its fsyncs happen on the writer's thread, see `_after_inline_commit`)."""
        conn = sqlite3.connect(self.path, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.executescript(
            "PRAGMA busy_timeout = 0; PRAGMA foreign_keys = ON; "
            "PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0; "
            "PRAGMA secure_delete = ON;"
            f"PRAGMA query_only = {'ON' if query_only else 'OFF'};"
        )
        conn.set_progress_handler(
            self._over_budget if query_only else self._over_write_budget, INLINE_CHECK_STEPS
        )
        return conn

    def _on_loop_thread(self) -> bool:
        return self._inline is not None and threading.get_ident() == self._inline_thread

    def _over_budget(self) -> bool:
        return time.perf_counter() > self._inline_deadline

    def _over_write_budget(self) -> bool:
        return time.perf_counter() > self._inline_write_deadline

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
        """Close every connection."""
        readers, self._readers, self._idle = self._readers, [], []
        if self._checkpoint is not None:
            await asyncio.gather(self._checkpoint, return_exceptions=True)
            self._checkpoint = None
        for inline in (self._inline, self._inline_writer):
            if inline is not None:
                inline.close()
        self._inline = self._inline_writer = None
        for reader in readers:
            await reader.close()
        if self._db is not None:
            db, self._db = self._db, None
            await db.close()

    def latest_schema_version(self) -> int:
        """The highest migration number this version of the bot knows."""
        return max((n for n, _, _ in migration_files(self.dialect)), default=0)

    async def schema_version(self) -> int:
        """The highest migration applied to this database."""
        return int(await self.fetchval("PRAGMA user_version") or 0)

    async def _migrate(self) -> None:
        files = migration_files(self.dialect)
        async with self.db.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        current = int(row[0]) if row else 0
        latest = max((n for n, _, _ in files), default=0)
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

    # -- writes ----------------------------------------------------------------------------

    def _own_tx(self) -> Transaction | None:
        tx = self._tx.get()
        if tx is not None and tx.owner is asyncio.current_task():
            return tx
        return None

    @asynccontextmanager
    async def transaction(self, *, short: bool = False) -> AsyncIterator[Transaction]:
        """Run several writes as one: all or nothing, private to this task until it commits.

        Other tasks' reads go to reader connections and see none of it before the commit;
        their writes wait. Inside, this task's own `fetch*` and `execute` calls join the
        transaction, and so does a nested `transaction()`.

        SHORT: a few small statements by key, run on the event loop's own writing connection
        with no thread hop each (a relayed message's keeping: five hops were most of its
        cost). Such a statement is not stopped at INLINE_BUDGET_S (it could not be done
        again elsewhere mid-transaction), so keep scans and bulk writes out of one. When the
        database is busy (another program writing) it runs on the writer's thread instead.
        """
        tx = self._own_tx()
        if tx is not None:
            yield tx
            return
        async with self._write_lock:
            inline = self._begin_inline() if short and self._on_loop_thread() else None
            tx = Transaction(self.db, asyncio.current_task(), inline)
            token = self._tx.set(tx)
            try:
                if inline is None:
                    await _run(self.db, _begin)
                try:
                    yield tx
                except BaseException:
                    if inline is not None:
                        _end(inline, False)
                    else:
                        await asyncio.shield(_run(self.db, _end, False))
                    raise
                else:
                    if inline is not None:
                        try:
                            _end(inline, True)
                        except BaseException:
                            _end(inline, False)
                            raise
                        self._after_inline_commit()
                    else:
                        await _run(self.db, _end, True)
            finally:
                self._tx.reset(token)

    def _begin_inline(self) -> sqlite3.Connection | None:
        """BEGIN on the loop's writing connection, with no budget; None when busy."""
        conn = self._inline_writer
        assert conn is not None
        self._inline_write_deadline = math.inf
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            return None
        return conn

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one write statement and return the number of rows it changed."""
        tx = self._own_tx()
        if tx is not None:
            if tx.inline is not None:
                return tx.inline.execute(sql, params).rowcount
            return await _run(tx._db, _write, sql, params)
        if sql.lstrip()[:6].upper() != "PRAGMA":  # (a checkpoint runs outside BEGIN)
            return (await self._write_now([(sql, params)]))[0]  # on the loop when it is quick
        async with self._write_lock:
            return await _run(self.db, _write, sql, params)

    async def batch(self, statements: Sequence[Statement]) -> list[int]:
        """Run several write statements as one transaction in one round trip; returns each
        statement's changed-row count."""
        if not statements:
            return []
        tx = self._own_tx()
        if tx is not None:
            if tx.inline is not None:
                return [tx.inline.execute(sql, p).rowcount for sql, p in statements]
            return [await _run(tx._db, _write, sql, p) for sql, p in statements]
        return await self._write_now(statements)

    async def _write_now(self, statements: Sequence[Statement]) -> list[int]:
        """`batch` outside a transaction: on the loop's connection when quick, else in one
        round trip to the writer's thread."""
        async with self._write_lock:
            if self._on_loop_thread():
                counts = self._batch_inline(statements)
                if counts is not None:
                    await asyncio.sleep(0)  # give the loop a turn (see _read)
                    return counts
            return await _run(self.db, _batch, statements)

    async def write_returning(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        """Run one write statement ending in RETURNING as its own transaction, in one round
        trip (none, on the loop's own connection when it is quick); the rows it returns."""
        tx = self._own_tx()
        if tx is not None:
            if tx.inline is not None:
                return _fetchall(tx.inline, sql, params)
            return await _run(tx._db, _fetchall, sql, params)
        async with self._write_lock:
            if self._on_loop_thread():
                rows = self._write_inline(lambda conn: conn.execute(sql, params).fetchall())
                if rows is not None:
                    await asyncio.sleep(0)  # give the loop a turn (see _read)
                    return rows
            return await _run(self.db, _returning, sql, params)

    def _batch_inline(self, statements: Sequence[Statement]) -> list[int] | None:
        """`_batch` on the loop's thread; None (nothing written) when it could not finish
        within the budget or the database was busy."""
        return self._write_inline(
            lambda conn: [conn.execute(sql, params).rowcount for sql, params in statements]
        )

    def _write_inline(self, work: Callable[[sqlite3.Connection], T]) -> T | None:
        """WORK as one transaction on the loop's writing connection; None (nothing written)
        when it could not finish within the budget or the database was busy."""
        conn = self._inline_writer
        assert conn is not None
        self._inline_write_deadline = time.perf_counter() + INLINE_BUDGET_S
        try:
            conn.execute("BEGIN IMMEDIATE")
            done = work(conn)
        except BaseException as exc:
            self._inline_write_deadline = math.inf
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.OperationalError):
                return None  # over budget or busy: the writer's thread does it all again
            raise
        self._inline_write_deadline = math.inf
        try:
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        self._after_inline_commit()
        return done

    def _after_inline_commit(self) -> None:
        # The loop's connections never checkpoint (an fsync could hold the loop); every
        # CHECKPOINT_EVERY commits the writer's thread moves the log into the database.
        self._inline_commits += 1
        if (
            self._inline_commits % CHECKPOINT_EVERY == 0
            and self._db is not None
            and (self._checkpoint is None or self._checkpoint.done())
        ):
            self._checkpoint = asyncio.get_running_loop().create_task(self._run_checkpoint())

    async def _run_checkpoint(self) -> None:
        try:
            async with self._write_lock:  # never inside a transaction on the writer
                if self._db is not None:
                    await _run(self._db, _checkpoint)
        except sqlite3.Error as exc:  # the next one will do it
            _LOG.warning("A checkpoint of the database log failed (%s)", exc)

    def defer(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Queue a write to be made at the end of the update being processed, in one
        transaction (and one round trip) with the rest of that update's flush; outside an
        update, write it now. Use it for state written once per update (a person's step),
        whose row count nobody reads. Returns an awaitable."""
        pending = self._pending()
        if pending is None:
            return self.execute(sql, params)
        pending.append((sql, tuple(params)))
        return _DONE

    async def defer_all(self, statements: Sequence[Statement]) -> None:
        """`defer` for several writes: queued for the update's flush, or, outside an update,
        written now as one transaction (`batch`)."""
        pending = self._pending()
        if pending is None:
            await self.batch(statements)
        else:
            pending.extend((sql, tuple(params)) for sql, params in statements)

    def _pending(self) -> _Pending | None:
        """The writes queued for this update's flush; None outside an update (or inside a
        transaction, where a write joins that transaction instead)."""
        pending = self._deferred.get()
        if pending is None or pending.closed or self._own_tx() is not None:
            return None
        return pending

    @asynccontextmanager
    async def deferred_writes(self) -> AsyncIterator[list[Statement]]:
        """Collect `defer()`red writes of this task (and tasks it starts) until the end of
        the block; the caller writes them (bot/runtime.py: with `batch`, once per update)."""
        pending = _Pending()
        token = self._deferred.set(pending)
        try:
            yield pending
        finally:
            # A task the update started may outlive it: its deferred writes go straight in.
            pending.closed = True
            self._deferred.reset(token)

    async def update_columns(
        self,
        table: str,
        key_column: str,
        key: Any,
        allowed: Iterable[str],
        updated_at: int,
        fields: dict[str, Any],
    ) -> None:
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
        """Run one write statement for many rows, in one transaction (in chunks)."""
        async with self.transaction() as db:
            await db.executemany(sql, rows)

    @asynccontextmanager
    async def person_turn(self, key: Hashable) -> AsyncIterator[None]:
        """One person's turn across processes: nothing to wait for on SQLite, which one
        process holds (its update processor keeps each person's order)."""
        yield

    @asynccontextmanager
    async def job_turn(self, name: str) -> AsyncIterator[bool]:
        """Whether this process runs periodic job NAME now: always on SQLite (one process
        holds the database; bot/runtime.py's lock file makes sure). PostgreSQL answers for
        every replica at once (bot/storage/postgres.py)."""
        yield True

    # -- reads -----------------------------------------------------------------------------

    async def _read(self, fn: Callable[..., T], sql: str, params: Sequence[Any]) -> T:
        tx = self._own_tx()
        if tx is not None:
            if tx.inline is not None:
                return fn(tx.inline, sql, params)
            return await _run(tx._db, fn, sql, params)
        if self._inline is not None and self._on_loop_thread():
            self._inline_deadline = time.perf_counter() + INLINE_BUDGET_S
            try:
                result = fn(self._inline, sql, params)
            except sqlite3.OperationalError:
                pass  # over budget ("interrupted") or busy: a reader thread does it
            else:
                # An await that never suspends would let one task starve every other (a
                # loop of reads would never let a writer's result in): give the loop one
                # turn, as the thread hop this replaces did.
                await asyncio.sleep(0)
                return result
        if not self._readers:
            if self._memory and self._db is not None:
                async with self._write_lock:  # one connection: wait for others' transactions
                    return await _run(self.db, fn, sql, params)
            raise RuntimeError("Storage is not connected; call connect() first")
        reader = self._idle.pop() if self._idle else await self._wait_for_reader()
        try:
            return await _run(reader, fn, sql, params)
        finally:
            self._give_back(reader)

    async def _wait_for_reader(self) -> aiosqlite.Connection:
        turn: asyncio.Future[aiosqlite.Connection] = asyncio.get_running_loop().create_future()
        self._reader_waiters.append(turn)
        try:
            return await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._give_back(turn.result())
            else:
                self._reader_waiters.remove(turn)
            raise

    def _give_back(self, reader: aiosqlite.Connection) -> None:
        if reader not in self._readers:
            return  # closed meanwhile
        while self._reader_waiters:
            turn = self._reader_waiters.popleft()
            if not turn.done():
                turn.set_result(reader)
                return
        self._idle.append(reader)

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
        """Run a query and return its first row, if any."""
        return await self._read(_fetchone, sql, params)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        """Run a query and return all its rows."""
        return await self._read(_fetchall, sql, params)

    async def fetchval(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Run a query and return the first column of its first row, or None."""
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    async def column_names(self, table: str) -> list[str]:
        """TABLE's columns, in order (privacy tests and checks)."""
        rows = await self.fetchall("SELECT name FROM pragma_table_info(?)", (table,))
        return [r[0] for r in rows]

    def _fresh_id(self, table: str) -> tuple[str, str]:
        """The id column and value SQL for a new row of TABLE whose ids live on outside it
        (in outbox keys, in buttons): on SQLite the next id past any it ever gave out
        (migration 0023's `id_high_water`), where SQLite itself would give the erased last
        row's id again; nothing on PostgreSQL, whose identity columns never reuse one."""
        if table not in _FRESH_ID_TABLES:
            raise ValueError(f"{table} has no row in id_high_water")
        if self.dialect != "sqlite":
            return "", ""
        return "id, ", f"(SELECT seq + 1 FROM id_high_water WHERE name = '{table}'), "  # noqa: S608

    async def table_names(self) -> list[str]:
        """All tables in the schema (used by privacy tests and checks)."""
        rows = await self.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        return [r[0] for r in rows]


class _Pending(list[Statement]):
    """Writes deferred to the end of one update."""

    closed = False


class _Done:
    """An awaitable that is already done (what `defer` returns when it queued the write)."""

    def __await__(self) -> Any:
        return iter(())


_DONE = _Done()
