"""/start: what the bot is, consent, role (or an invite), region, time zone and name; /help.

Nothing is stored before a person says yes: the privacy notice's buttons carry an invite
code, if they came by one, and no step is opened until then. After the yes, each step is
stored per person and read on every update.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.domain.invites import looks_like_code
from bot.menus import commands_for, set_role_commands
from bot.routing import Ctx, StaleButton
from bot.services import people
from bot.services.invites import InviteRefused, redeem_invite
from flows.onboarding.callbacks import (
    BackToRoles,
    Consent,
    ConsentWithCode,
    RegionChoice,
    RelationshipChoice,
    RoleChoice,
    SkipName,
    ZoneChoice,
)
from flows.onboarding.views import (
    code_question,
    done,
    help_text,
    name_question,
    privacy_notice,
    region_question,
    relationship_question,
    role_given,
    role_question,
    timezone_question,
    welcome,
    welcome_back,
)

__all__ = ["CODE", "NAME", "REGION", "RELATIONSHIP", "ROLE", "TIMEZONE", "Handlers"]

ROLE, RELATIONSHIP, CODE = "onboarding.role", "onboarding.relationship", "onboarding.code"
REGION, TIMEZONE, NAME = "onboarding.region", "onboarding.timezone", "onboarding.name"

#: No code the bot makes is this long; a longer one can't be ours, and cut short it still
#: finds nothing, so it is refused as unknown after the yes, as before.
_CODE_IN_BUTTON = 40


def _help(ctx: Ctx, role: str | None) -> str:
    return help_text(ctx.copy, role, commands_for(ctx.flows, role, ctx.deps, ctx.copy))


class Handlers:
    """One method per action."""

    # -- /start -----------------------------------------------------------------------------

    async def start(self, ctx: Ctx) -> None:
        """Ask for consent first; redeem an invite; else pick up where the person left off."""
        code = ctx.text.split(maxsplit=1)[0] if ctx.text else ""
        code = code[:_CODE_IN_BUTTON] if looks_like_code(code) else ""
        user = ctx.user
        if user is None or not user.consented:
            await ctx.reply(*welcome(ctx.copy, ctx.deps.settings.service_name))
            await ctx.reply(*privacy_notice(ctx.copy, code or None))
        elif code:
            await self._redeem(ctx, code, had_role=user.role is not None)
        elif user.role is None:
            await self._open(ctx, ROLE)
        else:
            await ctx.reply(*welcome_back(ctx.copy, user.alias))
            await ctx.reply(_help(ctx, user.role))
            await set_role_commands(ctx.bot, ctx.deps, ctx.flows, ctx.user_id, user.role)

    async def on_consent(self, ctx: Ctx, data: Consent | ConsentWithCode) -> None:
        """Yes, no, or tell me more (only until the person has said yes)."""
        if ctx.user is not None and ctx.user.consented:
            raise StaleButton  # asked and answered already
        code = data.code if isinstance(data, ConsentWithCode) else None
        if data.answer == "more":
            await ctx.show(*privacy_notice(ctx.copy, code, more=True))
        elif data.answer == "no":
            await people.consent(ctx.deps.storage, ctx.user_id, ctx.now, given=False)
            await ctx.show(ctx.copy.text("onboarding.refused"))
        else:
            await self._yes(ctx, code)

    # -- role -------------------------------------------------------------------------------

    async def on_role(self, ctx: Ctx, data: RoleChoice) -> None:
        """A person living with BPD, a carer (who do you support?), or an invite code."""
        self._expect(ctx, ROLE)
        if data.role == "consumer":
            await people.choose_role(ctx.deps.storage, ctx.user_id, ctx.now, role="consumer")
            await ctx.answer()
            await self._after_role(ctx)
        elif data.role == "carer":
            ctx.goto(RELATIONSHIP)
            await ctx.show(*relationship_question(ctx.copy))
        else:
            ctx.goto(CODE)
            await ctx.show(*code_question(ctx.copy))

    async def on_relationship(self, ctx: Ctx, data: RelationshipChoice) -> None:
        """A carer says who they support."""
        self._expect(ctx, RELATIONSHIP)
        await people.choose_role(ctx.deps.storage, ctx.user_id, ctx.now, role="carer",
                                 relationship=data.relationship)
        await ctx.answer()
        await self._after_role(ctx)

    async def on_back(self, ctx: Ctx, data: BackToRoles) -> None:
        """Back to the roles, from who-do-you-support or the invite code."""
        self._expect(ctx, RELATIONSHIP, CODE)
        ctx.goto(ROLE)
        await ctx.show(*role_question(ctx.copy))

    async def code(self, ctx: Ctx, text: str) -> None:
        """An invite code, typed."""
        await self._redeem(ctx, text.strip(), had_role=False)

    # -- region, time zone, name --------------------------------------------------------------

    async def on_region(self, ctx: Ctx, data: RegionChoice) -> None:
        """A region the service offers."""
        self._expect(ctx, REGION)
        settings = ctx.deps.settings
        if data.region not in settings.offered_regions():
            raise StaleButton  # the service no longer offers it
        await people.set_region(ctx.deps.storage, ctx.user_id, ctx.now, data.region,
                                settings.offered_regions())
        await ctx.answer()
        await self._ask_next(ctx, await people.next_question(
            ctx.deps.storage, ctx.user_id, ctx.now, regions=settings.offered_regions(),
            zones=settings.offered_timezones(), after="region"))

    async def on_zone(self, ctx: Ctx, data: ZoneChoice) -> None:
        """A time zone the service offers."""
        self._expect(ctx, TIMEZONE)
        zones = ctx.deps.settings.offered_timezones()
        if not 0 <= data.index < len(zones):
            raise StaleButton
        await people.set_timezone(ctx.deps.storage, None, ctx.user_id, ctx.now, zones[data.index])
        await ctx.answer()
        await self._open(ctx, NAME)

    async def name(self, ctx: Ctx, text: str) -> None:
        """The name they'd like to be called (a refusal asks again, from the router)."""
        await people.name_yourself(ctx.deps.storage, ctx.user_id, ctx.now, text)
        await self._finish(ctx)

    async def on_skip(self, ctx: Ctx, data: SkipName) -> None:
        """No name, thanks."""
        self._expect(ctx, NAME)
        await ctx.answer()
        await self._finish(ctx)

    # -- the questions, asked (again after a crisis card, or typed words at a button step) ----

    async def ask_role(self, ctx: Ctx) -> None:
        """"Which of these fits you best?"."""
        await ctx.reply(*role_question(ctx.copy))

    async def ask_relationship(self, ctx: Ctx) -> None:
        """"Who do you support?"."""
        await ctx.reply(*relationship_question(ctx.copy))

    async def ask_code(self, ctx: Ctx) -> None:
        """"Please type your invite code"."""
        await ctx.reply(*code_question(ctx.copy))

    async def ask_region(self, ctx: Ctx) -> None:
        """"Where are you?"."""
        await ctx.reply(*region_question(ctx.copy, ctx.deps.settings.offered_regions()))

    async def ask_timezone(self, ctx: Ctx) -> None:
        """"Which time zone are you in?"."""
        await ctx.reply(*timezone_question(ctx.copy, ctx.deps.settings.offered_timezones()))

    async def ask_name(self, ctx: Ctx) -> None:
        """"What would you like to be called here?"."""
        await ctx.reply(*name_question(ctx.copy))

    async def buttons_only(self, ctx: Ctx, text: str) -> None:
        """Typed words where buttons were offered: the question again, with its buttons."""
        await self._asks()[str(ctx.step)](ctx)

    # -- /help ------------------------------------------------------------------------------

    async def help(self, ctx: Ctx) -> None:
        """What this person can do: their role's command menu (never closes a step)."""
        user = ctx.user
        await ctx.reply(_help(ctx, user.role if user is not None and user.consented else None))

    # -- the way through ----------------------------------------------------------------------

    def _asks(self) -> dict[str, Callable[[Ctx], Awaitable[None]]]:
        return {ROLE: self.ask_role, RELATIONSHIP: self.ask_relationship, CODE: self.ask_code,
                REGION: self.ask_region, TIMEZONE: self.ask_timezone, NAME: self.ask_name}

    @staticmethod
    def _expect(ctx: Ctx, *steps: str) -> None:
        if ctx.step not in steps:
            raise StaleButton  # a button from a question that is no longer open

    async def _open(self, ctx: Ctx, step: str) -> None:
        ctx.start_step(step)
        await self._asks()[step](ctx)

    async def _after_role(self, ctx: Ctx) -> None:
        settings = ctx.deps.settings
        await self._ask_next(ctx, await people.next_question(
            ctx.deps.storage, ctx.user_id, ctx.now, regions=settings.offered_regions(),
            zones=settings.offered_timezones()))

    async def _ask_next(self, ctx: Ctx, question: people.NextQuestion) -> None:
        await self._open(ctx, {"region": REGION, "timezone": TIMEZONE, "name": NAME}[question])

    async def _yes(self, ctx: Ctx, code: str | None) -> None:
        # A coordinator the service lists is one from their yes; an invite gives its role.
        role = await people.consent(ctx.deps.storage, ctx.user_id, ctx.now, given=True,
                                    coordinators=ctx.deps.settings.coordinators)
        if role is not None:
            await ctx.show(role_given(ctx.copy, role))
            await self._after_role(ctx)
        elif code is not None:
            await ctx.answer()
            await self._redeem(ctx, code, had_role=False)
        else:
            ctx.start_step(ROLE)
            await ctx.show(*role_question(ctx.copy))

    async def _redeem(self, ctx: Ctx, code: str, *, had_role: bool) -> None:
        try:
            role = await redeem_invite(ctx.deps.storage, ctx.deps.settings, ctx.events,
                                       code=code, user_id=ctx.user_id, now=ctx.now)
        except InviteRefused as refusal:
            # Someone with no role yet may type another code; someone set up carries on.
            if had_role:
                ctx.end_step()
            else:
                ctx.start_step(CODE)
            await ctx.reply(ctx.copy.text(refusal.key))
            return
        await ctx.reply(role_given(ctx.copy, role))
        await self._after_role(ctx)

    async def _finish(self, ctx: Ctx) -> None:
        ctx.end_step()
        user = await ctx.deps.storage.get_user(ctx.user_id)
        role = user.role if user is not None else None
        people.onboarded(ctx.events, ctx.user_id, role)
        await ctx.reply(*done(ctx.copy, user.alias if user is not None else None,
                              _help(ctx, role)))
