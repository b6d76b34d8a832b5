"""Broadcast use cases over the real storage, without a bot: who an announcement reaches,
what is refused, confirming and stopping, and the events they publish."""

from __future__ import annotations

import pytest

from bot.services import broadcasts
from bot.services.events import Collector
from tests.harness import BotEnv
from tests.test_groups_services import NOW, people


async def test_broadcasts_confirm_and_stop(env: BotEnv) -> None:
    await people(
        env,
        (1, "carer", None),
        (2, "carer", None),
        (3, "consumer", None),
        (900, "coordinator", None),
        (901, "coordinator", None),
    )
    assert await broadcasts.recipients(env.storage, "carers") == [1, 2]
    with pytest.raises(broadcasts.BroadcastGone):
        await broadcasts.recipients(env.storage, "everyone")
    with pytest.raises(broadcasts.BadAnnouncement) as refused:
        broadcasts.check_announcement("", None, "")
    assert refused.value.key == "broadcast.bad_text"
    with pytest.raises(broadcasts.BadAnnouncement) as refused:
        broadcasts.check_announcement("x", "photo-id", "x" * 1100)
    assert refused.value.key == "broadcast.too_long_caption"
    broadcasts.check_announcement("", "photo-id", "a photo alone is fine")

    events = Collector()
    with pytest.raises(broadcasts.NobodyToSend):
        await broadcasts.confirm(
            env.storage, events, 900, broadcasts.Announcement("peers", "Hello"), NOW
        )
    bid, count = await broadcasts.confirm(
        env.storage, events, 900, broadcasts.Announcement("carers", "Hello"), NOW
    )
    assert count == 2 and events.events == [broadcasts.BroadcastConfirmed(bid, 900, 2)]
    assert (await broadcasts.progress(env.storage, bid)).waiting == 2

    ((sending, report),) = await broadcasts.sending_now(env.storage)
    assert sending.broadcast_id == bid and report.waiting == 2

    # Any coordinator may stop it: a broadcast is the service's, not its author's.
    events = Collector()
    with pytest.raises(broadcasts.BroadcastGone):
        await broadcasts.stop(env.storage, events, bid + 1, 901, NOW)
    await broadcasts.stop(env.storage, events, bid, 901, NOW)
    with pytest.raises(broadcasts.AlreadyFinished):
        await broadcasts.stop(env.storage, events, bid, 900, NOW)
    assert events.events == [broadcasts.BroadcastStopped(bid, 900, 901)]
    assert (await broadcasts.progress(env.storage, bid)).not_sent == 2
    stopped = await env.storage.get_broadcast(bid)
    assert stopped is not None and stopped.stopped_by == 901
    assert await broadcasts.sending_now(env.storage) == []


async def test_a_broadcast_is_kept_when_its_author_and_stopper_are_erased(env: BotEnv) -> None:
    await people(env, (1, "carer", None), (900, "coordinator", None), (901, "coordinator", None))
    bid, _ = await broadcasts.confirm(
        env.storage, Collector(), 900, broadcasts.Announcement("carers", "Hello"), NOW
    )
    await broadcasts.stop(env.storage, Collector(), bid, 901, NOW)
    assert [b.broadcast_id for b in await env.storage.broadcasts_by(900)] == [bid]
    await env.storage.delete_user(900)
    await env.storage.delete_user(901)
    kept = await env.storage.get_broadcast(bid)
    assert kept is not None and (kept.created_by, kept.stopped_by) == (None, None)
    assert await env.storage.outbox_counts(bid) == {"not_sent": 1}
    assert await env.storage.broadcasts_by(900) == []
