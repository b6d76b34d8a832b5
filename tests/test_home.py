"""The home of buttons: after /start, on /start, /help and /menu, the main actions for each
role; from /start to a sent match request in five taps; a new peer worker taken to their
profile; buttons that open other flows' screens through bot/links.py."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from bot.callbacks import pack, registered_prefixes, unpack
from bot.links import OpenCoordinatorHome, RunCommand, find_peer_worker
from bot.menus import home, routed
from bot.routing import AppCtx, Button, Ctx
from bot.services.events import Collector
from tests.harness import AGREE, BotEnv, join_staff, onboard_coordinator
from tests.home_support import buttons, matched, peer, person, request, taps

ROOT = Path(__file__).resolve().parent.parent


# -- from /start to a request, by tapping ---------------------------------------------------


async def test_from_start_to_a_sent_request_in_five_taps(env: BotEnv) -> None:
    kim = await peer(env, 3001, "Kim")
    ally = env.client(3101, "Ally")
    count = taps(ally)
    await ally.send("/start")  # the one thing typed: how every Telegram bot begins
    await count.tap(AGREE)
    await count.tap("I live with BPD")
    await count.tap("Skip")
    await count.tap("Find a peer worker")
    await count.tap("Choose Kim")
    assert count.count == 5
    assert "We've sent your request to Kim" in ally.last_text()
    live = await env.storage.live_match_for_person(ally.user_id)
    assert live is not None and live.status == "requested"
    assert "A new request for peer support" in kim.last_text()


async def test_a_carer_taps_once_more_to_say_who_they_support(env: BotEnv) -> None:
    await peer(env, 3002, "Lou", kind="carer_peer")
    bea = env.client(3102, "Bea")
    count = taps(bea)
    await bea.send("/start")
    for label in (
        AGREE,
        "I support someone with BPD",
        "A friend",
        "Skip",
        "Find a peer worker",
        "Choose Lou",
    ):
        await count.tap(label)
    assert count.count == 6
    assert "We've sent your request to Lou" in bea.last_text()


# -- the home for each role -------------------------------------------------------------------


async def test_a_persons_home_follows_where_they_stand(env: BotEnv) -> None:
    jo = await peer(env, 3003, "Jo")
    sam = await person(env, 3103, "Sam")
    assert sam.last_text().startswith("You're all set, Sam.")
    assert "/match" in sam.last_text()  # commands work too, and the end of /start says so
    assert buttons(sam) == ["Find a peer worker", "Group meetings", "Things to read", "Check-ins"]
    await request(env, sam, jo)
    await sam.send("/menu")
    assert "You've asked Jo to be your peer worker" in sam.last_text()
    assert "Wed 4 Mar, 20:00" in sam.last_text()  # 48 hours, in Sydney time
    assert buttons(sam)[0] == "My request"
    await env.storage.answer_request(
        (await env.storage.live_match_for_person(3103)).id,
        jo.user_id,
        accept=True,
        now=env.clock.now(),
    )
    plan = env.cipher.encrypt(json.dumps({"coping": "A walk round the block"}))
    await env.storage.save_safety_plan(sam.user_id, plan, env.clock.now())
    await sam.send("/menu")
    assert "Your peer worker is Jo" in sam.last_text()
    assert buttons(sam) == [
        "My peer worker",
        "Group meetings",
        "Things to read",
        "Check-ins",
        "My safety plan",
    ]


async def test_start_help_and_menu_all_show_the_home(env: BotEnv) -> None:
    cal = await person(env, 3104, "Cal", role="carer")
    for command in ("/start", "/help", "/menu"):
        await cal.send(command)
        assert "Find a peer worker" in buttons(cal), command
    await cal.send("/help")
    lines = [line.split(" – ")[0] for line in cal.last_text().splitlines() if line.startswith("/")]
    assert lines[-3:] == ["/settings", "/mydata", "/delete"]
    assert "/menu" in lines


async def test_a_new_peer_worker_is_taken_to_set_up_their_profile(env: BotEnv) -> None:
    pat = env.client(3004, "Pat")
    await join_staff(pat, "consumer_peer", alias="Pat")
    assert "You're all set, Pat." in pat.last_text()
    assert (
        "People can't choose you as their peer worker until your profile is set up"
        in pat.last_text()
    )
    assert buttons(pat) == ["Set up your profile", "Supervision"]
    mark = pat.mark()
    await pat.click("Set up your profile")
    assert "Setting up your peer worker profile" in pat.texts_since(mark)[0]
    await pat.send("Pat")
    await pat.send("Music and long walks helped me.")
    await pat.send("Mon-Fri 18:00-20:00")
    assert "Your profile is ready" in pat.last_text()
    await pat.send("/menu")
    assert buttons(pat) == ["My people", "Profile and hours", "Supervision"]


async def test_staff_homes(env: BotEnv) -> None:
    cora = env.client(900, "Cora")
    await onboard_coordinator(cora, "Cora")
    # The coordinator home (/coord) is one button; its screens open from there.
    assert buttons(cora) == ["Coordinator home"]
    await cora.click("Coordinator home")
    assert "Coordinator home" in cora.last_text()
    await cora.click("Invite someone")
    assert "Who would you like to invite?" in cora.last_text()
    assert "Carer peer worker" in buttons(cora)  # role labels from the copy, as written
    opened = {}
    for label in ("Report", "Referral links", "Groups", "Announcements", "Hand someone over"):
        await cora.send("/coord")
        mark = cora.mark()
        await cora.click(label)
        opened[label] = "\n".join(cora.texts_since(mark)) or cora.last_text()
    assert "Which period would you like counts for?" in opened["Report"]
    assert "Referral links" in opened["Referral links"]
    assert all(opened.values())


async def test_the_coordinator_home_replaces_the_command_buttons_once_it_exists(
    env: BotEnv,
) -> None:
    cora = env.client(900, "Cora")
    await onboard_coordinator(cora)
    assert env.app is not None and env.deps is not None

    class CoordinatorHome:
        name = "coord"

        def __init__(self) -> None:
            self.routes = [Button(OpenCoordinatorHome, self.open)]

        async def open(self, ctx: Ctx, data: OpenCoordinatorHome) -> None:
            """What /coord's flow will answer."""

    flows = [f for f in env.app.bot_data["flows"] if f.name != "coordinator"]
    user = await env.storage.get_user(900)
    assert user is not None and not routed(flows, OpenCoordinatorHome)
    assert routed(env.app.bot_data["flows"], OpenCoordinatorHome)  # flows/coordinator's
    app = AppCtx(env.deps, env.app, Collector(), [*flows, CoordinatorHome()])
    _, markup = await home(app, user)
    assert [[b.text for b in row] for row in markup.inline_keyboard] == [["Coordinator home"]]
    assert markup.inline_keyboard[0][0].callback_data == pack(OpenCoordinatorHome())


