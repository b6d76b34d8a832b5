"""The PostgreSQL backend: the same storage interface over an asyncpg pool.

Chosen by a `postgresql://` URL (`database_url` in the settings, or DATABASE_URL); SQLite stays
the default for one process. The stores' SQL is written once, in the dialect both accept
(`?` placeholders, `ON CONFLICT`, `RETURNING`); `pg_sql` turns `?` into `$1, $2, ...` once per
statement text. What differs in the schema is written out in
bot/storage/migrations/postgres/, numbered like the SQLite migrations, and the numbers applied
are kept in `schema_migrations` (SQLite uses `PRAGMA user_version`).

Writes keep SQLite's guarantee that a transaction's reads and writes are never interleaved
with another writer's: every write transaction takes one transaction-scoped advisory lock
(`pg_advisory_xact_lock`), whichever replica runs it, so a read-then-write claim made on
SQLite's database-wide write lock stays a claim here. A replica's own writers queue on an
asyncio lock first, so they wait without holding a pooled connection that readers need.
Reads outside a transaction see committed rows only (READ COMMITTED), as SQLite's readers do.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Hashable, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from bot.settings import redacted_url as redact_url
from bot.storage.base import StorageBase, StorageError, Transaction, migration_files

__all__ = ["PostgresBase", "is_postgres_url", "pg_sql", "redact_url"]

_LOG = logging.getLogger(__name__)

#: Advisory locks. A person's turn uses the one-key form with their Telegram id (a chat's
#: for updates without a person: negative); the bot's own locks use the two-key form, whose
#: keys PostgreSQL keeps apart from one-key ones, so no Telegram id can ever collide.
OWN_LOCKS = 0x6270  # the first key of the bot's own locks
WRITE_LOCK = 1  # every write transaction, on every replica
MIGRATE_LOCK = 2  # applying migrations (two replicas starting at once)
JOB_LOCKS = 3  # with hashtext(job name) as the second key: one periodic job's run
LEADER_LOCK = 4  # held by the one replica that runs periodic work (the tick leader)
#: Connections per replica: the writer, a few readers, and one per periodic job running.
POOL_SIZE = 10
#: A person whose turn another replica holds is asked for again after this long, doubling
#: up to TURN_RETRY_MAX_S (two replicas with one person's updates at once is rare).
TURN_RETRY_S = 0.005
TURN_RETRY_MAX_S = 0.1
#: Rows per executemany round: asyncpg pipelines them, so this only bounds memory.
CHUNK_ROWS = 2000

_RETURNS_ROWS = re.compile(r"^\s*(SELECT|WITH|VALUES|SHOW)\b|\bRETURNING\b", re.IGNORECASE)
_SQL_CACHE: dict[str, tuple[str, bool]] = {}


def is_postgres_url(target: object) -> bool:
    """True for a `postgresql://` or `postgres://` URL (the PostgreSQL backend)."""
    return isinstance(target, str) and target.startswith(("postgresql:", "postgres:"))


def pg_sql(sql: str) -> tuple[str, bool]:
    """SQL with `?` placeholders as PostgreSQL's `$n`, and whether it returns rows.

    Question marks inside quoted strings, quoted names and comments are left alone.
    """
    hit = _SQL_CACHE.get(sql)
    if hit is not None:
        return hit
    out: list[str] = []
    n = 0
    i, size = 0, len(sql)
    while i < size:
        ch = sql[i]
        if ch in "'\"":
            end = sql.find(ch, i + 1)
            while end != -1 and end + 1 < size and sql[end + 1] == ch:  # '' escapes
                end = sql.find(ch, end + 2)
            end = size if end == -1 else end + 1
            out.append(sql[i:end])
            i = end
        elif ch == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            end = size if end == -1 else end
            out.append(sql[i:end])
            i = end
        elif ch == "?":
            n += 1
            out.append(f"${n}")
            i += 1
        else:
            out.append(ch)
            i += 1
    hit = ("".join(out), bool(_RETURNS_ROWS.search(sql)))
    _SQL_CACHE[sql] = hit
    return hit


def _count(status: str) -> int:
    """Rows changed, from a command tag ("UPDATE 3", "INSERT 0 1", "DELETE 0")."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


