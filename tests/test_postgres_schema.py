"""The PostgreSQL migrations give the schema the SQLite ones do.

Both sets of migrations are applied in order - the SQLite ones to an in-memory database, the
PostgreSQL ones (each file in a transaction, as the runner does) to a fresh database in a
private cluster (tests/postgres_cluster.py), or in the server BOT_TEST_POSTGRES_URL names -
and the catalogs are compared: tables, columns in order, NOT NULL, primary keys, indexes, and
beyond those unique constraints, foreign keys, defaults, types and triggers. The `rowid`
columns PostgreSQL needs (the code addresses some tables by SQLite's implicit rowid) are
checked on their own and otherwise ignored.

Skipped when PostgreSQL isn't installed, unless BOT_REQUIRE_POSTGRES=1 (CI), which makes a
missing server a failure.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import pytest

from tests import postgres_cluster

ROOT = Path(__file__).resolve().parents[1]
SQLITE_MIGRATIONS = ROOT / "bot" / "storage" / "migrations"
POSTGRES_MIGRATIONS = SQLITE_MIGRATIONS / "postgres"
_MIGRATION = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")

#: SQLite's declared types, and what each becomes in PostgreSQL.
TYPES = {"INTEGER": "bigint", "TEXT": "text", "BLOB": "bytea", "REAL": "double precision"}
#: SQLite's ON DELETE / ON UPDATE actions, as pg_constraint spells them.
ACTIONS = {"NO ACTION": "a", "RESTRICT": "r", "CASCADE": "c", "SET NULL": "n", "SET DEFAULT": "d"}

Column = tuple[str, str, bool, str | None]  # name, PostgreSQL type, NOT NULL, default
ForeignKey = tuple[tuple[str, ...], str, tuple[str, ...], str, str]  # from, table, to, del, upd


@dataclass
class Table:
    columns: list[Column] = field(default_factory=list)
    primary_key: tuple[str, ...] = ()
    uniques: set[tuple[str, ...]] = field(default_factory=set)
    foreign_keys: set[ForeignKey] = field(default_factory=set)
    #: Columns that number themselves: SQLite's rowid aliases, PostgreSQL's identities.
    identity: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Index:
    table: str
    columns: tuple[str, ...]
    unique: bool
    partial: bool


@dataclass
class Schema:
    tables: dict[str, Table] = field(default_factory=dict)
    indexes: dict[str, Index] = field(default_factory=dict)
    triggers: set[tuple[str, str]] = field(default_factory=set)


def _migrations(folder: Path) -> list[Path]:
    return sorted(path for path in folder.iterdir() if _MIGRATION.match(path.name))


def _required() -> bool:
    return os.environ.get("BOT_REQUIRE_POSTGRES", "") not in ("", "0")


def _cannot_run(reason: str) -> NoReturn:
    if _required():
        pytest.fail(f"BOT_REQUIRE_POSTGRES is set, but {reason}")
    pytest.skip(reason)


# -- SQLite ----------------------------------------------------------------------------------


def _sqlite_schema() -> Schema:
    db = sqlite3.connect(":memory:")
    try:
        for path in _migrations(SQLITE_MIGRATIONS):
            db.executescript(path.read_text(encoding="utf-8"))
        return _read_sqlite(db)
    finally:
        db.close()


def _read_sqlite(db: sqlite3.Connection) -> Schema:
    schema = Schema()
    names = [
        r[0]
        for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    for name in names:
        table = schema.tables[name] = Table()
        info = db.execute(f"PRAGMA table_info('{name}')").fetchall()
        pk = sorted((r[5], r[1]) for r in info if r[5] > 0)
        table.primary_key = tuple(column for _, column in pk)
        for _, column, declared, notnull, default, in_pk in info:
            # A primary key column is NOT NULL in PostgreSQL; SQLite's PRAGMA reports one only
            # when declared so (and an INTEGER PRIMARY KEY, the rowid, is never NULL anyway).
            kind = TYPES.get(declared.upper(), f"unmapped SQLite type {declared!r}")
            table.columns.append((column, kind, bool(notnull or in_pk), default))
        if len(pk) == 1 and TYPES.get(_declared(info, pk[0][1])) == "bigint":
            table.identity.add(pk[0][1])  # INTEGER PRIMARY KEY: an alias of the rowid
        for _, index, unique, origin, partial in db.execute(f"PRAGMA index_list('{name}')"):
            columns = tuple(
                r[2] for r in sorted(db.execute(f"PRAGMA index_info('{index}')").fetchall())
            )
            if origin == "u":
                table.uniques.add(columns)
            elif origin == "c":
                schema.indexes[index] = Index(name, columns, bool(unique), bool(partial))
        keys: dict[int, list[Any]] = {}
        for fk_id, _, parent, column, to, on_update, on_delete, _ in db.execute(
            f"PRAGMA foreign_key_list('{name}')"
        ):
            keys.setdefault(fk_id, []).append((column, parent, to, on_delete, on_update))
        for rows in keys.values():
            table.foreign_keys.add(
                (
                    tuple(r[0] for r in rows),
                    rows[0][1],
                    tuple(r[2] for r in rows),
                    ACTIONS[rows[0][3]],
                    ACTIONS[rows[0][4]],
                )
            )
    schema.triggers = set(
        db.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'").fetchall()
    )
    return schema


def _declared(info: list[Any], column: str) -> str:
    return str(next(r[2] for r in info if r[1] == column)).upper()


# -- PostgreSQL ------------------------------------------------------------------------------

_PG_COLUMNS = """
SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, a.attgenerated::text
FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum
"""
_PG_CONSTRAINTS = """
SELECT c.contype::text, c.confrelid::regclass::text, c.confdeltype::text, c.confupdtype::text,
       ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i),
       ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i)
