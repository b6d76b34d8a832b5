"""Matching through the fake Bot API: profiles, preferences, shortlists, choice, acceptance,
declines, timeouts, the waitlist, restarts, the crisis-card button and privacy."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.domain.hours import parse_windows
from tests.harness import BotEnv, Client, join_staff, onboard

ALL_WEEK = "Mon-Sun 00:00-24:00"


async def make_peer(
    env: BotEnv,
    uid: int,
    name: str,
    *,
    kind: str = "consumer_peer",
    hours: str = ALL_WEEK,
    cap: int | None = None,
    **attrs: Any,
) -> Client:
    """A peer worker who joined by invite and set up a profile through /profile."""
    client = env.client(uid, f"Real{name}", f"Surname{uid}", f"user{uid}")
    await join_staff(client, kind)
    await client.send("/profile")
    await client.send(name)
    await client.send(f"{name} here. Walking and DBT skills helped me most.")
    await client.send(hours)
    assert "Your profile is ready" in client.last_text()
    changes: dict[str, Any] = {}
    if attrs:
        profile = await env.storage.get_profile(uid)
        assert profile is not None
        changes["attributes"] = {**profile.attributes, **attrs}
    if cap is not None:
        changes["caseload_cap"] = cap
    if changes:
        await env.storage.update_profile(uid, env.clock.now(), **changes)
    return client


async def person(
    env: BotEnv, uid: int, alias: str, role: str = "consumer", relationship: str = "parent"
) -> Client:
    client = env.client(uid, f"Tg{alias}", f"Secretsurname{uid}", f"handle{uid}")
    await onboard(client, role, relationship=relationship, alias=alias)
    return client


def offered(client: Client) -> list[str]:
    """Names on the newest shortlist in CLIENT's chat, in order."""
    for message in reversed(client.messages):
        names = [
            b["text"].removeprefix("Choose ")
            for b in message.buttons()
            if b["text"].startswith("Choose ") and b.get("callback_data", "").startswith("mt.pick:")
        ]
        if (
            names
            or "Peer workers you could choose" in message.plain
            or "nobody who could support you" in message.plain
        ):
            return names
    return []


async def skip_all(client: Client) -> None:
    await client.send("/match")
    await client.click("Skip the rest")


async def test_consumer_states_some_preferences_chooses_and_is_accepted(env: BotEnv) -> None:
    sam = await make_peer(env, 2001, "Sam", gender="man", lived_bpd=True)
    kim = await make_peer(
        env, 2002, "Kim", gender="woman", lived_bpd=True, languages=["English", "Vietnamese"]
    )
    lee = await make_peer(env, 2003, "Lee", gender="woman")
    ally = await person(env, 1001, "Ally")
    ben = await person(env, 1002, "Ben")

    await ally.send("/match")
    assert "Nobody is assigned to you" in ally.last_text()
    assert "Question 1 of 8" in ally.last_text()  # culture: no peer worker wrote one
    await ally.click("A woman", exact=True)
    await ally.click("No preference")  # age
    # Ben starts at the same time, in between Ally's taps.
    await ben.send("/match")
    await ben.click("Skip the rest")
    await ally.click("Yes, lived experience of BPD")  # lived experience
    await ally.click("No preference")  # recovery stage
    assert "particular language" in ally.last_text()
    await ally.click("Vietnamese")  # offered from what peers wrote
    await ally.click("Skip the rest")
    names = offered(ally)
    assert names == ["Kim", "Sam", "Lee"]  # Sam and Lee each fit one: the id decides
    card = ally.last_text()
    assert "Fits what you asked for: Gender, Lived experience of BPD, Language" in card
    assert "Next available: now" in card
    assert sorted(offered(ben)) == ["Kim", "Lee", "Sam"]
    prefs, _ = await env.storage.get_preferences(1001)
    assert prefs == {"gender": "woman", "lived_bpd": "yes", "language": "Vietnamese"}

    await ally.click("Choose Kim")
    assert "We've sent your request to Kim" in ally.last_text()
    request = kim.last_text()
    assert "Ally" in request and "Gender: A woman" in request and "Language: Vietnamese" in request
    await ben.click("Choose Sam")
    await kim.click("Accept")
    assert "You're now the peer worker for Ally" in kim.last_text()
    assert "Kim has accepted and is now your peer worker" in ally.last_text()
    assert "What happens next" in ally.last_text()
    # The place a time zone is named after, never its database id.
    assert "Australia/" not in ally.last_text() and " time)" in ally.last_text()
    match = await env.storage.active_match_for_person(1001)
    assert match is not None and match.peer_id == 2002 and match.status == "active"
    # Ben's request waits for Sam, unaffected.
    pending = await env.storage.live_match_for_person(1002)
    assert pending is not None and pending.status == "requested" and pending.peer_id == 2001
    await ally.send("/match")
    assert "already matched with Kim" in ally.last_text()
    assert sam and lee


