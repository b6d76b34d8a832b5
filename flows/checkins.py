"""Check-ins people schedule for themselves: /checkins to set up, the check-in itself, /mood.

Set-up is a stateless button menu (`chk:...`, the draft lives in the button data); only typing
a time and writing a note are conversation steps. Nothing is scheduled per person: each
schedule keeps its next due time in the database (indexed) and one job, `tick:checkins`,
sends what is due, then moves each schedule on in the person's own time zone. After downtime,
a check-in at most `checkin_grace_minutes` late is sent once; older ones are skipped.

```mermaid
stateDiagram-v2
    [*] --> Off: /checkins (none yet)
    [*] --> Menu: /checkins (set up)
    Off --> Days: every day / weekdays / choose days
    Menu --> Days: change days
    Days --> Time: next
    Menu --> Time: change time
    Time --> Menu: a time button
    Time --> TypeTime: another time (conversation step)
    TypeTime --> Menu: a time typed
    Menu --> Menu: pause / resume / share weekly
    Menu --> [*]: stop (after a yes) / close

    state CheckIn {
        [*] --> Scale: sent by tick:checkins, or check in now
        Scale --> Low: 1 or 2
        Low --> Feelings: I'm OK for now
        Low --> Low: peer worker / resources / crisis card (new messages)
        Scale --> Feelings: 3 to 5
        Feelings --> Skills: done / skip
        Skills --> NoteOffer: done / none this time
        NoteOffer --> Note: write a note (conversation step)
        NoteOffer --> [*]: finish
        Note --> [*]: note saved
    }
```
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from telegram import Bot, InlineKeyboardMarkup, Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.callbacks import CallbackCodec, CallbackData, InvalidCallback
from bot.content import Raw
from bot.deps import Deps
from bot.domain.checkins import (
    DAILY,
    FEELINGS,
    NOTE_LIMIT,
    RATINGS,
    SKILLS,
    WEEKDAYS_ONLY,
    Answer,
    MoodSummary,
    Schedule,
    days_label,
    decide,
    is_low,
    mood_summary,
    next_due,
    next_weekly,
    parse_choices,
    parse_time,
    schedule_kind,
    time_label,
    toggle,
    toggle_day,
)
from bot.domain.hours import WEEKDAYS
from bot.domain.roles import PEOPLE_ROLES
from bot.flowkit import (
    END,
    Context,
    Flow,
    RepeatingJob,
    answer_query,
    buttons,
    conversation,
    current_user,
    passthrough,
    send,
    show,
)
from bot.safety import send_card
from bot.storage import User, epoch, from_epoch
from bot.storage.checkins import CheckinRow, Plan
from flows.resources import home_data

__all__ = ["BATCH", "CB", "TICK", "Claimed", "build", "claim_due", "render_chart",
           "reschedule_for_timezone", "send_checkin"]

_LOG = logging.getLogger(__name__)

CB = CallbackCodec("chk", {
    # set-up menu
    "menu", "freq", "pick", "next", "at", "type", "now", "pause", "resume", "stop", "stopyes",
    "share", "close", "notnow",
    # the check-in
    "rate", "ok", "peer", "card", "feel", "feeldone", "skill", "skilldone", "note", "fin",
})
TICK = "tick:checkins"
TICK_SECONDS = 60.0
BATCH = 500          # due schedules read per query
MAX_BATCHES = 20     # per tick; anything beyond waits for the next tick, still within grace
SEND_CONCURRENCY = 16
STEP_TTL = timedelta(minutes=30)  # a typed-answer step older than this lets the text go on
TIME_HOURS = range(7, 23)
TIME_STEP, NOTE_STEP = "time", "note"
_DRAFT = "checkins"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# -- helpers other modules (benchmarks) use ----------------------------------------------------


async def reschedule_for_timezone(deps: Deps, user_id: int, timezone: str) -> None:
    """After someone changes time zone, move their next check-in to their new local time."""
    schedule = await deps.storage.get_checkin_schedule(user_id)
    if schedule is None or schedule.paused or schedule.next_due is None:
        return
    now = deps.clock.now()
    due = next_due(Schedule(schedule.days, schedule.minute), person_tz(deps, timezone), now)
    await deps.storage.resume_checkins(user_id, due, now)


def person_tz(deps: Deps, timezone: str | None) -> ZoneInfo:
    """The person's own time zone, else the service's."""
    if timezone:
        try:
            return ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            _LOG.warning("A stored time zone is unknown; using the service's")
    return deps.settings.tz


def local_label(when: datetime, tz: ZoneInfo) -> str:
    """Like 'Tue 3 Mar at 19:00', in TZ."""
    local = when.astimezone(tz)
    return f"{WEEKDAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1]} at " \
           f"{local:%H:%M}"


def scale_markup(checkin_id: int) -> InlineKeyboardMarkup:
    """The 1-5 scale as one row of buttons."""
    return buttons([[(str(n), CB.pack("rate", checkin_id, n)) for n in RATINGS]])


async def send_checkin(deps: Deps, bot: Bot, user_id: int, checkin_id: int,
                       alias: str | None) -> None:
    """Send check-in CHECKIN_ID to USER_ID: a short warm line and the 1-5 scale."""
    await bot.send_message(
        user_id, deps.content.text("checkins.prompt", name_part=f", {alias}" if alias else ""),
        reply_markup=scale_markup(checkin_id), disable_web_page_preview=True)


async def active_match(deps: Deps, user_id: int) -> Any | None:
    """USER_ID's active match, or None.

    Matching is built in parallel by another engineer: this uses
    `Storage.active_match_for_person(uid)` when it exists (returning an object with
    `peer_id`, or None) and otherwise behaves as "not matched", so the peer-worker options
    appear by themselves once matching lands.
    """
    finder = getattr(deps.storage, "active_match_for_person", None)
    if finder is None:
        return None
    return await finder(user_id)


def render_chart(answers: Sequence[Answer], now: datetime, tz: ZoneInfo,
                 labels: dict[str, str]) -> bytes:
    """A PNG of the last 30 and 90 days of ratings, with check-ins that used a skill marked.

    matplotlib is imported here, not at start-up, so the bot starts light; the Figure API
    (no pyplot) keeps no global state, so it is safe to call from a worker thread.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.dates import AutoDateLocator, DateFormatter
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 6), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    local_now = now.astimezone(tz).replace(tzinfo=None)
    points = [(a.at.astimezone(tz).replace(tzinfo=None), a.rating, bool(a.skills))
              for a in answers]
    for ax, days in zip(fig.subplots(2, 1), (30, 90), strict=True):
        since = local_now - timedelta(days=days)
        shown = [p for p in points if p[0] > since]
        ax.set_title(labels[f"title{days}"], loc="left", fontsize=11)
        ax.set_xlim(since, local_now)
        ax.set_ylim(0.5, 5.5)
        ax.set_yticks(list(RATINGS))
        ax.set_ylabel(labels["rating"])
        ax.grid(True, axis="y", alpha=0.3)
        if shown:
            xs, ys = [p[0] for p in shown], [p[1] for p in shown]
            ax.plot(xs, ys, color="#0072B2", marker="o", markersize=4, linewidth=1.5,
                    label=labels["mood"])
            skilled = [p for p in shown if p[2]]
            if skilled:
                ax.scatter([p[0] for p in skilled], [p[1] for p in skilled], marker="D",
                           s=60, facecolors="none", edgecolors="#D55E00", linewidths=1.8,
                           zorder=3, label=labels["skills"])
            ax.legend(loc="lower left", fontsize=8, frameon=False)
        locator = AutoDateLocator(minticks=3, maxticks=8)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(DateFormatter("%d %b"))
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()