FROM pg_constraint c WHERE c.conrelid = $1 AND c.contype IN ('p', 'u', 'f')
"""
# Indexes made by CREATE INDEX, not the ones behind PRIMARY KEY and UNIQUE constraints.
_PG_INDEXES = """
SELECT i.relname, t.relname, x.indisunique, x.indpred IS NOT NULL,
       ARRAY(SELECT a.attname FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(n, o)
             JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.n ORDER BY k.o)
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
WHERE t.relnamespace = current_schema()::regnamespace
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid
                  AND c.conrelid = x.indrelid AND c.contype IN ('p', 'u', 'x'))
"""


@dataclass
class RowidColumn:
    identity: bool  # an identity column (else generated)
    expression: str | None  # the generation expression
    notnull: bool
    unique: bool


async def _postgres_schema(server: str) -> tuple[Schema, dict[str, RowidColumn]]:
    import asyncpg

    name = f"bot_schema_{secrets.token_hex(6)}"
    admin = await asyncpg.connect(server)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            db = await asyncpg.connect(server, database=name)
            try:
                for path in _migrations(POSTGRES_MIGRATIONS):
                    try:
                        async with db.transaction():
                            await db.execute(path.read_text(encoding="utf-8"))
                    except asyncpg.PostgresError as exc:
                        pytest.fail(f"{path.name} does not apply: {exc!r}")
                return await _read_postgres(db)
            finally:
                await db.close()
        finally:
            await admin.execute(f'DROP DATABASE "{name}"')
    finally:
        await admin.close()


async def _read_postgres(db: Any) -> tuple[Schema, dict[str, RowidColumn]]:
    schema, rowids = Schema(), {}
    tables = await db.fetch(
        "SELECT oid, relname FROM pg_class "
        "WHERE relnamespace = current_schema()::regnamespace AND relkind = 'r'"
    )
    for oid, name in tables:
        table = schema.tables[name] = Table()
        rowid: RowidColumn | None = None
        for column, kind, notnull, default, identity, generated in await db.fetch(_PG_COLUMNS, oid):
            if column == "rowid":
                rowid = RowidColumn(bool(identity), default if generated else None, notnull, False)
                continue
            if identity:
                table.identity.add(column)
            # A default reads back with its cast ('[]'::text); SQLite keeps it as written.
            if default is not None:
                default = re.sub(r"::[a-z ]+$", "", default)
            table.columns.append((column, kind, notnull, default))
        for kind, parent, on_delete, on_update, columns, to in await db.fetch(_PG_CONSTRAINTS, oid):
            if kind == "p":
                table.primary_key = tuple(columns)
            elif kind == "u" and list(columns) == ["rowid"]:
                if rowid is not None:
                    rowid.unique = True
            elif kind == "u":
                table.uniques.add(tuple(columns))
            else:
                table.foreign_keys.add((tuple(columns), parent, tuple(to), on_delete, on_update))
        if rowid is not None:
            rowids[name] = rowid
    for index, table_name, unique, partial, columns in await db.fetch(_PG_INDEXES):
        schema.indexes[index] = Index(table_name, tuple(columns), unique, partial)
    schema.triggers = {
        (r[0], r[1])
        for r in await db.fetch(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal"
        )
    }
    return schema, rowids


# -- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server's URL: BOT_TEST_POSTGRES_URL's, or a private cluster's for the
    session (a unix socket in its own folder; nothing listens on the network)."""
    try:
        import asyncpg  # noqa: F401
    except ImportError:
        _cannot_run("asyncpg is not installed (pip install asyncpg)")
    given = os.environ.get("BOT_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    try:
        postgres_cluster.binaries()
    except postgres_cluster.PostgresNotInstalled as exc:
        _cannot_run(str(exc))
    # Not pytest's tmp_path: its parent is root's own (0700) when run as root, which the
    # unprivileged user the server then runs as could not get through.
    folder = Path(tempfile.mkdtemp(prefix="bot-pg-"))
    try:
        yield postgres_cluster.start(folder)
    finally:
        postgres_cluster.stop(folder)
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Schemas:
    sqlite: Schema
    postgres: Schema
    rowids: dict[str, RowidColumn]


@pytest.fixture(scope="module")
def schemas(postgres_server: str) -> Schemas:
    """Both schemas, read once per module: over the private cluster's unix socket (not the
    network), or from the server BOT_TEST_POSTGRES_URL names."""
    postgres, rowids = asyncio.run(_postgres_schema(postgres_server))
    return Schemas(_sqlite_schema(), postgres, rowids)


def rowid_tables() -> set[str]:
    """The tables the code addresses by SQLite's rowid: invites (coordination.py names an
    invite by it), every table with an encrypted column (key rotation rewrites by it), and
    every table delete_in_chunks is called on (retention deletes by it)."""
    import bot.storage  # noqa: F401 - every store registers its encrypted columns
    from bot.storage.encrypted import ENCRYPTED_COLUMNS

    tables = {"invites"} | {table for table, _ in ENCRYPTED_COLUMNS}
    calls = named = 0
    for path in (ROOT / "bot").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        calls += len(re.findall(r"(?<!def )\bdelete_in_chunks\(\s*\w", source))
        found = re.findall(r"\bdelete_in_chunks\(\s*self,\s*\"(\w+)\"", source)
        named += len(found)
        tables.update(found)
    assert calls == named > 0, "a delete_in_chunks call this test can't read its table from"
    return tables


# -- tests -----------------------------------------------------------------------------------


def test_every_sqlite_migration_has_a_postgres_twin() -> None:
    sqlite = [path.name for path in _migrations(SQLITE_MIGRATIONS)]
    postgres = [path.name for path in _migrations(POSTGRES_MIGRATIONS)]
    assert postgres == sqlite
    strays = sorted(
        path.name for path in POSTGRES_MIGRATIONS.iterdir() if not _MIGRATION.match(path.name)
    )
    assert not strays, f"files the runner would not apply: {strays}"
    for path in _migrations(POSTGRES_MIGRATIONS):
        sql = path.read_text(encoding="utf-8")
        # The runner owns transactions and bookkeeping (a plpgsql BEGIN has no semicolon).
        assert not re.search(r"^\s*(BEGIN|COMMIT|ROLLBACK)\s*;", sql, re.I | re.M), path.name
        assert "schema_migrations" not in sql, path.name
        assert "PRAGMA" not in sql.upper().replace("-- ", ""), path.name


def test_the_same_tables(schemas: Schemas) -> None:
    assert sorted(schemas.postgres.tables) == sorted(schemas.sqlite.tables)


def test_the_same_columns_in_the_same_order(schemas: Schemas) -> None:
    for name, table in schemas.sqlite.tables.items():
        theirs = schemas.postgres.tables[name]
        assert [c[0] for c in theirs.columns] == [c[0] for c in table.columns], name


def test_the_same_not_null_flags(schemas: Schemas) -> None:
    for name, table in schemas.sqlite.tables.items():
        theirs = schemas.postgres.tables[name]
        assert {c[0]: c[2] for c in theirs.columns} == {c[0]: c[2] for c in table.columns}, name


def test_the_same_primary_keys(schemas: Schemas) -> None:
    for name, table in schemas.sqlite.tables.items():
        assert schemas.postgres.tables[name].primary_key == table.primary_key, name


def test_the_same_indexes(schemas: Schemas) -> None:
    assert sorted(schemas.postgres.indexes) == sorted(schemas.sqlite.indexes)
    for name, index in schemas.sqlite.indexes.items():
        assert schemas.postgres.indexes[name] == index, name


def test_the_same_unique_constraints(schemas: Schemas) -> None:
    for name, table in schemas.sqlite.tables.items():
        assert schemas.postgres.tables[name].uniques == table.uniques, name


def test_the_same_foreign_keys(schemas: Schemas) -> None:
    for name, table in schemas.sqlite.tables.items():
        assert schemas.postgres.tables[name].foreign_keys == table.foreign_keys, name


def test_the_same_defaults(schemas: Schemas) -> None:
    for name, table in schemas.sqlite.tables.items():
        theirs = schemas.postgres.tables[name]
        assert {c[0]: c[3] for c in theirs.columns} == {c[0]: c[3] for c in table.columns}, name


def test_types_follow_the_conventions(schemas: Schemas) -> None:
    """INTEGER is BIGINT, TEXT is TEXT, BLOB is BYTEA, REAL is DOUBLE PRECISION."""
    for name, table in schemas.sqlite.tables.items():
        theirs = schemas.postgres.tables[name]
        assert {c[0]: c[1] for c in theirs.columns} == {c[0]: c[1] for c in table.columns}, name


def test_integer_primary_keys_number_themselves(schemas: Schemas) -> None:
    """SQLite's INTEGER PRIMARY KEY assigns the next number when none is given; in PostgreSQL
    it is an identity column (BY DEFAULT, so a given value is kept as SQLite keeps it)."""
    for name, table in schemas.sqlite.tables.items():
        assert schemas.postgres.tables[name].identity == table.identity, name


def test_rowid_on_exactly_the_tables_the_code_addresses_by_rowid(schemas: Schemas) -> None:
    expected = rowid_tables()
    assert sorted(schemas.rowids) == sorted(expected)
    for name, rowid in schemas.rowids.items():
        table = schemas.sqlite.tables[name]
        if table.primary_key == ("id",) and "id" in table.identity:
            assert (rowid.identity, rowid.expression) == (False, "id"), name
        else:
            assert rowid.identity and rowid.notnull and rowid.unique, name


def test_the_same_triggers(schemas: Schemas) -> None:
    assert sorted(schemas.postgres.triggers) == sorted(schemas.sqlite.triggers)
