"""/match: optional preference questions, a shortlist, a request; the peer worker's answer;
the waitlist; "let my peer worker know" from the crisis card. /match with a request open or a
place on the waitlist says where the person stands, with choices, and asks nothing again.
State: flows/matching/matching.mmd
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton
from telegram.ext import Application

from bot.deps import Deps
from bot.domain.matching import Match, next_question, option_values, preference_questions
from bot.domain.roles import PEOPLE_ROLES
from bot.routing import AppCtx, Ctx, StaleButton
from bot.safety import CardButtons
from bot.services import matches, shortlists
from bot.storage import User
from flows.matching import notices, views
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
from flows.matching.offers import (
    next_available,
    offer_waitlist,
    peer_label,
    policy,
    shortlist_view,
    timeout,
)

__all__ = ["PREFS", "Handlers", "card_buttons", "on_delete", "tick"]

#: The preference questions: the draft keeps the role's answers so far, the free-text
#: options shown (languages, cultures) and the question on screen.
PREFS = "matching.prefs"


class Handlers:
    """One method per action."""

    # -- /match and the questions ---------------------------------------------------------

    async def match(self, ctx: Ctx) -> None:
        """Start the optional questions (people only, with no request or match open and no
        place on the waitlist: those hear where they stand instead)."""
        person = _person(ctx)
        if person is None:
            await ctx.reply(ctx.copy.text("matching.not_for_staff"))
            return
        if await self._live_notice(ctx) or await self._waiting_notice(ctx):
            return
        await self._start_questions(ctx, person, prefs={}, first=True)

    async def change_prefs(self, ctx: Ctx, data: ChangePrefs) -> None:
        """Answer the questions again, starting from what was chosen before."""
        person = _person(ctx)
        if person is None:
            raise StaleButton
        if await self._live_notice(ctx):
            await ctx.answer()
            return
        prefs, _ = await ctx.deps.storage.get_preferences(ctx.user_id)
        await self._start_questions(ctx, person, prefs=prefs, first=False)

    async def ask_question(self, ctx: Ctx) -> None:
        """The question on screen, again (after a crisis card, say)."""
        role, options, prefs = _wizard(ctx)
        await ctx.reply(*views.question(ctx.copy, role, int(ctx.draft.get("q", 0)), options, prefs))

    async def typed(self, ctx: Ctx, text: str) -> None:
        """Something typed where an answer is tapped: say so, and ask again."""
        await ctx.reply(views.type_no_answer(ctx.copy))
        await self.ask_question(ctx)

    async def on_answer(self, ctx: Ctx, data: Answer) -> None:
        """Keep the answer and go to the next question (or the shortlist)."""
        role, options, prefs = _wizard(ctx)
        key = _question_key(role, data.q)
        values = option_values(key, options)
        if not 0 <= data.option < len(values):
            raise StaleButton
        prefs[key] = values[data.option]
        await self._next(ctx, data.q + 1)

    async def on_no_preference(self, ctx: Ctx, data: NoPreference) -> None:
        """Forget any answer to this question and go on."""
        role, _, prefs = _wizard(ctx)
        prefs.pop(_question_key(role, data.q), None)
        await self._next(ctx, data.q + 1)

    async def on_back(self, ctx: Ctx, data: BackTo) -> None:
        """Show an earlier question again."""
        role, options, prefs = _wizard(ctx)
        _question_key(role, data.q)
        ctx.draft["q"] = data.q
        await ctx.show(*views.question(ctx.copy, role, data.q, options, prefs))

    async def on_skip(self, ctx: Ctx, data: SkipRest) -> None:
        """Keep the answers so far and show the shortlist."""
        _wizard(ctx)
        await self._finish(ctx)

    # -- the shortlist and the waitlist ---------------------------------------------------

    async def on_pick(self, ctx: Ctx, data: Pick) -> None:
        """Send the chosen peer worker a request (if they are still free to take it, and the
        person hasn't asked them within the hour), and say truly whether it reached them."""
        person, peer_id = _person(ctx), _opened(ctx, data.peer)
        if person is None or person.role is None:
            raise StaleButton
        if ctx.step == PREFS:
            ctx.end_step()  # chosen from a shortlist shown earlier: the questions are over
        match = await self._request(ctx, person, peer_id)
        if match is None:
            return
        sent = await notices.send_request(ctx, match.id)
        if sent == "dropped":  # withdrawn, and the person told (consequences.tell_unreachable)
            await ctx.answer()
            return
        profile = await ctx.deps.storage.get_profile(peer_id)
        respond_by = views.when_text(ctx.copy, match.respond_by, ctx.now, ctx.deps.zone(person))
        await ctx.show(
            *views.requested(
                ctx.copy,
                peer_label(ctx, profile, person),
                respond_by,
                match.id,
                sent=sent == "sent",
            )
        )

    async def on_see_others(self, ctx: Ctx, data: SeeOthers) -> None:
        """Another page of the shortlist."""
        person = _person(ctx)
        if person is None:
            raise StaleButton
        await ctx.show(*await shortlist_view(ctx, person, offset=max(0, data.offset)))

    async def on_show_again(self, ctx: Ctx, data: ShowAgain) -> None:
        """The shortlist with the peer worker whose match just ended, last."""
        person = _person(ctx)
        if person is None:
            raise StaleButton
        await ctx.show(*await shortlist_view(ctx, person, show_again=True))

    async def on_keep_waiting(self, ctx: Ctx, data: KeepWaiting) -> None:
        """Keep waiting, for the answer to a request or for a place: nothing changes, and
        the person hears for what, and until when."""
        match = await ctx.deps.storage.live_match_for_person(ctx.user_id)
        position = await ctx.deps.storage.waitlist_position(ctx.user_id)
        if match is not None and match.status == "requested":
            profile = await ctx.deps.storage.get_profile(match.peer_id)
            await ctx.show(
                *views.still_pending(
                    ctx.copy,
                    peer_label(ctx, profile, ctx.user),
                    views.when_text(ctx.copy, match.respond_by, ctx.now, ctx.deps.zone(ctx.user)),
                )
            )
        elif match is None and position is not None:
            held = await ctx.deps.storage.held_for(ctx.user_id, ctx.now)
            until = (
                None
                if held is None
                else views.when_text(ctx.copy, held[1], ctx.now, ctx.deps.zone(ctx.user))
            )
            await ctx.show(*views.still_waiting(ctx.copy, position, until))
        else:
            raise StaleButton

    async def on_choose_again(self, ctx: Ctx, data: ChooseAgain) -> None:
        """A fresh shortlist, once a peer worker has left."""
        person = _person(ctx)
        if person is None:
            raise StaleButton
        if await self._live_notice(ctx):
            await ctx.answer()
            return
        await ctx.show(*await shortlist_view(ctx, person))

    async def on_join_waitlist(self, ctx: Ctx, data: JoinWaitlist) -> None:
        """Wait in line for a place (after seeing who is free now)."""
        person = _person(ctx)
        if person is None or person.role is None:
            raise StaleButton
        if await self._live_notice(ctx):
            await ctx.answer()
            return
        position = await shortlists.join_waitlist(
            ctx.deps.storage, ctx.now, policy(ctx.deps), ctx.user_id, person.role
        )
        await ctx.deps.storage.bump_counter(
            "waitlist_joined", ctx.deps.local_day(), person.region or ""
        )
        await ctx.show(*views.waitlisted(ctx.copy, position))

    async def on_leave_waitlist(self, ctx: Ctx, data: LeaveWaitlist) -> None:
        """Leave the line."""
        await ctx.deps.storage.leave_waitlist(ctx.user_id)
        await ctx.show(*views.left_waitlist(ctx.copy))

    async def on_withdraw(self, ctx: Ctx, data: Withdraw) -> None:
        """Take back an open request (it ends as every match does)."""
        match = await ctx.deps.storage.get_match(data.match)
        if match is None or match.person_id != ctx.user_id:
            raise StaleButton
        try:
            await matches.end_match(
                ctx.deps.storage, ctx.events, match.id, by="person", why="person", now=ctx.now
            )
        except matches.MatchOver:
            await ctx.answer(ctx.copy.button("matching.request_closed"))
            return
        await notices.forget(ctx, match.id)
        await ctx.show(ctx.copy.text("matching.withdrawn"))

    # -- the peer worker's answer, and the crisis card's button -----------------------------

    async def on_respond(self, ctx: Ctx, data: Respond) -> None:
        """The peer worker accepts or declines a request addressed to them."""
        match = await ctx.deps.storage.get_match(data.match)
        if match is None or match.peer_id != ctx.user_id:
            raise StaleButton
        answered = await matches.answer(
            ctx.deps.storage,
            ctx.events,
            match,
            accept=data.accept,
            now=ctx.now,
            within=notices.within(ctx),
        )
        person = await ctx.deps.storage.get_user(answered.person_id)
        alias = views.name_of(ctx.copy, person.alias if person else None)
        view = views.accepted_peer if answered.status == "active" else views.declined_peer
        await ctx.show(*view(ctx.copy, alias))

    async def on_struggling(self, ctx: Ctx, data: Struggling) -> None:
        """Let the person's peer worker know (at most once an hour). Once the notice has been
        tried, the person hears whether it reached them (consequences.tell_peer_struggling);
        asked again within the hour, they hear when the peer worker is next available."""
        result = await matches.struggling(ctx.deps.storage, ctx.events, ctx.user_id, ctx.now)
        if result is None:
            await ctx.answer(ctx.copy.button("matching.struggle_no_match"))
            return
        await ctx.answer()
        match, told = result
        if told:
            return
        profile = await ctx.deps.storage.get_profile(match.peer_id)
        when = views.when_text(
            ctx.copy, next_available(ctx.deps, profile, ctx.now), ctx.now, ctx.deps.zone(ctx.user)
        )
        await ctx.reply(
            views.struggle_reply(
                ctx.copy, told=told, when=when, name=peer_label(ctx, profile, ctx.user)
            )
        )

    # -- helpers ----------------------------------------------------------------------------

    async def _start_questions(
        self, ctx: Ctx, person: User, *, prefs: dict[str, str], first: bool
    ) -> None:
        assert person.role is not None
        options = await shortlists.options_for(
            ctx.deps.storage, ctx.now, person.role, policy(ctx.deps)
        )
        qi = next_question(person.role, options, 0)
        assert qi is not None  # the first questions are always fixed choices
        ctx.start_step(PREFS, q=qi, prefs=prefs, options=options)
        view = views.question(ctx.copy, person.role, qi, options, prefs, first=first)
        await (ctx.reply(*view) if first else ctx.show(*view))

    async def _next(self, ctx: Ctx, start: int) -> None:
        role, options, prefs = _wizard(ctx)
        following = next_question(role, options, start)
        if following is None:
            await self._finish(ctx)
            return
        ctx.draft["q"] = following
        await ctx.show(*views.question(ctx.copy, role, following, options, prefs))

    async def _finish(self, ctx: Ctx) -> None:
        """Store the answers and show the shortlist."""
        _, options, prefs = _wizard(ctx)
        ctx.end_step()
        person = _person(ctx)
        if person is None or await self._live_notice(ctx):
            await ctx.answer()
            return
        await ctx.deps.storage.save_preferences(ctx.user_id, ctx.now, prefs, options)
        await ctx.show(*await shortlist_view(ctx, person))

    async def _live_notice(self, ctx: Ctx) -> bool:
        """Tell someone with an open request or a match where things stand."""
        match = await ctx.deps.storage.live_match_for_person(ctx.user_id)
        if match is None:
            return False
        profile = await ctx.deps.storage.get_profile(match.peer_id)
        name = peer_label(ctx, profile, ctx.user)
        if match.status == "requested":
            respond_by = views.when_text(
                ctx.copy, match.respond_by, ctx.now, ctx.deps.zone(ctx.user)
            )
            position = await ctx.deps.storage.waitlist_position(ctx.user_id)
            await ctx.reply(*views.pending(ctx.copy, name, respond_by, match.id, position))
        else:
            await ctx.reply(*views.already_matched(ctx.copy, name))
        return True

    async def _waiting_notice(self, ctx: Ctx) -> bool:
        """Tell someone on the waitlist their place, and whether one is held for them now."""
        storage = ctx.deps.storage
        position = await storage.waitlist_position(ctx.user_id)
        if position is None:
            return False
        held = await storage.held_for(ctx.user_id, ctx.now)
        until = (
            None
            if held is None
            else views.when_text(ctx.copy, held[1], ctx.now, ctx.deps.zone(ctx.user))
        )
        await ctx.reply(*views.waiting(ctx.copy, position, until))
        return True

    async def _request(self, ctx: Ctx, person: User, peer_id: int) -> Match | None:
        """Ask PEER_ID for PERSON, its notice kept with the request; None once the person
        has been shown why not (and what they can do instead)."""
        assert person.role is not None
        try:
            return await matches.request(
                ctx.deps.storage,
                ctx.events,
                person_id=ctx.user_id,
                role=person.role,
                peer_id=peer_id,
                policy=policy(ctx.deps),
                now=ctx.now,
                answer_within=timeout(ctx.deps),
                within=notices.within(ctx),
            )
        except matches.LiveMatch:
            await ctx.answer()
            await self._live_notice(ctx)
        except matches.PeerNotFree:
            await ctx.show(*await shortlist_view(ctx, person, intro="matching.no_longer_free"))
        except matches.TooSoon as soon:
            await ctx.show(*await self._too_soon(ctx, person, peer_id, soon))
        return None

    async def _too_soon(
        self, ctx: Ctx, person: User, peer_id: int, soon: matches.TooSoon
    ) -> views.View:
        """The shortlist, headed by when the person may ask PEER_ID again."""
        profile = await ctx.deps.storage.get_profile(peer_id)
        when = views.when_text(ctx.copy, soon.retry_at, ctx.now, ctx.deps.zone(person))
        return await shortlist_view(
            ctx,
            person,
            intro="matching.too_soon",
            intro_params={"name": peer_label(ctx, profile, person), "when": when},
            leave_out=peer_id,
        )


def _person(ctx: Ctx) -> User | None:
    """The person, if they look for peer workers (a consumer or a carer)."""
    user = ctx.user
    return user if user is not None and user.role in PEOPLE_ROLES else None


def _wizard(ctx: Ctx) -> tuple[str, dict[str, list[str]], dict[str, str]]:
    """(role, options shown, answers so far) of the open questions; a press from questions
    no longer open is stale."""
    person = _person(ctx)
    if ctx.step != PREFS or person is None or person.role is None:
        raise StaleButton
    options: dict[str, list[str]] = ctx.draft.setdefault("options", {})
    prefs: dict[str, str] = ctx.draft.setdefault("prefs", {})
    return person.role, options, prefs


def _opened(ctx: Ctx, sealed: str) -> int:
    """The peer worker's Telegram id inside a button's sealed token (else the press is
    stale: a forged token is refused before anything is looked up)."""
    try:
        return ctx.deps.cipher.open_id(sealed)
    except ValueError:
        raise StaleButton from None


def _question_key(role: str, qi: int) -> str:
    questions = preference_questions(role)
    if not 0 <= qi < len(questions):
        raise StaleButton
    return questions[qi]


# -- the job, the crisis card's hook and /delete --------------------------------------------


async def tick(app: AppCtx) -> None:
    """tick:matching: remind peer workers of requests closing within a day, expire
    unanswered requests, let lapsed holds go, and offer places to people waiting who haven't
    been offered one yet (an expiry offers to everyone, next)."""
    now = app.deps.clock.now()
    await matches.remind(app.deps.storage, app.events, now, within=notices.within(app))
    expired = await matches.expire(app.deps.storage, app.events, now, within=notices.within(app))
    await app.deps.storage.release_lapsed_holds(now)
    if not expired:
        await offer_waitlist(app, include_offered=False)


def card_buttons(deps: Deps) -> CardButtons:
    """The crisis card's "Let my peer worker know I'm struggling", for someone matched."""

    async def buttons(user_id: int) -> list[InlineKeyboardButton]:
        """The extra buttons for USER_ID's card (none without a match)."""
        if await deps.storage.active_match_for_person(user_id) is None:
            return []
        person = await deps.storage.get_user(user_id)
        return [views.struggle_button(deps.content.for_person(person))]

    return buttons


async def on_delete(app: Application[Any, Any, Any, Any, Any, Any], user_id: int) -> None:
    """Before a person's rows are erased: every open request and match of theirs ends (the
    other side is told at once, while names can still be read), and they leave the line."""
    router = app.bot_data["router"]
    ctx: AppCtx = router.app_ctx(app)
    await matches.leave(ctx.deps.storage, ctx.events, user_id, ctx.deps.clock.now())
    await router.run_events(ctx.events.events, app)
