"""Onboarding through the fake Bot API: consumers, carers, staff invites, consent, restarts."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.domain.roles import RELATIONSHIPS
from flows.coordinator import make_invite
from tests.harness import BOT_USERNAME, BotEnv, onboard_coordinator

AGREE = "That's OK with me"


async def test_consumer_onboarding(env: BotEnv) -> None:
    alice = env.client(1001, "Alice", "Smith", "alice_s")
    await alice.send("/start")
    texts = alice.texts()
    assert "not a crisis service" in texts[0]
    assert "peer support alongside your clinical care" in texts[0]
    assert "Is that OK with you?" in texts[1]
    # Nothing stored before consent.
    assert await env.storage.get_user(1001) is None
    await alice.click(AGREE)
    assert "Which of these fits you best?" in alice.last_text()
    await alice.click("I live with BPD")
    assert "What would you like to be called here?" in alice.last_text()
    await alice.send("Ally")
    assert "You're all set, Ally" in alice.last_text()
    user = await env.storage.get_user(1001)
    assert user is not None
    assert (user.role, user.alias, user.region, user.timezone) == (
        "consumer", "Ally", "AU", "Australia/Sydney")
    # The persistent "Need help now" entry is on the keyboard.
    assert alice.last().reply_markup["keyboard"][0][0]["text"] == "Need help now"
    # Their own command menu was set for their chat.
    scoped = [c for c in env.fake.calls_to("setMyCommands")
              if c.params.get("scope", {}).get("chat_id") == 1001]
    assert scoped
    assert "delete" in {cmd["command"] for cmd in scoped[-1].params["commands"]}


@pytest.mark.parametrize("relationship", RELATIONSHIPS)
async def test_carer_onboarding_each_relationship(env: BotEnv, relationship: str) -> None:
    labels = {"parent": "I'm a parent", "partner": "My partner", "sibling": "brother or sister",
              "child": "I'm their child", "friend": "A friend", "other": "Someone else"}
    bob = env.client(1002, "Bob")
    await bob.send("/start")
    await bob.click(AGREE)
    await bob.click("I support someone with BPD")
    assert "Who do you support?" in bob.last_text()
    await bob.click(labels[relationship])
    await bob.click("Skip")
    assert "You're all set." in bob.last_text()
    user = await env.storage.get_user(1002)
    assert user is not None
    assert (user.role, user.relationship, user.alias) == ("carer", relationship, None)


async def test_back_from_relationship_to_roles(env: BotEnv) -> None:
    bob = env.client(1003, "Bob")
    await bob.send("/start")
    await bob.click(AGREE)
    await bob.click("I support someone with BPD")
    await bob.click("Back")
    assert "Which of these fits you best?" in bob.last_text()
    await bob.click("I live with BPD")
    assert "What would you like to be called" in bob.last_text()


async def test_refusing_consent_stores_only_the_refusal(env: BotEnv) -> None:
    carl = env.client(1004, "Carl")
    await carl.send("/start")
    await carl.click("Tell me more")
    assert "How long" in carl.last_text()
    await carl.click("No thanks")
    assert "That's OK" in carl.last_text()
    user = await env.storage.get_user(1004)
    assert user is not None and not user.consented
    assert (user.role, user.alias, user.region) == (None, None, None)


@pytest.mark.parametrize("role", ["consumer_peer", "carer_peer", "coordinator"])
async def test_staff_join_by_invite_link(env: BotEnv, role: str) -> None:
    assert env.deps is not None
    link = await make_invite(env.deps, role, None, BOT_USERNAME)
    code = link.split("start=")[1]
    dana = env.client(1010, "Dana")
    await dana.send(f"/start {code}")
    await dana.click(AGREE)
    assert "You've joined as a" in dana.texts()[-2]
    await dana.send("Dana P")
    user = await env.storage.get_user(1010)
    assert user is not None and user.role == role


async def test_clinician_invites_exist_only_in_the_integrated_model(tmp_path: Path) -> None:
    env = await BotEnv.create(tmp_path, model="integrated")
    try:
        assert env.deps is not None
        link = await make_invite(env.deps, "clinician", None, BOT_USERNAME)
        erin = env.client(1011, "Erin")
        await erin.send(f"/start {link.split('start=')[1]}")
        await erin.click(AGREE)
        await erin.click("Skip")
        user = await env.storage.get_user(1011)
        assert user is not None and user.role == "clinician"
    finally:
        await env.stop()
    env.assert_clean()
    complementary = await BotEnv.create(tmp_path / "c")
    try:
        assert complementary.deps is not None
        with pytest.raises(ValueError, match="clinician"):
            await make_invite(complementary.deps, "clinician", None, BOT_USERNAME)
    finally:
        await complementary.stop()


async def test_invite_code_typed_in_reused_and_expired(env: BotEnv) -> None:
    assert env.deps is not None
    link = await make_invite(env.deps, "consumer_peer", None, BOT_USERNAME)
    code = link.split("start=")[1]
    fay = env.client(1020, "Fay")
    await fay.send("/start")
    await fay.click(AGREE)
    await fay.click("I have an invite code")
    await fay.send("not-a-code")
    assert "didn't work" in fay.last_text()
    await fay.send(code)
    assert "joined as a consumer peer worker" in fay.texts()[-2]
    await fay.click("Skip")

    # The same code again, by someone else: refused, and they can still choose a role.
    gus = env.client(1021, "Gus")
    await gus.send(f"/start {code}")
    await gus.click(AGREE)
    assert "already been used" in gus.last_text()
    user = await env.storage.get_user(1021)
    assert user is not None and user.role is None

    # An expired code.
    late = await make_invite(env.deps, "carer_peer", None, BOT_USERNAME)
    env.clock.advance(timedelta(hours=env.settings.invite_expiry_hours, minutes=1))
    await gus.send("/cancel")
    await gus.send("/start")
    await gus.click("I have an invite code")
    await gus.send(late.split("start=")[1])
    assert "expired" in gus.last_text()
    user = await env.storage.get_user(1021)
    assert user is not None and user.role is None


async def test_coordinator_from_settings_and_in_bot_invites(env: BotEnv) -> None:
    cora = env.client(900, "Cora")
    await cora.send("/start")
    await cora.click(AGREE)
    assert "joined as a coordinator" in cora.texts()[-2]
    await cora.click("Skip")
    await cora.send("/invite")
    await cora.click("Carer peer worker")
    assert f"https://t.me/{BOT_USERNAME}?start=" in cora.last_text()
    # People can't make invites.
    alice = env.client(1001, "Alice")
    await alice.send("/start")
    await alice.click(AGREE)
    await alice.click("I live with BPD")
    await alice.click("Skip")
    await alice.send("/invite")
    assert "isn't available for your role" in alice.last_text()


async def test_cancel_mid_flow(env: BotEnv) -> None:
    hal = env.client(1030, "Hal")
    await hal.send("/start")
    await hal.click(AGREE)
    await hal.click("I live with BPD")
    await hal.send("/cancel")
    assert "stopped there" in hal.last_text()
    # The name step is gone: free text now gets the general answer.
    await hal.send("Hal")
    assert "not sure what you meant" in hal.last_text()
    user = await env.storage.get_user(1030)
    assert user is not None and user.alias is None


async def test_restart_between_steps_loses_nothing(env: BotEnv) -> None:
    ivy = env.client(1040, "Ivy")
    await ivy.send("/start")
    await ivy.click(AGREE)
    await ivy.click("I support someone with BPD")
    await env.restart()
    await ivy.click("My partner")
    assert "What would you like to be called" in ivy.last_text()
    await env.restart()
    await ivy.send("Ivy")
    assert "You're all set, Ivy" in ivy.last_text()
    user = await env.storage.get_user(1040)
    assert user is not None and (user.role, user.relationship) == ("carer", "partner")


async def test_help_differs_by_role(env: BotEnv) -> None:
    nobody = env.client(1050, "Nat")
    await nobody.send("/help")
    assert "/start – Begin" in nobody.last_text()
    assert "/delete" not in nobody.last_text()
    cora = env.client(900, "Cora")
    await cora.send("/start")
    await cora.click(AGREE)
    await cora.click("Skip")
    await cora.send("/help")
    assert "/invite" in cora.last_text()


async def test_settings_change_name_and_relationship(env: BotEnv) -> None:
    bob = env.client(1060, "Bob")
    await bob.send("/start")
    await bob.click(AGREE)
    await bob.click("I support someone with BPD")
    await bob.click("A friend")
    await bob.send("Bob")
    await bob.send("/settings")
    await bob.click("My name")
    await bob.send("Robert")
    assert "Saved" in bob.last_text()
    await bob.click("Who I support")
    await bob.click("My partner")
    await bob.click("Done")
    user = await env.storage.get_user(1060)
    assert user is not None and (user.alias, user.relationship) == ("Robert", "partner")


async def test_regions_and_time_zones_when_the_service_spans_several(tmp_path: Path) -> None:
    env = await BotEnv.create(tmp_path, regions_offered=("AU", "NZ"),
                              timezones_offered=("Australia/Sydney", "Pacific/Auckland"))
    try:
        kim = env.client(1070, "Kim")
        await kim.send("/start")
        await kim.click(AGREE)
        await kim.click("I live with BPD")
        await kim.click("NZ")
        await kim.click("Pacific/Auckland")
        await kim.click("Skip")
        user = await env.storage.get_user(1070)
        assert user is not None and (user.region, user.timezone) == ("NZ", "Pacific/Auckland")
        await kim.send("/crisis")
        assert "1737" in kim.last_text() and "111" in kim.last_text()
    finally:
        await env.stop()
    env.assert_clean()


async def test_coordinator_report_shows_counts_never_people(env: BotEnv) -> None:
    cora = env.client(900, "Cora")
    await onboard_coordinator(cora, "Cora")
    alice = env.client(1001, "Alice", "Secretsurname")
    await alice.send("/start")
    await alice.click(AGREE)
    await alice.click("I live with BPD")
    await alice.send("Ally")
    await alice.send("i want to die")
    await cora.send("/report")
    report = cora.last_text()
    assert "Active pairs: 0" in report
    assert "Crisis cards shown: 1 (AU 1)" in report
    assert "person living with BPD: 1" in report
    assert "Ally" not in report and "Secretsurname" not in report
