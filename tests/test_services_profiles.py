"""The profile use cases over a store in memory: checks, what is stored, and when a place may
have freed for people waiting (CapacityFreed)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.domain.hours import ENGLISH, HoursWords, Window, parse_windows
from bot.domain.matching import PeerProfile
from bot.services import profiles
from bot.services.events import Collector

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


class Store:
    def __init__(self) -> None:
        self.profiles: dict[int, PeerProfile] = {}
        self.writes = 0

    async def get_profile(self, user_id: int) -> PeerProfile | None:
        return self.profiles.get(user_id)

    async def create_profile(
        self,
        user_id: int,
        kind: str,
        now: datetime,
        *,
        display_name: str,
        bio: str,
        hours: Sequence[Window],
        timezone: str,
        caseload_cap: int,
        attributes: Mapping[str, Any] | None = None,
    ) -> PeerProfile:
        self.profiles[user_id] = PeerProfile(
            user_id,
            kind,
            display_name,
            bio,
            dict(attributes or {}),
            caseload_cap,
            tuple(hours),
            timezone,
            False,
            True,
        )
        return self.profiles[user_id]

    async def update_profile(
        self, user_id: int, now: datetime, **fields: Any
    ) -> PeerProfile | None:
        self.writes += 1
        self.profiles[user_id] = replace(self.profiles[user_id], **fields)
        return self.profiles[user_id]

    async def caseload(self, peer_id: int) -> int:
        return 2


async def set_up(store: Store, events: Collector, kind: str = "consumer_peer") -> PeerProfile:
    return await profiles.set_up(
        store,
        events,
        user_id=2001,
        kind=kind,
        now=NOW,
        display_name="Kim",
        bio="Hello",
        hours=parse_windows("Mon 9-17"),
        timezone="Australia/Sydney",
        caseload_cap=6,
    )


async def test_a_new_profile_offers_one_to_one_and_frees_a_place() -> None:
    store, events = Store(), Collector()
    profile = await set_up(store, events)
    assert profile.attributes == {"support_modes": ["individual"]}
    assert events.events == [profiles.CapacityFreed(2001)]


async def test_only_resuming_and_a_higher_cap_free_a_place() -> None:
    store, events = Store(), Collector()
    profile = await set_up(store, events)
    events.events.clear()
    await profiles.set_paused(store, events, profile, True, NOW)
    await profiles.set_paused(store, events, store.profiles[2001], True, NOW)  # again: no
    await profiles.set_cap(store, events, store.profiles[2001], 4, NOW)  # lower: no
    assert events.events == []
    await profiles.set_paused(store, events, store.profiles[2001], False, NOW)
    await profiles.set_cap(store, events, store.profiles[2001], 5, NOW)
    assert events.events == [profiles.CapacityFreed(2001), profiles.CapacityFreed(2001)]


def test_checks_name_what_to_fix() -> None:
    assert profiles.check_name("  Kim   Lee ") == "Kim Lee"
    with pytest.raises(profiles.NameInvalid):
        profiles.check_name("x" * 33)
    with pytest.raises(profiles.BioInvalid) as bio:
        profiles.check_bio("   ")
    assert bio.value.params == {"limit": profiles.BIO_LIMIT}
    with pytest.raises(profiles.HoursInvalid) as hours:
        profiles.check_hours("Funday 9-17", ENGLISH)
    assert (hours.value.key, hours.value.params) == (
        "profile.hours_invalid.day",
        {"part": "funday"},
    )
    words = HoursWords({"lun": 0, "lunes": 0}, ("a",))
    assert profiles.check_hours("lunes 9 a 17", words) == (Window(0, 540, 1020),)


async def test_attributes_set_toggle_and_clear_without_empty_values() -> None:
    store, events = Store(), Collector()
    profile = await set_up(store, events)
    await profiles.set_one(store, profile, "lived_bpd", "no", NOW)
    await profiles.set_one(store, store.profiles[2001], "gender", "woman", NOW)
    toggled = await profiles.toggle(store, store.profiles[2001], "support_modes", "group", NOW)
    assert toggled.attributes["support_modes"] == ["individual", "group"]
    toggled = await profiles.toggle(store, toggled, "support_modes", "individual", NOW)
    toggled = await profiles.toggle(store, toggled, "support_modes", "group", NOW)
    assert "support_modes" not in toggled.attributes  # none left: not set
    await profiles.set_text(store, toggled, "languages", "English, english ,Auslan", ENGLISH, NOW)
    await profiles.clear(store, store.profiles[2001], "gender", NOW)
    assert store.profiles[2001].attributes == {
        "lived_bpd": False,
        "languages": ["English", "Auslan"],
    }
    await profiles.set_text(store, store.profiles[2001], "hours", "Tue 18-20", ENGLISH, NOW)
    assert store.profiles[2001].hours == (Window(1, 1080, 1200),)
    with pytest.raises(profiles.NameInvalid):
        await profiles.set_text(store, store.profiles[2001], "display_name", "", ENGLISH, NOW)
    assert store.profiles[2001].display_name == "Kim"


async def test_what_each_kind_of_peer_worker_may_edit() -> None:
    store, events = Store(), Collector()
    consumer_peer = await set_up(store, events)
    assert profiles.editable(consumer_peer, "bio")
    assert profiles.editable(consumer_peer, "gender", "non_binary")
    assert not profiles.editable(consumer_peer, "gender", "robot")
    assert not profiles.editable(consumer_peer, "relationships")  # carer peers only
    assert not profiles.editable(consumer_peer, "bio", "typed text")  # never from a button
    carer_peer = replace(consumer_peer, kind="carer_peer", caseload_cap=20)
    assert profiles.editable(carer_peer, "relationships", "sibling")
    assert not profiles.editable(carer_peer, "recovery_stage")
    assert profiles.cap_choices(carer_peer) == [*range(1, 13), 20]


async def test_current_moves_the_hours_to_the_persons_new_time_zone() -> None:
    store, events = Store(), Collector()
    await set_up(store, events)
    found = await profiles.current(store, 2001, "Australia/Sydney", NOW)
    assert found is not None and found[1] == 2 and store.writes == 0
    found = await profiles.current(store, 2001, "Europe/London", NOW)
    assert found is not None and found[0].timezone == "Europe/London"
    assert await profiles.current(store, 404, None, NOW) is None
