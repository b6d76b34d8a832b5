"""What the groups flow shows: pure functions from copy and data to text and keyboards.

Times are given to each view: NOW, the service's zone TZ (schedules are kept in it) and the
reader's ZONE: everyone, coordinators too, sees dates and times in their own time zone, a
meeting's time as a range ('18:00–19:30') and runs of dates as one ('Mon–Fri 9–13 Mar').
Counts read as people say them ('1 member', '2 members'), and a part with nothing to say
(no limit on places, no notice) leaves no blank line behind (`tidy`).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from bot.content import Content, Raw
from bot.domain.groups import (
    AUDIENCES,
    KINDS,
    Group,
    InputProblem,
    MeetingCount,
    TypedWords,
    build_ics,
    date_runs,
    file_slug,
    next_occurrence,
    occurrences,
)
from bot.keyboards import TICK, Choice, back_row, rows
from bot.links import coordinator_home_row, menu_row
from bot.nominated_hours import zone_name as place_of_zone
from bot.services.groups import Directory, Joined, MeetingPlan, Prefs, Standing
from flows.groups.callbacks import (
    ANY_DAY,
    Answer,
    AnswerHere,
    AnswerWord,
    AskCancel,
    AskRetire,
    Browse,
    Card,
    ChangeField,
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
    ToggleVisible,
    WizardBack,
    WizardField,
    WizardVisible,
)

__all__ = [
    "EDIT_FIELDS",
    "SUMMARY_FIELDS",
    "calendar_file",
    "cancel_question",
    "cancelled_done",
    "card",
    "choose_meeting",
    "counted",
    "detail",
    "directory",
    "edit_menu",
    "fill",
    "joined_notice",
    "manage",
    "meeting_when",
    "names_text",
    "notice_cancelled",
    "notice_promoted",
    "notice_retired",
    "question",
    "reason",
    "reminder",
    "reminder_prefs",
    "retire_question",
    "retired_done",
    "schedule_text",
    "summary",
    "tidy",
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


_GAP = "\x00"  # stands for an optional part with nothing to say, until `fill` drops it


def tidy(text: str) -> str:
    """TEXT without the gaps optional parts leave: a line that held only empty parts goes,
    no line ends in a space, and nothing follows the last line (the copy's own blank lines,
    between paragraphs, stay)."""
    lines = [
        line.replace(_GAP, "").rstrip()
        for line in text.split("\n")
        if line.replace(_GAP, "").strip() or _GAP not in line
    ]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def fill(copy: Content, key: str, /, **params: object) -> str:
    """Copy KEY rendered as HTML (bot/content.py) with every empty parameter leaving no
    trace: no blank line where a line had nothing else, no space at a line's end."""
    marked = {
        k: (Raw(_GAP) if v == "" or (isinstance(v, Raw) and not v.html) else v)
        for k, v in params.items()
    }
    return tidy(copy.text(key, **marked))


def counted(copy: Content, key: str, count: int, *, plain: bool = False, **params: object) -> str:
    """COUNT of something in the copy's words: KEY.one for 1, KEY.zero for 0 where the copy
    has one, KEY.other otherwise ('1 person', '2 people'). HTML, or PLAIN for a button."""
    form = "one" if count == 1 else "zero" if count == 0 and copy.has(f"{key}.zero") else "other"
    if plain:
        return copy.button(f"{key}.{form}", count=count, **params)
    return copy.text(f"{key}.{form}", count=count, **params)


def names_text(copy: Content, names: Sequence[str | None]) -> str:
    """'Pat', 'Pat and Sam', 'Pat, Sam and 2 others' (people with no chosen name are
    counted, not named)."""
    named = [html.escape(n, quote=False) for n in names if n]
    others = len(names) - len(named)
    parts = list(named)
    if others:
        parts.append(
            counted(copy, "groups.others", others)
            if named
            else counted(copy, "groups.people", others)
        )
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0]
    return copy.text("groups.list_and", first=Raw(", ".join(parts[:-1])), last=Raw(parts[-1]))


