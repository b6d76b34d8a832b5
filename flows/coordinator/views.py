"""What the coordinator flow shows: pure functions from copy and data to text and keyboards."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from bot.content import Content, Raw
from bot.keyboards import Choice, choose_one, page_slice, pager, rows
from bot.links import RunCommand, take_supervision
from bot.nominated_hours import region_name
from bot.services.coordination import Deactivated, GroupLine, Overview, StaffLine
from bot.services.evaluation import CHART_SERIES, Line, Period, Section, named_period
from bot.storage.coordination import InviteRow
from flows.coordinator.callbacks import (
    CoordPage,
    CoordScreen,
    Deactivate,
    DeactivateYes,
    ReportPeriod,
    Revoke,
    invite_role,
)
from flows.coordinator.chart import ReportChartLabels

__all__ = [
    "chart_caption",
    "chart_labels",
    "deactivate_ask",
    "deactivate_done",
    "home",
    "invite_link",
    "invite_question",
    "invites",
    "report",
    "report_ask",
    "report_date",
    "report_rows",
    "report_unclear",
    "staff",
]

View = tuple[str, InlineKeyboardMarkup]
#: At most this many "Pick up" buttons on the home (the oldest requests).
PICK_UP_BUTTONS = 5


def _role_name(copy: Content, role: str) -> str:
    return copy.button(f"onboarding.role_name_{role}")


def invite_question(
    copy: Content, roles: Sequence[str], hours: int
) -> tuple[str, InlineKeyboardMarkup]:
    """ "Who would you like to invite?" with one button per role the service has, and the
    way back to the coordinator home."""
    return copy.text("coordinator.invite_which", hours=hours), choose_one(
        [(copy.button(f"onboarding.role_label.{role}"), invite_role(role)) for role in roles],
        footer=[_home_row(copy)],
    )


def invite_link(copy: Content, role: str, link: str, hours: int) -> str:
    """The single-use link, to pass on privately (no buttons: a press would replace it)."""
    return copy.text("coordinator.invite_link", role=_role_name(copy, role), link=link, hours=hours)


# -- /report -------------------------------------------------------------------------------

#: Lines whose value is a figure (a median, a percentile): "" there means fewer than 5 values.
FIGURES = frozenset({"days_median", "days_p90", "wait_median", "pickup_median"})


def report_date(copy: Content, day: date) -> str:
    """A date in a report, like '1 Jan 2026'."""
    return copy.button(
        "coordinator.report_date", day=day.day, month=copy.month(day.month), year=day.year
    )


def _period_rows(copy: Content, today: date) -> list[list[Choice]]:
    quarter, year = named_period("quarter", today), named_period("year", today)
    return [
        [(copy.button("coordinator.report_period.4w"), ReportPeriod("4w"))],
        [
            (
                copy.button(
                    "coordinator.report_period.quarter",
                    first=report_date(copy, quarter.first),
                    last=report_date(copy, quarter.last),
                ),
                ReportPeriod("quarter"),
            )
        ],
        [
            (
                copy.button("coordinator.report_period.year", year=year.first.year),
                ReportPeriod("year"),
            )
        ],
        [(copy.button("coordinator.report_period.custom"), ReportPeriod("custom"))],
    ]


def report_ask(copy: Content, today: date) -> View:
    """/report: which period? (the last 4 weeks, quarter, year, or dates typed)."""
    return copy.text("coordinator.report_ask"), rows(*_period_rows(copy, today), _home_row(copy))


def report_unclear(copy: Content, today: date) -> View:
    """Typed dates that can't be read: an example, and the periods again."""
    return copy.text("coordinator.report_custom_unclear"), rows(*_period_rows(copy, today))


def _part_label(copy: Content, line: Line) -> str:
    name = line.name or "none"
    key = f"coordinator.report_part.{line.key}.{name}"
    if copy.has(key):
        return copy.button(key)
    if line.key == "crisis_cards" and line.name:
        return region_name(copy, line.name)  # "Australia", not "AU"
    return line.name or "?"  # a referral source's own name


def report_rows(copy: Content, sections: Sequence[Section]) -> list[tuple[str, str, str, str]]:
    """Every published line as plain words: (section, what, part, value); for the command
    line and the CSV (the same words /report uses)."""
    out = []
    for section in sections:
        title = copy.button(f"coordinator.report_section.{section.key}")
        for line in section.lines:
            value = line.value
            if line.key in FIGURES and not value:
                value = copy.button("coordinator.report_too_few")
            out.append(
                (
                    title,
                    copy.button(f"coordinator.report_label.{line.key}"),
                    "" if line.name is None else _part_label(copy, line),
                    value,
                )
            )
    return out


