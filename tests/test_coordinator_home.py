"""The coordinator home (/coord) and staff governance, driven the way a coordinator does it:
the service at a glance (waitlist, requests and their deadlines, caseloads against caps,
supervision oldest first with "Pick up", people left without a peer worker, groups), ending a
peer worker's access (each person handed over or told kindly, nobody dropped, access and
command menu gone at once), and listing and revoking invites."""

from __future__ import annotations

import json
from datetime import date, timedelta

from bot.domain.groups import Group, Schedule
from tests.harness import BotEnv, join_staff
from tests.test_relay_endings import coordinator
from tests.test_relay_flow import matched, peer_worker, person


async def _group(env: BotEnv) -> None:
    group = Group(
        0,
        "Carers circle",
        "For carers.",
        "carers",
        "online",
        "https://x.example",
        Schedule("weekly", date(2026, 3, 10), 18 * 60),
        "Jo",
        8,
    )
    await env.storage.create_group(group, env.clock.now())


def _menu_of(env: BotEnv, user_id: int) -> list[str] | None:
    """The commands last set for USER_ID's own chat (None: never set)."""
    calls = [
        c
        for c in env.fake.calls_to("setMyCommands")
        if str(user_id) in str(c.params.get("scope", ""))
    ]
    if not calls:
        return None
    commands = calls[-1].params["commands"]
    if isinstance(commands, str):
        commands = json.loads(commands)
    return [c["command"] for c in commands]


async def test_the_home_shows_the_service_at_a_glance_by_chosen_names(env: BotEnv) -> None:
    cora = await coordinator(env)
    jo = await peer_worker(env, 5590101, "Jo", cap=2)
    pat = await peer_worker(env, 5590102, "Pat", cap=3)
    await env.storage.update_profile(pat.user_id, env.clock.now(), paused=True)
    ana = await person(env, 5590001, "Ana")
    ben = await person(env, 5590002, "Ben")
    dee = await person(env, 5590003, "Dee")
    await matched(env, ana, jo)
    now = env.clock.now()
    await env.storage.join_waitlist(ben.user_id, now - timedelta(days=3))
    made = await env.storage.create_request(
        dee.user_id, jo.user_id, {}, now, now + timedelta(hours=48)
    )
    assert made.match is not None
    await env.storage.add_supervision_request(pat.user_id, "week", None, now - timedelta(hours=5))
    await env.storage.add_supervision_request(jo.user_id, "today", None, now - timedelta(hours=1))
    await _group(env)

    await cora.send("/coord")
    home = cora.last()
    text = home.plain
    assert "Coordinator home" in text
    assert "1 waiting. The longest wait is 3 days (Ben" in text
    assert "Dee asked Jo: answer due by Wed 4 Mar, 20:00" in text
    assert "Jo: 2 of 2 (full)" in text and "Pat: 0 of 3 (paused)" in text
    assert text.index("Pat, asked") < text.index("Jo, asked")  # oldest first
    assert "Carers circle: 0 members, next meeting Tue 10 Mar, 18:00" in text
    # Chosen names only: nothing from Telegram.
    assert "TgAna" not in text and "SurnameDee" not in text and "handle_" not in text
    labels = [b["text"] for b in home.buttons()]
    assert labels[:2] == ["Pick up Pat's request", "Pick up Jo's request"]
    assert {"Staff", "Invites", "Invite someone", "Report", "Refresh"} <= set(labels)

    # Acknowledge from here, through supervision's own path: Pat hears who picked it up.
    pat_mark = pat.mark()
    await cora.click("Pick up Pat's request")
    left = await env.storage.untaken_supervision_requests()
    assert [r.peer_id for r in left] == [jo.user_id]
    assert any("Cora" in t for t in pat.texts_since(pat_mark))
    await cora.send("/coord")
    assert "Pat, asked" not in cora.last().plain and "Jo, asked" in cora.last().plain

    # The home's own button opens the same screen.
    await cora.send("/menu")
    await cora.click("Coordinator home")
    assert "Coordinator home" in cora.last().plain and "Jo: 2 of 2" in cora.last().plain


