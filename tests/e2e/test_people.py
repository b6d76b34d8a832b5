"""Journeys of consumers and peer workers through the real process, over HTTP."""

from __future__ import annotations

import json

from tests.e2e.botproc import BotProcess
from tests.e2e.emulator import BotAPIEmulator, Person
from tests.e2e.journeys import (
    AGREE,
    always_open,
    barrier,
    choose_peer,
    invite,
    invite_code,
    join_with_invite,
    onboard,
    plain_of,
    set_up_profile,
)


def keyboard_sent_with(tg: BotAPIEmulator, chat_id: int, text: str) -> dict | None:
    """The reply_markup of the sendMessage call that put TEXT in CHAT_ID."""
    for call in tg.calls_to("sendMessage"):
        if str(call.params.get("chat_id")) == str(chat_id) and text in str(call.params["text"]):
            return call.params.get("reply_markup")
    return None


def test_consumer_from_start_through_match_to_chatting(
    tg: BotAPIEmulator, shared_bot: BotProcess, coordinator: Person
) -> None:
    # A peer worker to choose, invited by the coordinator, open at every hour.
    paula = tg.person(880_100_001, "Paula", username="paula_private")
    join_with_invite(
        paula, invite(coordinator, "Consumer peer worker", tg.username), "consumer peer worker"
    )
    set_up_profile(paula, "Paula E2E", always_open())

    dana = tg.person(880_100_002, "Dana", last_name="Real-Surname", username="dana_private")
    dana.send("/start")
    welcome = dana.wait_for("not a crisis service")
    assert "alongside professional care" in plain_of(welcome)
    # The persistent "Need help now" entry rides on the welcome as a reply keyboard.
    markup = keyboard_sent_with(tg, dana.id, "not a crisis service")
    assert markup is not None and markup["keyboard"][0][0]["text"] == "Need help now"
    dana.wait_for("Is that OK with you?")
    dana.click(AGREE)
    dana.wait_for("Which of these fits you best?")
    dana.click("I live with BPD")
    dana.wait_for("What would you like to be called here?")
    dana.send("Dana")
    done = dana.wait_for("You're all set, Dana.")
    assert "/match" in plain_of(done) and "/profile" not in plain_of(done)

    # Resources: the topic list, then a topic, a page at a time.
    dana.send("/resources")
    dana.wait_for("Things to read")
    dana.click("About BPD")
    page = dana.wait_for("About BPD: recovery is common")
    assert page["entities"][0]["type"] == "bold"

    # /match, with a message that signals risk in the middle of the questions.
    dana.send("/match")
    dana.wait_for("Question 1 of")
    dana.click("No preference")
    dana.wait_for("Question 2 of")
    before_risk = tg.seq
    dana.send("I want to kill myself")
    card = dana.wait_for("If you need help now")
    assert "Lifeline" in plain_of(card) and "000" in plain_of(card)
    barrier(dana)
    answers = [plain_of(m) for m in dana.since(before_risk)]
    assert answers[0].startswith("If you need help now"), answers
    assert not any("not sure what you meant" in a for a in answers), answers
    # The persistent "Need help now" entry shows the card in any step, too.
    dana.send("Need help now")
    dana.wait_for("If you need help now")
    # ...and the questions go on where they were.
    dana.click("No preference")
    dana.wait_for("Question 3 of")
    dana.click("Skip the rest")
    dana.wait_for("Peer workers you could choose")
    choose_peer(dana, "Paula E2E")

    request = paula.wait_for("A new request for peer support")
    # The peer worker sees the chosen name, never the Telegram account.
    for secret in ("dana_private", "Real-Surname", str(dana.id)):
        assert secret not in plain_of(request)
    assert "Dana" in plain_of(request)
    paula.click("Accept")
    paula.wait_for("You've accepted")
    dana.wait_for("Good news: Paula E2E has accepted")

    # Chatting both ways through the bot: copies, with a name label starting each run.
    dana.send("Hi Paula, looking forward to talking")
    copy = paula.wait_for("Hi Paula, looking forward to talking")
    texts = paula.texts()
    assert texts[texts.index(plain_of(copy)) - 1] == "Dana"
    assert copy["from"]["id"] == tg.bot_id and "forward_origin" not in copy
    paula.send("Hello Dana, welcome. How has your week been?")
    reply = dana.wait_for("Hello Dana, welcome")
    texts = dana.texts()
    assert texts[texts.index(plain_of(reply)) - 1] == "Paula E2E"
    dana.send_photo(caption="My dog, who helps")
    photo = paula.wait_for(lambda m: m.get("caption") == "My dog, who helps")
    assert photo["photo"], photo
    assert not tg.calls_to("forwardMessage")
    # Nothing of Paula's account reached Dana either.
    assert not any("paula_private" in t for t in dana.texts())

    # A new name reaches the other side: Paula hears the name Dana chose, Dana hears
    # Paula's new profile name, so neither meets a stranger's name above a message.
    dana.send("/settings")
    dana.wait_for("What would you like to change?")
    dana.click("My name")
    dana.wait_for("What would you like to be called here?")
    dana.send("Dee")
    paula.wait_for("Dana has chosen a new name here: Dee.")
    paula.send("/profile")
    paula.wait_for("Your profile")
    paula.click("Name", exact=True)
    paula.wait_for("What name would you like people to see?")
    paula.send("Paula B E2E")
    dana.wait_for("Your peer worker Paula E2E now goes by Paula B E2E.")