async def test_carer_sees_only_carer_peers_unless_cross_support(tmp_path: Path) -> None:
    for cross, expected in ((False, ["Cara"]), (True, ["Cara", "Connie"])):
        env = await BotEnv.create(tmp_path / str(cross), consumer_peers_support_carers=cross)
        try:
            await make_peer(env, 2001, "Connie")
            await make_peer(env, 2002, "Cara", kind="carer_peer", relationships=["parent"])
            carer = await person(env, 1001, "Pat", role="carer")
            await carer.send("/match")
            assert "similar relationship" in carer.last_text()
            await carer.click("Parent of someone with BPD")
            await carer.click("Skip the rest")
            assert offered(carer) == expected
            consumer = await person(env, 1002, "Cal")
            await skip_all(consumer)
            assert offered(consumer) == ["Connie"]  # carer peers don't support consumers
        finally:
            await env.stop()
        env.assert_clean()


async def test_paused_and_at_cap_peers_are_never_offered(env: BotEnv) -> None:
    pia = await make_peer(env, 2001, "Pia")
    await make_peer(env, 2002, "Cap", cap=1)
    await make_peer(env, 2003, "Open")
    await pia.send("/profile")
    await pia.click("Pause new matches")
    assert "New matches are paused" in pia.last_text()
    first = await person(env, 1001, "First")
    await skip_all(first)
    assert offered(first) == ["Cap", "Open"]
    await first.click("Choose Cap")
    second = await person(env, 1002, "Second")
    await skip_all(second)
    assert offered(second) == ["Open"]
    # A stale "Choose Cap" button on an old shortlist can't get round the cap either.
    assert env.deps is not None
    await second.press(f"mt.pick:{env.deps.cipher.seal_id(2002)}")
    assert "isn't free any more" in second.last_text()
    assert offered(second) == ["Open"]
    # Resuming makes Pia offerable again.
    await pia.send("/profile")
    await pia.click("Resume new matches")
    await skip_all(await person(env, 1003, "Third"))
    assert offered(env.client(1003)) == ["Pia", "Open"]  # equal: the id decides


async def test_decline_then_timeout_each_show_the_shortlist_again(env: BotEnv) -> None:
    await make_peer(env, 2001, "Dee")
    tim = await make_peer(env, 2002, "Tim")
    await make_peer(env, 2003, "Una")
    ally = await person(env, 1001, "Ally")
    await skip_all(ally)
    await ally.click("Choose Dee")
    dee = env.client(2001)
    mark = ally.mark()
    await dee.click("Decline")
    assert "We won't share a reason" in dee.last_text()
    texts = ally.texts_since(mark)
    assert any("not about you" in t for t in texts)
    assert "Other peer workers you could choose" in ally.last_text()
    assert offered(ally) == ["Tim", "Una"]  # Dee, who declined, isn't offered again

    await ally.click("Choose Tim")
    env.clock.advance(timedelta(hours=47))
    await env.run_job("tick:matching")
    assert (await env.storage.live_match_for_person(1001)).status == "requested"  # type: ignore[union-attr]
    mark = ally.mark()
    env.clock.advance(timedelta(hours=1, minutes=1))
    await env.run_job("tick:matching")
    texts = ally.texts_since(mark)
    assert any("Tim wasn't able to answer your request in time" in t for t in texts)
    assert offered(ally) == ["Una"]
    assert "wasn't answered in time" in tim.last_text()
    # Tim's late tap changes nothing.
    await tim.click("Accept")
    assert any("This request is no longer open" in t for t in tim.texts())
    assert await env.storage.active_match_for_person(1001) is None


