"""Where a person stands, and fairness, through the fake Bot API: /match with a request open
or a place on the waitlist says so (with choices) instead of asking again; a place held for
the first in line is theirs alone; a timed-out request keeps the waitlist place; asking the
same peer worker over and over is kindly slowed; after an ending the peer worker who ended is
not offered first; and a request to a peer worker who leaves says what really happened."""

from __future__ import annotations

from datetime import timedelta

from tests.harness import BotEnv, Client
from tests.test_matching_flow import make_peer, offered, person, skip_all


def requests_to(peer: Client) -> list[str]:
    return [t for t in peer.texts() if "A new request for peer support" in t]


async def full_with_line(env: BotEnv) -> tuple[Client, Client, Client]:
    """Wren has one place, taken; First and Second join the waitlist, in that order."""
    wren = await make_peer(env, 2001, "Wren", cap=1)
    taken = await person(env, 1000, "Taken")
    await skip_all(taken)
    await taken.click("Choose Wren")
    await wren.click("Accept")
    first, second = await person(env, 1001, "First"), await person(env, 1002, "Second")
    for who in (first, second):
        await skip_all(who)
        await who.click("Join the waitlist")
    return wren, first, second


async def raise_cap(peer: Client, cap: int) -> None:
    await peer.send("/profile")
    await peer.click("Caseload cap")
    await peer.click(str(cap), exact=True)


async def test_match_with_a_request_open_says_who_has_until_when_and_offers_choices(
    env: BotEnv,
) -> None:
    await make_peer(env, 2001, "Kim")
    ally = await person(env, 1001, "Ally")
    await skip_all(ally)
    await ally.click("Choose Kim")
    await ally.send("/match")
    text = ally.last_text()
    assert "Kim has until Wed 4 Mar, 20:00 to answer" in text
    assert "Question" not in text
    labels = [b["text"] for b in ally.last().buttons()]
    assert labels == ["I'll wait", "Withdraw my request"]
    await ally.click("I'll wait")
    assert "We'll let you know as soon as Kim answers, and by Wed 4 Mar, 20:00" in ally.last_text()
    assert (await env.storage.live_match_for_person(1001)).status == "requested"  # type: ignore[union-attr]


async def test_match_on_the_waitlist_says_the_place_in_line_and_asks_nothing_again(
    env: BotEnv,
) -> None:
    _, first, second = await full_with_line(env)
    await second.send("/match")
    text = second.last_text()
    assert "You're number 2 on the waitlist" in text
    assert "Question" not in text
    assert [b["text"] for b in second.last().buttons()] == [
        "Keep waiting",
        "See who's free now",
        "Leave the waitlist",
    ]
    await second.click("Keep waiting")
    assert "keeping your place: number 2 on the waitlist" in second.last_text()
    await second.send("/match")
    await second.click("See who's free now")
    assert "nobody who could support you" in second.last_text()
    assert await env.storage.waitlist_position(1002) == 2
    await first.send("/match")
    assert "You're number 1 on the waitlist" in first.last_text()


async def test_a_place_held_for_the_first_in_line_is_theirs_alone_until_it_lapses(
    env: BotEnv,
) -> None:
    wren, first, second = await full_with_line(env)
    await raise_cap(wren, 2)
    assert "A place has opened up" in first.last_text()
    # Someone who never joined the line doesn't see the held place, nor can take it.
    outsider = await person(env, 1003, "Outsider")
    await skip_all(outsider)
    assert offered(outsider) == []
    assert env.deps is not None
    await outsider.press(f"mt.pick:{env.deps.cipher.seal_id(2001)}")
    assert "isn't free any more" in outsider.last_text()
    assert await env.storage.live_match_for_person(1003) is None
    await first.send("/match")
    assert "kept for you until" in first.last_text()
    # The hold lapses unused: the place goes to the next in line, still not to the outsider.
    env.clock.advance(timedelta(hours=48, minutes=1))
    await env.run_job("tick:matching")
    assert "A place has opened up" in second.last_text()
    await outsider.click("Change my preferences")
    await outsider.click("Skip the rest")
    assert offered(outsider) == []
    # Nobody in line took it: now it is anyone's.
    env.clock.advance(timedelta(hours=48, minutes=1))
    await env.run_job("tick:matching")
    await outsider.click("Change my preferences")
    await outsider.click("Skip the rest")
    assert offered(outsider) == ["Wren"]


