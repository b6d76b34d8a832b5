"""/invite makes a single-use link for a staff role; /report gives counts, never content."""

from __future__ import annotations

from bot.domain.invites import invitable_roles
from bot.routing import Ctx, StaleButton
from bot.services.evaluation import evaluate
from bot.services.invites import RoleNotInvitable, make_invite
from flows.coordinator.callbacks import InviteRole
from flows.coordinator.views import invite_link, invite_question, report

__all__ = ["Handlers"]


class Handlers:
    """One method per action."""

    async def invite(self, ctx: Ctx) -> None:
        """Ask which staff role to invite."""
        settings = ctx.deps.settings
        await ctx.reply(*invite_question(ctx.copy, invitable_roles(settings.model),
                                         settings.invite_expiry_hours))

    async def on_invite(self, ctx: Ctx, data: InviteRole) -> None:
        """Make the link and show it in place of the question."""
        settings = ctx.deps.settings
        try:
            link = await make_invite(ctx.deps.storage, settings, data.role, by=ctx.user_id,
                                     bot_username=settings.bot_username or ctx.bot.username,
                                     now=ctx.now)
        except RoleNotInvitable:  # a role this service's model has no place for
            raise StaleButton from None
        await ctx.show(invite_link(ctx.copy, data.role, link, settings.invite_expiry_hours))

    async def report(self, ctx: Ctx) -> None:
        """How the service is going, over the last 30 days."""
        settings = ctx.deps.settings
        counts = await evaluate(ctx.deps.storage, ctx.now, settings.tz)
        await ctx.reply(report(ctx.copy, settings.service_name, counts))
