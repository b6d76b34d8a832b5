"""/supervision asks how soon and what about (or, while a request is waiting, offers to add to
it); a coordinator picks the request up."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.deps import Deps
from bot.routing import Ctx, StaleButton
from bot.services import supervision
from flows.supervision import notices
from flows.supervision.callbacks import (
    AddToRequest,
    SendFlagged,
    SkipNote,
    TakeRequest,
    UrgencyChoice,
)
from flows.supervision.views import (
    ask_addition,
    ask_note,
    ask_urgency,
    send_flagged,
    urgency_again,
    waiting,
)

__all__ = ["URGENCY", "WHAT", "Handlers", "exporter"]

URGENCY, WHAT = "supervision.urgency", "supervision.note"


class Handlers:
    """One method per action."""

    async def start(self, ctx: Ctx) -> None:
        """Ask how soon (the command's roles let only peer workers in); while a request is
        waiting, say it is with the coordinators and offer to add to it instead."""
        open_request = await supervision.waiting(ctx.deps.storage, ctx.user_id)
        if open_request is not None:
            asked = ctx.copy.when(
                datetime.fromtimestamp(open_request.created_at, ctx.deps.zone(ctx.user))
            )
            await ctx.reply(*waiting(ctx.copy, asked=asked, urgency=open_request.urgency))
            return
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

    async def on_add(self, ctx: Ctx, data: AddToRequest) -> None:
        """Ask what to add to the request still waiting."""
        if await supervision.waiting(ctx.deps.storage, ctx.user_id) is None:
            raise StaleButton
        ctx.start_step(WHAT, add=True)
        await ctx.show(*ask_addition(ctx.copy))

    async def ask_note(self, ctx: Ctx) -> None:
        """ "What would you like to talk about?" (or to add) again."""
        await ctx.reply(*(ask_addition(ctx.copy) if ctx.draft.get("add") else ask_note(ctx.copy)))

    async def on_note(self, ctx: Ctx, text: str) -> None:
        """Send the request with the note typed (too long: say so, and wait)."""
        await self._submit(ctx, text)

    async def flagged(self, ctx: Ctx, text: str) -> None:
        """Words the safety net flagged (the staff card is above them): supervision is
        where hard conversations go, so ask whether to send them; until the answer they
        wait in the draft, encrypted like every draft."""
        ctx.draft["pending"] = text
        await ctx.reply(*send_flagged(ctx.copy))

    async def on_send_flagged(self, ctx: Ctx, data: SendFlagged) -> None:
        """Send the flagged words, or ask for them again."""
        pending = ctx.draft.pop("pending", None)
        if ctx.step != WHAT or not isinstance(pending, str):
            raise StaleButton
        await ctx.answer()
        if data.send:
            await self._submit(ctx, pending)
        else:
            await self.ask_note(ctx)

    async def on_skip(self, ctx: Ctx, data: SkipNote) -> None:
        """Send the request without a note (or leave a waiting one as it is)."""
        if ctx.step != WHAT:
            raise StaleButton
        await ctx.answer()
        if ctx.draft.get("add"):
            ctx.end_step()
            await ctx.show(ctx.copy.text("supervision.left_as_is"))
            return
        await self._submit(ctx, None)

    async def _submit(self, ctx: Ctx, note: str | None) -> None:
        within = notices.within(ctx)
        if ctx.draft.get("add"):
            try:
                await supervision.add_to(
                    ctx.deps.storage,
                    ctx.deps.cipher,
                    ctx.events,
                    peer_id=ctx.user_id,
                    note=note,
                    now=ctx.now,
                    within=within,
                )
            except (supervision.NothingWaiting, supervision.NoteFull):
                ctx.end_step()  # nothing more can go with it (too long: say so, and wait)
                raise
            ctx.end_step()
            return
        role = ctx.user.role if ctx.user is not None else None
        asked = await supervision.request(
            ctx.deps.storage,
            ctx.deps.cipher,
            ctx.events,
            peer_id=ctx.user_id,
            role=role,
            urgency=str(ctx.draft.get("urgency", "whenever")),
            note=note,
            now=ctx.now,
            day=ctx.deps.local_day(),
            within=within,
        )
        ctx.end_step()  # the coordinators are told next, then the peer worker how many heard
        if not asked.changed:
            await ctx.reply(ctx.copy.text("supervision.left_as_is"))

    async def on_take(self, ctx: Ctx, data: TakeRequest) -> None:
        """The first coordinator to tap has it (they hear once the peer worker is told); the
        others hear it is taken."""
        try:
            await supervision.take(
                ctx.deps.storage,
                ctx.events,
                request_id=data.request,
                coordinator_id=ctx.user_id,
                now=ctx.now,
                within=notices.within(ctx),
            )
        except supervision.AlreadyTaken as refusal:
            await ctx.answer(ctx.copy.button(refusal.key))
            return
        await ctx.answer()


def exporter(deps: Deps) -> Any:
    """/mydata's readable section: the peer worker's own supervision notes, decrypted for
    them (the raw rows leave the ciphertext out)."""

    async def export(user_id: int) -> dict[str, Any]:
        found = await supervision.notes_of(deps.storage, deps.cipher, user_id)
        if not found:
            return {}
        copy = deps.content.for_person(await deps.storage.get_user(user_id))
        unreadable = copy.raw("supervision.note_unreadable")
        return {
            "supervision_notes": [
                {
                    "request_id": request.id,
                    "asked_at": request.created_at,
                    "urgency": request.urgency,
                    "taken": request.taken_at is not None,
                    "note": text if text is not None or request.note is None else unreadable,
                }
                for request, text in found
            ]
        }

    return export