def zone_name(copy: Content, zone: ZoneInfo) -> str:
    """A time zone as people read it, the place it is named after ('Australia/Sydney' as
    'Sydney'), as every other screen names it (bot/nominated_hours.py)."""
    return place_of_zone(copy, zone.key)


def meeting_when(copy: Content, group: Group, start: datetime, zone: ZoneInfo) -> str:
    """A meeting's day and its time as a range in ZONE: 'Tue 10 Mar, 18:00–19:30'."""
    local = start.astimezone(zone)
    end = (start + timedelta(minutes=group.schedule.duration)).astimezone(zone)
    return copy.text(
        "groups.when_range", day=copy.day(local), start=copy.clock(local), end=copy.clock(end)
    )


def _days_text(copy: Content, days: Sequence[date]) -> str:
    """Dates as runs: 'Mon–Fri 9–13 Mar', 'Mon 30 Mar – Wed 1 Apr', 'Tue 10 Mar'."""
    parts = []
    for first, last in date_runs(days):
        one = datetime.combine(first, datetime.min.time())
        two = datetime.combine(last, datetime.min.time())
        if first == last:
            parts.append(copy.day(one))
        elif (last - first).days >= 2 and first.month == last.month:
            parts.append(
                copy.button(
                    "groups.days_run",
                    first_weekday=copy.weekday(first.weekday()),
                    last_weekday=copy.weekday(last.weekday()),
                    first=first.day,
                    last=last.day,
                    month=copy.month(first.month),
                )
            )
        elif (last - first).days >= 2:
            parts.append(copy.button("groups.days_span", first=copy.day(one), last=copy.day(two)))
        else:
            parts.extend([copy.day(one), copy.day(two)])
    return ", ".join(parts)


def schedule_text(copy: Content, group: Group, tz: ZoneInfo, zone: ZoneInfo, now: datetime) -> str:
    """When GROUP meets, as someone in ZONE sees it: 'Every Tuesday', 'The second Thursday
    of each month', 'On Mon–Fri 9–13 Mar'."""
    schedule = group.schedule
    if schedule.kind == "once":
        upcoming = occurrences(schedule, tz, now, limit=12, cancelled=group.cancelled)
        if not upcoming:
            return copy.button("groups.schedule_once")
        return copy.button(
            "groups.schedule_once_dates",
            dates=_days_text(copy, [s.astimezone(zone).date() for _, s in upcoming]),
        )
    found = next_occurrence(schedule, tz, now)
    weekday = found[1].astimezone(zone).weekday() if found else schedule.weekday
    if schedule.kind == "monthly" and weekday != schedule.weekday:
        # In the reader's zone the meeting falls on another weekday, where "the second
        # Tuesday" would no longer be true.
        return copy.button(
            "groups.schedule_monthly_shifted", weekday=copy.weekday(weekday, long=True)
        )
    nth = "last" if schedule.nth == -1 else str(schedule.nth)
    return copy.button(
        f"groups.schedule_{schedule.kind}",
        weekday=copy.weekday(weekday, long=True),
        nth=copy.button(f"groups.nth_{nth}"),
    )


def format_text(copy: Content, group: Group) -> str:
    """Online, or in person."""
    return copy.button(f"groups.format_{group.format}")


def audience_text(copy: Content, audience: str) -> str:
    """Who a group is for."""
    return copy.button(f"groups.audience_{audience}")


def next_text(copy: Content, group: Group, tz: ZoneInfo, zone: ZoneInfo, now: datetime) -> str:
    """The next meeting in ZONE, or that none is planned."""
    found = next_occurrence(group.schedule, tz, now, group.cancelled)
    return meeting_when(copy, group, found[1], zone) if found else copy.button("groups.no_next")


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
        return counted(copy, "groups.places_free", free)
    return counted(copy, "groups.places_full", counts[1])


