"""/groups: people browse, join and leave groups and say whether they'll be at a meeting;
coordinators manage them. One method per action. A press naming a group that is gone,
retired or not for this person is stale."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from bot.routing import Ctx, StaleButton
from bot.services import groups as service
from bot.storage import User
from flows.groups import views
from flows.groups.callbacks import (
    ANY_DAY,
    Answer,
    AnswerHere,
    AskCancel,
    AskRetire,
    Browse,
    Card,
    ChooseMeeting,
    ConfirmCancel,
    ConfirmRetire,
    EditMenu,
    Format,
    Join,
    Leave,
    Manage,
    Open,
    Reminders,
    SendCalendar,
    Toggle,
    ToggleVisible,
)
from flows.groups.notices import send_calendar

#: The step of changing one detail (flows/groups/wizard.py); Back from it goes to the list.
EDIT = "groups.edit"

__all__ = ["Handlers", "person", "show_card", "show_manage", "stale_when_gone"]

D = TypeVar("D")
ButtonMethod = Callable[[Any, Ctx, D], Awaitable[None]]


def stale_when_gone(method: ButtonMethod[D]) -> ButtonMethod[D]:
    """A press that names a group the person may no longer act on is stale."""

    @functools.wraps(method)
    async def pressed(self: Any, ctx: Ctx, data: D) -> None:
        """The press, with GroupGone answered as stale."""
        try:
            await method(self, ctx, data)
        except service.GroupGone:
            raise StaleButton from None

    return pressed


def person(ctx: Ctx) -> User:
    """The person pressing (routes are for set-up roles only, so there is one)."""
    assert ctx.user is not None
    return ctx.user


async def show_manage(ctx: Ctx, notice: str = "") -> None:
    """Every group, for a coordinator."""
    storage = ctx.deps.storage
    await ctx.show(
        *views.manage(ctx.copy, await storage.list_groups(), await storage.member_counts(), notice)
    )


async def show_card(ctx: Ctx, group_id: int, notice: str = "") -> None:
    """One group's card, for a coordinator: the next meetings with the answers so far."""
    storage, tz = ctx.deps.storage, ctx.deps.settings.tz
    group = await service.active_group(storage, group_id)
    counts = (await storage.member_counts()).get(group.group_id, (0, 0))
    plans = await service.meeting_plans(storage, group, tz, ctx.now)
    await ctx.show(
        *views.card(
            ctx.copy,
            group,
            counts,
            tz,
            ctx.deps.zone(ctx.user),
            ctx.now,
            plans,
            await storage.last_held(group.group_id),
            notice,
        )
    )


