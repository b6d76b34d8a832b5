"""/settings: a person changes their name, whether they're here as a person living with BPD or
as a carer (asked first about a request or match that is open), who they support, their region
or time zone. Every question has Back.

Each step is stored per person and read on every update; a button from a step that is no
longer open gets the polite stale answer and changes nothing.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot.domain.roles import PEOPLE_ROLES
from bot.routing import Ctx, StaleButton
from bot.services import matches, people
from bot.storage import User
from flows.settings.callbacks import (
    BackToMenu,
    Change,
    KeepMatch,
    NewRegion,
    NewRelationship,
    NewRole,
    NewZone,
)
from flows.settings.views import (
    keep_question,
    menu,
    name_again,
    name_question,
    region_question,
    relationship_question,
    role_question,
    timezone_question,
)

__all__ = ["CONFIRM", "MENU", "NAME", "REGION", "RELATIONSHIP", "ROLE", "TIMEZONE", "Handlers"]

MENU, NAME, RELATIONSHIP = "settings.menu", "settings.name", "settings.relationship"
REGION, TIMEZONE = "settings.region", "settings.timezone"
#: A new role (draft: role, and for a carer relationship), then, with a request or a match
#: open, whether to keep it.
ROLE, CONFIRM = "settings.role", "settings.keep"

Inline = tuple[str, InlineKeyboardMarkup]


class Handlers:
    """One method per action."""

    async def settings(self, ctx: Ctx) -> None:
        """The settings menu, for someone who has finished /start."""
        user = ctx.user
        if user is None or not user.consented or user.role is None:
            await ctx.reply(ctx.copy.text("common.need_start"))
            return
        ctx.start_step(MENU)
        await ctx.reply(*menu(ctx.copy, user, ctx.deps.settings))

    async def on_change(self, ctx: Ctx, data: Change) -> None:
        """A line of the menu: ask for the new value (or close the menu)."""
        self._expect(ctx, MENU)
        if data.what == "done":
            ctx.end_step()
            await ctx.show(ctx.copy.text("onboarding.settings_closed"))
            return
        step = self._step_for(ctx, self._user(ctx), data.what)
        ctx.start_step(step)
        await ctx.show(*await self._question(ctx, step))

    async def name(self, ctx: Ctx, text: str) -> None:
        """A new name, typed; one that won't do is explained and asked again, with Back."""
        try:
            await people.name_yourself(
                ctx.deps.storage,
                ctx.user_id,
                ctx.now,
                text,
                _reserved(ctx),
                was=ctx.user.alias if ctx.user is not None else None,
                events=ctx.events,
            )
        except people.NameNotValid as problem:
            await ctx.reply(*name_again(ctx.copy, problem.key))
            return
        await self._saved(ctx)

    async def on_role(self, ctx: Ctx, data: NewRole) -> None:
        """A person living with BPD, or a carer: a carer says who they support next; a change
        with a request or a match open asks first what becomes of it."""
        self._expect(ctx, ROLE)
        user = self._user(ctx)
        if data.role == "carer":
            if user.role != "carer":
                ctx.draft["role"] = "carer"  # who they support comes next
            ctx.goto(RELATIONSHIP)
            await ctx.show(*relationship_question(ctx.copy))
        elif user.role == "consumer":
            ctx.goto(MENU)
            await ctx.show(
                *menu(ctx.copy, user, ctx.deps.settings, note="onboarding.settings_role_unchanged")
            )
        else:
            ctx.draft["role"] = "consumer"
            await self._change_role(ctx)

    async def on_relationship(self, ctx: Ctx, data: NewRelationship) -> None:
        """Who a carer supports, now (or, becoming a carer, who they will)."""
        self._expect(ctx, RELATIONSHIP)
        if ctx.draft.get("role") == "carer":
            ctx.draft["relationship"] = data.relationship
            await self._change_role(ctx)
            return
        await people.set_relationship(ctx.deps.storage, ctx.user_id, ctx.now, data.relationship)
        await self._saved(ctx)

    async def on_keep(self, ctx: Ctx, data: KeepMatch) -> None:
        """Keep the request or match (where the peer worker may go on), or end it, and change."""
        self._expect(ctx, CONFIRM)
        if data.keep and not await self._can_keep(ctx, str(ctx.draft.get("role"))):
            raise StaleButton  # the match changed since the question was asked
        await self._apply_role(ctx, end_match=not data.keep)

    async def on_region(self, ctx: Ctx, data: NewRegion) -> None:
        """A region the service offers."""
        self._expect(ctx, REGION)
        regions = ctx.deps.settings.offered_regions()
        if data.region not in regions:
            raise StaleButton  # the service no longer offers it
        await people.set_region(ctx.deps.storage, ctx.user_id, ctx.now, data.region, regions)
        await self._saved(ctx)

    async def on_zone(self, ctx: Ctx, data: NewZone) -> None:
        """A time zone the service offers; what follows the person's clock moves with it."""
        self._expect(ctx, TIMEZONE)
        zones = ctx.deps.settings.offered_timezones()
        if not 0 <= data.index < len(zones):
            raise StaleButton
        await people.set_timezone(
            ctx.deps.storage, ctx.events, ctx.user_id, ctx.now, zones[data.index]
        )
        await self._saved(ctx)

    async def on_back(self, ctx: Ctx, data: BackToMenu) -> None:
        """Back to the menu, nothing changed."""
        self._expect(ctx, NAME, ROLE, RELATIONSHIP, CONFIRM, REGION, TIMEZONE)
        ctx.start_step(MENU)
        await ctx.show(*menu(ctx.copy, self._user(ctx), ctx.deps.settings))

    async def ask(self, ctx: Ctx) -> None:
        """The open step's question again (after a crisis card, typed words where buttons
        were offered, or a sticker)."""
        if ctx.step != MENU:
            await ctx.reply(*await self._question(ctx, str(ctx.step)))
        elif ctx.user is not None:
            await ctx.reply(*menu(ctx.copy, ctx.user, ctx.deps.settings))

    async def buttons_only(self, ctx: Ctx, text: str) -> None:
        """Typed words where buttons were offered: the question again, with its buttons."""
        await self.ask(ctx)

    # -- a new role -----------------------------------------------------------------------------

    async def _change_role(self, ctx: Ctx) -> None:
        """With a request or a match open, ask first; else change now."""
        if await ctx.deps.storage.live_match_for_person(ctx.user_id) is None:
            await self._apply_role(ctx, end_match=False)
            return
        ctx.goto(CONFIRM)
        await ctx.show(*await self._question(ctx, CONFIRM))

    async def _apply_role(self, ctx: Ctx, *, end_match: bool) -> None:
        role, relationship = ctx.draft.get("role"), ctx.draft.get("relationship")
        if role not in PEOPLE_ROLES or (role == "carer") != (relationship is not None):
            raise StaleButton  # a draft this question no longer matches
        await people.change_role(
            ctx.deps.storage,
            ctx.deps.storage,
            ctx.events,
            ctx.user_id,
            ctx.now,
            role=str(role),
            relationship=str(relationship) if relationship else None,
            end_match=end_match,
        )
        await self._saved(ctx)

    async def _can_keep(self, ctx: Ctx, role: str) -> bool:
        live = await ctx.deps.storage.live_match_for_person(ctx.user_id)
        profile = await ctx.deps.storage.get_profile(live.peer_id) if live else None
        return people.can_keep(live, profile, role, matches.policy(ctx.deps.settings))

    async def _keep_question(self, ctx: Ctx) -> Inline | None:
        """Keep or end the open request or match (None: it has closed meanwhile)."""
        role = str(ctx.draft.get("role"))
        live = await ctx.deps.storage.live_match_for_person(ctx.user_id)
        if live is None:
            return None
        profile = await ctx.deps.storage.get_profile(live.peer_id)
        name = profile.display_name if profile else ctx.copy.button("home.peer_fallback")
        return keep_question(
            ctx.copy,
            name=name,
            role=role,
            status=live.status,
            can_keep=people.can_keep(live, profile, role, matches.policy(ctx.deps.settings)),
        )

    # -- helpers --------------------------------------------------------------------------------

    @staticmethod
    def _user(ctx: Ctx) -> User:
        if ctx.user is None or not ctx.user.consented:
            raise StaleButton  # erased, or never set up, since the menu was sent
        return ctx.user

    @staticmethod
    def _expect(ctx: Ctx, *steps: str) -> None:
        if ctx.step not in steps:
            raise StaleButton  # a button from a menu that is no longer open

    @staticmethod
    def _step_for(ctx: Ctx, user: User, what: str) -> str:
        """The step a menu line opens, if this person's menu has that line."""
        settings = ctx.deps.settings
        if (
            (what == "rel" and user.role != "carer")
            or (what == "role" and user.role not in PEOPLE_ROLES)
            or (what == "region" and len(settings.offered_regions()) < 2)
            or (what == "tz" and len(settings.offered_timezones()) < 2)
        ):
            raise StaleButton
        return {"name": NAME, "role": ROLE, "rel": RELATIONSHIP, "region": REGION, "tz": TIMEZONE}[
            what
        ]

    async def _question(self, ctx: Ctx, step: str) -> Inline:
        settings = ctx.deps.settings
        if step == CONFIRM:
            question = await self._keep_question(ctx)
            if question is not None:
                return question
            ctx.goto(ROLE)  # the request or match closed meanwhile: nothing left to ask
            step = ROLE
        if step == ROLE:
            return role_question(ctx.copy, ctx.user.role if ctx.user else None)
        if step == RELATIONSHIP:
            return relationship_question(ctx.copy)
        if step == REGION:
            return region_question(ctx.copy, settings.offered_regions())
        if step == TIMEZONE:
            return timezone_question(ctx.copy, settings.offered_timezones())
        return name_question(ctx.copy)

    async def _saved(self, ctx: Ctx) -> None:
        user = await ctx.deps.storage.get_user(ctx.user_id)
        if user is None:  # erased meanwhile: there is no menu to go back to
            ctx.end_step()
            return
        ctx.start_step(MENU)
        await ctx.show(*menu(ctx.copy, user, ctx.deps.settings, saved=True))


def _reserved(ctx: Ctx) -> tuple[str, ...]:
    """Names nobody may choose: staff titles (in the copy's words) and the service's name."""
    return people.reserved_names(
        ctx.copy.raw("onboarding.reserved_names"), ctx.deps.settings.service_name
    )
