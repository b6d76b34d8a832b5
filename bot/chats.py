"""The bot works in private chats only (DESIGN: "Private chats only").

In a group, supergroup or channel it never onboards anyone and never shows anyone's data:
a command gets one line and a button that opens the private chat, /crisis (and a message
that signals risk) gets the public crisis card, and everything else gets silence. This
handler runs before every other one and stops every non-private update, so no flow can leak
into a group by forgetting a filter.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, BaseHandler, TypeHandler
from telegram.helpers import create_deep_linked_url

from bot.deps import Deps
from bot.flowkit import Context, passthrough
from bot.messaging import answer_press
from bot.safety import assess_message, render_card

__all__ = ["GROUP_START_PAYLOAD", "build_private_only"]

_LOG = logging.getLogger(__name__)

#: The deep-link payload of the "open a private chat" button: a plain /start, not an invite.
GROUP_START_PAYLOAD = "group"


def _is_crisis_command(text: str) -> bool:
    word = text.split(maxsplit=1)[0] if text.strip() else ""
    return word.split("@", 1)[0].lower() == "/crisis"


def build_private_only(deps: Deps) -> BaseHandler[Any, Any, Any]:
    """The guard for updates that do not come from a private chat."""

    async def guard(update: Update, context: Context) -> None:
        chat = update.effective_chat
        if chat is None or chat.type == ChatType.PRIVATE:
            return  # a private chat, or a kind of update with no chat: the flows decide
        message = update.effective_message
        text = (message.text or message.caption or "") if message is not None else ""
        if update.callback_query is not None:
            await answer_press(
                update.callback_query, deps.content.button("common.private_only"), alert=True
            )
        elif message is not None and text.startswith("/"):
            if _is_crisis_command(text):
                await _card(context, chat.id, message.message_id)
            else:
                await _point_to_private_chat(context, chat.id, message.message_id)
        elif message is not None and text.strip() and await _risky(text):
            await _card(context, chat.id, message.message_id)
        raise ApplicationHandlerStop

    async def _card(context: Context, chat_id: int, reply_to: int) -> None:
        _LOG.info("Crisis card shown in a group chat")
        await context.bot.send_message(
            chat_id,
            render_card(deps, deps.settings.region),
            reply_to_message_id=reply_to,
            allow_sending_without_reply=True,
            disable_web_page_preview=True,
        )

    async def _point_to_private_chat(context: Context, chat_id: int, reply_to: int) -> None:
        url = create_deep_linked_url(context.bot.username, GROUP_START_PAYLOAD)
        markup = InlineKeyboardMarkup(
            [[InlineKeyboardButton(deps.content.button("common.private_only_button"), url=url)]]
        )
        await context.bot.send_message(
            chat_id,
            deps.content.text("common.private_only"),
            reply_markup=markup,
            reply_to_message_id=reply_to,
            allow_sending_without_reply=True,
        )

    return passthrough(TypeHandler(Update, guard))


async def _risky(text: str) -> bool:
    try:
        return (await assess_message(text)).crisis
    except Exception:  # fail safe, as the safety net does
        return True
