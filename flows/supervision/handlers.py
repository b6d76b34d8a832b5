"""/supervision asks how soon and what about; a coordinator picks the request up."""

from __future__ import annotations

from bot.routing import Ctx, StaleButton
from bot.services import supervision
from flows.supervision.callbacks import SkipNote, TakeRequest, UrgencyChoice
from flows.supervision.consequences import peer_name
from flows.supervision.views import ask_note, ask_urgency, taken, urgency_again

__all__ = ["URGENCY", "WHAT", "Handlers"]

URGENCY, WHAT = "supervision.urgency", "supervision.note"


class Handlers:
    """One method per action."""

    async def start(self, ctx: Ctx) -> None:
        """Ask how soon (the command's roles let only peer workers in)."""
        ctx.start_step(URGENCY)
        await ctx.reply(*ask_urgency(ctx.copy))

    async def urgency_typed(self, ctx: Ctx, text: str) -> None:
        """Something typed where a tap was wanted: offer the answers again."""
        await ctx.reply(*urgency_again(ctx.copy))

    async def ask_urgency(self, ctx: Ctx) -> None:
        """The urgency question again (after a crisis card, say)."""
        await ctx.reply(*ask_urgency(ctx.copy))

    async def on_urgency(self, ctx: Ctx, data: UrgencyChoice) -> None:
        """Keep the answer and ask what it is about."""
        if ctx.step != URGENCY:
            raise StaleButton
        ctx.draft["urgency"] = data.urgency
        ctx.goto(WHAT)
        await ctx.show(*ask_note(ctx.copy))

    async def ask_note(self, ctx: Ctx) -> None:
        """"What would you like to talk about?" again."""
        await ctx.reply(*ask_note(ctx.copy))

    async def on_note(self, ctx: Ctx, text: str) -> None:
        """Send the request with the note typed (too long: say so, and wait)."""
        await self._submit(ctx, text)

    async def on_skip(self, ctx: Ctx, data: SkipNote) -> None:
        """Send the request without a note."""
        if ctx.step != WHAT:
            raise StaleButton
        await ctx.answer()
        await self._submit(ctx, None)

    async def _submit(self, ctx: Ctx, note: str | None) -> None:
        role = ctx.user.role if ctx.user is not None else None
        await supervision.request(
            ctx.deps.storage, ctx.deps.cipher, ctx.events, peer_id=ctx.user_id, role=role,
            urgency=str(ctx.draft.get("urgency", "whenever")), note=note, now=ctx.now,
            day=ctx.deps.local_day())
        ctx.end_step()  # the coordinators are told next, then the peer worker how many heard

    async def on_take(self, ctx: Ctx, data: TakeRequest) -> None:
        """The first coordinator to tap has it; the others hear it is taken."""
        try:
            request = await supervision.take(ctx.deps.storage, ctx.events,
                                             request_id=data.request,
                                             coordinator_id=ctx.user_id, now=ctx.now)
        except supervision.AlreadyTaken as refusal:
            await ctx.answer(ctx.copy.button(refusal.key))
            return
        await ctx.answer()
        await ctx.reply(taken(ctx.copy, await peer_name(ctx.deps, request.peer_id)))
