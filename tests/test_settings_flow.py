"""/settings through the fake Bot API: each change stored, a new time zone moving the next
check-in, and buttons from a menu that is no longer open changing nothing."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.callbacks import pack
from flows.settings.callbacks import Change, NewRegion, NewZone
from tests.harness import BotEnv, onboard
from tests.home_support import buttons, matched, peer, person, request

PERTH = ZoneInfo("Australia/Perth")


async def test_region_and_time_zone_change_and_the_next_check_in_follows(tmp_path: Path) -> None:
    env = await BotEnv.create(
        tmp_path,
        regions_offered=("AU", "NZ"),
        timezones_offered=("Australia/Sydney", "Australia/Perth"),
    )
    try:
        ally = env.client(1001, "Ally")
        await ally.send("/start")
        await ally.click("That's OK with me")
        await ally.click("I live with BPD")
        await ally.click("Australia")
        await ally.click("Sydney")
        await ally.send("Ally")
        now = env.clock.now()
        await env.storage.save_checkin_schedule(1001, 0b1111111, 19 * 60, now, now)
        await ally.send("/settings")
        assert "My time zone (Sydney)" in str(ally.last().buttons())
        await ally.click("My region")
        await ally.click("New Zealand")
        assert "Saved" in ally.last_text()
        await ally.click("My time zone")
        await ally.click("Perth")
        await ally.click("Done")
        assert "Your settings are saved" in ally.last_text()
        user = await env.storage.get_user(1001)
        assert user is not None and (user.region, user.timezone) == ("NZ", "Australia/Perth")
        schedule = await env.storage.get_checkin_schedule(1001)
        assert schedule is not None and schedule.next_due is not None
        local = datetime.fromtimestamp(schedule.next_due, PERTH)
        assert (local.hour, local.minute) == (19, 0)
    finally:
        await env.stop()
    env.assert_clean()


async def test_someone_not_set_up_is_sent_to_start(env: BotEnv) -> None:
    nat = env.client(1002, "Nat")
    await nat.send("/settings")
    assert "Send /start to begin" in nat.last_text()
    await nat.send("/start")
    await nat.click("That's OK with me")
    await nat.send("/settings")  # consented, but no role yet
    assert "Send /start to begin" in nat.last_text()


async def test_menu_lines_a_person_does_not_have_and_closed_menus_are_stale(env: BotEnv) -> None:
    sam = env.client(1003, "Sam")
    await onboard(sam, alias="Sam")
    await sam.send("/settings")
    menu = sam.last()
    before = [(m.text, m.reply_markup) for m in sam.messages]
    # A consumer has no "Who I support"; one region and one time zone: none to choose.
    for forged in (
        pack(Change("rel")),
        pack(Change("region")),
        pack(Change("tz")),
        pack(NewRegion("AU")),
        pack(NewZone(0)),
        "set.tz:99",
        "set.open:nothing",
    ):
        await sam.press(forged, menu)
    assert [(m.text, m.reply_markup) for m in sam.messages] == before
    answers = env.fake.calls_to("answerCallbackQuery")[-7:]
    assert all("closed" in a.params["text"] for a in answers)
    await sam.click("Done")
    await sam.press(pack(Change("name")), menu)  # a line of the menu that has closed
    assert "closed" in env.fake.calls_to("answerCallbackQuery")[-1].params["text"]
    user = await env.storage.get_user(1003)
    assert user is not None and user.alias == "Sam"


async def test_typed_words_at_the_menu_bring_the_menu_back(env: BotEnv) -> None:
    kit = env.client(1004, "Kit")
    await onboard(kit, "carer", relationship="friend", alias="Kit")
    await kit.send("/settings")
    await kit.send("my name please")
    assert "What would you like to change?" in kit.last_text()
    await kit.click("Who I support")
    await kit.click("Back")
    await kit.click("Who I support")
    await kit.click("My partner")
    user = await env.storage.get_user(1004)
    assert user is not None and user.relationship == "partner"


# -- changing one's mind: a person or a carer, asked first about a request or match ------------


async def test_a_person_becomes_a_carer(env: BotEnv) -> None:

    ada = env.client(1011, "Ada")
    await onboard(ada, alias="Ada")
    menus = len(env.fake.calls_to("setMyCommands"))
    await ada.send("/settings")
    await ada.click("I'm here as: Person living with BPD")
    assert "Which of these fits you best now?" in ada.last_text()
    assert buttons(ada) == ["✓ I live with BPD", "I support someone with BPD", "Back"]
    await ada.click("I support someone with BPD")
    assert "Who do you support?" in ada.last_text() and "Back" in buttons(ada)
    await ada.click("A friend")
    assert "Saved" in ada.last_text()
    assert "I'm here as: Carer" in buttons(ada)
    user = await env.storage.get_user(1011)
    assert user is not None and (user.role, user.relationship) == ("carer", "friend")
    assert len(env.fake.calls_to("setMyCommands")) == menus + 1  # their menu follows
    # And back again: a person living with BPD has no relationship.
    await ada.click("I'm here as: Carer")
    await ada.click("I live with BPD")
    user = await env.storage.get_user(1011)
    assert user is not None and (user.role, user.relationship) == ("consumer", None)


async def test_a_match_that_can_go_on_is_kept_if_they_choose(env: BotEnv) -> None:

    jo = await peer(env, 1012, "Jo")  # a consumer peer worker; the service lets them
    bea = await person(env, 1013, "Bea")  # support carers too (the default)
    match = await matched(env, bea, jo)
    await bea.send("/settings")
    await bea.click("I'm here as")
    await bea.click("I support someone with BPD")
    await bea.click("My partner")
    assert "Jo can support you as a carer too" in bea.last_text()
    assert buttons(bea) == ["Keep my match", "End my match", "Back"]
    await bea.click("Keep my match")
    assert "Saved" in bea.last_text()
    user = await env.storage.get_user(1013)
    assert user is not None and (user.role, user.relationship) == ("carer", "partner")
    live = await env.storage.live_match_for_person(1013)
    assert live is not None and live.id == match.id and live.status == "active"


async def test_a_match_that_cannot_go_on_ends_only_if_they_go_ahead(env: BotEnv) -> None:

    lou = await peer(env, 1014, "Lou", kind="carer_peer")
    cal = await person(env, 1015, "Cal", role="carer")
    match = await matched(env, cal, lou)
    await cal.send("/settings")
    await cal.click("I'm here as")
    await cal.click("I live with BPD")
    assert "Lou can't support you as someone living with BPD here" in cal.last_text()
    assert buttons(cal) == ["Change it and end my match", "Back"]
    await cal.click("Back")
    assert "What would you like to change?" in cal.last_text()
    user = await env.storage.get_user(1015)
    assert user is not None and user.role == "carer"
    await cal.click("I'm here as")
    await cal.click("I live with BPD")
    await cal.click("Change it and end my match")
    user = await env.storage.get_user(1015)
    assert user is not None and (user.role, user.relationship) == ("consumer", None)
    ended = await env.storage.get_match(match.id)
    assert ended is not None and ended.status == "ended"  # the one ending path
    assert "Cal has ended your match" in lou.last_text()


async def test_a_request_is_asked_about_too(env: BotEnv) -> None:

    kim = await peer(env, 1016, "Kim")
    dan = await person(env, 1017, "Dan")
    await request(env, dan, kim)
    await dan.send("/settings")
    await dan.click("I'm here as")
    await dan.click("I support someone with BPD")
    await dan.click("A friend")
    assert "keep your request to Kim" in dan.last_text()
    question = dan.last()
    await dan.click("Withdraw my request")
    assert await env.storage.live_match_for_person(1017) is None
    assert question.plain.startswith("Saved")  # the question became the menu again
    assert "has withdrawn their request" in kim.last_text()


async def test_every_question_has_back(tmp_path: Path) -> None:

    env = await BotEnv.create(
        tmp_path,
        regions_offered=("AU", "NZ"),
        timezones_offered=("Australia/Sydney", "Pacific/Auckland"),
    )
    try:
        lou = await peer(env, 1018, "Lou", kind="carer_peer")
        eve = env.client(1019, "Eve")
        await eve.send("/start")
        await eve.click("That's OK with me")
        await eve.click("I support someone with BPD")
        await eve.click("A friend")
        await eve.click("Australia")
        await eve.click("Sydney")
        await eve.click("Skip")
        await matched(env, eve, lou)
        await eve.send("/settings")
        for line, then in (
            ("My name", None),
            ("I'm here as", None),
            ("I'm here as", "I live with BPD"),
            ("Who I support", None),
            ("My region", None),
            ("My time zone", None),
        ):
            await eve.click(line)
            if then:
                await eve.click(then)
            assert "Back" in buttons(eve), (line, then)
            await eve.click("Back")
            assert "What would you like to change?" in eve.last_text()
        user = await env.storage.get_user(1019)
        assert user is not None and (user.role, user.relationship) == ("carer", "friend")
    finally:
        await env.stop()
    env.assert_clean()
