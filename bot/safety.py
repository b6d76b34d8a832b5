"""The safety net: every text and caption is checked for risk before any flow sees it.

On risk the crisis card goes out first and the update carries on to its flow: the net never
swallows a message and never tries to handle the crisis itself. `/crisis` and the persistent
"Need help now" button show the card in any state.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.content import Raw
from bot.deps import Deps
from bot.domain.contacts import Contact, RegionContacts, contacts_for
from bot.domain.crisis import assess
from bot.flowkit import Context, passthrough, send

__all__ = ["CardButtons", "build_safety_net", "render_card", "send_card", "was_flagged"]

_LOG = logging.getLogger(__name__)

CardButtons = Callable[[int], Awaitable[list[InlineKeyboardButton]]]

# Updates the net sent the card for, so the router never stores one as a typed answer. Kept
# by update id, bounded: an update is routed right after the net has looked at it.
_FLAGGED: OrderedDict[int, None] = OrderedDict()
_FLAGGED_KEEP = 4096


def _remember(update: Update) -> None:
    _FLAGGED[update.update_id] = None
    while len(_FLAGGED) > _FLAGGED_KEEP:
        _FLAGGED.popitem(last=False)


def was_flagged(update: Update) -> bool:
    """Whether the safety net sent the crisis card for UPDATE."""
    return update.update_id in _FLAGGED


def _contact_line(deps: Deps, contact: Contact) -> str:
    parts = []
    if contact.phone:
        parts.append(deps.content.text("crisis.call", number=contact.phone))
    if contact.text:
        parts.append(deps.content.text("crisis.text", number=contact.text))
    line = deps.content.text("crisis.contact_line", name=contact.name,
                             how=Raw(deps.content.text("crisis.or").join(parts)))
    if contact.hours:
        line += deps.content.text("crisis.hours", hours=contact.hours)
    return line


def region_contacts(deps: Deps, region: str | None) -> RegionContacts:
    """The contacts for REGION, the service's own local contacts first."""
    local = [(Contact(c.name, c.phone, c.text, c.hours), c.region)
             for c in deps.settings.local_contacts]
    return contacts_for(region or deps.settings.region, deps.settings.region,
                        deps.content.contacts, local)


def render_card(deps: Deps, region: str | None) -> str:
    """The crisis card's text for someone in REGION; always includes the emergency number."""
    chosen = region_contacts(deps, region)
    lines = "\n".join(_contact_line(deps, c) for c in chosen.contacts)
    return deps.content.text("crisis.card", lines=Raw(lines), emergency=chosen.emergency)


async def send_card(deps: Deps, context: Context, user_id: int, chat_id: int,
                    extra: Sequence[CardButtons]) -> None:
    """Send the card, count it by day and region, and offer resources (and more)."""
    user = await deps.storage.get_user(user_id)
    region = user.region if user is not None and user.region else deps.settings.region
    rows = [[InlineKeyboardButton(deps.content.button("crisis.resources_button"),
                                  callback_data="res:home")]]
    if user is not None and user.consented:
        for hook in extra:
            try:
                rows.extend([b] for b in await hook(user_id))
            except Exception:  # the card must go out even if an extra button fails
                _LOG.exception("A crisis card button hook failed")
    await send(context, chat_id, render_card(deps, region), InlineKeyboardMarkup(rows))
    await deps.storage.bump_counter("crisis_card", deps.local_day(), region)


def build_safety_net(deps: Deps, extra: Sequence[CardButtons]
                     ) -> tuple[list[BaseHandler[Any, Any, Any]], list[BaseHandler[Any, Any, Any]]]:
    """(net, card) handlers: the net goes in the first group and never stops the update; the
    card handlers go in the second group and stop it, so a flow's state is left untouched."""

    async def check(update: Update, context: Context) -> None:
        message = update.effective_message
        if message is None or update.effective_user is None or update.effective_chat is None:
            return
        text = message.text or message.caption or ""
        if text.startswith("/"):
            # A command's own word carries no risk; what follows it may ("/start i want to die").
            text = text.partition(" ")[2]
        if not text.strip():
            return
        try:
            risky = assess(text).crisis
        except Exception:
            # Fail safe: a broken detector must never hide the numbers from someone.
            _LOG.exception("The crisis detector failed; sending the card to be safe")
            risky = True
        if not risky:
            return
        _LOG.info("Risk signalled; crisis card sent")
        _remember(update)
        await send_card(deps, context, update.effective_user.id, update.effective_chat.id, extra)

    async def card(update: Update, context: Context) -> None:
        if update.effective_user is None or update.effective_chat is None:
            return
        await send_card(deps, context, update.effective_user.id, update.effective_chat.id, extra)
        raise ApplicationHandlerStop

    need_help = deps.content.button("common.need_help_button")
    not_card = ~filters.Text([need_help]) & ~filters.Regex(r"^/crisis\b")
    net: list[BaseHandler[Any, Any, Any]] = [
        passthrough(MessageHandler((filters.TEXT | filters.CAPTION) & not_card, check))]
    cards: list[BaseHandler[Any, Any, Any]] = [
        passthrough(CommandHandler("crisis", card)),
        passthrough(MessageHandler(filters.Text([need_help]), card))]
    return net, cards