def capacity_text(copy: Content, capacity: int | None) -> str:
    """A number of places, or no limit."""
    return str(capacity) if capacity is not None else copy.button("groups.no_limit")


def visible_text(copy: Content, visible: bool) -> str:
    """Whether members see who else is coming, as a yes or no."""
    return copy.button("groups.visible_yes" if visible else "groups.visible_no")


# -- the directory ------------------------------------------------------------------------------


def _filter_rows(copy: Content, fmt: Format, day: int) -> list[list[Choice]]:
    formats: list[Choice] = [
        ((_SELECTED if fmt == f else "") + copy.button(f"groups.filter_fmt_{f}"), Browse(f, day))
        for f in FORMATS
    ]
    days: list[Choice] = [
        (
            (_SELECTED if day == d else "")
            + (copy.button("groups.filter_any_day") if d == ANY_DAY else copy.weekday(d)),
            Browse(fmt, d),
        )
        for d in range(ANY_DAY, 7)
    ]
    return [formats, days[:4], days[4:], [(copy.button("groups.reminders_button"), Reminders())]]


def _dir_entry(
    copy: Content, found: Directory, group: Group, tz: ZoneInfo, zone: ZoneInfo, now: datetime
) -> str:
    status = found.mine.get(group.group_id)
    return fill(
        copy,
        "groups.dir_line",
        name=group.name,
        mark=Raw(copy.text(f"groups.mark_{status}") if status else ""),
        format=format_text(copy, group),
        schedule=schedule_text(copy, group, tz, zone, now),
        next=next_text(copy, group, tz, zone, now),
        places=Raw(places_text(copy, group, found.counts.get(group.group_id, (0, 0)))),
    )


def directory(
    copy: Content,
    found: Directory,
    fmt: Format,
    day: int,
    tz: ZoneInfo,
    zone: ZoneInfo,
    now: datetime,
) -> Screen:
    """The groups someone may join, a button for each, then the filters."""
    entries, buttons = [], []
    for group in found.groups[:_MAX_LISTED]:
        entries.append(_dir_entry(copy, found, group, tz, zone, now))
        buttons.append(
            [
                (
                    copy.button("groups.open_button", name=group.name[:40]),
                    Open(group.group_id, fmt, day),
                )
            ]
        )
    if found.groups:
        body = "\n\n".join(entries)
        if len(found.groups) > _MAX_LISTED:
            body += "\n\n" + copy.text("groups.dir_more", count=len(found.groups) - _MAX_LISTED)
        text = fill(copy, "groups.dir", groups=Raw(body), zone=zone_name(copy, zone))
    else:
        text = copy.text("groups.dir_none_filtered" if found.filtered else "groups.dir_none")
    filters = _filter_rows(copy, fmt, day)
    if not found.groups and not found.filtered:
        filters = filters[-1:]  # nothing to filter: only the reminder settings
    return text, rows(*buttons, *filters, menu_row(copy))


def joined_notice(copy: Content, joined: Joined) -> str:
    """What joining gave, above the group's details (it says where they stand, so the
    details leave their standing out)."""
    if joined.status == "member":
        return copy.text("groups.joined", name=joined.group.name)
    if joined.status == "waiting":
        return copy.text("groups.waitlisted", position=joined.position)
    return ""


def _answer_line(copy: Content, answer: str | None, *, this: bool = False) -> str:
    if answer:
        return copy.text(f"groups.answered_{answer}")
    return copy.text("groups.answer_ask_this" if this else "groups.answer_ask")


def _answer_row(
    copy: Content, answer: str | None, target: Callable[[AnswerWord], object]
) -> list[Choice]:
    return [
        (
            (TICK if answer == word else "") + copy.button(f"groups.answer_{word}_button"),
            target(word),
        )
        for word in ("yes", "no")
    ]


