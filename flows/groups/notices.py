"""What groups send to people the bot is not answering: queued notices (a place offered, a
meeting cancelled, a group retired), reminders a day and an hour before each meeting, and
calendar files; the 'tick:groups' job, and the consequences of group events.

Notices are queued in the database with the change that causes them, so a consequence that
fails (or a crash) leaves them for the next tick; each is claimed before it is sent, so none
goes twice. Reminders are worked out from the stored schedule (bot/domain/groups.py has the
timing rules and grace periods) and recorded before they are sent.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Awaitable, Callable
from datetime import date, timedelta

from telegram.error import TelegramError

from bot.domain.groups import Group, due_reminders, next_occurrence, occurrence_start
from bot.routing import AppCtx
from bot.storage import User
from bot.storage.groups import Notice
from flows.groups import views

__all__ = ["TICK_INTERVAL_S", "deliver_notices", "send_calendar", "send_reminders", "tick"]

_LOG = logging.getLogger(__name__)

TICK_INTERVAL_S = 60.0


async def send_calendar(app: AppCtx, chat_id: int, group: Group) -> None:
    """Send GROUP's calendar file to CHAT_ID."""
    user = await app.deps.storage.get_user(chat_id)
    name, data, caption = views.calendar_file(
        app.copy_for(user), group, app.deps.settings.tz, app.deps.clock.now(),
        service=app.deps.settings.service_name, bot_username=app.deps.settings.bot_username)
    await app.bot.send_document(chat_id, io.BytesIO(data), filename=name, caption=caption)


# -- notices -----------------------------------------------------------------------------------


async def _cancelled(app: AppCtx, user: User, group: Group, notice: Notice) -> None:
    tz = app.deps.settings.tz
    start = occurrence_start(group.schedule, date.fromisoformat(notice.occurrence), tz)
    after = next_occurrence(group.schedule, tz, start + timedelta(minutes=1), group.cancelled)
    await app.tell(user.user_id, views.notice_cancelled(
        app.copy_for(user), group, start, after[1] if after else None, app.deps.zone(user)))


async def _retired(app: AppCtx, user: User, group: Group, notice: Notice) -> None:
    await app.tell(user.user_id, views.notice_retired(app.copy_for(user), group))


async def _promoted(app: AppCtx, user: User, group: Group, notice: Notice) -> None:
    if not group.active:
        return
    text = views.notice_promoted(app.copy_for(user), group, app.deps.settings.tz,
                                 app.deps.zone(user), app.deps.clock.now())
    if await app.tell(user.user_id, text):
        try:
            await send_calendar(app, user.user_id, group)
        except TelegramError:
            _LOG.warning("Could not send a calendar file", exc_info=True)


_NOTICES: dict[str, Callable[[AppCtx, User, Group, Notice], Awaitable[None]]] = {
    "cancelled": _cancelled, "retired": _retired, "promoted": _promoted}


async def deliver_notices(app: AppCtx) -> None:
    """Send every queued notice once (each is claimed first, so none goes twice)."""
    storage = app.deps.storage
    for notice in await storage.pending_notices():
        if not await storage.claim_notice(notice, app.deps.clock.now()):
            continue
        group = await storage.get_group(notice.group_id)
        user = await storage.get_user(notice.user_id)
        send = _NOTICES.get(notice.kind)
        if group is None or user is None or not user.active or send is None:
            continue
        await send(app, user, group, notice)


# -- reminders and the job ------------------------------------------------------------------


async def send_reminders(app: AppCtx) -> int:
    """Send the reminders due now (each recorded before it goes); returns how many went."""
    storage, now, tz = app.deps.storage, app.deps.clock.now(), app.deps.settings.tz
    sent = 0
    for group in await storage.list_groups():
        for due in due_reminders(group, tz, now):
            for uid in await storage.reminder_recipients(group.group_id, due.kind):
                if not await storage.claim_reminder(group.group_id, uid, due.occurrence,
                                                    due.kind, now):
                    continue
                user = await storage.get_user(uid)
                text = views.reminder(app.copy_for(user), due.kind, group, due.start,
                                      app.deps.zone(user))
                sent += await app.tell(uid, text)
    if sent:
        await storage.bump_counter("group_reminders_sent", app.deps.local_day(), by=sent)
    return sent


async def tick(app: AppCtx) -> None:
    """The 'tick:groups' job: notices, reminders, and forgetting old delivery records."""
    await deliver_notices(app)
    await send_reminders(app)
    # A reminder is never due more than a few hours after its time, so records older than a
    # week can go.
    await app.deps.storage.forget_old_deliveries(app.deps.clock.now() - timedelta(days=7))
