"""Sends that matter survive a failure: kept, retried with backoff, never doubled, dropped
only on a permanent error (and then the sender can be told), the crisis card first."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from telegram.error import TimedOut

from bot import outbox
from bot.outbox import DeliveryFailed, Send
from bot.services.events import Collector
from tests.harness import BotEnv, onboard


def fail_first(
    env: BotEnv,
    times: int,
    status: int = 502,
    description: str = "Bad Gateway",
    retry_after: int | None = None,
) -> list[int]:
    """Make the next TIMES sends fail like Telegram would; returns a counter."""
    count = [0]

    def interceptor(method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        if method not in ("sendMessage", "copyMessage") or count[0] >= times:
            return None
        count[0] += 1
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        return status, body

    env.fake.interceptor = interceptor
    return count


async def test_a_crisis_card_that_fails_once_is_sent_moments_later(env: BotEnv) -> None:
    sam = env.client(5001, "Sam")
    await onboard(sam)
    fail_first(env, 1)
    mark = sam.mark()
    await sam.send("i took all my pills")
    assert not any("call 000" in t for t in sam.texts_since(mark))
    assert not any("went wrong" in t for t in sam.texts_since(mark))
    env.clock.advance(seconds=2)
    await env.run_job("tick:outbox")
    cards = [t for t in sam.texts_since(mark) if "call 000" in t]
    assert len(cards) == 1
    await env.run_job("tick:outbox")
    assert len([t for t in sam.texts_since(mark) if "call 000" in t]) == 1  # never twice


async def test_a_timeout_is_retried(env: BotEnv) -> None:
    calls = [0]

    def interceptor(method: str, params: dict[str, Any]) -> None:
        if method == "sendMessage" and calls[0] == 0:
            calls[0] += 1
            raise TimedOut
        return None

    env.fake.interceptor = interceptor
    events = Collector()
    assert env.deps is not None and env.app is not None
    message = await outbox.deliver(
        env.deps, env.app.bot, "t:1", "notice", Send(5002, "Hello"), events
    )
    assert message is None
    env.clock.advance(seconds=6)
    assert await outbox.run(env.deps, env.app.bot, events) == 1
    assert [m.plain for m in env.fake.messages(5002)] == ["Hello"]


async def test_a_429_is_waited_out_by_the_lane_and_sent_once(env: BotEnv) -> None:
    # The rate limiter's lane pauses for the whole retry_after and sends again
    # (bot/lanes.py); the outbox only keeps what still fails after that.
    assert env.deps is not None and env.app is not None
    fail_first(env, 1, 429, "Too Many Requests: retry after 1", retry_after=1)
    events = Collector()
    message = await outbox.deliver(env.deps, env.app.bot, "t:2", "notice", Send(5003, "Hi"), events)
    assert message is not None
    assert await outbox.run(env.deps, env.app.bot, events) == 0
    assert [m.plain for m in env.fake.messages(5003)] == ["Hi"]


async def test_kept_with_the_change_and_sent_once_however_often_asked(env: BotEnv) -> None:
    assert env.deps is not None and env.app is not None
    events = Collector()
    async with env.storage.transaction():
        assert await outbox.queue(env.deps, "match:7:request", "notice", Send(5004, "A request"))
    assert not await outbox.queue(env.deps, "match:7:request", "notice", Send(5004, "Again"))
    assert await outbox.send_now(env.deps, env.app.bot, ["match:7:request"], events) == 1
    assert await outbox.send_now(env.deps, env.app.bot, ["match:7:request"], events) == 0
    assert await outbox.run(env.deps, env.app.bot, events) == 0
    assert [m.plain for m in env.fake.messages(5004)] == ["A request"]
    assert await env.storage.outbox_status("match:7:request") == "sent"


async def test_a_send_taken_when_kept_is_the_keepers_until_its_lease_runs_out(
    env: BotEnv,
) -> None:
    assert env.deps is not None and env.app is not None
    events = Collector()
    async with env.storage.transaction(short=True):
        taken = await outbox.take(env.deps, "relay:7:person:1", "relay", Send(5005, "Hello"))
        assert taken is not None
    assert await outbox.take(env.deps, "relay:7:person:1", "relay", Send(5005, "Again")) is None
    # Nobody else sends it while the keeper holds it: not the worker, not send_now.
    assert await outbox.run(env.deps, env.app.bot, events) == 0
    assert await outbox.send_now(env.deps, env.app.bot, ["relay:7:person:1"], events) == 0
    assert await outbox.send_taken(env.deps, env.app.bot, [taken], events) == 1
    assert [m.plain for m in env.fake.messages(5005)] == ["Hello"]
    assert await env.storage.outbox_status("relay:7:person:1") == "sent"


async def test_a_taken_send_whose_keeper_died_is_sent_by_the_worker_once(env: BotEnv) -> None:
    assert env.deps is not None and env.app is not None
    events = Collector()
    async with env.storage.transaction(short=True):
        assert await outbox.take(env.deps, "relay:8:peer:2", "relay", Send(5006, "Hi")) is not None
    # The process died before its send: the lease runs out, then the worker sends it, once.
    env.clock.advance(seconds=outbox.LEASE_S - 1)
    assert await outbox.run(env.deps, env.app.bot, events) == 0
    env.clock.advance(seconds=2)
    assert await outbox.run(env.deps, env.app.bot, events) == 1
    assert await outbox.run(env.deps, env.app.bot, events) == 0
    assert [m.plain for m in env.fake.messages(5006)] == ["Hi"]


async def test_sends_in_hand_when_the_bot_died_go_at_the_first_tick_after_a_restart(
    env: BotEnv,
) -> None:
    assert env.deps is not None
    async with env.storage.transaction(short=True):
        assert (
            await outbox.take(env.deps, "relay:9:person:3", "relay", Send(5007, "Hey")) is not None
        )
    # The process died before the send; on SQLite nobody else can be sending it.
    await env.restart()
    await env.run_job("tick:outbox")
    if env.storage.dialect == "sqlite":
        assert [m.plain for m in env.fake.messages(5007)] == ["Hey"]
    else:  # another replica may hold it: its lease runs out first
        assert env.fake.messages(5007) == []
        env.clock.advance(seconds=outbox.LEASE_S + 1)
        await env.run_job("tick:outbox")
        assert [m.plain for m in env.fake.messages(5007)] == ["Hey"]
    await env.run_job("tick:outbox")
    assert len(env.fake.messages(5007)) == 1


async def test_a_blocked_chat_is_dropped_and_the_sender_can_be_told(env: BotEnv) -> None:
    assert env.deps is not None and env.app is not None
    lee = env.client(5005, "Lee")
    await onboard(lee)
    env.fake.blocked.add(5005)
    events = Collector()
    await outbox.queue(env.deps, "match:8:request", "notice", Send(5005, "A request"))
    await outbox.send_now(env.deps, env.app.bot, ["match:8:request"], events)
    assert events.events == [DeliveryFailed("match:8:request", "notice", 5005, "blocked")]
    assert await env.storage.outbox_status("match:8:request") == "dropped"
    user = await env.storage.get_user(5005)
    assert user is not None and not user.active
    env.fake.blocked.clear()
    await lee.send("/help")  # any update from them makes them reachable again
    user = await env.storage.get_user(5005)
    assert user is not None and user.active


async def test_a_send_that_never_gets_through_is_given_up_and_reported(env: BotEnv) -> None:
    assert env.deps is not None and env.app is not None
    fail_first(env, 10_000)
    events = Collector()
    await outbox.queue(env.deps, "note:3", "reply", Send(5006, "Saved"))
    for _ in range(60):  # 30 hours: a reply is given up after a day
        env.clock.advance(minutes=30)
        await outbox.run(env.deps, env.app.bot, events)
    assert [type(e) for e in events.events] == [DeliveryFailed]
    assert await env.storage.outbox_status("note:3") == "dropped"


async def test_the_card_goes_before_everything_else(env: BotEnv) -> None:
    assert env.deps is not None and env.app is not None
    events = Collector()
    for n in range(5):
        await outbox.queue(env.deps, f"bulk:{n}", "bulk", Send(5007, f"news {n}"))
    await outbox.queue(env.deps, "card:5007:1", "card", Send(5007, "numbers"))
    await outbox.run(env.deps, env.app.bot, events)
    assert env.fake.messages(5007)[0].plain == "numbers"


async def test_what_people_wrote_is_not_kept_in_plain_text(env: BotEnv) -> None:
    assert env.deps is not None
    await outbox.queue(env.deps, "relay:1", "relay", Send(5008, "my private words"))
    payload = await env.storage.fetchval("SELECT payload FROM outbox WHERE key = 'relay:1'")
    assert b"private words" not in bytes(payload)
    assert timedelta(0) is not None
