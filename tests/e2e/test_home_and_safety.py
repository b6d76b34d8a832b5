"""The home of buttons, a safety plan on the crisis card, and an ending said kindly: walked
through the real process over HTTP, tapping buttons by their labels."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.e2e.botproc import BotProcess
from tests.e2e.conftest import COORDINATOR_ID
from tests.e2e.emulator import BotAPIEmulator, Person
from tests.e2e.journeys import (
    AGREE,
    always_open,
    barrier,
    choose_peer,
    invite,
    join_with_invite,
    onboard,
    onboard_coordinator,
    plain_of,
    set_up_profile,
)
from tests.long_day import long_day_with


class Taps:
    """Counts a person's taps, and checks they never had to type a command."""

    def __init__(self, person: Person) -> None:
        self.person, self.count = person, 0

    def tap(self, label: str, then: str | Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        self.count += 1
        self.person.click(label, exact=True)
        return self.person.wait_for(then)


def _labels(message: dict[str, Any]) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return [button["text"] for row in rows for button in row]


def _with_buttons(text: str) -> Callable[[dict[str, Any]], bool]:
    return lambda m: text in plain_of(m) and bool(_labels(m))


def test_from_start_to_a_sent_request_in_five_taps_and_home_after(
    make_bot: Callable[..., BotProcess],
) -> None:
    bot = make_bot()
    bot.start()
    tg = bot.tg
    coordinator = tg.person(COORDINATOR_ID, "Casey")
    onboard_coordinator(coordinator, alias="Casey")
    kim = tg.person(880_700_001, "Kim")
    join_with_invite(
        kim, invite(coordinator, "Consumer peer worker", tg.username), "consumer peer worker"
    )
    set_up_profile(kim, "Kim E2E", always_open())

    ally = tg.person(880_700_002, "Ally")
    ally.send("/start")  # the only thing typed
    ally.wait_for("Is that OK with you?")
    taps = Taps(ally)
    taps.tap(AGREE, "Which of these fits you best?")
    taps.tap("I live with BPD", "What would you like to be called here?")
    home = taps.tap("Skip", _with_buttons("What would you like to do?"))
    assert "Find a peer worker" in _labels(home), _labels(home)
    taps.tap("Find a peer worker", lambda m: "Choose Kim E2E" in _labels(m))
    taps.tap("Choose Kim E2E", "We've sent your request to Kim E2E")
    assert taps.count <= 5, taps.count
    kim.wait_for("A new request for peer support")

    # /start again: the home, saying where Ally stands, with the buttons for a person.
    ally.send("/start")
    again = ally.wait_for(_with_buttons("What would you like to do?"))
    assert "You've asked Kim E2E to be your peer worker" in plain_of(again)
    labels = _labels(again)
    assert "My request" in labels and "Group meetings" in labels, labels
    assert "Things to read" in labels and "Check-ins" in labels, labels

    # A peer worker's home names their own actions, never a person's.
    kim.send("/menu")
    peer_home = kim.wait_for(_with_buttons("What would you like to do?"))
    assert {"My people", "Profile and hours", "Supervision"} <= set(_labels(peer_home))
    # A coordinator's home leads to their tools.
    coordinator.send("/menu")
    coord_home = coordinator.wait_for(_with_buttons("What would you like to do?"))
    assert _labels(coord_home), coord_home


def test_a_safety_plan_is_the_first_button_on_the_card_and_an_ending_is_kind(
    tg: BotAPIEmulator, shared_bot: BotProcess, coordinator: Person
) -> None:
    jo = tg.person(880_700_101, "Jo")
    join_with_invite(
        jo, invite(coordinator, "Consumer peer worker", tg.username), "consumer peer worker"
    )
    set_up_profile(jo, "Jo E2E", always_open())

    sam = tg.person(880_700_102, "Sam")
    onboard(sam, alias="Sam")
    sam.send("/safetyplan")
    sam.wait_for("Your safety plan")
    sam.click("Things I can do on my own", exact=True)
    sam.wait_for("What can you do on your own")
    sam.send("Cold water on my face, then a walk round the block")
    saved = sam.wait_for("Saved.")
    assert "Cold water on my face" in plain_of(saved)

    # A message that signals risk: the card comes first, the plan its first button.
    before = tg.seq
    sam.send("I can't keep myself safe tonight")
    card = sam.wait_for("If you need help now")
    assert "not a crisis service" in plain_of(card)
    assert _labels(card)[0] == "My safety plan", _labels(card)
    barrier(sam)
    assert plain_of(sam.since(before)[0]).startswith("If you need help now")
    sam.click("My safety plan", exact=True)
    plan = sam.wait_for(
        lambda m: "Cold water on my face" in plain_of(m) and "Saved." not in plain_of(m)
    )
    assert "Things I can do on my own" in plain_of(plan)

    # Matched with Jo, then Sam ends it: Jo is told without blame; Sam is offered a choice.
    sam.send("/match")
    sam.wait_for("Question 1 of")
    sam.click("Skip the rest")
    sam.wait_for("Peer workers you could choose")
    choose_peer(sam, "Jo E2E")
    jo.wait_for("A new request for peer support")
    jo.click("Accept")
    sam.wait_for("Good news: Jo E2E has accepted")
    sam.send("/end")
    sam.wait_for("Would you like to end your match with Jo E2E?")
    sam.click("Yes, end the match")
    ended = sam.wait_for("Your match with Jo E2E has ended")
    assert "Thank you for the time you spent together" in plain_of(ended)
    told = jo.wait_for("Sam has ended your match")
    assert "Thank you for the support you gave" in plain_of(told)
    # Sam's words after the ending reach nobody, and Sam is told why.
    before = tg.seq
    sam.send("are you still there?")
    barrier(sam)
    answers = " ".join(plain_of(m) for m in sam.since(before))
    assert "Jo E2E is no longer connected with you through the bot" in answers, answers
    assert not any("are you still there?" in t for t in jo.texts())


def test_risk_said_once_in_a_long_message_brings_the_card(
    tg: BotAPIEmulator, shared_bot: BotProcess
) -> None:
    """Read only as a whole, this message hid its one line of risk (the story from
    recovery silenced it); read in parts too, the card comes."""
    lee = tg.person(880_700_103, "Lee")
    onboard(lee, alias="Lee")
    text = long_day_with("I don't want to be alive anymore")
    assert len(text) > 1_000
    lee.send(text)
    card = lee.wait_for("If you need help now")
    assert "not a crisis service" in plain_of(card)
