"""Copy a service's SQLite database into PostgreSQL: the move from one process to replicas.

`python -m bot copy-to-postgres` (bot/cli.py) runs this with the bot stopped. Both databases
are first brought to the latest schema by their own migrations (the same tables, columns and
keys: tests/test_postgres_schema.py); then every table is copied in one PostgreSQL
transaction, parents before the rows that refer to them, with each row's id as it was (and
SQLite's rowid where the PostgreSQL table keeps it as a column), and each identity column's
sequence is moved past the ids copied. Encrypted columns are copied as they are: the
replicas need the same BOT_ENCRYPTION_KEY. A database that already holds people is refused,
so running the copy twice never doubles anything (the rows its own migrations seeded give
way to the service's, and no trigger counts a copied row again); nothing is written unless
every table copies. The SQLite file is only read.
"""

from __future__ import annotations

import asyncio
import graphlib
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.settings import redacted_url

__all__ = ["TransferError", "copy_to_postgres"]

#: Rows read from SQLite and sent with one COPY.
BATCH = 2_000
#: Tables each side keeps for itself (its own record of the migrations it applied).
OWN_TABLES = frozenset({"schema_migrations", "sqlite_sequence"})


class TransferError(RuntimeError):
    """The copy can't be made; the message says why in plain words."""


@dataclass(frozen=True, slots=True)
class _Column:
    name: str
    pg_type: str
    generated: bool  # computed by PostgreSQL (GENERATED ALWAYS AS ...): never written
    identity: bool


def _converter(pg_type: str) -> Callable[[Any], Any]:
    """Each value as the PostgreSQL column's type wants it (SQLite's types are loose)."""
    if pg_type in ("bigint", "integer", "smallint"):
        return lambda v: v if v is None or isinstance(v, int) else int(v)
    if pg_type in ("double precision", "real"):
        return lambda v: v if v is None or isinstance(v, float) else float(v)
    if pg_type == "bytea":
        return lambda v: v if v is None or isinstance(v, bytes) else str(v).encode("utf-8")
    if pg_type == "text" or pg_type.startswith("character"):
        return lambda v: v if v is None or isinstance(v, str) else str(v)
    return lambda v: v


async def _columns(conn: Any) -> dict[str, list[_Column]]:
    rows = await conn.fetch(
        "SELECT table_name, column_name, data_type, is_generated, is_identity "
        "FROM information_schema.columns WHERE table_schema = current_schema() "
        "ORDER BY table_name, ordinal_position"
    )
    out: dict[str, list[_Column]] = {}
    for r in rows:
        out.setdefault(r["table_name"], []).append(
            _Column(
                r["column_name"],
                r["data_type"],
                r["is_generated"] == "ALWAYS",
                r["is_identity"] == "YES",
            )
        )
    return out


async def _parents_first(conn: Any, tables: Sequence[str]) -> list[str]:
    """TABLES ordered so that every table comes after the tables its foreign keys name."""
    rows = await conn.fetch(
        "SELECT c.relname AS child, p.relname AS parent FROM pg_constraint k "
        "JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid "
        "WHERE k.contype = 'f' AND k.connamespace = current_schema()::regnamespace"
    )
    graph: dict[str, set[str]] = {t: set() for t in tables}
    for r in rows:
        if r["child"] in graph and r["parent"] in graph and r["child"] != r["parent"]:
            graph[r["child"]].add(r["parent"])
    return list(graphlib.TopologicalSorter(graph).static_order())


def _has_rowid(db: sqlite3.Connection, table: str) -> bool:
    try:
        db.execute(f'SELECT rowid FROM "{table}" LIMIT 0')  # noqa: S608 - a table we listed
    except sqlite3.OperationalError:  # a WITHOUT ROWID table
        return False
    return True


async def _migrate_both(sqlite_path: Path, url: str) -> None:
    """Bring each database to the latest schema with its own migrations."""
    from bot.storage import Storage, StorageError

    for target in (sqlite_path, url):
        storage = Storage(target)
        try:
            await storage.connect()
        except StorageError as exc:
            raise TransferError(str(exc)) from exc
        finally:
            await storage.close()


