"""/start: what the bot is, consent, role (or an invite), region, time zone and name; /help.

Nothing is stored before a person says yes: the privacy notice's buttons carry an invite
code or a referral link's code, if they came by one, and no step is opened until then (a
referral link only adds one to its source's daily count). After the yes, each step is stored
per person and read on every update. Once set up, /start and /help show the home: the main
actions for the person's role, as buttons (bot/menus.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import InlineKeyboardMarkup

from bot.domain.invites import looks_like_code
from bot.domain.roles import PEER_ROLES, PEOPLE_ROLES, STAFF_ROLES
from bot.links import CARE_TEAM_COMMAND, command_handler
from bot.menus import commands_for, home, set_role_commands
from bot.routing import Ctx, StaleButton
from bot.services import careteam, people, referrals
from bot.services.invites import InviteRefused, redeem_invite
from bot.storage import User
from flows.onboarding.callbacks import (
    BackToRoles,
    Consent,
    ConsentWithCareLink,
    ConsentWithCode,
    ConsentWithSource,
    RegionChoice,
    RelationshipChoice,
    RoleChoice,
    SkipName,
    StaffInvite,
    ZoneChoice,
)
from flows.onboarding.views import (
    Inline,
    care_link_waiting,
    code_question,
    code_refused,
    done,
    help_text,
    name_again,
    name_question,
    privacy_notice,
    region_question,
    relationship_question,
    role_given,
    role_question,
    staff_invite_question,
    timezone_question,
    welcome,
    welcome_back,
)

__all__ = ["CODE", "NAME", "REGION", "RELATIONSHIP", "ROLE", "TIMEZONE", "Handlers", "reserved"]

ROLE, RELATIONSHIP, CODE = "onboarding.role", "onboarding.relationship", "onboarding.code"
REGION, TIMEZONE, NAME = "onboarding.region", "onboarding.timezone", "onboarding.name"

#: No code the bot makes is this long; a longer one can't be ours, and cut short it still
#: finds nothing, so it is refused as unknown after the yes, as before.
_CODE_IN_BUTTON = 40


def _help(ctx: Ctx, role: str | None) -> str:
    return help_text(ctx.copy, role, commands_for(ctx.flows, role, ctx.deps, ctx.copy))


def reserved(ctx: Ctx) -> tuple[str, ...]:
    """Names nobody may choose here: staff titles (in the copy's words) and the service's."""
    return people.reserved_names(
        ctx.copy.raw("onboarding.reserved_names"), ctx.deps.settings.service_name
    )


class Handlers:
    """One method per action."""

    # -- /start -----------------------------------------------------------------------------

    async def start(self, ctx: Ctx) -> None:
        """Ask for consent first (counting a referral link's arrival); redeem an invite (a
        person is asked first); else the home, or pick up where the person left off."""
        payload = ctx.text.split(maxsplit=1)[0] if ctx.text else ""
        source = referrals.code_of(payload)
        care = careteam.code_of(payload)  # a clinician's care-team link: never an invite
        code = (
            ""
            if source or care
            else (payload[:_CODE_IN_BUTTON] if looks_like_code(payload) else "")
        )
        user = ctx.user
        answer_link = command_handler(ctx.flows, CARE_TEAM_COMMAND) if care else None
        if answer_link is not None and user is not None and user.consented and user.role:
            await answer_link(ctx)  # flows/careteam asks the person (or says why not)
        elif user is None or not user.consented:
            if (
                source is not None
                and await referrals.count_arrival(ctx.deps.storage, payload, ctx.deps.local_day())
                is None
            ):
                source = None  # not a link the service made: nothing to carry
            await ctx.reply(*welcome(ctx.copy, ctx.deps.settings.service_name))
            await ctx.reply(
                *privacy_notice(
                    ctx.copy,
                    code or None,
                    source=source,
                    care=care if answer_link is not None else None,
                )
            )
        elif code and user.role in PEOPLE_ROLES:
            await self._ask_about_staff_invite(ctx, user, code)
        elif code:
            await self._redeem(ctx, code, had_role=user.role is not None)
        elif user.role is None:
            await self._open(ctx, ROLE)
        else:
            await ctx.reply(*welcome_back(ctx.copy, user.alias))
            await ctx.reply(*await home(ctx, user))
            await set_role_commands(ctx.bot, ctx.deps, ctx.flows, ctx.user_id, user.role)

    async def on_consent(
        self, ctx: Ctx, data: Consent | ConsentWithCode | ConsentWithSource | ConsentWithCareLink
    ) -> None:
        """Yes, no, or tell me more (only until the person has said yes)."""
        if ctx.user is not None and ctx.user.consented:
            raise StaleButton  # asked and answered already
        code = data.code if isinstance(data, ConsentWithCode) else None
        source = data.source if isinstance(data, ConsentWithSource) else None
        care = data.care if isinstance(data, ConsentWithCareLink) else None
        if data.answer == "more":
            await ctx.show(*privacy_notice(ctx.copy, code, source=source, care=care, more=True))
        elif data.answer == "no":
            await people.consent(ctx.deps.storage, ctx.user_id, ctx.now, given=False)
            await ctx.show(ctx.copy.text("onboarding.refused"))
        else:
            await self._yes(ctx, code, source, care)

    # -- a staff invite, opened by someone set up as a person or a carer ----------------------

    async def _ask_about_staff_invite(self, ctx: Ctx, user: User, code: str) -> None:
        live = await ctx.deps.storage.live_match_for_person(ctx.user_id)
        name = ""
        if live is not None:
            profile = await ctx.deps.storage.get_profile(live.peer_id)
            name = profile.display_name if profile else ctx.copy.button("home.peer_fallback")
        ctx.end_step()
        await ctx.reply(
            *staff_invite_question(
                ctx.copy, str(user.role), code, live=live.status if live else None, name=name
            )
        )

    async def on_staff_invite(self, ctx: Ctx, data: StaffInvite) -> None:
        """Join as staff (the invite is used; then their request or match ends the one way
        every match does), or stay as they are (the invite stays unused)."""
        if ctx.user is None or ctx.user.role not in PEOPLE_ROLES:
            raise StaleButton  # answered already, or no longer a person
        if data.answer == "stay":
            await ctx.show(ctx.copy.text("onboarding.staff_kept"))
            return
        try:
            role = await redeem_invite(
                ctx.deps.storage,
                ctx.deps.settings,
                ctx.events,
                code=data.code,
                user_id=ctx.user_id,
                now=ctx.now,
            )
        except InviteRefused as refusal:
            await ctx.show(ctx.copy.text(refusal.key))
            return
        await people.end_support(ctx.deps.storage, ctx.events, ctx.user_id, ctx.now)
        await ctx.show(role_given(ctx.copy, role))
        await self._finish(ctx)

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
        await people.choose_role(
            ctx.deps.storage, ctx.user_id, ctx.now, role="carer", relationship=data.relationship
        )
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
        await people.set_region(
            ctx.deps.storage, ctx.user_id, ctx.now, data.region, settings.offered_regions()
        )
        await ctx.answer()
        await self._ask_next(
            ctx,
            await people.next_question(
                ctx.deps.storage,
                ctx.user_id,
                ctx.now,
                regions=settings.offered_regions(),
                zones=settings.offered_timezones(),
                after="region",
            ),
        )

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
        """The name they'd like to be called; one that won't do is explained, and the
        question asked again with its Skip."""
        try:
            await people.name_yourself(ctx.deps.storage, ctx.user_id, ctx.now, text, reserved(ctx))
        except people.NameNotValid as problem:
            await ctx.reply(*name_again(ctx.copy, problem.key))
            return
        await self._finish(ctx)

    async def on_skip(self, ctx: Ctx, data: SkipName) -> None:
        """No name, thanks."""
        self._expect(ctx, NAME)
        await ctx.answer()
        await self._finish(ctx)

    # -- the questions, asked (again after a crisis card, or typed words at a button step) ----

    async def ask_role(self, ctx: Ctx) -> None:
        """ "Which of these fits you best?"."""
        await ctx.reply(*_button_questions(ctx)[ROLE]())

    async def ask_relationship(self, ctx: Ctx) -> None:
        """ "Who do you support?"."""
        await ctx.reply(*_button_questions(ctx)[RELATIONSHIP]())

    async def ask_code(self, ctx: Ctx) -> None:
        """ "Please type your invite code"."""
        await ctx.reply(*code_question(ctx.copy))

    async def ask_region(self, ctx: Ctx) -> None:
        """ "Where are you?"."""
        await ctx.reply(*_button_questions(ctx)[REGION]())

    async def ask_timezone(self, ctx: Ctx) -> None:
        """ "Which time zone are you in?"."""
        await ctx.reply(*_button_questions(ctx)[TIMEZONE]())

    async def ask_name(self, ctx: Ctx) -> None:
        """ "What would you like to be called here?" (staff are told who sees it)."""
        user = await ctx.deps.storage.get_user(ctx.user_id)  # the role may be minutes old
        await ctx.reply(
            *name_question(
                ctx.copy,
                staff=user is not None and user.role in STAFF_ROLES,
                peer=user is not None and user.role in PEER_ROLES,
            )
        )

    async def buttons_only(self, ctx: Ctx, text: str) -> None:
        """Typed words where buttons were offered: the question again, with its buttons,
        after a line saying the buttons answer it (one message: one answer per update)."""
        view = _button_questions(ctx).get(str(ctx.step))
        if view is None:
            await self.ask_again(ctx)
            return
        question, markup = view()
        await ctx.reply(ctx.copy.text("onboarding.use_buttons") + "\n\n" + question, markup)

    async def ask_again(self, ctx: Ctx) -> None:
        """The open step's question again, with its buttons (a sticker or a photo where a
        button was wanted, say)."""
        await self._asks()[str(ctx.step)](ctx)

    # -- /help ------------------------------------------------------------------------------

    async def help(self, ctx: Ctx) -> None:
        """What this person can do: their role's command menu (settings and their data at the
        foot), with the home's buttons once set up (never closes a step)."""
        user = ctx.user
        if user is None or not user.consented or user.role is None:
            await ctx.reply(_help(ctx, None))
            return
        _, buttons = await home(ctx, user)
        await ctx.reply(_help(ctx, user.role), buttons)

    # -- the way through ----------------------------------------------------------------------

    def _asks(self) -> dict[str, Callable[[Ctx], Awaitable[None]]]:
        return {
            ROLE: self.ask_role,
            RELATIONSHIP: self.ask_relationship,
            CODE: self.ask_code,
            REGION: self.ask_region,
            TIMEZONE: self.ask_timezone,
            NAME: self.ask_name,
        }

    @staticmethod
    def _expect(ctx: Ctx, *steps: str) -> None:
        if ctx.step not in steps:
            raise StaleButton  # a button from a question that is no longer open

    async def _open(self, ctx: Ctx, step: str) -> None:
        care = ctx.draft.get("care")  # a care-team link waiting for the end of the setup
        ctx.start_step(step, **({"care": care} if care else {}))
        await self._asks()[step](ctx)

    async def _after_role(self, ctx: Ctx) -> None:
        settings = ctx.deps.settings
        await self._ask_next(
            ctx,
            await people.next_question(
                ctx.deps.storage,
                ctx.user_id,
                ctx.now,
                regions=settings.offered_regions(),
                zones=settings.offered_timezones(),
            ),
        )

    async def _ask_next(self, ctx: Ctx, question: people.NextQuestion) -> None:
        await self._open(ctx, {"region": REGION, "timezone": TIMEZONE, "name": NAME}[question])

    async def _yes(
        self, ctx: Ctx, code: str | None, source: str | None, care: str | None = None
    ) -> None:
        # A coordinator the service lists is one from their yes; an invite gives its role.
        role = await people.consent(
            ctx.deps.storage,
            ctx.user_id,
            ctx.now,
            given=True,
            coordinators=ctx.deps.settings.coordinators,
        )
        if source is not None:  # only now is anything kept: the source's name, nothing more
            found = await ctx.deps.storage.referral(source)
            await referrals.remember_source(
                ctx.deps.storage, ctx.user_id, found.name if found is not None else None
            )
        # The role question opens here; a care-team link rides in the drafts of the
        # questions to come (`_open`), for the end of the setup.
        ctx.start_step(ROLE, **({"care": care} if care else {}))
        if role is not None:
            await ctx.show(role_given(ctx.copy, role))
            await self._after_role(ctx)
        elif code is not None:
            await ctx.answer()
            await self._redeem(ctx, code, had_role=False)
        else:
            await ctx.show(*role_question(ctx.copy))

    async def _redeem(self, ctx: Ctx, code: str, *, had_role: bool) -> None:
        try:
            role = await redeem_invite(
                ctx.deps.storage,
                ctx.deps.settings,
                ctx.events,
                code=code,
                user_id=ctx.user_id,
                now=ctx.now,
            )
        except InviteRefused as refusal:
            await self._refused(ctx, refusal, had_role=had_role)
            return
        await ctx.reply(role_given(ctx.copy, role))
        if had_role:  # set up already: their name, region and time zone stay as they are
            await self._finish(ctx)
        else:
            await self._after_role(ctx)

    async def _refused(self, ctx: Ctx, refusal: InviteRefused, *, had_role: bool) -> None:
        """Someone set up carries on as they were; someone with no role yet may type another
        code, or (the code's role is gone) choose a role of their own."""
        if had_role:
            ctx.end_step()
            await ctx.reply(ctx.copy.text(refusal.key))
        elif refusal.problem == "role_unavailable":
            await ctx.reply(ctx.copy.text("onboarding.code_role_unavailable_new"))
            await self._open(ctx, ROLE)
        else:
            ctx.start_step(CODE)
            await ctx.reply(*code_refused(ctx.copy, refusal.key))

    async def _finish(self, ctx: Ctx) -> None:
        care = ctx.draft.get("care")
        ctx.end_step()
        user = await ctx.deps.storage.get_user(ctx.user_id)
        if user is None:  # erased meanwhile
            return
        people.onboarded(ctx.events, ctx.user_id, user.role)
        text, buttons = await home(ctx, user)
        markup: InlineKeyboardMarkup = buttons
        await ctx.reply(done(ctx.copy, user.alias, user.role, text), markup)
        if care and user.role in PEOPLE_ROLES:
            await ctx.reply(*care_link_waiting(ctx.copy, str(care)))


def _button_questions(ctx: Ctx) -> dict[str, Callable[[], Inline]]:
    """The steps answered with buttons, each with its question (asked, or asked again after
    typed words)."""
    copy, settings = ctx.copy, ctx.deps.settings
    return {
        ROLE: lambda: role_question(copy),
        RELATIONSHIP: lambda: relationship_question(copy),
        REGION: lambda: region_question(copy, settings.offered_regions()),
        TIMEZONE: lambda: timezone_question(copy, settings.offered_timezones()),
    }
