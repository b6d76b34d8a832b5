"""Peer workers leaving well: going on leave (new matches pause; per person a handover or a
pause with a message; "I'm back"), leaving the service (every person handed over by a
coordinator, who is asked; access ends with the last), and a coordinator starting either
through the service (bot/services/departures.py start_departure)."""

from __future__ import annotations

from datetime import timedelta

from bot.services import departures
from bot.services.events import Collector
from tests.harness import BotEnv
from tests.test_relay_endings import coordinator
from tests.test_relay_flow import (
    EVENINGS,
    MONDAY_0930_UTC,
    TUESDAY_OPEN_UTC,
    matched,
    peer_worker,
    person,
)


async def test_going_on_leave_pauses_and_asks_what_happens_for_each_person(env: BotEnv) -> None:
    cora = await coordinator(env)
    jo = await peer_worker(env, 5580101, "Jo", hours=EVENINGS)
    pat = await peer_worker(env, 5580102, "Pat")
    ana = await person(env, 5580001, "Ana")
    ben = await person(env, 5580002, "Ben")
    await matched(env, ana, jo)
    await matched(env, ben, jo)
    await jo.send("/end")
    await jo.click("I'm going on leave or leaving")
    assert "going on leave, or leaving the service?" in jo.last_text()
    await jo.click("I'm going on leave")
    profile = await env.storage.get_profile(jo.user_id)
    assert profile is not None and profile.paused  # no new matches while away
    assert "For each person you support" in jo.last_text()

    ana_mark = ana.mark()
    await jo.click("Pause for Ana")
    assert ana.texts_since(ana_mark) == [ana.texts()[-1]]
    assert "Jo is on leave for a while. Your match stays in place" in ana.last_text()
    assert "✓ Pause for Ana" in [b["text"] for b in jo.last().buttons()]

    await jo.click("Hand over Ben")
    assert "That's everyone" in jo.last_text()
    asked = cora.last()
    assert "Jo is going on leave and has asked for Ben to be handed over" in asked.plain
    await cora.click("Hand over Ben")
    await cora.click("Pat")
    await cora.click("Yes, hand over")
    assert "your peer worker is Pat" in ben.last_text()

    # Ana's messages wait for Jo's return, whatever the hour (told once).
    env.clock.set(TUESDAY_OPEN_UTC)
    jo_mark = jo.mark()
    await ana.send("hope your break is good")
    assert "Jo is on leave just now" in ana.last_text()
    await ana.send("no rush")
    assert "no rush" not in " ".join(jo.texts_since(jo_mark))
    await env.run_job("tick:relay")
    assert jo.mark() == jo_mark

    # Back: new matches resume, Ana hears so, and what she sent reaches Jo in his hours.
    env.clock.set(TUESDAY_OPEN_UTC.replace(hour=10))  # Tue 21:00 Sydney: after Jo's hours
    await jo.send("/end")
    await jo.click("I'm going on leave or leaving")
    await jo.click("I'm back")
    assert "Welcome back" in jo.last_text() and "(1 person)" in jo.last_text()
    profile = await env.storage.get_profile(jo.user_id)
    assert profile is not None and not profile.paused
    assert "Jo is back from leave" in ana.last_text()
    await env.run_job("tick:relay")
    assert jo.texts_since(jo_mark)[-1].startswith("Welcome back")
    env.clock.set(TUESDAY_OPEN_UTC.replace(day=4))  # Wed 18:00 Sydney: Jo's hours
    await env.run_job("tick:relay")
    assert jo.texts()[-2:] == ["hope your break is good", "no rush"]
    assert pat.user_id != jo.user_id


async def test_leaving_has_everyone_handed_over_and_then_access_ends(env: BotEnv) -> None:
    cora = await coordinator(env)
    jo = await peer_worker(env, 5580111, "Jo")
    await peer_worker(env, 5580112, "Pat", cap=1)
    ana = await person(env, 5580011, "Ana")
    ben = await person(env, 5580012, "Ben")
    await matched(env, ana, jo)
    await matched(env, ben, jo)
    await jo.send("/end")
    await jo.click("I'm going on leave or leaving")
    await jo.click("I'm leaving the service")
    assert "Your access ends once everyone has someone new" in jo.last_text()
    mark = cora.mark()
    await jo.click("Yes, I'm leaving")
    assert "asked to hand over each person you support (2 people)" in jo.last_text()
    asks = [m.plain for m in cora.since(mark)]
    assert len(asks) == 2 and all("Jo is leaving the service" in m for m in asks)
    assert "Ana needs a new peer worker" in asks[0] and "Ben needs a new peer worker" in asks[1]

    await cora.click("Hand over Ana")
    await cora.click("Pat")
    await cora.click("Yes, hand over")
    assert "your peer worker is Pat" in ana.last_text()
    user = await env.storage.get_user(jo.user_id)
    assert user is not None and user.role == "consumer_peer"  # Ben is still with Jo

    # Pat is full now: nobody has room for Ben, so the coordinator ends it kindly.
    ben_mark = ben.mark()
    await cora.click("Nobody has room: end the match kindly")
    assert any("Done. Ben has been told kindly" in t for t in cora.texts())
    told = ben.since(ben_mark)
    assert len(told) == 1
    assert told[0].plain.startswith("Jo is leaving the service, and no other peer worker has")
    assert "isn't because of anything you did" in told[0].plain
    assert any("Ben no longer has a peer worker" in t for t in cora.texts())
    assert "access as a peer worker has ended" in jo.last_text()
    user = await env.storage.get_user(jo.user_id)
    profile = await env.storage.get_profile(jo.user_id)
    assert user is not None and user.role is None
    assert profile is not None and not profile.active
    await jo.send("/note")
    assert "isn't available for your role" in jo.last_text() or "/start" in jo.last_text()


