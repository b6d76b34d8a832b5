"""/groups: coordinators manage group meetings; consumers and carers find, join and leave
them, get a calendar file, and receive reminders and notices.

Menus are stateless buttons (`grp:<action>:...`, everything needed is in the button), so a
restart loses nothing. Creating a group and editing one field are persistent conversations.
Reminders and notices are worked out by the 'tick:groups' job from what is stored (see
bot/domain/groups.py for the timing rules and grace periods).

```mermaid
stateDiagram-v2
    [*] --> Manage: /groups (coordinator)
    Manage --> Card: a group
    Manage --> Wizard: New group
    Wizard --> Manage: Save, or /cancel
    Card --> EditMenu: Edit
    EditMenu --> EditValue: a field
    EditValue --> Card: saved
    Card --> CancelPick: Cancel a meeting
    CancelPick --> CancelConfirm: a date
    CancelConfirm --> Card: yes (members told) / back
    Card --> RetireConfirm: Retire
    RetireConfirm --> Manage: yes (members told) / back
    [*] --> Directory: /groups (consumer, carer)
    Directory --> Directory: filter by format or weekday
    Directory --> Detail: a group
    Detail --> Detail: join / waitlist / leave (calendar file sent on joining)
    Directory --> Reminders: reminder switches
    Reminders --> Directory: back
```
Wizard steps: name, description, audience, format, link or address, how often, date(s),
time, facilitator, capacity (optional), then a summary to save.
"""

from __future__ import annotations

import io
import logging
import re
from datetime import date, datetime, timedelta
from typing import Any

from telegram import Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.callbacks import CallbackCodec, CallbackData, InvalidCallback
from bot.content import Raw
from bot.deps import Deps
from bot.domain.groups import (
    AUDIENCES,
    Group,
    Schedule,
    build_ics,
    due_reminders,
    is_eligible,
    next_occurrence,
    occurrence_start,
    occurrences,
    parse_capacity,
    parse_dates,
    parse_time_range,
    schedule_label_parts,
    visible_audiences,
)
from bot.domain.hours import WEEKDAYS
from bot.flowkit import (
    END,
    Context,
    Flow,
    RepeatingJob,
    answer_query,
    buttons,
    conversation,
    current_user,
    require_role,
    send,
    show,
)
from bot.storage import User

__all__ = ["build"]

_LOG = logging.getLogger(__name__)

CB = CallbackCodec("grp", {"dir", "see", "join", "leave", "ics", "rem", "tog", "mng", "card",
                           "cx", "cxok", "cxdo", "ret", "retdo", "em", "edit", "new"})
WZ = CallbackCodec("gw", {"aud", "fmt", "kind", "skip", "save", "stop"})

(NAME, DESC, AUD, FMT, PLACE, KIND, DATES, TIME, FAC, CAP, CONFIRM) = (
    "name", "desc", "aud", "fmt", "place", "kind", "dates", "time", "fac", "cap", "confirm")
EDIT_VALUE = "edit_value"
EDIT_FIELDS = ("name", "desc", "place", "time", "fac", "cap")
_FMT_FILTERS = ("a", "o", "p")  # all, online, in person
_MAX_LISTED = 25
_LINK = re.compile(r"^https://[^\s<>\"]+$")
TICK_INTERVAL_S = 60.0


def _day_code(occurrence: str) -> str:
    return occurrence.replace("-", "")


def _day_from_code(code: str) -> str:
    if not re.fullmatch(r"\d{8}", code):
        raise InvalidCallback("bad date")
    return f"{code[:4]}-{code[4:6]}-{code[6:]}"


