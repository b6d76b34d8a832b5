"""Stopping the process in the middle of things, as services do (SIGTERM on a deploy, SIGKILL
on a crash), with people writing while it is down and work falling due meanwhile. After the
restart each step goes on where it was, every message is answered once and nothing is sent
twice."""

from __future__ import annotations

import signal
import time

from tests.e2e.botproc import BotProcess
from tests.e2e.conftest import COORDINATOR_ID
from tests.e2e.journeys import (
    AGREE,
    barrier,
    choose_peer,
    closed_now,
    far_hour,
    invite_code,
    join_with_invite,
    onboard,
    onboard_coordinator,
    onboard_many,
    plain_of,
    set_up_profile,
)


def wait_quiet(bot: BotProcess) -> None:
    """Wait (with a deadline) until the bot has confirmed every update to Telegram and has
    no update in hand, so a kill now cuts no update in half."""
    bot.tg.wait_idle_poll()

    def nothing_in_hand() -> bool:
        with bot.db() as db:
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
            if "update_inbox" not in tables:
                return True
            left = "SELECT COUNT(*) FROM update_inbox WHERE done_at IS NULL"
            return db.execute(left).fetchone()[0] == 0

    bot.wait_until(nothing_in_hand, "every update in hand was done", timeout=20)


def test_sigterm_mid_onboarding_with_a_burst_in_hand_and_messages_while_down(make_bot) -> None:
    bot = make_bot()
    tg = bot.tg
    bot.start()
    alice = tg.person(881_000_001, "Alice")
    alice.send("/start")
    alice.wait_for("Is that OK with you?")
    alice.click(AGREE)
    alice.wait_for("Which of these fits you best?")
    alice.click("I live with BPD")
    alice.wait_for("What would you like to be called here?")
    # A burst arrives; once the bot has confirmed it to Telegram it is the bot's to finish.
    # SIGTERM while it is still answering.
    crowd = [tg.person(881_200_000 + n, f"Person{n}") for n in range(12)]
    for person in crowd:
        person.send("/start")
    tg.wait(lambda: tg.pending == 0, "the bot to fetch the burst")

    assert bot.stop() == 0
    assert "Stopping: finishing the updates in hand" in bot.log()
    # While the bot is down: Alice answers the question she was asked, Bob arrives.
    alice.send("Ally")
    bob = tg.person(881_000_002, "Bob")
    bob.send("/start")

    bot.start()
    alice.wait_for("You're all set, Ally.")
    bob.wait_for("Is that OK with you?")
    bob.click(AGREE)  # Bob's flow goes on in the restarted process
    bob.wait_for("Which of these fits you best?")
    barrier(alice)
    barrier(bob)
    assert alice.count("You're all set, Ally.") == 1
    assert alice.count("What would you like to be called here?") == 1
    assert alice.count("not a crisis service") == 1
    assert bob.count("not a crisis service") == 1
    assert bob.count("Which of these fits you best?") == 1
    for person in crowd:
        person.wait_for("Is that OK with you?", since=0)
    barrier(crowd[-1])
    counts = [person.count("Is that OK with you?") for person in crowd]
    assert counts == [1] * len(crowd), counts
    # Nothing was held back or repeated by the emulator either: all confirmed, none left.
    tg.wait_idle_poll()


