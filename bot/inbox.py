"""A durable update queue: each update is in the database before Telegram hears it arrived.

PTB's Updater puts every update it receives into `Application.update_queue` before it
confirms them to Telegram (polling confirms with its next `getUpdates`; the webhook server
answers the push after `put` returns). This queue writes each update to the inbox table in
that `put`, and the Application marks it done once handled, so an update received just
before a crash or SIGKILL is handled after the restart instead of being lost, and an update
Telegram delivers twice is answered once.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from telegram import Bot, Update

if TYPE_CHECKING:
    from bot.deps import Deps

__all__ = ["MAX_ATTEMPTS", "DurableUpdateQueue"]

_LOG = logging.getLogger(__name__)

#: An update that was being handled when the bot died this many times is set aside, so one
#: update that kills the process can't keep it from starting.
MAX_ATTEMPTS = 3
KEEP_HANDLED = timedelta(days=2)


class DurableUpdateQueue(asyncio.Queue[object]):
    """Application.update_queue, with every update written to the inbox as it is queued."""

    def __init__(self, deps: Deps) -> None:
        super().__init__()
        self.deps = deps

    async def put(self, item: object) -> None:
        """Store ITEM (an Update) in the inbox, then queue it; a repeat is dropped."""
        if isinstance(item, Update):
            user = item.effective_user.id if item.effective_user is not None else None
            body = self.deps.cipher.encrypt(json.dumps(item.to_dict()))
            if not await self.deps.storage.inbox_add(
                item.update_id, user, body, self.deps.clock.now()
            ):
                _LOG.info(
                    "Telegram delivered update %d again; it is answered only once", item.update_id
                )
                return
        await super().put(item)

    async def done(self, update: object) -> None:
        """Mark UPDATE handled (a no-op for updates that did not come through the inbox)."""
        if isinstance(update, Update):
            await self.deps.storage.inbox_done(update.update_id, self.deps.clock.now())

    async def replay(self, bot: Bot) -> int:
        """Queue the updates a previous run received but did not finish; returns how many."""
        storage = self.deps.storage
        await storage.inbox_prune(self.deps.clock.now() - KEEP_HANDLED)
        replayed = 0
        for update_id, body, attempts in await storage.inbox_pending():
            if attempts > MAX_ATTEMPTS:
                _LOG.error(
                    "Update %d was being handled each time the bot stopped, %d times; "
                    "setting it aside",
                    update_id,
                    attempts - 1,
                )
                await storage.inbox_done(update_id, self.deps.clock.now())
                continue
            try:
                data: dict[str, Any] = json.loads(self.deps.cipher.decrypt(body))
            except ValueError:
                _LOG.error(
                    "Update %d in the inbox can't be read with this encryption key; "
                    "setting it aside",
                    update_id,
                )
                await storage.inbox_done(update_id, self.deps.clock.now())
                continue
            await super().put(Update.de_json(data, bot))
            replayed += 1
        if replayed:
            _LOG.info("Handling %d update(s) received before the last stop", replayed)
        return replayed
