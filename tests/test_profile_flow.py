"""/profile through the fake Bot API: setting up with answers that need fixing, a crisis
message at a typed step, /cancel, a restart half-way, typed edits closed by a menu button,
and presses the peer worker may not make. (Menus and matching: tests/test_matching_flow.py.)"""

from __future__ import annotations

import pytest

from bot import safety
from bot.domain.hours import Window
from tests.harness import BotEnv, Client, join_staff, onboard


async def peer(env: BotEnv, uid: int = 2001, kind: str = "consumer_peer") -> Client:
    client = env.client(uid, "Realname", "Surname", f"user{uid}")
    await join_staff(client, kind)
    return client


def last_answer(env: BotEnv) -> str:
    return str(env.fake.calls_to("answerCallbackQuery")[-1].params.get("text"))


async def test_setting_up_says_what_to_fix_and_keeps_nothing_until_the_end(env: BotEnv) -> None:
    kim = await peer(env)
    await kim.send("/profile")
    assert "Setting up your peer worker profile" in kim.texts()[-2]
    await kim.send("K" * 40)
    assert "1 to 32 letters" in kim.last_text()
    await kim.send("Kim")
    await kim.send("x" * 601)
    assert "between 1 and 600 characters" in kim.last_text()
    await kim.send("Walking and DBT skills helped me most.")
    for typed, says in (
        ("Funday 9-17", "'funday' is not a day of the week"),
        ("Mon 20:00-18:00", "the end time should be after the start"),
        ("Mon 25:00-26:00", "'25:00' is not a time of day"),
        ("whenever suits", "should look like 'Mon 18:00-20:00'"),
    ):
        await kim.send(typed)
        assert says in kim.last_text() and "didn't work" in kim.last_text()
    assert await env.storage.get_profile(2001) is None
    row = await env.storage.get_session(2001)
    assert row is not None and row.draft is not None and b"DBT" not in row.draft  # encrypted
    await kim.send("Tues 18:00 to 20:00, thurs 9-10")
    assert "Your profile is ready" in kim.last_text()
    assert "Hours: Tue 6pm–8pm; Thu 9am–10am, Sydney time" in kim.last_text()
    assert "Australia/" not in kim.last_text()
    profile = await env.storage.get_profile(2001)
    assert profile is not None and profile.display_name == "Kim"
    assert profile.hours == (Window(1, 1080, 1200), Window(3, 540, 600))
    assert await env.storage.get_session(2001) is None


async def test_a_command_part_way_through_setting_up_says_nothing_was_saved(env: BotEnv) -> None:
    kim = await peer(env)
    await kim.send("/profile")
    await kim.send("Kim")
    mark = kim.mark()
    await kim.send("/menu")
    said = kim.texts_since(mark)
    assert said[0].startswith("I've stopped setting up your profile, so it isn't saved yet.")
    assert len(said) == 2  # then the menu
    assert await env.storage.get_profile(2001) is None
    await kim.send("/profile")  # starts again from the name
    assert "Setting up your peer worker profile" in kim.texts()[-2]


async def test_flagged_words_at_the_bio_are_kept_only_if_the_peer_worker_chooses(
    env: BotEnv,
) -> None:
    kim = await peer(env)
    await kim.send("/profile")
    await kim.send("Kim")
    mark = kim.mark()
    await kim.send("i want to kill myself")
    texts = kim.texts_since(mark)
    assert len(texts) >= 2 and "Keep these words in your profile?" in texts[-1]  # below the card
    assert "Keep these words" not in texts[0]
    row = await env.storage.get_session(2001)
    assert row is not None and row.draft is not None and b"kill" not in row.draft  # encrypted
    await kim.click("Write it differently")
    assert "weren't kept" in kim.texts()[-2]
    assert "what would you like people to know about you?" in kim.last_text()
    await kim.send("Art helped me.")
    await kim.send("Mon-Sun 00:00-24:00")
    profile = await env.storage.get_profile(2001)
    assert profile is not None and profile.bio == "Art helped me."
    await kim.press("prof.keep:yes")  # an old button: nothing is waiting now
    assert "closed" in last_answer(env)
    assert (await env.storage.get_profile(2001)) == profile


