"""Check-ins through the fake Bot API: set-up, answering, low ratings, pause and stop,
daylight saving, downtime, the /mood chart and privacy. The clock only moves when told.

What was stored is read the way the person can read it, with /mydata; the storage's own
guarantees are in tests/test_storage_checkins.py."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from PIL import Image

from bot.callbacks import unpack
from bot.storage import from_epoch
from tests.harness import BotEnv, Client, onboard

TICK = "tick:checkins"
SYDNEY = ZoneInfo("Australia/Sydney")
LONDON = ZoneInfo("Europe/London")


async def set_up_daily(client: Client, hour: str = "19:00") -> None:
    await client.send("/checkins")
    assert "Check-ins are off" in client.last_text()
    await client.click("Every day")
    assert "What time suits you?" in client.last_text()
    await client.click(hour, exact=True)
    assert f"every day at {hour}" in client.last_text()


async def due_now(env: BotEnv, user_id: int) -> datetime:
    """Move the clock to USER_ID's next check-in (plus a few seconds) and run the tick."""
    sched = await env.storage.get_checkin_schedule(user_id)
    assert sched is not None and sched.next_due is not None
    env.clock.set(from_epoch(sched.next_due) + timedelta(seconds=20))
    await env.run_job(TICK)
    return from_epoch(sched.next_due)


def prompts(client: Client) -> list[str]:
    return [t for t in client.texts() if "This is your check-in" in t]


async def add_match(env: BotEnv, person: int, peer: int) -> None:
    """An active match between PERSON and a peer worker, through matching's storage."""
    now = env.clock.now()
    await env.storage.record_consent(peer, now, given=True)
    await env.storage.update_user(peer, now, role="consumer_peer", alias="Pat")
    await env.storage.create_profile(
        peer,
        "consumer_peer",
        now,
        display_name="Pat",
        bio="",
        hours=[],
        timezone="Australia/Sydney",
        caseload_cap=6,
    )
    request = await env.storage.create_request(person, peer, {}, now, now + timedelta(days=2))
    assert request.match is not None
    assert await env.storage.answer_request(request.match.id, peer, accept=True, now=now)


async def my_data(env: BotEnv, client: Client) -> dict[str, Any]:
    """What /mydata gives the person: every row about them, and their notes decrypted."""
    await client.send("/mydata")
    call = env.fake.calls_to("sendDocument")[-1]
    assert int(call.params["chat_id"]) == client.user_id
    data: dict[str, Any] = json.loads(next(iter(call.files.values()))[1])
    return data


