"""What the groups flow shows: pure functions from copy and data to text and keyboards.

Times are given to each view: NOW, the service's zone TZ (schedules are kept in it) and the
reader's ZONE (people see meetings in their own time; coordinators in the service's).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from bot.content import Content, Raw
from bot.domain.groups import (
    AUDIENCES,
    KINDS,
    Group,
    InputProblem,
    Schedule,
    TypedWords,
    build_ics,
    file_slug,
    next_occurrence,
    occurrences,
)
from bot.keyboards import Choice, back_row, rows
from bot.services.groups import Directory, Joined, Prefs, Standing
from flows.groups.callbacks import (
    ANY_DAY,
    AskCancel,
    AskRetire,
    Browse,
    Card,
    ChooseMeeting,
    ConfirmCancel,
    ConfirmRetire,
    EditField,
    EditMenu,
    Field,
    Format,
    Join,
    Leave,
    Manage,
    NewGroup,
    NoLimit,
    Open,
    PickAudience,
    PickFormat,
    PickKind,
    Reminders,
    Save,
    SendCalendar,
    StopWizard,
    Toggle,
)

__all__ = [
    "EDIT_FIELDS",
    "calendar_file",
    "cancel_question",
    "card",
    "choose_meeting",
    "detail",
    "directory",
    "edit_menu",
    "joined_notice",
    "manage",
    "notice_cancelled",
    "notice_promoted",
    "notice_retired",
    "question",
    "reason",
    "reminder",
    "reminder_prefs",
    "retire_question",
    "summary",
    "try_again",
    "typed_words",
]

Markup = InlineKeyboardMarkup
Screen = tuple[str, Markup]
EDIT_FIELDS: tuple[Field, ...] = ("name", "desc", "place", "time", "fac", "cap")
FORMATS: tuple[Format, ...] = ("any", "online", "in_person")
_MAX_LISTED = 25
_SELECTED = "• "


# -- words used in several places -------------------------------------------------------------


def schedule_text(copy: Content, schedule: Schedule) -> str:
    """'Every Tuesday', 'The second Thursday of each month', 'On set dates'."""
    nth = "last" if schedule.nth == -1 else str(schedule.nth)
    return copy.button(f"groups.schedule_{schedule.kind}",
                       weekday=copy.weekday(schedule.weekday, long=True),
                       nth=copy.button(f"groups.nth_{nth}"))


def format_text(copy: Content, group: Group) -> str:
    """Online, or in person."""
    return copy.button(f"groups.format_{group.format}")


def audience_text(copy: Content, audience: str) -> str:
    """Who a group is for."""
    return copy.button(f"groups.audience_{audience}")


def next_text(copy: Content, group: Group, tz: ZoneInfo, zone: ZoneInfo, now: datetime) -> str:
    """The next meeting in ZONE, or that none is planned."""
    found = next_occurrence(group.schedule, tz, now, group.cancelled)
    return copy.when(found[1].astimezone(zone)) if found else copy.button("groups.no_next")


def nexts_text(copy: Content, group: Group, tz: ZoneInfo, now: datetime) -> str:
    """The next three meetings in the service's zone, for a coordinator."""
    upcoming = occurrences(group.schedule, tz, now, limit=3, cancelled=group.cancelled)
    return ", ".join(copy.when(s.astimezone(tz)) for _, s in upcoming) or copy.button(
        "groups.no_next")


def place_text(copy: Content, group: Group, member: bool) -> str:
    """The address, or the link (for members only)."""
    if group.format == "online":
        if member:
            return copy.text("groups.place_link", link=group.place)
        return copy.text("groups.place_link_members")
    return copy.text("groups.place_address", address=group.place)


def places_text(copy: Content, group: Group, counts: tuple[int, int]) -> str:
    """Places left, or how many are waiting for one (nothing for a group with no limit)."""
    if group.capacity is None:
        return ""
    free = max(group.capacity - counts[0], 0)
    if free:
        return copy.text("groups.places_free", free=free)
    return copy.text("groups.places_full", waiting=counts[1])


def capacity_text(copy: Content, capacity: int | None) -> str:
    """A number of places, or no limit."""
    return str(capacity) if capacity is not None else copy.button("groups.no_limit")


# -- the directory ------------------------------------------------------------------------------