async def test_waitlist_offered_in_join_order_when_a_cap_rises(env: BotEnv) -> None:
    wren = await make_peer(env, 2001, "Wren", cap=1)
    taken = await person(env, 1000, "Taken")
    await skip_all(taken)
    await taken.click("Choose Wren")
    first = await person(env, 1001, "First")
    second = await person(env, 1002, "Second")
    for who in (first, second):
        await skip_all(who)
        assert "nobody who could support you" in who.last_text()
        await who.click("Join the waitlist")
    assert "number 1 in line" in first.last_text()
    assert "number 2 in line" in second.last_text()
    await env.run_job("tick:matching")
    assert "number 2 in line" in second.last_text()  # nothing freed, nothing offered

    # Wren raises her cap by one: only the first in line is offered the place.
    await wren.send("/profile")
    await wren.click("Caseload cap")
    await wren.click("2", exact=True)
    assert "A place has opened up" in first.last_text()
    assert offered(first) == ["Wren"]
    assert "number 2 in line" in second.last_text()
    # One more place: now the second person.
    await wren.send("/profile")
    await wren.click("Caseload cap")
    await wren.click("3", exact=True)
    assert "A place has opened up" in second.last_text()
    await first.click("Choose Wren")
    await second.click("Choose Wren")
    assert len(await env.storage.open_requests_for_peer(2001)) == 3
    # Each keeps their place in line until Wren accepts them.
    assert [e.person_id for e in await env.storage.waitlist()] == [1001, 1002]
    for _ in range(3):
        await wren.click("Accept")
    assert await env.storage.waitlist() == []


async def test_new_peer_worker_frees_a_place_for_the_waitlist(env: BotEnv) -> None:
    ally = await person(env, 1001, "Ally")
    await skip_all(ally)
    await ally.click("Join the waitlist")
    await make_peer(env, 2001, "Newt")
    assert "A place has opened up" in ally.last_text()
    assert offered(ally) == ["Newt"]


async def test_restart_between_request_and_acceptance_loses_nothing(env: BotEnv) -> None:
    await make_peer(env, 2001, "Rae")
    ally = await person(env, 1001, "Ally")
    await ally.send("/match")
    await ally.click("A woman", exact=True)
    await env.restart()
    await ally.click("Skip the rest")
    await ally.click("Choose Rae")
    await env.restart()
    rae = env.client(2001)
    await rae.click("Accept")
    assert "Rae has accepted" in ally.last_text()
    match = await env.storage.active_match_for_person(1001)
    assert match is not None and match.preferences == {"gender": "woman"}
    # The timeout job survives a restart too.
    env.job("tick:matching")


