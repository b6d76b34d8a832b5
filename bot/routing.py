"""Route tables, and the one dispatcher that reads each update and calls the flow that wants it.

A flow declares what it answers in its `__init__.py`, one screen long:

    Flow(name="privacy", routes=[
        Command("mydata", handlers.mydata, roles=EVERYONE, menu="commands.mydata"),
        Button(DeleteAnswer, handlers.on_delete, roles=EVERYONE),
        Step("privacy.reason", ask=handlers.ask_reason, on_text=handlers.reason),
    ])

For every update from a private chat the dispatcher loads the person and their open step
from the database (so a restart, or another replica, never forgets where someone is), then:

1. a button press goes to the route of its typed callback class; data that does not unpack,
   or a press the person's role may not make, gets one polite answer here and changes nothing;
2. a command goes to its route (and closes any open step first; /cancel, which no flow
   routes, closes it with a kind word);
3. a message goes to the open step, unless the step has timed out (the person is told, and
   the message is handled as if no step were open), or the safety net flagged it at a
   free-text step (it is never stored as an answer: the step's question is asked again,
   below the crisis card);
4. anything else goes down the catch-all chain, in registration order (the relay is last),
   and so does an edited message (never a step's answer).

After the handler, the step and its draft (encrypted) are written if they changed, and the
events the update published run through the event bus, in the order bot/app.py lists.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes

from bot.callbacks import InvalidCallback, registered_prefixes, unpack
from bot.content import Content
from bot.deps import Deps
from bot.domain.roles import ALL_ROLES
from bot.messaging import TEXT_LIMIT, Markup, answer_press, send_text, tell
from bot.safety import was_flagged
from bot.services.events import Collector, DomainError, Event, EventBus
from bot.storage import User

__all__ = [
    "ANY_ROLE",
    "EVERYONE",
    "AppCtx",
    "Button",
    "Command",
    "Ctx",
    "Job",
    "Roles",
    "Router",
    "StaleButton",
    "Step",
    "menu_entries",
]

_LOG = logging.getLogger(__name__)

Roles = frozenset[str] | None
#: Anyone, even someone who has not finished /start (and has no stored row).
EVERYONE: Roles = None
#: Anyone who has finished /start, whatever their role.
ANY_ROLE: Roles = frozenset(ALL_ROLES)


class StaleButton(Exception):
    """Raised by a button handler when the press names something the person may not act on
    (or that is gone): the dispatcher answers politely and nothing changes."""


@dataclass
class AppCtx:
    """What a job or an event's consequence may use: dependencies, the bot, and where to
    publish further events."""

    deps: Deps
    app: Application[Any, Any, Any, Any, Any, Any]
    events: Collector
    flows: Sequence[Any] = ()

    @property
    def bot(self) -> Any:
        """The Bot API client."""
        return self.app.bot

    def copy_for(self, person: User | None) -> Content:
        """The copy for the person a message is going to."""
        return self.deps.content.for_person(person)

    async def tell(self, chat_id: int, text: str, markup: Markup = None, **kwargs: Any) -> bool:
        """Send to someone the bot is not answering now; never raises (bot/messaging.py)."""
        return await tell(self.deps, self.app.bot, chat_id, text, markup, **kwargs)

    def exporters(self) -> list[Callable[[int], Awaitable[dict[str, Any]]]]:
        """Each flow's readable /mydata sections (decrypted notes, say)."""
        return [f.export for f in self.flows if getattr(f, "export", None) is not None]

    def erasure_steps(self) -> list[Callable[[int], Awaitable[None]]]:
        """What each flow does before a person's rows are erased (tell a matched peer
        worker, pass a group place on)."""
        return [
            functools.partial(f.on_delete, self.app)
            for f in self.flows
            if getattr(f, "on_delete", None) is not None
        ]


