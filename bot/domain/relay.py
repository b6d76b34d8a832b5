"""Chat relay rules: when a message may be delivered, the flood limit, and who reads a note.

Pure functions over frozen dataclasses; the current time is always passed in.

Delivery. A message to a peer worker goes at once inside their nominated hours and is held
until the next window opens outside them (DESIGN rule 3). Messages from a peer worker to a
person are never held: the peer worker chose to write then. A peer worker with no hours set
yet is reachable at once, so nobody's message waits for a window that never opens.

Flood limit. A person may send FLOOD_LIMIT messages to their peer worker within any
FLOOD_WINDOW. Nothing over the limit is dropped: each extra message is *held* and given the
first delivery slot that keeps the peer worker's chat under the limit, in the order it was
sent, and the sender is asked once per burst to slow down and told that nothing is lost.
Held messages (outside hours) pass through the same slots, so a night's worth of messages
reaches the peer worker a few at a time when their window opens, not all in one second.

Held messages have a cap per sender (a service setting): past it a message is not kept, and
the sender is told once per wait, kindly, when the others will arrive.

Endings. A peer worker who ends a match may add a few words for the person within
GOODBYE_WINDOW; the person's one message about the ending waits that long for them.

Departures. A peer worker going on leave chooses, per person, a handover or a pause; one
leaving the service has every person handed over by a coordinator first.

Notes (study Table 2). The person sees every note written about them. In the integrated
model the person chooses, per note, whether it is shared with the clinical team (private by
default) and clinicians read only shared notes. In the complementary model nothing is ever
shared and there are no clinicians. The peer worker who wrote a note may read it back.
Nobody else (coordinators included) reads notes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.hours import Window, next_open

__all__ = [
    "COMPLEMENTARY",
    "FLOOD_LIMIT",
    "FLOOD_WINDOW",
    "GOODBYE_MAX_CHARS",
    "GOODBYE_WINDOW",
    "INTEGRATED",
    "NOTE_MAX_CHARS",
    "RUN_GAP",
    "Delivery",
    "Departure",
    "Note",
    "cap_reached",
    "clean_note",
    "clinicians_exist",
    "day_word",
    "may_read_note",
    "may_share_notes",
    "needs_label",
    "plan_delivery",
    "slots_to_keep",
    "tell_cap",
    "visible_notes",
]

FLOOD_LIMIT = 10  # messages ...
FLOOD_WINDOW = timedelta(seconds=60)  # ... per this sliding window, per sender
RUN_GAP = timedelta(minutes=10)  # a new name label after this long a pause
NOTE_MAX_CHARS = 1000  # a note fits a message, with three to a page
GOODBYE_MAX_CHARS = 600  # a peer worker's few words when a match ends
GOODBYE_WINDOW = timedelta(minutes=10)  # how long the person's ending message waits for them

INTEGRATED = "integrated"
COMPLEMENTARY = "complementary"


@dataclass(frozen=True, slots=True)
class Delivery:
    """When one relayed message may reach its recipient, and what the sender is told."""

    at: datetime  # the delivery slot (equal to now for "at once")
    held_for_hours: bool  # the recipient's nominated hours are closed until `opens`
    opens: datetime  # when the recipient's hours next open (now if open)
    throttled: bool  # pushed past `opens` by the flood limit
    tell_slow_down: bool  # first throttled message of a burst: ask the sender to slow down

    def is_now(self, now: datetime) -> bool:
        """Whether the message can be delivered at NOW."""
        return self.at <= now


def plan_delivery(
    now: datetime,
    windows: Sequence[Window],
    tz: ZoneInfo,
    recent_slots: Sequence[datetime],
    *,
    hours_apply: bool = True,
    flood_applies: bool = True,
    limit: int = FLOOD_LIMIT,
    window: timedelta = FLOOD_WINDOW,
) -> Delivery:
    """Plan a message sent at NOW.

    WINDOWS and TZ are the recipient's nominated hours (ignored unless HOURS_APPLY);
    RECENT_SLOTS are the delivery slots already given to this sender's recent messages, at
    least the last LIMIT of them, in any order (past ones delivered, future ones held).
    """
    if limit < 1:
        raise ValueError("the flood limit must allow at least one message")
    opens = now
    if hours_apply and windows:
        opens = next_open(windows, tz, now) or now
    slot = opens
    slots = sorted(recent_slots)
    if flood_applies and slots:
        # Keep the sender's order: never ahead of a message they sent earlier.
        slot = max(slot, slots[-1])
        if len(slots) >= limit:
            slot = max(slot, slots[-limit] + window)
    throttled = slot > opens
    held_for_hours = opens > now
    # Ask once per burst: if an earlier message is still waiting, they were already told.
    tell = throttled and not held_for_hours and not any(s > now for s in slots)
    return Delivery(
        at=slot,
        held_for_hours=held_for_hours,
        opens=opens,
        throttled=throttled,
        tell_slow_down=tell,
    )


def slots_to_keep(
    slots: Iterable[datetime],
    now: datetime,
    *,
    limit: int = FLOOD_LIMIT,
    window: timedelta = FLOOD_WINDOW,
) -> list[datetime]:
    """The slots plan_delivery still needs after NOW: the newest LIMIT not yet out of the
    window (older ones can no longer hold a message back)."""
    return sorted(s for s in slots if s > now - window)[-limit:]


def needs_label(
    last_sender: int | None,
    last_at: datetime | None,
    sender: int,
    now: datetime,
    *,
    gap: timedelta = RUN_GAP,
) -> bool:
    """Whether a relayed message needs the sender's name above it: the first of a run, a
    change of sender in the recipient's chat, or the first after a pause of GAP."""
    if last_sender is None or last_at is None:
        return True
    return last_sender != sender or now - last_at >= gap