async def test_no_message_to_a_peer_worker_carries_the_persons_identity(env: BotEnv) -> None:
    kim = await make_peer(env, 2001, "Kim")
    ally = env.client(1001, "Alexandra", "Whitfield", "alex_w_1987")
    await onboard(ally, "consumer", alias="Ally")
    nameless = env.client(1002, "Bartholomew", "Quince", "bquince")
    await onboard(nameless, "consumer")
    for who in (ally, nameless):
        await skip_all(who)
        await who.click("Choose Kim")
    requests = [m for m in kim.messages if "new request" in m.plain]
    assert len(requests) == 2
    assert "Ally" in requests[0].plain and "Someone (no name given)" in requests[1].plain
    for message in requests:
        await kim.press(
            next(b["callback_data"] for b in message.buttons() if b["text"] == "Accept"), message
        )
    # The crisis card's button and /delete also write to the peer worker.
    await ally.send("/crisis")
    await ally.click("Let my peer worker know I'm struggling")
    await ally.send("/delete")
    await ally.click("Yes, erase everything")
    for call in env.fake.calls:
        if str(call.params.get("chat_id")) != "2001":
            continue
        blob = repr(call.params)
        for secret in (
            "1001",
            "1002",
            "Alexandra",
            "Whitfield",
            "alex_w_1987",
            "Bartholomew",
            "Quince",
            "bquince",
        ):
            assert secret not in blob, f"{secret} reached the peer worker in {call.method}"


async def test_struggling_button_tells_the_peer_only_that(env: BotEnv) -> None:
    kim = await make_peer(env, 2001, "Kim", hours="Mon 06:00-07:00")
    ally = await person(env, 1001, "Ally")
    await ally.send("/crisis")
    assert "Let my peer worker know" not in repr(ally.last().reply_markup)
    await skip_all(ally)
    await ally.click("Choose Kim")
    await kim.click("Accept")
    await ally.send("I can't cope with any of this tonight")
    await ally.send("/crisis")
    mark = kim.mark()
    await ally.click("Let my peer worker know I'm struggling")
    notices = kim.texts_since(mark)
    assert len(notices) == 1 and "Ally has asked for support" in notices[0]
    assert "cope" not in notices[0]
    # Kim's next window is Monday 06:00 Sydney time, a week from now for Ally (Sydney too).
    assert "We've let Kim know" in ally.last_text()
    assert "next available Mon 9 Mar, 06:00" in ally.last_text()
    await ally.click("Let my peer worker know I'm struggling")
    assert kim.mark() == mark + 1  # not twice within the hour
    assert "a little while ago" in ally.last_text()


async def test_peer_worker_leaving_ends_the_match_and_offers_match_again(env: BotEnv) -> None:
    kim = await make_peer(env, 2001, "Kim")
    await make_peer(env, 2002, "Lou")
    ally = await person(env, 1001, "Ally")
    await skip_all(ally)
    await ally.click("Choose Kim")
    await kim.click("Accept")
    await kim.send("/delete")
    await kim.click("Yes, erase everything")
    assert any(
        "Kim is no longer with the service, so your match has ended" in t for t in ally.texts()
    )
    await ally.click("Choose a new peer worker")
    assert offered(ally) == ["Lou"]
    assert await env.user_ids_in_tables(2001) == {}


async def test_person_leaving_tells_the_peer_only_that_the_match_ended(env: BotEnv) -> None:
    kim = await make_peer(env, 2001, "Kim")
    ally = await person(env, 1001, "Ally")
    await skip_all(ally)
    await ally.click("Choose Kim")
    await kim.click("Accept")
    await ally.send("/delete")
    await ally.click("Yes, erase everything")
    assert "A match has ended. Ally is no longer connected" in kim.last_text()
    assert await env.storage.caseload(2001) == 0
    assert await env.user_ids_in_tables(1001) == {}


async def test_withdrawing_a_request_and_stale_buttons(env: BotEnv) -> None:
    kim = await make_peer(env, 2001, "Kim")
    ally = await person(env, 1001, "Ally")
    await skip_all(ally)
    await ally.click("Choose Kim")
    await ally.send("/match")
    assert "You've asked Kim" in ally.last_text()
    await ally.click("Withdraw my request")
    assert "withdrawn their request" in kim.last_text()
    assert offered(ally) == ["Kim"]
    # Bad data and other people's requests change nothing.
    await ally.press("mt.pick:notanumber")
    await ally.press("mt.resp:1:1")
    await ally.press("mt.a:99:0")
    assert await env.storage.live_match_for_person(1001) is None
    await kim.send("/match")
    assert "/match is for people looking for a peer worker" in kim.last_text()