@dataclass(frozen=True, slots=True)
class Claimed:
    """One batch of the dispatcher: what to send now, how many rows it read and skipped."""

    to_send: list[tuple[int, int, str | None]]  # (user id, check-in id, alias)
    read: int
    skipped: int


async def claim_due(deps: Deps, now: datetime, limit: int = BATCH) -> Claimed:
    """Read up to LIMIT due schedules (one indexed range query), decide each in the person's
    time zone, and record the check-ins and every next due time in one transaction.

    Claiming before sending means a crash between the two loses a check-in rather than
    sending it twice; sending is the caller's job, outside the transaction.
    """
    grace = timedelta(minutes=deps.settings.checkin_grace_minutes)
    due = await deps.storage.due_checkin_schedules(now, limit)
    plans, aliases, skipped = [], {}, 0
    for row in due:
        step = decide(Schedule(row.days, row.minute), person_tz(deps, row.timezone),
                      from_epoch(row.next_due), now, grace)
        plans.append(Plan(row.user_id, row.next_due, epoch(step.next_due),
                          step.send and row.reachable, epoch(step.due_at)))
        aliases[row.user_id] = row.alias
        skipped += not step.send
    created = await deps.storage.dispatch_checkins(plans, now) if plans else {}
    return Claimed([(uid, cid, aliases[uid]) for uid, cid in created.items()], len(due),
                   skipped)


