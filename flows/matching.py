"""Matching: /match asks optional preferences, shows a shortlist of up to three peer workers,
and the person chooses. The chosen peer worker accepts or declines (no answer in time counts
as declined); then both are introduced. When nobody is free, people wait in line and are
offered a shortlist, in the order they joined, as soon as a place frees.

Every step is stateless over the database (preferences, requests, respond-by times and the
waitlist are stored), so a restart between any two taps loses nothing.

State diagram: flows/matching.mmd
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from weakref import WeakKeyDictionary
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application, CallbackContext, CallbackQueryHandler, CommandHandler

from bot.callbacks import CallbackCodec, CallbackData, InvalidCallback
from bot.content import Raw
from bot.deps import Deps
from bot.domain.hours import format_windows
from bot.domain.matching import (
    ANY,
    CHOICES,
    FREE_TEXT_PREFS,
    Candidate,
    Match,
    MatchPolicy,
    PeerPool,
    PeerProfile,
    is_offerable,
    offerable_kinds,
    preference_questions,
)
from bot.domain.roles import PEER_ROLES, PEOPLE_ROLES
from bot.flowkit import Context, Flow, RepeatingJob, answer_query, buttons, send, show
from bot.storage import User

__all__ = [
    "M",
    "Q",
    "R",
    "build",
    "format_when",
    "offer_shortlist",
    "on_capacity_freed",
    "person_name",
    "policy_of",
    "prepared_pool",
    "process_waitlist",
]

_LOG = logging.getLogger(__name__)

Q = CallbackCodec("mq", {"ans", "any", "skip", "back"})
M = CallbackCodec("match", {"pick", "more", "wait", "leave", "prefs", "withdraw", "struggle",
                            "again"})
R = CallbackCodec("mreq", {"acc", "dec"})

PAGE = 3
REFUSAL_MEMORY = timedelta(days=30)  # a peer worker who said no isn't offered again for this long
STRUGGLE_EVERY_S = 3600
FREE_TEXT_OPTIONS = 8


# -- small helpers shared with other flows ------------------------------------------------

def policy_of(deps: Deps) -> MatchPolicy:
    """The service's cross-support policy."""
    return MatchPolicy(deps.settings.consumer_peers_support_carers,
                       deps.settings.carer_peers_support_consumers)


def person_name(deps: Deps, user: User | None) -> str:
    """The name a person chose, or a neutral label: never their Telegram name."""
    if user is not None and user.alias:
        return user.alias
    return deps.content.button("matching.no_alias")


def format_when(deps: Deps, when: datetime | None, now: datetime, tz_name: str | None) -> str:
    """When someone is next available, in TZ_NAME: 'now', or like 'Tue 3 Mar, 18:00'."""
    if when is None:
        return deps.content.button("matching.when_none")
    if when <= now:
        return deps.content.button("matching.when_now")
    local = when.astimezone(ZoneInfo(tz_name or deps.settings.timezone))
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"


def _tz(deps: Deps, user: User | None) -> str:
    return (user.timezone if user is not None and user.timezone else deps.settings.timezone)


async def _tell(context: Context, chat_id: int, text: str,
                markup: InlineKeyboardMarkup | None = None) -> bool:
    """Send to the other side of a match; a blocked bot is logged, never raised."""
    try:
        await send(context, chat_id, text, markup)
    except Forbidden:
        _LOG.info("A match counterpart has blocked the bot")
        return False
    except TelegramError:
        _LOG.warning("Could not reach a match counterpart", exc_info=True)
        return False
    return True


async def _person(deps: Deps, user_id: int) -> User | None:
    user = await deps.storage.get_user(user_id)
    if user is None or not user.consented or user.role not in PEOPLE_ROLES:
        return None
    return user


def _option_label(deps: Deps, key: str, value: str) -> str:
    if key in FREE_TEXT_PREFS:
        return value
    return deps.content.button(f"matching.opt.{key}.{value}")


def _prefs_lines(deps: Deps, role: str, prefs: Mapping[str, str]) -> str:
    """The stated preferences as escaped lines, in question order."""
    lines = [deps.content.text("matching.pref_line",
                               question=deps.content.button(f"matching.label.{key}"),
                               value=_option_label(deps, key, prefs[key]))
             for key in preference_questions(role) if prefs.get(key) not in (None, "", ANY)]
    return "\n".join(lines) if lines else deps.content.text("matching.prefs_none")


