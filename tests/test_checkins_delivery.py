"""A check-in answer is never lost, and a prompt is never sent twice, through the fake Bot
API: Telegram failing with a 5xx, a timeout, a permanent refusal, or for days.

The rating and its reply are kept together, the reply going through the outbox under the
check-in's own key (flows/checkins/sends.py); prompts go through it too, in the bulk lane,
retried by its worker (tick:outbox) and dropped only on a permanent error."""

from __future__ import annotations

from typing import Any

from telegram.error import TimedOut

from tests.harness import BotEnv, Client, onboard
from tests.test_checkins_flow import TICK, checkins_of, due_now, my_data, prompts, set_up_daily
from tests.test_outbox import fail_first

OUTBOX = "tick:outbox"
FEELINGS = "Which of these fit how you feel?"


async def checked_in(env: BotEnv, uid: int, name: str) -> Client:
    """Someone with daily check-ins, whose first one has just been sent."""
    client = env.client(uid, name)
    await onboard(client)
    await set_up_daily(client)
    await due_now(env, uid)
    assert len(prompts(client)) == 1
    return client


def count(client: Client, words: str) -> int:
    return sum(words in t for t in client.texts())


async def counters(env: BotEnv) -> dict[str, int]:
    """Each daily count, summed over the days."""
    counts: dict[str, int] = {}
    for _, name, _, value in await env.storage.counters():
        counts[name] = counts.get(name, 0) + value
    return counts


async def test_a_reply_that_fails_with_a_5xx_follows_and_the_answer_is_kept(env: BotEnv) -> None:
    ann = await checked_in(env, 2201, "Ann")
    message, data = ann.find_button("4", exact=True)
    fail_first(env, 1)  # the next send, the reply, gets a 502
    mark = ann.mark()
    await ann.click("4", exact=True)
    assert count(ann, FEELINGS) == 0
    assert not any("went wrong" in t for t in ann.texts_since(mark))
    # The answer is kept, and the check-in's own message says what it was, without buttons.
    [row] = checkins_of(await my_data(env, ann))
    assert (row["status"], row["rating"]) == ("answered", 4)
    answered = env.fake.chats[ann.user_id][message.message_id]
    assert answered.plain == "You said 4 out of 5 (good). Thank you." and not answered.buttons()

    env.clock.advance(seconds=6)
    await env.run_job(OUTBOX)
    assert count(ann, FEELINGS) == 1
    await env.run_job(OUTBOX)
    # The old button, pressed again (a message edit can fail too): nothing doubles.
    await ann.press(data, message)
    assert count(ann, FEELINGS) == 1
    notice = env.fake.calls_to("answerCallbackQuery")[-1].params
    assert "already answered" in notice["text"]
    assert (await counters(env))["checkin_answered"] == 1
    # And the check-in goes on from the reply.
    await ann.click("Calm")
    await ann.click("Done")
    assert "Did you use any skills" in ann.last_text()


async def test_a_reply_that_times_out_goes_when_they_press_again(env: BotEnv) -> None:
    ben = await checked_in(env, 2202, "Ben")
    calls = [0]

    def time_out_once(method: str, params: dict[str, Any]) -> None:
        if method == "sendMessage" and calls[0] == 0:
            calls[0] += 1
            raise TimedOut
        return None

    env.fake.interceptor = time_out_once
    message, data = ben.find_button("2", exact=True)
    await ben.click("2", exact=True)
    assert count(ben, "sounds like a hard time") == 0
    # Pressing again (before the worker's next try) sends the kept reply at once, once.
    await ben.press(data, message)
    assert count(ben, "sounds like a hard time") == 1
    env.clock.advance(minutes=5)
    await env.run_job(OUTBOX)
    assert count(ben, "sounds like a hard time") == 1
    counts = await counters(env)
    assert (counts["checkin_answered"], counts["checkin_low"]) == (1, 1)


