"""What the matching flow shows: pure functions from copy and data to text and keyboards."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.content import Content, Raw
from bot.domain.matching import (
    ANY,
    FREE_TEXT_PREFS,
    Candidate,
    asked_questions,
    option_values,
    preference_questions,
    previous_question,
)
from bot.keyboards import Choice, button, rows
from bot.links import menu_row
from flows.matching.callbacks import (
    Answer,
    BackTo,
    ChangePrefs,
    ChooseAgain,
    JoinWaitlist,
    KeepWaiting,
    LeaveWaitlist,
    NoPreference,
    Pick,
    Respond,
    SeeOthers,
    ShowAgain,
    SkipRest,
    Struggling,
    Withdraw,
)

__all__ = [
    "View",
    "accepted_peer",
    "accepted_person",
    "already_matched",
    "declined_peer",
    "kept_place",
    "left_waitlist",
    "name_of",
    "peer_left",
    "pending",
    "prefs_lines",
    "question",
    "reminder_to_peer",
    "request_to_peer",
    "requested",
    "shortlist",
    "still_pending",
    "still_waiting",
    "struggle_button",
    "struggle_reply",
    "type_no_answer",
    "waiting",
    "waitlisted",
    "when_text",
]

View = tuple[str, InlineKeyboardMarkup | None]
# Intros whose second line only introduces the list below (dropped when it is empty).
_LIST_INTROS = frozenset(("matching.shortlist_intro", "matching.shortlist_again"))
PAGE = 3


def when_text(copy: Content, when: datetime | None, now: datetime, zone: ZoneInfo) -> str:
    """When someone is next available, in ZONE: 'now', or like 'Tue 3 Mar, 18:00'."""
    if when is None:
        return copy.button("matching.when_none")
    if when <= now:
        return copy.button("matching.when_now")
    return copy.when(when.astimezone(zone))


def name_of(copy: Content, alias: str | None) -> str:
    """The name a person chose, or a neutral label: never their Telegram name."""
    return alias or copy.button("matching.no_alias")


def _option_label(copy: Content, key: str, value: str) -> str:
    if key in FREE_TEXT_PREFS:
        return value
    return copy.button(f"matching.opt.{key}.{value}")


def prefs_lines(copy: Content, role: str, prefs: Mapping[str, str]) -> str:
    """The stated preferences as escaped lines, in question order."""
    lines = [
        copy.text(
            "matching.pref_line",
            question=copy.button(f"matching.label.{key}"),
            value=_option_label(copy, key, prefs[key]),
        )
        for key in preference_questions(role)
        if prefs.get(key) not in (None, "", ANY)
    ]
    return "\n".join(lines) if lines else copy.text("matching.prefs_none")


def question(
    copy: Content,
    role: str,
    qi: int,
    options: Mapping[str, Sequence[str]],
    prefs: Mapping[str, str],
    *,
    first: bool = False,
) -> View:
    """Preference question QI with its answers (the chosen one ticked), No preference, Skip
    the rest and, past the first, Back."""
    questions = preference_questions(role)
    key = questions[qi]
    lines: list[list[Choice]] = []
    for i, value in enumerate(option_values(key, options)):
        label = _option_label(copy, key, value)
        if prefs.get(key) == value:
            label = copy.button("matching.chosen_mark", label=label)
        lines.append([(label, Answer(qi, i))])
    lines.append([(copy.button("matching.any_button"), NoPreference(qi))])
    lines.append([(copy.button("matching.skip_all_button"), SkipRest())])
    back = previous_question(role, options, qi)
    if back is not None:
        lines.append([(copy.button("common.back_button"), BackTo(back))])
    # numbered among the questions that will be asked (one nobody can answer is left out)
    asked = sorted({*asked_questions(role, options), qi})
    text = copy.text(
        "matching.question",
        n=asked.index(qi) + 1,
        total=len(asked),
        question=Raw(copy.text(f"matching.q.{key}")),
    )
    if first:
        text = copy.text("matching.intro") + "\n\n" + text
    return text, rows(*lines)


def type_no_answer(copy: Content) -> str:
    """Said when someone types during the questions, which are answered with buttons."""
    return copy.text("matching.use_buttons")


def _card(copy: Content, c: Candidate, now: datetime, zone: ZoneInfo, asked: bool) -> str:
    fits = ", ".join(copy.button(f"matching.label.{k}") for k in c.fits)
    # nothing fits: none of what they asked for, or they asked for nothing in particular
    none = "matching.fits_none" if asked else "matching.fits_nothing_asked"
    return copy.text(
        "matching.card",
        name=c.profile.display_name,
        kind=copy.button(f"matching.kind_{c.profile.kind}"),
        bio=c.profile.bio,
        fits=fits or copy.button(none),
        when=when_text(copy, c.next_available, now, zone),
    )


def shortlist(
    copy: Content,
    found: Sequence[Candidate],
    *,
    more: bool,
    offset: int,
    intro: str,
    waiting: bool,
    now: datetime,
    zone: ZoneInfo,
    timeout_hours: int,
    seal: Callable[[int], str],
    intro_params: Mapping[str, str] | None = None,
    show_again: str | None = None,
    asked: bool = True,
) -> View:
    """A page of peer workers to choose from (each with Choose), paging, the waitlist and
    Change my preferences; or, when nobody is free, the waitlist offer. SEAL turns a peer
    worker's Telegram id into the token their button carries. SHOW_AGAIN names the peer
    worker left out because their match with the person ended lately (a button shows them).
    ASKED: the person stated a preference (a card that fits none says so differently)."""
    lines: list[list[Choice]] = []
    head = copy.text(intro, **(intro_params or {}))
    if not found:
        key = "matching.none_else_free" if show_again is not None else "matching.none_free"
        # not "here are people ...": there is nobody to show (other intros say more: keep them)
        title = head.split("\n", 1)[0] if intro in _LIST_INTROS else head
        text = (
            title + "\n\n" + copy.text(key + ("_waiting" if waiting else ""), name=show_again or "")
        )
    else:
        cards = "\n\n".join(_card(copy, c, now, zone, asked) for c in found)
        text = (
            head
            + "\n\n"
            + cards
            + "\n\n"
            + copy.text("matching.shortlist_outro", hours=timeout_hours)
        )
        lines += _choices(copy, found, more=more, offset=offset, seal=seal)
    if show_again is not None:
        lines.append([(copy.button("matching.show_again_button", name=show_again), ShowAgain())])
    if waiting:
        lines.append([(copy.button("matching.leave_button"), LeaveWaitlist())])
    else:
        # beside people who are free now, the waitlist is for someone who'd rather wait
        wait = "matching.wait_button" if not found else "matching.wait_for_others_button"
        lines.append([(copy.button(wait), JoinWaitlist())])
    lines.append([(copy.button("matching.prefs_button"), ChangePrefs())])
    lines.append(menu_row(copy))
    return text, rows(*lines)


def _choices(
    copy: Content,
    found: Sequence[Candidate],
    *,
    more: bool,
    offset: int,
    seal: Callable[[int], str],
) -> list[list[Choice]]:
    """Choose <name> for each peer worker on the page, then the paging buttons."""
    lines: list[list[Choice]] = [
        [
            (
                copy.button("matching.choose_button", name=c.profile.display_name),
                Pick(seal(c.profile.user_id)),
            )
        ]
        for c in found
    ]
    if more:
        lines.append([(copy.button("matching.others_button"), SeeOthers(offset + PAGE))])
    if offset:
        lines.append([(copy.button("matching.first_button"), SeeOthers(0))])
    return lines


def pending(
    copy: Content, name: str, respond_by: str, match_id: int, position: int | None = None
) -> View:
    """Where an open request stands (and the person's place on the waitlist, kept while they
    wait), with I'll wait and Withdraw."""
    text = copy.text("matching.pending", name=name, respond_by=respond_by)
    if position is not None:
        text += "\n\n" + copy.text("matching.pending_place", position=position)
    return text, rows(
        [(copy.button("matching.wait_on_button"), KeepWaiting())],
        [(copy.button("matching.withdraw_button"), Withdraw(match_id))],
    )


