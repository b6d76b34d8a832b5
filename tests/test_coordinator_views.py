"""The coordinator flow's views (/invite, /report), as a coordinator reads them."""

from __future__ import annotations

from bot.content import Content
from bot.domain.invites import invitable_roles
from bot.services.evaluation import Evaluation
from bot.storage import ServiceReport
from flows.coordinator.views import invite_link, invite_question, report
from tests.snapshot import check_snapshot

COPY = Content()
FIGURES = ServiceReport(active_pairs=3, open_requests=1, waitlist=2, matches_made=4,
                        median_hours_to_match=5.5, group_members=7, group_waiting=1,
                        checkins_sent=20, checkins_answered=15, supervision_open=0)


def test_invite() -> None:
    check_snapshot("coordinator/invite_question_complementary",
                   *invite_question(COPY, invitable_roles("complementary"), 72))
    check_snapshot("coordinator/invite_question_integrated",
                   *invite_question(COPY, invitable_roles("integrated"), 72))
    check_snapshot("coordinator/invite_link", invite_link(
        COPY, "carer_peer", "https://t.me/peer_bot?start=AbCdEfGhIjKlMnOpQrStUvWx", 72))


def test_report() -> None:
    busy = Evaluation(people={"consumer": 5, "carer_peer": 1},
                      counts={"match_requested": 4, "some_new_count": 2},
                      cards_by_region={"AU": 2, "": 1}, figures=FIGURES)
    check_snapshot("coordinator/report", report(COPY, "Harbour Health", busy))
    quiet = Evaluation(people={}, counts={}, cards_by_region={},
                       figures=ServiceReport(0, 0, 0, 0, None, 0, 0, 0, 0, 0))
    check_snapshot("coordinator/report_quiet", report(COPY, "Harbour & Co", quiet))