def _report_line(copy: Content, line: Line) -> str:
    if line.name is not None:
        return copy.text(
            "coordinator.report_part_line", label=_part_label(copy, line), value=line.value
        )
    label = copy.button(f"coordinator.report_label.{line.key}")
    if line.key in FIGURES:
        return copy.text(
            "coordinator.report_line",
            label=label,
            value=line.value or copy.button("coordinator.report_too_few"),
        )
    if not line.value:
        return copy.text("coordinator.report_heading", label=label)
    return copy.text("coordinator.report_line", label=label, value=line.value)


def report(copy: Content, service: str, period: Period, sections: Sequence[Section]) -> View:
    """The /report message: counts only, each through small-number suppression; never a name
    or a message."""
    parts = [
        copy.text(
            "coordinator.report_title",
            service=service,
            first=report_date(copy, period.first),
            last=report_date(copy, period.last),
        )
    ]
    for section in sections:
        parts.append(
            f"<b>{copy.text(f'coordinator.report_section.{section.key}')}</b>\n"
            + "\n".join(_report_line(copy, line) for line in section.lines)
        )
    parts.append(copy.text("coordinator.report_chart_coming"))
    return "\n\n".join(parts), rows(
        [(copy.button("coordinator.report_again_button"), CoordScreen("report"))], _home_row(copy)
    )


def chart_labels(copy: Content, service: str, period: Period) -> ReportChartLabels:
    """The chart's words: titles, and a label per month (its year under the first month and
    under each January)."""
    months = []
    for i, month in enumerate(period.months()):
        name = copy.month(month.month)
        months.append(f"{name}\n{month.year}" if i == 0 or month.month == 1 else name)
    return ReportChartLabels(
        title=copy.button("coordinator.report_chart_title"),
        titles={key: copy.button(f"coordinator.report_chart.{key}") for key in CHART_SERIES},
        months=tuple(months),
        empty=copy.button("coordinator.report_chart_empty"),
    )


def chart_caption(copy: Content, service: str, period: Period) -> str:
    """The chart's caption."""
    return copy.text(
        "coordinator.report_chart_caption",
        service=service,
        first=report_date(copy, period.first),
        last=report_date(copy, period.last),
    )


# -- the coordinator home ------------------------------------------------------------------


def _name(copy: Content, alias: str | None) -> str:
    return alias or copy.button("coordinator.unnamed")


name_or_unnamed = _name  # for the handlers: a name, or "someone with no chosen name"


def _when(copy: Content, when: datetime, zone: ZoneInfo) -> str:
    return copy.when(when.astimezone(zone))


def _day(copy: Content, when: datetime, zone: ZoneInfo) -> str:
    return copy.day(when.astimezone(zone))


def _status(copy: Content, status: str) -> str:
    return copy.text(f"coordinator.status.{status}")


def _section(copy: Content, title: str, lines: Sequence[str]) -> str:
    body = "\n".join(lines) if lines else copy.text("coordinator.home_none")
    return copy.text(title) + "\n" + body


def _home_row(copy: Content) -> list[Choice]:
    return [(copy.button("coordinator.home_button"), CoordScreen("home"))]


def home(copy: Content, o: Overview, now: datetime, zone: ZoneInfo) -> View:
    """The coordinator home: every part at a glance (people by their chosen names only),
    with "Pick up" for the oldest supervision requests and the screens to act from."""
    parts = [
        copy.text("coordinator.home_title"),
        _home_waitlist(copy, o, now, zone),
        _home_requests(copy, o, zone),
        _home_peers(copy, o),
        _home_supervision(copy, o, zone),
        _home_left(copy, o, zone),
        _home_groups(copy, o, zone),
    ]
    return "\n\n".join(parts), rows(*_home_buttons(copy, o))


def _home_waitlist(copy: Content, o: Overview, now: datetime, zone: ZoneInfo) -> str:
    if not o.waitlist or o.oldest_wait is None:
        return copy.text("coordinator.home_waitlist_empty")
    return copy.text(
        "coordinator.home_waitlist",
        count=o.waitlist,
        days=copy.count("coordinator.days", max(0, (now - o.oldest_wait).days)),
        name=_name(copy, o.oldest_name),
        since=_day(copy, o.oldest_wait, zone),
    )