def _filter_rows(copy: Content, fmt: Format, day: int) -> list[list[Choice]]:
    formats: list[Choice] = [((_SELECTED if fmt == f else "") + copy.button(
        f"groups.filter_fmt_{f}"), Browse(f, day)) for f in FORMATS]
    days: list[Choice] = [((_SELECTED if day == d else "") + (
        copy.button("groups.filter_any_day") if d == ANY_DAY else copy.weekday(d)),
        Browse(fmt, d)) for d in range(ANY_DAY, 7)]
    return [formats, days[:4], days[4:],
            [(copy.button("groups.reminders_button"), Reminders())]]


def directory(copy: Content, found: Directory, fmt: Format, day: int, tz: ZoneInfo,
              zone: ZoneInfo, now: datetime) -> Screen:
    """The groups someone may join, a button for each, then the filters."""
    lines, buttons = [], []
    for group in found.groups[:_MAX_LISTED]:
        status = found.mine.get(group.group_id)
        lines.append(copy.text(
            "groups.dir_line", name=group.name, format=format_text(copy, group),
            schedule=schedule_text(copy, group.schedule),
            next=next_text(copy, group, tz, zone, now),
            mark=copy.button(f"groups.mark_{status}") if status else "",
            places=Raw(places_text(copy, group, found.counts.get(group.group_id, (0, 0))))))
        buttons.append([(copy.button("groups.open_button", name=group.name[:40]),
                         Open(group.group_id, fmt, day))])
    if found.groups:
        body = "\n\n".join(lines)
        if len(found.groups) > _MAX_LISTED:
            body += "\n\n" + copy.text("groups.dir_more",
                                       count=len(found.groups) - _MAX_LISTED)
        text = copy.text("groups.dir", groups=Raw(body))
    else:
        text = copy.text("groups.dir_none_filtered" if found.filtered else "groups.dir_none")
    return text, rows(*buttons, *_filter_rows(copy, fmt, day))


def joined_notice(copy: Content, joined: Joined) -> str:
    """What joining gave, above the group's details."""
    if joined.status == "member":
        return copy.text("groups.joined", name=joined.group.name)
    if joined.status == "waiting":
        return copy.text("groups.waitlisted", position=joined.position)
    return ""


def detail(copy: Content, seen: Standing, fmt: Format, day: int, tz: ZoneInfo, zone: ZoneInfo,
           now: datetime, notice: str = "") -> Screen:
    """One group as a person sees it, with join, leave and calendar buttons."""
    group, place = seen.group, seen.place
    if place is None:
        status = ""
    elif seen.member:
        status = copy.text("groups.status_member")
    else:
        status = copy.text("groups.status_waiting", position=place.position)
    text = copy.text(
        "groups.detail", name=group.name, description=group.description,
        audience=audience_text(copy, group.audience), format=format_text(copy, group),
        schedule=schedule_text(copy, group.schedule), next=next_text(copy, group, tz, zone, now),
        facilitator=group.facilitator, place=Raw(place_text(copy, group, seen.member)),
        places=Raw(places_text(copy, group, seen.counts)), status=Raw(status),
        notice=Raw(notice))
    gid = group.group_id
    lines: list[list[Choice]] = []
    if place is None:
        label = "groups.waitlist_button" if seen.full else "groups.join_button"
        lines.append([(copy.button(label), Join(gid, fmt, day))])
    else:
        if seen.member:
            lines.append([(copy.button("groups.ics_button"), SendCalendar(gid))])
        label = "groups.leave_button" if seen.member else "groups.leave_waitlist_button"
        lines.append([(copy.button(label), Leave(gid, fmt, day))])
    lines.append([(copy.button("groups.back_to_list"), Browse(fmt, day))])
    return text, rows(*lines)


def reminder_prefs(copy: Content, prefs: Prefs) -> Screen:
    """The two reminder switches."""

    def state(on: bool) -> str:
        return copy.button("groups.switch_on" if on else "groups.switch_off")

    return copy.text("groups.prefs"), rows(
        [(copy.button("groups.pref_day", state=state(prefs.remind_day)), Toggle("day"))],
        [(copy.button("groups.pref_hour", state=state(prefs.remind_hour)), Toggle("hour"))],
        [(copy.button("groups.back_to_list"), Browse())])


