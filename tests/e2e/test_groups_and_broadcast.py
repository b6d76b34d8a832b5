"""A coordinator adds a group; a carer joins it and gets its calendar file; the coordinator
broadcasts to its members and watches it go out."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.e2e.botproc import BotProcess
from tests.e2e.emulator import BotAPIEmulator, Person
from tests.e2e.journeys import barrier, expect, onboard, plain_of

GROUP = "Parents Circle E2E"


def add_group(coordinator: Person, timezone: str) -> None:
    """The coordinator's new-group wizard, step by step."""
    first = (datetime.now(ZoneInfo(timezone)) + timedelta(days=7)).date()
    coordinator.send("/groups")
    coordinator.wait_for("Groups")
    coordinator.click("Add a new group")
    coordinator.wait_for("What is the group called?")
    coordinator.send(GROUP)
    coordinator.wait_for("Describe the group")
    coordinator.send("A weekly circle for parents supporting a young person with BPD.")
    coordinator.wait_for("Who is the group for?")
    coordinator.click("All carers")
    coordinator.wait_for("online or in person?")
    coordinator.click("Online", exact=True)
    coordinator.wait_for("What is the link to join?")
    coordinator.send("https://meet.example.org/parents-circle")
    coordinator.wait_for("How often does it meet?")
    coordinator.click("Every week")
    coordinator.wait_for("What is the date of the first meeting?")
    coordinator.send(first.isoformat())
    coordinator.wait_for("What time does it start")
    coordinator.send("18:00-19:30")
    coordinator.wait_for("Who facilitates it?")
    coordinator.send("Robin")
    coordinator.wait_for("How many places are there?")
    coordinator.click("No limit")
    summary = coordinator.wait_for("Here is the new group. Save it?")
    assert GROUP in plain_of(summary)
    coordinator.click("Save the group")
    coordinator.wait_for(f"{GROUP} is saved and now shows in the directory.")


