"""/settings through the fake Bot API: each change stored, a new time zone moving the next
check-in, and buttons from a menu that is no longer open changing nothing."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.callbacks import pack
from flows.settings.callbacks import Change, NewRegion, NewZone
from tests.harness import BotEnv, onboard

PERTH = ZoneInfo("Australia/Perth")


async def test_region_and_time_zone_change_and_the_next_check_in_follows(tmp_path: Path
                                                                         ) -> None:
    env = await BotEnv.create(tmp_path, regions_offered=("AU", "NZ"),
                              timezones_offered=("Australia/Sydney", "Australia/Perth"))
    try:
        ally = env.client(1001, "Ally")
        await ally.send("/start")
        await ally.click("That's OK with me")
        await ally.click("I live with BPD")
        await ally.click("AU")
        await ally.click("Australia/Sydney")
        await ally.send("Ally")
        now = env.clock.now()
        await env.storage.save_checkin_schedule(1001, 0b1111111, 19 * 60, now, now)
        await ally.send("/settings")
        assert "My time zone (Australia/Sydney)" in str(ally.last().buttons())
        await ally.click("My region")
        await ally.click("NZ")
        assert "Saved" in ally.last_text()
        await ally.click("My time zone")
        await ally.click("Australia/Perth")
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


async def test_menu_lines_a_person_does_not_have_and_closed_menus_are_stale(env: BotEnv
                                                                            ) -> None:
    sam = env.client(1003, "Sam")
    await onboard(sam, alias="Sam")
    await sam.send("/settings")
    menu = sam.last()
    before = [(m.text, m.reply_markup) for m in sam.messages]
    # A consumer has no "Who I support"; one region and one time zone: none to choose.
    for forged in (pack(Change("rel")), pack(Change("region")), pack(Change("tz")),
                   pack(NewRegion("AU")), pack(NewZone(0)), "set.tz:99", "set.open:nothing"):
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
