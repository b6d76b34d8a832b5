"""/end: either side ends a match after a yes; it ends as every match does (the service)."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot.domain.matching import Match
from bot.domain.roles import PEOPLE_ROLES
from bot.routing import Ctx, StaleButton
from bot.services import matches
from flows.relay.ending import views
from flows.relay.ending.callbacks import EndKeep, EndWhich, EndYes
from flows.relay.names import peer_name, person_name, person_names

__all__ = ["Handlers"]


class Handlers:
    """One method per action."""

    async def end(self, ctx: Ctx) -> None:
        """Ask which match (a peer worker with several), then to confirm."""
        storage = ctx.deps.storage
        if ctx.user is not None and ctx.user.role in PEOPLE_ROLES:
            match = await storage.active_match_for_person(ctx.user_id)
            if match is None:
                await ctx.reply(ctx.copy.text("relay.end_none_person"))
                return
            await ctx.reply(*await self._confirm(ctx, match))
            return
        found = await storage.active_matches_for_peer(ctx.user_id)
        if not found:
            await ctx.reply(ctx.copy.text("relay.end_none_peer"))
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
        """End the match; the other side is told next, and the person offered a new choice."""
        match = await _own_active(ctx, data.match)
        as_person = ctx.user_id == match.person_id
        other = await _other(ctx, match, as_person)
        ended = await matches.end_match(
            ctx.deps.storage, ctx.events, match.id, by="person" if as_person else "peer",
            why="person" if as_person else "peer", now=ctx.now)
        await ctx.show(views.ended(ctx.copy, as_person=as_person, other=other,
                                   unsent=ended.unsent))

    async def on_keep(self, ctx: Ctx, data: EndKeep) -> None:
        """Nothing changes."""
        await ctx.show(ctx.copy.text("relay.end_kept"))

    async def _confirm(self, ctx: Ctx, match: Match) -> tuple[str, InlineKeyboardMarkup]:
        as_person = ctx.user_id == match.person_id
        return views.confirm(ctx.copy, match.id, as_person=as_person,
                             other=await _other(ctx, match, as_person))


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
