"""What the profile flow shows: pure functions from copy and data to text and keyboards."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from telegram import InlineKeyboardMarkup

from bot.content import Content, Raw
from bot.domain.matching import PeerProfile, profile_attribute_keys
from bot.keyboards import Choice, back_row, choose_one, rows, toggles
from bot.nominated_hours import describe_hours
from bot.services.profiles import MANY_OF, ONE_OF, YES_NO
from flows.profile.callbacks import (
    AskCap,
    AskMany,
    AskOne,
    Attribute,
    Clear,
    Done,
    EditText,
    KeepBio,
    ManyDone,
    ManyField,
    Menu,
    OneField,
    Pause,
    SetCap,
    SetOne,
    TextField,
    Toggle,
)

__all__ = [
    "ask_bio",
    "ask_cap",
    "ask_hours",
    "ask_many",
    "ask_name",
    "ask_one",
    "ask_text",
    "closed",
    "field_value",
    "intro",
    "keep_bio_question",
    "menu",
    "pause_changed",
    "saved",
    "value_label",
]

# Which of matching's option lists (content/copy/matching.yaml `opt`) labels an attribute.
_OPTION_LABELS = {
    "gender": "gender",
    "age_band": "age_band",
    "recovery_stage": "recovery_stage",
    "support_modes": "support_mode",
    "frequency": "frequency",
    "relationships": "relationship",
}


def _option(copy: Content, attr: str, value: Any) -> str:
    if attr in YES_NO:
        return copy.button("profile.yes" if value in (True, "yes") else "profile.no")
    if attr == "years_caring":
        return copy.button(f"profile.years.{value}")
    return copy.button(f"matching.opt.{_OPTION_LABELS[attr]}.{value}")


def value_label(copy: Content, attr: str, value: Any) -> str:
    """An attribute's stored value as people read it."""
    if attr in MANY_OF:
        return ", ".join(_option(copy, attr, v) for v in value)
    if attr in ONE_OF:
        return _option(copy, attr, value)
    if attr == "languages":
        return ", ".join(value)
    return str(value)


# -- setting up --------------------------------------------------------------------------------


def intro(copy: Content) -> str:
    """What a profile is for, before the first question."""
    return copy.text("profile.setup_intro")


def ask_name(copy: Content) -> str:
    """The name people will see."""
    return copy.text("profile.ask_display_name")


def ask_bio(copy: Content) -> str:
    """A few sentences about them."""
    return copy.text("profile.ask_bio")


def ask_hours(copy: Content) -> str:
    """Their nominated hours, and how to type them."""
    return copy.text("profile.ask_hours")


# -- the menu ----------------------------------------------------------------------------------


def _edit(attr: str) -> EditText | AskOne | AskMany:
    # ATTR comes from profile_attribute_keys, whose names the callbacks' Literals list.
    if attr in MANY_OF:
        return AskMany(cast(ManyField, attr))
    if attr in ONE_OF:
        return AskOne(cast(OneField, attr))
    return EditText(cast(TextField, attr))


