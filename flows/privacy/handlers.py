"""/mydata sends everything stored about a person; /delete erases it after a yes."""

from __future__ import annotations

import io
import logging

from telegram import BotCommandScopeChat
from telegram.error import TelegramError

from bot.routing import Ctx
from bot.services.erasure import erase_person, export_person
from flows.privacy.callbacks import EraseAnswer
from flows.privacy.views import erase_question, export_document

__all__ = ["Handlers"]

_LOG = logging.getLogger(__name__)


class Handlers:
    """One method per action."""

    async def mydata(self, ctx: Ctx) -> None:
        """Send everything stored about the person as a JSON file."""
        data = await export_person(ctx.deps.storage, ctx.user_id, ctx.exporters())
        if not data:
            await ctx.reply(ctx.copy.text("privacy.mydata_none"))
            return
        await ctx.bot.send_document(
            ctx.chat_id,
            io.BytesIO(export_document(data)),
            filename="my-data.json",
            caption=ctx.copy.text("privacy.mydata_caption"),
        )

    async def delete(self, ctx: Ctx) -> None:
        """Ask before erasing anything."""
        await ctx.reply(*erase_question(ctx.copy))

    async def on_erase_answer(self, ctx: Ctx, data: EraseAnswer) -> None:
        """Erase everything after a yes; keep everything after a no."""
        if data.answer != "yes":
            await ctx.show(ctx.copy.text("privacy.delete_kept"))
            return
        removed = await erase_person(
            ctx.deps.storage, ctx.user_id, ctx.events, before=ctx.erasure_steps()
        )
        ctx.end_step()
        ctx.user = None
        _LOG.info("A person erased their data (%d rows)", removed)
        await ctx.show(ctx.copy.text("privacy.deleted"))
        try:
            await ctx.bot.delete_my_commands(scope=BotCommandScopeChat(ctx.user_id))
        except TelegramError:  # the erase already happened; a stale menu is harmless
            _LOG.warning("Could not reset a command menu after /delete")
