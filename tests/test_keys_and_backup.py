"""A lost or changed encryption key is survivable, backups restore, and every command-line
subcommand fails in one plain paragraph instead of a traceback or a hang."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.clock import FakeClock
from bot.crypto import Cipher
from bot.runtime import StartupError
from bot.settings import Settings
from bot.storage import Storage
from tests.backends import child_env, database
from tests.harness import BotEnv, onboard

ROOT = Path(__file__).resolve().parent.parent


def cli(
    *args: str, data: Path, env: dict[str, str] | None = None, settings: str = ""
) -> subprocess.CompletedProcess[str]:
    file = data.parent / "settings.yaml"
    file.write_text(f"data_dir: {data}\nbot_username: test_bot\n{settings}")
    full = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_"))}
    full.update(env or {})
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "bot", *args, "--settings", str(file)],
        cwd=ROOT,
        env=full,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert time.monotonic() - started < 10, "every subcommand ends within 10 s"
    assert "Traceback" not in result.stderr, result.stderr
    return result


async def test_a_key_that_does_not_open_the_data_stops_the_start(env: BotEnv) -> None:
    await env.stop()
    env.cipher = Cipher(Fernet.generate_key())
    with pytest.raises(StartupError, match="BOT_ENCRYPTION_KEY"):
        await env.start()


async def test_rotate_key_reencrypts_everything_in_one_step(tmp_path: Path) -> None:
    data = tmp_path / "data"
    key = Fernet.generate_key()
    data.mkdir(mode=0o700)
    (data / "encryption.key").write_bytes(key)
    env = BotEnv(
        tmp_path,
        Settings(data_dir=data, bot_username="test_bot"),
        FakeClock(datetime(2026, 3, 2, 9, tzinfo=UTC)),
    )
    env.cipher = Cipher(key)  # the key the data folder's key file holds
    await env.start()
    sam = env.client(701, "Sam")
    await onboard(sam)
    await env.storage.save_session(701, "x.y", env.cipher.encrypt("a draft"), env.clock.now())
    await env.stop()
    result = cli("rotate-key", data=data, env=child_env({}))
    assert result.returncode == 0, result.stderr
    assert "Re-encrypted 1" in result.stdout and "Back it up" in result.stdout
    new_key = (data / "encryption.key").read_bytes()
    assert new_key != key
    storage = Storage(database(data / "bot.sqlite3"))
    await storage.connect()
    try:
        [(draft,)] = await storage.fetchall("SELECT draft FROM sessions")
    finally:
        await storage.close()
    assert Cipher(new_key).decrypt(draft) == "a draft"
    with pytest.raises(ValueError):
        Cipher(key).decrypt(draft)


def test_rotate_key_refuses_while_the_bot_runs(tmp_path: Path) -> None:
    import fcntl

    data = tmp_path / "data"
    data.mkdir()
    with open(data / "bot.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = cli("rotate-key", data=data)
    assert result.returncode == 2
    assert "Another copy of the bot is already running" in result.stderr


def test_rotate_key_from_the_environment_needs_the_new_key_there(tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = cli(
        "rotate-key", data=data, env={"BOT_ENCRYPTION_KEY": Fernet.generate_key().decode()}
    )
    assert result.returncode == 2 and "BOT_NEW_ENCRYPTION_KEY" in result.stderr


@pytest.mark.sqlite_only  # SQLite's backup API; PostgreSQL's is pg_dump
async def test_a_backup_taken_while_the_bot_runs_restores_every_row(
    env: BotEnv, tmp_path: Path
) -> None:
    for n in range(20):
        await onboard(env.client(800 + n, f"P{n}"))
    copy = tmp_path / "backup.sqlite3"
    result = cli("backup", str(copy), data=env.settings.data_dir)
    assert result.returncode == 0, result.stderr
    assert oct(copy.stat().st_mode & 0o777) == "0o600"
    restored = sqlite3.connect(copy)
    original = await env.storage.fetchval("SELECT COUNT(*) FROM users")
    assert restored.execute("SELECT COUNT(*) FROM users").fetchone()[0] == original == 20
    tables = await env.storage.table_names()
    for table in tables:
        count = await env.storage.fetchval(f"SELECT COUNT(*) FROM {table}")
        assert restored.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == count
    restored.close()


@pytest.mark.parametrize(
    ("prepare", "needle"),
    [
        ("corrupt", "not a readable database"),
        ("newer", "newer version"),
        ("locked", "locked by another program"),
    ],
)
def test_invite_on_a_broken_database_says_so_plainly(
    tmp_path: Path, prepare: str, needle: str
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    db_file = data / "bot.sqlite3"
    holder = None
    if prepare == "corrupt":
        db_file.write_bytes(b"definitely not sqlite" * 100)
    elif prepare == "newer":
        with sqlite3.connect(db_file) as db:
            db.execute("PRAGMA user_version = 999")
    else:
        holder = sqlite3.connect(db_file, isolation_level=None)
        holder.execute("CREATE TABLE t (x)")
        holder.execute("BEGIN EXCLUSIVE")
    try:
        result = cli("invite", "consumer_peer", data=data)
    finally:
        if holder is not None:
            holder.close()
    assert result.returncode == 2
    assert needle in result.stderr


def test_check_rejects_numbers_storage_cannot_hold(tmp_path: Path) -> None:
    for line in (
        "caseload_cap: 99999999999999999999999\n",
        "coordinators: [99999999999999999999999]\n",
        "match_request_timeout_hours: 10000000\n",
    ):
        result = cli("check", data=tmp_path / "data", settings=line)
        assert result.returncode != 0, line
        assert "Setting" in result.stderr
