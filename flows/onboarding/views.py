"""What /start and /help show: pure functions from copy and data to text and keyboards."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import BotCommand, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup

from bot.content import Content, Raw
from bot.domain.roles import RELATIONSHIPS
from bot.keyboards import back_row, choose_one, rows
from flows.onboarding.callbacks import (
    BackToRoles,
    Consent,
    ConsentAnswer,
    ConsentWithCode,
    RegionChoice,
    RelationshipChoice,
    RoleChoice,
    SkipName,
    ZoneChoice,
)

__all__ = [
    "code_question",
    "done",
    "help_text",
    "name_question",
    "need_help_keyboard",
    "privacy_notice",
    "region_question",
    "relationship_question",
    "role_given",
    "role_question",
    "timezone_question",
    "welcome",
    "welcome_back",
]

Inline = tuple[str, InlineKeyboardMarkup]
Persistent = tuple[str, ReplyKeyboardMarkup]


def need_help_keyboard(copy: Content) -> ReplyKeyboardMarkup:
    """The persistent keyboard with the "Need help now" entry, shown in every state."""
    return ReplyKeyboardMarkup([[KeyboardButton(copy.button("common.need_help_button"))]],
                               resize_keyboard=True, is_persistent=True)


def welcome(copy: Content, service: str) -> Persistent:
    """What the bot is (and is not), with the "Need help now" keyboard."""
    return copy.text("onboarding.welcome", service=service), need_help_keyboard(copy)


def privacy_notice(copy: Content, code: str | None = None, *, more: bool = False) -> Inline:
    """What is stored and who sees it, and the three answers (CODE: an invite's, carried)."""

    def answer(choice: ConsentAnswer) -> Consent | ConsentWithCode:
        return Consent(choice) if code is None else ConsentWithCode(choice, code)

    return copy.text("onboarding.privacy_more" if more else "onboarding.privacy"), choose_one([
        (copy.button("onboarding.consent_yes"), answer("yes")),
        (copy.button("onboarding.consent_more"), answer("more")),
        (copy.button("onboarding.consent_no"), answer("no")),
    ])


def role_question(copy: Content) -> Inline:
    """"Which of these fits you best?"."""
    return copy.text("onboarding.ask_role"), choose_one([
        (copy.button("onboarding.role_consumer"), RoleChoice("consumer")),
        (copy.button("onboarding.role_carer"), RoleChoice("carer")),
        (copy.button("onboarding.role_invite"), RoleChoice("invite")),
    ])


def relationship_question(copy: Content) -> Inline:
    """"Who do you support?", with Back to the roles."""
    return copy.text("onboarding.ask_relationship"), choose_one(
        [(copy.button(f"onboarding.rel_{r}"), RelationshipChoice(r)) for r in RELATIONSHIPS],
        footer=[back_row(copy, BackToRoles())])


def code_question(copy: Content) -> Inline:
    """"Please type your invite code", with Back to the roles."""
    return copy.text("onboarding.ask_code"), rows(back_row(copy, BackToRoles()))


def region_question(copy: Content, regions: Sequence[str]) -> Inline:
    """"Where are you?", one button per region the service offers."""
    return copy.text("onboarding.ask_region"), choose_one(
        [(region, RegionChoice(region)) for region in regions])


def timezone_question(copy: Content, zones: Sequence[str]) -> Inline:
    """"Which time zone are you in?", one button per zone the service offers."""
    return copy.text("onboarding.ask_timezone"), choose_one(
        [(zone.replace("_", " "), ZoneChoice(i)) for i, zone in enumerate(zones)])


def name_question(copy: Content) -> Inline:
    """"What would you like to be called here?", with Skip."""
    return copy.text("onboarding.ask_alias"), rows(
        [(copy.button("common.skip_button"), SkipName())])


def role_given(copy: Content, role: str) -> str:
    """"You've joined as a …"."""
    return copy.text("onboarding.role_given", role=copy.button(f"onboarding.role_name_{role}"))


def _name_part(copy: Content, alias: str | None) -> str:
    return copy.text("onboarding.name_part", alias=alias) if alias else ""


def help_text(copy: Content, role: str | None, commands: Sequence[BotCommand]) -> str:
    """/help: the role's intro, then its command menu itself, so the two never drift."""
    lines = [copy.text("help.line", command=c.command, description=c.description)
             for c in commands]
    return "\n".join([copy.text(f"help.{role or 'none'}"), "", *lines])


def done(copy: Content, alias: str | None, help_: str) -> Persistent:
    """The end of /start: all set, and what they can do."""
    return (copy.text("onboarding.done", name_part=Raw(_name_part(copy, alias)), help=Raw(help_)),
            need_help_keyboard(copy))


def welcome_back(copy: Content, alias: str | None) -> Persistent:
    """/start again, once set up."""
    return (copy.text("onboarding.welcome_back", name_part=Raw(_name_part(copy, alias))),
            need_help_keyboard(copy))
