"""What /start and /help show: pure functions from copy and data to text and keyboards."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import BotCommand, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup

from bot.content import Content, Raw
from bot.domain.roles import RELATIONSHIPS
from bot.keyboards import back_row, choose_one, rows
from bot.links import OpenCareTeamLink
from bot.nominated_hours import region_name, zone_name
from flows.onboarding.callbacks import (
    BackToRoles,
    Consent,
    ConsentAnswer,
    ConsentWithCareLink,
    ConsentWithCode,
    ConsentWithSource,
    RegionChoice,
    RelationshipChoice,
    RoleChoice,
    SkipName,
    StaffInvite,
    ZoneChoice,
)

__all__ = [
    "code_question",
    "code_refused",
    "done",
    "help_text",
    "name_again",
    "name_question",
    "need_help_keyboard",
    "privacy_notice",
    "region_question",
    "relationship_question",
    "role_given",
    "role_question",
    "staff_invite_question",
    "timezone_question",
    "welcome",
    "welcome_back",
]

#: A command each role can try first, named at the end of /start.
_FIRST_COMMAND = {
    "consumer": "match",
    "carer": "match",
    "consumer_peer": "profile",
    "carer_peer": "profile",
    "coordinator": "invite",
    "clinician": "notes",
}

Inline = tuple[str, InlineKeyboardMarkup]
Persistent = tuple[str, ReplyKeyboardMarkup]


def need_help_keyboard(copy: Content) -> ReplyKeyboardMarkup:
    """The persistent keyboard with the "Need help now" entry, shown in every state."""
    return ReplyKeyboardMarkup(
        [[KeyboardButton(copy.button("common.need_help_button"))]],
        resize_keyboard=True,
        is_persistent=True,
    )


def welcome(copy: Content, service: str) -> Persistent:
    """What the bot is (and is not), with the "Need help now" keyboard."""
    return copy.text("onboarding.welcome", service=service), need_help_keyboard(copy)


def privacy_notice(
    copy: Content,
    code: str | None = None,
    *,
    source: str | None = None,
    care: str | None = None,
    more: bool = False,
) -> Inline:
    """What is stored and who sees it, and the three answers. CODE (an invite's), SOURCE (a
    referral link's code) or CARE (a clinician's care-team link's) rides in the buttons, so
    nothing is stored before a yes."""

    def answer(
        choice: ConsentAnswer,
    ) -> Consent | ConsentWithCode | ConsentWithSource | ConsentWithCareLink:
        if code is not None:
            return ConsentWithCode(choice, code)
        if source is not None:
            return ConsentWithSource(choice, source)
        if care is not None:
            return ConsentWithCareLink(choice, care)
        return Consent(choice)

    return copy.text("onboarding.privacy_more" if more else "onboarding.privacy"), choose_one(
        [
            (copy.button("onboarding.consent_yes"), answer("yes")),
            (copy.button("onboarding.consent_more"), answer("more")),
            (copy.button("onboarding.consent_no"), answer("no")),
        ]
    )


def role_question(copy: Content) -> Inline:
    """ "Which of these fits you best?"."""
    return copy.text("onboarding.ask_role"), choose_one(
        [
            (copy.button("onboarding.role_consumer"), RoleChoice("consumer")),
            (copy.button("onboarding.role_carer"), RoleChoice("carer")),
            (copy.button("onboarding.role_invite"), RoleChoice("invite")),
        ]
    )


def relationship_question(copy: Content) -> Inline:
    """ "Who do you support?", with Back to the roles."""
    return copy.text("onboarding.ask_relationship"), choose_one(
        [(copy.button(f"onboarding.rel_{r}"), RelationshipChoice(r)) for r in RELATIONSHIPS],
        footer=[back_row(copy, BackToRoles())],
    )


def code_question(copy: Content) -> Inline:
    """ "Please type your invite code", with Back to the roles."""
    return copy.text("onboarding.ask_code"), rows(back_row(copy, BackToRoles()))


def code_refused(copy: Content, key: str) -> Inline:
    """Why a typed code didn't work (KEY), with Back to the roles."""
    return copy.text(key), rows(back_row(copy, BackToRoles()))


def region_question(copy: Content, regions: Sequence[str]) -> Inline:
    """ "Where are you?", one button per region the service offers."""
    return copy.text("onboarding.ask_region"), choose_one(
        [(region_name(copy, region), RegionChoice(region)) for region in regions]
    )


def timezone_question(copy: Content, zones: Sequence[str]) -> Inline:
    """ "Which time zone are you in?", one button per zone the service offers."""
    return copy.text("onboarding.ask_timezone"), choose_one(
        [(zone_name(copy, zone), ZoneChoice(i)) for i, zone in enumerate(zones)]
    )


def name_question(copy: Content, *, staff: bool = False, peer: bool = False) -> Inline:
    """ "What would you like to be called here?", with Skip (STAFF, and a PEER worker among
    them: who sees the name differs)."""
    key = "ask_alias_peer" if peer else "ask_alias_staff" if staff else "ask_alias"
    return copy.text(f"onboarding.{key}"), rows([(copy.button("common.skip_button"), SkipName())])


def name_again(copy: Content, problem_key: str) -> Inline:
    """Why the name won't do (PROBLEM_KEY), and the question again, with Skip."""
    return (
        copy.text(problem_key) + "\n\n" + copy.text("onboarding.ask_alias_again"),
        rows([(copy.button("common.skip_button"), SkipName())]),
    )


def role_given(copy: Content, role: str) -> str:
    """ "You've joined as a …"."""
    return copy.text("onboarding.role_given", role=copy.button(f"onboarding.role_name_{role}"))


def _name_part(copy: Content, alias: str | None) -> str:
    return copy.text("onboarding.name_part", alias=alias) if alias else ""


def help_text(copy: Content, role: str | None, commands: Sequence[BotCommand]) -> str:
    """/help: the role's intro, then its command menu itself, so the two never drift."""
    lines = [copy.text("help.line", command=c.command, description=c.description) for c in commands]
    return "\n".join([copy.text(f"help.{role or 'none'}"), "", *lines])


def done(copy: Content, alias: str | None, role: str | None, home: str) -> str:
    """The end of /start: all set, then the home's words (its buttons go with it), then a
    word that commands work too."""
    parts = [copy.text("onboarding.done_lead", name_part=Raw(_name_part(copy, alias))), home]
    if role in _FIRST_COMMAND:
        parts.append(copy.text("onboarding.done_hint", command=_FIRST_COMMAND[role]))
    return "\n\n".join(parts)


def care_link_waiting(copy: Content, code: str) -> Inline:
    """After setting up: the clinician's link they came by is still there to answer."""
    return copy.text("onboarding.care_link_waiting"), choose_one(
        [(copy.button("onboarding.care_link_open"), OpenCareTeamLink(code))]
    )


def staff_invite_question(
    copy: Content, role: str, code: str, *, live: str | None = None, name: str = ""
) -> Inline:
    """A person (ROLE) opened a staff invite (CODE): join, or stay as they are. LIVE is
    "requested" or "active" when they have a request or a match with NAME, which joining
    would end."""
    if live == "active":
        text = copy.text("onboarding.staff_invite_matched", name=name)
        join, stay = "onboarding.staff_join_end", "onboarding.staff_keep"
    elif live == "requested":
        text = copy.text("onboarding.staff_invite_requested", name=name)
        join, stay = "onboarding.staff_join_withdraw", "onboarding.staff_stay"
    else:
        text = copy.text(
            "onboarding.staff_invite", role=copy.button(f"onboarding.set_up_as.{role}")
        )
        join, stay = "onboarding.staff_join", "onboarding.staff_stay"
    return text, choose_one(
        [
            (copy.button(join), StaffInvite("join", code)),
            (copy.button(stay), StaffInvite("stay", code)),
        ]
    )


def welcome_back(copy: Content, alias: str | None) -> Persistent:
    """/start again, once set up."""
    return (
        copy.text("onboarding.welcome_back", name_part=Raw(_name_part(copy, alias))),
        need_help_keyboard(copy),
    )
