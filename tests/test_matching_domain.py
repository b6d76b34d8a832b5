"""Eligibility and ranking rules of peer matching, one rule at a time."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.domain.hours import parse_windows
from bot.domain.matching import (
    MatchPolicy,
    PeerPool,
    PeerProfile,
    clean_list,
    fitting_preferences,
    is_offerable,
    offerable_kinds,
    preference_questions,
    profile_features,
    rank_key,
    shortlist,
    wanted_features,
)

# Monday 2 March 2026, 09:00 UTC = 20:00 in Sydney.
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DEFAULT = MatchPolicy()


def peer(uid: int, kind: str = "consumer_peer", *, hours: str = "Mon-Sun 00:00-24:00",
         cap: int = 6, paused: bool = False, active: bool = True, tz: str = "UTC",
         **attributes: Any) -> PeerProfile:
    return PeerProfile(uid, kind, f"Peer {uid}", "What helped me.", attributes, cap,
                       parse_windows(hours), tz, paused, active)


def ids(found: list[Any]) -> list[int]:
    return [c.profile.user_id for c in found]


def run(profiles: list[PeerProfile], role: str = "consumer", prefs: dict[str, str] | None = None,
        loads: dict[int, int] | None = None, policy: MatchPolicy = DEFAULT, **kw: Any) -> list[int]:
    return ids(shortlist(profiles, role=role, preferences=prefs or {}, caseloads=loads or {},
                         policy=policy, now=NOW, **kw))


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
    pool = [peer(1, gender="man"), peer(2, gender="woman", lived_bpd=True),
            peer(3, gender="woman")]
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
    pool = [peer(1, hours="Tue 09:00-10:00"), peer(2, hours="Mon 08:00-10:00"),
            peer(3, hours="Mon 12:00-13:00")]
    found = shortlist(pool, role="consumer", preferences={}, caseloads={}, policy=DEFAULT,
                      now=NOW)
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
    found = shortlist([sydney, london], role="consumer", preferences={}, caseloads={},
                      policy=DEFAULT, now=NOW)
    assert ids(found) == [2, 1]
    assert found[0].next_available == NOW.replace(hour=18)


def test_deterministic_tie_break_by_id() -> None:
    pool = [peer(5), peer(3), peer(4)]
    assert run(pool) == [3, 4, 5]
    assert run(list(reversed(pool))) == [3, 4, 5]
    assert rank_key(1, 0, None, 3) < rank_key(1, 0, None, 4)


def test_rank_key_orders_fit_then_caseload_then_time_then_id() -> None:
    soon, later = NOW, NOW + timedelta(hours=1)
    keys = [rank_key(0, 0, soon, 1), rank_key(2, 3, later, 9), rank_key(2, 1, later, 9),
            rank_key(2, 1, soon, 9), rank_key(2, 1, soon, 2)]
    assert sorted(keys) == [keys[4], keys[3], keys[2], keys[1], keys[0]]


# -- what fits -------------------------------------------------------------------------------

def test_no_preference_and_unknown_values_ask_for_nothing() -> None:
    assert wanted_features({"gender": "any", "age_band": "", "lived_bpd": "maybe"}) == {}


def test_fits_are_listed_in_the_order_questions_are_asked() -> None:
    p = peer(1, gender="woman", languages=["English", "Vietnamese"], lgbtqia=True,
             support_modes=["individual"])
    prefs = {"support_mode": "individual", "gender": "woman", "language": "vietnamese ",
             "lgbtqia": "yes", "age_band": "18_25"}
    assert set(fitting_preferences(p, prefs)) == {"support_mode", "gender", "language",
                                                  "lgbtqia"}
    found = shortlist([p], role="consumer", preferences=prefs, caseloads={}, policy=DEFAULT,
                      now=NOW)
    assert found[0].fits == ("gender", "language", "lgbtqia", "support_mode")


def test_language_and_culture_match_ignoring_case_and_spacing() -> None:
    p = peer(1, languages=["Tiếng Việt"], culture="Vietnamese  Australian")
    assert fitting_preferences(p, {"language": "tiếng việt",
                                   "culture": "vietnamese australian"}) == ("language",
                                                                            "culture")


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
    found = pool.shortlist(role="consumer", preferences={}, caseloads={}, policy=DEFAULT,
                           now=later)
    assert found[0].next_available is not None
    assert found[0].next_available.weekday() == 2 and found[0].next_available > later
