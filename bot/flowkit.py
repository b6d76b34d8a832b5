"""What every flow uses: the Flow description, conversations that persist, replies, roles."""

from __future__ import annotations

import warnings
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackContext,
    CommandHandler,
    ConversationHandler,
    ExtBot,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

if TYPE_CHECKING:
    from bot.deps import Deps
    from bot.storage import User

__all__ = [
    "END",
    "Context",
    "Flow",
    "RepeatingJob",
    "answer_query",
    "buttons",
    "conversation",
    "current_user",
    "is_passthrough",
    "main_keyboard",
    "passthrough",
    "require_role",
    "send",
    "show",
]

END = ConversationHandler.END
Context = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]
Callback = Callable[[Update, Context], Awaitable[Any]]
H = TypeVar("H", bound=BaseHandler[Any, Any, Any])



@dataclass(frozen=True)
class RepeatingJob:
    """A periodic job on PTB's JobQueue, named like `tick:checkins`; it reads due work from
    the database, so a restart recomputes everything from stored due times."""

    name: str
    callback: Callable[[Context], Coroutine[Any, Any, None]]
    interval_s: float
    first_s: float = 5.0


@dataclass(frozen=True)
class Flow:
    """What a flow module's `build(deps)` returns; bot/app.py registers it."""

    name: str
    handlers: Sequence[BaseHandler[Any, Any, Any]] = ()
    # role -> [(command, copy key of its description)], for per-role command menus
    commands: Mapping[str, Sequence[tuple[str, str]]] = field(default_factory=dict)
    jobs: Sequence[Any] = ()  # RepeatingJob, or bot.routing.Job for route-table flows
    # extra buttons on the crisis card for this person (e.g. "let my peer worker know")
    card_buttons: Callable[[int], Awaitable[list[InlineKeyboardButton]]] | None = None
    # called before a person's rows are erased by /delete: tell counterparts, cancel work
    on_delete: Callable[[Application[Any, Any, Any, Any, Any, Any], int],
                        Awaitable[None]] | None = None
    on_startup: Callable[[Application[Any, Any, Any, Any, Any, Any]],
                         Awaitable[None]] | None = None
    # extra sections for /mydata that need more than the raw rows (decrypted notes, say)
    export: Callable[[int], Awaitable[dict[str, Any]]] | None = None
    # route-table flows (bot/routing.py): commands, buttons and typed steps
    routes: Sequence[Any] = ()
    # plain messages nobody else wanted, tried in registration order: (ctx) -> handled?
    catch_all: Callable[[Any], Awaitable[bool]] | None = None


def passthrough(handler: H) -> H:
    """Mark HANDLER as one that lets the update go on to later handlers (the safety net,
    a conversation stepping aside for a command). Every other handler stops the update once
    it has handled it, so one message never gets two answers."""
    # PTB handlers have __slots__, so the mark is kept here (holding the handler alive).
    _PASSTHROUGH[id(handler)] = handler
    return handler


def is_passthrough(handler: BaseHandler[Any, Any, Any]) -> bool:
    """Whether HANDLER was marked with `passthrough`."""
    return _PASSTHROUGH.get(id(handler)) is handler


_PASSTHROUGH: dict[int, BaseHandler[Any, Any, Any]] = {}


async def current_user(deps: Deps, update: Update) -> User | None:
    """The stored person behind UPDATE, if they consented."""
    if update.effective_user is None:
        return None
    user = await deps.storage.get_user(update.effective_user.id)
    return user if user is not None and user.consented else None


async def require_role(deps: Deps, update: Update, context: Context, *roles: str
                       ) -> User | None:
    """The person if they hold one of ROLES; otherwise tell them kindly and return None."""
    user = await current_user(deps, update)
    if user is not None and user.role in roles:
        return user
    chat = update.effective_chat
    assert chat is not None
    await answer_query(update)
    await send(context, chat.id, deps.content.text("common.not_for_you"))
    return None


def buttons(rows: Sequence[Sequence[tuple[str, str]]]) -> InlineKeyboardMarkup:
    """An inline keyboard from rows of (label, callback data) or (label, https URL)."""
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(label, url=data) if data.startswith("https://")
         else InlineKeyboardButton(label, callback_data=data) for label, data in row]
        for row in rows
    ])


def main_keyboard(deps: Deps) -> ReplyKeyboardMarkup:
    """The persistent keyboard with the "Need help now" entry, shown in every state."""
    return ReplyKeyboardMarkup(
        [[KeyboardButton(deps.content.button("common.need_help_button"))]],
        resize_keyboard=True, is_persistent=True,
    )


async def send(context: Context, chat_id: int, text: str,
               markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | None = None) -> Message:
    """Send TEXT (HTML) to CHAT_ID."""
    return await context.bot.send_message(chat_id, text, reply_markup=markup,
                                          disable_web_page_preview=True)


async def show(update: Update, context: Context, text: str,
               markup: InlineKeyboardMarkup | None = None) -> None:
    """Answer a button press by editing its message, or a message by sending a new one."""
    query = update.callback_query
    if query is not None and query.message is not None:
        await query.answer()
        try:
            await query.edit_message_text(text, reply_markup=markup,
                                          disable_web_page_preview=True)
        except BadRequest as exc:  # the same text again, or a message too old to edit
            if "not modified" not in str(exc).lower():
                await send(context, query.message.chat.id, text, markup)
        return
    chat = update.effective_chat
    assert chat is not None
    await send(context, chat.id, text, markup)


async def answer_query(update: Update, text: str | None = None) -> None:
    """Stop the spinner on a button, optionally with a short notice."""
    if update.callback_query is not None:
        await update.callback_query.answer(text)


def conversation(deps: Deps, name: str, *, entry_points: Sequence[BaseHandler[Any, Any, Any]],
                 states: Mapping[object, Sequence[BaseHandler[Any, Any, Any]]],
                 fallbacks: Sequence[BaseHandler[Any, Any, Any]] = ()) -> ConversationHandler[Any]:
    """A persistent conversation: every step is written to the database before the reply.

    /cancel leaves it with a kind word; any other command quietly steps out of it and goes on
    to its own handler, so a person is never stuck in a half-finished step.
    """

    async def cancel(update: Update, context: Context) -> int:
        context.user_data.pop(name, None) if context.user_data is not None else None
        chat = update.effective_chat
        assert chat is not None
        await send(context, chat.id, deps.content.text("common.cancelled"))
        return END

    async def step_aside(update: Update, context: Context) -> int:
        if context.user_data is not None:
            context.user_data.pop(name, None)
        return END

    with warnings.catch_warnings():
        # PTB warns that button presses in a per_message=False conversation are tracked per
        # chat, not per message: that is what we want, and the warning would clutter the log.
        warnings.filterwarnings("ignore", message="If 'per_message=False'",
                                category=PTBUserWarning)
        return ConversationHandler(
            entry_points=list(entry_points),
            states={k: list(v) for k, v in states.items()},
            fallbacks=[
                *fallbacks,
                CommandHandler("cancel", cancel),
                passthrough(MessageHandler(filters.COMMAND & ~filters.Regex(r"^/help\b"),
                                           step_aside)),
            ],
            name=name,
            persistent=True,
            allow_reentry=True,
        )
