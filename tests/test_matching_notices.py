"""Matching notices that must arrive, through the fake Bot API: a request reaches its peer
worker even when Telegram stumbles, the person is told the truth when it can't, a peer worker
is reminded once a day before a request closes, and the answer reaches the person."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.harness import BotEnv, Client
from tests.test_matching_flow import make_peer, offered, person, skip_all


def fail_for(env: BotEnv, chat_id: int, times: int) -> list[int]:
    """The next TIMES sends to CHAT_ID fail as a Telegram outage would (502); a counter."""
    count = [0]

    def interceptor(method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        if (
            method != "sendMessage"
            or str(params.get("chat_id")) != str(chat_id)
            or count[0] >= times
        ):
            return None
        count[0] += 1
        return 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}

    env.fake.interceptor = interceptor
    return count


def requests_to(peer: Client) -> list[str]:
    return [t for t in peer.texts() if "A new request for peer support" in t]


async def test_a_request_telegram_cannot_take_at_once_is_sent_later_and_the_person_told_so(
    env: BotEnv,
) -> None:
    kim = await make_peer(env, 2001, "Kim")
    ally = await person(env, 1001, "Ally")
    await skip_all(ally)
    fail_for(env, 2001, 2)
    await ally.click("Choose Kim")
    # Not "sent": it hasn't reached Kim yet, and Ally hears that truly.
    assert "We're passing your request to Kim" in ally.last_text()
    assert "We've sent your request" not in " ".join(ally.texts())
    assert requests_to(kim) == []
    env.clock.advance(timedelta(minutes=1))
    await env.run_job("tick:outbox")
    assert len(requests_to(kim)) == 1
    await env.run_job("tick:outbox")
    assert len(requests_to(kim)) == 1  # never twice
    await kim.click("Accept")
    assert "Kim has accepted and is now your peer worker" in ally.last_text()


async def test_a_request_that_can_never_reach_the_peer_worker_is_withdrawn_freeing_both(
    env: BotEnv,
) -> None:
    await make_peer(env, 2001, "Kim")
    await make_peer(env, 2002, "Lou")
    ally = await person(env, 1001, "Ally")
    await skip_all(ally)
    env.fake.blocked.add(2001)  # Kim's chat with the bot is closed
    await ally.click("Choose Kim")
    texts = ally.texts()
    assert not any("We've sent your request" in t for t in texts)
    assert "Kim can't be reached through the bot right now" in ally.last_text()
    assert "Would you like to choose someone else?" in ally.last_text()
    assert offered(ally) == ["Lou"]
    assert await env.storage.live_match_for_person(1001) is None
    assert await env.storage.caseload(2001) == 0
    await ally.click("Choose Lou")
    assert "We've sent your request to Lou" in ally.last_text()


async def test_a_failed_request_notice_found_by_the_worker_also_withdraws_it(env: BotEnv) -> None:
    kim = await make_peer(env, 2001, "Kim")
    ally = await person(env, 1001, "Ally")
    await skip_all(ally)
    fail_for(env, 2001, 2)
    await ally.click("Choose Kim")
    env.fake.interceptor = None
    env.fake.blocked.add(2001)  # meanwhile, Kim closes the chat
    env.clock.advance(timedelta(minutes=1))
    await env.run_job("tick:outbox")
    assert "Kim can't be reached through the bot right now" in ally.last_text()
    assert await env.storage.live_match_for_person(1001) is None
    assert requests_to(kim) == []


async def test_the_peer_worker_is_reminded_once_a_day_before_a_request_closes(env: BotEnv) -> None:
    kim = await make_peer(env, 2001, "Kim")
    ally = await person(env, 1001, "Ally")
    await skip_all(ally)
    await ally.click("Choose Kim")
    env.clock.advance(timedelta(hours=23, minutes=59))
    await env.run_job("tick:matching")
    assert not any("gentle reminder" in t for t in kim.texts())
    env.clock.advance(timedelta(minutes=2))
    await env.run_job("tick:matching")
    reminders = [t for t in kim.texts() if "gentle reminder" in t]
    assert len(reminders) == 1
    assert "Ally is still waiting" in reminders[0] and "Wed 4 Mar, 20:00" in reminders[0]
    await env.restart()
    env.clock.advance(timedelta(hours=1))
    await env.run_job("tick:matching")
    await env.run_job("tick:outbox")
    assert len([t for t in kim.texts() if "gentle reminder" in t]) == 1  # once, restarts too
    await kim.click("Accept")  # from the reminder
    assert "Kim has accepted" in ally.last_text()


async def test_a_short_timeout_sends_no_reminder(tmp_path: Any) -> None:
    env = await BotEnv.create(tmp_path, match_request_timeout_hours=12)
    try:
        kim = await make_peer(env, 2001, "Kim")
        ally = await person(env, 1001, "Ally")
        await skip_all(ally)
        await ally.click("Choose Kim")
        env.clock.advance(timedelta(hours=11))
        await env.run_job("tick:matching")
        assert not any("gentle reminder" in t for t in kim.texts())
    finally:
        await env.stop()
    env.assert_clean()


async def test_an_answer_the_person_cannot_take_at_once_reaches_them_later(env: BotEnv) -> None:
    kim = await make_peer(env, 2001, "Kim")
    ally = await person(env, 1001, "Ally")
    await skip_all(ally)
    await ally.click("Choose Kim")
    fail_for(env, 1001, 2)
    await kim.click("Decline")
    assert not any("isn't able to take on a new person" in t for t in ally.texts())
    env.clock.advance(timedelta(minutes=1))
    await env.run_job("tick:outbox")
    assert sum("isn't able to take on a new person" in t for t in ally.texts()) == 1


async def test_an_expiry_reaches_both_through_the_outbox(env: BotEnv) -> None:
    kim = await make_peer(env, 2001, "Kim")
    ally = await person(env, 1001, "Ally")
    await skip_all(ally)
    await ally.click("Choose Kim")
    env.clock.advance(timedelta(hours=48, minutes=1))
    fail_for(env, 1001, 2)
    await env.run_job("tick:matching")
    assert "wasn't answered in time" in kim.last_text()
    assert not any("wasn't able to answer your request in time" in t for t in ally.texts())
    env.clock.advance(timedelta(minutes=1))
    await env.run_job("tick:outbox")
    assert sum("wasn't able to answer your request in time" in t for t in ally.texts()) == 1
    outbox = await env.storage.fetchall("SELECT key, status FROM outbox ORDER BY id")
    assert {r["key"]: r["status"] for r in outbox if r["key"].startswith("match:")} == {
        "match:1:request": "sent",
        "match:1:expired:2001": "sent",
        "match:1:expired:1001": "sent",
    }
