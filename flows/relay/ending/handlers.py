"""/end: either side ends a match after a yes; it ends as every match does (the service), with
the messages that tell the other side kept in the same transaction. A peer worker may then add
a few words for the person, which reach them inside the news (or, if it has gone, just
after it). State: flows/relay/ending/ending.mmd"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot import outbox
from bot.domain.matching import Match
from bot.domain.relay import GOODBYE_MAX_CHARS, clean_note
from bot.domain.roles import PEOPLE_ROLES
from bot.routing import Ctx, StaleButton
from bot.services import matches
from bot.services.events import DomainError
from flows.relay.ending import notices, views
from flows.relay.ending.callbacks import EndKeep, EndWhich, EndYes, GoodbyeFlagged, GoodbyeSkip
from flows.relay.names import peer_name, person_name, person_names

__all__ = ["GOODBYE", "Handlers"]

#: After a peer worker ends a match: a few words for the person (the draft holds the match,
#: how many of the person's messages were not passed on, and flagged words awaiting a yes).
GOODBYE = "relay.goodbye"


class Handlers:
    """One method per action."""

    async def end(self, ctx: Ctx) -> None:
        """Ask which match (a peer worker with several), then to confirm."""
        storage = ctx.deps.storage
        if ctx.user is not None and ctx.user.role in PEOPLE_ROLES:
            match = await storage.active_match_for_person(ctx.user_id)
            if match is None:
                live = await storage.live_match_for_person(ctx.user_id)
                if live is not None and live.status == "requested":  # nothing to end yet
                    name = await peer_name(storage, ctx.copy, live.peer_id)
                    await ctx.reply(ctx.copy.text("relay.end_request_open", peer=name))
                else:
                    await ctx.reply(ctx.copy.text("relay.end_none_person"))
                return
            await ctx.reply(*await self._confirm(ctx, match))
            return
        found = await storage.active_matches_for_peer(ctx.user_id)
        if not found:
            await ctx.reply(*views.none_peer(ctx.copy))
        elif len(found) == 1:
            await ctx.reply(*await self._confirm(ctx, found[0]))
        else:
            names = await person_names(storage, ctx.copy, ctx.user_id)
            await ctx.reply(*views.which(ctx.copy, names))

    async def on_which(self, ctx: Ctx, data: EndWhich) -> None:
        """The peer worker chose which match: ask to confirm."""
        match = await _own_active(ctx, data.match)
        await ctx.show(*await self._confirm(ctx, match))

    async def on_yes(self, ctx: Ctx, data: EndYes) -> None:
        """End the match (the other side's news kept with it); a person is offered a new
        choice next, a peer worker asked for a few words for the person."""
        match = await _own_active(ctx, data.match)
        as_person = ctx.user_id == match.person_id
        other = await _other(ctx, match, as_person)
        ended = await matches.end_match(
            ctx.deps.storage,
            ctx.events,
            match.id,
            by="person" if as_person else "peer",
            why="person" if as_person else "peer",
            now=ctx.now,
            within=lambda event: notices.keep(event, ctx),
        )
        if as_person:
            await ctx.show(views.ended(ctx.copy, other=other, unsent=ended.unsent))
            return
        ctx.start_step(GOODBYE, match=match.id, unsent=ended.unsent)
        await ctx.show(*views.goodbye_question(ctx.copy, other, match.id))

    async def on_keep(self, ctx: Ctx, data: EndKeep) -> None:
        """Nothing changes."""
        await ctx.show(ctx.copy.text("relay.end_kept"))

    # -- the few words --------------------------------------------------------------------

    async def ask_goodbye(self, ctx: Ctx) -> None:
        """The question again (after a crisis card, say)."""
        match = await self._ended(ctx)
        if match is None:
            return
        await ctx.reply(
            *views.goodbye_question(
                ctx.copy, await person_name(ctx.deps.storage, ctx.copy, match), match.id
            )
        )

    async def on_goodbye(self, ctx: Ctx, text: str) -> None:
        """Pass the words on (too long: say so, and wait for another go)."""
        match = await self._ended(ctx)
        if match is not None:
            await self._pass_on(ctx, match, _words(text))

    async def goodbye_flagged(self, ctx: Ctx, text: str) -> None:
        """Words the safety net flagged (the staff card is above): send them as they are, or
        change them? Until the answer they wait in the draft, encrypted like every draft."""
        match = await self._ended(ctx)
        if match is None:
            return
        ctx.draft["pending"] = _words(text)
        await ctx.reply(
            *views.goodbye_flagged(ctx.copy, await person_name(ctx.deps.storage, ctx.copy, match))
        )

    async def on_goodbye_flagged(self, ctx: Ctx, data: GoodbyeFlagged) -> None:
        """Send the flagged words as they are, or ask for them again."""
        pending = ctx.draft.get("pending") if ctx.step == GOODBYE else None
        if not isinstance(pending, str):
            raise StaleButton
        del ctx.draft["pending"]
        match = await self._ended(ctx)
        if match is None:
            raise StaleButton
        await ctx.answer()
        if data.send:
            await self._pass_on(ctx, match, pending)
        else:
            await ctx.reply(ctx.copy.text("relay.goodbye_again"))

    async def goodbye_not_text(self, ctx: Ctx) -> None:
        """A photo or a voice note where the words are typed."""
        await ctx.reply(ctx.copy.text("relay.goodbye_text_only"))

    async def on_skip(self, ctx: Ctx, data: GoodbyeSkip) -> None:
        """No words: the person's news goes now."""
        match = await ctx.deps.storage.get_match(data.match)
        if match is None or match.peer_id != ctx.user_id or match.status != "ended":
            raise StaleButton
        if ctx.step == GOODBYE and ctx.draft.get("match") == match.id:
            ctx.end_step()
        await outbox.send_now(
            ctx.deps, ctx.bot, [notices.ended_key(match.id, match.person_id)], ctx.events
        )
        await ctx.show(
            ctx.copy.text(
                "relay.goodbye_skipped", person=await person_name(ctx.deps.storage, ctx.copy, match)
            )
        )

    async def _pass_on(self, ctx: Ctx, match: Match, words: str) -> None:
        """Put the words inside the person's news if it hasn't gone yet (taking the plain one
        back), else send them just after it; then say what became of them."""
        storage, person_id = ctx.deps.storage, match.person_id
        async with storage.transaction():
            if await storage.take_back(notices.ended_key(match.id, person_id), ctx.now):
                key = notices.words_key(match.id, person_id)
                send = await notices.to_person(
                    ctx, match, why="peer", words=words, unsent=int(ctx.draft.get("unsent", 0))
                )
            else:
                key = notices.goodbye_key(match.id)
                copy = ctx.copy_for(await storage.get_user(person_id))
                send = outbox.Send(
                    person_id,
                    copy.text(
                        "relay.goodbye_after",
                        peer=await peer_name(storage, copy, match.peer_id),
                        words=words,
                    ),
                )
            await outbox.queue(ctx.deps, key, "notice", send)
        ctx.end_step()
        await outbox.send_now(ctx.deps, ctx.bot, [key], ctx.events)
        status = await storage.outbox_status(key)
        if status != "dropped":  # dropped: DeliveryFailed tells them
            person = await person_name(storage, ctx.copy, match)
            await ctx.reply(
                ctx.copy.text(
                    "relay.goodbye_sent" if status == "sent" else "relay.goodbye_soon",
                    person=person,
                )
            )

    async def _ended(self, ctx: Ctx) -> Match | None:
        """The match the open few words are for (the peer worker's, ended by them); if it
        is gone (the person erased their data), the step closes, saying so."""
        match = await ctx.deps.storage.get_match(int(ctx.draft.get("match", 0)))
        if match is None or match.peer_id != ctx.user_id or match.status != "ended":
            ctx.end_step()
            await ctx.reply(ctx.copy.text("relay.conversation_ended"))
            return None
        return match

    async def _confirm(self, ctx: Ctx, match: Match) -> tuple[str, InlineKeyboardMarkup]:
        as_person = ctx.user_id == match.person_id
        return views.confirm(
            ctx.copy, match.id, as_person=as_person, other=await _other(ctx, match, as_person)
        )


def _words(text: str) -> str:
    """The few words tidied, or a polite refusal (too long, or empty)."""
    cleaned = clean_note(text, limit=GOODBYE_MAX_CHARS)
    if cleaned is None:
        raise DomainError("relay.goodbye_invalid", limit=GOODBYE_MAX_CHARS)
    return cleaned


async def _own_active(ctx: Ctx, match_id: int) -> Match:
    """MATCH_ID if the person pressing is one of its two sides (else the press is stale);
    MatchOver if it has ended since."""
    match = await ctx.deps.storage.get_match(match_id)
    if match is None or ctx.user_id not in (match.person_id, match.peer_id):
        raise StaleButton
    if match.status != "active":
        raise matches.MatchOver
    return match


async def _other(ctx: Ctx, match: Match, as_person: bool) -> str:
    """The other side's name, as the one pressing knows them."""
    if as_person:
        return await peer_name(ctx.deps.storage, ctx.copy, match.peer_id)
    return await person_name(ctx.deps.storage, ctx.copy, match)
