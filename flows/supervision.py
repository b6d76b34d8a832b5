"""Peer workers ask for supervision; the request reaches every coordinator (DESIGN rule 6).

```mermaid
stateDiagram-v2
    [*] --> Urgency: /supervision (peer workers)
    Urgency --> Note: today / this week / whenever
    Note --> [*]: a few words, or Skip (sent to coordinators)
```
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.callbacks import CallbackCodec, InvalidCallback
from bot.deps import Deps
from bot.domain.roles import PEER_ROLES
from bot.flowkit import (
    END,
    Context,
    Flow,
    answer_query,
    buttons,
    conversation,
    require_role,
    send,
    show,
)

__all__ = ["build"]

_LOG = logging.getLogger(__name__)
URGENCY, NOTE = "urgency", "note"
URGENCIES = ("today", "week", "whenever")
CB = CallbackCodec("sup", {"urgency", "skip", "take"})
NOTE_LIMIT = 500


def build(deps: Deps) -> Flow:
    """The supervision flow's handlers."""
    content, storage, clock = deps.content, deps.storage, deps.clock

    async def start(update: Update, context: Context) -> str | int:
        if await require_role(deps, update, context, *PEER_ROLES) is None:
            return END
        assert update.effective_chat is not None
        rows = [[(content.button(f"supervision.urgency_{u}"), CB.pack("urgency", u))]
                for u in URGENCIES]
        await send(context, update.effective_chat.id, content.text("supervision.ask_urgency"),
                   buttons(rows))
        return URGENCY

    async def on_urgency(update: Update, context: Context) -> str:
        assert context.user_data is not None
        try:
            urgency = CB.unpack_query(update).arg()
            if urgency not in URGENCIES:
                raise InvalidCallback(urgency)
        except InvalidCallback:
            await answer_query(update)
            return URGENCY
        context.user_data["supervision"] = {"urgency": urgency}
        await show(update, context, content.text("supervision.ask_note"),
                   buttons([[(content.button("common.skip_button"), CB.pack("skip"))]]))
        return NOTE

    async def on_note(update: Update, context: Context) -> str | int:
        assert update.effective_message is not None and update.effective_chat is not None
        text = (update.effective_message.text or "").strip()
        if len(text) > NOTE_LIMIT:
            await send(context, update.effective_chat.id, content.text("supervision.note_too_long"))
            return NOTE
        return await submit(update, context, text or None)

    async def on_skip(update: Update, context: Context) -> int:
        await answer_query(update)
        return await submit(update, context, None)

    async def submit(update: Update, context: Context, note: str | None) -> int:
        assert update.effective_user is not None and context.user_data is not None
        uid = update.effective_user.id
        draft = context.user_data.pop("supervision", {})
        urgency = draft.get("urgency", "whenever")
        peer = await storage.get_user(uid)
        if peer is None or peer.role not in PEER_ROLES:
            return END
        request_id = await storage.add_supervision_request(
            uid, urgency, deps.cipher.encrypt(note) if note else None, clock.now())
        await storage.bump_counter("supervision_requested", deps.local_day())
        name = await display_name(uid, peer.alias)
        delivered = 0
        for coordinator in await storage.users_with_roles(("coordinator",)):
            try:
                await send(context, coordinator.user_id, content.text(
                    "supervision.to_coordinator", name=name,
                    role=content.button(f"onboarding.role_name_{peer.role}"),
                    urgency=content.button(f"supervision.urgency_{urgency}"),
                    note=note or content.button("supervision.no_note")),
                    buttons([[(content.button("supervision.take_button"),
                               CB.pack("take", request_id))]]))
                delivered += 1
            except TelegramError:
                _LOG.warning("A supervision request could not reach one coordinator")
        key = "supervision.sent" if delivered else "supervision.no_coordinators"
        await send(context, uid, content.text(key, count=delivered))
        return END

    async def display_name(uid: int, alias: str | None) -> str:
        profile = await storage.get_profile(uid)
        if profile is not None:
            return profile.display_name
        return alias or content.button("supervision.someone")

    async def on_take(update: Update, context: Context) -> None:
        coordinator = await require_role(deps, update, context, "coordinator")
        if coordinator is None:
            return
        try:
            request_id = CB.unpack_query(update).int_arg()
        except InvalidCallback:
            await answer_query(update)
            return
        request = await storage.get_supervision_request(request_id)
        if request is None or not await storage.take_supervision_request(
                request_id, coordinator.user_id, clock.now()):
            await answer_query(update, content.button("supervision.taken_already"))
            return
        peer = await storage.get_user(request.peer_id)
        name = await display_name(request.peer_id, peer.alias if peer else None)
        await answer_query(update)
        assert update.effective_chat is not None
        await send(context, update.effective_chat.id,
                   content.text("supervision.taken", name=name))
        try:
            await send(context, request.peer_id, content.text(
                "supervision.peer_told",
                coordinator=coordinator.alias or content.button("supervision.someone")))
        except TelegramError:
            _LOG.warning("Could not tell a peer worker their supervision request was taken")

    request = conversation(
        deps, "supervision",
        entry_points=[CommandHandler("supervision", start)],
        states={
            URGENCY: [CallbackQueryHandler(on_urgency, pattern=r"^sup:urgency:")],
            NOTE: [MessageHandler(filters.TEXT & ~filters.COMMAND, on_note),
                   CallbackQueryHandler(on_skip, pattern=r"^sup:skip")],
        },
    )
    return Flow(
        name="supervision",
        handlers=[request, CallbackQueryHandler(on_take, pattern=r"^sup:take:")],
        commands={role: [("supervision", "commands.supervision")] for role in PEER_ROLES},
    )