async def test_a_prompt_that_failed_just_now_is_sent_later_and_once(env: BotEnv) -> None:
    cal = env.client(2203, "Cal")
    await onboard(cal)
    await set_up_daily(cal)
    fail_first(env, 1, 500, "Internal Server Error")
    await due_now(env, 2203)
    assert prompts(cal) == []
    # The check-in is recorded; the dispatcher moved on, so running it again sends nothing.
    assert [c["status"] for c in checkins_of(await my_data(env, cal))] == ["unanswered"]
    await env.run_job(TICK)
    env.clock.advance(seconds=11)
    await env.run_job(OUTBOX)
    assert len(prompts(cal)) == 1
    await env.run_job(OUTBOX)
    await env.run_job(TICK)
    assert len(prompts(cal)) == 1
    await cal.click("5", exact=True)
    assert FEELINGS in cal.last_text()
    counts = await counters(env)
    assert (counts["checkin_sent"], counts["checkin_answered"]) == (1, 1)


async def test_a_prompt_refused_for_good_is_not_tried_again(env: BotEnv) -> None:
    dee = env.client(2204, "Dee")
    await onboard(dee)
    await set_up_daily(dee)

    def chat_gone(method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        if method == "sendMessage" and int(params["chat_id"]) == 2204:
            return 400, {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: chat not found",
            }
        return None

    def tries() -> int:
        return len(
            [c for c in env.fake.calls_to("sendMessage") if int(c.params["chat_id"]) == 2204]
        )

    before = tries()
    env.fake.interceptor = chat_gone
    await due_now(env, 2204)
    assert tries() == before + 1
    # Forgotten, counted, and never tried again: not by the worker, not by the next day's
    # dispatcher (an unreachable person is sent nothing until they write again).
    assert "checkins" not in await env.user_ids_in_tables(2204)
    assert (await counters(env))["checkin_undelivered"] == 1
    for _ in range(3):
        env.clock.advance(minutes=10)
        await env.run_job(OUTBOX)
    await due_now(env, 2204)
    assert tries() == before + 1


async def test_a_prompt_that_keeps_failing_is_given_up_with_its_check_in(env: BotEnv) -> None:
    eve = env.client(2205, "Eve")
    await onboard(eve)
    await set_up_daily(eve)
    env.fake.interceptor = lambda method, params: (
        (502, {"ok": False, "error_code": 502, "description": "Bad Gateway"})
        if method == "sendMessage" and int(params["chat_id"]) == 2205
        else None
    )
    await due_now(env, 2205)
    env.clock.advance(seconds=11)
    await env.run_job(OUTBOX)
    assert [c["status"] for c in checkins_of(await my_data(env, eve))] == ["unanswered"]
    # Two days on (as long as a check-in stays open), the outbox gives up, and the check-in
    # that never arrived is forgotten rather than left to be answered.
    env.clock.advance(days=2, minutes=1)
    await env.run_job(OUTBOX)
    env.fake.interceptor = None
    assert "checkins" not in await env.user_ids_in_tables(2205)
    await env.run_job(OUTBOX)
    assert prompts(eve) == []
    assert (await counters(env))["checkin_undelivered"] == 1


async def test_many_due_at_once_each_get_one_prompt(env: BotEnv) -> None:
    """Prompts go out a few at a time after the claim; a failure for one person doesn't hold
    up or double anyone else's."""
    people = [env.client(2300 + i, f"P{i}") for i in range(20)]
    for client in people:
        await onboard(client)
        await set_up_daily(client)
    fail_first(env, 3)
    await due_now(env, 2300)
    assert sum(len(prompts(c)) for c in people) == 17
    env.clock.advance(seconds=11)
    await env.run_job(OUTBOX)
    assert [len(prompts(c)) for c in people] == [1] * 20
    env.clock.advance(minutes=1)
    await env.run_job(TICK)
    await env.run_job(OUTBOX)
    assert [len(prompts(c)) for c in people] == [1] * 20
    assert (await counters(env))["checkin_sent"] == 20
