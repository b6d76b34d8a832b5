"""What the check-ins flow sends through the outbox (bot/outbox.py), under which keys.

A check-in's prompt (kind "bulk") and the reply to its rating (kind "reply") each have one
key per check-in, so whatever retries them, and however often a button is pressed, each is
sent at most once. The outbox tries them again after a 429, a 5xx or a timeout, and gives up
on a permanent error (the person blocked the bot, the chat is gone): then `DeliveryFailed`
names the key, and the check-in whose prompt never arrived is forgotten.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from bot import outbox
from bot.routing import AppCtx

__all__ = ["PROMPT", "REPLY", "SEND_CONCURRENCY", "checkin_of_key", "key", "send_kept"]

PROMPT, REPLY = "prompt", "reply"
SEND_CONCURRENCY = 16  # prompts sent at once after a claim (the bulk lane paces them)
_PREFIX = "checkin"


def key(checkin_id: int, what: str) -> str:
    """The outbox key of check-in CHECKIN_ID's PROMPT or REPLY."""
    return f"{_PREFIX}:{checkin_id}:{what}"


def checkin_of_key(outbox_key: str, what: str) -> int | None:
    """The check-in whose WHAT an outbox key names; None for any other key."""
    prefix, _, rest = outbox_key.partition(":")
    number, _, kind = rest.partition(":")
    if prefix != _PREFIX or kind != what or not number.isdigit():
        return None
    return int(number)


async def send_kept(app: AppCtx, keys: Sequence[str]) -> int:
    """Try the kept sends KEYS now, a few at a time; returns how many went. Those that
    could not go stay in the outbox for its worker."""
    groups = [list(keys[i::SEND_CONCURRENCY]) for i in range(SEND_CONCURRENCY)]
    sent = await asyncio.gather(
        *(outbox.send_now(app.deps, app.bot, group, app.events) for group in groups if group)
    )  # () would mean "any due"
    return sum(sent)
