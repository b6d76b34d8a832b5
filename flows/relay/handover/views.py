"""What /handover shows: pure functions from copy and data to text and keyboards."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardMarkup

from bot.content import Content
from bot.keyboards import back_row, pager, rows
from flows.relay.handover.callbacks import HandoverPage, HandoverTo, HandoverWho, HandoverYes
from flows.relay.views import unsent_line

__all__ = ["Pair", "Peer", "confirm", "no_peer", "peers", "people", "to_person"]

View = tuple[str, InlineKeyboardMarkup | None]


@dataclass(frozen=True)
class Pair:
    """A match as a coordinator sees it: the person's and the peer worker's names."""

    match: int
    person: str
    peer: str


@dataclass(frozen=True)
class Peer:
    """A peer worker with room: name, caseload, cap, and their sealed id."""

    name: str
    load: int
    cap: int
    sealed: str


def people(copy: Content, pairs: Sequence[Pair], page: int, pages: int) -> View:
    """Who to hand over: one button per match on this page, and paging."""
    lines = [
        [
            (
                copy.button("relay.handover_person_button", person=p.person, peer=p.peer),
                HandoverWho(p.match),
            )
        ]
        for p in pairs
    ]
    lines.append(pager(copy, page, pages, HandoverPage))
    return (copy.text("relay.handover_pick_person", page=page + 1, pages=pages), rows(*lines))


def peers(copy: Content, person: str, match_id: int, options: Sequence[Peer]) -> View:
    """Who could support PERSON from now on (with room, not paused), and Back."""
    lines = [
        [
            (
                copy.button("relay.handover_peer_button", peer=p.name, load=p.load, cap=p.cap),
                HandoverTo(match_id, p.sealed),
            )
        ]
        for p in options
    ]
    return (
        copy.text("relay.handover_pick_peer", person=person),
        rows(*lines, back_row(copy, HandoverPage(0))),
    )


def no_peer(copy: Content, person: str) -> View:
    """Nobody else has room for PERSON now; Back."""
    return (
        copy.text("relay.handover_no_peer", person=person),
        rows(back_row(copy, HandoverPage(0))),
    )


def confirm(copy: Content, *, person: str, old: str, new: str, match_id: int, sealed: str) -> View:
    """Hand PERSON over from OLD to NEW? Yes, or Back."""
    return (
        copy.text("relay.handover_confirm", person=person, old=old, new=new),
        rows(
            [(copy.button("relay.handover_yes_button"), HandoverYes(match_id, sealed))],
            back_row(copy, HandoverPage(0)),
        ),
    )


def to_person(copy: Content, *, new: str, old: str, unsent: int) -> str:
    """The person hears who supports them now (and what waiting wasn't passed on, which they
    may send again: it goes to NEW now)."""
    text = copy.text("relay.handover_to_person", new=new, old=old) + unsent_line(copy, unsent, old)
    form = "one" if unsent == 1 else "other"
    return text + (" " + copy.text(f"relay.unsent_resend.{form}", new=new) if unsent > 0 else "")