async def test_the_person_offered_the_place_can_take_it(env: BotEnv) -> None:
    wren, first, _ = await full_with_line(env)
    await raise_cap(wren, 2)
    await first.click("Choose Wren")
    assert "We've sent your request to Wren" in first.last_text()


async def test_a_request_that_times_out_keeps_the_waitlist_place(env: BotEnv) -> None:
    wren, first, second = await full_with_line(env)
    await raise_cap(wren, 2)
    assert "A place has opened up" in first.last_text()
    await first.click("Choose Wren")
    await first.send("/match")
    assert (
        "You keep your place on the waitlist while you wait: you're number 1" in first.last_text()
    )
    mark = first.mark()
    env.clock.advance(timedelta(hours=48, minutes=1))
    await env.run_job("tick:matching")
    told = [t for t in first.texts_since(mark) if "Wren wasn't able to answer" in t]
    assert len(told) == 1 and "You've kept your place on the waitlist: you're number 1" in told[0]
    assert [e.person_id for e in await env.storage.waitlist()] == [1001, 1002]
    await first.send("/match")
    assert "You're number 1 on the waitlist" in first.last_text()
    assert second


async def test_asking_the_same_peer_worker_again_and_again_is_kindly_slowed(env: BotEnv) -> None:
    kim = await make_peer(env, 2001, "Kim")
    await make_peer(env, 2002, "Lou")
    ally = await person(env, 1001, "Ally")
    await skip_all(ally)
    _, choose_kim = ally.find_button("Choose Kim")
    await ally.click("Choose Kim")
    await ally.click("Withdraw my request")
    for _ in range(3):  # the same button, tapped again
        await ally.press(choose_kim)
        text = ally.last_text()
        assert "You asked Kim not long ago" in text
        assert "you can ask Kim again from Mon 2 Mar, 21:00" in text
        assert offered(ally) == ["Lou"]
    assert len(requests_to(kim)) == 1
    assert await env.storage.live_match_for_person(1001) is None
    env.clock.advance(timedelta(hours=1))
    await ally.press(choose_kim)
    assert "We've sent your request to Kim" in ally.last_text()
    assert len(requests_to(kim)) == 2


async def test_after_an_ending_the_peer_worker_is_left_out_unless_asked_for_and_never_first(
    env: BotEnv,
) -> None:
    kim = await make_peer(env, 2001, "Kim")
    await make_peer(env, 2002, "Lou")
    await make_peer(env, 2003, "Max")
    ally = await person(env, 1001, "Ally")
    await skip_all(ally)
    assert offered(ally) == ["Kim", "Lou", "Max"]
    await ally.click("Choose Kim")
    await kim.click("Accept")
    await ally.send("/end")
    await ally.click("Yes, end the match")
    assert offered(ally) == ["Lou", "Max"]
    await ally.click("Show Kim again")
    assert offered(ally) == ["Lou", "Max", "Kim"]
    assert not any(b["text"] == "Show Kim again" for b in ally.last().buttons())
    await ally.send("/match")
    await ally.click("Skip the rest")
    assert offered(ally) == ["Lou", "Max"]  # a new /match leaves Kim out too
    await ally.click("Show Kim again")
    env.clock.advance(timedelta(hours=1))  # an hour after asking Kim before
    await ally.click("Choose Kim")
    assert "We've sent your request to Kim" in ally.last_text()


async def test_a_request_to_a_peer_worker_who_leaves_says_what_really_happened(env: BotEnv) -> None:
    kim = await make_peer(env, 2001, "Kim")
    await make_peer(env, 2002, "Lou")
    ally = await person(env, 1001, "Ally")
    await skip_all(ally)
    await ally.click("Choose Kim")
    mark = ally.mark()
    await kim.send("/delete")
    await kim.click("Yes, erase everything")
    texts = ally.texts_since(mark)
    # One message, about the request (flows/relay/ending), never "your peer worker".
    assert len(texts) == 1 and "your request to them has closed" in texts[0]
    assert "Kim" in texts[0] and "Your peer worker" not in texts[0]
    await ally.click("Choose a new peer worker")
    assert offered(ally) == ["Lou"]
