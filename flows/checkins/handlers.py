"""The check-ins flow's actions: one method per command, button and typed answer.

Set-up is a short wizard: how often, which days, what time. Its progress (the days chosen so
far) is the person's stored draft under the step DAYS or TIME, read on every press; a press
from a wizard that is no longer open is stale. Those two steps take buttons only: anything
typed meanwhile goes on to whoever else wants it (the router closes a step it has no typed
route for), so a message meant for a peer worker is never held by a half-done menu. Typing a
time and writing a note are typed steps.

A rating is kept together with its reply, in one transaction, and the reply goes through the
outbox under the check-in's own key: a 5xx or a timeout never loses it, and pressing again
never doubles it. The check-in's own message then says what they answered, without buttons.
A check-in older than CLOSES_AFTER can't be answered: its buttons say so kindly and offer a
check-in now instead.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram.error import TelegramError
from telegram.ext import CallbackContext

from bot import charts, outbox
from bot.deps import Deps
from bot.domain.checkins import (
    DAILY,
    NOTE_LIMIT,
    WEEKDAYS_ONLY,
    CheckinRow,
    is_low,
    parse_time,
    toggle_day,
)
from bot.routing import Ctx, StaleButton
from bot.safety import send_card
from bot.services import checkins as service
from flows.checkins import sends, views
from flows.checkins.callbacks import (
    AskPeer,
    AskStop,
    ChangeDays,
    ChangeTime,
    CheckInNow,
    Close,
    DaysChosen,
    FeelingsDone,
    Finish,
    Frequency,
    KeepPrivate,
    NotNow,
    Okay,
    Pause,
    PickDay,
    PickFeeling,
    PickSkill,
    PickTime,
    Rate,
    Resume,
    ShareWith,
    ShowCard,
    ShowMenu,
    SkillsDone,
    Stop,
    StopSharing,
    TypeTime,
    WriteNote,
)
from flows.checkins.chart import render_chart

__all__ = ["DAYS", "NOTE", "TIME", "TYPED_TIME", "Handlers", "exporter"]

_LOG = logging.getLogger(__name__)

DAYS, TIME = "checkins.days", "checkins.time"  # buttons only (see the module doc)
TYPED_TIME, NOTE = "checkins.typed_time", "checkins.note"
_MASKS = {"daily": DAILY, "weekdays": WEEKDAYS_ONLY}


class Handlers:
    """One method per action."""

    # -- /checkins and its menu -------------------------------------------------------------

    async def checkins(self, ctx: Ctx) -> None:
        """The menu: what is set and what can change; or, with nothing set, how often."""
        schedule = await service.schedule_of(ctx.deps.storage, ctx.user_id)
        if schedule is None:
            await ctx.show(*views.intro(ctx.copy))
            return
        peer = await service.current_peer(ctx.deps.storage, ctx.user_id)
        await ctx.show(*views.menu(ctx.copy, schedule, ctx.deps.zone(ctx.user), peer))

    async def on_menu(self, ctx: Ctx, _: ShowMenu) -> None:
        """Back to the menu, leaving any half-done set-up."""
        _leave_set_up(ctx)
        await self.checkins(ctx)

    async def on_close(self, ctx: Ctx, _: Close) -> None:
        """Close the menu."""
        _leave_set_up(ctx)
        await ctx.show(ctx.copy.text("checkins.closed_menu"))

    async def on_not_now(self, ctx: Ctx, _: NotNow) -> None:
        """Leave check-ins off."""
        await ctx.show(ctx.copy.text("checkins.not_now"))

    async def on_check_in_now(self, ctx: Ctx, _: CheckInNow) -> None:
        """A check-in now, as a new message below the menu."""
        await ctx.answer()
        checkin_id = await service.check_in_now(ctx.deps.storage, ctx.user_id, ctx.now, ctx.events)
        await ctx.reply(*views.prompt(ctx.copy, checkin_id, _alias(ctx)))

    async def on_pause(self, ctx: Ctx, _: Pause) -> None:
        """Pause check-ins."""
        await service.pause(ctx.deps.storage, ctx.user_id, ctx.now)
        await ctx.show(ctx.copy.text("checkins.paused"))

    async def on_resume(self, ctx: Ctx, _: Resume) -> None:
        """Resume check-ins from the next time that fits."""
        zone = ctx.deps.zone(ctx.user)
        due = await service.resume(ctx.deps.storage, ctx.user_id, zone, ctx.now)
        if due is None:
            raise StaleButton
        await ctx.show(ctx.copy.text("checkins.resumed", next=views.next_time(ctx.copy, due, zone)))

    async def on_ask_stop(self, ctx: Ctx, _: AskStop) -> None:
        """Ask before stopping."""
        await ctx.show(*views.stop_question(ctx.copy))

    async def on_stop(self, ctx: Ctx, _: Stop) -> None:
        """Stop check-ins; the past ones stay theirs."""
        await service.stop(ctx.deps.storage, ctx.user_id)
        await ctx.show(ctx.copy.text("checkins.stopped"))

    async def on_share_with(self, ctx: Ctx, data: ShareWith) -> None:
        """Share weekly ratings with the peer worker the button named (NeedsMatch, told
        kindly, if that match is over)."""
        if not await service.share_with(
            ctx.deps.storage, ctx.user_id, data.match, ctx.deps.zone(ctx.user), ctx.now
        ):
            raise StaleButton
        peer = await service.current_peer(ctx.deps.storage, ctx.user_id)
        name = views.peer_name(ctx.copy, peer) if peer else ctx.copy.button("checkins.your_peer")
        await ctx.show(ctx.copy.text("checkins.share_on", name=name))

    async def on_stop_sharing(self, ctx: Ctx, _: StopSharing) -> None:
        """Stop sharing weekly ratings."""
        if not await service.stop_sharing(ctx.deps.storage, ctx.user_id, ctx.now):
            raise StaleButton
        await ctx.show(ctx.copy.text("checkins.share_off"))

    async def on_keep_private(self, ctx: Ctx, _: KeepPrivate) -> None:
        """No to sharing with a new peer worker: nothing is shared or asked again."""
        if not await service.keep_private(ctx.deps.storage, ctx.user_id, ctx.now):
            raise StaleButton
        await ctx.show(ctx.copy.text("checkins.share_kept"))

    # -- the set-up wizard ------------------------------------------------------------------

    async def on_change_days(self, ctx: Ctx, _: ChangeDays) -> None:
        """How often, again."""
        await ctx.show(*views.how_often_again(ctx.copy))

    async def on_change_time(self, ctx: Ctx, _: ChangeTime) -> None:
        """Another time for the days already set."""
        schedule = await service.schedule_of(ctx.deps.storage, ctx.user_id)
        if schedule is None:
            raise StaleButton
        ctx.start_step(TIME, days=schedule.days)
        await self._time_picker(ctx)

    async def on_frequency(self, ctx: Ctx, data: Frequency) -> None:
        """Every day or weekdays: on to the time. Chosen days: the days first."""
        if data.kind == "days":
            ctx.start_step(DAYS, days=0)
            await ctx.show(*views.days_picker(ctx.copy, 0))
            return
        ctx.start_step(TIME, days=_MASKS[data.kind])
        await self._time_picker(ctx)

    async def on_pick_day(self, ctx: Ctx, data: PickDay) -> None:
        """A day on or off."""
        days = toggle_day(_wizard_days(ctx, DAYS), data.day)
        ctx.draft["days"] = days
        await ctx.show(*views.days_picker(ctx.copy, days))

    async def on_days_chosen(self, ctx: Ctx, _: DaysChosen) -> None:
        """On to the time, once at least one day is chosen."""
        if not _wizard_days(ctx, DAYS):
            await ctx.answer(ctx.copy.button("checkins.pick_days_none"))
            return
        ctx.goto(TIME)
        await self._time_picker(ctx)

    async def on_pick_time(self, ctx: Ctx, data: PickTime) -> None:
        """A time from the picker: the schedule is set."""
        await self._save(ctx, _wizard_days(ctx, TIME), data.minute)

    async def on_type_time(self, ctx: Ctx, _: TypeTime) -> None:
        """Type a time instead."""
        _wizard_days(ctx, TIME)
        ctx.goto(TYPED_TIME)
        await ctx.show(ctx.copy.text("checkins.ask_time"))

    async def ask_time(self, ctx: Ctx) -> None:
        """Ask for a time again."""
        await ctx.reply(ctx.copy.text("checkins.ask_time"))

    async def on_time_text(self, ctx: Ctx, text: str) -> None:
        """A typed time: the schedule is set, or they are asked again."""
        try:
            minute = parse_time(text, views.time_words(ctx.copy))
        except ValueError:
            await ctx.reply(ctx.copy.text("checkins.time_invalid"))
            return
        days = ctx.draft.get("days")
        if not isinstance(days, int) or not 0 < days <= DAILY:  # a draft this version can't read
            ctx.end_step()
            await ctx.reply(ctx.copy.text("common.step_closed"))
            return
        await self._save(ctx, days, minute)

    async def _time_picker(self, ctx: Ctx) -> None:
        default = parse_time(ctx.deps.settings.checkin_default_time)
        await ctx.show(*views.time_picker(ctx.copy, ctx.deps.zone(ctx.user), default))

    async def _save(self, ctx: Ctx, days: int, minute: int) -> None:
        zone = ctx.deps.zone(ctx.user)
        due = await service.set_schedule(ctx.deps.storage, ctx.user_id, days, minute, zone, ctx.now)
        ctx.end_step()
        await ctx.show(views.saved(ctx.copy, (days, minute), zone, due))

    # -- the check-in -----------------------------------------------------------------------

    async def on_rate(self, ctx: Ctx, data: Rate) -> None:
        """A rating: kept with its reply (support on offer after a low one, else feelings),
        which goes through the outbox; the check-in's message then shows the answer."""
        storage, low = ctx.deps.storage, is_low(data.rating)
        matched = low and await service.has_peer(storage, ctx.user_id)
        has_plan = low and await service.has_safety_plan(storage, ctx.user_id)
        key = sends.key(data.checkin, sends.REPLY)

        async def keep_reply(row: CheckinRow) -> None:
            text, markup = (
                views.low_options(ctx.copy, row.id, data.rating, matched=matched, has_plan=has_plan)
                if low
                else views.feelings(ctx.copy, row)
            )
            await outbox.queue(ctx.deps, key, "reply", outbox.Send(ctx.chat_id, text, markup))

        try:
            rated = await service.rate(
                storage, ctx.user_id, data.checkin, data.rating, ctx.now, ctx.events, keep_reply
            )
        except service.CheckinClosed:
            await ctx.show(*views.closed(ctx.copy))
            return
        except service.AlreadyAnswered as once:  # a notice; the check-in stays as it is
            await ctx.answer(ctx.copy.button(once.key))
            return
        if rated is None:
            raise StaleButton
        went = await outbox.send_now(ctx.deps, ctx.bot, [key], ctx.events)
        await ctx.answer(None if rated.first or went else ctx.copy.button("checkins.already"))
        await _settle(ctx, views.rated(ctx.copy, data.rating))

    async def on_okay(self, ctx: Ctx, data: Okay) -> None:
        """ "I'm OK for now": on with the check-in."""
        row = await _answering(ctx, data.checkin)
        if row is not None:
            await ctx.show(*views.feelings(ctx.copy, row))

    async def on_ask_peer(self, ctx: Ctx, data: AskPeer) -> None:
        """How to write to their peer worker (nothing is sent to them from here)."""
        await _rated(ctx, data.checkin)
        await ctx.answer()
        matched = await service.has_peer(ctx.deps.storage, ctx.user_id)
        await ctx.reply(ctx.copy.text("checkins.peer_how" if matched else "checkins.no_peer"))

    async def on_card(self, ctx: Ctx, data: ShowCard) -> None:
        """The crisis card, as a new message below the check-in (however old it is)."""
        await _rated(ctx, data.checkin)
        await ctx.answer()
        extra = [f.card_buttons for f in ctx.flows if getattr(f, "card_buttons", None)]
        await send_card(ctx.deps, CallbackContext(ctx.app), ctx.user_id, ctx.chat_id, extra)

    async def on_feeling(self, ctx: Ctx, data: PickFeeling) -> None:
        """A feeling on or off, as the button said."""
        row = await _answering(ctx, data.checkin)
        if row is not None:
            row = await service.set_choice_on(
                ctx.deps.storage, row, "feelings", data.feeling, data.on
            )
            await ctx.show(*views.feelings(ctx.copy, row))

    async def on_feelings_done(self, ctx: Ctx, data: FeelingsDone) -> None:
        """On to skills."""
        row = await _answering(ctx, data.checkin)
        if row is not None:
            await ctx.show(*views.skills(ctx.copy, row))

    async def on_skill(self, ctx: Ctx, data: PickSkill) -> None:
        """A skill on or off, as the button said."""
        row = await _answering(ctx, data.checkin)
        if row is not None:
            row = await service.set_choice_on(ctx.deps.storage, row, "skills", data.skill, data.on)
            await ctx.show(*views.skills(ctx.copy, row))

    async def on_skills_done(self, ctx: Ctx, data: SkillsDone) -> None:
        """On to the note offer."""
        row = await _answering(ctx, data.checkin)
        if row is not None:
            await ctx.show(*views.note_offer(ctx.copy, row.id))

    async def on_write_note(self, ctx: Ctx, data: WriteNote) -> None:
        """Ask for the note."""
        row = await _answering(ctx, data.checkin)
        if row is not None:
            ctx.start_step(NOTE, checkin=row.id)
            await ctx.show(ctx.copy.text("checkins.ask_note", limit=NOTE_LIMIT))

    async def ask_note(self, ctx: Ctx) -> None:
        """Ask for the note again."""
        await ctx.reply(ctx.copy.text("checkins.ask_note", limit=NOTE_LIMIT))

    async def on_note(self, ctx: Ctx, text: str) -> None:
        """Keep the note, encrypted (one that is too long is refused, and the step stays)."""
        checkin_id = ctx.draft.get("checkin")
        kept = isinstance(checkin_id, int) and await service.save_note(
            ctx.deps.storage, ctx.deps.cipher, ctx.user_id, checkin_id, text
        )
        ctx.end_step()
        await ctx.reply(ctx.copy.text("checkins.note_saved" if kept else "checkins.done"))

    async def on_finish(self, ctx: Ctx, data: Finish) -> None:
        """No note: done."""
        if await _answering(ctx, data.checkin) is not None:
            await ctx.show(ctx.copy.text("checkins.done"))

    # -- /mood ------------------------------------------------------------------------------

    async def mood(self, ctx: Ctx) -> None:
        """A chart of the last 30 and 90 days, with the numbers beneath it."""
        report = await service.mood_report(ctx.deps.storage, ctx.user_id, ctx.now)
        if report is None:
            await ctx.reply(ctx.copy.text("checkins.mood_none"))
            return
        png = await charts.render(
            render_chart,
            report.recent,
            ctx.now,
            ctx.deps.zone(ctx.user),
            views.chart_labels(ctx.copy),
        )
        await ctx.bot.send_photo(
            ctx.chat_id,
            io.BytesIO(png),
            filename="my-check-ins.png",
            caption=views.mood_caption(ctx.copy, report),
        )