def calendar_file(copy: Content, group: Group, tz: ZoneInfo, now: datetime, *, service: str,
                  bot_username: str | None) -> tuple[str, bytes, str]:
    """The .ics file for GROUP: (file name, contents, caption)."""
    domain = (bot_username or "peer-support").lower() + ".bot"
    data = build_ics(group, tz, now, uid_domain=domain, description=copy.button(
        "groups.ics_description", description=group.description, service=service))
    name = f"{file_slug(group.name) or copy.button('groups.ics_file_fallback')}.ics"
    return name, data.encode("utf-8"), copy.text("groups.ics_caption", name=group.name)


# -- reminders and notices ----------------------------------------------------------------------


def reminder(copy: Content, kind: str, group: Group, start: datetime, zone: ZoneInfo) -> str:
    """A day-before or hour-before reminder, in the reader's zone."""
    local = start.astimezone(zone)
    return copy.text(f"groups.reminder_{kind}", name=group.name, when=copy.when(local),
                     time=copy.clock(local), place=Raw(place_text(copy, group, True)))


def notice_cancelled(copy: Content, group: Group, start: datetime,
                     after: datetime | None, zone: ZoneInfo) -> str:
    """One meeting won't go ahead; when the next one is."""
    return copy.text("groups.notice_cancelled", name=group.name,
                     when=copy.when(start.astimezone(zone)),
                     next=copy.when(after.astimezone(zone)) if after
                     else copy.button("groups.no_next"))


def notice_retired(copy: Content, group: Group) -> str:
    """A group has come to an end."""
    return copy.text("groups.notice_retired", name=group.name)


def notice_promoted(copy: Content, group: Group, tz: ZoneInfo, zone: ZoneInfo,
                    now: datetime) -> str:
    """A place has opened, and it is theirs."""
    return copy.text("groups.notice_promoted", name=group.name,
                     next=next_text(copy, group, tz, zone, now),
                     place=Raw(place_text(copy, group, True)))


# -- coordinators ------------------------------------------------------------------------------


def manage(copy: Content, groups: Sequence[Group], counts: Mapping[int, tuple[int, int]],
           notice: str = "") -> Screen:
    """Every active group (to manage), and Add a new group."""
    lines: list[list[Choice]] = [[(copy.button("groups.manage_line", name=g.name[:30],
                           members=counts.get(g.group_id, (0, 0))[0]), Card(g.group_id))]
             for g in groups[:40]]
    lines.append([(copy.button("groups.new_button"), NewGroup())])
    key = "groups.manage" if groups else "groups.manage_none"
    return copy.text(key, notice=Raw(notice)), rows(*lines)


def card(copy: Content, group: Group, counts: tuple[int, int], tz: ZoneInfo, now: datetime,
         notice: str = "") -> Screen:
    """One group for its coordinator: details, places, and what can be done with it."""
    text = copy.text(
        "groups.card", name=group.name, description=group.description,
        audience=audience_text(copy, group.audience), format=format_text(copy, group),
        place=group.place, schedule=schedule_text(copy, group.schedule),
        nexts=nexts_text(copy, group, tz, now), facilitator=group.facilitator,
        capacity=capacity_text(copy, group.capacity), members=counts[0], waiting=counts[1],
        tz=tz.key.replace("_", " "), notice=Raw(notice))
    gid = group.group_id
    return text, rows([(copy.button("groups.edit_button"), EditMenu(gid))],
                      [(copy.button("groups.cancel_meeting_button"), ChooseMeeting(gid))],
                      [(copy.button("groups.retire_button"), AskRetire(gid))],
                      [(copy.button("groups.back_to_manage"), Manage())])


def edit_menu(copy: Content, group: Group) -> Screen:
    """Which detail to change."""
    lines = [[(copy.button(f"groups.field_{f}"), EditField(group.group_id, f))]
             for f in EDIT_FIELDS]
    return copy.text("groups.edit_which", name=group.name), rows(
        *lines, back_row(copy, Card(group.group_id)))


def _day_code(occurrence: str) -> int:
    return int(occurrence.replace("-", ""))


