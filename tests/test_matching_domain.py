"""Eligibility and ranking rules of peer matching, one rule at a time."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.domain.hours import Window, next_open, parse_windows
from bot.domain.matching import (
    CHOICES,
    MatchPolicy,
    PeerPool,
    PeerProfile,
    clean_list,
    fitting_preferences,
    free_text_options,
    is_offerable,
    next_question,
    offerable_kinds,
    option_values,
    preference_questions,
    previous_question,
    profile_features,
    rank_key,
    shortlist,
    wanted_features,
)

# Monday 2 March 2026, 09:00 UTC = 20:00 in Sydney.
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DEFAULT = MatchPolicy()


def peer(
    uid: int,
    kind: str = "consumer_peer",
    *,
    hours: str = "Mon-Sun 00:00-24:00",
    cap: int = 6,
    paused: bool = False,
    active: bool = True,
    tz: str = "UTC",
    **attributes: Any,
) -> PeerProfile:
    return PeerProfile(
        uid,
        kind,
        f"Peer {uid}",
        "What helped me.",
        attributes,
        cap,
        parse_windows(hours),
        tz,
        paused,
        active,
    )


def ids(found: list[Any]) -> list[int]:
    return [c.profile.user_id for c in found]


def run(
    profiles: list[PeerProfile],
    role: str = "consumer",
    prefs: dict[str, str] | None = None,
    loads: dict[int, int] | None = None,
    policy: MatchPolicy = DEFAULT,
    **kw: Any,
) -> list[int]:
    return ids(
        shortlist(
            profiles,
            role=role,
            preferences=prefs or {},
            caseloads=loads or {},
            policy=policy,
            now=NOW,
            **kw,
        )
    )


# -- eligibility -----------------------------------------------------------------------------


def test_consumers_see_consumer_peers_and_carers_see_carer_peers() -> None:
    strict = MatchPolicy(consumer_peers_support_carers=False, carer_peers_support_consumers=False)
    pool = [peer(1, "consumer_peer"), peer(2, "carer_peer")]
    assert run(pool, "consumer", policy=strict) == [1]
    assert run(pool, "carer", policy=strict) == [2]


def test_cross_support_settings_widen_each_side_separately() -> None:
    pool = [peer(1, "consumer_peer"), peer(2, "carer_peer")]
    both = MatchPolicy(consumer_peers_support_carers=True, carer_peers_support_consumers=True)
    assert sorted(run(pool, "carer", policy=both)) == [1, 2]
    assert sorted(run(pool, "consumer", policy=both)) == [1, 2]
    # The defaults: consumer peers may support carers, carer peers don't support consumers.
    assert sorted(run(pool, "carer")) == [1, 2]
    assert run(pool, "consumer") == [1]
    assert offerable_kinds("consumer", DEFAULT) == ("consumer_peer",)
    assert offerable_kinds("carer", DEFAULT) == ("carer_peer", "consumer_peer")


def test_staff_are_never_offered_anyone() -> None:
    assert offerable_kinds("coordinator", DEFAULT) == ()
    assert run([peer(1)], "consumer_peer") == []


def test_paused_peer_is_never_offered() -> None:
    assert run([peer(1, paused=True), peer(2)]) == [2]
    assert not is_offerable(peer(1, paused=True), 0)


def test_inactive_peer_is_never_offered() -> None:
    assert run([peer(1, active=False), peer(2)]) == [2]
    assert not is_offerable(peer(1, active=False), 0)


def test_peer_at_or_over_cap_is_never_offered() -> None:
    pool = [peer(1, cap=2), peer(2, cap=2), peer(3, cap=2)]
    assert run(pool, loads={1: 2, 2: 3, 3: 1}) == [3]
    assert is_offerable(peer(1, cap=2), 1)
    assert not is_offerable(peer(1, cap=2), 2)


def test_excluded_peers_are_left_out() -> None:
    assert run([peer(1), peer(2)], exclude={1}) == [2]


def test_at_most_three_and_pages_follow_on() -> None:
    pool = [peer(i) for i in range(1, 8)]
    assert run(pool) == [1, 2, 3]
    assert run(pool, offset=3) == [4, 5, 6]
    assert run(pool, offset=6) == [7]
    assert run(pool, limit=0) == []


# -- ranking ---------------------------------------------------------------------------------


def test_better_fit_ranks_first() -> None:
    pool = [peer(1, gender="man"), peer(2, gender="woman", lived_bpd=True), peer(3, gender="woman")]
    prefs = {"gender": "woman", "lived_bpd": "yes"}
    assert run(pool, prefs=prefs) == [2, 3, 1]


def test_fit_beats_lighter_caseload() -> None:
    pool = [peer(1), peer(2, gender="woman")]
    assert run(pool, prefs={"gender": "woman"}, loads={2: 5}) == [2, 1]


def test_lighter_caseload_breaks_equal_fit() -> None:
    pool = [peer(1), peer(2), peer(3)]
    assert run(pool, loads={1: 2, 2: 0, 3: 1}) == [2, 3, 1]


def test_sooner_availability_breaks_equal_fit_and_caseload() -> None:
    # At NOW (Mon 09:00 UTC): 1 opens Tuesday, 2 is open now, 3 opens at noon today.
    pool = [
        peer(1, hours="Tue 09:00-10:00"),
        peer(2, hours="Mon 08:00-10:00"),
        peer(3, hours="Mon 12:00-13:00"),
    ]
    found = shortlist(pool, role="consumer", preferences={}, caseloads={}, policy=DEFAULT, now=NOW)
    assert ids(found) == [2, 3, 1]
    assert found[0].next_available == NOW
    assert found[1].next_available == NOW.replace(hour=12)
    assert found[2].next_available == NOW.replace(day=3)


def test_no_hours_ranks_after_any_hours() -> None:
    no_hours = replace(peer(1), hours=())
    assert run([no_hours, peer(2, hours="Sun 10:00-11:00")]) == [2, 1]


def test_availability_respects_the_peer_workers_time_zone() -> None:
    # 18:00-20:00 in Sydney on Monday is 07:00-09:00 UTC (AEDT), so it has just closed;
    # 18:00-20:00 in London is later today.
    sydney = peer(1, hours="Mon 18:00-20:00", tz="Australia/Sydney")
    london = peer(2, hours="Mon 18:00-20:00", tz="Europe/London")
    found = shortlist(
        [sydney, london], role="consumer", preferences={}, caseloads={}, policy=DEFAULT, now=NOW
    )
    assert ids(found) == [2, 1]
    assert found[0].next_available == NOW.replace(hour=18)


def test_deterministic_tie_break_by_id() -> None:
    pool = [peer(5), peer(3), peer(4)]
    assert run(pool) == [3, 4, 5]
    assert run(list(reversed(pool))) == [3, 4, 5]
    assert rank_key(1, 0, None, 3) < rank_key(1, 0, None, 4)


def test_rank_key_orders_fit_then_caseload_then_time_then_id() -> None:
    soon, later = NOW, NOW + timedelta(hours=1)
    keys = [
        rank_key(0, 0, soon, 1),
        rank_key(2, 3, later, 9),
        rank_key(2, 1, later, 9),
        rank_key(2, 1, soon, 9),
        rank_key(2, 1, soon, 2),
    ]
    assert sorted(keys) == [keys[4], keys[3], keys[2], keys[1], keys[0]]


# -- what fits -------------------------------------------------------------------------------


def test_no_preference_and_unknown_values_ask_for_nothing() -> None:
    assert wanted_features({"gender": "any", "age_band": "", "lived_bpd": "maybe"}) == {}


def test_fits_are_listed_in_the_order_questions_are_asked() -> None:
    p = peer(
        1,
        gender="woman",
        languages=["English", "Vietnamese"],
        lgbtqia=True,
        support_modes=["individual"],
    )
    prefs = {
        "support_mode": "individual",
        "gender": "woman",
        "language": "vietnamese ",
        "lgbtqia": "yes",
        "age_band": "18_25",
    }
    assert set(fitting_preferences(p, prefs)) == {"support_mode", "gender", "language", "lgbtqia"}
    found = shortlist(
        [p], role="consumer", preferences=prefs, caseloads={}, policy=DEFAULT, now=NOW
    )
    assert found[0].fits == ("gender", "language", "lgbtqia", "support_mode")


def test_language_and_culture_match_ignoring_case_and_spacing() -> None:
    p = peer(1, languages=["Tiếng Việt"], culture="Vietnamese  Australian")
    assert fitting_preferences(
        p, {"language": "tiếng việt", "culture": "vietnamese australian"}
    ) == ("language", "culture")


def test_carer_preferences_relationship_and_at_least_years() -> None:
    p = peer(1, "carer_peer", relationships=["parent", "partner"], years_caring="5_10")
    assert fitting_preferences(p, {"relationship": "partner"}) == ("relationship",)
    assert fitting_preferences(p, {"relationship": "sibling"}) == ()
    assert fitting_preferences(p, {"years_caring": "2_5"}) == ("years_caring",)
    assert fitting_preferences(p, {"years_caring": "5_10"}) == ("years_caring",)
    assert fitting_preferences(p, {"years_caring": "10_plus"}) == ()


def test_booleans_fit_only_when_true() -> None:
    assert "lived_bpd:yes" in profile_features(peer(1, lived_bpd=True))
    assert "lived_bpd:yes" not in profile_features(peer(1, lived_bpd=False))


def test_questions_per_role() -> None:
    assert "lived_bpd" in preference_questions("consumer")
    assert preference_questions("carer")[:2] == ("relationship", "years_caring")
    with pytest.raises(ValueError):
        preference_questions("coordinator_peer")


def test_clean_list_tidies_and_dedupes() -> None:
    assert clean_list(" English,  english ; Arabic\n,") == ("English", "Arabic")


def test_pool_falls_back_when_asked_much_later() -> None:
    pool = PeerPool.build([peer(1, hours="Wed 10:00-11:00")], NOW)
    later = NOW + timedelta(days=20)
    found = pool.shortlist(role="consumer", preferences={}, caseloads={}, policy=DEFAULT, now=later)
    assert found[0].next_available is not None
    assert found[0].next_available.weekday() == 2 and found[0].next_available > later


# -- the prepared pool equals the plain definition ------------------------------------------

_ZONES = (
    "UTC",
    "Australia/Sydney",
    "Australia/Perth",
    "Australia/Eucla",
    "Asia/Kathmandu",
    "Pacific/Chatham",
    "Europe/London",
    "America/New_York",
    "America/St_Johns",
)
_FEATURES: dict[str, tuple[Any, ...]] = {
    "gender": ("woman", "man", "non_binary"),
    "age_band": ("18_25", "26_35"),
    "lived_bpd": (True, False),
    "lgbtqia": (True,),
    "recovery_stage": ("early", "steady"),
    "culture": ("Greek", "Lebanese"),
    "years_caring": ("under_2", "2_5", "10_plus"),
}


def _random_peer(rng: random.Random, uid: int) -> PeerProfile:
    attrs: dict[str, Any] = {}
    for key, values in _FEATURES.items():
        if rng.random() < 0.4:
            attrs[key] = rng.choice(values)
    if rng.random() < 0.5:
        attrs["languages"] = rng.sample(["English", "Greek", "Arabic"], rng.randint(1, 2))
    if rng.random() < 0.5:
        attrs["support_modes"] = rng.sample(["individual", "group"], rng.randint(1, 2))
    if rng.random() < 0.3:
        attrs["relationships"] = rng.sample(["parent", "partner", "sibling"], 1)
    windows = set()
    for _ in range(rng.choice((0, 1, 1, 2, 3, 6))):
        day, start = rng.randrange(7), rng.choice((rng.randrange(1440), 60 * rng.randrange(24)))
        end = rng.choice((min(1440, start + rng.choice((15, 60, 120, 600))), 1440))
        if end > start:
            windows.add(Window(day, start, end))
    if rng.random() < 0.05:
        windows = {Window(d, 0, 1440) for d in range(7)}
    return PeerProfile(
        uid,
        rng.choice(("consumer_peer", "carer_peer")),
        f"P{uid}",
        "",
        attrs,
        rng.choice((0, 1, 2, 3, 5)),
        tuple(sorted(windows)),
        rng.choice(_ZONES),
        paused=rng.random() < 0.1,
        active=rng.random() > 0.05,
    )


def _random_prefs(rng: random.Random, role: str) -> dict[str, str]:
    options = {
        "language": ("english", "Greek ", "Welsh"),
        "culture": ("greek", "Lebanese"),
        **{k: (*v, "any") for k, v in CHOICES.items()},
    }
    return {
        key: rng.choice(options[key]) for key in preference_questions(role) if rng.random() < 0.3
    }


def _plain(
    profiles: list[PeerProfile],
    *,
    role: str,
    preferences: dict[str, str],
    caseloads: dict[int, int],
    policy: MatchPolicy,
    now: datetime,
    exclude: set[int],
    limit: int,
    offset: int,
) -> list[tuple[Any, ...]]:
    """The shortlist straight from its definition: filter, then sort everyone by rank_key."""
    kinds, asked = offerable_kinds(role, policy), preference_questions(role)
    ranked = []
    for p in profiles:
        load = caseloads.get(p.user_id, 0)
        if p.kind not in kinds or p.user_id in exclude or not is_offerable(p, load):
            continue
        fits = tuple(sorted(fitting_preferences(p, preferences), key=asked.index))
        when = next_open(p.hours, ZoneInfo(p.timezone), now)
        key = (p.kind != kinds[0], rank_key(len(fits), load, when, p.user_id))  # own kind first
        ranked.append((key, p.user_id, fits, load, when))
    ranked.sort()
    return [r[1:] for r in ranked[offset : offset + limit]]


@pytest.mark.parametrize("seed", range(8))
def test_prepared_pool_ranks_exactly_as_the_plain_definition(seed: int) -> None:
    rng = random.Random(seed)
    # Around daylight-saving changes in both hemispheres, and an ordinary week.
    as_of = rng.choice(
        (
            datetime(2026, 4, 4, 10, 7, tzinfo=UTC),
            datetime(2026, 3, 7, 23, 30, tzinfo=UTC),
            datetime(2026, 3, 28, 13, 0, tzinfo=UTC),
            NOW,
        )
    )
    size = rng.choice((12, 40, 400))
    profiles = [_random_peer(rng, 1000 - 7 * k if k % 2 else 1000 + 7 * k) for k in range(size)]
    pool = PeerPool.build(profiles, as_of)
    policies = (DEFAULT, MatchPolicy(True, True), MatchPolicy(False, False))
    for q in range(30):
        role = rng.choice(("consumer", "carer"))
        caseloads = (
            {p.user_id: rng.choice((0, 0, 0, 1, 2, 4)) for p in profiles if rng.random() < 0.5}
            if q % 3
            else {}
        )
        caseloads[12345] = 1  # someone not in the pool
        later = rng.choice(
            (rng.randrange(86_400), 900 * rng.randrange(96), rng.randrange(86_400, 30 * 86_400))
        )
        now = as_of + timedelta(seconds=later)
        kwargs: dict[str, Any] = dict(
            role=role,
            preferences=_random_prefs(rng, role),
            caseloads=caseloads,
            policy=rng.choice(policies),
            now=now,
            exclude={p.user_id for p in rng.sample(profiles, 2)} if q % 4 == 0 else set(),
            limit=rng.choice((1, 3, 4)),
            offset=rng.choice((0, 0, 3)),
        )
        got = [
            (c.profile.user_id, c.fits, c.caseload, c.next_available)
            for c in pool.shortlist(**kwargs)
        ]
        assert got == _plain(profiles, **kwargs), (seed, q, kwargs)


def test_pool_remembers_caseloads_but_notices_changes() -> None:
    pool = PeerPool.build([peer(1), peer(2), peer(3)], NOW)
    loads = {1: 1}
    assert ids(
        pool.shortlist(role="consumer", preferences={}, caseloads=loads, policy=DEFAULT, now=NOW)
    ) == [2, 3, 1]
    loads[2] = 2  # the same mapping, changed in place
    assert ids(
        pool.shortlist(role="consumer", preferences={}, caseloads=loads, policy=DEFAULT, now=NOW)
    ) == [3, 1, 2]
    assert ids(
        pool.shortlist(role="consumer", preferences={}, caseloads={3: 6}, policy=DEFAULT, now=NOW)
    ) == [1, 2]


def test_many_equally_fitting_peers_are_ordered_by_availability_then_id() -> None:
    # More ties than are worked out one by one: the slot walk decides.
    profiles = [
        peer(uid, hours=f"Mon {9 + uid % 5}:{uid % 4 * 15:02d}-23:00") for uid in range(100, 300)
    ]
    profiles += [peer(50, hours="Tue 00:00-01:00"), replace(peer(40), hours=())]
    pool = PeerPool.build(profiles, NOW)
    found = pool.shortlist(
        role="consumer",
        preferences={},
        caseloads={},
        policy=DEFAULT,
        now=NOW + timedelta(minutes=20),
        limit=4,
    )
    # 09:00 windows (uid % 5 == 0) opening at :00 and :15 are open at 09:20.
    assert ids(found) == [100, 105, 120, 125]
    assert all(c.next_available == NOW + timedelta(minutes=20) for c in found)
    last = pool.shortlist(
        role="consumer", preferences={}, caseloads={}, policy=DEFAULT, now=NOW, offset=200, limit=5
    )
    assert ids(last) == [50, 40]
    assert last[1].next_available is None


# -- the prepared pool a bot process keeps between updates --------------------------------


async def test_a_process_notices_every_change_another_process_makes(tmp_path: Path) -> None:
    """Two bot processes share one database: what one writes, the other's prepared pool and
    caseloads reflect on its next shortlist (change counters bumped by triggers)."""
    from bot.clock import FakeClock
    from bot.services.shortlists import prepared_pool
    from bot.storage import Storage
    from tests.backends import database

    target = database(tmp_path / "db.sqlite3")
    writer, reader = Storage(target), Storage(target)
    await writer.connect()
    await reader.connect()
    clock = FakeClock(NOW)

    async def offered() -> list[int]:
        state = await prepared_pool(reader, clock.now())
        assert state.pool is not None
        return ids(
            state.pool.shortlist(
                role="consumer",
                preferences={},
                caseloads=state.caseloads,
                policy=DEFAULT,
                now=clock.now(),
                limit=10,
            )
        )

    try:
        for uid in (1, 2, 3):
            await writer.record_consent(uid, NOW, given=True)
            await writer.update_user(uid, NOW, role="consumer_peer")
            await writer.create_profile(
                uid,
                "consumer_peer",
                NOW,
                display_name=f"P{uid}",
                bio="",
                hours=parse_windows("Mon-Sun 00:00-24:00"),
                timezone="UTC",
                caseload_cap=1,
            )
        await writer.record_consent(9, NOW, given=True)
        assert await offered() == [1, 2, 3]
        first = (await prepared_pool(reader, clock.now())).pool
        assert (await prepared_pool(reader, clock.now())).pool is first  # nothing changed: kept
        await writer.update_profile(2, NOW, paused=True)
        assert await offered() == [1, 3]
        await writer.create_request(9, 1, {}, NOW, NOW + timedelta(days=2))
        assert await offered() == [3]  # 1 is at their cap now
        await writer.execute("UPDATE matches SET status = 'withdrawn' WHERE person_id = 9")
        assert await offered() == [1, 3]
        await writer.update_user(3, NOW, active=False)
        assert await offered() == [1]
        await writer.update_profile(2, NOW, paused=False)
        await writer.delete_user(1)
        assert await offered() == [2]
        clock.advance(days=2)  # a new day: the windows are prepared again
        assert await offered() == [2]
        assert (await prepared_pool(reader, clock.now())).pool is not first
    finally:
        await writer.close()
        await reader.close()


# -- the questions, and the free-text answers offered ---------------------------------------


def test_questions_nobody_can_answer_are_left_out() -> None:
    none: dict[str, list[str]] = {}
    some = {"language": ["English"], "culture": []}
    questions = preference_questions("consumer")
    language, culture = questions.index("language"), questions.index("culture")
    assert next_question("consumer", none, language) == culture + 1
    assert next_question("consumer", some, language) == language
    assert previous_question("consumer", some, culture + 1) == language
    assert previous_question("consumer", none, culture + 1) == language - 1
    assert previous_question("consumer", some, 0) is None
    assert next_question("consumer", some, len(questions)) is None
    assert option_values("language", some) == ["English"]
    assert option_values("gender", some) == list(CHOICES["gender"])


def test_free_text_options_are_what_peer_workers_wrote_most_common_first() -> None:
    profiles = [
        peer(1, languages=["English", "Vietnamese"], culture="Vietnamese  Australian"),
        peer(2, languages=["english", "Auslan"]),
        peer(3, languages=["Auslan", " English "]),
    ]
    options = free_text_options(profiles, limit=2)
    assert options == {"language": ["English", "Auslan"], "culture": ["Vietnamese Australian"]}
