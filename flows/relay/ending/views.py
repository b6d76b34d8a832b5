"""What /end shows, and what each side reads when a match ends: pure functions from copy and
data to text and keyboards."""

from __future__ import annotations

from collections.abc import Mapping

from telegram import InlineKeyboardMarkup

from bot.content import Content
from bot.keyboards import Choice, rows
from bot.links import departure, find_peer_worker, resources_home
from flows.relay.ending.callbacks import EndKeep, EndWhich, EndYes, GoodbyeFlagged, GoodbyeSkip
from flows.relay.views import unsent_line

__all__ = [
    "confirm",
    "coordinators",
    "ended",
    "for_peer",
    "for_person",
    "goodbye_flagged",
    "goodbye_question",
    "none_peer",
    "which",
]

View = tuple[str, InlineKeyboardMarkup]

#: What the person reads, by why their match ended (they did not choose it).
_FOR_PERSON = {
    "peer": "relay.ended_by_peer",
    "erasure": "relay.ended_peer_gone",
    "departure": "relay.ended_departure",
}


def _leaving(copy: Content) -> list[Choice]:
    return [(copy.button("relay.departure_button"), departure())]


def which(copy: Content, names: Mapping[int, str]) -> View:
    """A peer worker with several people: which match to end (or none), or going away."""
    lines: list[list[Choice]] = [
        [(copy.button("relay.end_with_button", name=name), EndWhich(match))]
        for match, name in names.items()
    ]
    lines.append([(copy.button("relay.end_none_button"), EndKeep())])
    lines.append(_leaving(copy))
    return copy.text("relay.end_which"), rows(*lines)


def confirm(copy: Content, match_id: int, *, as_person: bool, other: str) -> View:
    """Would you like to end your match with OTHER? Yes or no (and, for a peer worker, going
    on leave or leaving, which never leaves their people without a word)."""
    text = (
        copy.text("relay.end_confirm_person", peer=other)
        if as_person
        else copy.text("relay.end_confirm_peer", person=other)
    )
    return text, rows(
        [(copy.button("relay.end_yes_button"), EndYes(match_id))],
        [(copy.button("relay.end_no_button"), EndKeep())],
        [] if as_person else _leaving(copy),
    )


def none_peer(copy: Content) -> View:
    """A peer worker with nobody matched: nothing to end (going away is still possible)."""
    return copy.text("relay.end_none_peer"), rows(_leaving(copy))


def ended(copy: Content, *, other: str, unsent: int) -> str:
    """What the person who ended their match reads (and what wasn't passed on)."""
    return copy.text("relay.ended_by_you_person", peer=other) + unsent_line(copy, unsent, other)


def goodbye_question(copy: Content, person: str, match_id: int) -> View:
    """The peer worker ended it: would they like to add a few words for PERSON?"""
    return (
        copy.text("relay.ended_by_you_peer", person=person),
        rows([(copy.button("relay.goodbye_skip_button"), GoodbyeSkip(match_id))]),
    )


def goodbye_flagged(copy: Content, person: str) -> View:
    """The few words may be hard for PERSON to read: send them as they are, or change them."""
    return copy.text("relay.risky", name=person), rows(
        [
            (copy.button("relay.risky_send_button"), GoodbyeFlagged(True)),
            (copy.button("relay.risky_change_button"), GoodbyeFlagged(False)),
        ]
    )


def for_person(
    copy: Content, *, why: str, peer: str, unsent: int, was_active: bool, words: str | None = None
) -> View:
    """The person's one message about an ending they did not choose: what happened, without
    blame, the peer worker's few words if any, what wasn't passed on, and what happens next."""
    key = (
        _FOR_PERSON.get(why, "relay.ended_by_peer")
        if was_active
        else "relay.request_closed_peer_away"
        if why == "leave"
        else "relay.request_closed_peer_gone"
    )
    text = copy.text(key, peer=peer)
    if words:
        text += "\n\n" + copy.text("relay.ended_words", peer=peer, words=words)
    text += unsent_line(copy, unsent, peer) + "\n\n" + copy.text("relay.ended_next_step")
    return text, rows(
        [(copy.button("relay.choose_new_button"), find_peer_worker())],
        [(copy.button("relay.resources_button"), resources_home())],
    )


def for_peer(copy: Content, *, why: str, was_active: bool, person: str, alias: str | None) -> str:
    """What the peer worker reads when the person ended the match, withdrew their request,
    or erased their data."""
    if why == "erasure":
        return copy.text("privacy.counterpart_ended", name=person)
    if was_active:
        return copy.text("relay.ended_by_person", person=person)
    # a request the person withdrew: they were only ever named as they chose
    return copy.text("matching.withdrawn_peer", alias=alias or copy.button("matching.no_alias"))


def coordinators(copy: Content, *, person: str, left: int, waiting: int) -> str:
    """Every coordinator: PERSON is without a peer worker after an ending they didn't
    choose; counts only beside their chosen name."""
    return copy.text("relay.left_without", person=person, left=left, waiting=waiting)