def _numeric(text: str) -> int | float:
    # SUM() over BIGINT is NUMERIC in PostgreSQL; the stores expect what SQLite gives.
    return int(text) if text.lstrip("-").isdigit() else float(text)


def _person_number(key: Hashable) -> int | None:
    """A person's lock number: their Telegram id (a chat's, negative, for a group)."""
    if isinstance(key, tuple) and len(key) == 2 and isinstance(key[1], int):
        return key[1]
    return None


class PgCursor:
    """What a store reads after `execute`: rowcount and rows (ids come back by RETURNING)."""

    __slots__ = ("_rows", "rowcount")

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    async def fetchone(self) -> Any:
        """The next row, or None."""
        return self._rows.pop(0) if self._rows else None

    async def fetchall(self) -> list[Any]:
        """The rows not read yet."""
        rows, self._rows = self._rows, []
        return rows

    async def close(self) -> None:
        """Nothing to release (the rows were read at once)."""

    async def __aenter__(self) -> PgCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None


class _Pending:
    """`tx.execute(...)`: awaited, or used as `async with ... as cursor`."""

    __slots__ = ("_coro",)

    def __init__(self, coro: Any) -> None:
        self._coro = coro

    def __await__(self) -> Any:
        return self._coro.__await__()

    async def __aenter__(self) -> PgCursor:
        cursor: PgCursor = await self._coro
        return cursor

    async def __aexit__(self, *exc: object) -> None:
        return None


async def _run(conn: Any, sql: str, params: Sequence[Any]) -> PgCursor:
    text, returns = pg_sql(sql)
    if returns:
        rows = await conn.fetch(text, *params)
        return PgCursor(list(rows), len(rows))
    return PgCursor([], _count(await conn.execute(text, *params)))


