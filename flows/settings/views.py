"""What /settings shows: pure functions from copy and data to text and keyboards."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardMarkup

from bot.content import Content
from bot.domain.roles import RELATIONSHIPS
from bot.keyboards import Choice, back_row, choose_one, rows
from bot.settings import Settings
from bot.storage import User
from flows.settings.callbacks import BackToMenu, Change, NewRegion, NewRelationship, NewZone

__all__ = ["menu", "name_question", "region_question", "relationship_question",
           "timezone_question", "zone_label"]

Inline = tuple[str, InlineKeyboardMarkup]


def zone_label(zone: str) -> str:
    """A time zone as people read it ("Australia/Broken Hill")."""
    return zone.replace("_", " ")


def menu(copy: Content, user: User, service: Settings, *, saved: bool = False) -> Inline:
    """What can be changed: name, who a carer supports, and region and time zone when the
    SERVICE offers several (SAVED: after a change)."""
    lines: list[list[Choice]] = [[(copy.button(
        "onboarding.settings_name", alias=user.alias or copy.button("onboarding.name_unset")),
        Change("name"))]]
    if user.role == "carer":
        lines.append([(copy.button("onboarding.settings_relationship"), Change("rel"))])
    if len(service.offered_regions()) > 1:
        lines.append([(copy.button("onboarding.settings_region",
                                   region=user.region or service.region), Change("region"))])
    if len(service.offered_timezones()) > 1:
        lines.append([(copy.button("onboarding.settings_timezone",
                                   timezone=zone_label(user.timezone or service.timezone)),
                       Change("tz"))])
    lines.append([(copy.button("onboarding.settings_done"), Change("done"))])
    key = "onboarding.settings_saved" if saved else "onboarding.settings_menu"
    return copy.text(key), rows(*lines)


def name_question(copy: Content) -> Inline:
    """"What would you like to be called here?", with Back."""
    return copy.text("onboarding.ask_alias"), rows(back_row(copy, BackToMenu()))


def relationship_question(copy: Content) -> Inline:
    """"Who do you support?", with Back."""
    return copy.text("onboarding.ask_relationship"), choose_one(
        [(copy.button(f"onboarding.rel_{r}"), NewRelationship(r)) for r in RELATIONSHIPS],
        footer=[back_row(copy, BackToMenu())])


def region_question(copy: Content, regions: Sequence[str]) -> Inline:
    """"Where are you?", with Back."""
    return copy.text("onboarding.ask_region"), choose_one(
        [(region, NewRegion(region)) for region in regions], footer=[back_row(copy, BackToMenu())])


def timezone_question(copy: Content, zones: Sequence[str]) -> Inline:
    """"Which time zone are you in?", with Back."""
    return copy.text("onboarding.ask_timezone"), choose_one(
        [(zone_label(zone), NewZone(i)) for i, zone in enumerate(zones)],
        footer=[back_row(copy, BackToMenu())])
