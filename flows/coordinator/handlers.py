"""/invite makes a single-use link for a staff role; /report gives counts for a period (never
content) and a chart of the trends; /coord and staff governance."""

from __future__ import annotations

import io
from datetime import date

from telegram import InlineKeyboardMarkup

from bot import charts
from bot.domain.invites import invitable_roles
from bot.links import OpenCoordinatorHome
from bot.routing import Ctx, StaleButton
from bot.services import coordination
from bot.services.evaluation import (
    Period,
    chart_series,
    evaluate,
    named_period,
    parse_period,
    publish,
)
from bot.services.invites import RoleNotInvitable, make_invite
from bot.services.matches import policy
from flows.coordinator import views
from flows.coordinator.callbacks import (
    CoordPage,
    CoordScreen,
    Deactivate,
    DeactivateYes,
    InviteRole,
    ReportPeriod,
    Revoke,
)
from flows.coordinator.chart import render_report_chart
from flows.coordinator.views import invite_link, invite_question

__all__ = ["INVITE_STEP", "REPORT_STEP", "Handlers"]

REPORT_STEP = "coordinator.report_dates"
#: "Who would you like to invite?" is open: typed words are answered with its buttons again.
INVITE_STEP = "coordinator.invite_role"


class Handlers:
    """One method per action."""

    async def invite(self, ctx: Ctx) -> None:
        """Ask which staff role to invite."""
        ctx.start_step(INVITE_STEP)
        await ctx.show(*self._invite_question(ctx))

    async def ask_invite(self, ctx: Ctx) -> None:
        """The question again (after a crisis card, say)."""
        await ctx.reply(*self._invite_question(ctx))

    async def invite_typed(self, ctx: Ctx, text: str) -> None:
        """Words typed where a tap was wanted: the choices again, and how to stop."""
        _, markup = self._invite_question(ctx)
        await ctx.reply(ctx.copy.text("coordinator.invite_tap"), markup)

    def _leave_question(self, ctx: Ctx) -> None:
        """Moving to another screen leaves the invite question (or the report's dates)."""
        if ctx.step in (INVITE_STEP, REPORT_STEP):
            ctx.end_step()

    def _invite_question(self, ctx: Ctx) -> tuple[str, InlineKeyboardMarkup]:
        settings = ctx.deps.settings
        return invite_question(
            ctx.copy, invitable_roles(settings.model), settings.invite_expiry_hours
        )

    async def on_invite(self, ctx: Ctx, data: InviteRole) -> None:
        """Make the link and show it in place of the question."""
        if ctx.step == INVITE_STEP:
            ctx.end_step()
        settings = ctx.deps.settings
        try:
            link = await make_invite(
                ctx.deps.storage,
                settings,
                data.role,
                by=ctx.user_id,
                bot_username=settings.bot_username or ctx.bot.username,
                now=ctx.now,
            )
        except RoleNotInvitable:  # a role this service's model has no place for
            raise StaleButton from None
        await ctx.show(invite_link(ctx.copy, data.role, link, settings.invite_expiry_hours))

    # -- /report ------------------------------------------------------------------------------

    def _today(self, ctx: Ctx) -> date:
        return ctx.now.astimezone(ctx.deps.settings.tz).date()

    async def report(self, ctx: Ctx) -> None:
        """/report, and the home's Report button: which period? (Dates typed instead of a
        tap are read as the period.)"""
        ctx.start_step(REPORT_STEP)
        await ctx.show(*views.report_ask(ctx.copy, self._today(ctx)))

    async def on_report_period(self, ctx: Ctx, data: ReportPeriod) -> None:
        """A period chosen: the counts and the chart; "Other dates": ask for them."""
        if data.period == "custom":
            ctx.start_step(REPORT_STEP)
            await ctx.answer()
            await self.ask_dates(ctx)
            return
        ctx.end_step()
        await self._send_report(ctx, named_period(data.period, self._today(ctx)))

    async def ask_dates(self, ctx: Ctx) -> None:
        """(Re)ask for the dates."""
        await ctx.reply(ctx.copy.text("coordinator.report_custom_ask"))

    async def on_dates(self, ctx: Ctx, text: str) -> None:
        """Typed dates: the report for them, or a kind word and the choices again."""
        period = parse_period(text, self._today(ctx))
        if period is None:
            await ctx.reply(*views.report_unclear(ctx.copy, self._today(ctx)))
            return
        ctx.end_step()
        await self._send_report(ctx, period)

    async def _send_report(self, ctx: Ctx, period: Period) -> None:
        settings = ctx.deps.settings
        found = await evaluate(ctx.deps.storage, period, ctx.now, settings.tz)
        await ctx.show(*views.report(ctx.copy, settings.service_name, period, publish(found)))
        png = await charts.render(
            render_report_chart,
            chart_series(found),
            views.chart_labels(ctx.copy, settings.service_name, period),
        )
        await ctx.bot.send_photo(
            ctx.chat_id,
            io.BytesIO(png),
            filename="report.png",
            caption=views.chart_caption(ctx.copy, settings.service_name, period),
        )

    # -- the coordinator home ----------------------------------------------------------------

    async def home(self, ctx: Ctx) -> None:
        """/coord: the service at a glance, with buttons to act."""
        zone = ctx.deps.zone(ctx.user)
        found = await coordination.overview(ctx.deps.storage, ctx.now, zone)
        await ctx.show(*views.home(ctx.copy, found, ctx.now, zone))

    async def on_home(self, ctx: Ctx, data: OpenCoordinatorHome) -> None:
        """The home's "Coordinator home" button (bot/links.py)."""
        self._leave_question(ctx)
        await self.home(ctx)

    async def on_screen(self, ctx: Ctx, data: CoordScreen) -> None:
        """One of the coordinator's screens, in place of this message."""
        self._leave_question(ctx)
        match data.screen:
            case "home":
                await self.home(ctx)
            case "staff":
                await self._staff(ctx)
            case "invites":
                await self._invites(ctx)
            case "invite":
                await self.invite(ctx)
            case "report":
                await self.report(ctx)

    # -- staff governance ----------------------------------------------------------------------

    async def _staff(self, ctx: Ctx, page: int = 0) -> None:
        people = await coordination.staff_list(ctx.deps.storage)
        await ctx.show(*views.staff(ctx.copy, people, ctx.user_id, ctx.deps.cipher.seal_id, page))

    async def on_page(self, ctx: Ctx, data: CoordPage) -> None:
        """Another page of the staff or of the invites."""
        if data.screen == "staff":
            await self._staff(ctx, data.page)
        else:
            await self._invites(ctx, page=data.page)

    async def _staff_line(self, ctx: Ctx, sealed: str) -> coordination.StaffLine | None:
        """The member of staff a button's sealed id names (None: not a sealed id, or nobody
        on staff now: the same answer either way)."""
        try:
            user_id = ctx.deps.cipher.open_id(sealed)
        except ValueError:
            return None
        return next(
            (p for p in await coordination.staff_list(ctx.deps.storage) if p.user_id == user_id),
            None,
        )

    async def on_deactivate(self, ctx: Ctx, data: Deactivate) -> None:
        """Ask before ending someone's access: what happens to the people they support."""
        person = await self._staff_line(ctx, data.user)
        if person is None or person.user_id == ctx.user_id:
            raise StaleButton
        people = len(await ctx.deps.storage.active_matches_for_peer(person.user_id))
        await ctx.show(*views.deactivate_ask(ctx.copy, person, people, ctx.deps.cipher.seal_id))

    async def on_deactivate_yes(self, ctx: Ctx, data: DeactivateYes) -> None:
        """End their access now; say who went to whom."""
        person = await self._staff_line(ctx, data.user)
        if person is None:
            raise StaleButton
        try:
            done = await coordination.deactivate(
                ctx.deps.storage,
                ctx.events,
                user_id=person.user_id,
                by=ctx.user_id,
                policy=policy(ctx.deps.settings),
                now=ctx.now,
            )
        except coordination.CannotDeactivate as refusal:
            await ctx.show(ctx.copy.text(refusal.key))
            return
        name = views.name_or_unnamed(ctx.copy, person.name)
        await ctx.show(*views.deactivate_done(ctx.copy, name, done))

    async def _invites(self, ctx: Ctx, notice: str | None = None, page: int = 0) -> None:
        storage = ctx.deps.storage
        found = await storage.usable_invites(ctx.now)
        makers = {}
        for maker in {i.created_by for i in found if i.created_by is not None}:
            user = await storage.get_user(maker)
            makers[maker] = (
                user.alias
                if user is not None and user.alias
                else ctx.copy.button("coordinator.unnamed")
            )
        await ctx.show(
            *views.invites(ctx.copy, found, makers, ctx.deps.zone(ctx.user), notice, page)
        )

    async def on_revoke(self, ctx: Ctx, data: Revoke) -> None:
        """Stop an unused invite working, and show the list again."""
        try:
            await coordination.revoke_invite(ctx.deps.storage, data.invite, ctx.now)
        except coordination.InviteGone as refusal:
            await self._invites(ctx, ctx.copy.text(refusal.key))
            return
        await self._invites(ctx, ctx.copy.text("coordinator.invite_revoked"))
