"""Restarts through the harness (the Application stopped and started again on the same data
folder, as a process exit and a new `python -m bot run` would): mid-onboarding, mid-request,
mid-broadcast and with due work waiting. The person's step, the pending request, the
broadcast's progress and the due work all carry on, and nothing is sent twice."""

from __future__ import annotations

from datetime import timedelta

from bot.storage.core import from_epoch
from tests.harness import AGREE, BotEnv, onboard
from tests.proofs_support import COUNTS
from tests.test_broadcast import add_people, as_coordinator, sender, start_broadcast
from tests.test_checkins_flow import TICK, prompts, set_up_daily
from tests.test_faults import fail_next
from tests.test_matching_flow import make_peer, skip_all
from tests.test_matching_flow import person as matching_person

REQUEST = "A new request for peer support"


async def restart(env: BotEnv) -> None:
    await env.restart()
    COUNTS["restarts"] += 1


async def test_mid_onboarding_the_step_carries_on(env: BotEnv) -> None:
    rae = env.client(7001, "Rae")
    await rae.send("/start")
    await rae.click(AGREE)
    await rae.click("I support someone with BPD")
    await restart(env)
    await rae.click("I'm a parent")
    await restart(env)
    await rae.send("Rae")
    assert "You're all set, Rae" in " ".join(rae.texts())
    user = await env.storage.get_user(7001)
    assert user is not None and (user.role, user.relationship, user.alias) == (
        "carer",
        "parent",
        "Rae",
    )


async def test_mid_request_the_notice_goes_once_and_the_answer_lands(env: BotEnv) -> None:
    kim = await make_peer(env, 7002, "Kim")
    ally = await matching_person(env, 7003, "Ally")
    await skip_all(ally)
    fail_next(env, kim.user_id, "502", times=10)  # Telegram is down for Kim: it waits
    await ally.click("Choose Kim")
    assert [t for t in kim.texts() if REQUEST in t] == []
    await restart(env)
    env.fake.interceptor = None
    env.clock.advance(minutes=1)
    await env.run_job("tick:outbox")
    await restart(env)
    await env.run_job("tick:outbox")
    assert len([t for t in kim.texts() if REQUEST in t]) == 1
    await kim.click("Accept")
    assert "Kim has accepted" in ally.last_text()


async def test_mid_broadcast_everyone_gets_it_exactly_once(env: BotEnv) -> None:
    coord = await as_coordinator(env)
    carers = await add_people(env, 7100, 6, "carer")
    await start_broadcast(coord, "All carers")
    await coord.click("Send to 6 people")
    await restart(env)  # before anything went
    env.clock.advance(seconds=3)
    assert await sender(env).run(env.app, limit=2) == 2  # a third of the way
    await restart(env)
    for _ in range(3):
        env.clock.advance(minutes=1)
        await env.run_job("tick:broadcast")
    got = {uid: sum("carers' evening" in m.plain for m in env.fake.messages(uid)) for uid in carers}
    assert got == dict.fromkeys(carers, 1)


async def test_due_work_waiting_through_a_stop_is_done_once(env: BotEnv) -> None:
    eve = env.client(7004, "Eve")
    await onboard(eve)
    await set_up_daily(eve)
    sched = await env.storage.get_checkin_schedule(7004)
    assert sched is not None and sched.next_due is not None
    await env.stop()
    env.clock.set(from_epoch(sched.next_due) + timedelta(minutes=5))  # down at its time
    await env.start()
    COUNTS["restarts"] += 1
    await env.run_job(TICK)
    await env.run_job("tick:outbox")
    await restart(env)
    await env.run_job(TICK)
    await env.run_job("tick:outbox")
    assert len(prompts(eve)) == 1