def exporter(deps: Deps) -> Callable[[int], Awaitable[dict[str, Any]]]:
    """/mydata's readable section: the person's own check-in notes, decrypted for them."""

    async def export(user_id: int) -> dict[str, Any]:
        notes = await service.export_notes(deps.storage, deps.cipher, user_id)
        if not notes:
            return {}
        copy = deps.content.for_person(await deps.storage.get_user(user_id))
        unreadable = copy.raw("checkins.note_unreadable")
        return {
            "checkin_notes": [
                {
                    "checkin_id": checkin_id,
                    "due_at": due,
                    "note": unreadable if text is None else text,
                }
                for checkin_id, due, text in notes
            ]
        }

    return export


def _alias(ctx: Ctx) -> str | None:
    return ctx.user.alias if ctx.user is not None else None


def _leave_set_up(ctx: Ctx) -> None:
    if ctx.step is not None and ctx.step.startswith("checkins."):
        ctx.end_step()


def _wizard_days(ctx: Ctx, step: str) -> int:
    """The days chosen so far in the open set-up STEP; a press from any other is stale."""
    days = ctx.draft.get("days") if ctx.step == step else None
    if not isinstance(days, int) or not 0 <= days <= DAILY or (step == TIME and not days):
        raise StaleButton
    return days


async def _rated(ctx: Ctx, checkin_id: int) -> CheckinRow:
    """The person's own check-in, once rated; anything else is stale."""
    row = await service.checkin_of(ctx.deps.storage, ctx.user_id, checkin_id)
    if row is None:
        raise StaleButton
    return row


async def _answering(ctx: Ctx, checkin_id: int) -> CheckinRow | None:
    """The person's own rated check-in, to go on answering; None once it has closed (they
    have been told, and offered a check-in now). Anything else is stale."""
    try:
        row = await service.open_checkin_of(ctx.deps.storage, ctx.user_id, checkin_id, ctx.now)
    except service.CheckinClosed:
        await ctx.show(*views.closed(ctx.copy))
        return None
    if row is None:
        raise StaleButton
    return row


async def _settle(ctx: Ctx, text: str) -> None:
    """The pressed check-in message now says what was answered, without its buttons. The
    answer and its reply are already kept, so a failure here only leaves the buttons, and
    pressing one again changes nothing."""
    query = ctx.query
    if query is None or query.message is None:
        return
    try:
        await query.edit_message_text(text, reply_markup=None)
    except TelegramError as exc:
        _LOG.info("A check-in's message could not be updated (%s)", exc.__class__.__name__)