async def test_profile_menu_edits_every_kind_of_field(env: BotEnv) -> None:
    kim = await make_peer(env, 2001, "Kim")
    await kim.send("/profile")
    menu = kim.last_text()
    assert "Name: Kim" in menu and "Caseload: 0 of 6" in menu and "Gender: not set" in menu
    await kim.click("Gender", exact=True)
    await kim.click("Non-binary")
    assert kim.last_text() == "Saved. Gender: Non-binary"  # one line, the card a tap away
    await kim.click("See my profile")
    await kim.click("Lived experience of BPD", exact=True)
    await kim.click("Yes", exact=True)
    assert kim.last_text() == "Saved. Lived experience of BPD: Yes"
    await kim.click("See my profile")
    await kim.click("Kinds of support", exact=True)
    await kim.click("Group", exact=True)
    await kim.click("Done", exact=True)
    assert kim.last_text() == "Saved. Kinds of support: One-to-one, Group"
    await kim.click("See my profile")
    await kim.click("Languages", exact=True)
    await kim.send("English, Auslan")
    assert kim.last_text() == "Saved. Languages: English, Auslan"
    await kim.click("See my profile")
    await kim.click("Hours", exact=True)
    await kim.send("Tue 25:00-26:00")
    assert "didn't work" in kim.last_text()
    await kim.send("Tue-Thu 18:00-20:00")
    assert kim.last_text() == "Saved. Hours: Tue\u2013Thu 6pm\u20138pm, Sydney time"
    await kim.click("See my profile")
    await kim.click("About you", exact=True)
    await kim.click("Back")
    await kim.click("Name", exact=True)
    await kim.send("Kimberley <b>")
    assert "Name: Kimberley <b>" in kim.last_text()  # shown escaped, as typed
    await kim.click("See my profile")
    profile = await env.storage.get_profile(2001)
    assert profile is not None
    assert profile.hours == parse_windows("Tue-Thu 18:00-20:00")
    assert profile.attributes["gender"] == "non_binary"
    assert profile.attributes["lived_bpd"] is True
    await kim.click("Done", exact=True)
    assert "Your profile is saved" in kim.last_text()
    ally = await person(env, 1001, "Ally")
    await ally.send("/profile")
    assert "/profile is for peer workers" in ally.last_text()


async def test_shortlist_buttons_never_carry_a_peer_workers_telegram_id(env: BotEnv) -> None:
    """Button data reaches the person's phone; the peer worker's id must not be in it."""
    pia = env.client(2002, "Pia")
    await join_staff(pia, "consumer_peer", alias="Pia")
    await pia.send("/profile")
    await pia.send("Pia")
    await pia.send("Art and DBT helped me.")
    await pia.send("Mon-Sun 00:00-24:00")
    ally = await person(env, 1001, "Ally")
    await skip_all(ally)
    picks = [
        b["callback_data"]
        for m in ally.messages
        for b in m.buttons()
        if b.get("callback_data", "").startswith("mt.pick:")
    ]
    assert picks
    assert all("2002" not in data for data in picks)
    await ally.click("Choose Pia")
    assert "sent your request to Pia" in ally.last_text()


async def test_a_command_part_way_through_the_questions_says_the_answers_were_not_kept(
    env: BotEnv,
) -> None:
    await make_peer(env, 2001, "Kim", gender="woman")
    ally = await person(env, 1001, "Ally")
    await ally.send("/match")
    await ally.click("A woman", exact=True)
    mark = ally.mark()
    await ally.send("/resources")
    said = ally.texts_since(mark)
    assert said[0].startswith("I've stopped the questions about who you'd like to talk with")
    assert len(said) == 2  # then the resources
    session = await env.storage.get_session(1001)
    assert session is None or session.step is None
