"""Retention through the real application: 'tick:retention' removes what is older than each
period in the settings and keeps what is inside it, and what the bot still needs (a
broadcast still sending, a relayed send on its way, check-in schedules); a restart in
between loses nothing; the settings refuse periods that make no sense."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.settings import SettingsError, settings_from_mapping
from tests.harness import BotEnv, onboard
from tests.test_broadcast import add_people, as_coordinator, start_broadcast
from tests.test_checkins_flow import answer, checkins_of, due_now, my_data, set_up_daily
from tests.test_checkins_sharing import ended
from tests.test_relay_durable import fail_sends
from tests.test_relay_flow import matched, peer_worker, person

JOB = "tick:retention"
LINE = re.compile(
    r"^Retention: removed (\d+) relay copies, (\d+) relay sends, (\d+) broadcast outbox rows, "
    r"(\d+) check-ins$"
)


async def count(env: BotEnv, sql: str, *params: object) -> int:
    return int(await env.storage.fetchval(sql, params) or 0)


def retention_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "bot.retention"]


async def test_the_job_runs_daily_under_the_real_start_up(env: BotEnv) -> None:
    job = env.job(JOB)
    assert job.job.trigger.interval == timedelta(days=1)
    assert env.settings.retention_relay_days == 90
    assert env.settings.retention_broadcast_days == 30
    assert env.settings.retention_checkin_days == 730


async def test_old_relay_copies_go_and_a_reply_to_one_is_just_not_threaded(
    env: BotEnv, caplog: pytest.LogCaptureFixture
) -> None:
    jo = await peer_worker(env, 5560100, "Jo")
    ana = await person(env, 5560001, "Ana")
    ben = await person(env, 5560002, "Ben")
    await matched(env, ana, jo)
    await matched(env, ben, jo)
    await ana.send("Ana, long ago")
    old_copy = next(m for m in jo.messages if m.plain == "Ana, long ago")
    old_rows = await count(env, "SELECT COUNT(*) FROM relay_copies")
    assert old_rows >= 2  # Ana's name label and her message, in Jo's chat

    env.clock.advance(days=60)
    await ben.send("Ben, lately")
    recent_copy = next(m for m in jo.messages if m.plain == "Ben, lately")
    all_rows = await count(env, "SELECT COUNT(*) FROM relay_copies")

    # Day 89 after Ana's message: nothing is old enough yet.
    env.clock.advance(days=29)
    caplog.set_level(logging.INFO, logger="bot.retention")
    await env.run_job(JOB)
    assert await count(env, "SELECT COUNT(*) FROM relay_copies") == all_rows

    # Day 91: Ana's copies go; Ben's, from 31 days ago, stay, through a restart.
    env.clock.advance(days=2)
    await env.run_job(JOB)
    await env.restart()
    assert await count(env, "SELECT COUNT(*) FROM relay_copies") == all_rows - old_rows
    assert await env.storage.match_for_copy(jo.user_id, old_copy.message_id) is None
    assert await env.storage.match_for_copy(jo.user_id, recent_copy.message_id) is not None

    # A reply to the recent copy still reaches Ben; a reply to the old one is not threaded:
    # Jo, with two people, is asked who it is for, as for any message that isn't a reply.
    mark_ana, mark_ben = ana.mark(), ben.mark()
    await jo.send("Thanks, Ben", reply_to=recent_copy.message_id)
    assert ben.texts_since(mark_ben)[-1] == "Thanks, Ben"
    await jo.send("About that, Ana", reply_to=old_copy.message_id)
    assert "Who is this message for?" in jo.last_text()
    assert ana.mark() == mark_ana

    # One line per run, counts only: never a name or a message.
    lines = retention_lines(caplog)
    assert len(lines) == 2
    assert [int(n) for n in LINE.fullmatch(lines[0]).groups()] == [0, 0, 0, 0]  # type: ignore[union-attr]
    assert int(LINE.fullmatch(lines[1]).group(1)) == old_rows  # type: ignore[union-attr]
    assert not any(word in " ".join(lines) for word in ("Ana", "Ben", "Jo", "long ago"))


async def test_a_reply_to_a_copy_too_old_to_keep_never_goes_to_someone_else(env: BotEnv) -> None:
    """Jo's support of Ana ended; Cai is Jo's one person now. Jo replies to a copy of Ana's
    from long ago, which retention has removed: Jo is asked who it is for, and nothing
    reaches Cai (before, it went to Cai, the one person, unasked)."""
    jo = await peer_worker(env, 5560110, "Jo")
    ana = await person(env, 5560011, "Ana")
    cai = await person(env, 5560012, "Cai")
    with_ana = await matched(env, ana, jo)
    await ana.send("Ana, long ago")
    old_copy = next(m for m in jo.messages if m.plain == "Ana, long ago")
    await ended(env, with_ana)
    env.clock.advance(days=91)
    await matched(env, cai, jo)
    await env.run_job(JOB)
    assert await env.storage.match_for_copy(jo.user_id, old_copy.message_id) is None

    mark_cai = cai.mark()
    await jo.send("About what you said then", reply_to=old_copy.message_id)
    assert "Who is this message for?" in jo.last_text()
    assert "About what you said then" not in cai.texts_since(mark_cai)
    # A message that is not a reply still goes to Jo's one person, as before.
    await jo.send("Hello Cai")
    assert cai.texts_since(mark_cai)[-1] == "Hello Cai"


async def test_a_relayed_send_still_on_its_way_is_kept(env: BotEnv) -> None:
    jo = await peer_worker(env, 5560101, "Jo")
    ana = await person(env, 5560003, "Ana")
    await matched(env, ana, jo)
    fail_sends(env, 10_000, to=ana.user_id)
    await jo.send("Are you around on Friday?")
    on_its_way = await count(
        env,
        "SELECT COUNT(*) FROM relay_sends s JOIN outbox o ON o.key = s.key "
        "WHERE o.status = 'pending'",
    )
    assert on_its_way >= 1

    env.clock.advance(days=91)
    await env.run_job(JOB)
    await env.restart()
    assert await count(env, "SELECT COUNT(*) FROM relay_sends") == on_its_way


async def test_finished_broadcasts_lose_their_rows_and_keep_their_counts(env: BotEnv) -> None:
    coord = await as_coordinator(env)
    start = env.clock.now()
    await add_people(env, 730000, 3, "carer")
    await start_broadcast(coord, "All carers")
    await coord.click("Send to 3 people")
    env.clock.advance(seconds=3)
    await env.run_job("tick:broadcast")
    assert "finished sending" in coord.last_text()

    # A second broadcast still sending (its job has not run since): nothing of it may go.
    await add_people(env, 740000, 2, "consumer")
    await start_broadcast(
        coord, "All people living with BPD", "The library group starts again in May."
    )
    await coord.click("Send to 2 people")
    assert "Sending… 0 of 2" in coord.last_text()

    async def report() -> tuple[int, int, int]:
        facts = await env.storage.service_report(start, start + timedelta(days=1))
        return facts.broadcasts, facts.broadcast_messages, facts.broadcast_delivered

    assert await report() == (2, 3, 3)
    outbox = "SELECT COUNT(*) FROM broadcast_outbox WHERE broadcast_id = ?"

    env.clock.advance(days=29)
    await env.run_job(JOB)
    assert await count(env, outbox, 1) == 3

    env.clock.advance(days=2)
    await env.run_job(JOB)
    await env.restart()
    assert await count(env, outbox, 1) == 0
    assert await count(env, outbox, 2) == 2
    assert await count(env, "SELECT COUNT(*) FROM broadcasts") == 2
    assert await report() == (2, 3, 3)  # the counts stayed with the broadcast's own row

    # The one still sending goes on after the restart, to everyone.
    await env.run_job("tick:broadcast")
    assert await env.storage.outbox_counts(2) == {"delivered": 2}
    assert all(
        any("library group" in m.plain for m in env.fake.messages(uid)) for uid in (740000, 740001)
    )
    # A second prune finds nothing more, and the report is the same.
    await env.run_job(JOB)
    assert await count(env, outbox, 1) == 0
    assert await report() == (2, 5, 5)


async def test_old_check_ins_go_and_the_schedule_and_recent_ones_stay(env: BotEnv) -> None:
    alice = env.client(5560200, "Alice")
    await onboard(alice, alias="Ally")
    await set_up_daily(alice)
    await answer(env, alice.user_id, days_ago=800, rating=2)
    await answer(env, alice.user_id, days_ago=731, rating=2)
    await answer(env, alice.user_id, days_ago=729, rating=3)
    await answer(env, alice.user_id, days_ago=5, rating=4)
    assert len(checkins_of(await my_data(env, alice))) == 4

    await env.run_job(JOB)
    await env.restart()
    kept = checkins_of(await my_data(env, alice))
    assert [c["rating"] for c in kept] == [3, 4]

    # The schedule was not touched: the next check-in comes as ever, and /mood still reads
    # what is kept.
    mark = alice.mark()
    await due_now(env, alice.user_id)
    assert any("This is your check-in" in t for t in alice.texts_since(mark))
    await alice.send("/mood")
    assert env.fake.calls_to("sendPhoto")


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("retention_relay_days", 0, "from 1 to 3,650"),
        ("retention_relay_days", -30, "from 1 to 3,650"),
        ("retention_broadcast_days", 0, "from 1 to 3,650"),
        ("retention_broadcast_days", 4000, "from 1 to 3,650"),
        ("retention_broadcast_days", "30", "number of days"),
        ("retention_relay_days", True, "number of days"),
        ("retention_checkin_days", 3, "from 7 to 3,650"),
        ("retention_checkin_days", -1, "from 7 to 3,650"),
    ],
)
def test_settings_refuse_periods_that_make_no_sense(key: str, value: object, words: str) -> None:
    with pytest.raises(SettingsError) as caught:
        settings_from_mapping({key: value})
    assert f"Setting '{key}'" in str(caught.value) and words in str(caught.value)


def test_check_names_a_bad_period_plainly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = settings_from_mapping(
        {"retention_relay_days": 1, "retention_broadcast_days": 3650, "retention_checkin_days": 7}
    )
    assert (good.retention_relay_days, good.retention_checkin_days) == (1, 7)
    bad = tmp_path / "settings.yaml"
    bad.write_text("retention_checkin_days: 0\n", encoding="utf-8")
    assert main(["--settings", str(bad), "check"]) == 2
    err = capsys.readouterr().err
    assert "retention_checkin_days" in err and "must be a number of days from 7" in err