def test_sigkill_mid_note_with_held_message_and_checkin_due_while_down(make_bot) -> None:
    bot = make_bot()
    tg = bot.tg
    timezone = bot.settings["timezone"]
    bot.start()
    coordinator = tg.person(COORDINATOR_ID, "Casey")
    onboard_coordinator(coordinator)
    printed = bot.cli("invite", "consumer_peer")
    assert printed.returncode == 0, printed.stderr
    pat = tg.person(881_100_001, "Pat")
    join_with_invite(pat, invite_code(printed.stdout, tg.username), "consumer peer worker")
    set_up_profile(pat, "Pat E2E", closed_now(timezone))

    cleo = tg.person(881_100_002, "Cleo")
    onboard(cleo, alias="Cleo")
    cleo.send("/match")
    cleo.wait_for("Question 1 of")
    cleo.click("Skip the rest")
    cleo.wait_for("Peer workers you could choose")
    choose_peer(cleo, "Pat E2E")
    pat.wait_for("A new request for peer support")
    pat.click("Accept")
    cleo.wait_for("Good news: Pat E2E has accepted")
    # Outside Pat's hours, so the message waits for them.
    cleo.send("Are you around this evening?")
    cleo.wait_for("Pat E2E isn't available just now, so your message is saved")
    cleo.send("/checkins")
    cleo.wait_for("Check-ins are off.")
    cleo.click("Every day")
    cleo.wait_for("What time suits you?")
    hour = far_hour(timezone)
    cleo.click(hour, exact=True)
    cleo.wait_for(f"I'll check in every day at {hour}")
    # Gus's check-in will be long overdue by the restart: past the grace, it is skipped.
    gus = tg.person(881_100_004, "Gus")
    onboard(gus, alias="Gus")
    gus.send("/checkins")
    gus.wait_for("Check-ins are off.")
    gus.click("Every day")
    gus.wait_for("What time suits you?")
    gus.click(hour, exact=True)
    gus.wait_for(f"I'll check in every day at {hour}")
    # Pat starts a note: a step of a conversation, waiting for text.
    pat.send("/note")
    pat.wait_for("Write your note about Cleo as one message")
    barrier(pat)
    wait_quiet(bot)

    assert bot.kill() == -9
    # While it is down: Pat writes the note, someone new arrives, and work falls due.
    pat.send("We talked about starting a new course next month.")
    dee = tg.person(881_100_003, "Dee")
    dee.send("/start")
    now = int(time.time())
    with bot.db(write=True) as db:
        held = db.execute(
            "UPDATE relay_queue SET deliver_at = ? WHERE sender_id = ?", (now - 60, cleo.id)
        ).rowcount
        due = db.execute(
            "UPDATE checkin_schedules SET next_due = ? WHERE user_id = ?", (now - 120, cleo.id)
        ).rowcount
        missed = db.execute(
            "UPDATE checkin_schedules SET next_due = ? WHERE user_id = ?", (now - 3 * 3600, gus.id)
        ).rowcount
        assert (held, due, missed) == (1, 1, 1)

    bot.start()
    saved = pat.wait_for("Your note is saved, encrypted, and Cleo has been sent a copy.")
    note = cleo.wait_for("Pat E2E wrote a note about your conversation")
    assert "starting a new course next month" in plain_of(note)
    dee.wait_for("Is that OK with you?")
    # Periodic work runs a few seconds after start: the held message, then the check-in.
    copy = pat.wait_for("Are you around this evening?")
    label = pat.texts()[pat.texts().index(plain_of(copy)) - 1]
    assert label.startswith("Cleo (sent while you were away, from"), label
    cleo.wait_for("the messages you sent while they were away have been passed on")
    cleo.wait_for("This is your check-in")
    barrier(pat)
    barrier(cleo)
    barrier(dee)
    for person, text in (
        (pat, plain_of(saved)),
        (cleo, "wrote a note about your conversation"),
        (pat, "Are you around this evening?"),
        (cleo, "have been passed on"),
        (cleo, "This is your check-in"),
        (dee, "Is that OK with you?"),
        (pat, "Write your note about Cleo"),
    ):
        assert person.count(text) == 1, (person, text, person.texts())
    with bot.db() as db:
        assert db.execute("SELECT COUNT(*) FROM relay_queue").fetchone()[0] == 0
        assert (
            db.execute("SELECT COUNT(*) FROM checkins WHERE user_id = ?", (cleo.id,)).fetchone()[0]
            == 1
        )
        assert (
            db.execute(
                "SELECT next_due FROM checkin_schedules WHERE user_id = ?", (cleo.id,)
            ).fetchone()[0]
            > now
        )
        assert db.execute("SELECT COUNT(*) FROM notes").fetchone()[0] == 1
        # Cleo's and Gus's schedules were read in the same pass of the job.
        assert (
            db.execute("SELECT COUNT(*) FROM checkins WHERE user_id = ?", (gus.id,)).fetchone()[0]
            == 0
        )
        assert (
            db.execute(
                "SELECT next_due FROM checkin_schedules WHERE user_id = ?", (gus.id,)
            ).fetchone()[0]
            > now
        )
    assert gus.count("This is your check-in") == 0


def broadcast_to_consumers(coordinator, text: str, count: int) -> None:
    """/broadcast to all people living with BPD, up to pressing Send."""
    coordinator.send("/broadcast")
    coordinator.wait_for("Who should this announcement go to?")
    coordinator.click("All people living with BPD")
    coordinator.wait_for("Write the announcement for")
    coordinator.send(text)
    coordinator.wait_for(f"This will go to {count} people. Send it now?")
    coordinator.click(f"Send to {count} people")
    coordinator.wait_for(f"Sending to {count} people now")


def test_sigterm_mid_broadcast_sends_each_announcement_once(make_bot) -> None:
    bot = make_bot()
    tg = bot.tg
    bot.start()
    coordinator = tg.person(COORDINATOR_ID, "Casey")
    onboard_coordinator(coordinator)
    readers = [tg.person(881_300_000 + n, f"Reader{n}") for n in range(16)]
    onboard_many(readers)
    text = "The drop-in room is open late on Thursday."
    # Telegram is slow to answer one announcement: it is in flight at SIGTERM. (Released
    # well within the bot's 5 s read timeout, so the bot hears that it was delivered.)
    slow = readers[5].id
    hold = tg.hold(
        "sendMessage", lambda p: int(p["chat_id"]) == slow and "drop-in" in str(p.get("text"))
    )
    broadcast_to_consumers(coordinator, text, len(readers))
    tg.wait(lambda: hold.arrived == 1, "the slow send to be in flight")
    bot.proc.send_signal(signal.SIGTERM)
    bot.wait_log("Stopping: finishing the updates in hand")
    hold.release()
    assert bot.proc.wait(timeout=30) == 0
    bot.close()

    bot.start()
    report = coordinator.wait_for("Your announcement has finished sending.", since=0)
    assert f"Delivered: {len(readers)}" in plain_of(report), plain_of(report)
    for reader in readers:
        reader.wait_for("The drop-in room is open late", since=0)
    barrier(coordinator)
    counts = {r.user["first_name"]: r.count("The drop-in room is open late") for r in readers}
    assert set(counts.values()) == {1}, counts
    assert coordinator.count("Your announcement has finished sending.") == 1
