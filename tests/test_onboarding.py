"""Onboarding through the fake Bot API: consumers, carers, staff invites, consent, restarts."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from bot.domain.roles import RELATIONSHIPS
from bot.services.invites import RoleNotInvitable, make_invite
from tests.harness import BOT_USERNAME, BotEnv, onboard, onboard_coordinator
from tests.home_support import buttons, matched, peer, person

AGREE = "That's OK with me"


async def invite(env: BotEnv, role: str) -> str:
    """A single-use link for ROLE, as the command line makes one."""
    return await make_invite(
        env.storage, env.settings, role, by=None, bot_username=BOT_USERNAME, now=env.clock.now()
    )


async def test_consumer_onboarding(env: BotEnv) -> None:
    alice = env.client(1001, "Alice", "Smith", "alice_s")
    await alice.send("/start")
    texts = alice.texts()
    assert "not a crisis service" in texts[0]
    assert "peer support alongside professional care" in texts[0]
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
        "consumer",
        "Ally",
        "AU",
        "Australia/Sydney",
    )
    # The persistent "Need help now" entry came with the welcome; the end of /start is the
    # home, whose buttons lead to the main things a person can do.
    assert alice.messages[0].reply_markup["keyboard"][0][0]["text"] == "Need help now"
    assert [b["text"] for b in alice.last().buttons()] == [
        "Find a peer worker",
        "Group meetings",
        "Things to read",
        "Check-ins",
    ]
    # Their own command menu was set for their chat.
    scoped = [
        c
        for c in env.fake.calls_to("setMyCommands")
        if c.params.get("scope", {}).get("chat_id") == 1001
    ]
    assert scoped
    assert "delete" in {cmd["command"] for cmd in scoped[-1].params["commands"]}


@pytest.mark.parametrize("relationship", RELATIONSHIPS)
async def test_carer_onboarding_each_relationship(env: BotEnv, relationship: str) -> None:
    labels = {
        "parent": "I'm a parent",
        "partner": "My partner",
        "sibling": "brother or sister",
        "child": "I'm their child",
        "friend": "A friend",
        "other": "Someone else",
    }
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


async def test_typing_where_buttons_answer_says_so_with_the_question(env: BotEnv) -> None:
    """'my daughter' typed at 'Who do you support?' brought the question back with no word
    of why; now one message says the buttons answer it, above the question."""
    eve = env.client(1006, "Eve")
    await eve.send("/start")
    await eve.click(AGREE)
    await eve.click("I support someone with BPD")
    mark = eve.mark()
    await eve.send("my daughter")
    [reply] = eve.texts_since(mark)
    assert reply.startswith("This one is answered with the buttons below")
    assert "Who do you support?" in reply
    await eve.click("My child (I'm a parent)")
    assert "What would you like to be called" in eve.last_text()


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
    link = await invite(env, role)
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
        link = await invite(env, "clinician")
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
        with pytest.raises(RoleNotInvitable, match="clinician"):
            await invite(complementary, "clinician")
    finally:
        await complementary.stop()


async def test_invite_code_typed_in_reused_and_expired(env: BotEnv) -> None:
    assert env.deps is not None
    link = await invite(env, "consumer_peer")
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
    late = await invite(env, "carer_peer")
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
    env = await BotEnv.create(
        tmp_path,
        regions_offered=("AU", "NZ"),
        timezones_offered=("Australia/Sydney", "Pacific/Auckland"),
    )
    try:
        kim = env.client(1070, "Kim")
        await kim.send("/start")
        await kim.click(AGREE)
        await kim.click("I live with BPD")
        await kim.click("New Zealand")
        await kim.click("New Zealand")
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
    await cora.click("Last 4 weeks")
    report = cora.messages[-2].plain
    assert "Matches made: 0" in report
    assert "Crisis cards shown: <5" in report  # one card: a small count is never shown
    assert "People living with BPD: <5" in report
    assert "Ally" not in report and "Secretsurname" not in report


async def test_nothing_is_stored_before_consent_and_a_no_keeps_only_the_no(env: BotEnv) -> None:
    """README, Privacy: "Nothing is stored before consent ... Saying no stores only the
    Telegram id and the 'no'" (no step, no draft: an invite code rides in the buttons)."""
    assert env.deps is not None
    nia = env.client(1080, "Nia")
    code = (await invite(env, "carer_peer")).split("start=")[1]
    await nia.send(f"/start {code}")
    await nia.click("Tell me more")
    assert await env.user_ids_in_tables(1080) == {}
    await nia.click("No thanks")
    assert await env.user_ids_in_tables(1080) == {"users": ["user_id"]}
    # Changing their mind later: the link still works, once.
    await nia.send(f"/start {code}")
    await nia.click(AGREE)
    assert "joined as a carer peer worker" in nia.texts()[-2]


async def test_buttons_from_a_question_already_answered_change_nothing(env: BotEnv) -> None:
    omar = env.client(1081, "Omar")
    await omar.send("/start")
    notice = omar.last()
    await omar.click(AGREE)
    await omar.click("I live with BPD")
    await omar.click("Skip")
    before = await env.storage.get_user(1081)
    mark = omar.mark()
    for label in ("I support someone with BPD", "Skip"):
        await omar.click(label)  # still on the messages that asked
    for data in ("onb.ok:no", "onb.ok:yes", "onb.back", "onb.tz:0", "onb.region:AU"):
        await omar.press(data, notice)
    assert omar.mark() == mark  # nothing new in the chat
    answers = env.fake.calls_to("answerCallbackQuery")[-7:]
    assert all("closed" in a.params["text"] for a in answers)
    assert await env.storage.get_user(1081) == before