async def test_leaving_with_nobody_to_hand_over_ends_access_at_once(env: BotEnv) -> None:
    jo = await peer_worker(env, 5580121, "Jo")
    await jo.send("/end")
    assert "You aren't matched with anyone right now." in jo.last_text()
    await jo.click("I'm going on leave or leaving")
    await jo.click("I'm leaving the service")
    await jo.click("Yes, I'm leaving")
    assert "access as a peer worker has ended" in jo.last_text()
    user = await env.storage.get_user(jo.user_id)
    assert user is not None and user.role is None


async def test_a_coordinator_can_start_a_leave_through_the_service(env: BotEnv) -> None:
    cora = await coordinator(env)
    jo = await peer_worker(env, 5580131, "Jo")
    ana = await person(env, 5580031, "Ana")
    await matched(env, ana, jo)
    assert env.app is not None
    router = env.app.bot_data["router"]
    events = Collector()
    await departures.start_departure(
        env.storage, events, peer_id=jo.user_id, kind="leave", by=cora.user_id, now=env.clock.now()
    )
    await router.run_events(events.events, env.app)
    assert "A coordinator has let us know you're going on leave" in jo.last_text()
    await jo.click("Pause for Ana")
    assert "Jo is on leave for a while" in ana.last_text()


async def test_going_away_is_for_peer_workers_and_their_own_people(env: BotEnv) -> None:
    cora = await coordinator(env)
    jo = await peer_worker(env, 5580141, "Jo")
    pat = await peer_worker(env, 5580142, "Pat")
    ana = await person(env, 5580041, "Ana")
    match = await matched(env, ana, jo)
    mark = ana.mark()
    await ana.press("dep")  # only peer workers go away: a polite "no longer available"
    assert ana.mark() == mark
    assert env.fake.calls_to("answerCallbackQuery")[-1].params.get("show_alert")
    await pat.press("dep.kind:leave")
    mark = ana.mark()
    await pat.press(f"dep.pick:{match.id}:pause")  # not Pat's person: nothing changes
    assert ana.mark() == mark
    await cora.press(f"dep.end:{match.id}")  # Jo isn't leaving: nothing changes
    assert (await env.storage.get_match(match.id)).status == "active"  # type: ignore[union-attr]
    assert MONDAY_0930_UTC < TUESDAY_OPEN_UTC


async def test_requests_waiting_for_someone_going_away_close_kindly(env: BotEnv) -> None:
    """Nobody waits two days for an answer that can't come: a request to a peer worker who
    goes on leave (or leaves) closes at once, and the person is told why without blame; the
    peer worker isn't asked about someone they never took on."""
    jo = await peer_worker(env, 5580151, "Jo")
    pat = await peer_worker(env, 5580152, "Pat")
    ana = await person(env, 5580051, "Ana")
    ben = await person(env, 5580052, "Ben")
    now = env.clock.now()
    to_jo = await env.storage.create_request(
        ana.user_id, jo.user_id, {}, now, now + timedelta(hours=48)
    )
    to_pat = await env.storage.create_request(
        ben.user_id, pat.user_id, {}, now, now + timedelta(hours=48)
    )
    assert to_jo.match is not None and to_pat.match is not None
    jo_mark = jo.mark()
    await jo.send("/end")
    await jo.click("I'm going on leave or leaving")
    await jo.click("I'm going on leave")
    assert "Jo is taking a break for a while" in ana.last_text()
    assert "isn't because of anything you did" in ana.last_text()
    assert "Choose a new peer worker" in [b["text"] for b in ana.last().buttons()]
    closed = await env.storage.get_match(to_jo.match.id)
    assert closed is not None and closed.status != "pending"
    assert not any("Ana" in t for t in jo.texts_since(jo_mark)[2:])  # nothing about Ana

    await pat.send("/end")
    await pat.click("I'm going on leave or leaving")
    await pat.click("I'm leaving the service")
    await pat.click("Yes, I'm leaving")
    assert (
        "Pat is no longer with the service, so your request to them has closed" in ben.last_text()
    )