async def test_ending_a_peer_workers_access_hands_everyone_over_and_drops_nobody(
    env: BotEnv,
) -> None:
    cora = await coordinator(env)
    jo = await peer_worker(env, 5590111, "Jo")
    pat = await peer_worker(env, 5590112, "Pat", cap=1)
    ana = await person(env, 5590011, "Ana")
    ben = await person(env, 5590012, "Ben")
    dee = await person(env, 5590013, "Dee")
    await matched(env, ana, jo)
    await matched(env, ben, jo)
    now = env.clock.now()
    made = await env.storage.create_request(
        dee.user_id, jo.user_id, {}, now, now + timedelta(hours=48)
    )
    assert made.match is not None

    await cora.send("/coord")
    await cora.click("Staff")
    staff = cora.last().plain
    assert "Consumer peer workers" in staff and "Jo" in staff and "Pat" in staff
    assert "Coordinators" in staff and "Cora" in staff
    assert "End access: Cora" not in [b["text"] for b in cora.last().buttons()]
    await cora.click("End access: Jo")
    assert "They support 2 people just now" in cora.last().plain
    marks = {c.user_id: c.mark() for c in (ana, ben, dee, jo, pat)}
    await cora.click("Yes, end access")

    done = next(m.plain for m in reversed(cora.messages) if "access has ended" in m.plain)
    assert "Jo's access has ended" in done
    assert "Handed over: Ana to Pat." in done
    assert "Nobody had room for Ben" in done
    assert "Requests closed, with the person told: 1." in done

    # Each person is told, once, kindly, with what happens next.
    (to_ana,) = ana.texts_since(marks[ana.user_id])
    assert "your peer worker is Pat" in to_ana
    (to_ben,) = ben.texts_since(marks[ben.user_id])
    assert to_ben.startswith("Jo is leaving the service, and no other peer worker has room")
    assert "isn't because of anything you did" in to_ben and "choose a new peer worker" in to_ben
    (to_dee,) = dee.texts_since(marks[dee.user_id])
    assert "Jo is no longer with the service, so your request to them has closed" in to_dee
    assert any("Ana" in t for t in pat.texts_since(marks[pat.user_id]))
    to_jo = jo.texts_since(marks[jo.user_id])
    assert any("A coordinator has ended your access as a consumer peer worker" in t for t in to_jo)

    # Nobody dropped: Ana has Pat, Ben and Dee can choose again and are on the home.
    assert (await env.storage.active_match_for_person(ana.user_id)).peer_id == pat.user_id
    assert await env.storage.live_match_for_person(ben.user_id) is None
    await cora.send("/coord")
    home = cora.last().plain
    assert "Without a peer worker" in home and "• Ben, since" in home
    assert "Jo:" not in home  # no longer among the peer workers

    # Access and the command menu end at once.
    user = await env.storage.get_user(jo.user_id)
    profile = await env.storage.get_profile(jo.user_id)
    assert user is not None and user.role is None
    assert profile is not None and not profile.active
    menu = _menu_of(env, jo.user_id)
    assert menu is not None and "end" not in menu and "supervision" not in menu
    jo_mark = jo.mark()
    await jo.send("/supervision")
    assert jo.texts_since(jo_mark) == [
        "That isn't available for your role. Send /help to see what you can do."
    ]
    assert await env.storage.untaken_supervision_requests() == []

    # The old button, pressed again, does nothing more.
    await cora.send("/coord")
    await cora.click("Staff")
    assert "End access: Jo" not in [b["text"] for b in cora.last().buttons()]


async def test_ending_a_coordinators_access_and_not_ones_own(env: BotEnv) -> None:
    cora = await coordinator(env)
    kim = env.client(5590201, "TgKim")
    await join_staff(kim, "coordinator", alias="Kim")
    await cora.send("/coord")
    await cora.click("Staff")
    await cora.click("End access: Kim")
    assert "End Kim's access as a coordinator now?" in cora.last().plain
    await cora.click("Yes, end access")
    assert "Kim's access has ended" in cora.last().plain
    user = await env.storage.get_user(kim.user_id)
    assert user is not None and user.role is None
    menu = _menu_of(env, kim.user_id)
    assert menu is not None and "coord" not in menu and "invite" not in menu
    mark = kim.mark()
    await kim.send("/coord")
    assert not any("Coordinator home" in t for t in kim.texts_since(mark))


async def test_invites_are_listed_with_who_made_them_and_can_be_revoked(env: BotEnv) -> None:
    cora = await coordinator(env)
    await cora.send("/invite")
    await cora.click("Carer peer worker", exact=True)
    link = cora.last().plain.split("?start=")[1].split()[0]
    await cora.send("/coord")
    await cora.click("Invites")
    shown = cora.last().plain
    assert "1. carer peer worker, made by Cora on Mon 2 Mar. Works until Thu 5 Mar" in shown
    await cora.click("Revoke invite 1 (carer peer worker)")
    assert "That invite no longer works" in cora.last().plain
    assert "None just now" in cora.last().plain

    newcomer = env.client(5590301, "TgNew")
    await newcomer.send(f"/start {link}")
    user = await env.storage.get_user(newcomer.user_id)
    assert user is None or user.role != "carer_peer"


