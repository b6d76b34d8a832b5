"""What /settings shows: pure functions from copy and data to text and keyboards."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardMarkup

from bot.content import Content
from bot.domain.roles import PEOPLE_ROLES, RELATIONSHIPS
from bot.keyboards import TICK, Choice, back_row, choose_one, rows
from bot.links import OpenCareTeam
from bot.nominated_hours import region_name, zone_name
from bot.settings import Settings
from bot.storage import User
from flows.settings.callbacks import (
    BackToMenu,
    Change,
    KeepMatch,
    NewRegion,
    NewRelationship,
    NewRole,
    NewZone,
)

__all__ = [
    "keep_question",
    "menu",
    "name_again",
    "name_question",
    "region_question",
    "relationship_question",
    "role_question",
    "timezone_question",
]

Inline = tuple[str, InlineKeyboardMarkup]


def menu(
    copy: Content, user: User, service: Settings, *, saved: bool = False, note: str | None = None
) -> Inline:
    """What can be changed: name, a person's role (living with BPD, or a carer), who a carer
    supports, and region and time zone when the SERVICE offers several (SAVED: after a
    change; NOTE: the copy key of another first line)."""
    lines: list[list[Choice]] = [
        [
            (
                copy.button(
                    "onboarding.settings_name",
                    alias=user.alias or copy.button("onboarding.name_unset"),
                ),
                Change("name"),
            )
        ]
    ]
    if user.role in PEOPLE_ROLES:
        lines.append(
            [
                (
                    copy.button(
                        "onboarding.settings_role",
                        role=copy.button(f"onboarding.role_label.{user.role}"),
                    ),
                    Change("role"),
                )
            ]
        )
    if user.role == "carer":
        lines.append([(copy.button("onboarding.settings_relationship"), Change("rel"))])
    if len(service.offered_regions()) > 1:
        lines.append(
            [
                (
                    copy.button(
                        "onboarding.settings_region",
                        region=region_name(copy, user.region or service.region),
                    ),
                    Change("region"),
                )
            ]
        )
    if len(service.offered_timezones()) > 1:
        lines.append(
            [
                (
                    copy.button(
                        "onboarding.settings_timezone",
                        timezone=zone_name(copy, user.timezone or service.timezone),
                    ),
                    Change("tz"),
                )
            ]
        )
    if user.role in PEOPLE_ROLES and service.model == "integrated":  # flows/careteam
        lines.append([(copy.button("careteam.settings_button"), OpenCareTeam())])
    lines.append([(copy.button("onboarding.settings_done"), Change("done"))])
    key = note or ("onboarding.settings_saved" if saved else "onboarding.settings_menu")
    return copy.text(key), rows(*lines)


def name_question(copy: Content) -> Inline:
    """ "What would you like to be called here?", with Back (and no Skip, so no word of it)."""
    return copy.text("onboarding.settings_ask_alias"), rows(back_row(copy, BackToMenu()))


def name_again(copy: Content, problem_key: str) -> Inline:
    """Why the name won't do (PROBLEM_KEY), and the question again, with Back."""
    return (
        copy.text(problem_key) + "\n\n" + copy.text("onboarding.settings_alias_again"),
        rows(back_row(copy, BackToMenu())),
    )


def role_question(copy: Content, current: str | None) -> Inline:
    """ "Which of these fits you best now?": a person living with BPD or a carer (the CURRENT
    one ticked), with Back."""
    choices: list[Choice] = [
        ((TICK if current == role else "") + copy.button(f"onboarding.role_{role}"), NewRole(role))
        for role in ("consumer", "carer")
    ]
    return copy.text("onboarding.settings_ask_role"), choose_one(
        choices, footer=[back_row(copy, BackToMenu())]
    )


def keep_question(copy: Content, *, name: str, role: str, status: str, can_keep: bool) -> Inline:
    """A new ROLE with a request or a match (STATUS) open with NAME: keep it or end it, when
    NAME may go on supporting that role; else go ahead and end it, or go back."""
    request = status == "requested"
    as_role = copy.button(f"onboarding.set_up_as.{role}")
    if can_keep:
        text = copy.text(
            "onboarding.settings_role_keep_request" if request else "onboarding.settings_role_keep",
            name=name,
            role=as_role,
        )
        keep, end = (
            ("settings_keep_request", "settings_withdraw_request")
            if request
            else ("settings_keep_match", "settings_end_match")
        )
        choices = [
            (copy.button(f"onboarding.{keep}"), KeepMatch(True)),
            (copy.button(f"onboarding.{end}"), KeepMatch(False)),
        ]
    else:
        text = copy.text(
            "onboarding.settings_role_end_request" if request else "onboarding.settings_role_end",
            name=name,
            role=as_role,
        )
        end = "settings_change_and_withdraw" if request else "settings_change_and_end"
        choices = [(copy.button(f"onboarding.{end}"), KeepMatch(False))]
    return text, choose_one(choices, footer=[back_row(copy, BackToMenu())])


def relationship_question(copy: Content) -> Inline:
    """ "Who do you support?", with Back."""
    return copy.text("onboarding.ask_relationship"), choose_one(
        [(copy.button(f"onboarding.rel_{r}"), NewRelationship(r)) for r in RELATIONSHIPS],
        footer=[back_row(copy, BackToMenu())],
    )


def region_question(copy: Content, regions: Sequence[str]) -> Inline:
    """ "Where are you?", with Back."""
    return copy.text("onboarding.ask_region"), choose_one(
        [(region_name(copy, region), NewRegion(region)) for region in regions],
        footer=[back_row(copy, BackToMenu())],
    )


def timezone_question(copy: Content, zones: Sequence[str]) -> Inline:
    """ "Which time zone are you in?", with Back."""
    return copy.text("onboarding.ask_timezone"), choose_one(
        [(zone_name(copy, zone), NewZone(i)) for i, zone in enumerate(zones)],
        footer=[back_row(copy, BackToMenu())],
    )
