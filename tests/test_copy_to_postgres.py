"""Moving a service from SQLite to PostgreSQL: `python -m bot copy-to-postgres`.

A bot runs on SQLite for a while (people onboard, are matched, write to their peer workers,
one message waits for the peer worker's hours); it stops; its database is copied into an
empty PostgreSQL database; the same bot starts on PostgreSQL and carries on: every row is
there, each person's match and waiting message too, and new rows get new ids.
"""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.storage.transfer import TransferError, copy_to_postgres
from tests import backends
from tests.harness import BotEnv, onboard
from tests.test_relay_flow import EVENINGS, matched, peer_worker, person

pytestmark = pytest.mark.sqlite_only  # the source is SQLite; the target a fresh database

ROOT = Path(__file__).resolve().parent.parent


def _sqlite_rows(path: Path, table: str, columns: list[str]) -> list[tuple[Any, ...]]:
    db = sqlite3.connect(path)
    try:
        picks = ", ".join("rowid" if c == "rowid" else f'"{c}"' for c in columns)
        rows = db.execute(f'SELECT {picks} FROM "{table}"').fetchall()
    finally:
        db.close()
    return sorted(rows, key=repr)


async def _pg_tables(url: str) -> dict[str, list[str]]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND is_generated = 'NEVER' "
            "ORDER BY table_name, ordinal_position"
        )
    finally:
        await conn.close()
    out: dict[str, list[str]] = {}
    for r in rows:
        out.setdefault(r["table_name"], []).append(r["column_name"])
    return out


async def _pg_rows(url: str, table: str, columns: list[str]) -> list[tuple[Any, ...]]:
    conn = await asyncpg.connect(url)
    try:
        picks = ", ".join(f'"{c}"' for c in columns)
        rows = await conn.fetch(f'SELECT {picks} FROM "{table}"')
    finally:
        await conn.close()
    return sorted((tuple(r) for r in rows), key=repr)


async def test_a_service_moves_to_postgres_and_carries_on(tmp_path: Path) -> None:
    backends.require_server()
    env = await BotEnv.create(tmp_path)
    ana = await person(env, 501, "Ana")
    ben = await person(env, 502, "Ben", role="carer")
    kim = await peer_worker(env, 601, "Kim")
    lee = await peer_worker(env, 602, "Lee", hours=EVENINGS, kind="carer_peer")
    await matched(env, ana, kim)
    await matched(env, ben, lee)
    await ana.send("The walk helped today.")
    assert kim.last_text().endswith("The walk helped today.")
    await kim.send("Glad to hear it.")
    await ben.send("Can we talk about Sunday?")  # after Lee's hours: it waits for them
    before_wait = len(lee.messages)
    await env.stop()
    sqlite_path = env.settings.database_path

    url = await backends.fresh_database()
    try:
        copied = await copy_to_postgres(sqlite_path, url)
        assert copied["users"] == 4 and copied["matches"] == 2
        tables = await _pg_tables(url)
        assert set(copied) <= set(tables)
        for table in copied:
            columns = [c for c in tables[table] if c != "rowid"]
            assert await _pg_rows(url, table, columns) == _sqlite_rows(
                sqlite_path, table, columns
            ), table

        # A second copy into the same database is refused, and changes nothing.
        with pytest.raises(TransferError, match="already holds"):
            await copy_to_postgres(sqlite_path, url)

        # The same bot, on PostgreSQL, carries on where it stopped.
        backends.current_url = url
        backends._by_path[str(sqlite_path)] = url
        await env.start()
        await ana.send("Still here, and still walking.")
        assert kim.last_text().endswith("Still here, and still walking.")
        await kim.send("Good on you.")
        assert ana.last_text().endswith("Good on you.")
        env.clock.advance(hours=23)  # Tuesday 19:00 in Sydney, in Lee's hours: it goes through
        await env.run_job("tick:relay")
        assert len(lee.messages) > before_wait
        assert any("Can we talk about Sunday?" in t for t in lee.texts())
        newcomer = env.client(503, "Cal")
        await onboard(newcomer, "consumer", alias="Cal")  # new rows take new ids
        cal = await env.storage.get_user(503)
        assert cal is not None and cal.alias == "Cal"
        assert not env.errors
    finally:
        await env.stop()
        await backends.end_test()


async def test_the_command_copies_and_says_what_to_do_next(tmp_path: Path) -> None:
    backends.require_server()
    env = await BotEnv.create(tmp_path)
    await person(env, 701, "Dee")
    await env.stop()
    settings = tmp_path / "settings.yaml"
    settings.write_text(f'data_dir: "{env.settings.data_dir}"\n', encoding="utf-8")
    url = await backends.fresh_database()
    command = [sys.executable, "-m", "bot", "copy-to-postgres", "--settings", str(settings)]

    def run(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*command, *extra], capture_output=True, text=True, cwd=ROOT, timeout=60, check=False
        )

    try:
        done = await asyncio.to_thread(run, "--to", url)
        assert done.returncode == 0, done.stderr
        assert "Copied" in done.stdout and "BOT_ENCRYPTION_KEY" in done.stdout
        assert "Traceback" not in done.stderr
        again = await asyncio.to_thread(run, "--to", url)
        assert again.returncode == 2 and "already holds" in again.stderr
        nowhere = await asyncio.to_thread(run)
        assert nowhere.returncode == 2 and "--to" in nowhere.stderr
    finally:
        await backends.drop_database(url)