async def test_words_typed_at_the_invite_question_get_its_buttons_again(env: BotEnv) -> None:
    cora = await coordinator(env)
    await cora.send("/invite")
    await cora.send("a peer worker please")
    assert cora.last_text() == (
        "Please tap one of these to choose who to invite, or send /cancel to stop."
    )
    await cora.click("Consumer peer worker", exact=True)
    assert "Here is a single-use invite for a consumer peer worker" in cora.last().plain
    await cora.send("thanks")  # the question is answered: not asked again
    assert "Please tap one of these" not in cora.last_text()
    await cora.send("/invite")
    await cora.send("/cancel")
    assert "Please tap one of these" not in cora.last_text()


async def test_only_coordinators_open_the_home(env: BotEnv) -> None:
    await coordinator(env)
    ana = await person(env, 5590401, "Ana")
    mark = ana.mark()
    await ana.send("/coord")
    assert not any("Coordinator home" in t for t in ana.texts_since(mark))


async def test_someone_who_chose_no_name_reads_as_such_never_as_a_question_mark(
    env: BotEnv,
) -> None:
    cora = await coordinator(env)
    kim = env.client(7701, "TgKim")
    await join_staff(kim, "consumer_peer")  # skipped the name, no profile yet
    await kim.send("/supervision")
    await kim.click("Today")
    await kim.click("Skip")
    await cora.send("/coord")
    home = cora.last_text()
    assert "someone with no chosen name" in home and "?" not in home.split("Supervision")[1]
    await cora.click("Staff")
    assert "someone with no chosen name" in cora.last_text()
    assert "End access: someone with no chosen name" in [b["text"] for b in cora.last().buttons()]


async def test_a_coordinator_taken_off_the_settings_loses_the_role_at_the_next_start(
    env: BotEnv,
) -> None:
    """The settings are read at start: a coordinator listed there and no longer listed loses
    the role before their next update, and is told; one who came by invite keeps it."""
    from dataclasses import replace

    cora = await coordinator(env)  # listed in the settings (id 900)
    dee = env.client(7801, "TgDee")
    await join_staff(dee, "coordinator", alias="Dee")  # came by a coordinator invite
    env.settings = replace(env.settings, coordinators=())
    await env.restart()
    user = await env.storage.get_user(cora.user_id)
    assert user is not None and user.role is None
    assert "no longer lists you in its settings" in cora.last_text()
    dee_user = await env.storage.get_user(dee.user_id)
    assert dee_user is not None and dee_user.role == "coordinator"
    await cora.send("/coord")
    assert "Coordinator home" not in cora.last_text()


async def test_a_big_services_staff_and_invites_come_a_page_at_a_time(env: BotEnv) -> None:
    """Forty staff and forty invites would pass Telegram's 4,096 characters and crowd one
    message with buttons: each list shows fifteen, with More and Back."""
    cora = await coordinator(env)
    now = int(env.clock.now().timestamp())
    await env.storage.executemany(
        "INSERT INTO users (user_id, consent, consent_at, role, region, timezone, alias, "
        "created_at, updated_at) VALUES (?, 'given', ?, ?, 'AU', 'Australia/Sydney', ?, ?, ?)",
        [
            (7_000_000 + k, now, ("consumer_peer", "carer_peer")[k % 2], f"Staff {k}", now, now)
            for k in range(40)
        ],
    )
    await cora.send("/coord")
    await cora.click("Staff")
    first = cora.last()
    assert "Page 1 of 3" in first.plain and "Staff 0 " in first.plain + " "
    labels = [b["text"] for b in first.buttons()]
    assert "More ›" in labels and "‹ Back" not in labels
    assert sum(label.startswith("End access") for label in labels) == 15
    await cora.click("More ›")
    await cora.click("More ›")
    last = cora.last()
    assert "Page 3 of 3" in last.plain and "More ›" not in [b["text"] for b in last.buttons()]
    await cora.click("‹ Back")
    assert "Page 2 of 3" in cora.last().plain

    for _ in range(20):
        await cora.send("/invite")
        await cora.click("Carer peer worker", exact=True)
    await cora.send("/coord")
    await cora.click("Invites")
    assert "Page 1 of 2" in cora.last().plain and "• 15. " in cora.last().plain
    await cora.click("More ›")
    assert "• 16. " in cora.last().plain and "• 20. " in cora.last().plain
    await cora.click("Revoke invite 20 (carer peer worker)")
    assert "That invite no longer works" in cora.last().plain
    env.assert_clean()