def checkins_of(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The person's check-ins in /mydata, oldest first."""
    return sorted(data.get("checkins", []), key=lambda c: c["id"])


async def test_set_up_is_off_by_default_then_daily(env: BotEnv) -> None:
    alice = env.client(2001, "Alice")
    await onboard(alice, alias="Ally")
    assert await env.storage.get_checkin_schedule(2001) is None
    await alice.send("/checkins")
    assert "Check-ins are off" in alice.last_text()
    await alice.click("Not now")
    assert "stay off" in alice.last_text()
    assert await env.storage.get_checkin_schedule(2001) is None
    # A one-off check-in, with nothing scheduled.
    await alice.send("/checkins")
    await alice.click("Check in now")
    assert "This is your check-in" in alice.last_text()
    await alice.click("5", exact=True)
    assert await env.storage.get_checkin_schedule(2001) is None
    assert [c["rating"] for c in checkins_of(await my_data(env, alice))] == [5]

    await set_up_daily(alice)
    # The clock is Mon 2 Mar 2026, 20:00 in Sydney: the first is tomorrow at 19:00.
    assert "The next one is Tue 3 Mar at 19:00" in alice.last_text()
    assert "(Sydney time)" in alice.last_text()
    sched = await env.storage.get_checkin_schedule(2001)
    assert sched is not None
    assert from_epoch(sched.next_due or 0) == datetime(2026, 3, 3, 8, 0, tzinfo=UTC)

    # The menu now shows what is set, and nothing has been sent yet.
    await alice.send("/checkins")
    assert "On: every day at 19:00" in alice.last_text()
    await alice.click("Close")
    assert "brings this menu back" in alice.last_text()
    await env.run_job(TICK)
    assert prompts(alice) == []


async def test_chosen_days_and_a_typed_time(env: BotEnv) -> None:
    bea = env.client(2002, "Bea")
    await onboard(bea, role="carer")
    await bea.send("/checkins")
    await bea.click("Choose days")
    await bea.click("Next")
    notice = env.fake.calls_to("answerCallbackQuery")[-1].params
    assert "at least one day" in notice["text"]
    await bea.click("Mon", exact=True)
    await bea.click("Thu", exact=True)
    await bea.click("Fri", exact=True)
    await bea.click("Fri")  # off again
    assert "✓ Mon" in [b["text"] for b in bea.last().buttons()]
    await bea.click("Next")
    await bea.click("Another time")
    assert "Type the time" in bea.last_text()
    await bea.send("soon")
    assert "couldn't read that as a time" in bea.last_text()
    await bea.send("7:30 am")
    assert "on Mon, Thu at 07:30" in bea.last_text()
    # Thu 5 Mar 07:30 AEDT is the first (it is Mon evening now).
    assert "The next one is Thu 5 Mar at 07:30" in bea.last_text()

    # Change the time; /cancel leaves the time step without changing anything.
    await bea.send("/checkins")
    await bea.click("Change time")
    await bea.click("Another time")
    await bea.send("/cancel")
    assert "stopped there" in bea.last_text()
    await bea.send("8pm")
    assert "not sure what you meant" in bea.last_text()
    sched = await env.storage.get_checkin_schedule(2002)
    assert sched is not None and (sched.days, sched.minute) == (0b1001, 7 * 60 + 30)

    # Change days to weekdays, keeping a time from the picker.
    await bea.send("/checkins")
    await bea.click("Change days")
    await bea.click("Weekdays")
    await bea.click("08:00", exact=True)
    assert "on weekdays at 08:00" in bea.last_text()


async def test_typing_mid_set_up_goes_on_and_the_set_up_closes(env: BotEnv) -> None:
    """The days picker takes buttons only: a message typed meanwhile is never held by it (it
    goes on, to a peer worker if there is one), and the half-done set-up closes."""
    gus = env.client(2005, "Gus")
    await onboard(gus)
    await gus.send("/checkins")
    await gus.click("Choose days")
    await gus.click("Mon", exact=True)
    await gus.send("what time is the group on thursday")
    assert "not sure what you meant" in gus.last_text()
    await gus.click("Tue", exact=True)
    assert "has closed" in env.fake.calls_to("answerCallbackQuery")[-1].params["text"]
    await gus.click("Next")
    assert "has closed" in env.fake.calls_to("answerCallbackQuery")[-1].params["text"]
    assert await env.storage.get_checkin_schedule(2005) is None
    # Starting again works as ever.
    await gus.send("/checkins")
    await gus.click("Weekdays")
    await gus.click("09:00", exact=True)
    assert "on weekdays at 09:00" in gus.last_text()


async def test_peer_workers_are_told_kindly(env: BotEnv) -> None:
    from tests.harness import join_staff

    pat = env.client(2003, "Pat")
    await join_staff(pat, "consumer_peer")
    await pat.send("/checkins")
    assert "isn't available for your role" in pat.last_text()
    stranger = env.client(2004, "Sol")
    await stranger.send("/mood")
    assert "Send /start to begin" in stranger.last_text()


async def test_a_due_check_in_answered_through_every_step(env: BotEnv) -> None:
    alice = env.client(2010, "Alice")
    await onboard(alice, alias="Ally")
    await set_up_daily(alice)
    mark = alice.mark()
    await due_now(env, 2010)
    new = alice.texts_since(mark)
    assert len(new) == 1 and "Hi, Ally. This is your check-in." in new[0]
    assert [b["text"] for b in alice.last().buttons()] == ["1", "2", "3", "4", "5"]
    _, data = alice.find_button("4", exact=True)
    sent = await env.storage.get_checkin(unpack(data).checkin, 2010)
    assert sent is not None and sent.status == "unanswered"

    await alice.click("4", exact=True)
    assert "Which of these fit how you feel?" in alice.last_text()
    await alice.click("Calm")
    await alice.click("Hopeful")
    await alice.click("✓ Calm")  # changed their mind
    labels = [b["text"] for b in alice.last().buttons()]
    assert "✓ Hopeful" in labels and "Calm" in labels and "Done" in labels
    await alice.click("Done")
    assert "Did you use any skills" in alice.last_text()
    labels = [b["text"] for b in alice.last().buttons()]
    assert {
        "Mindfulness",
        "Distress tolerance",
        "Emotion regulation",
        "Interpersonal effectiveness",
        "None this time",
    } <= set(labels)
    await alice.click("Mindfulness")
    await alice.click("Emotion regulation")
    await alice.click("Done")
    assert "add a short note" in alice.last_text()
    await alice.click("Write a note")
    assert "Type your note below" in alice.last_text()
    await alice.send("x" * 501)
    assert "a little long" in alice.last_text()
    note = "Walked the dog with Marguerite after a rough morning"
    await alice.send(note)
    assert "Your note is saved and encrypted" in alice.last_text()

    # The note is never in the database file in plain form (WAL included).
    await env.stop()
    raw = b"".join(p.read_bytes() for p in env.settings.data_dir.glob("bot.sqlite3*"))
    assert b"Marguerite" not in raw and note.encode() not in raw
    await env.start()

    # /mydata has the check-in and the note, decrypted for the person themselves.
    data = await my_data(env, alice)
    [row] = checkins_of(data)
    assert (row["status"], row["rating"], row["feelings"], row["skills"]) == (
        "answered",
        4,
        "hopeful",
        "emotion_regulation,mindfulness",
    )
    assert "note" not in row  # only as ciphertext at rest, and decrypted just below
    assert data["checkin_notes"] == [
        {"checkin_id": row["id"], "due_at": row["due_at"], "note": note}
    ]
    assert data["checkin_schedules"][0]["minute"] == 19 * 60

    # Counts for evaluation, never content.
    counts = {name: value for _, name, _, value in await env.storage.counters()}
    assert counts["checkin_sent"] == 1 and counts["checkin_answered"] == 1


async def test_skipping_every_follow_up(env: BotEnv) -> None:
    cal = env.client(2011, "Cal")
    await onboard(cal)
    await set_up_daily(cal)
    await due_now(env, 2011)
    await cal.click("3", exact=True)
    await cal.click("Skip")
    await cal.click("None this time")
    await cal.click("No note, finish")
    assert "Thanks for checking in. That's saved." in cal.last_text()
    data = await my_data(env, cal)
    [row] = checkins_of(data)
    assert (row["rating"], row["feelings"], row["skills"]) == (3, "", "")
    assert "checkin_notes" not in data


async def test_a_low_rating_offers_support_without_alarm(env: BotEnv) -> None:
    dee = env.client(2020, "Dee")
    await onboard(dee)
    await set_up_daily(dee)
    await due_now(env, 2020)
    await dee.click("2", exact=True)
    assert "sounds like a hard time" in dee.last_text()
    buttons = {b["text"]: b.get("callback_data") for b in dee.last().buttons()}
    # Not matched: no peer worker option.
    assert set(buttons) == {"Things that might help", "Numbers I can call", "I'm OK for now"}
    assert buttons["Things that might help"] == "res:home"
    mark = dee.mark()
    await dee.click("Things that might help")
    assert len(dee.since(mark)) == 1  # the resources flow answers with its topic list
    assert "sounds like a hard time" in dee.find_button("I'm OK for now")[0].plain
    mark = dee.mark()
    await dee.click("Numbers I can call")
    card = dee.texts_since(mark)
    assert len(card) == 1 and "000" in card[0]
    await dee.click("I'm OK for now")
    # The check-in message itself moves on; the card stays where it is below it.
    assert "Which of these fit how you feel?" in dee.find_button("Hopeful")[0].plain
    counts = {name: value for _, name, _, value in await env.storage.counters()}
    assert counts["checkin_low"] == 1 and counts["crisis_card"] == 1

    # Matched with a peer worker: the option to write to them appears.
    await add_match(env, 2020, 2900)
    await due_now(env, 2020)
    await dee.click("1", exact=True)
    await dee.click("Message my peer worker")
    assert "goes to your peer worker through the bot" in dee.last_text()
    assert "waits and reaches them" in dee.last_text()
    # Nothing was sent to the peer worker by the check-in itself.
    assert env.fake.messages(2900) == []


async def test_unanswered_check_ins_are_recorded_without_nagging(env: BotEnv) -> None:
    eli = env.client(2030, "Eli")
    await onboard(eli)
    await set_up_daily(eli)
    await due_now(env, 2030)
    mark = eli.mark()
    for _ in range(30):  # the next 30 minutes of ticks: nothing more
        env.clock.advance(minutes=1)
        await env.run_job(TICK)
    assert eli.since(mark) == []
    await due_now(env, 2030)
    assert len(prompts(eli)) == 2
    statuses = [c["status"] for c in checkins_of(await my_data(env, eli))]
    assert statuses == ["unanswered", "unanswered"]
    # An old check-in can still be answered later; pressing it twice changes nothing.
    first = eli.find_button("5", exact=True)[0]
    data = next(b["callback_data"] for b in first.buttons() if b["text"] == "5")
    await eli.press(data, first)
    await eli.press(data, first)
    assert "already answered" in env.fake.calls_to("answerCallbackQuery")[-1].params["text"]


async def test_pause_resume_and_stop(env: BotEnv) -> None:
    fay = env.client(2040, "Fay")
    await onboard(fay)
    await set_up_daily(fay)
    await fay.send("/checkins")
    await fay.click("Pause")
    assert "paused" in fay.last_text()
    sched = await env.storage.get_checkin_schedule(2040)
    assert sched is not None and sched.paused and sched.next_due is None
    env.clock.advance(days=3)
    await env.run_job(TICK)
    assert prompts(fay) == []
    await fay.send("/checkins")
    assert "Paused. Your choice is kept: every day at 19:00" in fay.last_text()
    await fay.click("Resume")
    assert "back on" in fay.last_text()
    await due_now(env, 2040)
    assert len(prompts(fay)) == 1

    await fay.send("/checkins")
    await fay.click("Stop check-ins")
    await fay.click("Keep them on")
    assert "Your check-ins" in fay.last_text()
    await fay.click("Stop check-ins")
    await fay.click("Yes, stop them")
    assert "stopped" in fay.last_text()
    assert await env.storage.get_checkin_schedule(2040) is None
    env.clock.advance(days=2)
    await env.run_job(TICK)
    assert len(prompts(fay)) == 1
    # Their history stays theirs.
    assert len(checkins_of(await my_data(env, fay))) == 1


async def test_daylight_saving_in_sydney_and_london(env: BotEnv) -> None:
    syd, lon = env.client(2050, "Syd"), env.client(2051, "Lon")
    await onboard(syd)
    await onboard(lon)
    await env.storage.update_user(2051, env.clock.now(), timezone="Europe/London")
    env.clock.set(datetime(2026, 3, 26, 12, 0, tzinfo=UTC))
    await set_up_daily(syd)
    await set_up_daily(lon)
    assert "(UK time)" in lon.last_text()
    sent: dict[int, list[datetime]] = {2050: [], 2051: []}
    # Step through 26 Mar to 7 Apr one due time at a time: London springs forward on
    # 29 Mar, Sydney leaves daylight saving on 5 Apr.
    while env.clock.now() < datetime(2026, 4, 7, 12, 0, tzinfo=UTC):
        dues = {
            uid: (await env.storage.get_checkin_schedule(uid)).next_due  # type: ignore[union-attr]
            for uid in sent
        }
        uid = min(dues, key=lambda u: dues[u] or 0)
        before = len(prompts(syd)) + len(prompts(lon))
        when = await due_now(env, uid)
        assert len(prompts(syd)) + len(prompts(lon)) == before + 1
        sent[uid].append(when)
    for uid, tz in ((2050, SYDNEY), (2051, LONDON)):
        assert {w.astimezone(tz).strftime("%H:%M") for w in sent[uid]} == {"19:00"}
        assert len({w.astimezone(tz).date() for w in sent[uid]}) == len(sent[uid])
    utc_hours = {w.astimezone(LONDON).date().isoformat(): w.hour for w in sent[2051]}
    assert utc_hours["2026-03-28"] == 19 and utc_hours["2026-03-29"] == 18
    utc_hours = {w.astimezone(SYDNEY).date().isoformat(): w.hour for w in sent[2050]}
    assert utc_hours["2026-04-04"] == 8 and utc_hours["2026-04-05"] == 9


async def test_restart_with_check_ins_due_during_downtime(env: BotEnv) -> None:
    ann, ben = env.client(2060, "Ann"), env.client(2061, "Ben")
    await onboard(ann)
    await onboard(ben)
    await set_up_daily(ann, "19:00")  # 08:00 UTC (AEDT)
    await set_up_daily(ben, "16:00")  # 05:00 UTC
    env.clock.set(datetime(2026, 3, 3, 4, 0, tzinfo=UTC))
    await env.run_job(TICK)
    await env.stop()
    # Down from 04:00 to 08:30 UTC: Ann's 19:00 is 30 minutes late (within the 90-minute
    # grace), Ben's 16:00 is three and a half hours late.
    env.clock.set(datetime(2026, 3, 3, 8, 30, tzinfo=UTC))
    await env.start()
    await env.run_job(TICK)
    await env.run_job(TICK)
    assert len(prompts(ann)) == 1
    assert prompts(ben) == []
    ben_next = await env.storage.get_checkin_schedule(2061)
    assert ben_next is not None
    assert from_epoch(ben_next.next_due or 0) == datetime(2026, 3, 4, 5, 0, tzinfo=UTC)

    # A long outage: three days down, back 20 minutes after Ann's time. One check-in for
    # Ann, none for Ben: never a burst of the missed ones.
    await env.stop()
    env.clock.set(datetime(2026, 3, 6, 8, 20, tzinfo=UTC))
    await env.start()
    for _ in range(3):
        await env.run_job(TICK)
    assert len(prompts(ann)) == 2
    assert prompts(ben) == []
    skipped = sum(value for *_, value in await env.storage.counters("checkin_skipped"))
    assert skipped == 2
    # Both go on normally afterwards.
    await due_now(env, 2061)
    assert len(prompts(ben)) == 1


async def test_blocked_bot_is_not_an_error(env: BotEnv) -> None:
    gil = env.client(2070, "Gil")
    await onboard(gil)
    await set_up_daily(gil)
    env.fake.blocked.add(2070)
    await due_now(env, 2070)
    user = await env.storage.get_user(2070)
    assert user is not None and not user.active
    assert "checkins" not in await env.user_ids_in_tables(2070)  # the undelivered one is gone


def decode_png(data: bytes) -> Image.Image:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


async def answer(env: BotEnv, uid: int, days_ago: float, rating: int, skills: str = "") -> None:
    when = env.clock.now() - timedelta(days=days_ago)
    checkin_id = await env.storage.open_checkin(uid, when)
    assert await env.storage.rate_checkin(checkin_id, uid, rating, when)
    if skills:
        await env.storage.set_checkin_choices(checkin_id, uid, "skills", skills)


async def test_mood_chart_is_a_real_png_of_their_data(env: BotEnv) -> None:
    hal = env.client(2080, "Hal")
    await onboard(hal)
    await hal.send("/mood")
    assert "No check-ins answered in the last 90 days" in hal.last_text()
    for days_ago, rating, skills in (
        (80, 2, ""),
        (50, 2, ""),
        (20, 3, "mindfulness"),
        (10, 4, ""),
        (2, 5, "mindfulness,distress_tolerance"),
    ):
        await answer(env, 2080, days_ago, rating, skills)
    await hal.send("/mood")
    photo = env.fake.calls_to("sendPhoto")[-1]
    first = next(iter(photo.files.values()))[1]
    image = decode_png(first)
    # Tall rather than wide, twice the width a phone shows it at (flows/checkins/chart.py).
    assert image.format == "PNG" and image.size == (720, 960)
    caption = hal.last_text()
    assert "Last 30 days\n3 check-ins, average 4.0 out of 5\nLowest 3, highest 5" in caption
    assert "Skills used in 2 check-ins, most often mindfulness" in caption
    assert "Last 90 days\n5 check-ins, average" in caption

    await answer(env, 2080, 1, 1)
    await hal.send("/mood")
    second = next(iter(env.fake.calls_to("sendPhoto")[-1].files.values()))[1]
    assert decode_png(second).size == (720, 960)
    assert second != first
    # The pixels differ, not just the metadata.
    assert decode_png(second).tobytes() != decode_png(first).tobytes()


async def test_someone_elses_or_broken_buttons_change_nothing(env: BotEnv) -> None:
    ivy, jo = env.client(2090, "Ivy"), env.client(2091, "Jo")
    await onboard(ivy)
    await onboard(jo)
    await set_up_daily(ivy)
    await due_now(env, 2090)
    _, data = ivy.find_button("3", exact=True)
    await jo.press(data, jo.last())
    assert "has closed" in env.fake.calls_to("answerCallbackQuery")[-1].params["text"]
    for junk in (
        "chk:rate:abc:3",
        "chk:rate:1",
        "chk:freq:hourly",
        "chk:at:0:60",
        "chk:pick:500:1",
        "chk:feel:1:joyful",
        data.rsplit(":", 1)[0] + ":9",
    ):
        await ivy.press(junk, ivy.last())
    await ivy.press(data.replace("rate", "feel").rsplit(":", 1)[0] + ":calm", ivy.last())
    [row] = checkins_of(await my_data(env, ivy))
    assert (row["status"], row["rating"], row["feelings"]) == ("unanswered", None, "")
    assert checkins_of(await my_data(env, jo)) == []


async def test_a_forgotten_note_step_lets_later_messages_go(env: BotEnv) -> None:
    kit = env.client(2100, "Kit")
    await onboard(kit)
    await set_up_daily(kit)
    await due_now(env, 2100)
    await kit.click("4", exact=True)
    await kit.click("Skip")
    await kit.click("None this time")
    await kit.click("Write a note")
    env.clock.advance(hours=3)
    await kit.send("hello is anyone there")
    assert "not sure what you meant" in kit.last_text()
    assert "checkin_notes" not in await my_data(env, kit)


async def test_weekly_ratings_shared_only_when_chosen(env: BotEnv) -> None:
    lee = env.client(2110, "Lee")
    await onboard(lee, alias="Lee")
    await set_up_daily(lee)
    await lee.send("/checkins")
    assert "Share" not in " ".join(b["text"] for b in lee.last().buttons())
    await add_match(env, 2110, 2901)
    await lee.send("/checkins")
    await lee.click("Share my weekly ratings")
    assert "Each week Pat will get your ratings" in lee.last_text()
    assert "Never your notes" in lee.last_text()
    await lee.send("/checkins")
    assert "Pat gets your ratings once a week." in lee.last_text()
    for rating in (3, 2, 4):
        await due_now(env, 2110)
        await lee.click(str(rating), exact=True)
        if rating == 2:
            await lee.click("I'm OK for now")
        await lee.click("Skip")
        await lee.click("None this time")
        await lee.click("Write a note")
        await lee.send("private words about my week")
    assert env.fake.messages(2901) == []
    sched = await env.storage.get_checkin_schedule(2110)
    assert sched is not None and sched.share_due is not None
    env.clock.set(from_epoch(sched.share_due) + timedelta(seconds=5))
    await env.run_job(TICK)
    to_peer = [m.plain for m in env.fake.messages(2901)]
    assert len(to_peer) == 1
    assert "Weekly check-in ratings from Lee" in to_peer[0]
    assert "3 check-ins this week, average 3.0 out of 5: 3, 2, 4." in to_peer[0]
    assert "private" not in to_peer[0] and "2110" not in to_peer[0]
    await env.run_job(TICK)
    assert len(env.fake.messages(2901)) == 1
    # Turned off again: nothing more reaches the peer worker.
    await lee.send("/checkins")
    await lee.click("Stop sharing my ratings")
    env.clock.advance(days=8)
    await env.run_job(TICK)
    assert len(env.fake.messages(2901)) == 1


async def test_delete_erases_every_check_in(env: BotEnv) -> None:
    max_ = env.client(2120, "Max")
    await onboard(max_)
    await set_up_daily(max_)
    await due_now(env, 2120)
    await max_.click("5", exact=True)
    await max_.send("/delete")
    await max_.click("Yes")
    found = await env.user_ids_in_tables(2120)
    assert "checkins" not in found and "checkin_schedules" not in found
    await max_.send("/mydata")
    assert "don't store anything about you" in max_.last_text()


async def test_changing_time_zone_moves_the_next_check_in(tmp_path: Path) -> None:
    """Check-ins follow the person's own clock, even after they move (the consequence of a
    new time zone in /settings)."""
    from bot.services.checkins import follow_timezone

    env = await BotEnv.create(tmp_path, timezones_offered=("Australia/Sydney", "Australia/Perth"))
    try:
        ally = env.client(1001, "Ally")
        await onboard(ally, alias="Ally")
        assert env.deps is not None
        now = env.clock.now()
        await env.storage.save_checkin_schedule(1001, 0b1111111, 19 * 60, now, now)
        await follow_timezone(env.storage, 1001, ZoneInfo("Australia/Perth"), now)
        schedule = await env.storage.get_checkin_schedule(1001)
        assert schedule is not None and schedule.next_due is not None
        local = datetime.fromtimestamp(schedule.next_due, ZoneInfo("Australia/Perth"))
        assert (local.hour, local.minute) == (19, 0)
    finally:
        await env.stop()
    env.assert_clean()


async def test_a_low_check_in_offers_their_safety_plan_first(env: BotEnv) -> None:
    noa = env.client(2130, "Noa")
    await onboard(noa)
    plan = {"coping": "Cold water on my face, then the long walk to the park"}
    await env.storage.save_safety_plan(2130, env.cipher.encrypt(json.dumps(plan)), env.clock.now())
    await add_match(env, 2130, 2902)
    await set_up_daily(noa)
    await due_now(env, 2130)
    await noa.click("1", exact=True)
    assert "sounds like a hard time" in noa.last_text()
    assert [b["text"] for b in noa.last().buttons()] == [
        "My safety plan",
        "Message my peer worker",
        "Things that might help",
        "Numbers I can call",
        "I'm OK for now",
    ]
    mark = noa.mark()
    await noa.click("My safety plan")
    [shown] = noa.texts_since(mark)
    assert "Cold water on my face" in shown
    # The check-in waits where it was, to carry on with.
    await noa.click("I'm OK for now")
    assert "Which of these fit how you feel?" in noa.find_button("Hopeful")[0].plain


async def test_an_old_check_in_has_closed_and_offers_one_now(env: BotEnv) -> None:
    ola = env.client(2140, "Ola")
    await onboard(ola)
    await set_up_daily(ola)
    await due_now(env, 2140)
    old, data = ola.find_button("3", exact=True)
    await due_now(env, 2140)  # the next day's: answered, and left half done
    await ola.click("2", exact=True)
    low_options = ola.find_button("I'm OK for now")[0]
    env.clock.advance(days=2, hours=1)
    # Three days on, the first can't be answered any more: kindly, with a check-in now.
    await ola.press(data, old)
    closed = env.fake.chats[2140][old.message_id]
    assert closed.plain.startswith("That check-in has closed. Check-ins stay open for 2 days.")
    assert [b["text"] for b in closed.buttons()] == ["Check in now"]
    # The half-done one: its numbers still work, as the card always does; it closed too.
    buttons = {b["text"]: b["callback_data"] for b in low_options.buttons()}
    mark = ola.mark()
    await ola.press(buttons["Numbers I can call"], low_options)
    assert any("000" in t for t in ola.texts_since(mark))
    await ola.press(buttons["I'm OK for now"], low_options)
    assert "has closed" in env.fake.chats[2140][low_options.message_id].plain
    # A check-in now instead, answered as ever.
    await ola.press(next(b["callback_data"] for b in closed.buttons()), closed)
    assert "This is your check-in" in ola.last_text()
    await ola.click("4", exact=True)
    assert "Which of these fit how you feel?" in ola.last_text()
    statuses = [c["status"] for c in checkins_of(await my_data(env, ola))]
    assert statuses == ["unanswered", "answered", "answered"]


async def test_a_check_in_now_is_counted_apart_from_scheduled_ones(env: BotEnv) -> None:
    """The counts a service evaluates itself by never mix the two: a response rate is the
    scheduled check-ins answered out of those sent."""
    pia = env.client(2150, "Pia")
    await onboard(pia)
    await set_up_daily(pia)
    await pia.send("/checkins")
    await pia.click("Check in now")
    await pia.click("1", exact=True)
    await due_now(env, 2150)
    await pia.click("4", exact=True)
    await due_now(env, 2150)  # sent, not answered
    counts: dict[str, int] = {}
    for _, name, _, value in await env.storage.counters():  # one row a day each
        counts[name] = counts.get(name, 0) + value
    assert {k: v for k, v in counts.items() if k.startswith("checkin")} == {
        "checkin_now": 1,
        "checkin_now_answered": 1,
        "checkin_now_low": 1,
        "checkin_sent": 2,
        "checkin_answered": 1,
    }
    kinds = [c["kind"] for c in checkins_of(await my_data(env, pia))]
    assert kinds == ["now", "scheduled", "scheduled"]
