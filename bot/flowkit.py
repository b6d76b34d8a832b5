"""What every flow shares: the Flow description, the update context type, and the mark for a
handler that lets an update go on (the safety net)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from telegram import InlineKeyboardButton
from telegram.ext import Application, BaseHandler, CallbackContext, ExtBot

if TYPE_CHECKING:
    from bot.routing import Job

__all__ = ["Context", "Flow", "is_passthrough", "passthrough"]

Context = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]
H = TypeVar("H", bound=BaseHandler[Any, Any, Any])


@dataclass(frozen=True)
class Flow:
    """What a flow module's `build(deps)` returns; bot/app.py registers it."""

    name: str
    handlers: Sequence[BaseHandler[Any, Any, Any]] = ()
    # role -> [(command, copy key of its description)], for per-role command menus
    commands: Mapping[str, Sequence[tuple[str, str]]] = field(default_factory=dict)
    jobs: Sequence[Job] = ()  # periodic work, run through the router (bot/routing.py)
    # extra buttons on the crisis card for this person (e.g. "let my peer worker know")
    card_buttons: Callable[[int], Awaitable[list[InlineKeyboardButton]]] | None = None
    # called before a person's rows are erased by /delete: tell counterparts, cancel work
    on_delete: (
        Callable[[Application[Any, Any, Any, Any, Any, Any], int], Awaitable[None]] | None
    ) = None
    on_startup: Callable[[Application[Any, Any, Any, Any, Any, Any]], Awaitable[None]] | None = None
    # extra sections for /mydata that need more than the raw rows (decrypted notes, say)
    export: Callable[[int], Awaitable[dict[str, Any]]] | None = None
    # route-table flows (bot/routing.py): commands, buttons and typed steps
    routes: Sequence[Any] = ()
    # plain messages nobody else wanted, tried in registration order: (ctx) -> handled?
    catch_all: Callable[[Any], Awaitable[bool]] | None = None


def passthrough(handler: H) -> H:
    """Mark HANDLER as one that lets the update go on to later handlers (the safety net,
    the router's dispatcher). Every other handler stops the update once it has handled it,
    so one message never gets two answers."""
    # PTB handlers have __slots__, so the mark is kept here (holding the handler alive).
    _PASSTHROUGH[id(handler)] = handler
    return handler


def is_passthrough(handler: BaseHandler[Any, Any, Any]) -> bool:
    """Whether HANDLER was marked with `passthrough`."""
    return _PASSTHROUGH.get(id(handler)) is handler


_PASSTHROUGH: dict[int, BaseHandler[Any, Any, Any]] = {}