# -- shortlists -----------------------------------------------------------------------------

@dataclass(eq=False)
class _Prepared:
    """What every shortlist needs, kept by this process between updates: the offerable
    profiles, the pool prepared from them and the caseloads, each with the database change
    counter it was read at. Every use first reads the counters (one small query) and loads
    again whatever changed, so several bot processes sharing one database stay right."""

    profiles_version: int = -1
    profiles: tuple[PeerProfile, ...] = ()
    pool: PeerPool | None = None
    matches_version: int = -1
    caseloads: Mapping[int, int] = field(default_factory=dict)
    options: dict[tuple[str, ...], dict[str, list[str]]] = field(default_factory=dict)


_PREPARED: WeakKeyDictionary[object, _Prepared] = WeakKeyDictionary()


async def prepared_pool(deps: Deps) -> _Prepared:
    """This process's prepared profiles, pool and caseloads, brought up to date."""
    storage, now = deps.storage, deps.clock.now()
    state = _PREPARED.get(storage)
    if state is None:
        state = _PREPARED[storage] = _Prepared()
    # The counters are read before the data, so data is never older than its label: a
    # write in between only means loading again next time.
    profiles_version, matches_version = await storage.matching_versions()
    previous, stale = state.pool, False
    if profiles_version != state.profiles_version:
        profiles = tuple(await storage.offerable_profiles(PEER_ROLES))
        state.profiles, state.profiles_version = profiles, profiles_version
        state.options, stale = {}, True
    if stale or previous is None or not previous.fresh(now):
        # Prepared as of the day's start, so a change later that day rebuilds only what
        # changed (the rest is reused).
        as_of = now.replace(hour=0, minute=0, second=0, microsecond=0)
        state.pool = PeerPool.build(state.profiles, as_of, previous)
    if matches_version != state.matches_version:
        caseloads = await storage.caseloads()
        state.caseloads, state.matches_version = caseloads, matches_version
    return state


async def _candidates(deps: Deps, person: User, *, offset: int = 0, limit: int = PAGE,
                      extra_load: Mapping[int, int] | None = None
                      ) -> tuple[list[Candidate], bool]:
    """A page of the person's shortlist, and whether more follow."""
    storage, now = deps.storage, deps.clock.now()
    assert person.role is not None
    prefs, _ = await storage.get_preferences(person.user_id)
    policy = policy_of(deps)
    state = await prepared_pool(deps)
    assert state.pool is not None
    loads = state.caseloads
    if extra_load:
        loads = {k: loads.get(k, 0) + extra_load.get(k, 0) for k in {*loads, *extra_load}}
    refused = await storage.recent_refusals(person.user_id, now - REFUSAL_MEMORY)
    found = state.pool.shortlist(
        role=person.role, preferences=prefs, caseloads=loads, policy=policy, now=now,
        exclude=refused, limit=limit + 1, offset=offset)
    return found[:limit], len(found) > limit


def _render_shortlist(deps: Deps, person: User, found: Sequence[Candidate], more: bool,
                      offset: int, intro: str, waiting: bool
                      ) -> tuple[str, InlineKeyboardMarkup]:
    content, now = deps.content, deps.clock.now()
    rows: list[list[tuple[str, str]]] = []
    if not found:
        text = content.text(intro) + "\n\n" + content.text(
            "matching.none_free_waiting" if waiting else "matching.none_free")
    else:
        cards = []
        for c in found:
            fits = ", ".join(content.button(f"matching.label.{k}") for k in c.fits)
            cards.append(content.text(
                "matching.card", name=c.profile.display_name, bio=c.profile.bio,
                fits=fits or content.button("matching.fits_none"),
                when=format_when(deps, c.next_available, now, _tz(deps, person))))
            rows.append([(content.button("matching.choose_button", name=c.profile.display_name),
                          M.pack("pick", deps.cipher.seal_id(c.profile.user_id)))])
        text = content.text(intro) + "\n\n" + "\n\n".join(cards) + "\n\n" + content.text(
            "matching.shortlist_outro", hours=deps.settings.match_request_timeout_hours)
        if more:
            rows.append([(content.button("matching.others_button"), M.pack("more", offset + PAGE))])
        if offset:
            rows.append([(content.button("matching.first_button"), M.pack("more", 0))])
    if waiting:
        rows.append([(content.button("matching.leave_button"), M.pack("leave"))])
    else:
        rows.append([(content.button("matching.wait_button"), M.pack("wait"))])
    rows.append([(content.button("matching.prefs_button"), M.pack("prefs"))])
    return text, buttons(rows)


