"""Concurrent updates, one person at a time: the update processor on its own, PTB's
ConversationHandler under it, and the real bot fed through its update queue."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from telegram import Update
from telegram.ext import (
    Application,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    SimpleUpdateProcessor,
    TypeHandler,
    filters,
)

from bot.clock import FakeClock
from bot.concurrency import PerPersonUpdateProcessor, in_update, person_key
from bot.lanes import BULK, INTERACTIVE, lane_of
from tests.harness import BOT_USER, TOKEN, BotEnv, FakeBotAPI


def message(update_id: int, user_id: int, text: str) -> dict[str, Any]:
    """A private text message update, as Telegram sends it."""
    entities = (
        [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        if text.startswith("/")
        else []
    )
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1772442000,
            "text": text,
            "entities": entities,
            "chat": {"id": user_id, "type": "private", "first_name": "P"},
            "from": {"id": user_id, "is_bot": False, "first_name": "P"},
        },
    }


class Gate:
    """Updates that run until the test lets each one finish."""

    def __init__(self) -> None:
        self.log: list[tuple[str, str]] = []
        self.gates: dict[str, asyncio.Event] = {}

    async def work(self, name: str) -> None:
        self.log.append(("start", name))
        await self.gates.setdefault(name, asyncio.Event()).wait()
        self.log.append(("end", name))

    def release(self, name: str) -> None:
        self.gates.setdefault(name, asyncio.Event()).set()

    def started(self) -> list[str]:
        return [n for kind, n in self.log if kind == "start"]


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


def fake_update(update_id: int, user_id: int) -> Update:
    return Update.de_json(message(update_id, user_id, "hi"), None)  # type: ignore[arg-type]


async def test_one_person_at_a_time_in_arrival_order_others_concurrently() -> None:
    processor = PerPersonUpdateProcessor(10)
    gate = Gate()
    arrivals = [("a1", 1), ("b1", 2), ("a2", 1), ("c1", 3), ("a3", 1), ("b2", 2)]
    tasks = [
        asyncio.create_task(processor.process_update(fake_update(i, uid), gate.work(name)))
        for i, (name, uid) in enumerate(arrivals)
    ]
    await settle()
    assert gate.started() == ["a1", "b1", "c1"]  # one per person, the rest wait their turn
    assert processor.current_concurrent_updates == 3 and processor.waiting() == 3
    gate.release("a3")  # released early: it still may not start before a2
    gate.release("b1")
    await settle()
    assert gate.started() == ["a1", "b1", "c1", "b2"]
    gate.release("a1")
    await settle()
    assert gate.started()[-1] == "a2"
    for name in ("a2", "b2", "c1"):
        gate.release(name)
    await asyncio.gather(*tasks)
    ends = [n for kind, n in gate.log if kind == "end"]
    assert ends.index("a1") < ends.index("a2") < ends.index("a3")
    assert processor.waiting() == 0 and not processor._queues


async def test_the_cap_bounds_updates_in_hand_and_waiting_turns_take_no_place() -> None:
    processor = PerPersonUpdateProcessor(2)
    gate = Gate()
    # Person 1 sends four; persons 2 and 3 one each. Person 1's waiting updates must not
    # take the cap's places: person 2 starts beside person 1's first update.
    arrivals = [("a1", 1), ("a2", 1), ("a3", 1), ("a4", 1), ("b1", 2), ("c1", 3)]
    tasks = [
        asyncio.create_task(processor.process_update(fake_update(i, uid), gate.work(name)))
        for i, (name, uid) in enumerate(arrivals)
    ]
    await settle()
    assert gate.started() == ["a1", "b1"]
    gate.release("b1")
    await settle()
    assert gate.started() == ["a1", "b1", "c1"]
    for name in ("a1", "a2", "a3", "a4", "c1"):
        gate.release(name)
    await asyncio.gather(*tasks)
    assert gate.started() == ["a1", "b1", "c1", "a2", "a3", "a4"]
    assert processor.max_concurrent_updates == 2


async def test_a_cancelled_waiting_update_lets_the_next_one_go() -> None:
    processor = PerPersonUpdateProcessor(10)
    gate = Gate()
    first = asyncio.create_task(processor.process_update(fake_update(1, 1), gate.work("a1")))
    second = asyncio.create_task(processor.process_update(fake_update(2, 1), gate.work("a2")))
    third = asyncio.create_task(processor.process_update(fake_update(3, 1), gate.work("a3")))
    await settle()
    second.cancel()
    gate.release("a1")
    gate.release("a3")
    await asyncio.gather(first, third)
    with pytest.raises(asyncio.CancelledError):
        await second
    assert gate.started() == ["a1", "a3"]
    assert not processor._queues


def test_person_keys() -> None:
    assert person_key(fake_update(1, 42)) == ("user", 42)
    assert person_key(object()) is None
    with pytest.raises(ValueError, match="1 or more"):
        PerPersonUpdateProcessor(0)


async def test_sends_inside_an_update_are_interactive_and_outside_bulk() -> None:
    processor = PerPersonUpdateProcessor(4)
    seen: list[str] = []

    async def work() -> None:
        seen.append(lane_of(None))
        seen.append(lane_of(BULK))
        inner = asyncio.create_task(asyncio.sleep(0))  # tasks it starts inherit the lane
        await inner
        seen.append(lane_of(None) if in_update() else "lost")

    await processor.process_update(fake_update(1, 1), work())
    assert seen == [INTERACTIVE, BULK, INTERACTIVE]
    assert lane_of(None) == BULK and lane_of(INTERACTIVE) == INTERACTIVE


# -- PTB's ConversationHandler under concurrent updates ----------------------------------------

NAME, AGE = range(2)


async def conversation_app(processor: Any) -> tuple[Application, dict[int, str]]:
    """A bare PTB bot with a two-step conversation whose handlers yield to other tasks, the way
    a Bot API call or a database round trip does."""
    results: dict[int, str] = {}

    async def slow() -> None:
        for _ in range(5):
            await asyncio.sleep(0)

    async def start(update: Update, context: Any) -> int:
        await slow()
        return NAME

    async def name(update: Update, context: Any) -> int:
        await slow()
        context.user_data["name"] = update.effective_message.text
        return AGE

    async def age(update: Update, context: Any) -> int:
        await slow()
        person = update.effective_user.id
        results[person] = f"{context.user_data['name']}, {update.effective_message.text}"
        return ConversationHandler.END

    fake = FakeBotAPI(FakeClock(datetime(2026, 3, 2, tzinfo=UTC)))
    app = (
        Application.builder()
        .token(TOKEN)
        .request(fake)
        .get_updates_request(fake)
        .concurrent_updates(processor)
        .build()
    )
    app.add_handler(
        ConversationHandler(
            entry_points=[CommandHandler("start", start)],
            states={
                NAME: [MessageHandler(filters.TEXT & ~filters.COMMAND, name)],
                AGE: [MessageHandler(filters.TEXT & ~filters.COMMAND, age)],
            },
            fallbacks=[],
        )
    )
    await app.initialize()
    return app, results


async def feed_interleaved(app: Application) -> None:
    script = {
        101: ["/start", "Alice", "33"],
        102: ["/start", "Bo", "41"],
        103: ["/start", "Cy", "27"],
    }
    updates = []
    n = 0
    for step in range(3):
        for uid, texts in script.items():
            n += 1
            updates.append(Update.de_json(message(n, uid, texts[step]), app.bot))
    # Started in arrival order, all at once, as PTB's update fetcher does.
    await asyncio.gather(
        *(app.update_processor.process_update(u, app.process_update(u)) for u in updates)
    )


async def test_conversation_state_holds_under_concurrent_updates() -> None:
    app, results = await conversation_app(PerPersonUpdateProcessor(256))
    await feed_interleaved(app)
    await app.shutdown()
    assert results == {101: "Alice, 33", 102: "Bo, 41", 103: "Cy, 27"}


async def test_without_per_person_order_the_same_conversation_breaks() -> None:
    # The control: PTB's plain concurrent processor lets a person's second message in
    # before their first is handled, and the conversation loses it.
    app, results = await conversation_app(SimpleUpdateProcessor(256))
    await feed_interleaved(app)
    await app.shutdown()
    assert results != {101: "Alice, 33", 102: "Bo, 41", 103: "Cy, 27"}


# -- the real bot, fed through its update queue --------------------------------------------------


async def test_the_real_bot_processes_people_concurrently_each_in_order(env: BotEnv) -> None:
    assert env.app is not None
    assert isinstance(env.app.update_processor, PerPersonUpdateProcessor)
    log: list[tuple[str, int, int]] = []
    running = {"now": 0, "max": 0}
    all_queued = asyncio.Event()

    async def watch(update: Update, context: Any) -> None:
        uid = update.effective_user.id
        running["now"] += 1
        running["max"] = max(running["max"], running["now"])
        log.append(("start", uid, update.update_id))
        await all_queued.wait()  # hold each first update until every update has arrived
        for _ in range(3):
            await asyncio.sleep(0)
        log.append(("end", uid, update.update_id))
        running["now"] -= 1

    env.app.add_handler(TypeHandler(Update, watch), group=-100)
    people = [env.client(5000 + k, "Pat") for k in range(8)]
    n = 10_000
    for round_ in range(4):
        for person in people:
            n += 1
            data = message(n, person.user_id, "/help" if round_ % 2 else "hello there")
            await env.app.update_queue.put(Update.de_json(data, env.app.bot))
    all_queued.set()
    await asyncio.wait_for(env.app.update_queue.join(), timeout=60)

    assert running["max"] == len(people)  # people really were served side by side
    for person in people:
        mine = [(kind, uid_) for kind, uid, uid_ in log if uid == person.user_id]
        # Strictly one at a time: start, end, start, end ... in update_id order.
        assert [k for k, _ in mine] == ["start", "end"] * 4
        ids = [u for k, u in mine if k == "start"]
        assert ids == sorted(ids)
        assert len(person.messages) == 4  # every update answered
    pending = await env.storage.inbox_pending()
    assert pending == []  # each marked done, with its end-of-update writes


async def test_harness_updates_go_through_the_update_processor(env: BotEnv) -> None:
    alice, bo = env.client(6001, "Alice"), env.client(6002, "Bo")
    await asyncio.gather(*(p.send("/help") for p in (alice, bo) for _ in range(3)))
    assert len(alice.messages) == 3 and len(bo.messages) == 3
    assert BOT_USER["id"] != alice.user_id