class PgTransaction(Transaction):
    """A pooled connection inside BEGIN ... COMMIT, for the task that opened it only."""

    __slots__ = ("_conn",)

    def __init__(self, conn: Any, owner: asyncio.Task[Any] | None) -> None:
        super().__init__(None, owner)  # type: ignore[arg-type]
        self._conn = conn

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> Any:
        """Run one statement (await it, or use it as `async with ... as cursor`)."""
        return _Pending(_run(self._conn, sql, parameters))

    async def execute_fetchall(self, sql: str, parameters: Sequence[Any] = ()) -> Iterable[Any]:
        """Run one statement and return its rows."""
        return list(await self._conn.fetch(pg_sql(sql)[0], *parameters))

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run SQL for every row (asyncpg pipelines them)."""
        chunk: list[Sequence[Any]] = []
        text = pg_sql(sql)[0]
        for row in rows:
            chunk.append(row)
            if len(chunk) >= CHUNK_ROWS:
                await self._conn.executemany(text, chunk)
                chunk = []
        if chunk:
            await self._conn.executemany(text, chunk)


class PostgresBase(StorageBase):
    """StorageBase over an asyncpg pool (see the module's docstring)."""

    dialect = "postgres"

    def __init__(self, url: str, *, pool_size: int = POOL_SIZE) -> None:
        super().__init__(":memory:")
        self.url = url
        self.path = redact_url(url)  # type: ignore[assignment]  # for messages only
        self._pool: Any = None
        self._turns: Any = None  # the one connection holding this replica's people's turns
        self._turns_lock = asyncio.Lock()
        self._leading = False
        self._pool_size = pool_size

    @property
    def db(self) -> Any:
        """SQLite's writer connection has no counterpart here."""
        raise RuntimeError("PostgreSQL storage has no single writer connection")

    async def connect(self) -> None:
        """Open the pool and apply migrations; StorageError (plain words) when it can't."""
        if self._pool is not None:
            return
        import asyncpg

        async def setup(conn: Any) -> None:
            await conn.set_type_codec(
                "numeric", encoder=str, decoder=_numeric, schema="pg_catalog", format="text"
            )

        try:
            self._pool = await asyncpg.create_pool(
                self.url,
                min_size=1,
                max_size=self._pool_size,
                statement_cache_size=1024,
                init=setup,
                timeout=10,
            )
        except (TimeoutError, OSError, asyncpg.PostgresError, ValueError) as exc:
            raise self._explain_pg(exc) from None
        try:
            await self._migrate_pg()
            self._turns = await asyncpg.connect(self.url, statement_cache_size=4, timeout=10)
        except BaseException:
            await self.close()
            raise

    def _explain_pg(self, exc: BaseException) -> StorageError:
        where = redact_url(self.url)
        detail = type(exc).__name__ if not str(exc) else str(exc).replace(self.url, where)
        return StorageError(
            f"The bot can't reach its PostgreSQL database {where} ({detail}). Check that the "
            "server is running, that database_url (or DATABASE_URL) names it correctly, and "
            "that the user and password are right."
        )

    async def close(self) -> None:
        """Close the pool."""
        pool, self._pool = self._pool, None
        turns, self._turns = self._turns, None
        for each in (turns, pool):
            if each is not None:
                await each.close()

    def _need_pool(self) -> Any:
        if self._pool is None:
            raise RuntimeError("Storage is not connected; call connect() first")
        return self._pool

    async def _migrate_pg(self) -> None:
        files = migration_files(self.dialect)
        latest = max((n for n, _, _ in files), default=0)
        async with self._need_pool().acquire() as conn:
            await conn.execute("SELECT pg_advisory_lock($1, $2)", OWN_LOCKS, MIGRATE_LOCK)
            try:
                await conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY,"
                    " name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
                )
                current = int(
                    await conn.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
                )
                if current > latest:
                    raise StorageError(
                        f"The database {self.path} was written by a newer version of the bot "
                        f"(schema {current}; this version knows up to {latest}). Run the newer "
                        "version, or restore a backup made with this version."
                    )
                for number, name, sql in files:
                    if number <= current:
                        continue
                    _LOG.info("Applying migration %s", name)
                    async with conn.transaction():
                        await conn.execute(sql)
                        await conn.execute(
                            "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                            number,
                            name,
                        )
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1, $2)", OWN_LOCKS, MIGRATE_LOCK)

    async def schema_version(self) -> int:
        """The highest migration applied to this database."""
        value = await self.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
        return int(value or 0)

    # -- writes ----------------------------------------------------------------------------

    @asynccontextmanager
    async def transaction(self, *, short: bool = False) -> AsyncIterator[Transaction]:
        """All or nothing, private to this task until it commits; one writer at a time across
        every replica (see the module's docstring). SHORT makes no difference here (on
        SQLite it runs the transaction on the event loop's own connection)."""
        tx = self._own_tx()
        if tx is not None:
            yield tx
            return
        async with self._write_lock, self._need_pool().acquire() as conn:
            await conn.execute(f"BEGIN; SELECT pg_advisory_xact_lock({OWN_LOCKS}, {WRITE_LOCK})")
            tx = PgTransaction(conn, asyncio.current_task())
            token = self._tx.set(tx)
            try:
                try:
                    yield tx
                except BaseException:
                    await asyncio.shield(conn.execute("ROLLBACK"))
                    raise
                else:
                    await conn.execute("COMMIT")
            finally:
                self._tx.reset(token)

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one write statement and return the number of rows it changed."""
        tx = self._own_tx()
        if tx is not None:
            return (await tx.execute(sql, params)).rowcount
        async with self.transaction() as tx:
            return (await tx.execute(sql, params)).rowcount

    async def write_returning(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """Run one write statement ending in RETURNING, in a transaction; its rows."""
        async with self.transaction():
            return await self.fetchall(sql, params)

    async def batch(self, statements: Sequence[tuple[str, Sequence[Any]]]) -> list[int]:
        """Several write statements as one transaction; each one's changed-row count."""
        if not statements:
            return []
        async with self.transaction() as tx:
            return [(await tx.execute(sql, p)).rowcount for sql, p in statements]

    @asynccontextmanager
    async def job_turn(self, name: str) -> AsyncIterator[bool]:
        """True when this replica runs periodic job NAME this time, False when it skips it.

        Periodic work (and with it every bulk send: reminders, check-in prompts, held
        messages, broadcasts) runs on one replica, the tick leader: the one whose turns
        connection holds the leader lock, checked at every tick, so when the leader goes
        another replica takes over at its next tick. Each job's run also takes the job's own
        lock, so a run never overlaps the last one. Every claim inside a job is atomic as
        well, so a lock lost with a connection can never make two replicas send one thing.
        """
        if not await self._lead():
            yield False
            return
        async with self._need_pool().acquire() as conn:
            key = await conn.fetchval(
                "SELECT CASE WHEN pg_try_advisory_lock($1, hashtext($2)) THEN hashtext($2) END",
                OWN_LOCKS,
                name,
            )
            if key is None:
                yield False
                return
            try:
                yield True
            finally:
                await asyncio.shield(
                    conn.execute("SELECT pg_advisory_unlock($1, $2)", OWN_LOCKS, key)
                )

    @asynccontextmanager
    async def person_turn(self, key: Hashable) -> AsyncIterator[None]:
        """One person's turn on every replica: their updates never interleave, whichever
        replicas receive them (the update processor takes this around each update).

        A session-level advisory lock on the person's id, taken without waiting on one
        connection that holds every turn this replica has in hand (a lock is a few
        microseconds to take or give back, so no pooled connection waits through an update's
        Telegram calls); when another replica has it, asked for again shortly. A replica that
        dies mid-update drops its connection, and so its turns.
        """
        number = _person_number(key)
        if self._turns is None or number is None:
            yield
            return
        wait = TURN_RETRY_S
        while not await self._turn_call("SELECT pg_try_advisory_lock($1)", number):
            await asyncio.sleep(wait)  # another replica has their previous update in hand
            wait = min(wait * 2, TURN_RETRY_MAX_S)
        try:
            yield
        finally:
            await asyncio.shield(self._turn_call("SELECT pg_advisory_unlock($1)", number))

    async def _lead(self) -> bool:
        """Whether this replica is the tick leader, taking the lead when nobody has it."""
        got = await self._turn_call("SELECT pg_try_advisory_lock($1, $2)", OWN_LOCKS, LEADER_LOCK)
        if got and self._leading:  # held already: keep the lock's count at one
            await self._turn_call("SELECT pg_advisory_unlock($1, $2)", OWN_LOCKS, LEADER_LOCK)
        if got != self._leading:
            _LOG.info("%s the tick leader", "This replica is now" if got else "No longer")
        self._leading = got
        return got

    async def _turn_call(self, sql: str, *args: int) -> bool:
        """One call on the turns connection (asyncpg runs one query at a time on it); a
        connection that was lost (the server restarted) is opened again once. Its locks went
        with it, which the next calls find out."""
        import asyncpg

        async with self._turns_lock:
            try:
                return bool(await self._turns.fetchval(sql, *args))
            except (asyncpg.InterfaceError, asyncpg.ConnectionDoesNotExistError, OSError):
                _LOG.warning("The connection holding turns was lost; opening another")
                self._leading = False
                self._turns = await asyncpg.connect(self.url, statement_cache_size=4, timeout=10)
                return bool(await self._turns.fetchval(sql, *args))

    # -- reads -----------------------------------------------------------------------------

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Run a query and return its first row, if any."""
        tx = self._own_tx()
        text = pg_sql(sql)[0]
        if isinstance(tx, PgTransaction):
            return await tx._conn.fetchrow(text, *params)
        async with self._need_pool().acquire() as conn:
            return await conn.fetchrow(text, *params)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """Run a query and return all its rows."""
        tx = self._own_tx()
        text = pg_sql(sql)[0]
        if isinstance(tx, PgTransaction):
            return list(await tx._conn.fetch(text, *params))
        async with self._need_pool().acquire() as conn:
            return list(await conn.fetch(text, *params))

    async def column_names(self, table: str) -> list[str]:
        """TABLE's columns, in order (privacy tests and checks)."""
        rows = await self.fetchall(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = "
            "current_schema() AND table_name = ? ORDER BY ordinal_position",
            (table,),
        )
        return [r[0] for r in rows]

    async def table_names(self) -> list[str]:
        """All the bot's tables (not the migrations' own)."""
        rows = await self.fetchall(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
            "AND tablename <> 'schema_migrations' ORDER BY tablename"
        )
        return [r[0] for r in rows]