def menu(
    copy: Content, profile: PeerProfile, load: int, note: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    """The profile as it stands, with a button for everything that can change."""
    unset = copy.button("profile.unset")
    attrs = profile_attribute_keys(profile.kind)
    lines = [
        copy.text(
            "profile.line",
            label=copy.button(f"profile.f.{attr}"),
            value=value_label(copy, attr, value)
            if (value := profile.attributes.get(attr)) not in (None, "", [])
            else unset,
        )
        for attr in attrs
    ]
    text = copy.text(
        "profile.menu",
        name=profile.display_name,
        bio=profile.bio,
        hours=describe_hours(copy, profile.hours, profile.timezone) or unset,
        load=load,
        cap=profile.caseload_cap,
        status=copy.button("profile.status_paused" if profile.paused else "profile.status_open"),
        attributes=Raw("\n".join(lines)),
    )
    if note:
        text = copy.text(note) + "\n\n" + text
    fields: list[Choice] = [(copy.button(f"profile.f.{attr}"), _edit(attr)) for attr in attrs]
    pause = (
        ("profile.resume_button", Pause(False))
        if profile.paused
        else ("profile.pause_button", Pause(True))
    )
    return text, rows(
        [
            (copy.button("profile.f.display_name"), EditText("display_name")),
            (copy.button("profile.f.bio"), EditText("bio")),
        ],
        [
            (copy.button("profile.f.hours"), EditText("hours")),
            (copy.button("profile.f.caseload_cap"), AskCap()),
        ],
        *(fields[i : i + 2] for i in range(0, len(fields), 2)),
        [(copy.button(pause[0]), pause[1])],
        [(copy.button("profile.done_button"), Done())],
    )


def closed(copy: Content) -> str:
    """The menu closed; /profile opens it again."""
    return copy.text("profile.closed")


def field_value(copy: Content, profile: PeerProfile, field: str) -> str:
    """FIELD of PROFILE as people read it (hours for a phone, in the peer worker's zone)."""
    if field == "display_name":
        return profile.display_name
    if field == "bio":
        return profile.bio
    if field == "hours":
        return describe_hours(copy, profile.hours, profile.timezone) or copy.button("profile.unset")
    if field == "caseload_cap":
        return str(profile.caseload_cap)
    value = profile.attributes.get(field)
    if value in (None, "", []):
        return copy.button("profile.unset")
    return value_label(copy, field, value)


def _to_the_card(copy: Content) -> InlineKeyboardMarkup:
    return rows([(copy.button("profile.see_card_button"), Menu())])


def saved(copy: Content, profile: PeerProfile, field: str) -> tuple[str, InlineKeyboardMarkup]:
    """One short line after a change, "Saved. Hours: ...", and a button to see the whole
    profile (not the whole card again, which is long on a phone)."""
    return copy.text(
        "profile.saved_line",
        label=copy.button(f"profile.f.{field}"),
        value=field_value(copy, profile, field),
    ), _to_the_card(copy)


def pause_changed(copy: Content, paused: bool) -> tuple[str, InlineKeyboardMarkup]:
    """New matches paused or resumed, in a line, and a button to see the whole profile."""
    return copy.text("profile.paused" if paused else "profile.resumed"), _to_the_card(copy)


def keep_bio_question(copy: Content) -> tuple[str, InlineKeyboardMarkup]:
    """After the crisis card, for words about them that it flagged: "Keep these words in your
    profile?" or "Write it differently" (lived experience often touches hard times)."""
    return copy.text("profile.keep_flagged"), rows(
        [(copy.button("profile.keep_flagged_yes"), KeepBio("yes"))],
        [(copy.button("profile.keep_flagged_no"), KeepBio("no"))],
    )


# -- changing one thing ------------------------------------------------------------------------


def ask_text(copy: Content, field: str) -> tuple[str, InlineKeyboardMarkup]:
    """Ask for a typed field, with Back (and Clear it, for optional ones)."""
    footer: list[Sequence[Choice]] = [back_row(copy, Menu())]
    if field in ("languages", "culture"):
        footer.insert(0, [(copy.button("profile.clear_button"), Clear(cast(Attribute, field)))])
    return copy.text(f"profile.ask_{field}"), rows(*footer)


def ask_cap(
    copy: Content, caps: Sequence[int], cap: int, default: int
) -> tuple[str, InlineKeyboardMarkup]:
    """The caps to choose from, four to a row, with Back."""
    return copy.text("profile.ask_caseload_cap", cap=cap, default=default), choose_one(
        [(str(n), SetCap(n)) for n in caps], columns=4, footer=[back_row(copy, Menu())]
    )


def ask_one(copy: Content, field: OneField) -> tuple[str, InlineKeyboardMarkup]:
    """The values of a one-of attribute, "Prefer not to say", and Back."""
    return copy.text(f"profile.ask_{field}"), choose_one(
        [(_option(copy, field, v), SetOne(field, v)) for v in ONE_OF[field]]
        + [(copy.button("profile.not_saying"), Clear(field))],
        footer=[back_row(copy, Menu())],
    )


def ask_many(
    copy: Content, field: ManyField, chosen: Sequence[str]
) -> tuple[str, InlineKeyboardMarkup]:
    """On/off switches for a many-of attribute, ticked where on, then Done."""
    switches = toggles(
        [(_option(copy, field, v), v in chosen, Toggle(field, v)) for v in MANY_OF[field]],
        columns=1,
    )
    return copy.text(f"profile.ask_{field}"), rows(
        *switches, [(copy.button("profile.done_editing"), ManyDone(field))]
    )