def test_carer_joins_a_group_and_a_broadcast_reaches_its_members(
    tg: BotAPIEmulator, shared_bot: BotProcess, coordinator: Person
) -> None:
    add_group(coordinator, shared_bot.settings["timezone"])

    kim = tg.person(880_300_001, "Kim")
    onboard(kim, "carer", relationship="parent", alias="Kim")
    kim.send("/groups")
    directory = kim.wait_for("Groups you can join")
    assert GROUP in plain_of(directory)
    kim.click(GROUP)
    kim.wait_for("Facilitator: Robin")
    kim.click("Join this group")
    kim.wait_for(f"You've joined {GROUP}")
    ics = kim.wait_for(lambda m: "document" in m)
    document = ics["document"]
    assert document["file_name"] == "parents-circle-e2e.ics"
    assert document["mime_type"] == "text/calendar"
    assert plain_of(ics) == f"Open this file to add {GROUP} to your calendar."
    data = tg.uploads(kim.id, ics["message_id"])["document"].data.decode()
    assert data.startswith("BEGIN:VCALENDAR") and f"SUMMARY:{GROUP}" in data
    assert "RRULE:FREQ=WEEKLY" in data and "DTSTART;TZID=Australia/Sydney" in data
    # The upload went as multipart/form-data with the file as its own part.
    upload = next(c for c in tg.calls_to("sendDocument") if str(c.params["chat_id"]) == str(kim.id))
    assert upload.content_type.startswith("multipart/form-data")
    assert upload.files["document"].filename == "parents-circle-e2e.ics"

    # The coordinator broadcasts to the group's members.
    coordinator.send("/broadcast")
    coordinator.wait_for("Who should this announcement go to?")
    coordinator.click("Members of one group")
    coordinator.wait_for("Which group's members?")
    coordinator.click(GROUP)
    coordinator.wait_for(f"Write the announcement for members of {GROUP}")
    coordinator.send("This week we meet in the library, same time.")
    coordinator.wait_for("This will go to 1 person. Send it now?")
    coordinator.click("Send to 1 person")
    coordinator.wait_for("Sending to 1 person now")
    report = coordinator.wait_for("Your announcement has finished sending.")
    assert "Delivered: 1" in plain_of(report) and "Total: 1" in plain_of(report)
    # Progress was shown, with a way to stop (how it ends: see the test below).
    progress = tg.wait(
        lambda: [
            c
            for c in tg.calls_to("sendMessage")
            if str(c.params.get("text", "")).startswith("Sending… 0 of 1 (0%)")
        ],
        "the progress message",
    )
    assert progress[0].params["reply_markup"]["inline_keyboard"][0][0]["text"] == "Stop sending"
    announcement = kim.wait_for("This week we meet in the library")
    assert plain_of(announcement).startswith("Harbour Health Peer Support")
    assert kim.count("This week we meet in the library") == 1

    # A photo with a caption goes out by its file id, as Telegram keeps it.
    coordinator.send("/broadcast")
    coordinator.wait_for("Who should this announcement go to?")
    coordinator.click("Members of one group")
    coordinator.wait_for("Which group's members?")
    coordinator.click(GROUP)
    coordinator.wait_for(f"Write the announcement for members of {GROUP}")
    coordinator.send_photo(caption="Our new meeting room, on the ground floor.")
    preview = coordinator.wait_for(lambda m: "photo" in m)
    assert "Our new meeting room" in plain_of(preview)
    coordinator.wait_for("This will go to 1 person. Send it now?")
    coordinator.click("Send to 1 person")
    coordinator.wait_for("Your announcement has finished sending.", since=coordinator.acted_at)
    room = kim.wait_for(lambda m: "photo" in m and "Our new meeting room" in plain_of(m))
    assert plain_of(room).startswith("Harbour Health Peer Support")
    sent = [c for c in tg.calls_to("sendPhoto") if str(c.params["chat_id"]) == str(kim.id)]
    assert len(sent) == 1 and not sent[0].files  # a file id, not a new upload


def test_the_progress_message_ends_finished_even_when_sending_is_quick(
    tg: BotAPIEmulator, shared_bot: BotProcess, coordinator: Person
) -> None:
    rae = tg.person(882_400_001, "Rae")
    onboard(rae, "carer", relationship="partner", alias="Rae")
    coordinator.send("/broadcast")
    coordinator.wait_for("Who should this announcement go to?")
    coordinator.click("All carers")
    coordinator.wait_for("Write the announcement for")
    coordinator.send("The carers' library is closed on Monday.")
    preview = plain_of(coordinator.wait_for("Send it now?"))
    count = re.search(r"This will go to (\d+) (people|person)\.", preview)
    assert count, preview
    people = f"{count[1]} {count[2]}"  # "1 person" when this test runs alone
    # Telegram takes a moment over the "Sending to N people now" edit: meanwhile the sending
    # job (every 2 s) delivers the announcement and reports.
    slow = tg.hold("editMessageText", lambda p: f"{people} now" in str(p.get("text")))
    coordinator.click(f"Send to {people}")
    rae.wait_for("The carers' library is closed on Monday.")
    coordinator.wait_for("Your announcement has finished sending.")
    slow.release()
    coordinator.wait_for(f"Sending to {people} now")
    progress = tg.wait(
        lambda: [
            c
            for c in tg.calls_to("sendMessage")
            if str(c.params.get("text", "")).startswith(f"Sending… 0 of {count[1]}")
        ],
        "the progress message",
    )[-1]
    barrier(coordinator)
    shown = next(
        m for m in coordinator.messages() if m["message_id"] == progress.result["message_id"]
    )
    expect(
        plain_of(shown) == f"Finished: {count[1]} of {count[1]}." and "reply_markup" not in shown,
        f"the progress message was left as {plain_of(shown)!r} with {shown.get('reply_markup')}",
    )
