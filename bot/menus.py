"""Per-role command menus, made from every flow's route table; /help is made from the same
list, so the two never drift apart."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from telegram import BotCommand, BotCommandScopeChat
from telegram.error import TelegramError

from bot.content import Content
from bot.deps import Deps
from bot.routing import AppCtx, menu_entries
from bot.services.people import Onboarded

__all__ = ["commands_for", "on_onboarded", "set_role_commands"]

_LOG = logging.getLogger(__name__)


def commands_for(flows: Sequence[Any], role: str | None, deps: Deps,
                 copy: Content | None = None) -> list[BotCommand]:
    """The command menu for ROLE (None: someone who has not finished /start), in flow order:
    each flow's Command routes, then what a flow not yet on route tables lists in `commands`."""
    copy = copy or deps.content
    seen: dict[str, BotCommand] = {}
    for flow in flows:
        listed = getattr(flow, "commands", {})
        legacy = (listed.get("none", ()) if role is None
                  else [*listed.get("*", ()), *listed.get(role, ())])
        for command, copy_key in [*menu_entries(getattr(flow, "routes", ()), role), *legacy]:
            if command not in seen:
                seen[command] = BotCommand(command, copy.button(copy_key))
    return list(seen.values())


async def set_role_commands(bot: Any, deps: Deps, flows: Sequence[Any], user_id: int,
                            role: str | None) -> None:
    """Show USER_ID only the commands of their ROLE (BotCommandScopeChat); a failure is
    logged, never raised (people can still type commands)."""
    try:
        await bot.set_my_commands(commands_for(flows, role, deps),
                                  scope=BotCommandScopeChat(user_id))
    except TelegramError:
        _LOG.warning("Could not set a person's command menu", exc_info=True)


async def on_onboarded(event: Onboarded, app: AppCtx) -> None:
    """Someone finished /start: their command menu becomes their role's."""
    await set_role_commands(app.bot, app.deps, app.flows, event.user_id, event.role)
