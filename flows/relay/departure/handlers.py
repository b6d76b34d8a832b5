"""Going on leave, or leaving the service: a peer worker chooses, per person, what happens
while they are away (or has every person handed over before their access ends); "I'm back"
ends a leave. A coordinator may end a leaving peer worker's match when nobody can take the
person on. The use case lives in bot/services/departures.py. State: departure.mmd"""

from __future__ import annotations

from bot.domain.hours import next_open
from bot.links import StartDeparture
from bot.routing import Ctx, StaleButton
from bot.services import departures, matches
from flows.relay.departure import views
from flows.relay.departure.callbacks import (
    DepartureEnd,
    DepartureKind,
    DepartureNotNow,
    ImBack,
    LeaveChoice,
    LeavingYes,
)
from flows.relay.ending import notices
from flows.relay.names import person_name, person_names

__all__ = ["Handlers", "leave_view"]


async def leave_view(ctx: Ctx, peer_id: int) -> views.View:
    """The on-leave screen for PEER_ID: each person's handover or pause, I'm back."""
    storage = ctx.deps.storage
    departure = await storage.get_departure(peer_id)
    names = await person_names(storage, ctx.copy, peer_id)
    return views.leave(ctx.copy, names, departure.choices if departure is not None else {})


class Handlers:
    """One method per action."""

    async def on_start(self, ctx: Ctx, data: StartDeparture) -> None:
        """Going on leave or leaving; on leave already: the choices, and I'm back."""
        storage = ctx.deps.storage
        if await storage.get_profile(ctx.user_id) is None:
            raise departures.NoProfile
        departure = await storage.get_departure(ctx.user_id)
        if departure is None:
            await ctx.show(*views.kinds(ctx.copy))
        elif departure.kind == "leave":
            await ctx.show(*await leave_view(ctx, ctx.user_id))
        else:
            people = len(await storage.active_matches_for_peer(ctx.user_id))
            await ctx.show(
                ctx.copy.text(
                    "relay.leaving_under_way", people=ctx.copy.count("common.people", people)
                )
            )

    async def on_kind(self, ctx: Ctx, data: DepartureKind) -> None:
        """Leaving asks to confirm; leave starts now (new matches pause) and asks, per
        person, what happens while they are away."""
        if data.kind == "leaving":
            people = len(await ctx.deps.storage.active_matches_for_peer(ctx.user_id))
            await ctx.show(*views.leaving_confirm(ctx.copy, people))
            return
        await departures.start_departure(
            ctx.deps.storage, ctx.events, peer_id=ctx.user_id, kind="leave", by=None, now=ctx.now
        )
        await ctx.show(*await leave_view(ctx, ctx.user_id))

    async def on_leaving_yes(self, ctx: Ctx, data: LeavingYes) -> None:
        """Leaving: new matches pause, and every coordinator is asked to hand each person
        over; with nobody to hand over, access ends now."""
        await departures.start_departure(
            ctx.deps.storage, ctx.events, peer_id=ctx.user_id, kind="leaving", by=None, now=ctx.now
        )
        people = len(await ctx.deps.storage.active_matches_for_peer(ctx.user_id))
        await ctx.show(
            ctx.copy.text(
                "relay.leaving_started" if people else "relay.leaving_done",
                people=ctx.copy.count("common.people", people),
            )
        )

    async def on_not_now(self, ctx: Ctx, data: DepartureNotNow) -> None:
        """Nothing changes."""
        await ctx.show(ctx.copy.text("relay.end_kept"))

    async def on_choice(self, ctx: Ctx, data: LeaveChoice) -> None:
        """A handover or a pause for one person while on leave."""
        await departures.choose(
            ctx.deps.storage,
            ctx.events,
            peer_id=ctx.user_id,
            match_id=data.match,
            choice=data.choice,
            now=ctx.now,
        )
        await ctx.show(*await leave_view(ctx, ctx.user_id))

    async def on_back(self, ctx: Ctx, data: ImBack) -> None:
        """Back from leave: new matches resume, and the people who waited hear so (what they
        sent goes when the peer worker's hours next open)."""
        profile = await ctx.deps.storage.get_profile(ctx.user_id)
        resume = (
            next_open(profile.hours, ctx.deps.zone(profile), ctx.now)
            if profile is not None
            else None
        ) or ctx.now
        waited = await departures.back(
            ctx.deps.storage, ctx.events, peer_id=ctx.user_id, resume_at=resume, now=ctx.now
        )
        await ctx.show(
            ctx.copy.text(
                "relay.back_done" if waited else "relay.back_done_nobody",
                people=ctx.copy.count("common.people", len(waited)),
            )
        )

    async def on_end(self, ctx: Ctx, data: DepartureEnd) -> None:
        """A coordinator ends a leaving peer worker's match kindly (nobody could take the
        person on): it ends as every match does, and the person is offered a new choice."""
        storage = ctx.deps.storage
        match = await storage.get_match(data.match)
        if match is None:
            raise StaleButton
        departure = await storage.get_departure(match.peer_id)
        if match.status != "active" or departure is None or departure.kind != "leaving":
            raise departures.NotAway
        person = await person_name(storage, ctx.copy, match)
        await matches.end_match(
            storage,
            ctx.events,
            match.id,
            by="coordinator",
            why="departure",
            now=ctx.now,
            within=lambda event: notices.keep(event, ctx),
        )
        await ctx.show(ctx.copy.text("relay.departure_end_done", person=person))