class Handlers:
    """One method per action."""

    async def groups(self, ctx: Ctx) -> None:
        """/groups: the directory for people, every group for coordinators."""
        if person(ctx).role == "coordinator":
            await show_manage(ctx)
        else:
            await self._directory(ctx, "any", ANY_DAY)

    # -- people ---------------------------------------------------------------------------

    async def _directory(self, ctx: Ctx, fmt: Format, day: int) -> None:
        zone = ctx.deps.zone(ctx.user)
        found = await service.directory(
            ctx.deps.storage, person(ctx), fmt, day, ctx.deps.settings.tz, ctx.now, zone
        )
        await ctx.show(
            *views.directory(ctx.copy, found, fmt, day, ctx.deps.settings.tz, zone, ctx.now)
        )

    async def _detail(
        self, ctx: Ctx, group_id: int, fmt: Format, day: int, notice: str = ""
    ) -> None:
        seen = await service.standing(
            ctx.deps.storage, person(ctx), group_id, ctx.deps.settings.tz, ctx.now
        )
        await ctx.show(
            *views.detail(
                ctx.copy,
                seen,
                fmt,
                day,
                ctx.deps.settings.tz,
                ctx.deps.zone(ctx.user),
                ctx.now,
                notice,
            )
        )

    async def on_browse(self, ctx: Ctx, data: Browse) -> None:
        """The directory, with other filters."""
        await self._directory(ctx, data.fmt, data.day)

    @stale_when_gone
    async def on_open(self, ctx: Ctx, data: Open) -> None:
        """One group's details."""
        await self._detail(ctx, data.group, data.fmt, data.day)

    @stale_when_gone
    async def on_join(self, ctx: Ctx, data: Join) -> None:
        """Join (or join the waitlist); a new member gets the calendar file."""
        joined = await service.join(ctx.deps.storage, ctx.events, person(ctx), data.group, ctx.now)
        await self._detail(
            ctx, data.group, data.fmt, data.day, views.joined_notice(ctx.copy, joined)
        )
        if joined.status == "member":
            await send_calendar(ctx, ctx.user_id, joined.group)

    @stale_when_gone
    async def on_leave(self, ctx: Ctx, data: Leave) -> None:
        """Leave the group or its waitlist."""
        group = await service.leave(ctx.deps.storage, ctx.events, person(ctx), data.group, ctx.now)
        await self._detail(
            ctx, data.group, data.fmt, data.day, ctx.copy.text("groups.left", name=group.name)
        )

    @stale_when_gone
    async def on_send_calendar(self, ctx: Ctx, data: SendCalendar) -> None:
        """The calendar file again, for a member."""
        seen = await service.standing(ctx.deps.storage, person(ctx), data.group)
        await ctx.answer()
        if seen.member:
            await send_calendar(ctx, ctx.user_id, seen.group)

    @stale_when_gone
    async def on_answer(self, ctx: Ctx, data: Answer) -> None:
        """I'll be there / Can't make it, from a reminder: noted, and the reminder shows it."""
        try:
            answered = await service.answer_meeting(
                ctx.deps.storage,
                ctx.events,
                person(ctx),
                data.group,
                data.occurrence,
                data.answer,
                ctx.deps.settings.tz,
                ctx.now,
            )
        except service.AnswerClosed as closed:
            await ctx.answer(ctx.copy.button(closed.key), alert=True)
            return
        await ctx.show(
            *views.reminder(
                ctx.copy,
                data.kind,
                answered.group,
                data.occurrence,
                answered.start,
                ctx.deps.zone(ctx.user),
                data.answer,
            )
        )

    @stale_when_gone
    async def on_answer_here(self, ctx: Ctx, data: AnswerHere) -> None:
        """I'll be there / Can't make it, from the group's details."""
        try:
            await service.answer_meeting(
                ctx.deps.storage,
                ctx.events,
                person(ctx),
                data.group,
                data.occurrence,
                data.answer,
                ctx.deps.settings.tz,
                ctx.now,
            )
        except service.AnswerClosed as closed:
            await ctx.answer(ctx.copy.button(closed.key), alert=True)
            return
        await self._detail(ctx, data.group, data.fmt, data.day)

    async def on_reminders(self, ctx: Ctx, data: Reminders) -> None:
        """The reminder switches."""
        await ctx.show(
            *views.reminder_prefs(ctx.copy, await ctx.deps.storage.group_prefs(ctx.user_id))
        )

    async def on_toggle(self, ctx: Ctx, data: Toggle) -> None:
        """Switch one reminder."""
        await service.toggle_reminder(ctx.deps.storage, ctx.user_id, data.kind)
        await self.on_reminders(ctx, Reminders())

    # -- coordinators -----------------------------------------------------------------------

    async def on_manage(self, ctx: Ctx, data: Manage) -> None:
        """Every group."""
        await show_manage(ctx)

    @stale_when_gone
    async def on_card(self, ctx: Ctx, data: Card) -> None:
        """One group's card."""
        await show_card(ctx, data.group)

    @stale_when_gone
    async def on_edit_menu(self, ctx: Ctx, data: EditMenu) -> None:
        """Which detail to change (also Back from changing one: that change is dropped)."""
        if ctx.step == EDIT:
            ctx.end_step()
        group = await service.active_group(ctx.deps.storage, data.group)
        await ctx.show(*views.edit_menu(ctx.copy, group))

    @stale_when_gone
    async def on_toggle_visible(self, ctx: Ctx, data: ToggleVisible) -> None:
        """Switch whether members see who else is coming (and the coordinator, their names)."""
        group = await service.active_group(ctx.deps.storage, data.group)
        await service.edit_group(
            ctx.deps.storage,
            ctx.events,
            group.group_id,
            {"members_visible": not group.members_visible},
            ctx.now,
        )
        await show_card(ctx, group.group_id, ctx.copy.text("groups.saved"))

    @stale_when_gone
    async def on_choose_meeting(self, ctx: Ctx, data: ChooseMeeting) -> None:
        """The next meetings, to cancel one."""
        group = await service.active_group(ctx.deps.storage, data.group)
        await ctx.show(
            *views.choose_meeting(
                ctx.copy, group, ctx.deps.settings.tz, ctx.deps.zone(ctx.user), ctx.now
            )
        )

    @stale_when_gone
    async def on_ask_cancel(self, ctx: Ctx, data: AskCancel) -> None:
        """Cancel that meeting? (It must still be to come.)"""
        group, start, members = await service.meeting_to_cancel(
            ctx.deps.storage, data.group, data.occurrence, ctx.deps.settings.tz, ctx.now
        )
        await ctx.show(
            *views.cancel_question(
                ctx.copy, group, data.occurrence, start, ctx.deps.zone(ctx.user), members
            )
        )

    @stale_when_gone
    async def on_confirm_cancel(self, ctx: Ctx, data: ConfirmCancel) -> None:
        """Cancel it; its members are told."""
        told = await service.cancel_meeting(
            ctx.deps.storage, ctx.events, data.group, data.occurrence, ctx.deps.settings.tz, ctx.now
        )
        await show_card(ctx, data.group, views.cancelled_done(ctx.copy, told))

    @stale_when_gone
    async def on_ask_retire(self, ctx: Ctx, data: AskRetire) -> None:
        """Retire the group?"""
        group = await service.active_group(ctx.deps.storage, data.group)
        await ctx.show(*views.retire_question(ctx.copy, group))

    @stale_when_gone
    async def on_confirm_retire(self, ctx: Ctx, data: ConfirmRetire) -> None:
        """Retire it; everyone in it is told."""
        group = await service.active_group(ctx.deps.storage, data.group)
        told = await service.retire_group(ctx.deps.storage, ctx.events, data.group, ctx.now)
        await show_manage(ctx, views.retired_done(ctx.copy, group, told))