@dataclass
class Ctx(AppCtx):
    """One update from one person: who they are, their open step, their copy, and replies."""

    update: Update = field(default=None)  # type: ignore[assignment]
    user_id: int = 0
    chat_id: int = 0
    user: User | None = None
    copy: Content = field(default=None)  # type: ignore[assignment]
    step: str | None = None
    draft: dict[str, Any] = field(default_factory=dict)
    flagged: bool = False  # the safety net sent the crisis card for this message
    step_started: datetime | None = None

    # -- reading the update -----------------------------------------------------------------

    @property
    def message(self) -> Message | None:
        """The incoming message, if this update is one."""
        return self.update.message

    @property
    def query(self) -> CallbackQuery | None:
        """The button press, if this update is one."""
        return self.update.callback_query

    @property
    def text(self) -> str:
        """What was typed (a command's words after the command), stripped."""
        message = self.update.message
        if message is None:
            return ""
        text = (message.text or message.caption or "").strip()
        if text.startswith("/"):
            return text.partition(" ")[2].strip()
        return text

    @property
    def now(self) -> datetime:
        """The current time (from the injected clock)."""
        return self.deps.clock.now()

    # -- steps ------------------------------------------------------------------------------

    def start_step(self, step: str, **draft: Any) -> None:
        """Open STEP (`flow.name`), replacing any open step, with a fresh DRAFT."""
        self.step, self.draft = step, dict(draft)

    def goto(self, step: str) -> None:
        """Move to STEP, keeping the draft."""
        self.step = step

    def end_step(self) -> None:
        """Close the open step and forget its draft."""
        self.step, self.draft = None, {}

    # -- replying ---------------------------------------------------------------------------

    async def reply(self, text: str, markup: Markup = None, **kwargs: Any) -> Message:
        """Send TEXT (HTML) to this person's chat (in pieces, the buttons on the last, if
        it is longer than Telegram takes in one message)."""
        sent: Message = await send_text(self.bot, self.chat_id, text, markup, **kwargs)
        return sent

    async def show(self, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        """Answer a press by editing its message in place; answer a message with a new one
        (and a press too, when the text is longer than one message)."""
        query = self.query
        if query is not None and query.message is not None:
            await answer_press(query)
            if len(text) <= TEXT_LIMIT:  # longer goes below, as new messages in pieces
                try:
                    await query.edit_message_text(
                        text, reply_markup=markup, disable_web_page_preview=True
                    )
                    return
                except BadRequest as exc:  # the same text again, or a message too old to edit
                    if "not modified" in exc.message.lower():
                        return
        await self.reply(text, markup)

    async def answer(self, text: str | None = None, *, alert: bool = False) -> None:
        """Stop the spinner on a pressed button, optionally with a short notice."""
        if self.query is not None:
            await answer_press(self.query, text, alert=alert)


Handler = Callable[[Ctx], Awaitable[Any]]
ButtonHandler = Callable[[Ctx, Any], Awaitable[Any]]
TextHandler = Callable[[Ctx, str], Awaitable[Any]]


@dataclass(frozen=True)
class Command:
    """A /command: who may use it, and the copy key of its line in their command menu."""

    name: str
    handler: Handler
    roles: Roles = ANY_ROLE
    menu: str | None = None  # None: works, but is not listed in the menu
    listed: Roles | str = "same"  # whose menu lists it, when not everyone who may use it

    @property
    def listed_for(self) -> Roles:
        """Roles whose command menu shows this command."""
        return self.roles if self.listed == "same" else self.listed  # type: ignore[return-value]


@dataclass(frozen=True)
class Button:
    """A press of one typed callback class (see bot/callbacks.py)."""

    data: type[Any]
    handler: ButtonHandler
    roles: Roles = ANY_ROLE


@dataclass(frozen=True)
class Step:
    """A step that waits for something typed.

    ASK sends the question and its buttons (again, after a crisis card or an unreadable
    answer); ON_TEXT takes the typed answer; ON_OTHER takes a photo, sticker or voice note
    (default: say only typed words work here, and ask again). FREE_TEXT steps never store a
    message the safety net flagged: below the card they ask again, or call ON_FLAGGED (a
    safety plan asks whether to keep words that are about risk by their nature).
    """

    name: str
    ask: Handler
    on_text: TextHandler
    on_other: Handler | None = None
    free_text: bool = True
    on_flagged: TextHandler | None = None  # instead of asking again, after the card
    # A copy key said when a command steps out of this step of a wizard whose answers are
    # kept only until its end ("I've stopped setting up the group, so it wasn't saved"),
    # so a draft is never dropped without a word.
    left: str | None = None


@dataclass(frozen=True)
class Job:
    """A periodic job over stored due times (a restart recomputes everything from them)."""

    name: str
    run: Callable[[AppCtx], Awaitable[None]]
    interval_s: float
    first_s: float = 5.0


Route = Command | Button | Step


class Router:
    """Routes every private-chat update to the flow that declared it (see the module doc)."""

    def __init__(self, deps: Deps, flows: Sequence[Any], bus: EventBus) -> None:
        self.deps = deps
        self.bus = bus
        self.flows = tuple(flows)
        self.commands: dict[str, Command] = {}
        self.buttons: dict[type[Any], Button] = {}
        self.steps: dict[str, Step] = {}
        self.catch_all: list[Handler] = []
        for flow in flows:
            for route in getattr(flow, "routes", ()):
                self._add(flow.name, route)
            if getattr(flow, "catch_all", None) is not None:
                self.catch_all.append(flow.catch_all)

    def _add(self, flow: str, route: Route) -> None:
        if isinstance(route, Command):
            if route.name in self.commands:
                raise ValueError(f"/{route.name} is routed twice ({flow})")
            self.commands[route.name] = route
        elif isinstance(route, Button):
            if route.data in self.buttons:
                raise ValueError(f"{route.data.__name__} is routed twice ({flow})")
            self.buttons[route.data] = route
        else:
            if route.name in self.steps:
                raise ValueError(f"step {route.name} is declared twice ({flow})")
            self.steps[route.name] = route

    # -- the PTB side -----------------------------------------------------------------------

    async def dispatch(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The one PTB callback: route UPDATE, then store the step and run the events."""
        chat, sender = update.effective_chat, update.effective_user
        if chat is None or sender is None or chat.type != ChatType.PRIVATE:
            return
        ctx = await self._load(update, context.application, sender.id, chat.id)
        ctx.flagged = was_flagged(context)
        before = (ctx.step, json.dumps(ctx.draft, sort_keys=True, default=str))
        handled = await self.route(ctx)
        if (ctx.step, json.dumps(ctx.draft, sort_keys=True, default=str)) != before:
            await self._save(ctx)
        await self.run_events(ctx.events.events, context.application)
        if handled:
            raise ApplicationHandlerStop

    def app_ctx(
        self, app: Application[Any, Any, Any, Any, Any, Any], events: Collector | None = None
    ) -> AppCtx:
        """The context a job or a consequence runs with."""
        return AppCtx(self.deps, app, events or Collector(), self.flows)

    async def run_events(
        self, events: Sequence[Event], app: Application[Any, Any, Any, Any, Any, Any]
    ) -> None:
        """Run the consequences of EVENTS (bot/app.py's table)."""
        if events:
            await self.bus.run(events, lambda collector: self.app_ctx(app, collector))

    def job_callback(self, job: Job) -> Callable[[Any], Coroutine[Any, Any, None]]:
        """A PTB JobQueue callback that runs JOB with an AppCtx and then its events."""

        async def run(context: Any) -> None:
            async with self.deps.storage.job_turn(job.name) as mine:
                if not mine:  # another replica is running it now
                    return
                ctx = self.app_ctx(context.application)
                await job.run(ctx)
                await self.run_events(ctx.events.events, context.application)

        run.__qualname__ = f"job:{job.name}"
        return run

    # -- loading and saving the person ------------------------------------------------------

    async def _load(
        self,
        update: Update,
        app: Application[Any, Any, Any, Any, Any, Any],
        user_id: int,
        chat_id: int,
    ) -> Ctx:
        storage = self.deps.storage
        user = await storage.get_user(user_id)
        if user is not None and not user.active:
            # Blocked is not for ever: any update from someone makes them reachable again.
            await storage.set_active(user_id, True)
        ctx = Ctx(
            self.deps,
            app,
            Collector(),
            self.flows,
            update=update,
            user_id=user_id,
            chat_id=chat_id,
            user=user,
            copy=self.deps.content.for_person(user),
        )
        row = await storage.get_session(user_id)
        if row is not None:
            ctx.step = row.step
            ctx.step_started = datetime.fromtimestamp(row.updated_at, ctx.now.tzinfo)
            if row.draft is not None:
                try:
                    ctx.draft = json.loads(self.deps.cipher.decrypt(row.draft))
                except ValueError:
                    _LOG.warning("A stored draft could not be read; the step starts again")
                    ctx.step = None
        return ctx

    async def _save(self, ctx: Ctx) -> None:
        draft = (
            self.deps.cipher.encrypt(json.dumps(ctx.draft, default=str))
            if ctx.step is not None and ctx.draft
            else None
        )
        await self.deps.storage.save_session(ctx.user_id, ctx.step, draft, ctx.now)

    # -- routing ----------------------------------------------------------------------------

    async def route(self, ctx: Ctx) -> bool:
        """Call whatever handles CTX's update; False if no route-table flow wanted it."""
        try:
            if ctx.query is not None:
                return await self._press(ctx, ctx.query)
            message = ctx.message
            if message is None:
                return await self._edited(ctx)
            command = _command_of(message)
            if command is not None:
                return await self._command(ctx, command)
            return await self._message(ctx, message)
        except DomainError as refusal:
            await self._refuse(ctx, refusal)
            return True

    async def _press(self, ctx: Ctx, query: CallbackQuery) -> bool:
        prefix = (query.data or "").split(":", 1)[0]
        if registered_prefixes().get(prefix) not in self.buttons:
            # Not a button this router's flows declared: a flow not yet on route tables
            # answers it (or the stale fallback does).
            return False
        try:
            data = unpack(query.data)
            route = self.buttons.get(type(data))
            if route is None or not _allowed(ctx.user, route.roles):
                raise StaleButton
            await route.handler(ctx, data)
        except (InvalidCallback, StaleButton):
            await self._stale(ctx)
        return True

    async def _command(self, ctx: Ctx, name: str) -> bool:
        was_open = ctx.step is not None
        open_step = self.steps.get(ctx.step) if ctx.step is not None else None
        if name != "help":
            ctx.end_step()  # a command steps out of whatever was half-done
        route = self.commands.get(name)
        if route is None:
            if name == "cancel" and was_open:  # the step /cancel stops is a route-table one
                await ctx.reply(ctx.copy.text("common.cancelled"))
                return True
            return False
        if not _allowed(ctx.user, route.roles):
            key = (
                "common.need_start"
                if ctx.user is None or not ctx.user.consented
                else "common.not_for_you"
            )
            await ctx.reply(ctx.copy.text(key))
            return True
        if open_step is not None and open_step.left is not None and name != "help":
            await ctx.reply(ctx.copy.text(open_step.left))  # what became of the draft
        await route.handler(ctx)
        return True

    async def _message(self, ctx: Ctx, message: Message) -> bool:
        step = self.steps.get(ctx.step) if ctx.step is not None else None
        if ctx.step is not None and step is None and ctx.step.split(".", 1)[0] in self._flows():
            ctx.end_step()  # a step this version no longer has
        if step is not None and self._expired(ctx):
            ctx.end_step()
            await ctx.reply(ctx.copy.text("common.step_closed"))
            step = None
        if step is not None:
            await self._answer_step(ctx, step, message)
            return True
        for catch_all in self.catch_all:
            if await catch_all(ctx):
                return True
        return False

    async def _edited(self, ctx: Ctx) -> bool:
        # An edit is never a step's answer (that was given already): only the catch-all
        # chain sees it, so a corrected message still reaches whoever it was for.
        if ctx.update.edited_message is None:
            return False
        for catch_all in self.catch_all:
            if await catch_all(ctx):
                return True
        return False

    async def _answer_step(self, ctx: Ctx, step: Step, message: Message) -> None:
        if ctx.flagged and step.free_text:
            # The card went out first; this message is not kept as an answer. The question
            # comes again below the card, so nobody scrolls up past the numbers to go on (or
            # the step asks the person what to do with it, where that fits better).
            if step.on_flagged is not None:
                await step.on_flagged(ctx, (message.text or "").strip())
            else:
                await step.ask(ctx)
            return
        text = (message.text or "").strip()
        if text:
            await step.on_text(ctx, text)
        elif step.on_other is not None:
            await step.on_other(ctx)
        else:
            await ctx.reply(ctx.copy.text("common.type_it"))
            await step.ask(ctx)

    def _expired(self, ctx: Ctx) -> bool:
        limit = timedelta(minutes=self.deps.settings.step_timeout_minutes)
        return ctx.step_started is not None and ctx.now - ctx.step_started > limit

    def _flows(self) -> set[str]:
        return {name.split(".", 1)[0] for name in self.steps}

    async def _stale(self, ctx: Ctx) -> None:
        await ctx.answer(ctx.copy.button("common.stale_button"), alert=True)

    async def _refuse(self, ctx: Ctx, refusal: DomainError) -> None:
        text = ctx.copy.text(refusal.key, **refusal.params)
        if ctx.query is not None:
            await ctx.show(text)
        else:
            await ctx.reply(text)


def _allowed(user: User | None, roles: Roles) -> bool:
    if roles is None:  # EVERYONE
        return True
    return user is not None and user.consented and user.role in roles


def _command_of(message: Message) -> str | None:
    text = message.text or ""
    if not text.startswith("/"):
        return None
    word = text.split(maxsplit=1)[0][1:]
    return word.split("@", 1)[0].lower() or None


def menu_entries(routes: Sequence[Any], role: str | None) -> list[tuple[str, str]]:
    """(command, copy key) for each listed Command in ROUTES that ROLE may use (None:
    someone who has not finished /start, who sees only commands open to everyone)."""
    pairs = []
    for command in routes:
        if not isinstance(command, Command) or command.menu is None:
            continue
        listed = command.listed_for
        if listed is None or (role is not None and role in listed):
            pairs.append((command.name, command.menu))
    return pairs