def cap_reached(waiting: int, cap: int) -> bool:
    """Whether a sender with WAITING messages held for the recipient's hours may not add one
    more (CAP is the service's setting)."""
    return waiting >= cap


def tell_cap(told_at: datetime | None, waiting_since: datetime | None) -> bool:
    """Whether to tell a sender (at length) that the cap is reached: once per wait, where a
    wait starts with the oldest message still held (WAITING_SINCE)."""
    return told_at is None or waiting_since is None or told_at < waiting_since


def day_word(at: datetime, tz: ZoneInfo, now: datetime) -> str:
    """'today', 'tomorrow' or 'later': how AT falls from NOW in the reader's TZ."""
    days = (at.astimezone(tz).date() - now.astimezone(tz).date()).days
    if days <= 0:
        return "today"
    if days == 1:
        return "tomorrow"
    return "later"


# -- departures ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Departure:
    """A peer worker going on leave ('leave') or leaving the service ('leaving'); CHOICES
    says, per match, what was chosen for that person while on leave ('handover', 'pause')."""

    peer_id: int
    kind: str
    started_at: datetime
    started_by: int | None
    choices: Mapping[int, str]

    def paused(self, match_id: int) -> bool:
        """Whether MATCH_ID's person is waiting for the peer worker's return."""
        return self.kind == "leave" and self.choices.get(match_id) == "pause"


# -- notes ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Note:
    """A note a peer worker wrote about a person; BODY is ciphertext (never plain text)."""

    id: int
    person_id: int
    author_id: int | None  # None once the author's own data was erased
    match_id: int | None
    body: bytes
    shared: bool
    decided_at: datetime | None
    created_at: datetime


def clinicians_exist(model: str) -> bool:
    """Clinicians are a role only in the integrated model."""
    return model == INTEGRATED


def may_share_notes(model: str) -> bool:
    """Whether a person can choose to share a note with the clinical team under MODEL."""
    return model == INTEGRATED


def may_read_note(note: Note, viewer_id: int, viewer_role: str | None, model: str) -> bool:
    """Whether VIEWER may read NOTE under MODEL."""
    if viewer_id == note.person_id:
        return True  # the person sees every note written about them
    if note.author_id is not None and viewer_id == note.author_id:
        return True
    return viewer_role == "clinician" and clinicians_exist(model) and note.shared


def visible_notes(
    notes: Iterable[Note], viewer_id: int, viewer_role: str | None, model: str
) -> list[Note]:
    """The notes VIEWER may read, oldest first."""
    return sorted(
        (n for n in notes if may_read_note(n, viewer_id, viewer_role, model)),
        key=lambda n: (n.created_at, n.id),
    )


def clean_note(text: str, *, limit: int = NOTE_MAX_CHARS) -> str | None:
    """A note's text tidied (trailing spaces, blank edges), or None if empty or too long."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    cleaned = "\n".join(lines).strip()
    if not cleaned or len(cleaned) > limit:
        return None
    return cleaned