def detail(
    copy: Content,
    seen: Standing,
    fmt: Format,
    day: int,
    tz: ZoneInfo,
    zone: ZoneInfo,
    now: datetime,
    notice: str = "",
) -> Screen:
    """One group as a person sees it, with join, leave and calendar buttons; a member also
    says whether they'll be at the next meeting."""
    group, place = seen.group, seen.place
    waiting = place is not None and not seen.member  # their place in line says it all
    if place is None or notice:
        status = ""  # a notice (just joined, say) already says where they stand
    elif seen.member:
        status = copy.text("groups.status_member")
    else:
        status = copy.text("groups.status_waiting", position=place.position)
    meeting = ""
    if seen.member and seen.next_meeting is not None:
        meeting = _answer_line(copy, seen.answer)
        if seen.coming:
            meeting += "\n" + copy.text("groups.coming", names=Raw(names_text(copy, seen.coming)))
    text = fill(
        copy,
        "groups.detail",
        name=group.name,
        description=group.description,
        audience=audience_text(copy, group.audience),
        format=format_text(copy, group),
        schedule=schedule_text(copy, group, tz, zone, now),
        next=next_text(copy, group, tz, zone, now),
        zone=zone_name(copy, zone),
        facilitator=group.facilitator,
        place=Raw(place_text(copy, group, seen.member)),
        places=Raw("" if waiting else places_text(copy, group, seen.counts)),
        status=Raw(status),
        meeting=Raw(meeting),
        notice=Raw(notice),
    )
    gid = group.group_id
    lines: list[list[Choice]] = []
    if place is None:
        label = "groups.waitlist_button" if seen.full else "groups.join_button"
        lines.append([(copy.button(label), Join(gid, fmt, day))])
    else:
        if seen.member and seen.next_meeting is not None:
            code = _day_code(seen.next_meeting[0])
            lines.append(
                _answer_row(copy, seen.answer, lambda word: AnswerHere(gid, code, word, fmt, day))
            )
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
        [(copy.button("groups.back_to_list"), Browse())],
    )


def calendar_file(
    copy: Content,
    group: Group,
    tz: ZoneInfo,
    now: datetime,
    *,
    service: str,
    bot_username: str | None,
) -> tuple[str, bytes, str]:
    """The .ics file for GROUP: (file name, contents, caption)."""
    domain = (bot_username or "peer-support").lower() + ".bot"
    data = build_ics(
        group,
        tz,
        now,
        uid_domain=domain,
        description=copy.button(
            "groups.ics_description", description=group.description, service=service
        ),
    )
    name = f"{file_slug(group.name) or copy.button('groups.ics_file_fallback')}.ics"
    return name, data.encode("utf-8"), copy.text("groups.ics_caption", name=group.name)


# -- reminders and notices ----------------------------------------------------------------------


def reminder(
    copy: Content,
    kind: str,
    group: Group,
    occurrence: str,
    start: datetime,
    zone: ZoneInfo,
    answer: str | None = None,
) -> Screen:
    """A day-before or hour-before reminder, in the reader's zone, with I'll be there and
    Can't make it (the answer they gave, if any, ticked and said)."""
    local = start.astimezone(zone)
    end = (start + timedelta(minutes=group.schedule.duration)).astimezone(zone)
    text = fill(
        copy,
        f"groups.reminder_{kind}",
        name=group.name,
        when=meeting_when(copy, group, start, zone),
        time=copy.clock(local),
        end=copy.clock(end),
        place=Raw(place_text(copy, group, True)),
        answer=Raw(_answer_line(copy, answer, this=True)),
    )
    code = _day_code(occurrence)
    return text, rows(
        _answer_row(copy, answer, lambda word: Answer(group.group_id, code, word, kind))  # type: ignore[arg-type]
    )


def notice_cancelled(
    copy: Content, group: Group, start: datetime, after: datetime | None, zone: ZoneInfo
) -> str:
    """One meeting won't go ahead; when the next one is (or, plainly, that none is planned)."""
    then = (
        copy.text("groups.notice_next", next=meeting_when(copy, group, after, zone))
        if after
        else copy.text("groups.notice_no_next")
    )
    return copy.text(
        "groups.notice_cancelled",
        name=group.name,
        when=meeting_when(copy, group, start, zone),
        then=Raw(then),
    )


