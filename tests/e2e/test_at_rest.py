"""What the README promises at rest, in the files of a real `python -m bot run`: after /delete
the person's chosen name is nowhere in the database, its -wal or -shm (secure_delete and a
checkpoint after the erasure); the data folder is 0700 and the database files 0600."""

from __future__ import annotations

import stat
from pathlib import Path

from tests.e2e.botproc import BotProcess
from tests.e2e.emulator import BotAPIEmulator
from tests.e2e.journeys import barrier, onboard

NAME = "Quillonbey"


def database_files(bot: BotProcess) -> list[Path]:
    base = bot.database
    return [p for p in (base, Path(f"{base}-wal"), Path(f"{base}-shm")) if p.exists()]


def test_after_delete_the_name_is_not_in_the_files(
    tg: BotAPIEmulator, shared_bot: BotProcess
) -> None:
    quill = tg.person(884_100_001, "Q", username="q_private")
    onboard(quill, alias=NAME)
    barrier(quill)
    assert any(NAME.encode() in p.read_bytes() for p in database_files(shared_bot))
    quill.send("/delete")
    quill.wait_for("Do you want to erase everything?")
    quill.click("Yes, erase everything")
    quill.wait_for("Everything we stored about you has been erased.")
    barrier(tg.person(884_100_009, "Bystander"))
    for path in database_files(shared_bot):
        assert NAME.encode() not in path.read_bytes(), f"{path.name} still holds the name"


def test_the_data_folder_and_database_are_owner_only(shared_bot: BotProcess) -> None:
    assert stat.S_IMODE(shared_bot.data_dir.stat().st_mode) == 0o700
    for path in database_files(shared_bot):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
