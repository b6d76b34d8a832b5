"""Groups through the fake Bot API: a coordinator creates a group, carers and consumers see
the right ones, join (and get the .ics), the waitlist, reminders across a daylight-saving
change with the clock moved by the test, cancelled meetings, retiring, and privacy."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.callbacks import pack
from flows.groups.callbacks import Manage, NewGroup, Open
from tests.harness import AGREE, BotEnv, Client, onboard

COORD = 900


async def as_coordinator(env: BotEnv) -> Client:
    coord = env.client(COORD, "Casey")
    await coord.send("/start")
    await coord.click(AGREE)
    await coord.click("Skip")
    return coord


async def create_group(
    coord: Client,
    name: str,
    audience: str,
    *,
    fmt: str = "Online",
    place: str = "https://meet.example.org/parents",
    kind: str = "Every week",
    dates: str = "2026-03-10",
    time: str = "18:00-19:30",
    capacity: str | None = None,
) -> None:
    await coord.send("/groups")
    await coord.click("Add a new group")
    assert "What is the group called" in coord.last_text()
    await coord.send(name)
    await coord.send(f"A relaxed space for {name.lower()} to talk and listen.")
    await coord.click(audience, exact=True)
    await coord.click(fmt, exact=True)
    await coord.send(place)
    await coord.click(kind, exact=True)
    await coord.send(dates)
    await coord.send(time)
    await coord.send("Jo")
    if capacity is None:
        await coord.click("No limit")
    else:
        await coord.send(capacity)
    assert "Save it?" in coord.last_text()
    await coord.click("Save the group")
    assert "is saved" in coord.last_text()


def documents(client: Client) -> list[tuple[str, bytes]]:
    out = []
    for m in client.messages:
        if m.method == "sendDocument":
            name, data, _mime = m.files["document"]
            out.append((name, data))
    return out


async def test_coordinator_creates_group_and_people_see_the_right_ones(env: BotEnv) -> None:
    coord = await as_coordinator(env)
    await create_group(coord, "Parents together", "Parents")
    await create_group(
        coord,
        "Carers circle",
        "All carers",
        fmt="In person",
        place="12 High St, Wollongong",
        kind="Once a month",
        dates="2026-03-12",
    )  # the second Thursday
    await create_group(coord, "DBT skills group", "People living with BPD")
    await create_group(coord, "Partners evening", "Partners", kind="Every second week")

    parent, partner, consumer = env.client(1, "Pat"), env.client(2, "Sam"), env.client(3, "Ali")
    await onboard(parent, "carer", relationship="parent")
    await onboard(partner, "carer", relationship="partner")
    await onboard(consumer, "consumer")

    await parent.send("/groups")
    seen = parent.last_text()
    assert "Parents together" in seen and "Carers circle" in seen
    assert "Partners evening" not in seen and "DBT skills group" not in seen
    # The next meeting is in the person's own time zone (Sydney): Tue 10 Mar, 18:00.
    assert "Tue 10 Mar, 18:00" in seen
    assert "The second Thursday of each month" in seen

    await partner.send("/groups")
    seen = partner.last_text()
    assert "Partners evening" in seen and "Carers circle" in seen
    assert "Parents together" not in seen and "DBT skills group" not in seen

    await consumer.send("/groups")
    seen = consumer.last_text()
    assert "DBT skills group" in seen
    assert "Carers" not in seen and "Parents" not in seen

    # Filters: in person only, then Thursday only.
    await parent.click("In person", exact=True)
    assert "Carers circle" in parent.last_text()
    assert "Parents together" not in parent.last_text()
    await parent.click("Any format")
    await parent.click("Tue", exact=True)
    assert "Parents together" in parent.last_text()
    assert "Carers circle" not in parent.last_text()
    await parent.click("Any day")

    # A parent can't open the partners' group, even with a hand-made button.
    partners = next(g for g in await env.storage.list_groups() if g.name == "Partners evening")
    before = parent.mark()
    await parent.press(pack(Open(partners.group_id)))
    assert parent.mark() == before
    assert "closed" in env.fake.calls_to("answerCallbackQuery")[-1].params["text"]
    assert await env.storage.membership(partners.group_id, 1) is None

    # Peer workers and people not set up are told kindly.
    stranger = env.client(55, "Nic")
    await stranger.send("/groups")
    assert "Send /start" in stranger.last_text()


async def test_join_sends_ics_and_link_only_to_members(env: BotEnv) -> None:
    coord = await as_coordinator(env)
    await create_group(coord, "Parents together", "Parents")
    parent = env.client(1, "Pat")
    await onboard(parent, "carer", relationship="parent")
    await parent.send("/groups")
    await parent.click("Parents together")
    assert "link is shared with members" in parent.last_text()
    assert "meet.example.org" not in parent.last_text()
    await parent.click("Join this group")
    detail = [m for m in parent.messages if "You've joined" in m.plain]
    assert detail and "meet.example.org/parents" in detail[-1].plain
    files = documents(parent)
    assert len(files) == 1
    name, data = files[0]
    assert name == "parents-together.ics"
    ics = data.decode()
    assert ics.startswith("BEGIN:VCALENDAR\r\n") and ics.endswith("END:VCALENDAR\r\n")
    assert "RRULE:FREQ=WEEKLY;BYDAY=TU" in ics
    assert "DTSTART;TZID=Australia/Sydney:20260310T180000" in ics
    assert "DTEND;TZID=Australia/Sydney:20260310T193000" in ics
    assert "BEGIN:VTIMEZONE" in ics and "TZID:Australia/Sydney" in ics
    # Joining again changes nothing; the file can be sent again on request.
    await parent.click("Send the calendar file again")
    assert len(documents(parent)) == 2
    counts = await env.storage.member_counts()
    assert list(counts.values()) == [(1, 0)]


async def test_waitlist_promotes_first_waiting_person(env: BotEnv) -> None:
    coord = await as_coordinator(env)
    await create_group(coord, "Small group", "All carers", capacity="1")
    a, b, c = env.client(710001, "A"), env.client(710002, "B"), env.client(710003, "C")
    for person in (a, b, c):
        await onboard(person, "carer", relationship="sibling")
        await person.send("/groups")
        await person.click("Small group")
    await a.click("Join this group")
    # B and C opened the group while it had a place; by the time they tap, it is full.
    await b.click("Join this group")
    assert "waitlist, number 1" in b.last_text()
    await c.click("Join this group")
    assert "waitlist, number 2" in c.last_text()
    assert not documents(b)

    await a.click("Leave this group")
    assert any("You've left" in t for t in a.texts())
    assert any("it's yours" in t for t in b.texts())
    # The notice came through the outbox, with the calendar file a tap away.
    await b.click("Add it to my calendar")
    assert len(documents(b)) == 1
    group = (await env.storage.list_groups())[0]
    assert (await env.storage.membership(group.group_id, 710002)).status == "member"  # type: ignore[union-attr]
    waiting = await env.storage.membership(group.group_id, 710003)
    assert waiting is not None and waiting.position == 1
    assert not any("it's yours" in t for t in c.texts())

    # Raising the capacity lets C in too.
    await coord.send("/groups")
    await coord.click("Small group")
    await coord.click("Edit details")
    await coord.click("Capacity")
    await coord.send("5")
    assert "Saved." in coord.last_text()
    assert any("it's yours" in t for t in c.texts())

    # A member who erases their data frees their place for the next person in line.
    d = env.client(710004, "D")
    await onboard(d, "carer", relationship="child")
    await coord.click("Edit details")
    await coord.click("Capacity")
    await coord.send("2")
    await d.send("/groups")
    await d.click("Small group")
    await d.click("Join the waitlist")
    await b.send("/delete")
    await b.click("Yes")
    assert any("it's yours" in t for t in d.texts())
    assert await env.user_ids_in_tables(710002) == {}


async def test_reminders_across_daylight_saving_change(env: BotEnv) -> None:
    # Sydney leaves daylight saving at 03:00 on Sunday 5 April 2026 (UTC+11 -> UTC+10).
    coord = await as_coordinator(env)
    await create_group(coord, "Parents together", "Parents", dates="2026-03-31", time="18:00")
    parent, other = env.client(1, "Pat"), env.client(2, "Sam")
    for person in (parent, other):
        await onboard(person, "carer", relationship="parent")
        await person.send("/groups")
        await person.click("Parents together")
        await person.click("Join this group")
    # Sam switches the day-before reminder off.
    await other.send("/groups")
    await other.click("Reminder settings")
    await other.click("A day before: on")
    assert "A day before: off" in str(other.last().reply_markup)

    def reminders(client: Client) -> list[str]:
        return [t for t in client.texts() if "meets tomorrow" in t or "starts at" in t]

    # Before the change: Tuesday 31 March 18:00 AEDT is 07:00 UTC.
    env.clock.set(datetime(2026, 3, 30, 6, 59, tzinfo=UTC))
    await env.run_job("tick:groups")
    assert reminders(parent) == []
    env.clock.set(datetime(2026, 3, 30, 7, 0, tzinfo=UTC))
    await env.run_job("tick:groups")
    assert len(reminders(parent)) == 1 and "tomorrow, Tue 31 Mar, 18:00" in reminders(parent)[0]
    assert reminders(other) == []
    env.clock.set(datetime(2026, 3, 31, 6, 0, tzinfo=UTC))
    await env.run_job("tick:groups")
    assert "starts at 18:00 today" in reminders(parent)[-1]
    assert len(reminders(other)) == 1

    # After the change: Tuesday 7 April 18:00 AEST is 08:00 UTC. An hour early (the old
    # offset) nothing is due.
    env.clock.set(datetime(2026, 4, 6, 7, 0, tzinfo=UTC))
    await env.run_job("tick:groups")
    assert len(reminders(parent)) == 2
    env.clock.set(datetime(2026, 4, 6, 8, 0, tzinfo=UTC))
    await env.run_job("tick:groups")
    assert len(reminders(parent)) == 3 and "Tue 7 Apr, 18:00" in reminders(parent)[-1]
    # Running again, or after a restart, sends nothing twice.
    await env.run_job("tick:groups")
    await env.restart()
    await env.run_job("tick:groups")
    assert len(reminders(parent)) == 3
    env.clock.set(datetime(2026, 4, 7, 6, 59, tzinfo=UTC))
    await env.run_job("tick:groups")
    assert len(reminders(parent)) == 3
    env.clock.set(datetime(2026, 4, 7, 7, 0, tzinfo=UTC))
    await env.run_job("tick:groups")
    assert len(reminders(parent)) == 4 and "starts at 18:00 today" in reminders(parent)[-1]

    # An hour of downtime: the day-before reminder (due 08:00 UTC on 13 April) still goes
    # out at 09:00; the hour-before one, 50 minutes late, is skipped rather than sent late.
    env.clock.set(datetime(2026, 4, 13, 9, 0, tzinfo=UTC))
    await env.run_job("tick:groups")
    assert len(reminders(parent)) == 5
    env.clock.set(datetime(2026, 4, 14, 7, 50, tzinfo=UTC))
    await env.run_job("tick:groups")
    assert len(reminders(parent)) == 5
    assert len(reminders(other)) == 2  # hour-before only: 31 March and 7 April


async def test_cancelled_meeting_notice_and_no_reminder(env: BotEnv) -> None:
    coord = await as_coordinator(env)
    await create_group(coord, "Parents together", "Parents")
    parent = env.client(1, "Pat")
    await onboard(parent, "carer", relationship="parent")
    await parent.send("/groups")
    await parent.click("Parents together")
    await parent.click("Join this group")

    await coord.send("/groups")
    await coord.click("Parents together")
    await coord.click("Cancel one meeting")
    await coord.click("Tue 17 Mar")
    assert "We'll let its 1 member know." in coord.last_text()
    confirm_message, confirm = coord.find_button("Yes, cancel that meeting")
    await coord.press(confirm, confirm_message)
    assert "its 1 member has been told" in coord.last_text()
    notice = [t for t in parent.texts() if "won't go ahead" in t]
    assert len(notice) == 1
    assert "Tue 17 Mar, 18:00–19:30" in notice[0]
    assert "The next meeting after that is Tue 24 Mar, 18:00–19:30." in notice[0]
    # Pressing the old confirm button again tells nobody twice.
    await coord.press(confirm, confirm_message)
    assert len([t for t in parent.texts() if "won't go ahead" in t]) == 1

    # No reminders for the cancelled meeting; the next one is reminded as usual.
    env.clock.set(datetime(2026, 3, 16, 7, 0, tzinfo=UTC))
    await env.run_job("tick:groups")
    assert not [t for t in parent.texts() if "meets tomorrow" in t]
    env.clock.set(datetime(2026, 3, 23, 7, 0, tzinfo=UTC))
    await env.run_job("tick:groups")
    assert [t for t in parent.texts() if "meets tomorrow" in t]
    # The calendar file now leaves the cancelled date out.
    await parent.send("/groups")
    await parent.click("Parents together")
    await parent.click("Send the calendar file again")
    assert "EXDATE;TZID=Australia/Sydney:20260317T180000" in documents(parent)[-1][1].decode()

    # Retiring tells members and takes the group out of the directory.
    await coord.send("/groups")
    await coord.click("Parents together")
    await coord.click("Retire this group")
    await coord.click("Yes, retire it")
    assert "the 1 person in it has been told" in coord.last_text()
    assert any("come to an end" in t for t in parent.texts())
    await parent.send("/groups")
    assert "no groups for you" in parent.last_text()


async def test_wizard_rejects_bad_input_and_can_stop(env: BotEnv) -> None:
    coord = await as_coordinator(env)
    await coord.send("/groups")
    await coord.click("Add a new group")
    await coord.send("Parents together")
    await coord.send("For parents.")
    await coord.click("Parents", exact=True)
    await coord.click("Online", exact=True)
    await coord.send("meet.example.org")
    assert "should start with https://" in coord.last_text()
    await coord.send("https://meet.example.org/p")
    await coord.click("Every week", exact=True)
    await coord.send("31 February")
    assert "not a real date" in coord.last_text()
    await coord.send("2026-03-10")
    await coord.send("25:00")
    assert "That didn't work" in coord.last_text()
    await coord.click("Stop, don't save")
    assert "nothing was saved" in coord.last_text()
    assert await env.storage.list_groups() == []
    # People can't reach the coordinator's menus: the press gets the polite "that menu has
    # closed" answer, and nothing is shown or changed.
    parent = env.client(1, "Pat")
    await onboard(parent, "carer", relationship="parent")
    for forged in (pack(Manage()), pack(NewGroup()), "grp.mng:extra", "grp:nonsense"):
        before = parent.mark()
        await parent.press(forged)
        assert parent.mark() == before
        assert "closed" in env.fake.calls_to("answerCallbackQuery")[-1].params["text"]
    assert await env.storage.get_session(1) is None
    assert await env.storage.list_groups() == []


async def test_the_wizard_lives_in_the_database_not_in_memory(env: BotEnv) -> None:
    coord = await as_coordinator(env)
    await coord.send("/groups")
    await coord.click("Add a new group")
    await coord.send("Parents together")
    await coord.send("A relaxed space for parents.")
    # The answers so far are stored with the step, encrypted; a restart loses nothing.
    row = await env.storage.get_session(COORD)
    assert row is not None and row.step == "groups.new.audience"
    assert row.draft is not None and b"Parents together" not in row.draft
    await env.restart()
    # Typing where a button is wanted asks the same question again.
    await coord.send("parents please")
    assert coord.last_text() == "Who is the group for?"
    await coord.click("Parents", exact=True)
    # A button from a question already answered is stale, and changes nothing.
    before = coord.mark()
    old_message, old_audience = coord.find_button("All carers", exact=True)
    await coord.press(old_audience, old_message)
    assert coord.mark() == before
    assert "closed" in env.fake.calls_to("answerCallbackQuery")[-1].params["text"]
    await coord.click("Online", exact=True)
    await coord.send("https://meet.example.org/parents")
    await coord.click("Every week", exact=True)
    await coord.send("10th March")
    await coord.send("6pm to 7.30pm")
    await coord.send("Jo")
    await coord.send("12")
    assert "Capacity: 12" in coord.last_text() and "For: Parents" in coord.last_text()
    summary, save = coord.find_button("Save the group")
    await coord.press(save, summary)
    (group,) = await env.storage.list_groups()
    assert (group.name, group.audience, group.capacity) == ("Parents together", "carers_parent", 12)
    assert (group.schedule.minutes, group.schedule.duration) == (18 * 60, 90)
    assert await env.storage.get_session(COORD) is None
    # Saving twice (an old Save button) adds nothing.
    await coord.press(save, summary)
    assert "closed" in env.fake.calls_to("answerCallbackQuery")[-1].params["text"]
    assert len(await env.storage.list_groups()) == 1


async def test_cancel_stops_the_wizard_and_edits_check_what_is_typed(env: BotEnv) -> None:
    coord = await as_coordinator(env)
    await coord.send("/groups")
    await coord.click("Add a new group")
    await coord.send("Half a group")
    await coord.send("/cancel")
    assert "we've stopped there" in coord.last_text()
    assert await env.storage.get_session(COORD) is None
    await coord.send("Not a description")  # no longer an answer to anything
    assert await env.storage.list_groups() == []

    # Another command part-way through says what became of the draft, then answers.
    await coord.send("/groups")
    await coord.click("Add a new group")
    await coord.send("Half a group")
    mark = coord.mark()
    await coord.send("/menu")
    said = coord.texts_since(mark)
    assert said[0].startswith("I've stopped setting up the new group, so it wasn't saved.")
    assert len(said) == 2  # and then the menu
    assert await env.storage.get_session(COORD) is None
    # Changing one answer of a saved group loses nothing else: no word about it.

    await create_group(coord, "Parents together", "Parents")
    await coord.send("/groups")
    await coord.click("Parents together")
    await coord.click("Edit details")
    await coord.click("Time")
    await coord.send("18:00-17:00")
    assert "the end time should be after the start" in coord.last_text()
    await coord.send("7pm")
    assert "Saved." in coord.last_text() and "19:00" in coord.last_text()
    await coord.click("Edit details")
    await coord.click("Link or address")
    await coord.send("not a link")
    assert "should start with https://" in coord.last_text()
    await coord.click("Stop, don't save")
    await coord.send("/groups")
    await coord.click("Parents together")
    await coord.click("Edit details")
    await coord.click("Time")
    mark = coord.mark()
    await coord.send("/menu")
    assert not any("I've stopped" in t for t in coord.texts_since(mark))
    (group,) = await env.storage.list_groups()
    assert group.place == "https://meet.example.org/parents"
    assert group.schedule.minutes == 19 * 60


def buttons(client: Client) -> list[str]:
    return [b["text"] for b in client.last().buttons()]


async def test_the_wizard_has_back_everywhere_and_a_summary_to_change_before_saving(
    env: BotEnv,
) -> None:
    coord = await as_coordinator(env)
    await coord.send("/groups")
    await coord.click("Add a new group")
    # Back from the first question goes back to the groups, saving nothing.
    assert "Back" in buttons(coord)
    await coord.click("Back")
    assert "There are no groups yet" in coord.last_text()
    assert await env.storage.get_session(COORD) is None

    await coord.click("Add a new group")
    await coord.send("Parents together")
    await coord.send("For parents.")
    assert "Who is the group for" in coord.last_text() and "Back" in buttons(coord)
    await coord.click("Back")  # to the description, which can be written again
    assert "Describe the group" in coord.last_text()
    await coord.send("A relaxed space for parents to talk and listen.")
    await coord.click("Parents", exact=True)
    await coord.click("Online", exact=True)
    await coord.send("https://meet.example.org/parents")
    await coord.click("Every week", exact=True)
    await coord.send("2026-03-10")
    assert "What time does it start" in coord.last_text()
    for question in ("What time does it start", "What is the date of the first meeting"):
        assert question in coord.last_text() and "Back" in buttons(coord)
        if question.startswith("What time"):
            await coord.click("Back")
    await coord.send("2026-03-10")
    await coord.send("18:00-19:30")
    assert "Back" in buttons(coord)
    await coord.send("Jo")
    assert "Back" in buttons(coord) and "No limit" in buttons(coord)
    await coord.click("No limit")
    summary = coord.last_text()
    assert "Save it?" in summary and "Parents together" in summary
    assert "Members see who's coming: no" in summary

    # Change one answer from the summary: that question alone, then the summary again.
    await coord.click("Change the name")
    assert "What is the group called" in coord.last_text()
    await coord.send("Parents evening")
    assert "Save it?" in coord.last_text() and "Parents evening" in coord.last_text()
    # Back from a changed question returns to the summary, unchanged.
    await coord.click("Change the time")
    await coord.click("Back")
    assert "Save it?" in coord.last_text() and "18:00–19:30" in coord.last_text()
    # A new format asks for an address instead of the link.
    await coord.click("Online or in person")
    await coord.click("In person", exact=True)
    assert "What is the address" in coord.last_text()
    await coord.send("12 High St, Wollongong")
    assert "In person: 12 High St, Wollongong" in coord.last_text()
    await coord.click("Change how often")
    await coord.click("On set dates", exact=True)
    assert "Save it?" in coord.last_text() and "On Tue 10 Mar" in coord.last_text()
    await coord.click("Members see who's coming: no")
    assert "Members see who's coming: yes" in coord.last_text()
    # Back from the summary is the last question.
    await coord.click("Back")
    assert "How many places" in coord.last_text()
    await coord.send("8")
    await coord.click("Save the group")
    (group,) = await env.storage.list_groups()
    assert (
        group.name,
        group.format,
        group.place,
        group.schedule.kind,
        group.capacity,
        group.members_visible,
    ) == ("Parents evening", "in_person", "12 High St, Wollongong", "once", 8, True)

    # Changing one detail later has Back too: to the list of details, nothing changed.
    await coord.send("/groups")
    await coord.click("Parents evening")
    await coord.click("Edit details")
    await coord.click("Name")
    assert "Back" in buttons(coord)
    await coord.click("Back")
    assert "What would you like to change" in coord.last_text()
    assert await env.storage.get_session(COORD) is None
    env.assert_clean()
