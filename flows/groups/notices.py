"""What groups send to people the bot is not answering: notices (a place offered, a meeting
cancelled, a group retired), reminders a day and an hour before each meeting, and calendar
files; the 'tick:groups' job, and the consequences of group events.

Notices are durable. Each is queued in the database with the change that causes it; it is
then handed to the outbox (bot/outbox.py) under a unique key, in one transaction with
marking it handed on, and tried at once. The outbox retries a 429, a 5xx or a timeout with
backoff until Telegram has it, and its key means a retry, a second tick or a crash in
between never sends it twice. A notice a failure left queued is handed on by the next tick.

Reminders stay bulk sends worked out from the stored schedule (bot/domain/groups.py has the
timing rules and grace periods), each recorded before it is sent, so none goes twice; each
carries I'll be there / Can't make it. Once a meeting starts, the job counts it (members,
yes and no answers) for the service's evaluation and forgets the answers.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, timedelta

from bot import outbox
from bot.domain.groups import Group, due_reminders, next_occurrence, occurrence_start
from bot.routing import AppCtx
from bot.services import groups as service
from bot.storage import User
from bot.storage.groups import Notice
from flows.groups import views

__all__ = [
    "TICK_INTERVAL_S",
    "deliver_notices",
    "notice_key",
    "send_calendar",
    "send_reminders",
    "tick",
]

TICK_INTERVAL_S = 60.0


async def send_calendar(app: AppCtx, chat_id: int, group: Group) -> None:
    """Send GROUP's calendar file to CHAT_ID."""
    user = await app.deps.storage.get_user(chat_id)
    name, data, caption = views.calendar_file(
        app.copy_for(user),
        group,
        app.deps.settings.tz,
        app.deps.clock.now(),
        service=app.deps.settings.service_name,
        bot_username=app.deps.settings.bot_username,
    )
    await app.bot.send_document(chat_id, io.BytesIO(data), filename=name, caption=caption)


# -- notices -----------------------------------------------------------------------------------


def notice_key(notice: Notice) -> str:
    """The outbox key of NOTICE: one send per person and meeting cancelled, per person and
    group retired, and per place offered (a later offer, after leaving and waiting again, is
    another notice)."""
    if notice.kind == "promoted":
        return f"group:{notice.group_id}:promoted:{notice.user_id}:{notice.created_at}"
    if notice.kind == "cancelled":
        return f"group:{notice.group_id}:cancelled:{notice.occurrence}:{notice.user_id}"
    return f"group:{notice.group_id}:{notice.kind}:{notice.user_id}"


def _cancelled(app: AppCtx, user: User, group: Group, notice: Notice) -> outbox.Send:
    tz = app.deps.settings.tz
    start = occurrence_start(group.schedule, date.fromisoformat(notice.occurrence), tz)
    after = next_occurrence(group.schedule, tz, start + timedelta(minutes=1), group.cancelled)
    return outbox.Send(
        user.user_id,
        views.notice_cancelled(
            app.copy_for(user), group, start, after[1] if after else None, app.deps.zone(user)
        ),
    )


def _retired(app: AppCtx, user: User, group: Group, notice: Notice) -> outbox.Send:
    return outbox.Send(user.user_id, views.notice_retired(app.copy_for(user), group))


def _promoted(app: AppCtx, user: User, group: Group, notice: Notice) -> outbox.Send | None:
    if not group.active:
        return None
    text, markup = views.notice_promoted(
        app.copy_for(user), group, app.deps.settings.tz, app.deps.zone(user), app.deps.clock.now()
    )
    return outbox.Send(user.user_id, text, markup)


_NOTICES: dict[str, Callable[[AppCtx, User, Group, Notice], outbox.Send | None]] = {
    "cancelled": _cancelled,
    "retired": _retired,
    "promoted": _promoted,
}


async def deliver_notices(app: AppCtx) -> int:
    """Hand every queued notice to the outbox once, and try those at once; returns how many
    were handed on."""
    storage, now = app.deps.storage, app.deps.clock.now()
    keys: list[str] = []
    for notice in await storage.pending_notices():
        group = await storage.get_group(notice.group_id)
        user = await storage.get_user(notice.user_id)
        render = _NOTICES.get(notice.kind)
        send = None
        if group is not None and user is not None and user.active and render is not None:
            send = render(app, user, group, notice)
        key = notice_key(notice)
        async with storage.transaction():
            if not await storage.claim_notice(notice, now):
                continue  # another run has it
            if send is not None:
                await outbox.queue(app.deps, key, "notice", send)
        if send is not None:
            keys.append(key)
    if keys:
        await outbox.send_now(app.deps, app.bot, keys, app.events)
    return len(keys)


# -- reminders and the job ------------------------------------------------------------------


async def send_reminders(app: AppCtx) -> int:
    """Send the reminders due now (each recorded before it goes), each with I'll be there and
    Can't make it; returns how many went."""
    storage, now, tz = app.deps.storage, app.deps.clock.now(), app.deps.settings.tz
    sent = 0
    for group in await storage.list_groups():
        for due in due_reminders(group, tz, now):
            for uid in await storage.reminder_recipients(group.group_id, due.kind):
                if not await storage.claim_reminder(
                    group.group_id, uid, due.occurrence, due.kind, now
                ):
                    continue
                user = await storage.get_user(uid)
                answer = await storage.answer_of(group.group_id, due.occurrence, uid)
                text, markup = views.reminder(
                    app.copy_for(user),
                    due.kind,
                    group,
                    due.occurrence,
                    due.start,
                    app.deps.zone(user),
                    answer,
                )
                sent += await app.tell(uid, text, markup)
    if sent:
        await storage.bump_counter("group_reminders_sent", app.deps.local_day(), by=sent)
    return sent


async def tick(app: AppCtx) -> None:
    """The 'tick:groups' job: notices, reminders, counting meetings that have started, and
    forgetting old delivery records."""
    await deliver_notices(app)
    await send_reminders(app)
    held = await service.count_held_meetings(
        app.deps.storage, app.deps.settings.tz, app.deps.clock.now()
    )
    if held:
        await app.deps.storage.bump_counter("group_meetings_held", app.deps.local_day(), by=held)
    # A reminder is never due more than a few hours after its time, so records older than a
    # week can go.
    await app.deps.storage.forget_old_deliveries(app.deps.clock.now() - timedelta(days=7))