def _home_requests(copy: Content, o: Overview, zone: ZoneInfo) -> str:
    return _section(
        copy,
        "coordinator.home_requests",
        [
            copy.text(
                "coordinator.home_request_line",
                person=_name(copy, r.person),
                peer=_name(copy, r.peer),
                due=_when(copy, r.respond_by, zone) if r.respond_by else "?",
            )
            for r in o.requests
        ],
    )


def _home_peers(copy: Content, o: Overview) -> str:
    lines = "\n".join(
        copy.text(
            "coordinator.home_peer_line",
            name=_name(copy, p.name),
            load=p.load,
            cap=p.cap,
            status=Raw(_status(copy, p.status)),
        )
        for p in o.peers
    )
    return (
        copy.text("coordinator.home_peers")
        + "\n"
        + (lines or copy.text("coordinator.home_no_peers"))
    )


def _urgency(copy: Content, urgency: str) -> str:
    key = f"coordinator.urgency.{urgency}"
    return copy.button(key) if copy.has(key) else urgency


def _home_supervision(copy: Content, o: Overview, zone: ZoneInfo) -> str:
    return _section(
        copy,
        "coordinator.home_supervision",
        [
            copy.text(
                "coordinator.home_supervision_line",
                peer=_name(copy, s.peer),
                asked=_when(copy, s.asked_at, zone),
                urgency=_urgency(copy, s.urgency),
            )
            for s in o.supervision
        ],
    )


def _home_left(copy: Content, o: Overview, zone: ZoneInfo) -> str:
    return _section(
        copy,
        "coordinator.home_left",
        [
            copy.text(
                "coordinator.home_left_line",
                person=_name(copy, alias),
                since=_day(copy, since, zone),
            )
            for alias, since in o.left_without
        ],
    )


def _home_groups(copy: Content, o: Overview, zone: ZoneInfo) -> str:
    def line(g: GroupLine) -> str:
        waiting = copy.text("coordinator.home_group_waiting", count=g.waiting) if g.waiting else ""
        upcoming = (
            _when(copy, g.next_meeting, zone)
            if g.next_meeting is not None
            else copy.button("coordinator.home_group_no_meeting")
        )
        return copy.text(
            "coordinator.home_group_line",
            name=g.name,
            members=copy.count("coordinator.members", g.members),
            waiting=Raw(waiting),
            next=upcoming,
        )

    return _section(copy, "coordinator.home_groups", [line(g) for g in o.groups])


def _home_buttons(copy: Content, o: Overview) -> list[list[Choice]]:
    lines: list[list[Choice]] = [
        [
            (
                copy.button("coordinator.pick_up_button", peer=_name(copy, s.peer)),
                take_supervision(s.request_id),
            )
        ]
        for s in o.supervision[:PICK_UP_BUTTONS]
    ]
    return [
        *lines,
        [
            (copy.button("coordinator.staff_button"), CoordScreen("staff")),
            (copy.button("coordinator.invites_button"), CoordScreen("invites")),
        ],
        [
            (copy.button("coordinator.invite_button"), CoordScreen("invite")),
            (copy.button("coordinator.report_button"), CoordScreen("report")),
        ],
        [
            (copy.button("coordinator.go.referral"), RunCommand("referral")),
            (copy.button("coordinator.go.groups"), RunCommand("groups")),
        ],
        [
            (copy.button("coordinator.go.broadcast"), RunCommand("broadcast")),
            (copy.button("coordinator.go.handover"), RunCommand("handover")),
        ],
        [(copy.button("coordinator.refresh_button"), CoordScreen("home"))],
    ]


# -- staff governance ----------------------------------------------------------------------


#: Lines of a long list on one screen: a big service's staff or invites would pass Telegram's
#: 4,096 characters and 100 buttons on one message.
LIST_PAGE = 15
_STAFF_ROLES = ("consumer_peer", "carer_peer", "coordinator", "clinician")


def _paging(copy: Content, page: int, pages: int) -> str:
    """The "Page 2 of 3" line of a long list."""
    return copy.text("coordinator.page_of", page=page + 1, pages=pages)


