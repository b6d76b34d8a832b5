"""/settings: a person changes their name, who they support, their region or time zone.

Each step is stored per person and read on every update; a button from a step that is no
longer open gets the polite stale answer and changes nothing.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot.routing import Ctx, StaleButton
from bot.services import people
from bot.storage import User
from flows.settings.callbacks import BackToMenu, Change, NewRegion, NewRelationship, NewZone
from flows.settings.views import (
    menu,
    name_question,
    region_question,
    relationship_question,
    timezone_question,
)

__all__ = ["MENU", "NAME", "REGION", "RELATIONSHIP", "TIMEZONE", "Handlers"]

MENU, NAME, RELATIONSHIP = "settings.menu", "settings.name", "settings.relationship"
REGION, TIMEZONE = "settings.region", "settings.timezone"


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
        ctx.goto(step)
        await ctx.show(*self._question(ctx, step))

    async def name(self, ctx: Ctx, text: str) -> None:
        """A new name, typed (a name that can't be one is asked again, by the router)."""
        await people.name_yourself(ctx.deps.storage, ctx.user_id, ctx.now, text)
        await self._saved(ctx)

    async def on_relationship(self, ctx: Ctx, data: NewRelationship) -> None:
        """Who a carer supports, now."""
        self._expect(ctx, RELATIONSHIP)
        await people.set_relationship(ctx.deps.storage, ctx.user_id, ctx.now, data.relationship)
        await self._saved(ctx)

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
        await people.set_timezone(ctx.deps.storage, ctx.events, ctx.user_id, ctx.now,
                                  zones[data.index])
        await self._saved(ctx)

    async def on_back(self, ctx: Ctx, data: BackToMenu) -> None:
        """Back to the menu, nothing changed."""
        self._expect(ctx, NAME, RELATIONSHIP, REGION, TIMEZONE)
        ctx.goto(MENU)
        await ctx.show(*menu(ctx.copy, self._user(ctx), ctx.deps.settings))

    async def ask(self, ctx: Ctx) -> None:
        """The open step's question again (after a crisis card, or typed words where buttons
        were offered)."""
        if ctx.step != MENU:
            await ctx.reply(*self._question(ctx, str(ctx.step)))
        elif ctx.user is not None:
            await ctx.reply(*menu(ctx.copy, ctx.user, ctx.deps.settings))

    async def buttons_only(self, ctx: Ctx, text: str) -> None:
        """Typed words where buttons were offered: the question again, with its buttons."""
        await self.ask(ctx)

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
        if ((what == "rel" and user.role != "carer")
                or (what == "region" and len(settings.offered_regions()) < 2)
                or (what == "tz" and len(settings.offered_timezones()) < 2)):
            raise StaleButton
        return {"name": NAME, "rel": RELATIONSHIP, "region": REGION, "tz": TIMEZONE}[what]

    @staticmethod
    def _question(ctx: Ctx, step: str) -> tuple[str, InlineKeyboardMarkup]:
        settings = ctx.deps.settings
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
        ctx.goto(MENU)
        await ctx.show(*menu(ctx.copy, user, ctx.deps.settings, saved=True))
