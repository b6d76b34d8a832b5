"""/handover: a coordinator moves a person to another peer worker with room (the old match
ends as every match does; bot/services/matches.py)."""

from __future__ import annotations

from bot.domain.matching import Match
from bot.keyboards import page_slice, rows
from bot.links import menu_row
from bot.routing import Ctx, StaleButton
from bot.services import matches
from flows.relay.handover import consequences, views
from flows.relay.handover.callbacks import HandoverPage, HandoverTo, HandoverWho, HandoverYes
from flows.relay.names import peer_name, person_name

__all__ = ["PAGE", "Handlers"]

PAGE = 8  # people, or peer workers, per screen


class Handlers:
    """One method per action."""

    async def handover(self, ctx: Ctx) -> None:
        """The people matched now, to choose whom to hand over."""
        await ctx.reply(*await self._people(ctx, 0))

    async def on_page(self, ctx: Ctx, data: HandoverPage) -> None:
        """Another page of people (or back to the list)."""
        await ctx.show(*await self._people(ctx, data.page))

    async def on_who(self, ctx: Ctx, data: HandoverWho) -> None:
        """Who could support this person from now on."""
        match = await _active(ctx, data.match)
        person = await person_name(ctx.deps.storage, ctx.copy, match)
        options = await matches.handover_candidates(
            ctx.deps.storage, match, await _role(ctx, match), matches.policy(ctx.deps.settings)
        )
        if not options:
            await ctx.show(*views.no_peer(ctx.copy, person))
            return
        seal = ctx.deps.cipher.seal_id
        await ctx.show(
            *views.peers(
                ctx.copy,
                person,
                match.id,
                [
                    views.Peer(p.display_name, load, p.caseload_cap, seal(p.user_id))
                    for p, load in options[:PAGE]
                ],
            )
        )

    async def on_to(self, ctx: Ctx, data: HandoverTo) -> None:
        """Ask to confirm the handover."""
        match, new_peer = await _active(ctx, data.match), _opened(ctx, data.peer)
        options = await matches.handover_candidates(
            ctx.deps.storage, match, await _role(ctx, match), matches.policy(ctx.deps.settings)
        )
        if new_peer not in {p.user_id for p, _ in options}:
            raise matches.HandoverStale
        storage = ctx.deps.storage
        await ctx.show(
            *views.confirm(
                ctx.copy,
                person=await person_name(storage, ctx.copy, match),
                match_id=match.id,
                old=await peer_name(storage, ctx.copy, match.peer_id),
                new=await peer_name(storage, ctx.copy, new_peer),
                sealed=data.peer,
            )
        )

    async def on_yes(self, ctx: Ctx, data: HandoverYes) -> None:
        """Hand over: the messages that tell all three are kept with it, and sent next."""
        match, new_peer = await _active(ctx, data.match), _opened(ctx, data.peer)
        person = await person_name(ctx.deps.storage, ctx.copy, match)
        await matches.hand_over(
            ctx.deps.storage,
            ctx.events,
            match,
            new_peer,
            role=await _role(ctx, match),
            policy=matches.policy(ctx.deps.settings),
            now=ctx.now,
            within=lambda event: consequences.keep(event, ctx),
        )
        new = await peer_name(ctx.deps.storage, ctx.copy, new_peer)
        await ctx.show(ctx.copy.text("relay.handover_done", person=person, new=new))

    async def _people(self, ctx: Ctx, page: int) -> views.View:
        storage = ctx.deps.storage
        pairs = await storage.active_pairs()
        if not pairs:
            return ctx.copy.text("relay.handover_none"), rows(menu_row(ctx.copy))
        shown, page, pages = page_slice(pairs, page, PAGE)
        entries = []
        for match_id, person_id, peer_id in shown:
            person = await storage.get_user(person_id)
            entries.append(
                views.Pair(
                    match_id,
                    person.alias
                    if person and person.alias
                    else ctx.copy.button("relay.person_fallback", number=match_id),
                    await peer_name(storage, ctx.copy, peer_id),
                )
            )
        return views.people(ctx.copy, entries, page, pages)


async def _active(ctx: Ctx, match_id: int) -> Match:
    """MATCH_ID, if it exists (else the press is stale) and is still active (else the menu
    has changed since it was shown)."""
    match = await ctx.deps.storage.get_match(match_id)
    if match is None:
        raise StaleButton
    if match.status != "active":
        raise matches.HandoverStale
    return match


def _opened(ctx: Ctx, sealed: str) -> int:
    try:
        return ctx.deps.cipher.open_id(sealed)
    except ValueError:
        raise StaleButton from None


async def _role(ctx: Ctx, match: Match) -> str | None:
    person = await ctx.deps.storage.get_user(match.person_id)
    return person.role if person is not None else None
