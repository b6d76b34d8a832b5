"""What follows a check-in being sent, skipped or answered: the daily counts a service
evaluates itself by (DESIGN rule 9), never content."""

from __future__ import annotations

from bot.routing import AppCtx
from bot.services.checkins import CheckinAnswered, CheckinsSent, CheckinsSkipped

__all__ = ["count_answer", "count_sent", "count_skipped"]


async def count_sent(event: CheckinsSent, app: AppCtx) -> None:
    """Count check-ins that reached people."""
    await app.deps.storage.bump_counter("checkin_sent", app.deps.local_day(), "", event.count)


async def count_skipped(event: CheckinsSkipped, app: AppCtx) -> None:
    """Count check-ins skipped after downtime."""
    await app.deps.storage.bump_counter("checkin_skipped", app.deps.local_day(), "",
                                        event.count)


async def count_answer(event: CheckinAnswered, app: AppCtx) -> None:
    """Count an answered check-in, and a low rating among them."""
    day = app.deps.local_day()
    await app.deps.storage.bump_counter("checkin_answered", day)
    if event.low:
        await app.deps.storage.bump_counter("checkin_low", day)