def notice_retired(copy: Content, group: Group) -> str:
    """A group has come to an end."""
    return copy.text("groups.notice_retired", name=group.name)


def notice_promoted(
    copy: Content, group: Group, tz: ZoneInfo, zone: ZoneInfo, now: datetime
) -> Screen:
    """A place has opened, and it is theirs (with the calendar file a tap away)."""
    return fill(
        copy,
        "groups.notice_promoted",
        name=group.name,
        next=next_text(copy, group, tz, zone, now),
        place=Raw(place_text(copy, group, True)),
    ), rows([(copy.button("groups.ics_add_button"), SendCalendar(group.group_id))])


# -- coordinators ------------------------------------------------------------------------------


def manage(
    copy: Content, groups: Sequence[Group], counts: Mapping[int, tuple[int, int]], notice: str = ""
) -> Screen:
    """Every active group (to manage), and Add a new group."""
    lines: list[list[Choice]] = [
        [
            (
                copy.button(
                    "groups.manage_line",
                    name=g.name[:30],
                    members=counted(
                        copy, "groups.members", counts.get(g.group_id, (0, 0))[0], plain=True
                    ),
                ),
                Card(g.group_id),
            )
        ]
        for g in groups[:40]
    ]
    lines.append([(copy.button("groups.new_button"), NewGroup())])
    lines.append(coordinator_home_row(copy))
    key = "groups.manage" if groups else "groups.manage_none"
    return fill(copy, key, notice=Raw(notice)), rows(*lines)


def _plan_line(copy: Content, group: Group, plan: MeetingPlan, zone: ZoneInfo) -> str:
    when = meeting_when(copy, group, plan.start, zone)
    if not plan.said_yes and not plan.said_no:
        answers = copy.text("groups.plan_no_answers")
    else:
        answers = copy.text(
            "groups.plan_answers",
            coming=Raw(counted(copy, "groups.coming_count", plan.said_yes)),
            cant=Raw(counted(copy, "groups.cant_count", plan.said_no)),
        )
    line = copy.text("groups.plan_line", when=when, answers=Raw(answers))
    if plan.names:
        line += "\n" + copy.text("groups.plan_names", names=Raw(names_text(copy, plan.names)))
    return line


def card(
    copy: Content,
    group: Group,
    counts: tuple[int, int],
    tz: ZoneInfo,
    zone: ZoneInfo,
    now: datetime,
    plans: Sequence[MeetingPlan] = (),
    last: MeetingCount | None = None,
    notice: str = "",
) -> Screen:
    """One group for its coordinator: details, places, the next meetings with the answers
    given so far (names only if members may see each other), the last meeting held, and
    what can be done with it. Times in the coordinator's own ZONE."""
    meetings = "\n".join(_plan_line(copy, group, p, zone) for p in plans) or copy.text(
        "groups.plans_none"
    )
    held = ""
    if last is not None:
        held = copy.text(
            "groups.last_held",
            when=copy.day(last.starts_at.astimezone(zone)),
            coming=Raw(counted(copy, "groups.said_yes_count", last.said_yes)),
            members=Raw(counted(copy, "groups.members", last.members)),
        )
    text = fill(
        copy,
        "groups.card",
        name=group.name,
        description=group.description,
        audience=audience_text(copy, group.audience),
        format=format_text(copy, group),
        place=group.place,
        schedule=schedule_text(copy, group, tz, zone, now),
        meetings=Raw(meetings),
        facilitator=group.facilitator,
        capacity=capacity_text(copy, group.capacity),
        members=Raw(counted(copy, "groups.members", counts[0])),
        waiting=Raw(counted(copy, "groups.waiting", counts[1])),
        visible=visible_text(copy, group.members_visible),
        held=Raw(held),
        zone=zone_name(copy, zone),
        notice=Raw(notice),
    )
    gid = group.group_id
    return text, rows(
        [(copy.button("groups.edit_button"), EditMenu(gid))],
        [(copy.button("groups.cancel_meeting_button"), ChooseMeeting(gid))],
        [(copy.button("groups.retire_button"), AskRetire(gid))],
        [(copy.button("groups.back_to_manage"), Manage())],
    )