def build(deps: Deps) -> Flow:
    """The check-ins flow's handlers and its one dispatcher job."""
    content, settings, storage, clock, cipher = (deps.content, deps.settings, deps.storage,
                                                 deps.clock, deps.cipher)
    default_minute = parse_time(settings.checkin_default_time)

    # -- small views ---------------------------------------------------------------------

    def tz_name(user: User) -> str:
        return (user.timezone or settings.timezone).replace("_", " ")

    def when_text(days: int) -> str:
        kind = schedule_kind(days)
        if kind == "days":
            return content.button("checkins.when_days", days=days_label(days))
        return content.button(f"checkins.when_{kind}")

    def back_row(action: str = "menu", *args: object) -> list[tuple[str, str]]:
        return [(content.button("common.back_button"), CB.pack(action, *args))]

    def freq_markup(back: bool) -> InlineKeyboardMarkup:
        rows = [[(content.button("checkins.btn_daily"), CB.pack("freq", "daily"))],
                [(content.button("checkins.btn_weekdays"), CB.pack("freq", "weekdays"))],
                [(content.button("checkins.btn_days"), CB.pack("freq", "days"))]]
        if back:
            rows.append(back_row())
        else:  # first time: they can also just check in once, with nothing scheduled
            rows.append([(content.button("checkins.btn_now"), CB.pack("now"))])
            rows.append([(content.button("checkins.btn_not_now"), CB.pack("notnow"))])
        return buttons(rows)

    def days_markup(mask: int) -> InlineKeyboardMarkup:
        day_buttons = [
            (content.button("checkins.chosen", label=name) if mask >> i & 1 else name,
             CB.pack("pick", mask, i)) for i, name in enumerate(WEEKDAYS)]
        rows = [day_buttons[:4], day_buttons[4:],
                [(content.button("checkins.btn_next"), CB.pack("next", mask))], back_row()]
        return buttons(rows)

    def time_markup(mask: int) -> InlineKeyboardMarkup:
        minutes = [h * 60 for h in TIME_HOURS]
        if default_minute not in minutes:
            minutes = sorted({*minutes, default_minute})
        cells = [(time_label(m), CB.pack("at", mask, m)) for m in minutes]
        rows = [cells[i:i + 4] for i in range(0, len(cells), 4)]
        rows.append([(content.button("checkins.btn_type_time"), CB.pack("type", mask))])
        rows.append(back_row())
        return buttons(rows)

    async def menu_view(user: User) -> tuple[str, InlineKeyboardMarkup]:
        sched = await storage.get_checkin_schedule(user.user_id)
        if sched is None:
            return content.text("checkins.intro"), freq_markup(back=False)
        tz = person_tz(deps, user.timezone)
        if sched.paused or sched.next_due is None:
            status = content.text("checkins.status_paused", when=when_text(sched.days),
                                  time=time_label(sched.minute))
        else:
            status = content.text("checkins.status_on", when=when_text(sched.days),
                                  time=time_label(sched.minute), timezone=tz_name(user),
                                  next=local_label(from_epoch(sched.next_due), tz))
        match = await active_match(deps, user.user_id)
        if sched.share_weekly and match is not None:
            status += "\n" + content.text("checkins.status_sharing")
        rows = [[(content.button("checkins.btn_now"), CB.pack("now"))],
                [(content.button("checkins.btn_change_days"), CB.pack("freq", "change")),
                 (content.button("checkins.btn_change_time"), CB.pack("next", sched.days))],
                [(content.button("checkins.btn_resume"), CB.pack("resume")) if sched.paused
                 else (content.button("checkins.btn_pause"), CB.pack("pause"))]]
        if match is not None:
            key = "checkins.btn_share_off" if sched.share_weekly else "checkins.btn_share_on"
            rows.append([(content.button(key), CB.pack("share", int(not sched.share_weekly)))])
        rows.append([(content.button("checkins.btn_stop"), CB.pack("stop"))])
        rows.append([(content.button("checkins.btn_close"), CB.pack("close"))])
        return content.text("checkins.menu", status=Raw(status)), buttons(rows)

    async def person(update: Update, context: Context) -> User | None:
        """The consumer or carer behind UPDATE; others are told kindly and get None."""
        user = await current_user(deps, update)
        if user is not None and user.role in PEOPLE_ROLES:
            return user
        chat = update.effective_chat
        assert chat is not None
        await answer_query(update)
        key = "common.need_start" if user is None or user.role is None else "common.not_for_you"
        await send(context, chat.id, content.text(key))
        return None

    async def save_schedule(update: Update, context: Context, user: User, mask: int,
                            minute: int) -> None:
        tz = person_tz(deps, user.timezone)
        now = clock.now()
        due = next_due(Schedule(mask, minute), tz, now)
        await storage.save_checkin_schedule(user.user_id, mask, minute, due, now)
        await show(update, context, content.text(
            "checkins.saved", when=when_text(mask), time=time_label(minute),
            timezone=tz_name(user), next=local_label(due, tz)))

    # -- /checkins and its menu ----------------------------------------------------------

    async def checkins_command(update: Update, context: Context) -> None:
        user = await person(update, context)
        if user is None:
            return
        text, markup = await menu_view(user)
        await show(update, context, text, markup)

    async def on_menu(update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None
        try:
            data = CB.unpack(query.data)
        except InvalidCallback:
            await answer_query(update, content.button("common.stale_button"))
            return
        user = await person(update, context)
        if user is None:
            return
        now = clock.now()
        uid = user.user_id
        try:
            if data.action == "menu":
                text, markup = await menu_view(user)
                await show(update, context, text, markup)
            elif data.action == "notnow":
                await show(update, context, content.text("checkins.not_now"))
            elif data.action == "close":
                await show(update, context, content.text("checkins.closed"))
            elif data.action == "freq":
                await on_freq(update, context, data.arg())
            elif data.action == "pick":
                mask = toggle_day(_mask(data.int_arg(0), allow_empty=True), data.int_arg(1))
                await show(update, context, content.text("checkins.pick_days"),
                           days_markup(mask))
            elif data.action == "next":
                mask = data.int_arg()
                if not 0 < mask <= DAILY:
                    await answer_query(update, content.button("checkins.pick_days_none"))
                    return
                await show(update, context, content.text("checkins.pick_time",
                                                         timezone=tz_name(user)),
                           time_markup(mask))
            elif data.action == "at":
                minute = data.int_arg(1)
                if not 0 <= minute < 1440:
                    raise InvalidCallback("not a time")
                await save_schedule(update, context, user, _mask(data.int_arg(0)), minute)
            elif data.action == "now":
                await answer_query(update)
                checkin_id = await storage.open_checkin(uid, now)
                await bump("checkin_sent")
                await send_checkin(deps, context.bot, uid, checkin_id, user.alias)
            elif data.action == "pause":
                await storage.pause_checkins(uid, now)
                await show(update, context, content.text("checkins.paused"))
            elif data.action == "resume":
                sched = await storage.get_checkin_schedule(uid)
                if sched is None:
                    raise InvalidCallback("no schedule")
                tz = person_tz(deps, user.timezone)
                due = next_due(Schedule(sched.days, sched.minute), tz, now)
                await storage.resume_checkins(uid, due, now)
                await show(update, context, content.text("checkins.resumed",
                                                         next=local_label(due, tz)))
            elif data.action == "stop":
                await show(update, context, content.text("checkins.stop_confirm"), buttons([
                    [(content.button("checkins.btn_stop_yes"), CB.pack("stopyes"))],
                    [(content.button("checkins.btn_stop_no"), CB.pack("menu"))]]))
            elif data.action == "stopyes":
                await storage.stop_checkins(uid)
                await show(update, context, content.text("checkins.stopped"))
            elif data.action == "share":
                await on_share(update, context, user, data.int_arg() == 1)
            else:
                await on_checkin_button(update, context, user, data)
        except InvalidCallback:
            await answer_query(update, content.button("common.stale_button"))

    async def on_freq(update: Update, context: Context, kind: str) -> None:
        if kind == "daily":
            mask = DAILY
        elif kind == "weekdays":
            mask = WEEKDAYS_ONLY
        elif kind == "days":
            await show(update, context, content.text("checkins.pick_days"), days_markup(0))
            return
        elif kind == "change":
            await show(update, context, content.text("checkins.freq_again"),
                       freq_markup(back=True))
            return
        else:
            raise InvalidCallback("not a frequency")
        user = await current_user(deps, update)
        assert user is not None
        await show(update, context, content.text("checkins.pick_time", timezone=tz_name(user)),
                   time_markup(mask))

    async def on_share(update: Update, context: Context, user: User, on: bool) -> None:
        sched = await storage.get_checkin_schedule(user.user_id)
        if sched is None:
            raise InvalidCallback("no schedule")
        now = clock.now()
        if not on:
            await storage.set_checkin_share(user.user_id, None, now)
            await show(update, context, content.text("checkins.share_off"))
            return
        if await active_match(deps, user.user_id) is None:
            await show(update, context, content.text("checkins.share_needs_match"))
            return
        tz = person_tz(deps, user.timezone)
        await storage.set_checkin_share(user.user_id, next_weekly(sched.minute, tz, now), now)
        await show(update, context, content.text("checkins.share_on"))

    # -- the check-in's buttons ----------------------------------------------------------

    async def bump(name: str, by: int = 1) -> None:
        await storage.bump_counter(name, deps.local_day(), "", by)

    def feelings_markup(row: CheckinRow) -> InlineKeyboardMarkup:
        chosen = parse_choices(row.feelings, FEELINGS)
        cells = [(content.button("checkins.chosen", label=label) if f in chosen else label,
                  CB.pack("feel", row.id, f))
                 for f in FEELINGS
                 for label in [content.button(f"checkins.feeling_{f}")]]
        rows = [cells[i:i + 2] for i in range(0, len(cells), 2)]
        rows.append([(content.button("checkins.btn_done" if chosen else "checkins.btn_skip"),
                      CB.pack("feeldone", row.id))])
        return buttons(rows)

    def skills_markup(row: CheckinRow) -> InlineKeyboardMarkup:
        chosen = parse_choices(row.skills, SKILLS)
        rows = [[(content.button("checkins.chosen", label=label) if s in chosen else label,
                  CB.pack("skill", row.id, s))]
                for s in SKILLS for label in [content.button(f"checkins.skill_{s}")]]
        if chosen:
            rows.append([(content.button("checkins.btn_done"), CB.pack("skilldone", row.id))])
        else:
            rows.append([(content.button("checkins.btn_no_skills"),
                          CB.pack("skilldone", row.id))])
        return buttons(rows)

    def note_offer_markup(row: CheckinRow) -> InlineKeyboardMarkup:
        return buttons([[(content.button("checkins.btn_write_note"), CB.pack("note", row.id))],
                        [(content.button("checkins.btn_finish"), CB.pack("fin", row.id))]])

    async def feelings_view(update: Update, context: Context, row: CheckinRow) -> None:
        await show(update, context, content.text("checkins.feelings"), feelings_markup(row))

    async def low_view(update: Update, context: Context, row: CheckinRow, rating: int) -> None:
        rows = []
        if await active_match(deps, row.user_id) is not None:
            rows.append([(content.button("checkins.btn_peer"), CB.pack("peer", row.id))])
        rows += [[(content.button("checkins.btn_resources"), home_data())],
                 [(content.button("checkins.btn_card"), CB.pack("card", row.id))],
                 [(content.button("checkins.btn_ok"), CB.pack("ok", row.id))]]
        await show(update, context, content.text("checkins.low", rating=rating), buttons(rows))

    async def on_checkin_button(update: Update, context: Context, user: User,
                                data: CallbackData) -> None:
        row = await storage.get_checkin(data.int_arg(0), user.user_id)
        if row is None:
            await answer_query(update, content.button("checkins.stale"))
            return
        chat = update.effective_chat
        assert chat is not None
        if data.action == "rate":
            rating = data.int_arg(1)
            if rating not in RATINGS:
                raise InvalidCallback("not a rating")
            if not await storage.rate_checkin(row.id, user.user_id, rating, clock.now()):
                await answer_query(update, content.button("checkins.already"))
                return
            await bump("checkin_answered")
            if is_low(rating):
                await bump("checkin_low")
                await low_view(update, context, row, rating)
            else:
                await feelings_view(update, context, row)
            return
        if not row.answered:  # follow-ups come after a rating
            raise InvalidCallback("not rated yet")
        if data.action == "ok":
            await feelings_view(update, context, row)
        elif data.action == "peer":
            await answer_query(update)
            key = ("checkins.peer_how" if await active_match(deps, user.user_id) is not None
                   else "checkins.no_peer")
            await send(context, chat.id, content.text(key))
        elif data.action == "card":
            await answer_query(update)
            extra = [f.card_buttons for f in context.application.bot_data["flows"]
                     if f.card_buttons is not None]
            await send_card(deps, context, user.user_id, chat.id, extra)
        elif data.action == "feel":
            value = toggle(row.feelings, data.arg(1), FEELINGS) if data.arg(1) in FEELINGS \
                else None
            if value is None:
                raise InvalidCallback("not a feeling")
            await storage.set_checkin_choices(row.id, user.user_id, "feelings", value)
            fresh = await storage.get_checkin(row.id, user.user_id)
            assert fresh is not None
            await feelings_view(update, context, fresh)
        elif data.action == "feeldone":
            await show(update, context, content.text("checkins.skills"), skills_markup(row))
        elif data.action == "skill":
            if data.arg(1) not in SKILLS:
                raise InvalidCallback("not a skill")
            value = toggle(row.skills, data.arg(1), SKILLS)
            await storage.set_checkin_choices(row.id, user.user_id, "skills", value)
            fresh = await storage.get_checkin(row.id, user.user_id)
            assert fresh is not None
            await show(update, context, content.text("checkins.skills"), skills_markup(fresh))
        elif data.action == "skilldone":
            await show(update, context, content.text("checkins.note_offer"),
                       note_offer_markup(row))
        elif data.action == "fin":
            await show(update, context, content.text("checkins.done"))
        else:
            raise InvalidCallback("unknown")

    # -- typed steps: a time of their own, a note --------------------------------------------

    def draft(context: Context) -> dict[str, Any] | None:
        value = context.user_data.get(_DRAFT) if context.user_data is not None else None
        return value if isinstance(value, dict) else None

    async def start_time_step(update: Update, context: Context) -> str | int:
        user = await person(update, context)
        try:
            mask = _mask(CB.unpack(update.callback_query.data if update.callback_query
                                   else None).int_arg())
        except InvalidCallback:
            await answer_query(update, content.button("common.stale_button"))
            return END
        if user is None or context.user_data is None:
            return END
        context.user_data[_DRAFT] = {"step": TIME_STEP, "mask": mask, "at": epoch(clock.now())}
        await show(update, context, content.text("checkins.ask_time"))
        return TIME_STEP

    async def start_note_step(update: Update, context: Context) -> str | int:
        user = await person(update, context)
        if user is None or context.user_data is None:
            return END
        try:
            checkin_id = CB.unpack(update.callback_query.data if update.callback_query
                                   else None).int_arg()
        except InvalidCallback:
            checkin_id = -1
        row = await storage.get_checkin(checkin_id, user.user_id)
        if row is None or not row.answered:
            await answer_query(update, content.button("checkins.stale"))
            return END
        context.user_data[_DRAFT] = {"step": NOTE_STEP, "id": row.id, "at": epoch(clock.now())}
        await show(update, context, content.text("checkins.ask_note", limit=NOTE_LIMIT))
        return NOTE_STEP

    def fresh_draft(context: Context, step: str) -> dict[str, Any] | None:
        """The step's draft if it is recent. A step left open for a long time lets go, so a
        message written hours later (to a peer worker, say) is never taken as a note."""
        current = draft(context)
        if current is None or current.get("step") != step:
            return None
        if clock.now() - from_epoch(int(current.get("at", 0))) > STEP_TTL:
            return None
        return current

    def let_go(context: Context) -> int:
        if context.user_data is not None:
            context.user_data.pop(_DRAFT, None)
        return END  # not stopping the update: later handlers still see the message

    async def on_time_text(update: Update, context: Context) -> str | int:
        current = fresh_draft(context, TIME_STEP)
        if current is None:
            return let_go(context)
        assert update.effective_message is not None and update.effective_user is not None
        user = await current_user(deps, update)
        if user is None:
            return let_go(context)
        try:
            minute = parse_time(update.effective_message.text or "")
        except ValueError:
            await send(context, user.user_id, content.text("checkins.time_invalid"))
            raise ApplicationHandlerStop(TIME_STEP) from None
        let_go(context)
        await save_schedule(update, context, user, _mask(int(current["mask"])), minute)
        raise ApplicationHandlerStop(END)

    async def on_note_text(update: Update, context: Context) -> str | int:
        current = fresh_draft(context, NOTE_STEP)
        if current is None:
            return let_go(context)
        assert update.effective_message is not None and update.effective_user is not None
        uid = update.effective_user.id
        text = (update.effective_message.text or "").strip()
        if len(text) > NOTE_LIMIT:
            await send(context, uid, content.text("checkins.note_too_long", limit=NOTE_LIMIT))
            raise ApplicationHandlerStop(NOTE_STEP)
        let_go(context)
        if text and await storage.set_checkin_note(int(current["id"]), uid,
                                                   cipher.encrypt(text)):
            await send(context, uid, content.text("checkins.note_saved"))
        else:
            await send(context, uid, content.text("checkins.done"))
        raise ApplicationHandlerStop(END)

    steps = conversation(
        deps, "checkins",
        entry_points=[CallbackQueryHandler(start_time_step, pattern=r"^chk:type:"),
                      CallbackQueryHandler(start_note_step, pattern=r"^chk:note:")],
        states={
            # Marked passthrough: each stops the update itself once it has used the text,
            # and lets it go on when the step has gone stale.
            TIME_STEP: [passthrough(MessageHandler(filters.TEXT & ~filters.COMMAND,
                                                   on_time_text))],
            NOTE_STEP: [passthrough(MessageHandler(filters.TEXT & ~filters.COMMAND,
                                                   on_note_text))],
        },
    )

    # -- /mood -------------------------------------------------------------------------------

    def period_text(summary: MoodSummary) -> str:
        if summary.count == 0:
            return content.text("checkins.period_empty", days=summary.days)
        text = content.text("checkins.period", days=summary.days, count=summary.count,
                            average=f"{summary.average:.1f}", lowest=summary.lowest,
                            highest=summary.highest)
        if summary.top_skill is not None:
            text += content.text("checkins.skills_line", with_skills=summary.with_skills,
                                 skill=content.button(f"checkins.skill_{summary.top_skill}")
                                 .lower())
        if summary.trend is not None:
            text += content.text(f"checkins.trend_{summary.trend}", days=summary.days)
        return text

    async def mood_command(update: Update, context: Context) -> None:
        user = await person(update, context)
        if user is None:
            return
        now = clock.now()
        # 180 days: the last 90 and the 90 before, for the trend.
        rows = await storage.checkin_answers(user.user_id, now - timedelta(days=180))
        answers = [Answer(from_epoch(due), rating, parse_choices(skills, SKILLS))
                   for due, rating, skills in rows]
        if not any(a.at > now - timedelta(days=90) for a in answers):
            await send(context, user.user_id, content.text("checkins.mood_none"))
            return
        caption = content.text(
            "checkins.mood_caption",
            last30=Raw(period_text(mood_summary(answers, now, 30))),
            last90=Raw(period_text(mood_summary(answers, now, 90))))
        labels = {"title30": content.button("checkins.chart_title", days=30),
                  "title90": content.button("checkins.chart_title", days=90),
                  "rating": content.button("checkins.chart_rating"),
                  "skills": content.button("checkins.chart_skills"),
                  "mood": content.button("checkins.chart_mood")}
        tz = person_tz(deps, user.timezone)
        recent = [a for a in answers if a.at > now - timedelta(days=90)]
        png = await asyncio.to_thread(render_chart, recent, now, tz, labels)
        await context.bot.send_photo(user.user_id, io.BytesIO(png), caption=caption,
                                     filename="my-check-ins.png")

    # -- the dispatcher ----------------------------------------------------------------------

    async def deliver(bot: Bot, user_id: int, checkin_id: int, alias: str | None,
                      gate: asyncio.Semaphore) -> bool:
        try:
            async with gate:
                await send_checkin(deps, bot, user_id, checkin_id, alias)
            return True
        except Forbidden:
            _LOG.info("A person has blocked the bot; their check-in was not sent")
            await storage.set_active(user_id, False)
        except TelegramError:
            _LOG.warning("A check-in could not be sent", exc_info=True)
        await storage.discard_checkin(checkin_id)
        return False

    async def tick(context: Context) -> None:
        """Send every check-in that is due, move each schedule on, skip the long-missed."""
        now = clock.now()
        sent = skipped = 0
        for _ in range(MAX_BATCHES):
            batch = await claim_due(deps, now)
            skipped += batch.skipped
            gate = asyncio.Semaphore(SEND_CONCURRENCY)
            results = await asyncio.gather(*(
                deliver(context.bot, uid, checkin_id, alias, gate)
                for uid, checkin_id, alias in batch.to_send))
            sent += sum(results)
            if batch.read < BATCH:
                break
        if sent:
            await bump("checkin_sent", sent)
        if skipped:
            await bump("checkin_skipped", skipped)
        await send_weekly_shares(context, now)

    async def send_weekly_shares(context: Context, now: datetime) -> None:
        for share in await storage.due_checkin_shares(now, BATCH):
            tz = person_tz(deps, share.timezone)
            match = await active_match(deps, share.user_id)
            peer_id = getattr(match, "peer_id", None) if match is not None else None
            # No longer matched: sharing stops by itself; it is never sent to anyone else.
            following = next_weekly(share.minute, tz, now) if peer_id is not None else None
            await storage.move_share_due(share.user_id, share.share_due, following)
            if peer_id is None:
                continue
            week = await storage.checkin_answers(share.user_id, now - timedelta(days=7))
            ratings = [rating for _, rating, _ in week]
            if ratings:
                body = content.text("checkins.share_ratings", count=len(ratings),
                                    average=f"{sum(ratings) / len(ratings):.1f}",
                                    list=", ".join(str(r) for r in ratings))
            else:
                body = content.text("checkins.share_empty")
            name = share.alias or content.button("checkins.someone")
            try:
                await context.bot.send_message(
                    int(peer_id), content.text("checkins.share_summary", name=name,
                                               ratings=Raw(body)))
            except TelegramError:
                _LOG.warning("A weekly check-in summary could not be sent", exc_info=True)

    # -- /mydata -----------------------------------------------------------------------------

    async def export(user_id: int) -> dict[str, Any]:
        notes = []
        for checkin_id, due, token in await storage.checkin_notes(user_id):
            try:
                text = cipher.decrypt(token)
            except ValueError:
                text = "(this note can't be read with the current encryption key)"
            notes.append({"checkin_id": checkin_id, "due_at": due, "note": text})
        return {"checkin_notes": notes} if notes else {}

    people = [("checkins", "commands.checkins"), ("mood", "commands.mood")]
    return Flow(
        name="checkins",
        handlers=[steps,
                  CommandHandler("checkins", checkins_command),
                  CommandHandler("mood", mood_command),
                  CallbackQueryHandler(on_menu, pattern=CB.pattern)],
        commands={"consumer": people, "carer": people},
        jobs=[RepeatingJob(TICK, tick, interval_s=TICK_SECONDS)],
        export=export,
    )


def _mask(value: int, *, allow_empty: bool = False) -> int:
    """A weekday mask from button data, or InvalidCallback."""
    if not (0 if allow_empty else 1) <= value <= DAILY:
        raise InvalidCallback("not a set of days")
    return value
