"""Check-ins and /mood (a PNG arrives), /mydata (a JSON file arrives), then /delete, after
which no table of the database file holds the person's id."""

from __future__ import annotations

import json

from tests.e2e.botproc import BotProcess
from tests.e2e.emulator import BotAPIEmulator
from tests.e2e.journeys import barrier, expect, far_hour, onboard, plain_of, tables_holding


def test_checkins_mood_mydata_and_delete(tg: BotAPIEmulator, shared_bot: BotProcess) -> None:
    cara = tg.person(880_400_001, "Cara", username="cara_private")
    onboard(cara, alias="Cara")

    # Check-ins: every day at an hour far from now, then one now.
    cara.send("/checkins")
    cara.wait_for("Check-ins are off.")
    cara.click("Every day")
    cara.wait_for("What time suits you?")
    hour = far_hour(shared_bot.settings["timezone"])
    cara.click(hour, exact=True)
    saved = cara.wait_for(f"I'll check in every day at {hour}")
    assert "(Sydney time)" in plain_of(saved)  # the place, never the zone's database id
    cara.send("/checkins")
    cara.wait_for("Your check-ins")
    cara.click("Check in now")
    cara.wait_for("This is your check-in")
    cara.click("4", exact=True)
    cara.wait_for("Which of these fit how you feel?")
    cara.click("Hopeful", exact=True)
    cara.wait_for(
        lambda m: any(
            b["text"] == "✓ Hopeful"
            for row in m.get("reply_markup", {}).get("inline_keyboard", [])
            for b in row
        )
    )
    cara.click("Done", exact=True)
    cara.wait_for("Did you use any skills")
    cara.click("Mindfulness")
    cara.wait_for(lambda m: "✓ Mindfulness" in json.dumps(m, ensure_ascii=False))
    cara.click("Done", exact=True)
    cara.wait_for("Would you like to add a short note")
    cara.click("Write a note")
    cara.wait_for("Type your note below")
    cara.send("A walk by the water helped today")
    cara.wait_for("Your note is saved and encrypted")

    # /mood: a chart, uploaded as a PNG photo.
    cara.send("/mood")
    chart = cara.wait_for(lambda m: "photo" in m)
    assert "Last 30 days\n1 check-in, average 4.0 out of 5" in plain_of(chart)
    upload = tg.uploads(cara.id, chart["message_id"])["photo"]
    assert upload.data.startswith(b"\x89PNG\r\n\x1a\n")
    # Drawn for a phone: tall, twice as wide as a small phone shows it.
    assert chart["photo"][-1]["width"] == 720 and chart["photo"][-1]["height"] == 960

    # /mydata: everything stored, as a JSON document.
    cara.send("/mydata")
    export = cara.wait_for(lambda m: "document" in m)
    assert export["document"]["file_name"] == "my-data.json"
    assert export["document"]["mime_type"] == "application/json"
    data = json.loads(tg.uploads(cara.id, export["message_id"])["document"].data)
    assert data["users"][0]["user_id"] == cara.id and data["users"][0]["alias"] == "Cara"
    assert data["checkin_schedules"][0]["minute"] == int(hour[:2]) * 60
    assert [n["note"] for n in data["checkin_notes"]] == ["A walk by the water helped today"]
    with shared_bot.db() as db:
        assert tables_holding(db, cara.id)  # the scan below does find what is there

    # /delete, then nothing in any table holds her id.
    cara.send("/delete")
    cara.wait_for("Do you want to erase everything?")
    cara.click("Yes, erase everything")
    cara.wait_for("Everything we stored about you has been erased.")
    # Updates are handled one at a time: once someone else's /help is answered, the erase
    # and everything written after it (conversation steps, drafts) are done.
    barrier(tg.person(880_400_009, "Bystander"))
    with shared_bot.db() as db:
        assert tables_holding(db, cara.id) == {}
    # Her command menu went back to the default.
    deleted = [
        c
        for c in tg.calls_to("deleteMyCommands")
        if c.params.get("scope", {}).get("chat_id") == cara.id
    ]
    assert deleted and deleted[-1].status == 200


def test_nothing_is_stored_about_someone_who_says_no(
    tg: BotAPIEmulator, shared_bot: BotProcess
) -> None:
    """README, Privacy: "Nothing is stored before consent ... Saying no stores only the
    Telegram id and the 'no'"."""
    nia = tg.person(880_400_101, "Nia")
    nia.send("/start")
    nia.wait_for("Is that OK with you?")
    barrier(tg.person(880_400_109, "Bystander"))
    with shared_bot.db() as db:
        before = tables_holding(db, nia.id)
    nia.click("No thanks")
    nia.wait_for("We haven't stored anything about you except that you said no")
    barrier(tg.person(880_400_109, "Bystander"))
    with shared_bot.db() as db:
        after = tables_holding(db, nia.id)
    expect(before == {}, f"stored before consent: {before}")
    expect(after == {"users": ["user_id"]}, f"stored after a no: {after}")
