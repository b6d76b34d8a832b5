"""The matching flow's buttons. Peer workers are named by sealed ids (deps.cipher.seal_id),
requests and matches by their row ids, never by anyone's Telegram id."""

from __future__ import annotations

from dataclasses import dataclass

from bot.callbacks import callback

__all__ = [
    "Answer",
    "BackTo",
    "ChangePrefs",
    "ChooseAgain",
    "JoinWaitlist",
    "KeepWaiting",
    "LeaveWaitlist",
    "NoPreference",
    "Pick",
    "Respond",
    "SeeOthers",
    "ShowAgain",
    "SkipRest",
    "Struggling",
    "Withdraw",
]


@callback("mt.a")
@dataclass(frozen=True, slots=True)
class Answer:
    """Answer OPTION (its index among the answers offered) to preference question Q."""

    q: int
    option: int


@callback("mt.any")
@dataclass(frozen=True, slots=True)
class NoPreference:
    """No preference for question Q."""

    q: int


@callback("mt.skip")
@dataclass(frozen=True, slots=True)
class SkipRest:
    """Skip the remaining questions and see the shortlist."""


@callback("mt.back")
@dataclass(frozen=True, slots=True)
class BackTo:
    """Go back to question Q."""

    q: int


@callback("mt.pick")
@dataclass(frozen=True, slots=True)
class Pick:
    """Choose the peer worker whose sealed id is PEER."""

    peer: str


@callback("mt.more")
@dataclass(frozen=True, slots=True)
class SeeOthers:
    """The shortlist from place OFFSET on (0: back to the first ones)."""

    offset: int


@callback("mt.wait")
@dataclass(frozen=True, slots=True)
class JoinWaitlist:
    """Wait in line for a free place."""


@callback("mt.leave")
@dataclass(frozen=True, slots=True)
class LeaveWaitlist:
    """Leave the waitlist."""


@callback("mt.ok")
@dataclass(frozen=True, slots=True)
class KeepWaiting:
    """Keep waiting: for the answer to an open request, or for a place on the waitlist."""


@callback("mt.show")
@dataclass(frozen=True, slots=True)
class ShowAgain:
    """Show the shortlist with the peer worker whose match just ended, last."""


@callback("mt.prefs")
@dataclass(frozen=True, slots=True)
class ChangePrefs:
    """Answer the preference questions again."""


@callback("mt.wd")
@dataclass(frozen=True, slots=True)
class Withdraw:
    """The person takes back their open request MATCH."""

    match: int


@callback("mt.again")
@dataclass(frozen=True, slots=True)
class ChooseAgain:
    """Show a fresh shortlist (after a peer worker left the service)."""


@callback("mt.help")
@dataclass(frozen=True, slots=True)
class Struggling:
    """From the crisis card: let my peer worker know I'm struggling."""


@callback("mt.resp")
@dataclass(frozen=True, slots=True)
class Respond:
    """The peer worker accepts (or declines) request MATCH."""

    match: int
    accept: bool
