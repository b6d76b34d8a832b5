"""Copying messages between the two sides of a match, now or when held until their slot.

Every message is copied (`copy_message`, never forwarded), so neither side sees the other's
account. A name label starts each run of messages in a chat. Outside the peer worker's hours,
or over the flood limit, a person's message is held (its id only: no text is stored) and
`tick:relay` passes it on when its slot comes, so a restart loses nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import Message, ReplyParameters
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.domain.matching import Match
from bot.domain.relay import FLOOD_WINDOW, needs_label, plan_delivery, slots_to_keep
from bot.routing import AppCtx, Ctx
from bot.storage.relay import HeldMessage
from flows.relay import views
from flows.relay.names import peer_name, person_name, person_names

__all__ = ["TICK_SECONDS", "deliver_held", "from_peer", "from_person", "peer_to_person",
           "relay_one", "tick"]

_LOG = logging.getLogger(__name__)

TICK_SECONDS = 20.0


class _Transient(Exception):
    """Telegram could not be reached just now; the message is kept and tried again."""


async def _zone(app: AppCtx, user_id: int) -> ZoneInfo:
    return app.deps.zone(await app.deps.storage.get_user(user_id))


async def _label(app: AppCtx, match: Match, sender_id: int, recipient_id: int,
                 held_since: datetime | None) -> str:
    recipient = await app.deps.storage.get_user(recipient_id)
    copy, store = app.copy_for(recipient), app.deps.storage
    name = (await person_name(store, copy, match) if sender_id == match.person_id
            else await peer_name(store, copy, sender_id))
    since = held_since.astimezone(app.deps.zone(recipient)) if held_since else None
    return views.label(copy, name, held_since=since)


async def relay_one(app: AppCtx, match: Match, sender_id: int, recipient_id: int,
                    message_id: int, *, held_since: datetime | None = None) -> str:
    """Copy MESSAGE_ID from the sender's chat into the recipient's, with a name label when a
    run starts. Returns 'ok', 'blocked' (the recipient blocked the bot) or 'gone' (the
    original was deleted); raises _Transient when Telegram can't be reached."""
    storage, now = app.deps.storage, app.deps.clock.now()
    run = await storage.last_run(recipient_id)
    label_needed = held_since is not None or needs_label(
        run[0] if run else None, run[1] if run else None, sender_id, now)
    sent: list[int] = []
    try:
        if label_needed:
            text = await _label(app, match, sender_id, recipient_id, held_since)
            sent.append((await app.bot.send_message(recipient_id, text)).message_id)
        copied = await app.bot.copy_message(recipient_id, from_chat_id=sender_id,
                                            message_id=message_id)
    except Forbidden:
        await storage.set_active(recipient_id, False)
        return "blocked"
    except BadRequest:
        await storage.remember_copies(recipient_id, sent, match.id, sender_id, now)
        return "gone"
    except TelegramError as exc:
        await storage.remember_copies(recipient_id, sent, match.id, sender_id, now)
        raise _Transient from exc
    await storage.remember_copies(recipient_id, [*sent, copied.message_id], match.id,
                                  sender_id, now)
    return "ok"


async def _tell_sender(app: AppCtx, held: HeldMessage, match: Match, result: str) -> None:
    """What the sender of a held message hears when it could not be passed on."""
    sender = await app.deps.storage.get_user(held.sender_id)
    copy, store = app.copy_for(sender), app.deps.storage
    name = (await peer_name(store, copy, held.recipient_id)
            if held.recipient_id == match.peer_id else await person_name(store, copy, match))
    if result == "gone":
        text = views.gone(copy, held.sent_at.astimezone(app.deps.zone(sender)), name)
    else:
        text = copy.text("relay.not_delivered", name=name)
    await app.tell(held.sender_id, text)


async def deliver_held(app: AppCtx, due: Sequence[HeldMessage]) -> None:
    """Deliver held messages in order; tell senders what arrived and what could not."""
    storage = app.deps.storage
    labelled: set[int] = set()
    passed_on: dict[int, Match] = {}
    for held in due:
        match = await storage.get_match(held.match_id)
        if match is None or match.status != "active":
            await storage.delete_held(held.id)
            continue
        since = None
        if held.reason == "hours" and held.match_id not in labelled:
            since = held.sent_at
            labelled.add(held.match_id)
        try:
            result = await relay_one(app, match, held.sender_id, held.recipient_id,
                                     held.message_id, held_since=since)
        except _Transient:
            _LOG.warning("Telegram unreachable; held messages stay for the next tick")
            break
        await storage.delete_held(held.id)
        if result == "ok" and held.reason == "hours":
            passed_on[held.sender_id] = match
        elif result != "ok":
            await _tell_sender(app, held, match, result)
    for sender_id, match in passed_on.items():
        copy = app.copy_for(await storage.get_user(sender_id))
        await app.tell(sender_id, copy.text(
            "relay.held_delivered", peer=await peer_name(storage, copy, match.peer_id)))
    if due:
        _LOG.info("Held messages processed: %d", len(due))


