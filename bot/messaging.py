"""One policy for sending to a person the bot is not currently answering (the other side of
a match, a group member, a coordinator): a blocked or missing chat is noted, never raised."""

from __future__ import annotations

import logging
from typing import Any

from telegram import CallbackQuery, InlineKeyboardMarkup, ReplyKeyboardMarkup
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import filters

from bot.deps import Deps

__all__ = ["STATUS_UPDATE", "TEXT_LIMIT", "Markup", "answer_press", "pieces", "send_text", "tell"]

_LOG = logging.getLogger(__name__)

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | None

#: A service message (someone joined, a pin...), not one a person wrote. A text never is
#: one, so texts skip StatusUpdate.ALL's fifty-odd checks.
STATUS_UPDATE = ~filters.TEXT & filters.StatusUpdate.ALL

#: Telegram's most characters in one message.
TEXT_LIMIT = 4096


def pieces(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """TEXT as messages Telegram takes, each at most LIMIT characters: whole when it fits,
    else cut between lines (a list of a big service's staff, say), a line longer than a
    message cut where it must. The copy's HTML tags never span a line, so each piece
    stays well formed."""
    if len(text) <= limit:
        return [text]
    out: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                out.append(current)
                current = ""
            out.append(line[:limit])
            line = line[limit:]
        joined = f"{current}\n{line}" if current else line
        if len(joined) > limit:
            out.append(current)
            current = line
        else:
            current = joined
    if current.strip():
        out.append(current)
    return [p.strip("\n") for p in out if p.strip()]


async def send_text(bot: Any, chat_id: int, text: str, markup: Markup = None, **kwargs: Any) -> Any:
    """Send TEXT (HTML) to CHAT_ID, in pieces when it is longer than one message, MARKUP on
    the last; returns the last message sent."""
    *first, last = pieces(text)
    for piece in first:
        await bot.send_message(chat_id, piece, disable_web_page_preview=True, **kwargs)
    return await bot.send_message(
        chat_id, last, reply_markup=markup, disable_web_page_preview=True, **kwargs
    )


async def answer_press(
    query: CallbackQuery, text: str | None = None, *, alert: bool = False
) -> bool:
    """Answer a button press (stop its spinner, or show TEXT); True if Telegram took it.

    Telegram refuses to answer a press more than a few seconds old ("query is too old"), as
    every press is that the bot reads from its inbox after a restart or an outage. The
    answer only stops a spinner, so a refusal or a failed call is noted and the press is
    handled all the same.
    """
    try:
        await query.answer(text, show_alert=alert)
    except TelegramError as exc:
        _LOG.info(
            "A button press could not be answered (%s); handling it anyway", type(exc).__name__
        )
        return False
    return True


async def tell(
    deps: Deps, bot: Any, chat_id: int, text: str, markup: Markup = None, **kwargs: Any
) -> bool:
    """Send TEXT (HTML) to CHAT_ID; True if Telegram took it.

    Someone who blocked the bot is marked unreachable (any later update from them marks them
    reachable again), a chat that no longer exists is skipped, and any other failure is
    logged; none of them raises, so one person's closed chat never stops a loop over many.
    """
    try:
        await send_text(bot, chat_id, text, markup, **kwargs)
    except Forbidden:
        _LOG.info("A person has blocked the bot; marked unreachable until they write again")
        await deps.storage.set_active(chat_id, False)
        return False
    except BadRequest as exc:
        if "chat not found" in exc.message.lower():
            _LOG.info("A chat no longer exists; skipped")
            await deps.storage.set_active(chat_id, False)
        else:
            _LOG.warning("Telegram refused a message (%s)", exc.message)
        return False
    except TelegramError as exc:
        _LOG.warning("Could not send a message (%s)", exc.__class__.__name__)
        return False
    return True
