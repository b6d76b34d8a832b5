"""/referral: a link (and QR code) per source, and how many came through each."""

from __future__ import annotations

import io
import re

from telegram.helpers import create_deep_linked_url

from bot.routing import Ctx, StaleButton
from bot.services.referrals import make_referral, payload_for
from flows.referral.callbacks import NewReferral, ReferralQr
from flows.referral.views import made, qr_png, sources

__all__ = ["STEP", "Handlers"]

STEP = "referral.name"


class Handlers:
    """One method per action."""

    async def command(self, ctx: Ctx) -> None:
        """The sources, their counts, and a way to make a new one."""
        storage = ctx.deps.storage
        started: dict[str, int] = {}
        for _day, _name, code, value in await storage.counters("referral_start"):
            started[code] = started.get(code, 0) + value
        await ctx.show(
            *sources(
                ctx.copy, await storage.referrals(), started, await storage.people_by_referral()
            )
        )

    async def new(self, ctx: Ctx, _: NewReferral) -> None:
        """Ask what the new link is for."""
        ctx.start_step(STEP)
        await ctx.answer()
        await self.ask(ctx)

    async def ask(self, ctx: Ctx) -> None:
        """(Re)ask for the source's name."""
        await ctx.reply(ctx.copy.text("referral.ask_name"))

    async def name(self, ctx: Ctx, text: str) -> None:
        """Make the link and send it with its QR code."""
        code = await make_referral(ctx.deps.storage, text, ctx.user_id, ctx.now, ctx.events)
        ctx.end_step()
        source = await ctx.deps.storage.referral(code)
        assert source is not None
        await self._send(ctx, source.code, source.name)

    async def qr(self, ctx: Ctx, data: ReferralQr) -> None:
        """Send a source's link and QR code again."""
        source = await ctx.deps.storage.referral(data.code)
        if source is None:
            raise StaleButton
        await ctx.answer()
        await self._send(ctx, source.code, source.name)

    async def _send(self, ctx: Ctx, code: str, name: str) -> None:
        link = create_deep_linked_url(ctx.bot.username, payload_for(code))
        await ctx.reply(made(ctx.copy, name, link))
        filename = (
            "referral-" + (re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "link") + ".png"
        )
        await ctx.bot.send_document(
            ctx.chat_id,
            io.BytesIO(qr_png(link)),
            filename=filename,
            caption=ctx.copy.text("referral.qr_caption", name=name, link=link),
        )
