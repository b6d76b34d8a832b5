"""Group use cases over the real storage, without a bot: what each one changes, what it
refuses, and the events it publishes for bot/app.py's table."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.groups import Group, Schedule
from bot.services import groups
from bot.services.events import Collector
from bot.storage import User
from tests.harness import BotEnv

SYD = ZoneInfo("Australia/Sydney")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def people(env: BotEnv, *rows: tuple[int, str, str | None]) -> list[User]:
    """Consented people (id, role, relationship), stored directly."""
    ts = int(NOW.timestamp())
    await env.storage.executemany(
        "INSERT INTO users (user_id, consent, consent_at, role, relationship, region, timezone, "
        "created_at, updated_at) VALUES (?, 'given', ?, ?, ?, 'AU', 'Australia/Sydney', ?, ?)",
        [(uid, ts, role, rel, ts, ts) for uid, role, rel in rows],
    )
    found = [await env.storage.get_user(uid) for uid, _, _ in rows]
    assert all(found)
    return found  # type: ignore[return-value]


async def a_group(env: BotEnv, audience: str = "carers", capacity: int | None = 1) -> int:
    group = Group(
        0,
        "Carers circle",
        "For carers.",
        audience,
        "online",
        "https://x.example",
        Schedule("weekly", date(2026, 3, 10), 18 * 60),
        "Jo",
        capacity,
    )
    return await groups.create_group(env.storage, group, NOW)


async def test_joining_leaving_and_the_waitlist(env: BotEnv) -> None:
    gid = await a_group(env)
    pat, sam, ali = await people(
        env, (1, "carer", "parent"), (2, "carer", "sibling"), (3, "consumer", None)
    )
    events = Collector()
    with pytest.raises(groups.GroupGone):  # not a group for people living with BPD
        await groups.join(env.storage, events, ali, gid, NOW)
    with pytest.raises(groups.GroupGone):
        await groups.join(env.storage, events, pat, 999, NOW)
    assert (await groups.join(env.storage, events, pat, gid, NOW)).status == "member"
    waiting = await groups.join(env.storage, events, sam, gid, NOW)
    assert (waiting.status, waiting.position) == ("waiting", 1)
    assert (await groups.join(env.storage, events, pat, gid, NOW)).status == "already"
    assert events.events == [groups.MemberJoined(gid, 1)]

    events = Collector()
    await groups.leave(env.storage, events, pat, gid, NOW)
    assert events.events == [groups.MemberLeft(gid, 1), groups.PlaceOffered(gid, 2)]
    seen = await groups.standing(env.storage, sam, gid)
    assert seen.member and seen.counts == (1, 0)
    assert [n.kind for n in await env.storage.pending_notices()] == ["promoted"]


async def test_more_places_and_an_erased_member_fill_from_the_waitlist(env: BotEnv) -> None:
    gid = await a_group(env)
    a, b, c = await people(env, (1, "carer", None), (2, "carer", None), (3, "carer", None))
    for person in (a, b, c):
        await groups.join(env.storage, Collector(), person, gid, NOW)
    events = Collector()
    edited = await groups.edit_group(env.storage, events, gid, {"capacity": 2}, NOW)
    assert edited.capacity == 2 and events.events == [groups.PlaceOffered(gid, 2)]
    await env.storage.delete_user(1)  # what /delete does to the rows
    events = Collector()
    assert await groups.fill_all_places(env.storage, events, NOW) == 1
    assert events.events == [groups.PlaceOffered(gid, 3)]


async def test_cancelling_a_meeting_and_retiring(env: BotEnv) -> None:
    gid = await a_group(env, capacity=None)
    (pat,) = await people(env, (1, "carer", "parent"))
    await groups.join(env.storage, Collector(), pat, gid, NOW)
    _, start, members = await groups.meeting_to_cancel(env.storage, gid, "2026-03-17", SYD, NOW)
    assert start == datetime(2026, 3, 17, 7, 0, tzinfo=UTC) and members == 1
    events = Collector()
    assert await groups.cancel_meeting(env.storage, events, gid, "2026-03-17", SYD, NOW) == 1
    assert await groups.cancel_meeting(env.storage, events, gid, "2026-03-17", SYD, NOW) == 0
    assert events.events == [groups.MeetingCancelled(gid, "2026-03-17", 1)]
    for not_a_meeting in ("2026-03-18", "2026-03-03"):  # not its weekday; already past
        with pytest.raises(groups.GroupGone):
            await groups.cancel_meeting(env.storage, events, gid, not_a_meeting, SYD, NOW)
    with pytest.raises(groups.GroupGone):  # cancelled already: not offered again
        await groups.meeting_to_cancel(env.storage, gid, "2026-03-17", SYD, NOW)

    events = Collector()
    assert await groups.retire_group(env.storage, events, gid, NOW) == 1
    assert events.events == [groups.GroupRetired(gid, 1)]
    for again in (
        groups.retire_group(env.storage, events, gid, NOW),
        groups.standing(env.storage, pat, gid),
    ):
        with pytest.raises(groups.GroupGone):
            await again


async def test_the_directory_filters(env: BotEnv) -> None:
    await a_group(env, audience="carers_parent")
    (pat, sam) = await people(env, (1, "carer", "parent"), (2, "carer", "partner"))
    assert len((await groups.directory(env.storage, pat, "any", -1, SYD, NOW)).groups) == 1
    assert (await groups.directory(env.storage, sam, "any", -1, SYD, NOW)).groups == []
    tuesday = await groups.directory(env.storage, pat, "online", 1, SYD, NOW)
    assert len(tuesday.groups) == 1 and tuesday.filtered
    assert (await groups.directory(env.storage, pat, "in_person", -1, SYD, NOW)).groups == []
    assert (await groups.directory(env.storage, pat, "any", 2, SYD, NOW)).groups == []


async def test_answers_for_a_meeting(env: BotEnv) -> None:
    gid = await a_group(env, capacity=None)
    pat, sam, ola = await people(
        env, (1, "carer", "parent"), (2, "carer", None), (3, "carer", None)
    )
    for person in (pat, sam):
        await groups.join(env.storage, Collector(), person, gid, NOW)
    events = Collector()
    answered = await groups.answer_meeting(
        env.storage, events, pat, gid, "2026-03-10", "yes", SYD, NOW
    )
    assert answered.changed and answered.start == datetime(2026, 3, 10, 7, 0, tzinfo=UTC)
    again = await groups.answer_meeting(
        env.storage, events, pat, gid, "2026-03-10", "yes", SYD, NOW
    )
    assert not again.changed  # pressing twice records once
    assert events.events == [groups.MeetingAnswered(gid, "2026-03-10", 1, "yes")]
    await groups.answer_meeting(env.storage, Collector(), sam, gid, "2026-03-10", "no", SYD, NOW)
    with pytest.raises(groups.GroupGone):  # not a member
        await groups.answer_meeting(env.storage, events, ola, gid, "2026-03-10", "yes", SYD, NOW)
    with pytest.raises(groups.GroupGone):  # not one of its meetings
        await groups.answer_meeting(env.storage, events, pat, gid, "2026-03-11", "yes", SYD, NOW)
    with pytest.raises(groups.AnswerClosed):  # it has started
        await groups.answer_meeting(
            env.storage,
            events,
            pat,
            gid,
            "2026-03-10",
            "no",
            SYD,
            datetime(2026, 3, 10, 7, 0, tzinfo=UTC),
        )
    await groups.cancel_meeting(env.storage, Collector(), gid, "2026-03-17", SYD, NOW)
    with pytest.raises(groups.AnswerClosed) as closed:  # cancelled
        await groups.answer_meeting(env.storage, events, pat, gid, "2026-03-17", "yes", SYD, NOW)
    assert closed.value.key == "groups.answer_cancelled"

    group = await groups.active_group(env.storage, gid)
    plans = await groups.meeting_plans(env.storage, group, SYD, NOW)
    assert [(p.occurrence, p.said_yes, p.said_no, p.names) for p in plans] == [
        ("2026-03-10", 1, 1, None),
        ("2026-03-24", 0, 0, None),
        ("2026-03-31", 0, 0, None),
    ]
    shown = await groups.edit_group(env.storage, Collector(), gid, {"members_visible": True}, NOW)
    assert (await groups.meeting_plans(env.storage, shown, SYD, NOW))[0].names == (None,)
    seen = await groups.standing(env.storage, pat, gid, SYD, NOW)
    assert seen.next_meeting is not None and seen.next_meeting[0] == "2026-03-10"
    assert (seen.answer, seen.coming) == ("yes", (None,))

    # Counted when it starts, then forgotten; counted once however often the job runs.
    started = datetime(2026, 3, 10, 7, 5, tzinfo=UTC)
    assert await groups.count_held_meetings(env.storage, SYD, started) == 1
    assert await groups.count_held_meetings(env.storage, SYD, started) == 0
    attendance = await env.storage.meeting_attendance(NOW, datetime(2026, 4, 1, tzinfo=UTC))
    (held,) = attendance.meetings
    assert (held.members, held.said_yes, held.said_no, held.no_answer) == (2, 1, 1, 0)
    last = await env.storage.last_held(gid)
    assert last == held
