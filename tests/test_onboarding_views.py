"""The onboarding flow's views (/start, /help), as a person reads them."""

from __future__ import annotations

import typing

from telegram import BotCommand

from bot.callbacks import pack, unpack
from bot.content import Content
from bot.domain.roles import RELATIONSHIPS, Relationship
from flows.onboarding.callbacks import (
    Consent,
    ConsentWithCode,
    ConsentWithSource,
    RelationshipChoice,
    StaffInvite,
)
from flows.onboarding.views import (
    code_question,
    code_refused,
    done,
    help_text,
    name_again,
    name_question,
    privacy_notice,
    region_question,
    relationship_question,
    role_given,
    role_question,
    staff_invite_question,
    timezone_question,
    welcome,
    welcome_back,
)
from tests.snapshot import check_snapshot

COPY = Content()
CODE = "AbCdEfGhIjKlMnOpQrStUvWx"  # the shape of a code the bot makes (24 characters)


def test_welcome_and_privacy_notice() -> None:
    text, keyboard = welcome(COPY, "Harbour Health")
    check_snapshot("onboarding/welcome", text)
    assert keyboard.keyboard[0][0].text == "Need help now" and keyboard.is_persistent
    check_snapshot("onboarding/privacy", *privacy_notice(COPY))
    check_snapshot("onboarding/privacy_more_with_code", *privacy_notice(COPY, CODE, more=True))


def test_the_questions() -> None:
    check_snapshot("onboarding/role_question", *role_question(COPY))
    check_snapshot("onboarding/relationship_question", *relationship_question(COPY))
    check_snapshot("onboarding/code_question", *code_question(COPY))
    check_snapshot("onboarding/region_question", *region_question(COPY, ("AU", "NZ")))
    check_snapshot(
        "onboarding/timezone_question",
        *timezone_question(COPY, ("Australia/Broken_Hill", "Pacific/Auckland")),
    )
    check_snapshot("onboarding/name_question", *name_question(COPY))
    check_snapshot("onboarding/name_question_staff", *name_question(COPY, staff=True))
    check_snapshot("onboarding/name_question_peer", *name_question(COPY, staff=True, peer=True))
    check_snapshot(
        "onboarding/name_again_staff_title", *name_again(COPY, "onboarding.name_problem.staff")
    )
    check_snapshot("onboarding/code_refused", *code_refused(COPY, "onboarding.code_used"))


def test_a_person_opening_a_staff_invite_is_asked_first() -> None:
    check_snapshot("onboarding/staff_invite", *staff_invite_question(COPY, "carer", CODE))
    check_snapshot(
        "onboarding/staff_invite_requested",
        *staff_invite_question(COPY, "consumer", CODE, live="requested", name="Kim"),
    )
    check_snapshot(
        "onboarding/staff_invite_matched",
        *staff_invite_question(COPY, "consumer", CODE, live="active", name="Jo"),
    )
    _, markup = staff_invite_question(COPY, "consumer", "x" * 40, live="active", name="Jo")
    data = [b.callback_data for row in markup.inline_keyboard for b in row]
    assert [unpack(d) for d in data] == [
        StaffInvite("join", "x" * 40),
        StaffInvite("stay", "x" * 40),
    ]
    assert all(len(str(d).encode()) <= 64 for d in data)


def test_endings() -> None:
    check_snapshot("onboarding/role_given", role_given(COPY, "carer_peer"))
    commands = [
        BotCommand("start", COPY.button("commands.start")),
        BotCommand("help", COPY.button("commands.help")),
    ]
    help_ = help_text(COPY, None, commands)
    check_snapshot("onboarding/help_none", help_)
    check_snapshot("onboarding/done_named", done(COPY, "Ally <3", "consumer", "(the home)"))
    check_snapshot("onboarding/done_unnamed", done(COPY, None, "carer_peer", "(the home)"))
    check_snapshot("onboarding/welcome_back", welcome_back(COPY, "Ally")[0])


def test_a_name_is_escaped_once() -> None:
    assert "Ally &lt;3" in done(COPY, "Ally <3", "consumer", "")
    assert "&amp;lt;" not in done(COPY, "Ally <3", "consumer", "")


def test_consent_buttons_carry_an_invite_code_within_64_bytes() -> None:
    _, markup = privacy_notice(COPY, "x" * 40)
    data = [button.callback_data for row in markup.inline_keyboard for button in row]
    assert [unpack(d) for d in data] == [
        ConsentWithCode(a, "x" * 40)  # type: ignore[arg-type]
        for a in ("yes", "more", "no")
    ]
    assert all(len(str(d).encode()) <= 64 for d in data)
    assert pack(Consent("yes")) == "onb.ok:yes"


def test_consent_buttons_carry_a_referral_link_and_nothing_else() -> None:
    _, markup = privacy_notice(COPY, source="AbCdEfGhIjKl")
    data = [unpack(b.callback_data) for row in markup.inline_keyboard for b in row]
    assert data == [
        ConsentWithSource(a, "AbCdEfGhIjKl")  # type: ignore[arg-type]
        for a in ("yes", "more", "no")
    ]


def test_relationship_buttons_name_every_relationship() -> None:
    assert typing.get_args(Relationship) == RELATIONSHIPS
    _, markup = relationship_question(COPY)
    chosen = [unpack(b.callback_data) for row in markup.inline_keyboard for b in row]
    assert [c.relationship for c in chosen if isinstance(c, RelationshipChoice)] == list(
        RELATIONSHIPS
    )
