"""The people, invite and evaluation use cases over a real database in a temp folder: what
is stored, what is refused (with the copy key the person is told), and the events published."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.domain.hours import parse_windows
from bot.domain.matching import MatchPolicy
from bot.services import invites, people
from bot.services.evaluation import evaluate, named_period
from bot.services.events import Collector
from bot.settings import Settings
from bot.storage import Storage
from tests.backends import database

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
RULES = Settings()  # complementary, 72-hour links
INTEGRATED = replace(RULES, model="integrated")


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Storage]:
    storage = Storage(database(tmp_path / "bot.sqlite3"))
    await storage.connect()
    yield storage
    await storage.close()


def code_of(link: str) -> str:
    return link.split("start=")[1]


async def test_consent_stores_only_the_no_or_starts_a_profile(store: Storage) -> None:
    assert await people.consent(store, 1, NOW, given=False) is None
    user = await store.get_user(1)
    assert user is not None and not user.consented and user.role is None
    assert await people.consent(store, 2, NOW, given=True) is None
    assert await people.consent(store, 900, NOW, given=True, coordinators=(900,)) == "coordinator"
    coordinator = await store.get_user(900)
    assert coordinator is not None and coordinator.role == "coordinator"
    # A listed coordinator who says no is not one.
    assert await people.consent(store, 901, NOW, given=False, coordinators=(901,)) is None


async def test_role_region_zone_and_name(store: Storage) -> None:
    await people.consent(store, 1, NOW, given=True)
    await people.choose_role(store, 1, NOW, role="carer", relationship="sibling")
    with pytest.raises(ValueError, match="relationship"):
        await people.choose_role(store, 1, NOW, role="consumer", relationship="sibling")
    assert (
        await people.next_question(store, 1, NOW, regions=("AU", "NZ"), zones=("Australia/Sydney",))
        == "region"
    )
    await people.set_region(store, 1, NOW, "NZ", ("AU", "NZ"))
    with pytest.raises(ValueError, match="offered"):
        await people.set_region(store, 1, NOW, "US", ("AU", "NZ"))
    assert (
        await people.next_question(
            store, 1, NOW, regions=("AU", "NZ"), zones=("Pacific/Auckland",), after="region"
        )
        == "name"
    )
    with pytest.raises(people.NameNotValid) as refused:
        await people.name_yourself(store, 1, NOW, "  \n ")
    assert refused.value.key == "onboarding.name_problem.empty"
    assert await people.name_yourself(store, 1, NOW, "  Sam   Lee ") == "Sam Lee"
    user = await store.get_user(1)
    assert user is not None
    assert (user.role, user.relationship, user.region, user.timezone, user.alias) == (
        "carer",
        "sibling",
        "NZ",
        "Pacific/Auckland",
        "Sam Lee",
    )


async def test_a_new_time_zone_is_an_event_only_when_it_is_a_change(store: Storage) -> None:
    await people.consent(store, 1, NOW, given=True)
    events = Collector()
    await people.set_timezone(store, None, 1, NOW, "Australia/Perth")  # at /start
    await people.set_timezone(store, events, 1, NOW, "Pacific/Auckland")  # in /settings
    assert events.events == [people.TimeZoneChanged(1, "Pacific/Auckland")]
    onboarded = Collector()
    people.onboarded(onboarded, 1, "consumer")
    assert onboarded.events == [people.Onboarded(1, "consumer")]


async def test_an_invite_works_once_and_only_before_it_expires(store: Storage) -> None:
    link = await invites.make_invite(
        store, RULES, "carer_peer", by=None, bot_username="@peer_bot", now=NOW
    )
    assert link.startswith("https://t.me/peer_bot?start=")
    await people.consent(store, 1, NOW, given=True)
    events = Collector()
    role = await invites.redeem_invite(store, RULES, events, code=code_of(link), user_id=1, now=NOW)
    assert role == "carer_peer"
    assert events.events == [invites.InviteRedeemed(1, "carer_peer")]
    await people.consent(store, 2, NOW, given=True)
    for code, why in ((code_of(link), "used"), ("not-a-code", "unknown"), ("A" * 24, "unknown")):
        with pytest.raises(invites.InviteRefused) as refused:
            await invites.redeem_invite(store, RULES, Collector(), code=code, user_id=2, now=NOW)
        assert refused.value.key == f"onboarding.code_{why}"
    late = await invites.make_invite(store, RULES, "coordinator", by=1, bot_username="b", now=NOW)
    with pytest.raises(invites.InviteRefused, match="code_expired"):
        await invites.redeem_invite(
            store,
            RULES,
            Collector(),
            code=code_of(late),
            user_id=2,
            now=NOW + timedelta(hours=RULES.invite_expiry_hours),
        )
    user = await store.get_user(2)
    assert user is not None and user.role is None


async def test_clinicians_only_in_the_integrated_model(store: Storage) -> None:
    with pytest.raises(invites.RoleNotInvitable, match="clinician"):
        await invites.make_invite(store, RULES, "clinician", by=None, bot_username="b", now=NOW)
    # A link made while the service was integrated, used after it became complementary:
    # used up, and it gives no role.
    link = await invites.make_invite(
        store, INTEGRATED, "clinician", by=None, bot_username="b", now=NOW
    )
    await people.consent(store, 3, NOW, given=True)
    with pytest.raises(invites.InviteRefused, match="code_role_unavailable"):
        await invites.redeem_invite(
            store, RULES, Collector(), code=code_of(link), user_id=3, now=NOW
        )
    user = await store.get_user(3)
    assert user is not None and user.role is None
    # Someone who had a role keeps it: the link changes nothing for them.
    again = await invites.make_invite(
        store, INTEGRATED, "clinician", by=None, bot_username="b", now=NOW
    )
    await people.consent(store, 4, NOW, given=True)
    await people.choose_role(store, 4, NOW, role="carer", relationship="parent")
    with pytest.raises(invites.InviteRefused, match="code_role_unavailable"):
        await invites.redeem_invite(
            store, RULES, Collector(), code=code_of(again), user_id=4, now=NOW
        )
    user = await store.get_user(4)
    assert user is not None and (user.role, user.relationship) == ("carer", "parent")


async def _peer(store: Storage, uid: int, kind: str) -> None:
    await people.consent(store, uid, NOW, given=True)
    await store.update_user(uid, NOW, role=kind)
    await store.create_profile(
        uid,
        kind,
        NOW,
        display_name=f"Peer {uid}",
        bio="Hi.",
        hours=parse_windows("Mon-Sun 00:00-24:00"),
        timezone="Australia/Sydney",
        caseload_cap=6,
    )


async def test_where_someone_stands(store: Storage) -> None:
    assert (await people.standing(store, 1)).stage == "new"
    await people.consent(store, 1, NOW, given=False)
    assert (await people.standing(store, 1)).stage == "declined"
    await people.consent(store, 2, NOW, given=True)
    assert (await people.standing(store, 2)).stage == "no_role"
    await people.choose_role(store, 2, NOW, role="consumer")
    assert (await people.standing(store, 2)).support == "none"
    await _peer(store, 10, "consumer_peer")
    made = await store.create_request(2, 10, {}, NOW, NOW + timedelta(hours=48))
    assert made.match is not None
    where = await people.standing(store, 2)
    assert (where.support, where.match) == ("requested", made.match)
    await store.answer_request(made.match.id, 10, accept=True, now=NOW)
    assert (await people.standing(store, 2)).support == "matched"
    peer = await people.standing(store, 10)
    assert peer.profile is not None and len(peer.people) == 1 and peer.requests == ()
    await people.end_support(store, Collector(), 2, NOW)
    where = await people.standing(store, 2)
    assert where.support == "ended" and where.match is not None
    assert where.match.id == made.match.id
    await store.join_waitlist(2, NOW)
    assert (await people.standing(store, 2)).position == 1


async def test_changing_role_asks_what_becomes_of_a_match(store: Storage) -> None:
    await _peer(store, 10, "consumer_peer")
    await _peer(store, 11, "carer_peer")
    await people.consent(store, 1, NOW, given=True)
    await people.choose_role(store, 1, NOW, role="consumer")
    made = await store.create_request(1, 10, {}, NOW, NOW + timedelta(hours=48))
    assert made.match is not None
    kept = Collector()
    # A consumer peer worker may support carers by default: the request may go on.
    profile = await store.get_profile(10)
    assert people.can_keep(made.match, profile, "carer", invites_policy())
    assert not people.can_keep(
        made.match, await store.get_profile(11), "consumer", invites_policy()
    )
    assert (
        await people.change_role(
            store, store, kept, 1, NOW, role="carer", relationship="sibling", end_match=False
        )
        is None
    )
    assert kept.events == [people.RoleChanged(1, "carer")]
    assert (await store.live_match_for_person(1)) is not None
    ended = Collector()
    closed = await people.change_role(
        store, store, ended, 1, NOW, role="consumer", relationship=None, end_match=True
    )
    assert closed is not None and closed.id == made.match.id
    assert [type(e).__name__ for e in ended.events] == [
        "MatchEnded",
        "CapacityFreed",
        "RoleChanged",
    ]
    with pytest.raises(ValueError, match="relationship"):
        await people.change_role(
            store, store, Collector(), 1, NOW, role="carer", relationship=None, end_match=False
        )


def invites_policy() -> MatchPolicy:
    return MatchPolicy(consumer_peers_support_carers=True, carer_peers_support_consumers=False)


async def test_evaluation_counts_the_last_4_weeks_by_local_days(store: Storage) -> None:
    zone = ZoneInfo("Australia/Sydney")
    await people.consent(store, 1, NOW, given=True)
    await people.choose_role(store, 1, NOW, role="consumer")
    today = NOW.astimezone(zone).date()
    await store.bump_counter("crisis_card", today.isoformat(), "AU", 2)
    await store.bump_counter("crisis_card", today.isoformat(), "", 1)
    await store.bump_counter("crisis_card", (today - timedelta(days=28)).isoformat(), "AU")
    ev = await evaluate(store, named_period("4w", today), NOW, zone)
    assert ev.people_by_role == {"consumer": 1}
    assert ev.cards_by_region == {"AU": 2, "": 1}
    assert ev.matches_made == 0