async def offer_shortlist(context: Context, deps: Deps, person_id: int, *,
                          intro: str = "matching.shortlist_intro",
                          extra_load: Mapping[int, int] | None = None) -> None:
    """Send PERSON_ID a fresh shortlist (after a decline, a timeout, a match ending or a free
    place on the waitlist). Does nothing for someone with an open request or a match."""
    person = await _person(deps, person_id)
    if person is None or await deps.storage.live_match_for_person(person_id) is not None:
        return
    found, more = await _candidates(deps, person, extra_load=extra_load)
    waiting = await deps.storage.waitlist_position(person_id) is not None
    text, markup = _render_shortlist(deps, person, found, more, 0, intro, waiting)
    await _tell(context, person_id, text, markup)


async def process_waitlist(context: Context, deps: Deps, *, include_offered: bool) -> int:
    """Offer waiting people a shortlist, in the order they joined, while places are free.

    Each offer holds one place for the request timeout, so one free place goes to the first
    person in line only. People offered before are offered again only when INCLUDE_OFFERED
    (a real capacity change), so a person who doesn't answer isn't asked over and over.
    Returns how many people were offered.
    """
    storage, now = deps.storage, deps.clock.now()
    entries = await storage.waitlist()
    if not entries:
        return 0
    holds: Counter[int] = Counter(
        e.held_peer_id for e in entries
        if e.held_peer_id is not None and e.held_until is not None and e.held_until > now)
    offered = 0
    hold_for = timedelta(hours=deps.settings.match_request_timeout_hours)
    for entry in entries:
        if entry.held_until is not None and entry.held_until > now:
            continue
        if entry.offered_at is not None and not include_offered:
            continue
        person = await _person(deps, entry.person_id)
        if person is None or await storage.live_match_for_person(entry.person_id) is not None:
            await storage.leave_waitlist(entry.person_id)
            continue
        found, _ = await _candidates(deps, person, extra_load=holds, limit=1)
        if not found:
            continue
        top = found[0].profile.user_id
        await storage.hold_for(entry.person_id, top, now, now + hold_for)
        await offer_shortlist(context, deps, entry.person_id, intro="matching.waitlist_offer",
                              extra_load=holds)
        holds[top] += 1
        offered += 1
    return offered


async def on_capacity_freed(context: Context, deps: Deps) -> None:
    """A place may have freed (a match ended, a cap rose, a new or resumed peer worker):
    offer waiting people a shortlist, in the order they joined."""
    await process_waitlist(context, deps, include_offered=True)


# -- the flow -------------------------------------------------------------------------------