def still_pending(copy: Content, name: str, respond_by: str) -> View:
    """The person chose to wait for NAME's answer."""
    return copy.text("matching.still_pending", name=name, respond_by=respond_by), None


def waiting(copy: Content, position: int, held_until: str | None = None) -> View:
    """Where someone on the waitlist stands, with Keep waiting, See who's free now and Leave
    the waitlist (HELD_UNTIL: a place opened for them, kept until then)."""
    if held_until is not None:  # their turn: choosing comes first
        return copy.text("matching.waiting_held", until=held_until), rows(
            [(copy.button("matching.see_free_button"), SeeOthers(0))],
            [(copy.button("matching.held_keep_button"), KeepWaiting())],
            [(copy.button("matching.leave_button"), LeaveWaitlist())],
        )
    text = copy.text("matching.waiting", position=position)
    text += "\n\n" + copy.text("matching.waiting_choices")
    return text, rows(
        [(copy.button("matching.keep_waiting_button"), KeepWaiting())],
        [(copy.button("matching.see_free_button"), SeeOthers(0))],
        [(copy.button("matching.leave_button"), LeaveWaitlist())],
    )


def still_waiting(copy: Content, position: int, held_until: str | None = None) -> View:
    """The person chose to keep their place in line (HELD_UNTIL: a place is kept for them
    until then)."""
    if held_until is not None:
        return copy.text("matching.still_held", until=held_until), None
    return copy.text("matching.still_waiting", position=position), None


