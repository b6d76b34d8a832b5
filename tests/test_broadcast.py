"""Broadcasts through the fake Bot API: the coordinator's steps, 1,000 recipients with 429s
and blocked chats, a restart in the middle, cancelling, photos, and the pure rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from telegram.error import TimedOut

from bot.callbacks import pack
from bot.domain.broadcast import (
    audience_roles,
    format_count,
    outcome_for_error,
    progress_due,
    report_from_counts,
)
from flows.broadcast.callbacks import PickAudience, StopSending
from tests.harness import AGREE, BotEnv, Client, onboard, onboard_coordinator

COORD = 900
TEXT = "The carers' evening moves to Thursday this week. Same time, same place."


@pytest.fixture(autouse=True)
def _timedelta_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    # PTB 22 warns when RetryAfter.retry_after is read as an int; opting in to timedelta is
    # what PTB asks for, and keeps filterwarnings=error happy when a 429 is raised.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


async def as_coordinator(env: BotEnv) -> Client:
    coord = env.client(COORD, "Casey")
    await coord.send("/start")
    await coord.click(AGREE)
    await coord.click("Skip")
    return coord


async def add_people(env: BotEnv, first: int, count: int, role: str) -> list[int]:
    """COUNT consented people with ROLE, stored directly (onboarding is tested elsewhere)."""
    ids = list(range(first, first + count))
    now = env.clock.now()
    await env.storage.executemany(
        "INSERT INTO users (user_id, consent, consent_at, role, relationship, region, timezone, "
        "created_at, updated_at) VALUES (?, 'given', ?, ?, ?, 'AU', 'Australia/Sydney', ?, ?)",
        [
            (
                uid,
                int(now.timestamp()),
                role,
                "parent" if role == "carer" else None,
                int(now.timestamp()),
                int(now.timestamp()),
            )
            for uid in ids
        ],
    )
    return ids


async def start_broadcast(coord: Client, audience: str, text: str = TEXT) -> None:
    await coord.send("/broadcast")
    await coord.click(audience)
    await coord.send(text)


def received(env: BotEnv, uid: int, text: str = TEXT) -> int:
    return sum(
        1 for m in env.fake.messages(uid) if "carers' evening" in m.plain and text[:20] in m.plain
    )


def sender(env: BotEnv) -> Any:
    assert env.app is not None
    return env.app.bot_data["broadcast_sender"]


async def test_coordinator_broadcast_steps(env: BotEnv) -> None:
    coord = await as_coordinator(env)
    carers = [env.client(710000 + i, f"C{i}") for i in range(3)]
    for person in carers:
        await onboard(person, "carer", relationship="partner")
    consumer = env.client(720001, "Ali")
    await onboard(consumer, "consumer")

    await start_broadcast(coord, "All carers")
    texts = coord.texts()
    assert "Here's how it will look" in texts[-3]
    assert TEXT in texts[-2]
    assert "This will go to 3 people" in texts[-1]
    await coord.click("Change the text")
    await coord.send(TEXT + " <b>Bring a friend</b> & a snack.")
    assert "&lt;b&gt;" not in coord.texts()[-2]  # shown as typed: escaped, not markup
    assert "<b>Bring a friend</b> & a snack." in coord.texts()[-2]
    await coord.click("Send to 3 people")
    assert "Sending… 0 of 3" in coord.last_text()
    assert coord.last().params.get("parse_mode") in (None, "HTML")
    assert [b["text"] for b in coord.last().buttons()] == ["Stop sending"]
    # Nothing goes out until the job runs; the outbox is written first.
    counts = await env.storage.outbox_counts(1)
    assert counts == {"pending": 3}
    assert all(received(env, p.user_id) == 0 for p in carers)

    env.clock.advance(seconds=3)
    await env.run_job("tick:broadcast")
    assert all(received(env, p.user_id) == 1 for p in carers)
    assert received(env, consumer.user_id) == 0
    report = coord.last_text()
    assert "finished sending" in report and "Delivered: 3" in report and "Total: 3" in report
    progress = [m for m in coord.messages if m.plain.startswith("Finished")]
    assert progress and progress[0].plain == "Finished: 3 of 3."
    assert not progress[0].buttons()
    # Running again sends nothing more.
    await env.run_job("tick:broadcast")
    assert all(received(env, p.user_id) == 1 for p in carers)

    # Only coordinators may broadcast, or press its buttons.
    await consumer.send("/broadcast")
    assert "isn't available for your role" in consumer.last_text()
    before = consumer.mark()
    await consumer.press(pack(StopSending(1)))
    assert consumer.mark() == before
    assert "closed" in env.fake.calls_to("answerCallbackQuery")[-1].params["text"]
    broadcast = await env.storage.get_broadcast(1)
    assert broadcast is not None and broadcast.status == "done"


async def test_thousand_recipients_with_429_blocked_and_restart(env: BotEnv) -> None:
    coord = await as_coordinator(env)
    people = await add_people(env, 800_000, 1000, "carer")
    await add_people(env, 900_000, 5, "consumer")
    blocked = {uid for uid in people if uid % 23 == 0}
    env.fake.blocked |= blocked
    flooded: set[int] = set()

    def flood_once(method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        chat = int(params.get("chat_id", 0))
        if (
            method == "sendMessage"
            and chat % 17 == 0
            and chat not in flooded
            and chat in set(people)
        ):
            flooded.add(chat)
            return 429, {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 0.001",
                "parameters": {"retry_after": 0.001},
            }
        return None

    env.fake.interceptor = flood_once
    await start_broadcast(coord, "All carers")
    assert "This will go to 1,000 people" in coord.last_text()
    await coord.click("Send to 1,000 people")

    # Part of the outbox goes out, then the bot restarts (only the database survives).
    env.clock.advance(seconds=3)
    done = await sender(env).run(env.app, limit=400)
    assert done == 400
    assert "Sending… 400 of 1,000 (40%)" in coord.messages[-1].plain
    first_part = {uid for uid in people if received(env, uid)}
    assert len(first_part) == 400 - len(blocked & set(people[:400]))
    await env.restart()
    env.clock.advance(seconds=3)
    await env.run_job("tick:broadcast")

    for uid in people:
        assert received(env, uid) == (0 if uid in blocked else 1), uid
    assert flooded  # some sends really were answered 429 and retried
    report = coord.last_text()
    delivered, n_blocked = 1000 - len(blocked), len(blocked)
    assert f"Delivered: {format_count(delivered)}" in report
    assert f"Blocked the bot: {n_blocked}" in report
    assert "Couldn't be delivered: 0" in report and "Total: 1,000" in report
    counts = await env.storage.outbox_counts(1)
    assert counts == {"delivered": delivered, "blocked": n_blocked}
    # Blocked people are inactive now and left out of the next broadcast.
    user = await env.storage.get_user(min(blocked))
    assert user is not None and not user.active
    env.fake.interceptor = None
    await start_broadcast(coord, "All carers", TEXT + " Again.")
    assert f"This will go to {format_count(delivered)} people" in coord.last_text()


async def test_rows_claimed_before_a_crash_are_sent_once(env: BotEnv) -> None:
    coord = await as_coordinator(env)
    people = await add_people(env, 810_000, 50, "consumer")
    await start_broadcast(coord, "All people living with BPD")
    await coord.click("Send to 50 people")
    # A crash right after claiming rows, before any of them was sent.
    claimed = await env.storage.claim_outbox(1, 20, env.clock.now())
    assert len(claimed) == 20
    await env.restart()
    await env.run_job("tick:broadcast")
    assert [received(env, uid) for uid in people] == [1] * 50
    assert await env.storage.outbox_counts(1) == {"delivered": 50}


async def test_a_send_that_never_left_is_tried_again_and_one_that_may_have_is_not(
    env: BotEnv,
) -> None:
    """A connect timeout means the request never reached Telegram: the row goes back and is
    sent. A read timeout may have reached Telegram: not sent again, counted as failed."""
    coord = await as_coordinator(env)
    people = await add_people(env, 820_000, 10, "consumer")
    never, maybe = people[2], people[5]
    tried: set[int] = set()

    def timeouts(method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        chat = int(params.get("chat_id", 0))
        if method == "sendMessage" and chat in (never, maybe) and chat not in tried:
            tried.add(chat)
            if chat == never:
                raise TimedOut() from httpx.ConnectTimeout("no connection")
            raise TimedOut() from httpx.ReadTimeout("no answer")
        return None

    env.fake.interceptor = timeouts
    await start_broadcast(coord, "All people living with BPD")
    await coord.click("Send to 10 people")
    env.clock.advance(seconds=3)
    await env.run_job("tick:broadcast")
    assert tried == {never, maybe}
    assert received(env, never) == 1 and received(env, maybe) == 0
    assert await env.storage.outbox_counts(1) == {"delivered": 9, "failed": 1}


async def test_cancel_midway_reports_what_was_not_sent(env: BotEnv) -> None:
    coord = await as_coordinator(env)
    people = await add_people(env, 820_000, 100, "carer")
    await start_broadcast(coord, "All carers")
    await coord.click("Send to 100 people")
    await sender(env).run(env.app, limit=30)
    await coord.click("Stop sending")
    report = coord.last_text()
    assert report.startswith("You stopped your announcement.")
    assert "Delivered: 30" in report and "Not sent because it was stopped: 70" in report
    progress = [m for m in coord.messages if m.plain.startswith("Stopped:")]
    assert progress and progress[0].plain == "Stopped: 30 of 100 delivered."
    assert not progress[0].buttons()
    await env.run_job("tick:broadcast")
    assert sum(received(env, uid) for uid in people) == 30
    stale_message, data = (
        coord.find_button("Stop sending")
        if any(m.buttons() for m in coord.messages if "Sending" in m.plain)
        else (None, pack(StopSending(1)))
    )
    await coord.press(data, stale_message)
    assert sum(received(env, uid) for uid in people) == 30


async def test_photo_broadcast_to_group_members(env: BotEnv) -> None:
    coord = await as_coordinator(env)
    from tests.test_groups_flow import create_group

    await create_group(coord, "Parents together", "Parents")
    members = [env.client(830_000 + i, "P") for i in range(2)]
    for person in members:
        await onboard(person, "carer", relationship="parent")
        await person.send("/groups")
        await person.click("Parents together")
        await person.click("Join this group")
    outsider = env.client(830_100, "O")
    await onboard(outsider, "carer", relationship="parent")

    await coord.send("/broadcast")
    await coord.click("Members of one group")
    await coord.click("Parents together")
    assert "members of Parents together" in coord.last_text()
    await coord.send_photo("Photos from last week's picnic, shared with everyone's OK.")
    assert "This will go to 2 people" in coord.last_text()
    await coord.click("Send to 2 people")
    await env.run_job("tick:broadcast")
    for person in members:
        photos = [m for m in person.messages if m.method == "sendPhoto"]
        assert len(photos) == 1 and "picnic" in photos[0].plain
        # which group it is about, for someone in more than one
        assert photos[0].plain.splitlines()[0].endswith("· Parents together")
    assert not [m for m in outsider.messages if m.method == "sendPhoto"]


def test_pure_rules() -> None:
    assert audience_roles("peers") == ("consumer_peer", "carer_peer")
    assert audience_roles("group") == ()
    with pytest.raises(ValueError, match="unknown audience"):
        audience_roles("everyone")
    assert format_count(1240) == "1,240"
    now = datetime(2026, 3, 2, tzinfo=UTC)
    assert progress_due(None, now)
    assert not progress_due(now - timedelta(seconds=1), now)
    assert progress_due(now - timedelta(seconds=2), now)
    report = report_from_counts({"delivered": 5, "blocked": 2, "failed": 1, "pending": 2})
    assert (report.total, report.done, report.waiting, report.percent) == (10, 8, 2, 80)
    assert report.adds_up
    assert not report_from_counts({"delivered": 5}, total=6).adds_up
    assert outcome_for_error("blocked", 1) == "blocked"
    assert outcome_for_error("flood", 1) == "pending"
    assert outcome_for_error("flood", 3) == "failed"
    assert outcome_for_error("timeout", 1) == "failed"  # may have arrived: never resent
    assert outcome_for_error("network", 2) == "pending"


async def test_the_draft_survives_a_restart_and_presses_belong_to_their_step(env: BotEnv) -> None:
    coord = await as_coordinator(env)
    await add_people(env, 840_000, 3, "carer")
    await coord.send("/broadcast")
    await coord.click("All carers")
    await coord.send_sticker()
    assert "That needs to be some text" in coord.last_text()
    await coord.send(TEXT)
    row = await env.storage.get_session(COORD)
    assert row is not None and row.step == "broadcast.preview"
    assert row.draft is not None and b"carers' evening" not in row.draft  # encrypted
    await env.restart()
    # An audience button belongs to a step already answered: stale, nothing changes.
    await coord.press(pack(PickAudience("peers")))
    assert "closed" in env.fake.calls_to("answerCallbackQuery")[-1].params["text"]
    assert (await env.storage.get_session(COORD)) == row
    preview, send = coord.find_button("Send to 3 people")
    await coord.press(send, preview)
    assert "Sending to 3 people now" in coord.texts()[-2]
    # Send again from the same preview: already sent, so nothing more is written.
    await coord.press(send, preview)
    assert "closed" in env.fake.calls_to("answerCallbackQuery")[-1].params["text"]
    assert await env.storage.outbox_counts(1) == {"pending": 3}
    assert await env.storage.get_broadcast(2) is None


async def test_any_coordinator_may_stop_a_broadcast_and_its_author_is_told_who(
    tmp_path: Path,
) -> None:
    env = await BotEnv.create(tmp_path, coordinators=(COORD, 901))
    try:
        casey, dana = env.client(COORD, "Casey"), env.client(901, "Dana")
        await onboard_coordinator(casey, alias="Casey")
        await onboard_coordinator(dana, alias="Dana")
        people = await add_people(env, 850_000, 5, "consumer")
        await start_broadcast(casey, "All people living with BPD")
        await casey.click("Send to 5 people")
        # Dana opens /broadcast: what is being sent now comes first, with a Stop button.
        await dana.send("/broadcast")
        listing = dana.messages[-2]
        assert "Being sent now" in listing.plain and "from Casey: 0 of 5" in listing.plain
        assert "Who should this announcement go to?" in dana.last_text()
        await dana.click("Stop “The carers' evening")
        broadcast = await env.storage.get_broadcast(1)
        assert broadcast is not None and broadcast.status == "cancelled"
        assert broadcast.stopped_by == 901
        report = casey.last_text()
        assert report.startswith("Dana stopped your announcement.")
        assert "Not sent because it was stopped: 5" in report
        assert dana.last_text().startswith(
            "The announcement you stopped has ended. It was written by Casey."
        )
        progress = [m for m in casey.messages if m.plain.startswith("Stopped:")]
        assert progress and not progress[0].buttons()
        await env.run_job("tick:broadcast")
        assert sum(received(env, uid) for uid in people) == 0
        # Pressed again: it has already finished. A made-up broadcast: stale.
        await dana.press(pack(StopSending(1)))
        assert "already finished" in env.fake.calls_to("answerCallbackQuery")[-1].params["text"]
        before = dana.mark()
        await dana.press(pack(StopSending(99)))
        assert dana.mark() == before
        assert "closed" in env.fake.calls_to("answerCallbackQuery")[-1].params["text"]
    finally:
        await env.stop()
    env.assert_clean()


async def test_a_broadcast_outlives_its_authors_erasure(env: BotEnv) -> None:
    coord = await as_coordinator(env)
    people = await add_people(env, 860_000, 100, "carer")
    await start_broadcast(coord, "All carers")
    await coord.click("Send to 100 people")
    await sender(env).run(env.app, limit=30)
    await coord.send("/delete")
    await coord.click("Yes, erase everything")
    assert await env.user_ids_in_tables(COORD) == {}
    await env.run_job("tick:broadcast")
    assert [received(env, uid) for uid in people] == [1] * 100
    broadcast = await env.storage.get_broadcast(1)
    assert broadcast is not None and broadcast.status == "done"
    assert broadcast.created_by is None
    assert await env.storage.outbox_counts(1) == {"delivered": 100}
    env.assert_clean()


async def test_mydata_shows_the_broadcasts_a_coordinator_wrote(env: BotEnv) -> None:
    coord = await as_coordinator(env)
    await add_people(env, 865_000, 2, "carer")
    await start_broadcast(coord, "All carers")
    await coord.click("Send to 2 people")
    flow = next(f for f in env.app.bot_data["flows"] if f.name == "broadcast")
    mine = (await flow.export(COORD))["broadcasts_written"]
    assert [(b["broadcast_id"], b["text"], b["total"]) for b in mine] == [(1, TEXT, 2)]
    assert await flow.export(865_000) == {}


@pytest.mark.parametrize("meanwhile", ["editMessageText", "sendMessage"])
async def test_the_progress_message_ends_finished_when_sending_is_quick(
    env: BotEnv, monkeypatch: pytest.MonkeyPatch, meanwhile: str
) -> None:
    """The outbox is written before the progress message exists. Whether the sending job
    finishes while Telegram is slow with "Sending to N people now", or while the progress
    message itself is on its way, the progress message ends "Finished" with no Stop."""
    coord = await as_coordinator(env)
    await add_people(env, 870_000, 3, "carer")
    await start_broadcast(coord, "All carers")
    fake = env.fake
    answer = fake.do_request
    ran: list[str] = []

    async def slow(url: str, method: str, request_data: Any = None, **kwargs: Any) -> Any:
        text = str(request_data.parameters.get("text")) if request_data is not None else ""
        if (
            url.endswith("/" + meanwhile)
            and not ran
            and ("people now" in text or text.startswith("Sending… 0 of"))
        ):
            ran.append(text)
            await sender(env).run(env.app)  # the job gets in first
        return await answer(url, method, request_data, **kwargs)

    monkeypatch.setattr(fake, "do_request", slow)
    await coord.click("Send to 3 people")
    assert ran and any("has finished sending" in t for t in coord.texts())
    progress = [m for m in coord.messages if m.plain.startswith(("Sending…", "Finished"))]
    assert len(progress) == 1
    assert progress[0].plain == "Finished: 3 of 3." and not progress[0].buttons()
    env.assert_clean()


async def test_counts_read_as_people_say_them(env: BotEnv) -> None:
    coord = await as_coordinator(env)
    await add_people(env, 880_000, 1, "carer")
    await coord.send("/broadcast")
    await coord.click("All carers")
    assert coord.last_text().startswith("Write the announcement for all carers.")
    await coord.send(TEXT)
    assert "This will go to 1 person. Send it now?" in coord.last_text()
    await coord.click("Send to 1 person")
    assert "Sending to 1 person now." in coord.texts()[-2]
    env.assert_clean()
