"""The crisis card fits who reads it: the person, someone worried about another person, or
staff; the emergency number always comes first; the peer-worker line only for someone who
has one; and a person's own safety plan is the first button."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bot.domain.hours import parse_windows
from bot.safety import card_kind, render_card
from bot.settings import LocalContact
from tests.harness import BotEnv, Client, join_staff, onboard

PEER_LINE = "may not see this straight away"


async def matched_consumer(env: BotEnv) -> Client:
    sam = env.client(3001, "Sam")
    await onboard(sam, alias="Sam")
    kim = env.client(3002, "Kim")
    await join_staff(kim, "consumer_peer", alias="Kim")
    now = env.clock.now()
    await env.storage.create_profile(
        3002,
        "consumer_peer",
        now,
        display_name="Kim",
        bio="Hi.",
        hours=parse_windows("Mon-Sun 00:00-24:00"),
        timezone="Australia/Sydney",
        caseload_cap=6,
    )
    made = await env.storage.create_request(3001, 3002, {}, now, now + timedelta(hours=48))
    assert made.match is not None
    await env.storage.answer_request(made.match.id, 3002, accept=True, now=now)
    return sam


def test_which_card() -> None:
    assert card_kind("consumer", "suicidal") == "person"
    assert card_kind("consumer", "third_party") == "about_someone"
    assert card_kind("carer", "third_party") == "about_someone"
    assert card_kind("carer", "suicidal") == "person"  # a carer's own risk
    assert card_kind("carer", None) == "about_someone"  # /crisis from a carer
    assert card_kind("consumer_peer", "suicidal") == "staff"
    assert card_kind("coordinator", "third_party") == "staff"
    assert card_kind(None, None) == "person"


@pytest.mark.parametrize("region", ["AU", "NZ", "UK", "IE", "US", "CA"])
@pytest.mark.parametrize("kind", ["person", "about_someone", "staff"])
def test_the_emergency_number_comes_first_in_every_region(
    env: BotEnv, region: str, kind: str
) -> None:
    assert env.deps is not None
    card = render_card(env.deps, region, kind=kind)  # type: ignore[arg-type]
    emergency = env.content.contacts[region].emergency
    first_line = card.index("•")
    assert card.index(emergency) < first_line


async def test_a_person_without_a_peer_worker_is_not_told_about_one(env: BotEnv) -> None:
    lee = env.client(3003, "Lee")
    await onboard(lee)
    await lee.send("i want to end my life")
    card = lee.texts()[-1]
    assert "If you need help now" in card and PEER_LINE not in card


async def test_a_person_with_a_peer_worker_is_told_they_may_not_see_it_at_once(env: BotEnv) -> None:
    sam = await matched_consumer(env)
    mark = sam.mark()
    await sam.send("i want to end my life")
    assert any(PEER_LINE in t for t in sam.texts_since(mark))


async def test_a_carer_writing_about_someone_gets_the_card_for_that(env: BotEnv) -> None:
    ann = env.client(3004, "Ann")
    await onboard(ann, "carer")
    mark = ann.mark()
    await ann.send("my daughter says she took all her pills and she won't wake up properly")
    card = ann.texts_since(mark)[0]
    assert "If someone you support is in danger" in card
    assert "If they are in danger now, call 000" in card
    assert "Suicide Call Back Service" in card  # a line for people supporting someone


async def test_staff_get_their_own_card_with_supervision_and_staff_support(tmp_path) -> None:
    support = LocalContact("Harbour EAP", phone="1300 111 222", hours="24/7")
    env = await BotEnv.create(tmp_path, coordinators=(900,), staff_support=support)
    try:
        kim = env.client(3005, "Kim")
        await join_staff(kim, "consumer_peer", alias="Kim")
        mark = kim.mark()
        await kim.send("honestly i don't want to be alive anymore, the job is crushing me")
        card = kim.texts_since(mark)[0]
        assert "/supervision" in card and "Harbour EAP" in card and "1300 111 222" in card
        assert PEER_LINE not in card
        env.assert_clean()
    finally:
        await env.stop()


async def test_someone_not_yet_set_up_gets_the_person_card(env: BotEnv) -> None:
    stranger = env.client(3006, "Max")
    await stranger.send("/crisis")
    assert "If you need help now" in stranger.last_text()


def test_render_card_without_staff_support_has_no_empty_line(env: BotEnv) -> None:
    assert env.deps is not None
    deps = replace(env.deps, settings=replace(env.deps.settings, staff_support=None))
    assert "Staff support" not in render_card(deps, "AU", kind="staff")


@pytest.mark.parametrize("kind", ["person", "about_someone"])
@pytest.mark.parametrize("has_peer", [True, False])
def test_every_paragraph_of_the_card_stands_apart(env: BotEnv, kind: str, has_peer: bool) -> None:
    """Read on a phone, each sentence group is its own paragraph: the peer-worker line never
    runs into the next sentence ("...these too.This bot is not...")."""
    assert env.deps is not None
    card = render_card(env.deps, "AU", kind=kind, has_peer=has_peer)  # type: ignore[arg-type]
    assert ".This" not in card and ".Look" not in card
    paragraphs = card.split("\n\n")
    assert any("not a crisis service" in p and "•" not in p for p in paragraphs), card
    if has_peer:
        assert any(p.strip().endswith("reach out to one of these too.") for p in paragraphs)


def test_the_staff_support_line_stands_apart(env: BotEnv) -> None:
    assert env.deps is not None
    support = LocalContact("Harbour EAP", phone="1300 111 222", hours="24/7")
    deps = replace(env.deps, settings=replace(env.deps.settings, staff_support=support))
    card = render_card(deps, "AU", kind="staff")
    assert "Staff support: • Harbour EAP" in card or "Staff support: Harbour EAP" in card
    assert "\n\nYou don't have to carry this alone" in card


async def test_supervision_is_offered_only_to_the_staff_who_have_it(env: BotEnv) -> None:
    """Peer workers can ask for supervision; a coordinator's or clinician's card doesn't
    point them to a command they don't have."""
    cora = env.client(900, "Cora")
    await cora.send("/start")
    await cora.click("That's OK with me")
    await cora.click("Skip")
    mark = cora.mark()
    await cora.send("I can't do this anymore, I want to die")
    card = cora.texts_since(mark)[0]
    assert "If you need help now" in card and "/supervision" not in card
    assert "You don't have to carry this alone. This bot is not a crisis service." in card
