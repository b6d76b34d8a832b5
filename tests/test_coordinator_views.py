"""The coordinator flow's views (/invite, /report), as a coordinator reads them."""

from __future__ import annotations

from datetime import date

from bot.content import Content
from bot.domain.groups import Attendance
from bot.domain.invites import invitable_roles
from bot.services.evaluation import Evaluation, Period, publish
from flows.coordinator.views import invite_link, invite_question, report, report_ask
from tests.snapshot import check_snapshot

COPY = Content()


def test_invite() -> None:
    check_snapshot(
        "coordinator/invite_question_complementary",
        *invite_question(COPY, invitable_roles("complementary"), 72),
    )
    check_snapshot(
        "coordinator/invite_question_integrated",
        *invite_question(COPY, invitable_roles("integrated"), 72),
    )
    check_snapshot(
        "coordinator/invite_link",
        invite_link(COPY, "carer_peer", "https://t.me/peer_bot?start=AbCdEfGhIjKlMnOpQrStUvWx", 72),
    )


def _evaluation(**counts: object) -> Evaluation:
    zero: dict[str, object] = dict(
        period=Period(date(2026, 1, 1), date(2026, 3, 31)),
        people_by_role={},
        people_by_source={},
        requests=0,
        matches_made=0,
        days_to_match=(),
        handovers=0,
        ended_by={},
        waitlist_days=(),
        group_members=0,
        attendance=Attendance(()),
        reminders_delivered=0,
        broadcasts=0,
        broadcast_messages=0,
        broadcast_delivered=0,
        checkins_sent=0,
        checkins_answered=0,
        cards_by_region={},
        supervision_requests=0,
        pickup_hours=(),
        months=(date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)),
    )
    return Evaluation(**{**zero, **counts})  # type: ignore[arg-type]


def test_report() -> None:
    busy = _evaluation(
        people_by_role={"consumer": 9, "carer": 6, "consumer_peer": 1},
        people_by_source={"Harbour clinic": 10, "": 6},
        requests=12,
        matches_made=9,
        days_to_match=(1.0, 2.0, 2.5, 3.0, 4.0, 6.0, 8.0, 9.5, 14.0),
        handovers=2,
        ended_by={"person": 5, "peer": 6, "handover": 2},
        waitlist_days=(3.0, 9.0),
        group_members=14,
        reminders_delivered=40,
        broadcasts=2,
        broadcast_messages=30,
        broadcast_delivered=29,
        checkins_sent=120,
        checkins_answered=97,
        cards_by_region={"AU": 8, "": 2},
        supervision_requests=6,
        pickup_hours=(1.0, 2.0, 5.0, 20.0, 26.0),
    )
    text, markup = report(COPY, "Harbour Health", busy.period, publish(busy))
    check_snapshot("coordinator/report", text, markup)
    quiet = _evaluation()
    text, markup = report(COPY, "Harbour & Co", quiet.period, publish(quiet))
    check_snapshot("coordinator/report_quiet", text, markup)
    check_snapshot("coordinator/report_ask", *report_ask(COPY, date(2026, 3, 2)))