async def tick(app: AppCtx) -> None:
    """tick:relay: deliver every held message whose slot has come."""
    due = await app.deps.storage.due_held(app.deps.clock.now())
    if due:
        await deliver_held(app, due)


async def from_person(ctx: Ctx, match: Match, message: Message) -> None:
    """A person's message to their peer worker: now, or held for their hours or the flood
    limit (the person is told when, once per wait)."""
    storage, now = ctx.deps.storage, ctx.now
    profile = await storage.get_profile(match.peer_id)
    windows = profile.hours if profile is not None else ()
    slots = await storage.recent_slots(ctx.user_id)
    plan = plan_delivery(now, windows, ctx.deps.zone(profile), slots)
    await storage.save_slots(ctx.user_id, slots_to_keep([*slots, plan.at], now))
    if plan.is_now(now):
        await _now(ctx, match, message)
        return
    earlier = await storage.held_for_match(match.id, sender_id=ctx.user_id)
    await storage.hold_message(
        match_id=match.id, sender_id=ctx.user_id, recipient_id=match.peer_id,
        message_id=message.message_id, reason="hours" if plan.held_for_hours else "flood",
        sent_at=now, deliver_at=plan.at)
    peer = await peer_name(storage, ctx.copy, match.peer_id)
    if plan.held_for_hours:
        await storage.bump_counter("relay_held", ctx.deps.local_day())
        if not any(h.reason == "hours" for h in earlier):
            when = views.when_text(ctx.copy, plan.opens, ctx.deps.zone(ctx.user), now)
            await ctx.reply(*views.held(ctx.copy, peer, when))
    elif plan.tell_slow_down:
        await ctx.reply(ctx.copy.text("relay.slow_down", peer=peer))


async def _now(ctx: Ctx, match: Match, message: Message) -> None:
    """Pass a person's message on at once (after anything of theirs already due)."""
    storage, now = ctx.deps.storage, ctx.now
    earlier = await storage.due_held(now, match_id=match.id)
    if earlier:
        await deliver_held(ctx, earlier)  # so the order is kept
    try:
        result = await relay_one(ctx, match, ctx.user_id, match.peer_id, message.message_id)
    except _Transient:
        await storage.hold_message(
            match_id=match.id, sender_id=ctx.user_id, recipient_id=match.peer_id,
            message_id=message.message_id, reason="retry", sent_at=now,
            deliver_at=now + FLOOD_WINDOW)
        return
    if result != "ok":
        await ctx.reply(ctx.copy.text("relay.not_delivered",
                                      name=await peer_name(storage, ctx.copy, match.peer_id)))


async def from_peer(ctx: Ctx, matches: Sequence[Match], message: Message) -> None:
    """A peer worker's message: to the person whose message they replied to, to their one
    person, or (several, not a reply) a chooser of who it is for."""
    target: Match | None = None
    reply = message.reply_to_message
    if reply is not None:
        mapped = await ctx.deps.storage.match_for_copy(ctx.user_id, reply.message_id)
        if mapped is not None:
            target = next((m for m in matches if m.id == mapped), None)
            if target is None:
                await ctx.reply(ctx.copy.text("relay.conversation_ended"))
                return
    if target is None and len(matches) == 1:
        target = matches[0]
    if target is None:
        names = await person_names(ctx.deps.storage, ctx.copy, ctx.user_id)
        text, markup = views.chooser(ctx.copy, names, message.message_id)
        await ctx.reply(text, markup, reply_parameters=ReplyParameters(
            message.message_id, allow_sending_without_reply=True))
        return
    await peer_to_person(ctx, target, message.message_id)


async def peer_to_person(app: AppCtx, match: Match, message_id: int) -> bool:
    """Copy the peer worker's message to the person of MATCH; the peer worker hears if it
    could not be passed on."""
    try:
        result = await relay_one(app, match, match.peer_id, match.person_id, message_id)
    except _Transient:
        result = "blocked"
    if result != "ok":
        peer = await app.deps.storage.get_user(match.peer_id)
        copy = app.copy_for(peer)
        await app.tell(match.peer_id, copy.text(
            "relay.not_delivered", name=await person_name(app.deps.storage, copy, match)))
    return result == "ok"
