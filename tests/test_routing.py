"""The dispatcher: steps stored per person and read per update, timeouts, crisis messages
never kept as answers, media at a typed step, stale and forged presses, encrypted drafts."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Literal

import pytest
from telegram import Update
from telegram.ext import TypeHandler

from bot.callbacks import callback, pack
from bot.keyboards import choose_one
from bot.routing import ANY_ROLE, EVERYONE, Button, Command, Ctx, Router, StaleButton, Step
from bot.services.events import EventBus
from tests.harness import BotEnv, onboard


@callback("t.colour")
@dataclass(frozen=True, slots=True)
class Colour:
    name: Literal["red", "blue"]


class NameFlow:
    """A tiny flow: /tname asks for a name (typed), /tcolour offers two buttons."""

    name = "tname"
    catch_all = None

    def __init__(self) -> None:
        self.saved: list[str] = []
        self.routes = [
            Command("tname", self.start, roles=EVERYONE),
            Command("tcolour", self.colours, roles=ANY_ROLE),
            Button(Colour, self.on_colour, roles=ANY_ROLE),
            Step("tname.name", ask=self.ask, on_text=self.answer),
        ]

    async def start(self, ctx: Ctx) -> None:
        ctx.start_step("tname.name", asked="yes")
        await self.ask(ctx)

    async def ask(self, ctx: Ctx) -> None:
        await ctx.reply("What name would you like?")

    async def answer(self, ctx: Ctx, text: str) -> None:
        self.saved.append(text)
        ctx.end_step()
        await ctx.reply(f"Saved {text}")

    async def colours(self, ctx: Ctx) -> None:
        await ctx.reply("Pick one", choose_one([("Red", Colour("red")), ("Blue", Colour("blue"))]))

    async def on_colour(self, ctx: Ctx, data: Colour) -> None:
        if data.name == "blue":
            raise StaleButton
        await ctx.show(f"You chose {data.name}")


@pytest.fixture
def flow(env: BotEnv) -> NameFlow:
    assert env.app is not None and env.deps is not None
    test_flow = NameFlow()
    router = Router(env.deps, [test_flow], EventBus())
    # After the crisis card handlers, before every flow: the net (group -2) runs first.
    env.app.add_handler(TypeHandler(Update, router.dispatch), group=-1)
    return test_flow


async def test_a_step_is_stored_and_answered(env: BotEnv, flow: NameFlow) -> None:
    sam = env.client(601, "Sam")
    await sam.send("/tname")
    assert sam.last_text() == "What name would you like?"
    row = await env.storage.get_session(601)
    assert row is not None and row.step == "tname.name"
    assert row.draft is not None and b"asked" not in row.draft  # encrypted at rest
    await sam.send("Robin")
    assert flow.saved == ["Robin"]
    assert sam.last_text() == "Saved Robin"
    assert await env.storage.get_session(601) is None


async def test_a_step_survives_a_restart(env: BotEnv, flow: NameFlow) -> None:
    sam = env.client(602, "Sam")
    await sam.send("/tname")
    await env.restart()
    assert env.app is not None and env.deps is not None
    router = Router(env.deps, [flow], EventBus())
    env.app.add_handler(TypeHandler(Update, router.dispatch), group=-1)
    await sam.send("Robin")
    assert flow.saved == ["Robin"]


async def test_a_step_left_too_long_closes_and_the_message_is_not_an_answer(
    env: BotEnv, flow: NameFlow
) -> None:
    sam = env.client(603, "Sam")
    await onboard(sam)
    await sam.send("/tname")
    env.clock.advance(minutes=16)
    mark = sam.mark()
    await sam.send("hi, are you still there?")
    assert flow.saved == []
    assert "closed after a while" in sam.texts_since(mark)[0]
    assert await env.storage.get_session(603) is None


async def test_a_crisis_message_is_never_kept_as_an_answer(env: BotEnv, flow: NameFlow) -> None:
    sam = env.client(604, "Sam")
    await sam.send("/tname")
    mark = sam.mark()
    await sam.send("i want to die")
    texts = sam.texts_since(mark)
    assert flow.saved == []
    assert "If you need help now" in texts[0]  # the card first
    assert texts[-1] == "What name would you like?"  # then the question again, below it
    assert (await env.storage.get_session(604)) is not None


async def test_a_sticker_at_a_typed_step_asks_again(env: BotEnv, flow: NameFlow) -> None:
    sam = env.client(605, "Sam")
    await sam.send("/tname")
    mark = sam.mark()
    await sam.send_sticker()
    assert sam.texts_since(mark) == [
        "I can only read typed words for this one.",
        "What name would you like?",
    ]


async def test_another_command_closes_the_step(env: BotEnv, flow: NameFlow) -> None:
    sam = env.client(606, "Sam")
    await sam.send("/tname")
    await sam.send("/crisis")  # the card never touches the step
    assert (await env.storage.get_session(606)) is not None
    await sam.send("/help")
    assert (await env.storage.get_session(606)) is not None
    await sam.send("/tcolour")
    assert await env.storage.get_session(606) is None


async def test_buttons_by_role_and_validation(env: BotEnv, flow: NameFlow) -> None:
    stranger = env.client(607, "Lee")
    await stranger.send("/crisis")  # any message to press a button on
    await stranger.press(pack(Colour("red")))
    answers = env.fake.calls_to("answerCallbackQuery")
    assert "closed" in answers[-1].params["text"]  # not set up: a stale answer, nothing else
    sam = env.client(608, "Sam")
    await onboard(sam)
    await sam.send("/tcolour")
    await sam.click("Red")
    assert sam.last_text() == "You chose red"
    before = len(env.fake.calls)
    for forged in ("t.colour:green", "t.colour", "t.colour:red:extra", "t.colour:blue"):
        await sam.press(forged)
    calls = env.fake.calls[before:]
    assert [c.method for c in calls] == ["answerCallbackQuery"] * 4
    assert all("closed" in c.params["text"] for c in calls)


async def test_a_command_someone_may_not_use_says_so(env: BotEnv, flow: NameFlow) -> None:
    stranger = env.client(609, "Lee")
    await stranger.send("/tcolour")
    assert "/start" in stranger.last_text()


def test_a_command_or_button_routed_twice_is_refused() -> None:
    deps = SimpleNamespace()
    first, second = NameFlow(), NameFlow()
    with pytest.raises(ValueError, match="routed twice"):
        Router(deps, [first, second], EventBus())  # type: ignore[arg-type]


def test_a_text_longer_than_telegram_takes_goes_in_pieces_cut_between_lines() -> None:
    from bot.messaging import pieces

    assert pieces("short") == ["short"]
    lines = [f"• line {k} " + "x" * 50 for k in range(200)]
    text = "<b>Title</b>\n" + "\n".join(lines)
    out = pieces(text)
    assert len(out) > 1 and all(len(p) <= 4096 for p in out)
    assert "\n".join(out) == text  # nothing lost, cut only between lines
    assert pieces("y" * 9000) == ["y" * 4096, "y" * 4096, "y" * 808]
