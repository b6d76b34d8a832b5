"""Check-in storage against a real database file: what each write may touch, notes kept as
ciphertext, one rating per check-in, and a claim that two processes never both make."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.crypto import Cipher
from bot.domain.checkins import DAILY, Plan
from bot.storage import Storage, epoch
from tests.backends import database

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ANN, BEN = 3001, 3002
MIGRATIONS = sorted(
    (Path(__file__).resolve().parents[1] / "bot" / "storage" / "migrations").glob("*.sql")
)


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    store = Storage(database(tmp_path / "bot.sqlite3"))
    await store.connect()
    for uid in (ANN, BEN):
        await store.record_consent(uid, NOW, given=True)
    yield store
    await store.close()


async def test_a_check_in_is_its_persons_alone(storage: Storage) -> None:
    checkin_id = await storage.open_checkin(ANN, NOW)
    assert await storage.get_checkin(checkin_id, BEN) is None
    assert not await storage.rate_checkin(checkin_id, BEN, 3, NOW)
    assert not await storage.set_checkin_choices(checkin_id, BEN, "feelings", "calm")
    assert not await storage.set_checkin_note(checkin_id, BEN, b"x")
    row = await storage.get_checkin(checkin_id, ANN)
    assert row is not None and (row.status, row.rating, row.feelings) == ("unanswered", None, "")


async def test_a_check_in_is_rated_once(storage: Storage) -> None:
    checkin_id = await storage.open_checkin(ANN, NOW)
    assert await storage.rate_checkin(checkin_id, ANN, 4, NOW)
    assert not await storage.rate_checkin(checkin_id, ANN, 1, NOW)
    row = await storage.get_checkin(checkin_id, ANN)
    assert row is not None and row.answered and row.rating == 4
    assert await storage.checkin_answers(ANN, NOW - timedelta(days=1)) == [(epoch(NOW), 4, "")]


async def test_only_feelings_and_skills_are_choices(storage: Storage) -> None:
    checkin_id = await storage.open_checkin(ANN, NOW)
    with pytest.raises(ValueError, match="choice field"):
        await storage.set_checkin_choices(checkin_id, ANN, "rating", "5")


async def test_a_note_is_kept_as_ciphertext_and_never_exported_raw(storage: Storage) -> None:
    cipher = Cipher(Fernet.generate_key())
    checkin_id = await storage.open_checkin(ANN, NOW)
    token = cipher.encrypt("Walked the dog")
    assert await storage.set_checkin_note(checkin_id, ANN, token)
    assert await storage.checkin_notes(ANN) == [(checkin_id, epoch(NOW), token)]
    assert cipher.decrypt(token) == "Walked the dog"
    exported = await storage.export_user(ANN)
    assert len(exported["checkins"]) == 1 and "note" not in exported["checkins"][0]


async def test_only_an_unanswered_check_in_is_discarded(storage: Storage) -> None:
    answered, unanswered = (
        await storage.open_checkin(ANN, NOW),
        await storage.open_checkin(ANN, NOW),
    )
    await storage.rate_checkin(answered, ANN, 5, NOW)
    await storage.discard_checkin(answered)
    await storage.discard_checkin(unanswered)
    assert await storage.get_checkin(answered, ANN) is not None
    assert await storage.get_checkin(unanswered, ANN) is None


async def test_a_claim_moves_a_schedule_once(storage: Storage) -> None:
    due = NOW - timedelta(minutes=1)
    await storage.save_checkin_schedule(ANN, DAILY, 19 * 60, due, NOW)
    [row] = await storage.due_checkin_schedules(NOW, 10)
    plan = Plan(ANN, row.next_due, epoch(NOW + timedelta(days=1)), send=True)
    first = await storage.dispatch_checkins([plan], NOW)
    # A second process that read the same row before the first wrote changes nothing.
    second = await storage.dispatch_checkins([plan], NOW)
    assert list(first) == [ANN] and second == {}
    assert await storage.due_checkin_schedules(NOW, 10) == []
    assert len((await storage.export_user(ANN))["checkins"]) == 1


async def test_paused_and_stopped_schedules_are_never_due(storage: Storage) -> None:
    await storage.save_checkin_schedule(ANN, DAILY, 19 * 60, NOW - timedelta(minutes=1), NOW)
    await storage.save_checkin_schedule(BEN, DAILY, 19 * 60, NOW - timedelta(minutes=1), NOW)
    await storage.pause_checkins(ANN, NOW)
    await storage.stop_checkins(BEN)
    assert await storage.due_checkin_schedules(NOW + timedelta(days=3), 10) == []
    paused = await storage.get_checkin_schedule(ANN)
    assert paused is not None and paused.paused and (paused.days, paused.minute) == (DAILY, 19 * 60)
    assert await storage.get_checkin_schedule(BEN) is None


async def test_a_check_in_asked_for_now_is_kept_apart(storage: Storage) -> None:
    asked = await storage.open_checkin(ANN, NOW)
    await storage.save_checkin_schedule(BEN, DAILY, 19 * 60, NOW - timedelta(minutes=1), NOW)
    [row] = await storage.due_checkin_schedules(NOW, 10)
    created = await storage.dispatch_checkins(
        [Plan(BEN, row.next_due, epoch(NOW + timedelta(days=1)), send=True)], NOW
    )
    now_row, scheduled = (
        await storage.get_checkin(asked, ANN),
        await storage.get_checkin(created[BEN], BEN),
    )
    assert now_row is not None and now_row.kind == "now"
    assert scheduled is not None and scheduled.kind == "scheduled"


async def test_sharing_ends_only_with_the_match_it_was_chosen_for(storage: Storage) -> None:
    await storage.save_checkin_schedule(ANN, DAILY, 19 * 60, NOW, NOW)
    assert await storage.set_checkin_share(ANN, NOW + timedelta(days=7), NOW, 11)
    assert not await storage.end_checkin_share(ANN, 12, NOW)
    schedule = await storage.get_checkin_schedule(ANN)
    assert schedule is not None and (schedule.share_weekly, schedule.share_match) == (True, 11)
    assert await storage.end_checkin_share(ANN, 11, NOW)
    schedule = await storage.get_checkin_schedule(ANN)
    assert schedule is not None
    assert (
        schedule.share_weekly,
        schedule.share_due,
        schedule.share_match,
        schedule.share_ask,
    ) == (False, None, None, True)
    # A choice either way means nothing is left to ask.
    assert await storage.set_checkin_share(ANN, None, NOW)
    schedule = await storage.get_checkin_schedule(ANN)
    assert schedule is not None and not schedule.share_ask


@pytest.mark.sqlite_only  # an old SQLite database
async def test_the_migration_keeps_each_choice_with_its_match(tmp_path: Path) -> None:
    """A database from before the check-ins migration (0017): sharing stays with the
    person's match now (or stops and asks, without one), and check-ins asked for now are told
    apart from scheduled ones."""
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    for file in MIGRATIONS:
        if int(file.name[:4]) <= 14:
            db.executescript(file.read_text(encoding="utf-8"))
    db.execute("PRAGMA user_version = 14")
    ts, week = epoch(NOW), epoch(NOW + timedelta(days=7))
    for uid in (ANN, BEN, 3003):
        db.execute(
            "INSERT INTO users (user_id, consent, consent_at, created_at, updated_at) "
            "VALUES (?, 'given', ?, ?, ?)",
            (uid, ts, ts, ts),
        )
    db.execute(
        "INSERT INTO matches (id, person_id, peer_id, status, preferences, "
        "requested_at, accepted_at) VALUES (5, ?, 3003, 'active', '{}', ?, ?)",
        (ANN, ts, ts),
    )
    for uid in (ANN, BEN):  # both shared; only ANN is matched now
        db.execute(
            "INSERT INTO checkin_schedules (user_id, days, minute, next_due, "
            "share_weekly, share_due, created_at, updated_at) "
            "VALUES (?, 127, 1140, ?, 1, ?, ?, ?)",
            (uid, ts, week, ts, ts),
        )
    db.execute(
        "INSERT INTO checkins (id, user_id, due_at, sent_at) VALUES (1, ?, ?, ?)",
        (ANN, ts - ts % 60, ts - ts % 60 + 25),
    )  # scheduled: due on the minute
    db.execute(
        "INSERT INTO checkins (id, user_id, due_at, sent_at) VALUES (2, ?, ?, ?)",
        (ANN, ts + 7, ts + 7),
    )  # asked for now
    db.commit()
    db.close()
    store = Storage(database(path))
    await store.connect()
    try:
        ann, ben = (await store.get_checkin_schedule(ANN), await store.get_checkin_schedule(BEN))
        assert ann is not None and (ann.share_weekly, ann.share_match, ann.share_ask) == (
            True,
            5,
            False,
        )
        assert ben is not None and (
            ben.share_weekly,
            ben.share_match,
            ben.share_due,
            ben.share_ask,
        ) == (False, None, None, True)
        kinds = [(await store.get_checkin(i, ANN)).kind for i in (1, 2)]  # type: ignore[union-attr]
        assert kinds == ["scheduled", "now"]
    finally:
        await store.close()
