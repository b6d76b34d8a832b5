"""The profile flow's views, as a peer worker reads them."""

from __future__ import annotations

import typing

from bot.content import Content
from bot.domain.hours import parse_windows
from bot.domain.matching import PeerProfile, profile_attribute_keys
from bot.services.profiles import MANY_OF, ONE_OF, TEXT_FIELDS
from flows.profile import callbacks, views
from tests.snapshot import check_snapshot

COPY = Content()


def peer(kind: str = "consumer_peer", **changes: typing.Any) -> PeerProfile:
    fields: dict[str, typing.Any] = dict(
        user_id=2001,
        kind=kind,
        display_name="Kim <b>",
        bio="Walking & DBT helped me.",
        attributes={"support_modes": ["individual"]},
        caseload_cap=6,
        hours=parse_windows("Mon-Wed 18:00-20:00, Sat 10-12:30"),
        timezone="Australia/Sydney",
        paused=False,
        active=True,
    )
    fields.update(changes)
    return PeerProfile(**fields)


def test_setting_up() -> None:
    check_snapshot("profile/intro", views.intro(COPY))
    check_snapshot("profile/ask_name", views.ask_name(COPY))
    check_snapshot("profile/ask_bio", views.ask_bio(COPY))
    check_snapshot("profile/ask_hours", views.ask_hours(COPY))


def test_menu_of_a_new_consumer_peer_worker() -> None:
    check_snapshot("profile/menu_new", *views.menu(COPY, peer(), 0, note="profile.setup_done"))


def test_menu_with_everything_set_and_paused() -> None:
    attributes = {
        "gender": "non_binary",
        "age_band": "26_35",
        "lived_bpd": False,
        "recovery_stage": "steady",
        "languages": ["English", "Auslan"],
        "culture": "Greek Australian",
        "lgbtqia": True,
        "support_modes": ["individual", "group"],
        "frequency": ["weekly"],
    }
    check_snapshot(
        "profile/menu_full_paused",
        *views.menu(COPY, peer(attributes=attributes, paused=True, caseload_cap=15), 4),
    )


def test_menu_of_a_carer_peer_worker() -> None:
    attributes = {"relationships": ["parent", "sibling"], "years_caring": "10_plus"}
    check_snapshot(
        "profile/menu_carer_peer",
        *views.menu(COPY, peer("carer_peer", attributes=attributes, hours=()), 2),
    )


def test_questions_for_one_field() -> None:
    check_snapshot("profile/ask_text_languages", *views.ask_text(COPY, "languages"))
    check_snapshot("profile/ask_text_bio", *views.ask_text(COPY, "bio"))
    check_snapshot("profile/ask_cap", *views.ask_cap(COPY, [*range(1, 13), 15], 15, 6))
    check_snapshot("profile/ask_one_gender", *views.ask_one(COPY, "gender"))
    check_snapshot("profile/ask_one_lived_bpd", *views.ask_one(COPY, "lived_bpd"))
    check_snapshot("profile/ask_one_years_caring", *views.ask_one(COPY, "years_caring"))
    check_snapshot(
        "profile/ask_many_relationships",
        *views.ask_many(COPY, "relationships", ["parent", "other"]),
    )
    check_snapshot("profile/closed", views.closed(COPY))


def test_a_change_is_one_saved_line_with_a_button_to_see_the_card() -> None:
    weekdays = peer(hours=parse_windows("Mon-Fri 9am-9pm, Sat 10am-2pm"))
    check_snapshot("profile/saved_hours", *views.saved(COPY, weekdays, "hours"))
    check_snapshot(
        "profile/saved_gender", *views.saved(COPY, peer(attributes={"gender": "woman"}), "gender")
    )
    check_snapshot("profile/saved_culture_cleared", *views.saved(COPY, peer(), "culture"))
    text, markup = views.saved(COPY, weekdays, "hours")
    assert text.count("\n") == 0 and "Mon–Fri 9am–9pm" in text
    assert [b.text for row in markup.inline_keyboard for b in row] == ["See my profile"]
    check_snapshot("profile/paused_line", *views.pause_changed(COPY, True))


def test_flagged_words_about_them_ask_whether_to_keep_them() -> None:
    check_snapshot("profile/keep_flagged", *views.keep_bio_question(COPY))


def test_callback_fields_name_exactly_the_fields_the_service_knows() -> None:
    def literal(name: str) -> set[str]:
        return set(typing.get_args(getattr(callbacks, name)))

    assert literal("TextField") == set(TEXT_FIELDS)
    assert literal("OneField") == set(ONE_OF)
    assert literal("ManyField") == set(MANY_OF)
    assert literal("Attribute") == {
        *profile_attribute_keys("consumer_peer"),
        *profile_attribute_keys("carer_peer"),
    }


def test_every_menu_button_fits_in_telegrams_64_bytes() -> None:
    for kind in ("consumer_peer", "carer_peer"):
        _, markup = views.menu(COPY, peer(kind), 0)
        for row in markup.inline_keyboard:
            for button in row:
                assert button.callback_data is not None
                assert len(str(button.callback_data).encode()) <= 64