def build(deps: Deps) -> Flow:
    """The groups flow's handlers and its reminder job."""
    content, storage, clock, settings = deps.content, deps.storage, deps.clock, deps.settings
    tz = settings.tz

    # -- rendering helpers ------------------------------------------------------------------

    def person_tz(user: User | None) -> Any:
        from zoneinfo import ZoneInfo

        try:
            return ZoneInfo(user.timezone) if user and user.timezone else tz
        except (KeyError, ValueError):
            return tz

    def when_text(at: datetime, zone: Any) -> str:
        local = at.astimezone(zone)
        return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"

    def schedule_text(group: Group) -> str:
        parts = schedule_label_parts(group.schedule)
        return content.button(f"groups.schedule_{group.schedule.kind}", **parts)

    def format_text(group: Group) -> str:
        return content.button(f"groups.format_{group.format}")

    def audience_text(audience: str) -> str:
        return content.button(f"groups.audience_{audience}")

    def next_text(group: Group, zone: Any) -> str:
        found = next_occurrence(group.schedule, tz, clock.now(), group.cancelled)
        return when_text(found[1], zone) if found else content.button("groups.no_next")

    def place_text(group: Group, member: bool) -> str:
        if group.format == "online":
            if member:
                return content.text("groups.place_link", link=group.place)
            return content.text("groups.place_link_members")
        return content.text("groups.place_address", address=group.place)

    def places_text(group: Group, counts: tuple[int, int]) -> str:
        if group.capacity is None:
            return ""
        free = max(group.capacity - counts[0], 0)
        if free:
            return content.text("groups.places_free", free=free)
        return content.text("groups.places_full", waiting=counts[1])

    def meets_on(group: Group, weekday: int) -> bool:
        if group.schedule.kind != "once":
            return group.schedule.weekday == weekday
        return any(date.fromisoformat(o).weekday() == weekday
                   for o, _ in occurrences(group.schedule, tz, clock.now(), limit=12))

    async def ics_bytes(group: Group) -> bytes:
        domain = (settings.bot_username or "peer-support").lower() + ".bot"
        return build_ics(group, tz, clock.now(), uid_domain=domain,
                         description=content.button("groups.ics_description",
                                                    description=group.description,
                                                    service=settings.service_name)
                         ).encode("utf-8")

    def ics_name(group: Group) -> str:
        slug = re.sub(r"[^a-z0-9]+", "-", group.name.lower()).strip("-")[:40]
        return f"{slug or 'group'}.ics"

    async def send_ics(bot: Any, uid: int, group: Group) -> None:
        await bot.send_document(uid, io.BytesIO(await ics_bytes(group)),
                                filename=ics_name(group),
                                caption=content.text("groups.ics_caption", name=group.name))

    async def tell(bot: Any, uid: int, text: str) -> bool:
        """Send TEXT to UID; someone who blocked the bot is marked inactive."""
        try:
            await bot.send_message(uid, text, disable_web_page_preview=True)
        except Forbidden:
            await storage.set_active(uid, False)
            return False
        except TelegramError:
            _LOG.warning("Could not send a group message", exc_info=True)
            return False
        return True

    # -- notices and reminders (also run by the job) -----------------------------------------

    async def deliver_notices(bot: Any) -> None:
        now = clock.now()
        for notice in await storage.pending_notices():
            if not await storage.claim_notice(notice, now):
                continue
            group = await storage.get_group(notice.group_id)
            user = await storage.get_user(notice.user_id)
            if group is None or user is None or not user.active:
                continue
            zone = person_tz(user)
            if notice.kind == "cancelled":
                start = occurrence_start(group.schedule, date.fromisoformat(notice.occurrence),
                                         tz)
                when = when_text(start, zone)
                after = next_occurrence(group.schedule, tz, start + timedelta(minutes=1),
                                        group.cancelled)
                text = content.text("groups.notice_cancelled", name=group.name, when=when,
                                    next=when_text(after[1], zone) if after
                                    else content.button("groups.no_next"))
                await tell(bot, user.user_id, text)
            elif notice.kind == "retired":
                await tell(bot, user.user_id, content.text("groups.notice_retired",
                                                           name=group.name))
            elif notice.kind == "promoted" and group.active:
                sent = await tell(bot, user.user_id, content.text(
                    "groups.notice_promoted", name=group.name, next=next_text(group, zone),
                    place=Raw(place_text(group, True))))
                if sent:
                    try:
                        await send_ics(bot, user.user_id, group)
                    except TelegramError:
                        _LOG.warning("Could not send a calendar file", exc_info=True)

    async def send_reminders(bot: Any) -> int:
        now = clock.now()
        sent = 0
        for group in await storage.list_groups():
            for due in due_reminders(group, tz, now):
                for uid in await storage.reminder_recipients(group.group_id, due.kind):
                    if not await storage.claim_reminder(group.group_id, uid, due.occurrence,
                                                        due.kind, now):
                        continue
                    user = await storage.get_user(uid)
                    zone = person_tz(user)
                    local = due.start.astimezone(zone)
                    text = content.text(
                        f"groups.reminder_{due.kind}", name=group.name,
                        when=when_text(due.start, zone), time=f"{local:%H:%M}",
                        place=Raw(place_text(group, True)))
                    if await tell(bot, uid, text):
                        sent += 1
        if sent:
            await storage.bump_counter("group_reminders_sent", deps.local_day(), by=sent)
        return sent

    async def tick(context: Context) -> None:
        await deliver_notices(context.bot)
        await send_reminders(context.bot)
        # A reminder is never due more than a few hours after its time, so records older
        # than a week can go.
        await storage.forget_old_deliveries(clock.now() - timedelta(days=7))

    # -- who is asking --------------------------------------------------------------------------

    def parse(update: Update, codec: CallbackCodec = CB) -> CallbackData | None:
        try:
            return codec.unpack_query(update)
        except InvalidCallback:
            return None

    async def stale(update: Update) -> None:
        if update.callback_query is not None:
            await update.callback_query.answer(content.button("groups.stale"), show_alert=True)

    async def coordinator(update: Update, context: Context) -> User | None:
        return await require_role(deps, update, context, "coordinator")

    # -- /groups --------------------------------------------------------------------------------

    async def groups_command(update: Update, context: Context) -> None:
        assert update.effective_chat is not None
        user = await current_user(deps, update)
        if user is None or user.role is None:
            await send(context, update.effective_chat.id, content.text("common.need_start"))
            return
        if user.role == "coordinator":
            await show_manage(update, context)
        elif visible_audiences(user.role, user.relationship) and user.role != "coordinator":
            await show_directory(update, context, user, "a", "x")
        else:
            await send(context, update.effective_chat.id, content.text("common.not_for_you"))

    # -- the directory ----------------------------------------------------------------------------

    async def show_directory(update: Update, context: Context, user: User, fmt: str,
                             wd: str) -> None:
        zone = person_tz(user)
        groups = await storage.list_groups(visible_audiences(user.role, user.relationship))
        if fmt == "o":
            groups = [g for g in groups if g.format == "online"]
        elif fmt == "p":
            groups = [g for g in groups if g.format == "in_person"]
        if wd != "x":
            groups = [g for g in groups if meets_on(g, int(wd))]
        counts = await storage.member_counts()
        mine = await storage.memberships_of(user.user_id)
        lines = []
        rows: list[list[tuple[str, str]]] = []
        for group in groups[:_MAX_LISTED]:
            status = mine.get(group.group_id)
            mark = content.button(f"groups.mark_{status}") if status else ""
            lines.append(content.text(
                "groups.dir_line", name=group.name, format=format_text(group),
                schedule=schedule_text(group), next=next_text(group, zone), mark=mark,
                places=Raw(places_text(group, counts.get(group.group_id, (0, 0))))))
            rows.append([(content.button("groups.open_button", name=group.name[:40]),
                          CB.pack("see", group.group_id, fmt, wd))])
        fmt_row = [(("• " if fmt == f else "") + content.button(f"groups.filter_fmt_{f}"),
                    CB.pack("dir", f, wd)) for f in _FMT_FILTERS]
        day_labels = [("x", content.button("groups.filter_any_day"))] + [
            (str(i), WEEKDAYS[i]) for i in range(7)]
        day_buttons = [(("• " if wd == code else "") + label, CB.pack("dir", fmt, code))
                       for code, label in day_labels]
        rows += [fmt_row, day_buttons[:4], day_buttons[4:],
                 [(content.button("groups.reminders_button"), CB.pack("rem"))]]
        if groups:
            body = "\n\n".join(lines)
            if len(groups) > _MAX_LISTED:
                body += "\n\n" + content.text("groups.dir_more", count=len(groups) - _MAX_LISTED)
            text = content.text("groups.dir", groups=Raw(body))
        elif fmt != "a" or wd != "x":
            text = content.text("groups.dir_none_filtered")
        else:
            text = content.text("groups.dir_none")
        await show(update, context, text, buttons(rows))

    async def show_detail(update: Update, context: Context, user: User, group: Group,
                          fmt: str, wd: str, notice: str = "") -> None:
        zone = person_tz(user)
        membership = await storage.membership(group.group_id, user.user_id)
        counts = (await storage.member_counts()).get(group.group_id, (0, 0))
        member = membership is not None and membership.status == "member"
        if membership is None:
            status = ""
        elif member:
            status = content.text("groups.status_member")
        else:
            status = content.text("groups.status_waiting", position=membership.position)
        text = content.text(
            "groups.detail", name=group.name, description=group.description,
            audience=audience_text(group.audience), format=format_text(group),
            schedule=schedule_text(group), next=next_text(group, zone),
            facilitator=group.facilitator, place=Raw(place_text(group, member)),
            places=Raw(places_text(group, counts)), status=Raw(status),
            notice=Raw(notice))
        rows: list[list[tuple[str, str]]] = []
        if membership is None:
            full = group.capacity is not None and counts[0] >= group.capacity
            rows.append([(content.button("groups.waitlist_button" if full
                                         else "groups.join_button"),
                          CB.pack("join", group.group_id, fmt, wd))])
        else:
            if member:
                rows.append([(content.button("groups.ics_button"),
                              CB.pack("ics", group.group_id))])
            rows.append([(content.button("groups.leave_button" if member
                                         else "groups.leave_waitlist_button"),
                          CB.pack("leave", group.group_id, fmt, wd))])
        rows.append([(content.button("groups.back_to_list"), CB.pack("dir", fmt, wd))])
        await show(update, context, text, buttons(rows))

    async def person_and_group(update: Update, data: CallbackData
                               ) -> tuple[User, Group] | None:
        user = await current_user(deps, update)
        group = await storage.get_group(data.int_arg(0))
        if user is None or group is None or not is_eligible(group, user.role,
                                                            user.relationship):
            return None
        return user, group

    def filters_of(data: CallbackData) -> tuple[str, str]:
        fmt = data.args[1] if len(data.args) > 1 else "a"
        wd = data.args[2] if len(data.args) > 2 else "x"
        if fmt not in _FMT_FILTERS or wd not in ("x", *map(str, range(7))):
            raise InvalidCallback("bad filter")
        return fmt, wd

    async def on_person_button(update: Update, context: Context, data: CallbackData) -> None:
        user = await current_user(deps, update)
        if user is None or user.role not in ("consumer", "carer"):
            await stale(update)
            return
        if data.action == "dir":
            fmt, wd = data.arg(0), data.arg(1)
            if fmt not in _FMT_FILTERS or wd not in ("x", *map(str, range(7))):
                raise InvalidCallback("bad filter")
            await show_directory(update, context, user, fmt, wd)
            return
        if data.action == "rem":
            await show_prefs(update, context, user.user_id)
            return
        if data.action == "tog":
            kind = data.arg(0)
            if kind not in ("day", "hour"):
                raise InvalidCallback("bad kind")
            prefs = await storage.group_prefs(user.user_id)
            now_on = prefs.remind_day if kind == "day" else prefs.remind_hour
            await storage.set_group_pref(user.user_id, kind, not now_on)
            await show_prefs(update, context, user.user_id)
            return
        found = await person_and_group(update, data)
        if found is None:
            await stale(update)
            return
        user, group = found
        if data.action == "see":
            await show_detail(update, context, user, group, *filters_of(data))
        elif data.action == "join":
            await join(update, context, user, group, *filters_of(data))
        elif data.action == "leave":
            await leave(update, context, user, group, *filters_of(data))
        elif data.action == "ics":
            membership = await storage.membership(group.group_id, user.user_id)
            await answer_query(update)
            if membership is not None and membership.status == "member":
                await send_ics(context.bot, user.user_id, group)
        else:
            await stale(update)

    async def join(update: Update, context: Context, user: User, group: Group, fmt: str,
                   wd: str) -> None:
        result = await storage.join_group(group.group_id, user.user_id, clock.now())
        if result.status == "member":
            await storage.bump_counter("group_joins", deps.local_day())
            await show_detail(update, context, user, group, fmt, wd,
                              content.text("groups.joined", name=group.name))
            await send_ics(context.bot, user.user_id, group)
        elif result.status == "waiting":
            await show_detail(update, context, user, group, fmt, wd,
                              content.text("groups.waitlisted", position=result.position))
        else:
            await show_detail(update, context, user, group, fmt, wd)

    async def leave(update: Update, context: Context, user: User, group: Group, fmt: str,
                    wd: str) -> None:
        await storage.leave_group(group.group_id, user.user_id, clock.now())
        await show_detail(update, context, user, group, fmt, wd,
                          content.text("groups.left", name=group.name))
        await deliver_notices(context.bot)

    async def show_prefs(update: Update, context: Context, uid: int) -> None:
        prefs = await storage.group_prefs(uid)

        def state(on: bool) -> str:
            return content.button("groups.switch_on" if on else "groups.switch_off")

        rows = [[(content.button("groups.pref_day", state=state(prefs.remind_day)),
                  CB.pack("tog", "day"))],
                [(content.button("groups.pref_hour", state=state(prefs.remind_hour)),
                  CB.pack("tog", "hour"))],
                [(content.button("groups.back_to_list"), CB.pack("dir", "a", "x"))]]
        await show(update, context, content.text("groups.prefs"), buttons(rows))

    # -- coordinators: manage ---------------------------------------------------------------

    async def show_manage(update: Update, context: Context, notice: str = "") -> None:
        groups = await storage.list_groups()
        counts = await storage.member_counts()
        rows = [[(content.button("groups.manage_line", name=g.name[:30],
                                 members=counts.get(g.group_id, (0, 0))[0]),
                  CB.pack("card", g.group_id))] for g in groups[:40]]
        rows.append([(content.button("groups.new_button"), CB.pack("new"))])
        key = "groups.manage" if groups else "groups.manage_none"
        await show(update, context, content.text(key, notice=Raw(notice)), buttons(rows))

    async def show_card(update: Update, context: Context, group: Group,
                        notice: str = "") -> None:
        counts = (await storage.member_counts()).get(group.group_id, (0, 0))
        upcoming = occurrences(group.schedule, tz, clock.now(), limit=3,
                               cancelled=group.cancelled)
        nexts = ", ".join(when_text(s, tz) for _, s in upcoming) or content.button(
            "groups.no_next")
        capacity = str(group.capacity) if group.capacity is not None else content.button(
            "groups.no_limit")
        text = content.text(
            "groups.card", name=group.name, description=group.description,
            audience=audience_text(group.audience), format=format_text(group),
            place=group.place, schedule=schedule_text(group), nexts=nexts,
            facilitator=group.facilitator, capacity=capacity, members=counts[0],
            waiting=counts[1], tz=settings.timezone.replace("_", " "), notice=Raw(notice))
        gid = group.group_id
        rows = [[(content.button("groups.edit_button"), CB.pack("em", gid))],
                [(content.button("groups.cancel_meeting_button"), CB.pack("cx", gid))],
                [(content.button("groups.retire_button"), CB.pack("ret", gid))],
                [(content.button("groups.back_to_manage"), CB.pack("mng"))]]
        await show(update, context, text, buttons(rows))

    async def on_coordinator_button(update: Update, context: Context,
                                    data: CallbackData) -> None:
        if await coordinator(update, context) is None:
            return
        if data.action == "mng":
            await show_manage(update, context)
            return
        group = await storage.get_group(data.int_arg(0))
        if group is None or not group.active:
            await stale(update)
            return
        gid = group.group_id
        back = [(content.button("common.back_button"), CB.pack("card", gid))]
        if data.action == "card":
            await show_card(update, context, group)
        elif data.action == "em":
            rows = [[(content.button(f"groups.field_{f}"), CB.pack("edit", gid, f))]
                    for f in EDIT_FIELDS]
            await show(update, context, content.text("groups.edit_which", name=group.name),
                       buttons([*rows, back]))
        elif data.action == "cx":
            upcoming = occurrences(group.schedule, tz, clock.now(), limit=6,
                                   cancelled=group.cancelled)
            rows = [[(when_text(s, tz), CB.pack("cxok", gid, _day_code(o)))]
                    for o, s in upcoming]
            key = "groups.cancel_which" if upcoming else "groups.cancel_none"
            await show(update, context, content.text(key, name=group.name),
                       buttons([*rows, back]))
        elif data.action == "cxok":
            occurrence = _day_from_code(data.arg(1))
            start = dict(occurrences(group.schedule, tz, clock.now(), limit=12,
                                     cancelled=group.cancelled)).get(occurrence)
            if start is None:
                await stale(update)
                return
            members = len(await storage.group_member_ids(gid))
            await show(update, context, content.text(
                "groups.cancel_confirm", name=group.name, when=when_text(start, tz),
                members=members), buttons([
                    [(content.button("groups.cancel_yes"), CB.pack("cxdo", gid, data.arg(1)))],
                    back]))
        elif data.action == "cxdo":
            occurrence = _day_from_code(data.arg(1))
            valid = {o for o, _ in occurrences(group.schedule, tz, clock.now(), limit=12)}
            if occurrence not in valid:
                await stale(update)
                return
            told = await storage.cancel_meeting(gid, occurrence, clock.now())
            await deliver_notices(context.bot)
            refreshed = await storage.get_group(gid)
            assert refreshed is not None
            await show_card(update, context, refreshed,
                            content.text("groups.cancelled_done", members=len(told)))
        elif data.action == "ret":
            await show(update, context, content.text("groups.retire_confirm", name=group.name),
                       buttons([[(content.button("groups.retire_yes"), CB.pack("retdo", gid))],
                                back]))
        elif data.action == "retdo":
            told = await storage.retire_group(gid, clock.now())
            await deliver_notices(context.bot)
            await show_manage(update, context, content.text("groups.retired_done",
                                                            name=group.name, members=len(told)))
        else:
            await stale(update)

    async def on_button(update: Update, context: Context) -> None:
        data = parse(update)
        if data is None:
            await stale(update)
            return
        try:
            if data.action in ("dir", "see", "join", "leave", "ics", "rem", "tog"):
                await on_person_button(update, context, data)
            else:
                await on_coordinator_button(update, context, data)
        except InvalidCallback:
            await stale(update)

    # -- coordinators: the new-group wizard -------------------------------------------------

    def draft(context: Context) -> dict[str, Any]:
        assert context.user_data is not None
        return context.user_data.setdefault("groups_new", {})

    def stop_row() -> list[tuple[str, str]]:
        return [(content.button("groups.wizard_stop"), WZ.pack("stop"))]

    async def ask(update: Update, context: Context, key: str,
                  rows: list[list[tuple[str, str]]] | None = None, **params: Any) -> None:
        markup = buttons([*(rows or []), stop_row()])
        if update.callback_query is not None:
            await show(update, context, content.text(key, **params), markup)
        else:
            assert update.effective_chat is not None
            await send(context, update.effective_chat.id, content.text(key, **params), markup)

    async def wizard_start(update: Update, context: Context) -> str | int:
        if await coordinator(update, context) is None:
            return END
        assert context.user_data is not None
        context.user_data["groups_new"] = {}
        await ask(update, context, "groups.ask_name")
        return NAME

    def text_of(update: Update) -> str:
        message = update.effective_message
        return " ".join((message.text or "").split()) if message is not None else ""

    async def retry(update: Update, context: Context, reason: str) -> None:
        assert update.effective_chat is not None
        await send(context, update.effective_chat.id,
                   content.text("groups.try_again", reason=reason), buttons([stop_row()]))

    async def on_name(update: Update, context: Context) -> str:
        name = text_of(update)
        if not 2 <= len(name) <= 60:
            await retry(update, context, content.button("groups.reason_name"))
            return NAME
        draft(context)["name"] = name
        await ask(update, context, "groups.ask_description")
        return DESC

    async def on_desc(update: Update, context: Context) -> str:
        desc = (update.effective_message.text or "").strip() if update.effective_message else ""
        if not 2 <= len(desc) <= 400:
            await retry(update, context, content.button("groups.reason_description"))
            return DESC
        draft(context)["description"] = desc
        rows = [[(audience_text(a), WZ.pack("aud", a))] for a in AUDIENCES]
        await ask(update, context, "groups.ask_audience", rows)
        return AUD

    async def on_aud(update: Update, context: Context) -> str:
        data = parse(update, WZ)
        if data is None or data.action != "aud" or data.arg() not in AUDIENCES:
            await answer_query(update)
            return AUD
        draft(context)["audience"] = data.arg()
        rows = [[(content.button("groups.format_online"), WZ.pack("fmt", "online"))],
                [(content.button("groups.format_in_person"), WZ.pack("fmt", "in_person"))]]
        await ask(update, context, "groups.ask_format", rows)
        return FMT

    async def on_fmt(update: Update, context: Context) -> str:
        data = parse(update, WZ)
        if data is None or data.action != "fmt" or data.arg() not in ("online", "in_person"):
            await answer_query(update)
            return FMT
        draft(context)["format"] = data.arg()
        await ask(update, context, "groups.ask_link" if data.arg() == "online"
                  else "groups.ask_address")
        return PLACE

    def place_problem(fmt: str, value: str) -> str | None:
        if fmt == "online" and not _LINK.match(value):
            return content.button("groups.reason_link")
        if not 3 <= len(value) <= 200:
            return content.button("groups.reason_address")
        return None

    async def on_place(update: Update, context: Context) -> str:
        value = text_of(update)
        problem = place_problem(draft(context).get("format", ""), value)
        if problem:
            await retry(update, context, problem)
            return PLACE
        draft(context)["place"] = value
        rows = [[(content.button(f"groups.kind_{k}"), WZ.pack("kind", k))]
                for k in ("weekly", "fortnightly", "monthly", "once")]
        await ask(update, context, "groups.ask_kind", rows)
        return KIND

    async def on_kind(update: Update, context: Context) -> str:
        data = parse(update, WZ)
        if data is None or data.action != "kind" or data.arg() not in (
                "weekly", "fortnightly", "monthly", "once"):
            await answer_query(update)
            return KIND
        draft(context)["kind"] = data.arg()
        await ask(update, context, "groups.ask_dates" if data.arg() == "once"
                  else "groups.ask_first_date")
        return DATES

    async def on_dates(update: Update, context: Context) -> str:
        today = clock.now().astimezone(tz).date()
        try:
            dates = parse_dates(text_of(update), today)
        except ValueError as exc:
            await retry(update, context, str(exc))
            return DATES
        if draft(context).get("kind") != "once" and len(dates) > 1:
            await retry(update, context, content.button("groups.reason_one_date"))
            return DATES
        draft(context)["dates"] = [d.isoformat() for d in dates]
        await ask(update, context, "groups.ask_time", tz=settings.timezone.replace("_", " "))
        return TIME

    async def on_time(update: Update, context: Context) -> str:
        try:
            minutes, duration = parse_time_range(text_of(update))
        except ValueError as exc:
            await retry(update, context, str(exc))
            return TIME
        draft(context).update(minutes=minutes, duration=duration)
        await ask(update, context, "groups.ask_facilitator")
        return FAC

    async def on_fac(update: Update, context: Context) -> str:
        name = text_of(update)
        if not 1 <= len(name) <= 40:
            await retry(update, context, content.button("groups.reason_facilitator"))
            return FAC
        draft(context)["facilitator"] = name
        await ask(update, context, "groups.ask_capacity",
                  [[(content.button("groups.no_limit_button"), WZ.pack("skip"))]])
        return CAP

    async def on_cap_text(update: Update, context: Context) -> str:
        try:
            draft(context)["capacity"] = parse_capacity(text_of(update))
        except ValueError as exc:
            await retry(update, context, str(exc))
            return CAP
        return await summary(update, context)

    async def on_cap_skip(update: Update, context: Context) -> str:
        draft(context)["capacity"] = None
        return await summary(update, context)

    def draft_group(d: dict[str, Any], group_id: int = 0) -> Group:
        dates = tuple(date.fromisoformat(x) for x in d["dates"])
        schedule = Schedule(kind=d["kind"], first=dates[0], minutes=int(d["minutes"]),
                            duration=int(d["duration"]),
                            dates=dates if d["kind"] == "once" else ())
        return Group(group_id, d["name"], d["description"], d["audience"], d["format"],
                     d["place"], schedule, d["facilitator"], d.get("capacity"))

    async def summary(update: Update, context: Context) -> str:
        group = draft_group(draft(context))
        upcoming = occurrences(group.schedule, tz, clock.now(), limit=3)
        capacity = str(group.capacity) if group.capacity else content.button("groups.no_limit")
        await ask(update, context, "groups.summary", [[(content.button("groups.save_button"),
                                                       WZ.pack("save"))]],
                  name=group.name, description=group.description,
                  audience=audience_text(group.audience), format=format_text(group),
                  place=group.place, schedule=schedule_text(group),
                  nexts=", ".join(when_text(s, tz) for _, s in upcoming)
                  or content.button("groups.no_next"),
                  facilitator=group.facilitator, capacity=capacity)
        return CONFIRM

    async def on_save(update: Update, context: Context) -> int:
        if await coordinator(update, context) is None:
            return END
        assert context.user_data is not None
        d = context.user_data.pop("groups_new", {})
        try:
            group = draft_group(d)
        except (KeyError, ValueError, IndexError):
            await stale(update)
            return END
        await storage.create_group(group, clock.now())
        await show_manage(update, context, content.text("groups.created", name=group.name))
        return END

    async def on_stop(update: Update, context: Context) -> int:
        assert context.user_data is not None
        context.user_data.pop("groups_new", None)
        context.user_data.pop("groups_edit", None)
        await show(update, context, content.text("groups.wizard_stopped"))
        return END

    wizard_text = filters.TEXT & ~filters.COMMAND
    stop_handler = CallbackQueryHandler(on_stop, pattern=r"^gw:stop")
    new_group = conversation(
        deps, "groups_new",
        entry_points=[CallbackQueryHandler(wizard_start, pattern=r"^grp:new")],
        states={
            NAME: [MessageHandler(wizard_text, on_name)],
            DESC: [MessageHandler(wizard_text, on_desc)],
            AUD: [CallbackQueryHandler(on_aud, pattern=r"^gw:aud:")],
            FMT: [CallbackQueryHandler(on_fmt, pattern=r"^gw:fmt:")],
            PLACE: [MessageHandler(wizard_text, on_place)],
            KIND: [CallbackQueryHandler(on_kind, pattern=r"^gw:kind:")],
            DATES: [MessageHandler(wizard_text, on_dates)],
            TIME: [MessageHandler(wizard_text, on_time)],
            FAC: [MessageHandler(wizard_text, on_fac)],
            CAP: [MessageHandler(wizard_text, on_cap_text),
                  CallbackQueryHandler(on_cap_skip, pattern=r"^gw:skip")],
            CONFIRM: [CallbackQueryHandler(on_save, pattern=r"^gw:save")],
        },
        fallbacks=[stop_handler],
    )

    # -- coordinators: edit one field ---------------------------------------------------------

    async def edit_start(update: Update, context: Context) -> str | int:
        if await coordinator(update, context) is None:
            return END
        data = parse(update)
        try:
            if data is None:
                raise InvalidCallback("none")
            group = await storage.get_group(data.int_arg(0))
            field = data.arg(1)
            if group is None or not group.active or field not in EDIT_FIELDS:
                raise InvalidCallback("gone")
        except InvalidCallback:
            await stale(update)
            return END
        assert context.user_data is not None
        context.user_data["groups_edit"] = {"group": group.group_id, "field": field}
        rows = ([[(content.button("groups.no_limit_button"), WZ.pack("skip"))]]
                if field == "cap" else [])
        key = {"place": "groups.ask_link" if group.format == "online" else "groups.ask_address",
               "name": "groups.ask_name", "desc": "groups.ask_description",
               "time": "groups.ask_time", "fac": "groups.ask_facilitator",
               "cap": "groups.ask_capacity"}[field]
        await ask(update, context, key, rows, tz=settings.timezone.replace("_", " "))
        return EDIT_VALUE

    async def edit_value(update: Update, context: Context) -> str | int:
        if await coordinator(update, context) is None:
            return END
        assert context.user_data is not None
        state = context.user_data.get("groups_edit") or {}
        group = await storage.get_group(int(state.get("group", 0)))
        if group is None or not group.active:
            context.user_data.pop("groups_edit", None)
            await stale(update)
            return END
        field = state.get("field")
        skipped = update.callback_query is not None
        value = text_of(update)
        changes: dict[str, Any] = {}
        try:
            if field == "name":
                if not 2 <= len(value) <= 60:
                    raise ValueError(content.button("groups.reason_name"))
                changes["name"] = value
            elif field == "desc":
                raw = (update.effective_message.text or "").strip() \
                    if update.effective_message else ""
                if not 2 <= len(raw) <= 400:
                    raise ValueError(content.button("groups.reason_description"))
                changes["description"] = raw
            elif field == "place":
                problem = place_problem(group.format, value)
                if problem:
                    raise ValueError(problem)
                changes["place"] = value
            elif field == "time":
                changes["minutes"], changes["duration"] = parse_time_range(value)
            elif field == "fac":
                if not 1 <= len(value) <= 40:
                    raise ValueError(content.button("groups.reason_facilitator"))
                changes["facilitator"] = value
            elif field == "cap":
                changes["capacity"] = None if skipped else parse_capacity(value)
        except ValueError as exc:
            await retry(update, context, str(exc))
            return EDIT_VALUE
        if skipped and field != "cap":
            await answer_query(update)
            return EDIT_VALUE
        await storage.update_group(group.group_id, clock.now(), **changes)
        if field == "cap":
            await storage.fill_places(group.group_id, clock.now())
            await deliver_notices(context.bot)
        context.user_data.pop("groups_edit", None)
        refreshed = await storage.get_group(group.group_id)
        assert refreshed is not None
        await show_card(update, context, refreshed, content.text("groups.saved"))
        return END

    edit_group = conversation(
        deps, "groups_edit",
        entry_points=[CallbackQueryHandler(edit_start, pattern=r"^grp:edit:")],
        states={EDIT_VALUE: [MessageHandler(wizard_text, edit_value),
                             CallbackQueryHandler(edit_value, pattern=r"^gw:skip")]},
        fallbacks=[stop_handler],
    )

    # -- lifecycle --------------------------------------------------------------------------------

    async def on_delete(app: Application[Any, Any, Any, Any, Any, Any], uid: int) -> None:
        # Their place goes to the first person waiting, as if they had left.
        for group_id, status in (await storage.memberships_of(uid)).items():
            if status == "member":
                await storage.leave_group(group_id, uid, clock.now())
        await deliver_notices(app.bot)

    people = [("groups", "commands.groups")]
    return Flow(
        name="groups",
        handlers=[new_group, edit_group,
                  CommandHandler("groups", groups_command),
                  CallbackQueryHandler(on_button, pattern=CB.pattern)],
        commands={"consumer": people, "carer": people, "coordinator": people},
        jobs=[RepeatingJob("tick:groups", tick, interval_s=TICK_INTERVAL_S, first_s=10.0)],
        on_delete=on_delete,
    )
