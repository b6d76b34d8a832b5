"""What the README's Privacy section promises at rest is true of the files themselves: after
/delete the person's name and their note's stored bytes are nowhere in the database, its -wal
or its -shm; the data folder is owner-only and the database files 0600; and before a yes,
what is kept names nobody, and the one thing that may (a crisis card's record) goes within a
day."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tests.harness import BotEnv, onboard
from tests.home_support import matched, peer
from tests.test_outbox import fail_first

NAME = "Zephyrine"


def files(env: BotEnv) -> dict[str, bytes]:
    path = env.settings.database_path
    return {
        p.name: p.read_bytes()
        for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"))
        if p.exists()
    }


@pytest.mark.sqlite_only  # the SQLite files themselves
async def test_after_delete_the_name_and_a_note_are_nowhere_in_the_files(env: BotEnv) -> None:
    zeph = env.client(6001, "TgZeph")
    await onboard(zeph, alias=NAME)
    pat = await peer(env, 6002, "Pat")
    await matched(env, zeph, pat)
    await pat.send("/note")
    await pat.send("Zephyrine talked about the NOTE-MARKER weekend.")
    stored = await env.storage.fetchval("SELECT body FROM notes")
    note = bytes(stored)[:40]
    assert any(NAME.encode() in b for b in files(env).values())  # the test can see it
    assert any(note in b for b in files(env).values())

    await zeph.send("/delete")
    await zeph.click("Yes, erase everything")
    assert await env.user_ids_in_tables(6001) == {}
    for name, data in files(env).items():
        assert NAME.encode() not in data, f"the name is still readable in {name}"
        assert NAME.encode("utf-16-le") not in data
        assert note not in data, f"the note's bytes are still in {name}"


@pytest.mark.sqlite_only  # the SQLite files themselves
async def test_the_data_folder_is_owner_only_and_the_database_0600(env: BotEnv) -> None:
    folder = env.settings.database_path.parent
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    sam = env.client(6003, "Sam")
    await onboard(sam)  # writes, so the -wal and -shm exist too
    for name in files(env):
        mode = stat.S_IMODE((folder / name).stat().st_mode)
        assert mode == 0o600, f"{name} is {oct(mode)}"


async def test_before_a_yes_nothing_names_them_and_a_card_is_forgotten_in_a_day(
    env: BotEnv,
) -> None:
    nia = env.client(6004, "Nia")
    await nia.send("/start")
    await nia.click("Tell me more")
    await nia.send("just looking around")
    await nia.send_photo()
    assert await env.user_ids_in_tables(6004) == {}
    # A crisis card Telegram can't take at once is kept to deliver it; its record names
    # them, and goes a day after it was sent.
    fail_first(env, 1)
    await nia.send("i want to kill myself")
    env.clock.advance(seconds=2)
    await env.run_job("tick:outbox")
    assert any("000" in t for t in nia.texts())
    assert await env.user_ids_in_tables(6004) == {"outbox": ["key", "chat_id"]}
    env.clock.advance(hours=23)
    await env.run_job("tick:outbox")
    assert await env.user_ids_in_tables(6004) != {}
    env.clock.advance(hours=2)
    await env.run_job("tick:outbox")
    assert await env.user_ids_in_tables(6004) == {}
