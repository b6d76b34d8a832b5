"""Copying messages between the two sides of a match, through the outbox, now or when held.

Every message is copied (`copy_message`, never forwarded), so neither side sees the other's
account, and every copy is a send that matters (bot/outbox.py): it is kept under the key
`relay:{match}:{side}:{message}` (with the name label that starts a run, under the same key
and `:label`; no Telegram id, so nothing of someone who erased their data is left in a key)
in one transaction, then tried at once. If Telegram can't take it this moment the
outbox keeps trying; if it never can, DeliveryFailed tells the sender which message did not
arrive (flows/relay/consequences.py). The same message kept twice is sent once.

Outside the peer worker's hours (or while they are on leave and the person's match is paused,
or over the flood limit) a person's message is held (its id only: no text is stored), up to
the service's cap per sender; tick:relay keeps it in the outbox when its slot comes, so a
restart loses nothing.

If the database can't be written this moment ("database is locked"), a message that may go
now is copied straight away rather than lost; one that would have to wait is not kept, and
the sender is told so, and asked to send it again.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from telegram import Message, ReplyParameters
from telegram.error import TelegramError

from bot import outbox
from bot.domain.hours import next_open
from bot.domain.matching import Match
from bot.domain.relay import cap_reached, needs_label, plan_delivery, slots_to_keep, tell_cap
from bot.routing import AppCtx, Ctx
from bot.services.matches import MatchOver
from bot.storage.relay import HeldMessage, RelaySend
from flows.relay import views
from flows.relay.names import peer_name, person_name, person_names

__all__ = [
    "TICK_SECONDS",
    "Status",
    "copy_key",
    "deliver_held",
    "from_person",
    "peer_to_person",
    "relay",
    "target_of",
    "tick",
]

_LOG = logging.getLogger(__name__)

TICK_SECONDS = 20.0
#: While a peer worker is on leave, a paused person's messages wait until they are back.
UNTIL_BACK = timedelta(days=3650)

#: What became of a message: Telegram has it ('sent'), the outbox is still trying ('kept'),
#: it was passed on before ('again'), or it never will be and the sender is told ('failed').
Status = Literal["sent", "kept", "again", "failed"]


def copy_key(match: Match, sender_id: int, message_id: int) -> str:
    """The outbox key of one relayed message (MESSAGE_ID in SENDER_ID's chat, for MATCH):
    one key, one copy, however often it is kept."""
    side = "person" if sender_id == match.person_id else "peer"
    return f"relay:{match.id}:{side}:{message_id}"


async def _zone(app: AppCtx, user_id: int) -> ZoneInfo:
    return app.deps.zone(await app.deps.storage.get_user(user_id))


async def _label(
    app: AppCtx, match: Match, sender_id: int, recipient_id: int, held_since: datetime | None
) -> str:
    recipient = await app.deps.storage.get_user(recipient_id)
    copy, store = app.copy_for(recipient), app.deps.storage
    name = (
        await person_name(store, copy, match)
        if sender_id == match.person_id
        else await peer_name(store, copy, sender_id)
    )
    since = held_since.astimezone(app.deps.zone(recipient)) if held_since else None
    return views.label(copy, name, held_since=since)


Run = tuple[int, datetime] | None


class _KeptBefore(Exception):
    """This message was kept (and so sent, or being sent) before: nothing is sent twice."""


async def _keep(
    app: AppCtx,
    match: Match,
    sender_id: int,
    recipient_id: int,
    message_id: int,
    *,
    held_since: datetime | None,
    sent_at: datetime,
    run: Run = None,
    before: int = 0,
) -> list[outbox.Taken]:
    """Inside the caller's transaction: keep the copy, after the name label a run starts
    with (RUN: the last (sender, time) relayed into the recipient's chat, if the caller
    knows it better than what is stored). Returns the sends kept, taken for the caller to
    send after its commit (the copy's last); raises _KeptBefore if this message was kept
    before (the caller's transaction undoes the rest). BEFORE: how many sends the caller
    took earlier in the same batch (each lease is long enough for them to go first)."""
    storage, now = app.deps.storage, app.deps.clock.now()
    key = copy_key(match, sender_id, message_id)
    run = run or await storage.last_run(recipient_id)
    sends: list[RelaySend] = []
    taken: list[outbox.Taken] = []
    if held_since is not None or needs_label(
        run[0] if run else None, run[1] if run else None, sender_id, now
    ):
        # Kept first, so it goes first (the outbox sends in the order sends were kept).
        text = await _label(app, match, sender_id, recipient_id, held_since)
        label = await outbox.take(
            app.deps,
            f"{key}:label",
            "relay",
            outbox.Send(recipient_id, text),
            lease_s=_lease(before),
        )
        if label is not None:
            taken.append(label)
        sends.append(RelaySend(f"{key}:label", match.id, sender_id, recipient_id, None, sent_at))
    copied = await outbox.take(
        app.deps,
        key,
        "relay",
        outbox.Send(recipient_id, from_chat_id=sender_id, message_id=message_id),
        lease_s=_lease(before + len(taken)),
    )
    if copied is None:
        raise _KeptBefore  # undoes a label kept just now
    taken.append(copied)
    sends.append(RelaySend(key, match.id, sender_id, recipient_id, message_id, sent_at))
    await storage.keep_relay_sends(sends)
    return taken


def _lease(before: int) -> int:
    """The lease of a send with BEFORE sends ahead of it in its batch: sent one after another,
    each may wait up to a second for its chat (Telegram's pace), so a long batch of held
    messages never outlives its later sends' leases (the worker would send those again)."""
    return outbox.LEASE_S + 2 * before


async def _send(app: AppCtx, taken: Sequence[outbox.Taken]) -> dict[str, Status]:
    """Try the TAKEN sends now, in order, and remember the copies Telegram took; what became
    of each (by key)."""
    keys = [t.row.key for t in taken]
    went = await outbox.send_taken(app.deps, app.bot, taken, app.events)
    try:
        statuses = await app.deps.storage.settle_relay_sends(keys, read=went < len(keys))
    except sqlite3.OperationalError:
        _LOG.warning("Relayed copies could not be noted yet; tick:relay notes them later")
        statuses = {}
    if went == len(keys):
        return dict.fromkeys(keys, "sent")
    return {
        key: "sent"
        if statuses.get(key) == "sent"
        else "failed"
        if statuses.get(key) == "dropped"
        else "kept"
        for key in keys
    }


async def relay(
    app: AppCtx,
    match: Match,
    sender_id: int,
    recipient_id: int,
    message_id: int,
    *,
    held_since: datetime | None = None,
) -> Status:
    """Pass SENDER_ID's message MESSAGE_ID on to RECIPIENT_ID, through the outbox (straight
    away if the database can't be written this moment)."""
    now = app.deps.clock.now()
    try:
        # short: a read and two or three inserts by key, no thread hop each
        async with app.deps.storage.transaction(short=True):
            taken = await _keep(
                app, match, sender_id, recipient_id, message_id, held_since=held_since, sent_at=now
            )
    except _KeptBefore:
        return "again"
    except sqlite3.OperationalError as exc:
        _LOG.warning("The database could not be written (%s); the message is copied now", exc)
        return await _straight(app, match, sender_id, recipient_id, message_id)
    return (await _send(app, taken))[taken[-1].row.key]


async def _straight(
    app: AppCtx, match: Match, sender_id: int, recipient_id: int, message_id: int
) -> Status:
    """The database is busy: copy now, with its label, rather than lose the message."""
    sent: list[int] = []
    try:
        text = await _label(app, match, sender_id, recipient_id, None)
        sent.append((await app.bot.send_message(recipient_id, text)).message_id)
        sent.append(
            (
                await app.bot.copy_message(
                    recipient_id, from_chat_id=sender_id, message_id=message_id
                )
            ).message_id
        )
    except TelegramError:
        await _tell_not_delivered(app, match, sender_id)
        return "failed"
    try:
        await app.deps.storage.remember_copies(
            recipient_id, sent, match.id, sender_id, app.deps.clock.now(), source_id=message_id
        )
    except sqlite3.OperationalError:
        _LOG.warning("A copy sent while the database was busy could not be noted")
    return "sent"


async def _tell_not_delivered(app: AppCtx, match: Match, sender_id: int) -> None:
    sender = await app.deps.storage.get_user(sender_id)
    copy, store = app.copy_for(sender), app.deps.storage
    name = (
        await peer_name(store, copy, match.peer_id)
        if sender_id == match.person_id
        else await person_name(store, copy, match)
    )
    await app.tell(sender_id, copy.text("relay.not_delivered", name=name))


# -- held messages ----------------------------------------------------------------------------


async def deliver_held(app: AppCtx, due: Sequence[HeldMessage]) -> None:
    """Keep held messages in the outbox, in order and in one transaction, and send them;
    tell senders whose messages waited for the peer worker's hours that they have been
    passed on."""
    storage, now = app.deps.storage, app.deps.clock.now()
    labelled: set[int] = set()
    runs: dict[int, Run] = {}
    kept: dict[str, tuple[HeldMessage, Match]] = {}
    taken: list[outbox.Taken] = []
    try:
        async with storage.transaction():
            for held in due:
                await storage.delete_held(held.id)
                match = await storage.get_match(held.match_id)
                if match is None or match.status != "active":
                    continue
                since = None
                if held.reason == "hours" and held.match_id not in labelled:
                    since = held.sent_at
                    labelled.add(held.match_id)
                if (
                    await storage.outbox_status(copy_key(match, held.sender_id, held.message_id))
                    is not None
                ):
                    continue  # kept before (a tick that stopped half-way): not twice
                these = await _keep(
                    app,
                    match,
                    held.sender_id,
                    held.recipient_id,
                    held.message_id,
                    held_since=since,
                    sent_at=held.sent_at,
                    run=runs.get(held.recipient_id),
                    before=len(taken),
                )
                runs[held.recipient_id] = (held.sender_id, now)
                kept[these[-1].row.key] = (held, match)
                taken.extend(these)
    except sqlite3.OperationalError:
        _LOG.warning("The database is busy; held messages stay for the next tick")
        return
    statuses = await _send(app, taken) if taken else {}
    passed_on = {
        held.sender_id: match
        for key, (held, match) in kept.items()
        if held.reason == "hours" and statuses.get(key) == "sent"
    }
    for sender_id, match in passed_on.items():
        copy = app.copy_for(await storage.get_user(sender_id))
        await app.tell(
            sender_id,
            copy.text("relay.held_delivered", peer=await peer_name(storage, copy, match.peer_id)),
        )
    if due:
        _LOG.info("Held messages processed: %d", len(due))


async def tick(app: AppCtx) -> None:
    """tick:relay: pass on every held message whose slot has come, and note the copies the
    outbox delivered on a later try (so replies and edits find them)."""
    due = await app.deps.storage.due_held(app.deps.clock.now())
    if due:
        await deliver_held(app, due)
    await app.deps.storage.settle_relay_sends(now=app.deps.clock.now())


# -- a person's message -----------------------------------------------------------------------


async def from_person(ctx: Ctx, match: Match, message: Message) -> None:
    """A person's message to their peer worker: now, or held for their hours, their leave or
    the flood limit (the person is told when, once per wait), up to the cap."""
    storage, now = ctx.deps.storage, ctx.now
    profile = await storage.get_profile(match.peer_id)
    # Only a peer worker on leave is paused and has matches paused for their return.
    away = profile is not None and profile.paused and await storage.paused_for_leave(match.id)
    slots = await storage.recent_slots(ctx.user_id)
    plan = plan_delivery(
        now, profile.hours if profile is not None else (), ctx.deps.zone(profile), slots
    )
    if plan.is_now(now) and not away:
        await _save_slots(ctx, [*slots, plan.at])
        await _now(ctx, match, message)
        return
    earlier = await storage.held_for_match(match.id, sender_id=ctx.user_id)
    waited = [h for h in earlier if h.reason == "hours"]
    peer = await peer_name(storage, ctx.copy, match.peer_id)
    if (away or plan.held_for_hours) and cap_reached(len(waited), ctx.deps.settings.relay_held_cap):
        await _over_cap(ctx, peer, waited)
        return
    try:
        async with storage.transaction():
            if not away:
                await storage.save_slots(ctx.user_id, slots_to_keep([*slots, plan.at], now))
            await storage.hold_message(
                match_id=match.id,
                sender_id=ctx.user_id,
                recipient_id=match.peer_id,
                message_id=message.message_id,
                reason="hours" if away or plan.held_for_hours else "flood",
                sent_at=now,
                deliver_at=now + UNTIL_BACK if away else plan.at,
            )
    except sqlite3.OperationalError:
        _LOG.warning("The database is busy; a message that would wait was not kept")
        await ctx.reply(ctx.copy.text("relay.not_kept", peer=peer))
        return
    if away:
        if not waited:
            await ctx.reply(*views.held_for_leave(ctx.copy, peer))
    elif plan.held_for_hours:
        await storage.bump_counter("relay_held", ctx.deps.local_day())
        if not waited or await _peer_wrote_since(ctx, match, max(h.sent_at for h in waited)):
            when = views.when_text(ctx.copy, plan.opens, ctx.deps.zone(ctx.user), now)
            await ctx.reply(*views.held(ctx.copy, peer, when))
    elif plan.tell_slow_down:
        await ctx.reply(ctx.copy.text("relay.slow_down", peer=peer))


async def _peer_wrote_since(ctx: Ctx, match: Match, since: datetime) -> bool:
    """Whether MATCH's peer worker wrote to the person after SINCE (outside their hours): the
    person may think they are there now, so the next message that waits says so again."""
    last = await ctx.deps.storage.last_run(match.person_id)
    return last is not None and last[0] == match.peer_id and last[1] > since


async def _save_slots(ctx: Ctx, slots: Sequence[datetime]) -> None:
    try:
        await ctx.deps.storage.save_slots(ctx.user_id, slots_to_keep(slots, ctx.now))
    except sqlite3.OperationalError:  # the flood window is a courtesy; the message matters
        _LOG.warning("The database is busy; a flood slot was not noted")


async def _over_cap(ctx: Ctx, peer: str, waited: Sequence[HeldMessage]) -> None:
    """As many messages as may wait are waiting: this one is not kept, and the sender is
    told kindly (at length once per wait, in a line after that)."""
    storage, cap = ctx.deps.storage, ctx.deps.settings.relay_held_cap
    if tell_cap(await storage.cap_told_at(ctx.user_id), min(h.sent_at for h in waited)):
        await storage.mark_cap_told(ctx.user_id, ctx.now)
        await ctx.reply(*views.over_cap(ctx.copy, peer, cap))
    else:
        await ctx.reply(ctx.copy.text("relay.cap_again", peer=peer, cap=cap))


async def _now(ctx: Ctx, match: Match, message: Message) -> None:
    """Pass a person's message on at once (after anything of theirs already due)."""
    earlier = await ctx.deps.storage.due_held(ctx.now, match_id=match.id)
    if earlier:
        await deliver_held(ctx, earlier)  # so the order is kept
    await relay(ctx, match, ctx.user_id, match.peer_id, message.message_id)


# -- a peer worker's message ------------------------------------------------------------------


async def target_of(ctx: Ctx, matches: Sequence[Match], message: Message) -> Match | None:
    """Whom a peer worker's message is for: the person whose message they replied to, or
    their one person; None when they have several and must choose. MatchOver when the reply
    is to a conversation that has ended."""
    reply = message.reply_to_message
    if reply is not None:
        mapped = await ctx.deps.storage.match_for_copy(ctx.user_id, reply.message_id)
        if mapped is not None:
            target = next((m for m in matches if m.id == mapped), None)
            if target is None:
                raise MatchOver
            return target
        kept = timedelta(days=ctx.deps.settings.retention_relay_days)
        if reply.date < ctx.deps.clock.now() - kept:
            # A reply to a copy too old to be kept (bot/retention.py): whose it was is not
            # known any more, and it may have been someone whose support has ended. Ask,
            # rather than send it to whoever is their one person now.
            return None
    return matches[0] if len(matches) == 1 else None


async def choose_recipient(ctx: Ctx, message_id: int) -> None:
    """Ask a peer worker with several people who this message is for."""
    names = await person_names(ctx.deps.storage, ctx.copy, ctx.user_id)
    text, markup = views.chooser(ctx.copy, names, message_id)
    await ctx.reply(
        text, markup, reply_parameters=ReplyParameters(message_id, allow_sending_without_reply=True)
    )


async def peer_to_person(app: AppCtx, match: Match, message_id: int) -> Status:
    """Copy the peer worker's message to the person of MATCH (never held: they chose to
    write now); if it can never arrive, they are told (DeliveryFailed). Written outside
    their own hours after a while of quiet, they hear that the person's replies will wait."""
    storage, now = app.deps.storage, app.deps.clock.now()
    before = await storage.last_run(match.person_id)
    status = await relay(app, match, match.peer_id, match.person_id, message_id)
    if status == "failed" or (before is not None and now - before[1] < timedelta(hours=1)):
        return status
    profile = await storage.get_profile(match.peer_id)
    opens = None if profile is None else next_open(profile.hours, app.deps.zone(profile), now)
    if opens is not None and opens > now:
        peer = await storage.get_user(match.peer_id)
        copy = app.copy_for(peer)
        await app.tell(
            match.peer_id,
            copy.text(
                "relay.outside_own_hours",
                name=await person_name(storage, copy, match),
                when=views.when_text(copy, opens, app.deps.zone(profile), now),
            ),
        )
    return status
