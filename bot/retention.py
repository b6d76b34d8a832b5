"""Retention: records kept only as long as the service's settings say (README, Privacy).

Once a day (and a little after each start) the 'tick:retention' job deletes, a few hundred
rows at a time:
- relayed copies older than `retention_relay_days`, and relayed sends kept that long ago that
  are no longer on their way (a reply to an older copy is not threaded);
- the per-recipient rows of broadcasts that finished `retention_broadcast_days` ago (the
  broadcast's own row and its counts stay for the report);
- check-ins sent more than `retention_checkin_days` ago, with their answers and notes.

What is still needed is never old enough to go: schedules (the check-ins to come), a
broadcast still sending, a relayed send still on its way. Reminders for group meetings are
already forgotten a week after they are sent (flows/groups/notices.py), and the update inbox
and send outbox by their own workers (bot/inbox.py, bot/outbox.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.routing import AppCtx, Job
from bot.settings import Settings
from bot.storage import Storage

__all__ = ["RETENTION_JOB", "Removed", "prune"]

_LOG = logging.getLogger(__name__)

DAY_S = 24 * 3600.0


@dataclass(frozen=True, slots=True)
class Removed:
    """How many rows one prune removed, per kind (counts only)."""

    relay_copies: int
    relay_sends: int
    broadcast_rows: int
    checkins: int

    def line(self) -> str:
        """The one log line: counts, never a name or a message."""
        return (
            f"Retention: removed {self.relay_copies} relay copies, {self.relay_sends} relay "
            f"sends, {self.broadcast_rows} broadcast outbox rows, {self.checkins} check-ins"
        )


async def prune(storage: Storage, settings: Settings, now: datetime) -> Removed:
    """Delete every record older than its retention period at NOW; returns the counts."""
    copies, sends = await storage.prune_relay(now - timedelta(days=settings.retention_relay_days))
    broadcast_rows = await storage.prune_broadcast_outbox(
        now - timedelta(days=settings.retention_broadcast_days)
    )
    checkins = await storage.prune_checkins(now - timedelta(days=settings.retention_checkin_days))
    return Removed(copies, sends, broadcast_rows, checkins)


async def _tick(app: AppCtx) -> None:
    removed = await prune(app.deps.storage, app.deps.settings, app.deps.clock.now())
    _LOG.info(removed.line())


#: Daily, and 10 s after each start, so a bot restarted more often than daily still prunes.
RETENTION_JOB = Job("tick:retention", _tick, interval_s=DAY_S, first_s=10.0)
