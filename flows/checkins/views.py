"""What the check-ins flow shows: pure functions from copy and data to text and keyboards.

Days are indexes and times are minutes until here: every name a person reads (weekdays,
months, "at", the list separator) comes from their copy.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from bot.content import Content, Raw
from bot.domain.checkins import (
    CLOSES_AFTER,
    FEELINGS,
    RATINGS,
    SKILLS,
    CheckinRow,
    CheckinSchedule,
    MoodSummary,
    TimeWords,
    asks_to_share,
    chosen_days,
    parse_choices,
    schedule_kind,
    shares_with,
)
from bot.keyboards import back_row, choose_one, confirm, rows, toggles
from bot.links import resources_home
from bot.nominated_hours import zone_name as place_of_zone
from bot.safety import ShowSafetyPlan
from bot.services.checkins import MoodReport, Peer, WeeklyShare
from bot.storage import from_epoch
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
from flows.checkins.chart import ChartLabels

__all__ = [
    "Screen",
    "chart_labels",
    "checkins_count",
    "clock",
    "closed",
    "days_count",
    "days_picker",
    "feelings",
    "how_often_again",
    "intro",
    "low_options",
    "menu",
    "mood_caption",
    "next_time",
    "note_offer",
    "often",
    "peer_name",
    "prompt",
    "rated",
    "saved",
    "scale_word",
    "share_question",
    "skills",
    "stop_question",
    "time_picker",
    "time_words",
    "weekly_share",
    "zone_name",
]

Screen = tuple[str, InlineKeyboardMarkup]
PICKER_HOURS = range(7, 23)  # the times offered as buttons; any other can be typed


# -- words for days and times ----------------------------------------------------------------


def clock(copy: Content, minute: int) -> str:
    """MINUTE past midnight as the copy writes a time of day, like '19:00'."""
    return copy.clock(datetime(2000, 1, 1, minute // 60, minute % 60))


def next_time(copy: Content, when: datetime, zone: ZoneInfo) -> str:
    """A check-in's time in ZONE, like 'Tue 3 Mar at 19:00'."""
    local = when.astimezone(zone)
    return copy.button("checkins.next_when", day=copy.day(local), time=copy.clock(local))


def often(copy: Content, days: int) -> str:
    """'every day', 'on weekdays' or 'on Mon, Thu'."""
    kind = schedule_kind(days)
    if kind != "days":
        return copy.button(f"checkins.when_{kind}")
    names = copy.raw("checkins.list_separator").join(copy.weekday(i) for i in chosen_days(days))
    return copy.button("checkins.when_days", days=names)


def zone_name(copy: Content, zone: ZoneInfo) -> str:
    """A time zone as people read it, the place it is named after ('Sydney'), as every other
    screen names it (bot/nominated_hours.py)."""
    return place_of_zone(copy, zone.key)


def time_words(copy: Content) -> TimeWords:
    """The words for morning and afternoon people may type after a time."""
    return TimeWords(
        am=tuple(copy.raw("checkins.time_am").split()),
        pm=tuple(copy.raw("checkins.time_pm").split()),
    )


# -- counts and words ------------------------------------------------------------------------


def _count(copy: Content, noun: str, n: int) -> str:
    return copy.text(f"checkins.{noun}_{'one' if n == 1 else 'other'}", n=n)


def checkins_count(copy: Content, n: int) -> str:
    """'1 check-in', '3 check-ins'."""
    return _count(copy, "checkins", n)


def days_count(copy: Content, n: int) -> str:
    """'1 day', '2 days'."""
    return _count(copy, "days", n)


def scale_word(copy: Content, rating: int) -> str:
    """A rating from 1 to 5 in words: 'very low' ... 'very good'."""
    return copy.button(f"checkins.scale_{rating}")


def peer_name(copy: Content, peer: Peer) -> str:
    """The name their peer worker goes by, or 'your peer worker'."""
    return peer.name or copy.button("checkins.your_peer")


def _open_for(copy: Content) -> str:
    return days_count(copy, CLOSES_AFTER.days)


# -- set-up ------------------------------------------------------------------------------------


def _how_often(copy: Content) -> list[list[tuple[str, object]]]:
    return [
        [(copy.button("checkins.btn_daily"), Frequency("daily"))],
        [(copy.button("checkins.btn_weekdays"), Frequency("weekdays"))],
        [(copy.button("checkins.btn_days"), Frequency("days"))],
    ]


def intro(copy: Content) -> Screen:
    """Check-ins are off: how often, or a check-in just now, or not now."""
    return copy.text("checkins.intro"), rows(
        *_how_often(copy),
        [(copy.button("checkins.btn_now"), CheckInNow())],
        [(copy.button("checkins.btn_not_now"), NotNow())],
    )


def how_often_again(copy: Content) -> Screen:
    """Changing the days: how often, or back to the menu."""
    return copy.text("checkins.freq_again"), rows(*_how_often(copy), back_row(copy, ShowMenu()))