def build(deps: Deps) -> Flow:
    """The matching flow's handlers, the timeout job and the crisis-card hook."""
    content, settings, storage, clock = deps.content, deps.settings, deps.storage, deps.clock
    timeout = timedelta(hours=settings.match_request_timeout_hours)

    # -- preference questions -----------------------------------------------------------

    async def free_text_options(role: str) -> dict[str, list[str]]:
        """Languages and cultures peer workers wrote, most common first."""
        kinds = offerable_kinds(role, policy_of(deps))
        state = await prepared_pool(deps)
        known = state.options.get(kinds)
        if known is None:
            known = state.options[kinds] = options_from(
                [p for p in state.profiles if p.kind in kinds])
        return {key: list(values) for key, values in known.items()}

    def options_from(profiles: Sequence[PeerProfile]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for key, attr in (("language", "languages"), ("culture", "culture")):
            seen: dict[str, str] = {}
            counts: Counter[str] = Counter()
            for p in profiles:
                values = p.attributes.get(attr) or ()
                for v in ([values] if isinstance(values, str) else values):
                    norm = " ".join(str(v).split()).casefold()
                    if norm:
                        seen.setdefault(norm, " ".join(str(v).split()))
                        counts[norm] += 1
            ranked = sorted(counts, key=lambda n: (-counts[n], n))[:FREE_TEXT_OPTIONS]
            out[key] = [seen[n] for n in ranked]
        return out

    def next_question(role: str, options: Mapping[str, Sequence[str]], start: int) -> int | None:
        questions = preference_questions(role)
        for qi in range(start, len(questions)):
            key = questions[qi]
            if key not in FREE_TEXT_PREFS or options.get(key):
                return qi
        return None

    def previous_question(role: str, options: Mapping[str, Sequence[str]], before: int
                          ) -> int | None:
        questions = preference_questions(role)
        for qi in range(before - 1, -1, -1):
            key = questions[qi]
            if key not in FREE_TEXT_PREFS or options.get(key):
                return qi
        return None

    def question_view(person: User, qi: int, options: Mapping[str, Sequence[str]],
                      prefs: Mapping[str, str], first: bool) -> tuple[str, InlineKeyboardMarkup]:
        assert person.role is not None
        questions = preference_questions(person.role)
        key = questions[qi]
        values = (list(options.get(key, ())) if key in FREE_TEXT_PREFS else list(CHOICES[key]))
        rows = []
        for i, value in enumerate(values):
            label = _option_label(deps, key, value)
            if prefs.get(key) == value:
                label = content.button("matching.chosen_mark", label=label)
            rows.append([(label, Q.pack("ans", qi, i))])
        rows.append([(content.button("matching.any_button"), Q.pack("any", qi))])
        rows.append([(content.button("matching.skip_all_button"), Q.pack("skip"))])
        back = previous_question(person.role, options, qi)
        if back is not None:
            rows.append([(content.button("common.back_button"), Q.pack("back", back))])
        text = content.text("matching.question", n=qi + 1, total=len(questions),
                            question=Raw(content.text(f"matching.q.{key}")))
        if first:
            text = content.text("matching.intro") + "\n\n" + text
        return text, buttons(rows)

    async def match_command(update: Update, context: Context) -> None:
        assert update.effective_user is not None and update.effective_chat is not None
        uid = update.effective_user.id
        user = await storage.get_user(uid)
        if user is None or not user.consented or user.role is None:
            await send(context, uid, content.text("common.need_start"))
            return
        if user.role not in PEOPLE_ROLES:
            await send(context, uid, content.text("matching.not_for_staff"))
            return
        if await live_match_notice(context, user):
            return
        options = await free_text_options(user.role)
        _prefs, _ = await storage.get_preferences(uid)
        await storage.save_preferences(uid, clock.now(), {}, options)
        qi = next_question(user.role, options, 0)
        assert qi is not None  # the first questions are always fixed choices
        text, markup = question_view(user, qi, options, {}, first=True)
        await send(context, uid, text, markup)

    async def live_match_notice(context: Context, user: User) -> bool:
        """Tell someone with an open request or a match where things stand."""
        match = await storage.live_match_for_person(user.user_id)
        if match is None:
            return False
        profile = await storage.get_profile(match.peer_id)
        name = profile.display_name if profile else content.button("matching.peer_fallback")
        if match.status == "requested":
            await send(context, user.user_id, content.text(
                "matching.pending", name=name,
                respond_by=format_when(deps, match.respond_by, clock.now(), _tz(deps, user))),
                buttons([[(content.button("matching.withdraw_button"),
                           M.pack("withdraw", match.id))]]))
        else:
            await send(context, user.user_id, content.text("matching.already_matched", name=name))
        return True

    async def on_question(update: Update, context: Context) -> None:
        assert update.effective_user is not None
        uid = update.effective_user.id
        person = await _person(deps, uid)
        try:
            data = Q.unpack_query(update)
            if person is None or person.role is None:
                raise InvalidCallback("not a person")
            questions = preference_questions(person.role)
            prefs, options = await storage.get_preferences(uid)
            if data.action == "skip":
                await show_shortlist(update, context, person, 0)
                return
            qi = data.int_arg(0)
            if not 0 <= qi < len(questions):
                raise InvalidCallback("no such question")
            key = questions[qi]
            if data.action == "back":
                text, markup = question_view(person, qi, options, prefs, first=False)
                await show(update, context, text, markup)
                return
            if data.action == "ans":
                values = (options.get(key, []) if key in FREE_TEXT_PREFS else CHOICES[key])
                index = data.int_arg(1)
                if not 0 <= index < len(values):
                    raise InvalidCallback("no such option")
                prefs[key] = values[index]
            else:
                prefs.pop(key, None)
        except InvalidCallback:
            await answer_query(update, content.button("common.stale_button"))
            return
        if await storage.live_match_for_person(uid) is not None:
            await answer_query(update)
            await live_match_notice(context, person)
            return
        await storage.save_preferences(uid, clock.now(), prefs)
        following = next_question(person.role, options, qi + 1)
        if following is None:
            await show_shortlist(update, context, person, 0)
            return
        text, markup = question_view(person, following, options, prefs, first=False)
        await show(update, context, text, markup)

    async def show_shortlist(update: Update, context: Context, person: User, offset: int,
                             intro: str = "matching.shortlist_intro") -> None:
        found, more = await _candidates(deps, person, offset=offset)
        if not found and offset:
            found, more = await _candidates(deps, person)
            offset = 0
        waiting = await storage.waitlist_position(person.user_id) is not None
        text, markup = _render_shortlist(deps, person, found, more, offset, intro, waiting)
        await show(update, context, text, markup)

    # -- choosing -------------------------------------------------------------------------

    async def on_match_button(update: Update, context: Context) -> None:
        assert update.effective_user is not None
        uid = update.effective_user.id
        try:
            data = M.unpack_query(update)
        except InvalidCallback:
            await answer_query(update, content.button("common.stale_button"))
            return
        if data.action == "struggle":
            await on_struggle(update, context, uid)
            return
        person = await _person(deps, uid)
        if person is None or person.role is None:
            await answer_query(update, content.button("common.not_for_you"))
            return
        try:
            if data.action == "pick":
                # The peer worker's Telegram id is sealed in the button: a person never
                # sees it, even in the raw callback data.
                try:
                    peer_id = deps.cipher.open_id(data.arg())
                except ValueError:
                    raise InvalidCallback("not a sealed id") from None
                await pick(update, context, person, peer_id)
            elif data.action == "more":
                await show_shortlist(update, context, person, max(0, data.int_arg()))
            elif data.action in ("again",):
                if not await live_match_notice(context, person):
                    await show_shortlist(update, context, person, 0)
                else:
                    await answer_query(update)
            elif data.action == "prefs":
                await answer_query(update)
                await restart_questions(update, context, person)
            elif data.action == "wait":
                await join_waitlist(update, context, person)
            elif data.action == "leave":
                await storage.leave_waitlist(uid)
                await show(update, context, content.text("matching.left_waitlist"))
            elif data.action == "withdraw":
                await withdraw(update, context, person, data.int_arg())
        except InvalidCallback:
            await answer_query(update, content.button("common.stale_button"))

    async def restart_questions(update: Update, context: Context, person: User) -> None:
        assert person.role is not None
        if await live_match_notice(context, person):
            return
        options = await free_text_options(person.role)
        prefs, _ = await storage.get_preferences(person.user_id)
        await storage.save_preferences(person.user_id, clock.now(), prefs, options)
        qi = next_question(person.role, options, 0)
        assert qi is not None
        text, markup = question_view(person, qi, options, prefs, first=False)
        await show(update, context, text, markup)

    async def pick(update: Update, context: Context, person: User, peer_id: int) -> None:
        assert person.role is not None
        now = clock.now()
        if await live_match_notice(context, person):
            await answer_query(update)
            return
        profile = await storage.get_profile(peer_id)
        refused = await storage.recent_refusals(person.user_id, now - REFUSAL_MEMORY)
        if (profile is None or profile.kind not in offerable_kinds(person.role, policy_of(deps))
                or not is_offerable(profile, await storage.caseload(peer_id))
                or peer_id in refused):
            await show_shortlist(update, context, person, 0, intro="matching.no_longer_free")
            return
        prefs, _ = await storage.get_preferences(person.user_id)
        result = await storage.create_request(person.user_id, peer_id, prefs, now, now + timeout)
        if result.match is None:
            if result.problem == "live":
                await answer_query(update)
                await live_match_notice(context, person)
            else:
                await show_shortlist(update, context, person, 0, intro="matching.no_longer_free")
            return
        match = result.match
        await storage.bump_counter("match_requested", deps.local_day(), person.region or "")
        await show(update, context, content.text(
            "matching.requested", name=profile.display_name,
            respond_by=format_when(deps, match.respond_by, now, _tz(deps, person))),
            buttons([[(content.button("matching.withdraw_button"),
                       M.pack("withdraw", match.id))]]))
        await send_request(context, person, profile, match)

    async def send_request(context: Context, person: User, profile: PeerProfile,
                           match: Match) -> None:
        """The peer worker sees the person's chosen name and preferences, nothing else."""
        assert person.role is not None
        peer = await storage.get_user(profile.user_id)
        text = content.text(
            "matching.request_to_peer", alias=person_name(deps, person),
            who=content.button(f"matching.who_{person.role}"),
            prefs=Raw(_prefs_lines(deps, person.role, match.preferences)),
            respond_by=format_when(deps, match.respond_by, clock.now(),
                                   _tz(deps, peer) if peer else profile.timezone))
        await _tell(context, profile.user_id, text, buttons([
            [(content.button("matching.accept_button"), R.pack("acc", match.id))],
            [(content.button("matching.decline_button"), R.pack("dec", match.id))],
        ]))

    async def withdraw(update: Update, context: Context, person: User, match_id: int) -> None:
        match = await storage.withdraw_request(match_id, person.user_id, clock.now())
        if match is None:
            await answer_query(update, content.button("matching.request_closed"))
            return
        await show(update, context, content.text("matching.withdrawn"))
        await _tell(context, match.peer_id, content.text(
            "matching.withdrawn_peer", alias=person_name(deps, person)))
        await offer_shortlist(context, deps, person.user_id)
        await on_capacity_freed(context, deps)

    async def join_waitlist(update: Update, context: Context, person: User) -> None:
        if await storage.live_match_for_person(person.user_id) is not None:
            await answer_query(update)
            await live_match_notice(context, person)
            return
        position = await storage.join_waitlist(person.user_id, clock.now())
        found, _ = await _candidates(deps, person, limit=1)
        if found:
            # They have seen who is free now and chose to wait: offer again only when a
            # place frees, not on the next tick.
            await storage.hold_for(person.user_id, found[0].profile.user_id, clock.now(),
                                   clock.now())
        await storage.bump_counter("waitlist_joined", deps.local_day(), person.region or "")
        await show(update, context, content.text("matching.waitlisted", position=position),
                   buttons([[(content.button("matching.leave_button"), M.pack("leave"))]]))

    # -- the peer worker's answer ---------------------------------------------------------

    async def on_answer(update: Update, context: Context) -> None:
        assert update.effective_user is not None
        uid = update.effective_user.id
        try:
            data: CallbackData = R.unpack(update.callback_query.data
                                          if update.callback_query else None)
            match_id = data.int_arg()
        except InvalidCallback:
            await answer_query(update, content.button("common.stale_button"))
            return
        existing = await storage.get_match(match_id)
        if existing is None or existing.peer_id != uid:
            await answer_query(update, content.button("matching.request_closed"))
            return
        now = clock.now()
        match = await storage.answer_request(match_id, uid, accept=data.action == "acc", now=now)
        if match is None:
            # Past its time but not yet swept: expire it now so the person hears at once.
            await expire_due(context)
            await show(update, context, content.text("matching.request_closed_long"))
            return
        person = await storage.get_user(match.person_id)
        profile = await storage.get_profile(uid)
        peer_name = profile.display_name if profile else content.button("matching.peer_fallback")
        alias = person_name(deps, person)
        region = person.region if person and person.region else ""
        if match.status == "active":
            await storage.bump_counter("match_accepted", deps.local_day(), region)
            await show(update, context, content.text("matching.accepted_peer", alias=alias))
            hours = format_windows(profile.hours) if profile else ""
            when = (format_when(deps, _next_open(profile, now), now, _tz(deps, person))
                    if profile else content.button("matching.when_none"))
            await _tell(context, match.person_id, content.text(
                "matching.accepted_person", name=peer_name, hours=hours,
                tz=(profile.timezone if profile else settings.timezone).replace("_", " "),
                when=when))
            return
        await storage.bump_counter("match_declined", deps.local_day(), region)
        await show(update, context, content.text("matching.declined_peer", alias=alias))
        await _tell(context, match.person_id, content.text("matching.declined_person",
                                                           name=peer_name))
        await offer_shortlist(context, deps, match.person_id, intro="matching.shortlist_again")
        await on_capacity_freed(context, deps)

    def _next_open(profile: PeerProfile, now: datetime) -> datetime | None:
        from bot.domain.hours import next_open

        return next_open(profile.hours, ZoneInfo(profile.timezone), now)

    # -- timeouts and the waitlist --------------------------------------------------------

    async def expire_due(context: Context) -> int:
        """Treat unanswered requests past their time as declined, and tell both sides."""
        expired = await storage.expire_requests(clock.now())
        for match in expired:
            person = await storage.get_user(match.person_id)
            profile = await storage.get_profile(match.peer_id)
            peer_name = (profile.display_name if profile
                         else content.button("matching.peer_fallback"))
            await storage.bump_counter("match_expired", deps.local_day(),
                                       person.region if person and person.region else "")
            await _tell(context, match.peer_id, content.text(
                "matching.expired_peer", alias=person_name(deps, person)))
            await _tell(context, match.person_id, content.text("matching.expired_person",
                                                               name=peer_name))
            await offer_shortlist(context, deps, match.person_id,
                                  intro="matching.shortlist_again")
        return len(expired)

    async def tick(context: Context) -> None:
        expired = await expire_due(context)
        released = await storage.release_lapsed_holds(clock.now())
        await process_waitlist(context, deps, include_offered=bool(expired))
        if released:
            _LOG.info("Waitlist: %d held places lapsed", released)

    # -- "let my peer worker know I'm struggling" -------------------------------------------

    async def card_buttons(user_id: int) -> list[InlineKeyboardButton]:
        if await storage.active_match_for_person(user_id) is None:
            return []
        return [InlineKeyboardButton(content.button("matching.struggle_button"),
                                     callback_data=M.pack("struggle"))]

    async def on_struggle(update: Update, context: Context, uid: int) -> None:
        match = await storage.active_match_for_person(uid)
        if match is None:
            await answer_query(update, content.button("matching.struggle_no_match"))
            return
        await answer_query(update)
        person = await storage.get_user(uid)
        profile = await storage.get_profile(match.peer_id)
        now = clock.now()
        name = profile.display_name if profile else content.button("matching.peer_fallback")
        when = (format_when(deps, _next_open(profile, now), now, _tz(deps, person))
                if profile else content.button("matching.when_none"))
        if await storage.claim_struggle_notice(match.id, now, STRUGGLE_EVERY_S):
            await _tell(context, match.peer_id, content.text(
                "matching.struggle_peer", alias=person_name(deps, person)))
            await storage.bump_counter("struggle_notice", deps.local_day(),
                                       person.region if person and person.region else "")
            key = "matching.struggle_sent"
        else:
            key = "matching.struggle_already"
        await send(context, uid, content.text(key, name=name, when=when))

    # -- /delete --------------------------------------------------------------------------

    async def on_delete(app: Application[Any, Any, Any, Any, Any, Any], user_id: int) -> None:
        context: Context = CallbackContext(app)
        now = clock.now()
        user = await storage.get_user(user_id)
        profile = await storage.get_profile(user_id)
        if profile is not None:
            # Never offered again while their rows are being erased.
            await storage.update_profile(user_id, now, active=False)
        await storage.leave_waitlist(user_id)
        ended_any = False
        for match in await storage.live_matches_of(user_id):
            side = "person" if match.person_id == user_id else "peer"
            ended = await storage.end_match(match.id, side, now)
            if ended is None:
                continue
            ended_any = True
            if side == "person":
                name = profile.display_name if profile else person_name(deps, user)
                await _tell(context, match.peer_id,
                            content.text("privacy.counterpart_ended", name=person_name(deps, user)))
            else:
                name = profile.display_name if profile else content.button(
                    "matching.peer_fallback")
                await _tell(context, match.person_id,
                            content.text("privacy.counterpart_ended", name=name))
                await _tell(context, match.person_id, content.text("matching.peer_left"),
                            buttons([[(content.button("matching.again_button"),
                                       M.pack("again"))]]))
        if ended_any:
            await on_capacity_freed(context, deps)

    return Flow(
        name="matching",
        handlers=[
            CommandHandler("match", match_command),
            CallbackQueryHandler(on_question, pattern=Q.pattern),
            CallbackQueryHandler(on_match_button, pattern=M.pattern),
            CallbackQueryHandler(on_answer, pattern=R.pattern),
        ],
        commands={"consumer": [("match", "commands.match")],
                  "carer": [("match", "commands.match")]},
        jobs=[RepeatingJob("tick:matching", tick, interval_s=60)],
        card_buttons=card_buttons,
        on_delete=on_delete,
    )