async def test_lived_experience_can_be_kept_as_the_bio_even_when_flagged(
    env: BotEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    kim = await peer(env)
    await kim.send("/profile")
    await kim.send("Kim")
    mark = kim.mark()
    await kim.send("Some days I still want to kill myself, and I share how I get through.")
    assert "Keep these words in your profile?" in kim.last_text()
    assert len(kim.texts_since(mark)) >= 2  # the card came first
    await kim.click("Keep these words")
    assert "Kept in your profile" in kim.texts()[-2]
    assert "When can people reach you?" in kim.last_text()
    await kim.send("Mon-Fri 9am-9pm, Sat 10am-2pm")
    assert "Hours: Mon–Fri 9am–9pm; Sat 10am–2pm, Sydney time" in kim.last_text()
    profile = await env.storage.get_profile(2001)
    assert profile is not None and profile.bio.startswith("Some days I still want")
    # Changing it later, while the model flags even plain words about lived experience: the
    # card, "Keep these words?", then "Saved" in one line.
    real = safety.assess
    monkeypatch.setattr(
        safety,
        "assess",
        lambda text: real("i want to kill myself" if "lived experience" in text else text),
    )
    await kim.click("About you", exact=True)
    mark = kim.mark()
    await kim.send("I have lived experience and I like to listen.")
    assert len(kim.texts_since(mark)) >= 2
    assert "Keep these words in your profile?" in kim.last_text()
    await kim.click("Keep these words")
    assert kim.last_text() == "Saved. About you: I have lived experience and I like to listen."
    await kim.click("See my profile")
    assert "About you: I have lived experience" in kim.last_text()
    profile = await env.storage.get_profile(2001)
    assert profile is not None and profile.bio.startswith("I have lived experience")
    assert await env.storage.get_session(2001) is None


async def test_a_change_is_saved_in_one_line_with_the_card_a_tap_away(env: BotEnv) -> None:
    kim = await peer(env)
    await kim.send("/profile")
    for answer in ("Kim", "Art helped me.", "Mon 18:00-20:00"):
        await kim.send(answer)
    await kim.click("Hours", exact=True)
    await kim.send("Mon-Fri 9-17")
    assert kim.last_text() == "Saved. Hours: Mon–Fri 9am–5pm, Sydney time"
    assert [b["text"] for b in kim.last().buttons()] == ["See my profile"]
    await kim.click("See my profile")
    await kim.click("Caseload cap", exact=True)
    await kim.click("4", exact=True)
    assert kim.last_text() == "Saved. Caseload cap: 4"
    await kim.click("See my profile")
    assert "Your profile" in kim.last_text() and "Caseload: 0 of 4" in kim.last_text()
    await kim.click("Pause new matches")
    assert kim.last_text().startswith("New matches are paused.")
    await kim.click("See my profile")
    assert "New matches: paused" in kim.last_text()


async def test_a_restart_half_way_and_cancel(env: BotEnv) -> None:
    kim = await peer(env)
    await kim.send("/profile")
    await kim.send("Kim")
    await env.restart()
    await kim.send("Art helped me.")
    assert "When can people reach you?" in kim.last_text()
    await kim.send("/cancel")
    assert "we've stopped there" in kim.last_text()
    await kim.send("Mon 9-17")  # no longer an answer to anything
    assert await env.storage.get_profile(2001) is None
    await kim.send("/profile")  # starts again from the name
    assert "What name would you like people to see?" in kim.last_text()


async def test_a_menu_button_closes_a_typed_edit(env: BotEnv) -> None:
    kim = await peer(env)
    await kim.send("/profile")
    for answer in ("Kim", "Art helped me.", "Mon-Sun 00:00-24:00"):
        await kim.send(answer)
    await kim.click("Languages", exact=True)
    await kim.click("Back")
    assert "Your profile" in kim.last_text()
    await kim.click("Cultural background", exact=True)
    await kim.press("prof.one:gender")  # from an older menu: the culture edit closes
    await kim.click("A woman")
    assert kim.last_text() == "Saved. Gender: A woman"
    await kim.send("Vietnamese Australian")  # not an answer to the closed question
    profile = await env.storage.get_profile(2001)
    assert profile is not None and "culture" not in profile.attributes
    await kim.click("See my profile")
    await kim.click("Cultural background", exact=True)
    await kim.send("Vietnamese Australian")
    assert "Cultural background: Vietnamese Australian" in kim.last_text()
    await kim.click("See my profile")
    await kim.click("Cultural background", exact=True)
    await kim.click("Clear it")
    assert "Cultural background: not set" in kim.last_text()


async def test_presses_that_are_not_this_peer_workers_to_make(env: BotEnv) -> None:
    kim = await peer(env)
    await kim.send("/profile")
    await kim.press("prof.menu")  # no profile yet
    assert "closed" in last_answer(env)
    for answer in ("Kim", "Art helped me.", "Mon-Sun 00:00-24:00"):
        await kim.send(answer)
    before = await env.storage.get_profile(2001)
    for forged in (
        "prof.many:relationships",
        "prof.tog:relationships:parent",  # carer peers'
        "prof.cap:99",
        "prof.cap:-1",
        "prof.set:gender:robot",
        "prof.clr:nonsense",
        "prof.edit:caseload_cap",
        "prof.pause:2",
    ):
        await kim.press(forged)
        assert "closed" in last_answer(env), forged
    assert await env.storage.get_profile(2001) == before
    ally = env.client(1001, "Ally")
    await onboard(ally, alias="Ally")
    await ally.send("/profile")
    assert "/profile is for peer workers" in ally.last_text()
    await ally.press("prof.pause:1")
    assert "closed" in last_answer(env)
    assert await env.storage.get_profile(2001) == before


async def test_a_carer_peer_workers_menu_has_their_own_questions(env: BotEnv) -> None:
    cara = await peer(env, 2002, "carer_peer")
    await cara.send("/profile")
    for answer in ("Cara", "Caring for my son taught me a lot.", "Mon-Fri 9-17"):
        await cara.send(answer)
    await cara.click("Caring relationships", exact=True)
    await cara.click("Parent of someone with BPD")
    await cara.click("Done", exact=True)
    assert cara.last_text() == "Saved. Caring relationships: Parent of someone with BPD"
    await cara.click("See my profile")
    await cara.click("Years caring", exact=True)
    await cara.click("10 years or more")
    assert cara.last_text() == "Saved. Years caring: 10 years or more"
    await cara.click("See my profile")
    menu = cara.last_text()
    assert "Caring relationships: Parent of someone with BPD" in menu
    assert "Years caring: 10 years or more" in menu and "Recovery stage" not in menu
