"""What follows a change made in /settings (bot/app.py's event_table lists these)."""

from __future__ import annotations

from bot.routing import AppCtx
from bot.services.checkins import follow_timezone
from bot.services.people import TimeZoneChanged

__all__ = ["move_checkins"]


async def move_checkins(event: TimeZoneChanged, app: AppCtx) -> None:
    """Check-ins follow the person's clock: their next one moves to the new local time."""
    await follow_timezone(
        app.deps.storage, event.user_id, app.deps.zone(event), app.deps.clock.now()
    )
