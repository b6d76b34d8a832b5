"""A member's answer for each meeting, through the fake Bot API: I'll be there / Can't make
it on reminders and on the group's details, changed until the meeting starts and recorded
once however often it is pressed; the coordinator sees the numbers (names only when the
group lets members see each other); and once a meeting starts its counts are kept for the
service's evaluation while the answers themselves are forgotten."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.callbacks import pack
from flows.groups.callbacks import Answer
from tests.harness import BotEnv, Client, SentMessage, onboard
from tests.test_groups_flow import as_coordinator, create_group

FIRST = "2026-03-10"  # Tuesday; 18:00 in Sydney is 07:00 UTC
DAY_BEFORE = datetime(2026, 3, 9, 7, 0, tzinfo=UTC)
STARTED = datetime(2026, 3, 10, 7, 1, tzinfo=UTC)


def last_alert(env: BotEnv) -> str:
    return str(env.fake.calls_to("answerCallbackQuery")[-1].params.get("text", ""))


def reminder_of(client: Client) -> SentMessage:
    return next(m for m in reversed(client.messages) if "meets tomorrow" in m.plain)


async def members(env: BotEnv, coord: Client) -> tuple[Client, Client, int]:
    await create_group(coord, "Parents together", "Parents")
    pat, sam = env.client(1, "Pat"), env.client(2, "Sam")
    await onboard(pat, "carer", relationship="parent", alias="Pat")
    await onboard(sam, "carer", relationship="parent")  # chose no name
    for person in (pat, sam):
        await person.send("/groups")
        await person.click("Parents together")
        await person.click("Join this group")
    (group,) = await env.storage.list_groups()
    return pat, sam, group.group_id


async def card_text(coord: Client) -> str:
    await coord.send("/groups")
    await coord.click("Parents together")
    return coord.last_text()


async def test_answers_on_reminders_counts_for_the_coordinator_and_attendance(env: BotEnv) -> None:
    coord = await as_coordinator(env)
    pat, sam, gid = await members(env, coord)

    env.clock.set(DAY_BEFORE)
    await env.run_job("tick:groups")
    reminder = reminder_of(pat)
    assert "Will you be there?" in reminder.plain
    assert [b["text"] for b in reminder.buttons()] == ["I'll be there", "Can't make it"]

    # Pat says yes: the reminder itself now says so, with the answer ticked.
    await pat.click("I'll be there")
    reminder = next(m for m in pat.messages if m.message_id == reminder.message_id)
    assert "You've said you'll be there" in reminder.plain
    assert [b["text"] for b in reminder.buttons()] == ["✓ I'll be there", "Can't make it"]
    # Pressing twice records once.
    await pat.click("I'll be there")
    answers = (await env.storage.answers_for(gid, (FIRST,)))[FIRST]
    assert (answers.said_yes, answers.said_no) == (1, 0)

    await sam.click("Can't make it")
    assert "You've said you can't make it" in reminder_of(sam).plain
    card = await card_text(coord)
    assert "• Tue 10 Mar, 18:00–19:30: 1 coming, 1 can't make it" in card
    assert "Pat" not in card  # numbers only: this group keeps members' names private

    # Sam changes their mind before the meeting.
    await sam.click("I'll be there")
    answers = (await env.storage.answers_for(gid, (FIRST,)))[FIRST]
    assert (answers.said_yes, answers.said_no) == (2, 0)

    # Once the meeting has started, answers are closed: the press changes nothing.
    env.clock.set(STARTED)
    await pat.click("Can't make it")
    assert "answers for it are closed" in last_alert(env)
    answers = (await env.storage.answers_for(gid, (FIRST,)))[FIRST]
    assert (answers.said_yes, answers.said_no) == (2, 0)

    # The groups job counts the meeting and forgets who answered what.
    await env.run_job("tick:groups")
    held = await env.storage.meeting_attendance(
        datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)
    )
    assert held.meetings_held == 1
    (meeting,) = held.meetings
    assert (
        meeting.group_id,
        meeting.occurrence,
        meeting.members,
        meeting.said_yes,
        meeting.said_no,
        meeting.no_answer,
    ) == (gid, FIRST, 2, 2, 0, 0)
    assert await env.storage.fetchval("SELECT COUNT(*) FROM group_rsvps") == 0
    await env.run_job("tick:groups")  # counted once
    assert (
        await env.storage.meeting_attendance(
            datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)
        )
    ).meetings_held == 1
    assert "Last meeting, Tue 10 Mar: 2 had said they'd come, of 2 members." in await card_text(
        coord
    )

    # A cancelled meeting never counts as held; the one after it does.
    await coord.click("Cancel one meeting")
    await coord.click("Tue 17 Mar")
    await coord.click("Yes, cancel that meeting")
    env.clock.set(datetime(2026, 3, 24, 8, 0, tzinfo=UTC))
    await env.run_job("tick:groups")
    held = await env.storage.meeting_attendance(
        datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)
    )
    assert [m.occurrence for m in held.meetings] == [FIRST, "2026-03-24"]
    assert held.meetings_held == 2 and held.meetings[1].no_answer == 2
    only_march_24 = await env.storage.meeting_attendance(
        datetime(2026, 3, 20, tzinfo=UTC), datetime(2026, 3, 25, tzinfo=UTC)
    )
    assert only_march_24.meetings_held == 1
    env.assert_clean()


async def test_answers_on_the_details_and_names_only_when_members_see_each_other(
    env: BotEnv,
) -> None:
    coord = await as_coordinator(env)
    pat, sam, gid = await members(env, coord)

    await pat.send("/groups")
    await pat.click("Parents together")
    assert "Will you be at the next meeting?" in pat.last_text()
    await pat.click("I'll be there")
    assert "You've said you'll be there" in pat.last_text()
    assert "Coming:" not in pat.last_text()  # private by default

    # The coordinator lets members see each other.
    await coord.send("/groups")
    await coord.click("Parents together")
    assert "Members see who's coming: no" in coord.last_text()
    await coord.click("Edit details")
    await coord.click("Members see who's coming: no")
    assert "Saved." in coord.last_text() and "Members see who's coming: yes" in coord.last_text()
    group = await env.storage.get_group(gid)
    assert group is not None and group.members_visible

    await sam.send("/groups")
    await sam.click("Parents together")
    assert "Coming: Pat" in sam.last_text()
    await sam.click("I'll be there")
    assert "Coming: Pat and 1 other" in sam.last_text()
    card = await card_text(coord)
    assert "2 coming, 0 can't make it" in card and "Coming: Pat and 1 other" in card

    # Leaving takes back an answer.
    await sam.click("Leave this group")
    answers = (await env.storage.answers_for(gid, (FIRST,)))[FIRST]
    assert (answers.said_yes, answers.said_no) == (1, 0)
    assert await env.storage.fetchval("SELECT COUNT(*) FROM group_rsvps WHERE user_id = 2") == 0
    env.assert_clean()


async def test_answers_only_from_members_for_real_meetings(env: BotEnv) -> None:
    coord = await as_coordinator(env)
    _pat, _sam, gid = await members(env, coord)
    outsider = env.client(3, "Ola")
    await onboard(outsider, "carer", relationship="parent")
    for forged in (
        Answer(gid, 20260310, "yes", "day"),  # not a member
        Answer(gid, 20260311, "yes", "day"),
    ):  # a member, but no meeting that day
        before = outsider.mark()
        await outsider.press(pack(forged))
        assert outsider.mark() == before
        assert "closed" in last_alert(env)
    pat = env.client(1, "Pat")
    await pat.press(pack(Answer(gid, 20260311, "yes", "day")))
    assert "closed" in last_alert(env)
    assert await env.storage.fetchval("SELECT COUNT(*) FROM group_rsvps") == 0
    env.assert_clean()