def kept_place(copy: Content, position: int | None) -> str:
    """A line saying the person kept their place on the waitlist (empty if not on it)."""
    return "" if position is None else "\n\n" + copy.text("matching.kept_place", position=position)


def already_matched(copy: Content, name: str) -> View:
    """The person already has a peer worker."""
    return copy.text("matching.already_matched", name=name), None


def requested(
    copy: Content, name: str, respond_by: str, match_id: int, *, sent: bool = True
) -> View:
    """The request went to NAME (SENT), or is on its way (Telegram is slow), with Withdraw."""
    key = "matching.requested" if sent else "matching.requested_trying"
    return (
        copy.text(key, name=name, respond_by=respond_by),
        rows([(copy.button("matching.withdraw_button"), Withdraw(match_id))]),
    )


def request_to_peer(
    copy: Content,
    *,
    alias: str,
    role: str,
    prefs: Mapping[str, str],
    respond_by: str,
    match_id: int,
) -> View:
    """The request as the peer worker sees it: the person's chosen name and preferences,
    nothing else, with Accept and Decline."""
    text = copy.text(
        "matching.request_to_peer",
        alias=alias,
        who=copy.button(f"matching.who_{role}"),
        prefs=Raw(prefs_lines(copy, role, prefs)),
        respond_by=respond_by,
    )
    return text, rows(
        [(copy.button("matching.accept_button"), Respond(match_id, True))],
        [(copy.button("matching.decline_button"), Respond(match_id, False))],
    )


def reminder_to_peer(copy: Content, *, alias: str, respond_by: str, match_id: int) -> View:
    """A peer worker's one reminder of a request still waiting for their answer."""
    text = copy.text("matching.reminder_to_peer", alias=alias, respond_by=respond_by)
    return text, rows(
        [(copy.button("matching.accept_button"), Respond(match_id, True))],
        [(copy.button("matching.decline_button"), Respond(match_id, False))],
    )


def accepted_peer(copy: Content, alias: str) -> View:
    """The peer worker accepted."""
    return copy.text("matching.accepted_peer", alias=alias), None


def declined_peer(copy: Content, alias: str) -> View:
    """The peer worker declined."""
    return copy.text("matching.declined_peer", alias=alias), None


def accepted_person(copy: Content, *, name: str, hours: str, tz: str, when: str) -> str:
    """The person hears their peer worker NAME accepted: their hours (in time zone TZ) and
    when they're next available."""
    return copy.text(
        "matching.accepted_person", name=name, hours=hours, tz=tz.replace("_", " "), when=when
    )


def waitlisted(copy: Content, position: int) -> View:
    """The person's place in line, with Leave the waitlist."""
    return (
        copy.text("matching.waitlisted", position=position),
        rows([(copy.button("matching.leave_button"), LeaveWaitlist())]),
    )


def left_waitlist(copy: Content) -> View:
    """The person left the waitlist."""
    return copy.text("matching.left_waitlist"), None


def peer_left(copy: Content) -> View:
    """Their peer worker left the service: a new choice when they're ready."""
    return (
        copy.text("matching.peer_left"),
        rows([(copy.button("matching.again_button"), ChooseAgain())]),
    )


def struggle_button(copy: Content) -> InlineKeyboardButton:
    """The crisis card's "Let my peer worker know I'm struggling"."""
    return button(copy.button("matching.struggle_button"), Struggling())


def struggle_reply(copy: Content, *, told: bool, name: str, when: str) -> str:
    """What the person hears after asking for their peer worker (told now, or lately)."""
    key = "matching.struggle_sent" if told else "matching.struggle_already"
    return copy.text(key, name=name, when=when)