def choose_meeting(copy: Content, group: Group, tz: ZoneInfo, now: datetime) -> Screen:
    """The next six meetings, to cancel one."""
    upcoming = occurrences(group.schedule, tz, now, limit=6, cancelled=group.cancelled)
    lines = [[(copy.when(s.astimezone(tz)), AskCancel(group.group_id, _day_code(o)))]
             for o, s in upcoming]
    key = "groups.cancel_which" if upcoming else "groups.cancel_none"
    return copy.text(key, name=group.name), rows(*lines, back_row(copy, Card(group.group_id)))


def cancel_question(copy: Content, group: Group, occurrence: str, start: datetime,
                    tz: ZoneInfo, members: int) -> Screen:
    """Cancel that meeting? Members will be told."""
    gid = group.group_id
    return copy.text("groups.cancel_confirm", name=group.name,
                     when=copy.when(start.astimezone(tz)), members=members), rows(
        [(copy.button("groups.cancel_yes"), ConfirmCancel(gid, _day_code(occurrence)))],
        back_row(copy, Card(gid)))


def retire_question(copy: Content, group: Group) -> Screen:
    """Retire the group? Everyone in it will be told."""
    return copy.text("groups.retire_confirm", name=group.name), rows(
        [(copy.button("groups.retire_yes"), ConfirmRetire(group.group_id))],
        back_row(copy, Card(group.group_id)))


# -- the wizard -------------------------------------------------------------------------------


def _stop_row(copy: Content) -> list[Choice]:
    return [(copy.button("groups.wizard_stop"), StopWizard())]


def question(copy: Content, key: str, *, no_limit: bool = False, **params: object) -> Screen:
    """A wizard question (copy KEY), with No limit for capacity, and Stop."""
    extra = [[(copy.button("groups.no_limit_button"), NoLimit())]] if no_limit else []
    return copy.text(key, **params), rows(*extra, _stop_row(copy))


def audience_question(copy: Content) -> Screen:
    """Who is the group for?"""
    return copy.text("groups.ask_audience"), rows(
        *[[(audience_text(copy, a), PickAudience(a))] for a in AUDIENCES],  # type: ignore[arg-type]
        _stop_row(copy))


def format_question(copy: Content) -> Screen:
    """Online or in person?"""
    return copy.text("groups.ask_format"), rows(
        [(copy.button("groups.format_online"), PickFormat("online"))],
        [(copy.button("groups.format_in_person"), PickFormat("in_person"))], _stop_row(copy))


def kind_question(copy: Content) -> Screen:
    """How often does it meet?"""
    return copy.text("groups.ask_kind"), rows(
        *[[(copy.button(f"groups.kind_{k}"), PickKind(k))] for k in KINDS],  # type: ignore[arg-type]
        _stop_row(copy))


def summary(copy: Content, group: Group, tz: ZoneInfo, now: datetime) -> Screen:
    """The new group, to save."""
    return copy.text(
        "groups.summary", name=group.name, description=group.description,
        audience=audience_text(copy, group.audience), format=format_text(copy, group),
        place=group.place, schedule=schedule_text(copy, group.schedule),
        nexts=nexts_text(copy, group, tz, now), facilitator=group.facilitator,
        capacity=capacity_text(copy, group.capacity or None)), rows(
        [(copy.button("groups.save_button"), Save())], _stop_row(copy))


def reason(copy: Content, problem: InputProblem) -> str:
    """Why what was typed can't be used, in the copy's words."""
    params = {k: copy.day(datetime.combine(v, datetime.min.time()), year=True)
              if isinstance(v, date) else v for k, v in problem.params.items()}
    return copy.button(f"groups.reason_{problem.key}", **params)


def try_again(copy: Content, why: str) -> Screen:
    """That didn't work, and why; the Stop button stays."""
    return copy.text("groups.try_again", reason=why), rows(_stop_row(copy))


def typed_words(copy: Content) -> TypedWords:
    """The words coordinators may type in dates and times, from the copy."""
    months = tuple((word, number) for number, line in enumerate(
        copy.raw("groups.typed_months").splitlines(), start=1) for word in line.split())
    return TypedWords(months=months, ordinals=tuple(copy.raw("groups.typed_ordinals").split()),
                      am=tuple(copy.raw("groups.typed_am").split()),
                      pm=tuple(copy.raw("groups.typed_pm").split()),
                      until=tuple(copy.raw("groups.typed_until").split()))