def edit_menu(copy: Content, group: Group) -> Screen:
    """Which detail to change (and whether members see who else is coming)."""
    lines: list[list[Choice]] = [
        [(copy.button(f"groups.field_{f}"), EditField(group.group_id, f))] for f in EDIT_FIELDS
    ]
    lines.append(
        [
            (
                copy.button(
                    "groups.visible_button", state=visible_text(copy, group.members_visible)
                ),
                ToggleVisible(group.group_id),
            )
        ]
    )
    return copy.text("groups.edit_which", name=group.name), rows(
        *lines, back_row(copy, Card(group.group_id))
    )


def _day_code(occurrence: str) -> int:
    return int(occurrence.replace("-", ""))


def choose_meeting(
    copy: Content, group: Group, tz: ZoneInfo, zone: ZoneInfo, now: datetime
) -> Screen:
    """The next six meetings, to cancel one."""
    upcoming = occurrences(group.schedule, tz, now, limit=6, cancelled=group.cancelled)
    lines = [
        [(meeting_when(copy, group, s, zone), AskCancel(group.group_id, _day_code(o)))]
        for o, s in upcoming
    ]
    key = "groups.cancel_which" if upcoming else "groups.cancel_none"
    return copy.text(key, name=group.name, zone=zone_name(copy, zone)), rows(
        *lines, back_row(copy, Card(group.group_id))
    )


def cancel_question(
    copy: Content, group: Group, occurrence: str, start: datetime, zone: ZoneInfo, members: int
) -> Screen:
    """Cancel that meeting? Members will be told."""
    gid = group.group_id
    return copy.text(
        "groups.cancel_confirm",
        name=group.name,
        when=meeting_when(copy, group, start, zone),
        told=Raw(counted(copy, "groups.cancel_told", members)),
    ), rows(
        [(copy.button("groups.cancel_yes"), ConfirmCancel(gid, _day_code(occurrence)))],
        back_row(copy, Card(gid)),
    )


def cancelled_done(copy: Content, told: int) -> str:
    """That meeting is cancelled, and who was told."""
    return counted(copy, "groups.cancelled_done", told)


def retire_question(copy: Content, group: Group) -> Screen:
    """Retire the group? Everyone in it will be told."""
    return copy.text("groups.retire_confirm", name=group.name), rows(
        [(copy.button("groups.retire_yes"), ConfirmRetire(group.group_id))],
        back_row(copy, Card(group.group_id)),
    )


def retired_done(copy: Content, group: Group, told: int) -> str:
    """The group is retired, and how many people were told."""
    return counted(copy, "groups.retired_done", told, name=group.name)


# -- the wizard -------------------------------------------------------------------------------


def _nav_row(copy: Content, back: WizardField | None) -> list[Choice]:
    row: list[Choice] = []
    if back is not None:
        row.append((copy.button("common.back_button"), WizardBack(back)))
    row.append((copy.button("groups.wizard_stop"), StopWizard()))
    return row


def _edit_row(copy: Content, group_id: int) -> list[Choice]:
    return [
        (copy.button("common.back_button"), EditMenu(group_id)),
        (copy.button("groups.wizard_stop"), StopWizard()),
    ]


def question(
    copy: Content,
    key: str,
    *,
    no_limit: bool = False,
    back: WizardField | None = None,
    edit_of: int | None = None,
    **params: object,
) -> Screen:
    """A wizard question (copy KEY), with No limit for capacity, Back (to the question
    before, or for an edit to the list of details) and Stop."""
    extra = [[(copy.button("groups.no_limit_button"), NoLimit())]] if no_limit else []
    nav = _edit_row(copy, edit_of) if edit_of is not None else _nav_row(copy, back)
    return copy.text(key, **params), rows(*extra, nav)


