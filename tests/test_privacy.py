"""/mydata and /delete: everything out, everything gone, only a count logged."""

from __future__ import annotations

import json
import logging

import pytest

from tests.harness import BotEnv, join_staff, onboard


async def test_mydata_sends_everything_as_json(env: BotEnv) -> None:
    alice = env.client(3001, "Alice", "Secretsurname", "alice_handle")
    await onboard(alice, "carer", relationship="sibling", alias="Al")
    await alice.send("/mydata")
    document = alice.last()
    assert document.method == "sendDocument"
    filename, payload, _mime = next(iter(document.files.values()))
    assert filename == "my-data.json"
    data = json.loads(payload)
    user = data["users"][0]
    assert (user["user_id"], user["alias"], user["relationship"]) == (3001, "Al", "sibling")


async def test_mydata_for_someone_we_never_stored(env: BotEnv) -> None:
    ben = env.client(3002, "Ben")
    await ben.send("/mydata")
    assert "don't store anything" in ben.last_text()


async def test_delete_asks_then_erases_every_row(
    env: BotEnv, caplog: pytest.LogCaptureFixture
) -> None:
    cat = env.client(3003, "Cat")
    await onboard(cat, "consumer", alias="Cat")
    await cat.send("/delete")
    assert "can't be undone" in cat.last_text()
    await cat.click("No, keep it")
    assert "nothing was erased" in cat.last_text()
    assert await env.storage.get_user(3003) is not None

    await cat.send("/settings")  # leave a conversation open, then erase mid-way
    await cat.send("/delete")
    with caplog.at_level(logging.INFO):
        await cat.click("Yes, erase everything")
    assert "Everything we stored about you has been erased" in cat.last_text()
    assert await env.user_ids_in_tables(3003) == {}
    # Only a count is logged: no name, no id.
    for record in caplog.records:
        message = record.getMessage()
        assert "Cat" not in message and "3003" not in message
    # After a restart nothing of theirs comes back.
    await env.restart()
    assert await env.user_ids_in_tables(3003) == {}
    await cat.send("/start")
    assert "Is that OK with you?" in cat.last_text()


async def test_staff_can_erase_too(env: BotEnv) -> None:
    dan = env.client(3004, "Dan")
    await join_staff(dan, "consumer_peer", alias="Dan")
    await dan.send("/delete")
    await dan.click("Yes, erase everything")
    assert await env.user_ids_in_tables(3004) == {}


async def test_mydata_comes_with_a_summary_a_person_can_read(env: BotEnv) -> None:
    """After the file, a few lines: who they are here, each match by the peer worker's
    chosen name, dates in their own time zone, and no one's Telegram id."""
    from tests.home_support import matched, peer

    kim = await peer(env, 7301, "Kim")
    dana = env.client(7302, "TgDana")
    await onboard(dana, alias="Dana")
    await matched(env, dana, kim)
    mark = dana.mark()
    await dana.send("/mydata")
    summary, file = dana.since(mark)[-2:]
    assert file.method == "sendDocument"
    summary = summary.plain
    assert summary.startswith("In short")
    assert "You're here as a person living with BPD, called Dana, on Sydney time" in summary
    assert "With Kim since Mon 2 Mar 2026." in summary
    assert "7301" not in summary and "TgKim" not in summary
    # What else the file holds, in words, not table names ("checkin schedules", "_")
    await env.storage.open_checkin(7302, env.clock.now())
    mark = dana.mark()
    await dana.send("/mydata")
    summary = dana.since(mark)[-2].plain
    assert "Also in the file: check-ins (1)" in summary
    assert "_" not in summary and "checkins" not in summary


async def test_after_an_erasure_a_new_request_still_reaches_its_peer_worker(env: BotEnv) -> None:
    """SQLite gave a new match the erased last match's id again, so the new request's notice
    ("match:1:request", already sent for the old one) was never sent: the person was told
    it had gone, and the peer worker never saw it. Ids are never given out twice now."""
    from tests.home_support import peer, person

    jo = await peer(env, 3101, "Jo")
    mia = await person(env, 3102, "Mia")
    await mia.send("/match")
    await mia.click("Skip the rest")
    await mia.click("Choose Jo")
    await jo.click("Accept")
    old = await env.storage.active_match_for_person(3102)
    assert old is not None
    await mia.send("/delete")
    await mia.click("Yes, erase everything")
    assert await env.storage.get_match(old.id) is None
    await env.restart()  # and a restart forgets nothing of it

    tom = await person(env, 3103, "Tom")
    await tom.send("/match")
    await tom.click("Skip the rest")
    await tom.click("Choose Jo")
    assert "We've sent your request to Jo" in tom.last_text()
    assert "Tom" in jo.last_text() and "Accept" in str(jo.last().buttons())
    new = await env.storage.live_match_for_person(3103)
    assert new is not None and new.id > old.id


def test_every_kind_of_record_has_words_in_the_summary() -> None:
    """A table new in the schema needs its words in privacy.yaml, or /mydata's summary shows
    its raw name."""
    from bot.content import Content
    from bot.storage import PERSONAL_TABLES

    copy = Content()
    missing = {
        entry.table
        for entry in PERSONAL_TABLES
        if entry.table not in ("users", "matches") and not copy.has(f"privacy.tables.{entry.table}")
    }
    assert not missing
