"""Durable group notices: a place offered from the waitlist, a cancelled meeting and a
retired group go through the outbox (bot/outbox.py) under unique keys, so a 5xx from
Telegram loses none of them, and no retry, tick or second press ever doubles one."""

from __future__ import annotations

from typing import Any

from tests.harness import BotEnv, Client, onboard
from tests.test_groups_flow import as_coordinator, create_group


def failing_once(env: BotEnv, words: str) -> list[int]:
    """Telegram answers 502 to the first send whose text has WORDS; returns those chats."""
    failed: list[int] = []

    def intercept(method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        if method == "sendMessage" and words in str(params.get("text")) and not failed:
            failed.append(int(params["chat_id"]))
            return 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}
        return None

    env.fake.interceptor = intercept
    return failed


def count(client: Client, words: str) -> int:
    return sum(words in t for t in client.texts())


async def retry_everything(env: BotEnv) -> None:
    env.clock.advance(seconds=30)
    await env.run_job("tick:outbox")
    await env.run_job("tick:groups")
    await env.run_job("tick:outbox")


async def test_a_place_offered_survives_a_5xx_and_is_sent_once(env: BotEnv) -> None:
    coord = await as_coordinator(env)
    await create_group(coord, "Small group", "All carers", capacity="1")
    a, b = env.client(710001, "A"), env.client(710002, "B")
    for person in (a, b):
        await onboard(person, "carer", relationship="sibling")
        await person.send("/groups")
        await person.click("Small group")
        await person.click("Join")  # a place for A, the waitlist for B
    failed = failing_once(env, "it's yours")
    await a.click("Leave this group")
    assert failed == [b.user_id] and count(b, "it's yours") == 0
    # Kept, not lost: the outbox tries again after its backoff.
    await retry_everything(env)
    assert count(b, "it's yours") == 1
    await retry_everything(env)
    assert count(b, "it's yours") == 1
    membership = await env.storage.membership(
        (await env.storage.list_groups())[0].group_id, b.user_id
    )
    assert membership is not None and membership.status == "member"
    env.assert_clean()


async def test_cancelled_and_retired_notices_survive_a_5xx(env: BotEnv) -> None:
    coord = await as_coordinator(env)
    await create_group(coord, "Parents together", "Parents")
    pat = env.client(1, "Pat")
    await onboard(pat, "carer", relationship="parent")
    await pat.send("/groups")
    await pat.click("Parents together")
    await pat.click("Join this group")

    failing_once(env, "won't go ahead")
    await coord.send("/groups")
    await coord.click("Parents together")
    await coord.click("Cancel one meeting")
    await coord.click("Tue 17 Mar")
    message, confirm = coord.find_button("Yes, cancel that meeting")
    await coord.press(confirm, message)
    assert count(pat, "won't go ahead") == 0
    await coord.press(confirm, message)  # an old button pressed again adds nothing
    await retry_everything(env)
    await retry_everything(env)
    assert count(pat, "won't go ahead") == 1

    failing_once(env, "come to an end")
    await coord.click("Retire this group")
    await coord.click("Yes, retire it")
    assert count(pat, "come to an end") == 0
    await retry_everything(env)
    await env.restart()
    await retry_everything(env)
    assert count(pat, "come to an end") == 1
    keys = [r[0] for r in await env.storage.fetchall("SELECT key FROM outbox ORDER BY id")]
    assert len(keys) == len(set(keys)) == 2
    assert all(k.startswith("group:") for k in keys)
    env.assert_clean()