def test_peer_workers_join_by_invite_set_up_a_profile_and_accept(
    tg: BotAPIEmulator, shared_bot: BotProcess, coordinator: Person
) -> None:
    # An invite made in the bot by a coordinator (who first types instead of tapping).
    coordinator.send("/invite")
    coordinator.wait_for("Who would you like to invite?")
    coordinator.send("a consumer peer worker please")
    coordinator.wait_for("Please tap one of these to choose who to invite")
    code = invite(coordinator, "Consumer peer worker", tg.username)
    peter = tg.person(880_200_001, "Peter")
    join_with_invite(peter, code, "consumer peer worker", alias="Pete")
    # Each code works once.
    late = tg.person(880_200_002, "Lee")
    late.send(f"/start {code}")
    late.wait_for("Is that OK with you?")
    late.click(AGREE)
    late.wait_for("That code has already been used")

    # An invite printed on the server by a second process while the bot runs.
    printed = shared_bot.cli("invite", "carer_peer")
    assert printed.returncode == 0, printed.stderr
    assert "works once" in printed.stderr
    quinn = tg.person(880_200_003, "Quinn")
    join_with_invite(quinn, invite_code(printed.stdout, tg.username), "carer peer worker")
    quinn.send("/help")
    help_text = plain_of(quinn.wait_for("as a carer peer worker"))
    assert "/profile" in help_text and "/match" not in help_text

    set_up_profile(peter, "Peter E2E", always_open())
    menu = plain_of(peter.last())
    assert "Hours: any time, every day, Sydney time" in menu and "Caseload: 0 of 6" in menu
    # A change is one "Saved" line, with the card a tap away (not the whole card again).
    peter.click("Hours", exact=True)
    peter.wait_for("When can people reach you?")
    peter.send("Mon-Fri 9am-9pm, Sat 10am-2pm")
    saved = peter.wait_for("Saved.")
    assert plain_of(saved) == (
        "Saved. Hours: Mon\u2013Fri 9am\u20139pm; Sat 10am\u20132pm, Sydney time"
    )
    peter.click("See my profile")
    peter.wait_for("Your profile")
    peter.click("Hours", exact=True)
    peter.wait_for("When can people reach you?")
    peter.send(always_open())
    peter.wait_for("Saved. Hours: any time, every day")
    set_up_profile(quinn, "Quinn E2E", always_open())
    # Their own command menus were set for their chats.
    scoped = {
        c.params["scope"]["chat_id"]: [x["command"] for x in c.params["commands"]]
        for c in tg.calls_to("setMyCommands")
        if c.params.get("scope", {}).get("type") == "chat"
    }
    assert "profile" in scoped[peter.id] and "match" not in scoped[peter.id]

    # Someone chooses Peter; he accepts.
    sam = tg.person(880_200_004, "Sam")
    onboard(sam, alias="Sam")
    sam.send("/match")
    sam.wait_for("Question 1 of")
    sam.click("Skip the rest")
    sam.wait_for("Peer workers you could choose")
    choose_peer(sam, "Peter E2E")
    request = peter.wait_for("A new request for peer support")
    assert "Sam" in plain_of(request)
    peter.click("Accept")
    peter.wait_for("You're now the peer worker for Sam")
    accepted = sam.wait_for("Good news: Peter E2E has accepted")
    assert "any time, every day" in plain_of(accepted)
    peter.send("/profile")
    assert "Caseload: 1 of 6" in plain_of(peter.wait_for("Your profile"))
    # The bot's answers to the buttons were real answers: each callback query was answered.
    assert all(json.dumps(tg.query(q)["answered"]) == "true" for q in _queries(tg, peter))