def menu(copy: Content, schedule: CheckinSchedule, zone: ZoneInfo, peer: Peer | None) -> Screen:
    """What is set now, and what they can change. Sharing is offered only with a peer worker
    they are matched with now; someone who shared with their last one is asked again."""
    when, time = often(copy, schedule.days), clock(copy, schedule.minute)
    if schedule.paused or schedule.next_due is None:
        status = copy.text("checkins.status_paused", when=when, time=time)
    else:
        status = copy.text(
            "checkins.status_on",
            when=when,
            time=time,
            timezone=zone_name(copy, zone),
            next=next_time(copy, from_epoch(schedule.next_due), zone),
        )
    match_id = peer.match_id if peer is not None else None
    sharing, asking = shares_with(schedule, match_id), asks_to_share(schedule, match_id)
    if peer is not None and sharing:
        status += "\n" + copy.text("checkins.status_sharing", name=peer_name(copy, peer))
    elif peer is not None and asking:
        status += "\n\n" + copy.text("checkins.status_share_again", name=peer_name(copy, peer))
    lines: list[list[tuple[str, object]]] = [
        [(copy.button("checkins.btn_now"), CheckInNow())],
        [
            (copy.button("checkins.btn_change_days"), ChangeDays()),
            (copy.button("checkins.btn_change_time"), ChangeTime()),
        ],
        [
            (copy.button("checkins.btn_resume"), Resume())
            if schedule.paused
            else (copy.button("checkins.btn_pause"), Pause())
        ],
    ]
    if peer is not None and sharing:
        lines.append([(copy.button("checkins.btn_share_off"), StopSharing())])
    elif peer is not None and asking:
        lines += _share_choice(copy, peer)
    elif peer is not None:
        lines.append([(copy.button("checkins.btn_share_on"), ShareWith(peer.match_id))])
    lines.append([(copy.button("checkins.btn_stop"), AskStop())])
    lines.append([(copy.button("checkins.btn_close"), Close())])
    return copy.text("checkins.menu", status=Raw(status)), rows(*lines)


def _share_choice(copy: Content, peer: Peer) -> list[list[tuple[str, object]]]:
    return [
        [(copy.button("checkins.btn_share_yes"), ShareWith(peer.match_id))],
        [(copy.button("checkins.btn_share_no"), KeepPrivate())],
    ]


def share_question(copy: Content, peer: Peer) -> Screen:
    """To someone who shared with their last peer worker: share with PEER too?"""
    return copy.text("checkins.share_question", name=peer_name(copy, peer)), rows(
        *_share_choice(copy, peer)
    )


def days_picker(copy: Content, days: int) -> Screen:
    """Each weekday on or off, then Next."""
    on = set(chosen_days(days))
    grid = toggles([(copy.weekday(i), i in on, PickDay(i)) for i in range(7)], columns=4)
    return copy.text("checkins.pick_days"), rows(
        *grid, [(copy.button("checkins.btn_next"), DaysChosen())], back_row(copy, ShowMenu())
    )


def time_picker(copy: Content, zone: ZoneInfo, default_minute: int) -> Screen:
    """A time on the hour (and the service's usual one), or type another."""
    minutes = sorted({*(h * 60 for h in PICKER_HOURS), default_minute})
    picks = [(clock(copy, m), PickTime(m)) for m in minutes]
    return copy.text("checkins.pick_time", timezone=zone_name(copy, zone)), choose_one(
        picks,
        columns=4,
        footer=[[(copy.button("checkins.btn_type_time"), TypeTime())], back_row(copy, ShowMenu())],
    )


def saved(copy: Content, schedule: tuple[int, int], zone: ZoneInfo, due: datetime) -> str:
    """The schedule (days, minute) is set: when, and the next one."""
    days, minute = schedule
    return copy.text(
        "checkins.saved",
        when=often(copy, days),
        time=clock(copy, minute),
        timezone=zone_name(copy, zone),
        next=next_time(copy, due, zone),
    )


def stop_question(copy: Content) -> Screen:
    """Stop check-ins? Yes, or keep them (back to the menu)."""
    return copy.text("checkins.stop_confirm"), confirm(
        copy, Stop(), ShowMenu(), yes_key="checkins.btn_stop_yes", no_key="checkins.btn_stop_no"
    )


# -- the check-in ------------------------------------------------------------------------------


def prompt(copy: Content, checkin_id: int, alias: str | None) -> Screen:
    """A short warm line and the 1 to 5 scale."""
    name_part = Raw(copy.text("checkins.name_part", name=alias)) if alias else ""
    return copy.text(
        "checkins.prompt",
        name_part=name_part,
        low=scale_word(copy, RATINGS[0]),
        high=scale_word(copy, RATINGS[-1]),
        open_for=_open_for(copy),
    ), rows([(str(n), Rate(checkin_id, n)) for n in RATINGS])


def rated(copy: Content, rating: int) -> str:
    """What the check-in's own message says once it is answered (its buttons gone)."""
    return copy.text("checkins.rated", rating=rating, word=scale_word(copy, rating))


