"""Check-in use cases over real storage, without a bot: what they refuse, and what they
publish for bot/app.py's table of consequences."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from cryptography.fernet import Fernet

from bot.crypto import Cipher
from bot.domain.checkins import DAILY, NOTE_LIMIT
from bot.services import checkins as service
from bot.services.events import Collector
from bot.storage import Storage

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SYDNEY = ZoneInfo("Australia/Sydney")
ANN = 3101


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    store = Storage(tmp_path / "bot.sqlite3")
    await store.connect()
    await store.record_consent(ANN, NOW, given=True)
    yield store
    await store.close()


async def test_sharing_needs_a_schedule_and_a_peer_worker(storage: Storage) -> None:
    assert not await service.share_weekly(storage, ANN, True, SYDNEY, NOW)
    await service.set_schedule(storage, ANN, DAILY, 19 * 60, SYDNEY, NOW)
    with pytest.raises(service.NeedsMatch) as refused:
        await service.share_weekly(storage, ANN, True, SYDNEY, NOW)
    assert refused.value.key == "checkins.share_needs_match"
    schedule = await storage.get_checkin_schedule(ANN)
    assert schedule is not None and not schedule.share_weekly


async def test_a_rating_is_published_once(storage: Storage) -> None:
    events = Collector()
    checkin_id = await service.check_in_now(storage, ANN, NOW, events)
    assert await service.checkin_of(storage, ANN, checkin_id) is None  # not rated yet
    row = await service.rate(storage, ANN, checkin_id, 2, NOW, events)
    assert row is not None and row.rating == 2
    with pytest.raises(service.AlreadyAnswered):
        await service.rate(storage, ANN, checkin_id, 5, NOW, events)
    assert await service.rate(storage, ANN + 1, checkin_id, 5, NOW, events) is None
    assert events.events == [service.CheckinsSent(1),
                             service.CheckinAnswered(ANN, checkin_id, 2, low=True)]


async def test_a_note_is_short_encrypted_and_never_empty(storage: Storage) -> None:
    cipher = Cipher(Fernet.generate_key())
    checkin_id = await service.check_in_now(storage, ANN, NOW, Collector())
    with pytest.raises(service.NoteTooLong):
        await service.save_note(storage, cipher, ANN, checkin_id, "x" * (NOTE_LIMIT + 1))
    assert not await service.save_note(storage, cipher, ANN, checkin_id, "   ")
    assert await service.save_note(storage, cipher, ANN, checkin_id, " mine ")
    assert await service.export_notes(storage, cipher, ANN) == [
        (checkin_id, int(NOW.timestamp()), "mine")]
    other = Cipher(Fernet.generate_key())
    assert await service.export_notes(storage, other, ANN) == [
        (checkin_id, int(NOW.timestamp()), None)]


async def test_a_long_outage_skips_and_says_how_many(storage: Storage) -> None:
    await service.set_schedule(storage, ANN, DAILY, 19 * 60, SYDNEY, NOW)
    events = Collector()
    later = NOW + timedelta(days=3, hours=2)  # well past the grace period
    claimed = await service.claim_due(storage, lambda _: SYDNEY, later, timedelta(minutes=90),
                                      events)
    assert (claimed.to_send, claimed.read, claimed.skipped) == ([], 1, 1)
    assert events.events == [service.CheckinsSkipped(1)]


async def test_no_mood_report_without_recent_answers(storage: Storage) -> None:
    assert await service.mood_report(storage, ANN, NOW) is None
    old = await storage.open_checkin(ANN, NOW - timedelta(days=100))
    await storage.rate_checkin(old, ANN, 3, NOW)
    assert await service.mood_report(storage, ANN, NOW) is None