def audience_question(copy: Content) -> Screen:
    """Who is the group for?"""
    return copy.text("groups.ask_audience"), rows(
        *[[(audience_text(copy, a), PickAudience(a))] for a in AUDIENCES],  # type: ignore[arg-type]
        _nav_row(copy, "aud"),
    )


def format_question(copy: Content) -> Screen:
    """Online or in person?"""
    return copy.text("groups.ask_format"), rows(
        [(copy.button("groups.format_online"), PickFormat("online"))],
        [(copy.button("groups.format_in_person"), PickFormat("in_person"))],
        _nav_row(copy, "fmt"),
    )


def kind_question(copy: Content) -> Screen:
    """How often does it meet?"""
    return copy.text("groups.ask_kind"), rows(
        *[[(copy.button(f"groups.kind_{k}"), PickKind(k))] for k in KINDS],  # type: ignore[arg-type]
        _nav_row(copy, "kind"),
    )


#: The summary's Change buttons, two to a row, in the order the wizard asks.
SUMMARY_FIELDS: tuple[WizardField, ...] = (
    "name",
    "desc",
    "aud",
    "fmt",
    "place",
    "kind",
    "dates",
    "time",
    "fac",
    "cap",
)


def summary(copy: Content, group: Group, tz: ZoneInfo, zone: ZoneInfo, now: datetime) -> Screen:
    """The new group, to check: Save, a Change button for every answer, whether members see
    who else is coming, Back and Stop."""
    text = copy.text(
        "groups.summary",
        name=group.name,
        description=group.description,
        audience=audience_text(copy, group.audience),
        format=format_text(copy, group),
        place=group.place,
        schedule=schedule_text(copy, group, tz, zone, now),
        first=next_text(copy, group, tz, zone, now),
        zone=zone_name(copy, zone),
        facilitator=group.facilitator,
        capacity=capacity_text(copy, group.capacity or None),
        visible=visible_text(copy, group.members_visible),
    )
    changes: list[Choice] = [
        (copy.button(f"groups.change_{f}"), ChangeField(f)) for f in SUMMARY_FIELDS
    ]
    return text, rows(
        [(copy.button("groups.save_button"), Save())],
        *[changes[i : i + 2] for i in range(0, len(changes), 2)],
        [
            (
                copy.button(
                    "groups.visible_button", state=visible_text(copy, group.members_visible)
                ),
                WizardVisible(),
            )
        ],
        _nav_row(copy, "sum"),
    )


def reason(copy: Content, problem: InputProblem) -> str:
    """Why what was typed can't be used, in the copy's words."""
    params = {
        k: copy.day(datetime.combine(v, datetime.min.time()), year=True)
        if isinstance(v, date)
        else v
        for k, v in problem.params.items()
    }
    return copy.button(f"groups.reason_{problem.key}", **params)


def try_again(
    copy: Content, why: str, *, back: WizardField | None = None, edit_of: int | None = None
) -> Screen:
    """That didn't work, and why; Back and Stop stay."""
    nav = _edit_row(copy, edit_of) if edit_of is not None else _nav_row(copy, back)
    return copy.text("groups.try_again", reason=why), rows(nav)


def typed_words(copy: Content) -> TypedWords:
    """The words coordinators may type in dates and times, from the copy."""
    months = tuple(
        (word, number)
        for number, line in enumerate(copy.raw("groups.typed_months").splitlines(), start=1)
        for word in line.split()
    )
    return TypedWords(
        months=months,
        ordinals=tuple(copy.raw("groups.typed_ordinals").split()),
        am=tuple(copy.raw("groups.typed_am").split()),
        pm=tuple(copy.raw("groups.typed_pm").split()),
        until=tuple(copy.raw("groups.typed_until").split()),
    )
