"""Sends that matter survive a failure: a transactional outbox with retries.

A send that matters (the crisis card, a match request to a peer worker, a match ending, a
peer worker's message to their person, a note, a reply to a check-in answer) is kept as a
row until Telegram has it:

- `queue(...)` keeps it inside the caller's transaction, with the change that causes it; then
  `send_now(app, keys)` after the commit tries it at once (if the process dies in between,
  the worker sends it later);
- `take(...)` keeps it already taken by the caller, and `send_taken(...)` after the commit
  tries it with no claim of its own (a relayed message: one statement fewer);
- `deliver(...)` tries at once and keeps it only if Telegram can't take it right now.

The worker (job `tick:outbox`, every second) sends what is due, most urgent first (the
crisis card first and fastest), retries with backoff on 429, 5xx and timeouts, and drops a
send only on a permanent error (the person blocked the bot, the chat is gone, Telegram says
the request is bad): then it publishes `DeliveryFailed`, whose consequences (bot/app.py)
tell the sender the truth. Every row has a unique key, so a retry never doubles a send.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from telegram import InlineKeyboardMarkup, Message
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.deps import Deps
from bot.lanes import BULK, INTERACTIVE
from bot.services.events import Event, Events
from bot.storage import OutboxRow

__all__ = [
    "KINDS",
    "DeliveryFailed",
    "Send",
    "Taken",
    "deliver",
    "queue",
    "run",
    "send_now",
    "send_taken",
    "take",
]

_LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class Kind:
    """How urgent a kind of send is, how it backs off, and when it is given up."""

    priority: int
    first_retry_s: float
    max_retry_s: float
    give_up_after: timedelta
    lane: str


KINDS: dict[str, Kind] = {
    "card": Kind(0, 1, 15, timedelta(hours=24), INTERACTIVE),
    "relay": Kind(1, 2, 120, timedelta(days=7), INTERACTIVE),
    "notice": Kind(2, 5, 300, timedelta(days=3), INTERACTIVE),
    "note": Kind(2, 5, 300, timedelta(days=7), INTERACTIVE),
    "reply": Kind(2, 5, 300, timedelta(days=1), INTERACTIVE),
    "bulk": Kind(3, 10, 600, timedelta(days=2), BULK),
}
LEASE_S = 60
BATCH = 50


@dataclass(frozen=True)
class DeliveryFailed(Event):
    """A send was given up for good; KEY says what it was (e.g. 'match:12:request')."""

    key: str
    kind: str
    chat_id: int
    reason: str


@dataclass(frozen=True)
class Send:
    """One Bot API send: sendMessage (TEXT, MARKUP) or copyMessage (FROM_CHAT, MESSAGE_ID)."""

    chat_id: int
    text: str = ""
    markup: InlineKeyboardMarkup | None = None
    from_chat_id: int | None = None
    message_id: int | None = None
    caption: str | None = None
    reply_to: int | None = None

    def payload(self) -> str:
        """The send as JSON (encrypted before it is stored)."""
        return json.dumps(
            {
                "text": self.text,
                "markup": self.markup.to_dict() if self.markup else None,
                "from_chat_id": self.from_chat_id,
                "message_id": self.message_id,
                "caption": self.caption,
                "reply_to": self.reply_to,
            }
        )

    @classmethod
    def from_payload(cls, chat_id: int, raw: str) -> Send:
        """The send a stored payload describes."""
        data: dict[str, Any] = json.loads(raw)
        markup = InlineKeyboardMarkup.de_json(data["markup"], None) if data.get("markup") else None
        return cls(
            chat_id,
            data.get("text") or "",
            markup,
            data.get("from_chat_id"),
            data.get("message_id"),
            data.get("caption"),
            data.get("reply_to"),
        )


async def queue(
    deps: Deps, key: str, kind: str, send: Send, *, due: datetime | None = None
) -> bool:
    """Keep SEND under KEY (inside the caller's transaction, if one is open); False if that
    key was kept before (so a repeated request never sends twice)."""
    return await deps.storage.outbox_add(
        key,
        send.chat_id,
        kind,
        KINDS[kind].priority,
        deps.cipher.encrypt(send.payload()),
        deps.clock.now(),
        due=due,
    )


async def send_now(deps: Deps, bot: Any, keys: Sequence[str], events: Events) -> int:
    """Try the kept sends KEYS at once (after the commit); returns how many went."""
    rows = await deps.storage.outbox_claim(deps.clock.now(), LEASE_S, len(keys), tuple(keys))
    return sum([await _attempt(deps, bot, row, events) for row in rows])


@dataclass(frozen=True)
class Taken:
    """A send kept and taken by the task that kept it, to try straight after its commit."""

    row: OutboxRow
    send: Send


async def take(
    deps: Deps, key: str, kind: str, send: Send, *, lease_s: int = LEASE_S
) -> Taken | None:
    """`queue` and `send_now`'s claim in one statement, inside the caller's transaction: keep
    SEND under KEY, taken for LEASE_S seconds (if the process dies before `send_taken`, the
    worker sends it when the lease runs out); None if that key was kept before. A send late
    in a long batch needs a longer lease: each one before it may wait a second for its chat."""
    row = await deps.storage.outbox_add_taken(
        key,
        send.chat_id,
        kind,
        KINDS[kind].priority,
        deps.cipher.encrypt(send.payload()),
        deps.clock.now(),
        lease_s,
    )
    return None if row is None else Taken(row, send)


async def send_taken(deps: Deps, bot: Any, taken: Sequence[Taken], events: Events) -> int:
    """Try sends `take` kept, in order (after the commit); returns how many went."""
    return sum([await _attempt(deps, bot, t.row, events, t.send) for t in taken])


async def deliver(
    deps: Deps, bot: Any, key: str, kind: str, send: Send, events: Events
) -> Message | None:
    """Send now; if Telegram can't take it right now, keep it and keep trying."""
    try:
        return await _call(bot, send, KINDS[kind].lane)
    except (Forbidden, BadRequest) as exc:
        await _permanent(deps, send.chat_id, key, kind, exc, events)
    except (RetryAfter, NetworkError) as exc:
        _LOG.warning("A %s send failed (%s); kept to try again", kind, exc.__class__.__name__)
        delay = _retry_after(exc) or KINDS[kind].first_retry_s
        await queue(deps, key, kind, send, due=deps.clock.now() + timedelta(seconds=delay))
    return None


async def run(deps: Deps, bot: Any, events: Events) -> int:
    """The worker: send what is due, most urgent first; returns how many went."""
    now = deps.clock.now()
    # A card's record goes after a day: it may be all that names someone who never said yes.
    await deps.storage.outbox_prune(now - timedelta(days=7), cards_before=now - timedelta(days=1))
    sent = 0
    while rows := await deps.storage.outbox_claim(deps.clock.now(), LEASE_S, BATCH):
        for row in rows:
            sent += await _attempt(deps, bot, row, events)
        if len(rows) < BATCH:
            break
    return sent


async def _attempt(
    deps: Deps, bot: Any, row: OutboxRow, events: Events, send: Send | None = None
) -> bool:
    storage, now = deps.storage, deps.clock.now()
    if send is None:
        try:
            send = Send.from_payload(row.chat_id, deps.cipher.decrypt(row.payload))
        except ValueError:
            await storage.outbox_done(row.id, now, sent=False, error="unreadable")
            return False
    spec = KINDS.get(row.kind, KINDS["bulk"])
    try:
        message = await _call(bot, send, spec.lane)
    except (Forbidden, BadRequest) as exc:
        await storage.outbox_done(row.id, now, sent=False, error=exc.__class__.__name__)
        await _permanent(deps, row.chat_id, row.key, row.kind, exc, events)
        return False
    except TelegramError as exc:
        await _later(deps, row, spec, exc, events)
        return False
    # copyMessage answers with a MessageId, sendMessage with a Message: both carry the id.
    message_id = getattr(message, "message_id", None)
    await storage.outbox_done(row.id, now, sent=True, message_id=message_id)
    return True


async def _call(bot: Any, send: Send, lane: str) -> Message:
    if send.from_chat_id is not None and send.message_id is not None:
        copied: Message = await bot.copy_message(
            send.chat_id,
            send.from_chat_id,
            send.message_id,
            caption=send.caption,
            reply_markup=send.markup,
            rate_limit_args=lane,
        )
        return copied
    message: Message = await bot.send_message(
        send.chat_id,
        send.text,
        reply_markup=send.markup,
        disable_web_page_preview=True,
        reply_to_message_id=send.reply_to,
        allow_sending_without_reply=True,
        rate_limit_args=lane,
    )
    return message


async def _later(
    deps: Deps, row: OutboxRow, spec: Kind, exc: TelegramError, events: Events
) -> None:
    now = deps.clock.now()
    if now - row.created_at > spec.give_up_after:
        await deps.storage.outbox_done(row.id, now, sent=False, error=exc.__class__.__name__)
        await _permanent(deps, row.chat_id, row.key, row.kind, exc, events)
        return
    delay = _retry_after(exc) or min(spec.max_retry_s, spec.first_retry_s * 2 ** (row.attempts - 1))
    _LOG.warning(
        "A %s send failed (%s, attempt %d); trying again in %.0f s",
        row.kind,
        exc.__class__.__name__,
        row.attempts,
        delay,
    )
    await deps.storage.outbox_retry(row.id, now + timedelta(seconds=delay))


async def _permanent(
    deps: Deps, chat_id: int, key: str, kind: str, exc: TelegramError, events: Events
) -> None:
    reason = "blocked" if isinstance(exc, Forbidden) else "refused"
    if isinstance(exc, BadRequest) and "chat not found" in exc.message.lower():
        reason = "gone"
    if reason in ("blocked", "gone"):
        await deps.storage.set_active(chat_id, False)
    elif reason == "refused":
        reason = "gave up" if not isinstance(exc, BadRequest) else reason
    _LOG.info("A %s send could not be delivered (%s); the sender is told", kind, reason)
    events.publish(DeliveryFailed(key, kind, chat_id, reason))


def _retry_after(exc: BaseException) -> float | None:
    if not isinstance(exc, RetryAfter):
        return None
    value: Any = exc.retry_after
    return float(value.total_seconds() if isinstance(value, timedelta) else value)
