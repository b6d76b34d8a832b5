"""Matching through the real process: /match with a request open says where the person
stands (and asks nothing again), withdrawing, asking the same peer worker again too soon, a
place on the waitlist, and a request that can't reach its peer worker."""

from __future__ import annotations

import re

from tests.e2e.botproc import BotProcess
from tests.e2e.emulator import BotAPIEmulator, Person
from tests.e2e.journeys import (
    always_open,
    barrier,
    choose_peer,
    invite,
    join_with_invite,
    onboard,
    plain_of,
    set_up_profile,
)


def _peer(tg: BotAPIEmulator, coordinator: Person, user_id: int, name: str) -> Person:
    peer = tg.person(user_id, name.split()[0])
    join_with_invite(
        peer, invite(coordinator, "Consumer peer worker", tg.username), "consumer peer worker"
    )
    set_up_profile(peer, name, always_open())
    return peer


def _page_to(person: Person, label: str) -> None:
    """Page the shortlist ("See others") until LABEL's button shows."""
    for _ in range(20):
        try:
            person.find_button(label, exact=True)
            return
        except AssertionError:
            person.click("See others")
            person.wait_for("Peer workers you could choose")
    raise AssertionError(f"{label!r} never showed on {person}'s shortlist")


def _in_line(message: dict[str, object]) -> bool:
    return re.search(r"You're number \d+ on the waitlist", plain_of(message)) is not None


def _to_shortlist(person: Person) -> None:
    person.send("/match")
    person.wait_for("Question 1 of")
    person.click("Skip the rest")
    person.wait_for("Peer workers you could choose")


def test_match_with_a_request_open_shows_where_the_person_stands_then_withdraw(
    tg: BotAPIEmulator, shared_bot: BotProcess, coordinator: Person
) -> None:
    kira = _peer(tg, coordinator, 880_600_001, "Kira E2E")
    robin = tg.person(880_600_002, "Robin")
    onboard(robin, alias="Robin")
    _to_shortlist(robin)
    choose_peer(robin, "Kira E2E")
    kira.wait_for("A new request for peer support")

    # /match again: where things stand, with choices; the questions don't start over.
    before = tg.seq
    robin.send("/match")
    standing = plain_of(robin.wait_for("You've asked Kira E2E to be your peer worker"))
    assert re.search(r"Kira E2E has until .+ to answer", standing), standing
    barrier(robin)
    assert not any("Question 1 of" in plain_of(m) for m in robin.since(before))
    robin.click("I'll wait")
    robin.wait_for("We'll let you know as soon as Kira E2E answers")

    # Withdraw: the person hears it, so does the peer worker, and /match starts afresh.
    robin.send("/match")
    robin.wait_for("You've asked Kira E2E to be your peer worker")
    robin.click("Withdraw my request")
    robin.wait_for("we've withdrawn your request")
    kira.wait_for("Robin has withdrawn their request")

    # Asking Kira again straight away is kindly slowed, and Kira hears nothing more.
    _to_shortlist(robin)
    _page_to(robin, "Choose Kira E2E")
    robin.click("Choose Kira E2E", exact=True)
    slowed = plain_of(robin.wait_for("You asked Kira E2E not long ago"))
    assert "you can ask Kira E2E again from" in slowed
    barrier(kira)
    assert sum("A new request for peer support" in t for t in kira.texts()) == 1

    # On the waitlist, /match says the place in line, and keeping it changes nothing.
    robin.click("None of these: join the waitlist")
    robin.wait_for("You're on the waitlist")
    before = tg.seq
    robin.send("/match")
    robin.wait_for(_in_line)
    barrier(robin)
    assert not any("Question 1 of" in plain_of(m) for m in robin.since(before))
    robin.click("Keep waiting")
    robin.wait_for("you're keeping your place")
    robin.send("/match")
    robin.wait_for(_in_line)
    robin.click("Leave the waitlist")
    robin.wait_for("left the waitlist")


def test_a_request_that_cannot_reach_the_peer_worker_is_withdrawn_and_the_person_told(
    tg: BotAPIEmulator, shared_bot: BotProcess, coordinator: Person
) -> None:
    jem = _peer(tg, coordinator, 880_600_003, "Jem E2E")
    with tg._cv:
        tg.blocked.add(jem.id)  # Jem has blocked the bot: Telegram refuses every send
    sky = tg.person(880_600_004, "Sky")
    onboard(sky, alias="Sky")
    _to_shortlist(sky)
    _page_to(sky, "Choose Jem E2E")
    sky.click("Choose Jem E2E", exact=True)
    told = plain_of(sky.wait_for("Jem E2E can't be reached through the bot right now"))
    assert "withdrawn your request" in told and "choose someone else" in told
    barrier(sky)
    assert not any("We've sent your request to Jem E2E" in t for t in sky.texts())
    # The request is withdrawn: /match starts the questions again.
    sky.send("/match")
    sky.wait_for("Question 1 of")
