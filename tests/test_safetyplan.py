"""A personal safety plan: written part by part in the person's words, encrypted at rest,
first on their crisis card, in /mydata, erased by /delete, and theirs to share."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta

from bot.content import Content
from bot.domain.hours import parse_windows
from bot.domain.safetyplan import PARTS, clean_part, plan_from, with_part
from flows.safetyplan.views import ask_part, menu, read_only
from tests.harness import BotEnv, Client, join_staff, onboard
from tests.snapshot import check_snapshot


async def write_part(client: Client, title: str, text: str) -> None:
    await client.send("/safetyplan")
    await client.click(title)
    await client.send(text)


def db_bytes(env: BotEnv) -> bytes:
    data = b""
    folder = env.settings.data_dir
    for name in ("bot.sqlite3", "bot.sqlite3-wal"):
        if (folder / name).exists():
            data += (folder / name).read_bytes()
    return data


def test_parts_are_cleaned_and_bounded() -> None:
    assert clean_part("  walk   the dog \n\n call mum ") == "walk the dog\ncall mum"
    assert clean_part("   ") is None
    assert clean_part("x" * 1001) is None
    plan = with_part({}, "reasons", "my cat")
    assert plan_from({**plan, "junk": "x", "coping": ""}) == {"reasons": "my cat"}


def test_views_read_well() -> None:
    copy = Content()
    plan = {"warning_signs": "I stop eating", "reasons": "My niece"}
    check_snapshot("safetyplan/menu_empty", *menu(copy, {}, can_share=False))
    check_snapshot("safetyplan/menu_with_plan", *menu(copy, plan, can_share=True))
    check_snapshot("safetyplan/read_only", *read_only(copy, plan))
    check_snapshot("safetyplan/ask_coping", *ask_part(copy, "coping", None))
    assert len(PARTS) == 7


async def test_writing_a_plan_part_by_part(env: BotEnv) -> None:
    sam = env.client(4001, "Sam")
    await onboard(sam, alias="Sam")
    await write_part(sam, "My warning signs", "I go quiet and skip my meals")
    assert "Saved." in sam.last_text()
    assert "I go quiet and skip my meals" in sam.last_text()
    await write_part(sam, "My reasons for living", "My niece Ruby and my dog")
    assert b"Ruby" not in db_bytes(env) and b"skip my meals" not in db_bytes(env)


async def test_the_plan_is_the_first_button_on_the_crisis_card(env: BotEnv) -> None:
    sam = env.client(4002, "Sam")
    await onboard(sam)
    await write_part(sam, "Things I can do on my own", "Cold water on my face, then a walk")
    mark = sam.mark()
    await sam.send("I can't do this anymore, I want to die")
    card = sam.since(mark)[0]
    assert card.buttons()[0]["text"] == "My safety plan"
    await sam.click("My safety plan")
    assert "Cold water on my face" in sam.last_text()


async def test_no_plan_no_button(env: BotEnv) -> None:
    lee = env.client(4003, "Lee")
    await onboard(lee)
    await lee.send("/crisis")
    assert all(b["text"] != "My safety plan" for b in lee.last().buttons())


async def test_words_that_signal_risk_get_the_card_and_are_kept_only_if_they_choose(
    env: BotEnv,
) -> None:
    sam = env.client(4004, "Sam")
    await onboard(sam)
    await sam.send("/safetyplan")
    await sam.click("My warning signs")
    mark = sam.mark()
    await sam.send("i'm going to take all my pills tonight")
    texts = sam.texts_since(mark)
    assert "If you need help now" in texts[0]  # the card first
    assert "kept in this part of your plan" in texts[-1]
    assert await env.storage.safety_plan(4004) is None
    await sam.click("Don't keep them")
    assert "What tells you a hard time might be coming" in sam.last_text()
    assert await env.storage.safety_plan(4004) is None
    await sam.send("When I start counting my pills, that's a sign")
    if "kept in this part" in sam.last_text():
        await sam.click("Keep them in my plan")
    assert "counting my pills" in sam.last_text()
    assert await env.storage.safety_plan(4004) is not None


async def test_mydata_shows_it_and_delete_erases_it(env: BotEnv) -> None:
    sam = env.client(4005, "Sam")
    await onboard(sam)
    await write_part(sam, "People I can ask for help", "My sister Jo")
    await sam.send("/mydata")
    document = env.fake.calls_to("sendDocument")[-1]
    data = json.loads(next(iter(document.files.values()))[1])
    assert data["safety_plan"] == {"helpers": "My sister Jo"}
    await sam.send("/delete")
    await sam.click("Yes, erase everything")
    assert await env.storage.safety_plan(4005) is None


async def test_sharing_with_the_peer_worker(env: BotEnv) -> None:
    sam = env.client(4006, "Sam")
    await onboard(sam, alias="Sam")
    await write_part(sam, "My reasons for living", "My garden")
    await sam.send("/safetyplan")
    assert all("peer worker" not in b["text"] for b in sam.last().buttons())  # no match yet
    kim = env.client(4007, "Kim")
    await join_staff(kim, "consumer_peer", alias="Kim")
    now = env.clock.now()
    await env.storage.create_profile(
        4007,
        "consumer_peer",
        now,
        display_name="Kim",
        bio="Hi.",
        hours=parse_windows("Mon-Sun 00:00-24:00"),
        timezone="Australia/Sydney",
        caseload_cap=6,
    )
    made = await env.storage.create_request(4006, 4007, {}, now, now + timedelta(hours=48))
    assert made.match is not None
    await env.storage.answer_request(made.match.id, 4007, accept=True, now=now)
    await sam.send("/safetyplan")
    await sam.click("Send it to my peer worker")
    assert "Send your safety plan to Kim?" in sam.last_text()
    await sam.click("Send it")
    assert "Sent to Kim." in sam.last_text()
    assert "Sam shared their safety plan with you" in kim.last_text()
    assert "My garden" in kim.last_text()


async def test_the_professionals_part_starts_with_the_area_numbers(env: BotEnv) -> None:
    sam = env.client(4008, "Sam")
    await onboard(sam)
    await sam.send("/safetyplan")
    await sam.click("Professionals and services")
    assert "Lifeline: 13 11 14" in sam.last_text()
    await sam.click("Keep it as it is")
    assert await env.storage.safety_plan(4008) is None


def test_the_stored_plan_is_ciphertext(tmp_path) -> None:
    # The column is registered for key rotation like notes.
    from bot.storage import ENCRYPTED_COLUMNS

    assert ("safety_plans", "sections") in ENCRYPTED_COLUMNS
    assert sqlite3.sqlite_version
