"""/mydata sends everything stored about a person; /delete erases it after a yes."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.callbacks import CallbackCodec, InvalidCallback
from bot.deps import Deps
from bot.flowkit import Context, Flow, answer_query, buttons, send, show

__all__ = ["build", "export_document"]

_LOG = logging.getLogger(__name__)
CB = CallbackCodec("priv", {"delete"})


def export_document(data: dict[str, Any]) -> bytes:
    """The /mydata file: readable JSON with bytes shown as hex."""

    def default(value: object) -> object:
        if isinstance(value, bytes | bytearray):
            return value.hex()
        return str(value)

    return json.dumps(data, indent=2, ensure_ascii=False, default=default).encode("utf-8")


def build(deps: Deps) -> Flow:
    """The privacy flow's handlers."""
    content, storage = deps.content, deps.storage

    async def mydata(update: Update, context: Context) -> None:
        assert update.effective_user is not None and update.effective_chat is not None
        uid = update.effective_user.id
        data = await storage.export_user(uid)
        for flow in context.application.bot_data["flows"]:
            if flow.export is not None:
                data.update(await flow.export(uid))
        if not data:
            await send(context, update.effective_chat.id, content.text("privacy.mydata_none"))
            return
        await context.bot.send_document(
            update.effective_chat.id, io.BytesIO(export_document(data)),
            filename="my-data.json", caption=content.text("privacy.mydata_caption"),
        )

    async def delete(update: Update, context: Context) -> None:
        assert update.effective_chat is not None
        await send(context, update.effective_chat.id, content.text("privacy.delete_confirm"),
                   buttons([[(content.button("privacy.delete_yes"), CB.pack("delete", "yes"))],
                            [(content.button("privacy.delete_no"), CB.pack("delete", "no"))]]))

    async def on_delete(update: Update, context: Context) -> None:
        assert update.effective_user is not None
        uid = update.effective_user.id
        try:
            answer = CB.unpack_query(update).arg()
        except InvalidCallback:
            await answer_query(update)
            return
        if answer != "yes":
            await show(update, context, content.text("privacy.delete_kept"))
            return
        for flow in context.application.bot_data["flows"]:
            if flow.on_delete is not None:
                await flow.on_delete(context.application, uid)
        removed = await storage.delete_user(uid)
        _forget_in_memory(context, uid)
        _LOG.info("A person erased their data (%d rows)", removed)
        await show(update, context, content.text("privacy.deleted"))
        try:
            await context.bot.delete_my_commands(scope=_chat_scope(uid))
        except Exception:  # the erase already happened; a stale menu is harmless
            _LOG.warning("Could not reset a command menu after /delete")

    return Flow(
        name="privacy",
        handlers=[CommandHandler("mydata", mydata), CommandHandler("delete", delete),
                  CallbackQueryHandler(on_delete, pattern=CB.pattern)],
        commands={"*": [("mydata", "commands.mydata"), ("delete", "commands.delete")]},
    )


def _chat_scope(uid: int) -> Any:
    from telegram import BotCommandScopeChat

    return BotCommandScopeChat(uid)


def _forget_in_memory(context: Context, uid: int) -> None:
    """Drop drafts and conversation steps PTB holds in memory for UID, so nothing of theirs is
    written back after the erase."""
    from telegram.ext import ConversationHandler

    context.application.drop_user_data(uid)
    for handlers in context.application.handlers.values():
        for handler in handlers:
            if isinstance(handler, ConversationHandler):
                # PTB keeps conversation steps in a dict keyed by (chat, user); ending each one
                # for this person is the documented way out (state END removes the key).
                for key in [k for k in handler._conversations if uid in k]:
                    handler._update_state(ConversationHandler.END, key)