def _queries(tg: BotAPIEmulator, person: Person) -> list[str]:
    with tg._cv:
        return [q for q, info in tg._queries.items() if info["user"] == person.id]


def test_a_peer_worker_asks_for_supervision_adds_to_it_and_a_coordinator_picks_it_up(
    tg: BotAPIEmulator, shared_bot: BotProcess, coordinator: Person
) -> None:
    rae = tg.person(880_200_011, "Rae", username="rae_private")
    join_with_invite(
        rae,
        invite(coordinator, "Consumer peer worker", tg.username),
        "consumer peer worker",
        alias="Rae",
    )
    # Flagged words about lived experience: the card, then the choice to keep them.
    rae.send("/profile")
    rae.wait_for("What name would you like people to see?")
    rae.send("Rae E2E")
    rae.wait_for("what would you like people to know about you?")
    rae.send("Some days I still want to kill myself, and I share how I get through.")
    rae.wait_for("Keep these words in your profile?")
    rae.click("Keep these words")
    rae.wait_for("When can people reach you?")
    rae.send(always_open())
    rae.wait_for("Your profile is ready")

    rae.send("/supervision")
    rae.wait_for("How soon would you like to talk?")
    rae.click("This week")
    rae.wait_for("What would you like to talk about?")
    rae.send("A conversation stayed with me.")
    rae.wait_for("Your request has gone to")
    request = coordinator.wait_for("Supervision request", since=0)
    assert "From: Rae E2E" in plain_of(request) and "A conversation stayed" in plain_of(request)
    # Asking again while it waits adds to it: no second request.
    rae.send("/supervision")
    rae.wait_for("Your request is with the coordinators")
    rae.click("Add a few words to it")
    rae.wait_for("What would you like to add?")
    rae.send("It came up again today.")
    added = rae.wait_for(
        lambda m: "Added." in plain_of(m) or "would you like to send these words" in plain_of(m)
    )
    if "Added." not in plain_of(added):  # the safety net read risk in it: her choice
        rae.click("Send them")
        rae.wait_for("Added.")
    more = coordinator.wait_for("More on a supervision request", since=0)
    assert "It came up again today." in plain_of(more)
    assert coordinator.count("Supervision request\n") <= 1
    # The coordinator picks it up: Rae hears first, then the coordinator hears she was told.
    coordinator.click("I'll get in touch")
    rae.wait_for("has picked up your supervision request", since=0)
    coordinator.wait_for("Rae E2E has been told you'll get in touch")
    # Her own note, opened for her, is in her /mydata.
    rae.send("/mydata")
    export = rae.wait_for(lambda m: "document" in m)
    data = json.loads(tg.uploads(rae.id, export["message_id"])["document"].data)
    notes = [n["note"] for n in data["supervision_notes"]]
    assert notes == ["A conversation stayed with me.\n\nIt came up again today."]
