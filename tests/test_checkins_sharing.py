"""Weekly sharing follows the person's choice, not whoever their peer worker is now: it stops
when the match ends or is handed over, and starts again only when the person says yes with
the new peer worker (asked when they are matched, or at /checkins).

Matches start, end and are handed over through bot/services/matches.py, and what follows
runs through the real event table (bot/app.py), as after a press in the matching flows."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.hours import parse_windows
from bot.domain.matching import Match
from bot.services import matches
from bot.services.events import Collector
from bot.storage import from_epoch
from tests.harness import BotEnv, Client, join_staff, onboard
from tests.test_checkins_flow import TICK, set_up_daily

SUMMARY = "Weekly check-in ratings from Lee"
QUESTION = "That stopped when the match ended."


async def peer_worker(env: BotEnv, uid: int, name: str) -> Client:
    client = env.client(uid, name)
    await join_staff(client, "consumer_peer", alias=name)
    await env.storage.create_profile(
        uid,
        "consumer_peer",
        env.clock.now(),
        display_name=name,
        bio="Walking helped.",
        hours=parse_windows("Mon-Sun 00:00-24:00"),
        timezone="Australia/Sydney",
        caseload_cap=6,
    )
    return client


async def settle(env: BotEnv, events: Collector) -> None:
    """Run what follows EVENTS, in bot/app.py's order."""
    assert env.app is not None
    await env.app.bot_data["router"].run_events(events.events, env.app)


async def accepted(env: BotEnv, person: Client, peer: Client) -> Match:
    """PERSON asked PEER and PEER accepted (MatchMade and its consequences run)."""
    now = env.clock.now()
    made = await env.storage.create_request(
        person.user_id, peer.user_id, {}, now, now + timedelta(hours=48)
    )
    assert made.match is not None, made.problem
    events = Collector()
    match = await matches.answer(env.storage, events, made.match, accept=True, now=now)
    await settle(env, events)
    return match


async def ended(env: BotEnv, match: Match) -> None:
    events = Collector()
    await matches.end_match(
        env.storage, events, match.id, by="person", why="person", now=env.clock.now()
    )
    await settle(env, events)


async def handed_over(env: BotEnv, match: Match, to: Client) -> Match:
    assert env.deps is not None
    events = Collector()
    handed = await matches.hand_over(
        env.storage,
        events,
        match,
        to.user_id,
        role="consumer",
        policy=matches.policy(env.deps.settings),
        now=env.clock.now(),
    )
    await settle(env, events)
    return handed.new


async def weekly_summaries_due(env: BotEnv, user_id: int) -> None:
    """Move the clock past the week in which a summary would be due, and run the tick."""
    schedule = await env.storage.get_checkin_schedule(user_id)
    assert schedule is not None
    due = (
        from_epoch(schedule.share_due)
        if schedule.share_due
        else env.clock.now() + timedelta(days=7)
    )
    env.clock.set(due + timedelta(seconds=5))
    await env.run_job(TICK)


def summaries(peer: Client) -> int:
    return sum(SUMMARY in t for t in peer.texts())


async def sharing_lee(env: BotEnv) -> tuple[Client, Client, Match]:
    """Lee, matched with Jo, shares weekly ratings with Jo."""
    lee = env.client(2401, "Lee")
    await onboard(lee, alias="Lee")
    await set_up_daily(lee)
    jo = await peer_worker(env, 2901, "Jo")
    match = await accepted(env, lee, jo)
    await lee.send("/checkins")
    await lee.click("Share my weekly ratings")
    assert "Each week Jo will get your ratings" in lee.last_text()
    return lee, jo, match


async def test_sharing_stops_when_the_match_ends_and_is_asked_again(env: BotEnv) -> None:
    lee, jo, match = await sharing_lee(env)
    await ended(env, match)
    schedule = await env.storage.get_checkin_schedule(lee.user_id)
    assert schedule is not None and not schedule.share_weekly and schedule.share_ask
    await weekly_summaries_due(env, lee.user_id)
    assert summaries(jo) == 0
    # Not matched: nothing to share, nothing asked.
    await lee.send("/checkins")
    assert QUESTION not in lee.last_text()
    assert not [b for b in lee.last().buttons() if "share" in b["text"].lower()]

    # Matched with Pat: Lee is asked, and nothing reaches Pat before a yes.
    pat = await peer_worker(env, 2902, "Pat")
    await accepted(env, lee, pat)
    question = next(m for m in reversed(lee.messages) if QUESTION in m.plain)
    assert "Would you like Pat to get them each week?" in question.plain
    await weekly_summaries_due(env, lee.user_id)
    assert summaries(pat) == 0 and summaries(jo) == 0
    await lee.click("Yes, share them")
    answered = env.fake.chats[lee.user_id][question.message_id].plain
    assert "Each week Pat will get your ratings" in answered
    await weekly_summaries_due(env, lee.user_id)
    assert (summaries(pat), summaries(jo)) == (1, 0)


async def test_a_handover_stops_sharing_until_they_choose_again(env: BotEnv) -> None:
    lee, jo, match = await sharing_lee(env)
    pat = await peer_worker(env, 2903, "Pat")
    new = await handed_over(env, match, pat)
    # The question follows the news of the handover.
    assert "Would you like Pat to get them each week?" in lee.last_text()
    await weekly_summaries_due(env, lee.user_id)
    assert summaries(pat) == 0 and summaries(jo) == 0
    # At /checkins, too, until they choose.
    await lee.send("/checkins")
    assert QUESTION in lee.last_text() and "gets your ratings" not in lee.last_text()
    await lee.click("No, keep them to myself")
    assert "your ratings stay with you" in lee.last_text()
    await lee.send("/checkins")
    assert QUESTION not in lee.last_text()
    assert "Share my weekly ratings" in [b["text"] for b in lee.last().buttons()]
    await weekly_summaries_due(env, lee.user_id)
    assert summaries(pat) == 0 and summaries(jo) == 0

    # A share button from before another handover never shares with whoever came after.
    await lee.send("/checkins")
    old_button = lee.find_button("Share my weekly ratings")
    sam = await peer_worker(env, 2904, "Sam")
    await handed_over(env, new, sam)
    await lee.press(old_button[1], old_button[0])
    refused = env.fake.chats[lee.user_id][old_button[0].message_id].plain
    assert "Sharing needs a peer worker you're matched with now" in refused
    schedule = await env.storage.get_checkin_schedule(lee.user_id)
    assert schedule is not None and not schedule.share_weekly
    await weekly_summaries_due(env, lee.user_id)
    assert (summaries(jo), summaries(pat), summaries(sam)) == (0, 0, 0)


async def test_someone_who_never_shared_is_not_asked(env: BotEnv) -> None:
    kim = env.client(2402, "Kim")
    await onboard(kim, alias="Kim")
    await set_up_daily(kim)
    jo = await peer_worker(env, 2905, "Jo")
    mark = kim.mark()
    await accepted(env, kim, jo)
    assert not any(QUESTION in t for t in kim.texts_since(mark))
    await kim.send("/checkins")
    assert "Share my weekly ratings" in [b["text"] for b in kim.last().buttons()]