def staff(
    copy: Content,
    people: Sequence[StaffLine],
    me: int,
    seal: Callable[[int], str],
    page: int = 0,
) -> View:
    """The staff list by role with each one's status, and "End access" for each (not for
    the coordinator reading it), LIST_PAGE at a time. SEAL turns a Telegram id into the
    token a button carries."""
    ordered = sorted(people, key=lambda p: _STAFF_ROLES.index(p.role))
    people, page, pages = page_slice(ordered, page, LIST_PAGE)
    parts = [copy.text("coordinator.staff_title")]
    for role in _STAFF_ROLES:
        of_role = [p for p in people if p.role == role]
        if not of_role and (role == "clinician" or pages > 1):
            continue  # a complementary service has none; a long list shows who is here
        parts.append(
            copy.text("coordinator.staff_role", role=copy.button(f"coordinator.staff_roles.{role}"))
            + "\n"
            + (
                "\n".join(
                    copy.text(
                        "coordinator.staff_line",
                        name=_name(copy, p.name),
                        status=Raw(_status(copy, p.status)),
                    )
                    for p in of_role
                )
                or copy.text("coordinator.staff_none")
            )
        )
    buttons: list[list[Choice]] = [
        [
            (
                copy.button("coordinator.end_button", name=_name(copy, p.name)),
                Deactivate(seal(p.user_id)),
            )
        ]
        for p in people
        if p.user_id != me
    ]
    if pages > 1:
        parts.append(_paging(copy, page, pages))
    return "\n\n".join(parts), rows(
        *buttons, pager(copy, page, pages, lambda p: CoordPage("staff", p)), _home_row(copy)
    )


def deactivate_ask(
    copy: Content, person: StaffLine, people: int, seal: Callable[[int], str]
) -> View:
    """Are you sure: what happens to the people they support, and to them."""
    if person.role in ("consumer_peer", "carer_peer"):
        text = copy.text(
            "coordinator.deactivate_ask_peer",
            name=_name(copy, person.name),
            people=copy.count("common.people", people),
        )
    else:
        text = copy.text(
            "coordinator.deactivate_ask",
            name=_name(copy, person.name),
            role=copy.button(f"onboarding.role_name_{person.role}"),
        )
    return text, rows(
        [
            (copy.button("coordinator.deactivate_yes_button"), DeactivateYes(seal(person.user_id))),
            (copy.button("coordinator.deactivate_no_button"), CoordScreen("staff")),
        ]
    )


def deactivate_done(copy: Content, name: str, done: Deactivated) -> View:
    """What deactivating did: who went to whom, who had nobody with room."""
    parts = [copy.text("coordinator.deactivate_done", name=name)]
    if done.handed:
        parts.append(
            copy.text(
                "coordinator.deactivate_handed",
                people=Raw(
                    ", ".join(
                        copy.text(
                            "coordinator.deactivate_handed_one",
                            person=_name(copy, person),
                            peer=peer,
                        )
                        for person, peer in done.handed
                    )
                ),
            )
        )
    if done.ended:
        parts.append(
            copy.text(
                "coordinator.deactivate_ended",
                people=", ".join(_name(copy, person) for person in done.ended),
            )
        )
    if done.requests_closed:
        parts.append(copy.text("coordinator.deactivate_requests", count=done.requests_closed))
    return "\n\n".join(parts), rows(
        [(copy.button("coordinator.staff_button"), CoordScreen("staff"))], _home_row(copy)
    )


def invites(
    copy: Content,
    found: Sequence[InviteRow],
    makers: dict[int, str],
    zone: ZoneInfo,
    notice: str | None = None,
    page: int = 0,
) -> View:
    """Invites that still work: role, who made each and when it expires; Revoke for each,
    LIST_PAGE at a time."""
    numbered, page, pages = page_slice(list(enumerate(found, start=1)), page, LIST_PAGE)
    lines = [
        copy.text(
            "coordinator.invite_line",
            number=n,
            role=_role_name(copy, i.role),
            by=makers.get(i.created_by, "?")
            if i.created_by is not None
            else copy.button("coordinator.invite_by_cli"),
            made=_day(copy, i.created_at, zone),
            expires=_when(copy, i.expires_at, zone),
        )
        for n, i in numbered
    ]
    text = (
        copy.text("coordinator.invites_title")
        + "\n"
        + ("\n".join(lines) or copy.text("coordinator.invites_none"))
    )
    if pages > 1:
        text += "\n\n" + _paging(copy, page, pages)
    if notice:
        text = notice + "\n\n" + text
    buttons: list[list[Choice]] = [
        [
            (
                copy.button("coordinator.revoke_button", number=n, role=_role_name(copy, i.role)),
                Revoke(i.invite_id),
            )
        ]
        for n, i in numbered
    ]
    return text, rows(
        *buttons,
        pager(copy, page, pages, lambda p: CoordPage("invites", p)),
        [(copy.button("coordinator.invite_button"), CoordScreen("invite"))],
        _home_row(copy),
    )