# -- the buttons open other flows' screens ----------------------------------------------------


async def test_each_button_of_a_persons_home_opens_its_screen(env: BotEnv) -> None:
    dee = await person(env, 3105, "Dee")
    for label, expected in (
        ("Group meetings", "groups for you"),
        ("Things to read", "Things to read"),
        ("Check-ins", "Check-ins are off"),
    ):
        await dee.send("/menu")
        home_message = dee.last()
        await dee.click(label)
        assert expected in dee.last_text(), label
        assert dee.messages[-2].text == home_message.text  # the home stays where it was
    # None of them left a spinner: every press was answered.
    presses = [c for c in env.fake.calls if c.method == "answerCallbackQuery"]
    assert len(presses) >= 3 and not any(p.params.get("show_alert") for p in presses)


async def test_my_peer_worker_and_my_people(env: BotEnv) -> None:
    jo = await peer(env, 3006, "Jo")
    eve = await person(env, 3106, "Eve")
    fin = await person(env, 3107, None)
    await matched(env, eve, jo)
    await request(env, fin, jo)
    await eve.send("/menu")
    await eve.click("My peer worker")
    shown = eve.last_text()
    assert "Your peer worker: Jo" in shown and "any time, every day" in shown
    assert "To write to Jo, just type here" in shown and "Next available: now" in shown
    await eve.click("‹ Menu")
    assert eve.last_text().startswith("What would you like to do?")
    await jo.send("/menu")
    assert "People you support: 1. Requests waiting for your answer: 1." in jo.last_text()
    await jo.click("My people")
    assert "• Eve" in jo.last_text()
    assert "• Someone (no name given) asked you to be their peer worker" in jo.last_text()


