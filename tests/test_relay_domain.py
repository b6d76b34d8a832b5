"""Relay rules without a bot: delivery inside nominated hours, the flood limit, labels, notes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.hours import parse_windows
from bot.domain.relay import (
    FLOOD_LIMIT,
    FLOOD_WINDOW,
    Note,
    clean_note,
    clinicians_exist,
    day_word,
    may_read_note,
    may_share_notes,
    needs_label,
    plan_delivery,
    slots_to_keep,
    visible_notes,
)

SYD = ZoneInfo("Australia/Sydney")
EVENINGS = parse_windows("Mon-Fri 18:00-20:00")
# Monday 2 March 2026, 19:00 in Sydney (AEDT, UTC+11) = 08:00 UTC.
IN_HOURS = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
# Monday 2 March 2026, 21:00 in Sydney = 10:00 UTC; the next window is Tuesday 18:00.
AFTER_HOURS = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
TUESDAY_OPEN = datetime(2026, 3, 3, 7, 0, tzinfo=UTC)


# -- delivery inside nominated hours -------------------------------------------------------


def test_inside_hours_goes_at_once() -> None:
    plan = plan_delivery(IN_HOURS, EVENINGS, SYD, [])
    assert plan.is_now(IN_HOURS)
    assert not plan.held_for_hours and not plan.throttled and not plan.tell_slow_down


def test_outside_hours_is_held_until_the_next_window() -> None:
    plan = plan_delivery(AFTER_HOURS, EVENINGS, SYD, [])
    assert not plan.is_now(AFTER_HOURS)
    assert plan.held_for_hours
    assert plan.at == plan.opens == TUESDAY_OPEN
    assert not plan.tell_slow_down  # the hours notice says it all


def test_friday_night_waits_for_monday() -> None:
    friday_night = datetime(2026, 3, 6, 11, 0, tzinfo=UTC)  # Fri 22:00 Sydney
    plan = plan_delivery(friday_night, EVENINGS, SYD, [])
    assert plan.at == datetime(2026, 3, 9, 7, 0, tzinfo=UTC)  # Mon 18:00 Sydney


def test_hours_across_daylight_saving_end() -> None:
    # Sydney leaves daylight saving on Sunday 5 April 2026: UTC+11 becomes UTC+10.
    saturday_night = datetime(2026, 4, 4, 11, 0, tzinfo=UTC)  # Sat 22:00 AEDT
    plan = plan_delivery(saturday_night, EVENINGS, SYD, [])
    assert plan.at == datetime(2026, 4, 6, 8, 0, tzinfo=UTC)  # Mon 18:00 AEST


def test_no_hours_set_or_hours_not_applying_means_at_once() -> None:
    assert plan_delivery(AFTER_HOURS, (), SYD, []).is_now(AFTER_HOURS)
    assert plan_delivery(AFTER_HOURS, EVENINGS, SYD, [], hours_apply=False).is_now(AFTER_HOURS)


# -- the flood limit -----------------------------------------------------------------------


def _burst(now: datetime, n: int) -> list[datetime]:
    """Slots as plan_delivery would give N messages sent in one second at NOW."""
    slots: list[datetime] = []
    for _ in range(n):
        slots.append(plan_delivery(now, EVENINGS, SYD, slots).at)
    return slots


def test_up_to_the_limit_goes_at_once() -> None:
    slots = _burst(IN_HOURS, FLOOD_LIMIT)
    assert slots == [IN_HOURS] * FLOOD_LIMIT


def test_over_the_limit_is_held_never_dropped_and_asked_once() -> None:
    slots = _burst(IN_HOURS, FLOOD_LIMIT)
    first_over = plan_delivery(IN_HOURS, EVENINGS, SYD, slots)
    assert first_over.throttled and first_over.tell_slow_down
    assert first_over.at == IN_HOURS + FLOOD_WINDOW
    slots.append(first_over.at)
    second_over = plan_delivery(IN_HOURS, EVENINGS, SYD, slots)
    assert second_over.throttled and not second_over.tell_slow_down  # told already
    assert second_over.at == IN_HOURS + FLOOD_WINDOW


def test_a_long_burst_is_spread_a_window_at_a_time_in_order() -> None:
    slots = _burst(IN_HOURS, 3 * FLOOD_LIMIT + 1)
    assert slots == sorted(slots)
    for k in range(4):
        in_window = [s for s in slots if s == IN_HOURS + k * FLOOD_WINDOW]
        assert len(in_window) == (FLOOD_LIMIT if k < 3 else 1)


def test_the_window_slides() -> None:
    slots = _burst(IN_HOURS, FLOOD_LIMIT)
    later = IN_HOURS + FLOOD_WINDOW
    plan = plan_delivery(later, EVENINGS, SYD, slots)
    assert plan.is_now(later) and not plan.throttled


def test_messages_held_overnight_reach_the_peer_worker_a_few_at_a_time() -> None:
    slots: list[datetime] = []
    for i in range(FLOOD_LIMIT + 2):
        sent = AFTER_HOURS + timedelta(minutes=5 * i)  # calm, hours apart from the window
        plan = plan_delivery(sent, EVENINGS, SYD, slots)
        assert plan.held_for_hours and not plan.tell_slow_down
        slots.append(plan.at)
    assert slots[:FLOOD_LIMIT] == [TUESDAY_OPEN] * FLOOD_LIMIT
    assert slots[FLOOD_LIMIT:] == [TUESDAY_OPEN + FLOOD_WINDOW] * 2


def test_only_the_slots_the_window_needs_are_kept() -> None:
    old = IN_HOURS - FLOOD_WINDOW - timedelta(seconds=1)
    slots = [old, *_burst(IN_HOURS, 3 * FLOOD_LIMIT)]
    kept = slots_to_keep(slots, IN_HOURS)
    assert old not in kept and len(kept) == FLOOD_LIMIT
    assert kept == sorted(slots)[-FLOOD_LIMIT:]
    # Planning from what is kept gives the same slot as planning from everything.
    assert (
        plan_delivery(IN_HOURS, EVENINGS, SYD, kept).at
        == plan_delivery(IN_HOURS, EVENINGS, SYD, slots).at
    )


def test_kept_slots_reproduce_a_long_burst() -> None:
    kept: list[datetime] = []
    every: list[datetime] = []
    for _ in range(3 * FLOOD_LIMIT + 3):
        plan = plan_delivery(IN_HOURS, EVENINGS, SYD, kept)
        assert plan.at == plan_delivery(IN_HOURS, EVENINGS, SYD, every).at
        every.append(plan.at)
        kept = slots_to_keep([*kept, plan.at], IN_HOURS)


def test_flood_limit_can_be_switched_off_for_a_direction() -> None:
    slots = [IN_HOURS] * (FLOOD_LIMIT * 2)
    assert plan_delivery(IN_HOURS, (), SYD, slots, flood_applies=False).is_now(IN_HOURS)


def test_a_limit_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        plan_delivery(IN_HOURS, (), SYD, [], limit=0)


# -- labels and days -----------------------------------------------------------------------


def test_a_label_starts_each_run() -> None:
    now = IN_HOURS
    assert needs_label(None, None, 1, now)
    assert needs_label(2, now, 1, now)  # a different sender
    assert not needs_label(1, now - timedelta(minutes=2), 1, now)
    assert needs_label(1, now - timedelta(minutes=10), 1, now)  # after a pause


def test_day_word_in_the_readers_time_zone() -> None:
    # Tuesday 18:00 in Sydney is still Monday 23:00 in Los Angeles, where it is 02:00 Monday.
    los_angeles = ZoneInfo("America/Los_Angeles")
    assert day_word(TUESDAY_OPEN, SYD, AFTER_HOURS) == "tomorrow"
    assert day_word(TUESDAY_OPEN, los_angeles, AFTER_HOURS) == "today"
    assert day_word(AFTER_HOURS + timedelta(days=3), SYD, AFTER_HOURS) == "later"


# -- notes ---------------------------------------------------------------------------------

PERSON, AUTHOR, OTHER_PEER, CLINICIAN, COORDINATOR = 1, 2, 3, 4, 5


def _note(shared: bool, note_id: int = 1, author: int | None = AUTHOR) -> Note:
    return Note(
        id=note_id,
        person_id=PERSON,
        author_id=author,
        match_id=9,
        body=b"x",
        shared=shared,
        decided_at=None,
        created_at=IN_HOURS + timedelta(minutes=note_id),
    )


@pytest.mark.parametrize("model", ["integrated", "complementary"])
@pytest.mark.parametrize("shared", [True, False])
def test_the_person_always_sees_their_notes(model: str, shared: bool) -> None:
    assert may_read_note(_note(shared), PERSON, "consumer", model)


@pytest.mark.parametrize("model", ["integrated", "complementary"])
def test_the_author_reads_back_but_other_staff_do_not(model: str) -> None:
    note = _note(True)
    assert may_read_note(note, AUTHOR, "consumer_peer", model)
    assert not may_read_note(note, OTHER_PEER, "consumer_peer", model)
    assert not may_read_note(note, COORDINATOR, "coordinator", model)


def test_clinicians_read_only_shared_notes_in_the_integrated_model() -> None:
    assert may_read_note(_note(True), CLINICIAN, "clinician", "integrated")
    assert not may_read_note(_note(False), CLINICIAN, "clinician", "integrated")


def test_clinicians_read_nothing_in_the_complementary_model() -> None:
    # Even a note shared while the service was integrated stays closed after a change.
    assert not may_read_note(_note(True), CLINICIAN, "clinician", "complementary")


def test_model_switches() -> None:
    assert clinicians_exist("integrated") and may_share_notes("integrated")
    assert not clinicians_exist("complementary") and not may_share_notes("complementary")


def test_an_erased_author_leaves_the_note_with_the_person() -> None:
    note = _note(True, author=None)
    assert may_read_note(note, PERSON, "consumer", "integrated")
    assert not may_read_note(note, AUTHOR, "consumer_peer", "integrated")


def test_visible_notes_filters_and_orders() -> None:
    notes = [_note(True, 3), _note(False, 1), _note(True, 2)]
    assert [n.id for n in visible_notes(notes, CLINICIAN, "clinician", "integrated")] == [2, 3]
    assert [n.id for n in visible_notes(notes, PERSON, "consumer", "integrated")] == [1, 2, 3]
    assert visible_notes(notes, CLINICIAN, "clinician", "complementary") == []


def test_clean_note() -> None:
    assert clean_note("  Talked about the week.  \n\n  ") == "Talked about the week."
    assert clean_note("line one   \nline two") == "line one\nline two"
    assert clean_note("   ") is None
    assert clean_note("x" * 1001) is None
    assert clean_note("x" * 1000) == "x" * 1000