async def test_typed_words_where_buttons_were_offered_ask_again(env: BotEnv) -> None:
    pat = env.client(1082, "Pat")
    await pat.send("/start")
    await pat.click(AGREE)
    await pat.send("I'm a carer")
    assert "Which of these fits you best?" in pat.last_text()
    await pat.click("I support someone with BPD")  # the buttons asked again work
    await pat.click("A friend")
    await pat.send("Pat")
    user = await env.storage.get_user(1082)
    assert user is not None and (user.role, user.relationship, user.alias) == (
        "carer",
        "friend",
        "Pat",
    )


async def test_start_again_once_set_up(env: BotEnv) -> None:
    quin = env.client(1083, "Quin")
    await quin.send("/start")
    await quin.click(AGREE)
    await quin.click("I live with BPD")
    await quin.send("Quin")
    menus = len(env.fake.calls_to("setMyCommands"))
    mark = quin.mark()
    await quin.send("/start")
    welcome_back, home = quin.since(mark)
    assert welcome_back.plain == "Welcome back, Quin."
    assert welcome_back.reply_markup["keyboard"][0][0]["text"] == "Need help now"
    assert home.plain.startswith("What would you like to do?")
    assert "Find a peer worker" in [b["text"] for b in home.buttons()]
    assert len(env.fake.calls_to("setMyCommands")) == menus + 1


async def test_help_is_the_command_menu_itself(env: BotEnv) -> None:
    """/help and the Telegram command menu come from the same route tables (bot/menus.py)."""
    for role, client in (
        ("carer", env.client(1090, "Ria")),
        ("coordinator", env.client(900, "Cora")),
    ):
        await client.send("/start")
        await client.click(AGREE)
        if role == "carer":
            await client.click("I support someone with BPD")
            await client.click("A friend")
        await client.click("Skip")
        menu = [
            c
            for c in env.fake.calls_to("setMyCommands")
            if c.params.get("scope", {}).get("chat_id") == client.user_id
        ][-1]
        await client.send("/help")
        listed = [
            line.split(" – ")[0] for line in client.last_text().splitlines() if line.startswith("/")
        ]
        assert listed == [f"/{c['command']}" for c in menu.params["commands"]]
        assert listed[:3] == ["/start", "/help", "/crisis"]
        # What is about the person's own data comes last.
        assert listed[-3:] == ["/settings", "/mydata", "/delete"]
        # The home's buttons come with it.
        assert client.last().buttons()


# -- a person who opens a staff invite is asked first; a clinician link after the model changed --


async def test_a_matched_person_opening_a_staff_invite_is_asked_first(env: BotEnv) -> None:
    jo = await peer(env, 1101, "Jo")
    ann = await person(env, 1102, "Ann")
    match = await matched(env, ann, jo)
    code = (await invite(env, "consumer_peer")).split("start=")[1]
    await ann.send(f"/start {code}")
    assert "You're matched with Jo" in ann.last_text()
    assert buttons(ann) == ["Join as staff and end my match", "Keep my match"]
    user = await env.storage.get_user(1102)
    assert user is not None and user.role == "consumer"  # nothing changes before the answer
    await ann.click("Keep my match")
    assert "nothing has changed" in ann.last_text()
    live = await env.storage.live_match_for_person(1102)
    assert live is not None and live.id == match.id and live.status == "active"
    # The link was not used: it still works when they're ready.
    await ann.send(f"/start {code}")
    await ann.click("Join as staff and end my match")
    user = await env.storage.get_user(1102)
    assert user is not None and user.role == "consumer_peer"
    assert await env.storage.live_match_for_person(1102) is None
    ended = await env.storage.get_match(match.id)
    assert ended is not None and ended.status == "ended"  # through the one ending path
    assert "Ann has ended your match" in jo.last_text()
    assert "Set up your profile" in [b["text"] for b in ann.last().buttons()]


async def test_a_person_without_a_match_is_asked_too(env: BotEnv) -> None:
    bo = await person(env, 1103, "Bo", role="carer")
    code = (await invite(env, "carer_peer")).split("start=")[1]
    await bo.send(f"/start {code}")
    assert "You're set up here as a carer" in bo.last_text()
    assert buttons(bo) == ["Join as staff", "Stay as I am"]
    await bo.click("Stay as I am")
    user = await env.storage.get_user(1103)
    assert user is not None and user.role == "carer"


async def test_a_clinician_link_used_after_the_model_changed_leaves_nobody_without_a_role(
    tmp_path: Path,
) -> None:
    env = await BotEnv.create(tmp_path, model="integrated")
    try:
        links = [(await invite(env, "clinician")).split("start=")[1] for _ in range(2)]
        env.settings = replace(env.settings, model="complementary")
        await env.restart()
        cy = env.client(1104, "Cy")
        await onboard(cy, alias="Cy")
        await cy.send(f"/start {links[0]}")
        await cy.click("Join as staff")
        assert "doesn't use any more, so nothing has changed" in cy.last_text()
        user = await env.storage.get_user(1104)
        assert user is not None and user.role == "consumer"
        # Someone new: told why, then asked which role fits them.
        di = env.client(1105, "Di")
        await di.send(f"/start {links[1]}")
        await di.click(AGREE)
        assert "doesn't use any more" in di.texts()[-2]
        assert "Which of these fits you best?" in di.last_text()
        await di.click("I support someone with BPD")
        await di.click("A friend")
        await di.click("Skip")
        user = await env.storage.get_user(1105)
        assert user is not None and user.role == "carer"
    finally:
        await env.stop()
    env.assert_clean()
