"""An edited message corrects the copy the other side already has, where Telegram allows it
(editMessageText for text, editMessageCaption for a caption); otherwise a short line, as a
reply to that copy, says it was edited and gives the new words. A message still waiting (held
for someone's hours, or on its way through the outbox) needs nothing: its copy is made from
the message as it is when it goes. A message relayed before copies were remembered by their
source is passed on again, as before."""

from __future__ import annotations

import logging

from telegram import Message
from telegram.error import BadRequest, TelegramError

from bot import outbox
from bot.domain.matching import Match
from bot.routing import Ctx
from flows.relay import views
from flows.relay.names import peer_name, person_name

__all__ = ["correct"]

_LOG = logging.getLogger(__name__)


async def correct(ctx: Ctx, message: Message) -> bool:
    """Carry the edit of MESSAGE to every copy of it; False if none is known (the caller
    passes it on as a new message)."""
    storage = ctx.deps.storage
    copies = await storage.copies_of(ctx.user_id, message.message_id)
    if not copies:
        return await storage.is_held(
            ctx.user_id, message.message_id
        ) or await storage.relay_on_its_way(ctx.user_id, message.message_id)
    for chat_id, copy_id, match_id in copies:
        match = await storage.get_match(match_id)
        if (
            match is None
            or match.status != "active"
            or ctx.user_id not in (match.person_id, match.peer_id)
        ):
            await ctx.reply(ctx.copy.text("relay.conversation_ended"))
            continue
        if not await _edit_copy(ctx, chat_id, copy_id, message):
            await _line(ctx, match, chat_id, copy_id, message)
    return True


async def _edit_copy(ctx: Ctx, chat_id: int, copy_id: int, message: Message) -> bool:
    """Correct the copy in place; False if Telegram won't (then a line says so)."""
    try:
        if message.text is not None:
            await ctx.bot.edit_message_text(
                message.text,
                chat_id=chat_id,
                message_id=copy_id,
                entities=message.entities,
                parse_mode=None,
            )
        elif message.caption is not None:
            await ctx.bot.edit_message_caption(
                chat_id=chat_id,
                message_id=copy_id,
                caption=message.caption,
                caption_entities=message.caption_entities,
                parse_mode=None,
            )
        else:
            return False
    except BadRequest as exc:
        if "not modified" in exc.message.lower():
            return True
        _LOG.info("A relayed copy could not be edited (%s); a line follows it", exc.message)
        return False
    except TelegramError as exc:
        _LOG.warning(
            "A relayed copy could not be edited (%s); a line follows it", exc.__class__.__name__
        )
        return False
    return True


async def _line(ctx: Ctx, match: Match, chat_id: int, copy_id: int, message: Message) -> None:
    """A reply to the copy: its sender edited it, and (for words) what it says now."""
    recipient = await ctx.deps.storage.get_user(chat_id)
    copy = ctx.copy_for(recipient)
    name = (
        await person_name(ctx.deps.storage, copy, match)
        if ctx.user_id == match.person_id
        else await peer_name(ctx.deps.storage, copy, ctx.user_id)
    )
    edited = message.edit_date or ctx.now
    side = "person" if ctx.user_id == match.person_id else "peer"
    key = f"edit:{match.id}:{side}:{message.message_id}:{int(edited.timestamp())}"
    send = outbox.Send(
        chat_id, views.edited_line(copy, name, message.text or message.caption), reply_to=copy_id
    )
    if await outbox.queue(ctx.deps, key, "relay", send):
        await outbox.send_now(ctx.deps, ctx.bot, [key], ctx.events)