def closed(copy: Content) -> Screen:
    """A check-in too old to answer: a kind word, and a check-in now instead."""
    return copy.text("checkins.closed", open_for=_open_for(copy)), rows(
        [(copy.button("checkins.btn_now"), CheckInNow())]
    )


def low_options(
    copy: Content, checkin_id: int, rating: int, *, matched: bool, has_plan: bool
) -> Screen:
    """After a low rating: their own safety plan first (if they wrote one), their peer
    worker (if MATCHED), things to read, the numbers, or go on."""
    lines: list[list[tuple[str, object]]] = []
    if has_plan:
        lines.append([(copy.button("checkins.btn_plan"), ShowSafetyPlan())])
    if matched:
        lines.append([(copy.button("checkins.btn_peer"), AskPeer(checkin_id))])
    lines += [
        [(copy.button("checkins.btn_resources"), resources_home())],
        [(copy.button("checkins.btn_card"), ShowCard(checkin_id))],
        [(copy.button("checkins.btn_ok"), Okay(checkin_id))],
    ]
    return copy.text("checkins.low", rating=rating), rows(*lines)


def feelings(copy: Content, row: CheckinRow) -> Screen:
    """Feelings to tap on and off, then Done (or Skip, with none chosen)."""
    chosen = parse_choices(row.feelings, FEELINGS)
    grid = toggles(
        [
            (
                copy.button(f"checkins.feeling_{f}"),
                f in chosen,
                PickFeeling(row.id, f, f not in chosen),
            )
            for f in FEELINGS
        ],
        columns=2,
    )
    done = "checkins.btn_done" if chosen else "checkins.btn_skip"
    return copy.text("checkins.feelings"), rows(*grid, [(copy.button(done), FeelingsDone(row.id))])


def skills(copy: Content, row: CheckinRow) -> Screen:
    """Skills to tap on and off, then Done (or None this time)."""
    chosen = parse_choices(row.skills, SKILLS)
    grid = toggles(
        [
            (copy.button(f"checkins.skill_{s}"), s in chosen, PickSkill(row.id, s, s not in chosen))
            for s in SKILLS
        ],
        columns=1,
    )
    done = "checkins.btn_done" if chosen else "checkins.btn_no_skills"
    return copy.text("checkins.skills"), rows(*grid, [(copy.button(done), SkillsDone(row.id))])


def note_offer(copy: Content, checkin_id: int) -> Screen:
    """A private note, or finish."""
    return copy.text("checkins.note_offer"), rows(
        [(copy.button("checkins.btn_write_note"), WriteNote(checkin_id))],
        [(copy.button("checkins.btn_finish"), Finish(checkin_id))],
    )


# -- /mood and the weekly summary --------------------------------------------------------------


def _period(copy: Content, summary: MoodSummary) -> str:
    if summary.count == 0:
        return copy.text("checkins.period_empty", days=summary.days)
    text = copy.text(
        "checkins.period",
        days=summary.days,
        answered=checkins_count(copy, summary.count),
        average=f"{summary.average:.1f}",
        lowest=summary.lowest,
        highest=summary.highest,
    )
    lines = [text]
    if summary.top_skill is not None:
        skill = copy.button(f"checkins.skill_{summary.top_skill}").lower()
        lines.append(
            copy.text(
                "checkins.skills_line", used=checkins_count(copy, summary.with_skills), skill=skill
            )
        )
    if summary.trend is not None:
        lines.append(copy.text(f"checkins.trend_{summary.trend}", days=summary.days))
    return "\n".join(lines)


def mood_caption(copy: Content, report: MoodReport) -> str:
    """The words under the /mood chart: the last 30 and 90 days in numbers."""
    return copy.text(
        "checkins.mood_caption",
        last30=Raw(_period(copy, report.last30)),
        last90=Raw(_period(copy, report.last90)),
    )


def chart_labels(copy: Content) -> ChartLabels:
    """The chart's words: titles, the scale in words, dates."""
    return ChartLabels(
        title30=copy.button("checkins.chart_title", days=30),
        title90=copy.button("checkins.chart_title", days=90),
        scale=tuple(scale_word(copy, n) for n in RATINGS),
        empty=copy.button("checkins.chart_empty"),
        tick=copy.raw("checkins.chart_tick"),
        months=tuple(copy.month(n) for n in range(1, 13)),
    )


def weekly_share(copy: Content, share: WeeklyShare) -> str:
    """A week of someone's ratings, for their peer worker: never notes, feelings or skills."""
    ratings = share.ratings
    if ratings:
        body = copy.text(
            "checkins.share_ratings",
            answered=checkins_count(copy, len(ratings)),
            average=f"{sum(ratings) / len(ratings):.1f}",
            list=copy.raw("checkins.list_separator").join(map(str, ratings)),
        )
    else:
        body = copy.text("checkins.share_empty")
    name = share.alias or copy.button("checkins.someone")
    return copy.text("checkins.share_summary", name=name, ratings=Raw(body))