async def test_a_command_button_checks_the_commands_roles(env: BotEnv) -> None:
    gil = await person(env, 3108, "Gil")
    before = gil.mark()
    await gil.press(pack(RunCommand("invite")))
    await gil.press(pack(RunCommand("no-such-command")))
    assert gil.mark() == before
    alerts = env.fake.calls_to("answerCallbackQuery")[-2:]
    assert all("closed" in a.params["text"] for a in alerts)
    # Someone not set up can still press Start (what /start does).
    new = env.client(3109, "Hal")
    await new.send("hello")
    await new.click("Start")
    assert "Is that OK with you?" in new.last_text()


async def test_a_command_button_leaves_a_half_done_step_as_a_command_does(env: BotEnv) -> None:
    ivy = await person(env, 3110, "Ivy")
    await ivy.send("/menu")
    home_message = ivy.last()
    await ivy.send("/settings")
    await ivy.click("My name")  # a typed step is open now
    _, data = ivy.find_button("Check-ins")
    await ivy.press(data, home_message)  # a button of the home, further up the chat
    assert "Check-ins are off" in ivy.last_text()
    session = await env.storage.get_session(3110)
    assert session is None or session.step != "settings.name"
    await ivy.send("Robert")  # no longer an answer to "what would you like to be called?"
    user = await env.storage.get_user(3110)
    assert user is not None and user.alias == "Ivy"


# -- links: answered by the flow that owns the screen, and flows never import each other -----


async def test_every_link_is_answered_by_some_flow(env: BotEnv) -> None:
    assert env.app is not None
    router = env.app.bot_data["router"]
    from bot import links

    classes = [
        getattr(links, name) for name in links.__all__ if isinstance(getattr(links, name), type)
    ]
    waiting_for_their_flow = {OpenCoordinatorHome}  # /coord is being built
    for cls in classes:
        if cls not in waiting_for_their_flow:
            assert cls in router.buttons, cls.__name__
    # "Find a peer worker" is data the matching flow routes, for people.
    found = unpack(find_peer_worker())
    route = router.buttons[type(found)]
    assert {"consumer", "carer"} <= set(route.roles)
    assert registered_prefixes()[find_peer_worker().split(":")[0]] is type(found)


def test_flows_never_import_each_other() -> None:
    offenders = []
    for file in sorted((ROOT / "flows").rglob("*.py")):
        flow = file.relative_to(ROOT / "flows").parts[0]
        if flow.endswith(".py"):
            continue
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            module = node.module if isinstance(node, ast.ImportFrom) and node.level == 0 else None
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            for name in filter(None, [module, *names]):
                parts = name.split(".")
                if parts[0] == "flows" and len(parts) > 1 and parts[1] != flow:
                    offenders.append(f"{file.relative_to(ROOT)}: {name}")
    assert offenders == []


def test_a_ctx_can_be_copied_for_a_command_button() -> None:
    # The home runs a command "as typed" on a copy of the press's context; Ctx must stay a
    # plain dataclass for that (dataclasses.replace).
    import dataclasses

    assert dataclasses.is_dataclass(Ctx)
