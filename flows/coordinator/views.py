"""What the coordinator flow shows: pure functions from copy and data to text and keyboards."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardMarkup

from bot.content import Content, Raw
from bot.keyboards import choose_one
from bot.services.evaluation import Evaluation
from bot.storage import ServiceReport
from flows.coordinator.callbacks import invite_role

__all__ = ["invite_link", "invite_question", "report"]


def _role_name(copy: Content, role: str) -> str:
    return copy.button(f"onboarding.role_name_{role}")


def invite_question(copy: Content, roles: Sequence[str], hours: int
                    ) -> tuple[str, InlineKeyboardMarkup]:
    """"Who would you like to invite?" with one button per role the service has."""
    return copy.text("coordinator.invite_which", hours=hours), choose_one(
        [(copy.button(f"onboarding.role_label.{role}"), invite_role(role)) for role in roles])


def invite_link(copy: Content, role: str, link: str, hours: int) -> str:
    """The single-use link, to pass on privately."""
    return copy.text("coordinator.invite_link", role=_role_name(copy, role), link=link,
                     hours=hours)


def _line(copy: Content, label: str, value: object) -> str:
    return copy.text("coordinator.report_line", label=label, value=value)


def _counter_label(copy: Content, name: str) -> str:
    key = f"coordinator.counter.{name}"
    return copy.button(key) if copy.has(key) else name.replace("_", " ")


def report(copy: Content, service: str, ev: Evaluation[ServiceReport]) -> str:
    """The /report message: counts only, never names or messages."""
    people = "\n".join(_line(copy, _role_name(copy, role), count)
                       for role, count in sorted(ev.people.items())
                       ) or copy.text("coordinator.report_none")
    counts = "\n".join(_line(copy, _counter_label(copy, name), value)
                       for name, value in sorted(ev.counts.items()))
    cards = sum(ev.cards_by_region.values())
    cards_text = copy.text("coordinator.report_by_region", total=cards, regions=", ".join(
        f"{region or '?'} {n}" for region, n in sorted(ev.cards_by_region.items()))
    ) if cards else "0"
    f = ev.figures
    time_to_match = (copy.text("coordinator.report_hours", hours=f.median_hours_to_match)
                     if f.median_hours_to_match is not None
                     else copy.text("coordinator.report_no_matches"))
    return copy.text(
        "coordinator.report", service=service, people=Raw(people), counts=Raw(counts),
        active_pairs=f.active_pairs, open_requests=f.open_requests, waitlist=f.waitlist,
        group_members=f.group_members, group_waiting=f.group_waiting,
        supervision_open=f.supervision_open, matches_made=f.matches_made,
        time_to_match=Raw(time_to_match), checkins_sent=f.checkins_sent,
        checkins_answered=f.checkins_answered, crisis_cards=Raw(cards_text))
