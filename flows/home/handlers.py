"""/menu and the home's buttons: the home itself, "My peer worker", "My people", the
numbers, and buttons that do what a command does (bot/links.py's RunCommand)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from telegram import Update
from telegram.ext import CallbackContext

from bot.domain.hours import next_open
from bot.links import OpenHome, OpenMyPeerWorker, OpenMyPeople, RunCommand, ShowNumbers
from bot.menus import home
from bot.nominated_hours import describe_hours
from bot.routing import Command, Ctx, StaleButton
from bot.safety import send_card
from bot.services.events import DomainError
from bot.storage import User
from flows.home import views

__all__ = ["Handlers", "command_route"]


def command_route(flows: Sequence[Any], name: str) -> Command | None:
    """The route of /NAME in the flows' tables, if any flow declares it."""
    for flow in flows:
        for route in getattr(flow, "routes", ()):
            if isinstance(route, Command) and route.name == name:
                return route
    return None


def _may_use(user: User | None, route: Command) -> bool:
    """The router's rule: open to everyone, or to set-up people of the route's roles."""
    return route.roles is None or (user is not None and user.consented and user.role in route.roles)


class Handlers:
    """One method per action."""

    async def menu(self, ctx: Ctx) -> None:
        """/menu: the home, as a new message."""
        assert ctx.user is not None  # the route is for set-up roles only
        await ctx.reply(*await home(ctx, ctx.user))

    async def on_home(self, ctx: Ctx, data: OpenHome) -> None:
        """Back to the home, in place; like /menu, it steps out of anything half-done."""
        assert ctx.user is not None
        ctx.end_step()
        await ctx.show(*await home(ctx, ctx.user))

    async def on_run(self, ctx: Ctx, data: RunCommand) -> None:
        """Do what typing the command does, below the message the button sits on: the
        command's own route, its roles checked as the router checks them, any half-done step
        closed as a command closes it."""
        route = command_route(ctx.flows, data.command)
        if route is None or not _may_use(ctx.user, route):
            raise StaleButton
        # The command answers as if typed: new messages below this one, never an edit of it.
        typed = replace(ctx, update=Update(ctx.update.update_id))
        if data.command != "help":
            typed.end_step()
        try:
            await route.handler(typed)
        except DomainError as refusal:
            await typed.reply(ctx.copy.text(refusal.key, **refusal.params))
        finally:
            ctx.step, ctx.draft = typed.step, typed.draft
        await ctx.answer()

    async def on_my_peer(self, ctx: Ctx, data: OpenMyPeerWorker) -> None:
        """Who the person's peer worker is, their hours and how to write to them."""
        storage = ctx.deps.storage
        match = await storage.active_match_for_person(ctx.user_id)
        profile = await storage.get_profile(match.peer_id) if match is not None else None
        if match is None or profile is None:
            await ctx.show(*views.no_peer_worker(ctx.copy))
            return
        opens = next_open(profile.hours, ctx.deps.zone(profile), ctx.now)
        when = (
            ctx.copy.button("home.when_none")
            if opens is None
            else ctx.copy.button("home.when_now")
            if opens <= ctx.now
            else ctx.copy.when(opens.astimezone(ctx.deps.zone(ctx.user)))
        )
        hours = describe_hours(ctx.copy, profile.hours) or ctx.copy.button("home.when_none")
        await ctx.show(
            *views.my_peer_worker(
                ctx.copy, name=profile.display_name, hours=hours, tz=profile.timezone, when=when
            )
        )

    async def on_my_people(self, ctx: Ctx, data: OpenMyPeople) -> None:
        """A peer worker's people, and the requests waiting for their answer."""
        storage = ctx.deps.storage
        fallback = ctx.copy.button("home.person_fallback")
        people = [
            alias or fallback for _, alias in await storage.person_aliases_for_peer(ctx.user_id)
        ]
        requests: list[views.Request] = []
        for request in await storage.open_requests_for_peer(ctx.user_id):
            person = await storage.get_user(request.person_id)
            when = (
                ctx.copy.when(request.respond_by.astimezone(ctx.deps.zone(ctx.user)))
                if request.respond_by is not None
                else ctx.copy.button("home.soon")
            )
            requests.append((person.alias if person is not None else None, when))
        await ctx.show(*views.my_people(ctx.copy, people, requests))

    async def on_numbers(self, ctx: Ctx, data: ShowNumbers) -> None:
        """The crisis card that fits this person, as a new message (as /crisis shows it)."""
        await ctx.answer()
        extra = [f.card_buttons for f in ctx.flows if getattr(f, "card_buttons", None)]
        await send_card(ctx.deps, CallbackContext(ctx.app), ctx.user_id, ctx.chat_id, extra)