async def _refuse_unless_empty(conn: Any, where: str) -> None:
    """A database that holds people already is another service's, or a copy made before."""
    if await conn.fetchval("SELECT EXISTS (SELECT 1 FROM users)"):
        raise TransferError(
            f"The PostgreSQL database at {where} already holds the bot's data (people in its"
            " users table). Copy into a new, empty database: nothing was written."
        )


async def _copy_table(
    source: sqlite3.Connection, conn: Any, table: str, columns: Sequence[_Column]
) -> int:
    """Copy one table's rows, in SQLite's row order; return how many."""
    have = {r[1] for r in source.execute(f'PRAGMA table_info("{table}")')}
    rowid = _has_rowid(source, table)
    names, picks, convert = [], [], []
    for col in columns:
        if col.generated:
            continue
        if col.name in have:
            picks.append(f'"{col.name}"')
        elif col.name == "rowid" and rowid:
            picks.append("rowid")  # PostgreSQL keeps SQLite's row address as a column
        else:
            continue  # PostgreSQL's default
        names.append(col.name)
        convert.append(_converter(col.pg_type))
    by = " ORDER BY rowid" if rowid else ""
    cursor = source.execute(f'SELECT {", ".join(picks)} FROM "{table}"{by}')  # noqa: S608
    count = 0
    while rows := cursor.fetchmany(BATCH):
        records = [tuple(f(v) for f, v in zip(convert, row, strict=True)) for row in rows]
        await conn.copy_records_to_table(table, records=records, columns=names)
        count += len(records)
    return count


async def _move_sequences(
    conn: Any, order: Sequence[str], columns: dict[str, list[_Column]]
) -> None:
    """Each identity column's next value past the ids copied, and past any id SQLite gave out
    for a row erased since (id_high_water: outbox keys and buttons may still name it)."""
    for table in order:
        for col in columns[table]:
            if col.identity:
                top = await conn.fetchval(f'SELECT max("{col.name}") FROM "{table}"')  # noqa: S608
                if col.name == "id":
                    given = await conn.fetchval(
                        "SELECT seq FROM id_high_water WHERE name = $1", table
                    )
                    top = max(top or 0, given or 0)
                await conn.execute(
                    "SELECT setval(pg_get_serial_sequence($1, $2), $3, false)",
                    f'"{table}"',
                    col.name,
                    (top or 0) + 1,
                )


async def copy_to_postgres(
    sqlite_path: Path, url: str, *, say: Callable[[str], None] = lambda _: None
) -> dict[str, int]:
    """Copy every table of the SQLite database at SQLITE_PATH into the PostgreSQL database at
    URL; return the rows copied per table. Raises TransferError in plain words."""
    import asyncpg

    if not await asyncio.to_thread(sqlite_path.is_file):
        raise TransferError(f"There is no SQLite database at {sqlite_path} to copy.")
    where = redacted_url(url)
    await _migrate_both(sqlite_path, url)
    source = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True, timeout=10)
    try:
        conn = await asyncpg.connect(url, timeout=10)
    except (OSError, asyncpg.PostgresError) as exc:
        source.close()
        raise TransferError(f"Can't reach the PostgreSQL database at {where}: {exc}.") from exc
    try:
        columns = await _columns(conn)
        in_sqlite = {
            r[0] for r in source.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        order = await _parents_first(
            conn, [t for t in columns if t not in OWN_TABLES and t in in_sqlite]
        )
        await _refuse_unless_empty(conn, where)
        copied: dict[str, int] = {}
        async with conn.transaction():
            # the rows PostgreSQL's migrations seeded (counters, markers) give way to the
            # service's own
            await conn.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in order))
            # the rows are copied as they are: no trigger of ours (a version counter bumped
            # on every new profile, say) may count them again; foreign keys still hold
            for table in order:
                await conn.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER USER')
            for table in order:
                copied[table] = await _copy_table(source, conn, table, columns[table])
                say(f"{table}: {copied[table]} rows")
            for table in order:
                await conn.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER USER')
            await _move_sequences(conn, order, columns)
            for table in order:
                there = await conn.fetchval(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608
                if there != copied[table]:
                    raise TransferError(
                        f"Table {table} holds {there} rows after the copy, not {copied[table]}:"
                        " nothing was written."
                    )
        return copied
    except (asyncpg.PostgresError, sqlite3.Error) as exc:
        raise TransferError(f"The copy stopped, and nothing was written: {exc}.") from exc
    finally:
        await conn.close()
        source.close()
